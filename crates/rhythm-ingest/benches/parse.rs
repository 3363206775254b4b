//! Parser throughput on generated scanner files, printed as findings per second and as a
//! ratio against a baseline run in the same process: reading the same bytes into an untyped
//! `serde_json::Value` (the cost of looking at every byte once), so figures compare across
//! noisy machines.
//!
//! `cargo bench -p rhythm-ingest` (default 200,000 results per file;
//! `RHYTHM_BENCH_RESULTS=1000000` for the issue's 1M-finding size).

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A CodeQL-like SARIF log: 40 rules, `results` results over 5,000 files, with
/// partialFingerprints, levels and locations.
fn sarif(results: usize) -> Vec<u8> {
    let mut s = String::with_capacity(results * 420);
    s.push_str(r#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"CodeQL","version":"2.19.0","rules":["#);
    for r in 0..40 {
        if r > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"id":"js/rule-{r}","name":"Rule{r}","shortDescription":{{"text":"Rule number {r} found a problem"}},"properties":{{"security-severity":"{}.{}","tags":["security"]}}}}"#,
            r % 10,
            r % 7
        );
    }
    s.push_str(r#"]}},"results":["#);
    for i in 0..results {
        if i > 0 {
            s.push(',');
        }
        let level = ["error", "warning", "note"][i % 3];
        let _ = write!(
            s,
            r#"{{"ruleId":"js/rule-{}","ruleIndex":{},"level":"{level}","message":{{"text":"Untrusted data reaches a sensitive sink in handler {i}."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module{}/file{}.js","uriBaseId":"%SRCROOT%"}},"region":{{"startLine":{},"startColumn":7}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}}}}"#,
            i % 40,
            i % 40,
            i % 50,
            i % 5000,
            (i % 900) + 1,
            (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

/// A Trivy image report: `results` vulnerabilities over 2,000 packages.
fn trivy(results: usize) -> Vec<u8> {
    let mut s = String::with_capacity(results * 520);
    s.push_str(r#"{"SchemaVersion":2,"ArtifactName":"registry.example.com/app:1.2.3","ArtifactType":"container_image","Results":[{"Target":"registry.example.com/app:1.2.3 (debian 12.5)","Class":"os-pkgs","Type":"debian","Vulnerabilities":["#);
    for i in 0..results {
        if i > 0 {
            s.push(',');
        }
        let sev = ["CRITICAL", "HIGH", "MEDIUM", "LOW"][i % 4];
        let _ = write!(
            s,
            r#"{{"VulnerabilityID":"CVE-2024-{:05}","PkgName":"pkg{}","InstalledVersion":"1.{}.0","FixedVersion":"1.{}.1","Severity":"{sev}","Title":"pkg{}: memory corruption in parser","Description":"A flaw was found.","CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","V3Score":9.8}}}},"References":["https://nvd.nist.gov/vuln/detail/CVE-2024-{:05}"]}}"#,
            i % 100_000,
            i % 2000,
            i % 30,
            i % 30,
            i % 2000,
            i % 100_000
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

/// The best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report(name: &str, bytes: &[u8], results: usize, parse: impl Fn(&[u8]) -> usize) {
    let baseline = best(3, || {
        let v: serde_json::Value = serde_json::from_slice(bytes).expect("generated JSON parses");
        black_box(v);
    });
    let mut found = 0;
    let typed = best(3, || found = black_box(parse(bytes)));
    assert_eq!(found, results, "{name}: every generated result is a finding");
    let per_s = |d: Duration| results as f64 / d.as_secs_f64();
    println!(
        "{name:6} {results:>9} results, {:>6.1} MB: parse {:>7.1} ms = {:>9.0} findings/s; untyped serde_json::Value baseline {:>7.1} ms = {:>9.0} results/s; parse/baseline time ratio {:.2}",
        bytes.len() as f64 / 1e6,
        typed.as_secs_f64() * 1e3,
        per_s(typed),
        baseline.as_secs_f64() * 1e3,
        per_s(baseline),
        typed.as_secs_f64() / baseline.as_secs_f64()
    );
}

#[expect(clippy::disallowed_methods, reason = "a benchmark reads its size from the environment")]
fn main() {
    let results: usize = std::env::var("RHYTHM_BENCH_RESULTS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let s = sarif(results);
    report("sarif", &s, results, |b| rhythm_ingest::sarif::parse(b).expect("generated SARIF parses").findings.len());
    drop(s);
    let t = trivy(results);
    report("trivy", &t, results, |b| rhythm_ingest::trivy::parse(b).expect("generated Trivy parses").findings.len());
}
