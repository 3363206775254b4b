//! The `rhythm` binary end to end: bootstrap commands on a real database, `rhythm serve` as
//! a real process, and the register commands against it, checking output and exit codes; and
//! the repository's tidy rules (`tidy`), which read its files.

mod cli;
mod cli_decisions;
mod contract;
mod demo;
mod exceptions_cli;
mod import_cli;
mod tidy;
