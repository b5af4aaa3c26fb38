//! The rows the log implies, one type per table, and what each column should hold.

use crate::migrate::hex;
use crate::model::NacNotification;

/// What a column should hold.
pub(super) enum Expect {
    /// Exactly this text (integers as decimal), or NULL.
    Text(Option<String>),
    /// JSON: equal text, or equal once both are parsed.
    Json(String),
    /// Text whose SHA-256 is this (large texts kept as digests).
    Digest([u8; 32]),
}

/// A column's expected value and the records that established it.
pub(super) struct Want {
    pub(super) column: &'static str,
    pub(super) value: Expect,
    pub(super) seqs: Vec<u64>,
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
pub(super) trait Expected {
    /// The record(s) that created the row.
    fn created_by(&self) -> Vec<u64>;
    /// Its non-key columns, in the order the table's query selects them.
    fn wants(&self) -> Vec<Want>;
}

pub(super) struct LicenseRow {
    pub(super) added: u64,
    pub(super) holder: String,
    pub(super) items: String,
    pub(super) destinations: Vec<String>,
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
pub(super) struct DestinationRow {
    pub(super) added: u64,
}

impl Expected for DestinationRow {
    fn created_by(&self) -> Vec<u64> {
        vec![self.added]
    }
    fn wants(&self) -> Vec<Want> {
        Vec::new()
    }
}

pub(super) struct NacRow {
    pub(super) submitted: u64,
    pub(super) n: NacNotification,
    pub(super) created_at: String,
    pub(super) created_by: String,
    pub(super) updated_at: String,
    pub(super) changed: u64,
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

pub(super) struct Release {
    pub(super) seq: u64,
    pub(super) at: String,
    pub(super) by: String,
    pub(super) reason: String,
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

pub(super) struct Resume {
    pub(super) seq: u64,
    pub(super) at: String,
    pub(super) by: String,
    pub(super) reason: String,
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
