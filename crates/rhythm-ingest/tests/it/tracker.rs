//! The tracker parsers (GitHub issues, Jira JSON and CSV) against the real backlog fixtures and
//! their facts (`facts.json`, computed from each file independently of these parsers), the
//! example Jira CSV export in `docs/examples`, the mapping, and bad input.

use std::collections::BTreeMap;

use crate::common::{facts, read};
use rhythm_domain::{ItemStatus, WorkKind};
use rhythm_ingest::tracker::{TrackerItem, TrackerMapping, github, jira};
use serde_json::Value;
use time::macros::{date, datetime};

fn mapping() -> TrackerMapping {
    TrackerMapping::default()
}

fn num(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_u64).unwrap_or_else(|| panic!("facts have no number {key}")) as usize
}

fn histogram(items: impl Iterator<Item = String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn facts_histogram(v: &Value, key: &str) -> BTreeMap<String, usize> {
    v[key]
        .as_object()
        .unwrap_or_else(|| panic!("facts have no {key}"))
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap() as usize))
        .collect()
}

fn assert_well_formed(name: &str, items: &[TrackerItem]) {
    let mut keys = std::collections::HashSet::new();
    for i in items {
        assert!(keys.insert(&i.external_key), "{name}: duplicate key {}", i.external_key);
        assert!(!i.title.is_empty() && !i.title.contains('\n'), "{name}: {}", i.external_key);
    }
}

#[test]
fn every_github_fixture_parses_with_the_counts_of_its_facts() {
    let facts = facts("backlog/github/");
    assert_eq!(facts.len(), 3, "three GitHub fixtures");
    for (name, fact) in &facts {
        let batch = github::parse_batch(&read(name), &mapping()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // facts' `issues` counts every entry of the issues list; pull requests among them are
        // skipped, not backlog items.
        let prs = num(fact, "pull_requests_in_list");
        assert_eq!(batch.items.len(), num(fact, "issues") - prs, "{name}: issues minus pull requests");
        assert_eq!(batch.skipped.len(), prs, "{name}: pull requests skipped");
        assert!(batch.skipped.iter().all(|s| s.reason.contains("pull request")), "{name}");
        assert_well_formed(name, &batch.items);

        // Numbers, in file order: the items' and the skipped pull requests' together.
        let mut numbers: Vec<(String, u64)> = batch
            .items
            .iter()
            .map(|i| i.external_key.clone())
            .chain(batch.skipped.iter().filter_map(|s| s.key.clone()))
            .map(|k| {
                let (_, n) = k.rsplit_once('#').unwrap();
                (k.clone(), n.parse().unwrap())
            })
            .collect();
        let expected: Vec<u64> = fact["numbers"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        let mut got: Vec<u64> = numbers.iter().map(|(_, n)| *n).collect();
        if prs == 0 {
            assert_eq!(got, expected, "{name}: numbers in file order");
        } else {
            got.sort_unstable();
            let mut e = expected.clone();
            e.sort_unstable();
            assert_eq!(got, e, "{name}: numbers");
        }
        numbers.clear();

        // State counts (of every entry: facts count pull requests among them).
        let states = histogram(batch.items.iter().map(|i| i.tracker_status.clone()));
        let mut expected_states = facts_histogram(fact, "state_counts");
        if prs > 0 {
            // The only pull request of these fixtures is open.
            *expected_states.get_mut("open").unwrap() -= prs;
            expected_states.retain(|_, n| *n > 0);
        }
        assert_eq!(states, expected_states, "{name}: states");
        let labels: usize = batch.items.iter().map(|i| i.labels.len()).sum();
        assert!(labels <= num(fact, "labels_total"), "{name}: labels");
        for i in &batch.items {
            assert_eq!(i.source, "github");
            assert!(!i.exact_status);
            let url = i.external_url.as_deref().unwrap();
            let (repo, n) = i.external_key.split_once('#').unwrap();
            assert_eq!(url, format!("https://github.com/{repo}/issues/{n}"), "{name}");
            assert!(i.created_at.is_some() && i.updated_at.is_some(), "{name}");
        }
    }
}

#[test]
fn github_issue_fields() {
    let items = github::parse(&read("backlog/github/octokit_search_issues_recording.json"), &mapping()).unwrap();
    let first = &items[0];
    assert_eq!(first.external_key, "octokit-fixture-org/search-issues#2");
    assert_eq!(first.title, "Sesame seeds split without a pop!");
    assert_eq!(first.description, "I\u{2019}ve waited all year long, but there was no pop \u{1f62d}");
    assert_eq!((first.kind, first.status), (WorkKind::Feature, ItemStatus::Todo));
    assert_eq!(first.created_at, Some(datetime!(2017-10-10 16:00 UTC)));

    let batch = github::parse_batch(&read("backlog/github/issues_list_octocat_go_scm.json"), &mapping()).unwrap();
    assert!(batch.items.is_empty());
    assert_eq!(batch.skipped[0].key.as_deref(), Some("octocat/Hello-World#1347"));
    assert_eq!(batch.skipped[0].path, "[0]");
}

#[test]
fn github_shapes_labels_closed_and_milestones() {
    let issue = |n: u32, extra: &str| {
        format!(
            r#"{{"number": {n}, "title": "Issue {n}", "state": "open",
            "repository_url": "https://api.github.com/repos/acme/api",
            "html_url": "https://github.com/acme/api/issues/{n}"{extra}}}"#
        )
    };
    let one = issue(7, r#", "labels": [{"name": "Bug"}, "security"], "milestone": {"due_on": "2026-12-01T08:00:00Z"}"#);
    let closed = issue(8, r#", "state": "closed", "state_reason": "not_planned", "closed_at": "2026-01-02T03:04:05Z""#)
        .replacen(r#""state": "open","#, "", 1);
    let done = issue(9, r#", "state": "closed", "state_reason": "completed", "type": {"name": "Bug"}"#).replacen(
        r#""state": "open","#,
        "",
        1,
    );
    let m = mapping();

    let single = github::parse(one.as_bytes(), &m).unwrap();
    assert_eq!(single.len(), 1);
    let i = &single[0];
    assert_eq!(i.external_key, "acme/api#7");
    assert_eq!(i.labels, ["Bug", "security"]);
    assert_eq!(i.kind, WorkKind::Security, "security comes first in the mapping");
    assert_eq!(i.due_date, Some(date!(2026 - 12 - 01)));

    let search = format!(r#"{{"total_count": 3, "incomplete_results": false, "items": [{one}, {closed}, {done}]}}"#);
    let items = github::parse(search.as_bytes(), &m).unwrap();
    let got: Vec<_> = items.iter().map(|i| (i.external_key.as_str(), i.status, i.kind)).collect();
    assert_eq!(
        got,
        [
            ("acme/api#7", ItemStatus::Todo, WorkKind::Security),
            ("acme/api#8", ItemStatus::WontDo, WorkKind::Feature),
            ("acme/api#9", ItemStatus::Done, WorkKind::Reliability),
        ]
    );
    assert_eq!(items[1].closed_at, Some(datetime!(2026-01-02 03:04:05 UTC)));

    // Only html_url: the repository comes from it; GitHub Enterprise API URLs work too.
    let ghe = r#"[{"number": 3, "title": "t", "state": "open", "repository_url": "https://ghe.acme.example/api/v3/repos/team/svc"}]"#;
    let items = github::parse(ghe.as_bytes(), &m).unwrap();
    assert_eq!(items[0].external_key, "team/svc#3");
    assert_eq!(items[0].external_url.as_deref(), Some("https://github.com/team/svc/issues/3"));
}

#[test]
fn every_jira_fixture_parses_with_the_keys_types_and_statuses_of_its_facts() {
    let facts = facts("backlog/jira/");
    assert_eq!(facts.len(), 3, "three Jira fixtures");
    for (name, fact) in &facts {
        let items = jira::parse_json(&read(name), &mapping()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(items.len(), num(fact, "issues_in_payload"), "{name}");
        assert_well_formed(name, &items);
        let keys: Vec<&str> = items.iter().map(|i| i.external_key.as_str()).collect();
        let expected: Vec<&str> = fact["keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
        assert_eq!(keys, expected, "{name}: keys");
        assert_eq!(
            histogram(items.iter().filter_map(|i| i.issue_type.clone())),
            facts_histogram(fact, "issuetypes"),
            "{name}: issue types"
        );
        assert_eq!(
            histogram(items.iter().map(|i| i.tracker_status.clone())),
            facts_histogram(fact, "statuses"),
            "{name}: statuses"
        );
        let adf = fact["description_kinds"].get("ADF doc").and_then(Value::as_u64).unwrap_or(0) as usize;
        assert_eq!(items.iter().filter(|i| !i.description.is_empty()).count(), adf, "{name}: descriptions");
        for i in &items {
            assert_eq!(i.source, "jira");
            assert!(i.exact_status);
            assert!(i.created_at.is_some() && i.updated_at.is_some(), "{name}");
        }
    }
}

#[test]
fn jira_fixture_mapping_details() {
    let m = mapping();
    let search = jira::parse_json(&read("backlog/jira/jira_cli_search_v3.json"), &m).unwrap();
    let got: Vec<_> = search.iter().map(|i| (i.external_key.as_str(), i.kind, i.status)).collect();
    assert_eq!(
        got,
        [
            ("TEST-1", WorkKind::Reliability, ItemStatus::Todo),
            ("TEST-2", WorkKind::Feature, ItemStatus::InProgress),
            ("TEST-3", WorkKind::Feature, ItemStatus::Done),
        ]
    );
    assert_eq!(search[1].labels, ["critical", "feature"]);
    assert_eq!(search[0].created_at, Some(datetime!(2020-12-03 13:05:20.974 UTC)));
    // No `self` URL and no base configured: no link.
    assert_eq!(search[0].external_url, None);
    let with_base = TrackerMapping::from_toml("jira_base_url = \"https://acme.atlassian.net/\"").unwrap();
    let linked = jira::parse_json(&read("backlog/jira/jira_cli_search_v3.json"), &with_base).unwrap();
    assert_eq!(linked[0].external_url.as_deref(), Some("https://acme.atlassian.net/browse/TEST-1"));

    let adf = jira::parse_json(&read("backlog/jira/jira_cli_issue_v3_adf.json"), &m).unwrap();
    assert_eq!(adf[0].description, "Test description", "the ADF document flattened");

    // Status "Ready" is in the name table (todo); its category (new) agrees.
    let sprint = jira::parse_json(&read("backlog/jira/go_jira_sprint_issues_with_changelog.json"), &m).unwrap();
    let i = &sprint[0];
    assert_eq!(i.external_url.as_deref(), Some("https://example.atlassian.net/browse/AR-86"), "from `self`");
    assert_eq!((i.status, i.kind), (ItemStatus::Todo, WorkKind::Feature));
    assert_eq!(i.closed_at, Some(datetime!(2015-12-07 22:19:13 UTC)));
    // Fetched without `summary`: the title is the summary the changelog last set.
    assert_eq!(i.title, "A task that doesn't need to be done.");
    let bare = jira::parse_json(br#"{"key": "AR-1", "fields": {}}"#, &m).unwrap();
    assert_eq!(bare[0].title, "AR-1", "no summary, no changelog: the key");
}

#[test]
fn jira_status_category_applies_when_the_name_is_unknown() {
    let doc = |status: &str, cat: &str| {
        format!(
            r#"{{"key": "OPS-1", "self": "https://jira.acme.example/rest/api/2/issue/1", "fields": {{"summary": "s",
            "status": {{"name": "{status}", "statusCategory": {{"key": "{cat}"}}}}}}}}"#
        )
    };
    let m = mapping();
    let status = |s: &str, c: &str| jira::parse_json(doc(s, c).as_bytes(), &m).unwrap()[0].status;
    assert_eq!(status("Peer Check", "indeterminate"), ItemStatus::InProgress);
    assert_eq!(status("Shipped", "done"), ItemStatus::Done);
    assert_eq!(status("Triage", "new"), ItemStatus::Todo);
    assert_eq!(status("Won't Do", "done"), ItemStatus::WontDo, "the name table comes first");
    let custom = TrackerMapping::from_toml("[statuses]\n\"Peer Check\" = \"done\"\n").unwrap();
    assert_eq!(
        jira::parse_json(doc("peer check", "indeterminate").as_bytes(), &custom).unwrap()[0].status,
        ItemStatus::Done
    );
}

fn example_csv() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/jira-export.csv");
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn jira_csv_example_export() {
    let m = TrackerMapping::from_toml("jira_base_url = \"https://acme.atlassian.net\"").unwrap();
    let items = jira::parse_csv(&example_csv(), &m).unwrap();
    let got: Vec<_> = items.iter().map(|i| (i.external_key.as_str(), i.kind, i.status)).collect();
    assert_eq!(
        got,
        [
            ("PAY-142", WorkKind::Security, ItemStatus::InProgress),
            ("PAY-143", WorkKind::Reliability, ItemStatus::Todo),
            ("PAY-150", WorkKind::Feature, ItemStatus::Done),
            ("PAY-151", WorkKind::TechDebt, ItemStatus::WontDo),
            ("PAY-155", WorkKind::Feature, ItemStatus::Todo),
        ]
    );
    let first = &items[0];
    assert_eq!(first.labels, ["security", "compliance"], "repeated Labels columns, blanks dropped");
    assert_eq!(first.description, "Keys are 400 days old; policy says 365.\nRotate them and update the runbook.");
    assert_eq!(first.created_at, Some(datetime!(2026-11-02 09:15 UTC)));
    assert_eq!(first.updated_at, Some(datetime!(2026-11-27 16:40 UTC)));
    assert_eq!(first.due_date, Some(date!(2026 - 12 - 15)));
    assert_eq!(first.external_url.as_deref(), Some("https://acme.atlassian.net/browse/PAY-142"));
    assert_eq!(first.issue_type.as_deref(), Some("Task"));
    assert_eq!(items[1].description, "p99 above 8 s at 300 rps, see \"Checkout latency\" dashboard.");
    assert_eq!(items[2].closed_at, Some(datetime!(2026-11-20 11:00 UTC)));
    assert_eq!(items[4].due_date, Some(date!(2027 - 01 - 31)));
    assert_eq!(items[4].tracker_status, "Ready for Dev");
}

#[test]
fn jira_csv_iso_dates_crlf_and_minimal_columns() {
    let csv =
        "\u{feff}issue key,SUMMARY,Resolved\r\nOPS-9,Patch the bastion,2026-02-03 10:00\r\nOPS-10,Renew certs,\r\n";
    let items = jira::parse_csv(csv.as_bytes(), &mapping()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0].status, items[0].closed_at), (ItemStatus::Done, Some(datetime!(2026-02-03 10:00 UTC))));
    assert_eq!(items[1].status, ItemStatus::Todo);
    assert_eq!(items[1].external_url, None);
}

fn err(r: Result<Vec<TrackerItem>, rhythm_ingest::ParseError>) -> String {
    r.map(|v| format!("unexpectedly parsed {} items", v.len())).unwrap_or_else(|e| e.to_string())
}

#[test]
fn bad_input_is_refused_with_its_position() {
    let m = mapping();
    let gh = |s: &str| err(github::parse(s.as_bytes(), &m));
    let js = |s: &str| err(jira::parse_json(s.as_bytes(), &m));
    let cs = |s: &str| err(jira::parse_csv(s.as_bytes(), &m));

    // Another format.
    let sarif_name = facts("sarif/").into_keys().next().unwrap();
    let sarif = read(&sarif_name);
    assert_eq!(
        err(github::parse(&sarif, &m)),
        "at $: expected GitHub issues (an array of issues, one issue, a search response or a nock recording), found a SARIF log",
        "{sarif_name}"
    );
    let sarif_doc = r#"{"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}"#;
    assert_eq!(
        js(sarif_doc),
        "at $: expected Jira issues (a search response {\"issues\": […]}, one issue or an array of issues), found a SARIF log"
    );
    let gh_list = String::from_utf8(read("backlog/github/octokit_search_issues_recording.json")).unwrap();
    assert!(js(&gh_list).starts_with("at [0]: missing field `key`"), "{}", js(&gh_list));

    // Missing and mistyped fields, at their JSON path.
    let repo = r#""repository_url": "https://api.github.com/repos/a/b""#;
    assert_eq!(gh(&format!(r#"[{{"title": "t", "state": "open", {repo}}}]"#)), "at [0]: missing field `number`");
    assert_eq!(
        gh(&format!(r#"{{"items": [{{"number": 1, "title": "t", "state": "merged", {repo}}}]}}"#)),
        "at items[0].state: unknown variant `merged`, expected `open` or `closed`"
    );
    assert_eq!(
        gh(&format!(r#"[{{"number": "one", "title": "t", "state": "open", {repo}}}]"#)),
        "at [0].number: invalid type: string \"one\", expected u64"
    );
    assert_eq!(
        gh(r#"[{"number": 1, "title": "t", "state": "open"}]"#),
        "at [0]: cannot tell the issue's repository: no repository_url or html_url of a repository"
    );
    assert_eq!(
        gh(&format!(r#"[{{"number": 1, "title": " ", "state": "open", {repo}}}]"#)),
        "at [0].title: is empty: every issue needs a title"
    );
    assert_eq!(
        gh(&format!(r#"[{{"number": 1, "title": "t", "state": "open", {repo}, "created_at": "yesterday"}}]"#)),
        "at [0].created_at: \"yesterday\" is not a timestamp like 2026-11-27T09:15:00Z or 2026-11-27T09:15:00.000+0100"
    );
    assert_eq!(
        gh(r#"[{"scope": "https://api.github.com:443", "status": 200, "response": {"message": "Not Found"}}]"#),
        "at [0].response: expected GitHub issues (an array of issues, one issue, a search response or a nock recording), found a JSON object without the expected keys"
    );
    assert_eq!(js(r#"{"issues": [{"fields": {"summary": "s"}}]}"#), "at issues[0]: missing field `key`");
    assert_eq!(js(r#"{"issues": [{"key": "A-1"}]}"#), "at issues[0]: missing field `fields`");
    assert_eq!(
        js(r#"{"issues": [{"key": "A-1", "fields": {"summary": ["s"]}}]}"#),
        "at issues[0].fields.summary: invalid type: sequence, expected a string"
    );
    assert_eq!(
        js(r#"{"key": "not a key", "fields": {"summary": "s"}}"#),
        "at key: \"not a key\" is not a Jira issue key like PAY-142"
    );
    assert_eq!(
        js(r#"{"key": "A-1", "fields": {"summary": "s", "description": 5}}"#),
        "at fields.description: expected text or an Atlassian Document Format document"
    );
    assert_eq!(
        js(r#"{"key": "A-1", "fields": {"summary": "s", "duedate": "soon"}}"#),
        "at fields.duedate: \"soon\" is not a date like 2026-11-27"
    );

    // Malformed JSON and empty files.
    assert!(gh("[{\"number\": 1,").starts_with("at $: not valid JSON (GitHub issues"), "{}", gh("[{"));
    assert!(gh("[{\"number\": 1,").contains("line 1 column 14"), "{}", gh("[{\"number\": 1,"));
    assert!(js("").starts_with("at $: empty file"), "{}", js(""));

    // CSV: line, column and header.
    let header = "Summary,Issue key,Issue Type,Status,Created\n";
    assert_eq!(
        cs(&format!("{header}Fix it,PAY 1,Bug,To Do,\n")),
        "at line 2, column 2 (Issue key): \"PAY 1\" is not a Jira issue key like PAY-142"
    );
    assert_eq!(
        cs(&format!("{header}Fix it,PAY-1,Bug,To Do,\nAgain,PAY-2,Bug,To Do,31/Feb/26 9:00 AM\n")),
        "at line 3, column 5 (Created): \"31/Feb/26 9:00 AM\" is not a date like 27/Nov/26 9:15 AM, 27/Nov/2026, 2026-11-27 or 2026-11-27T09:15:00Z"
    );
    assert_eq!(cs(&format!("{header}Fix it,PAY-1,Bug\n")), "at line 2: has 3 fields, but the header has 5");
    assert_eq!(
        cs("Title,Key\nx,PAY-1\n"),
        "at line 1: no `Summary` column: a Jira CSV export's header has Summary, Issue key, Issue Type, Status, Labels, Description, Created, Updated, Resolved, Due Date"
    );
    assert_eq!(
        cs(&format!("{header},PAY-1,Bug,To Do,\n")),
        "at line 2, column 1 (Summary): is empty: every issue needs a title"
    );
    assert!(cs(" \n").starts_with("at line 1: empty file"));
    let bad_utf8 = b"Summary,Issue key\n\xff\xfe,PAY-1\n";
    assert_eq!(err(jira::parse_csv(bad_utf8, &m)), "at line 2: is not UTF-8 text (field 1)");
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let m = mapping();
    let deep = "[".repeat(10_000);
    for e in [err(github::parse(deep.as_bytes(), &m)), err(jira::parse_json(deep.as_bytes(), &m))] {
        assert!(e.starts_with("at $: not valid JSON") && e.contains("recursion limit exceeded"), "{e}");
    }
    let deep_obj = format!("{{\"issues\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
    assert!(err(jira::parse_json(deep_obj.as_bytes(), &m)).contains("recursion limit exceeded"));

    let huge = "x".repeat(70 * 1024);
    let repo = r#""repository_url": "https://api.github.com/repos/a/b""#;
    assert_eq!(
        err(github::parse(format!(r#"[{{"number": 1, "title": "{huge}", "state": "open", {repo}}}]"#).as_bytes(), &m)),
        "at [0].title: is 71680 bytes long; the limit is 65536"
    );
    let labels: Vec<String> = (0..101).map(|i| format!("\"l{i}\"")).collect();
    assert_eq!(
        err(jira::parse_json(
            format!(r#"{{"key": "A-1", "fields": {{"summary": "s", "labels": [{}]}}}}"#, labels.join(",")).as_bytes(),
            &m
        )),
        "at fields.labels: has 101 labels; the limit is 100"
    );
    let csv = format!("Summary,Issue key,Labels\nok,PAY-1,{huge}\n");
    assert_eq!(
        err(jira::parse_csv(csv.as_bytes(), &m)),
        "at line 2, column 3 (Labels): is 71680 bytes long; the limit is 65536"
    );

    // Long but acceptable: cut to the backlog's limits.
    let long_title = "word ".repeat(200);
    let long_body = "y".repeat(30_000);
    let items = github::parse(
        format!(r#"[{{"number": 1, "title": "{long_title}", "body": "{long_body}", "state": "open", {repo}}}]"#)
            .as_bytes(),
        &m,
    )
    .unwrap();
    assert_eq!(items[0].title.chars().count(), 300);
    assert_eq!(items[0].description.chars().count(), 20_000);
    assert!(items[0].description.ends_with('…'));
}

#[test]
fn a_team_mapping_from_toml() {
    let toml = r#"
default_kind = "tech_debt"

[[labels]]
kind = "security"
names = ["Pentest", "threat-model"]

[[labels]]
kind = "feature"
names = ["customer-request"]

[issue_types]
Task = "reliability"
"#;
    let m = TrackerMapping::from_toml(toml).unwrap();
    let items = jira::parse_csv(&example_csv(), &m).unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i.kind).collect();
    // PAY-142 Task [security, compliance]: "security" is no longer a label rule → Task → reliability.
    // PAY-143 Bug: the issue_types section replaced the defaults, Bug unmapped → default tech_debt.
    // PAY-150 [customer-request] → feature. PAY-151 Task → reliability. PAY-155 Story → default.
    assert_eq!(
        kinds,
        [WorkKind::Reliability, WorkKind::TechDebt, WorkKind::Feature, WorkKind::Reliability, WorkKind::TechDebt]
    );
    // The default mapping's TOML twin in docs/tracker-import.md parses to the default.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/tracker-import.md")).unwrap();
    let block = doc.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).expect("a TOML block in the doc");
    assert_eq!(
        TrackerMapping::from_toml(block).unwrap(),
        TrackerMapping::default(),
        "the documented default is the default"
    );
}
