//! `rhythm exception list|show|request|sign|withdraw|edit|inbox`: exceptions over the API,
//! with the same connection flags, formats and exit codes as the register commands.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::Failure;
use crate::args::{ExceptionAction, ExceptionArgs, ExceptionFields, Format};
use crate::client::{self, Api, cell, print_object, read_json};

const COLUMNS: &[&str] = &["status", "starts_on", "expires_on", "review_on", "title"];

fn reference(v: &Value) -> String {
    rhythm_domain::Kind::Exception.reference(v.get("number").and_then(Value::as_i64).unwrap_or(0))
}

/// `/api/v1/exceptions/{id}`: only letters, digits and hyphens, so an id cannot leave the path.
fn path_of(id: &str) -> String {
    let clean: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    format!("/api/v1/exceptions/{clean}")
}

/// An owner given as a user id, or as an e-mail address looked up among the workspace's people.
fn user_id(api: &Api, users: &mut Option<Vec<Value>>, flag: &str, who: &str) -> Result<String, Failure> {
    if uuid::Uuid::parse_str(who.trim()).is_ok() {
        return Ok(who.trim().to_owned());
    }
    if users.is_none() {
        let list = api.send(Method::GET, "/api/v1/users", None)?;
        *users = Some(list.as_array().cloned().unwrap_or_default());
    }
    users
        .iter()
        .flatten()
        .find(|u| u.get("email").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case(who.trim())))
        .and_then(|u| u.get("id").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| Failure::refused(format!("{flag}: nobody in this workspace has the e-mail address '{who}'")))
}

/// An entry given as an id, or as its reference (`RISK-4`, `FND-12`, `SYS-2`) looked up.
fn entry_id(api: &Api, plural: &str, given: &str) -> Result<String, Failure> {
    let given = given.trim();
    if uuid::Uuid::parse_str(given).is_ok() {
        return Ok(given.to_owned());
    }
    let clean: String = given.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let v = api.send(Method::GET, &format!("/api/v1/{plural}/{clean}"), None)?;
    v.get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Failure::error(format!("{given}: the server sent no id")))
}

/// The JSON body from `--file` and the flags (flags win).
fn body_of(api: &Api, f: ExceptionFields, supersedes: Option<String>) -> Result<Map<String, Value>, Failure> {
    let mut m = match &f.file {
        Some(file) => read_json(file)?,
        None => Map::new(),
    };
    let mut users = None;
    let text = [
        ("title", f.title),
        ("business_reason", f.reason),
        ("scope", f.scope),
        ("users_impacted", f.users_impacted),
        ("starts_on", f.starts),
        ("expires_on", f.expires),
    ];
    for (k, v) in text {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v));
        }
    }
    if !f.controls.is_empty() {
        m.insert("compensating_controls".into(), json!(f.controls));
    }
    if f.organization_wide {
        m.insert("organization_wide".into(), Value::Bool(true));
    }
    for (k, plural, v) in
        [("system_ids", "systems", f.systems), ("risk_ids", "risks", f.risks), ("finding_ids", "findings", f.findings)]
    {
        if !v.is_empty() {
            let ids = v.iter().map(|r| entry_id(api, plural, r)).collect::<Result<Vec<_>, _>>()?;
            m.insert(k.into(), json!(ids));
        }
    }
    if let Some(o) = f.engineering_owner {
        m.insert("engineering_owner_id".into(), Value::String(user_id(api, &mut users, "--engineering-owner", &o)?));
    }
    if let Some(o) = f.security_owner {
        m.insert("security_owner_id".into(), Value::String(user_id(api, &mut users, "--security-owner", &o)?));
    }
    if let Some(s) = supersedes {
        let id = if uuid::Uuid::parse_str(s.trim()).is_ok() {
            s.trim().to_owned()
        } else {
            let old = api.send(Method::GET, &path_of(&s), None)?;
            cell(old.get("id"))
        };
        m.insert("supersedes".into(), Value::String(id));
    }
    Ok(m)
}

fn print_one(v: &Value, format: Format) -> Result<(), Failure> {
    print_object(&format!("{}  {}", reference(v), cell(v.get("status"))), v, format)
}

fn print_list(items: &[Value], total: Option<u64>, extra: Option<&str>, format: Format) -> Result<(), Failure> {
    client::print_list(items, total.unwrap_or(items.len() as u64), reference, extra, COLUMNS, format)
}

pub fn run(a: ExceptionArgs) -> Result<(), Failure> {
    let api = Api::new(a.conn.server, a.conn.token)?;
    let format = a.conn.format;
    match a.action {
        ExceptionAction::List { status, filters, q, sort, limit, offset } => {
            let mut params =
                client::list_params(status.map(|s| ("status".to_owned(), s)).into_iter().collect(), &filters, q, sort)?;
            params.push(("limit".into(), limit.to_string()));
            params.push(("offset".into(), offset.to_string()));
            let qs = serde_urlencoded::to_string(&params).map_err(|e| Failure::error(e.to_string()))?;
            let page = api.send(Method::GET, &format!("/api/v1/exceptions?{qs}"), None)?;
            let items = page.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
            print_list(&items, page.get("total").and_then(Value::as_u64), None, format)
        }
        ExceptionAction::Show { id } => print_one(&api.send(Method::GET, &path_of(&id), None)?, format),
        ExceptionAction::Request { fields, supersedes } => {
            let body = body_of(&api, fields, supersedes)?;
            let v = api.send(Method::POST, "/api/v1/exceptions", Some(&Value::Object(body)))?;
            if format == Format::Table {
                eprintln!("Requested {}; both owners are asked to sign.", reference(&v));
            }
            print_one(&v, format)
        }
        ExceptionAction::Sign { id, side, approve, reject, note } => {
            debug_assert!(approve != reject);
            let body = json!({ "side": side, "approve": approve && !reject, "note": note });
            let v = api.send(Method::POST, &format!("{}/sign", path_of(&id)), Some(&body))?;
            if format == Format::Table {
                eprintln!("Signed; {} is {}.", reference(&v), cell(v.get("status")));
            }
            print_one(&v, format)
        }
        ExceptionAction::Withdraw { id } => {
            print_one(&api.send(Method::POST, &format!("{}/withdraw", path_of(&id)), Some(&json!({})))?, format)
        }
        ExceptionAction::Edit { id, fields } => {
            let body = body_of(&api, fields, None)?;
            if body.is_empty() {
                return Err(Failure::error("give the changes as flags (--title, --expires, …) or --file FILE"));
            }
            print_one(&api.send(Method::PATCH, &path_of(&id), Some(&Value::Object(body)))?, format)
        }
        ExceptionAction::Inbox => {
            let list = api.send(Method::GET, "/api/v1/inbox", None)?;
            let items = list.as_array().cloned().unwrap_or_default();
            print_list(&items, None, Some("awaiting_side"), format)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn ids_cannot_escape_the_exceptions_path() {
        assert_eq!(path_of("../../users"), "/api/v1/exceptions/users");
        assert_eq!(path_of("EXC-7"), "/api/v1/exceptions/EXC-7");
    }
}
