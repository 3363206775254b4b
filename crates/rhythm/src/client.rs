//! Register commands (`rhythm risk list`, `rhythm release add`, …) that talk to a Rhythm
//! server over its API with a token, for people at a terminal and for CI pipelines.

use std::io::Read;
use std::time::Duration;

use rhythm_domain::{Kind, Secret};
use serde_json::{Map, Value};

use crate::Failure;
use crate::args::{Action, Format, NotifyArgs, NotifyCommand, RegisterArgs, TargetAction};
use crate::output::{csv, table, write_out};

/// Columns a list shows per register (after the reference).
fn columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Risk => &["score", "status", "due_date", "statement"],
        Kind::System => &["name", "owner_team", "tier", "status"],
        Kind::BacklogItem => &["kind", "status", "external_key", "title"],
        Kind::Initiative => &["status", "target_quarter", "name"],
        Kind::Epic => &["status", "name"],
        Kind::Release => &["planned_date", "shipped_date", "status", "name"],
        Kind::Incident => &["severity", "started_at", "resolved_at", "title"],
        Kind::AuditFinding => &["framework", "control_ref", "severity", "opened_on", "closed_on", "title"],
        Kind::Vendor => &["data_tier", "status", "name"],
        Kind::Finding => &["severity", "environment", "status", "rule", "title"],
        Kind::DesignReview => &["review_date", "status", "title"],
        Kind::Decision => &["category", "decider", "status", "title"],
        Kind::Exception => &["status", "starts_on", "expires_on", "title"],
        Kind::Import => &["format", "file_name", "imported_at"],
    }
}

pub(crate) struct Api {
    base: String,
    token: String,
    http: reqwest::blocking::Client,
}

impl Api {
    pub(crate) fn new(server: Option<String>, token: Option<Secret<String>>) -> Result<Api, Failure> {
        let base = server
            .ok_or_else(|| Failure::error("no server: pass --server URL or set RHYTHM_SERVER"))?
            .trim_end_matches('/')
            .to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Failure::error(format!("--server must be an http:// or https:// URL; got '{base}'")));
        }
        let token = token
            .ok_or_else(|| {
                Failure::error("no token: set RHYTHM_TOKEN (or pass --token); create one with `rhythm token create`")
            })?
            .into_inner();
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_mins(1))
            .user_agent(concat!("rhythm-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::error(e.to_string()))?;
        Ok(Api { base, token, http })
    }

    pub(crate) fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        Self::answer(&self.base, req)
    }

    /// The entries of a list path from `offset`, a page of `limit` at a time: one page, or
    /// with `all` every page up to the end; and the total the server counts.
    pub(crate) fn pages(
        &self,
        path: &str,
        params: &[(String, String)],
        limit: u32,
        mut offset: u64,
        all: bool,
    ) -> Result<(Vec<Value>, u64), Failure> {
        let mut items = Vec::new();
        loop {
            let mut p = params.to_vec();
            p.push(("limit".into(), limit.to_string()));
            p.push(("offset".into(), offset.to_string()));
            let qs = serde_urlencoded::to_string(&p).map_err(|e| Failure::error(e.to_string()))?;
            let page = self.send(reqwest::Method::GET, &format!("{path}?{qs}"), None)?;
            let got = page.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
            let total = page.get("total").and_then(Value::as_u64).unwrap_or(0);
            offset += got.len() as u64;
            let empty = got.is_empty();
            items.extend(got);
            if !all || empty || offset >= total {
                return Ok((items, total));
            }
        }
    }

    fn answer(base: &str, req: reqwest::blocking::RequestBuilder) -> Result<Value, Failure> {
        let text = Self::answer_text(base, req)?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text.chars().take(500).collect())))
    }

    /// The body of a successful answer as text; a failure carries the problem's detail and
    /// each refused field.
    fn answer_text(base: &str, req: reqwest::blocking::RequestBuilder) -> Result<String, Failure> {
        let resp = req.send().map_err(|e| Failure::error(format!("cannot reach {base}: {e}")))?;
        let status = resp.status();
        let text = resp.text().map_err(|e| Failure::error(format!("reading the answer failed: {e}")))?;
        if status.is_success() {
            return Ok(text);
        }
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.chars().take(500).collect()));
        let mut msg =
            json.get("detail").and_then(Value::as_str).map_or_else(|| format!("{status}: {json}"), str::to_owned);
        if let Some(errors) = json.get("errors").and_then(Value::as_array) {
            for e in errors {
                msg.push_str(&format!(
                    "\n  {}: {}",
                    e.get("field").and_then(Value::as_str).unwrap_or("?"),
                    e.get("message").and_then(Value::as_str).unwrap_or("?")
                ));
            }
        }
        Err(match status.as_u16() {
            403 | 404 | 409 | 413 | 415 | 422 => Failure::refused(msg),
            _ => Failure::error(msg),
        })
    }

    /// `GET path` answered as text (a CSV export).
    pub(crate) fn get_text(&self, path: &str) -> Result<String, Failure> {
        let req = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token);
        Self::answer_text(&self.base, req)
    }

    /// `POST path` with a streamed body: no overall timeout (a large import takes what it
    /// takes), but connecting must succeed within 30 s.
    pub(crate) fn upload(
        &self,
        path: &str,
        content_type: &str,
        body: reqwest::blocking::Body,
    ) -> Result<Value, Failure> {
        let http = reqwest::blocking::Client::builder()
            .timeout(None)
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("rhythm-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::error(e.to_string()))?;
        let req = http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        Self::answer(&self.base, req)
    }
}

/// `k=v` → JSON: numbers, booleans, null, lists and objects are taken as JSON; anything else
/// is a string.
fn parse_set(pairs: &[String]) -> Result<Map<String, Value>, Failure> {
    let mut m = Map::new();
    for p in pairs {
        let (k, v) = p.split_once('=').ok_or_else(|| Failure::error(format!("--set needs FIELD=VALUE; got '{p}'")))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(Failure::error(format!("--set needs a field name; got '{p}'")));
        }
        let value = match serde_json::from_str::<Value>(v) {
            Ok(j) if !j.is_string() => j,
            _ => Value::String(v.to_owned()),
        };
        m.insert(k.to_owned(), value);
    }
    Ok(m)
}

pub(crate) fn read_json(arg: &str) -> Result<Map<String, Value>, Failure> {
    let text = if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::error(format!("cannot read standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(arg).map_err(|e| Failure::error(format!("cannot read {arg}: {e}")))?
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Failure::error(format!("{arg}: the JSON must be an object of fields"))),
        Err(e) => Err(Failure::error(format!("{arg}: not valid JSON ({e})"))),
    }
}

fn body_of(set: &[String], json: Option<&str>) -> Result<Value, Failure> {
    let mut m = match json {
        Some(j) => read_json(j)?,
        None => Map::new(),
    };
    m.extend(parse_set(set)?);
    if m.is_empty() {
        return Err(Failure::error("give the fields with --set FIELD=VALUE or --json FILE"));
    }
    Ok(Value::Object(m))
}

pub(crate) fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.lines().next().unwrap_or("").to_owned(),
        Some(other) => other.to_string(),
    }
}

fn reference(kind: Kind, v: &Value) -> String {
    kind.reference(v.get("number").and_then(Value::as_i64).unwrap_or(0))
}

/// `params` and then the query of a list: each `--filter NAME=VALUE`, `q` and `sort`.
pub(crate) fn list_params(
    mut params: Vec<(String, String)>,
    filters: &[String],
    q: Option<String>,
    sort: Option<String>,
) -> Result<Vec<(String, String)>, Failure> {
    for f in filters {
        let (k, v) =
            f.split_once('=').ok_or_else(|| Failure::error(format!("--filter needs NAME=VALUE; got '{f}'")))?;
        params.push((k.to_owned(), v.to_owned()));
    }
    params.extend(q.map(|q| ("q".to_owned(), q)));
    params.extend(sort.map(|s| ("sort".to_owned(), s)));
    Ok(params)
}

/// A list as JSON, or as a table or CSV of `ref`, the `extra` column, `cols` (cut to 80
/// characters in a table) and, in CSV, `id`; a table is followed by "N of TOTAL".
pub(crate) fn print_list(
    items: &[Value],
    total: u64,
    reference: impl Fn(&Value) -> String,
    extra: Option<&str>,
    cols: &[&str],
    format: Format,
) -> Result<(), Failure> {
    if format == Format::Json {
        return write_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&Value::Array(items.to_vec())).unwrap_or_default()
        ));
    }
    let mut headers = vec!["ref"];
    headers.extend(extra);
    headers.extend_from_slice(cols);
    if format == Format::Csv {
        headers.push("id");
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|v| {
            let mut r = vec![reference(v)];
            r.extend(extra.map(|c| cell(v.get(c))));
            r.extend(cols.iter().map(|c| {
                let s = cell(v.get(*c));
                if format == Format::Table && s.chars().count() > 80 {
                    format!("{}…", s.chars().take(79).collect::<String>())
                } else {
                    s
                }
            }));
            if format == Format::Csv {
                r.push(cell(v.get("id")));
            }
            r
        })
        .collect();
    if format == Format::Csv {
        return write_out(&csv(&headers, &rows)?);
    }
    write_out(&table(&headers, &rows))?;
    eprintln!("{} of {total}", items.len());
    Ok(())
}

fn id_path(kind: Kind, id: &str) -> String {
    let encoded: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    format!("/api/v1/{}/{encoded}", kind.plural())
}

fn print_entry(kind: Kind, v: &Value, format: Format) -> Result<(), Failure> {
    print_object(&reference(kind, v), v, format)
}

/// One entry: its JSON, a one-row CSV of its fields, or `head` and a line per field.
pub(crate) fn print_object(head: &str, v: &Value, format: Format) -> Result<(), Failure> {
    match format {
        Format::Json => write_out(&format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())),
        Format::Csv => {
            let obj = v.as_object().cloned().unwrap_or_default();
            let headers: Vec<&str> = obj.keys().map(String::as_str).collect();
            let row: Vec<String> = obj.values().map(|x| cell(Some(x))).collect();
            write_out(&csv(&headers, &[row])?)
        }
        Format::Table => {
            let mut s = format!("{head}\n");
            if let Some(obj) = v.as_object() {
                let width = obj.keys().map(String::len).max().unwrap_or(0);
                for (k, x) in obj {
                    let shown = match x {
                        Value::String(s) => s.clone(),
                        Value::Null => "—".to_owned(),
                        other => other.to_string(),
                    };
                    s.push_str(&format!("  {k:<width$}  {shown}\n"));
                }
            }
            write_out(&s)
        }
    }
}

pub fn run(kind: Kind, a: RegisterArgs) -> Result<(), Failure> {
    let api = Api::new(a.conn.server, a.conn.token)?;
    let format = a.conn.format;
    match a.action {
        Action::List { filters, q, sort, limit, offset, all } => {
            let params = list_params(Vec::new(), &filters, q, sort)?;
            let (items, total) = api.pages(&format!("/api/v1/{}", kind.plural()), &params, limit, offset, all)?;
            print_list(&items, total, |v| reference(kind, v), None, columns(kind), format)
        }
        Action::Show { id } => {
            let v = api.send(reqwest::Method::GET, &id_path(kind, &id), None)?;
            print_entry(kind, &v, format)
        }
        Action::Add { set, json } => {
            let body = body_of(&set, json.as_deref())?;
            let v = api.send(reqwest::Method::POST, &format!("/api/v1/{}", kind.plural()), Some(&body))?;
            if format == Format::Table {
                eprintln!("Created {}.", reference(kind, &v));
            }
            print_entry(kind, &v, format)
        }
        Action::Update { id, set, json } => {
            let body = body_of(&set, json.as_deref())?;
            let v = api.send(reqwest::Method::PATCH, &id_path(kind, &id), Some(&body))?;
            print_entry(kind, &v, format)
        }
        Action::Close { id } => {
            let v = api.send(
                reqwest::Method::POST,
                &format!("{}/close", id_path(kind, &id)),
                Some(&Value::Object(Map::new())),
            )?;
            print_entry(kind, &v, format)
        }
    }
}

fn uuid_path(id: &str) -> Result<String, Failure> {
    let id = id.trim();
    uuid::Uuid::parse_str(id)
        .map(|u| u.to_string())
        .map_err(|_| Failure::error(format!("'{id}' is not a target id (a UUID; see `rhythm notify targets list`)")))
}

fn print_rows(
    format: Format,
    headers: &[&str],
    items: &[Value],
    row: impl Fn(&Value) -> Vec<String>,
) -> Result<(), Failure> {
    match format {
        Format::Json => {
            write_out(&format!("{}\n", serde_json::to_string_pretty(&Value::Array(items.to_vec())).unwrap_or_default()))
        }
        Format::Csv => write_out(&csv(headers, &items.iter().map(row).collect::<Vec<_>>())?),
        Format::Table => write_out(&table(headers, &items.iter().map(row).collect::<Vec<_>>())),
    }
}

const TARGET_COLUMNS: &[&str] = &["id", "channel", "target", "events", "format", "signed", "status"];

fn target_row(t: &Value) -> Vec<String> {
    let events = t.get("events").and_then(Value::as_array).map_or_else(String::new, |e| {
        if e.is_empty() {
            "every event".to_owned()
        } else {
            e.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
        }
    });
    vec![
        cell(t.get("id")),
        cell(t.get("channel")),
        cell(t.get("target")),
        events,
        cell(t.get("format")),
        if t.get("has_secret").and_then(Value::as_bool) == Some(true) { "yes".into() } else { "no".into() },
        if t.get("disabled").and_then(Value::as_bool) == Some(true) { "disabled".into() } else { "enabled".into() },
    ]
}

fn read_secret() -> Result<String, Failure> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| Failure::error(format!("cannot read standard input: {e}")))?;
    let s = s.trim().to_owned();
    if s.is_empty() {
        return Err(Failure::error("--secret-stdin: standard input was empty"));
    }
    Ok(s)
}

/// `rhythm notify targets …` and `rhythm notify outbox`.
pub fn notify(a: NotifyArgs) -> Result<(), Failure> {
    let api = Api::new(a.conn.server, a.conn.token)?;
    let format = a.conn.format;
    match a.command {
        NotifyCommand::Targets { action } => match action {
            TargetAction::List => {
                let v = api.send(reqwest::Method::GET, "/api/v1/notification-targets", None)?;
                let items = v.as_array().cloned().unwrap_or_default();
                print_rows(format, TARGET_COLUMNS, &items, target_row)
            }
            TargetAction::Add { webhook, email, secret_stdin, slack, events } => {
                let mut body = Map::new();
                match (webhook, email) {
                    (Some(url), _) => {
                        body.insert("channel".into(), "webhook".into());
                        body.insert("target".into(), url.into());
                        if secret_stdin {
                            body.insert("secret".into(), read_secret()?.into());
                        }
                        if slack {
                            body.insert("format".into(), "slack".into());
                        }
                    }
                    (None, Some(addr)) => {
                        body.insert("channel".into(), "email".into());
                        body.insert("target".into(), addr.into());
                    }
                    (None, None) => return Err(Failure::error("give --webhook URL or --email ADDRESS")),
                }
                body.insert("events".into(), events.into_iter().map(Value::from).collect::<Vec<_>>().into());
                let v = api.send(reqwest::Method::POST, "/api/v1/notification-targets", Some(&Value::Object(body)))?;
                if format == Format::Table {
                    eprintln!("Added target {}.", cell(v.get("id")));
                }
                print_rows(format, TARGET_COLUMNS, &[v], target_row)
            }
            TargetAction::Disable { id } => {
                let path = format!("/api/v1/notification-targets/{}/disable", uuid_path(&id)?);
                let v = api.send(reqwest::Method::POST, &path, Some(&Value::Object(Map::new())))?;
                print_rows(format, TARGET_COLUMNS, &[v], target_row)
            }
            TargetAction::Enable { id } => {
                let path = format!("/api/v1/notification-targets/{}/enable", uuid_path(&id)?);
                let v = api.send(reqwest::Method::POST, &path, Some(&Value::Object(Map::new())))?;
                print_rows(format, TARGET_COLUMNS, &[v], target_row)
            }
            TargetAction::Test { id } => {
                let path = format!("/api/v1/notification-targets/{}/test", uuid_path(&id)?);
                let v = api.send(reqwest::Method::POST, &path, Some(&Value::Object(Map::new())))?;
                if format == Format::Table {
                    eprintln!(
                        "Queued a test notification ({}); follow it with `rhythm notify outbox`.",
                        cell(v.get("id"))
                    );
                }
                print_rows(format, OUTBOX_COLUMNS, &[v], outbox_row)
            }
        },
        NotifyCommand::Outbox { status, limit } => {
            let mut p = vec![("limit".to_owned(), limit.to_string())];
            if let Some(s) = status {
                p.push(("status".into(), s));
            }
            let qs = serde_urlencoded::to_string(&p).map_err(|e| Failure::error(e.to_string()))?;
            let v = api.send(reqwest::Method::GET, &format!("/api/v1/outbox?{qs}"), None)?;
            let items = v.as_array().cloned().unwrap_or_default();
            print_rows(format, OUTBOX_COLUMNS, &items, outbox_row)
        }
    }
}

const OUTBOX_COLUMNS: &[&str] = &["created_at", "event", "channel", "target", "status", "attempts", "last_error"];

fn outbox_row(e: &Value) -> Vec<String> {
    OUTBOX_COLUMNS.iter().map(|c| cell(e.get(*c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_are_json_when_they_look_like_json() {
        let m = parse_set(&[
            "impact=4".into(),
            "statement=Data could leak".into(),
            "tags=[\"legal\"]".into(),
            "owner_id=null".into(),
            "when=2026-01-01".into(),
        ])
        .unwrap();
        assert_eq!(m["impact"], 4);
        assert_eq!(m["statement"], "Data could leak");
        assert_eq!(m["tags"][0], "legal");
        assert!(m["owner_id"].is_null());
        assert_eq!(m["when"], "2026-01-01");
        assert!(parse_set(&["novalue".into()]).is_err());
    }

    #[test]
    fn ids_cannot_escape_the_register_path() {
        assert_eq!(id_path(Kind::Risk, "../../users"), "/api/v1/risks/users");
        assert_eq!(id_path(Kind::Risk, "RISK-12"), "/api/v1/risks/RISK-12");
    }
}
