//! Expected rows ↔ tables: one phase per table, every difference reported.

use std::borrow::Cow;
use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::rows::{DestinationRow, Expect, Expected};
use super::{order_texts, Map, OrderChecked, Replay};
use crate::db::{pi, CellRef, Conn};
use crate::error::Result;
use crate::migrate::hex;
use crate::model::{StateDiff, StateDifference, TamperFinding, TamperKind};

/// How one table is read: the key column(s) first, then the columns its
/// [`Expected::wants`] lists, in that order.
struct Table {
    name: &'static str,
    sql: &'static str,
    key_cols: usize,
    /// The column (index in the row) holding the seq that created the row,
    /// to tell rows established before a purge anchor; `None`: unknowable.
    origin: Option<usize>,
}

const LICENSES: Table = Table {
    name: "licenses",
    sql: "SELECT number, holder, status, items, destinations, consignee, end_user, quantity_cap, \
          quantity_remaining, value_cap_cents, value_remaining_cents, valid_from, valid_to, conditions, \
          status_reason, created_at, created_by, updated_at FROM licenses ORDER BY number",
    key_cols: 1,
    origin: None,
};

const LICENSE_DESTINATIONS: Table = Table {
    name: "license_destinations",
    sql: "SELECT license_number, destination FROM license_destinations ORDER BY license_number, destination",
    key_cols: 2,
    origin: None,
};

const NACS: Table = Table {
    name: "nac_notifications",
    sql: "SELECT id, items, destination, consignee, end_user, submitted_on, clock_ends_on, status, nac_number, \
          status_reason, created_at, created_by, updated_at FROM nac_notifications ORDER BY id",
    key_cols: 1,
    origin: None,
};

const ORDERS: Table = Table {
    name: "orders",
    sql: "SELECT order_ref, request_hash, request, item_id, destination, quantity, ship_date, status, result, \
          checked_at, checked_by, audit_seq FROM orders ORDER BY order_ref",
    key_cols: 1,
    origin: Some(11),
};

const SHIPMENTS: Table = Table {
    name: "shipments",
    sql: "SELECT order_ref, authority, authority_kind, license_number, quantity, value_cents, ship_date, \
          recorded_at, audit_seq FROM shipments ORDER BY order_ref",
    key_cols: 1,
    origin: Some(8),
};

const HOLDS: Table = Table {
    name: "holds",
    sql: "SELECT hold_id, order_ref, reasons, held_at, held_by, released_at, released_by, release_reason, \
          release_seq FROM holds ORDER BY hold_id",
    key_cols: 1,
    origin: Some(0),
};

const ROUTES: Table = Table {
    name: "route_suspensions",
    sql: "SELECT id, item, destination, reason, suspended_at, suspended_by, resumed_at, resumed_by, \
          resume_reason FROM route_suspensions ORDER BY id",
    key_cols: 1,
    origin: Some(0),
};

const PARTIES: Table = Table {
    name: "parties",
    sql: "SELECT id, external_id, name, country, identifiers, owners, created_at, created_by, audit_seq \
          FROM parties ORDER BY id",
    key_cols: 1,
    origin: Some(8),
};

const PARTY_CLEARANCES: Table = Table {
    name: "party_clearances",
    sql: "SELECT party_id, entry_key, entry_hash, reason, reviewer, expires, cleared_at, audit_seq \
          FROM party_clearances ORDER BY party_id, entry_key",
    key_cols: 2,
    origin: Some(7),
};

const LIST_SNAPSHOTS: Table = Table {
    name: "list_snapshots",
    sql: "SELECT id, source_date, files, counts, entry_count, forced, imported_at, imported_by, import_seq \
          FROM list_snapshots ORDER BY id",
    key_cols: 1,
    origin: Some(8),
};

const LIST_ACTIVE: Table = Table {
    name: "list_active",
    sql: "SELECT id, snapshot_id, activated_at, activated_by, audit_seq FROM list_active ORDER BY id",
    key_cols: 1,
    origin: Some(4),
};

/// Findings collected over all tables.
struct Findings {
    head_seq: u64,
    anchor: u64,
    incomplete: bool,
    list: Vec<TamperFinding>,
    /// Rows not checked (established before the anchor), per table.
    unchecked: BTreeMap<&'static str, u64>,
    /// `(finding index, seq, column)` of order texts to read back.
    fill: Vec<(usize, u64, &'static str)>,
}

impl Replay {
    /// Compares every business table with the replayed state; returns every
    /// difference and the notes on what could not be checked.
    pub(crate) fn compare(mut self, conn: &mut Conn, head_seq: u64) -> Result<(Vec<TamperFinding>, Vec<String>)> {
        let mut f = Findings {
            head_seq,
            anchor: self.anchor,
            incomplete: self.incomplete,
            list: Vec::new(),
            unchecked: BTreeMap::new(),
            fill: Vec::new(),
        };
        let destinations: Map<DestinationRow> = self
            .licenses
            .iter()
            .flat_map(|(n, l)| {
                l.destinations
                    .iter()
                    .map(move |d| (format!("{n}/{d}"), DestinationRow { added: l.added }))
            })
            .collect();
        compare_table(conn, &LICENSES, std::mem::take(&mut self.licenses), &mut f)?;
        compare_table(conn, &LICENSE_DESTINATIONS, destinations, &mut f)?;
        compare_table(conn, &NACS, std::mem::take(&mut self.nacs), &mut f)?;
        compare_table(conn, &ORDERS, std::mem::take(&mut self.orders), &mut f)?;
        fill_order_texts(conn, &mut f)?;
        compare_table(conn, &SHIPMENTS, std::mem::take(&mut self.shipments), &mut f)?;
        compare_table(conn, &HOLDS, std::mem::take(&mut self.holds), &mut f)?;
        compare_table(conn, &ROUTES, std::mem::take(&mut self.routes), &mut f)?;
        compare_table(conn, &PARTIES, std::mem::take(&mut self.parties), &mut f)?;
        compare_table(conn, &PARTY_CLEARANCES, std::mem::take(&mut self.clearances), &mut f)?;
        compare_table(conn, &LIST_SNAPSHOTS, std::mem::take(&mut self.snapshots), &mut f)?;
        compare_table(conn, &LIST_ACTIVE, std::mem::take(&mut self.active), &mut f)?;
        for (table, n) in &f.unchecked {
            self.notes.push(format!(
                "{n} {table} row(s) were established by records no longer in the log (purged up to record {}) \
                 or not readable, and are not checked",
                f.anchor
            ));
        }
        Ok((f.list, self.notes))
    }
}

/// A cell as text (integers in decimal), `None` for NULL.
fn cell_text(c: CellRef<'_>) -> Result<Option<Cow<'_, str>>> {
    Ok(match c {
        CellRef::Null => None,
        CellRef::Int(v) => Some(Cow::Owned(v.to_string())),
        other => other.ot()?.map(Cow::Borrowed),
    })
}

/// Table rows copied out of the driver's buffer, for the comparing thread.
#[derive(Default)]
struct RowBatch {
    data: Vec<u8>,
    cells: Vec<OwnedCell>,
    rows: usize,
}

#[derive(Clone, Copy)]
enum OwnedCell {
    Null,
    Int(i64),
    Text(usize, usize),
}

/// Rows per batch handed to the comparing thread.
const COMPARE_BATCH: usize = 1024;

impl RowBatch {
    fn push(&mut self, cells: &[CellRef<'_>]) -> Result<()> {
        for c in cells {
            self.cells.push(match c {
                CellRef::Null => OwnedCell::Null,
                CellRef::Int(v) => OwnedCell::Int(*v),
                other => {
                    let b = other.b()?;
                    let start = self.data.len();
                    self.data.extend_from_slice(b);
                    OwnedCell::Text(start, self.data.len())
                }
            });
        }
        self.rows += 1;
        Ok(())
    }

    /// Each row's cells, borrowed again.
    fn each(&self, ncols: usize, f: &mut dyn FnMut(&[CellRef<'_>]) -> Result<()>) -> Result<()> {
        let mut row: Vec<CellRef<'_>> = Vec::with_capacity(ncols);
        for cells in self.cells.chunks(ncols.max(1)) {
            row.clear();
            row.extend(cells.iter().map(|c| match *c {
                OwnedCell::Null => CellRef::Null,
                OwnedCell::Int(v) => CellRef::Int(v),
                OwnedCell::Text(s, e) => CellRef::Raw(self.data.get(s..e).unwrap_or_default()),
            }));
            f(&row)?;
        }
        Ok(())
    }
}

/// Reads `t` row by row, comparing each with the row the log implies, then
/// reports the implied rows the table lacks. This thread reads the rows; another compares
/// them (it owns the expected rows).
fn compare_table<R: Expected + Send>(conn: &mut Conn, t: &Table, expected: Map<R>, f: &mut Findings) -> Result<()> {
    let mut local = Findings {
        head_seq: f.head_seq,
        anchor: f.anchor,
        incomplete: f.incomplete,
        list: Vec::new(),
        unchecked: BTreeMap::new(),
        fill: Vec::new(),
    };
    let local = std::thread::scope(|s| -> Result<Findings> {
        let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(RowBatch, usize)>(4);
        let worker = s.spawn(move || -> Result<Findings> {
            let mut expected = expected;
            for (batch, ncols) in work_rx {
                batch.each(ncols, &mut |cells| compare_one(t, cells, &mut expected, &mut local))?;
            }
            let mut missing: Vec<(String, R)> = expected.into_iter().collect();
            missing.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, row) in missing {
                let seqs = row.created_by();
                let seq = seqs.first().copied().unwrap_or_default();
                local
                    .list
                    .push(state_finding(seq, t.name, key, StateDiff::MissingRow, seqs));
            }
            Ok(local)
        });
        let mut batch = RowBatch::default();
        let mut ncols = 0;
        let scanned = conn.query_each(t.sql, &[], &mut |cells| {
            ncols = cells.len();
            batch.push(cells)?;
            if batch.rows >= COMPARE_BATCH {
                work_tx
                    .send((std::mem::take(&mut batch), ncols))
                    .map_err(|_| crate::error::LedgerError::Corrupt("the comparing thread stopped".into()))?;
            }
            Ok(true)
        });
        if batch.rows > 0 && scanned.is_ok() {
            let _ = work_tx.send((batch, ncols));
        }
        drop(work_tx);
        let local = worker
            .join()
            .map_err(|_| crate::error::LedgerError::Corrupt("the comparing thread failed".into()))??;
        scanned.map(|_| local)
    })?;
    let base = f.list.len();
    f.list.extend(local.list);
    for (table, n) in local.unchecked {
        *f.unchecked.entry(table).or_default() += n;
    }
    f.fill
        .extend(local.fill.into_iter().map(|(i, seq, column)| (base + i, seq, column)));
    Ok(())
}

/// Compares one table row with the row the log implies (taken out of `expected`).
fn compare_one<R: Expected>(t: &Table, cells: &[CellRef<'_>], expected: &mut Map<R>, f: &mut Findings) -> Result<()> {
    let single = if t.key_cols == 1 {
        match cells.first() {
            Some(c @ CellRef::Raw(_)) => Some(c.t()?),
            _ => None,
        }
    } else {
        None
    };
    let owned;
    let key: &str = match single {
        Some(k) => k,
        None => {
            let mut k = String::new();
            for (i, c) in cells.iter().take(t.key_cols).enumerate() {
                if i > 0 {
                    k.push('/');
                }
                k.push_str(&cell_text(*c)?.unwrap_or_default());
            }
            owned = k;
            &owned
        }
    };
    match expected.remove(key) {
        Some(row) => compare_row(t, key, &row, cells.get(t.key_cols..).unwrap_or_default(), f)?,
        None if unknowable(t, cells, f)? => *f.unchecked.entry(t.name).or_default() += 1,
        None => f.list.push(state_finding(
            f.head_seq,
            t.name,
            key.to_owned(),
            StateDiff::ExtraRow,
            Vec::new(),
        )),
    }
    Ok(())
}

/// Whether a row the log does not imply may have been established by a
/// record that is gone (purged or unreadable).
fn unknowable(t: &Table, cells: &[CellRef<'_>], f: &Findings) -> Result<bool> {
    if f.incomplete {
        return Ok(true);
    }
    if f.anchor == 0 {
        return Ok(false);
    }
    Ok(match t.origin.and_then(|i| cells.get(i)) {
        Some(c) => c
            .i()
            .map_or(true, |seq| u64::try_from(seq).map_or(true, |s| s <= f.anchor)),
        None => true,
    })
}

fn compare_row<R: Expected>(t: &Table, key: &str, row: &R, cells: &[CellRef<'_>], f: &mut Findings) -> Result<()> {
    for (w, c) in row.wants().into_vec().into_iter().zip(cells) {
        if same(w.value, *c)? {
            continue;
        }
        let seq = w.seqs.last();
        if matches!(w.value, Expect::Digest(_)) {
            f.fill.push((f.list.len(), seq, w.column));
        }
        let expected = expected_text(w.value);
        let diff = StateDiff::Column {
            column: w.column.to_owned(),
            found: cell_text(*c)?.map(Cow::into_owned),
            expected,
        };
        f.list
            .push(state_finding(seq, t.name, key.to_owned(), diff, w.seqs.to_vec()));
    }
    Ok(())
}

/// Whether a cell holds what is expected (without allocating, for the common case).
fn same(value: Expect<'_>, cell: CellRef<'_>) -> Result<bool> {
    let text = match cell {
        CellRef::Null => {
            return Ok(matches!(value, Expect::Text(None) | Expect::Int(None)));
        }
        CellRef::Int(v) => {
            return Ok(match value {
                Expect::Int(e) => e == Some(v),
                // An integer where text is expected: compared as its decimal text.
                other => match expected_text(other) {
                    Some(e) => e == v.to_string(),
                    None => false,
                },
            });
        }
        other => other.t()?,
    };
    Ok(match value {
        Expect::Text(e) => e == Some(text),
        Expect::Int(e) => e.is_some_and(|v| v.to_string() == text),
        Expect::Json(e) => e == text || json_eq(e, text),
        Expect::Digest(d) => Sha256::digest(text.as_bytes()).as_slice() == d,
        Expect::Hex(d) => text.len() == 64 && text.as_bytes() == hex_digits(d),
    })
}

/// An expected value as text (digests have none here: their text is read back from the log).
fn expected_text(value: Expect<'_>) -> Option<String> {
    match value {
        Expect::Text(e) => e.map(str::to_owned),
        Expect::Int(e) => e.map(|v| v.to_string()),
        Expect::Json(e) => Some(e.to_owned()),
        Expect::Hex(d) => Some(hex(d)),
        Expect::Digest(_) => None,
    }
}

/// A digest as lowercase hex, on the stack.
fn hex_digits(d: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

fn json_eq(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Reads back, from their records, the expected text of order requests and
/// results kept only as digests.
fn fill_order_texts(conn: &mut Conn, f: &mut Findings) -> Result<()> {
    for (i, seq, column) in std::mem::take(&mut f.fill) {
        let Some(row) = conn.query_opt(
            "SELECT payload, ts FROM audit_log WHERE seq = ?",
            &[pi(i64::try_from(seq).unwrap_or(i64::MAX))],
        )?
        else {
            continue;
        };
        let p: OrderChecked = serde_json::from_str(&row.t(0)?)?;
        let (request, result) = order_texts(p, seq, &row.t(1)?)?;
        let text = if column == "request" { request } else { result };
        if let Some(finding) = f.list.get_mut(i) {
            if let Some(StateDifference {
                table,
                key,
                diff: StateDiff::Column { column, found, .. },
                seqs,
            }) = finding.state.take()
            {
                let diff = StateDiff::Column {
                    column,
                    found,
                    expected: Some(text),
                };
                *finding = state_finding(finding.seq, &table, key, diff, seqs);
            }
        }
    }
    Ok(())
}

fn shown(v: Option<&str>) -> String {
    match v {
        None => "NULL".to_owned(),
        Some(s) if s.chars().count() > 80 => format!("`{}…`", s.chars().take(80).collect::<String>()),
        Some(s) => format!("`{s}`"),
    }
}

fn records(seqs: &[u64]) -> String {
    let list: Vec<String> = seqs.iter().map(u64::to_string).collect();
    match list.len() {
        1 => format!("record {}", list.join("")),
        _ => format!("records {}", list.join(", ")),
    }
}

fn state_finding(seq: u64, table: &str, key: String, diff: StateDiff, seqs: Vec<u64>) -> TamperFinding {
    let detail = match &diff {
        StateDiff::Column {
            column,
            found,
            expected,
        } => format!(
            "{table} `{key}`: {column} is {}, but the log implies {} ({})",
            shown(found.as_deref()),
            match (expected, seqs.last()) {
                (Some(e), _) => shown(Some(e)),
                (None, Some(s)) => format!("the value written by record {s}"),
                (None, None) => "NULL".to_owned(),
            },
            records(&seqs)
        ),
        StateDiff::MissingRow => format!("{table} `{key}` is missing: {} created it (deleted)", records(&seqs)),
        StateDiff::ExtraRow => format!("{table} `{key}` is explained by no audit record (inserted)"),
    };
    TamperFinding {
        seq,
        kind: TamperKind::StateDiffers,
        detail,
        state: Some(StateDifference {
            table: table.to_owned(),
            key,
            diff,
            seqs,
        }),
    }
}
