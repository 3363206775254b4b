//! [`Secret`]: a value that is never shown by accident.

use std::fmt;

use serde::Deserialize;

/// A password, signing key, token or credential URL: held like any value, never shown.
///
/// * `Debug` prints `Secret(***)`, so a struct holding one can `#[derive(Debug)]` and be logged
///   or printed in a failing assertion without leaking it.
/// * There is no `Display`: `format!("{}", s)` does not compile.
/// * The value comes out only through [`Secret::expose`] or [`Secret::into_inner`], which are
///   easy to find in a review.
/// * `Deserialize` is transparent (`"hunter2"` reads as `Secret("hunter2")`), so request bodies
///   and configuration keep their shape. In an OpenAPI schema the field says what it holds:
///   `#[schema(value_type = String)]` (there is no `ToSchema`, which would make it a `$ref`).
/// * There is deliberately no `Serialize`: a secret cannot be written into a response, an audit
///   row or a log as part of a struct. Code that must send one exposes it where it does.
/// * `PartialEq` is plain equality, not constant-time: it is for tests and values already
///   trusted; comparing what a client presents against a stored secret goes through `subtle`
///   or, better, a hash.
///
/// The memory is not wiped on drop (`zeroize`): these values are copied by the database driver,
/// the HTTP and SMTP clients and the argument parser anyway, so wiping one copy would promise
/// what it cannot keep.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub const fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself. Every read of a secret goes through here (or [`Secret::into_inner`]).
    pub const fn expose(&self) -> &T {
        &self.0
    }

    /// The value itself, taken out.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[derive(Debug, serde::Deserialize)]
    struct Login {
        user: String,
        password: Secret<String>,
        token: Option<Secret<String>>,
    }

    #[test]
    fn debug_never_shows_the_value_and_deserialize_reads_it_bare() {
        let l: Login =
            serde_json::from_str(r#"{"user": "ops", "password": "hunter2-pw", "token": "rhy_abc123"}"#).unwrap();
        let shown = format!("{l:?} {l:#?}");
        assert!(!shown.contains("hunter2") && !shown.contains("rhy_abc") && shown.contains("ops"), "{shown}");
        assert!(shown.contains("password: Secret(***)"), "{shown}");
        assert_eq!(l.user, "ops");
        assert_eq!(l.password.expose(), "hunter2-pw");
        assert_eq!(l.token.map(Secret::into_inner).as_deref(), Some("rhy_abc123"));
        assert_eq!(Secret::from("x"), Secret::new("x".to_owned()));
    }
}
