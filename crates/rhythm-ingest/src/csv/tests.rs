use rhythm_domain::{Environment, ReleaseStatus, RiskStatus, Severity, Stage};
use time::macros::{date, datetime};

use super::*;

const FINDINGS: &str = "external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at,kev\n";

fn err(kind: CsvKind, text: &[u8]) -> ParseError {
    match parse(kind, text) {
        Ok(rows) => panic!("the file should be refused; it read as {} rows", rows.len()),
        Err(e) => e,
    }
}

fn findings(text: &str) -> Vec<FindingRow> {
    match parse(CsvKind::Findings, text.as_bytes()).unwrap() {
        CsvRows::Findings(v) => v,
        other => panic!("not findings: {other:?}"),
    }
}

#[test]
fn names_and_headers() {
    for k in CsvKind::ALL {
        assert_eq!(CsvKind::from_name(k.as_str()), Some(k));
    }
    assert_eq!(CsvKind::AuditFindings.as_str(), "audit-findings-csv");
    assert_eq!(CsvKind::Findings.header().join(","), FINDINGS.trim_end());
}

#[test]
fn a_good_file_reads_with_bom_crlf_quotes_extra_columns_and_free_order() {
    let text = "\u{feff}kev,Notes,external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at\r\n\
        yes,\"ignored, with a comma\",F-1,payments-api,Trivy,CVE-2024-3094,\"xz backdoor, \"\"liblzma\"\"\nsecond line\",CRITICAL,production,xz-utils 5.6.0,2026-03-01T10:00:00+02:00,2026-03-04\r\n\
        ,,F-2,,semgrep,py/sqli,SQL injection,low,Staging,, , \r\n\
        ,,,,,,,,,,,\r\n";
    let rows = findings(text);
    assert_eq!(rows.len(), 2);
    let a = &rows[0];
    assert_eq!(a.line, 2);
    assert_eq!(a.external_id, "F-1");
    assert_eq!(a.system.as_deref(), Some("payments-api"));
    assert_eq!(a.title, "xz backdoor, \"liblzma\"\nsecond line");
    assert_eq!((a.severity, a.environment, a.kev), (Severity::Critical, Environment::Production, true));
    assert_eq!(a.first_seen, Some(datetime!(2026-03-01 08:00 UTC)));
    assert_eq!(a.fixed_at, Some(datetime!(2026-03-04 00:00 UTC)));
    let b = &rows[1];
    assert_eq!(b.line, 4, "a quoted newline moves the next row's line");
    assert_eq!((b.system.as_deref(), b.first_seen, b.fixed_at, b.kev), (None, None, None, false));
    assert_eq!(b.environment, Environment::Staging);
}

#[test]
fn each_kind_reads() {
    let rel = "external_id,system,name,planned_date,shipped_date,planned_items,shipped_items,slip_reason\n\
        R-1,web,2026.3,2026-03-10,2026-03-12T23:30:00-02:00,12,10,waited on a fix\nR-2,,2026.4,2026-04-10,,,,\n";
    let CsvRows::Releases(r) = parse(CsvKind::Releases, rel.as_bytes()).unwrap() else { panic!() };
    assert_eq!(r[0].shipped_date, Some(date!(2026 - 03 - 13)), "the UTC date of a timestamp");
    assert_eq!((r[0].planned_items, r[0].shipped_items), (12, Some(10)));
    assert_eq!((r[1].planned_items, r[1].shipped_items, r[1].status), (0, None, None));

    let inc = "external_id,title,severity,started_at,detected_at,contained_at,resolved_at,customer_impact\n\
        I-1,Token leak,High,2026-02-01T10:00:00Z,2026-02-01T10:30:00.1234567Z,,,No\n";
    let CsvRows::Incidents(i) = parse(CsvKind::Incidents, inc.as_bytes()).unwrap() else { panic!() };
    assert_eq!(i[0].detected_at, Some(datetime!(2026-02-01 10:30:00.123456 UTC)), "to the microsecond");
    assert!(!i[0].customer_impact);

    let aud = "external_id,framework,control,title,severity,opened_at,closed_at,repeat_of\n\
        A-1,SOC 2,CC6.1,Access reviews late,medium,2025-06-01,,\nA-2,SOC 2,CC6.1,Access reviews late again,medium,2026-06-01,,A-1\n";
    let CsvRows::AuditFindings(a) = parse(CsvKind::AuditFindings, aud.as_bytes()).unwrap() else { panic!() };
    assert_eq!(a[1].repeat_of.as_deref(), Some("A-1"));

    let risks = "external_id,statement,impact,likelihood,owner,mitigation,due_date,status,found_stage\n\
        K-1,Card data could leak,4,3,ciso@acme.example,Mask logs,2026-05-01,Mitigating,pre-release\nK-2,Vendor outage,2,2,,,,,\n";
    let CsvRows::Risks(k) = parse(CsvKind::Risks, risks.as_bytes()).unwrap() else { panic!() };
    assert_eq!((k[0].status, k[0].found_stage), (Some(RiskStatus::Mitigating), Some(Stage::PreRelease)));
    assert_eq!((k[1].owner.clone(), k[1].status, k[1].found_stage), (None, None, None));
}

#[test]
fn header_only_is_zero_rows() {
    assert!(parse(CsvKind::Findings, FINDINGS.as_bytes()).unwrap().is_empty());
    refused(CsvKind::Findings, ",,,\n,,,\n", "line 1", "no header");
}

#[test]
fn blank_lines_count_in_line_numbers() {
    let text =
        format!("\n\r\n{FINDINGS}\nF-1,,t,r,T,low,production,,,,\n,,,,,,,,,,\n\nF-2,,t,r,T,nope,production,,,,\n");
    refused(CsvKind::Findings, &text, "line 8, column severity", "not one of");
    let text = format!("\n{FINDINGS}F-1,,t,r,T,low,production,,,,\n");
    assert_eq!(findings(&text)[0].line, 3);
}

/// Every refusal names its place; the message says why.
fn refused(kind: CsvKind, text: &str, path: &str, why: &str) {
    let e = err(kind, text.as_bytes());
    assert_eq!(e.path, path, "{e}");
    assert!(e.message.contains(why), "'{}' should contain '{why}'", e.message);
}

#[test]
fn bad_cells_are_refused_with_line_and_column() {
    let row = |cells: &str| format!("{FINDINGS}F-0,,trivy,R,ok,low,production,,,,\n{cells}\n");
    let f = CsvKind::Findings;
    refused(
        f,
        &row("F-1,,trivy,R,T,severe,production,,,,"),
        "line 3, column severity",
        "critical, high, medium, low, info",
    );
    refused(f, &row("F-1,,trivy,R,T,high,prod,,,,"), "line 3, column environment", "production, staging, development");
    refused(f, &row("F-1,,trivy,R,T,high,production,,2026-13-01,,"), "line 3, column first_seen", "not a date");
    refused(f, &row("F-1,,trivy,R,T,high,production,,yesterday,,"), "line 3, column first_seen", "RFC 3339");
    refused(
        f,
        &row("F-1,,trivy,R,T,high,production,,2026-03-02,2026-03-01T23:59:59Z,"),
        "line 3, column fixed_at",
        "before first_seen",
    );
    refused(f, &row("F-1,,trivy,R,T,high,production,,,,maybe"), "line 3, column kev", "true, false");
    refused(f, &row(" ,,trivy,R,T,high,production,,,,"), "line 3, column external_id", "required");
    refused(f, &row("F-1,,trivy,R,,high,production,,,,"), "line 3, column title", "required");
    refused(f, &row("F-0,,trivy,R,T,high,production,,,,"), "line 3, column external_id", "also on line 2");
    refused(f, &row("F-1,,trivy,R,T,high,production,,"), "line 3", "the row has 9 columns; the header (line 1) has 11");

    let inc = "external_id,title,severity,started_at,detected_at,contained_at,resolved_at,customer_impact\n";
    refused(
        CsvKind::Incidents,
        &format!("{inc}I-1,Leak,high,2026-02-01T10:00:00Z,2026-02-01T09:00:00Z,,,\n"),
        "line 2, column detected_at",
        "before started_at",
    );
    refused(
        CsvKind::Incidents,
        &format!("{inc}I-1,Leak,high,2026-02-01T10:00:00Z,,2026-02-01T09:00:00Z,,\n"),
        "line 2, column contained_at",
        "before started_at",
    );
    refused(CsvKind::Incidents, &format!("{inc}I-1,Leak,high,,,,,\n"), "line 2, column started_at", "required");
    let aud = "external_id,framework,control,title,severity,opened_at,closed_at,repeat_of\n";
    refused(
        CsvKind::AuditFindings,
        &format!("{aud}A-1,SOC 2,CC6.1,T,low,2026-02-01,2026-01-01,\n"),
        "line 2, column closed_at",
        "before opened_at",
    );
    refused(
        CsvKind::AuditFindings,
        &format!("{aud}A-1,SOC 2,CC6.1,T,low,2026-02-01,,A-1\n"),
        "line 2, column repeat_of",
        "itself",
    );
    let rel = "external_id,system,name,planned_date,shipped_date,planned_items,shipped_items,slip_reason\n";
    refused(CsvKind::Releases, &format!("{rel}R-1,,n,2026-02-30,,,,\n"), "line 2, column planned_date", "not a date");
    refused(
        CsvKind::Releases,
        &format!("{rel}R-1,,n,2026-02-01,,many,,\n"),
        "line 2, column planned_items",
        "whole number",
    );
    refused(CsvKind::Releases, &format!("{rel}R-1,,n,2026-02-01,,-1,,\n"), "line 2, column planned_items", "negative");
    let risks = "external_id,statement,impact,likelihood,owner,mitigation,due_date,status,found_stage\n";
    refused(CsvKind::Risks, &format!("{risks}K-1,S,6,1,,,,,\n"), "line 2, column impact", "1 to 5");
    refused(CsvKind::Risks, &format!("{risks}K-1,S,1,,,,,,\n"), "line 2, column likelihood", "required");
    refused(CsvKind::Risks, &format!("{risks}K-1,S,1,1,,,,done,\n"), "line 2, column status", "open, mitigating");
}

#[test]
fn a_bad_file_is_refused_where_it_breaks() {
    let f = CsvKind::Findings;
    refused(f, "", "line 1", "empty");
    refused(f, "{\"version\": \"2.1.0\", \"runs\": []}", "line 1", "JSON, not CSV");
    refused(f, "id,name,owner\n1,a,b\n", "line 1, column external_id", "not a findings-csv file");
    let rel = "external_id,system,name,planned_date,shipped_date,planned_items,shipped_items,slip_reason\n";
    refused(f, rel, "line 1, column tool", "lacks the required columns tool, rule, title");
    refused(f, &FINDINGS.replace(",kev", ""), "line 1, column kev", "the header lacks the required column kev");
    refused(f, &FINDINGS.replace(",kev", ",kev,Severity"), "line 1, column severity", "twice");
    refused(
        f,
        &format!("{FINDINGS}F-1,,trivy,R,T\"x,low,production,,,,\n"),
        "line 2, column title",
        "a quote inside an unquoted field",
    );
    refused(
        f,
        &format!("{FINDINGS}F-1,,trivy,R,\"T\"x,low,production,,,,\n"),
        "line 2, column title",
        "after the closing quote",
    );
    refused(
        f,
        &format!("{FINDINGS}F-1,,trivy,R,T,low,production,,,,\nF-2,,trivy,R,\"open\n"),
        "line 3, column title",
        "never closed",
    );
    let mut bad = format!("{FINDINGS}F-1,,trivy,R,").into_bytes();
    bad.extend_from_slice(b"caf\xe9,low,production,,,,\n");
    let e = err(f, &bad);
    assert_eq!(e.path, "line 2, column title", "{e}");
    assert!(e.message.contains("not UTF-8"), "{e}");
}

#[test]
fn hostile_input_is_bounded() {
    let f = CsvKind::Findings;
    let huge = "x".repeat(MAX_FIELD_BYTES + 1);
    refused(
        f,
        &format!("{FINDINGS}F-1,,trivy,R,{huge},low,production,,,,\n"),
        "line 2, column title",
        "longer than 64 KiB",
    );
    refused(
        f,
        &format!("{FINDINGS}F-1,,trivy,R,\"{huge}\",low,production,,,,\n"),
        "line 2, column title",
        "longer than 64 KiB",
    );
    // A field of exactly the limit is fine.
    let max = "x".repeat(MAX_FIELD_BYTES);
    assert_eq!(findings(&format!("{FINDINGS}F-1,,trivy,R,{max},low,production,,,,\n")).len(), 1);
    // Many columns: refused on the first pass, naming the column number beyond the header.
    let wide = format!("{FINDINGS}{}\n", ",".repeat(1_000_000));
    refused(f, &wide, "line 2, column 257", "more than 256 columns");
    let wide_header = format!("{}\n", ["a"; 300].join(","));
    refused(f, &wide_header, "line 1, column a", "more than 256 columns");
    // Many rows of quotes and newlines do not trip anything.
    let many = format!(
        "{FINDINGS}{}",
        (0..2000).fold(String::new(), |mut s, i| {
            s.push_str(&format!("F-{i},,t,r,\"a\nb\",low,production,,,,\n"));
            s
        })
    );
    assert_eq!(findings(&many).len(), 2000);
}

#[test]
fn export_then_import_reads_the_same_rows() {
    let rows = CsvRows::Findings(vec![FindingRow {
        line: 0,
        external_id: "F-1".into(),
        system: Some("payments, \"api\"".into()),
        tool: "trivy".into(),
        rule: "CVE-1".into(),
        title: "two\nlines".into(),
        severity: Severity::High,
        environment: Environment::Production,
        component: String::new(),
        first_seen: Some(datetime!(2026-03-02 09:30:00.123456 UTC)),
        fixed_at: None,
        kev: true,
        reference: Some("FND-1".into()),
    }]);
    let text = write(&rows);
    assert!(text.starts_with(&FINDINGS.replace('\n', ",reference\r\n")), "{text}");
    let CsvRows::Findings(mut back) = parse(CsvKind::Findings, text.as_bytes()).unwrap() else { panic!() };
    back[0].line = 0;
    assert_eq!(CsvRows::Findings(back), rows);

    let rel = CsvRows::Releases(vec![ReleaseRow {
        line: 0,
        external_id: "R-1".into(),
        system: None,
        name: "2026.3".into(),
        planned_date: date!(2026 - 03 - 10),
        shipped_date: None,
        planned_items: 3,
        shipped_items: None,
        slip_reason: None,
        status: Some(ReleaseStatus::Cancelled),
        reference: None,
    }]);
    let CsvRows::Releases(mut back) = parse(CsvKind::Releases, write(&rel).as_bytes()).unwrap() else { panic!() };
    back[0].line = 0;
    assert_eq!(CsvRows::Releases(back), rel);
}

/// A scanner title that a spreadsheet would run as a formula is exported as text (a leading
/// `'`), and still imports back as it was, for every formula prefix and for a title that
/// itself starts with quotes.
#[test]
fn exports_do_not_carry_formulas_into_spreadsheets() {
    for title in [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "'=already quoted",
        "''@two",
        "plain 'quote'",
    ] {
        let rows = CsvRows::Findings(vec![FindingRow {
            line: 0,
            external_id: "F-1".into(),
            system: None,
            tool: "zap".into(),
            rule: "=cmd|' /C calc'!A0".into(),
            title: title.into(),
            severity: Severity::Low,
            environment: Environment::Staging,
            component: String::new(),
            first_seen: None,
            fixed_at: None,
            kev: false,
            reference: None,
        }]);
        let text = write(&rows);
        for cell in text.lines().nth(1).unwrap().split(',') {
            let cell = cell.trim_matches('"');
            assert!(!matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@')), "{cell} in {text}");
        }
        let CsvRows::Findings(mut back) = parse(CsvKind::Findings, text.as_bytes()).unwrap() else { panic!() };
        back[0].line = 0;
        assert_eq!(CsvRows::Findings(back), rows, "{title}");
    }
}

/// Random edits of a good file (quotes, separators, line ends, bytes that are not UTF-8) are
/// read or refused, never a panic; and a refusal always names a line.
#[test]
fn random_damage_never_panics() {
    let good = include_str!("../../../../docs/examples/findings.csv").as_bytes().to_vec();
    let alphabet: &[u8] = b"\",\r\n x1-:TZ+\xff\xef\xbb\xbf";
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for kind in CsvKind::ALL {
        for _ in 0..2000 {
            let mut bytes = good.clone();
            for _ in 0..=(next() % 6) {
                let at = (next() as usize) % (bytes.len() + 1);
                let b = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if at < bytes.len() => bytes[at] = b,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b),
                }
            }
            if let Err(e) = parse(kind, &bytes) {
                assert!(e.path.starts_with("line "), "{e}");
            }
        }
    }
}
