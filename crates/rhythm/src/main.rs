//! `rhythm`: the server, the demo, bootstrap commands and a CLI for CI pipelines.
//!
//! Exit codes: 0 ok, 1 not found or refused (a rule said no), 2 error.

mod admin;
mod args;
mod client;
mod exceptions;
mod gate;
mod governance;
mod import;
mod output;
mod server;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Cli, Command};

/// An error with the exit code it deserves.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Exit 1: the answer is no (not found, forbidden, invalid, conflict).
    pub fn refused(message: impl Into<String>) -> Self {
        Failure { code: 1, message: message.into() }
    }
    /// Exit 2: something is broken (usage, network, server error).
    pub fn error(message: impl Into<String>) -> Self {
        Failure { code: 2, message: message.into() }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::error(format!("{e:#}"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(a) => server::serve(a),
        Command::Demo(a) => server::demo(a),
        Command::Admin(a) => admin::run(a),
        Command::Token(a) => admin::token(a),
        Command::Gate(a) => gate::run(a),
        Command::Notify(a) => client::notify(a),
        Command::Import(a) => import::run(a),
        Command::Export(a) => import::export(a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "rhythm", &mut std::io::stdout());
            Ok(())
        }
        Command::Policy(a) => governance::policy(a),
        Command::Decision(a) => governance::decision(a),
        Command::Register(rc) => {
            let (kind, a) = rc.split();
            client::run(kind, a)
        }
        Command::Exception(a) => exceptions::run(*a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("rhythm: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_valid() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn parsed_arguments_never_show_the_smtp_password() {
        use clap::Parser;
        let cli = super::Cli::try_parse_from([
            "rhythm",
            "serve",
            "--db",
            "sqlite://x.db",
            "--smtp-url",
            "smtps://ops:hunter2-pw@mail.example.com",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains("hunter2") && shown.contains("ops:***@mail.example.com"), "{shown}");
    }

    #[test]
    fn parsed_arguments_never_show_the_api_token() {
        use clap::Parser;
        for args in [
            &["rhythm", "gate", "--release", "REL-1", "--token", "rhy_hunter2tok"][..],
            &["rhythm", "risk", "list", "--token", "rhy_hunter2tok"],
            &["rhythm", "export", "risks", "--token", "rhy_hunter2tok"],
            &["rhythm", "import", "sarif", "x.sarif", "--token", "rhy_hunter2tok"],
            &["rhythm", "policy", "show", "--token", "rhy_hunter2tok"],
        ] {
            let cli = super::Cli::try_parse_from(args).unwrap();
            let shown = format!("{cli:?}");
            assert!(!shown.contains("hunter2") && shown.contains("Secret(***)"), "{shown}");
        }
    }
}
