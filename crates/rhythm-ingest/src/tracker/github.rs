//! GitHub issues, as the REST API returns them, into [`TrackerItem`]s.
//!
//! Accepted documents (the shape is recognized from the JSON itself):
//!
//! * `GET /repos/{owner}/{repo}/issues`: an array of issues (several pages may be concatenated
//!   into one array);
//! * `GET /repos/{owner}/{repo}/issues/{n}`: one issue object;
//! * `GET /search/issues`: `{"total_count": …, "items": [issues]}`;
//! * a recording of such requests as octokit's fixtures and nock write them: an array of
//!   `{"scope", "method", "path", "status", "response", …}` objects whose `response` is one of
//!   the above. Recordings with a status other than 2xx are skipped.
//!
//! Each issue needs `number`, `title` and `state` (`open` or `closed`), and `repository_url`
//! or `html_url` to tell its repository. **Pull requests** (entries with a non-null
//! `pull_request` member — the issues API lists them too) are not backlog items: they are
//! skipped and listed in [`TrackerBatch::skipped`].
//!
//! * key: `{owner}/{repo}#{number}`, owner and repository from `repository_url`
//!   (`…/repos/{owner}/{repo}`), else from `html_url` (`https://github.com/{owner}/{repo}/…`);
//! * link: `html_url`, else `https://github.com/{owner}/{repo}/issues/{number}`;
//! * description: `body` (Markdown, kept as text);
//! * kind: the labels (objects with `name`, or plain strings) and GitHub's issue `type.name`,
//!   through the [`TrackerMapping`];
//! * status: `open` → todo (not exact: an item already in progress stays so), `closed` →
//!   done, or won't do when `state_reason` is `not_planned`;
//! * dates: `created_at`, `updated_at`, `closed_at`; the due date is the milestone's `due_on`.

use serde::Deserialize;
use serde_json::Value;

use super::{TrackerBatch, TrackerItem, TrackerMapping};
use crate::json_input::{looks_like, typed};
use crate::model::ParseError;
use rhythm_domain::ItemStatus;

const WHAT: &str = "GitHub issues (an array of issues, one issue, a search response or a nock recording)";

/// Parse GitHub issues into backlog items; pull requests are left out.
pub fn parse(bytes: &[u8], mapping: &TrackerMapping) -> Result<Vec<TrackerItem>, ParseError> {
    parse_batch(bytes, mapping).map(|b| b.items)
}

/// [`parse`], also saying what was skipped (pull requests, failed recordings) and where.
pub fn parse_batch(bytes: &[u8], mapping: &TrackerMapping) -> Result<TrackerBatch, ParseError> {
    let doc = super::read_json(bytes, WHAT)?;
    let mut batch = TrackerBatch::default();
    if is_recording(&doc) {
        let Value::Array(recs) = doc else { unreachable!("a recording is an array") };
        for (i, rec) in recs.into_iter().enumerate() {
            let path = format!("[{i}]");
            let Value::Object(mut rec) = rec else {
                return Err(ParseError::new(path, "expected a recorded request object ({scope, path, response, …})"));
            };
            let status = rec.get("status").and_then(Value::as_u64).unwrap_or(200);
            if !(200..300).contains(&status) {
                batch.skipped.push(super::Skipped {
                    path,
                    key: None,
                    reason: format!("recorded response with status {status}"),
                });
                continue;
            }
            let response = rec.remove("response").unwrap_or(Value::Null);
            read_response(response, &format!("{path}.response"), mapping, &mut batch)?;
        }
    } else {
        read_response(doc, "", mapping, &mut batch)?;
    }
    Ok(batch)
}

/// An array whose first element is a recorded request (it has `scope` and `response`).
fn is_recording(doc: &Value) -> bool {
    doc.as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_object)
        .is_some_and(|o| o.contains_key("response") && (o.contains_key("scope") || o.contains_key("method")))
}

/// One response body: an issues array, a search response or one issue.
fn read_response(
    doc: Value,
    prefix: &str,
    mapping: &TrackerMapping,
    batch: &mut TrackerBatch,
) -> Result<(), ParseError> {
    let at = |p: &str| if p.is_empty() { "$".to_owned() } else { p.to_owned() };
    match doc {
        Value::Array(issues) => {
            for (i, v) in issues.into_iter().enumerate() {
                issue(v, &format!("{prefix}[{i}]"), mapping, batch)?;
            }
            Ok(())
        }
        Value::Object(mut o) if o.contains_key("items") => {
            let items_path = super::join(prefix, "items");
            match o.remove("items") {
                Some(Value::Array(items)) => {
                    for (i, v) in items.into_iter().enumerate() {
                        issue(v, &format!("{items_path}[{i}]"), mapping, batch)?;
                    }
                    Ok(())
                }
                Some(Value::Null) => Ok(()),
                _ => Err(ParseError::new(items_path, "expected an array of issues")),
            }
        }
        Value::Object(o) if o.contains_key("number") => issue(Value::Object(o), &at(prefix), mapping, batch),
        other => Err(ParseError::new(at(prefix), format!("expected {WHAT}, found {}", looks_like(&other)))),
    }
}

#[derive(Deserialize)]
struct Issue {
    number: u64,
    title: String,
    #[serde(default)]
    body: Option<String>,
    state: State,
    #[serde(default)]
    state_reason: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    repository_url: Option<String>,
    #[serde(default, deserialize_with = "crate::json_input::null_default")]
    labels: Vec<Label>,
    #[serde(default, rename = "type")]
    kind: Option<Named>,
    #[serde(default)]
    pull_request: Option<Value>,
    #[serde(default)]
    milestone: Option<Milestone>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    closed_at: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum State {
    Open,
    Closed,
}

/// A label: `{"name": …}` as the API returns it, or a plain string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Label {
    Name(String),
    Object { name: String },
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Milestone {
    #[serde(default)]
    due_on: Option<String>,
}

fn issue(v: Value, path: &str, mapping: &TrackerMapping, batch: &mut TrackerBatch) -> Result<(), ParseError> {
    if !v.is_object() {
        return Err(ParseError::new(path, format!("expected an issue object, found {}", looks_like(&v))));
    }
    let is: Issue = typed(v, if path == "$" { "" } else { path })?;
    let p = |f: &str| super::join(path, f);
    let (owner, repo) = repository(&is).ok_or_else(|| {
        ParseError::new(path, "cannot tell the issue's repository: no repository_url or html_url of a repository")
    })?;
    let external_key = super::key(&p("number"), &format!("{owner}/{repo}#{}", is.number))?;
    if is.pull_request.as_ref().is_some_and(|v| !v.is_null()) {
        batch.skipped.push(super::Skipped {
            path: path.to_owned(),
            key: Some(external_key),
            reason: "a pull request, not an issue".to_owned(),
        });
        return Ok(());
    }
    let title = super::title(&p("title"), &is.title)?;
    let description = super::description(&p("body"), is.body.as_deref().unwrap_or(""))?;
    let raw_labels = is
        .labels
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let name = match l {
                Label::Name(n) | Label::Object { name: n } => n,
            };
            (format!("{}[{i}]", p("labels")), name)
        })
        .collect();
    let labels = super::labels(&p("labels"), raw_labels)?;
    let issue_type = match &is.kind {
        Some(t) => Some(super::short(&p("type.name"), &t.name)?).filter(|t| !t.is_empty()),
        None => None,
    };
    let status = match (is.state, is.state_reason.as_deref()) {
        (State::Open, _) => ItemStatus::Todo,
        (State::Closed, Some("not_planned")) => ItemStatus::WontDo,
        (State::Closed, _) => ItemStatus::Done,
    };
    let ts = |f: &str, v: &Option<String>| v.as_deref().map(|s| super::timestamp(&p(f), s)).transpose();
    let due_date = match is.milestone.as_ref().and_then(|m| m.due_on.as_deref()) {
        Some(d) => Some(super::date(&p("milestone.due_on"), d)?),
        None => None,
    };
    let external_url = super::web_url(is.html_url.as_deref())
        .or_else(|| Some(format!("https://github.com/{owner}/{repo}/issues/{}", is.number)));
    batch.items.push(TrackerItem {
        source: "github",
        kind: mapping.kind(&labels, issue_type.as_deref()),
        external_key,
        external_url,
        title,
        description,
        status,
        exact_status: false,
        labels,
        issue_type,
        tracker_status: match is.state {
            State::Open => "open".to_owned(),
            State::Closed => "closed".to_owned(),
        },
        created_at: ts("created_at", &is.created_at)?,
        updated_at: ts("updated_at", &is.updated_at)?,
        closed_at: ts("closed_at", &is.closed_at)?,
        due_date,
    });
    Ok(())
}

/// Owner and repository from `repository_url` (`https://api.github.com/repos/o/r`, or a GitHub
/// Enterprise `https://ghe/api/v3/repos/o/r`), else from `html_url` (`https://github.com/o/r/…`).
fn repository(is: &Issue) -> Option<(String, String)> {
    let valid = |s: &str| {
        !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let pair = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) if valid(a) && valid(b) => Some((a.to_owned(), b.to_owned())),
        _ => None,
    };
    if let Some(u) = is.repository_url.as_deref()
        && let Some((_, rest)) = u.split_once("/repos/")
    {
        let mut parts = rest.split('/');
        if let Some(found) = pair(parts.next(), parts.next()) {
            return Some(found);
        }
    }
    let u = is.html_url.as_deref()?;
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"))?;
    let mut parts = rest.split('/').skip(1);
    pair(parts.next(), parts.next())
}
