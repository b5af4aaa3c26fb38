//! Printing to standard output: JSON (pretty, one object) or text, chosen by `--format`.

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::Format;
use crate::error::CliError;

pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| CliError::Output(io::Error::other(e)))?;
    writeln!(out)?;
    Ok(())
}

pub(crate) fn print_text(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `value` as JSON, or as the text `text` makes of it.
pub(crate) fn emit<T: Serialize>(format: Format, value: &T, text: impl FnOnce(&T) -> String) -> Result<(), CliError> {
    match format {
        Format::Json => print_json(value),
        Format::Text => print_text(&text(value)),
    }
}
