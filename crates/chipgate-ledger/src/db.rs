//! The thin SQL layer shared by both backends.
//!
//! All ledger logic is written once against [`Conn`]: statements use `?`
//! placeholders (rewritten to `$n` for PostgreSQL), parameters are
//! [`P`] (typed integers or text, so PostgreSQL can type a NULL) and rows come
//! back as [`Row`]s of [`Cell`]s. Columns are only `BIGINT` and `TEXT`, which
//! keeps one dialect-neutral schema and identical behaviour on both stores.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{LedgerError, Result, TRANSIENT_TAG};

/// Which store a [`crate::Ledger`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// Embedded SQLite (a file in WAL mode, or in memory).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A statement parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum P<'a> {
    /// A `BIGINT` (or NULL).
    I(Option<i64>),
    /// A `TEXT` (or NULL).
    T(Option<&'a str>),
}

/// Integer parameter.
pub(crate) fn pi<'a>(v: i64) -> P<'a> {
    P::I(Some(v))
}
/// Nullable integer parameter.
pub(crate) fn poi<'a>(v: Option<i64>) -> P<'a> {
    P::I(v)
}
/// Text parameter.
pub(crate) fn pt(v: &str) -> P<'_> {
    P::T(Some(v))
}
/// Nullable text parameter.
pub(crate) fn pot(v: Option<&str>) -> P<'_> {
    P::T(v)
}

/// A value read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A value borrowed from the driver's row buffer (zero-copy scans).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CellRef<'a> {
    Null,
    Int(i64),
    /// Text as the driver hands it out, not yet checked to be UTF-8 (`t` checks, `b` does not).
    Raw(&'a [u8]),
}

impl<'a> CellRef<'a> {
    pub(crate) fn i(self) -> Result<i64> {
        match self {
            CellRef::Int(v) => Ok(v),
            other => Err(LedgerError::Corrupt(format!("expected integer, found {other:?}"))),
        }
    }
    pub(crate) fn t(self) -> Result<&'a str> {
        match self {
            CellRef::Raw(b) => std::str::from_utf8(b).map_err(|e| LedgerError::Corrupt(e.to_string())),
            other => Err(LedgerError::Corrupt(format!("expected text, found {other:?}"))),
        }
    }
    /// Text as bytes, without a UTF-8 check.
    pub(crate) fn b(self) -> Result<&'a [u8]> {
        match self {
            CellRef::Raw(b) => Ok(b),
            other => Err(LedgerError::Corrupt(format!("expected text, found {other:?}"))),
        }
    }
    /// Nullable text as bytes.
    pub(crate) fn ob(self) -> Result<Option<&'a [u8]>> {
        match self {
            CellRef::Null => Ok(None),
            other => other.b().map(Some),
        }
    }
    pub(crate) fn ot(self) -> Result<Option<&'a str>> {
        match self {
            CellRef::Null => Ok(None),
            other => other.t().map(Some),
        }
    }
}

/// A row read back.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell> {
        self.0
            .get(i)
            .ok_or_else(|| LedgerError::Corrupt(format!("missing column {i}")))
    }
    /// Non-null integer column.
    pub(crate) fn i(&self, i: usize) -> Result<i64> {
        match self.cell(i)? {
            Cell::Int(v) => Ok(*v),
            other => Err(LedgerError::Corrupt(format!(
                "column {i}: expected integer, found {other:?}"
            ))),
        }
    }
    /// Nullable integer column.
    pub(crate) fn oi(&self, i: usize) -> Result<Option<i64>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.i(i).map(Some),
        }
    }
    /// Non-null text column.
    pub(crate) fn t(&self, i: usize) -> Result<String> {
        match self.cell(i)? {
            Cell::Text(v) => Ok(v.clone()),
            other => Err(LedgerError::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }
    /// Nullable text column.
    pub(crate) fn ot(&self, i: usize) -> Result<Option<String>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.t(i).map(Some),
        }
    }
    /// Takes a non-null text column out of the row without cloning.
    pub(crate) fn take_t(&mut self, i: usize) -> Result<String> {
        match self.0.get_mut(i) {
            Some(c @ Cell::Text(_)) => match std::mem::replace(c, Cell::Null) {
                Cell::Text(s) => Ok(s),
                _ => Err(LedgerError::Corrupt(format!("column {i}"))),
            },
            other => Err(LedgerError::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }
    /// Takes a nullable text column out of the row without cloning.
    pub(crate) fn take_ot(&mut self, i: usize) -> Result<Option<String>> {
        match self.0.get(i) {
            Some(Cell::Null) => Ok(None),
            _ => self.take_t(i).map(Some),
        }
    }
}

/// How SQLite commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sync {
    Full,
    Normal,
}

/// Where to connect, parsed from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    SqliteFile { path: PathBuf, sync: Sync },
    SqliteMemory,
    Postgres { url: String, schema: Option<String> },
}

/// Parses `sqlite://PATH[?synchronous=full|normal]`, `sqlite:PATH`,
/// `sqlite::memory:` and `postgres://…[?schema=NAME]` / `postgresql://…`.
pub(crate) fn parse_url(url: &str) -> Result<Target> {
    let unsupported = || LedgerError::UnsupportedUrl(url.to_string());
    if url == "sqlite::memory:" || url == "sqlite://:memory:" {
        return Ok(Target::SqliteMemory);
    }
    if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        if path.is_empty() {
            return Err(unsupported());
        }
        let mut sync = Sync::Normal;
        for kv in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            match kv {
                "synchronous=full" | "synchronous=FULL" => sync = Sync::Full,
                "synchronous=normal" | "synchronous=NORMAL" => sync = Sync::Normal,
                _ => return Err(unsupported()),
            }
        }
        return Ok(Target::SqliteFile {
            path: PathBuf::from(path),
            sync,
        });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut schema = None;
        let mut kept = Vec::new();
        for kv in query.split('&').filter(|s| !s.is_empty()) {
            match kv.strip_prefix("schema=") {
                Some(s) => {
                    let ok = !s.is_empty()
                        && s.len() <= 63
                        && s.bytes()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
                        && !s.as_bytes()[0].is_ascii_digit();
                    if !ok {
                        return Err(LedgerError::InvalidField {
                            field: "schema",
                            value: s.to_string(),
                            why: "use lowercase letters, digits and _",
                        });
                    }
                    schema = Some(s.to_string());
                }
                None => kept.push(kv),
            }
        }
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok(Target::Postgres { url, schema });
    }
    Err(unsupported())
}

/// An open connection to either backend.
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(Box<pg::PgConn>),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Conn({:?})", self.kind())
    }
}

/// Rows per multi-row `INSERT` (a few fixed sizes, so few distinct statements are prepared).
const ROWS_PER_INSERT: [usize; 5] = [256, 64, 16, 4, 1];

/// `head VALUES (?, …), (?, …) tail` for `rows` rows of `cols` columns.
fn values_sql(head: &str, tail: &str, cols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + 8 + rows * (cols * 3 + 3));
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
        }
        sql.push(')');
    }
    if !tail.is_empty() {
        sql.push(' ');
        sql.push_str(tail);
    }
    sql
}

/// Page size of a new SQLite ledger file.
const SQLITE_PAGE_SIZE: i64 = 16_384;

/// WAL pages between automatic checkpoints (SQLite's default is 1000): about 32 MiB.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 2048;

/// Most columns a streamed (`query_each`) query may return.
const MAX_STREAM_COLS: usize = 24;

/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The pause between two tries of a locked SQLite database.
const SQLITE_BUSY_PAUSE: Duration = Duration::from_millis(1);

/// SQLite's busy handler: try again every millisecond (a lock is held for one transaction,
/// a group commit of at most a few hundred orders) for up to [`SQLITE_BUSY_TIMEOUT`].
fn busy_wait(tries: i32) -> bool {
    let waited = SQLITE_BUSY_PAUSE.saturating_mul(u32::try_from(tries).unwrap_or(u32::MAX));
    if waited >= SQLITE_BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(SQLITE_BUSY_PAUSE);
    true
}

impl Conn {
    pub(crate) fn open(target: &Target) -> Result<Conn> {
        match target {
            Target::SqliteMemory => {
                let c = rusqlite::Connection::open_in_memory().map_err(sqlite_err)?;
                Self::configure_sqlite(c, None)
            }
            Target::SqliteFile { path, sync } => {
                create_parent(path)?;
                let new = !path.exists();
                let c = rusqlite::Connection::open(path).map_err(sqlite_err)?;
                if new {
                    owner_only(path)?;
                }
                Self::configure_sqlite(c, Some(*sync))
            }
            #[cfg(feature = "postgres")]
            Target::Postgres { url, schema } => Ok(Conn::Postgres(Box::new(pg::PgConn::open(url, schema.as_deref())?))),
            #[cfg(not(feature = "postgres"))]
            Target::Postgres { .. } => Err(LedgerError::PostgresDisabled),
        }
    }

    fn configure_sqlite(c: rusqlite::Connection, sync: Option<Sync>) -> Result<Conn> {
        // SQLite's own busy handler (`busy_timeout`) sleeps up to 100 ms between tries: a
        // writer waiting for another's group commit would sleep long after the lock is free.
        c.busy_handler(Some(busy_wait)).map_err(sqlite_err)?;
        c.set_prepared_statement_cache_capacity(64);
        if let Some(sync) = sync {
            // A new file gets 16 KiB pages (an existing one keeps its own: the pragma is a
            // no-op once the file has a header). An order check's audit payload is 20-40 KB:
            // fewer, larger pages mean a quarter of the write calls for the log and its
            // checkpoints, and a group commit writes mostly those pages.
            c.pragma_update(None, "page_size", SQLITE_PAGE_SIZE)
                .map_err(sqlite_err)?;
            let mode: String = c
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(sqlite_err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(LedgerError::Database(format!(
                    "could not switch SQLite to WAL mode (got `{mode}`)"
                )));
            }
            let s = match sync {
                Sync::Full => "FULL",
                Sync::Normal => "NORMAL",
            };
            c.pragma_update(None, "synchronous", s).map_err(sqlite_err)?;
            // Checkpoint every ~32 MiB of WAL instead of ~16 MiB: pages that
            // every check rewrites (audit head, license row) are copied to
            // the database once per checkpoint, and each checkpoint costs
            // two fsyncs.
            c.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
                .map_err(sqlite_err)?;
        }
        c.pragma_update(None, "foreign_keys", "ON").map_err(sqlite_err)?;
        Ok(Conn::Sqlite(c))
    }

    pub(crate) fn kind(&self) -> BackendKind {
        match self {
            Conn::Sqlite(_) => BackendKind::Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Runs a script of `;`-separated statements without parameters.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(sqlite_err),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.batch(sql),
        }
    }

    /// Executes one statement; returns the number of rows changed.
    pub(crate) fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql).map_err(sqlite_err)?;
                let n = st
                    .execute(rusqlite::params_from_iter(params.iter()))
                    .map_err(sqlite_err)?;
                Ok(n as u64)
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.exec(sql, params),
        }
    }

    /// Inserts rows of `cols` parameters each with multi-row `VALUES` lists (a few statements
    /// for hundreds of rows: one round trip each on PostgreSQL). `head` is `INSERT INTO t (a, b)`,
    /// `tail` what follows the values (`ON CONFLICT …`, or nothing). Returns the rows changed.
    pub(crate) fn insert_rows(&mut self, head: &str, tail: &str, cols: usize, params: &[P<'_>]) -> Result<u64> {
        if cols == 0 {
            return Ok(0);
        }
        let rows = params.len() / cols;
        let (mut done, mut changed) = (0, 0);
        while done < rows {
            let take = ROWS_PER_INSERT.iter().copied().find(|&k| k <= rows - done).unwrap_or(1);
            let sql = values_sql(head, tail, cols, take);
            let chunk = params.get(done * cols..(done + take) * cols).unwrap_or_default();
            changed += self.exec(&sql, chunk)?;
            done += take;
        }
        Ok(changed)
    }

    /// Runs a query and collects its rows.
    pub(crate) fn query(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql).map_err(sqlite_err)?;
                let ncols = st.column_count();
                let mut rows = st
                    .query(rusqlite::params_from_iter(params.iter()))
                    .map_err(sqlite_err)?;
                let mut out = Vec::new();
                while let Some(r) = rows.next().map_err(sqlite_err)? {
                    let mut cells = Vec::with_capacity(ncols);
                    for i in 0..ncols {
                        use rusqlite::types::ValueRef;
                        cells.push(match r.get_ref(i).map_err(sqlite_err)? {
                            ValueRef::Null => Cell::Null,
                            ValueRef::Integer(v) => Cell::Int(v),
                            ValueRef::Text(t) => Cell::Text(
                                String::from_utf8(t.to_vec()).map_err(|e| LedgerError::Corrupt(e.to_string()))?,
                            ),
                            ValueRef::Real(v) => {
                                return Err(LedgerError::Corrupt(format!("unexpected real value {v}")))
                            }
                            ValueRef::Blob(_) => return Err(LedgerError::Corrupt("unexpected blob".into())),
                        });
                    }
                    out.push(Row(cells));
                }
                Ok(out)
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.query(sql, params),
        }
    }

    /// Streams a query's rows to `f` without copying them (SQLite) until
    /// `f` returns `Ok(false)`; returns the number of rows seen.
    pub(crate) fn query_each(
        &mut self,
        sql: &str,
        params: &[P<'_>],
        f: &mut dyn FnMut(&[CellRef<'_>]) -> Result<bool>,
    ) -> Result<usize> {
        match self {
            Conn::Sqlite(c) => {
                use rusqlite::types::ValueRef;
                let mut st = c.prepare_cached(sql).map_err(sqlite_err)?;
                let ncols = st.column_count();
                let mut rows = st
                    .query(rusqlite::params_from_iter(params.iter()))
                    .map_err(sqlite_err)?;
                if ncols > MAX_STREAM_COLS {
                    return Err(LedgerError::Corrupt(format!("{ncols} columns in a streamed query")));
                }
                let mut n = 0;
                while let Some(r) = rows.next().map_err(sqlite_err)? {
                    n += 1;
                    let mut cells = [CellRef::Null; MAX_STREAM_COLS];
                    for (i, cell) in cells.iter_mut().enumerate().take(ncols) {
                        *cell = match r.get_ref(i).map_err(sqlite_err)? {
                            ValueRef::Null => CellRef::Null,
                            ValueRef::Integer(v) => CellRef::Int(v),
                            ValueRef::Text(t) => CellRef::Raw(t),
                            _ => return Err(LedgerError::Corrupt("unexpected value type".into())),
                        };
                    }
                    if !f(&cells[..ncols])? {
                        break;
                    }
                }
                Ok(n)
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.query_each(sql, params, f),
        }
    }

    /// Runs a query expected to return at most one row.
    pub(crate) fn query_opt(&mut self, sql: &str, params: &[P<'_>]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query expected to return exactly one row.
    pub(crate) fn query_one(&mut self, sql: &str, params: &[P<'_>]) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| LedgerError::Corrupt(format!("query returned no row: {sql}")))
    }

    /// Starts a write transaction. SQLite takes the database write lock now
    /// (`BEGIN IMMEDIATE`); PostgreSQL starts a READ COMMITTED transaction
    /// whose first statement locks the audit head row (see `Tx::begin`).
    pub(crate) fn begin_write(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(_) => self.batch("BEGIN IMMEDIATE"),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => self.batch("BEGIN ISOLATION LEVEL READ COMMITTED"),
        }
    }

    /// Starts a read-only snapshot transaction.
    pub(crate) fn begin_read(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(_) => self.batch("BEGIN DEFERRED"),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        }
    }

    /// Starts the transaction that applies migrations, serialized across
    /// processes (SQLite write lock; PostgreSQL advisory transaction lock).
    pub(crate) fn begin_migration(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(_) => self.batch("BEGIN IMMEDIATE"),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => {
                self.batch("BEGIN; SELECT pg_advisory_xact_lock(hashtext('chipgate-ledger:' || current_schema()))")
            }
        }
    }

    pub(crate) fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT")
    }

    pub(crate) fn rollback(&mut self) {
        // A failed rollback leaves nothing to do: the connection is either
        // already outside a transaction or broken, and the next statement
        // reports that.
        let _ = self.batch("ROLLBACK");
    }
}

/// A new ledger file is readable and writable by its owner only (mode 600): it holds export
/// records. SQLite gives its `-wal` and `-shm` files the database file's mode.
fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether the store exists: the SQLite file, or a ledger (its `schema_migrations` table) in
/// the PostgreSQL schema. An in-memory store never does.
pub(crate) fn store_exists(target: &Target) -> Result<bool> {
    match target {
        Target::SqliteMemory => Ok(false),
        Target::SqliteFile { path, .. } => Ok(path.exists()),
        #[cfg(feature = "postgres")]
        Target::Postgres { url, schema } => pg::PgConn::ledger_exists(url, schema.as_deref().unwrap_or("public")),
        #[cfg(not(feature = "postgres"))]
        Target::Postgres { .. } => Err(LedgerError::PostgresDisabled),
    }
}

/// The store for messages (no password).
pub(crate) fn describe(target: &Target) -> String {
    match target {
        Target::SqliteMemory => "sqlite::memory:".to_owned(),
        Target::SqliteFile { path, .. } => path.display().to_string(),
        Target::Postgres { url, schema } => {
            let host = url.rsplit_once('@').map_or(url.as_str(), |(_, h)| h);
            format!("postgres://{host} schema {}", schema.as_deref().unwrap_or("public"))
        }
    }
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && !parent.exists() {
            std::fs::create_dir_all(parent)?;
        }
    }
    Ok(())
}

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match *self {
            P::I(Some(v)) => ToSqlOutput::Owned(Value::Integer(v)),
            P::T(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            P::I(None) | P::T(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

pub(crate) fn sqlite_err(e: rusqlite::Error) -> LedgerError {
    use rusqlite::ErrorCode;
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return LedgerError::Database(format!("{TRANSIENT_TAG}{e}"))
            }
            ErrorCode::ConstraintViolation => {
                // SQLite reports "UNIQUE constraint failed: orders.order_ref"
                // or "CHECK constraint failed: licenses_quantity_range": the
                // part after the colon is the constraint (or column) name.
                let name = msg
                    .as_deref()
                    .and_then(|m| m.split_once(": ").map(|(_, n)| n.to_string()))
                    .unwrap_or_else(|| format!("{:?}", f.extended_code));
                return LedgerError::Integrity { constraint: name };
            }
            _ => {}
        }
    }
    LedgerError::Database(e.to_string())
}

#[cfg(feature = "postgres")]
mod pg {
    use std::collections::HashMap;

    use postgres::error::SqlState;
    use postgres::types::{ToSql, Type};
    use postgres::{Client, NoTls, Statement};

    use super::{Cell, CellRef, Row, P};
    use crate::error::{LedgerError, Result, TRANSIENT_TAG};

    pub(crate) struct PgConn {
        client: Client,
        stmts: HashMap<String, Statement>,
    }

    pub(super) fn pg_err(e: postgres::Error) -> LedgerError {
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::LOCK_NOT_AVAILABLE
            {
                return LedgerError::Database(format!("{TRANSIENT_TAG}{db}"));
            }
            if *code == SqlState::UNIQUE_VIOLATION
                || *code == SqlState::CHECK_VIOLATION
                || *code == SqlState::FOREIGN_KEY_VIOLATION
                || *code == SqlState::NOT_NULL_VIOLATION
            {
                let constraint = db
                    .constraint()
                    .map(str::to_string)
                    .or_else(|| db.column().map(str::to_string))
                    .unwrap_or_else(|| code.code().to_string());
                return LedgerError::Integrity { constraint };
            }
            return LedgerError::Database(db.to_string());
        }
        LedgerError::Database(e.to_string())
    }

    /// Rewrites `?` placeholders to `$1, $2, …` (the ledger's SQL never
    /// contains `?` inside string literals).
    fn numbered(sql: &str) -> String {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    }

    impl PgConn {
        /// Whether `schema` holds a ledger, without creating anything.
        pub(crate) fn ledger_exists(url: &str, schema: &str) -> Result<bool> {
            let mut client = Client::connect(url, NoTls).map_err(pg_err)?;
            let row = client
                .query_one(
                    "SELECT count(*) FROM information_schema.tables \
                     WHERE table_schema = $1 AND table_name = 'schema_migrations'",
                    &[&schema],
                )
                .map_err(pg_err)?;
            let n: i64 = row.get(0);
            Ok(n > 0)
        }

        pub(crate) fn open(url: &str, schema: Option<&str>) -> Result<PgConn> {
            let mut client = Client::connect(url, NoTls).map_err(pg_err)?;
            client
                .batch_execute("SET client_min_messages TO WARNING")
                .map_err(pg_err)?;
            if let Some(schema) = schema {
                // Several processes may race to create the schema: creation
                // is idempotent, and a lost race shows up as a duplicate.
                if let Err(e) = client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")) {
                    let dup = e.as_db_error().is_some_and(|d| {
                        *d.code() == SqlState::UNIQUE_VIOLATION || *d.code() == SqlState::DUPLICATE_SCHEMA
                    });
                    if !dup {
                        return Err(pg_err(e));
                    }
                }
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\""))
                    .map_err(pg_err)?;
            }
            Ok(PgConn {
                client,
                stmts: HashMap::new(),
            })
        }

        pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
            self.client.batch_execute(sql).map_err(pg_err)
        }

        fn prepared(&mut self, sql: &str) -> Result<Statement> {
            if let Some(s) = self.stmts.get(sql) {
                return Ok(s.clone());
            }
            let st = self.client.prepare(&numbered(sql)).map_err(pg_err)?;
            self.stmts.insert(sql.to_string(), st.clone());
            Ok(st)
        }

        pub(crate) fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
            let st = self.prepared(sql)?;
            let refs = refs(params);
            self.client.execute(&st, &refs).map_err(pg_err)
        }

        pub(crate) fn query(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>> {
            let st = self.prepared(sql)?;
            let refs = refs(params);
            let rows = self.client.query(&st, &refs).map_err(pg_err)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut cells = Vec::with_capacity(r.len());
                for (i, col) in r.columns().iter().enumerate() {
                    let t = col.type_();
                    let cell = if *t == Type::INT8 {
                        r.try_get::<_, Option<i64>>(i).map(|v| v.map(Cell::Int))
                    } else if *t == Type::INT4 {
                        r.try_get::<_, Option<i32>>(i)
                            .map(|v| v.map(|v| Cell::Int(i64::from(v))))
                    } else if *t == Type::INT2 {
                        r.try_get::<_, Option<i16>>(i)
                            .map(|v| v.map(|v| Cell::Int(i64::from(v))))
                    } else if *t == Type::BOOL {
                        r.try_get::<_, Option<bool>>(i)
                            .map(|v| v.map(|v| Cell::Int(i64::from(v))))
                    } else {
                        r.try_get::<_, Option<String>>(i).map(|v| v.map(Cell::Text))
                    }
                    .map_err(pg_err)?
                    .unwrap_or(Cell::Null);
                    cells.push(cell);
                }
                out.push(Row(cells));
            }
            Ok(out)
        }
    }

    /// A text column's bytes as the server sent them (the binary format of `text` is its
    /// UTF-8 bytes), without the UTF-8 check `&str` makes.
    struct RawText<'a>(&'a [u8]);

    impl<'a> postgres::types::FromSql<'a> for RawText<'a> {
        fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
            Ok(RawText(raw))
        }

        fn accepts(ty: &Type) -> bool {
            // The ledger's columns are TEXT; a plain match (the `&str` impl compares type names).
            matches!(
                *ty,
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
            )
        }
    }

    impl PgConn {
        /// Streams rows through a portal, borrowing text from each row.
        pub(crate) fn query_each(
            &mut self,
            sql: &str,
            params: &[P<'_>],
            f: &mut dyn FnMut(&[CellRef<'_>]) -> Result<bool>,
        ) -> Result<usize> {
            use postgres::fallible_iterator::FallibleIterator;
            let st = self.prepared(sql)?;
            let refs = refs(params);
            let mut it = self.client.query_raw(&st, refs).map_err(pg_err)?;
            let mut n = 0;
            while let Some(r) = it.next().map_err(pg_err)? {
                n += 1;
                let ncols = r.len();
                if ncols > super::MAX_STREAM_COLS {
                    return Err(LedgerError::Corrupt(format!("{ncols} columns in a streamed query")));
                }
                // On the stack, and text as the bytes the server sent: a reader that needs
                // `&str` checks UTF-8 (`CellRef::t`), one that hashes bytes does not
                // (verification streams a whole log through here).
                let mut cells = [CellRef::Null; super::MAX_STREAM_COLS];
                for (i, (cell, col)) in cells.iter_mut().zip(r.columns()).enumerate() {
                    let t = col.type_();
                    *cell = if *t == Type::INT8 {
                        r.try_get::<_, Option<i64>>(i).map(|v| v.map(CellRef::Int))
                    } else if *t == Type::INT4 {
                        r.try_get::<_, Option<i32>>(i)
                            .map(|v| v.map(|v| CellRef::Int(i64::from(v))))
                    } else {
                        r.try_get::<_, Option<RawText<'_>>>(i)
                            .map(|v| v.map(|v| CellRef::Raw(v.0)))
                    }
                    .map_err(pg_err)?
                    .unwrap_or(CellRef::Null);
                }
                if !f(&cells[..ncols])? {
                    // Dropping the iterator closes the portal.
                    break;
                }
            }
            Ok(n)
        }
    }

    fn refs<'a>(params: &'a [P<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
        params
            .iter()
            .map(|p| match p {
                P::I(v) => v as &(dyn ToSql + Sync),
                P::T(v) => v as &(dyn ToSql + Sync),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("sqlite::memory:").unwrap(), Target::SqliteMemory);
        assert_eq!(
            parse_url("sqlite:///tmp/x.db").unwrap(),
            Target::SqliteFile {
                path: "/tmp/x.db".into(),
                sync: Sync::Normal
            }
        );
        assert_eq!(
            parse_url("sqlite://rel/x.db?synchronous=full").unwrap(),
            Target::SqliteFile {
                path: "rel/x.db".into(),
                sync: Sync::Full
            }
        );
        assert_eq!(
            parse_url("postgres://u@h/db?schema=t1&sslmode=disable").unwrap(),
            Target::Postgres {
                url: "postgres://u@h/db?sslmode=disable".into(),
                schema: Some("t1".into())
            }
        );
        assert!(parse_url("mysql://x").is_err());
        assert!(parse_url("sqlite://").is_err());
        assert!(parse_url("postgres://h/db?schema=Bad;drop").is_err());
    }
}
