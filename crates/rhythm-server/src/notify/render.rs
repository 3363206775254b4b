//! How a notification reads: the one place that turns the store's typed facts
//! ([`rhythm_store::Notification`]) into what people and receivers get — the `data` of a JSON
//! webhook, the Slack text, the e-mail's subject and body, the outbox as the API shows it.
//!
//! `data` is the notification's facts (without the `event` tag, which the envelope carries)
//! and, added here:
//!
//! * `summary` — one sentence for people (e-mail body, Slack text);
//! * `subject` — the e-mail subject;
//! * `url` — a link back to Rhythm: for `signature.requested` and `escalation.opened` of an
//!   exception the exception's path (`/exceptions/EXC-7`); for the other events an absolute
//!   link made with the configured public URL (`--public-url`), absent without one;
//! * `path` — `exception.expiring` and `exception.expired` only: the exception's path.
//!
//! `docs/webhooks.json` is the JSON Schema of the body; a test keeps it equal to
//! [`webhook_schema`].
//!
//! An outbox row written before notifications were typed holds an untyped payload with its
//! words already in it: it is delivered as it was written.

use rhythm_store::notification::{
    EscalationOpened, ExceptionFacts, FailingCriterion, GateStop, SignatureReason, SignatureRequested, TestNotification,
};
use rhythm_store::{Event, Notification};
use serde_json::{Map, Value, json};

/// What a delivery says: the event's `data` (facts and words), as a JSON object.
pub fn data(event: Event, payload: &str, public_url: Option<&str>) -> Value {
    let Some(n) = Notification::parse(event, payload) else {
        // An untyped payload of an earlier version: its words are in it already.
        return match serde_json::from_str::<Value>(payload) {
            Ok(v @ Value::Object(_)) => v,
            _ => json!({}),
        };
    };
    let mut facts = match serde_json::to_value(&n) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    facts.remove("event");
    let words = words(&n, public_url);
    facts.insert("summary".into(), words.summary.into());
    facts.insert("subject".into(), words.subject.into());
    if let Some(url) = words.url {
        facts.insert("url".into(), url.into());
    }
    if let Some(path) = words.path {
        facts.insert("path".into(), path.into());
    }
    Value::Object(facts)
}

/// The words of a typed notification.
struct Words {
    summary: String,
    subject: String,
    url: Option<String>,
    path: Option<String>,
}

fn absolute(public_url: Option<&str>, path: &str) -> Option<String> {
    public_url.map(|base| format!("{}{path}", base.trim_end_matches('/')))
}

fn exception_path(reference: &str) -> String {
    format!("/exceptions/{reference}")
}

fn words(n: &Notification, public_url: Option<&str>) -> Words {
    match n {
        Notification::SignatureRequested(s) => signature_requested(s),
        Notification::ExceptionExpiring(e) => exception_expiring(e, public_url),
        Notification::ExceptionExpired(e) => exception_expired(e, public_url),
        Notification::LaunchGateStop(g) => gate_stop(g, public_url),
        Notification::EscalationOpened(o) => escalation_opened(o),
        Notification::Test(t) => test(t, public_url),
    }
}

fn signature_requested(s: &SignatureRequested) -> Words {
    let why = match s.reason {
        SignatureReason::Requested => "requested",
        SignatureReason::SignaturesVoided => "changed, so its signatures were voided",
    };
    Words {
        summary: format!(
            "{} \"{}\" was {why}: it needs the signatures of its engineering and security owners before {}.",
            s.reference, s.title, s.expires_on
        ),
        subject: format!("[Rhythm] Signature requested: {} {}", s.reference, s.title),
        url: Some(exception_path(&s.reference)),
        path: None,
    }
}

/// What an exception covers, in words: its risks by reference, then how many findings.
fn covers(e: &ExceptionFacts) -> String {
    let mut parts = e.risks.clone();
    if !e.finding_ids.is_empty() {
        parts.push(format!("{} finding(s)", e.finding_ids.len()));
    }
    parts.join(", ")
}

fn exception_expiring(e: &ExceptionFacts, public_url: Option<&str>) -> Words {
    let covers = covers(e);
    let path = exception_path(&e.exception);
    Words {
        summary: format!(
            "{} \"{}\" expires after {} ({}). Review it, or request an extension, before then{}.",
            e.exception,
            e.title,
            e.expires_on,
            e.status,
            if covers.is_empty() { String::new() } else { format!("; it covers {covers}") }
        ),
        subject: format!("[Rhythm] {} expires after {}: {}", e.exception, e.expires_on, e.title),
        url: absolute(public_url, &path),
        path: Some(path),
    }
}

fn exception_expired(e: &ExceptionFacts, public_url: Option<&str>) -> Words {
    let covers = covers(e);
    let path = exception_path(&e.exception);
    Words {
        summary: format!(
            "{} \"{}\" expired: it was valid through {}. What it covered is open again{}.",
            e.exception,
            e.title,
            e.expires_on,
            if covers.is_empty() { String::new() } else { format!(": {covers}") }
        ),
        subject: format!("[Rhythm] {} expired: {}", e.exception, e.title),
        url: absolute(public_url, &path),
        path: Some(path),
    }
}

/// `REL-4 Payments 2.4: STOP. Failing: no_open_critical (FND-1, FND-2).`
fn stop_line(g: &GateStop) -> String {
    let failing: Vec<String> =
        g.failing.iter().map(|c: &FailingCriterion| format!("{} ({})", c.criterion, c.evidence.join(", "))).collect();
    format!("{} {}: STOP. Failing: {}.", g.release, g.release_name, failing.join("; "))
}

fn gate_stop(g: &GateStop, public_url: Option<&str>) -> Words {
    Words {
        summary: format!("STOP: {}: {}", g.release, stop_line(g).trim()),
        subject: format!("[Rhythm] Launch gate STOP: {}", g.release),
        url: absolute(public_url, &format!("/releases/{}/gate", g.release)),
        path: None,
    }
}

fn escalation_opened(o: &EscalationOpened) -> Words {
    match o {
        EscalationOpened::Exception { reference, title, .. } => Words {
            summary: format!(
                "{reference} \"{title}\": the engineering and security owners disagree; an escalation decision must settle it."
            ),
            subject: format!("[Rhythm] Escalation opened: {reference} {title}"),
            url: Some(exception_path(reference)),
            path: None,
        },
        EscalationOpened::GateOverride { decision, title, .. } => Words {
            summary: format!("{decision} — {title}: a stop-ship override needs the escalation path to decide."),
            subject: format!("Escalation: {decision} asks to override a STOP"),
            url: None,
            path: None,
        },
    }
}

fn test(t: &TestNotification, public_url: Option<&str>) -> Words {
    Words {
        summary: format!(
            "A test notification from Rhythm, asked for by {}. If you can read this, the target works.",
            t.asked_by
        ),
        subject: "[Rhythm] Test notification".to_owned(),
        url: absolute(public_url, "/settings/notifications"),
        path: None,
    }
}

/// The human line of an event's `data`: its `summary`, or the event's label.
pub fn summary(event: Event, data: &Value) -> String {
    match data.get("summary").and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => event.label().to_owned(),
    }
}

/// The JSON Schema (2020-12) of a `json`-format webhook body, one definition per event: the
/// envelope, and `data` as the facts' schema (read off the store's types) with the words this
/// module adds. Committed as `docs/webhooks.json`.
pub fn webhook_schema() -> Value {
    use rhythm_store::notification::{GateStop as Stop, TestNotification as Test};
    use utoipa::ToSchema;

    fn add<T: ToSchema>(defs: &mut Map<String, Value>) -> String {
        let mut all = vec![(T::name().into_owned(), T::schema())];
        T::schemas(&mut all);
        for (name, schema) in all {
            let v = serde_json::to_value(schema).unwrap_or_default();
            defs.insert(name, v);
        }
        T::name().into_owned()
    }
    let mut defs = Map::new();
    let words = |path: bool| {
        let mut required = vec!["summary", "subject"];
        if path {
            required.push("path");
        }
        json!({
            "type": "object",
            "required": required,
            "properties": {
                "summary": { "type": "string", "description": "One sentence for people (e-mail body, Slack text)." },
                "subject": { "type": "string", "description": "The e-mail subject." },
                "url": { "type": "string", "description": "A link back to Rhythm: an absolute URL made with the server's public URL, or for signature.requested and escalation.opened of an exception its path." },
                "path": { "type": "string", "description": "The exception's path in Rhythm (/exceptions/EXC-7)." }
            }
        })
    };
    let events = [
        (Event::SignatureRequested, add::<SignatureRequested>(&mut defs), false),
        (Event::ExceptionExpiring, add::<ExceptionFacts>(&mut defs), true),
        (Event::ExceptionExpired, add::<ExceptionFacts>(&mut defs), true),
        (Event::LaunchGateStop, add::<Stop>(&mut defs), false),
        (Event::EscalationOpened, add::<EscalationOpened>(&mut defs), false),
        (Event::Test, add::<Test>(&mut defs), false),
    ];
    let mut one_of = Vec::new();
    for (event, facts, path) in events {
        one_of.push(json!({ "$ref": format!("#/$defs/{}", event.as_str()) }));
        defs.insert(
            event.as_str().to_owned(),
            json!({
                "description": event.label(),
                "type": "object",
                "required": ["id", "event", "workspace_id", "created_at", "data"],
                "properties": {
                    "id": { "type": "string", "format": "uuid", "description": "The delivery's id, the same on every retry (X-Rhythm-Delivery)." },
                    "event": { "const": event.as_str() },
                    "workspace_id": { "type": "string", "format": "uuid" },
                    "created_at": { "type": "string", "format": "date-time" },
                    "data": { "allOf": [ { "$ref": format!("#/$defs/{facts}") }, words(path) ] }
                }
            }),
        );
    }
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Rhythm webhook body",
        "description": "The body Rhythm POSTs to a webhook target of the json format, signed with X-Rhythm-Signature: sha256=HMAC-SHA256(secret, \"{X-Rhythm-Timestamp}.{body}\"). See docs/webhooks.md.",
        "oneOf": one_of,
        "$defs": defs,
    });
    rewrite_refs(&mut doc);
    doc
}

/// utoipa writes OpenAPI references (`#/components/schemas/X`); a JSON Schema document keeps
/// its definitions under `$defs`.
fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                *r = format!("#/$defs/{name}");
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// `docs/webhooks.json` as committed: [`webhook_schema`], pretty, with a final newline.
pub fn webhook_schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&webhook_schema()).expect("the schema serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    /// The committed `docs/webhooks.json` is what the code generates. To refresh it after a
    /// change to a notification: `RHYTHM_UPDATE_WEBHOOKS=1 cargo test -p rhythm-server webhook_schema`.
    #[test]
    #[expect(clippy::disallowed_methods, reason = "RHYTHM_UPDATE_WEBHOOKS=1 refreshes the committed file")]
    fn webhook_schema_is_committed_and_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/webhooks.json");
        let generated = super::webhook_schema_json();
        if std::env::var_os("RHYTHM_UPDATE_WEBHOOKS").is_some() {
            std::fs::write(path, &generated).expect("write docs/webhooks.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/webhooks.json is out of date: run RHYTHM_UPDATE_WEBHOOKS=1 cargo test -p rhythm-server webhook_schema"
        );
        assert!(!generated.contains("#/components/"), "every reference points into $defs");
    }
}
