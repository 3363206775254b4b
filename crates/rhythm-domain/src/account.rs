//! Workspaces and the people in them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::role::Role;
use crate::validate::{Check, Invalid};

/// One organization. Every row belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Normalizes and checks an e-mail address: trimmed, lower-case, one `@`, a dot in the domain.
pub fn normalize_email(email: &str) -> Result<String, Invalid> {
    let e = email.trim().to_ascii_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(e) } else { Err(Invalid::one("email", format!("'{}' is not an e-mail address", email.trim()))) }
}

/// Minimum password length. Length beats composition rules (NIST SP 800-63B).
pub const PASSWORD_MIN_CHARS: usize = 12;

/// The least zxcvbn score a new password must reach: "more than 10^8 guesses". Below it the
/// password is, or is built from, an entry of the leaked-password and common-word lists the
/// estimator ships (Dropbox's zxcvbn, its Xato leaked-password list among them), a keyboard
/// walk, a date, a repeat or a sequence, or the person's own name or e-mail.
pub const PASSWORD_MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Checks a new password: 12 to 1024 characters, and not guessable from lists of leaked
/// passwords, common words and patterns, or from `user_inputs` (the person's e-mail and name)
/// — OWASP ASVS 2.1.1, 2.1.2 and 2.1.7; no composition rules (2.1.9).
pub fn check_password(password: &str, user_inputs: &[&str]) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(Invalid::one("password", format!("must be at least {PASSWORD_MIN_CHARS} characters; got {n}")));
    }
    if n > 1024 {
        return Err(Invalid::one("password", "must be at most 1024 characters"));
    }
    // The person's own e-mail (its part before the @) or name, however decorated.
    let lower = password.to_lowercase();
    let own = user_inputs.iter().map(|i| i.trim().to_lowercase()).flat_map(|i| {
        let local = i.split('@').next().unwrap_or("").to_owned();
        [local, i.replace(' ', ""), i.replace(' ', ".")]
    });
    if own.into_iter().any(|w| w.chars().count() >= 4 && lower.contains(&w)) {
        return Err(Invalid::one("password", "must not contain your e-mail address or name"));
    }
    // The e-mail's words and the name's count as the person's own inputs to the estimate.
    let mut inputs: Vec<&str> = Vec::new();
    for i in user_inputs {
        inputs.push(i);
        inputs.extend(i.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3));
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() < PASSWORD_MIN_SCORE {
        let why = estimate.feedback().and_then(zxcvbn::feedback::Feedback::warning).map(|w| format!(" ({w})"));
        return Err(Invalid::one(
            "password",
            format!(
                "is too easy to guess{}: it is on, or made from, lists of leaked passwords and common patterns. Use a passphrase of several unrelated words",
                why.unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

pub fn check_user_name(name: &str) -> Result<(), Invalid> {
    let mut c = Check::new();
    c.name("name", name, 120);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@c.com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short", &[]).is_err());
        assert!(check_password("correct horse battery", &[]).is_ok());
    }

    #[test]
    fn leaked_and_patterned_passwords_are_refused_however_long() {
        for weak in [
            "password1234",
            "Password1234!",
            "qwertyuiop123",
            "123456789012",
            "iloveyou2020",
            "aaaaaaaaaaaaaaaa",
            "abcdefghijklmnop",
            "letmeinletmein",
        ] {
            let e = check_password(weak, &[]).expect_err(weak);
            assert!(e.0[0].message.contains("too easy to guess"), "{weak}: {e:?}");
        }
        // The person's own name and address make a weak password.
        for own in ["priya.raman@northwind", "Priya.Raman-is-the-ciso", "PriyaRaman2026!!"] {
            let e = check_password(own, &["priya.raman@northwind.example", "Priya Raman"]).expect_err(own);
            assert!(e.0[0].message.contains("e-mail address or name"), "{own}: {e:?}");
        }
        for strong in ["a long enough passphrase", "correct horse battery staple", "violet tractor sings at noon"] {
            assert!(check_password(strong, &["dana@northwind.test", "Dana Reyes"]).is_ok(), "{strong}");
        }
    }
}
