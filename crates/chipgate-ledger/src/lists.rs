//! Keyset-paged lists (orders, holds, licenses, route suspensions) for callers that show
//! a store too large to read at once (the HTTP API).
//!
//! Each query continues *after a key* (the last row of the previous page) rather than at
//! an offset, so rows inserted between two pages are neither skipped nor repeated: orders
//! go by `audit_seq` (the check's audit record: a new order always sorts last), holds by
//! their priority class and `hold_id`, licenses by number, routes by id. The caller asks
//! for one row more than it shows to learn whether a next page exists.
//!
//! Holds are filtered and ranked by the `kind` of their reasons, read from the stored
//! reasons JSON (`[{"kind":"screening_hit",…},…]`, written compactly by serde_json, so a
//! kind appears exactly as `"kind":"<kind>"`; a string value cannot contain that text
//! unescaped).

use std::collections::BTreeMap;

use crate::db::{pi, pt, P};
use crate::error::{LedgerError, Result};
use crate::ledger::Ledger;
use crate::licenses::{license_from_row, LICENSE_COLS};
use crate::model::{Hold, HoldReason, License, LicenseStatus, OrderRecord, OrderStatus, RouteSuspension};
use crate::orders::{hold_from_row, order_record_from_row, HOLD_COLS, ROUTE_COLS};
use crate::time::Date;

/// Which holds a hold list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldStatus {
    /// Not yet released (the work queue).
    Open,
    /// Released.
    Released,
    /// Both.
    All,
}

impl HoldStatus {
    fn sql(self) -> &'static str {
        match self {
            HoldStatus::Open => "released_at IS NULL",
            HoldStatus::Released => "released_at IS NOT NULL",
            HoldStatus::All => "1 = 1",
        }
    }
}

/// The order of a hold list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldSort {
    /// Holds with a `screening_hit` reason first, then `indeterminate`, then
    /// `route_suspended`, then the rest ([`Hold::priority`]); newest first within each.
    Priority,
    /// Newest first (highest `hold_id`).
    Newest,
    /// Oldest first.
    Oldest,
}

/// Where a hold page continues: after the hold with this priority and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldKey {
    /// [`Hold::priority`] of the last hold shown (ignored unless sorting by priority).
    pub priority: i64,
    /// `hold_id` of the last hold shown.
    pub hold_id: u64,
}

/// A hold list: which holds, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldQuery {
    /// Open, released or all.
    pub status: HoldStatus,
    /// Only holds with at least one reason of one of these kinds (all when empty); each
    /// must be one of [`HoldReason::KINDS`].
    pub kinds: Vec<String>,
    /// The order.
    pub sort: HoldSort,
}

/// The reason kinds that rank a hold, most urgent first; any other kind ranks after them.
const PRIORITY_KINDS: [&str; 3] = ["screening_hit", "indeterminate", "route_suspended"];

impl HoldReason {
    /// Every reason kind (the `kind` tag of the JSON), in declaration order.
    pub const KINDS: &'static [&'static str] = &[
        "screening_hit",
        "indeterminate",
        "route_suspended",
        "no_covering_license",
        "license_does_not_cover",
        "license_party_mismatch",
        "license_not_granted",
        "license_suspended",
        "license_expired",
        "license_not_yet_valid",
        "license_exhausted",
        "license_value_exhausted",
        "order_value_unknown",
        "exception_not_selected",
        "nac_missing",
        "nac_pending",
        "nac_rejected",
    ];

    /// The `kind` tag of this reason (one of [`HoldReason::KINDS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            HoldReason::ScreeningHit { .. } => "screening_hit",
            HoldReason::Indeterminate { .. } => "indeterminate",
            HoldReason::RouteSuspended { .. } => "route_suspended",
            HoldReason::NoCoveringLicense => "no_covering_license",
            HoldReason::LicenseDoesNotCover { .. } => "license_does_not_cover",
            HoldReason::LicensePartyMismatch { .. } => "license_party_mismatch",
            HoldReason::LicenseNotGranted { .. } => "license_not_granted",
            HoldReason::LicenseSuspended { .. } => "license_suspended",
            HoldReason::LicenseExpired { .. } => "license_expired",
            HoldReason::LicenseNotYetValid { .. } => "license_not_yet_valid",
            HoldReason::LicenseExhausted { .. } => "license_exhausted",
            HoldReason::LicenseValueExhausted { .. } => "license_value_exhausted",
            HoldReason::OrderValueUnknown { .. } => "order_value_unknown",
            HoldReason::ExceptionNotSelected => "exception_not_selected",
            HoldReason::NacMissing => "nac_missing",
            HoldReason::NacPending { .. } => "nac_pending",
            HoldReason::NacRejected { .. } => "nac_rejected",
        }
    }
}

impl Hold {
    /// The hold's rank in the work queue: 0 with a `screening_hit` reason, else 1 with an
    /// `indeterminate` one, else 2 with a `route_suspended` one, else 3.
    pub fn priority(&self) -> i64 {
        let rank = |kind: &str| {
            PRIORITY_KINDS
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(PRIORITY_KINDS.len())
        };
        let best = self
            .reasons
            .iter()
            .map(|r| rank(r.kind()))
            .min()
            .unwrap_or(PRIORITY_KINDS.len());
        i64::try_from(best).unwrap_or(i64::MAX)
    }
}

/// `reasons LIKE '%"kind":"<kind>"%'`, with `_` escaped.
fn kind_pattern(kind: &str) -> String {
    format!("%\"kind\":\"{}\"%", kind.replace('_', "\\_"))
}

/// The SQL of [`Hold::priority`], over the `reasons` column. The kinds are constants.
fn priority_sql() -> String {
    let mut sql = String::from("CAST(CASE");
    for (rank, kind) in PRIORITY_KINDS.iter().enumerate() {
        sql.push_str(&format!(
            " WHEN reasons LIKE '{}' ESCAPE '\\' THEN {rank}",
            kind_pattern(kind)
        ));
    }
    sql.push_str(&format!(" ELSE {} END AS BIGINT)", PRIORITY_KINDS.len()));
    sql
}

fn key_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn limit_i64(limit: u64) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Ledger {
    /// At most `limit` orders in check order (by the `audit_seq` of their latest check),
    /// after the order whose latest check is `after`, optionally only those with
    /// `status`. An order checked again (after its hold was released) moves to the end.
    pub fn orders_page(
        &mut self,
        status: Option<OrderStatus>,
        after: Option<u64>,
        limit: u64,
    ) -> Result<Vec<OrderRecord>> {
        let after = after.map_or(0, key_i64);
        let rows = match status {
            Some(s) => self.conn.query(
                "SELECT request, status, result, checked_by FROM orders \
                 WHERE audit_seq > ? AND status = ? ORDER BY audit_seq LIMIT ?",
                &[pi(after), pt(s.as_str()), pi(limit_i64(limit))],
            )?,
            None => self.conn.query(
                "SELECT request, status, result, checked_by FROM orders \
                 WHERE audit_seq > ? ORDER BY audit_seq LIMIT ?",
                &[pi(after), pi(limit_i64(limit))],
            )?,
        };
        rows.iter().map(order_record_from_row).collect()
    }

    /// At most `limit` holds matching `query`, in its order, after `after`.
    ///
    /// Errors: a kind that is not one of [`HoldReason::KINDS`].
    pub fn holds_page(&mut self, query: &HoldQuery, after: Option<HoldKey>, limit: u64) -> Result<Vec<Hold>> {
        for kind in &query.kinds {
            if !HoldReason::KINDS.contains(&kind.as_str()) {
                return Err(LedgerError::InvalidField {
                    field: "kind",
                    value: kind.clone(),
                    why: "not a hold reason kind",
                });
            }
        }
        let patterns: Vec<String> = query.kinds.iter().map(|k| kind_pattern(k)).collect();
        let mut params: Vec<P<'_>> = Vec::new();
        let mut filter = String::from(query.status.sql());
        if !patterns.is_empty() {
            let any: Vec<&str> = patterns.iter().map(|_| "reasons LIKE ? ESCAPE '\\'").collect();
            filter.push_str(&format!(" AND ({})", any.join(" OR ")));
            params.extend(patterns.iter().map(|p| pt(p)));
        }
        let (position, order) = match query.sort {
            HoldSort::Priority => ("(prio > ? OR (prio = ? AND hold_id < ?))", "prio, hold_id DESC"),
            HoldSort::Newest => ("hold_id < ?", "hold_id DESC"),
            HoldSort::Oldest => ("hold_id > ?", "hold_id"),
        };
        let mut page = String::new();
        if let Some(key) = after {
            page = format!("WHERE {position}");
            if query.sort == HoldSort::Priority {
                params.push(pi(key.priority));
                params.push(pi(key.priority));
            }
            params.push(pi(key_i64(key.hold_id)));
        }
        params.push(pi(limit_i64(limit)));
        let sql = format!(
            "SELECT {HOLD_COLS} FROM (SELECT {HOLD_COLS}, {prio} AS prio FROM holds WHERE {filter}) ranked \
             {page} ORDER BY {order} LIMIT ?",
            prio = priority_sql(),
        );
        self.conn.query(&sql, &params)?.iter().map(hold_from_row).collect()
    }

    /// How many holds with `status` have at least one reason of each kind (every kind of
    /// [`HoldReason::KINDS`], zero included).
    pub fn hold_counts(&mut self, status: HoldStatus) -> Result<BTreeMap<&'static str, u64>> {
        let sums: Vec<String> = HoldReason::KINDS
            .iter()
            .map(|k| {
                format!(
                    "COALESCE(SUM(CASE WHEN reasons LIKE '{}' ESCAPE '\\' THEN 1 ELSE 0 END), 0)",
                    kind_pattern(k)
                )
            })
            .collect();
        let sql = format!("SELECT {} FROM holds WHERE {}", sums.join(", "), status.sql());
        let row = self.conn.query_one(&sql, &[])?;
        let mut counts = BTreeMap::new();
        for (i, kind) in HoldReason::KINDS.iter().enumerate() {
            let n = u64::try_from(row.i(i)?).map_err(|_| LedgerError::Corrupt("negative count".into()))?;
            counts.insert(*kind, n);
        }
        Ok(counts)
    }

    /// At most `limit` licenses by number, after `after`, with status as of `as_of`,
    /// optionally only those whose status on that date is `status` (`expired` is derived
    /// from `valid_to`, as in [`Ledger::list_licenses`]).
    pub fn licenses_page(
        &mut self,
        as_of: Date,
        status: Option<LicenseStatus>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<License>> {
        let day = as_of.to_string();
        let mut params: Vec<P<'_>> = vec![pt(after.unwrap_or(""))];
        let filter = match status {
            None => "",
            Some(LicenseStatus::Granted | LicenseStatus::Suspended) => " AND status = ? AND valid_to >= ?",
            Some(LicenseStatus::Expired) => " AND status IN ('granted', 'suspended') AND valid_to < ?",
            Some(_) => " AND status = ?",
        };
        match status {
            None => {}
            Some(s @ (LicenseStatus::Granted | LicenseStatus::Suspended)) => {
                params.push(pt(s.as_str()));
                params.push(pt(&day));
            }
            Some(LicenseStatus::Expired) => params.push(pt(&day)),
            Some(s) => params.push(pt(s.as_str())),
        }
        params.push(pi(limit_i64(limit)));
        let sql = format!("SELECT {LICENSE_COLS} FROM licenses WHERE number > ?{filter} ORDER BY number LIMIT ?");
        self.conn
            .query(&sql, &params)?
            .iter()
            .map(|r| license_from_row(r, Some(as_of)))
            .collect()
    }

    /// At most `limit` route suspensions by id (oldest first), after `after`; only those
    /// in force when `active_only`.
    pub fn routes_page(&mut self, active_only: bool, after: Option<u64>, limit: u64) -> Result<Vec<RouteSuspension>> {
        let active = if active_only { " AND resumed_at IS NULL" } else { "" };
        let sql = format!("SELECT {ROUTE_COLS} FROM route_suspensions WHERE id > ?{active} ORDER BY id LIMIT ?");
        self.conn
            .query(&sql, &[pi(after.map_or(0, key_i64)), pi(limit_i64(limit))])?
            .iter()
            .map(crate::orders::route_from_row)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_the_serialized_tags() {
        let reasons = [
            HoldReason::ScreeningHit { hits: vec![] },
            HoldReason::Indeterminate { reasons: vec![] },
            HoldReason::NoCoveringLicense,
            HoldReason::ExceptionNotSelected,
            HoldReason::NacMissing,
            HoldReason::NacRejected {
                notification: "N".into(),
            },
        ];
        for r in &reasons {
            let json = serde_json::to_value(r).unwrap_or_default();
            assert_eq!(json["kind"], r.kind(), "{r:?}");
            let text = serde_json::to_string(&[r]).unwrap_or_default();
            assert!(text.contains(&format!("\"kind\":\"{}\"", r.kind())), "{text}");
        }
        assert_eq!(HoldReason::KINDS.len(), 17);
    }
}
