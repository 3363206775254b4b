//! E-mail delivery through an SMTP relay (lettre, async on tokio, rustls for TLS).
//!
//! One plain-text message per item, to the target address:
//!
//! * Subject: the event's `subject` ([`super::render`]), or `[Rhythm] <event label>: <summary>`
//!   (cut to 150 characters).
//! * Body: the summary, the `url` when there is one, the event name and delivery id, then the
//!   event's `data` (what a JSON webhook gets) as indented JSON.
//!
//! A message the relay accepts is a delivery; a refusal (4xx or 5xx, e.g. `550` on `RCPT TO`),
//! a connection or TLS error or a timeout is a failed attempt, recorded with the relay's answer.

use std::str::FromStr;
use std::time::Duration as StdDuration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use percent_encoding::percent_decode_str;
use rhythm_domain::Secret;
use rhythm_store::OutboxItem;
use serde::Deserialize;
use serde_json::Value;

use super::{NotifyError, render};

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on localhost or a trusted network; tests).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            _ => Err(format!("'{s}' is not an SMTP TLS mode: none, starttls, tls")),
        }
    }
}

/// The SMTP relay the server sends through.
#[derive(Debug, Clone, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Sign-in to the relay, when it needs one.
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// The sender: `rhythm@example.com` or `Rhythm <rhythm@example.com>`.
    pub from: String,
}

impl SmtpConfig {
    /// Reads an SMTP relay URL (`--smtp-url`, `RHYTHM_SMTP_URL`):
    ///
    /// * `smtp://host` — STARTTLS, required (port 587 unless given);
    /// * `smtps://host` — TLS from the first byte (port 465 unless given);
    /// * `?tls=none|starttls|tls` overrides the mode; `none` (port 25 unless given) is for a
    ///   relay on localhost or a trusted network only;
    /// * `user:password@` signs in (percent-encode special characters).
    ///
    /// Errors never contain the password: they name the URL through [`rhythm_store::redact_url`].
    pub fn from_url(url: &str, from: &str) -> Result<SmtpConfig, String> {
        let shown = rhythm_store::redact_url(url);
        let parsed =
            reqwest::Url::parse(url.trim()).map_err(|e| format!("the SMTP URL '{shown}' does not parse: {e}"))?;
        let mut tls = match parsed.scheme() {
            "smtp" => SmtpTls::StartTls,
            "smtps" => SmtpTls::Tls,
            other => return Err(format!("the SMTP URL '{shown}' must start with smtp:// or smtps://, not {other}://")),
        };
        for (k, v) in parsed.query_pairs() {
            match k.as_ref() {
                "tls" => tls = v.parse().map_err(|e| format!("the SMTP URL '{shown}': {e}"))?,
                other => return Err(format!("the SMTP URL '{shown}' has an unknown parameter '{other}' (known: tls)")),
            }
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("the SMTP URL '{shown}' names no host"))?;
        let port = parsed.port().unwrap_or(match tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        });
        // `%XX` decoded (a stray `%` kept, `+` left alone), lossy UTF-8.
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let username = Some(decode(parsed.username())).filter(|u| !u.is_empty());
        let password = parsed.password().map(decode).map(Secret::new);
        if password.is_some() && username.is_none() {
            return Err(format!("the SMTP URL '{shown}' has a password but no user name"));
        }
        let from = from.trim();
        if from.is_empty() {
            return Err("an SMTP relay needs a sender: set --mail-from (RHYTHM_MAIL_FROM)".to_owned());
        }
        Ok(SmtpConfig {
            host: host.trim_matches(['[', ']']).to_owned(),
            port,
            tls,
            username,
            password,
            from: from.to_owned(),
        })
    }
}

/// Sends the e-mail items. Opens one connection per message. Its `Debug` is lettre's, which
/// shows the relay and never the credentials.
#[derive(Debug)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &SmtpConfig, timeout: StdDuration) -> Result<Mailer, NotifyError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| NotifyError::Config(format!("the SMTP sender '{}' is not an address: {e}", config.from)))?;
        let host = config.host.trim();
        if host.is_empty() {
            return Err(NotifyError::Config("the SMTP host is empty".into()));
        }
        let tls_error = |e: lettre::transport::smtp::Error| NotifyError::Config(format!("SMTP TLS for {host}: {e}"));
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(tls_error)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(tls_error)?,
        };
        let mut builder = builder.port(config.port).timeout(Some(timeout));
        if let Some(user) = config.username.as_deref().filter(|u| !u.is_empty()) {
            builder = builder.credentials(Credentials::new(
                user.to_owned(),
                config.password.clone().map(Secret::into_inner).unwrap_or_default(),
            ));
        }
        Ok(Mailer { transport: builder.build(), from })
    }

    /// Sends one item; the error is the relay's answer or the connection's failure.
    pub async fn send(&self, item: &OutboxItem, public_url: Option<&str>) -> Result<(), String> {
        let to: Mailbox =
            item.target.parse().map_err(|e| format!("'{}' is not an e-mail address: {e}", item.target))?;
        let (subject, body) = message_text(item, public_url);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
    }
}

/// The subject and plain-text body of an item's e-mail; `public_url` makes the links.
pub fn message_text(item: &OutboxItem, public_url: Option<&str>) -> (String, String) {
    let payload = render::data(item.event, &item.payload, public_url);
    let summary = render::summary(item.event, &payload);
    let subject = match payload.get("subject").and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ if summary == item.event.label() => format!("[Rhythm] {summary}"),
        _ => format!("[Rhythm] {}: {summary}", item.event.label()),
    };
    let subject: String = subject.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(150).collect();
    let mut body = format!("{summary}\n\n");
    if let Some(url) = payload.get("url").and_then(Value::as_str) {
        body.push_str(&format!("Open in Rhythm: {url}\n\n"));
    }
    body.push_str(&format!("Event: {}\nDelivery: {}\n", item.event.as_str(), item.id));
    if payload.as_object().is_some_and(|o| !o.is_empty()) {
        body.push_str("\nDetails:\n");
        body.push_str(&serde_json::to_string_pretty(&payload).unwrap_or_default());
        body.push('\n');
    }
    body.push_str("\n-- \nSent by Rhythm; manage notifications in the workspace settings.\n");
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let c = SmtpConfig {
            host: "smtp.example.com".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            username: Some("rhythm".into()),
            password: Some("hunter2-smtp".into()),
            from: "Rhythm <rhythm@example.com>".into(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && shown.contains("***"), "{shown}");
        assert_eq!("STARTTLS".parse::<SmtpTls>(), Ok(SmtpTls::StartTls));
        assert!("ssl".parse::<SmtpTls>().is_err());
        // Both TLS modes build with the bundled roots.
        for tls in [SmtpTls::StartTls, SmtpTls::Tls, SmtpTls::None] {
            Mailer::new(&SmtpConfig { tls, ..c.clone() }, StdDuration::from_secs(5)).unwrap();
        }
        assert!(Mailer::new(&SmtpConfig { from: "nope".into(), ..c }, StdDuration::from_secs(5)).is_err());
    }

    #[test]
    fn smtp_urls_read_with_secure_defaults_and_never_show_the_password() {
        let c = SmtpConfig::from_url("smtp://mail.example.com", "rhythm@example.com").unwrap();
        assert_eq!((c.host.as_str(), c.port, c.tls, c.username), ("mail.example.com", 587, SmtpTls::StartTls, None));
        let c =
            SmtpConfig::from_url("smtps://ops%40example.com:p%40ss%3Aw0rd@mail.example.com:2465", "r@x.io").unwrap();
        assert_eq!((c.port, c.tls), (2465, SmtpTls::Tls));
        let password = c.password.as_ref().map(|p| p.expose().as_str());
        assert_eq!((c.username.as_deref(), password), (Some("ops@example.com"), Some("p@ss:w0rd")));
        let c = SmtpConfig::from_url("smtp://localhost?tls=none", "r@x.io").unwrap();
        assert_eq!((c.port, c.tls), (25, SmtpTls::None));
        let c = SmtpConfig::from_url("smtp://relay:2525?tls=starttls", "r@x.io").unwrap();
        assert_eq!((c.port, c.tls), (2525, SmtpTls::StartTls));
        for bad in [
            "http://user:hunter2@mail.example.com",
            "smtp://user:hunter2@mail.example.com?tls=ssl",
            "smtp://user:hunter2@mail.example.com?verify=no",
            "smtp://:hunter2@mail.example.com",
            "not a url hunter2",
        ] {
            let e = SmtpConfig::from_url(bad, "r@x.io").unwrap_err();
            assert!(!e.contains("hunter2") || bad.starts_with("not a url"), "{e}");
        }
        assert!(SmtpConfig::from_url("smtp://mail.example.com", " ").unwrap_err().contains("--mail-from"));
    }

    #[test]
    fn smtp_user_and_password_are_percent_decoded_once_keeping_what_is_not_an_escape() {
        // `+` is not a space, `%25` is one `%`, `%zz` and a trailing `%4` stay as written, and
        // bytes that are not UTF-8 become U+FFFD.
        let c = SmtpConfig::from_url("smtp://caf%C3%A9%FF:a+b%25%zz%4@mail.example.com", "r@x.io").unwrap();
        assert_eq!(c.username.as_deref(), Some("café\u{FFFD}"));
        assert_eq!(c.password.as_ref().map(|p| p.expose().as_str()), Some("a+b%%zz%4"));
    }

    #[test]
    fn the_mailer_and_its_config_are_shown_without_the_password() {
        let c = SmtpConfig::from_url("smtps://ops:hunter2-smtp@mail.example.com", "Rhythm <r@x.io>").unwrap();
        let mailer = Mailer::new(&c, StdDuration::from_secs(5)).unwrap();
        let shown = format!("{c:?} {c:#?} {mailer:?} {mailer:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("mail.example.com") && shown.contains("r@x.io"), "{shown}");
    }
}
