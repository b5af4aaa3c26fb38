//! The [`Ledger`] handle: opening a store, and the write-transaction wrapper
//! every state change goes through.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::db::{parse_url, pi, pt, BackendKind, Conn, P};
use crate::error::{LedgerError, Result};
use crate::migrate;
use crate::model::AppliedMigration;
use crate::time::{Date, Timestamp};

/// File name of the default SQLite ledger inside the data directory.
pub const DEFAULT_DB_FILE: &str = "ledger.sqlite3";

/// How many times a transaction is retried after a transient failure
/// (SQLite lock timeout, PostgreSQL serialization failure or deadlock).
const MAX_ATTEMPTS: u32 = 8;

/// The ledger: one connection to a SQLite or PostgreSQL store.
///
/// Every method that changes state runs in one transaction that also appends
/// its audit record(s); on any error the transaction is rolled back, so bad
/// input never changes stored data. Methods take `&mut self` because a
/// connection runs one transaction at a time; open one `Ledger` per thread or
/// process.
#[derive(Debug)]
pub struct Ledger {
    pub(crate) conn: Conn,
}

/// An open write transaction holding the audit chain's head.
///
/// All writers serialize on the head: SQLite through `BEGIN IMMEDIATE`,
/// PostgreSQL through `SELECT … FROM audit_head … FOR UPDATE` as the first
/// statement. Everything read after that sees every earlier commit, which is
/// what makes the depletion check-then-update race-free across processes.
pub(crate) struct Tx<'c> {
    pub(crate) conn: &'c mut Conn,
    pub(crate) head_seq: i64,
    pub(crate) head_hash: String,
    pub(crate) dirty: bool,
    /// Whether the head record was checked (before the first append).
    pub(crate) head_checked: bool,
    /// Records appended in this transaction, inserted together when it ends (group commit:
    /// one multi-row insert for a batch of orders, not a statement per record).
    pub(crate) pending: Vec<crate::audit::Pending>,
    /// The latest qualifying event per subject of the records appended, for `retention`.
    pub(crate) retention: std::collections::HashMap<String, Date>,
    /// Records covered by the stored Merkle tree (`audit_head.tree_size`).
    pub(crate) tree_size: i64,
    /// The purge anchor: records up to it are gone.
    pub(crate) anchor_seq: i64,
}

impl Tx<'_> {
    pub(crate) fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
        self.conn.exec(sql, params)
    }
    pub(crate) fn query(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<crate::db::Row>> {
        self.conn.query(sql, params)
    }
    pub(crate) fn query_opt(&mut self, sql: &str, params: &[P<'_>]) -> Result<Option<crate::db::Row>> {
        self.conn.query_opt(sql, params)
    }
}

impl Ledger {
    /// Opens (creating if needed) the store at `url` and applies pending
    /// migrations.
    ///
    /// * `sqlite://PATH` (or `sqlite:PATH`): a SQLite file in WAL mode with
    ///   `synchronous=NORMAL`: a commit survives a crash of the process
    ///   (`kill -9`) but the last commits before a power loss or kernel crash
    ///   may roll back (the file stays consistent). Append
    ///   `?synchronous=full` to fsync every commit (durable through power
    ///   loss, about ten times slower on a typical disk; see
    ///   `docs/benchmarks.md`).
    /// * `sqlite::memory:`: a private in-memory store (tests).
    /// * `postgres://…` or `postgresql://…`: a PostgreSQL server; append
    ///   `schema=NAME` to the query string to keep the ledger in its own
    ///   schema (created if missing).
    pub fn open(url: &str) -> Result<Ledger> {
        let target = parse_url(url)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Opening retries too: switching a new SQLite file to WAL takes
            // the file's lock without waiting on the busy handler, so
            // connections opened at once (the batch's workers) can see
            // "database is locked" there.
            match Conn::open(&target).and_then(|mut conn| migrate::migrate(&mut conn).map(|()| conn)) {
                Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => backoff(attempt),
                Err(e) => return Err(e),
                Ok(conn) => return Ok(Ledger { conn }),
            }
        }
    }

    /// Opens a store that must already exist (read-only commands): a missing SQLite file, or a
    /// PostgreSQL schema without a ledger in it, is [`LedgerError::NoStore`] and nothing is
    /// created — a mistyped path or schema does not turn into an empty ledger that verifies.
    pub fn open_existing(url: &str) -> Result<Ledger> {
        let target = parse_url(url)?;
        if !crate::db::store_exists(&target)? {
            return Err(LedgerError::NoStore {
                store: crate::db::describe(&target),
            });
        }
        Ledger::open(url)
    }

    /// Opens the store at `url`, creating it if it does not exist (writing commands, `serve`);
    /// the flag says whether it was created now, so the caller can say so.
    pub fn open_or_create(url: &str) -> Result<(Ledger, bool)> {
        let target = parse_url(url)?;
        let existed = crate::db::store_exists(&target)?;
        Ok((Ledger::open(url)?, !existed))
    }

    /// The URL of the default store: a SQLite file in `data_dir`.
    pub fn default_url(data_dir: &Path) -> String {
        format!("sqlite://{}", Self::default_path(data_dir).display())
    }

    /// The path of the default SQLite file in `data_dir`.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join(DEFAULT_DB_FILE)
    }

    /// Opens the default store in `data_dir` (created if missing).
    pub fn open_default(data_dir: &Path) -> Result<Ledger> {
        std::fs::create_dir_all(data_dir)?;
        Ledger::open(&Self::default_url(data_dir))
    }

    /// Which backend this ledger uses.
    pub fn backend(&self) -> BackendKind {
        self.conn.kind()
    }

    /// The migrations applied to this store, oldest first.
    pub fn migrations(&mut self) -> Result<Vec<AppliedMigration>> {
        migrate::applied(&mut self.conn)
    }

    /// Runs `f` in a write transaction holding the audit head, retrying on
    /// transient failures. On error the transaction is rolled back.
    pub(crate) fn write<T>(&mut self, mut f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match try_write(&mut self.conn, &mut f) {
                Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => backoff(attempt),
                other => return other,
            }
        }
    }

    /// Runs `f` in a read-only snapshot transaction.
    pub(crate) fn read<T>(&mut self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.conn.begin_read()?;
        match f(&mut self.conn) {
            Ok(v) => {
                self.conn.commit()?;
                Ok(v)
            }
            Err(e) => {
                self.conn.rollback();
                Err(e)
            }
        }
    }
}

fn backoff(attempt: u32) {
    let jitter = u64::from(std::process::id() % 17);
    std::thread::sleep(Duration::from_millis(u64::from(attempt) * 10 + jitter));
}

fn try_write<T>(conn: &mut Conn, f: &mut impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
    conn.begin_write()?;
    let res = (|| {
        let sql = match conn.kind() {
            BackendKind::Sqlite => "SELECT seq, hash, tree_size, anchor_seq FROM audit_head WHERE id = 1",
            BackendKind::Postgres => "SELECT seq, hash, tree_size, anchor_seq FROM audit_head WHERE id = 1 FOR UPDATE",
        };
        let head = conn.query_one(sql, &[])?;
        let mut tx = Tx {
            head_seq: head.i(0)?,
            head_hash: head.t(1)?,
            conn: &mut *conn,
            dirty: false,
            head_checked: false,
            pending: Vec::new(),
            retention: std::collections::HashMap::new(),
            tree_size: head.i(2)?,
            anchor_seq: head.i(3)?,
        };
        let v = f(&mut tx)?;
        tx.flush_appends()?;
        if tx.dirty {
            let (seq, hash, tree_size) = (tx.head_seq, tx.head_hash.clone(), tx.tree_size);
            tx.exec(
                "UPDATE audit_head SET seq = ?, hash = ?, tree_size = ? WHERE id = 1",
                &[pi(seq), pt(&hash), pi(tree_size)],
            )?;
        }
        Ok(v)
    })();
    match res {
        Ok(v) => match conn.commit() {
            Ok(()) => Ok(v),
            Err(e) => {
                conn.rollback();
                Err(e)
            }
        },
        Err(e) => {
            conn.rollback();
            Err(e)
        }
    }
}

/// Parses a stored timestamp.
pub(crate) fn stored_ts(s: &str) -> Result<Timestamp> {
    Timestamp::parse(s).map_err(|_| LedgerError::Corrupt(format!("bad stored timestamp `{s}`")))
}

/// Parses a stored date.
pub(crate) fn stored_date(s: &str) -> Result<Date> {
    s.parse::<Date>()
        .map_err(|_| LedgerError::Corrupt(format!("bad stored date `{s}`")))
}

/// Parses a stored JSON column.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| LedgerError::Corrupt(format!("bad stored JSON: {e}")))
}

/// Converts a stored non-negative integer (seq, ids).
pub(crate) fn stored_u64(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| LedgerError::Corrupt(format!("negative id {v}")))
}
