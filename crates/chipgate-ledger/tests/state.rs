//! Verification of the whole state: every business table is replayed from
//! the audit log, and each kind of edit made around the ledger (a raised
//! cap, a deleted shipment, an inserted row, …) is reported with its table,
//! key, column, values and the records that established the expected value.
//! A tampered head makes the next write fail without writing anything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_ledger::*;
use common::*;

// Seqs of the story's records.
const ADD_D1: u64 = 1;
const ADD_D2: u64 = 2;
const GRANT_D2: u64 = 3;
const SHIP_SO1: u64 = 4;
const SUSPEND_ROUTE: u64 = 5;
const HOLD_SO2: u64 = 6;
const RESUME_ROUTE: u64 = 7;
const RELEASE_SO2: u64 = 8;
const SHIP_SO2: u64 = 9;
const SUSPEND_D1: u64 = 10;
const HOLD_SO3: u64 = 11;
const SUBMIT_N1: u64 = 12;
const CLEAR_N1: u64 = 13;
const SHIP_SO4_NLR: u64 = 14;
const SHIP_SO5_NAC: u64 = 15;
const SUBMIT_N2: u64 = 16;
const REJECT_N2: u64 = 17;
const SHIP_SO6_D2: u64 = 18;

fn at(minute: u64) -> Timestamp {
    ts(&format!("2025-08-13T10:{minute:02}:00Z"))
}

fn nac(id: &str) -> NewNacNotification {
    NewNacNotification {
        id: id.into(),
        items: vec!["nvidia-h20".into()],
        destination: "CN".into(),
        consignee: None,
        end_user: None,
        submitted_on: "2025-08-01".into(),
    }
}

/// A realistic story touching every table: two licenses (one applied then
/// granted, with a value cap), shipments against both, a route suspension
/// that holds an order which is released and ships, a suspended license
/// that holds another, NLR and NAC shipments, a cleared and a rejected NAC
/// notification.
fn story(db: &TestDb) -> Ledger {
    let mut l = db.open();
    let o = "officer";
    l.add_license(&h20_license("D-1", 100), o, at(0)).unwrap();
    let mut d2 = h20_license("D-2", 50);
    d2.value_cap_cents = Some(100_000_000);
    d2.valid_to = "2026-12-31".into();
    d2.status = LicenseStatus::Applied;
    l.add_license(&d2, o, at(1)).unwrap();
    l.grant_license("D-2", "BIS approved", o, at(2)).unwrap();
    let lic = det(Outcome::LicenseRequired);
    assert!(l
        .check_order(&order("SO-1", 40, "2025-08-13"), &lic, o, at(3))
        .unwrap()
        .is_shipped());
    l.suspend_route("nvidia-h20", "CN", "diversion alert", o, at(4))
        .unwrap();
    assert!(!l
        .check_order(&order("SO-2", 5, "2025-08-13"), &lic, o, at(5))
        .unwrap()
        .is_shipped());
    l.resume_route("nvidia-h20", "CN", "alert cleared", o, at(6)).unwrap();
    l.release_hold("SO-2", "route resumed", "supervisor", at(7)).unwrap();
    assert!(l
        .check_order(&order("SO-2", 5, "2025-08-13"), &lic, o, at(8))
        .unwrap()
        .is_shipped());
    l.suspend_license("D-1", "end-use check", o, at(9)).unwrap();
    assert!(!l
        .check_order(&order("SO-3", 70, "2025-08-13"), &lic, o, at(10))
        .unwrap()
        .is_shipped());
    l.submit_nac(&nac("N-1"), o, at(11)).unwrap();
    l.clear_nac("N-1", "NAC-2025-001", o, at(12)).unwrap();
    let nlr = det(Outcome::NoLicenseRequired);
    assert!(l
        .check_order(&order("SO-4", 3, "2025-08-13"), &nlr, o, at(13))
        .unwrap()
        .is_shipped());
    let mut exc = det(Outcome::LicenseExceptionAvailable);
    exc.exception = Some("NAC".into());
    assert!(l
        .check_order(&order("SO-5", 2, "2025-08-13"), &exc, o, at(14))
        .unwrap()
        .is_shipped());
    l.submit_nac(&nac("N-2"), o, at(15)).unwrap();
    l.reject_nac("N-2", "BIS objected", o, at(16)).unwrap();
    let mut named = order("SO-6", 10, "2025-08-13");
    named.license = Some("D-2".into());
    assert!(l.check_order(&named, &lic, o, at(17)).unwrap().is_shipped());
    l
}

fn differences(l: &mut Ledger) -> Vec<(String, String, StateDiff, Vec<u64>)> {
    let v = l.verify_audit().unwrap();
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.problem.as_ref(), v.findings.first());
    v.findings
        .iter()
        .map(|f| {
            assert_eq!(f.kind, TamperKind::StateDiffers, "{f:?}");
            let s = f.state.clone().unwrap();
            (s.table, s.key, s.diff, s.seqs)
        })
        .collect()
}

fn column(
    table: &str,
    key: &str,
    column: &str,
    found: Option<&str>,
    expected: Option<&str>,
    seqs: &[u64],
) -> (String, String, StateDiff, Vec<u64>) {
    (
        table.into(),
        key.into(),
        StateDiff::Column {
            column: column.into(),
            found: found.map(Into::into),
            expected: expected.map(Into::into),
        },
        seqs.to_vec(),
    )
}

fn row(table: &str, key: &str, diff: StateDiff, seqs: &[u64]) -> (String, String, StateDiff, Vec<u64>) {
    (table.into(), key.into(), diff, seqs.to_vec())
}

#[test]
fn an_untouched_ledger_after_a_realistic_story_verifies() {
    for db in backends("state_ok") {
        let mut l = story(&db);
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:#?}", db.name());
        assert_eq!((v.records, v.head_seq), (SHIP_SO6_D2, SHIP_SO6_D2));
        assert!(v.findings.is_empty() && v.notes.is_empty(), "{v:?}");
        // The story reached every table.
        for t in [
            "licenses",
            "license_destinations",
            "nac_notifications",
            "orders",
            "shipments",
            "holds",
            "route_suspensions",
        ] {
            assert!(db.raw_i64(&format!("SELECT COUNT(*) FROM {t}")) > 0, "{t}");
        }
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM holds WHERE released_at IS NOT NULL"),
            1
        );
    }
}

#[test]
fn a_raised_license_cap_is_caught_and_names_the_license_add() {
    for db in backends("state_cap") {
        let mut l = story(&db);
        // The issue's case: the cap raised in SQL lets 500 units ship.
        db.raw_exec(
            "UPDATE licenses SET quantity_cap = 600, quantity_remaining = 555, status = 'granted' WHERE number = 'D-1'",
        );
        db.raw_exec(
            "UPDATE licenses SET value_cap_cents = 900000000, value_remaining_cents = 888000000 WHERE number = 'D-2'",
        );
        let big = l
            .check_order(
                &order("SO-BIG", 500, "2025-08-14"),
                &det(Outcome::LicenseRequired),
                "officer",
                at(30),
            )
            .unwrap();
        assert!(big.is_shipped());
        let seq = big.audit_seq;
        let got = differences(&mut l);
        assert_eq!(
            got,
            vec![
                column(
                    "licenses",
                    "D-1",
                    "status",
                    Some("granted"),
                    Some("suspended"),
                    &[SUSPEND_D1]
                ),
                column("licenses", "D-1", "quantity_cap", Some("600"), Some("100"), &[ADD_D1]),
                // 100 - 40 - 5 - 500: the log shows the cap overrun.
                column(
                    "licenses",
                    "D-1",
                    "quantity_remaining",
                    Some("55"),
                    Some("-445"),
                    &[ADD_D1, seq]
                ),
                column(
                    "licenses",
                    "D-2",
                    "value_cap_cents",
                    Some("900000000"),
                    Some("100000000"),
                    &[ADD_D2]
                ),
                column(
                    "licenses",
                    "D-2",
                    "value_remaining_cents",
                    Some("888000000"),
                    Some("88000000"),
                    &[ADD_D2, SHIP_SO6_D2]
                ),
            ],
            "{}",
            db.name()
        );
        let v = l.verify_audit().unwrap();
        assert_eq!(v.findings[1].seq, ADD_D1);
        assert_eq!(
            v.findings[1].detail,
            "licenses `D-1`: quantity_cap is `600`, but the log implies `100` (record 1)"
        );
    }
}

#[test]
fn a_changed_license_status_is_caught() {
    for db in backends("state_status") {
        let mut l = story(&db);
        db.raw_exec("UPDATE licenses SET status = 'granted', status_reason = NULL WHERE number = 'D-1'");
        assert_eq!(
            differences(&mut l),
            vec![
                column(
                    "licenses",
                    "D-1",
                    "status",
                    Some("granted"),
                    Some("suspended"),
                    &[SUSPEND_D1]
                ),
                column(
                    "licenses",
                    "D-1",
                    "status_reason",
                    None,
                    Some("end-use check"),
                    &[SUSPEND_D1]
                ),
            ]
        );
    }
}

#[test]
fn a_deleted_shipment_is_caught() {
    for db in backends("state_ship_del") {
        let mut l = story(&db);
        db.raw_exec("DELETE FROM shipments WHERE order_ref = 'SO-1'");
        assert_eq!(
            differences(&mut l),
            vec![row("shipments", "SO-1", StateDiff::MissingRow, &[SHIP_SO1])],
            "{}",
            db.name()
        );
        let v = l.verify_audit().unwrap();
        assert_eq!(
            v.problem.unwrap().detail,
            "shipments `SO-1` is missing: record 4 created it (deleted)"
        );
    }
}

#[test]
fn a_changed_shipment_quantity_is_caught() {
    for db in backends("state_ship_qty") {
        let mut l = story(&db);
        db.raw_exec("UPDATE shipments SET quantity = 4, value_cents = 4800000 WHERE order_ref = 'SO-2'");
        assert_eq!(
            differences(&mut l),
            vec![
                column("shipments", "SO-2", "quantity", Some("4"), Some("5"), &[SHIP_SO2]),
                column(
                    "shipments",
                    "SO-2",
                    "value_cents",
                    Some("4800000"),
                    Some("6000000"),
                    &[SHIP_SO2]
                ),
            ]
        );
    }
}

#[test]
fn a_changed_order_status_is_caught() {
    for db in backends("state_order") {
        let mut l = story(&db);
        db.raw_exec("UPDATE orders SET status = 'released' WHERE order_ref = 'SO-3'");
        db.raw_exec("UPDATE orders SET status = 'held' WHERE order_ref = 'SO-2'");
        assert_eq!(
            differences(&mut l),
            vec![
                column("orders", "SO-2", "status", Some("held"), Some("shipped"), &[SHIP_SO2]),
                column("orders", "SO-3", "status", Some("released"), Some("held"), &[HOLD_SO3]),
            ]
        );
    }
}

#[test]
fn an_edited_order_request_or_result_is_caught_with_the_recorded_text() {
    for db in backends("state_order_text") {
        let mut l = story(&db);
        let result = db.raw_text("SELECT result FROM orders WHERE order_ref = 'SO-4'");
        db.raw_exec("UPDATE orders SET result = REPLACE(result, '\"kind\":\"nlr\"', '\"kind\":\"license_exception\",\"symbol\":\"TSU\"') WHERE order_ref = 'SO-4'");
        let edited = db.raw_text("SELECT result FROM orders WHERE order_ref = 'SO-4'");
        assert_ne!(edited, result);
        assert_eq!(
            differences(&mut l),
            vec![column(
                "orders",
                "SO-4",
                "result",
                Some(&edited),
                Some(&result),
                &[SHIP_SO4_NLR]
            )]
        );
    }
}

#[test]
fn a_deleted_hold_or_cleared_release_is_caught() {
    for db in backends("state_hold") {
        let mut l = story(&db);
        db.raw_exec("DELETE FROM holds WHERE hold_id = 11");
        db.raw_exec(
            "UPDATE holds SET released_at = NULL, released_by = NULL, release_reason = NULL, release_seq = NULL \
             WHERE hold_id = 6",
        );
        assert_eq!(
            differences(&mut l),
            vec![
                column(
                    "holds",
                    "6",
                    "released_at",
                    None,
                    Some("2025-08-13T10:07:00Z"),
                    &[RELEASE_SO2]
                ),
                column("holds", "6", "released_by", None, Some("supervisor"), &[RELEASE_SO2]),
                column(
                    "holds",
                    "6",
                    "release_reason",
                    None,
                    Some("route resumed"),
                    &[RELEASE_SO2]
                ),
                column("holds", "6", "release_seq", None, Some("8"), &[RELEASE_SO2]),
                row("holds", "11", StateDiff::MissingRow, &[HOLD_SO3]),
            ]
        );
        assert_eq!(HOLD_SO2, 6);
    }
}

#[test]
fn a_deleted_route_suspension_is_caught() {
    for db in backends("state_route") {
        let mut l = story(&db);
        db.raw_exec("DELETE FROM route_suspensions WHERE id = 5");
        assert_eq!(
            differences(&mut l),
            vec![row("route_suspensions", "5", StateDiff::MissingRow, &[SUSPEND_ROUTE])]
        );
        let _ = RESUME_ROUTE;
    }
}

#[test]
fn a_changed_nac_notification_is_caught() {
    for db in backends("state_nac") {
        let mut l = story(&db);
        db.raw_exec("UPDATE nac_notifications SET status = 'cleared', nac_number = 'NAC-FAKE', status_reason = NULL WHERE id = 'N-2'");
        db.raw_exec("UPDATE nac_notifications SET clock_ends_on = '2025-08-10' WHERE id = 'N-1'");
        assert_eq!(
            differences(&mut l),
            vec![
                column(
                    "nac_notifications",
                    "N-1",
                    "clock_ends_on",
                    Some("2025-08-10"),
                    Some("2025-08-26"),
                    &[SUBMIT_N1]
                ),
                column(
                    "nac_notifications",
                    "N-2",
                    "status",
                    Some("cleared"),
                    Some("rejected"),
                    &[REJECT_N2]
                ),
                column(
                    "nac_notifications",
                    "N-2",
                    "nac_number",
                    Some("NAC-FAKE"),
                    None,
                    &[REJECT_N2]
                ),
                column(
                    "nac_notifications",
                    "N-2",
                    "status_reason",
                    None,
                    Some("BIS objected"),
                    &[REJECT_N2]
                ),
            ]
        );
        let _ = (CLEAR_N1, SUBMIT_N2, SHIP_SO5_NAC);
    }
}

#[test]
fn inserted_rows_are_caught() {
    for db in backends("state_extra") {
        let mut l = story(&db);
        db.raw_exec(
            "INSERT INTO licenses (number, holder, status, items, destinations, consignee, end_user, \
             quantity_cap, quantity_remaining, value_cap_cents, value_remaining_cents, valid_from, valid_to, \
             conditions, status_reason, created_at, created_by, updated_at) VALUES ('X-9', 'Acme', 'granted', \
             '[\"nvidia-h20\"]', '[\"CN\"]', NULL, NULL, 1000, 1000, NULL, NULL, '2025-01-01', '2027-01-01', '[]', \
             NULL, '2025-08-13T10:00:00Z', 'officer', '2025-08-13T10:00:00Z')",
        );
        db.raw_exec("INSERT INTO license_destinations (license_number, destination) VALUES ('D-1', 'MY')");
        db.raw_exec(
            "INSERT INTO holds (hold_id, order_ref, reasons, held_at, held_by) \
             VALUES (999, 'SO-1', '[]', '2025-08-13T11:00:00Z', 'mallory')",
        );
        let v = l.verify_audit().unwrap();
        assert_eq!(
            v.findings.iter().map(|f| f.seq).collect::<Vec<_>>(),
            vec![SHIP_SO6_D2; 3]
        );
        assert_eq!(
            differences(&mut l),
            vec![
                row("licenses", "X-9", StateDiff::ExtraRow, &[]),
                row("license_destinations", "D-1/MY", StateDiff::ExtraRow, &[]),
                row("holds", "999", StateDiff::ExtraRow, &[]),
            ]
        );
    }
}

#[test]
fn every_difference_is_reported_along_with_a_broken_chain() {
    for db in backends("state_all") {
        let mut l = story(&db);
        db.raw_exec("UPDATE audit_log SET user_name = 'mallory' WHERE seq = 3");
        db.raw_exec("DELETE FROM shipments WHERE order_ref = 'SO-4'");
        db.raw_exec("UPDATE licenses SET holder = 'Someone Else' WHERE number = 'D-2'");
        let v = l.verify_audit().unwrap();
        assert!(!v.ok);
        // The chain's first problem, then every state difference.
        assert_eq!(v.findings.len(), 3, "{v:#?}");
        assert_eq!((v.findings[0].seq, v.findings[0].kind), (GRANT_D2, TamperKind::Edited));
        assert_eq!(v.problem.unwrap().kind, TamperKind::Edited);
        let state: Vec<_> = v.findings[1..]
            .iter()
            .map(|f| {
                let s = f.state.clone().unwrap();
                (s.table, s.key, s.diff, s.seqs)
            })
            .collect();
        assert_eq!(
            state,
            vec![
                column(
                    "licenses",
                    "D-2",
                    "holder",
                    Some("Someone Else"),
                    Some("NVIDIA Corporation"),
                    &[ADD_D2]
                ),
                row("shipments", "SO-4", StateDiff::MissingRow, &[SHIP_SO4_NLR]),
            ]
        );
        assert_eq!(GRANT_D2, 3);
    }
}

#[test]
fn a_tampered_head_refuses_the_next_write_and_writes_nothing() {
    for db in backends("state_head") {
        let mut l = story(&db);
        let before = snapshot(&mut l);
        let req = order("SO-NEXT", 1, "2025-08-14");
        let lic = det(Outcome::LicenseRequired);
        // The head record edited.
        db.raw_exec(
            "UPDATE audit_log SET payload = REPLACE(payload, '\"quantity\":10', '\"quantity\":1') WHERE seq = 18",
        );
        let err = l.check_order(&req, &lic, "officer", at(40)).unwrap_err();
        assert!(matches!(err, LedgerError::AuditHeadBroken { seq: 18, .. }), "{err}");
        assert!(err.is_fatal());
        assert!(
            err.to_string()
                .starts_with("refusing to write: the audit log's head (record 18) does not verify"),
            "{err}"
        );
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM orders WHERE order_ref = 'SO-NEXT'"), 0);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM audit_log"), 18);
        let err = l
            .suspend_route("nvidia-h100", "CN", "x", "officer", at(41))
            .unwrap_err();
        assert!(matches!(err, LedgerError::AuditHeadBroken { .. }), "{err}");
        db.raw_exec(
            "UPDATE audit_log SET payload = REPLACE(payload, '\"quantity\":1,', '\"quantity\":10,') WHERE seq = 18",
        );
        assert_eq!(snapshot(&mut l), before);
        // The head pointing elsewhere than the last record's hash.
        db.raw_exec("UPDATE audit_head SET hash = (SELECT hash FROM audit_log WHERE seq = 17)");
        let err = l.check_order(&req, &lic, "officer", at(42)).unwrap_err();
        assert!(matches!(err, LedgerError::AuditHeadBroken { seq: 18, .. }), "{err}");
        // The head record deleted (and the head moved back past it: a rewritten chain).
        db.raw_exec("UPDATE audit_head SET hash = (SELECT hash FROM audit_log WHERE seq = 18)");
        db.raw_exec("DELETE FROM audit_log WHERE seq = 18");
        let err = l.check_order(&req, &lic, "officer", at(43)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "refusing to write: the audit log's head (record 18) does not verify: record 18 is missing; run `chipgate audit verify`"
        );
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM orders WHERE order_ref = 'SO-NEXT'"), 0);
        // A replay writes nothing, so it needs no intact head.
        assert!(
            l.check_order(&order("SO-1", 40, "2025-08-13"), &lic, "officer", at(44))
                .unwrap()
                .replayed
        );
    }
}

#[test]
fn an_intact_head_after_a_table_edit_still_accepts_writes() {
    // The append check is cheap (the head only): business-table edits are
    // verify's job.
    for db in backends("state_head_ok") {
        let mut l = story(&db);
        db.raw_exec("UPDATE licenses SET holder = 'X' WHERE number = 'D-2'");
        l.suspend_route("nvidia-h100", "CN", "x", "officer", at(41)).unwrap();
        assert_eq!(differences(&mut l).len(), 1);
    }
}

#[test]
fn after_a_purge_rows_of_purged_records_are_noted_not_failed() {
    for db in backends("state_purge") {
        let mut l = story(&db);
        // Everything is past retention in 2032; purge the first 9 records.
        let r = l
            .purge_audit(ts("2025-08-13T10:09:00Z"), "officer", ts("2032-01-01T00:00:00Z"))
            .unwrap();
        assert_eq!(r.anchor_seq, 9);
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{v:#?}");
        assert!(!v.notes.is_empty(), "{v:?}");
        assert!(v.notes.iter().any(|n| n.contains("licenses row(s)")), "{:?}", v.notes);
        // A row established after the anchor is still checked.
        db.raw_exec("DELETE FROM holds WHERE hold_id = 11");
        db.raw_exec("UPDATE shipments SET quantity = 1 WHERE order_ref = 'SO-2'");
        assert_eq!(
            differences(&mut l),
            vec![row("holds", "11", StateDiff::MissingRow, &[HOLD_SO3])]
        );
    }
}

#[test]
fn a_record_this_version_cannot_read_is_a_note_not_a_failure() {
    for db in backends("state_unreadable") {
        let mut l = story(&db);
        // A correctly chained record whose payload lacks what replay needs
        // (as a record from a version with another payload would).
        let last = l.audit_records(SHIP_SO6_D2, SHIP_SO6_D2, 1).unwrap().remove(0);
        let mut rec = last.clone();
        rec.seq = SHIP_SO6_D2 + 1;
        rec.kind = "order.held".into();
        rec.subject = "order:SO-OLD".into();
        rec.payload = r#"{"request":{"order_ref":"SO-OLD"}}"#.into();
        (rec.engine_version, rec.ruleset_id, rec.list_snapshot_id) = (None, None, None);
        rec.prev_hash = last.hash.clone();
        rec.hash = rec.compute_hash();
        db.raw_exec(&format!(
            "INSERT INTO audit_log (seq, ts, user_name, kind, subject, event_date, payload, engine_version, \
             ruleset_id, list_snapshot_id, prev_hash, hash) VALUES ({}, '{}', '{}', '{}', '{}', '{}', '{}', NULL, \
             NULL, NULL, '{}', '{}'); UPDATE audit_head SET seq = {}, hash = '{}'",
            rec.seq,
            rec.ts,
            rec.user,
            rec.kind,
            rec.subject,
            rec.event_date,
            rec.payload,
            rec.prev_hash,
            rec.hash,
            rec.seq,
            rec.hash
        ));
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:#?}", db.name());
        assert_eq!(v.notes.len(), 1, "{:?}", v.notes);
        assert!(
            v.notes[0].starts_with("record 19 (order.held) could not be replayed: "),
            "{}",
            v.notes[0]
        );
    }
}

#[test]
fn fatal_errors_are_about_the_store_not_the_input() {
    assert!(LedgerError::Corrupt("x".into()).is_fatal());
    assert!(LedgerError::AuditBroken("x".into()).is_fatal());
    assert!(LedgerError::Database("x".into()).is_fatal());
    assert!(!LedgerError::UnknownLicense("D-1".into()).is_fatal());
    assert!(!LedgerError::InvalidQuantity("-1".into()).is_fatal());
    assert!(!LedgerError::OrderConflict {
        order_ref: "SO-1".into(),
        fields: vec!["quantity".into()]
    }
    .is_fatal());
}

/// A list snapshot of two own-list entries (content-addressed as the engine does).
fn two_entry_snapshot(second: &str) -> NewListSnapshot {
    use sha2::{Digest, Sha256};
    let hex = |b: &[u8]| -> String { Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect() };
    let entries: Vec<SnapshotEntry> = ["Acme Photonics Holdings", second]
        .iter()
        .map(|name| {
            let body = serde_json::json!({ "source_code": "OWN", "name": name }).to_string();
            SnapshotEntry {
                source: "OWN".into(),
                key: format!("OWN:{}", name.to_lowercase()),
                hash: hex(body.as_bytes()),
                body,
            }
        })
        .collect();
    let joined = entries.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>().join("\n");
    NewListSnapshot {
        id: hex(joined.as_bytes()),
        source_date: "2026-07-31".into(),
        files: vec![SnapshotFile {
            name: "block.csv".into(),
            format: "own_csv".into(),
            sha256: hex(joined.as_bytes()),
            entries: 2,
        }],
        counts: [("OWN".to_owned(), 2)].into_iter().collect(),
        diff: serde_json::json!({ "summary": { "added": 2 } }),
        forced: vec![],
        entries,
    }
}

/// Parties, list snapshots and the review queue: two imports (the second active), a party, a
/// screening, a clearance, an escalation and a second clearance.
fn review_story(db: &TestDb) -> (Ledger, String) {
    let mut l = db.open();
    let o = "officer";
    let v1 = two_entry_snapshot("Borealis Trading House");
    let v2 = two_entry_snapshot("Cobalt Ridge Systems");
    l.import_list_snapshot(&v1, true, o, at(0)).unwrap(); // 1 import, 2 activate
    l.import_list_snapshot(&v2, true, o, at(1)).unwrap(); // 3 import, 4 activate
    let party = NewParty {
        name: "Acme Photonics Holdings".into(),
        country: Some("CN".into()),
        external_id: Some("C-100".into()),
        ..NewParty::default()
    };
    l.add_party(&party, o, at(2)).unwrap(); // 5
    let acme = &v2.entries[0];
    let hit = FoundHit {
        entry_key: acme.key.clone(),
        entry_hash: acme.hash.clone(),
        source: "OWN".into(),
        entry_name: "Acme Photonics Holdings".into(),
        matched: "Acme Photonics Holdings ~ Acme Photonics Holdings".into(),
        score: 1.0,
    };
    let results = [PartyResult {
        party_id: 1,
        hits: vec![hit],
    }];
    l.record_screenings(&v2.id, &ScreenScope::Full, &results, o, at(3))
        .unwrap(); // 6
    l.clear_hit(1, &acme.key, "another Acme", None, o, at(4)).unwrap(); // 7
    l.escalate_hit(1, &acme.key, "owner unclear", "supervisor", at(5))
        .unwrap(); // 8
    l.clear_hit(
        1,
        &acme.key,
        "registry checked",
        Some("2027-06-30".parse().unwrap()),
        "supervisor",
        at(6),
    )
    .unwrap(); // 9
    (l, acme.key.clone())
}

#[test]
fn parties_clearances_and_list_snapshots_are_verified_against_the_log() {
    for db in backends("state_review") {
        let (mut l, key) = review_story(&db);
        let v = l.verify_audit().unwrap();
        assert!(
            v.ok && v.findings.is_empty() && v.notes.is_empty(),
            "{}: {v:#?}",
            db.name()
        );
        let clearance = format!("1/{key}");

        // A clearance edited to cover other entry content, a party renamed, the active list
        // switched back: each is caught, naming the record that set the value.
        db.raw_exec("UPDATE party_clearances SET entry_hash = 'f00d', reviewer = 'mallory'");
        db.raw_exec("UPDATE parties SET name = 'Acme Photonics Holding'");
        let v1 = db.raw_text("SELECT id FROM list_snapshots WHERE import_seq = 1");
        let v2 = db.raw_text("SELECT snapshot_id FROM list_active");
        db.raw_exec(&format!("UPDATE list_active SET snapshot_id = '{v1}'"));
        db.raw_exec("UPDATE list_snapshots SET entry_count = 1 WHERE import_seq = 3");
        let mut found = differences(&mut l);
        found.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let hash = db.raw_text(&format!("SELECT entry_hash FROM party_hits WHERE entry_key = '{key}'"));
        assert_eq!(
            found,
            vec![
                column("list_active", "1", "snapshot_id", Some(&v1), Some(&v2), &[4]),
                column("list_snapshots", &v2, "entry_count", Some("1"), Some("2"), &[3]),
                column(
                    "parties",
                    "1",
                    "name",
                    Some("Acme Photonics Holding"),
                    Some("Acme Photonics Holdings"),
                    &[5]
                ),
                column(
                    "party_clearances",
                    &clearance,
                    "entry_hash",
                    Some("f00d"),
                    Some(&hash),
                    &[9]
                ),
                column(
                    "party_clearances",
                    &clearance,
                    "reviewer",
                    Some("mallory"),
                    Some("supervisor"),
                    &[9]
                ),
            ]
        );
    }
}

#[test]
fn a_deleted_clearance_or_an_inserted_one_is_caught() {
    for db in backends("state_clearance_rows") {
        let (mut l, key) = review_story(&db);
        db.raw_exec("DELETE FROM party_clearances");
        assert_eq!(
            differences(&mut l),
            vec![row(
                "party_clearances",
                &format!("1/{key}"),
                StateDiff::MissingRow,
                &[9]
            )]
        );
        // Escalated, so no clearance is expected: one put back is an extra row.
        l.escalate_hit(1, &key, "second look", "supervisor", at(7)).unwrap();
        db.raw_exec(&format!(
            "INSERT INTO party_clearances (party_id, entry_key, entry_hash, reason, reviewer, expires, cleared_at, \
             audit_seq) VALUES (1, '{key}', 'x', 'forged', 'mallory', NULL, '2025-08-13T10:08:00Z', 9)"
        ));
        let found = differences(&mut l);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].0.as_str(), &found[0].2),
            ("party_clearances", &StateDiff::ExtraRow)
        );
    }
}
