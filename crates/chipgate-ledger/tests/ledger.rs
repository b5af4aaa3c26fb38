//! Licenses, NAC notifications, holds and migrations, on every backend.
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
fn license_state_machine_and_suspension_holds() {
    for db in backends("license_states") {
        let mut l = db.open();
        let mut new = h20_license("D-1", 50);
        new.status = LicenseStatus::Applied;
        let lic = l.add_license(&new, "officer", ts("2025-07-01T00:00:00Z")).unwrap();
        assert_eq!(lic.status, LicenseStatus::Applied);
        let o = |r: &str| order(r, 5, "2025-08-20");
        let r = l
            .check_order(
                &o("A"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-20T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicenseNotGranted {
                number: "D-1".into(),
                status: LicenseStatus::Applied
            }]
        );
        l.grant_license("D-1", "BIS approval", "officer", ts("2025-08-12T00:00:00Z"))
            .unwrap();
        assert!(l
            .check_order(
                &o("B"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-20T00:00:00Z")
            )
            .unwrap()
            .is_shipped());
        let s = l
            .suspend_license(
                "D-1",
                "BIS suspended the license",
                "officer",
                ts("2025-08-21T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            (s.status, s.status_reason.as_deref()),
            (LicenseStatus::Suspended, Some("BIS suspended the license"))
        );
        let r = l
            .check_order(
                &o("C"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-21T01:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicenseSuspended {
                number: "D-1".into(),
                reason: Some("BIS suspended the license".into())
            }]
        );
        assert_eq!(
            r.hold_reasons()[0].to_string(),
            "license `D-1` is suspended: BIS suspended the license"
        );
        l.resume_license("D-1", "", "officer", ts("2025-08-22T00:00:00Z"))
            .unwrap();
        l.release_hold("C", "license resumed", "officer", ts("2025-08-22T00:01:00Z"))
            .unwrap();
        let r = l
            .check_order(
                &o("C"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-22T00:02:00Z"),
            )
            .unwrap();
        assert!(r.is_shipped());
        assert_eq!(
            l.license("D-1", d("2025-08-22")).unwrap().license.quantity_remaining,
            40
        );
        let r = l
            .revoke_license("D-1", "revoked", "officer", ts("2025-08-23T00:00:00Z"))
            .unwrap();
        assert_eq!(r.status, LicenseStatus::Revoked);
        assert_eq!(
            l.resume_license("D-1", "", "officer", ts("2025-08-24T00:00:00Z"))
                .unwrap_err()
                .to_string(),
            "cannot resume license `D-1`: it is revoked"
        );
        // Derived expiry.
        let lic = &l.list_licenses(d("2026-08-12")).unwrap()[0];
        assert_eq!(lic.status, LicenseStatus::Revoked);
        l.add_license(&h20_license("D-2", 5), "officer", ts("2025-08-12T00:00:00Z"))
            .unwrap();
        let all = l.list_licenses(d("2026-08-12")).unwrap();
        assert_eq!(all[1].status, LicenseStatus::Expired);
        assert_eq!(all[1].stored_status, LicenseStatus::Granted);
        let kinds: Vec<String> = l
            .audit_records(1, 100, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        for k in [
            "license.add",
            "license.grant",
            "license.suspend",
            "license.resume",
            "license.revoke",
        ] {
            assert!(kinds.iter().any(|x| x == k), "missing {k}");
        }
        assert!(l.verify_audit().unwrap().ok);
    }
}

#[test]
fn license_coverage_dates_parties_and_value() {
    for db in backends("coverage") {
        let mut l = db.open();
        let mut lic = h20_license("ECCN-1", 10);
        lic.items = vec!["3A090".into()];
        lic.end_user = Some("Example Cloud Co".into());
        lic.value_cap_cents = Some(5_000_000);
        l.add_license(&lic, "officer", ts("2025-08-12T00:00:00Z")).unwrap();
        let now = ts("2025-09-01T00:00:00Z");
        let dl = det(Outcome::LicenseRequired);

        // ECCN 3A090 covers 3A090.a, but the license names an end user.
        let mut o = order("E1", 1, "2025-09-01");
        o.unit_value_cents = Some(1_000_000);
        let r = l.check_order(&o, &dl, "officer", now).unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicensePartyMismatch {
                number: "ECCN-1".into(),
                party: "end_user".into(),
                licensed: "Example Cloud Co".into()
            }]
        );
        let mut o = order("E2", 2, "2025-09-01");
        o.end_user = Some("example  cloud co".into());
        o.unit_value_cents = Some(1_000_000);
        let r = l.check_order(&o, &dl, "officer", now).unwrap();
        match &r.disposition {
            Disposition::Shipped {
                authorization:
                    Authorization::License {
                        value_remaining_cents,
                        revenue_share_due_cents,
                        ..
                    },
            } => {
                assert_eq!(*value_remaining_cents, Some(3_000_000));
                assert_eq!(*revenue_share_due_cents, Some(300_000));
            }
            other => panic!("{}: {other:?}", db.name()),
        }
        // Value cap: $30,000 left, $40,000 ordered.
        let mut o = order("E3", 4, "2025-09-01");
        o.end_user = Some("Example Cloud Co".into());
        o.unit_value_cents = Some(1_000_000);
        let r = l.check_order(&o, &dl, "officer", now).unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicenseValueExhausted {
                number: "ECCN-1".into(),
                remaining_cents: 3_000_000,
                requested_cents: 4_000_000
            }]
        );
        assert_eq!(
            r.hold_reasons()[0].to_string(),
            "license `ECCN-1` value exhausted: $30000.00 left, $40000.00 ordered"
        );
        // No value on the order while the license has a value cap.
        let mut o = order("E4", 1, "2025-09-01");
        o.end_user = Some("Example Cloud Co".into());
        o.unit_value_cents = None;
        let r = l.check_order(&o, &dl, "officer", now).unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::OrderValueUnknown {
                number: "ECCN-1".into()
            }]
        );
        // Outside validity.
        let mut o = order("E5", 1, "2025-08-01");
        o.end_user = Some("Example Cloud Co".into());
        let r = l.check_order(&o, &dl, "officer", now).unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicenseNotYetValid {
                number: "ECCN-1".into(),
                valid_from: d("2025-08-12")
            }]
        );
        let mut o = order("E6", 1, "2026-09-01");
        o.end_user = Some("Example Cloud Co".into());
        let r = l.check_order(&o, &dl, "officer", now).unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::LicenseExpired {
                number: "ECCN-1".into(),
                valid_to: d("2026-08-11")
            }]
        );
        // Other destination or item: no covering license.
        let mut o = order("E7", 1, "2025-09-01");
        o.destination = "HK".into();
        assert_eq!(
            l.check_order(&o, &dl, "officer", now).unwrap().hold_reasons(),
            &[HoldReason::NoCoveringLicense]
        );
        let mut o = order("E8", 1, "2025-09-01");
        o.eccn = vec!["4A090.a".into()];
        assert_eq!(
            l.check_order(&o, &dl, "officer", now).unwrap().hold_reasons(),
            &[HoldReason::NoCoveringLicense]
        );
        // Pinning a license that does not cover the order.
        l.add_license(&h20_license("OTHER", 5), "officer", now).unwrap();
        let mut o = order("E9", 1, "2025-09-01");
        o.item_id = "nvidia-b30".into();
        o.eccn = vec![];
        o.license = Some("OTHER".into());
        assert_eq!(
            l.check_order(&o, &dl, "officer", now).unwrap().hold_reasons(),
            &[HoldReason::LicenseDoesNotCover { number: "OTHER".into() }]
        );
    }
}

#[test]
fn screening_indeterminate_exceptions_and_nac() {
    for db in backends("nac") {
        let mut l = db.open();
        let now = ts("2025-09-01T00:00:00Z");
        // Screening hit holds even an NLR order; the release adjudicates it.
        let mut hit = det(Outcome::NoLicenseRequired);
        hit.screening_hits = vec!["Entity List: Example Tech (fuzzy 0.91)".into()];
        let r = l
            .check_order(&order("S1", 1, "2025-09-01"), &hit, "officer", now)
            .unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::ScreeningHit {
                hits: hit.screening_hits.clone()
            }]
        );
        l.release_hold(
            "S1",
            "false positive: different address and registry number",
            "officer",
            now,
        )
        .unwrap();
        assert!(l
            .check_order(&order("S1", 1, "2025-09-01"), &hit, "officer", now)
            .unwrap()
            .is_shipped());
        // Indeterminate holds.
        let mut ind = det(Outcome::Indeterminate);
        ind.reasons = vec!["TPP unknown".into()];
        let r = l
            .check_order(&order("I1", 1, "2025-09-01"), &ind, "officer", now)
            .unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::Indeterminate {
                reasons: vec!["TPP unknown".into()]
            }]
        );
        // Exception: none chosen → held; TSU → ships under it.
        let mut ex = det(Outcome::LicenseExceptionAvailable);
        let r = l
            .check_order(&order("X1", 1, "2025-09-01"), &ex, "officer", now)
            .unwrap();
        assert_eq!(r.hold_reasons(), &[HoldReason::ExceptionNotSelected]);
        ex.exception = Some("tsu".into());
        let r = l
            .check_order(&order("X2", 1, "2025-09-01"), &ex, "officer", now)
            .unwrap();
        assert!(
            matches!(&r.disposition, Disposition::Shipped { authorization: Authorization::LicenseException { symbol } } if symbol == "TSU")
        );
        // NAC: none → held; pending → held with its clock; cleared → ships.
        ex.exception = Some("NAC".into());
        let r = l
            .check_order(&order("N1", 1, "2025-09-01"), &ex, "officer", now)
            .unwrap();
        assert_eq!(r.hold_reasons(), &[HoldReason::NacMissing]);
        let n = l
            .submit_nac(
                &NewNacNotification {
                    id: "NAC-2025-001".into(),
                    items: vec!["3A090.a".into()],
                    destination: "cn".into(),
                    consignee: None,
                    end_user: None,
                    submitted_on: "2025-09-01".into(),
                },
                "officer",
                now,
            )
            .unwrap();
        assert_eq!((n.status, n.clock_ends_on), (NacStatus::Pending, d("2025-09-26")));
        let r = l
            .check_order(&order("N2", 1, "2025-09-05"), &ex, "officer", now)
            .unwrap();
        assert_eq!(
            r.hold_reasons(),
            &[HoldReason::NacPending {
                notification: "NAC-2025-001".into(),
                clock_ends_on: d("2025-09-26")
            }]
        );
        l.clear_nac("NAC-2025-001", "NAC25-0042", "officer", ts("2025-09-20T00:00:00Z"))
            .unwrap();
        let r = l
            .check_order(
                &order("N3", 1, "2025-09-21"),
                &ex,
                "officer",
                ts("2025-09-21T00:00:00Z"),
            )
            .unwrap();
        match &r.disposition {
            Disposition::Shipped { authorization } => assert_eq!(authorization.label(), "NAC NAC25-0042"),
            other => panic!("{}: {other:?}", db.name()),
        }
        assert_eq!(
            l.clear_nac("NAC-2025-001", "X", "officer", now)
                .unwrap_err()
                .to_string(),
            "NAC notification `NAC-2025-001` is cleared; cannot clear it"
        );
        assert_eq!(l.list_nac().unwrap().len(), 1);
        assert_eq!(l.list_holds(true).unwrap().len(), 4); // I1, X1, N1, N2
        assert_eq!(l.list_orders(Some(OrderStatus::Shipped)).unwrap().len(), 3);
        assert_eq!(l.order("N3").unwrap().status, OrderStatus::Shipped);
        assert!(l.verify_audit().unwrap().ok);
    }
}

#[test]
fn idempotency_survives_reopen_and_migrations_are_recorded() {
    for db in backends("reopen") {
        let first = {
            let mut l = db.open();
            l.add_license(&h20_license("D-1", 10), "officer", ts("2025-08-12T00:00:00Z"))
                .unwrap();
            l.check_order(
                &order("R1", 3, "2025-08-13"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-13T00:00:00Z"),
            )
            .unwrap()
        };
        let mut l = db.open();
        let m = l.migrations().unwrap();
        let applied: Vec<(i64, &str)> = m.iter().map(|x| (x.version, x.name.as_str())).collect();
        assert_eq!(applied.first(), Some(&(1, "init")));
        assert!(applied.contains(&(2, "list_indexes")), "{applied:?}");
        assert!(applied.contains(&(3, "list_snapshots")), "{applied:?}");
        assert!(applied.contains(&(4, "audit_tree")), "{applied:?}");
        assert!(applied.contains(&(5, "parties")), "{applied:?}");
        assert_eq!(applied.last().map(|a| a.0), Some(chipgate_ledger::SCHEMA_VERSION));
        let again = l
            .check_order(
                &order("R1", 3, "2025-08-13"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2025-08-14T00:00:00Z"),
            )
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.audit_seq, first.audit_seq);
        assert_eq!(l.license("D-1", d("2025-08-14")).unwrap().license.quantity_remaining, 7);
        drop(l);
        // An edited migration or a newer schema is refused.
        db.raw_exec("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");
        let err = Ledger::open(&db.url).unwrap_err().to_string();
        assert!(err.contains("migration 0001_init differs"), "{err}");
        db.raw_exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (99, 'future', 'x')");
        let err = Ledger::open(&db.url).unwrap_err().to_string();
        assert!(err.contains("newer than this chipgate"), "{err}");
    }
}

#[test]
fn sqlite_file_is_in_wal_mode_in_the_data_dir() {
    let dir = std::env::temp_dir().join(format!("cgl_default_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = Ledger::open_default(&dir.join("data")).unwrap();
    assert_eq!(l.backend(), BackendKind::Sqlite);
    l.add_license(&h20_license("D-1", 10), "officer", ts("2025-08-12T00:00:00Z"))
        .unwrap();
    let path = Ledger::default_path(&dir.join("data"));
    assert!(path.ends_with("ledger.sqlite3") && path.exists());
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(l);
    let _ = std::fs::remove_dir_all(&dir);
}
