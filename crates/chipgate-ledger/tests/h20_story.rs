//! The H20 story, end to end at the library level, on every backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_ledger::*;
use common::*;

#[test]
fn h20_story_end_to_end() {
    for db in backends("h20_story") {
        let mut l = db.open();
        let who = db.name();

        // March 2025: the route is open; an H20 order to China needs no license.
        let r = l
            .check_order(
                &order("SO-1", 10, "2025-03-20"),
                &det(Outcome::NoLicenseRequired),
                "officer",
                ts("2025-03-20T10:00:00Z"),
            )
            .unwrap();
        assert!(r.is_shipped(), "{who}");
        match &r.disposition {
            Disposition::Shipped { authorization } => assert_eq!(authorization.label(), "NLR"),
            other => panic!("{other:?}"),
        }

        // April 2025: the company-specific requirement. The determination now
        // says license_required; no license exists, so the order is held.
        let r = l
            .check_order(
                &order("SO-2", 20, "2025-04-15"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-04-15T10:00:00Z"),
            )
            .unwrap();
        assert!(!r.is_shipped());
        assert_eq!(r.hold_reasons(), &[HoldReason::NoCoveringLicense], "{who}");

        // August 2025: a license for 100 units with the 15% revenue share.
        let lic = l
            .add_license(&h20_license("D-H20-0001", 100), "officer", ts("2025-08-12T09:00:00Z"))
            .unwrap();
        assert_eq!(lic.quantity_remaining, 100);
        assert_eq!(lic.conditions[0], Condition::RevenueShare { percent: 15.0 });

        // Orders of 40 and 40 ship against it.
        let mut remaining = vec![];
        for (i, when) in [("SO-3", "2025-08-13T10:00:00Z"), ("SO-4", "2025-08-14T10:00:00Z")] {
            let r = l
                .check_order(
                    &order(i, 40, &when[..10]),
                    &det(Outcome::LicenseRequired),
                    "officer",
                    ts(when),
                )
                .unwrap();
            match r.disposition {
                Disposition::Shipped {
                    authorization:
                        Authorization::License {
                            number,
                            quantity_remaining,
                            revenue_share_due_cents,
                            ..
                        },
                } => {
                    assert_eq!(number, "D-H20-0001");
                    // 15% of 40 × $12,000 = $72,000.
                    assert_eq!(revenue_share_due_cents, Some(7_200_000));
                    remaining.push(quantity_remaining);
                }
                other => panic!("{who}: {other:?}"),
            }
        }
        assert_eq!(remaining, vec![60, 20]);
        let detail = l.license("D-H20-0001", d("2025-08-15")).unwrap();
        assert_eq!(detail.license.quantity_remaining, 20);
        assert_eq!(detail.shipments.len(), 2);
        assert_eq!(detail.shipments.iter().map(|s| s.quantity).sum::<i64>(), 80);

        // An order of 30 exceeds what is left: held, exhausted.
        let r = l
            .check_order(
                &order("SO-5", 30, "2025-08-15"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-15T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicenseExhausted {
                number: "D-H20-0001".into(),
                remaining: 20,
                requested: 30
            }],
            "{who}"
        );
        assert_eq!(
            r.hold_reasons()[0].to_string(),
            "license `D-H20-0001` exhausted: 20 left, 30 ordered"
        );

        // Checking it again is idempotent: same result, nothing written.
        let before = snapshot(&mut l);
        let again = l
            .check_order(
                &order("SO-5", 30, "2025-08-15"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-15T11:00:00Z"),
            )
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.audit_seq, r.audit_seq);
        assert_eq!(snapshot(&mut l), before);

        // A release needs a reason (and changes nothing without one).
        let err = l
            .release_hold("SO-5", "  ", "officer", ts("2025-08-15T12:00:00Z"))
            .unwrap_err();
        assert_eq!(err.to_string(), "a release needs a reason");
        assert_eq!(snapshot(&mut l), before);
        let hold = l
            .release_hold(
                "SO-5",
                "customer will split the order",
                "officer",
                ts("2025-08-15T12:00:00Z"),
            )
            .unwrap();
        assert_eq!(hold.released_by.as_deref(), Some("officer"));
        assert_eq!(hold.release_reason.as_deref(), Some("customer will split the order"));
        let err = l
            .release_hold("SO-5", "again", "officer", ts("2025-08-15T12:01:00Z"))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("order `SO-5` is not held: its hold was already released"),
            "{err}"
        );
        // Re-checked after the release it is evaluated afresh — still exhausted.
        let r = l
            .check_order(
                &order("SO-5", 30, "2025-08-15"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-15T12:05:00Z"),
            )
            .unwrap();
        assert!(!r.replayed && !r.is_shipped());
        assert_eq!(
            l.license("D-H20-0001", d("2025-08-15"))
                .unwrap()
                .license
                .quantity_remaining,
            20
        );

        // A route suspension holds an otherwise-NLR order until resumed.
        l.suspend_route(
            "nvidia-h20",
            "CN",
            "USG suspension of H20 exports to China",
            "officer",
            ts("2025-09-01T08:00:00Z"),
        )
        .unwrap();
        let r = l
            .check_order(
                &order("SO-6", 5, "2025-09-02"),
                &det(Outcome::NoLicenseRequired),
                "officer",
                ts("2025-09-02T08:00:00Z"),
            )
            .unwrap();
        assert!(
            matches!(r.hold_reasons(), [HoldReason::RouteSuspended { item, .. }] if item == "nvidia-h20"),
            "{who}: {r:?}"
        );
        // License-based orders are held too, and the license is not depleted.
        let r = l
            .check_order(
                &order("SO-7", 5, "2025-09-02"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-09-02T08:05:00Z"),
            )
            .unwrap();
        assert!(!r.is_shipped());
        assert_eq!(
            l.license("D-H20-0001", d("2025-09-02"))
                .unwrap()
                .license
                .quantity_remaining,
            20
        );
        let resumed = l
            .resume_route(
                "nvidia-h20",
                "CN",
                "suspension lifted",
                "officer",
                ts("2025-09-10T08:00:00Z"),
            )
            .unwrap();
        assert_eq!(resumed.held_orders, vec!["SO-6".to_string(), "SO-7".to_string()]);
        l.release_hold("SO-6", "route resumed", "officer", ts("2025-09-10T08:10:00Z"))
            .unwrap();
        let r = l.check_order(
            &order("SO-6", 5, "2025-09-10"),
            &det(Outcome::NoLicenseRequired),
            "officer",
            ts("2025-09-10T08:15:00Z"),
        );
        // Different contents (the date moved) under the same reference is refused…
        assert_eq!(
            r.unwrap_err().to_string(),
            "order `SO-6` was already checked with different contents in: date; use a new order reference"
        );
        // …the same order ships once the route is open again.
        let r = l
            .check_order(
                &order("SO-6", 5, "2025-09-02"),
                &det(Outcome::NoLicenseRequired),
                "officer",
                ts("2025-09-10T08:16:00Z"),
            )
            .unwrap();
        assert!(r.is_shipped(), "{who}: {r:?}");

        // Every step is in a verifiable audit trail tied to engine, rule set
        // and list snapshot.
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{who}: {v:?}");
        let recs = l.audit_records(1, u64::MAX, 1000).unwrap();
        assert_eq!(recs.len() as u64, v.head_seq);
        let shipped = recs
            .iter()
            .find(|r| r.kind == "order.shipped" && r.subject == "order:SO-3")
            .unwrap();
        assert_eq!(shipped.engine_version.as_deref(), Some("chipgate-rules 0.1.0"));
        assert_eq!(shipped.ruleset_id.as_deref(), Some("ear-2025-04-15"));
        assert_eq!(shipped.list_snapshot_id.as_deref(), Some("csl-2025-04-14"));
        let payload: serde_json::Value = serde_json::from_str(&shipped.payload).unwrap();
        assert_eq!(payload["determination"]["report"]["steps"][0]["rule"], "744.23");
        assert_eq!(payload["request"]["quantity"], 40);
        let kinds: Vec<&str> = recs.iter().map(|r| r.kind.as_str()).collect();
        for k in [
            "order.shipped",
            "order.held",
            "license.add",
            "hold.release",
            "route.suspend",
            "route.resume",
        ] {
            assert!(kinds.contains(&k), "{who}: missing {k}");
        }

        // Part 762: five years from the export; the license from its expiry.
        assert_eq!(l.retention_until("order:SO-3").unwrap(), Some(d("2030-08-13")));
        assert_eq!(l.retention_until("license:D-H20-0001").unwrap(), Some(d("2031-08-11")));
        let err = l
            .purge_audit(ts("2025-12-31T00:00:00Z"), "officer", ts("2026-01-01T00:00:00Z"))
            .unwrap_err();
        assert!(matches!(err, LedgerError::UnderRetention { seq: 1, .. }), "{err}");
        assert!(l.verify_audit().unwrap().ok);
    }
}
