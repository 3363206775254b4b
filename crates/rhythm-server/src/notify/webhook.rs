//! Webhook delivery: an HTTP POST of JSON, signed with the target's secret.
//!
//! # Wire format
//!
//! ```text
//! POST <target URL>
//! Content-Type: application/json
//! User-Agent: Rhythm-Webhooks/<version>
//! X-Rhythm-Event: exception.expired
//! X-Rhythm-Delivery: 01964d1e-…            (the outbox id: the same on every retry)
//! X-Rhythm-Timestamp: 1772443800           (unix seconds of this attempt)
//! X-Rhythm-Signature: sha256=<64 hex>      (only when the target has a secret)
//!
//! {"created_at":"2026-03-02T09:30:00.123456Z","data":{…the event payload…},
//!  "event":"exception.expired","id":"01964d1e-…","workspace_id":"…"}
//! ```
//!
//! The `json` format sends that envelope; `data` is the event's payload as enqueued (by
//! convention a `summary` for people, a `url` back to Rhythm, and the event's ids). The body is
//! the same bytes on every retry. The `slack` format sends a Slack incoming-webhook body instead:
//! `{"text": "…", "blocks": [section with the event and summary, context]}`.
//!
//! A 2xx answer is a delivery. Any other status (redirects are not followed), a connection
//! error or no answer within the timeout (10 s by default) is a failed attempt, retried with
//! backoff; the status and the first 200 characters of the answer are recorded.
//!
//! # Verifying a delivery (receiver side)
//!
//! 1. Read `X-Rhythm-Timestamp` (`t`) and the raw body bytes (before any JSON parsing).
//! 2. Compute `HMAC-SHA256(key = the secret, message = t + "." + body)` and hex-encode it.
//! 3. Compare it with the hex after `sha256=` in `X-Rhythm-Signature` in constant time.
//! 4. Refuse the request when `t` is more than 5 minutes from your clock: that, not the
//!    signature, stops a replay of a captured request. Rhythm does not do this for you.
//! 5. Deliveries are at least once: deduplicate on `X-Rhythm-Delivery`.
//!
//! [`verify`] is that procedure in Rust.

use std::time::Duration as StdDuration;

use hmac::{Hmac, Mac};
use rhythm_store::{Format, OutboxItem};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::NotifyError;

pub const EVENT_HEADER: &str = "x-rhythm-event";
pub const DELIVERY_HEADER: &str = "x-rhythm-delivery";
pub const TIMESTAMP_HEADER: &str = "x-rhythm-timestamp";
pub const SIGNATURE_HEADER: &str = "x-rhythm-signature";
/// How far a receiver should accept a timestamp from its own clock.
pub const REPLAY_TOLERANCE_SECS: i64 = 300;
/// How much of a refusing receiver's answer is recorded.
const ERROR_BODY_CHARS: usize = 200;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Rhythm-Signature` value: `sha256=` and the hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

/// What a receiver does: the signature matches (compared in constant time) and the timestamp
/// is within `tolerance_secs` of `now_unix`.
pub fn verify(
    secret: &str,
    timestamp_header: &str,
    body: &[u8],
    signature_header: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> bool {
    let Ok(timestamp) = timestamp_header.trim().parse::<i64>() else { return false };
    if (now_unix - timestamp).abs() > tolerance_secs {
        return false;
    }
    let Some(Ok(expected)) = signature_header.trim().strip_prefix("sha256=").map(hex::decode) else { return false };
    mac(secret, timestamp, body).verify_slice(&expected).is_ok()
}

/// The HTTP client for webhooks: rustls, a whole-request timeout, no redirects.
pub(crate) fn client(timeout: StdDuration) -> Result<reqwest::Client, NotifyError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Rhythm-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NotifyError::Config(format!("cannot build the webhook HTTP client: {e}")))
}

fn payload(item: &OutboxItem) -> Value {
    serde_json::from_str(&item.payload).unwrap_or_else(|_| json!({}))
}

/// The human line of an event: the payload's `summary`, or the event's label.
pub fn summary(item: &OutboxItem) -> String {
    match payload(item).get("summary").and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => item.event.label().to_owned(),
    }
}

/// Slack mrkdwn treats these three as control characters.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The request body for the target's format.
pub fn body(item: &OutboxItem) -> Vec<u8> {
    let data = payload(item);
    let value = match item.format {
        Format::Json => json!({
            "id": item.id,
            "event": item.event.as_str(),
            "workspace_id": item.workspace_id,
            "created_at": item.created_at.format(&Rfc3339).unwrap_or_default(),
            "data": data,
        }),
        Format::Slack => {
            let label = item.event.label();
            let summary = summary(item);
            let mut section = format!("*{}*\n{}", slack_escape(label), slack_escape(&summary));
            let url = data
                .get("url")
                .and_then(Value::as_str)
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
            if let Some(url) = url {
                section.push_str(&format!("\n<{}|Open in Rhythm>", slack_escape(url)));
            }
            json!({
                "text": format!("[Rhythm] {label}: {summary}"),
                "blocks": [
                    { "type": "section", "text": { "type": "mrkdwn", "text": section } },
                    { "type": "context", "elements": [
                        { "type": "mrkdwn", "text": format!("Rhythm · `{}` · delivery {}", item.event.as_str(), item.id) }
                    ] }
                ],
            })
        }
    };
    serde_json::to_vec(&value).expect("JSON values serialize")
}

/// Describes a transport error with its causes, but without the URL (which can be a credential).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer within the timeout".to_owned();
    }
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

/// Posts one item. `Ok` on a 2xx answer; otherwise why not.
pub(crate) async fn send(http: &reqwest::Client, item: &OutboxItem, now: OffsetDateTime) -> Result<(), String> {
    let timestamp = now.unix_timestamp();
    let body = body(item);
    let mut req = http
        .post(&item.target)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, item.event.as_str())
        .header(DELIVERY_HEADER, item.id.to_string())
        .header(TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(secret) = item.secret.as_deref() {
        req = req.header(SIGNATURE_HEADER, signature(secret, timestamp, &body));
    }
    let mut resp = req.body(body).send().await.map_err(describe)?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    // Read only the start of the answer, within the same timeout.
    let mut answer = Vec::new();
    while answer.len() < ERROR_BODY_CHARS * 4 {
        match resp.chunk().await {
            Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    let answer: String = String::from_utf8_lossy(&answer).chars().take(ERROR_BODY_CHARS).collect();
    let answer = answer.split_whitespace().collect::<Vec<_>>().join(" ");
    Err(if answer.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {answer}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_secret_the_body_and_a_fresh_timestamp() {
        let sig = signature("topsecret-0123456789", 1_772_443_800, b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify("topsecret-0123456789", "1772443800", b"{\"a\":1}", &sig, 1_772_443_900, 300));
        assert!(!verify("wrong-secret-0123456", "1772443800", b"{\"a\":1}", &sig, 1_772_443_900, 300));
        assert!(!verify("topsecret-0123456789", "1772443800", b"{\"a\":2}", &sig, 1_772_443_900, 300));
        assert!(!verify("topsecret-0123456789", "1772443801", b"{\"a\":1}", &sig, 1_772_443_900, 300));
        assert!(!verify("topsecret-0123456789", "1772443800", b"{\"a\":1}", &sig, 1_772_444_101, 300), "stale");
        assert!(!verify("topsecret-0123456789", "1772443800", b"{\"a\":1}", "sha256=zz", 1_772_443_800, 300));
    }

    #[test]
    fn slack_text_is_escaped() {
        assert_eq!(slack_escape("a <b> & c"), "a &lt;b&gt; &amp; c");
    }
}
