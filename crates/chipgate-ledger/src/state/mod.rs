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

use std::collections::HashMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{LedgerError, Result};
use crate::model::{Authorization, Disposition, License, LicenseStatus, NacNotification, OrderRequest, OrderResult};
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

mod compare;
mod rows;

use rows::{HoldRow, LicenseRow, NacRow, OrderRow, Release, Resume, RouteRow, ShipmentRow};

// Payloads (only the fields replay needs; the rest is skipped)

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
