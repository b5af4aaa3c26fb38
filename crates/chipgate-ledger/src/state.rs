//! Verification of the business tables against the audit log.
//!
//! Every state change appends its audit record in the transaction that
//! changes the tables, and the record's payload carries what the change
//! wrote, so each business row is a function of the log. [`Replay`] folds the
//! records, in seq order, into the rows they imply (one phase per kind of
//! record: `license_add`, `order_check`, `hold_release`, …); [`Replay::compare`]
//! then reads each table (one phase per table) and reports **every** column
//! that differs, every row the log implies but the table lacks and every row
//! no record explains, naming the record(s) that established the expected
//! value.
//!
//! # What each table is rebuilt from
//! | table | records | columns from the record itself |
//! |---|---|---|
//! | `licenses` | `license.add` (the whole license), `license.grant/reject/suspend/resume/revoke` (status, reason), `order.shipped` against it (remaining quantity and value) | `created_at/by`, `updated_at` |
//! | `license_destinations` | `license.add` (its destinations) | — |
//! | `nac_notifications` | `nac.submit` (the notification), `nac.clear/reject` (status, number, reason) | `created_at/by`, `updated_at` |
//! | `orders` | `order.shipped/held` (the request and result), `hold.release` (status `released`) | `checked_at/by`, `audit_seq`, the result's `audit_seq` and `checked_at` |
//! | `shipments` | `order.shipped` (authorization, quantity, value, date) | `recorded_at`, `audit_seq` |
//! | `holds` | `order.held` (reasons), `hold.release` (release reason) | `hold_id`, `held_at/by`, `released_at/by`, `release_seq` |
//! | `route_suspensions` | `route.suspend`, `route.resume` (item, destination, reasons) | `id`, `suspended_at/by`, `resumed_at/by` |
//!
//! Every version of the ledger has written these payloads, so every record
//! can be replayed. What cannot be checked is reported as a note, not a
//! failure: rows established by records before the purge anchor (the records
//! are gone: a row whose creating seq is at or before the anchor, and every
//! license or NAC notification not created after it), and rows of a record
//! whose payload this version cannot read. The `retention` table is not
//! checked here.
//!
//! Memory grows with the number of rows (an order keeps digests of its
//! request and result, not their text); the expected text of a differing
//! request or result is read back from its record.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::{pi, CellRef, Conn};
use crate::error::{LedgerError, Result};
use crate::migrate::hex;
use crate::model::{
    Authorization, Disposition, License, LicenseStatus, NacNotification, OrderRequest, OrderResult, StateDiff,
    StateDifference, TamperFinding, TamperKind,
};
use crate::time::Timestamp;

/// One audit record as replay reads it (bytes borrowed from the scan).
pub(crate) struct Record<'a> {
    pub seq: u64,
    pub ts: &'a [u8],
    pub user: &'a [u8],
    pub kind: &'a [u8],
    pub payload: &'a [u8],
}

impl Record<'_> {
    fn ts(&self) -> Result<&str> {
        utf8(self.ts, "ts")
    }
    fn user(&self) -> Result<String> {
        utf8(self.user, "user_name").map(str::to_owned)
    }
}

fn utf8<'a>(b: &'a [u8], field: &str) -> Result<&'a str> {
    std::str::from_utf8(b).map_err(|_| LedgerError::Corrupt(format!("audit {field} is not UTF-8")))
}

// ---------------------------------------------------------------------------
// Payloads (only the fields replay needs; the rest is skipped)
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct LicenseAdded {
    license: License,
}

#[derive(Deserialize)]
struct LicenseChanged {
    to: LicenseStatus,
    license: License,
}

#[derive(Deserialize)]
struct NacChanged {
    notification: NacNotification,
}

#[derive(Deserialize)]
struct OrderChecked {
    request: OrderRequest,
    result: Disposition,
}

#[derive(Deserialize)]
struct HoldReleased {
    order_ref: String,
    hold_id: u64,
    release_reason: String,
}

#[derive(Deserialize)]
struct RouteSuspended {
    item: String,
    destination: String,
    reason: String,
}

#[derive(Deserialize)]
struct RouteResumedPayload {
    suspension_id: u64,
    reason: String,
}

// ---------------------------------------------------------------------------
// Expected rows
// ---------------------------------------------------------------------------

/// What a column should hold.
enum Expect {
    /// Exactly this text (integers as decimal), or NULL.
    Text(Option<String>),
    /// JSON: equal text, or equal once both are parsed.
    Json(String),
    /// Text whose SHA-256 is this (large texts kept as digests).
    Digest([u8; 32]),
}

/// A column's expected value and the records that established it.
struct Want {
    column: &'static str,
    value: Expect,
    seqs: Vec<u64>,
}

fn want(column: &'static str, value: Option<String>, seqs: &[u64]) -> Want {
    Want {
        column,
        value: Expect::Text(value),
        seqs: seqs.to_vec(),
    }
}

fn want_json(column: &'static str, value: String, seqs: &[u64]) -> Want {
    Want {
        column,
        value: Expect::Json(value),
        seqs: seqs.to_vec(),
    }
}

/// A row the log implies.
trait Expected {
    /// The record(s) that created the row.
    fn created_by(&self) -> Vec<u64>;
    /// Its non-key columns, in the order the table's query selects them.
    fn wants(&self) -> Vec<Want>;
}

struct LicenseRow {
    added: u64,
    holder: String,
    items: String,
    destinations: Vec<String>,
    consignee: Option<String>,
    end_user: Option<String>,
    quantity_cap: i64,
    value_cap: Option<i64>,
    valid_from: String,
    valid_to: String,
    conditions: String,
    created_at: String,
    created_by: String,
    status: &'static str,
    status_reason: Option<String>,
    status_seq: u64,
    quantity_remaining: i64,
    value_remaining: Option<i64>,
    depleted_seq: Option<u64>,
    updated_at: String,
    updated_seq: u64,
}

impl Expected for LicenseRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.added]
    }
    fn wants(&self) -> Vec<Want> {
        let a = &[self.added][..];
        let left: Vec<u64> = std::iter::once(self.added).chain(self.depleted_seq).collect();
        let destinations = serde_json::to_string(&self.destinations).unwrap_or_default();
        vec![
            want("holder", Some(self.holder.clone()), a),
            want("status", Some(self.status.to_owned()), &[self.status_seq]),
            want_json("items", self.items.clone(), a),
            want_json("destinations", destinations, a),
            want("consignee", self.consignee.clone(), a),
            want("end_user", self.end_user.clone(), a),
            want("quantity_cap", Some(self.quantity_cap.to_string()), a),
            want("quantity_remaining", Some(self.quantity_remaining.to_string()), &left),
            want("value_cap_cents", self.value_cap.map(|v| v.to_string()), a),
            want(
                "value_remaining_cents",
                self.value_remaining.map(|v| v.to_string()),
                &left,
            ),
            want("valid_from", Some(self.valid_from.clone()), a),
            want("valid_to", Some(self.valid_to.clone()), a),
            want_json("conditions", self.conditions.clone(), a),
            want("status_reason", self.status_reason.clone(), &[self.status_seq]),
            want("created_at", Some(self.created_at.clone()), a),
            want("created_by", Some(self.created_by.clone()), a),
            want("updated_at", Some(self.updated_at.clone()), &[self.updated_seq]),
        ]
    }
}

/// A `license_destinations` row: its key is all there is.
struct DestinationRow {
    added: u64,
}

impl Expected for DestinationRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.added]
    }
    fn wants(&self) -> Vec<Want> {
        Vec::new()
    }
}

struct NacRow {
    submitted: u64,
    n: NacNotification,
    created_at: String,
    created_by: String,
    updated_at: String,
    changed: u64,
}

impl Expected for NacRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.submitted]
    }
    fn wants(&self) -> Vec<Want> {
        let s = &[self.submitted][..];
        let c = &[self.changed][..];
        let n = &self.n;
        vec![
            want_json("items", serde_json::to_string(&n.items).unwrap_or_default(), s),
            want("destination", Some(n.destination.clone()), s),
            want("consignee", n.consignee.clone(), s),
            want("end_user", n.end_user.clone(), s),
            want("submitted_on", Some(n.submitted_on.to_string()), s),
            want("clock_ends_on", Some(n.clock_ends_on.to_string()), s),
            want("status", Some(n.status.as_str().to_owned()), c),
            want("nac_number", n.nac_number.clone(), c),
            want("status_reason", n.status_reason.clone(), c),
            want("created_at", Some(self.created_at.clone()), s),
            want("created_by", Some(self.created_by.clone()), s),
            want("updated_at", Some(self.updated_at.clone()), c),
        ]
    }
}

struct OrderRow {
    first: u64,
    request_digest: [u8; 32],
    item_id: String,
    destination: String,
    quantity: i64,
    ship_date: String,
    status: &'static str,
    status_seq: u64,
    result_digest: [u8; 32],
    checked_at: String,
    checked_by: String,
    check_seq: u64,
}

impl Expected for OrderRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.first]
    }
    fn wants(&self) -> Vec<Want> {
        let f = &[self.first][..];
        let c = &[self.check_seq][..];
        vec![
            want("request_hash", Some(hex(&self.request_digest)), f),
            Want {
                column: "request",
                value: Expect::Digest(self.request_digest),
                seqs: f.to_vec(),
            },
            want("item_id", Some(self.item_id.clone()), f),
            want("destination", Some(self.destination.clone()), f),
            want("quantity", Some(self.quantity.to_string()), f),
            want("ship_date", Some(self.ship_date.clone()), f),
            want("status", Some(self.status.to_owned()), &[self.status_seq]),
            Want {
                column: "result",
                value: Expect::Digest(self.result_digest),
                seqs: c.to_vec(),
            },
            want("checked_at", Some(self.checked_at.clone()), c),
            want("checked_by", Some(self.checked_by.clone()), c),
            want("audit_seq", Some(self.check_seq.to_string()), c),
        ]
    }
}

struct ShipmentRow {
    seq: u64,
    authority: String,
    authority_kind: &'static str,
    license_number: Option<String>,
    quantity: i64,
    value_cents: Option<i64>,
    ship_date: String,
    recorded_at: String,
}

impl Expected for ShipmentRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Vec<Want> {
        let s = &[self.seq][..];
        vec![
            want("authority", Some(self.authority.clone()), s),
            want("authority_kind", Some(self.authority_kind.to_owned()), s),
            want("license_number", self.license_number.clone(), s),
            want("quantity", Some(self.quantity.to_string()), s),
            want("value_cents", self.value_cents.map(|v| v.to_string()), s),
            want("ship_date", Some(self.ship_date.clone()), s),
            want("recorded_at", Some(self.recorded_at.clone()), s),
            want("audit_seq", Some(self.seq.to_string()), s),
        ]
    }
}

struct Release {
    seq: u64,
    at: String,
    by: String,
    reason: String,
}

struct HoldRow {
    seq: u64,
    order_ref: String,
    reasons: String,
    held_at: String,
    held_by: String,
    release: Option<Release>,
}

impl Expected for HoldRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Vec<Want> {
        let s = &[self.seq][..];
        let r = self.release.as_ref();
        let rs = &[r.map_or(self.seq, |r| r.seq)][..];
        vec![
            want("order_ref", Some(self.order_ref.clone()), s),
            want_json("reasons", self.reasons.clone(), s),
            want("held_at", Some(self.held_at.clone()), s),
            want("held_by", Some(self.held_by.clone()), s),
            want("released_at", r.map(|r| r.at.clone()), rs),
            want("released_by", r.map(|r| r.by.clone()), rs),
            want("release_reason", r.map(|r| r.reason.clone()), rs),
            want("release_seq", r.map(|r| r.seq.to_string()), rs),
        ]
    }
}

struct Resume {
    seq: u64,
    at: String,
    by: String,
    reason: String,
}

struct RouteRow {
    seq: u64,
    item: String,
    destination: String,
    reason: String,
    suspended_at: String,
    suspended_by: String,
    resume: Option<Resume>,
}

impl Expected for RouteRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.seq]
    }
    fn wants(&self) -> Vec<Want> {
        let s = &[self.seq][..];
        let r = self.resume.as_ref();
        let rs = &[r.map_or(self.seq, |r| r.seq)][..];
        vec![
            want("item", Some(self.item.clone()), s),
            want("destination", Some(self.destination.clone()), s),
            want("reason", Some(self.reason.clone()), s),
            want("suspended_at", Some(self.suspended_at.clone()), s),
            want("suspended_by", Some(self.suspended_by.clone()), s),
            want("resumed_at", r.map(|r| r.at.clone()), rs),
            want("resumed_by", r.map(|r| r.by.clone()), rs),
            want("resume_reason", r.map(|r| r.reason.clone()), rs),
        ]
    }
}

// ---------------------------------------------------------------------------
// Replay: records → expected rows
// ---------------------------------------------------------------------------

/// The state the log implies, built record by record.
pub(crate) struct Replay {
    /// Records up to this seq were purged: rows they established are unknown.
    anchor: u64,
    /// A record could not be read: rows it established are unknown.
    incomplete: bool,
    licenses: HashMap<String, LicenseRow>,
    nacs: HashMap<String, NacRow>,
    orders: HashMap<String, OrderRow>,
    shipments: HashMap<String, ShipmentRow>,
    holds: HashMap<String, HoldRow>,
    routes: HashMap<String, RouteRow>,
    notes: Vec<String>,
}

impl Replay {
    pub(crate) fn new(anchor: u64) -> Replay {
        Replay {
            anchor,
            incomplete: false,
            licenses: HashMap::new(),
            nacs: HashMap::new(),
            orders: HashMap::new(),
            shipments: HashMap::new(),
            holds: HashMap::new(),
            routes: HashMap::new(),
            notes: Vec::new(),
        }
    }

    /// Folds one record into the expected state. Kinds that change no table
    /// (`audit.purge`, caller events) are skipped without reading the payload.
    pub(crate) fn apply(&mut self, rec: &Record<'_>) {
        let res = match rec.kind {
            b"license.add" => self.license_add(rec),
            b"license.grant" | b"license.reject" | b"license.suspend" | b"license.resume" | b"license.revoke" => {
                self.license_change(rec)
            }
            b"order.shipped" | b"order.held" => self.order_check(rec),
            b"hold.release" => self.hold_release(rec),
            b"route.suspend" => self.route_suspend(rec),
            b"route.resume" => self.route_resume(rec),
            b"nac.submit" => self.nac_submit(rec),
            b"nac.clear" | b"nac.reject" => self.nac_change(rec),
            _ => Ok(()),
        };
        if let Err(e) = res {
            self.incomplete = true;
            self.notes.push(format!(
                "record {} ({}) could not be replayed: {e}; rows it established are not checked",
                rec.seq,
                String::from_utf8_lossy(rec.kind)
            ));
        }
    }

    /// A record changes a row no earlier record created: expected after a
    /// purge, a log inconsistency otherwise.
    fn unknown(&mut self, rec: &Record<'_>, what: &str, key: &str) {
        if self.anchor == 0 {
            self.notes.push(format!(
                "record {} ({}) changes {what} `{key}`, which no earlier record created",
                rec.seq,
                String::from_utf8_lossy(rec.kind)
            ));
        }
    }

    fn license_add(&mut self, rec: &Record<'_>) -> Result<()> {
        let l = serde_json::from_slice::<LicenseAdded>(rec.payload)?.license;
        let ts = rec.ts()?.to_owned();
        let row = LicenseRow {
            added: rec.seq,
            holder: l.holder,
            items: serde_json::to_string(&l.items)?,
            destinations: l.destinations,
            consignee: l.consignee,
            end_user: l.end_user,
            quantity_cap: l.quantity_cap,
            value_cap: l.value_cap_cents,
            valid_from: l.valid_from.to_string(),
            valid_to: l.valid_to.to_string(),
            conditions: serde_json::to_string(&l.conditions)?,
            created_at: ts.clone(),
            created_by: rec.user()?,
            status: l.stored_status.as_str(),
            status_reason: l.status_reason,
            status_seq: rec.seq,
            quantity_remaining: l.quantity_cap,
            value_remaining: l.value_cap_cents,
            depleted_seq: None,
            updated_at: ts,
            updated_seq: rec.seq,
        };
        self.licenses.insert(l.number, row);
        Ok(())
    }

    fn license_change(&mut self, rec: &Record<'_>) -> Result<()> {
        let p: LicenseChanged = serde_json::from_slice(rec.payload)?;
        let ts = rec.ts()?.to_owned();
        let Some(row) = self.licenses.get_mut(&p.license.number) else {
            self.unknown(rec, "license", &p.license.number);
            return Ok(());
        };
        row.status = p.to.as_str();
        row.status_reason = p.license.status_reason;
        row.status_seq = rec.seq;
        row.updated_at = ts;
        row.updated_seq = rec.seq;
        Ok(())
    }

    fn order_check(&mut self, rec: &Record<'_>) -> Result<()> {
        let p: OrderChecked = serde_json::from_slice(rec.payload)?;
        let ts = rec.ts()?;
        let user = rec.user()?;
        let value_cents = p
            .request
            .unit_value_cents
            .and_then(|u| p.request.quantity.checked_mul(u));
        match &p.result {
            Disposition::Shipped { authorization } => {
                self.ship(rec, &p.request, authorization, value_cents, ts);
            }
            Disposition::Held { reasons } => {
                let hold = HoldRow {
                    seq: rec.seq,
                    order_ref: p.request.order_ref.clone(),
                    reasons: serde_json::to_string(reasons)?,
                    held_at: ts.to_owned(),
                    held_by: user.clone(),
                    release: None,
                };
                self.holds.insert(rec.seq.to_string(), hold);
            }
        }
        let status = match p.result {
            Disposition::Shipped { .. } => "shipped",
            Disposition::Held { .. } => "held",
        };
        let (order_ref, item_id, destination, quantity, ship_date) = (
            p.request.order_ref.clone(),
            p.request.item_id.clone(),
            p.request.destination.clone(),
            p.request.quantity,
            p.request.date.clone(),
        );
        let (request_text, result_text) = order_texts(p, rec.seq, ts)?;
        let result_digest: [u8; 32] = Sha256::digest(result_text.as_bytes()).into();
        match self.orders.get_mut(&order_ref) {
            Some(o) => {
                o.status = status;
                o.status_seq = rec.seq;
                o.result_digest = result_digest;
                o.checked_at = ts.to_owned();
                o.checked_by = user;
                o.check_seq = rec.seq;
            }
            None => {
                let row = OrderRow {
                    first: rec.seq,
                    request_digest: Sha256::digest(request_text.as_bytes()).into(),
                    item_id,
                    destination,
                    quantity,
                    ship_date,
                    status,
                    status_seq: rec.seq,
                    result_digest,
                    checked_at: ts.to_owned(),
                    checked_by: user,
                    check_seq: rec.seq,
                };
                self.orders.insert(order_ref, row);
            }
        }
        Ok(())
    }

    /// The shipment row of a shipped check, and the depletion of its license.
    fn ship(&mut self, rec: &Record<'_>, req: &OrderRequest, auth: &Authorization, value: Option<i64>, ts: &str) {
        let license_number = match auth {
            Authorization::License { number, .. } => Some(number.clone()),
            _ => None,
        };
        if let Some(number) = &license_number {
            match self.licenses.get_mut(number) {
                Some(l) => {
                    l.quantity_remaining -= req.quantity;
                    l.value_remaining = l.value_remaining.map(|v| v - value.unwrap_or(0));
                    l.depleted_seq = Some(rec.seq);
                    l.updated_at = ts.to_owned();
                    l.updated_seq = rec.seq;
                }
                None => self.unknown(rec, "license", number),
            }
        }
        let row = ShipmentRow {
            seq: rec.seq,
            authority: auth.label(),
            authority_kind: auth.kind_str(),
            license_number,
            quantity: req.quantity,
            value_cents: value,
            ship_date: req.date.clone(),
            recorded_at: ts.to_owned(),
        };
        self.shipments.insert(req.order_ref.clone(), row);
    }

    fn hold_release(&mut self, rec: &Record<'_>) -> Result<()> {
        let p: HoldReleased = serde_json::from_slice(rec.payload)?;
        let release = Release {
            seq: rec.seq,
            at: rec.ts()?.to_owned(),
            by: rec.user()?,
            reason: p.release_reason,
        };
        match self.holds.get_mut(&p.hold_id.to_string()) {
            Some(h) => h.release = Some(release),
            None => self.unknown(rec, "hold", &p.hold_id.to_string()),
        }
        match self.orders.get_mut(&p.order_ref) {
            Some(o) => {
                o.status = "released";
                o.status_seq = rec.seq;
            }
            None => self.unknown(rec, "order", &p.order_ref),
        }
        Ok(())
    }

    fn route_suspend(&mut self, rec: &Record<'_>) -> Result<()> {
        let p: RouteSuspended = serde_json::from_slice(rec.payload)?;
        let row = RouteRow {
            seq: rec.seq,
            item: p.item,
            destination: p.destination,
            reason: p.reason,
            suspended_at: rec.ts()?.to_owned(),
            suspended_by: rec.user()?,
            resume: None,
        };
        self.routes.insert(rec.seq.to_string(), row);
        Ok(())
    }

    fn route_resume(&mut self, rec: &Record<'_>) -> Result<()> {
        let p: RouteResumedPayload = serde_json::from_slice(rec.payload)?;
        let resume = Resume {
            seq: rec.seq,
            at: rec.ts()?.to_owned(),
            by: rec.user()?,
            reason: p.reason,
        };
        match self.routes.get_mut(&p.suspension_id.to_string()) {
            Some(r) => r.resume = Some(resume),
            None => self.unknown(rec, "route suspension", &p.suspension_id.to_string()),
        }
        Ok(())
    }

    fn nac_submit(&mut self, rec: &Record<'_>) -> Result<()> {
        let n = serde_json::from_slice::<NacChanged>(rec.payload)?.notification;
        let ts = rec.ts()?.to_owned();
        let row = NacRow {
            submitted: rec.seq,
            created_at: ts.clone(),
            created_by: rec.user()?,
            updated_at: ts,
            changed: rec.seq,
            n,
        };
        self.nacs.insert(row.n.id.clone(), row);
        Ok(())
    }

    fn nac_change(&mut self, rec: &Record<'_>) -> Result<()> {
        let n = serde_json::from_slice::<NacChanged>(rec.payload)?.notification;
        let ts = rec.ts()?.to_owned();
        let Some(row) = self.nacs.get_mut(&n.id) else {
            self.unknown(rec, "NAC notification", &n.id);
            return Ok(());
        };
        row.n.status = n.status;
        row.n.nac_number = n.nac_number;
        row.n.status_reason = n.status_reason;
        row.updated_at = ts;
        row.changed = rec.seq;
        Ok(())
    }
}

/// The `request` and `result` texts an order check wrote, rebuilt from its
/// record exactly as [`crate::Ledger::check_order`] serializes them.
fn order_texts(p: OrderChecked, seq: u64, ts: &str) -> Result<(String, String)> {
    let request = serde_json::to_string(&p.request)?;
    let result = OrderResult {
        order_ref: p.request.order_ref,
        disposition: p.result,
        audit_seq: seq,
        checked_at: Timestamp::parse(ts)?,
        replayed: false,
    };
    Ok((request, serde_json::to_string(&result)?))
}

// ---------------------------------------------------------------------------
// Compare: expected rows ↔ tables
// ---------------------------------------------------------------------------

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
        let destinations: HashMap<String, DestinationRow> = self
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

/// Reads `t` row by row, comparing each with the row the log implies, then
/// reports the implied rows the table lacks.
fn compare_table<R: Expected>(
    conn: &mut Conn,
    t: &Table,
    mut expected: HashMap<String, R>,
    f: &mut Findings,
) -> Result<()> {
    conn.query_each(t.sql, &[], &mut |cells| {
        let mut key = String::new();
        for (i, c) in cells.iter().take(t.key_cols).enumerate() {
            if i > 0 {
                key.push('/');
            }
            key.push_str(&cell_text(*c)?.unwrap_or_default());
        }
        match expected.remove(&key) {
            Some(row) => compare_row(t, &key, &row, &cells[t.key_cols..], f)?,
            None if unknowable(t, cells, f)? => *f.unchecked.entry(t.name).or_default() += 1,
            None => f
                .list
                .push(state_finding(f.head_seq, t.name, key, StateDiff::ExtraRow, Vec::new())),
        }
        Ok(true)
    })?;
    let mut missing: Vec<(String, R)> = expected.into_iter().collect();
    missing.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, row) in missing {
        let seqs = row.created_by();
        let seq = seqs.first().copied().unwrap_or_default();
        f.list
            .push(state_finding(seq, t.name, key, StateDiff::MissingRow, seqs));
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
    for (w, c) in row.wants().into_iter().zip(cells) {
        let found = cell_text(*c)?;
        let same = match (&w.value, found.as_deref()) {
            (Expect::Text(e), v) => e.as_deref() == v,
            (Expect::Json(e), Some(v)) => e == v || json_eq(e, v),
            (Expect::Digest(d), Some(v)) => Sha256::digest(v.as_bytes()).as_slice() == d,
            (_, None) => false,
        };
        if same {
            continue;
        }
        let seq = w.seqs.last().copied().unwrap_or_default();
        let expected = match w.value {
            Expect::Text(e) => e,
            Expect::Json(e) => Some(e),
            Expect::Digest(_) => {
                f.fill.push((f.list.len(), seq, w.column));
                None
            }
        };
        let diff = StateDiff::Column {
            column: w.column.to_owned(),
            found: found.map(Cow::into_owned),
            expected,
        };
        f.list.push(state_finding(seq, t.name, key.to_owned(), diff, w.seqs));
    }
    Ok(())
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
