//! The server's only clock. Everything below the server gets time as a parameter.

use time::OffsetDateTime;

/// A source of "now".
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The system clock, in UTC, to the microsecond (what both databases store).
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "the server's one clock")]
    fn now(&self) -> OffsetDateTime {
        let t = OffsetDateTime::now_utc();
        t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
    }
}
