//! Order checks (ship or hold), hold releases and route suspensions.
//!
//! # Order check rules
//! An order is held, with every reason found, when any of these holds:
//! a screening hit (not already adjudicated by a release of this order);
//! an active route suspension covering its item or ECCN and destination;
//! an indeterminate determination; a license exception without a chosen
//! symbol, or NAC/ACA without a cleared notification; a license requirement
//! without a usable license. Otherwise it ships: NLR, under the chosen
//! exception, under NAC with the returned number, or against the first
//! usable license (earliest `valid_to`, then number), which is depleted by
//! `UPDATE … SET quantity_remaining = quantity_remaining - ? … WHERE
//! quantity_remaining >= ?` in the same transaction that inserts the
//! shipment and appends the audit record.
//!
//! A license is usable for an order when it covers the item (id or ECCN
//! paragraph) and destination, names the same consignee/end user if it names
//! any, is `granted`, the shipment date is within its validity, and enough
//! quantity (and value, if capped) remains.
//!
//! # Idempotency and re-checks
//! `order_ref` is the idempotency key: checking a shipped or held order again
//! returns the stored result (`replayed: true`) and writes nothing; checking
//! it with different contents is an error naming the differing fields. The
//! contents are the request's own fields and `inputs`, every other input of the
//! determination (headquarters, end use, owners, exporter, exception, …), so a
//! re-check is never replayed next to a determination it did not have. Once its hold is released (with a
//! reason and a user), checking it again re-evaluates it — that is how a held
//! order ships after a license is granted or a route resumed. A release does
//! not itself ship anything; screening hits named in a released hold count
//! as adjudicated for that order.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::NewRecord;
use crate::db::{pi, poi, pot, pt, Row};
use crate::error::{LedgerError, Result};
use crate::ledger::{stored_json, stored_ts, stored_u64, Ledger, Tx};
use crate::licenses::{license_from_row, license_subject, nac_from_row, LICENSE_COLS, NAC_COLS};
use crate::migrate::hex;
use crate::model::{
    Authorization, Condition, DeterminationSummary, Disposition, Hold, HoldReason, License, LicenseStatus,
    NacNotification, NacStatus, OrderRecord, OrderRequest, OrderResult, OrderStatus, Outcome, RecordOrder,
    RouteResumed, RouteSuspension,
};
use crate::time::{Date, Timestamp};
use crate::validate;

/// A validated, normalized order with its determination.
struct CheckedOrder<'a> {
    req: OrderRequest,
    date: Date,
    value_cents: Option<i64>,
    det: &'a DeterminationSummary,
    /// The license exception chosen, upper-case.
    exception: Option<String>,
    /// Whether the check reads licenses (a license requirement).
    license_required: bool,
    /// The request as stored and hashed (the idempotency key's contents).
    request_json: String,
    request_hash: String,
    backdated: Option<String>,
    /// The report handed in as text (checked to be JSON).
    report: Option<&'a serde_json::value::RawValue>,
}

fn check_request<'a>(o: &RecordOrder<'a>) -> Result<CheckedOrder<'a>> {
    let r = o.order;
    let order_ref = validate::ident("order reference", &r.order_ref)?;
    let item_id = validate::ident("item id", &r.item_id)?;
    let mut eccn = Vec::new();
    for e in &r.eccn {
        let e = validate::item("ECCN", e)?;
        if !eccn.contains(&e) {
            eccn.push(e);
        }
    }
    let destination = validate::country("destination", &r.destination)?;
    let quantity = validate::check_quantity(r.quantity)?;
    let unit = r
        .unit_value_cents
        .map(|v| validate::check_amount("unit value", v))
        .transpose()?;
    let value_cents = match unit {
        None => None,
        Some(u) => Some(quantity.checked_mul(u).ok_or(LedgerError::ValueOverflow {
            quantity,
            unit_value_cents: u,
        })?),
    };
    let date = r.date;
    let license = match r.license.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(l) => Some(validate::ident("license number", l)?),
    };
    let req = OrderRequest {
        order_ref,
        item_id,
        eccn,
        destination,
        quantity,
        unit_value_cents: unit,
        consignee: validate::opt_text("consignee", r.consignee.as_deref())?,
        end_user: validate::opt_text("end user", r.end_user.as_deref())?,
        date,
        license,
        inputs: r
            .inputs
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let exception = check_determination(o.determination)?;
    let backdated = o
        .backdated
        .map(|b| validate::reason("backdating an order", b))
        .transpose()?;
    let report = o.report;
    let request_json = serde_json::to_string(&req)?;
    let request_hash = hex(&Sha256::digest(request_json.as_bytes()));
    Ok(CheckedOrder {
        req,
        date,
        value_cents,
        det: o.determination,
        exception,
        license_required: o.determination.outcome == Outcome::LicenseRequired,
        request_json,
        request_hash,
        backdated,
        report,
    })
}

/// The fields in which a new request differs from the one recorded (`inputs` entries by their
/// own names); a recorded request that cannot be read differs as a whole.
fn differing_fields(recorded: &str, new: &OrderRequest) -> Vec<String> {
    let (Ok(old), Ok(serde_json::Value::Object(new))) = (
        serde_json::from_str::<serde_json::Value>(recorded),
        serde_json::to_value(new),
    ) else {
        return vec!["request".to_owned()];
    };
    let Some(old) = old.as_object() else {
        return vec!["request".to_owned()];
    };
    let empty = serde_json::Map::new();
    let inputs = |m: &serde_json::Map<String, serde_json::Value>| {
        m.get("inputs")
            .and_then(|v| v.as_object())
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let mut fields = Vec::new();
    let mut compare = |a: &serde_json::Map<String, serde_json::Value>,
                       b: &serde_json::Map<String, serde_json::Value>| {
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| *k != "inputs").collect();
        for k in keys {
            let (x, y) = (a.get(k).filter(|v| !v.is_null()), b.get(k).filter(|v| !v.is_null()));
            if x != y {
                fields.push(k.clone());
            }
        }
    };
    compare(old, &new);
    compare(&inputs(old), &inputs(&new));
    if fields.is_empty() {
        fields.push("request".to_owned());
    }
    fields
}

fn check_determination(d: &DeterminationSummary) -> Result<Option<String>> {
    match (d.outcome, d.license_required) {
        (Outcome::NoLicenseRequired, true) => {
            return Err(LedgerError::InconsistentDetermination(
                "outcome `no_license_required` but license_required is true".into(),
            ))
        }
        (Outcome::LicenseRequired, false) => {
            return Err(LedgerError::InconsistentDetermination(
                "outcome `license_required` but license_required is false".into(),
            ))
        }
        _ => {}
    }
    validate::text("engine version", &d.engine_version)?;
    validate::text("rule-set id", &d.ruleset_id)?;
    match d.exception.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) => Ok(Some(validate::ident("license exception", e)?.to_ascii_uppercase())),
    }
}

pub(crate) fn order_subject(order_ref: &str) -> String {
    format!("order:{order_ref}")
}

/// The payload of an order check's audit record.
#[derive(Serialize)]
struct CheckPayload<'a> {
    request: &'a OrderRequest,
    determination: DeterminationOut<'a>,
    result: &'a Disposition,
    /// Why an order dated before the day it was recorded was recorded late.
    #[serde(skip_serializing_if = "Option::is_none")]
    backdated: Option<&'a str>,
}

/// A [`DeterminationSummary`] as it is serialized, with its report given as a tree or as text.
#[derive(Serialize)]
struct DeterminationOut<'a> {
    license_required: bool,
    outcome: Outcome,
    exception: &'a Option<String>,
    reasons: &'a [String],
    screening_hits: &'a [String],
    engine_version: &'a str,
    ruleset_id: &'a str,
    list_snapshot_id: &'a Option<String>,
    report: Report<'a>,
}

/// A determination's report: the summary's JSON tree, or JSON text handed in as it is.
#[derive(Serialize)]
#[serde(untagged)]
enum Report<'a> {
    Tree(&'a serde_json::Value),
    Text(&'a serde_json::value::RawValue),
}

impl<'a> DeterminationOut<'a> {
    fn new(d: &'a DeterminationSummary, report: Option<&'a serde_json::value::RawValue>) -> DeterminationOut<'a> {
        DeterminationOut {
            license_required: d.license_required,
            outcome: d.outcome,
            exception: &d.exception,
            reasons: &d.reasons,
            screening_hits: &d.screening_hits,
            engine_version: &d.engine_version,
            ruleset_id: &d.ruleset_id,
            list_snapshot_id: &d.list_snapshot_id,
            report: report.map_or(Report::Tree(&d.report), Report::Text),
        }
    }
}

/// The revenue share owed on `value_cents` under `conditions`, in cents
/// (rounded half up), if the license has a revenue-share condition.
fn revenue_share_due(conditions: &[Condition], value_cents: Option<i64>) -> Option<i64> {
    let value = i128::from(value_cents?);
    let mut due: Option<i128> = None;
    for c in conditions {
        if let Condition::RevenueShare { percent } = c {
            // percent has at most two meaningful decimals: work in basis points.
            let bp = (percent * 100.0).round() as i128;
            *due.get_or_insert(0) += (value * bp + 5_000) / 10_000;
        }
    }
    due.map(|d| i64::try_from(d).unwrap_or(i64::MAX))
}

/// The licenses, NAC notifications, route suspensions and orders a group of order checks
/// reads, loaded once per transaction (the transaction holds the write lock, so nothing else
/// changes them), and what the checks write, written together at the end.
#[derive(Default)]
struct Books {
    /// Licenses read so far, by number, with what this transaction left of them.
    licenses: HashMap<String, License>,
    /// Per destination: the numbers of the licenses naming it, in the order a check tries them
    /// (earliest `valid_to`, then number).
    by_destination: HashMap<String, Vec<String>>,
    /// NAC notifications per destination, in submission order.
    nacs: HashMap<String, Vec<NacNotification>>,
    /// Active route suspensions.
    routes: Vec<RouteSuspension>,
    /// Orders already recorded (or recorded by this transaction), by reference.
    orders: HashMap<String, Known>,
    /// Depletion per license: (quantity, value in cents).
    depleted: BTreeMap<String, (i64, i64)>,
    order_rows: Vec<OrderRowOut>,
    shipment_rows: Vec<ShipmentOut>,
    hold_rows: Vec<HoldOut>,
}

/// A recorded order as an order check needs it.
struct Known {
    status: String,
    request_hash: String,
    result: String,
    request: String,
    /// Its row is written by this transaction (`orders_rows[i]`).
    pending: Option<usize>,
}

struct OrderRowOut {
    order_ref: String,
    request_hash: String,
    request: String,
    item_id: String,
    destination: String,
    quantity: i64,
    ship_date: String,
    status: &'static str,
    result: String,
    seq: i64,
    /// The order had a row before this transaction (a re-check after a release).
    update: bool,
}

struct ShipmentOut {
    order_ref: String,
    authority: String,
    kind: &'static str,
    license: Option<String>,
    quantity: i64,
    value_cents: Option<i64>,
    ship_date: String,
    seq: i64,
}

struct HoldOut {
    seq: i64,
    order_ref: String,
    reasons: String,
}

/// `(?, ?, …)` with `n` placeholders.
fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3 + 2);
    s.push('(');
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s.push(')');
    s
}

/// Chunks of keys for `IN (…)` lists, in a few fixed sizes (few distinct statements).
fn in_chunks<T>(keys: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = keys;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let take = [256, 64, 16, 4, 1].into_iter().find(|&k| k <= rest.len()).unwrap_or(1);
        let (now, later) = rest.split_at(take);
        rest = later;
        Some(now)
    })
}

impl Books {
    /// Reads what the orders of `group` need: their recorded rows, the licenses and NAC
    /// notifications of their destinations, and the active route suspensions.
    fn load(tx: &mut Tx<'_>, group: &[&CheckedOrder]) -> Result<Books> {
        let mut books = Books::default();
        let mut refs: Vec<&str> = group.iter().map(|o| o.req.order_ref.as_str()).collect();
        refs.sort_unstable();
        refs.dedup();
        for chunk in in_chunks(&refs) {
            let sql = format!(
                "SELECT order_ref, status, request_hash, result, request FROM orders WHERE order_ref IN {}",
                placeholders(chunk.len())
            );
            let params: Vec<_> = chunk.iter().map(|r| pt(r)).collect();
            for mut r in tx.query(&sql, &params)? {
                let known = Known {
                    status: r.take_t(1)?,
                    request_hash: r.take_t(2)?,
                    result: r.take_t(3)?,
                    request: r.take_t(4)?,
                    pending: None,
                };
                books.orders.insert(r.take_t(0)?, known);
            }
        }
        let mut dests: Vec<&str> = group
            .iter()
            .filter(|o| o.license_required)
            .map(|o| o.req.destination.as_str())
            .collect();
        dests.sort_unstable();
        dests.dedup();
        for d in &dests {
            books.by_destination.insert((*d).to_owned(), Vec::new());
        }
        for chunk in in_chunks(&dests) {
            let sql = format!(
                "SELECT {LICENSE_COLS}, license_destinations.destination FROM licenses JOIN license_destinations \
                 ON license_destinations.license_number = licenses.number \
                 WHERE license_destinations.destination IN {} ORDER BY valid_to, number",
                placeholders(chunk.len())
            );
            let params: Vec<_> = chunk.iter().map(|d| pt(d)).collect();
            for r in tx.query(&sql, &params)? {
                let number = r.t(0)?;
                if !books.licenses.contains_key(&number) {
                    books.licenses.insert(number.clone(), license_from_row(&r, None)?);
                }
                books.by_destination.entry(r.t(18)?).or_default().push(number);
            }
        }
        let sql = format!("SELECT {ROUTE_COLS} FROM route_suspensions WHERE resumed_at IS NULL ORDER BY id");
        books.routes = tx.query(&sql, &[])?.iter().map(route_from_row).collect::<Result<_>>()?;
        Ok(books)
    }

    /// The license numbered `n`, read if not yet.
    fn license(&mut self, tx: &mut Tx<'_>, n: &str) -> Result<Option<&License>> {
        if !self.licenses.contains_key(n) {
            let sql = format!("SELECT {LICENSE_COLS} FROM licenses WHERE number = ?");
            match tx.query_opt(&sql, &[pt(n)])? {
                Some(row) => {
                    self.licenses.insert(n.to_owned(), license_from_row(&row, None)?);
                }
                None => return Ok(None),
            }
        }
        Ok(self.licenses.get(n))
    }

    /// The NAC notifications for `destination`, read if not yet.
    fn nacs(&mut self, tx: &mut Tx<'_>, destination: &str) -> Result<&[NacNotification]> {
        if !self.nacs.contains_key(destination) {
            let sql =
                format!("SELECT {NAC_COLS} FROM nac_notifications WHERE destination = ? ORDER BY submitted_on, id");
            let list = tx
                .query(&sql, &[pt(destination)])?
                .iter()
                .map(nac_from_row)
                .collect::<Result<Vec<_>>>()?;
            self.nacs.insert(destination.to_owned(), list);
        }
        Ok(self.nacs.get(destination).map(Vec::as_slice).unwrap_or_default())
    }

    /// The numbers of the licenses an order may ship against, in the order they are tried.
    fn candidates(&mut self, tx: &mut Tx<'_>, o: &CheckedOrder) -> Result<Vec<String>> {
        if let Some(n) = &o.req.license {
            return Ok(match self.license(tx, n)? {
                Some(_) => vec![n.clone()],
                None => Vec::new(),
            });
        }
        if !self.by_destination.contains_key(&o.req.destination) {
            let sql = format!(
                "SELECT {LICENSE_COLS} FROM licenses JOIN license_destinations \
                 ON license_destinations.license_number = licenses.number \
                 WHERE license_destinations.destination = ? ORDER BY valid_to, number"
            );
            let mut numbers = Vec::new();
            for r in tx.query(&sql, &[pt(&o.req.destination)])? {
                let number = r.t(0)?;
                if !self.licenses.contains_key(&number) {
                    self.licenses.insert(number.clone(), license_from_row(&r, None)?);
                }
                numbers.push(number);
            }
            self.by_destination.insert(o.req.destination.clone(), numbers);
        }
        Ok(self.by_destination.get(&o.req.destination).cloned().unwrap_or_default())
    }
}

/// Why a license cannot be used for an order (empty: it can).
fn license_problems(l: &License, o: &CheckedOrder) -> Vec<HoldReason> {
    let party = |licensed: &Option<String>, ordered: &Option<String>, name: &str| match (licensed, ordered) {
        (Some(lic), Some(ord)) if validate::same_party(lic, ord) => None,
        (Some(lic), _) => Some(HoldReason::LicensePartyMismatch {
            number: l.number.clone(),
            party: name.to_string(),
            licensed: lic.clone(),
        }),
        (None, _) => None,
    };
    let mut why = Vec::new();
    why.extend(party(&l.consignee, &o.req.consignee, "consignee"));
    why.extend(party(&l.end_user, &o.req.end_user, "end_user"));
    match l.stored_status {
        LicenseStatus::Granted => {}
        LicenseStatus::Suspended => why.push(HoldReason::LicenseSuspended {
            number: l.number.clone(),
            reason: l.status_reason.clone(),
        }),
        s => why.push(HoldReason::LicenseNotGranted {
            number: l.number.clone(),
            status: s,
        }),
    }
    if o.date < l.valid_from {
        why.push(HoldReason::LicenseNotYetValid {
            number: l.number.clone(),
            valid_from: l.valid_from,
        });
    }
    if o.date > l.valid_to {
        why.push(HoldReason::LicenseExpired {
            number: l.number.clone(),
            valid_to: l.valid_to,
        });
    }
    if l.quantity_remaining < o.req.quantity {
        why.push(HoldReason::LicenseExhausted {
            number: l.number.clone(),
            remaining: l.quantity_remaining,
            requested: o.req.quantity,
        });
    }
    if let Some(left) = l.value_remaining_cents {
        match o.value_cents {
            None => why.push(HoldReason::OrderValueUnknown {
                number: l.number.clone(),
            }),
            Some(v) if v > left => why.push(HoldReason::LicenseValueExhausted {
                number: l.number.clone(),
                remaining_cents: left,
                requested_cents: v,
            }),
            Some(_) => {}
        }
    }
    why
}

/// What the license search found.
enum LicenseFound {
    /// The first usable license.
    Usable(License),
    /// None: why each covering license cannot be used.
    Held(Vec<HoldReason>),
    /// Only licenses that have expired by today would do, and the order is not backdated.
    NeedsBackdated(License),
}

/// The first license the order may ship against (earliest `valid_to`, then number). An order
/// dated before `today` uses a license that has expired by today only when it is backdated
/// (with a reason); otherwise such licenses are passed over, and if nothing else would do,
/// the order is refused, naming `backdated`.
fn find_license(tx: &mut Tx<'_>, books: &mut Books, o: &CheckedOrder, today: Date) -> Result<LicenseFound> {
    let mut reasons = Vec::new();
    let mut covering = false;
    let mut expired_by_today: Option<License> = None;
    for number in books.candidates(tx, o)? {
        let Some(l) = books.licenses.get(&number) else {
            continue;
        };
        let covers_item = l.items.iter().any(|p| validate::covers(p, &o.req.item_id, &o.req.eccn));
        if !covers_item || !l.destinations.contains(&o.req.destination) {
            continue;
        }
        covering = true;
        let why = license_problems(l, o);
        if why.is_empty() {
            if l.valid_to < today && o.backdated.is_none() {
                expired_by_today.get_or_insert_with(|| l.clone());
                continue;
            }
            return Ok(LicenseFound::Usable(l.clone()));
        }
        reasons.extend(why);
    }
    if let Some(l) = expired_by_today {
        return Ok(LicenseFound::NeedsBackdated(l));
    }
    if !covering {
        reasons.push(match &o.req.license {
            Some(n) => HoldReason::LicenseDoesNotCover { number: n.clone() },
            None => HoldReason::NoCoveringLicense,
        });
    }
    Ok(LicenseFound::Held(reasons))
}

fn find_nac(
    tx: &mut Tx<'_>,
    books: &mut Books,
    o: &CheckedOrder,
) -> Result<std::result::Result<Authorization, HoldReason>> {
    let mut best: Option<HoldReason> = None;
    for n in books.nacs(tx, &o.req.destination)? {
        let covers = n.items.iter().any(|p| validate::covers(p, &o.req.item_id, &o.req.eccn));
        let party_ok = |named: &Option<String>, ordered: &Option<String>| match (named, ordered) {
            (None, _) => true,
            (Some(a), Some(b)) => validate::same_party(a, b),
            (Some(_), None) => false,
        };
        if !covers || !party_ok(&n.consignee, &o.req.consignee) || !party_ok(&n.end_user, &o.req.end_user) {
            continue;
        }
        match (n.status, &n.nac_number) {
            (NacStatus::Cleared, Some(number)) if n.submitted_on <= o.date => {
                return Ok(Ok(Authorization::Nac {
                    notification: n.id.clone(),
                    nac_number: number.clone(),
                }))
            }
            (NacStatus::Rejected, _) => {
                best.get_or_insert(HoldReason::NacRejected {
                    notification: n.id.clone(),
                });
            }
            _ => {
                best = Some(HoldReason::NacPending {
                    notification: n.id.clone(),
                    clock_ends_on: n.clock_ends_on,
                });
            }
        }
    }
    Ok(Err(best.unwrap_or(HoldReason::NacMissing)))
}

pub(crate) const HOLD_COLS: &str = "hold_id, order_ref, reasons, held_at, held_by, released_at, released_by, \
     release_reason, release_seq";

pub(crate) fn hold_from_row(r: &Row) -> Result<Hold> {
    Ok(Hold {
        hold_id: stored_u64(r.i(0)?)?,
        order_ref: r.t(1)?,
        reasons: stored_json(&r.t(2)?)?,
        held_at: stored_ts(&r.t(3)?)?,
        held_by: r.t(4)?,
        released_at: r.ot(5)?.as_deref().map(stored_ts).transpose()?,
        released_by: r.ot(6)?,
        release_reason: r.ot(7)?,
        release_seq: r.oi(8)?.map(stored_u64).transpose()?,
    })
}

pub(crate) const ROUTE_COLS: &str = "id, item, destination, reason, suspended_at, suspended_by, resumed_at, \
     resumed_by, resume_reason";

pub(crate) fn route_from_row(r: &Row) -> Result<RouteSuspension> {
    Ok(RouteSuspension {
        id: stored_u64(r.i(0)?)?,
        item: r.t(1)?,
        destination: r.t(2)?,
        reason: r.t(3)?,
        suspended_at: stored_ts(&r.t(4)?)?,
        suspended_by: r.t(5)?,
        resumed_at: r.ot(6)?.as_deref().map(stored_ts).transpose()?,
        resumed_by: r.ot(7)?,
        resume_reason: r.ot(8)?,
    })
}

fn route_subject(item: &str, destination: &str) -> String {
    format!("route:{item}:{destination}")
}

fn active_route(tx: &mut Tx<'_>, item: &str, destination: &str) -> Result<Option<RouteSuspension>> {
    let sql =
        format!("SELECT {ROUTE_COLS} FROM route_suspensions WHERE destination = ? AND resumed_at IS NULL ORDER BY id");
    for r in tx.query(&sql, &[pt(destination)])? {
        let s = route_from_row(&r)?;
        if s.item.eq_ignore_ascii_case(item) {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

pub(crate) fn order_record_from_row(r: &Row) -> Result<OrderRecord> {
    Ok(OrderRecord {
        request: stored_json(&r.t(0)?)?,
        status: r
            .t(1)?
            .parse()
            .map_err(|_| LedgerError::Corrupt("bad stored order status".into()))?,
        result: stored_json(&r.t(2)?)?,
        checked_by: r.t(3)?,
    })
}

/// Checks one order of a group inside the group's transaction: `Ok(Err(…))` refuses this
/// order (its input: a conflicting re-check, an unknown or expired named license, a missing
/// `backdated`) and changes nothing; `Err` fails the whole transaction. Reads go through
/// `books`; writes are queued there and in the transaction's pending audit records.
fn check_one(
    tx: &mut Tx<'_>,
    books: &mut Books,
    o: &CheckedOrder,
    user: &str,
    now: Timestamp,
) -> Result<Result<OrderResult>> {
    let existing = books.orders.get(&o.req.order_ref);
    let mut adjudicated: Vec<String> = Vec::new();
    let recheck = existing.is_some();
    if let Some(known) = existing {
        if known.request_hash != o.request_hash {
            return Ok(Err(LedgerError::OrderConflict {
                order_ref: o.req.order_ref.clone(),
                fields: differing_fields(&known.request, &o.req),
            }));
        }
        if known.status != OrderStatus::Released.as_str() {
            let mut stored: OrderResult = stored_json(&known.result)?;
            stored.replayed = true;
            return Ok(Ok(stored));
        }
        for r in tx.query(
            "SELECT reasons FROM holds WHERE order_ref = ? AND released_at IS NOT NULL",
            &[pt(&o.req.order_ref)],
        )? {
            for reason in stored_json::<Vec<HoldReason>>(&r.t(0)?)? {
                if let HoldReason::ScreeningHit { hits } = reason {
                    adjudicated.extend(hits);
                }
            }
        }
    }
    if let Some(n) = &o.req.license {
        let Some(l) = books.license(tx, n)? else {
            return Ok(Err(LedgerError::UnknownLicense(n.clone())));
        };
        if o.date > l.valid_to {
            return Ok(Err(LedgerError::LicenseExpired {
                number: n.clone(),
                valid_to: l.valid_to.to_string(),
            }));
        }
    }
    let det = o.det;
    let mut reasons = Vec::new();
    let hits: Vec<String> = det
        .screening_hits
        .iter()
        .filter(|h| !adjudicated.contains(h))
        .cloned()
        .collect();
    if !hits.is_empty() {
        reasons.push(HoldReason::ScreeningHit { hits });
    }
    for s in &books.routes {
        if s.destination == o.req.destination && validate::covers(&s.item, &o.req.item_id, &o.req.eccn) {
            reasons.push(HoldReason::RouteSuspended {
                item: s.item.clone(),
                destination: s.destination.clone(),
                reason: s.reason.clone(),
                since: s.suspended_at,
            });
        }
    }
    let mut auth = None;
    let mut license = None;
    match det.outcome {
        Outcome::Indeterminate => reasons.push(HoldReason::Indeterminate {
            reasons: det.reasons.clone(),
        }),
        Outcome::NoLicenseRequired => auth = Some(Authorization::Nlr),
        Outcome::LicenseExceptionAvailable => match o.exception.as_deref() {
            None => reasons.push(HoldReason::ExceptionNotSelected),
            Some("NAC" | "ACA") => match find_nac(tx, books, o)? {
                Ok(a) => auth = Some(a),
                Err(r) => reasons.push(r),
            },
            Some(sym) => {
                auth = Some(Authorization::LicenseException {
                    symbol: sym.to_string(),
                })
            }
        },
        Outcome::LicenseRequired => match find_license(tx, books, o, now.date())? {
            LicenseFound::Usable(l) => license = Some(l),
            LicenseFound::Held(rs) => reasons.extend(rs),
            // Refused only when the order would otherwise ship: a hold needs no reason.
            LicenseFound::NeedsBackdated(l) if reasons.is_empty() => {
                return Ok(Err(LedgerError::BackdatedWithoutReason {
                    order_ref: o.req.order_ref.clone(),
                    date: o.date.to_string(),
                    today: now.date().to_string(),
                    license: l.number,
                    valid_to: l.valid_to.to_string(),
                }))
            }
            // Held for the other reasons: the license question comes back when it is
            // checked again after a release.
            LicenseFound::NeedsBackdated(_) => {}
        },
    }
    let value = o.value_cents.unwrap_or(0);
    let disposition = if reasons.is_empty() {
        if let Some(l) = &license {
            auth = Some(Authorization::License {
                number: l.number.clone(),
                quantity_remaining: l.quantity_remaining - o.req.quantity,
                value_remaining_cents: l.value_remaining_cents.map(|v| v - value),
                conditions: l.conditions.clone(),
                revenue_share_due_cents: revenue_share_due(&l.conditions, o.value_cents),
            });
        }
        match auth.take() {
            Some(authorization) => Disposition::Shipped { authorization },
            None => return Err(LedgerError::Corrupt("order check reached no decision".into())),
        }
    } else {
        Disposition::Held { reasons }
    };
    let shipped = matches!(disposition, Disposition::Shipped { .. });
    // Sized for the report it embeds, so the buffer does not grow (and copy) as it fills.
    let mut payload = Vec::with_capacity(o.report.map_or(1024, |r| r.get().len() + 2048));
    serde_json::to_writer(
        &mut payload,
        &CheckPayload {
            request: &o.req,
            determination: DeterminationOut::new(det, o.report),
            result: &disposition,
            backdated: o.backdated.as_deref(),
        },
    )?;
    let payload = String::from_utf8(payload).map_err(|e| LedgerError::Corrupt(e.to_string()))?;

    // Nothing below refuses the order: from here on, the check is recorded.
    let license_subj = license.as_ref().map(|l| license_subject(&l.number));
    let also: Vec<(&str, Date)> = license_subj.as_deref().map(|s| (s, o.date)).into_iter().collect();
    let seq = tx.append_owned(
        &NewRecord::new(
            if shipped { "order.shipped" } else { "order.held" },
            &order_subject(&o.req.order_ref),
            "",
            user,
            now,
        )
        .event_date(if shipped { o.date } else { now.date() })
        .decided_by(
            Some(&det.engine_version),
            Some(&det.ruleset_id),
            det.list_snapshot_id.as_deref(),
        )
        .also(&also),
        payload,
    )?;
    if let Some(l) = license.as_ref().filter(|_| shipped) {
        if let Some(left) = books.licenses.get_mut(&l.number) {
            left.quantity_remaining -= o.req.quantity;
            left.value_remaining_cents = left.value_remaining_cents.map(|v| v - value);
        }
        let d = books.depleted.entry(l.number.clone()).or_default();
        d.0 += o.req.quantity;
        d.1 += value;
    }
    let result = OrderResult {
        order_ref: o.req.order_ref.clone(),
        disposition,
        audit_seq: stored_u64(seq)?,
        checked_at: now,
        replayed: false,
    };
    let result_json = serde_json::to_string(&result)?;
    let status = if shipped {
        OrderStatus::Shipped
    } else {
        OrderStatus::Held
    };
    match &result.disposition {
        Disposition::Shipped { authorization } => books.shipment_rows.push(ShipmentOut {
            order_ref: o.req.order_ref.clone(),
            authority: authorization.label(),
            kind: authorization.kind_str(),
            license: license.as_ref().map(|l| l.number.clone()),
            quantity: o.req.quantity,
            value_cents: o.value_cents,
            ship_date: o.date.to_string(),
            seq,
        }),
        Disposition::Held { reasons } => books.hold_rows.push(HoldOut {
            seq,
            order_ref: o.req.order_ref.clone(),
            reasons: serde_json::to_string(reasons)?,
        }),
    }
    let pending = books.orders.get(&o.req.order_ref).and_then(|k| k.pending);
    let row = OrderRowOut {
        order_ref: o.req.order_ref.clone(),
        request_hash: o.request_hash.clone(),
        request: o.request_json.clone(),
        item_id: o.req.item_id.clone(),
        destination: o.req.destination.clone(),
        quantity: o.req.quantity,
        ship_date: o.date.to_string(),
        status: status.as_str(),
        result: result_json.clone(),
        seq,
        update: recheck && pending.is_none(),
    };
    let index = match pending {
        // Checked twice in this transaction (released in between cannot happen: a release is
        // a transaction of its own), so the first row is replaced.
        Some(i) => {
            if let Some(slot) = books.order_rows.get_mut(i) {
                let update = slot.update;
                *slot = OrderRowOut { update, ..row };
            }
            i
        }
        None => {
            books.order_rows.push(row);
            books.order_rows.len() - 1
        }
    };
    books.orders.insert(
        o.req.order_ref.clone(),
        Known {
            status: status.as_str().to_owned(),
            request_hash: o.request_hash.clone(),
            result: result_json,
            request: o.request_json.clone(),
            pending: Some(index),
        },
    );
    Ok(Ok(result))
}

impl Books {
    /// Writes what the checks queued: license depletions, orders, then their shipments and
    /// holds (multi-row inserts).
    fn write(&self, tx: &mut Tx<'_>, user: &str, now_s: &str) -> Result<()> {
        for (number, (quantity, value)) in &self.depleted {
            let changed = tx.exec(
                "UPDATE licenses SET quantity_remaining = quantity_remaining - ?, \
                 value_remaining_cents = CASE WHEN value_remaining_cents IS NULL THEN NULL \
                 ELSE value_remaining_cents - ? END, updated_at = ? \
                 WHERE number = ? AND status = 'granted' AND quantity_remaining >= ? \
                 AND (value_remaining_cents IS NULL OR value_remaining_cents >= ?)",
                &[
                    pi(*quantity),
                    pi(*value),
                    pt(now_s),
                    pt(number),
                    pi(*quantity),
                    pi(*value),
                ],
            )?;
            if changed != 1 {
                // Cannot happen while the audit head is locked; if a writer outside the
                // ledger raced us, refuse.
                return Err(LedgerError::Corrupt(format!(
                    "license `{number}` changed during the check"
                )));
            }
        }
        let mut params = Vec::new();
        for r in &self.order_rows {
            if r.update {
                tx.exec(
                    "UPDATE orders SET status = ?, result = ?, checked_at = ?, checked_by = ?, \
                     audit_seq = ? WHERE order_ref = ?",
                    &[
                        pt(r.status),
                        pt(&r.result),
                        pt(now_s),
                        pt(user),
                        pi(r.seq),
                        pt(&r.order_ref),
                    ],
                )?;
                continue;
            }
            params.extend([
                pt(&r.order_ref),
                pt(&r.request_hash),
                pt(&r.request),
                pt(&r.item_id),
                pt(&r.destination),
                pi(r.quantity),
                pt(&r.ship_date),
                pt(r.status),
                pt(&r.result),
                pt(now_s),
                pt(user),
                pi(r.seq),
            ]);
        }
        tx.conn.insert_rows(
            "INSERT INTO orders (order_ref, request_hash, request, item_id, destination, \
             quantity, ship_date, status, result, checked_at, checked_by, audit_seq)",
            "",
            12,
            &params,
        )?;
        let mut params = Vec::new();
        for r in &self.shipment_rows {
            params.extend([
                pt(&r.order_ref),
                pt(&r.authority),
                pt(r.kind),
                pot(r.license.as_deref()),
                pi(r.quantity),
                poi(r.value_cents),
                pt(&r.ship_date),
                pt(now_s),
                pi(r.seq),
            ]);
        }
        tx.conn.insert_rows(
            "INSERT INTO shipments (order_ref, authority, authority_kind, license_number, \
             quantity, value_cents, ship_date, recorded_at, audit_seq)",
            "",
            9,
            &params,
        )?;
        let mut params = Vec::new();
        for r in &self.hold_rows {
            params.extend([pi(r.seq), pt(&r.order_ref), pt(&r.reasons), pt(now_s), pt(user)]);
        }
        tx.conn.insert_rows(
            "INSERT INTO holds (hold_id, order_ref, reasons, held_at, held_by)",
            "",
            5,
            &params,
        )?;
        Ok(())
    }
}

impl Ledger {
    /// Records the check of one order: ships it (depleting the license
    /// atomically) or holds it with its reasons, and appends one audit record
    /// (`order.shipped` / `order.held`) carrying the request, the whole
    /// determination and the result. See the module docs for the rules.
    ///
    /// Errors (nothing written): invalid order fields, an inconsistent
    /// determination, an `order_ref` reused with different contents, a
    /// named license that does not exist or expired before the shipment date.
    pub fn check_order(
        &mut self,
        req: &OrderRequest,
        det: &DeterminationSummary,
        user: &str,
        now: Timestamp,
    ) -> Result<OrderResult> {
        self.record_order(RecordOrder::new(req, det), user, now)
    }

    /// [`Ledger::check_order`] with everything the check records ([`RecordOrder`]: the order,
    /// its determination, and the reason it is backdated, if it is).
    pub fn record_order(&mut self, order: RecordOrder<'_>, user: &str, now: Timestamp) -> Result<OrderResult> {
        self.record_orders(std::slice::from_ref(&order), user, now)?
            .pop()
            .unwrap_or_else(|| Err(LedgerError::Corrupt("no result for the order".into())))
    }

    /// Records the checks of many orders in **one transaction** (group commit): each order is
    /// checked as [`Ledger::check_order`] checks it, in the order given (a later order sees
    /// what an earlier one depleted or recorded), and gets its own audit record; the chain's
    /// head is updated once, and the rows are written with a few multi-row statements. One
    /// answer per order, in order: an order refused for its input (invalid fields, a
    /// conflicting re-check, an unknown or expired named license, a missing `backdated`) is an
    /// `Err` in its place and changes nothing; the others are recorded. The outer `Err` (the
    /// store failed, a user that is not valid) records nothing.
    pub fn record_orders(
        &mut self,
        orders: &[RecordOrder<'_>],
        user: &str,
        now: Timestamp,
    ) -> Result<Vec<Result<OrderResult>>> {
        let user = validate::user(user)?;
        let checked: Vec<Result<CheckedOrder>> = orders.iter().map(|o| check_request(o)).collect();
        if checked.iter().all(Result::is_err) {
            return Ok(checked
                .into_iter()
                .map(|c| match c {
                    Err(e) => Err(e),
                    Ok(_) => Err(LedgerError::Corrupt("an order check was lost".into())),
                })
                .collect());
        }
        let now_s = now.to_string();
        let answers = self.write(|tx| {
            let valid: Vec<&CheckedOrder> = checked.iter().filter_map(|c| c.as_ref().ok()).collect();
            let mut books = Books::load(tx, &valid)?;
            let mut answers = Vec::with_capacity(valid.len());
            for o in &valid {
                answers.push(check_one(tx, &mut books, o, &user, now)?);
            }
            books.write(tx, &user, &now_s)?;
            Ok(answers)
        })?;
        let mut answers = answers.into_iter();
        Ok(checked
            .into_iter()
            .map(|c| match c {
                Err(e) => Err(e),
                Ok(_) => answers
                    .next()
                    .unwrap_or_else(|| Err(LedgerError::Corrupt("an order check was lost".into()))),
            })
            .collect())
    }

    /// One order with its latest result.
    pub fn order(&mut self, order_ref: &str) -> Result<OrderRecord> {
        let r = self
            .conn
            .query_opt(
                "SELECT request, status, result, checked_by FROM orders WHERE order_ref = ?",
                &[pt(order_ref.trim())],
            )?
            .ok_or_else(|| LedgerError::UnknownOrder(order_ref.trim().to_string()))?;
        order_record_from_row(&r)
    }

    /// Orders, optionally only those with `status`, in check order.
    pub fn list_orders(&mut self, status: Option<OrderStatus>) -> Result<Vec<OrderRecord>> {
        let rows = match status {
            Some(s) => self.conn.query(
                "SELECT request, status, result, checked_by FROM orders WHERE status = ? ORDER BY audit_seq",
                &[pt(s.as_str())],
            )?,
            None => self.conn.query(
                "SELECT request, status, result, checked_by FROM orders ORDER BY audit_seq",
                &[],
            )?,
        };
        rows.iter().map(order_record_from_row).collect()
    }

    /// Holds, oldest first; only open ones when `open_only`.
    pub fn list_holds(&mut self, open_only: bool) -> Result<Vec<Hold>> {
        let sql = if open_only {
            format!("SELECT {HOLD_COLS} FROM holds WHERE released_at IS NULL ORDER BY hold_id")
        } else {
            format!("SELECT {HOLD_COLS} FROM holds ORDER BY hold_id")
        };
        self.conn.query(&sql, &[])?.iter().map(hold_from_row).collect()
    }

    /// Releases the open hold on `order_ref`. A reason and a user are
    /// required; the release is recorded (`hold.release`). The order can then
    /// be checked again. Releasing an unknown order, a shipped order or an
    /// already released hold is an error.
    pub fn release_hold(&mut self, order_ref: &str, reason: &str, user: &str, now: Timestamp) -> Result<Hold> {
        if reason.trim().is_empty() {
            return Err(LedgerError::ReleaseWithoutReason);
        }
        let reason = validate::text("reason", reason)?;
        let user = validate::user(user)?;
        let order_ref = order_ref.trim().to_string();
        let now_s = now.to_string();
        self.write(|tx| {
            let status = tx
                .query_opt("SELECT status FROM orders WHERE order_ref = ?", &[pt(&order_ref)])?
                .ok_or_else(|| LedgerError::UnknownOrder(order_ref.clone()))?
                .t(0)?;
            let sql = format!("SELECT {HOLD_COLS} FROM holds WHERE order_ref = ? ORDER BY hold_id DESC LIMIT 1");
            let last = tx
                .query_opt(&sql, &[pt(&order_ref)])?
                .map(|r| hold_from_row(&r))
                .transpose()?;
            let hold = match last {
                Some(h) if h.released_at.is_none() => h,
                Some(h) if status != OrderStatus::Shipped.as_str() => {
                    return Err(LedgerError::NotHeld {
                        order_ref: order_ref.clone(),
                        detail: format!(
                            ": its hold was already released on {} by {}",
                            h.released_at.map(|t| t.to_string()).unwrap_or_default(),
                            h.released_by.unwrap_or_default()
                        ),
                    })
                }
                _ => {
                    return Err(LedgerError::NotHeld {
                        order_ref: order_ref.clone(),
                        detail: ": it shipped".to_string(),
                    })
                }
            };
            let payload = serde_json::json!({
                "order_ref": &order_ref,
                "hold_id": hold.hold_id,
                "reasons": &hold.reasons,
                "release_reason": &reason,
            })
            .to_string();
            let seq = tx.append(&NewRecord::new(
                "hold.release",
                &order_subject(&order_ref),
                &payload,
                &user,
                now,
            ))?;
            tx.exec(
                "UPDATE holds SET released_at = ?, released_by = ?, release_reason = ?, release_seq = ? \
                 WHERE hold_id = ? AND released_at IS NULL",
                &[pt(&now_s), pt(&user), pt(&reason), pi(seq), pi(hold.hold_id as i64)],
            )?;
            tx.exec(
                "UPDATE orders SET status = 'released' WHERE order_ref = ?",
                &[pt(&order_ref)],
            )?;
            Ok(Hold {
                released_at: Some(now),
                released_by: Some(user.clone()),
                release_reason: Some(reason.clone()),
                release_seq: Some(stored_u64(seq)?),
                ..hold
            })
        })
    }

    /// Suspends a route: every order for `item` (an item id or ECCN
    /// paragraph) to `destination` is held until [`Ledger::resume_route`].
    pub fn suspend_route(
        &mut self,
        item: &str,
        destination: &str,
        reason: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<RouteSuspension> {
        let item = validate::item("route item", item)?;
        let destination = validate::country("destination", destination)?;
        let reason = validate::reason("suspending a route", reason)?;
        let user = validate::user(user)?;
        let now_s = now.to_string();
        self.write(|tx| {
            if active_route(tx, &item, &destination)?.is_some() {
                return Err(LedgerError::RouteAlreadySuspended {
                    item: item.clone(),
                    destination: destination.clone(),
                });
            }
            let payload = serde_json::json!({
                "item": &item, "destination": &destination, "reason": &reason,
            })
            .to_string();
            let seq = tx.append(&NewRecord::new(
                "route.suspend",
                &route_subject(&item, &destination),
                &payload,
                &user,
                now,
            ))?;
            tx.exec(
                "INSERT INTO route_suspensions (id, item, destination, reason, suspended_at, suspended_by) \
                 VALUES (?, ?, ?, ?, ?, ?)",
                &[pi(seq), pt(&item), pt(&destination), pt(&reason), pt(&now_s), pt(&user)],
            )?;
            Ok(RouteSuspension {
                id: stored_u64(seq)?,
                item: item.clone(),
                destination: destination.clone(),
                reason: reason.clone(),
                suspended_at: now,
                suspended_by: user.clone(),
                resumed_at: None,
                resumed_by: None,
                resume_reason: None,
            })
        })
    }

    /// Resumes a suspended route. Orders checked from now on are no longer
    /// held for it; orders already held for it are listed in the answer
    /// (release them with a reason, then check them again).
    pub fn resume_route(
        &mut self,
        item: &str,
        destination: &str,
        reason: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<RouteResumed> {
        let item = validate::item("route item", item)?;
        let destination = validate::country("destination", destination)?;
        let reason = validate::reason("resuming a route", reason)?;
        let user = validate::user(user)?;
        let now_s = now.to_string();
        self.write(|tx| {
            let s = active_route(tx, &item, &destination)?.ok_or_else(|| LedgerError::RouteNotSuspended {
                item: item.clone(),
                destination: destination.clone(),
            })?;
            let payload = serde_json::json!({
                "item": &s.item, "destination": &s.destination, "suspension_id": s.id,
                "reason": &reason,
            })
            .to_string();
            tx.append(&NewRecord::new(
                "route.resume",
                &route_subject(&s.item, &s.destination),
                &payload,
                &user,
                now,
            ))?;
            tx.exec(
                "UPDATE route_suspensions SET resumed_at = ?, resumed_by = ?, resume_reason = ? WHERE id = ?",
                &[pt(&now_s), pt(&user), pt(&reason), pi(s.id as i64)],
            )?;
            let mut held_orders = Vec::new();
            let sql = format!("SELECT {HOLD_COLS} FROM holds WHERE released_at IS NULL ORDER BY hold_id");
            for r in tx.query(&sql, &[])? {
                let h = hold_from_row(&r)?;
                let blocked = h.reasons.iter().any(|x| {
                    matches!(x, HoldReason::RouteSuspended { item: i, destination: d, .. }
                        if i.eq_ignore_ascii_case(&s.item) && *d == s.destination)
                });
                if blocked {
                    held_orders.push(h.order_ref);
                }
            }
            Ok(RouteResumed {
                suspension: RouteSuspension {
                    resumed_at: Some(now),
                    resumed_by: Some(user.clone()),
                    resume_reason: Some(reason.clone()),
                    ..s
                },
                held_orders,
            })
        })
    }

    /// Route suspensions, oldest first; only active ones when `active_only`.
    pub fn list_routes(&mut self, active_only: bool) -> Result<Vec<RouteSuspension>> {
        let sql = if active_only {
            format!("SELECT {ROUTE_COLS} FROM route_suspensions WHERE resumed_at IS NULL ORDER BY id")
        } else {
            format!("SELECT {ROUTE_COLS} FROM route_suspensions ORDER BY id")
        };
        self.conn.query(&sql, &[])?.iter().map(route_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revenue_share_rounds_half_up() {
        let c = vec![Condition::RevenueShare { percent: 15.0 }];
        assert_eq!(revenue_share_due(&c, Some(1_000_000)), Some(150_000));
        assert_eq!(revenue_share_due(&c, Some(3)), Some(0));
        assert_eq!(revenue_share_due(&c, Some(10)), Some(2)); // 1.5 → 2
        assert_eq!(revenue_share_due(&c, None), None);
        assert_eq!(revenue_share_due(&[], Some(10)), None);
    }
}
