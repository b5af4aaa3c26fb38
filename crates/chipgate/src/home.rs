//! The data home and the store: where the ledger file lives, opening it for reading or
//! writing, who is recorded as acting, and the wall-clock time of a change.

use std::path::PathBuf;

use chipgate_ledger::{Ledger, Timestamp};

use crate::error::CliError;

/// The data directory: `$CHIPGATE_HOME`, else `$XDG_DATA_HOME/chipgate`, else
/// `$HOME/.local/share/chipgate`, else `./.chipgate`.
pub(crate) fn data_home() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHIPGATE_HOME") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("chipgate");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".local/share/chipgate");
    }
    PathBuf::from(".chipgate")
}

/// The installation's audit signing key when `--key`/`--checkpoint-key` is not given:
/// `audit-signing.key` in the data directory (`audit checkpoint`, `serve`, `worker`).
pub(crate) fn signing_key_path() -> PathBuf {
    data_home().join("audit-signing.key")
}

/// A store URL from `--db` or `$CHIPGATE_DB`; an empty one (`CHIPGATE_DB=`) is none.
pub(crate) fn given_db(db: Option<&str>) -> Option<&str> {
    db.filter(|url| !url.trim().is_empty())
}

/// Whether a command may create the store it names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reading: a missing store is an error naming it, and nothing is created.
    Read,
    /// Writing: a missing store is created, and that is said on standard error.
    Write,
}

/// Opens the store of `--db` / `$CHIPGATE_DB`, else the default file in the data directory.
pub(crate) fn open_ledger(db: Option<&str>, access: Access) -> Result<Ledger, CliError> {
    let url = match given_db(db) {
        Some(url) => url.to_owned(),
        None => {
            if access == Access::Write {
                std::fs::create_dir_all(data_home()).map_err(|source| CliError::File {
                    path: data_home().display().to_string(),
                    source,
                })?;
            }
            Ledger::default_url(&data_home())
        }
    };
    match access {
        Access::Read => Ok(Ledger::open_existing(&url)?),
        Access::Write => {
            let (ledger, created) = Ledger::open_or_create(&url)?;
            if created {
                said_created(&url);
            }
            Ok(ledger)
        }
    }
}

#[allow(clippy::print_stderr, reason = "a message for the person at the terminal")]
fn said_created(url: &str) {
    let shown = url.rsplit_once('@').map_or(url, |(_, host)| host);
    eprintln!("created a new ledger: {shown}");
}

pub(crate) fn now() -> Result<Timestamp, CliError> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(Timestamp::from_unix(i64::try_from(secs).unwrap_or(0))?)
}

/// The environment variable that names the ledger when `--db` is not given.
pub(crate) const DB_VAR: &str = "CHIPGATE_DB";

/// Who is recorded as making a change: `--user` or `$CHIPGATE_USER` (clap reads both), else
/// `$USER`. A change with none of them is refused rather than recorded under a made-up name.
pub(crate) fn recorded_user(given: Option<&str>) -> Result<String, CliError> {
    let non_empty = |name: &String| !name.trim().is_empty();
    given
        .map(str::to_owned)
        .filter(non_empty)
        .or_else(|| std::env::var("USER").ok().filter(non_empty))
        .ok_or_else(|| {
            CliError::missing(
                "--user",
                "no user to record this change under: give `--user NAME` or set `CHIPGATE_USER`",
            )
        })
}
