//! `rhythm policy` and `rhythm decision` against a real server: a policy file checked locally
//! with file:line:column problems, a proposal that applies only once both chiefs signed, and
//! the decision log with decision rights and exit codes.

use serde_json::Value;

use crate::cli::{Served, rhythm, text, token};

fn user(db: &str, email: &str, role: &str) {
    let o = rhythm(
        &["admin", "create-user", "--db", db, "--email", email, "--role", role, "--password-stdin"],
        &[],
        Some("a long enough passphrase\n"),
    );
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn policy_and_decisions_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("rhythm.db").display());
    user(&db, "ciso@acme.example", "ciso");
    user(&db, "cto@acme.example", "cto");
    let ciso_token = token(&db, "ciso@acme.example", "write");
    let cto_token = token(&db, "cto@acme.example", "write");
    let server = Served::start(&db);
    let ciso = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", ciso_token.as_str())];
    let cto = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", cto_token.as_str())];

    let o = rhythm(&["policy", "show"], &ciso, None);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("[decision_rights]"), "{:?}", text(&o));

    // A broken file never leaves the machine: each problem as file:line:column, exit 1.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[sla_days]\ncritical = 7\nhigh = -5\n\n[decision_rights]\nvibes = \"cto\"\n").unwrap();
    let bad_s = bad.display().to_string();
    let o = rhythm(&["policy", "apply", &bad_s], &ciso, None);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{bad_s}:3:")) && err.contains("sla_days.high"), "{err}");
    assert!(err.contains(&format!("{bad_s}:6:")) && err.contains("decision_rights.vibes"), "{err}");

    let good = dir.path().join("good.toml");
    std::fs::write(&good, "# Faster fixes\n[sla_days]\nhigh = 21\n").unwrap();
    let o = rhythm(&["policy", "apply", &good.display().to_string(), "--title", "Faster high fixes"], &cto, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("Proposed DEC-1: Faster high fixes") && out.contains("the CTO and the CISO"), "{out}");

    let o = rhythm(&["decision", "decide", "DEC-1", "--choice", "Apply", "--cost", "Re-plan"], &cto, None);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).1.contains("waits for the other chief"), "{:?}", text(&o));
    let o = rhythm(&["decision", "concur", "DEC-1"], &cto, None);
    assert_eq!(o.status.code(), Some(1), "the same chief cannot concur: {:?}", text(&o));
    let o = rhythm(&["policy", "show", "--format", "json"], &ciso, None);
    assert_eq!(serde_json::from_str::<Value>(&text(&o).0).unwrap()["version"], 0, "one signature applies nothing");
    let o = rhythm(&["decision", "concur", "DEC-1"], &ciso, None);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = rhythm(&["policy", "show", "--version", "1"], &ciso, None);
    assert_eq!(text(&o).0, "# Faster fixes\n[sla_days]\nhigh = 21\n");

    // The decision log, with decision rights.
    let o = rhythm(
        &[
            "decision",
            "add",
            "--title",
            "gRPC inside",
            "--category",
            "engineering_approach",
            "--option",
            "REST",
            "--option",
            "gRPC",
        ],
        &ciso,
        None,
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).1.contains("Recorded DEC-2; it is decided by the CTO"), "{:?}", text(&o));
    let o = rhythm(&["decision", "decide", "DEC-2", "--choice", "gRPC", "--cost", "Tooling"], &ciso, None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("CTO's"), "{:?}", text(&o));
    let o = rhythm(&["decision", "decide", "DEC-2", "--choice", "gRPC", "--cost", "Tooling"], &cto, None);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = rhythm(&["decision", "list", "--category", "engineering_approach", "--format", "csv"], &ciso, None);
    let (out, _) = text(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("ref,category,decider,status,requested,decided,title,id"));
    assert!(lines.next().unwrap().starts_with("DEC-2,engineering_approach,cto,decided,"), "{out}");
    assert_eq!(lines.next(), None);

    let o = rhythm(
        &[
            "decision",
            "add",
            "--title",
            "REST after all",
            "--category",
            "engineering_approach",
            "--supersedes",
            "DEC-2",
            "--format",
            "json",
        ],
        &cto,
        None,
    );
    let v: Value = serde_json::from_str(&text(&o).0).unwrap();
    let o = rhythm(&["decision", "show", "DEC-2", "--format", "json"], &cto, None);
    let old: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!((v["supersedes"].clone(), old["status"].as_str()), (old["id"].clone(), Some("decided")));
    let o = rhythm(&["decision", "show", "DEC-99"], &cto, None);
    assert_eq!(o.status.code(), Some(1));
}

/// An escalation from the command line: both chiefs state their positions, the executive
/// decides; and the roles that hold decision rights come only from `rhythm admin`.
#[test]
fn escalations_and_chief_roles_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("rhythm.db").display());
    user(&db, "ciso@acme.example", "ciso");
    user(&db, "cto@acme.example", "cto");
    user(&db, "ceo@acme.example", "executive");
    user(&db, "lead@acme.example", "engineering-lead");
    let tokens: Vec<String> =
        ["ciso", "cto", "ceo", "lead"].iter().map(|u| token(&db, &format!("{u}@acme.example"), "write")).collect();
    let server = Served::start(&db);
    let env = |t: usize| [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", tokens[t].as_str())];
    let (ciso, cto, ceo, lead) = (env(0), env(1), env(2), env(3));
    let run = |args: &[&str], e: &[(&str, &str); 2]| rhythm(args, e, None);

    let o = run(&["decision", "add", "--title", "Ship 2026.12 despite the STOP", "--category", "stop_ship"], &lead);
    assert!(o.status.success(), "{:?}", text(&o));
    let decide = ["decision", "decide", "DEC-1", "--choice", "Ship", "--cost", "Two weeks of exposure"];
    let o = run(&decide, &cto);
    assert_eq!(o.status.code(), Some(1), "a chief does not decide an escalation: {:?}", text(&o));
    assert!(text(&o).1.contains("escalation authority"), "{:?}", text(&o));
    let o = run(&decide, &ceo);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("written positions"), "names what is missing: {:?}", text(&o));
    let o = run(&["decision", "position", "DEC-1", "--text", "Ship: the flag limits exposure"], &cto);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&["decision", "position", "DEC-1", "--text", "Hold: card data reaches the logs"], &ciso);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&decide, &ceo);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&["decision", "show", "DEC-1", "--format", "json"], &lead);
    let d: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!((d["status"].as_str(), d["decided_as"].as_str()), (Some("decided"), Some("executive")), "{d}");
    assert_eq!(d["ciso_position"], "Hold: card data reaches the logs");

    // The lead becomes the CTO only through the operator, and the audit log says so.
    let o = rhythm(&["admin", "set-role", "--db", &db, "--email", "lead@acme.example", "--role", "cto"], &[], None);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("is now CTO (was Engineering lead)"), "{:?}", text(&o));
    let o = run(&["decision", "add", "--title", "Adopt gRPC", "--category", "engineering_approach"], &lead);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&["decision", "decide", "DEC-2", "--choice", "gRPC", "--cost", "Tooling"], &lead);
    assert!(o.status.success(), "the promoted CTO decides a CTO category: {:?}", text(&o));
}
