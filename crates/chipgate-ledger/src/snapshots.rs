//! Restricted-party list snapshots in the store (migration 0003): import, activation (and so
//! rollback), and reading the active snapshot back for screening.
//!
//! The ledger does not know the list formats or how entries are compared: the caller hands
//! in each entry as JSON with its source list, its identity key and its content hash, the
//! snapshot's content address, and the diff it computed against the active list. The ledger
//! stores them, each entry once per content hash, and appends a `list.import` or
//! `list.activate` audit record in the transaction that writes the rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::NewRecord;
use crate::db::{pi, pt, Conn, P};
use crate::error::{LedgerError, Result};
use crate::ledger::{stored_json, stored_u64, Ledger, Tx};
use crate::time::Timestamp;
use crate::validate;

/// Entries written per multi-row `INSERT` (4 parameters each: well under both stores' limits).
const CHUNK: usize = 250;

/// One list file that went into a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SnapshotFile {
    /// The file name as given.
    pub name: String,
    /// Its format, e.g. `csl_json`, `ofac_legacy`.
    pub format: String,
    /// SHA-256 (hex) of its bytes.
    pub sha256: String,
    /// Entries it contributed.
    pub entries: u64,
}

/// One entry of a snapshot, as the caller prepared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotEntry {
    /// Source list code (`SDN`, `EL`, `UN`, `OWN`, …).
    pub source: String,
    /// The entry's identity across snapshots (what a diff pairs up).
    pub key: String,
    /// SHA-256 (hex) of `body`.
    pub hash: String,
    /// The entry, JSON.
    pub body: String,
}

/// A snapshot to import.
#[derive(Debug, Clone, PartialEq)]
pub struct NewListSnapshot {
    /// The content address: SHA-256 (hex) over the entries' hashes, computed by the caller.
    pub id: String,
    /// The date the lists were generated, as their files state it (or the caller).
    pub source_date: String,
    /// The files imported.
    pub files: Vec<SnapshotFile>,
    /// Entries per source list.
    pub counts: BTreeMap<String, u64>,
    /// What changed against the list active at import (the caller's diff, kept as given).
    pub diff: serde_json::Value,
    /// Integrity findings the import overrode (`--force`), as messages.
    pub forced: Vec<String>,
    /// The entries, in list order.
    pub entries: Vec<SnapshotEntry>,
}

/// A stored snapshot, without its entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoredListSnapshot {
    /// The content address.
    pub id: String,
    /// The date the lists were generated.
    pub source_date: String,
    /// The files imported.
    pub files: Vec<SnapshotFile>,
    /// Entries per source list.
    pub counts: BTreeMap<String, u64>,
    /// Entries in all.
    pub entry_count: u64,
    /// What changed against the list active at import.
    pub diff: serde_json::Value,
    /// Integrity findings the import overrode.
    pub forced: Vec<String>,
    /// When it was imported (RFC 3339 UTC).
    pub imported_at: String,
    /// Who imported it.
    pub imported_by: String,
    /// The `list.import` audit record.
    pub import_seq: u64,
    /// Whether it is the active snapshot.
    pub active: bool,
}

/// What [`Ledger::import_list_snapshot`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListImport {
    /// The snapshot as stored.
    pub snapshot: StoredListSnapshot,
    /// False when the store already held a snapshot with this id (nothing new was written
    /// but, if asked, its activation).
    pub created: bool,
    /// Whether this import made it the active snapshot (false when it already was).
    pub activated: bool,
}

const SNAPSHOT_COLS: &str = "s.id, s.source_date, s.files, s.counts, s.entry_count, s.diff, s.forced, \
     s.imported_at, s.imported_by, s.import_seq, a.snapshot_id";

const SNAPSHOT_FROM: &str = "list_snapshots s LEFT JOIN list_active a ON a.snapshot_id = s.id";

fn snapshot_from_row(r: &crate::db::Row) -> Result<StoredListSnapshot> {
    Ok(StoredListSnapshot {
        id: r.t(0)?,
        source_date: r.t(1)?,
        files: stored_json(&r.t(2)?)?,
        counts: stored_json(&r.t(3)?)?,
        entry_count: stored_u64(r.i(4)?)?,
        diff: stored_json(&r.t(5)?)?,
        forced: stored_json(&r.t(6)?)?,
        imported_at: r.t(7)?,
        imported_by: r.t(8)?,
        import_seq: stored_u64(r.i(9)?)?,
        active: r.ot(10)?.is_some(),
    })
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn bad(field: &str, message: impl Into<String>) -> LedgerError {
    LedgerError::BadInput {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn check(new: &NewListSnapshot) -> Result<()> {
    if !is_hex64(&new.id) {
        return Err(bad(
            "snapshot id",
            format!("`{}` is not 64 lowercase hex digits", new.id),
        ));
    }
    if new.entries.is_empty() {
        return Err(bad("entries", "a snapshot needs at least one entry"));
    }
    if new.files.is_empty() {
        return Err(bad("files", "a snapshot names the files it was imported from"));
    }
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, e) in new.entries.iter().enumerate() {
        if !is_hex64(&e.hash) {
            return Err(bad(
                &format!("entries[{i}].hash"),
                format!("`{}` is not 64 lowercase hex digits", e.hash),
            ));
        }
        if e.source.trim().is_empty() || e.key.trim().is_empty() {
            return Err(bad(&format!("entries[{i}]"), "source and key must not be empty"));
        }
        *counts.entry(e.source.as_str()).or_insert(0) += 1;
    }
    let declared: BTreeMap<&str, u64> = new.counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    if declared != counts {
        return Err(bad(
            "counts",
            format!("declared {declared:?} but the entries hold {counts:?}"),
        ));
    }
    Ok(())
}

fn placeholders(rows: usize, per_row: usize) -> String {
    let one = format!("({})", vec!["?"; per_row].join(", "));
    vec![one; rows].join(", ")
}

impl Tx<'_> {
    fn load_snapshot(&mut self, id: &str) -> Result<Option<StoredListSnapshot>> {
        let sql = format!("SELECT {SNAPSHOT_COLS} FROM {SNAPSHOT_FROM} WHERE s.id = ?");
        self.query_opt(&sql, &[pt(id)])?
            .map(|r| snapshot_from_row(&r))
            .transpose()
    }

    fn active_id(&mut self) -> Result<Option<String>> {
        self.query_opt("SELECT snapshot_id FROM list_active WHERE id = 1", &[])?
            .map(|r| r.t(0))
            .transpose()
    }

    /// Makes `id` the active snapshot and appends its `list.activate` record.
    fn activate(&mut self, id: &str, reason: Option<&str>, user: &str, now: Timestamp) -> Result<()> {
        let previous = self.active_id()?;
        let payload = serde_json::json!({
            "id": id,
            "previous": previous,
            "reason": reason,
        })
        .to_string();
        let seq = self.append(
            &NewRecord::new("list.activate", &format!("list:{id}"), &payload, user, now).decided_by(
                None,
                None,
                Some(id),
            ),
        )?;
        let now_s = now.to_string();
        let params = [pt(id), pt(&now_s), pt(user), pi(seq)];
        if previous.is_some() {
            self.exec(
                "UPDATE list_active SET snapshot_id = ?, activated_at = ?, activated_by = ?, audit_seq = ? \
                 WHERE id = 1",
                &params,
            )?;
        } else {
            self.exec(
                "INSERT INTO list_active (id, snapshot_id, activated_at, activated_by, audit_seq) \
                 VALUES (1, ?, ?, ?, ?)",
                &params,
            )?;
        }
        Ok(())
    }
}

/// The snapshot whose id starts with `prefix` (at least 8 hex digits), or an error naming
/// the prefix (unknown, or held by several snapshots).
fn resolve(conn: &mut Conn, prefix: &str) -> Result<String> {
    let p = prefix.trim().to_ascii_lowercase();
    if p.len() < 8 || p.len() > 64 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(
            "snapshot id",
            format!("`{prefix}` is not a snapshot id or a prefix of at least 8 hex digits"),
        ));
    }
    let rows = conn.query(
        "SELECT id FROM list_snapshots WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
        &[pt(&p), pt(&format!("{p}g"))],
    )?;
    match rows.as_slice() {
        [one] => one.t(0),
        [] => Err(bad("snapshot id", format!("no list snapshot `{p}` in this store"))),
        _ => Err(bad(
            "snapshot id",
            format!("`{p}` is the prefix of several snapshots; give more digits"),
        )),
    }
}

impl Ledger {
    /// Imports a list snapshot; with `activate`, makes it the active one in the same
    /// transaction. Validates first (hex ids and hashes, entries present, counts matching the
    /// entries); a snapshot already stored writes nothing new but its activation if asked.
    /// Appends a `list.import` record (files, counts, the diff's per-list counts, what was
    /// forced) and, when activated, a `list.activate` record.
    pub fn import_list_snapshot(
        &mut self,
        new: &NewListSnapshot,
        activate: bool,
        user: &str,
        now: Timestamp,
    ) -> Result<ListImport> {
        let user = validate::user(user)?;
        check(new)?;
        let files = serde_json::to_string(&new.files)?;
        let counts = serde_json::to_string(&new.counts)?;
        let diff = serde_json::to_string(&new.diff)?;
        let forced = serde_json::to_string(&new.forced)?;
        let summary = new.diff.get("summary").cloned().unwrap_or(serde_json::Value::Null);
        let payload = serde_json::json!({
            "id": &new.id,
            "source_date": &new.source_date,
            "files": &new.files,
            "counts": &new.counts,
            "changes": summary,
            "forced": &new.forced,
        })
        .to_string();
        let now_s = now.to_string();
        let entry_count = i64::try_from(new.entries.len()).map_err(|_| bad("entries", "too many"))?;
        self.write(|tx| {
            let existing = tx.load_snapshot(&new.id)?;
            let created = existing.is_none();
            if created {
                let seq = tx.append(
                    &NewRecord::new("list.import", &format!("list:{}", new.id), &payload, &user, now).decided_by(
                        None,
                        None,
                        Some(&new.id),
                    ),
                )?;
                tx.exec(
                    "INSERT INTO list_snapshots (id, source_date, files, counts, entry_count, diff, forced, \
                     imported_at, imported_by, import_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &[
                        pt(&new.id),
                        pt(&new.source_date),
                        pt(&files),
                        pt(&counts),
                        pi(entry_count),
                        pt(&diff),
                        pt(&forced),
                        pt(&now_s),
                        pt(&user),
                        pi(seq),
                    ],
                )?;
                for chunk in new.entries.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO list_entries (hash, source, entry_key, body) VALUES {} \
                         ON CONFLICT (hash) DO NOTHING",
                        placeholders(chunk.len(), 4)
                    );
                    let params: Vec<P<'_>> = chunk
                        .iter()
                        .flat_map(|e| [pt(&e.hash), pt(&e.source), pt(&e.key), pt(&e.body)])
                        .collect();
                    tx.exec(&sql, &params)?;
                }
                let mut pos: i64 = 0;
                for chunk in new.entries.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO list_snapshot_entries (snapshot_id, pos, entry_hash) VALUES {}",
                        placeholders(chunk.len(), 3)
                    );
                    let mut params: Vec<P<'_>> = Vec::with_capacity(chunk.len() * 3);
                    for e in chunk {
                        params.extend([pt(&new.id), pi(pos), pt(&e.hash)]);
                        pos += 1;
                    }
                    tx.exec(&sql, &params)?;
                }
            }
            let activated = activate && tx.active_id()?.as_deref() != Some(new.id.as_str());
            if activated {
                tx.activate(&new.id, None, &user, now)?;
            }
            let snapshot = tx
                .load_snapshot(&new.id)?
                .ok_or_else(|| LedgerError::Corrupt(format!("list snapshot {} vanished", new.id)))?;
            Ok(ListImport {
                snapshot,
                created,
                activated,
            })
        })
    }

    /// Makes a stored snapshot (by id or a prefix of at least 8 hex digits) the active one:
    /// how an import is rolled back. Appends a `list.activate` record with the previous
    /// snapshot and the reason; activating the active snapshot is an error that writes
    /// nothing.
    pub fn activate_list_snapshot(
        &mut self,
        id: &str,
        reason: Option<&str>,
        user: &str,
        now: Timestamp,
    ) -> Result<StoredListSnapshot> {
        let user = validate::user(user)?;
        let reason = reason.map(|r| validate::text("reason", r)).transpose()?;
        self.write(|tx| {
            let full = resolve(tx.conn, id)?;
            if tx.active_id()?.as_deref() == Some(full.as_str()) {
                return Err(bad("snapshot id", format!("`{full}` is already the active snapshot")));
            }
            tx.activate(&full, reason.as_deref(), &user, now)?;
            tx.load_snapshot(&full)?
                .ok_or_else(|| LedgerError::Corrupt(format!("list snapshot {full} vanished")))
        })
    }

    /// Every stored snapshot, newest import first.
    pub fn list_snapshots(&mut self) -> Result<Vec<StoredListSnapshot>> {
        let sql = format!("SELECT {SNAPSHOT_COLS} FROM {SNAPSHOT_FROM} ORDER BY s.import_seq DESC");
        self.read(|conn| conn.query(&sql, &[])?.iter().map(snapshot_from_row).collect())
    }

    /// One stored snapshot by id or a prefix of at least 8 hex digits.
    pub fn list_snapshot(&mut self, id: &str) -> Result<StoredListSnapshot> {
        let sql = format!("SELECT {SNAPSHOT_COLS} FROM {SNAPSHOT_FROM} WHERE s.id = ?");
        self.read(|conn| {
            let full = resolve(conn, id)?;
            let row = conn.query_one(&sql, &[pt(&full)])?;
            snapshot_from_row(&row)
        })
    }

    /// The active snapshot, if one was ever activated.
    pub fn active_list_snapshot(&mut self) -> Result<Option<StoredListSnapshot>> {
        let sql = format!("SELECT {SNAPSHOT_COLS} FROM {SNAPSHOT_FROM} WHERE a.snapshot_id IS NOT NULL");
        self.read(|conn| conn.query_opt(&sql, &[])?.map(|r| snapshot_from_row(&r)).transpose())
    }

    /// The entries of a stored snapshot (full id), in list order.
    pub fn list_snapshot_entries(&mut self, id: &str) -> Result<Vec<SnapshotEntry>> {
        self.read(|conn| {
            let full = resolve(conn, id)?;
            let rows = conn.query(
                "SELECT e.source, e.entry_key, e.hash, e.body FROM list_snapshot_entries m \
                 JOIN list_entries e ON e.hash = m.entry_hash WHERE m.snapshot_id = ? ORDER BY m.pos",
                &[pt(&full)],
            )?;
            rows.into_iter()
                .map(|mut r| {
                    Ok(SnapshotEntry {
                        source: r.take_t(0)?,
                        key: r.take_t(1)?,
                        hash: r.take_t(2)?,
                        body: r.take_t(3)?,
                    })
                })
                .collect()
        })
    }
}
