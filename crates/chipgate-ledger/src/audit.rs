//! The hash-chained audit trail: append, verify, export, retention, purge.
//!
//! # Hash
//! `hash = SHA-256("chipgate-audit-v1" ‖ seq ‖ ts ‖ user ‖ kind ‖ subject ‖
//! event_date ‖ payload ‖ engine_version ‖ ruleset_id ‖ list_snapshot_id ‖
//! prev_hash)`, hex-encoded, where `seq` is 8 bytes big-endian and every
//! text field is `0x01 ‖ len (8 bytes BE) ‖ UTF-8 bytes` (`0x00` for NULL).
//! The length prefixes make the serialization unambiguous; the payload is
//! hashed as the exact stored text (PostgreSQL keeps it as `TEXT`, not
//! `JSONB`, so nothing re-orders it). The first record's `prev_hash` is 64
//! zeros (or the purge anchor's hash).
//!
//! # What verification detects
//! [`Ledger::verify_audit`] checks the chain, then the state it implies, in
//! one snapshot and one scan of the log, and reports every problem
//! (`VerifyReport::findings`; `problem` is the first).
//!
//! In the chain (the first problem only: after it, the chain proves nothing):
//! * an edited record: its content no longer matches its hash;
//! * a deleted record in the middle: a gap in `seq`;
//! * deleted records at the tail: `audit_head` (updated in the same
//!   transaction as every append) points past the last record;
//! * an inserted record: beyond the head, before the anchor, or in the middle
//!   with later records renumbered (their hashes then match `seq - 1`);
//! * a rewritten predecessor: a record whose `prev_hash` differs.
//!
//! In the business tables (every difference, `TamperKind::StateDiffers`):
//! the records are replayed (`state/`) into the rows they imply —
//! licenses with their remaining quantity and value, license destinations,
//! NAC notifications, orders, shipments, holds with their releases, route
//! suspensions with their resumptions — and each table is compared with
//! them: a column whose value differs (a raised cap, a changed status or
//! quantity, cleared release fields), a row the log implies but the table
//! lacks (a deleted shipment, hold or suspension) and a row no record
//! explains (an inserted license or hold) are each reported with the table,
//! the key, the column, the value found and expected, and the seq(s) of the
//! records that established it. Rows established by purged records cannot be
//! checked and are counted in `VerifyReport::notes`, as are records this
//! version cannot read; every payload the ledger has written carries what its
//! rows need. The `retention` table is not compared.
//!
//! Appends refuse a broken head: before the first append of a transaction the
//! record `audit_head` points at is read and rehashed, and its hash must be
//! the head's ([`LedgerError::AuditHeadBroken`] otherwise, nothing written).
//! This costs one indexed read and one hash per write transaction; the rest
//! of the chain and the tables are verify's job, so a table edited behind the
//! ledger's back does not stop writes — run `chipgate audit verify`
//! regularly (and after any manual database access).
//!
//! Someone with write access who rewrites every later record *and* the head
//! cannot be caught from inside the database; [`VerifyReport::head_hash`] is
//! the value to copy somewhere else (a ticket, an e-mail to the auditor) to
//! close that gap. The same holds for the tables: whoever forges records to
//! match a forged row, and re-chains everything after them, is caught only
//! by comparing the head hash kept elsewhere.
//!
//! # Retention (15 CFR 762.6)
//! Records must be kept five years from the latest of the export, any known
//! reexport/transshipment/diversion, or any other termination of the
//! transaction. The ledger reads that per *subject*: each record carries an
//! `event_date` (its qualifying event: the shipment date for a shipment,
//! the license's `valid_to` when a license is recorded — licenses are
//! "terminated" by expiry at the earliest — and the record's own date for
//! holds, releases, suspensions and other changes), the `retention` table
//! keeps the latest event date per subject (a shipment also advances its
//! license's, as "last use"), and every record of a subject is retained
//! until that date plus five years (February 29 + 5 years = March 1). Since
//! the subject's latest event can only move forward, a record's retention
//! date can only grow.
//!
//! # Purge
//! [`Ledger::purge_audit`] only removes a prefix of the chain (records older
//! than a cut-off), refuses if any of them is still under retention or if the
//! chain does not verify, and keeps the last removed record's seq and hash as
//! the anchor so the rest still verifies; the purge itself is appended as an
//! `audit.purge` record. Business tables (licenses, orders, shipments, holds)
//! are never purged.

use std::collections::HashMap;
use std::io::Write;

use sha2::{Digest, Sha256};

use crate::db::{pi, pot, pt, CellRef, Conn, Row, P};
use crate::error::{LedgerError, Result};
use crate::ledger::{stored_u64, Ledger, Tx};
use crate::migrate::hex;
use crate::model::{AuditEvent, AuditRecord, ExportFormat, PurgeReport, TamperFinding, TamperKind, VerifyReport};
use crate::state::{Record, Replay};
use crate::time::{Date, Timestamp};
use crate::validate;

/// Years a record is retained after its subject's latest qualifying event.
pub const RETENTION_YEARS: i32 = 5;

/// `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Kinds recorded by the ledger itself; [`Ledger::record_event`] refuses them.
const RESERVED_PREFIXES: &[&str] = &[
    "order.", "license.", "route.", "hold.", "nac.", "audit.", "list.", "party.", "review.",
];

const RECORD_COLS: &str = "seq, ts, user_name, kind, subject, event_date, payload, \
     engine_version, ruleset_id, list_snapshot_id, prev_hash, hash";

/// Borrowed view of a record's hashed fields.
pub(crate) struct Fields<'a> {
    pub seq: i64,
    pub ts: &'a [u8],
    pub user: &'a [u8],
    pub kind: &'a [u8],
    pub subject: &'a [u8],
    pub event_date: &'a [u8],
    pub payload: &'a [u8],
    pub engine_version: Option<&'a [u8]>,
    pub ruleset_id: Option<&'a [u8]>,
    pub list_snapshot_id: Option<&'a [u8]>,
    pub prev_hash: &'a [u8],
}

fn put(h: &mut Sha256, v: Option<&[u8]>) {
    match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s);
        }
    }
}

pub(crate) fn hash_fields(f: &Fields<'_>) -> String {
    hex(&hash_raw(f))
}

/// The digest as lowercase hex, without allocating.
fn hex_buf(d: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

/// Whether `f` hashes to the hex digest `stored`.
fn hash_matches(f: &Fields<'_>, stored: &[u8]) -> bool {
    hex_buf(&hash_raw(f)) == stored
}

fn hash_raw(f: &Fields<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"chipgate-audit-v1");
    h.update(f.seq.to_be_bytes());
    for v in [f.ts, f.user, f.kind, f.subject, f.event_date, f.payload] {
        put(&mut h, Some(v));
    }
    for v in [f.engine_version, f.ruleset_id, f.list_snapshot_id] {
        put(&mut h, v);
    }
    put(&mut h, Some(f.prev_hash));
    h.finalize().into()
}

impl AuditRecord {
    fn fields(&self, seq: i64) -> Fields<'_> {
        Fields {
            seq,
            ts: self.ts.as_bytes(),
            user: self.user.as_bytes(),
            kind: self.kind.as_bytes(),
            subject: self.subject.as_bytes(),
            event_date: self.event_date.as_bytes(),
            payload: self.payload.as_bytes(),
            engine_version: self.engine_version.as_deref().map(str::as_bytes),
            ruleset_id: self.ruleset_id.as_deref().map(str::as_bytes),
            list_snapshot_id: self.list_snapshot_id.as_deref().map(str::as_bytes),
            prev_hash: self.prev_hash.as_bytes(),
        }
    }

    /// Recomputes this record's hash from its fields (for independent
    /// verification of an export).
    pub fn compute_hash(&self) -> String {
        hash_fields(&self.fields(self.seq as i64))
    }
}

/// A record to append (inside a write transaction), made by [`NewRecord::new`] and its
/// builder methods: the one way every change writes its audit record.
pub(crate) struct NewRecord<'a> {
    ts: Timestamp,
    user: &'a str,
    kind: &'a str,
    subject: &'a str,
    event_date: Date,
    payload: &'a str,
    engine_version: Option<&'a str>,
    ruleset_id: Option<&'a str>,
    list_snapshot_id: Option<&'a str>,
    /// Other subjects whose latest qualifying event this record advances
    /// (e.g. the license a shipment used).
    also: &'a [(&'a str, Date)],
}

impl<'a> NewRecord<'a> {
    /// A record of `kind` about `subject`, by `user` at `now`: its qualifying event is the day
    /// it is recorded, it names no engine, rule set or list snapshot, and advances no other
    /// subject (see the builder methods).
    pub(crate) fn new(kind: &'a str, subject: &'a str, payload: &'a str, user: &'a str, now: Timestamp) -> Self {
        NewRecord {
            ts: now,
            user,
            kind,
            subject,
            event_date: now.date(),
            payload,
            engine_version: None,
            ruleset_id: None,
            list_snapshot_id: None,
            also: &[],
        }
    }

    /// The record's qualifying event (15 CFR 762.6) is on `date` (never before the day it is
    /// recorded: see [`Tx::append`]).
    pub(crate) fn event_date(self, date: Date) -> Self {
        NewRecord {
            event_date: date,
            ..self
        }
    }

    /// The engine version, rule set and list snapshot that decided what the record records.
    pub(crate) fn decided_by(
        self,
        engine_version: Option<&'a str>,
        ruleset_id: Option<&'a str>,
        list_snapshot_id: Option<&'a str>,
    ) -> Self {
        NewRecord {
            engine_version,
            ruleset_id,
            list_snapshot_id,
            ..self
        }
    }

    /// Other subjects whose latest qualifying event this record advances.
    pub(crate) fn also(self, also: &'a [(&'a str, Date)]) -> Self {
        NewRecord { also, ..self }
    }
}

/// A record appended in the open transaction, not yet inserted.
pub(crate) struct Pending {
    seq: i64,
    ts: String,
    user: String,
    kind: String,
    subject: String,
    event_date: String,
    payload: String,
    engine_version: Option<String>,
    ruleset_id: Option<String>,
    list_snapshot_id: Option<String>,
    prev_hash: String,
    hash: String,
}

impl Tx<'_> {
    /// Appends one record to the chain; returns its seq. The record is hashed and chained now
    /// and inserted when the transaction ends ([`Tx::flush_appends`]), with every other record
    /// of the transaction: nothing in a write transaction reads back what it appended.
    pub(crate) fn append(&mut self, r: &NewRecord<'_>) -> Result<i64> {
        self.append_owned(r, r.payload.to_owned())
    }

    /// [`Tx::append`] taking the payload (`r.payload` is ignored): a large payload is not
    /// copied.
    pub(crate) fn append_owned(&mut self, r: &NewRecord<'_>, payload: String) -> Result<i64> {
        if !self.head_checked {
            check_head(self.conn, self.head_seq, &self.head_hash)?;
            self.head_checked = true;
        }
        let seq = self.head_seq + 1;
        let ts = r.ts.to_string();
        let day = r.ts.date();
        let event_day = r.event_date.max(day);
        let event_date = event_day.to_string();
        let hash = hash_fields(&Fields {
            seq,
            ts: ts.as_bytes(),
            user: r.user.as_bytes(),
            kind: r.kind.as_bytes(),
            subject: r.subject.as_bytes(),
            event_date: event_date.as_bytes(),
            payload: payload.as_bytes(),
            engine_version: r.engine_version.map(str::as_bytes),
            ruleset_id: r.ruleset_id.map(str::as_bytes),
            list_snapshot_id: r.list_snapshot_id.map(str::as_bytes),
            prev_hash: self.head_hash.as_bytes(),
        });
        let prev = std::mem::replace(&mut self.head_hash, hash.clone());
        self.pending.push(Pending {
            seq,
            ts,
            user: r.user.to_owned(),
            kind: r.kind.to_owned(),
            subject: r.subject.to_owned(),
            event_date,
            payload,
            engine_version: r.engine_version.map(str::to_owned),
            ruleset_id: r.ruleset_id.map(str::to_owned),
            list_snapshot_id: r.list_snapshot_id.map(str::to_owned),
            prev_hash: prev,
            hash,
        });
        self.head_seq = seq;
        self.dirty = true;
        self.bump_retention(r.subject, event_day);
        for (subject, date) in r.also {
            self.bump_retention(subject, (*date).max(day));
        }
        Ok(seq)
    }

    fn bump_retention(&mut self, subject: &str, date: Date) {
        match self.retention.get_mut(subject) {
            Some(d) => *d = (*d).max(date),
            None => {
                self.retention.insert(subject.to_owned(), date);
            }
        }
    }

    /// Inserts the records appended in this transaction (multi-row inserts), advances the
    /// retention dates they carry and extends the stored Merkle tree over them.
    pub(crate) fn flush_appends(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let mut params = Vec::with_capacity(pending.len() * 12);
        for p in &pending {
            params.extend([
                pi(p.seq),
                pt(&p.ts),
                pt(&p.user),
                pt(&p.kind),
                pt(&p.subject),
                pt(&p.event_date),
                pt(&p.payload),
                pot(p.engine_version.as_deref()),
                pot(p.ruleset_id.as_deref()),
                pot(p.list_snapshot_id.as_deref()),
                pt(&p.prev_hash),
                pt(&p.hash),
            ]);
        }
        self.conn.insert_rows(
            "INSERT INTO audit_log (seq, ts, user_name, kind, subject, event_date, payload, \
             engine_version, ruleset_id, list_snapshot_id, prev_hash, hash)",
            "",
            12,
            &params,
        )?;
        drop(params);
        let mut retention: Vec<(String, String)> = std::mem::take(&mut self.retention)
            .into_iter()
            .map(|(subject, date)| (subject, date.to_string()))
            .collect();
        retention.sort_unstable();
        let params: Vec<P<'_>> = retention.iter().flat_map(|(s, d)| [pt(s), pt(d)]).collect();
        self.conn.insert_rows(
            "INSERT INTO retention (subject, latest_event)",
            "ON CONFLICT (subject) DO UPDATE SET latest_event = excluded.latest_event \
             WHERE excluded.latest_event > retention.latest_event",
            2,
            &params,
        )?;
        let first = pending.first().map_or(0, |p| p.seq);
        let hashes: Vec<&str> = pending.iter().map(|p| p.hash.as_str()).collect();
        self.tree_size = crate::merkle::extend_stored_tree(self.conn, self.tree_size, self.anchor_seq, first, &hashes)?;
        Ok(())
    }
}

fn record_from_row(mut r: Row) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: stored_u64(r.i(0)?)?,
        ts: r.take_t(1)?,
        user: r.take_t(2)?,
        kind: r.take_t(3)?,
        subject: r.take_t(4)?,
        event_date: r.take_t(5)?,
        payload: r.take_t(6)?,
        engine_version: r.take_ot(7)?,
        ruleset_id: r.take_ot(8)?,
        list_snapshot_id: r.take_ot(9)?,
        prev_hash: r.take_t(10)?,
        hash: r.take_t(11)?,
    })
}

pub(crate) struct Head {
    pub(crate) seq: i64,
    pub(crate) hash: String,
    pub(crate) anchor_seq: i64,
    pub(crate) anchor_hash: String,
}

pub(crate) fn read_head(conn: &mut Conn) -> Result<Head> {
    let r = conn.query_one(
        "SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1",
        &[],
    )?;
    Ok(Head {
        seq: r.i(0)?,
        hash: r.t(1)?,
        anchor_seq: r.i(2)?,
        anchor_hash: r.t(3)?,
    })
}

/// A record borrowed from the driver's row buffer, as bytes (verification
/// hashes bytes, so it skips UTF-8 checks).
struct RawView<'a> {
    seq: i64,
    f: [&'a [u8]; 8],
    opt: [Option<&'a [u8]>; 3],
}

impl<'a> RawView<'a> {
    fn from_cells(c: &[CellRef<'a>]) -> Result<RawView<'a>> {
        if c.len() < 12 {
            return Err(LedgerError::Corrupt("short audit row".into()));
        }
        Ok(RawView {
            seq: c[0].i()?,
            // ts, user, kind, subject, event_date, payload, prev_hash, hash
            f: [
                c[1].b()?,
                c[2].b()?,
                c[3].b()?,
                c[4].b()?,
                c[5].b()?,
                c[6].b()?,
                c[10].b()?,
                c[11].b()?,
            ],
            opt: [c[7].ob()?, c[8].ob()?, c[9].ob()?],
        })
    }

    fn fields(&self, seq: i64) -> Fields<'a> {
        Fields {
            seq,
            ts: self.f[0],
            user: self.f[1],
            kind: self.f[2],
            subject: self.f[3],
            event_date: self.f[4],
            payload: self.f[5],
            engine_version: self.opt[0],
            ruleset_id: self.opt[1],
            list_snapshot_id: self.opt[2],
            prev_hash: self.f[6],
        }
    }

    fn prev_hash(&self) -> &'a [u8] {
        self.f[6]
    }

    fn hash(&self) -> &'a [u8] {
        self.f[7]
    }

    fn record(&self) -> Record<'a> {
        Record {
            seq: self.seq.max(0) as u64,
            ts: self.f[0],
            user: self.f[1],
            kind: self.f[2],
            payload: self.f[5],
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} {}",
            String::from_utf8_lossy(self.f[2]),
            String::from_utf8_lossy(self.f[3])
        )
    }
}

/// A record borrowed from the driver's row buffer, as text (for export).
struct RecView<'a> {
    seq: i64,
    ts: &'a str,
    user: &'a str,
    kind: &'a str,
    subject: &'a str,
    event_date: &'a str,
    payload: &'a str,
    engine_version: Option<&'a str>,
    ruleset_id: Option<&'a str>,
    list_snapshot_id: Option<&'a str>,
    prev_hash: &'a str,
    hash: &'a str,
}

impl<'a> RecView<'a> {
    fn from_cells(c: &[CellRef<'a>]) -> Result<RecView<'a>> {
        if c.len() < 12 {
            return Err(LedgerError::Corrupt("short audit row".into()));
        }
        Ok(RecView {
            seq: c[0].i()?,
            ts: c[1].t()?,
            user: c[2].t()?,
            kind: c[3].t()?,
            subject: c[4].t()?,
            event_date: c[5].t()?,
            payload: c[6].t()?,
            engine_version: c[7].ot()?,
            ruleset_id: c[8].ot()?,
            list_snapshot_id: c[9].ot()?,
            prev_hash: c[10].t()?,
            hash: c[11].t()?,
        })
    }
}

/// Streams the rows of records with seq > `after`, in order, to `f` (which
/// may stop the scan by returning `Ok(false)`), in one statement, borrowing
/// each row from the driver (no per-field copies).
fn scan(conn: &mut Conn, after: i64, f: &mut dyn FnMut(&[CellRef<'_>]) -> Result<bool>) -> Result<()> {
    let sql = format!("SELECT {RECORD_COLS} FROM audit_log WHERE seq > ? ORDER BY seq");
    conn.query_each(&sql, &[pi(after)], f)?;
    Ok(())
}

/// The chain check, record by record: each record must come next in `seq`,
/// recompute to its hash and link to its predecessor's.
struct ChainCheck {
    head_seq: i64,
    expected: i64,
    prev: Vec<u8>,
}

fn finding(seq: i64, kind: TamperKind, detail: String) -> TamperFinding {
    TamperFinding {
        seq: seq.max(0) as u64,
        kind,
        detail,
        state: None,
    }
}

impl ChainCheck {
    /// The problem `rec` shows, if any, given how its hash compares ([`Verdict::of`]).
    fn step(&mut self, rec: &RawView<'_>, verdict: Verdict) -> Option<TamperFinding> {
        let seq = rec.seq;
        let expected = self.expected;
        if seq > self.head_seq {
            return Some(finding(
                seq,
                TamperKind::Inserted,
                format!(
                    "record {seq} is beyond the recorded head (seq {}); it was not appended by the ledger",
                    self.head_seq
                ),
            ));
        }
        if seq > expected {
            let what = if seq == expected + 1 {
                format!("record {expected} is missing")
            } else {
                format!("records {expected}..{} are missing", seq - 1)
            };
            return Some(finding(expected, TamperKind::Deleted, format!("{what} (deleted)")));
        }
        if !verdict.matches {
            let (kind, detail) = if verdict.as_previous {
                (
                    TamperKind::Inserted,
                    format!(
                        "record {seq} was stored as {}: a record was inserted before it and later records renumbered",
                        seq - 1
                    ),
                )
            } else if verdict.as_next {
                (
                    TamperKind::Deleted,
                    format!(
                        "record {seq} was stored as {}: a record was deleted before it and later records renumbered",
                        seq + 1
                    ),
                )
            } else {
                (
                    TamperKind::Edited,
                    format!(
                        "record {seq} ({}) does not match its hash: it was edited",
                        rec.describe()
                    ),
                )
            };
            return Some(finding(seq, kind, detail));
        }
        if rec.prev_hash() != self.prev.as_slice() {
            return Some(finding(
                seq,
                TamperKind::ChainBroken,
                format!(
                    "record {seq} does not link to record {}: the earlier record was rewritten or replaced",
                    seq - 1
                ),
            ));
        }
        self.prev.clear();
        self.prev.extend_from_slice(rec.hash());
        self.expected = seq + 1;
        None
    }

    /// The problem at the end of the scan: records missing at the tail, or
    /// a last record that is not the recorded head.
    fn finish(&self, head: &Head) -> Option<TamperFinding> {
        let expected = self.expected;
        if expected <= head.seq {
            let what = if expected == head.seq {
                format!("record {expected} is missing")
            } else {
                format!("records {expected}..{} are missing", head.seq)
            };
            return Some(finding(
                expected,
                TamperKind::Deleted,
                format!("{what} at the end of the log (deleted)"),
            ));
        }
        if self.prev != head.hash.as_bytes() {
            return Some(finding(
                head.seq,
                TamperKind::HeadMismatch,
                format!(
                    "the last record's hash differs from the recorded head (seq {}): the tail was rewritten",
                    head.seq
                ),
            ));
        }
        None
    }
}

/// A record at or before the anchor, which should not exist.
fn before_anchor(conn: &mut Conn, head: &Head) -> Result<Option<TamperFinding>> {
    let Some(r) = conn.query_opt(
        "SELECT seq FROM audit_log WHERE seq <= ? ORDER BY seq LIMIT 1",
        &[pi(head.anchor_seq)],
    )?
    else {
        return Ok(None);
    };
    let seq = r.i(0)?;
    Ok(Some(finding(
        seq,
        TamperKind::Inserted,
        format!(
            "record {seq} lies before the chain's anchor (seq {}); it was not appended by the ledger",
            head.anchor_seq
        ),
    )))
}

/// How a record's stored hash compares with its fields: at its own seq, and (when not) as if
/// it had been stored one place earlier or later (renumbering after an insert or a delete).
#[derive(Clone, Copy, Default)]
struct Verdict {
    matches: bool,
    as_previous: bool,
    as_next: bool,
}

impl Verdict {
    fn of(rec: &RawView<'_>) -> Verdict {
        let seq = rec.seq;
        if hash_matches(&rec.fields(seq), rec.hash()) {
            return Verdict {
                matches: true,
                ..Verdict::default()
            };
        }
        Verdict {
            matches: false,
            as_previous: hash_matches(&rec.fields(seq - 1), rec.hash()),
            as_next: hash_matches(&rec.fields(seq + 1), rec.hash()),
        }
    }
}

/// Audit rows copied out of the driver's buffer, for the verifying thread.
#[derive(Default)]
struct RawBatch {
    data: Vec<u8>,
    recs: Vec<RawRec>,
}

/// Where one row's fields are in [`RawBatch::data`].
#[derive(Clone, Copy)]
struct RawRec {
    seq: i64,
    f: [(usize, usize); 8],
    opt: [Option<(usize, usize)>; 3],
}

/// Records per batch handed to the verifying thread.
const VERIFY_BATCH: usize = 512;

impl RawBatch {
    fn push(&mut self, cells: &[CellRef<'_>]) -> Result<()> {
        let v = RawView::from_cells(cells)?;
        let data = &mut self.data;
        let mut put = |b: &[u8]| {
            let start = data.len();
            data.extend_from_slice(b);
            (start, data.len())
        };
        let f = v.f.map(&mut put);
        let opt = v.opt.map(|o| o.map(&mut put));
        self.recs.push(RawRec { seq: v.seq, f, opt });
        Ok(())
    }

    fn view(&self, r: &RawRec) -> RawView<'_> {
        let at = |(s, e): (usize, usize)| self.data.get(s..e).unwrap_or_default();
        RawView {
            seq: r.seq,
            f: r.f.map(at),
            opt: r.opt.map(|o| o.map(at)),
        }
    }
}

/// What the verifying thread found in one record: its hash verdict, its payload read for
/// replay, and its Merkle leaf.
struct Checked {
    verdict: Verdict,
    parsed: crate::state::Parsed,
    leaf: Option<crate::merkle::Hash>,
}

/// The costly per-record work of a verification, independent of every other record: rehash,
/// read the payload, hash the leaf.
fn check_batch(batch: &RawBatch) -> Vec<Checked> {
    batch
        .recs
        .iter()
        .map(|r| {
            let v = batch.view(r);
            Checked {
                verdict: Verdict::of(&v),
                parsed: crate::state::parse(&v.record()),
                leaf: crate::merkle::parse_leaf(v.hash()),
            }
        })
        .collect()
}

/// Verifies the chain and, in the same scan, replays it; then compares the
/// business tables with the replayed state (see `state/`).
///
/// Two threads share the scan: this one reads the rows (copying them into batches), checks
/// each record's place in the chain and folds it into the replayed state, in order; the other
/// rehashes each record and reads its payload, the part that does not depend on other records.
fn verify_conn(conn: &mut Conn) -> Result<VerifyReport> {
    let head = read_head(conn)?;
    let tree_size = conn
        .query_one("SELECT tree_size FROM audit_head WHERE id = 1", &[])?
        .i(0)?;
    let mut problem = before_anchor(conn, &head)?;
    let mut chain = ChainCheck {
        head_seq: head.seq,
        expected: head.anchor_seq + 1,
        prev: head.anchor_hash.as_bytes().to_vec(),
    };
    let anchor = head.anchor_seq.max(0) as u64;
    let mut replay = Replay::new(anchor);
    let mut tree = crate::merkle::TreeCheck::new(head.anchor_seq);
    let mut records = 0u64;
    std::thread::scope(|s| -> Result<()> {
        let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<RawBatch>(4);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(RawBatch, Vec<Checked>)>();
        s.spawn(move || {
            for batch in work_rx {
                let checked = check_batch(&batch);
                if done_tx.send((batch, checked)).is_err() {
                    break;
                }
            }
        });
        let mut fold = |(batch, checked): (RawBatch, Vec<Checked>)| {
            for (r, c) in batch.recs.iter().zip(checked) {
                let rec = batch.view(r);
                records += 1;
                if problem.is_none() {
                    problem = chain.step(&rec, c.verdict);
                }
                tree.push(rec.seq, c.leaf);
                replay.fold(&rec.record(), c.parsed);
            }
        };
        let mut batch = RawBatch::default();
        let scanned = scan(conn, head.anchor_seq, &mut |cells| {
            batch.push(cells)?;
            if batch.recs.len() >= VERIFY_BATCH {
                let full = std::mem::take(&mut batch);
                work_tx
                    .send(full)
                    .map_err(|_| LedgerError::Corrupt("the verifying thread stopped".into()))?;
                while let Ok(done) = done_rx.try_recv() {
                    fold(done);
                }
            }
            Ok(true)
        });
        if !batch.recs.is_empty() && scanned.is_ok() {
            let _ = work_tx.send(std::mem::take(&mut batch));
        }
        drop(work_tx);
        for done in done_rx {
            fold(done);
        }
        scanned
    })?;
    if problem.is_none() {
        problem = chain.finish(&head);
    }
    let head_seq = head.seq.max(0) as u64;
    let (state, mut notes) = replay.compare(conn, head_seq)?;
    // The stored tree is checked against the records only when they are sound.
    let tree_findings = if problem.is_none() {
        tree.compare(conn, tree_size.min(head.seq), &mut notes)?
    } else {
        Vec::new()
    };
    let findings: Vec<TamperFinding> = problem.into_iter().chain(state).chain(tree_findings).collect();
    Ok(VerifyReport {
        ok: findings.is_empty(),
        records,
        anchor_seq: anchor,
        head_seq,
        head_hash: head.hash,
        problem: findings.first().cloned(),
        findings,
        notes,
    })
}

/// Refuses to extend a chain whose head does not verify: the record
/// `audit_head` points at must exist, recompute to its stored hash, and that
/// hash must be the head's (or, with no record after the anchor, the head
/// must be the anchor). Reads one record: the cost of an append, not of a
/// verify.
fn check_head(conn: &mut Conn, seq: i64, hash: &str) -> Result<()> {
    let sql = format!("SELECT {RECORD_COLS} FROM audit_log WHERE seq = ?");
    let mut verdict: Option<std::result::Result<(), String>> = None;
    conn.query_each(&sql, &[pi(seq)], &mut |cells| {
        let rec = RawView::from_cells(cells)?;
        verdict = Some(if !hash_matches(&rec.fields(seq), rec.hash()) {
            Err(format!("record {seq} ({}) does not match its hash", rec.describe()))
        } else if rec.hash() != hash.as_bytes() {
            Err(format!("record {seq}'s hash differs from the recorded head"))
        } else {
            Ok(())
        });
        Ok(false)
    })?;
    let verdict = match verdict {
        Some(v) => v,
        None => {
            let head = read_head(conn)?;
            if head.anchor_seq == seq && head.anchor_hash == hash {
                Ok(())
            } else {
                Err(format!("record {seq} is missing"))
            }
        }
    };
    verdict.map_err(|detail| LedgerError::AuditHeadBroken {
        seq: seq.max(0) as u64,
        detail,
    })
}

/// The smallest latest-event date whose retention (latest + 5 years) still
/// covers `today`: records whose subject's latest event is on or after it
/// are under retention.
fn retention_threshold(today: Date) -> Date {
    let mut d = today.add_years(-RETENTION_YEARS).add_days(-3);
    while retention_until(d) < today {
        d = d.add_days(1);
    }
    d
}

/// The retention date for a subject whose latest qualifying event is `latest`: the same day
/// [`RETENTION_YEARS`] later, by the model's calendar. A period from February 29 into a common
/// year ends on March 1 (the model's `add_years` gives February 28, which would end it a day
/// early), and none passes 9999-12-31, the last date a record can hold.
pub fn retention_until(latest: Date) -> Date {
    let until = latest.add_years(RETENTION_YEARS);
    let leap_day_rounded_down = latest.ymd().1 == 2 && latest.ymd().2 == 29 && until.ymd().2 == 28;
    let until = if leap_day_rounded_down {
        until.add_days(1)
    } else {
        until
    };
    until.min(crate::time::last_date())
}

fn csv_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

impl Ledger {
    /// Appends a caller-defined event (a stand-alone determination,
    /// screening run or note) to the audit trail; returns its seq.
    pub fn record_event(&mut self, event: &AuditEvent, user: &str, now: Timestamp) -> Result<u64> {
        self.record_events(std::slice::from_ref(event), user, now)
            .map(|v| v.first().copied().unwrap_or_default())
    }

    /// Appends several caller-defined events in one transaction (all or
    /// none); returns their seqs.
    pub fn record_events(&mut self, events: &[AuditEvent], user: &str, now: Timestamp) -> Result<Vec<u64>> {
        let user = validate::user(user)?;
        let mut prepared = Vec::with_capacity(events.len());
        for e in events {
            let kind = validate::ident("kind", &e.kind)?;
            if RESERVED_PREFIXES.iter().any(|p| kind.starts_with(p)) {
                return Err(LedgerError::ReservedAuditKind(kind));
            }
            let subject = validate::text("subject", &e.subject)?;
            let payload = serde_json::to_string(&e.payload)?;
            prepared.push((kind, subject, payload));
        }
        self.write(|tx| {
            let mut seqs = Vec::with_capacity(events.len());
            for (e, (kind, subject, payload)) in events.iter().zip(&prepared) {
                let seq = tx.append(
                    &NewRecord::new(kind, subject, payload, &user, now)
                        .event_date(e.event_date.unwrap_or(now.date()))
                        .decided_by(
                            e.engine_version.as_deref(),
                            e.ruleset_id.as_deref(),
                            e.list_snapshot_id.as_deref(),
                        ),
                )?;
                seqs.push(stored_u64(seq)?);
            }
            Ok(seqs)
        })
    }

    /// Verifies the whole chain and the state it implies, in one consistent
    /// snapshot: streams the records once, checking the chain (the first
    /// broken seq and why) and replaying them, then compares every business
    /// table with the replayed state and reports every difference (table,
    /// key, column, found, expected, the establishing records). What cannot
    /// be checked (rows established by purged records) is in `notes`.
    pub fn verify_audit(&mut self) -> Result<VerifyReport> {
        self.read(verify_conn)
    }

    /// Reads audit records with `seq` in `from..=to` (at most `limit`).
    pub fn audit_records(&mut self, from: u64, to: u64, limit: u64) -> Result<Vec<AuditRecord>> {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let to = i64::try_from(to).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!("SELECT {RECORD_COLS} FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?");
        let rows = self.conn.query(&sql, &[pi(from), pi(to), pi(limit)])?;
        rows.into_iter().map(record_from_row).collect()
    }

    /// The Part 762 retention date of records about `subject` (`order:REF`,
    /// `license:NUMBER`, …): five years after its latest qualifying event.
    pub fn retention_until(&mut self, subject: &str) -> Result<Option<Date>> {
        let row = self
            .conn
            .query_opt("SELECT latest_event FROM retention WHERE subject = ?", &[pt(subject)])?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(retention_until(crate::ledger::stored_date(&r.t(0)?)?))),
        }
    }

    /// Writes every audit record, in order, as JSON lines or CSV, each with
    /// its computed `retention_until`; returns the number written. Runs in
    /// one snapshot so the export is a consistent cut of the chain.
    pub fn export_audit(&mut self, out: &mut dyn Write, format: ExportFormat) -> Result<u64> {
        self.read(|conn| {
            let mut latest: HashMap<String, String> = HashMap::new();
            for r in conn.query("SELECT subject, latest_event FROM retention", &[])? {
                latest.insert(r.t(0)?, r.t(1)?);
            }
            let head = read_head(conn)?;
            let mut n = 0u64;
            let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
            if format == ExportFormat::Csv {
                buf.extend_from_slice(
                    b"seq,ts,user,kind,subject,event_date,retention_until,engine_version,\
                      ruleset_id,list_snapshot_id,prev_hash,hash,payload\r\n",
                );
            }
            scan(conn, head.anchor_seq, &mut |cells| {
                let rec = RecView::from_cells(cells)?;
                let latest_event = latest
                    .get(rec.subject)
                    .map_or(rec.event_date, String::as_str)
                    .max(rec.event_date);
                let until = latest_event
                    .parse::<Date>()
                    .map(|d| retention_until(d).to_string())
                    .unwrap_or_default();
                match format {
                    ExportFormat::JsonLines => {
                        let opt = |v: Option<&str>| -> Result<String> {
                            Ok(match v {
                                Some(s) => serde_json::to_string(s)?,
                                None => "null".to_string(),
                            })
                        };
                        // The payload is embedded verbatim (it is JSON
                        // already), so `payload` bytes match what was hashed.
                        writeln!(
                            buf,
                            "{{\"seq\":{},\"ts\":{},\"user\":{},\"kind\":{},\"subject\":{},\
                             \"event_date\":{},\"retention_until\":{},\"engine_version\":{},\
                             \"ruleset_id\":{},\"list_snapshot_id\":{},\"prev_hash\":{},\
                             \"hash\":{},\"payload\":{}}}",
                            rec.seq,
                            serde_json::to_string(&rec.ts)?,
                            serde_json::to_string(&rec.user)?,
                            serde_json::to_string(&rec.kind)?,
                            serde_json::to_string(&rec.subject)?,
                            serde_json::to_string(&rec.event_date)?,
                            serde_json::to_string(&until)?,
                            opt(rec.engine_version)?,
                            opt(rec.ruleset_id)?,
                            opt(rec.list_snapshot_id)?,
                            serde_json::to_string(&rec.prev_hash)?,
                            serde_json::to_string(&rec.hash)?,
                            rec.payload,
                        )?;
                    }
                    ExportFormat::Csv => {
                        buf.extend_from_slice(rec.seq.to_string().as_bytes());
                        for v in [
                            Some(rec.ts),
                            Some(rec.user),
                            Some(rec.kind),
                            Some(rec.subject),
                            Some(rec.event_date),
                            Some(until.as_str()),
                            rec.engine_version,
                            rec.ruleset_id,
                            rec.list_snapshot_id,
                            Some(rec.prev_hash),
                            Some(rec.hash),
                            Some(rec.payload),
                        ] {
                            buf.push(b',');
                            csv_field(&mut buf, v.unwrap_or(""));
                        }
                        buf.extend_from_slice(b"\r\n");
                    }
                }
                n += 1;
                if buf.len() >= 60 * 1024 {
                    out.write_all(&buf)?;
                    buf.clear();
                }
                Ok(true)
            })?;
            out.write_all(&buf)?;
            out.flush()?;
            Ok(n)
        })
    }

    /// Deletes audit records older than `before` (a prefix of the chain),
    /// keeping an anchor so the rest still verifies.
    ///
    /// Refuses — deleting nothing — when the chain or the tables do not
    /// verify ([`Ledger::verify_audit`]) or when
    /// any record in the prefix is still under Part 762 retention as of
    /// `now` (which, five years being the minimum, is every record for the
    /// first five years). The purge is itself recorded.
    pub fn purge_audit(&mut self, before: Timestamp, user: &str, now: Timestamp) -> Result<PurgeReport> {
        let user = validate::user(user)?;
        let report = self.verify_audit()?;
        if let Some(p) = report.problem {
            return Err(LedgerError::AuditBroken(p.detail));
        }
        let before_s = before.to_string();
        let threshold = retention_threshold(now.date()).to_string();
        self.write(|tx| {
            let head = read_head(tx.conn)?;
            let first_kept = tx
                .query_opt("SELECT MIN(seq) FROM audit_log WHERE ts >= ?", &[pt(&before_s)])?
                .and_then(|r| r.oi(0).ok().flatten());
            // Never purge the record the head points at: it anchors appends.
            let end = first_kept.map_or(tx.head_seq - 1, |s| s - 1).min(tx.head_seq - 1);
            if end <= head.anchor_seq {
                return Ok(PurgeReport {
                    purged: 0,
                    anchor_seq: stored_u64(head.anchor_seq)?,
                    anchor_hash: head.anchor_hash.clone(),
                });
            }
            if let Some(r) = tx.query_opt(
                "SELECT a.seq, a.subject, COALESCE(r.latest_event, a.event_date) \
                 FROM audit_log a LEFT JOIN retention r ON r.subject = a.subject \
                 WHERE a.seq > ? AND a.seq <= ? \
                 AND (a.event_date >= ? OR r.latest_event >= ?) ORDER BY a.seq LIMIT 1",
                &[pi(head.anchor_seq), pi(end), pt(&threshold), pt(&threshold)],
            )? {
                let latest = crate::ledger::stored_date(&r.t(2)?)?;
                return Err(LedgerError::UnderRetention {
                    seq: stored_u64(r.i(0)?)?,
                    subject: r.t(1)?,
                    retain_until: retention_until(latest).to_string(),
                });
            }
            let anchor_hash = tx
                .query_opt("SELECT hash FROM audit_log WHERE seq = ?", &[pi(end)])?
                .ok_or_else(|| LedgerError::Corrupt(format!("audit record {end} vanished")))?
                .t(0)?;
            let purged = tx.exec(
                "DELETE FROM audit_log WHERE seq > ? AND seq <= ?",
                &[pi(head.anchor_seq), pi(end)],
            )?;
            tx.exec(
                "UPDATE audit_head SET anchor_seq = ?, anchor_hash = ? WHERE id = 1",
                &[pi(end), pt(&anchor_hash)],
            )?;
            let payload = serde_json::json!({
                "before": before_s,
                "purged_from": head.anchor_seq + 1,
                "purged_to": end,
                "purged": purged,
                "anchor_hash": anchor_hash,
            })
            .to_string();
            tx.append(&NewRecord::new("audit.purge", "audit", &payload, &user, now))?;
            Ok(PurgeReport {
                purged,
                anchor_seq: stored_u64(end)?,
                anchor_hash,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_matches_retention_until() {
        for today in ["2030-03-01", "2030-02-28", "2029-03-01", "2031-12-31", "2028-02-29"] {
            let t: Date = today.parse().unwrap();
            let th = retention_threshold(t);
            assert!(retention_until(th) >= t);
            assert!(retention_until(th.add_days(-1)) < t, "{today}");
        }
    }

    #[test]
    fn retention_from_a_leap_day_ends_on_march_1_and_never_passes_9999() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(retention_until(d("2024-02-29")), d("2029-03-01"));
        assert_eq!(retention_until(d("2024-02-28")), d("2029-02-28"));
        assert_eq!(retention_until(d("2028-02-29")), d("2033-03-01"));
        assert_eq!(retention_until(d("2025-08-12")), d("2030-08-12"));
        assert_eq!(retention_until(d("9999-12-31")), d("9999-12-31"));
        assert_eq!(retention_until(d("9996-03-01")), d("9999-12-31"));
    }

    #[test]
    fn hash_is_length_prefixed() {
        let base = Fields {
            seq: 1,
            ts: b"a",
            user: b"bc",
            kind: b"k",
            subject: b"s",
            event_date: b"d",
            payload: b"{}",
            engine_version: None,
            ruleset_id: None,
            list_snapshot_id: None,
            prev_hash: GENESIS_HASH.as_bytes(),
        };
        let shifted = Fields {
            ts: b"ab",
            user: b"c",
            ..base
        };
        let base2 = Fields { ..base };
        assert_ne!(hash_fields(&base2), hash_fields(&shifted));
        let some_empty = Fields {
            engine_version: Some(b""),
            ..base2
        };
        let base3 = Fields {
            engine_version: None,
            ..some_empty
        };
        assert_ne!(hash_fields(&some_empty), hash_fields(&base3));
    }
}
