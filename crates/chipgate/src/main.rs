//! The `chipgate` command: parses flags, calls the library crates, prints.
//!
//! Exit codes: 0 = done (not controlled, controlled, no license required);
//! 1 = error (bad input, unknown item, unreadable file); 2 = license required or a
//! screening hit; 3 = indeterminate (an input that could decide is missing).

mod batch_cmd;
mod cli;
mod commands;
mod ledger_cmd;
mod render;
mod screen_cmd;
mod serve_cmd;

use std::io::Write;
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
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Attention) => ExitCode::from(2),
        Ok(Status::Indeterminate) => ExitCode::from(3),
        Err(error) => {
            if error.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {error}");
            ExitCode::from(1)
        }
    }
}
