//! The semantic checks of a policy: what [`Policy::validate`] refuses, and what
//! [`Policy::from_toml`] reports at the line it finds it on.

use std::collections::{BTreeMap, HashMap};

use super::{
    DESCRIPTION_MAX_CHARS, Decider, DecisionCategory, GoldenPathSpec, MAX_EXCEPTION_DAYS, MAX_RISK_SCORE, MAX_SLA_DAYS,
    Policy, SLUG_MAX_CHARS, StopShipRule,
};
use crate::enums::GoldenPath;
use crate::validate::{Check, FieldError, Invalid, check_tags};

impl Policy {
    /// Checks a policy built in code or read from JSON; [`Policy::from_toml`] runs the same
    /// checks and adds line numbers.
    pub fn validate(&self) -> Result<(), Invalid> {
        let issues = self.issues(|i| i);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Invalid(
                issues.into_iter().map(|i| FieldError { field: i.paths[0].clone(), message: i.message }).collect(),
            ))
        }
    }

    /// Every semantic problem of the policy. `criterion_index` maps a position in
    /// `stop_ship` to the index the problem's path should name (the TOML reader keeps the
    /// file's numbering when it drops a criterion it could not read).
    pub(super) fn issues(&self, criterion_index: impl Fn(usize) -> usize) -> Vec<Issue> {
        let mut out = Vec::new();
        let mut issue = |paths: &[&str], message: String| {
            out.push(Issue { paths: paths.iter().map(|p| (*p).to_owned()).collect(), message });
        };

        for c in DecisionCategory::ALL {
            match self.decision_rights.get(c) {
                None => issue(&[&format!("decision_rights.{c}"), "decision_rights"], format!("no decider for '{c}'")),
                Some(d @ (Decider::Cto | Decider::Ciso)) if *c == DecisionCategory::PolicyChange => issue(
                    &["decision_rights.policy_change"],
                    format!(
                        "policy_change must be decided joint or escalate; got '{d}': the policy binds both the CTO and \
                         the CISO, so neither may change it alone"
                    ),
                ),
                Some(d) if *c == DecisionCategory::StopShip && *d != Decider::Escalate => issue(
                    &["decision_rights.stop_ship"],
                    format!(
                        "stop_ship must be escalate; got '{d}': overriding a criteria-based STOP is the call of the \
                         escalation authority, with both chiefs' positions on record, never of one side"
                    ),
                ),
                Some(d) if *c == DecisionCategory::ExceptionApproval && *d != Decider::Joint => issue(
                    &["decision_rights.exception_approval"],
                    format!(
                        "exception_approval must be joint; got '{d}': an exception is approved by the signatures of \
                         its engineering owner and its security owner, and a disagreement escalates"
                    ),
                ),
                Some(_) => {}
            }
        }

        let ra = &self.risk_appetite;
        for (name, value) in
            [("escalation_score", ra.escalation_score), ("max_acceptable_score", ra.max_acceptable_score)]
        {
            if !(1..=MAX_RISK_SCORE).contains(&value) {
                issue(
                    &[&format!("risk_appetite.{name}")],
                    format!("must be a risk score from 1 to {MAX_RISK_SCORE}; got {value}"),
                );
            }
        }
        if ra.escalation_score < ra.max_acceptable_score {
            issue(
                &["risk_appetite.escalation_score", "risk_appetite.max_acceptable_score"],
                format!(
                    "escalation_score ({}) must be at least max_acceptable_score ({}): otherwise a risk could escalate \
                     and still be accepted without escalation",
                    ra.escalation_score, ra.max_acceptable_score
                ),
            );
        }

        let authority = self.escalation.authority.trim();
        if authority.is_empty() || authority.chars().count() > 80 || authority != self.escalation.authority {
            issue(
                &["escalation.authority"],
                "name the escalation authority (1 to 80 characters, no surrounding spaces), e.g. \"CEO\"".to_owned(),
            );
        }

        let sla = &self.sla_days;
        let by_severity = [
            ("critical", sla.critical),
            ("high", sla.high),
            ("medium", sla.medium),
            ("low", sla.low),
            ("kev", sla.kev),
        ];
        for (name, days) in by_severity.iter().copied().chain(sla.info.map(|d| ("info", d))) {
            let path = format!("sla_days.{name}");
            if days <= 0 {
                issue(&[&path], format!("SLA days must be positive; got {days}"));
            } else if days > MAX_SLA_DAYS {
                issue(&[&path], format!("SLA days must be at most {MAX_SLA_DAYS} (ten years); got {days}"));
            }
        }
        for pair in by_severity[..4].windows(2) {
            let ((worse, a), (milder, b)) = (pair[0], pair[1]);
            let in_range = |d: i64| (1..=MAX_SLA_DAYS).contains(&d);
            if in_range(a) && in_range(b) && a > b {
                issue(
                    &[&format!("sla_days.{worse}"), &format!("sla_days.{milder}")],
                    format!(
                        "the {worse} SLA ({a} days) must not be longer than the {milder} SLA ({b} days): more severe \
                         findings are fixed sooner"
                    ),
                );
            }
        }

        let ex = &self.exceptions;
        if !(1..=MAX_EXCEPTION_DAYS).contains(&ex.max_days) {
            issue(
                &["exceptions.max_days"],
                format!("an exception lasts 1 to {MAX_EXCEPTION_DAYS} days; got {}", ex.max_days),
            );
        }
        if ex.review_lead_days < 0 {
            issue(
                &["exceptions.review_lead_days"],
                format!("review_lead_days must not be negative; got {}", ex.review_lead_days),
            );
        } else if ex.review_lead_days >= ex.max_days {
            issue(
                &["exceptions.review_lead_days", "exceptions.max_days"],
                format!(
                    "review_lead_days ({}) must be less than max_days ({}): the review must fall inside the exception",
                    ex.review_lead_days, ex.max_days
                ),
            );
        }

        let mut seen_ids: HashMap<&str, usize> = HashMap::new();
        for (pos, c) in self.stop_ship.iter().enumerate() {
            let at = format!("stop_ship[{}]", criterion_index(pos));
            if !is_slug(&c.id) {
                issue(
                    &[&format!("{at}.id"), &at],
                    format!(
                        "'{}' is not a valid id: use 1 to {SLUG_MAX_CHARS} lower-case letters, digits, '-' or '_', \
                         starting with a letter or digit",
                        c.id
                    ),
                );
            }
            if let Some(first) = seen_ids.insert(&c.id, pos) {
                issue(
                    &[&format!("{at}.id"), &at],
                    format!("id '{}' is already used by stop_ship[{}]; ids are unique", c.id, criterion_index(first)),
                );
                seen_ids.insert(&c.id, first);
            }
            if let Some(d) = &c.description {
                for e in text_problems(d, DESCRIPTION_MAX_CHARS) {
                    issue(&[&format!("{at}.description"), &at], e);
                }
            }
            match &c.rule {
                StopShipRule::OpenFindings { environment, .. } => {
                    if !is_slug(environment) {
                        issue(
                            &[&format!("{at}.environment"), &at],
                            format!(
                                "'{environment}' is not a valid environment name: use 1 to {SLUG_MAX_CHARS} lower-case \
                                 letters, digits, '-' or '_'"
                            ),
                        );
                    }
                }
                StopShipRule::UnmitigatedRisks { tags, min_score } => {
                    let field = format!("{at}.tags");
                    if tags.is_empty() {
                        issue(
                            &[&field, &at],
                            "list at least one tag: a criterion without tags would match no risk".to_owned(),
                        );
                    }
                    let mut check = Check::new();
                    check_tags(&mut check, &field, tags);
                    if let Err(Invalid(errors)) = check.finish() {
                        for e in errors {
                            issue(&[&e.field, &field, &at], e.message);
                        }
                    }
                    score_issue(&mut issue, &at, *min_score);
                }
                StopShipRule::GoldenPath { path } => {
                    if !self.golden_paths.contains_key(path) {
                        issue(
                            &[&format!("{at}.path"), "golden_paths", &at],
                            format!(
                                "criterion '{}' references golden path '{path}', which the policy does not define; {}",
                                c.id,
                                defined_paths(&self.golden_paths)
                            ),
                        );
                    }
                }
                StopShipRule::OverdueRisks { min_score } => score_issue(&mut issue, &at, *min_score),
            }
        }

        for (path, spec) in &self.golden_paths {
            let at = format!("golden_paths.{path}");
            if spec.description.trim().is_empty() {
                issue(&[&format!("{at}.description"), &at], "a golden path needs a description".to_owned());
            }
            for e in text_problems(&spec.description, DESCRIPTION_MAX_CHARS) {
                issue(&[&format!("{at}.description"), &at], e);
            }
            for (i, tier) in spec.required_for_tiers.iter().enumerate() {
                if spec.required_for_tiers[..i].contains(tier) {
                    issue(
                        &[&format!("{at}.required_for_tiers[{i}]"), &format!("{at}.required_for_tiers"), &at],
                        format!("tier '{tier}' is listed twice"),
                    );
                }
            }
        }
        out
    }
}

/// A semantic problem before it has a line: the paths it may be shown at, best first.
pub(super) struct Issue {
    pub(super) paths: Vec<String>,
    pub(super) message: String,
}

fn score_issue(issue: &mut impl FnMut(&[&str], String), at: &str, score: i64) {
    if !(1..=MAX_RISK_SCORE).contains(&score) {
        issue(
            &[&format!("{at}.min_score"), at],
            format!("min_score must be a risk score from 1 to {MAX_RISK_SCORE}; got {score}"),
        );
    }
}

pub(super) fn defined_paths(paths: &BTreeMap<GoldenPath, GoldenPathSpec>) -> String {
    if paths.is_empty() {
        "it defines none".to_owned()
    } else {
        format!("defined: {}", paths.keys().map(|p| p.as_str()).collect::<Vec<_>>().join(", "))
    }
}

fn text_problems(value: &str, max: usize) -> Vec<String> {
    let mut check = Check::new();
    check.text("text", value, max);
    match check.finish() {
        Ok(()) => Vec::new(),
        Err(Invalid(errors)) => errors.into_iter().map(|e| e.message).collect(),
    }
}

fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= SLUG_MAX_CHARS
}
