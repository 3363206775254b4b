//! `auto` format detection on every real fixture: each file is told as its own format, and
//! then parses as it.

use rhythm_ingest::format::{Format, detect, parse};
use rhythm_ingest::tracker::TrackerMapping;

#[test]
fn every_fixture_is_detected_as_its_format() {
    let root = crate::common::fixtures_dir();
    let dirs = [
        ("sarif", Format::Sarif),
        ("trivy", Format::Trivy),
        ("grype", Format::Grype),
        ("cyclonedx", Format::Cyclonedx),
        ("osv/scanner", Format::Osv),
        ("backlog/github", Format::GithubIssues),
        ("backlog/jira", Format::Jira),
    ];
    let mut checked = 0;
    let mut undetected = Vec::new();
    for (dir, expected) in dirs {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            match detect(&bytes, &name) {
                Ok(found) => {
                    assert_eq!(found, expected, "{dir}/{name} detected as {found}");
                    parse(found, &bytes, &TrackerMapping::default())
                        .unwrap_or_else(|e| panic!("{dir}/{name} detected but does not parse: {e}"));
                }
                Err(e) => undetected.push(format!("{dir}/{name}: {e}")),
            }
            checked += 1;
        }
    }
    // OSV advisory records are not scanner output: nothing may claim them.
    for entry in std::fs::read_dir(root.join("osv/records")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(detect(&bytes, "record.json").is_err(), "{} was claimed", path.display());
        checked += 1;
    }
    assert!(checked >= 89, "only {checked} fixtures checked");
    // Only files with nothing to tell them by (an empty file, a bare `null`) are left for the
    // user to name.
    assert!(undetected.len() <= 2, "undetected: {undetected:#?}");
}
