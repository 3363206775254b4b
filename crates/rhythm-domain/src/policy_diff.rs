//! What a proposed policy changes, in sentences people read before they sign it.

use crate::policy::{Policy, StopShipCriterion};

/// One line per change from `before` to `after`, in the order of the policy file. Empty when
/// the two policies are equal (comments and layout are not compared).
pub fn changes(before: &Policy, after: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    for (category, decider) in &after.decision_rights {
        let old = before.decider_for(*category);
        if old != *decider {
            out.push(format!(
                "Decision rights: {} moves from {} to {}.",
                category.label(),
                old.label(),
                decider.label()
            ));
        }
    }
    let (a, b) = (&before.risk_appetite, &after.risk_appetite);
    number(&mut out, "Risk appetite: escalation score", a.escalation_score, b.escalation_score, "");
    number(
        &mut out,
        "Risk appetite: highest score accepted without escalation",
        a.max_acceptable_score,
        b.max_acceptable_score,
        "",
    );
    if before.escalation.authority != after.escalation.authority {
        out.push(format!(
            "Escalations: decided by {} instead of {}.",
            after.escalation.authority, before.escalation.authority
        ));
    }
    let (a, b) = (&before.sla_days, &after.sla_days);
    for (name, x, y) in [
        ("critical", a.critical, b.critical),
        ("high", a.high, b.high),
        ("medium", a.medium, b.medium),
        ("low", a.low, b.low),
        ("known-exploited (KEV)", a.kev, b.kev),
    ] {
        number(&mut out, &format!("SLA: {name} findings"), x, y, " days");
    }
    if a.info != b.info {
        let show = |d: Option<i64>| d.map_or_else(|| "no SLA".to_owned(), |d| format!("{d} days"));
        out.push(format!("SLA: info findings {} → {}.", show(a.info), show(b.info)));
    }
    let (a, b) = (&before.exceptions, &after.exceptions);
    number(&mut out, "Exceptions: longest exception", a.max_days, b.max_days, " days");
    if a.compensating_controls_required != b.compensating_controls_required {
        out.push(format!(
            "Exceptions: compensating controls {}.",
            if b.compensating_controls_required { "become required" } else { "are no longer required" }
        ));
    }
    number(&mut out, "Exceptions: review lead time", a.review_lead_days, b.review_lead_days, " days");
    criteria(&before.stop_ship, &after.stop_ship, &mut out);
    for (path, spec) in &after.golden_paths {
        match before.golden_paths.get(path) {
            None => out.push(format!("Golden paths: {} is added.", path.label())),
            Some(old) if old != spec => out.push(format!("Golden paths: {} changes.", path.label())),
            Some(_) => {}
        }
    }
    for path in before.golden_paths.keys() {
        if !after.golden_paths.contains_key(path) {
            out.push(format!("Golden paths: {} is removed.", path.label()));
        }
    }
    out
}

/// `what x → y` and the unit, when the number changed.
fn number(out: &mut Vec<String>, what: &str, x: i64, y: i64, unit: &str) {
    if x != y {
        out.push(format!("{what} {x} → {y}{unit}."));
    }
}

fn criteria(before: &[StopShipCriterion], after: &[StopShipCriterion], out: &mut Vec<String>) {
    for c in after {
        match before.iter().find(|b| b.id == c.id) {
            None => out.push(format!("Stop-ship: new criterion '{}': {}.", c.id, c.summary())),
            Some(old) if old.rule != c.rule => {
                out.push(format!("Stop-ship: criterion '{}' now stops for {}.", c.id, c.summary()));
            }
            Some(old) if old.description != c.description => {
                out.push(format!("Stop-ship: criterion '{}' has a new description.", c.id));
            }
            Some(_) => {}
        }
    }
    for c in before {
        if !after.iter().any(|a| a.id == c.id) {
            out.push(format!("Stop-ship: criterion '{}' is removed.", c.id));
        }
    }
}

/// The changes as a short text for a decision's context.
pub fn summary(before_version: i64, before: &Policy, after: &Policy) -> String {
    let lines = changes(before, after);
    let against =
        if before_version == 0 { "the built-in default".to_owned() } else { format!("version {before_version}") };
    if lines.is_empty() {
        return format!("Compared with {against}, the proposed policy changes no rule (only comments or layout).");
    }
    let mut s = format!("Compared with {against}, the proposed policy changes:\n");
    for l in lines {
        s.push_str("- ");
        s.push_str(&l);
        s.push('\n');
    }
    s.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Decider, DecisionCategory};

    #[test]
    fn a_new_escalation_authority_is_said() {
        let before = Policy::default();
        let mut after = before.clone();
        after.escalation.authority = "CIO".into();
        assert_eq!(changes(&before, &after), ["Escalations: decided by CIO instead of CEO."]);
    }

    #[test]
    fn lists_each_change_in_words() {
        let before = Policy::default();
        let mut after = before.clone();
        assert!(changes(&before, &after).is_empty());
        after.decision_rights.insert(DecisionCategory::DeliverySequencing, Decider::Joint);
        after.sla_days.high = 20;
        after.stop_ship.retain(|c| c.id != "overdue_risks");
        let lines = changes(&before, &after);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("Delivery sequencing moves from CTO to Joint"), "{lines:?}");
        assert!(lines[1].contains("high findings 30 → 20 days"), "{lines:?}");
        assert!(lines[2].contains("'overdue_risks' is removed"), "{lines:?}");
        let s = summary(0, &before, &after);
        assert!(s.starts_with("Compared with the built-in default"), "{s}");
    }
}
