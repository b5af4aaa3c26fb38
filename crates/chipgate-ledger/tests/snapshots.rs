//! List snapshots in the store (SQLite, and PostgreSQL when `CHIPGATE_TEST_DATABASE_URL` is
//! set): import with its audit record, idempotent re-import, activation and rollback, bad
//! input refused without writing anything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failures panic loudly"
)]

mod common;

use std::collections::BTreeMap;

use chipgate_ledger::*;
use common::{backends, ts};
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn entry(source: &str, name: &str) -> SnapshotEntry {
    let body = serde_json::json!({ "source_code": source, "name": name }).to_string();
    SnapshotEntry {
        source: source.to_owned(),
        key: format!("{source}:{name}"),
        hash: hex(body.as_bytes()),
        body,
    }
}

fn snapshot(names: &[(&str, &str)]) -> NewListSnapshot {
    let entries: Vec<SnapshotEntry> = names.iter().map(|(s, n)| entry(s, n)).collect();
    let mut counts = BTreeMap::new();
    for e in &entries {
        *counts.entry(e.source.clone()).or_insert(0) += 1;
    }
    let joined: String = entries.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>().join("\n");
    NewListSnapshot {
        id: hex(joined.as_bytes()),
        source_date: "2026-07-31".to_owned(),
        files: vec![SnapshotFile {
            name: "list.csv".to_owned(),
            format: "own_csv".to_owned(),
            sha256: hex(joined.as_bytes()),
            entries: entries.len() as u64,
        }],
        counts,
        diff: serde_json::json!({ "summary": { "added": entries.len() } }),
        forced: vec![],
        entries,
    }
}

fn kinds(l: &mut Ledger) -> Vec<String> {
    l.audit_records(1, u64::MAX, 1_000)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect()
}

#[test]
fn import_activate_and_roll_back() {
    for db in backends("list_snapshots") {
        let mut l = db.open();
        assert_eq!(l.active_list_snapshot().unwrap(), None, "{}", db.name());
        let v1 = snapshot(&[("SDN", "Alpha"), ("SDN", "Beta"), ("EL", "Gamma")]);
        let r = l
            .import_list_snapshot(&v1, true, "officer", ts("2026-08-01T09:00:00Z"))
            .unwrap();
        assert!(r.created && r.activated);
        assert_eq!(r.snapshot.entry_count, 3);
        assert!(r.snapshot.active);
        assert_eq!(r.snapshot.counts, BTreeMap::from([("EL".into(), 1), ("SDN".into(), 2)]));
        assert_eq!(kinds(&mut l), ["list.import", "list.activate"]);
        let entries = l.list_snapshot_entries(&v1.id).unwrap();
        assert_eq!(entries, v1.entries, "{}", db.name());

        // Re-importing the same content writes nothing.
        let again = l
            .import_list_snapshot(&v1, true, "officer", ts("2026-08-01T10:00:00Z"))
            .unwrap();
        assert!(!again.created && !again.activated);
        assert_eq!(kinds(&mut l).len(), 2);

        // A second snapshot shares the unchanged entries.
        let v2 = snapshot(&[("SDN", "Alpha"), ("EL", "Gamma"), ("EL", "Delta")]);
        let r2 = l
            .import_list_snapshot(&v2, true, "officer", ts("2026-08-02T09:00:00Z"))
            .unwrap();
        assert!(r2.created && r2.activated);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM list_entries"), 4);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM list_snapshot_entries"), 6);
        assert_eq!(l.active_list_snapshot().unwrap().unwrap().id, v2.id);
        let all = l.list_snapshots().unwrap();
        assert_eq!(all.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [&v2.id, &v1.id]);
        assert_eq!(all.iter().filter(|s| s.active).count(), 1);

        // Roll back by a prefix of the id; the record names the previous snapshot and why.
        let back = l
            .activate_list_snapshot(
                &v1.id[..12],
                Some("v2 lost a list"),
                "officer",
                ts("2026-08-02T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(back.id, v1.id);
        assert!(back.active);
        assert_eq!(l.active_list_snapshot().unwrap().unwrap().id, v1.id);
        let last = l.audit_records(1, u64::MAX, 100).unwrap().pop().unwrap();
        assert_eq!(last.kind, "list.activate");
        assert_eq!(last.list_snapshot_id.as_deref(), Some(v1.id.as_str()));
        let payload: serde_json::Value = serde_json::from_str(&last.payload).unwrap();
        assert_eq!(payload["previous"], v2.id.as_str());
        assert_eq!(payload["reason"], "v2 lost a list");
        // Activating the active one, or an unknown id, is refused and writes nothing.
        let n = kinds(&mut l).len();
        let e = l
            .activate_list_snapshot(&v1.id, None, "officer", ts("2026-08-02T11:00:00Z"))
            .unwrap_err();
        assert!(e.to_string().contains("already the active snapshot"), "{e}");
        let e = l
            .activate_list_snapshot("deadbeefdeadbeef", None, "officer", ts("2026-08-02T11:00:00Z"))
            .unwrap_err();
        assert!(e.to_string().contains("no list snapshot `deadbeefdeadbeef`"), "{e}");
        let e = l
            .activate_list_snapshot("abc", None, "officer", ts("2026-08-02T11:00:00Z"))
            .unwrap_err();
        assert!(e.to_string().contains("at least 8 hex digits"), "{e}");
        assert_eq!(kinds(&mut l).len(), n);
        assert!(l.verify_audit().unwrap().ok, "{}", db.name());
        // A caller cannot forge a list record.
        let forged = AuditEvent {
            kind: "list.activate".into(),
            subject: format!("list:{}", v2.id),
            payload: serde_json::json!({}),
            engine_version: None,
            ruleset_id: None,
            list_snapshot_id: None,
            event_date: None,
        };
        let e = l
            .record_event(&forged, "officer", ts("2026-08-02T12:00:00Z"))
            .unwrap_err();
        assert!(matches!(e, LedgerError::ReservedAuditKind(_)), "{e}");
    }
}

#[test]
fn bad_snapshots_are_refused_and_write_nothing() {
    for db in backends("list_snapshots_bad") {
        let mut l = db.open();
        let good = snapshot(&[("SDN", "Alpha")]);
        let mut wrong_counts = good.clone();
        wrong_counts.counts.insert("EL".into(), 4);
        let mut bad_hash = good.clone();
        bad_hash.entries[0].hash = "xyz".into();
        let mut empty = good.clone();
        empty.entries.clear();
        empty.counts.clear();
        let mut bad_id = good.clone();
        bad_id.id = "not-hex".into();
        for (s, want) in [
            (&wrong_counts, "counts"),
            (&bad_hash, "entries[0].hash"),
            (&empty, "at least one entry"),
            (&bad_id, "snapshot id"),
        ] {
            let e = l
                .import_list_snapshot(s, true, "officer", ts("2026-08-01T09:00:00Z"))
                .unwrap_err();
            assert!(e.to_string().contains(want), "{e}");
        }
        let e = l
            .import_list_snapshot(&good, true, " ", ts("2026-08-01T09:00:00Z"))
            .unwrap_err();
        assert!(e.to_string().contains("user"), "{e}");
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM list_snapshots"), 0);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM list_entries"), 0);
        assert!(kinds(&mut l).is_empty());
    }
}
