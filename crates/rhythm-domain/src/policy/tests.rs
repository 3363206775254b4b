use super::read::line_column;
use super::*;
use proptest::prelude::*;

fn problems(src: &str) -> Vec<PolicyProblem> {
    match Policy::from_toml(src) {
        Ok(p) => panic!("accepted: {p:?}"),
        Err(e) => e.problems,
    }
}

/// The only problem of `src`, which must be on `line` at `path`; returns its message.
#[track_caller]
fn one(src: &str, line: usize, path: &str) -> String {
    let ps = problems(src);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].path.as_str()), (line, path), "{ps:#?}");
    ps[0].message.clone()
}

#[test]
fn defaults_follow_the_product_brief_and_are_valid() {
    let p = Policy::default();
    assert_eq!(p.validate(), Ok(()));
    assert_eq!(p.decision_rights.len(), DecisionCategory::ALL.len());
    assert_eq!(p.decider_for(DecisionCategory::EngineeringApproach), Decider::Cto);
    assert_eq!(p.decider_for(DecisionCategory::RiskAcceptanceThresholds), Decider::Ciso);
    assert_eq!(p.decider_for(DecisionCategory::PolicyChange), Decider::Joint);
    assert_eq!(p.decider_for(DecisionCategory::ExceptionApproval), Decider::Joint);
    assert_eq!(p.decider_for(DecisionCategory::RisksOverThreshold), Decider::Escalate);
    assert_eq!(p.golden_paths.len(), GoldenPath::ALL.len());
    let kinds: Vec<_> = p.stop_ship.iter().map(|c| c.rule.kind()).collect();
    assert_eq!(kinds, StopShipRule::KINDS);
    assert!(p.risk_appetite.escalates(15) && !p.risk_appetite.escalates(14));
    assert!(p.risk_appetite.acceptance_needs_escalation(13) && !p.risk_appetite.acceptance_needs_escalation(12));
    assert_eq!(
        p.criterion("unmitigated_risks").unwrap().summary(),
        "unmitigated risks tagged customer-harm, legal or regulatory scoring 12 or more"
    );
    assert_eq!(
        p.criterion("golden_path").unwrap().summary(),
        "systems in scope that do not follow the logging and monitoring golden path"
    );
}

#[test]
fn defaults_round_trip_through_toml_and_json() {
    let p = Policy::default();
    let text = p.to_toml();
    assert!(text.contains("# Risks scoring at or above this escalate.\nescalation_score = 15\n"), "{text}");
    assert_eq!(Policy::from_toml(&text), Ok(p.clone()));
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(r#""kind":"golden_path","path":"logging_monitoring""#), "{json}");
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
}

#[test]
fn an_empty_file_is_the_default_policy() {
    assert_eq!(Policy::from_toml(""), Ok(Policy::default()));
    assert_eq!(Policy::from_toml("# nothing to change\n"), Ok(Policy::default()));
}

#[test]
fn a_partial_file_keeps_the_other_defaults() {
    let p = Policy::from_toml("[sla_days]\nhigh = 21\n").unwrap();
    let mut expected = Policy::default();
    expected.sla_days.high = 21;
    assert_eq!(p, expected);

    let p = Policy::from_toml("[decision_rights]\nlaunch_readiness = \"escalate\"\n").unwrap();
    assert_eq!(p.decider_for(DecisionCategory::LaunchReadiness), Decider::Escalate);
    assert_eq!(p.decider_for(DecisionCategory::DeliverySequencing), Decider::Cto);
    assert_eq!(p.decision_rights.len(), DecisionCategory::ALL.len());
}

#[test]
fn a_custom_policy_round_trips() {
    let mut p = Policy::default();
    p.decision_rights.insert(DecisionCategory::PolicyChange, Decider::Escalate);
    p.decision_rights.insert(DecisionCategory::PerformanceTradeoffs, Decider::Joint);
    p.sla_days.info = Some(365);
    p.exceptions.compensating_controls_required = false;
    p.stop_ship = vec![
        StopShipCriterion {
            id: "prod-critical".into(),
            description: Some("Quotes \" and \\ back-slashes,\nnew lines, tabs\tand ünïcödé.".into()),
            rule: StopShipRule::OpenFindings { min_severity: Severity::Critical, environment: "prod-eu".into() },
        },
        StopShipCriterion {
            id: "privacy".into(),
            description: None,
            rule: StopShipRule::UnmitigatedRisks { tags: vec!["privacy".into()], min_score: 20 },
        },
        StopShipCriterion {
            id: "secrets".into(),
            description: None,
            rule: StopShipRule::GoldenPath { path: GoldenPath::Secrets },
        },
    ];
    p.golden_paths.remove(&GoldenPath::CiCd);
    p.golden_paths.get_mut(&GoldenPath::Secrets).unwrap().required_for_tiers =
        vec![DataTier::Confidential, DataTier::Restricted];
    assert_eq!(p.validate(), Ok(()));
    let text = p.to_toml();
    assert_eq!(Policy::from_toml(&text), Ok(p), "{text}");
}

#[test]
fn no_criteria_and_no_golden_paths_round_trip() {
    let mut p = Policy::default();
    p.stop_ship.clear();
    p.golden_paths.clear();
    let text = p.to_toml();
    assert!(text.contains("\nstop_ship = []\n"), "{text}");
    assert_eq!(Policy::from_toml(&text), Ok(p), "{text}");
}

#[test]
fn criteria_without_ids_take_their_kind() {
    let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"secrets\"

[[stop_ship]]
kind = \"golden_path\"
path = \"ci_cd\"

[[stop_ship]]
id = \"golden_path-2\"
kind = \"overdue_risks\"
min_score = 20
";
    let p = Policy::from_toml(src).unwrap();
    let ids: Vec<_> = p.stop_ship.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["golden_path", "golden_path-3", "golden_path-2"]);
    assert_eq!(
        p.stop_ship[0].rule,
        StopShipRule::GoldenPath { path: GoldenPath::Secrets },
        "a stop_ship list replaces the defaults"
    );
    let p = Policy::from_toml("[[stop_ship]]\nkind = \"open_findings\"\nmin_severity = \"critical\"\n").unwrap();
    assert_eq!(
        p.stop_ship,
        [StopShipCriterion {
            id: "open_findings".into(),
            description: None,
            rule: StopShipRule::OpenFindings { min_severity: Severity::Critical, environment: "production".into() },
        }]
    );
    let p = Policy::from_toml("[[stop_ship]]\nkind = \"unmitigated_risks\"\nmin_score = 9\n").unwrap();
    assert_eq!(
        p.stop_ship[0].rule,
        StopShipRule::UnmitigatedRisks {
            tags: vec!["customer-harm".into(), "legal".into(), "regulatory".into()],
            min_score: 9
        }
    );
}

#[test]
fn sla_days_by_severity_and_for_known_exploited() {
    let mut p = Policy::default();
    assert_eq!(p.sla_days(Severity::Critical, false), Some(7));
    assert_eq!(p.sla_days(Severity::Critical, true), Some(7), "KEV never lengthens an SLA");
    assert_eq!(p.sla_days(Severity::High, false), Some(30));
    assert_eq!(p.sla_days(Severity::High, true), Some(14));
    assert_eq!(p.sla_days(Severity::Low, true), Some(14));
    assert_eq!(p.sla_days(Severity::Info, false), None);
    assert_eq!(p.sla_days(Severity::Info, true), Some(14), "a known-exploited info finding still has an SLA");
    p.sla_days.info = Some(365);
    assert_eq!(p.sla_days(Severity::Info, false), Some(365));
    p.sla_days.kev = 3;
    assert_eq!(p.sla_days(Severity::Critical, true), Some(3));
}

#[test]
fn decider_for_reads_the_policy() {
    let p = Policy::from_toml("[decision_rights]\ndelivery_sequencing = \"joint\"\n").unwrap();
    assert_eq!(p.decider_for(DecisionCategory::DeliverySequencing), Decider::Joint);
    for c in DecisionCategory::ALL {
        if *c != DecisionCategory::DeliverySequencing {
            assert_eq!(p.decider_for(*c), c.default_decider(), "{c}");
        }
    }
}

#[test]
fn unknown_decision_category_and_decider_are_refused_on_their_line() {
    let src = "\
# who decides
[decision_rights]
engineering_approach = \"cto\"
vibes = \"cto\"
";
    let m = one(src, 4, "decision_rights.vibes");
    assert!(m.starts_with("unknown decision category 'vibes'; categories: engineering_approach, "), "{m}");

    let src = "[decision_rights]\n\nstop_ship = \"ceo\"\n";
    let m = one(src, 3, "decision_rights.stop_ship");
    assert_eq!(m, "unknown decider 'ceo'; deciders: cto, ciso, joint, escalate");
}

#[test]
fn policy_change_must_stay_joint_or_escalate() {
    let src = "[decision_rights]\nlaunch_readiness = \"joint\"\npolicy_change = \"cto\"\n";
    let m = one(src, 3, "decision_rights.policy_change");
    assert!(m.contains("joint or escalate") && m.contains("neither may change it alone"), "{m}");
    assert!(Policy::from_toml("[decision_rights]\npolicy_change = \"escalate\"\n").is_ok());
}

#[test]
fn sla_days_must_be_positive_bounded_and_ordered() {
    let src = "\
[sla_days]
critical = 7
high = -3
";
    assert_eq!(one(src, 3, "sla_days.high"), "SLA days must be positive; got -3");
    assert_eq!(one("[sla_days]\nkev = 0\n", 2, "sla_days.kev"), "SLA days must be positive; got 0");
    let ps = problems("[sla_days]\nlow = 4000\ninfo = 5000\n");
    let at: Vec<_> = ps.iter().map(|p| (p.line, p.path.as_str(), p.message.as_str())).collect();
    assert_eq!(
        at,
        [
            (2, "sla_days.low", "SLA days must be at most 3650 (ten years); got 4000"),
            (3, "sla_days.info", "SLA days must be at most 3650 (ten years); got 5000"),
        ]
    );

    // The file sets the longer one: point at it.
    let m = one("[sla_days]\ncritical = 7\nhigh = 100\n", 3, "sla_days.high");
    assert_eq!(
        m,
        "the high SLA (100 days) must not be longer than the medium SLA (90 days): more severe findings are \
             fixed sooner"
    );
    // The file sets the shorter one: point at that.
    let m = one("[sla_days]\n\nmedium = 20\n", 3, "sla_days.medium");
    assert!(m.starts_with("the high SLA (30 days) must not be longer than the medium SLA (20 days)"), "{m}");
}

#[test]
fn sla_days_must_be_whole_numbers() {
    let m = one("[sla_days]\nhigh = \"thirty\"\n", 2, "sla_days.high");
    assert_eq!(m, "must be a whole number; got the string 'thirty'");
    let m = one("[sla_days]\nhigh = 7.5\n", 2, "sla_days.high");
    assert_eq!(m, "must be a whole number; got the number 7.5");
    let m = one("[sla_days]\nhigh = 99999999999999999999\n", 2, "sla_days.high");
    assert!(m.contains("too large"), "{m}");
}

#[test]
fn risk_appetite_is_checked() {
    let m = one("[risk_appetite]\nmax_acceptable_score = 20\n", 2, "risk_appetite.max_acceptable_score");
    assert!(m.starts_with("escalation_score (15) must be at least max_acceptable_score (20)"), "{m}");
    let src = "[risk_appetite]\nescalation_score = 10\nmax_acceptable_score = 12\n";
    let m = one(src, 2, "risk_appetite.escalation_score");
    assert!(m.starts_with("escalation_score (10) must be at least"), "{m}");
    let ps = problems("[risk_appetite]\nescalation_score = 0\nmax_acceptable_score = 0\n");
    assert_eq!(ps.len(), 2, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].message.as_str()), (2, "must be a risk score from 1 to 25; got 0"));
    assert_eq!((ps[1].line, ps[1].path.as_str()), (3, "risk_appetite.max_acceptable_score"));
    let m = one("[risk_appetite]\nescalation_score = 26\n", 2, "risk_appetite.escalation_score");
    assert_eq!(m, "must be a risk score from 1 to 25; got 26");
}

#[test]
fn exception_rules_are_checked() {
    let m = one("[exceptions]\nmax_days = 400\n", 2, "exceptions.max_days");
    assert_eq!(m, "an exception lasts 1 to 365 days; got 400");
    let m = one("[exceptions]\nmax_days = 10\n", 2, "exceptions.max_days");
    assert!(m.starts_with("review_lead_days (14) must be less than max_days (10)"), "{m}");
    let m = one("[exceptions]\nmax_days = 30\nreview_lead_days = 30\n", 3, "exceptions.review_lead_days");
    assert!(m.contains("the review must fall inside the exception"), "{m}");
    let m = one(
        "[exceptions]\n\ncompensating_controls_required = \"yes\"\n",
        3,
        "exceptions.compensating_controls_required",
    );
    assert_eq!(m, "must be true or false; got the string 'yes'");
}

#[test]
fn unknown_keys_are_refused_on_their_line() {
    let m = one("[sla]\nhigh = 3\n", 1, "sla");
    assert!(m.starts_with("unknown section 'sla'; sections: decision_rights, "), "{m}");
    let m = one("[sla_days]\nhigh = 30\nurgent = 1\n", 3, "sla_days.urgent");
    assert_eq!(m, "unknown key 'urgent' in [sla_days]; keys: critical, high, medium, low, kev, info");
    let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"secrets\"
tags = [\"legal\"]
";
    let m = one(src, 4, "stop_ship[0].tags");
    assert_eq!(m, "unknown key 'tags' for a criterion of kind 'golden_path'; keys: id, kind, description, path");
    let src = "[golden_paths.logging_monitoring]\ndescription = \"Logs.\"\nowner = \"sre\"\n";
    let m = one(src, 3, "golden_paths.logging_monitoring.owner");
    assert!(m.starts_with("unknown key 'owner'"), "{m}");
    let src = "[golden_paths.logging_monitoring]\n[golden_paths.blockchain]\ndescription = \"x\"\n";
    let m = one(src, 2, "golden_paths.blockchain");
    assert!(m.starts_with("unknown golden path 'blockchain'; golden paths: identity_access, "), "{m}");
    let m = one("vibes = 1\n", 1, "vibes");
    assert!(m.starts_with("unknown section 'vibes'"), "{m}");
}

#[test]
fn stop_ship_kind_is_required_and_known() {
    let src = "\
[[stop_ship]]
kind = \"open_findings\"
min_severity = \"high\"

[[stop_ship]]
kind = \"vibes\"
";
    assert_eq!(
        one(src, 6, "stop_ship[1].kind"),
        "unknown stop-ship kind 'vibes'; kinds: open_findings, unmitigated_risks, golden_path, overdue_risks"
    );
    let src = "\
[sla_days]
high = 30

[[stop_ship]]
id = \"no-kind\"
";
    let m = one(src, 4, "stop_ship[0].kind");
    assert!(m.starts_with("a criterion needs a kind"), "{m}");
}

#[test]
fn stop_ship_required_fields_are_reported_at_the_criterion() {
    let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"secrets\"

[[stop_ship]]
kind = \"open_findings\"
environment = \"staging\"
";
    assert_eq!(one(src, 5, "stop_ship[1].min_severity"), "a criterion of kind 'open_findings' needs 'min_severity'");
    let src = "[[stop_ship]]\nkind = \"overdue_risks\"\n";
    assert_eq!(one(src, 1, "stop_ship[0].min_score"), "a criterion of kind 'overdue_risks' needs 'min_score'");
    let src = "[[stop_ship]]\nkind = \"open_findings\"\nmin_severity = \"severe\"\n";
    let m = one(src, 3, "stop_ship[0].min_severity");
    assert_eq!(m, "unknown severity 'severe'; severities: critical, high, medium, low, info");
}

#[test]
fn stop_ship_values_are_checked() {
    let src = "\
[[stop_ship]]
kind = \"unmitigated_risks\"
tags = []
min_score = 12
";
    let m = one(src, 3, "stop_ship[0].tags");
    assert!(m.starts_with("list at least one tag"), "{m}");

    let src = "\
[[stop_ship]]
kind = \"unmitigated_risks\"
tags = [\"legal\", \"Legal Stuff\"]
min_score = 30
";
    let ps = problems(src);
    assert_eq!(ps.len(), 2, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].path.as_str()), (3, "stop_ship[0].tags[1]"));
    assert_eq!((ps[1].line, ps[1].path.as_str()), (4, "stop_ship[0].min_score"));
    assert_eq!(ps[1].message, "min_score must be a risk score from 1 to 25; got 30");

    let src = "[[stop_ship]]\nkind = \"overdue_risks\"\nmin_score = 0\n";
    assert_eq!(one(src, 3, "stop_ship[0].min_score"), "min_score must be a risk score from 1 to 25; got 0");

    let src = "[[stop_ship]]\nid = \"Bad Id\"\nkind = \"overdue_risks\"\nmin_score = 5\n";
    assert!(one(src, 2, "stop_ship[0].id").starts_with("'Bad Id' is not a valid id"));

    let src = "\
[[stop_ship]]
id = \"gate\"
kind = \"overdue_risks\"
min_score = 5

[[stop_ship]]
id = \"gate\"
kind = \"overdue_risks\"
min_score = 9
";
    assert_eq!(one(src, 7, "stop_ship[1].id"), "id 'gate' is already used by stop_ship[0]; ids are unique");
}

#[test]
fn a_criterion_that_references_nothing_is_refused() {
    let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"blockchain\"
";
    let m = one(src, 3, "stop_ship[0].path");
    assert!(
        m.starts_with(
            "criterion 'golden_path' references golden path 'blockchain', which the policy does not define; \
                 defined: identity_access, "
        ),
        "{m}"
    );

    // A real golden path that this policy does not define.
    let src = "\
[golden_paths.secrets]
description = \"Secrets live in the vault.\"

[[stop_ship]]
id = \"logs\"
kind = \"golden_path\"
path = \"logging_monitoring\"
";
    assert_eq!(
        one(src, 7, "stop_ship[0].path"),
        "criterion 'logs' references golden path 'logging_monitoring', which the policy does not define; \
             defined: secrets"
    );

    // The default criterion, with golden paths that leave its path out: shown at the paths.
    let src = "\
[sla_days]
high = 30

[golden_paths.secrets]
description = \"Secrets live in the vault.\"
";
    let m = one(src, 4, "golden_paths");
    assert!(m.starts_with("criterion 'golden_path' references golden path 'logging_monitoring'"), "{m}");
}

#[test]
fn golden_paths_given_replace_the_defaults_and_take_default_descriptions() {
    let src = "[golden_paths.secrets]\nrequired_for_tiers = [\"restricted\"]\n[golden_paths.logging_monitoring]\n";
    let p = Policy::from_toml(src).unwrap();
    assert_eq!(
        p.golden_paths.keys().copied().collect::<Vec<_>>(),
        [GoldenPath::Secrets, GoldenPath::LoggingMonitoring]
    );
    let secrets = p.golden_path(GoldenPath::Secrets).unwrap();
    assert_eq!(secrets.description, default_golden_path_description(GoldenPath::Secrets));
    assert!(secrets.required_for(DataTier::Restricted) && !secrets.required_for(DataTier::Public));
    assert!(p.golden_path(GoldenPath::LoggingMonitoring).unwrap().required_for(DataTier::Public));

    let src = "[golden_paths.logging_monitoring]\nrequired_for_tiers = [\"restricted\", \"secret\"]\n";
    let m = one(src, 2, "golden_paths.logging_monitoring.required_for_tiers[1]");
    assert!(m.starts_with("unknown data tier 'secret'; tiers: public, internal"), "{m}");
    let src = "[golden_paths.logging_monitoring]\ndescription = \"\"\n";
    assert_eq!(one(src, 2, "golden_paths.logging_monitoring.description"), "a golden path needs a description");
}

#[test]
fn syntax_errors_carry_their_line() {
    let ps = problems("[sla_days]\nhigh = 30\nlow = \n");
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!((ps[0].line, ps[0].path.as_str()), (3, ""));
    assert!(ps[0].message.starts_with("TOML syntax: "), "{}", ps[0].message);
    let ps = problems("[sla_days]\nhigh = 30\n\nhigh = 40\n");
    assert_eq!(ps[0].line, 4, "{ps:#?}");
    assert!(ps[0].message.contains("duplicate key"), "{ps:#?}");
}

#[test]
fn columns_count_characters_from_one() {
    let ps = problems("[sla_days]\n  high   = -3\n");
    assert_eq!((ps[0].line, ps[0].column), (2, 12));
    let line = r#"stop_ship = [{ kind = "golden_path", description = "ü€ – ok", path = "nope" }]"#;
    let ps = problems(&format!("# policy\n{line}\n"));
    let column = line[..line.find("\"nope\"").unwrap()].chars().count() + 1;
    assert_eq!((ps[0].line, ps[0].column, ps[0].path.as_str()), (2, column, "stop_ship[0].path"));
    assert_ne!(column, line.find("\"nope\"").unwrap() + 1, "the test needs multi-byte characters");
    let ps = problems("[golden_paths.secrets]\nnöpe = 1\n");
    assert_eq!((ps[0].line, ps[0].column), (2, 2), "a bare key must be ASCII: {ps:#?}");
    assert_eq!(line_column("é\nab", 5), (2, 3));
    assert_eq!(line_column("abc", 99), (1, 4));
}

#[test]
fn every_problem_is_reported_together_in_file_order() {
    let src = "\
[decision_rights]
vibes = \"cto\"
policy_change = \"ciso\"

[sla_days]
high = -3
urgent = 2

[exceptions]
max_days = 400

[[stop_ship]]
kind = \"golden_path\"
path = \"blockchain\"

[[stop_ship]]
kind = \"unmitigated_risks\"
tags = []
min_score = 99
";
    let err = Policy::from_toml(src).unwrap_err();
    let at: Vec<_> = err.problems.iter().map(|p| (p.line, p.path.as_str())).collect();
    assert_eq!(
        at,
        [
            (2, "decision_rights.vibes"),
            (3, "decision_rights.policy_change"),
            (6, "sla_days.high"),
            (7, "sla_days.urgent"),
            (10, "exceptions.max_days"),
            (14, "stop_ship[0].path"),
            (18, "stop_ship[1].tags"),
            (19, "stop_ship[1].min_score"),
        ]
    );
    let text = err.to_string();
    assert!(text.starts_with("line 2: decision_rights.vibes: unknown decision category 'vibes'; "), "{text}");
    assert!(text.contains("\nline 6: sla_days.high: SLA days must be positive; got -3\n"), "{text}");
    let invalid: Invalid = err.into();
    assert_eq!(invalid.0.len(), 8);
    assert_eq!(invalid.0[2].field, "sla_days.high");
    assert_eq!(invalid.0[2].message, "line 6: SLA days must be positive; got -3");
}

#[test]
fn validate_checks_a_policy_built_in_code() {
    let mut p = Policy::default();
    p.decision_rights.remove(&DecisionCategory::StopShip);
    p.sla_days.critical = 60;
    p.golden_paths.remove(&GoldenPath::LoggingMonitoring);
    let Invalid(errors) = p.validate().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["decision_rights.stop_ship", "sla_days.critical", "stop_ship[2].path"]);
}

proptest! {
    #[test]
    fn valid_numbers_round_trip(
        critical in 1..=3650_i64,
        steps in (0..=3650_i64, 0..=3650_i64, 0..=3650_i64),
        kev in 1..=3650_i64,
        info in proptest::option::of(1..=3650_i64),
        max_acceptable in 1..=25_i64,
        above in 0..=24_i64,
        max_days in 1..=365_i64,
        lead in 0..365_i64,
        controls in any::<bool>(),
    ) {
        let high = (critical + steps.0).min(3650);
        let medium = (high + steps.1).min(3650);
        let low = (medium + steps.2).min(3650);
        let p = Policy {
            sla_days: SlaDays { critical, high, medium, low, kev, info },
            risk_appetite: RiskAppetite {
                escalation_score: (max_acceptable + above).min(25),
                max_acceptable_score: max_acceptable,
            },
            exceptions: ExceptionRules {
                max_days,
                compensating_controls_required: controls,
                review_lead_days: lead % max_days,
            },
            ..Policy::default()
        };
        prop_assert_eq!(p.validate(), Ok(()));
        let text = p.to_toml();
        prop_assert_eq!(Policy::from_toml(&text), Ok(p));
    }
}
