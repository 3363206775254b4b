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

pub fn check_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(Invalid::one("password", format!("must be at least {PASSWORD_MIN_CHARS} characters; got {n}")));
    }
    if n > 1024 {
        return Err(Invalid::one("password", "must be at most 1024 characters"));
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
        assert!(check_password("short").is_err());
        assert!(check_password("correct horse battery").is_ok());
    }
}
