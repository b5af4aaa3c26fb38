//! The rows the log implies, one type per table, and what each column should hold.
//!
//! Each row type lists its non-key columns once ([`Expected::wants`]), in the order the
//! table's query selects them, as values borrowed from the row: comparing a table of a million
//! rows allocates nothing for a row that matches.

use crate::model::NacNotification;

/// What a column should hold.
#[derive(Clone, Copy)]
pub(super) enum Expect<'a> {
    /// Exactly this text, or NULL.
    Text(Option<&'a str>),
    /// Exactly this integer, or NULL.
    Int(Option<i64>),
    /// JSON: equal text, or equal once both are parsed.
    Json(&'a str),
    /// Text whose SHA-256 is this (large texts kept as digests).
    Digest(&'a [u8; 32]),
    /// This SHA-256, as lowercase hex.
    Hex(&'a [u8; 32]),
}

/// The records that established a value: one or two.
#[derive(Clone, Copy)]
pub(super) struct Seqs {
    list: [u64; 2],
    len: usize,
}

impl Seqs {
    pub(super) fn one(seq: u64) -> Seqs {
        Seqs { list: [seq, 0], len: 1 }
    }

    fn with(self, next: Option<u64>) -> Seqs {
        match next {
            Some(s) => Seqs {
                list: [self.list[0], s],
                len: 2,
            },
            None => self,
        }
    }

    pub(super) fn to_vec(self) -> Vec<u64> {
        self.list.get(..self.len).unwrap_or_default().to_vec()
    }

    pub(super) fn last(self) -> u64 {
        self.list.get(self.len.saturating_sub(1)).copied().unwrap_or_default()
    }
}

/// A column's expected value and the records that established it.
pub(super) struct Want<'a> {
    pub(super) column: &'static str,
    pub(super) value: Expect<'a>,
    pub(super) seqs: Seqs,
}

/// The columns of a row, in the order its table's query selects them.
pub(super) struct Wants<'a>(Vec<Want<'a>>);

impl<'a> Wants<'a> {
    fn new() -> Wants<'a> {
        Wants(Vec::with_capacity(17))
    }
    fn text(mut self, column: &'static str, value: Option<&'a str>, seqs: Seqs) -> Self {
        self.0.push(Want {
            column,
            value: Expect::Text(value),
            seqs,
        });
        self
    }
    fn int(mut self, column: &'static str, value: Option<i64>, seqs: Seqs) -> Self {
        self.0.push(Want {
            column,
            value: Expect::Int(value),
            seqs,
        });
        self
    }
    fn json(mut self, column: &'static str, value: &'a str, seqs: Seqs) -> Self {
        self.0.push(Want {
            column,
            value: Expect::Json(value),
            seqs,
        });
        self
    }
    fn digest(mut self, column: &'static str, value: &'a [u8; 32], seqs: Seqs) -> Self {
        self.0.push(Want {
            column,
            value: Expect::Digest(value),
            seqs,
        });
        self
    }
    fn hex(mut self, column: &'static str, value: &'a [u8; 32], seqs: Seqs) -> Self {
        self.0.push(Want {
            column,
            value: Expect::Hex(value),
            seqs,
        });
        self
    }
    pub(super) fn into_vec(self) -> Vec<Want<'a>> {
        self.0
    }
}

/// A row the log implies.
pub(super) trait Expected {
    /// The record(s) that created the row.
    fn created_by(&self) -> Vec<u64>;
    /// Its non-key columns, in the order the table's query selects them.
    fn wants(&self) -> Wants<'_>;
}

pub(super) struct LicenseRow {
    pub(super) added: u64,
    pub(super) holder: String,
    pub(super) items: String,
    pub(super) destinations: Vec<String>,
    /// `destinations` as the JSON the table holds.
    pub(super) destinations_json: String,
    pub(super) consignee: Option<String>,
    pub(super) end_user: Option<String>,
    pub(super) quantity_cap: i64,
    pub(super) value_cap: Option<i64>,
    pub(super) valid_from: String,
    pub(super) valid_to: String,
    pub(super) conditions: String,
    pub(super) created_at: String,
    pub(super) created_by: String,
    pub(super) status: &'static str,
    pub(super) status_reason: Option<String>,
    pub(super) status_seq: u64,
    pub(super) quantity_remaining: i64,
    pub(super) value_remaining: Option<i64>,
    pub(super) depleted_seq: Option<u64>,
    pub(super) updated_at: String,
    pub(super) updated_seq: u64,
}

impl Expected for LicenseRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.added]
    }
    fn wants(&self) -> Wants<'_> {
        let a = Seqs::one(self.added);
        let left = a.with(self.depleted_seq);
        let status = Seqs::one(self.status_seq);
        Wants::new()
            .text("holder", Some(&self.holder), a)
            .text("status", Some(self.status), status)
            .json("items", &self.items, a)
            .json("destinations", &self.destinations_json, a)
            .text("consignee", self.consignee.as_deref(), a)
            .text("end_user", self.end_user.as_deref(), a)
            .int("quantity_cap", Some(self.quantity_cap), a)
            .int("quantity_remaining", Some(self.quantity_remaining), left)
            .int("value_cap_cents", self.value_cap, a)
            .int("value_remaining_cents", self.value_remaining, left)
            .text("valid_from", Some(&self.valid_from), a)
            .text("valid_to", Some(&self.valid_to), a)
            .json("conditions", &self.conditions, a)
            .text("status_reason", self.status_reason.as_deref(), status)
            .text("created_at", Some(&self.created_at), a)
            .text("created_by", Some(&self.created_by), a)
            .text("updated_at", Some(&self.updated_at), Seqs::one(self.updated_seq))
    }
}

/// A `license_destinations` row: its key is all there is.
pub(super) struct DestinationRow {
    pub(super) added: u64,
}

impl Expected for DestinationRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.added]
    }
    fn wants(&self) -> Wants<'_> {
        Wants::new()
    }
}

pub(super) struct NacRow {
    pub(super) submitted: u64,
    pub(super) n: NacNotification,
    /// The notification's items as the JSON the table holds.
    pub(super) items_json: String,
    pub(super) submitted_on: String,
    pub(super) clock_ends_on: String,
    pub(super) created_at: String,
    pub(super) created_by: String,
    pub(super) updated_at: String,
    pub(super) changed: u64,
}

impl Expected for NacRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.submitted]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.submitted);
        let c = Seqs::one(self.changed);
        let n = &self.n;
        Wants::new()
            .json("items", &self.items_json, s)
            .text("destination", Some(&n.destination), s)
            .text("consignee", n.consignee.as_deref(), s)
            .text("end_user", n.end_user.as_deref(), s)
            .text("submitted_on", Some(&self.submitted_on), s)
            .text("clock_ends_on", Some(&self.clock_ends_on), s)
            .text("status", Some(n.status.as_str()), c)
            .text("nac_number", n.nac_number.as_deref(), c)
            .text("status_reason", n.status_reason.as_deref(), c)
            .text("created_at", Some(&self.created_at), s)
            .text("created_by", Some(&self.created_by), s)
            .text("updated_at", Some(&self.updated_at), c)
    }
}

pub(super) struct OrderRow {
    pub(super) first: u64,
    pub(super) request_digest: [u8; 32],
    pub(super) item_id: String,
    pub(super) destination: String,
    pub(super) quantity: i64,
    pub(super) ship_date: String,
    pub(super) status: &'static str,
    pub(super) status_seq: u64,
    pub(super) result_digest: [u8; 32],
    pub(super) checked_at: String,
    pub(super) checked_by: String,
    pub(super) check_seq: u64,
}

impl Expected for OrderRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.first]
    }
    fn wants(&self) -> Wants<'_> {
        let f = Seqs::one(self.first);
        let c = Seqs::one(self.check_seq);
        Wants::new()
            .hex("request_hash", &self.request_digest, f)
            .digest("request", &self.request_digest, f)
            .text("item_id", Some(&self.item_id), f)
            .text("destination", Some(&self.destination), f)
            .int("quantity", Some(self.quantity), f)
            .text("ship_date", Some(&self.ship_date), f)
            .text("status", Some(self.status), Seqs::one(self.status_seq))
            .digest("result", &self.result_digest, c)
            .text("checked_at", Some(&self.checked_at), c)
            .text("checked_by", Some(&self.checked_by), c)
            .int("audit_seq", i64::try_from(self.check_seq).ok(), c)
    }
}

pub(super) struct ShipmentRow {
    pub(super) seq: u64,
    pub(super) authority: String,
    pub(super) authority_kind: &'static str,
    pub(super) license_number: Option<String>,
    pub(super) quantity: i64,
    pub(super) value_cents: Option<i64>,
    pub(super) ship_date: String,
    pub(super) recorded_at: String,
}

impl Expected for ShipmentRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        Wants::new()
            .text("authority", Some(&self.authority), s)
            .text("authority_kind", Some(self.authority_kind), s)
            .text("license_number", self.license_number.as_deref(), s)
            .int("quantity", Some(self.quantity), s)
            .int("value_cents", self.value_cents, s)
            .text("ship_date", Some(&self.ship_date), s)
            .text("recorded_at", Some(&self.recorded_at), s)
            .int("audit_seq", i64::try_from(self.seq).ok(), s)
    }
}

/// A hold's release, or a route suspension's resumption.
pub(super) struct Release {
    pub(super) seq: u64,
    pub(super) at: String,
    pub(super) by: String,
    pub(super) reason: String,
}

/// The resumption of a route suspension: the same columns as a release.
pub(super) type Resume = Release;

/// The columns a release (or resumption) fills: when, by whom, why, and (holds) the record.
fn released<'a>(
    wants: Wants<'a>,
    columns: [&'static str; 3],
    seq_column: Option<&'static str>,
    r: Option<&'a Release>,
    created: u64,
) -> Wants<'a> {
    let rs = Seqs::one(r.map_or(created, |r| r.seq));
    let wants = wants
        .text(columns[0], r.map(|r| r.at.as_str()), rs)
        .text(columns[1], r.map(|r| r.by.as_str()), rs)
        .text(columns[2], r.map(|r| r.reason.as_str()), rs);
    match seq_column {
        Some(c) => wants.int(c, r.and_then(|r| i64::try_from(r.seq).ok()), rs),
        None => wants,
    }
}

pub(super) struct HoldRow {
    pub(super) seq: u64,
    pub(super) order_ref: String,
    pub(super) reasons: String,
    pub(super) held_at: String,
    pub(super) held_by: String,
    pub(super) release: Option<Release>,
}

impl Expected for HoldRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        let wants = Wants::new()
            .text("order_ref", Some(&self.order_ref), s)
            .json("reasons", &self.reasons, s)
            .text("held_at", Some(&self.held_at), s)
            .text("held_by", Some(&self.held_by), s);
        released(
            wants,
            ["released_at", "released_by", "release_reason"],
            Some("release_seq"),
            self.release.as_ref(),
            self.seq,
        )
    }
}

pub(super) struct RouteRow {
    pub(super) seq: u64,
    pub(super) item: String,
    pub(super) destination: String,
    pub(super) reason: String,
    pub(super) suspended_at: String,
    pub(super) suspended_by: String,
    pub(super) resume: Option<Resume>,
}

impl Expected for RouteRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        let wants = Wants::new()
            .text("item", Some(&self.item), s)
            .text("destination", Some(&self.destination), s)
            .text("reason", Some(&self.reason), s)
            .text("suspended_at", Some(&self.suspended_at), s)
            .text("suspended_by", Some(&self.suspended_by), s);
        released(
            wants,
            ["resumed_at", "resumed_by", "resume_reason"],
            None,
            self.resume.as_ref(),
            self.seq,
        )
    }
}

/// A party (`parties`), from its `party.add` record. Its screening status (`status`,
/// `screened_snapshot`, `screened_at`) is not checked: a `party.screen` record lists the new
/// hits of a screening, not every party's result.
pub(super) struct PartyRow {
    pub(super) seq: u64,
    pub(super) external_id: Option<String>,
    pub(super) name: String,
    pub(super) country: Option<String>,
    pub(super) identifiers: String,
    pub(super) owners: String,
    pub(super) created_at: String,
    pub(super) created_by: String,
}

impl Expected for PartyRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        Wants::new()
            .text("external_id", self.external_id.as_deref(), s)
            .text("name", Some(&self.name), s)
            .text("country", self.country.as_deref(), s)
            .json("identifiers", &self.identifiers, s)
            .json("owners", &self.owners, s)
            .text("created_at", Some(&self.created_at), s)
            .text("created_by", Some(&self.created_by), s)
            .int("audit_seq", i64::try_from(self.seq).ok(), s)
    }
}

/// A party's clearance of a hit (`party_clearances`), from its latest `review.clear` record
/// (a `review.escalate` removes it).
pub(super) struct ClearanceRow {
    pub(super) seq: u64,
    pub(super) entry_hash: String,
    pub(super) reason: String,
    pub(super) reviewer: String,
    pub(super) expires: Option<String>,
    pub(super) cleared_at: String,
}

impl Expected for ClearanceRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        Wants::new()
            .text("entry_hash", Some(&self.entry_hash), s)
            .text("reason", Some(&self.reason), s)
            .text("reviewer", Some(&self.reviewer), s)
            .text("expires", self.expires.as_deref(), s)
            .text("cleared_at", Some(&self.cleared_at), s)
            .int("audit_seq", i64::try_from(self.seq).ok(), s)
    }
}

/// A stored list snapshot (`list_snapshots`), from its `list.import` record (its `diff` is
/// not in the record and is not checked).
pub(super) struct SnapshotRow {
    pub(super) seq: u64,
    pub(super) source_date: String,
    pub(super) files: String,
    pub(super) counts: String,
    pub(super) entry_count: i64,
    pub(super) forced: String,
    pub(super) imported_at: String,
    pub(super) imported_by: String,
}

impl Expected for SnapshotRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        Wants::new()
            .text("source_date", Some(&self.source_date), s)
            .json("files", &self.files, s)
            .json("counts", &self.counts, s)
            .int("entry_count", Some(self.entry_count), s)
            .json("forced", &self.forced, s)
            .text("imported_at", Some(&self.imported_at), s)
            .text("imported_by", Some(&self.imported_by), s)
            .int("import_seq", i64::try_from(self.seq).ok(), s)
    }
}

/// The active list snapshot (`list_active`), from the latest `list.activate` record.
pub(super) struct ActiveRow {
    pub(super) seq: u64,
    pub(super) snapshot_id: String,
    pub(super) activated_at: String,
    pub(super) activated_by: String,
}

impl Expected for ActiveRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Wants<'_> {
        let s = Seqs::one(self.seq);
        Wants::new()
            .text("snapshot_id", Some(&self.snapshot_id), s)
            .text("activated_at", Some(&self.activated_at), s)
            .text("activated_by", Some(&self.activated_by), s)
            .int("audit_seq", i64::try_from(self.seq).ok(), s)
    }
}
