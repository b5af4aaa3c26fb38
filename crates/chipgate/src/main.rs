//! The `chipgate` command: parses flags, calls the library crates, prints.
//!
//! Exit codes: 0 = done (not controlled, controlled, no license required);
//! 1 = error (bad input, unknown item, unreadable file), or a `rules test` scenario that
//! differs; 2 = license required or a screening hit; 3 = indeterminate (an input that could
//! decide is missing);
//! 64 = usage error (a flag mistyped, missing or malformed; an unknown subcommand).
//! With `--format json`, errors are one JSON object on standard output.

mod batch_cmd;
mod checkpoint_cmd;
mod cli;
mod commands;
mod error;
mod home;
mod inputs;
mod ledger_cmd;
mod lists_cmd;
mod output;
mod party_cmd;
mod render;
mod screen_cmd;
mod serve_cmd;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// What a command wants the process to exit with.
pub(crate) enum Status {
    /// Exit 0.
    Ok,
    /// Exit 2: a license is required, or a screening hit.
    Attention,
    /// Exit 3: indeterminate.
    Indeterminate,
    /// Exit 1: a check found differences, reported on standard output (`rules test`).
    Failed,
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(clap_error) => return error::clap_failed(&clap_error, error::json_requested(&args)),
    };
    let json_errors = cli.format == Some(cli::FormatArg::Json);
    match commands::run(cli) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Attention) => ExitCode::from(2),
        Ok(Status::Indeterminate) => ExitCode::from(3),
        Ok(Status::Failed) => ExitCode::FAILURE,
        Err(failure) if failure.is_broken_pipe() => ExitCode::SUCCESS,
        Err(failure) => failure.report().emit(json_errors),
    }
}
