//! Security findings: what scanners, pen tests and reviews found in a system. They feed the
//! launch gate (open findings at or above a severity), SLA and MTTR.

use time::OffsetDateTime;
use uuid::Uuid;

use super::shape::register;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::{Environment, FindingStatus, Severity};
use crate::validate::Invalid;

register! {
    /// One finding in one system and environment.
    pub struct Finding {
        /// Human reference number: `FND-{number}`.
        number,
        system_id: Option<Uuid>,
        /// The scanner or source: `trivy`, `semgrep`, `pentest`, …
        tool: text [no_patch] = i.tool.trim().to_ascii_lowercase(),
        /// The rule id or vulnerability id (`CVE-2024-3094`, `js/sql-injection`).
        rule: text [no_patch],
        title: text,
        severity: Severity,
        environment: Environment,
        /// The package or file the finding is in (`openssl 3.0.1`, `src/api/login.rs:42`).
        component: text [default],
        /// On the known-exploited list (CISA KEV): its SLA is the policy's `kev` days.
        kev: bool [default],
        status: FindingStatus [no_input by_hand
            /// `fixed` stamps `fixed_at` (now unless given); `open` reopens and clears it.
        ] = FindingStatus::Open,
        first_seen: utc [optional no_patch
            /// When it was first seen; now when absent.
        ] = i.first_seen.map_or(new.now, |t| t.to_offset(time::UtcOffset::UTC)),
        fixed_at: opt_utc [no_input by_hand] = None,
        external_id: opt_text,
        /// When the last scanner import of its scope still reported it (scanner findings only).
        last_seen: opt_utc [stored] = None,
        /// Where: a file and line, a URL, the scanned image or lock file (scanner findings).
        location: Option<String> [stored] = None,
        /// The installed version of the component, when a dependency scanner said.
        installed_version: Option<String> [stored] = None,
        /// The version that fixes it, when the scanner knows one.
        fixed_version: Option<String> [stored] = None,
        /// The scanner reported it suppressed / not affected / ignored: the kind, then
        /// `: justification` when one was given. Without an approved exception that covers it,
        /// such a finding is a **silent exception**.
        suppression: Option<String> [stored] = None,
        /// Identity within its scanner re-import scope (system, tool, environment); internal.
        #[serde(skip)]
        #[schema(ignore)]
        scan_key: Option<Uuid> [stored] = None,
        version,
    }
    /// A new finding.
    pub struct FindingInput;
    /// Changes to a finding.
    pub struct FindingPatch;
    const KIND: Kind = Kind::Finding;
    fn create(i, new: New);
    fn apply(self, p, now) -> v then {
        let fixed_at = p.fixed_at.map(|t| t.map(|t| t.to_offset(time::UtcOffset::UTC)));
        match (p.status, fixed_at) {
            (Some(FindingStatus::Open), Some(Some(_))) => {
                return Err(Invalid::one("fixed_at", "an open finding has no fixed time; leave it out or send null"));
            }
            (Some(FindingStatus::Fixed), at) => {
                v.status = FindingStatus::Fixed;
                v.fixed_at = Some(at.flatten().or(self.fixed_at).unwrap_or(now));
            }
            (None, Some(Some(at))) => {
                v.status = FindingStatus::Fixed;
                v.fixed_at = Some(at);
            }
            (Some(FindingStatus::Open), _) | (None, Some(None)) => {
                v.status = FindingStatus::Open;
                v.fixed_at = None;
            }
            (None, None) => {}
        }
    }
    fn check(self, c) {
        c.name("tool", &self.tool, 60);
        c.name("rule", &self.rule, 300);
        c.name("title", &self.title, 300);
        c.text("component", &self.component, 300);
        if let Some(e) = &self.external_id {
            c.name("external_id", e, 200);
        }
        for (field, v) in [
            ("location", &self.location),
            ("installed_version", &self.installed_version),
            ("fixed_version", &self.fixed_version),
            ("suppression", &self.suppression),
        ] {
            if let Some(v) = v {
                c.text(field, v, 2000);
            }
        }
        if let Some(fixed) = self.fixed_at
            && fixed < self.first_seen
        {
            c.fail("fixed_at", "a finding cannot be fixed before it was first seen (first_seen)");
        }
        match (self.status, self.fixed_at) {
            (FindingStatus::Fixed, None) => c.fail("fixed_at", "a fixed finding needs the time it was fixed"),
            (FindingStatus::Open, Some(_)) => c.fail("fixed_at", "an open finding has no fixed time"),
            _ => {}
        }
    }
}

impl Finding {
    /// Marks the finding fixed now.
    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        if self.status == FindingStatus::Fixed {
            return Err(Invalid::one("status", "the finding is already fixed"));
        }
        self.apply(FindingPatch { status: Some(FindingStatus::Fixed), ..Default::default() }, now)
    }

    pub fn refs(&self) -> Vec<Ref> {
        ref_of("system_id", Target::Entry(Kind::System), self.system_id)
    }

    /// `FND-12`.
    pub fn reference(&self) -> String {
        Kind::Finding.reference(self.number)
    }

    /// Whether the finding is open at or above `min` severity in `environment`.
    pub fn blocks(&self, min: Severity, environment: &str) -> bool {
        self.status == FindingStatus::Open && self.severity <= min && self.environment.as_str() == environment
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn new() -> New {
        New {
            id: Uuid::from_u128(1),
            workspace_id: Uuid::from_u128(2),
            number: 1,
            now: datetime!(2026-11-01 10:00 UTC),
        }
    }

    fn input() -> FindingInput {
        FindingInput {
            system_id: None,
            tool: " Trivy ".into(),
            rule: "CVE-2024-3094".into(),
            title: "xz backdoor".into(),
            severity: Severity::Critical,
            environment: Environment::Production,
            component: "xz-utils 5.6.0".into(),
            kev: true,
            first_seen: Some(datetime!(2026-10-01 12:00 +2)),
            external_id: None,
        }
    }

    #[test]
    fn fixing_stamps_the_time_and_reopening_clears_it() {
        let f = Finding::create(input(), new()).unwrap();
        assert_eq!(f.tool, "trivy");
        assert_eq!(f.first_seen, datetime!(2026-10-01 10:00 UTC));
        assert!(f.blocks(Severity::High, "production"));
        assert!(!f.blocks(Severity::High, "staging"));
        let fixed = f.close(datetime!(2026-11-02 09:00 UTC)).unwrap();
        assert_eq!(fixed.status, FindingStatus::Fixed);
        assert_eq!(fixed.fixed_at, Some(datetime!(2026-11-02 09:00 UTC)));
        assert!(!fixed.blocks(Severity::Low, "production"));
        assert!(fixed.close(datetime!(2026-11-03 09:00 UTC)).is_err());
        let reopened = fixed
            .apply(
                FindingPatch { status: Some(FindingStatus::Open), ..Default::default() },
                datetime!(2026-11-04 9:00 UTC),
            )
            .unwrap();
        assert_eq!((reopened.status, reopened.fixed_at), (FindingStatus::Open, None));
    }

    #[test]
    fn a_fix_before_first_seen_is_refused_by_name() {
        let f = Finding::create(input(), new()).unwrap();
        let err = f
            .apply(
                FindingPatch { fixed_at: Some(Some(datetime!(2026-09-01 00:00 UTC))), ..Default::default() },
                datetime!(2026-11-02 09:00 UTC),
            )
            .unwrap_err();
        assert_eq!(err.0[0].field, "fixed_at");
        assert!(err.0[0].message.contains("first seen"), "{err}");
        let err =
            Finding::create(FindingInput { title: " ".into(), tool: String::new(), ..input() }, new()).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tool", "title"]);
    }
}
