//! Group commit (`record_orders`: many orders, one transaction, one audit record each),
//! backdated orders, and the stored Merkle tree behind inclusion proofs. SQLite always;
//! PostgreSQL when CHIPGATE_TEST_DATABASE_URL is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_ledger::*;
use common::*;

fn group<'a>(orders: &'a [OrderRequest], det: &'a DeterminationSummary) -> Vec<RecordOrder<'a>> {
    orders.iter().map(|o| RecordOrder::new(o, det)).collect()
}

#[test]
fn a_group_is_one_transaction_with_a_record_per_order_and_answers_in_place() {
    for db in backends("group_answers") {
        let mut l = db.open();
        l.add_license(&h20_license("G-1", 10), "officer", ts("2025-08-12T08:00:00Z"))
            .unwrap();
        let lr = det(Outcome::LicenseRequired);
        let mut orders = vec![
            order("A", 4, "2025-08-13"),
            order("B", 4, "2025-08-13"),
            // Invalid: refused in its place, the others still recorded.
            order("C", 0, "2025-08-13"),
            // Only 2 left: held, exhausted.
            order("D", 4, "2025-08-13"),
            // The same order again, same contents: replayed from this very transaction.
            order("A", 4, "2025-08-13"),
            // The same reference with other contents: refused, naming the field.
            order("B", 5, "2025-08-13"),
            order("E", 2, "2025-08-13"),
        ];
        orders[6].license = Some("G-1".into());
        let now = ts("2025-08-13T09:00:00Z");
        let answers = l.record_orders(&group(&orders, &lr), "officer", now).unwrap();
        assert_eq!(answers.len(), 7, "{}", db.name());
        let a = answers[0].as_ref().unwrap();
        assert!(
            a.is_shipped() && !a.replayed && a.audit_seq == 2,
            "{}: {a:?}",
            db.name()
        );
        assert!(answers[1].as_ref().unwrap().is_shipped());
        assert!(
            matches!(answers[2], Err(LedgerError::InvalidQuantity(_))),
            "{:?}",
            answers[2]
        );
        let held = answers[3].as_ref().unwrap();
        assert!(
            matches!(
                held.hold_reasons(),
                [HoldReason::LicenseExhausted {
                    remaining: 2,
                    requested: 4,
                    ..
                }]
            ),
            "{}: {held:?}",
            db.name()
        );
        let again = answers[4].as_ref().unwrap();
        assert!(
            again.replayed && again.audit_seq == a.audit_seq,
            "{}: {again:?}",
            db.name()
        );
        match &answers[5] {
            Err(LedgerError::OrderConflict { order_ref, fields }) => {
                assert_eq!(order_ref, "B");
                assert_eq!(fields, &vec!["quantity".to_owned()]);
            }
            other => panic!("{}: {other:?}", db.name()),
        }
        assert!(answers[6].as_ref().unwrap().is_shipped());
        // One record per recorded check (A, B, D, E) after the license: seqs 2..=5, in order.
        let seqs: Vec<u64> = [0, 1, 3, 6]
            .iter()
            .map(|&i| answers[i].as_ref().unwrap().audit_seq)
            .collect();
        assert_eq!(seqs, vec![2, 3, 4, 5], "{}", db.name());
        let lic = l.license("G-1", d("2025-08-13")).unwrap();
        assert_eq!(lic.license.quantity_remaining, 0, "{}", db.name());
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:?}", db.name());
        assert_eq!((v.records, v.head_seq), (5, 5), "{}", db.name());
        // Re-recording the whole group replays every recorded order and writes nothing.
        let before = snapshot(&mut l);
        let answers = l
            .record_orders(&group(&orders, &lr), "officer", ts("2025-08-14T09:00:00Z"))
            .unwrap();
        assert!(answers
            .iter()
            .enumerate()
            .all(|(i, r)| matches!((i, r), (2 | 5, Err(_)) | (_, Ok(OrderResult { replayed: true, .. })))));
        assert_eq!(snapshot(&mut l), before, "{}", db.name());
    }
}

#[test]
fn concurrent_groups_never_deplete_a_license_past_its_cap() {
    for db in backends("group_concurrent") {
        let cap = 300;
        db.open()
            .add_license(&h20_license("G-CAP", cap), "officer", ts("2025-08-12T08:00:00Z"))
            .unwrap();
        let shipped: i64 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|w| {
                    let db = &db;
                    s.spawn(move || {
                        let mut l = db.open();
                        let lr = det(Outcome::LicenseRequired);
                        let mut shipped = 0;
                        for g in 0..5 {
                            let orders: Vec<OrderRequest> = (0..20)
                                .map(|i| order(&format!("W{w}-{g}-{i}"), 1, "2025-08-13"))
                                .collect();
                            let answers = l
                                .record_orders(&group(&orders, &lr), "officer", ts("2025-08-13T09:00:00Z"))
                                .unwrap();
                            shipped += answers.iter().filter(|r| r.as_ref().unwrap().is_shipped()).count() as i64;
                        }
                        shipped
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        // 400 orders of 1 against a cap of 300: exactly 300 ship.
        assert_eq!(shipped, cap, "{}", db.name());
        let mut l = db.open();
        assert_eq!(
            l.license("G-CAP", d("2025-08-13")).unwrap().license.quantity_remaining,
            0
        );
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:?}", db.name());
        assert_eq!(v.records, 1 + 400, "{}", db.name());
    }
}

#[test]
fn a_backdated_order_against_a_license_expired_by_today_needs_a_reason() {
    for db in backends("group_backdated") {
        let mut l = db.open();
        // Valid 2025-08-12 ..= 2026-08-11; recorded on 2026-12-07, when it has expired.
        l.add_license(&h20_license("B-1", 100), "officer", ts("2025-08-12T08:00:00Z"))
            .unwrap();
        let today = ts("2026-12-07T10:00:00Z");
        let lr = det(Outcome::LicenseRequired);
        let late = order("LATE-1", 10, "2025-09-01");
        let before = snapshot(&mut l);
        match l.check_order(&late, &lr, "officer", today) {
            Err(LedgerError::BackdatedWithoutReason {
                order_ref,
                date,
                today,
                license,
                valid_to,
            }) => {
                assert_eq!(
                    (
                        order_ref.as_str(),
                        date.as_str(),
                        today.as_str(),
                        license.as_str(),
                        valid_to.as_str()
                    ),
                    ("LATE-1", "2025-09-01", "2026-12-07", "B-1", "2026-08-11"),
                    "{}",
                    db.name()
                );
            }
            other => panic!("{}: {other:?}", db.name()),
        }
        let e = l.check_order(&late, &lr, "officer", today).unwrap_err();
        assert!(e.to_string().contains("needs `backdated`"), "{e}");
        assert_eq!(snapshot(&mut l), before, "{}: a refusal wrote something", db.name());
        // A blank reason is no reason.
        let blank = RecordOrder {
            backdated: Some("  "),
            ..RecordOrder::new(&late, &lr)
        };
        assert!(l.record_order(blank, "officer", today).is_err());
        // With a reason it ships, and the reason is in its audit record.
        let why = "entered from the September 2025 shipping log";
        let r = l
            .record_order(
                RecordOrder {
                    backdated: Some(why),
                    ..RecordOrder::new(&late, &lr)
                },
                "officer",
                today,
            )
            .unwrap();
        assert!(r.is_shipped(), "{}: {r:?}", db.name());
        let rec = l.audit_records(r.audit_seq, r.audit_seq, 1).unwrap().remove(0);
        let payload: serde_json::Value = serde_json::from_str(&rec.payload).unwrap();
        assert_eq!(payload["backdated"], why, "{}", db.name());
        // Recorded while the license is valid, or held anyway: no reason needed.
        let on_time = l
            .check_order(
                &order("ON-TIME", 1, "2025-09-01"),
                &lr,
                "officer",
                ts("2025-09-01T10:00:00Z"),
            )
            .unwrap();
        assert!(on_time.is_shipped());
        let nlr = l
            .check_order(
                &order("NLR-LATE", 1, "2025-09-01"),
                &det(Outcome::NoLicenseRequired),
                "officer",
                today,
            )
            .unwrap();
        assert!(nlr.is_shipped());
        l.suspend_route("nvidia-h20", "CN", "a test suspension", "officer", today)
            .unwrap();
        let held = l
            .check_order(&order("HELD-LATE", 1, "2025-09-01"), &lr, "officer", today)
            .unwrap();
        assert!(!held.is_shipped(), "{}: {held:?}", db.name());
        assert!(l.verify_audit().unwrap().ok);
    }
}

#[test]
fn a_license_still_valid_today_is_preferred_to_one_that_has_expired() {
    for db in backends("group_backdated_pick") {
        let mut l = db.open();
        l.add_license(&h20_license("OLD", 100), "officer", ts("2025-08-12T08:00:00Z"))
            .unwrap();
        let mut newer = h20_license("NEW", 100);
        newer.valid_to = "2027-08-11".into();
        l.add_license(&newer, "officer", ts("2025-08-12T08:00:00Z")).unwrap();
        // Without a reason the license that has not expired by today is used …
        let r = l
            .check_order(
                &order("P-1", 1, "2025-09-01"),
                &det(Outcome::LicenseRequired),
                "officer",
                ts("2026-12-07T10:00:00Z"),
            )
            .unwrap();
        assert!(
            matches!(&r.disposition, Disposition::Shipped { authorization: Authorization::License { number, .. } } if number == "NEW"),
            "{}: {r:?}",
            db.name()
        );
        // … with one, the usual rule (earliest expiry first) applies.
        let p2 = order("P-2", 1, "2025-09-01");
        let lr = det(Outcome::LicenseRequired);
        let r = l
            .record_order(
                RecordOrder {
                    backdated: Some("late entry"),
                    ..RecordOrder::new(&p2, &lr)
                },
                "officer",
                ts("2026-12-07T10:00:00Z"),
            )
            .unwrap();
        assert!(
            matches!(&r.disposition, Disposition::Shipped { authorization: Authorization::License { number, .. } } if number == "OLD"),
            "{}: {r:?}",
            db.name()
        );
    }
}

/// Caller events, `n` of them, in groups of `per`.
fn fill(l: &mut Ledger, n: u64, per: u64) {
    let mut done = 0;
    while done < n {
        let k = per.min(n - done);
        let events: Vec<AuditEvent> = (done..done + k)
            .map(|i| AuditEvent {
                kind: "note".into(),
                subject: format!("item:{i}"),
                payload: serde_json::json!({ "i": i }),
                engine_version: None,
                ruleset_id: None,
                list_snapshot_id: None,
                event_date: None,
            })
            .collect();
        l.record_events(&events, "officer", ts("2025-08-13T09:00:00Z")).unwrap();
        done += k;
    }
}

/// The proof and head computed the slow way: every record hash, re-hashed.
fn reference(l: &mut Ledger, seq: u64, size: u64) -> (Vec<String>, String) {
    let hashes: Vec<[u8; 32]> = l
        .audit_records(1, size, size)
        .unwrap()
        .iter()
        .map(|r| {
            let mut h = [0u8; 32];
            for (i, b) in h.iter_mut().enumerate() {
                *b = u8::from_str_radix(&r.hash[2 * i..2 * i + 2], 16).unwrap();
            }
            leaf_hash(&h)
        })
        .collect();
    let hex = |h: &[u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let path = inclusion_path(usize::try_from(seq - 1).unwrap(), &hashes)
        .iter()
        .map(hex)
        .collect();
    (path, hex(&tree_head(&hashes)))
}

#[test]
fn proofs_from_the_stored_tree_equal_proofs_from_every_record() {
    for db in backends("group_tree") {
        let mut l = db.open();
        // Groups that straddle the 256-leaf blocks, and single appends.
        let mut size = 0u64;
        for (n, per) in [(300, 7), (200, 200), (1, 1), (555, 64), (1, 1), (30, 30)] {
            fill(&mut l, n, per);
            size += n;
            let head = l.tree_head().unwrap();
            assert_eq!(head.size, size);
            let (_, root) = reference(&mut l, 1, size);
            assert_eq!(head.root, root, "{}: head of {size}", db.name());
        }
        for (seq, tree) in [
            (1, 1087),
            (256, 1087),
            (257, 1087),
            (700, 1087),
            (1087, 1087),
            (5, 300),
            (300, 300),
            (512, 600),
        ] {
            let p = l.inclusion_proof(seq, Some(tree)).unwrap();
            let (path, root) = reference(&mut l, seq, tree);
            assert_eq!(
                (p.path.clone(), p.root.clone()),
                (path, root.clone()),
                "{}: {seq} of {tree}",
                db.name()
            );
            assert!(p.check(&root).unwrap());
        }
        assert!(l.verify_audit().unwrap().ok);
    }
}

#[test]
fn an_edited_stored_tree_node_fails_verify_but_never_a_checkpoint() {
    for db in backends("group_tree_edit") {
        let mut l = db.open();
        fill(&mut l, 600, 100);
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let cp = l.checkpoint(&key, "2025-08-13T10:00:00Z").unwrap();
        db.raw_exec(
            "UPDATE audit_tree SET hash = '0000000000000000000000000000000000000000000000000000000000000000' \
             WHERE level = 8 AND idx = 1",
        );
        let v = l.verify_audit().unwrap();
        assert!(!v.ok, "{}", db.name());
        assert!(
            v.findings
                .iter()
                .any(|f| f.kind == TamperKind::TreeDiffers && f.detail.contains("records 257..512")),
            "{}: {v:?}",
            db.name()
        );
        // The checkpoint is verified against the records themselves.
        assert!(l.verify_checkpoint(&cp, &key.verifying_key()).unwrap().ok);
        db.raw_exec("DELETE FROM audit_tree WHERE level = 9");
        let v = l.verify_audit().unwrap();
        assert!(
            v.findings
                .iter()
                .any(|f| f.detail.contains("records 1..512 is missing")),
            "{}: {v:?}",
            db.name()
        );
    }
}

#[test]
fn a_store_from_before_the_stored_tree_is_filled_in_by_its_next_write() {
    for db in backends("group_tree_backfill") {
        let mut l = db.open();
        fill(&mut l, 700, 700);
        // As a store migrated from schema 2 looks: records, no tree.
        db.raw_exec("DELETE FROM audit_tree; UPDATE audit_head SET tree_size = 0");
        let (_, root) = reference(&mut l, 1, 700);
        assert_eq!(
            l.tree_head().unwrap().root,
            root,
            "{}: read from the records",
            db.name()
        );
        fill(&mut l, 1, 1);
        let (path, root) = reference(&mut l, 3, 701);
        let p = l.inclusion_proof(3, None).unwrap();
        assert_eq!((p.path, p.root), (path, root), "{}", db.name());
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:?}", db.name());
    }
}
