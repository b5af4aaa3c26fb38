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
//! | `parties` | `party.add` (id, external id, name, country, identifiers, owners) | `created_at/by`, `audit_seq` |
//! | `party_clearances` | `review.clear` (party, entry key and hash, reason, expiry), `review.escalate` (removes it) | `reviewer`, `cleared_at`, `audit_seq` |
//! | `list_snapshots` | `list.import` (id, source date, files, counts, forced) | `imported_at/by`, `import_seq`; `entry_count` is the sum of the counts |
//! | `list_active` | `list.activate` (the snapshot) | `activated_at/by`, `audit_seq` |
//!
//! Not checked: a party's screening status and its hits (`parties.status`,
//! `screened_snapshot`, `screened_at`, `party_hits`: a `party.screen` record lists a
//! screening's new hits only), a snapshot's `diff` (its record keeps the summary) and the list
//! entries themselves (content-addressed: `list_entries.hash` is the SHA-256 of the body).
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
use std::hash::{BuildHasher, Hasher};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{LedgerError, Result};
use crate::model::{Authorization, Disposition, License, LicenseStatus, NacNotification, OrderRequest};
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

use rows::{
    ActiveRow, ClearanceRow, HoldRow, LicenseRow, NacRow, OrderRow, PartyRow, Release, Resume, RouteRow, ShipmentRow,
    SnapshotRow,
};

// Payloads (only the fields replay needs; the rest is skipped)

#[derive(Deserialize)]
pub(crate) struct PartyAdded {
    id: u64,
    external_id: Option<String>,
    name: String,
    country: Option<String>,
    identifiers: Vec<String>,
    owners: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct ReviewAct {
    party: u64,
    entry_key: String,
    entry_hash: String,
    reason: String,
    expires: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListImported {
    id: String,
    source_date: String,
    files: serde_json::Value,
    counts: std::collections::BTreeMap<String, u64>,
    forced: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListActivated {
    id: String,
}

#[derive(Deserialize)]
pub(crate) struct LicenseAdded {
    license: License,
}

#[derive(Deserialize)]
pub(crate) struct LicenseChanged {
    to: LicenseStatus,
    license: License,
}

#[derive(Deserialize)]
pub(crate) struct NacChanged {
    notification: NacNotification,
}

#[derive(Deserialize)]
pub(crate) struct OrderChecked {
    request: OrderRequest,
    result: Disposition,
}

#[derive(Deserialize)]
pub(crate) struct HoldReleased {
    order_ref: String,
    hold_id: u64,
    release_reason: String,
}

#[derive(Deserialize)]
pub(crate) struct RouteSuspended {
    item: String,
    destination: String,
    reason: String,
}

#[derive(Deserialize)]
pub(crate) struct RouteResumedPayload {
    suspension_id: u64,
    reason: String,
}

/// A map keyed by text from the log (order references, license numbers): hashed with a fast
/// multiply-rotate hash seeded at random per run. SipHash (the default) cost a tenth of a
/// verification; the seed keeps keys crafted in a tampered log from colliding on purpose.
pub(crate) type Map<V> = HashMap<String, V, Seeded>;

/// The [`Map`] hasher's builder: a per-run random seed.
#[derive(Clone, Copy)]
pub(crate) struct Seeded(u64);

impl Default for Seeded {
    fn default() -> Seeded {
        use std::sync::OnceLock;
        static SEED: OnceLock<u64> = OnceLock::new();
        Seeded(*SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1))
    }
}

impl BuildHasher for Seeded {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(self.0)
    }
}

/// Multiply-rotate hashing of 8 bytes at a time (the rustc "Fx" hash), from a seed, with a
/// mixing finish.
pub(crate) struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w.get_mut(..rest.len()).unwrap_or_default().copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        // SplitMix64's finalizer: every input bit reaches the low bits (the table's bucket
        // index); the multiply-rotate steps alone leave them to the input's low bytes.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The state the log implies, built record by record.
pub(crate) struct Replay {
    /// Records up to this seq were purged: rows they established are unknown.
    anchor: u64,
    /// A record could not be read: rows it established are unknown.
    incomplete: bool,
    licenses: Map<LicenseRow>,
    nacs: Map<NacRow>,
    orders: Map<OrderRow>,
    shipments: Map<ShipmentRow>,
    holds: Map<HoldRow>,
    routes: Map<RouteRow>,
    parties: Map<PartyRow>,
    clearances: Map<ClearanceRow>,
    snapshots: Map<SnapshotRow>,
    active: Map<ActiveRow>,
    notes: Vec<String>,
}

impl Replay {
    pub(crate) fn new(anchor: u64) -> Replay {
        Replay {
            anchor,
            incomplete: false,
            licenses: Map::default(),
            nacs: Map::default(),
            orders: Map::default(),
            shipments: Map::default(),
            holds: Map::default(),
            routes: Map::default(),
            parties: Map::default(),
            clearances: Map::default(),
            snapshots: Map::default(),
            active: Map::default(),
            notes: Vec::new(),
        }
    }

    /// Folds one record, read by [`parse`] (on any thread), into the expected state, in seq
    /// order.
    pub(crate) fn fold(&mut self, rec: &Record<'_>, parsed: Parsed) {
        let res = match parsed {
            Parsed::Skip => Ok(()),
            Parsed::Failed(e) => Err(e),
            Parsed::LicenseAdd(p) => self.license_add(rec, *p),
            Parsed::LicenseChange(p) => self.license_change(rec, *p),
            Parsed::Order(p) => self.order_check(rec, *p),
            Parsed::HoldRelease(p) => self.hold_release(rec, p),
            Parsed::RouteSuspend(p) => self.route_suspend(rec, p),
            Parsed::RouteResume(p) => self.route_resume(rec, p),
            Parsed::NacSubmit(n) => self.nac_submit(rec, *n),
            Parsed::NacChange(n) => self.nac_change(rec, *n),
            Parsed::PartyAdd(p) => self.party_add(rec, *p),
            Parsed::ReviewClear(p) => self.review_clear(rec, *p),
            Parsed::ReviewEscalate(p) => self.review_escalate(rec, &p),
            Parsed::ListImport(p) => self.list_import(rec, *p),
            Parsed::ListActivate(p) => self.list_activate(rec, p),
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

    fn license_add(&mut self, rec: &Record<'_>, p: LicenseAdded) -> Result<()> {
        let l = p.license;
        let ts = rec.ts()?.to_owned();
        let row = LicenseRow {
            added: rec.seq,
            holder: l.holder,
            items: serde_json::to_string(&l.items)?,
            destinations_json: serde_json::to_string(&l.destinations)?,
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

    fn license_change(&mut self, rec: &Record<'_>, p: LicenseChanged) -> Result<()> {
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

    fn order_check(&mut self, rec: &Record<'_>, o: OrderParsed) -> Result<()> {
        let OrderParsed {
            p,
            request_digest,
            result_digest,
            reasons,
        } = o;
        let ts = rec.ts()?;
        let user = rec.user()?;
        let value_cents = p
            .request
            .unit_value_cents
            .and_then(|u| p.request.quantity.checked_mul(u));
        let status = match &p.result {
            Disposition::Shipped { authorization } => {
                self.ship(rec, &p.request, authorization, value_cents, ts);
                "shipped"
            }
            Disposition::Held { .. } => {
                let hold = HoldRow {
                    seq: rec.seq,
                    order_ref: p.request.order_ref.clone(),
                    reasons: reasons.unwrap_or_default(),
                    held_at: ts.to_owned(),
                    held_by: user.clone(),
                    release: None,
                };
                self.holds.insert(rec.seq.to_string(), hold);
                "held"
            }
        };
        let r = p.request;
        match self.orders.get_mut(&r.order_ref) {
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
                    request_digest,
                    item_id: r.item_id,
                    destination: r.destination,
                    quantity: r.quantity,
                    ship_date: r.date.to_string(),
                    status,
                    status_seq: rec.seq,
                    result_digest,
                    checked_at: ts.to_owned(),
                    checked_by: user,
                    check_seq: rec.seq,
                };
                self.orders.insert(r.order_ref, row);
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
            ship_date: req.date.to_string(),
            recorded_at: ts.to_owned(),
        };
        self.shipments.insert(req.order_ref.clone(), row);
    }

    fn hold_release(&mut self, rec: &Record<'_>, p: HoldReleased) -> Result<()> {
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

    fn route_suspend(&mut self, rec: &Record<'_>, p: RouteSuspended) -> Result<()> {
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

    fn route_resume(&mut self, rec: &Record<'_>, p: RouteResumedPayload) -> Result<()> {
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

    fn party_add(&mut self, rec: &Record<'_>, p: PartyAdded) -> Result<()> {
        let row = PartyRow {
            seq: rec.seq,
            external_id: p.external_id,
            name: p.name,
            country: p.country,
            identifiers: serde_json::to_string(&p.identifiers)?,
            owners: serde_json::to_string(&p.owners)?,
            created_at: rec.ts()?.to_owned(),
            created_by: rec.user()?,
        };
        self.parties.insert(p.id.to_string(), row);
        Ok(())
    }

    fn review_clear(&mut self, rec: &Record<'_>, p: ReviewAct) -> Result<()> {
        let row = ClearanceRow {
            seq: rec.seq,
            entry_hash: p.entry_hash,
            reason: p.reason,
            reviewer: rec.user()?,
            expires: p.expires,
            cleared_at: rec.ts()?.to_owned(),
        };
        self.clearances.insert(format!("{}/{}", p.party, p.entry_key), row);
        Ok(())
    }

    fn review_escalate(&mut self, _rec: &Record<'_>, p: &ReviewAct) -> Result<()> {
        self.clearances.remove(&format!("{}/{}", p.party, p.entry_key));
        Ok(())
    }

    fn list_import(&mut self, rec: &Record<'_>, p: ListImported) -> Result<()> {
        let total: u64 = p.counts.values().sum();
        let row = SnapshotRow {
            seq: rec.seq,
            source_date: p.source_date,
            files: serde_json::to_string(&p.files)?,
            counts: serde_json::to_string(&p.counts)?,
            entry_count: i64::try_from(total).map_err(|_| LedgerError::Corrupt("entry count out of range".into()))?,
            forced: serde_json::to_string(&p.forced)?,
            imported_at: rec.ts()?.to_owned(),
            imported_by: rec.user()?,
        };
        self.snapshots.insert(p.id, row);
        Ok(())
    }

    fn list_activate(&mut self, rec: &Record<'_>, p: ListActivated) -> Result<()> {
        let row = ActiveRow {
            seq: rec.seq,
            snapshot_id: p.id,
            activated_at: rec.ts()?.to_owned(),
            activated_by: rec.user()?,
        };
        self.active.insert("1".to_owned(), row);
        Ok(())
    }

    fn nac_submit(&mut self, rec: &Record<'_>, n: NacNotification) -> Result<()> {
        let ts = rec.ts()?.to_owned();
        let row = NacRow {
            submitted: rec.seq,
            items_json: serde_json::to_string(&n.items)?,
            submitted_on: n.submitted_on.to_string(),
            clock_ends_on: n.clock_ends_on.to_string(),
            created_at: ts.clone(),
            created_by: rec.user()?,
            updated_at: ts,
            changed: rec.seq,
            n,
        };
        self.nacs.insert(row.n.id.clone(), row);
        Ok(())
    }

    fn nac_change(&mut self, rec: &Record<'_>, n: NacNotification) -> Result<()> {
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

/// A record's payload as replay needs it, read independently of every other record (so on
/// any thread): the parse, and for an order check the digests of the texts it wrote.
pub(crate) enum Parsed {
    /// A kind that changes no table (`audit.purge`, caller events): the payload is not read.
    Skip,
    /// The payload could not be read.
    Failed(LedgerError),
    LicenseAdd(Box<LicenseAdded>),
    LicenseChange(Box<LicenseChanged>),
    Order(Box<OrderParsed>),
    HoldRelease(HoldReleased),
    RouteSuspend(RouteSuspended),
    RouteResume(RouteResumedPayload),
    NacSubmit(Box<NacNotification>),
    NacChange(Box<NacNotification>),
    PartyAdd(Box<PartyAdded>),
    ReviewClear(Box<ReviewAct>),
    ReviewEscalate(Box<ReviewAct>),
    ListImport(Box<ListImported>),
    ListActivate(ListActivated),
}

/// An order check's payload with the digests of the `request` and `result` texts it wrote.
pub(crate) struct OrderParsed {
    p: OrderChecked,
    request_digest: [u8; 32],
    result_digest: [u8; 32],
    /// A hold's reasons, as the `holds` row holds them.
    reasons: Option<String>,
}

/// Reads one record's payload for [`Replay::fold`]: the costly half of replay (JSON parsing,
/// re-serializing and hashing an order's texts), independent of every other record.
pub(crate) fn parse(rec: &Record<'_>) -> Parsed {
    fn read<T: serde::de::DeserializeOwned>(rec: &Record<'_>) -> Result<T> {
        Ok(serde_json::from_slice(rec.payload)?)
    }
    let res = match rec.kind {
        b"license.add" => read(rec).map(|p| Parsed::LicenseAdd(Box::new(p))),
        b"license.grant" | b"license.reject" | b"license.suspend" | b"license.resume" | b"license.revoke" => {
            read(rec).map(|p| Parsed::LicenseChange(Box::new(p)))
        }
        b"order.shipped" | b"order.held" => parse_order(rec),
        b"hold.release" => read(rec).map(Parsed::HoldRelease),
        b"route.suspend" => read(rec).map(Parsed::RouteSuspend),
        b"route.resume" => read(rec).map(Parsed::RouteResume),
        b"nac.submit" => read::<NacChanged>(rec).map(|p| Parsed::NacSubmit(Box::new(p.notification))),
        b"nac.clear" | b"nac.reject" => read::<NacChanged>(rec).map(|p| Parsed::NacChange(Box::new(p.notification))),
        b"party.add" => read(rec).map(|p| Parsed::PartyAdd(Box::new(p))),
        b"review.clear" => read(rec).map(|p| Parsed::ReviewClear(Box::new(p))),
        b"review.escalate" => read(rec).map(|p| Parsed::ReviewEscalate(Box::new(p))),
        b"list.import" => read(rec).map(|p| Parsed::ListImport(Box::new(p))),
        b"list.activate" => read(rec).map(Parsed::ListActivate),
        _ => Ok(Parsed::Skip),
    };
    res.unwrap_or_else(Parsed::Failed)
}

fn parse_order(rec: &Record<'_>) -> Result<Parsed> {
    let p: OrderChecked = serde_json::from_slice(rec.payload)?;
    let ts = rec.ts()?;
    let (request_text, result_text) = order_texts_of(&p, rec.seq, ts)?;
    let reasons = match &p.result {
        Disposition::Held { reasons } => Some(serde_json::to_string(reasons)?),
        Disposition::Shipped { .. } => None,
    };
    Ok(Parsed::Order(Box::new(OrderParsed {
        request_digest: Sha256::digest(request_text.as_bytes()).into(),
        result_digest: Sha256::digest(result_text.as_bytes()).into(),
        reasons,
        p,
    })))
}

/// The result an order check stored, borrowed: serializes as [`OrderResult`] does.
#[derive(serde::Serialize)]
struct StoredResult<'a> {
    order_ref: &'a str,
    disposition: &'a Disposition,
    audit_seq: u64,
    checked_at: Timestamp,
    replayed: bool,
}

/// The `request` and `result` texts an order check wrote, rebuilt from its record exactly as
/// [`crate::Ledger::check_order`] serializes them.
fn order_texts_of(p: &OrderChecked, seq: u64, ts: &str) -> Result<(String, String)> {
    let request = serde_json::to_string(&p.request)?;
    let result = StoredResult {
        order_ref: &p.request.order_ref,
        disposition: &p.result,
        audit_seq: seq,
        checked_at: Timestamp::parse(ts)?,
        replayed: false,
    };
    Ok((request, serde_json::to_string(&result)?))
}

/// [`order_texts_of`] an order check's payload.
fn order_texts(p: OrderChecked, seq: u64, ts: &str) -> Result<(String, String)> {
    order_texts_of(&p, seq, ts)
}
