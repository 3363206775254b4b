//! SARIF 2.1.0 (`format = "sarif"`): every result of every run becomes a [`ScannedFinding`],
//! except results whose `kind` says they are not a problem.
//!
//! The file is read with typed structs that borrow strings from the input where they can (only
//! the fields used here; everything else is skipped). A malformed file is refused with the JSON
//! path of the offending value, e.g. `at runs[0].results[3].level: unknown variant ...`: the first
//! read is plain serde_json (fast), and only when it fails is the file read again through
//! `serde_path_to_error` to locate the error. Results are read in two steps: the log's read
//! keeps each result as its raw JSON text (checked, borrowed, not yet typed); then each is read
//! into its typed struct and turned into a finding at once, so a million results never exist
//! as typed structs together, and a large run is split over the machine's cores (in order: the
//! findings come out in the file's order whatever the split). A UTF-8 BOM is accepted; the document must be an
//! object and `version` must be `2.1.0` (else an error at `version`). `runs: []`, `results: []`
//! and `results: null` give zero findings. `level` must be one of the four SARIF values (a
//! located error otherwise); `kind` is free text. Nesting: typed values are at most a few levels
//! deep (an array where a string is expected is an error at that path), and members not read
//! here are skipped by serde_json without recursion, so deep input is an error or skipped, never
//! a stack overflow.
//!
//! Decisions:
//!
//! * **kind**: results with `kind` `pass`, `notApplicable` or `informational` are *not*
//!   findings (SARIF §3.27.9: they do not represent a problem — e.g. flawfinder's `pass` result
//!   without a location). `fail` (the default), `open`, `review` and unknown kinds are findings.
//! * **rule**: `ruleId`, else `rule.id`, else the id of the rule at `ruleIndex` / `rule.index`;
//!   else (gitleaks 7 has no rule reference) the id of the driver rule whose id the message text
//!   starts with (longest match), else the first line of the message (≤ 100 chars), else
//!   `"(no rule)"`. Never empty.
//! * **title**: rule `shortDescription.text`, else rule `name`, else the first line of the
//!   message (`message.text`, or the rule's `messageStrings[message.id]` with `{n}` replaced by
//!   `arguments[n]`), else the rule id; at most 300 characters.
//! * **severity**, first that applies:
//!   1. rule `properties["security-severity"]` (or the result's, when the rule has none): a
//!      number (or numeric string) is a CVSS score — ≥ 9 critical, ≥ 7 high, ≥ 4 medium, above
//!      0 low, 0 info (and it becomes `cvss_score`); a word (`CRITICAL`, `HIGH`, …) maps as
//!      below;
//!   2. result `level`: `error` → high, `warning` → medium, `note` → low, `none` → info;
//!   3. rule `defaultConfiguration.level`, mapped the same way;
//!   4. a severity word in rule then result properties `problem.severity`, `severity`,
//!      `issue_severity` (critical; high/error; medium/moderate/warning; low/note/recommendation;
//!      info/informational/none);
//!   5. SARIF's default level `warning` → medium.
//! * **location**: the first `physicalLocation.artifactLocation.uri` (or, when it has only an
//!   `index`, the uri of that entry of `run.artifacts`), its `uriBaseId` resolved
//!   through `run.originalUriBaseIds` (nested bases followed, at most 8 deep), `file://` removed,
//!   percent-decoded, plus `:startLine`; else the first logical location's
//!   `fullyQualifiedName` / `name`; else none.
//! * **fingerprint** (always through [`fingerprint`]): `partialFingerprints` as sorted
//!   `key=value` pairs together with tool, rule and location path (a line hash alone such as
//!   CodeQL's `primaryLocationLineHash` repeats across files); else `fingerprints` (string values,
//!   or `{"value": …}` objects as the non-conformant Black Duck export writes) with tool and rule;
//!   else tool, rule, location path, start line and message text. A fingerprint repeated within
//!   the file (flawfinder's `contextHash` for the same line content on two lines, a converter
//!   emitting one result twice, ESLint reporting the same message twice on one line) gets its
//!   occurrence number mixed in for the second and later ones, so fingerprints are unique per
//!   file; this depends on the tool's result order being stable between scans.
//! * **suppression**: a suppression entry counts when its `status` (or the pre-release name
//!   `state`, as in the spec's Appendix K) is absent or `accepted`. `rejected` and `underReview`
//!   do not suppress: a suppression still under review has not been granted, so the finding stays
//!   open. An empty `suppressions` array means not suppressed. `kind` is the entry's `kind`
//!   (`inSource` / `external`, or `unspecified`), the justification its non-blank `justification`.
//! * **aliases**: `CVE-…` / `GHSA-…` ids found in the rule id, rule name and rule tags, other than
//!   the rule itself.
//! * **bounds**: a rule, a base URI or an artifact is written once and may be referred to by every
//!   result, so what a result reads from shared text is windowed: rule id, tool name and each
//!   URI at most [`FIELD_MAX`] + 8 bytes (longer ones are cut, also in the fingerprint; results
//!   whose fingerprints then coincide are told apart by the occurrence rule above), rule short
//!   description / name 1,200 bytes, a `messageStrings` template and any `{n}`-substituted
//!   message 16 KiB (placeholders are replaced in one pass, the arguments' own text is not
//!   searched), severity words 32 bytes. The `CVE-`/`GHSA-` ids of each rule are found once per
//!   rule. The message-prefix rule lookup does one hash lookup per distinct rule-id length (ids
//!   up to 256 bytes). Kept strings are capped by [`ScannedFinding::bounded`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use percent_encoding::percent_decode_str;
use rhythm_domain::Severity;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{ALIASES_MAX, FIELD_MAX, ParseError, Scan, ScannedFinding, Suppression, fingerprint, prefix};

mod schema;
use schema::{Artifact, ArtifactLocation, Level, Log, Message, Rule, Run, S, SResult, Scalar, SuppressionEntry};

const TITLE_MAX: usize = 300;
const RULE_FROM_MESSAGE_MAX: usize = 100;
/// Longest message (a `messageStrings` template, or a text after `{n}` substitution) read, in
/// bytes: a template is shared by every result that names it, so it is looked at only this far.
const MESSAGE_MAX: usize = 16 * 1024;
/// Rule ids longer than this are not matched as message prefixes (gitleaks 7 fallback).
const PREFIX_RULE_MAX: usize = 256;
/// How much of a shared text (a rule id, name or description, a tool name, a base URI) one
/// finding reads: a little more than it keeps, so a cut still shows (`…`).
const SHARED_WINDOW: usize = FIELD_MAX + 8;

/// Parse a SARIF 2.1.0 log.
pub fn parse(bytes: &[u8]) -> Result<Scan, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // serde's derived structs also accept arrays; a SARIF log is an object.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        None => return Err(ParseError::new("$", "empty file, expected a SARIF log object")),
        Some(_) => return Err(ParseError::new("$", "expected a SARIF log object ({...})")),
    }
    let log = read_log(bytes)?;
    match log.version.as_deref() {
        Some("2.1.0") => {}
        Some(v) => {
            return Err(ParseError::new("version", format!("unsupported SARIF version {v:?}, expected \"2.1.0\"")));
        }
        None => return Err(ParseError::new("version", "missing SARIF version, expected \"2.1.0\"")),
    }
    let mut findings = Vec::new();
    for (i, run) in log.runs.iter().flatten().enumerate() {
        parse_run(i, run, &mut findings)?;
    }
    disambiguate(&mut findings);
    Ok(Scan { format: "sarif", findings })
}

/// Reads the log with plain serde_json (fast: `serde_path_to_error` records every map key it
/// passes); only when that fails is the file read again with path tracking, to say where.
fn read_log(bytes: &[u8]) -> Result<Log<'_>, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let fast = Log::deserialize(&mut de).and_then(|log| de.end().map(|()| log));
    let first_error = match fast {
        Ok(log) => return Ok(log),
        Err(e) => e,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Log<'_>>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            let path = if path.is_empty() || path == "." { "$".to_owned() } else { path };
            Err(ParseError::new(path, e.into_inner().to_string()))
        }
        // The document itself was fine: what follows it is not.
        Ok(_) => Err(ParseError::new("$", first_error.to_string())),
    }
}

/// Repeated fingerprints within one file (the same line content on two lines for a line-hash
/// fingerprint, or a tool emitting one result twice) get the occurrence number mixed in, as
/// CodeQL's `primaryLocationLineHash` does with its `:n` suffix: the first keeps its fingerprint,
/// the n-th (n ≥ 2) becomes `fingerprint([fp, "occurrence", n])`.
fn disambiguate(findings: &mut [ScannedFinding]) {
    // Almost always every fingerprint is unique already: find out without copying them (with a
    // fast seeded hash: the fingerprints are SHA-256 digests).
    {
        let mut unique: HashSet<&str, foldhash::fast::RandomState> =
            HashSet::with_capacity_and_hasher(findings.len(), foldhash::fast::RandomState::default());
        if findings.iter().all(|f| unique.insert(&f.fingerprint)) {
            return;
        }
    }
    let mut seen: HashMap<String, u32> = HashMap::with_capacity(findings.len());
    for f in findings.iter_mut() {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let mut fp = fingerprint(&[&f.fingerprint, "occurrence", &n.to_string()]);
            // A derived fingerprint could, in theory, equal a later original one: keep going.
            while seen.contains_key(&fp) {
                fp = fingerprint(&[&fp, "occurrence"]);
            }
            seen.insert(fp.clone(), 1);
            f.fingerprint = fp;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Normalizing

struct RunCtx<'r, 'a> {
    tool: &'r str,
    components: Vec<&'r [Rule<'a>]>,
    by_id: HashMap<&'r str, &'r Rule<'a>>,
    /// The distinct lengths (longest first) of rule ids of at most [`PREFIX_RULE_MAX`] bytes.
    id_lengths: Vec<usize>,
    /// Per rule (by address): the `CVE-`/`GHSA-` ids of its id, name and tags, worked out once.
    rule_aliases: HashMap<usize, Vec<String>>,
    base_ids: Option<&'r HashMap<S<'a>, ArtifactLocation<'a>>>,
    artifacts: &'r [Artifact<'a>],
}

fn parse_run(run_index: usize, run: &Run<'_>, out: &mut Vec<ScannedFinding>) -> Result<(), ParseError> {
    let Some(results) = run.results.as_deref() else { return Ok(()) };
    let mut components: Vec<&[Rule<'_>]> = vec![run.tool.driver.rules.as_deref().unwrap_or(&[])];
    for ext in run.tool.extensions.iter().flatten() {
        components.push(ext.rules.as_deref().unwrap_or(&[]));
    }
    let mut by_id = HashMap::new();
    let mut rule_aliases = HashMap::new();
    for rules in components.iter().rev() {
        for r in *rules {
            if let Some(id) = r.id.as_deref() {
                by_id.insert(id, r);
            }
            rule_aliases.insert(rule_addr(r), def_aliases(r));
        }
    }
    let mut id_lengths: Vec<usize> =
        by_id.keys().map(|id| id.len()).filter(|n| (1..=PREFIX_RULE_MAX).contains(n)).collect();
    id_lengths.sort_unstable_by(|a, b| b.cmp(a));
    id_lengths.dedup();
    let ctx = RunCtx {
        tool: prefix(run.tool.driver.name.as_deref().unwrap_or("(unknown tool)"), SHARED_WINDOW),
        components,
        by_id,
        id_lengths,
        rule_aliases,
        base_ids: run.original_uri_base_ids.as_ref(),
        artifacts: run.artifacts.as_deref().unwrap_or(&[]),
    };
    // A large run's results are read on all the machine's cores.
    let read_part = |offset: usize, part: &[&RawValue]| -> Result<Vec<ScannedFinding>, ParseError> {
        let mut findings = Vec::with_capacity(part.len());
        for (j, raw) in part.iter().enumerate() {
            let result = read_result(raw, run_index, offset + j)?;
            if let Some(kind) = result.kind.as_deref()
                && matches!(kind, "pass" | "notApplicable" | "informational")
            {
                continue;
            }
            findings.push(finding(&ctx, &result));
        }
        Ok(findings)
    };
    let parts = crate::parallel::map_parts(results, read_part);
    // The first error in the file's order is the one reported.
    for part in parts {
        let mut part = part?;
        if out.is_empty() {
            *out = part;
        } else {
            out.append(&mut part);
        }
    }
    Ok(())
}

/// Result `index` of run `run_index`, from its JSON text; a value of the wrong type is located
/// as `runs[r].results[i].<path>`.
fn read_result<'a>(raw: &'a RawValue, run_index: usize, index: usize) -> Result<SResult<'a>, ParseError> {
    let text = raw.get();
    let mut de = serde_json::Deserializer::from_str(text);
    if let Ok(result) = SResult::deserialize(&mut de) {
        return Ok(result);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let path = format!("runs[{run_index}].results[{index}]");
    match serde_path_to_error::deserialize::<_, SResult<'a>>(&mut de) {
        Ok(result) => Ok(result),
        Err(e) => {
            let inner = e.path().to_string();
            let path = if inner.is_empty() || inner == "." { path } else { format!("{path}.{inner}") };
            Err(ParseError::new(path, e.into_inner().to_string()))
        }
    }
}

fn finding(ctx: &RunCtx<'_, '_>, r: &SResult<'_>) -> ScannedFinding {
    let rule_def = find_rule(ctx, r);
    let message = message_text(r.message.as_ref(), rule_def);
    let first_line = message.as_deref().map(|m| m.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(""));

    // rule
    let mut rule_def = rule_def;
    let named = r
        .rule_id
        .as_deref()
        .or_else(|| r.rule.as_ref().and_then(|x| x.id.as_deref()))
        .or_else(|| rule_def.and_then(|d| d.id.as_deref()))
        .map(|s| prefix(s, SHARED_WINDOW).trim())
        .filter(|s| !s.is_empty());
    let rule: String = if let Some(id) = named {
        id.to_owned()
    } else if let Some(d) = message.as_deref().and_then(|msg| rule_prefixing(ctx, msg)) {
        rule_def = Some(d);
        d.id.as_deref().unwrap_or_default().to_owned()
    } else {
        let from_message = truncate(first_line.unwrap_or(""), RULE_FROM_MESSAGE_MAX);
        if from_message.is_empty() { "(no rule)".to_owned() } else { from_message }
    };

    // title
    // Rule texts are shared by every result of the rule: only their start is read.
    let title_src = rule_def
        .and_then(|d| d.short_description.as_ref().and_then(|t| t.text.as_deref()))
        .map(|t| prefix(t, 4 * TITLE_MAX).trim())
        .filter(|t| !t.is_empty())
        .or_else(|| {
            rule_def.and_then(|d| d.name.as_deref()).map(|t| prefix(t, 4 * TITLE_MAX).trim()).filter(|t| !t.is_empty())
        })
        .or(first_line.filter(|t| !t.is_empty()))
        .unwrap_or(&rule);
    let title = truncate(title_src.lines().next().unwrap_or(title_src).trim(), TITLE_MAX);

    // severity
    let (severity, cvss_score) = severity(rule_def, r);

    // location
    let loc = r.locations.as_deref().and_then(|l| l.first());
    let phys = loc.and_then(|l| l.physical_location.as_ref());
    let path = phys.and_then(|p| p.artifact_location.as_ref()).and_then(|a| {
        // An artifactLocation may carry only an index into run.artifacts.
        let a = if a.uri.is_none() {
            a.index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| ctx.artifacts.get(i))
                .and_then(|art| art.location.as_ref())
                .unwrap_or(a)
        } else {
            a
        };
        resolve_uri(a, ctx.base_ids)
    });
    let line = phys.and_then(|p| p.region.as_ref()).and_then(|r| r.start_line);
    let location = match (&path, line) {
        (Some(p), Some(l)) => Some(format!("{p}:{l}")),
        (Some(p), None) => Some(p.clone()),
        (None, _) => loc
            .and_then(|l| l.logical_locations.as_deref())
            .and_then(|ls| ls.iter().find_map(|x| x.fully_qualified_name.as_deref().or(x.name.as_deref())))
            .map(str::to_owned),
    };

    // fingerprint
    let loc_key = path.as_deref().or(location.as_deref()).unwrap_or("");
    let fp = if let Some(pf) = r.partial_fingerprints.as_ref().filter(|m| !m.is_empty()) {
        let pairs = pairs(pf);
        let mut parts: Vec<&str> = vec!["sarif:partial", ctx.tool, &rule, loc_key];
        parts.extend(pairs.iter().map(String::as_str));
        fingerprint(&parts)
    } else if let Some(f) = r.fingerprints.as_ref().filter(|m| !m.is_empty()) {
        let pairs = pairs(f);
        let mut parts: Vec<&str> = vec!["sarif:full", ctx.tool, &rule];
        parts.extend(pairs.iter().map(String::as_str));
        fingerprint(&parts)
    } else {
        let line = line.map(|l| l.to_string()).unwrap_or_default();
        fingerprint(&["sarif:derived", ctx.tool, &rule, loc_key, &line, message.as_deref().unwrap_or("")])
    };

    ScannedFinding {
        tool: ctx.tool.to_owned(),
        aliases: aliases(ctx, &rule, rule_def),
        rule,
        title,
        severity,
        component: None,
        version: None,
        fixed_version: None,
        location,
        cvss_score,
        cvss_vector: None,
        suppression: suppression(r.suppressions.as_deref()),
        baseline_state: r.baseline_state.as_deref().map(str::to_owned),
        fingerprint: fp,
    }
    .bounded()
}

fn rule_addr(r: &Rule<'_>) -> usize {
    std::ptr::from_ref(r) as usize
}

fn find_rule<'r, 'a>(ctx: &RunCtx<'r, 'a>, r: &SResult<'_>) -> Option<&'r Rule<'a>> {
    let comp = r
        .rule
        .as_ref()
        .and_then(|x| x.tool_component.as_ref())
        .and_then(|c| c.index)
        .and_then(|i| usize::try_from(i).ok())
        // toolComponent index counts extensions from 0; the driver is components[0].
        .map_or(0, |i| i + 1);
    let index = r.rule_index.or_else(|| r.rule.as_ref().and_then(|x| x.index));
    if let Some(i) = index.and_then(|i| usize::try_from(i).ok())
        && let Some(rule) = ctx.components.get(comp).and_then(|rules| rules.get(i))
    {
        return Some(rule);
    }
    let id = r.rule_id.as_deref().or_else(|| r.rule.as_ref().and_then(|x| x.id.as_deref()))?;
    ctx.by_id.get(id).or_else(|| id.split_once('/').and_then(|(parent, _)| ctx.by_id.get(parent))).copied()
}

/// Gitleaks 7 has no rule reference; its message reads "<rule id> secret detected". The longest
/// rule id (of at most [`PREFIX_RULE_MAX`] bytes) the message starts with: one lookup per
/// distinct id length, so the work per result does not grow with the number of rules.
fn rule_prefixing<'r, 'a>(ctx: &RunCtx<'r, 'a>, msg: &str) -> Option<&'r Rule<'a>> {
    ctx.id_lengths
        .iter()
        .filter(|&&n| n <= msg.len() && msg.is_char_boundary(n))
        .find_map(|&n| ctx.by_id.get(&msg[..n]).copied())
}

fn message_text<'m>(m: Option<&'m Message<'_>>, rule: Option<&'m Rule<'_>>) -> Option<Cow<'m, str>> {
    let m = m?;
    let template: &str = match m.text.as_deref().or(m.markdown.as_deref()) {
        Some(t) => t,
        None => {
            let id = m.id.as_deref()?;
            // A rule's message string is shared by all its results: read only its start.
            rule.and_then(|r| r.message_strings.as_ref())
                .and_then(|ms| ms.get(&S(Cow::Borrowed(id))))
                .and_then(|t| t.text.as_deref())
                .map_or(id, |t| prefix(t, MESSAGE_MAX))
        }
    };
    let args = m.arguments.as_deref().unwrap_or(&[]);
    if args.is_empty() || !template.contains('{') {
        return Some(Cow::Borrowed(template));
    }
    Some(Cow::Owned(substitute(template, args, MESSAGE_MAX)))
}

/// `{n}` placeholders replaced by `args[n]` (as text; a placeholder without a usable argument
/// stays as written), in one pass: an argument's own text is not searched for placeholders.
/// The output stops growing at `max` bytes (a `{0}{0}{0}…` template with a large argument
/// cannot expand without bound).
fn substitute(template: &str, args: &[Scalar<'_>], max: usize) -> String {
    let mut out = String::with_capacity(template.len().min(max));
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if out.len() >= max {
            return out;
        }
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let canonical = digits == 1 || (digits > 1 && !after.starts_with('0'));
        let arg = (canonical && after.as_bytes().get(digits) == Some(&b'}'))
            .then(|| after[..digits].parse::<usize>().ok())
            .flatten()
            .and_then(|i| args.get(i))
            .and_then(Scalar::as_str);
        match arg {
            Some(a) => {
                out.push_str(prefix(&a, max.saturating_sub(out.len())));
                rest = &after[digits + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    if out.len() < max {
        out.push_str(prefix(rest, max - out.len()));
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

fn pairs(m: &BTreeMap<S<'_>, Scalar<'_>>) -> Vec<String> {
    m.iter().map(|(k, v)| format!("{}={}", &**k, v.as_str().unwrap_or_default())).collect()
}

fn level_severity(l: Level) -> Severity {
    match l {
        Level::Error => Severity::High,
        Level::Warning => Severity::Medium,
        Level::Note => Severity::Low,
        Level::None => Severity::Info,
    }
}

fn word_severity(w: &str) -> Option<Severity> {
    // A rule's properties are shared by all its results: do not lower-case a huge string each time.
    if w.len() > 32 {
        return None;
    }
    Some(match w.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "error" => Severity::High,
        "medium" | "moderate" | "warning" => Severity::Medium,
        "low" | "note" | "recommendation" => Severity::Low,
        "info" | "informational" | "none" => Severity::Info,
        _ => return None,
    })
}

fn severity(rule: Option<&Rule<'_>>, r: &SResult<'_>) -> (Severity, Option<f64>) {
    let rule_props = rule.and_then(|d| d.properties.as_ref());
    let security_severity = rule_props
        .and_then(|p| p.security_severity.as_ref())
        .or_else(|| r.properties.as_ref().and_then(|p| p.security_severity.as_ref()));
    if let Some(ss) = security_severity {
        let score = match ss {
            Scalar::Num(n) => Some(*n),
            Scalar::Str(s) if s.len() <= 64 => s.trim().parse::<f64>().ok(),
            Scalar::Str(_) | Scalar::Other => None,
        }
        .filter(|n| n.is_finite() && (0.0..=10.0).contains(n));
        if let Some(n) = score {
            return (crate::json_input::severity_from_score(n), Some(n));
        }
        if let Some(sev) = ss.as_str().and_then(|w| word_severity(&w)) {
            return (sev, None);
        }
    }
    if let Some(l) = r.level {
        return (level_severity(l), None);
    }
    if let Some(l) = rule.and_then(|d| d.default_configuration.as_ref()).and_then(|c| c.level) {
        return (level_severity(l), None);
    }
    for props in [rule_props, r.properties.as_ref()].into_iter().flatten() {
        for s in [&props.problem_severity, &props.severity, &props.issue_severity].into_iter().flatten() {
            if let Some(sev) = s.as_str().and_then(|w| word_severity(&w)) {
                return (sev, None);
            }
        }
    }
    (Severity::Medium, None)
}

fn suppression(entries: Option<&[SuppressionEntry<'_>]>) -> Option<Suppression> {
    entries?
        .iter()
        .find(|e| e.status.as_deref().or(e.state.as_deref()).is_none_or(|st| st.eq_ignore_ascii_case("accepted")))
        .map(|e| Suppression {
            kind: e.kind.as_deref().filter(|k| !k.is_empty()).unwrap_or("unspecified").to_owned(),
            justification: e.justification.as_deref().map(str::trim).filter(|j| !j.is_empty()).map(str::to_owned),
        })
}

fn resolve_uri(a: &ArtifactLocation<'_>, bases: Option<&HashMap<S<'_>, ArtifactLocation<'_>>>) -> Option<String> {
    // Artifact and base locations are shared by every result that refers to them: only the
    // start of each URI is read, so the path built here is at most 9 windows long.
    let uri = prefix(a.uri.as_deref()?, SHARED_WINDOW).trim();
    let mut full = uri.to_owned();
    let has_scheme = |s: &str| {
        s.split_once(':').is_some_and(|(sch, _)| {
            sch.len() > 1 && sch.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        })
    };
    if !has_scheme(uri) {
        let mut base_id = a.uri_base_id.as_deref();
        for _ in 0..8 {
            let Some(id) = base_id else { break };
            let Some(base) = bases.and_then(|b| b.get(&S(Cow::Borrowed(id)))) else { break };
            let Some(b) = base.uri.as_deref().map(|b| prefix(b, SHARED_WINDOW).trim()) else { break };
            full = if b.is_empty() || b.ends_with('/') || full.starts_with('/') {
                format!("{b}{full}")
            } else {
                format!("{b}/{full}")
            };
            if has_scheme(b) {
                break;
            }
            base_id = base.uri_base_id.as_deref();
        }
    }
    let mut path: &str = &full;
    if let Some(rest) = path.strip_prefix("file:") {
        path = rest.strip_prefix("//").unwrap_or(rest);
        // file:////src/x (an empty authority and an absolute path) → /src/x
        while path.starts_with("//") {
            path = &path[1..];
        }
    }
    // file:///C:/x → /C:/x → C:/x
    let b = path.as_bytes();
    if b.len() >= 3 && b[0] == b'/' && b[1].is_ascii_alphabetic() && b[2] == b':' {
        path = &path[1..];
    }
    // `%XX` decoded, a stray `%` kept, `+` left alone, invalid UTF-8 as U+FFFD.
    let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
    (!decoded.is_empty()).then_some(decoded)
}

/// The `CVE-`/`GHSA-` ids of the rule id, then of the rule definition (worked out once per rule
/// in [`def_aliases`]), other than the rule itself; at most [`ALIASES_MAX`].
fn aliases(ctx: &RunCtx<'_, '_>, rule: &str, def: Option<&Rule<'_>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if out.len() < ALIASES_MAX && !id.eq_ignore_ascii_case(rule) && !out.iter().any(|o| o.eq_ignore_ascii_case(id))
        {
            out.push(id.to_owned());
        }
    };
    for id in vuln_ids(rule) {
        add(&id);
    }
    let from_def = def.and_then(|d| ctx.rule_aliases.get(&rule_addr(d)));
    for id in from_def.into_iter().flatten() {
        add(id);
    }
    out
}

/// The distinct (ignoring case) `CVE-`/`GHSA-` ids in a rule's id, name and tags, in that order;
/// one more than [`ALIASES_MAX`] at most (one may be the rule itself).
fn def_aliases(d: &Rule<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let texts = d.id.as_deref().into_iter().chain(d.name.as_deref()).chain(
        d.properties.iter().flat_map(|p| p.tags.iter().flatten()).filter_map(|t| match t {
            Scalar::Str(t) => Some(&**t),
            _ => None,
        }),
    );
    for s in texts {
        for id in vuln_ids(s) {
            if out.len() > ALIASES_MAX {
                return out;
            }
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&id)) {
                out.push(id);
            }
        }
    }
    out
}

/// `CVE-YYYY-NNNN…` and `GHSA-xxxx-xxxx-xxxx` ids in `s` (also when followed by more text, as
/// in Grype's `CVE-2008-0732-geronimo-…` rule ids).
fn vuln_ids(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let upper = s.to_ascii_uppercase();
    let b = upper.as_bytes();
    let digits = |from: usize| b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    for (start, _) in upper.match_indices("CVE-") {
        if start > 0 && b[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let y = start + 4;
        if digits(y) == 4 && b.get(y + 4) == Some(&b'-') {
            let n = digits(y + 5);
            if n >= 4 {
                out.push(upper[start..y + 5 + n].to_owned());
            }
        }
    }
    for (start, _) in upper.match_indices("GHSA-") {
        if start > 0 && b[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let body = start + 5;
        let ok = (0..3).all(|g| {
            let at = body + g * 5;
            at + 4 <= b.len()
                && b[at..at + 4].iter().all(u8::is_ascii_alphanumeric)
                && (g == 2 || b.get(at + 4) == Some(&b'-'))
        }) && b.get(body + 14).is_none_or(|c| !c.is_ascii_alphanumeric());
        if ok {
            out.push(format!("GHSA-{}", s[body..body + 14].to_ascii_lowercase()));
        }
    }
    out
}
