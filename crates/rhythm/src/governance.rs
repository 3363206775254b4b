//! `rhythm policy …` and `rhythm decision …`: the versioned policy and the decision log,
//! against a server with a token.

use reqwest::Method;
use rhythm_domain::policy::Policy;
use serde_json::{Map, Value, json};

use crate::Failure;
use crate::args::{DecisionAction, DecisionArgs, Format, PolicyAction, PolicyArgs, PolicyFormat};
use crate::client::Api;
use crate::output::{csv, table, write_out};

/// Keeps a path segment to what ids and references are made of.
fn segment(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

fn pretty(v: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn reference(v: &Value) -> String {
    rhythm_domain::Kind::Decision.reference(v.get("number").and_then(Value::as_i64).unwrap_or(0))
}

/// Who must sign a decision, in words.
pub fn signers(decider: &str) -> &'static str {
    match decider {
        "cto" => "the CTO",
        "ciso" => "the CISO",
        "joint" => "the CTO and the CISO: one decides, the other concurs",
        "escalate" => "an escalation above the CTO and the CISO; either chief records what it decided",
        _ => "whoever the policy names",
    }
}

fn read_file(file: &str) -> Result<String, Failure> {
    if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Failure::error(format!("cannot read standard input: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).map_err(|e| Failure::error(format!("cannot read {file}: {e}")))
    }
}

/// `file:line:column: path: message`, one line per problem, as compilers print them.
pub fn problem_lines(file: &str, e: &rhythm_domain::policy::PolicyError) -> String {
    e.problems
        .iter()
        .map(|p| {
            if p.path.is_empty() {
                format!("{file}:{}:{}: {}", p.line, p.column, p.message)
            } else {
                format!("{file}:{}:{}: {}: {}", p.line, p.column, p.path, p.message)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn policy(a: PolicyArgs) -> Result<(), Failure> {
    match a.action {
        PolicyAction::Show { version } => {
            let api = Api::new(a.server, a.token)?;
            let path = match version {
                Some(n) => format!("/api/v1/policy/versions/{n}"),
                None => "/api/v1/policy".to_owned(),
            };
            let v = api.send(Method::GET, &path, None)?;
            match a.format {
                PolicyFormat::Toml => {
                    let doc = text(&v, "document");
                    write_out(&if doc.ends_with('\n') { doc } else { format!("{doc}\n") })
                }
                PolicyFormat::Json => write_out(&pretty(&v)),
            }
        }
        PolicyAction::Apply { file, title, context } => {
            let document = read_file(&file)?;
            // Checked here first, so a broken file never leaves the machine.
            if let Err(e) = Policy::from_toml(&document) {
                return Err(Failure::refused(format!(
                    "{}\n{file}: {} problem(s); nothing was proposed",
                    problem_lines(&file, &e),
                    e.problems.len()
                )));
            }
            let api = Api::new(a.server, a.token)?;
            let body = json!({"document": document, "title": title, "context": context});
            let d = api.send(Method::POST, "/api/v1/policy/proposals", Some(&body))?;
            match a.format {
                PolicyFormat::Json => write_out(&pretty(&d)),
                PolicyFormat::Toml => write_out(&format!(
                    "Proposed {}: {}\nWho must sign: {}.\nThe policy changes once {} is decided.\n",
                    reference(&d),
                    text(&d, "title"),
                    signers(&text(&d, "decider")),
                    reference(&d)
                )),
            }
        }
    }
}

/// A register reference (`RISK-4`) or id → the id, asking the server.
fn resolve_ref(api: &Api, plural: &str, id: &str) -> Result<String, Failure> {
    if uuid::Uuid::parse_str(id.trim()).is_ok() {
        return Ok(id.trim().to_owned());
    }
    let v = api.send(Method::GET, &format!("/api/v1/{plural}/{}", segment(id)), None)?;
    Ok(text(&v, "id"))
}

const COLUMNS: &[&str] = &["ref", "category", "decider", "status", "requested", "decided", "title"];

fn row(v: &Value) -> Vec<String> {
    let day = |k: &str| text(v, k).get(..10).unwrap_or("").to_owned();
    vec![
        reference(v),
        text(v, "category"),
        text(v, "decider"),
        text(v, "status"),
        day("requested_at"),
        day("decided_at"),
        text(v, "title"),
    ]
}

fn print_decision(v: &Value, format: Format) -> Result<(), Failure> {
    match format {
        Format::Json => write_out(&pretty(v)),
        Format::Csv => {
            let mut headers = COLUMNS.to_vec();
            headers.push("id");
            let mut r = row(v);
            r.push(text(v, "id"));
            write_out(&csv(&headers, &[r])?)
        }
        Format::Table => {
            let mut s = format!("{} {}\n", reference(v), text(v, "title"));
            let mut line = |k: &str, val: String| {
                if !val.is_empty() {
                    s.push_str(&format!("  {k:<13} {val}\n"));
                }
            };
            line("status", text(v, "status"));
            line("category", text(v, "category"));
            line("decides", format!("{} ({})", text(v, "decider"), signers(&text(v, "decider"))));
            line("requested", text(v, "requested_at"));
            line("decided", text(v, "decided_at"));
            line("context", text(v, "context").replace('\n', "\n                "));
            let options: Vec<String> = v
                .get("options")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            line("options", options.join("; "));
            line("choice", text(v, "choice"));
            line("cost", text(v, "cost"));
            line("escalated to", text(v, "escalated_to"));
            line("supersedes", text(v, "supersedes"));
            line("id", text(v, "id"));
            write_out(&s)
        }
    }
}

pub fn decision(a: DecisionArgs) -> Result<(), Failure> {
    let api = Api::new(a.conn.server, a.conn.token)?;
    let format = a.conn.format;
    let path = |id: &str| format!("/api/v1/decisions/{}", segment(id));
    match a.action {
        DecisionAction::List { category, status, decider, risk, release, q, limit, all } => {
            let mut params: Vec<(String, String)> = Vec::new();
            for (k, v) in [("category", category), ("status", status), ("decider", decider), ("q", q)] {
                if let Some(v) = v {
                    params.push((k.to_owned(), v));
                }
            }
            if let Some(r) = risk {
                params.push(("risk".into(), resolve_ref(&api, "risks", &r)?));
            }
            if let Some(r) = release {
                params.push(("release".into(), resolve_ref(&api, "releases", &r)?));
            }
            let (items, total) = api.pages("/api/v1/decisions", &params, limit, 0, all)?;
            match format {
                Format::Json => write_out(&pretty(&Value::Array(items))),
                Format::Csv => {
                    let mut headers = COLUMNS.to_vec();
                    headers.push("id");
                    let rows: Vec<Vec<String>> = items
                        .iter()
                        .map(|v| {
                            let mut r = row(v);
                            r.push(text(v, "id"));
                            r
                        })
                        .collect();
                    write_out(&csv(&headers, &rows)?)
                }
                Format::Table => {
                    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
                    write_out(&table(COLUMNS, &rows))?;
                    eprintln!("{} of {total}", items.len());
                    Ok(())
                }
            }
        }
        DecisionAction::Show { id } => print_decision(&api.send(Method::GET, &path(&id), None)?, format),
        DecisionAction::Add { title, category, context, options, risks, releases, exceptions, items, supersedes } => {
            let mut body = Map::new();
            body.insert("title".into(), json!(title));
            body.insert("category".into(), json!(category));
            body.insert("context".into(), json!(context));
            body.insert("options".into(), json!(options));
            let ids = |plural: &str, refs: &[String]| -> Result<Vec<String>, Failure> {
                refs.iter().map(|r| resolve_ref(&api, plural, r)).collect()
            };
            body.insert("risk_ids".into(), json!(ids("risks", &risks)?));
            body.insert("release_ids".into(), json!(ids("releases", &releases)?));
            body.insert("backlog_item_ids".into(), json!(ids("backlog-items", &items)?));
            body.insert("exception_ids".into(), json!(exceptions));
            if let Some(s) = supersedes {
                let old = api.send(Method::GET, &path(&s), None)?;
                body.insert("supersedes".into(), old["id"].clone());
            }
            let d = api.send(Method::POST, "/api/v1/decisions", Some(&Value::Object(body)))?;
            if format == Format::Table {
                eprintln!("Recorded {}; it is decided by {}.", reference(&d), signers(&text(&d, "decider")));
            }
            print_decision(&d, format)
        }
        DecisionAction::Decide { id, choice, cost, escalated_to } => {
            let body = json!({"choice": choice, "cost": cost, "escalated_to": escalated_to});
            let d = api.send(Method::POST, &format!("{}/decide", path(&id)), Some(&body))?;
            if format == Format::Table && text(&d, "status") == "awaiting_concurrence" {
                eprintln!("{} now waits for the other chief to concur.", reference(&d));
            }
            print_decision(&d, format)
        }
        DecisionAction::Position { id, text } => {
            let body = json!({ "position": text });
            print_decision(&api.send(Method::POST, &format!("{}/position", path(&id)), Some(&body))?, format)
        }
        DecisionAction::Concur { id } => {
            print_decision(&api.send(Method::POST, &format!("{}/concur", path(&id)), Some(&json!({})))?, format)
        }
        DecisionAction::Withdraw { id } => {
            print_decision(&api.send(Method::POST, &format!("{}/withdraw", path(&id)), Some(&json!({})))?, format)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_print_as_file_line_column() {
        let e = Policy::from_toml("[sla_days]\nhigh = -1\n").unwrap_err();
        let out = problem_lines("p.toml", &e);
        assert!(out.starts_with("p.toml:2:"), "{out}");
        assert!(out.contains("sla_days.high"), "{out}");
    }

    #[test]
    fn segments_cannot_escape_the_path() {
        assert_eq!(segment("../../users"), "users");
        assert_eq!(segment("DEC-4"), "DEC-4");
    }
}
