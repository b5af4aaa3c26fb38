//! The ledger's public data types: what callers hand in and what they get back.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::LedgerError;
use crate::time::{Date, Timestamp};

/// One order as the caller describes it to [`crate::Ledger::check_order`].
///
/// Numbers are signed so that a negative quantity typed by a user reaches
/// the ledger's validator and gets a clear message instead of a parse error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// The caller's order id; unique, and the idempotency key.
    pub order_ref: String,
    /// The item's id in the caller's catalogue (e.g. `nvidia-h20`).
    pub item_id: String,
    /// The item's ECCN paragraphs (e.g. `["3A090.a"]`).
    #[serde(default)]
    pub eccn: Vec<String>,
    /// Destination country, ISO 3166 alpha-2.
    pub destination: String,
    /// Units ordered; must be positive.
    pub quantity: i64,
    /// Value of one unit in US cents, if known.
    #[serde(default)]
    pub unit_value_cents: Option<i64>,
    /// The consignee named on the order.
    #[serde(default)]
    pub consignee: Option<String>,
    /// The end user named on the order.
    #[serde(default)]
    pub end_user: Option<String>,
    /// Shipment date, `YYYY-MM-DD`; license validity is judged on this date.
    pub date: Date,
    /// Ship against this license only (otherwise the ledger picks one).
    #[serde(default)]
    pub license: Option<String>,
    /// Every other input of the determination, by name (end-user and parent headquarters,
    /// end use, owners, exporter, license exception chosen, region, …): part of the
    /// idempotency hash, so a re-check that differs in any of them is refused, never replayed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, serde_json::Value>,
}

/// One order to record with what decided it: the typed request of
/// [`crate::Ledger::record_orders`] (and [`crate::Ledger::record_order`]).
#[derive(Debug, Clone, Copy)]
pub struct RecordOrder<'a> {
    /// The order.
    pub order: &'a OrderRequest,
    /// The engine's and screening's verdict, stored in the audit record.
    pub determination: &'a DeterminationSummary,
    /// Why an order dated before today is recorded now: required when it would ship against a
    /// license that has expired by today, and recorded in its audit record whenever given.
    pub backdated: Option<&'a str>,
    /// The determination's full report as JSON text, stored instead of
    /// `determination.report` when given: a large report need not be built as a JSON tree
    /// first (`serde_json::value::to_raw_value` serializes it once).
    pub report: Option<&'a serde_json::value::RawValue>,
}

impl<'a> RecordOrder<'a> {
    /// An order and its determination, not backdated.
    pub fn new(order: &'a OrderRequest, determination: &'a DeterminationSummary) -> RecordOrder<'a> {
        RecordOrder {
            order,
            determination,
            backdated: None,
            report: None,
        }
    }
}

/// The determination engine's verdict on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No license required (NLR).
    NoLicenseRequired,
    /// A license is required but a license exception may be used.
    LicenseExceptionAvailable,
    /// A license is required.
    LicenseRequired,
    /// The engine could not decide; a person must review.
    Indeterminate,
}

impl Outcome {
    /// The snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoLicenseRequired => "no_license_required",
            Outcome::LicenseExceptionAvailable => "license_exception_available",
            Outcome::LicenseRequired => "license_required",
            Outcome::Indeterminate => "indeterminate",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "no_license_required" => Outcome::NoLicenseRequired,
            "license_exception_available" => Outcome::LicenseExceptionAvailable,
            "license_required" => Outcome::LicenseRequired,
            "indeterminate" => Outcome::Indeterminate,
            _ => {
                return Err(LedgerError::InvalidField {
                    field: "outcome",
                    value: s.to_string(),
                    why: "expected no_license_required, license_exception_available, license_required or indeterminate",
                })
            }
        })
    }
}

/// What the determination engine and screening decided, handed in by the
/// caller (this crate does not depend on the engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeterminationSummary {
    /// Whether a license (or license exception) is required.
    pub license_required: bool,
    /// The verdict.
    pub outcome: Outcome,
    /// The license exception the exporter chose (e.g. `NAC`, `TSU`), for
    /// [`Outcome::LicenseExceptionAvailable`]. `NAC` (and `ACA`) need a
    /// cleared NAC notification.
    #[serde(default)]
    pub exception: Option<String>,
    /// Human-readable reasons (rules that fired).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Restricted-party screening hits; any hit holds the order.
    #[serde(default)]
    pub screening_hits: Vec<String>,
    /// Version of the engine that decided.
    pub engine_version: String,
    /// Version of the rule set it applied.
    pub ruleset_id: String,
    /// The screening list snapshot it used.
    #[serde(default)]
    pub list_snapshot_id: Option<String>,
    /// The full determination JSON, stored verbatim in the audit record.
    #[serde(default)]
    pub report: serde_json::Value,
}

/// A license's lifecycle status. `Expired` is never stored: it is derived
/// when the date in question is after `valid_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    /// Applied for, not yet decided.
    Applied,
    /// Granted: can be shipped against within its validity.
    Granted,
    /// Rejected by the agency.
    Rejected,
    /// Suspended (by the agency or the officer); resumable.
    Suspended,
    /// Revoked; final.
    Revoked,
    /// Past its validity (derived).
    Expired,
}

impl LicenseStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Applied => "applied",
            LicenseStatus::Granted => "granted",
            LicenseStatus::Rejected => "rejected",
            LicenseStatus::Suspended => "suspended",
            LicenseStatus::Revoked => "revoked",
            LicenseStatus::Expired => "expired",
        }
    }
}

impl fmt::Display for LicenseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LicenseStatus {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "applied" => LicenseStatus::Applied,
            "granted" => LicenseStatus::Granted,
            "rejected" => LicenseStatus::Rejected,
            "suspended" => LicenseStatus::Suspended,
            "revoked" => LicenseStatus::Revoked,
            "expired" => LicenseStatus::Expired,
            _ => return Err(LedgerError::UnknownStatus(s.to_string())),
        })
    }
}

/// A license condition: free text or a structured obligation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// A share of the revenue from shipments under the license is owed (the
    /// 2025 H20 licenses were reported to carry 15%). Each shipment records
    /// the amount due when the order has a value.
    RevenueShare {
        /// Percent of shipment value, in (0, 100].
        percent: f64,
    },
    /// An inspection or verification obligation.
    Inspection {
        /// What must be inspected.
        text: String,
    },
    /// Any other condition, as text.
    Text {
        /// The condition.
        text: String,
    },
}

/// A license to record with [`crate::Ledger::add_license`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewLicense {
    /// License number, unique (e.g. `D1234567`).
    pub number: String,
    /// The license holder (exporter).
    pub holder: String,
    /// Covered items: item ids or ECCN paragraphs. An entry shaped like an
    /// ECCN (`3A090`, `3A090.a`) covers that paragraph and its
    /// sub-paragraphs; anything else is an item id matched exactly
    /// (ignoring ASCII case).
    pub items: Vec<String>,
    /// Covered destinations, ISO alpha-2.
    pub destinations: Vec<String>,
    /// Consignee the license names, if any (orders must match).
    #[serde(default)]
    pub consignee: Option<String>,
    /// End user the license names, if any (orders must match).
    #[serde(default)]
    pub end_user: Option<String>,
    /// Quantity cap; a positive integer.
    pub quantity_cap: i64,
    /// Value cap in US cents, if the license has one.
    #[serde(default)]
    pub value_cap_cents: Option<i64>,
    /// First valid day, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Last valid day, `YYYY-MM-DD`.
    pub valid_to: String,
    /// Conditions attached to the license.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Initial status (`applied` or `granted` usually; never `expired`).
    pub status: LicenseStatus,
}

/// A stored license.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct License {
    /// License number.
    pub number: String,
    /// Holder.
    pub holder: String,
    /// Effective status as of the date asked about (may be `expired`).
    pub status: LicenseStatus,
    /// Status as stored (never `expired`).
    pub stored_status: LicenseStatus,
    /// Covered items (ids or ECCN paragraphs).
    pub items: Vec<String>,
    /// Covered destinations.
    pub destinations: Vec<String>,
    /// Named consignee.
    pub consignee: Option<String>,
    /// Named end user.
    pub end_user: Option<String>,
    /// Quantity cap.
    pub quantity_cap: i64,
    /// Quantity not yet shipped.
    pub quantity_remaining: i64,
    /// Value cap in cents.
    pub value_cap_cents: Option<i64>,
    /// Value not yet shipped, in cents.
    pub value_remaining_cents: Option<i64>,
    /// First valid day.
    pub valid_from: Date,
    /// Last valid day.
    pub valid_to: Date,
    /// Conditions.
    pub conditions: Vec<Condition>,
    /// Reason given for the last status change.
    pub status_reason: Option<String>,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// Who recorded it.
    pub created_by: String,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A license with the shipments made against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LicenseDetail {
    /// The license.
    pub license: License,
    /// Shipments against it, oldest first.
    pub shipments: Vec<Shipment>,
}

/// A recorded shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Shipment {
    /// The order shipped.
    pub order_ref: String,
    /// What authorized it: a license number, `NLR`, an exception symbol or
    /// `NAC <number>`.
    pub authority: String,
    /// The license depleted, if any.
    pub license_number: Option<String>,
    /// Units shipped.
    pub quantity: i64,
    /// Value shipped in cents, if known.
    pub value_cents: Option<i64>,
    /// Shipment date.
    pub ship_date: Date,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The audit record of the check that shipped it.
    pub audit_seq: u64,
}

/// Why an order may ship.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Authorization {
    /// No license required.
    Nlr,
    /// Under a license exception the caller selected.
    LicenseException {
        /// Exception symbol (e.g. `TSU`).
        symbol: String,
    },
    /// Under License Exception NAC, with a cleared notification.
    Nac {
        /// Notification id.
        notification: String,
        /// The number BIS returned.
        nac_number: String,
    },
    /// Against a license, which was depleted.
    License {
        /// License number.
        number: String,
        /// Quantity left after this shipment.
        quantity_remaining: i64,
        /// Value left after this shipment, in cents (if capped).
        value_remaining_cents: Option<i64>,
        /// The license's conditions, for the shipping paperwork.
        conditions: Vec<Condition>,
        /// Revenue share owed on this shipment, in cents, when the license
        /// has a revenue-share condition and the order a value.
        revenue_share_due_cents: Option<i64>,
    },
}

impl Authorization {
    /// Short label: the license number, `NLR`, the exception symbol or `NAC <number>`.
    pub fn label(&self) -> String {
        match self {
            Authorization::Nlr => "NLR".to_string(),
            Authorization::LicenseException { symbol } => symbol.clone(),
            Authorization::Nac { nac_number, .. } => format!("NAC {nac_number}"),
            Authorization::License { number, .. } => number.clone(),
        }
    }

    pub(crate) fn kind_str(&self) -> &'static str {
        match self {
            Authorization::Nlr => "nlr",
            Authorization::LicenseException { .. } => "license_exception",
            Authorization::Nac { .. } => "nac",
            Authorization::License { .. } => "license",
        }
    }
}

/// Why an order was held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HoldReason {
    /// Restricted-party screening matched.
    ScreeningHit {
        /// The hits.
        hits: Vec<String>,
    },
    /// The determination was indeterminate.
    Indeterminate {
        /// The engine's reasons.
        reasons: Vec<String>,
    },
    /// The item × destination route is suspended.
    RouteSuspended {
        /// Suspended item id or ECCN paragraph.
        item: String,
        /// Destination.
        destination: String,
        /// Why it was suspended.
        reason: String,
        /// Since when.
        since: Timestamp,
    },
    /// A license is required and no license covers item and destination.
    NoCoveringLicense,
    /// The license the order names does not cover its item or destination.
    LicenseDoesNotCover {
        /// License number.
        number: String,
    },
    /// A covering license names a different consignee or end user.
    LicensePartyMismatch {
        /// License number.
        number: String,
        /// `consignee` or `end_user`.
        party: String,
        /// Whom the license names.
        licensed: String,
    },
    /// A covering license is applied for, rejected or revoked.
    LicenseNotGranted {
        /// License number.
        number: String,
        /// Its status.
        status: LicenseStatus,
    },
    /// A covering license is suspended.
    LicenseSuspended {
        /// License number.
        number: String,
        /// Why.
        reason: Option<String>,
    },
    /// A covering license expired before the shipment date.
    LicenseExpired {
        /// License number.
        number: String,
        /// Last valid day.
        valid_to: Date,
    },
    /// A covering license is not yet valid on the shipment date.
    LicenseNotYetValid {
        /// License number.
        number: String,
        /// First valid day.
        valid_from: Date,
    },
    /// A covering license has too little quantity left.
    LicenseExhausted {
        /// License number.
        number: String,
        /// Quantity left.
        remaining: i64,
        /// Quantity ordered.
        requested: i64,
    },
    /// A covering license has too little value left.
    LicenseValueExhausted {
        /// License number.
        number: String,
        /// Value left, cents.
        remaining_cents: i64,
        /// Order value, cents.
        requested_cents: i64,
    },
    /// A covering license has a value cap but the order has no value.
    OrderValueUnknown {
        /// License number.
        number: String,
    },
    /// An exception is available but the caller chose none.
    ExceptionNotSelected,
    /// License Exception NAC chosen but no notification covers the order.
    NacMissing,
    /// The NAC notification has not cleared (no number returned yet).
    NacPending {
        /// Notification id.
        notification: String,
        /// End of the 25-day clock.
        clock_ends_on: Date,
    },
    /// BIS rejected the NAC notification.
    NacRejected {
        /// Notification id.
        notification: String,
    },
}

impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldReason::ScreeningHit { hits } => {
                write!(f, "screening hit: {}", hits.join(", "))
            }
            HoldReason::Indeterminate { reasons } => {
                write!(f, "indeterminate determination")?;
                if !reasons.is_empty() {
                    write!(f, ": {}", reasons.join("; "))?;
                }
                Ok(())
            }
            HoldReason::RouteSuspended {
                item,
                destination,
                reason,
                since,
            } => write!(f, "route {item} → {destination} suspended since {since}: {reason}"),
            HoldReason::NoCoveringLicense => {
                write!(f, "license required and no license covers the order")
            }
            HoldReason::LicenseDoesNotCover { number } => {
                write!(f, "license `{number}` does not cover this item and destination")
            }
            HoldReason::LicensePartyMismatch {
                number,
                party,
                licensed,
            } => write!(f, "license `{number}` is for {party} `{licensed}`"),
            HoldReason::LicenseNotGranted { number, status } => {
                write!(f, "license `{number}` is {status}")
            }
            HoldReason::LicenseSuspended { number, reason } => {
                write!(f, "license `{number}` is suspended")?;
                if let Some(r) = reason {
                    write!(f, ": {r}")?;
                }
                Ok(())
            }
            HoldReason::LicenseExpired { number, valid_to } => {
                write!(f, "license `{number}` expired on {valid_to}")
            }
            HoldReason::LicenseNotYetValid { number, valid_from } => {
                write!(f, "license `{number}` is valid only from {valid_from}")
            }
            HoldReason::LicenseExhausted {
                number,
                remaining,
                requested,
            } => write!(f, "license `{number}` exhausted: {remaining} left, {requested} ordered"),
            HoldReason::LicenseValueExhausted {
                number,
                remaining_cents,
                requested_cents,
            } => write!(
                f,
                "license `{number}` value exhausted: {} left, {} ordered",
                usd(*remaining_cents),
                usd(*requested_cents)
            ),
            HoldReason::OrderValueUnknown { number } => {
                write!(f, "license `{number}` has a value cap but the order has no unit value")
            }
            HoldReason::ExceptionNotSelected => {
                write!(f, "a license exception is available but none was selected")
            }
            HoldReason::NacMissing => write!(f, "no NAC notification covers the order"),
            HoldReason::NacPending {
                notification,
                clock_ends_on,
            } => write!(
                f,
                "NAC notification `{notification}` has not cleared (25-day clock ends {clock_ends_on})"
            ),
            HoldReason::NacRejected { notification } => {
                write!(f, "NAC notification `{notification}` was rejected")
            }
        }
    }
}

/// Formats cents as `$1234.56`.
pub fn usd(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

/// What happened to a checked order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Disposition {
    /// Recorded as shipped.
    Shipped {
        /// Under what authority.
        authorization: Authorization,
    },
    /// Held; it needs a release with a reason before it can be re-checked.
    Held {
        /// Why (all reasons found, not just the first).
        reasons: Vec<HoldReason>,
    },
}

/// The answer of [`crate::Ledger::check_order`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderResult {
    /// The order.
    pub order_ref: String,
    /// Shipped or held.
    pub disposition: Disposition,
    /// The audit record of the check.
    pub audit_seq: u64,
    /// When the check was recorded.
    pub checked_at: Timestamp,
    /// True when this is the stored result of an earlier check of the same
    /// order (idempotent replay): nothing was written this time.
    pub replayed: bool,
}

impl OrderResult {
    /// Whether the order shipped.
    pub fn is_shipped(&self) -> bool {
        matches!(self.disposition, Disposition::Shipped { .. })
    }
    /// The hold reasons (empty when shipped).
    pub fn hold_reasons(&self) -> &[HoldReason] {
        match &self.disposition {
            Disposition::Held { reasons } => reasons,
            Disposition::Shipped { .. } => &[],
        }
    }
}

/// Stored order status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Shipped; final.
    Shipped,
    /// Held with an open hold.
    Held,
    /// Its hold was released; checking it again re-evaluates it.
    Released,
}

impl OrderStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Shipped => "shipped",
            OrderStatus::Held => "held",
            OrderStatus::Released => "released",
        }
    }
}

impl FromStr for OrderStatus {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "shipped" => OrderStatus::Shipped,
            "held" => OrderStatus::Held,
            "released" => OrderStatus::Released,
            _ => {
                return Err(LedgerError::InvalidField {
                    field: "order status",
                    value: s.to_string(),
                    why: "expected shipped, held or released",
                })
            }
        })
    }
}

/// A stored order with its latest result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderRecord {
    /// The order as checked (normalized).
    pub request: OrderRequest,
    /// Current status.
    pub status: OrderStatus,
    /// The latest check's result.
    pub result: OrderResult,
    /// Who ran the latest check.
    pub checked_by: String,
}

/// A hold on an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Hold {
    /// Hold id (the audit seq of the check that held the order).
    pub hold_id: u64,
    /// The order.
    pub order_ref: String,
    /// Why it was held.
    pub reasons: Vec<HoldReason>,
    /// When.
    pub held_at: Timestamp,
    /// By whom (the user who ran the check).
    pub held_by: String,
    /// When it was released.
    pub released_at: Option<Timestamp>,
    /// Who released it.
    pub released_by: Option<String>,
    /// Why it was released.
    pub release_reason: Option<String>,
    /// The audit record of the release.
    pub release_seq: Option<u64>,
}

/// A route (item × destination) suspension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RouteSuspension {
    /// Id (the audit seq of the suspension).
    pub id: u64,
    /// Item id or ECCN paragraph.
    pub item: String,
    /// Destination.
    pub destination: String,
    /// Why.
    pub reason: String,
    /// When.
    pub suspended_at: Timestamp,
    /// By whom.
    pub suspended_by: String,
    /// When it was resumed.
    pub resumed_at: Option<Timestamp>,
    /// By whom.
    pub resumed_by: Option<String>,
    /// Why.
    pub resume_reason: Option<String>,
}

/// The answer of [`crate::Ledger::resume_route`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RouteResumed {
    /// The suspension, now closed.
    pub suspension: RouteSuspension,
    /// Orders still held because of it: release them (with a reason) and
    /// check them again.
    pub held_orders: Vec<String>,
}

/// A NAC (Notified Advanced Computing) notification to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewNacNotification {
    /// The exporter's id for the notification.
    pub id: String,
    /// Items covered (ids or ECCN paragraphs).
    pub items: Vec<String>,
    /// Destination, ISO alpha-2.
    pub destination: String,
    /// Consignee named, if any.
    #[serde(default)]
    pub consignee: Option<String>,
    /// End user named, if any.
    #[serde(default)]
    pub end_user: Option<String>,
    /// Submission date, `YYYY-MM-DD`.
    pub submitted_on: String,
}

/// NAC notification status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NacStatus {
    /// Submitted; no number yet.
    Pending,
    /// BIS returned a number: orders it covers may ship under NAC.
    Cleared,
    /// BIS objected.
    Rejected,
}

impl NacStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NacStatus::Pending => "pending",
            NacStatus::Cleared => "cleared",
            NacStatus::Rejected => "rejected",
        }
    }
}

/// A stored NAC notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NacNotification {
    /// Id.
    pub id: String,
    /// Items covered.
    pub items: Vec<String>,
    /// Destination.
    pub destination: String,
    /// Consignee.
    pub consignee: Option<String>,
    /// End user.
    pub end_user: Option<String>,
    /// Submitted on.
    pub submitted_on: Date,
    /// Submission + 25 days: when BIS's review window closes.
    pub clock_ends_on: Date,
    /// Status.
    pub status: NacStatus,
    /// The returned NAC number.
    pub nac_number: Option<String>,
    /// Reason given for a rejection.
    pub status_reason: Option<String>,
}

/// An event the caller records itself (e.g. a stand-alone determination or
/// screening run) with [`crate::Ledger::record_event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEvent {
    /// Kind, e.g. `determination` or `screening`. Kinds starting with
    /// `order.`, `license.`, `route.`, `hold.`, `nac.`, `audit.` or `list.` are
    /// reserved for the ledger.
    pub kind: String,
    /// What it is about, e.g. `item:nvidia-h20`.
    pub subject: String,
    /// Inputs and results.
    pub payload: serde_json::Value,
    /// Engine version.
    #[serde(default)]
    pub engine_version: Option<String>,
    /// Rule-set version.
    #[serde(default)]
    pub ruleset_id: Option<String>,
    /// Screening list snapshot.
    #[serde(default)]
    pub list_snapshot_id: Option<String>,
    /// The qualifying event date for retention (default: the record's date).
    #[serde(default)]
    pub event_date: Option<Date>,
}

/// One audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditRecord {
    /// Sequence number, 1-based, gapless.
    pub seq: u64,
    /// When (RFC 3339 UTC, as stored).
    pub ts: String,
    /// Who.
    pub user: String,
    /// What kind of event (`order.shipped`, `license.suspend`, …).
    pub kind: String,
    /// What it is about (`order:REF`, `license:NUMBER`, `route:ITEM:DEST`, …).
    pub subject: String,
    /// The qualifying event date for retention (`YYYY-MM-DD`).
    pub event_date: String,
    /// Inputs and results, JSON text exactly as hashed.
    pub payload: String,
    /// Engine version, for determinations.
    pub engine_version: Option<String>,
    /// Rule-set version, for determinations.
    pub ruleset_id: Option<String>,
    /// Screening list snapshot, for determinations.
    pub list_snapshot_id: Option<String>,
    /// Hash of the previous record (or of the purge anchor).
    pub prev_hash: String,
    /// SHA-256 of this record's canonical serialization, hex.
    pub hash: String,
}

/// What kind of tampering verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TamperKind {
    /// A record's content no longer matches its hash.
    Edited,
    /// A record that the ledger did not append.
    Inserted,
    /// Records are missing.
    Deleted,
    /// A record does not link to its predecessor (a predecessor was rewritten).
    ChainBroken,
    /// The stored head does not match the last record.
    HeadMismatch,
    /// A business table (licenses, orders, shipments, …) differs from what
    /// replaying the log implies: [`TamperFinding::state`] says where.
    StateDiffers,
    /// A stored node of the log's Merkle tree (`audit_tree`, kept for inclusion proofs)
    /// differs from what the records hash to, or is missing.
    TreeDiffers,
}

/// A problem found by [`crate::Ledger::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TamperFinding {
    /// The first broken sequence number; for a state difference, the record
    /// that established the expected value (the head seq for a row no record
    /// explains).
    pub seq: u64,
    /// What is wrong.
    pub kind: TamperKind,
    /// Explanation for the auditor.
    pub detail: String,
    /// For [`TamperKind::StateDiffers`]: the table, row, column and values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StateDifference>,
}

/// Where a business table differs from the state the audit log implies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StateDifference {
    /// The table (`licenses`, `shipments`, …).
    pub table: String,
    /// The row's key (`license_destinations`: `NUMBER/DESTINATION`).
    pub key: String,
    /// What differs.
    pub diff: StateDiff,
    /// The records (seq) that established the expected value or row, oldest
    /// first (a license's remaining quantity: its `license.add` and the last
    /// shipment against it); empty for a row no record explains.
    pub seqs: Vec<u64>,
}

/// How a row differs from the replayed log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum StateDiff {
    /// A column holds another value than the log implies (`None`: NULL).
    Column {
        /// The column.
        column: String,
        /// The value in the table.
        found: Option<String>,
        /// The value the log implies.
        expected: Option<String>,
    },
    /// The log implies a row the table lacks (deleted).
    MissingRow,
    /// The table has a row no record explains (inserted).
    ExtraRow,
}

/// The result of verifying the audit chain and the state it implies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifyReport {
    /// True when the chain is intact and every business table matches the
    /// replayed log.
    pub ok: bool,
    /// Records read.
    pub records: u64,
    /// Seq the chain starts after (0, or the last purged record).
    pub anchor_seq: u64,
    /// The recorded head seq.
    pub head_seq: u64,
    /// The recorded head hash: write it down to detect a later rewrite of
    /// the whole chain.
    pub head_hash: String,
    /// The first problem, if any (the chain's, else the first state
    /// difference).
    pub problem: Option<TamperFinding>,
    /// Every problem: the chain's first one, then every state difference
    /// (table by table, in key order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<TamperFinding>,
    /// What could not be checked and why (rows established by purged
    /// records, records this version cannot read); not failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Audit export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// One JSON object per line; `payload` is embedded as JSON.
    JsonLines,
    /// RFC 4180 CSV with a header row; `payload` is a JSON text column.
    Csv,
}

impl FromStr for ExportFormat {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jsonl" | "json-lines" | "jsonlines" | "ndjson" => Ok(ExportFormat::JsonLines),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(LedgerError::InvalidField {
                field: "export format",
                value: s.to_string(),
                why: "expected jsonl or csv",
            }),
        }
    }
}

/// The result of [`crate::Ledger::purge_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PurgeReport {
    /// Records deleted.
    pub purged: u64,
    /// The chain now starts after this seq.
    pub anchor_seq: u64,
    /// Hash of the last purged record.
    pub anchor_hash: String,
}

/// A schema migration applied to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedMigration {
    /// Version number (file prefix).
    pub version: i64,
    /// Name (file stem after the number).
    pub name: String,
    /// SHA-256 of the applied SQL file.
    pub checksum: String,
}
