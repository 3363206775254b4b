//! Security findings: what scanners, pen tests and reviews found in a system. They feed the
//! launch gate (open findings at or above a severity), SLA and MTTR.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::{Environment, FindingStatus, Severity};
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// One finding in one system and environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Human reference number: `FND-{number}`.
    pub number: i64,
    pub system_id: Option<Uuid>,
    /// The scanner or source: `trivy`, `semgrep`, `pentest`, …
    pub tool: String,
    /// The rule id or vulnerability id (`CVE-2024-3094`, `js/sql-injection`).
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub environment: Environment,
    /// The package or file the finding is in (`openssl 3.0.1`, `src/api/login.rs:42`).
    pub component: String,
    /// On the known-exploited list (CISA KEV): its SLA is the policy's `kev` days.
    pub kev: bool,
    pub status: FindingStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub fixed_at: Option<OffsetDateTime>,
    pub external_id: Option<String>,
    /// When the last scanner import of its scope still reported it (scanner findings only).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen: Option<OffsetDateTime>,
    /// Where: a file and line, a URL, the scanned image or lock file (scanner findings).
    pub location: Option<String>,
    /// The installed version of the component, when a dependency scanner said.
    pub installed_version: Option<String>,
    /// The version that fixes it, when the scanner knows one.
    pub fixed_version: Option<String>,
    /// The scanner reported it suppressed / not affected / ignored: the kind, then
    /// `: justification` when one was given. Without an approved exception that covers it,
    /// such a finding is a **silent exception**.
    pub suppression: Option<String>,
    /// Identity within its scanner re-import scope (system, tool, environment); internal.
    #[serde(skip)]
    #[schema(ignore)]
    pub scan_key: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new finding.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    #[serde(default)]
    pub system_id: Option<Uuid>,
    pub tool: String,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub environment: Environment,
    #[serde(default)]
    pub component: String,
    #[serde(default)]
    pub kev: bool,
    /// When it was first seen; now when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub first_seen: Option<OffsetDateTime>,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// Changes to a finding.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingPatch {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub system_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub environment: Option<Environment>,
    #[serde(default)]
    pub component: Option<String>,
    #[serde(default)]
    pub kev: Option<bool>,
    /// `fixed` stamps `fixed_at` (now unless given); `open` reopens and clears it.
    #[serde(default)]
    pub status: Option<FindingStatus>,
    #[serde(default, deserialize_with = "super::incident::opt_ts")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub fixed_at: Option<Option<OffsetDateTime>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Finding {
    pub const KIND: Kind = Kind::Finding;

    pub fn create(i: FindingInput, new: New) -> Result<Self, Invalid> {
        let v = Finding {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            system_id: i.system_id,
            tool: i.tool.trim().to_ascii_lowercase(),
            rule: i.rule.trim().to_owned(),
            title: i.title.trim().to_owned(),
            severity: i.severity,
            environment: i.environment,
            component: i.component.trim().to_owned(),
            kev: i.kev,
            status: FindingStatus::Open,
            first_seen: i.first_seen.map_or(new.now, |t| t.to_offset(time::UtcOffset::UTC)),
            fixed_at: None,
            external_id: trimmed(i.external_id),
            last_seen: None,
            location: None,
            installed_version: None,
            fixed_version: None,
            suppression: None,
            scan_key: None,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: FindingPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.system_id, p.system_id);
        set(&mut v.title, p.title.map(|s| s.trim().to_owned()));
        set(&mut v.severity, p.severity);
        set(&mut v.environment, p.environment);
        set(&mut v.component, p.component.map(|s| s.trim().to_owned()));
        set(&mut v.kev, p.kev);
        set(&mut v.external_id, p.external_id.map(trimmed));
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
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    /// Marks the finding fixed now.
    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        if self.status == FindingStatus::Fixed {
            return Err(Invalid::one("status", "the finding is already fixed"));
        }
        self.apply(FindingPatch { status: Some(FindingStatus::Fixed), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
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
        c.finish()
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
