//! Bad input gets a clear error and changes no stored data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_ledger::*;
use common::*;

/// A ledger with some history: a license, a shipment, a hold, a route.
fn seeded(db: &TestDb) -> Ledger {
    let mut l = db.open();
    l.add_license(&h20_license("D-1", 100), "officer", ts("2025-08-12T09:00:00Z"))
        .unwrap();
    let mut expired = h20_license("D-OLD", 10);
    expired.valid_from = "2025-01-01".into();
    expired.valid_to = "2025-12-31".into();
    l.add_license(&expired, "officer", ts("2025-08-12T09:01:00Z")).unwrap();
    l.check_order(
        &order("SO-1", 10, "2025-08-13"),
        &det(Outcome::LicenseRequired),
        "officer",
        ts("2025-08-13T09:00:00Z"),
    )
    .unwrap();
    let mut o = order("SO-2", 10, "2025-08-13");
    o.destination = "RU".into();
    l.check_order(
        &o,
        &det(Outcome::LicenseRequired),
        "officer",
        ts("2025-08-13T09:01:00Z"),
    )
    .unwrap();
    l.suspend_route("3A090", "IR", "embargo", "officer", ts("2025-08-13T09:02:00Z"))
        .unwrap();
    l
}

fn assert_err<T: std::fmt::Debug>(db: &TestDb, r: Result<T>, expected: &str) {
    match r {
        Ok(v) => panic!("{}: expected error `{expected}`, got {v:?}", db.name()),
        Err(e) => assert_eq!(e.to_string(), expected, "{}", db.name()),
    }
}

#[test]
fn bad_input_is_rejected_and_changes_nothing() {
    for db in backends("bad_input") {
        let mut l = seeded(&db);
        let now = ts("2026-01-05T10:00:00Z");
        let base = snapshot(&mut l);
        macro_rules! rejects {
            ($call:expr, $msg:expr) => {{
                let r = $call;
                assert_err(&db, r, $msg);
                assert_eq!(
                    snapshot(&mut l),
                    base,
                    "{}: `{}` changed stored data",
                    db.name(),
                    $msg
                );
            }};
        }

        // Unknown license.
        rejects!(l.license("BIS-123", d("2025-09-01")), "unknown license `BIS-123`");
        rejects!(
            l.suspend_license("BIS-123", "x", "officer", now),
            "unknown license `BIS-123`"
        );
        rejects!(
            l.revoke_license("BIS-123", "x", "officer", now),
            "unknown license `BIS-123`"
        );
        let mut o = order("SO-9", 1, "2025-09-01");
        o.license = Some("BIS-123".into());
        rejects!(
            l.check_order(&o, &det(Outcome::LicenseRequired), "officer", now),
            "unknown license `BIS-123`"
        );

        // Negative (or zero) quantity.
        rejects!(
            l.check_order(
                &order("SO-9", -5, "2025-09-01"),
                &det(Outcome::LicenseRequired),
                "officer",
                now
            ),
            "quantity must be a positive integer, got `-5`"
        );
        rejects!(
            l.check_order(
                &order("SO-9", 0, "2025-09-01"),
                &det(Outcome::LicenseRequired),
                "officer",
                now
            ),
            "quantity must be a positive integer, got `0`"
        );
        let mut nl = h20_license("D-NEG", -5);
        rejects!(
            l.add_license(&nl, "officer", now),
            "quantity must be a positive integer, got `-5`"
        );
        assert_eq!(
            parse_quantity("-5").unwrap_err().to_string(),
            "quantity must be a positive integer, got `-5`"
        );
        nl.quantity_cap = 5;
        nl.value_cap_cents = Some(-1);
        rejects!(
            l.add_license(&nl, "officer", now),
            "value cap must be a non-negative amount in cents, got `-1`"
        );

        // Expired license.
        rejects!(
            l.suspend_license("D-OLD", "audit", "officer", now),
            "license `D-OLD` expired on 2025-12-31"
        );
        rejects!(
            l.resume_license("D-OLD", "", "officer", now),
            "license `D-OLD` expired on 2025-12-31"
        );
        let mut o = order("SO-9", 1, "2026-01-05");
        o.license = Some("D-OLD".into());
        rejects!(
            l.check_order(&o, &det(Outcome::LicenseRequired), "officer", now),
            "license `D-OLD` expired on 2025-12-31"
        );

        // Release without a reason, of unknown orders, of orders not held.
        rejects!(l.release_hold("SO-2", "", "officer", now), "a release needs a reason");
        rejects!(
            l.release_hold("SO-2", " \t", "officer", now),
            "a release needs a reason"
        );
        rejects!(l.release_hold("SO-404", "ok", "officer", now), "unknown order `SO-404`");
        rejects!(
            l.release_hold("SO-1", "ok", "officer", now),
            "order `SO-1` is not held: it shipped"
        );
        rejects!(l.release_hold("SO-2", "ok", "", now), "user must not be empty");

        // License validation.
        let mut bad = h20_license("D-1", 10);
        rejects!(l.add_license(&bad, "officer", now), "license `D-1` already exists");
        bad.number = "D-2".into();
        bad.valid_from = "2026-01-01".into();
        bad.valid_to = "2025-01-01".into();
        rejects!(
            l.add_license(&bad, "officer", now),
            "license validity starts on 2026-01-01 but ends on 2025-01-01"
        );
        bad.valid_from = "2025-02-30".into();
        rejects!(
            l.add_license(&bad, "officer", now),
            "invalid date `2025-02-30`: no such day in that month (expected YYYY-MM-DD)"
        );
        bad.valid_from = "2025-01-01".into();
        bad.valid_to = "2026-01-01".into();
        bad.destinations = vec!["China".into()];
        rejects!(
            l.add_license(&bad, "officer", now),
            "invalid destination `China`: expected an ISO 3166 alpha-2 country code such as CN"
        );
        bad.destinations = vec!["CN".into()];
        bad.conditions = vec![Condition::RevenueShare { percent: 150.0 }];
        rejects!(
            l.add_license(&bad, "officer", now),
            "invalid condition: revenue share must be a percentage in (0, 100], got 150"
        );
        bad.conditions = vec![];
        bad.status = LicenseStatus::Expired;
        rejects!(
            l.add_license(&bad, "officer", now),
            "invalid license status `expired`: expired is derived from valid_to; record the license as granted"
        );
        assert_eq!(
            "approved".parse::<LicenseStatus>().unwrap_err().to_string(),
            "unknown license status `approved`: expected applied, granted, rejected, suspended or revoked"
        );

        // State machine.
        rejects!(
            l.resume_license("D-1", "", "officer", ts("2025-09-01T00:00:00Z")),
            "cannot resume license `D-1`: it is granted"
        );
        rejects!(
            l.grant_license("D-1", "", "officer", ts("2025-09-01T00:00:00Z")),
            "cannot grant license `D-1`: it is granted"
        );
        rejects!(
            l.suspend_license("D-1", "", "officer", ts("2025-09-01T00:00:00Z")),
            "suspending a license needs a reason"
        );

        // Orders.
        rejects!(
            l.check_order(
                &order("SO-1", 11, "2025-08-13"),
                &det(Outcome::LicenseRequired),
                "officer",
                now
            ),
            "order `SO-1` was already checked with different contents in: quantity; use a new order reference"
        );
        // The order's date is the model's `Date`: a bad one is refused where the request is
        // read (here its JSON), before it can reach the ledger.
        let mut json = serde_json::to_value(order("SO-9", 1, "2025-09-01")).unwrap();
        json["date"] = "2025/09/01".into();
        assert_eq!(
            serde_json::from_value::<chipgate_ledger::OrderRequest>(json)
                .unwrap_err()
                .to_string(),
            "invalid date `2025/09/01`: wrong shape (expected YYYY-MM-DD)"
        );
        let mut o = order("SO-9", 1, "2025-09-01");
        o.unit_value_cents = Some(-100);
        rejects!(
            l.check_order(&o, &det(Outcome::LicenseRequired), "officer", now),
            "unit value must be a non-negative amount in cents, got `-100`"
        );
        o.unit_value_cents = Some(i64::MAX);
        o.quantity = 2;
        rejects!(
            l.check_order(&o, &det(Outcome::LicenseRequired), "officer", now),
            &format!("order value overflows: 2 × {} cents", i64::MAX)
        );
        let mut inconsistent = det(Outcome::NoLicenseRequired);
        inconsistent.license_required = true;
        rejects!(
            l.check_order(&order("SO-9", 1, "2025-09-01"), &inconsistent, "officer", now),
            "inconsistent determination: outcome `no_license_required` but license_required is true"
        );
        rejects!(
            l.check_order(
                &order(" ", 1, "2025-09-01"),
                &det(Outcome::LicenseRequired),
                "officer",
                now
            ),
            "order reference must not be empty"
        );

        // Routes.
        rejects!(
            l.suspend_route("3A090", "IR", "again", "officer", now),
            "route 3A090 → IR is already suspended"
        );
        rejects!(
            l.resume_route("3A090", "CN", "x", "officer", now),
            "route 3A090 → CN is not suspended"
        );
        rejects!(
            l.suspend_route("3A090", "CN", "", "officer", now),
            "suspending a route needs a reason"
        );

        // NAC and audit events.
        rejects!(
            l.clear_nac("NAC-404", "N1", "officer", now),
            "unknown NAC notification `NAC-404`"
        );
        let ev = AuditEvent {
            kind: "order.shipped".into(),
            subject: "order:forged".into(),
            payload: serde_json::json!({}),
            engine_version: None,
            ruleset_id: None,
            list_snapshot_id: None,
            event_date: None,
        };
        rejects!(
            l.record_event(&ev, "officer", now),
            "audit kind `order.shipped` is reserved for the ledger itself"
        );

        // URLs.
        assert_eq!(
            Ledger::open("mysql://localhost/x").unwrap_err().to_string(),
            "unsupported database URL `mysql://localhost/x`: use sqlite://PATH, sqlite::memory: or postgres://…"
        );
        assert!(l.verify_audit().unwrap().ok);
    }
}
