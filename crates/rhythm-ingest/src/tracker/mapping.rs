//! Which kind of work a tracker issue is, and which backlog status a tracker status is.
//!
//! **Kind**, first that applies (names compared ignoring case and surrounding spaces):
//!
//! 1. the label rules, in the order the mapping lists them: the first rule that names any of
//!    the issue's labels wins (so the issue's label order does not matter);
//! 2. the issue type (Jira's `issuetype`, GitHub's issue `type` when the API gives one);
//! 3. `default_kind`.
//!
//! **Status** (Jira; GitHub has only `open` → todo and `closed` → done, or won't do when its
//! `state_reason` is `not_planned`): the `statuses` table by status name, then Jira's status
//! category (`new` → todo, `indeterminate` → in progress, `done` → done), then — for a CSV
//! export, which has no category — done when the issue has a resolution date, else todo.
//!
//! The defaults ([`TrackerMapping::default`]) are listed in `docs/tracker-import.md`. A team
//! supplies its own as TOML ([`TrackerMapping::from_toml`]); each section it gives replaces
//! that section of the defaults, sections it leaves out keep them:
//!
//! ```toml
//! default_kind = "feature"
//! jira_base_url = "https://acme.atlassian.net"   # links for issues without a `self` URL
//!
//! [[labels]]
//! kind = "security"
//! names = ["security", "pentest"]
//!
//! [[labels]]
//! kind = "tech_debt"
//! names = ["chore"]
//!
//! [issue_types]
//! Bug = "reliability"
//! Story = "feature"
//!
//! [statuses]
//! "In Review" = "in_progress"
//! ```

use std::collections::BTreeMap;

use rhythm_domain::{ItemStatus, WorkKind};
use serde::{Deserialize, Deserializer};

use crate::model::ParseError;

/// One label rule: any of `names` gives `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    #[serde(deserialize_with = "work_kind")]
    pub kind: WorkKind,
    pub names: Vec<String>,
}

/// The mapping from tracker labels, issue types and statuses to the backlog's kinds and
/// statuses. See the module documentation for the precedence.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerMapping {
    /// The kind of an issue no label rule and no issue type names.
    #[serde(deserialize_with = "work_kind")]
    pub default_kind: WorkKind,
    /// Label rules, in precedence order.
    pub labels: Vec<LabelRule>,
    /// Issue type name → kind.
    #[serde(deserialize_with = "kind_table")]
    pub issue_types: BTreeMap<String, WorkKind>,
    /// Jira status name → backlog status (before the status category is looked at).
    #[serde(deserialize_with = "status_table")]
    pub statuses: BTreeMap<String, ItemStatus>,
    /// `https://acme.atlassian.net`: the base of `{base}/browse/KEY` links for Jira issues
    /// without a `self` URL (CSV exports, trimmed API responses).
    pub jira_base_url: Option<String>,
}

fn rule(kind: WorkKind, names: &[&str]) -> LabelRule {
    LabelRule { kind, names: names.iter().map(|s| (*s).to_owned()).collect() }
}

impl Default for TrackerMapping {
    fn default() -> Self {
        use ItemStatus::{Done, InProgress, Todo, WontDo};
        use WorkKind::{Feature, Reliability, Security, TechDebt};
        let labels = vec![
            rule(
                Security,
                &[
                    "security",
                    "vulnerability",
                    "vuln",
                    "cve",
                    "pentest",
                    "appsec",
                    "kind/security",
                    "type: security",
                    "area/security",
                ],
            ),
            rule(
                Reliability,
                &[
                    "bug",
                    "incident",
                    "outage",
                    "reliability",
                    "sre",
                    "performance",
                    "flaky",
                    "regression",
                    "kind/bug",
                    "type: bug",
                ],
            ),
            rule(
                TechDebt,
                &[
                    "tech debt",
                    "tech-debt",
                    "techdebt",
                    "debt",
                    "refactor",
                    "refactoring",
                    "cleanup",
                    "chore",
                    "maintenance",
                    "dependencies",
                    "kind/cleanup",
                ],
            ),
            rule(Feature, &["feature", "enhancement", "feature request", "kind/feature", "type: feature"]),
        ];
        let issue_types = [
            ("security", Security),
            ("vulnerability", Security),
            ("security bug", Security),
            ("bug", Reliability),
            ("incident", Reliability),
            ("problem", Reliability),
            ("tech debt", TechDebt),
            ("technical debt", TechDebt),
            ("story", Feature),
            ("feature", Feature),
            ("new feature", Feature),
            ("improvement", Feature),
            ("epic", Feature),
        ];
        let statuses = [
            ("to do", Todo),
            ("todo", Todo),
            ("open", Todo),
            ("backlog", Todo),
            ("ready", Todo),
            ("selected for development", Todo),
            ("reopened", Todo),
            ("in progress", InProgress),
            ("in review", InProgress),
            ("code review", InProgress),
            ("review", InProgress),
            ("testing", InProgress),
            ("in testing", InProgress),
            ("qa", InProgress),
            ("blocked", InProgress),
            ("done", Done),
            ("closed", Done),
            ("resolved", Done),
            ("complete", Done),
            ("completed", Done),
            ("won't do", WontDo),
            ("won't fix", WontDo),
            ("wont do", WontDo),
            ("wontfix", WontDo),
            ("cancelled", WontDo),
            ("canceled", WontDo),
            ("declined", WontDo),
            ("rejected", WontDo),
            ("duplicate", WontDo),
        ];
        TrackerMapping {
            default_kind: Feature,
            labels,
            issue_types: issue_types.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            statuses: statuses.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            jira_base_url: None,
        }
    }
}

/// Names are compared ignoring case and surrounding spaces.
fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

impl TrackerMapping {
    /// A mapping from TOML (see the module documentation). An error names the line and column
    /// (`line 4, column 8`) and says what is wrong.
    pub fn from_toml(src: &str) -> Result<TrackerMapping, ParseError> {
        let mut m: TrackerMapping = toml::from_str(src).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_column(src, s.start));
            ParseError::new(format!("line {line}, column {col}"), e.message().trim().to_owned())
        })?;
        m.normalize();
        for (i, r) in m.labels.iter().enumerate() {
            if r.names.iter().all(|n| n.trim().is_empty()) {
                return Err(ParseError::new(format!("labels[{i}].names"), "names no label"));
            }
        }
        if let Some(u) = &m.jira_base_url
            && super::web_url(Some(u)).is_none()
        {
            return Err(ParseError::new("jira_base_url", "must be an http:// or https:// address"));
        }
        Ok(m)
    }

    /// Keys and names in the compared form (lower case, trimmed); a base URL without its
    /// trailing `/`.
    fn normalize(&mut self) {
        for r in &mut self.labels {
            r.names = r.names.iter().map(|n| norm(n)).filter(|n| !n.is_empty()).collect();
        }
        self.issue_types = std::mem::take(&mut self.issue_types).into_iter().map(|(k, v)| (norm(&k), v)).collect();
        self.statuses = std::mem::take(&mut self.statuses).into_iter().map(|(k, v)| (norm(&k), v)).collect();
        self.jira_base_url = self.jira_base_url.take().map(|u| u.trim().trim_end_matches('/').to_owned());
    }

    /// The kind of an issue with these labels and this issue type.
    pub fn kind(&self, labels: &[String], issue_type: Option<&str>) -> WorkKind {
        let labels: Vec<String> = labels.iter().map(|l| norm(l)).collect();
        for r in &self.labels {
            if r.names.iter().any(|n| labels.iter().any(|l| norm(n) == *l)) {
                return r.kind;
            }
        }
        if let Some(t) = issue_type.map(norm)
            && let Some((_, k)) = self.issue_types.iter().find(|(name, _)| norm(name) == t)
        {
            return *k;
        }
        self.default_kind
    }

    /// The backlog status of a Jira status name, by the `statuses` table only.
    pub fn status_by_name(&self, name: &str) -> Option<ItemStatus> {
        let name = norm(name);
        self.statuses.iter().find(|(n, _)| norm(n) == name).map(|(_, s)| *s)
    }
}

fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().unwrap_or("").chars().count() + 1)
}

/// A kind by its name (`tech_debt`, `Tech debt`, `tech-debt`).
fn work_kind<'de, D: Deserializer<'de>>(d: D) -> Result<WorkKind, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

fn kind_table<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, WorkKind>, D::Error> {
    let raw = BTreeMap::<String, String>::deserialize(d)?;
    raw.into_iter()
        .map(|(k, v)| v.parse().map(|v| (k.clone(), v)).map_err(|e| serde::de::Error::custom(format!("{k}: {e}"))))
        .collect()
}

fn status_table<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, ItemStatus>, D::Error> {
    let raw = BTreeMap::<String, String>::deserialize(d)?;
    raw.into_iter()
        .map(|(k, v)| v.parse().map(|v| (k.clone(), v)).map_err(|e| serde::de::Error::custom(format!("{k}: {e}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn labels_win_in_mapping_order_then_type_then_default() {
        let m = TrackerMapping::default();
        // Security comes before reliability in the mapping, whatever the issue's label order.
        assert_eq!(m.kind(&l(&["bug", "Security"]), Some("Story")), WorkKind::Security);
        assert_eq!(m.kind(&l(&["  BUG "]), Some("Story")), WorkKind::Reliability);
        assert_eq!(m.kind(&l(&["critical"]), Some("story")), WorkKind::Feature);
        assert_eq!(m.kind(&l(&["critical"]), Some("Bug")), WorkKind::Reliability);
        assert_eq!(m.kind(&[], Some("Task")), WorkKind::Feature);
        assert_eq!(m.kind(&[], None), WorkKind::Feature);
    }

    #[test]
    fn a_custom_mapping_replaces_the_sections_it_gives() {
        let m = TrackerMapping::from_toml(
            "default_kind = \"tech debt\"\n[[labels]]\nkind = \"reliability\"\nnames = [\"Ops\"]\n",
        )
        .unwrap();
        assert_eq!(m.kind(&l(&["security"]), None), WorkKind::TechDebt, "default label rules replaced");
        assert_eq!(m.kind(&l(&["ops"]), None), WorkKind::Reliability);
        assert_eq!(m.kind(&[], Some("BUG")), WorkKind::Reliability, "issue types kept from the defaults");
    }

    #[test]
    fn bad_toml_is_located() {
        let e = TrackerMapping::from_toml("default_kind = \"feature\"\n[[labels]]\nkind = \"fun\"\nnames = [\"x\"]\n")
            .unwrap_err();
        assert_eq!(e.path, "line 3, column 8");
        assert!(e.message.contains("'fun' is not one of: feature, security, reliability, tech_debt"), "{e}");
        let e = TrackerMapping::from_toml("colour = 1\n").unwrap_err();
        assert_eq!(e.path, "line 1, column 1");
        assert!(e.message.contains("unknown field `colour`"), "{e}");
    }
}
