//! Licenses (record, list, show, status changes) and NAC notifications.
//!
//! License state machine (`expired` is derived from `valid_to`, never stored):
//!
//! ```text
//! applied ──grant──▶ granted ──suspend──▶ suspended
//!    │                  ▲ │                  │
//!  reject               │ └──────revoke──────┼──▶ revoked
//!    ▼                  └──────resume────────┘
//! rejected
//! ```
//! `revoke` is also allowed from `applied`. Any change to a license whose
//! validity ended before the date of the change fails with
//! "license `X` expired on DATE".

use serde::Serialize;

use crate::audit::NewRecord;
use crate::db::{pi, poi, pot, pt, Row};
use crate::error::{LedgerError, Result};
use crate::ledger::{stored_date, stored_json, stored_ts, stored_u64, Ledger, Tx};
use crate::model::{
    Condition, License, LicenseDetail, LicenseStatus, NacNotification, NacStatus, NewLicense, NewNacNotification,
    Shipment,
};
use crate::time::{Date, Timestamp};
use crate::validate;

/// Days BIS has to object to a NAC notification.
pub const NAC_CLOCK_DAYS: i32 = 25;

pub(crate) const LICENSE_COLS: &str = "number, holder, status, items, destinations, consignee, \
     end_user, quantity_cap, quantity_remaining, value_cap_cents, value_remaining_cents, \
     valid_from, valid_to, conditions, status_reason, created_at, created_by, updated_at";

pub(crate) fn license_from_row(r: &Row, as_of: Option<Date>) -> Result<License> {
    let stored_status: LicenseStatus = r
        .t(2)?
        .parse()
        .map_err(|_| LedgerError::Corrupt("bad stored license status".into()))?;
    let valid_to = stored_date(&r.t(12)?)?;
    let status = match (stored_status, as_of) {
        (LicenseStatus::Granted | LicenseStatus::Suspended, Some(d)) if d > valid_to => LicenseStatus::Expired,
        (s, _) => s,
    };
    Ok(License {
        number: r.t(0)?,
        holder: r.t(1)?,
        status,
        stored_status,
        items: stored_json(&r.t(3)?)?,
        destinations: stored_json(&r.t(4)?)?,
        consignee: r.ot(5)?,
        end_user: r.ot(6)?,
        quantity_cap: r.i(7)?,
        quantity_remaining: r.i(8)?,
        value_cap_cents: r.oi(9)?,
        value_remaining_cents: r.oi(10)?,
        valid_from: stored_date(&r.t(11)?)?,
        valid_to,
        conditions: stored_json(&r.t(13)?)?,
        status_reason: r.ot(14)?,
        created_at: stored_ts(&r.t(15)?)?,
        created_by: r.t(16)?,
        updated_at: stored_ts(&r.t(17)?)?,
    })
}

pub(crate) fn shipment_from_row(r: &Row) -> Result<Shipment> {
    Ok(Shipment {
        order_ref: r.t(0)?,
        authority: r.t(1)?,
        license_number: r.ot(2)?,
        quantity: r.i(3)?,
        value_cents: r.oi(4)?,
        ship_date: stored_date(&r.t(5)?)?,
        recorded_at: stored_ts(&r.t(6)?)?,
        audit_seq: stored_u64(r.i(7)?)?,
    })
}

fn validate_conditions(conds: &[Condition]) -> Result<Vec<Condition>> {
    conds
        .iter()
        .map(|c| match c {
            Condition::RevenueShare { percent } => {
                if !percent.is_finite() || *percent <= 0.0 || *percent > 100.0 {
                    return Err(LedgerError::InvalidCondition(format!(
                        "revenue share must be a percentage in (0, 100], got {percent}"
                    )));
                }
                Ok(Condition::RevenueShare { percent: *percent })
            }
            Condition::Inspection { text } => Ok(Condition::Inspection {
                text: validate::text("inspection condition", text)?,
            }),
            Condition::Text { text } => Ok(Condition::Text {
                text: validate::text("condition", text)?,
            }),
        })
        .collect()
}

/// A validated, normalized [`NewLicense`].
struct CheckedLicense {
    number: String,
    holder: String,
    items: Vec<String>,
    destinations: Vec<String>,
    consignee: Option<String>,
    end_user: Option<String>,
    quantity_cap: i64,
    value_cap_cents: Option<i64>,
    valid_from: Date,
    valid_to: Date,
    conditions: Vec<Condition>,
    status: LicenseStatus,
}

fn check_license(l: &NewLicense) -> Result<CheckedLicense> {
    let number = validate::ident("license number", &l.number)?;
    let holder = validate::text("holder", &l.holder)?;
    if l.items.is_empty() {
        return Err(LedgerError::Empty("license items"));
    }
    let mut items = Vec::new();
    for i in &l.items {
        let i = validate::item("license item", i)?;
        if !items.contains(&i) {
            items.push(i);
        }
    }
    if l.destinations.is_empty() {
        return Err(LedgerError::Empty("license destinations"));
    }
    let mut destinations = Vec::new();
    for d in &l.destinations {
        let d = validate::country("destination", d)?;
        if !destinations.contains(&d) {
            destinations.push(d);
        }
    }
    let quantity_cap = validate::check_quantity(l.quantity_cap)?;
    let value_cap_cents = l
        .value_cap_cents
        .map(|v| validate::check_amount("value cap", v))
        .transpose()?;
    let valid_from: Date = l.valid_from.trim().parse()?;
    let valid_to: Date = l.valid_to.trim().parse()?;
    if valid_from > valid_to {
        return Err(LedgerError::InvalidValidity {
            from: valid_from.to_string(),
            to: valid_to.to_string(),
        });
    }
    if l.status == LicenseStatus::Expired {
        return Err(LedgerError::InvalidField {
            field: "license status",
            value: "expired".into(),
            why: "expired is derived from valid_to; record the license as granted",
        });
    }
    Ok(CheckedLicense {
        number,
        holder,
        items,
        destinations,
        consignee: validate::opt_text("consignee", l.consignee.as_deref())?,
        end_user: validate::opt_text("end user", l.end_user.as_deref())?,
        quantity_cap,
        value_cap_cents,
        valid_from,
        valid_to,
        conditions: validate_conditions(&l.conditions)?,
        status: l.status,
    })
}

pub(crate) fn license_subject(number: &str) -> String {
    format!("license:{number}")
}

fn load_license(tx: &mut Tx<'_>, number: &str, as_of: Date) -> Result<License> {
    let sql = format!("SELECT {LICENSE_COLS} FROM licenses WHERE number = ?");
    match tx.query_opt(&sql, &[pt(number)])? {
        Some(r) => license_from_row(&r, Some(as_of)),
        None => Err(LedgerError::UnknownLicense(number.to_string())),
    }
}

#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct LicenseChange<'a> {
    action: &'a str,
    from: LicenseStatus,
    to: LicenseStatus,
    reason: Option<&'a str>,
    license: &'a License,
}

#[derive(Clone, Copy)]
enum Action {
    Grant,
    Reject,
    Suspend,
    Resume,
    Revoke,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Grant => "grant",
            Action::Reject => "reject",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Revoke => "revoke",
        }
    }
    fn needs_reason(self) -> bool {
        matches!(self, Action::Reject | Action::Suspend | Action::Revoke)
    }
    fn target(self, from: LicenseStatus) -> Option<LicenseStatus> {
        use LicenseStatus::*;
        match (self, from) {
            (Action::Grant, Applied) => Some(Granted),
            (Action::Reject, Applied) => Some(Rejected),
            (Action::Suspend, Granted) => Some(Suspended),
            (Action::Resume, Suspended) => Some(Granted),
            (Action::Revoke, Applied | Granted | Suspended) => Some(Revoked),
            _ => None,
        }
    }
}

impl Ledger {
    /// Records a license. Validates everything first: number unique and
    /// non-empty, items and destinations given, quantity cap a positive
    /// integer, value cap ≥ 0, `valid_from` ≤ `valid_to`, a storable status
    /// and well-formed conditions.
    pub fn add_license(&mut self, new: &NewLicense, user: &str, now: Timestamp) -> Result<License> {
        let user = validate::user(user)?;
        let l = check_license(new)?;
        let items = serde_json::to_string(&l.items)?;
        let destinations = serde_json::to_string(&l.destinations)?;
        let conditions = serde_json::to_string(&l.conditions)?;
        let now_s = now.to_string();
        self.write(|tx| {
            if tx
                .query_opt("SELECT 1 FROM licenses WHERE number = ?", &[pt(&l.number)])?
                .is_some()
            {
                return Err(LedgerError::DuplicateLicense(l.number.clone()));
            }
            tx.exec(
                "INSERT INTO licenses (number, holder, status, items, destinations, consignee, \
                 end_user, quantity_cap, quantity_remaining, value_cap_cents, \
                 value_remaining_cents, valid_from, valid_to, conditions, status_reason, \
                 created_at, created_by, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                &[
                    pt(&l.number),
                    pt(&l.holder),
                    pt(l.status.as_str()),
                    pt(&items),
                    pt(&destinations),
                    pot(l.consignee.as_deref()),
                    pot(l.end_user.as_deref()),
                    pi(l.quantity_cap),
                    pi(l.quantity_cap),
                    poi(l.value_cap_cents),
                    poi(l.value_cap_cents),
                    pt(&l.valid_from.to_string()),
                    pt(&l.valid_to.to_string()),
                    pt(&conditions),
                    pt(&now_s),
                    pt(&user),
                    pt(&now_s),
                ],
            )?;
            for d in &l.destinations {
                tx.exec(
                    "INSERT INTO license_destinations (license_number, destination) VALUES (?, ?)",
                    &[pt(&l.number), pt(d)],
                )?;
            }
            let license = load_license(tx, &l.number, now.date())?;
            let payload = serde_json::json!({ "license": &license }).to_string();
            // A license is "terminated" at the earliest by its expiry.
            tx.append(
                &NewRecord::new("license.add", &license_subject(&l.number), &payload, &user, now)
                    .event_date(l.valid_to),
            )?;
            Ok(license)
        })
    }

    /// All licenses, ordered by number, with status as of `as_of`.
    pub fn list_licenses(&mut self, as_of: Date) -> Result<Vec<License>> {
        let sql = format!("SELECT {LICENSE_COLS} FROM licenses ORDER BY number");
        self.conn
            .query(&sql, &[])?
            .iter()
            .map(|r| license_from_row(r, Some(as_of)))
            .collect()
    }

    /// One license with its remaining quantity/value and its shipments.
    pub fn license(&mut self, number: &str, as_of: Date) -> Result<LicenseDetail> {
        let number = number.trim().to_string();
        self.read(|conn| {
            let sql = format!("SELECT {LICENSE_COLS} FROM licenses WHERE number = ?");
            let row = conn
                .query_opt(&sql, &[pt(&number)])?
                .ok_or_else(|| LedgerError::UnknownLicense(number.clone()))?;
            let license = license_from_row(&row, Some(as_of))?;
            let shipments = conn
                .query(
                    "SELECT order_ref, authority, license_number, quantity, value_cents, \
                     ship_date, recorded_at, audit_seq FROM shipments \
                     WHERE license_number = ? ORDER BY audit_seq",
                    &[pt(&number)],
                )?
                .iter()
                .map(shipment_from_row)
                .collect::<Result<Vec<_>>>()?;
            Ok(LicenseDetail { license, shipments })
        })
    }

    /// `applied` → `granted`.
    pub fn grant_license(&mut self, number: &str, reason: &str, user: &str, now: Timestamp) -> Result<License> {
        self.transition(Action::Grant, number, reason, user, now)
    }

    /// `applied` → `rejected` (reason required).
    pub fn reject_license(&mut self, number: &str, reason: &str, user: &str, now: Timestamp) -> Result<License> {
        self.transition(Action::Reject, number, reason, user, now)
    }

    /// `granted` → `suspended` (reason required). Orders it would cover are
    /// held until it is resumed.
    pub fn suspend_license(&mut self, number: &str, reason: &str, user: &str, now: Timestamp) -> Result<License> {
        self.transition(Action::Suspend, number, reason, user, now)
    }

    /// `suspended` → `granted`.
    pub fn resume_license(&mut self, number: &str, reason: &str, user: &str, now: Timestamp) -> Result<License> {
        self.transition(Action::Resume, number, reason, user, now)
    }

    /// `applied`/`granted`/`suspended` → `revoked` (reason required; final).
    pub fn revoke_license(&mut self, number: &str, reason: &str, user: &str, now: Timestamp) -> Result<License> {
        self.transition(Action::Revoke, number, reason, user, now)
    }

    fn transition(
        &mut self,
        action: Action,
        number: &str,
        reason: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<License> {
        let user = validate::user(user)?;
        let reason = if action.needs_reason() {
            Some(validate::reason(
                match action {
                    Action::Reject => "rejecting a license",
                    Action::Suspend => "suspending a license",
                    _ => "revoking a license",
                },
                reason,
            )?)
        } else {
            validate::opt_text("reason", Some(reason))?
        };
        let number = number.trim().to_string();
        let now_s = now.to_string();
        self.write(|tx| {
            let before = load_license(tx, &number, now.date())?;
            if before.status == LicenseStatus::Expired {
                return Err(LedgerError::LicenseExpired {
                    number: number.clone(),
                    valid_to: before.valid_to.to_string(),
                });
            }
            let to = action
                .target(before.stored_status)
                .ok_or_else(|| LedgerError::InvalidTransition {
                    number: number.clone(),
                    action: action.name(),
                    status: before.status.to_string(),
                })?;
            tx.exec(
                "UPDATE licenses SET status = ?, status_reason = ?, updated_at = ? WHERE number = ?",
                &[pt(to.as_str()), pot(reason.as_deref()), pt(&now_s), pt(&number)],
            )?;
            let after = load_license(tx, &number, now.date())?;
            let payload = serde_json::to_string(&LicenseChange {
                action: action.name(),
                from: before.stored_status,
                to,
                reason: reason.as_deref(),
                license: &after,
            })?;
            tx.append(&NewRecord::new(
                match action {
                    Action::Grant => "license.grant",
                    Action::Reject => "license.reject",
                    Action::Suspend => "license.suspend",
                    Action::Resume => "license.resume",
                    Action::Revoke => "license.revoke",
                },
                &license_subject(&number),
                &payload,
                &user,
                now,
            ))?;
            Ok(after)
        })
    }

    /// Records a NAC notification submitted to BIS; its 25-day clock ends
    /// on `submitted_on + 25`. Orders it covers are held (NAC pending) until
    /// [`Ledger::clear_nac`] records the number BIS returned.
    pub fn submit_nac(&mut self, new: &NewNacNotification, user: &str, now: Timestamp) -> Result<NacNotification> {
        let user = validate::user(user)?;
        let id = validate::ident("NAC notification id", &new.id)?;
        if new.items.is_empty() {
            return Err(LedgerError::Empty("NAC notification items"));
        }
        let items = new
            .items
            .iter()
            .map(|i| validate::item("NAC item", i))
            .collect::<Result<Vec<_>>>()?;
        let destination = validate::country("destination", &new.destination)?;
        let consignee = validate::opt_text("consignee", new.consignee.as_deref())?;
        let end_user = validate::opt_text("end user", new.end_user.as_deref())?;
        let submitted_on: Date = new.submitted_on.trim().parse()?;
        let clock = submitted_on.add_days(NAC_CLOCK_DAYS);
        let items_json = serde_json::to_string(&items)?;
        let now_s = now.to_string();
        self.write(|tx| {
            if tx
                .query_opt("SELECT 1 FROM nac_notifications WHERE id = ?", &[pt(&id)])?
                .is_some()
            {
                return Err(LedgerError::DuplicateNac(id.clone()));
            }
            tx.exec(
                "INSERT INTO nac_notifications (id, items, destination, consignee, end_user, \
                 submitted_on, clock_ends_on, status, nac_number, status_reason, created_at, \
                 created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?, ?, ?)",
                &[
                    pt(&id),
                    pt(&items_json),
                    pt(&destination),
                    pot(consignee.as_deref()),
                    pot(end_user.as_deref()),
                    pt(&submitted_on.to_string()),
                    pt(&clock.to_string()),
                    pt(&now_s),
                    pt(&user),
                    pt(&now_s),
                ],
            )?;
            let n = load_nac(tx, &id)?;
            let payload = serde_json::json!({ "notification": &n }).to_string();
            tx.append(&NewRecord::new("nac.submit", &format!("nac:{id}"), &payload, &user, now).event_date(clock))?;
            Ok(n)
        })
    }

    /// Records the NAC number BIS returned: `pending` → `cleared`.
    pub fn clear_nac(&mut self, id: &str, nac_number: &str, user: &str, now: Timestamp) -> Result<NacNotification> {
        let number = validate::ident("NAC number", nac_number)?;
        self.nac_transition(id, NacStatus::Cleared, Some(number), None, user, now)
    }

    /// Records that BIS objected: `pending` → `rejected` (reason required).
    pub fn reject_nac(&mut self, id: &str, reason: &str, user: &str, now: Timestamp) -> Result<NacNotification> {
        let reason = validate::reason("rejecting a NAC notification", reason)?;
        self.nac_transition(id, NacStatus::Rejected, None, Some(reason), user, now)
    }

    fn nac_transition(
        &mut self,
        id: &str,
        to: NacStatus,
        number: Option<String>,
        reason: Option<String>,
        user: &str,
        now: Timestamp,
    ) -> Result<NacNotification> {
        let user = validate::user(user)?;
        let id = id.trim().to_string();
        let now_s = now.to_string();
        self.write(|tx| {
            let before = load_nac(tx, &id)?;
            if before.status != NacStatus::Pending {
                return Err(LedgerError::InvalidNacTransition {
                    id: id.clone(),
                    status: before.status.as_str().to_string(),
                    action: if to == NacStatus::Cleared {
                        "clear it"
                    } else {
                        "reject it"
                    },
                });
            }
            tx.exec(
                "UPDATE nac_notifications SET status = ?, nac_number = ?, status_reason = ?, \
                 updated_at = ? WHERE id = ?",
                &[
                    pt(to.as_str()),
                    pot(number.as_deref()),
                    pot(reason.as_deref()),
                    pt(&now_s),
                    pt(&id),
                ],
            )?;
            let after = load_nac(tx, &id)?;
            let payload = serde_json::json!({ "notification": &after }).to_string();
            tx.append(&NewRecord::new(
                if to == NacStatus::Cleared {
                    "nac.clear"
                } else {
                    "nac.reject"
                },
                &format!("nac:{id}"),
                &payload,
                &user,
                now,
            ))?;
            Ok(after)
        })
    }

    /// All NAC notifications, by id.
    pub fn list_nac(&mut self) -> Result<Vec<NacNotification>> {
        let sql = format!("SELECT {NAC_COLS} FROM nac_notifications ORDER BY id");
        self.conn.query(&sql, &[])?.iter().map(nac_from_row).collect()
    }
}

pub(crate) const NAC_COLS: &str = "id, items, destination, consignee, end_user, submitted_on, \
     clock_ends_on, status, nac_number, status_reason";

pub(crate) fn nac_from_row(r: &Row) -> Result<NacNotification> {
    Ok(NacNotification {
        id: r.t(0)?,
        items: stored_json(&r.t(1)?)?,
        destination: r.t(2)?,
        consignee: r.ot(3)?,
        end_user: r.ot(4)?,
        submitted_on: stored_date(&r.t(5)?)?,
        clock_ends_on: stored_date(&r.t(6)?)?,
        status: match r.t(7)?.as_str() {
            "pending" => NacStatus::Pending,
            "cleared" => NacStatus::Cleared,
            "rejected" => NacStatus::Rejected,
            s => return Err(LedgerError::Corrupt(format!("bad NAC status `{s}`"))),
        },
        nac_number: r.ot(8)?,
        status_reason: r.ot(9)?,
    })
}

fn load_nac(tx: &mut Tx<'_>, id: &str) -> Result<NacNotification> {
    let sql = format!("SELECT {NAC_COLS} FROM nac_notifications WHERE id = ?");
    match tx.query_opt(&sql, &[pt(id)])? {
        Some(r) => nac_from_row(&r),
        None => Err(LedgerError::UnknownNac(id.to_string())),
    }
}
