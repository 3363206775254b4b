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
//! The `json` format sends that envelope; `data` is the event's facts with a `summary` for
//! people, a `subject` and a `url` back to Rhythm ([`super::render`]; the schema and an example
//! per event are in `docs/webhooks.md`). The body is the same bytes on every retry. The `slack` format sends a Slack incoming-webhook body instead:
//! `{"text": "…", "blocks": [section with the event and summary, context]}`.
//!
//! A 2xx answer is a delivery. Any other status (redirects are not followed), a connection
//! error or no answer within the timeout (10 s by default) is a failed attempt, retried with
//! backoff; the status and the first 200 characters of the answer are recorded (people without
//! the admin permission see only the status).
//!
//! # Where webhooks may go
//!
//! Only to public addresses: a target whose host is, or resolves to, a loopback, private,
//! link-local, shared (CGNAT), multicast or otherwise reserved address is refused when it is
//! added and again at every delivery — the addresses are checked after DNS resolution, on the
//! addresses the connection then uses, so a name that resolves elsewhere later (DNS
//! rebinding) is caught too. An internal relay is allowed by naming its network
//! (`--webhook-allow 10.1.2.0/24`, [`Reach`]).
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

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use hmac::{Hmac, Mac};
use ipnet::IpNet;
use rhythm_store::{Format, OutboxItem};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{NotifyError, render};

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

/// The addresses webhooks may reach: every public address, and the networks of `allow`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Networks allowed although they are not public (an internal relay).
    pub allow: Vec<IpNet>,
}

impl Reach {
    pub fn new(allow: Vec<IpNet>) -> Reach {
        Reach { allow }
    }

    /// Whether a webhook may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        is_public(ip) || self.allow.iter().any(|n| n.contains(&ip))
    }

    /// Refuses a target URL whose host is a literal address this reach does not permit, or a
    /// name that is loopback by definition (`localhost`, `*.localhost`). Other names are checked
    /// when they are resolved, at every delivery.
    pub fn check_url(&self, target: &str) -> Result<(), String> {
        let url = url::Url::parse(target).map_err(|e| format!("is not a URL: {e}"))?;
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if d == "localhost" || d.ends_with(".localhost") {
                    IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
                } else {
                    return Ok(());
                }
            }
            None => return Err("names no host".to_owned()),
        };
        if self.permits(ip) { Ok(()) } else { Err(refusal(&[ip])) }
    }
}

/// Why a target was refused, and what to do about it.
fn refusal(ips: &[IpAddr]) -> String {
    let list = ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    format!(
        "points at {list}, a loopback, private, link-local or reserved address; webhooks go to public addresses unless the server allows that network (--webhook-allow)"
    )
}

/// A public unicast address: not loopback, private, link-local, shared (RFC 6598), unspecified,
/// broadcast, multicast, documentation, benchmarking or reserved.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || (first & 0xffc0) == 0xfec0
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b
                || first == 0x0100 && v6.segments()[1..4] == [0, 0, 0])
        }
    }
}

/// Resolves webhook hosts and keeps only the addresses [`Reach`] permits, so the connection
/// can only go where the check allowed (no DNS rebinding between a check and the connect).
struct GuardedResolver(Reach);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let reach = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (ok, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                all.into_iter().partition(|a| reach.permits(a.ip()));
            if ok.is_empty() {
                let ips: Vec<IpAddr> = refused.iter().map(SocketAddr::ip).collect();
                let why = if ips.is_empty() {
                    format!("{host} does not resolve")
                } else {
                    format!("{host} {}", refusal(&ips))
                };
                return Err(why.into());
            }
            Ok(Box::new(ok.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client for webhooks: rustls, a whole-request timeout, no redirects, no proxy, and
/// connections only to addresses `reach` permits.
pub(crate) fn client(timeout: StdDuration, reach: &Reach) -> Result<reqwest::Client, NotifyError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver(reach.clone())))
        .user_agent(concat!("Rhythm-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NotifyError::Config(format!("cannot build the webhook HTTP client: {e}")))
}

/// Slack mrkdwn treats these three as control characters.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The request body for the target's format; `public_url` makes the links.
pub fn body(item: &OutboxItem, public_url: Option<&str>) -> Vec<u8> {
    let data = render::data(item.event, &item.payload, public_url);
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
            let summary = render::summary(item.event, &data);
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
pub(crate) async fn send(
    http: &reqwest::Client,
    reach: &Reach,
    item: &OutboxItem,
    public_url: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), String> {
    // Literal addresses never reach the resolver: they are checked here.
    reach.check_url(&item.target).map_err(|why| format!("not sent: the target {why}"))?;
    let timestamp = now.unix_timestamp();
    let body = body(item, public_url);
    let mut req = http
        .post(&item.target)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, item.event.as_str())
        .header(DELIVERY_HEADER, item.id.to_string())
        .header(TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(secret) = &item.secret {
        req = req.header(SIGNATURE_HEADER, signature(secret.expose(), timestamp, &body));
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
    fn only_public_addresses_are_reached_unless_allowed() {
        let none = Reach::default();
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!none.permits(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(none.permits(good.parse().unwrap()), "{good}");
        }
        let relay = Reach::new(vec!["10.1.2.0/24".parse().unwrap()]);
        assert!(relay.permits("10.1.2.9".parse().unwrap()) && !relay.permits("10.1.3.9".parse().unwrap()));
        for bad in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://localhost/hook",
            "http://api.localhost./hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://0x7f000001/hook",
            "http://2130706433/hook",
            "http://127.1/hook",
        ] {
            let why = none.check_url(bad).expect_err(bad);
            assert!(why.contains("--webhook-allow"), "{bad}: {why}");
        }
        assert!(none.check_url("https://hooks.slack.com/services/T0/B0/x").is_ok());
    }

    #[test]
    fn slack_text_is_escaped() {
        assert_eq!(slack_escape("a <b> & c"), "a &lt;b&gt; &amp; c");
    }
}
