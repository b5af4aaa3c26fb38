//! Signed checkpoints (Merkle tree heads) catch what `audit verify` cannot: a consistent
//! rewrite of the chain with the documented hash formula, and a rewound tail with its head moved
//! back, where the records touched leave no business row behind (caller events) so the
//! replay of the tables is fooled too. A rewrite of a business record is caught by both.
//! Inclusion proofs recompute a checkpoint's head. On SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_ledger::*;
use common::*;
use sha2::{Digest, Sha256};

/// 16 records: a license, 10 order checks, a route suspension, 4 caller events (screening
/// runs: no business rows).
fn history(db: &TestDb) -> Ledger {
    let mut l = db.open();
    l.add_license(&h20_license("D-1", 100), "officer", ts("2025-08-12T09:00:00Z"))
        .unwrap();
    for i in 0..10 {
        l.check_order(
            &order(&format!("SO-{i}"), 4, "2025-08-13"),
            &det(Outcome::LicenseRequired),
            "officer",
            ts(&format!("2025-08-13T09:{i:02}:00Z")),
        )
        .unwrap();
    }
    l.suspend_route("nvidia-h20", "CN", "suspension", "officer", ts("2025-08-14T09:00:00Z"))
        .unwrap();
    for i in 0..4 {
        let event = AuditEvent {
            kind: "screening.run".into(),
            subject: format!("screening:{i}"),
            payload: serde_json::json!({"name": format!("Example Party {i}"), "hits": i}),
            engine_version: None,
            ruleset_id: None,
            list_snapshot_id: None,
            event_date: None,
        };
        l.record_event(&event, "officer", ts(&format!("2025-08-15T09:{i:02}:00Z")))
            .unwrap();
    }
    l
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// The record hash as documented in `audit.rs` (what an attacker with the formula computes).
fn record_hash(r: &AuditRecord, prev: &str) -> String {
    fn put(h: &mut Sha256, v: Option<&str>) {
        match v {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    let mut h = Sha256::new();
    h.update(b"chipgate-audit-v1");
    h.update((r.seq as i64).to_be_bytes());
    for v in [&r.ts, &r.user, &r.kind, &r.subject, &r.event_date, &r.payload] {
        put(&mut h, Some(v));
    }
    for v in [&r.engine_version, &r.ruleset_id, &r.list_snapshot_id] {
        put(&mut h, v.as_deref());
    }
    put(&mut h, Some(prev));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Rewrites the chain from record `from` on, consistently (hashes, links and head), after
/// changing that record's payload.
fn rewrite_chain(db: &TestDb, l: &mut Ledger, from: u64, old: &str, new: &str) {
    let records = l.audit_records(1, u64::MAX, u64::MAX).unwrap();
    let mut prev = records[(from - 2) as usize].hash.clone();
    for mut r in records.into_iter().filter(|r| r.seq >= from) {
        if r.seq == from {
            r.payload = r.payload.replace(old, new);
            assert_ne!(r.payload, r.payload.replace(new, old), "the edit changed nothing");
        }
        let hash = record_hash(&r, &prev);
        db.raw_exec(&format!(
            "UPDATE audit_log SET payload = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            r.payload.replace('\'', "''"),
            r.seq
        ));
        prev = hash;
    }
    db.raw_exec(&format!("UPDATE audit_head SET hash = '{prev}' WHERE id = 1"));
}

#[test]
fn the_log_extends_its_checkpoint_and_proofs_recompute_its_head() {
    for db in backends("cp_extends") {
        let mut l = history(&db);
        let cp = l.checkpoint(&key(9), "2026-12-07T10:00:00Z").unwrap();
        assert_eq!(cp.size, 16, "{}", db.name());
        let r = l.verify_checkpoint(&cp, &key(9).verifying_key()).unwrap();
        assert!(r.ok, "{}: {r:?}", db.name());
        // Appending keeps it verified.
        l.check_order(
            &order("SO-X", 1, "2025-08-15"),
            &det(Outcome::LicenseRequired),
            "officer",
            ts("2025-08-15T09:00:00Z"),
        )
        .unwrap();
        let r = l.verify_checkpoint(&cp, &key(9).verifying_key()).unwrap();
        assert!(
            r.ok && r.log_size == 17 && r.detail.contains("1 appended since"),
            "{r:?}"
        );
        // Every record's proof at the checkpoint's size recomputes its head; not another's.
        for seq in 1..=16 {
            let proof = l.inclusion_proof(seq, Some(cp.size)).unwrap();
            assert!(proof.check(&cp.root).unwrap(), "{}: seq {seq}", db.name());
            let now = l.tree_head().unwrap();
            assert!(
                !proof.check(&now.root).unwrap(),
                "a proof for size 16 is not one for 17"
            );
        }
        assert!(l.inclusion_proof(18, None).is_err());
        // Signed with another key: refused.
        assert!(matches!(
            l.verify_checkpoint(&cp, &key(8).verifying_key()),
            Err(LedgerError::CheckpointSignature { .. })
        ));
    }
}

#[test]
fn a_consistent_rewrite_of_the_chain_fools_verify_but_not_the_checkpoint() {
    for db in backends("cp_rewrite") {
        let mut l = history(&db);
        let cp = l.checkpoint(&key(9), "2026-12-07T10:00:00Z").unwrap();
        // A caller event's payload changed and every later hash, link and the head rewritten.
        rewrite_chain(&db, &mut l, 14, "\"hits\":1", "\"hits\":0");
        let v = l.verify_audit().unwrap();
        assert!(
            v.ok,
            "{}: the rewrite is consistent and changes no table, so verify passes: {v:?}",
            db.name()
        );
        let r = l.verify_checkpoint(&cp, &key(9).verifying_key()).unwrap();
        assert!(!r.ok && r.detail.contains("were changed"), "{}: {r:?}", db.name());
    }
}

#[test]
fn a_consistent_rewrite_of_a_business_record_is_caught_by_both() {
    for db in backends("cp_rewrite_order") {
        let mut l = history(&db);
        let cp = l.checkpoint(&key(9), "2026-12-07T10:00:00Z").unwrap();
        rewrite_chain(&db, &mut l, 5, "\"quantity\":4", "\"quantity\":3");
        let v = l.verify_audit().unwrap();
        assert!(
            !v.ok,
            "{}: the order's rows no longer match the rewritten record",
            db.name()
        );
        let r = l.verify_checkpoint(&cp, &key(9).verifying_key()).unwrap();
        assert!(!r.ok, "{}: {r:?}", db.name());
    }
}

#[test]
fn a_rewound_tail_and_a_shrink_are_caught() {
    for db in backends("cp_rewound") {
        let mut l = history(&db);
        let cp = l.checkpoint(&key(9), "2026-12-07T10:00:00Z").unwrap();
        // Delete the last three records (caller events) and move the head back to record 13.
        let kept = l.audit_records(13, 13, 1).unwrap().remove(0).hash;
        db.raw_exec("DELETE FROM audit_log WHERE seq > 13");
        db.raw_exec(&format!("UPDATE audit_head SET seq = 13, hash = '{kept}' WHERE id = 1"));
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: verify is fooled: {v:?}", db.name());
        let r = l.verify_checkpoint(&cp, &key(9).verifying_key()).unwrap();
        assert!(
            !r.ok && r.log_size == 13 && r.detail.contains("removed"),
            "{}: {r:?}",
            db.name()
        );
    }
}

#[test]
fn the_signing_key_is_created_once_with_mode_600() {
    let dir = std::env::temp_dir().join(format!("cg-key-{}", std::process::id()));
    let path = dir.join("keys").join("audit.key");
    let _ = std::fs::remove_dir_all(&dir);
    let (a, created) = load_or_create_key(&path).unwrap();
    assert!(created);
    let (b, created) = load_or_create_key(&path).unwrap();
    assert!(!created);
    assert_eq!(a.verifying_key(), b.verifying_key());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    std::fs::write(&path, "not a key").unwrap();
    let err = load_or_create_key(&path).unwrap_err().to_string();
    assert!(err.contains("not a chipgate signing key"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_periodic_writer_writes_a_verifying_file_only_when_the_log_has_grown() {
    for db in backends("cp_writer") {
        let mut l = history(&db);
        let dir = std::env::temp_dir().join(format!("cg-cpw-{}-{}", std::process::id(), db.name()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut w = CheckpointWriter::new(key(7), Some(dir.clone()));
        assert_eq!(w.public_key(), CheckpointWriter::new(key(7), None).public_key());
        let first = w.write(&mut l, ts("2025-08-15T09:00:00Z")).unwrap().unwrap();
        assert_eq!(first.checkpoint.size, 16, "{}", db.name());
        let path = first.path.clone().unwrap();
        assert!(path.ends_with("checkpoint-000000000016.json"), "{path:?}");
        // The file is the JSON handed back, and it verifies against the log with the key.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, first.json);
        let cp: Checkpoint = serde_json::from_str(&text).unwrap();
        assert!(l.verify_checkpoint(&cp, &key(7).verifying_key()).unwrap().ok);
        assert!(
            l.verify_checkpoint(&cp, &key(8).verifying_key()).is_err(),
            "a wrong key verifies"
        );
        // Nothing new: no checkpoint, no file.
        assert!(w.write(&mut l, ts("2025-08-15T09:01:00Z")).unwrap().is_none());
        l.record_event(
            &AuditEvent {
                kind: "screening.run".into(),
                subject: "screening:9".into(),
                payload: serde_json::json!({"name": "Example Party 9", "hits": 0}),
                event_date: None,
                engine_version: None,
                ruleset_id: None,
                list_snapshot_id: None,
            },
            "officer",
            ts("2025-08-15T09:02:00Z"),
        )
        .unwrap();
        let second = w.write(&mut l, ts("2025-08-15T09:03:00Z")).unwrap().unwrap();
        assert_eq!(second.checkpoint.size, 17);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["checkpoint-000000000016.json", "checkpoint-000000000017.json"]);
        // Without a directory the checkpoint is only handed back (the worker publishes it).
        let mut bare = CheckpointWriter::new(key(7), None);
        let only = bare.write(&mut l, ts("2025-08-15T09:04:00Z")).unwrap().unwrap();
        assert_eq!((only.path, only.checkpoint.root), (None, second.checkpoint.root));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
