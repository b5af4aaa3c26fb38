//! The server's log: one line per event on standard error, prefixed with the UTC time.
//!
//! Deliberately tiny (no logging framework): the server logs its start, internal errors
//! (with the reference number given to the client) and shutdown. Requests are counted in
//! `/metrics`, not logged.

use std::io::Write;

/// Writes `error: …` to the log.
pub fn error(message: &str) {
    line("error", message);
}

/// Writes `info: …` to the log.
pub fn info(message: &str) {
    line("info", message);
}

fn line(level: &str, message: &str) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = chipgate_ledger::Timestamp::from_unix(i64::try_from(secs).unwrap_or(0))
        .map(|t| t.to_string())
        .unwrap_or_default();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{stamp} {level}: {message}");
}
