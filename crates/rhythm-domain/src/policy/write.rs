//! Writing a policy as the commented TOML file people edit: [`Policy::to_toml`].

use super::{MAX_EXCEPTION_DAYS, MAX_SLA_DAYS, Policy, StopShipRule};
use crate::enums::GoldenPath;

impl Policy {
    /// Writes the policy as a commented TOML file that [`Policy::from_toml`] reads back equal.
    pub fn to_toml(&self) -> String {
        let mut o = String::new();
        o.push_str(
            "# Rhythm policy. Anything left out of this file takes the built-in default.\n\
             # Changing the policy is itself a recorded decision (category policy_change).\n",
        );
        if self.stop_ship.is_empty() {
            o.push_str("\n# No stop-ship criteria: no release is stopped by policy.\nstop_ship = []\n");
        }

        o.push_str(
            "\n# Who decides each category of decision: cto, ciso, joint (both sign), or escalate\n\
             # (neither side alone; it goes up with both views written down).\n\
             # policy_change must stay joint or escalate, stop_ship escalate, and\n\
             # exception_approval joint (both owners sign; a disagreement escalates).\n\
             [decision_rights]\n",
        );
        for (category, decider) in &self.decision_rights {
            o.push_str(&format!("{category} = {}\n", quote(decider.as_str())));
        }

        let ra = &self.risk_appetite;
        o.push_str(&format!(
            "\n# Risk appetite, on the risk score (impact x likelihood, 1 to 25).\n\
             [risk_appetite]\n\
             # Risks scoring at or above this escalate.\n\
             escalation_score = {}\n\
             # Accepting a risk that scores above this needs an escalation decision.\n\
             max_acceptable_score = {}\n",
            ra.escalation_score, ra.max_acceptable_score
        ));

        o.push_str(&format!(
            "\n# Escalations go up with both chiefs' written positions and are decided by this\n\
             # authority; users with the executive role decide for it.\n\
             [escalation]\n\
             authority = {}\n",
            quote(&self.escalation.authority)
        ));

        let sla = &self.sla_days;
        o.push_str(&format!(
            "\n# Days to fix a finding, by severity (1 to {MAX_SLA_DAYS}; critical <= high <= medium <= low).\n\
             [sla_days]\n\
             critical = {}\nhigh = {}\nmedium = {}\nlow = {}\n\
             # Known-exploited vulnerabilities take the shorter of this and their severity's SLA.\n\
             kev = {}\n",
            sla.critical, sla.high, sla.medium, sla.low, sla.kev
        ));
        match sla.info {
            Some(days) => o.push_str(&format!("# Info findings; leave out for no SLA.\ninfo = {days}\n")),
            None => o.push_str("# Info findings have no SLA; set one with: info = 365\n"),
        }

        let ex = &self.exceptions;
        o.push_str(&format!(
            "\n# Exceptions: time-boxed acceptances of a risk or finding, signed by both owners.\n\
             [exceptions]\n\
             # Longest exception, in days (1 to {MAX_EXCEPTION_DAYS}).\n\
             max_days = {}\n\
             # Whether an exception must name its compensating controls.\n\
             compensating_controls_required = {}\n\
             # The review falls due this many days before expiry (less than max_days).\n\
             review_lead_days = {}\n",
            ex.max_days, ex.compensating_controls_required, ex.review_lead_days
        ));

        if !self.stop_ship.is_empty() {
            o.push_str(
                "\n# Stop-ship criteria: a launch-readiness check stops a release when any is met.\n\
                 # Kinds and their fields:\n\
                 #   open_findings      min_severity, environment (default \"production\")\n\
                 #   unmitigated_risks  tags (default customer-harm, legal, regulatory), min_score\n\
                 #   golden_path        path: systems in scope that do not follow it\n\
                 #   overdue_risks      min_score: risks past their due date\n\
                 # Each may have an id (unique; defaults to the kind) and a description.\n\
                 # Listing any criterion here replaces the default list.\n",
            );
        }
        for c in &self.stop_ship {
            o.push_str(&format!("[[stop_ship]]\nid = {}\nkind = {}\n", quote(&c.id), quote(c.rule.kind())));
            if let Some(d) = &c.description {
                o.push_str(&format!("description = {}\n", quote(d)));
            }
            match &c.rule {
                StopShipRule::OpenFindings { min_severity, environment } => o.push_str(&format!(
                    "min_severity = {}\nenvironment = {}\n",
                    quote(min_severity.as_str()),
                    quote(environment)
                )),
                StopShipRule::UnmitigatedRisks { tags, min_score } => {
                    o.push_str(&format!(
                        "tags = {}\nmin_score = {min_score}\n",
                        quote_list(tags.iter().map(String::as_str))
                    ));
                }
                StopShipRule::GoldenPath { path } => o.push_str(&format!("path = {}\n", quote(path.as_str()))),
                StopShipRule::OverdueRisks { min_score } => o.push_str(&format!("min_score = {min_score}\n")),
            }
            o.push('\n');
        }
        if self.stop_ship.is_empty() {
            o.push('\n');
        }

        o.push_str(&format!(
            "# Golden paths: {}.\n\
             # required_for_tiers lists the data tiers whose systems must follow a path (public,\n\
             # internal, confidential, restricted); left out, every system must.\n\
             # Listing any path here replaces the default set.\n",
            GoldenPath::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        ));
        if self.golden_paths.is_empty() {
            o.push_str("[golden_paths]\n");
        }
        let mut first = true;
        for (path, spec) in &self.golden_paths {
            if !first {
                o.push('\n');
            }
            first = false;
            o.push_str(&format!("[golden_paths.{path}]\ndescription = {}\n", quote(&spec.description)));
            if !spec.required_for_tiers.is_empty() {
                o.push_str(&format!(
                    "required_for_tiers = {}\n",
                    quote_list(spec.required_for_tiers.iter().map(|t| t.as_str()))
                ));
            }
        }
        o
    }
}

/// A TOML string literal.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn quote_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    format!("[{}]", items.map(quote).collect::<Vec<_>>().join(", "))
}
