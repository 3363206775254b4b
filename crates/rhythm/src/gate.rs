//! `rhythm gate --release REL-12`: the launch gate for CI pipelines. Exit 0 for GO and GO WITH
//! EXCEPTIONS, 1 for STOP, 2 for anything that kept the gate from being judged.

use std::fmt::Write as _;

use serde_json::Value;

use crate::Failure;
use crate::args::{GateArgs, GateFormat};
use crate::client::Api;

pub fn run(a: GateArgs) -> Result<(), Failure> {
    let api = Api::new(a.server, a.token)?;
    let path = format!("/api/v1/releases/{}/gate", urlencoding(&a.release));
    // Every failure to get a verdict is an error (2), never a STOP (1): a pipeline must tell
    // "the release may not ship" from "the gate could not run".
    let report = api.send(reqwest::Method::GET, &path, None).map_err(|f| Failure::error(f.message))?;
    let verdict = report.get("verdict").and_then(Value::as_str).unwrap_or("");
    match a.format {
        GateFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        GateFormat::Table => print!("{}", render(&report)),
    }
    match verdict {
        "go" | "go_with_exceptions" => Ok(()),
        "stop" => Err(Failure { code: 1, message: String::new() }),
        other => Err(Failure::error(format!("the server answered an unknown verdict '{other}'"))),
    }
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn label(v: &str) -> &str {
    match v {
        "go" => "GO",
        "go_with_exceptions" => "GO WITH EXCEPTIONS",
        "stop" => "STOP",
        other => other,
    }
}

/// The report as people read it in a CI log.
pub fn render(r: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}: {}", text(r, "release"), text(r, "release_name"), label(text(r, "verdict")));
    let systems: Vec<&str> = r
        .get("systems")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Judged for {} against policy version {} for {}.",
        text(r, "evaluated_on"),
        r.get("policy_version").and_then(Value::as_i64).unwrap_or(0),
        if systems.is_empty() { "no systems".to_owned() } else { systems.join(", ") }
    );
    if let Some(d) = r.get("overridden_by").and_then(Value::as_str) {
        let _ = writeln!(
            out,
            "The criteria say {}; overridden by the escalation {d}: {}",
            label(text(r, "criteria_verdict")),
            text(r, "override_choice")
        );
    }
    for c in r.get("criteria").and_then(Value::as_array).into_iter().flatten() {
        let status = text(c, "status");
        let mark = match status {
            "pass" => "PASS  ",
            "waived" => "WAIVED",
            _ => "FAIL  ",
        };
        let _ = writeln!(out, "\n{mark} {}: {}", text(c, "id"), text(c, "summary"));
        for e in c.get("evidence").and_then(Value::as_array).into_iter().flatten() {
            let mut covered =
                e.get("covered_by").and_then(Value::as_str).map(|x| format!(" [covered by {x}]")).unwrap_or_default();
            if let Some(l) = e.get("lapses").and_then(Value::as_str) {
                covered.push_str(&format!(" [{l}]"));
            }
            for x in e.get("pending").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                covered.push_str(&format!(" [{x} would cover it: waiting for signatures]"));
            }
            let _ = writeln!(out, "  {} {}: {}{covered}", text(e, "reference"), text(e, "title"), text(e, "detail"));
        }
        let green = text(c, "to_turn_green");
        if !green.is_empty() {
            let _ = writeln!(out, "  To turn it green: {green}");
        }
    }
    out
}
