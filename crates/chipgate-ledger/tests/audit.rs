//! Audit trail: tamper detection (edit, insert, delete middle, delete tail,
//! rewritten predecessor), export, retention and purge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_ledger::*;
use common::*;

/// A ledger with 12 audit records: a license add, 10 order checks, a route
/// suspension.
fn history(db: &TestDb) -> Ledger {
    let mut l = db.open();
    l.add_license(&h20_license("D-1", 100), "officer", ts("2025-08-12T09:00:00Z"))
        .unwrap();
    for i in 0..10 {
        let when = format!("2025-08-13T09:{i:02}:00Z");
        l.check_order(
            &order(&format!("SO-{i}"), 4, "2025-08-13"),
            &det(Outcome::LicenseRequired),
            "officer",
            ts(&when),
        )
        .unwrap();
    }
    l.suspend_route("nvidia-h20", "CN", "suspension", "officer", ts("2025-08-14T09:00:00Z"))
        .unwrap();
    let v = l.verify_audit().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records, 12);
    l
}

fn problem(l: &mut Ledger) -> TamperFinding {
    let v = l.verify_audit().unwrap();
    assert!(!v.ok);
    v.problem.unwrap()
}

#[test]
fn detects_edited_payload() {
    for db in backends("edited") {
        let mut l = history(&db);
        db.raw_exec(
            "UPDATE audit_log SET payload = REPLACE(payload, '\"quantity\":4', '\"quantity\":3') WHERE seq = 5",
        );
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (5, TamperKind::Edited), "{}: {p:?}", db.name());
        assert!(p.detail.contains("edited"));
    }
}

#[test]
fn detects_edited_metadata() {
    for db in backends("edited_meta") {
        let mut l = history(&db);
        db.raw_exec("UPDATE audit_log SET ruleset_id = 'ear-2024' WHERE seq = 3");
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (3, TamperKind::Edited), "{}", db.name());
    }
}

#[test]
fn detects_rewritten_record_with_recomputed_hash() {
    for db in backends("rewritten") {
        let mut l = history(&db);
        let mut rec = l.audit_records(4, 4, 1).unwrap().remove(0);
        rec.payload = rec.payload.replace("\"quantity\":4", "\"quantity\":1");
        rec.hash = rec.compute_hash();
        db.raw_exec(&format!(
            "UPDATE audit_log SET payload = '{}', hash = '{}' WHERE seq = 4",
            rec.payload.replace('\'', "''"),
            rec.hash
        ));
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (5, TamperKind::ChainBroken), "{}: {p:?}", db.name());
    }
}

fn forged_sql(rec: &AuditRecord) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let o = |s: &Option<String>| s.as_deref().map_or("NULL".to_string(), q);
    format!(
        "INSERT INTO audit_log (seq, ts, user_name, kind, subject, event_date, payload, engine_version, \
         ruleset_id, list_snapshot_id, prev_hash, hash) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        rec.seq,
        q(&rec.ts),
        q(&rec.user),
        q(&rec.kind),
        q(&rec.subject),
        q(&rec.event_date),
        q(&rec.payload),
        o(&rec.engine_version),
        o(&rec.ruleset_id),
        o(&rec.list_snapshot_id),
        q(&rec.prev_hash),
        q(&rec.hash)
    )
}

#[test]
fn detects_inserted_row_at_the_end() {
    for db in backends("inserted_end") {
        let mut l = history(&db);
        // A well-formed record, correctly chained and hashed, but not
        // appended through the ledger (the head does not know it).
        let last = l.audit_records(12, 12, 1).unwrap().remove(0);
        let mut forged = last.clone();
        forged.seq = 13;
        forged.subject = "order:FORGED".into();
        forged.prev_hash = last.hash.clone();
        forged.hash = forged.compute_hash();
        db.raw_exec(&forged_sql(&forged));
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (13, TamperKind::Inserted), "{}: {p:?}", db.name());
    }
}

#[test]
fn detects_inserted_row_in_the_middle() {
    for db in backends("inserted_mid") {
        let mut l = history(&db);
        let prev = l.audit_records(5, 5, 1).unwrap().remove(0);
        // Shift records 6.. up by one (in two steps to dodge the unique key),
        // then slot a forged record in as 6.
        db.raw_exec("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 6");
        db.raw_exec("UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1006");
        let mut forged = prev.clone();
        forged.seq = 6;
        forged.subject = "order:FORGED".into();
        forged.prev_hash = prev.hash.clone();
        forged.hash = forged.compute_hash();
        db.raw_exec(&forged_sql(&forged));
        db.raw_exec("UPDATE audit_head SET seq = seq + 1");
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (7, TamperKind::Inserted), "{}: {p:?}", db.name());
    }
}

#[test]
fn detects_deleted_middle_row() {
    for db in backends("deleted_mid") {
        let mut l = history(&db);
        db.raw_exec("DELETE FROM audit_log WHERE seq = 7");
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (7, TamperKind::Deleted), "{}: {p:?}", db.name());
        assert_eq!(p.detail, "record 7 is missing (deleted)");
    }
}

#[test]
fn detects_deleted_tail_rows() {
    for db in backends("deleted_tail") {
        let mut l = history(&db);
        db.raw_exec("DELETE FROM audit_log WHERE seq = 12");
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (12, TamperKind::Deleted), "{}: {p:?}", db.name());
        db.raw_exec("DELETE FROM audit_log WHERE seq >= 10");
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (10, TamperKind::Deleted));
        assert!(p.detail.contains("records 10..12 are missing"), "{}", p.detail);
    }
}

#[test]
fn detects_deleted_and_renumbered_row() {
    for db in backends("deleted_renum") {
        let mut l = history(&db);
        db.raw_exec("DELETE FROM audit_log WHERE seq = 4");
        db.raw_exec("UPDATE audit_log SET seq = seq + 1000 WHERE seq > 4");
        db.raw_exec("UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000");
        db.raw_exec("UPDATE audit_head SET seq = seq - 1");
        let p = problem(&mut l);
        assert_eq!((p.seq, p.kind), (4, TamperKind::Deleted), "{}: {p:?}", db.name());
    }
}

#[test]
fn export_jsonl_and_csv() {
    for db in backends("export") {
        let mut l = history(&db);
        let mut out = Vec::new();
        assert_eq!(l.export_audit(&mut out, ExportFormat::JsonLines).unwrap(), 12);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 12);
        let mut prev = GENESIS_HASH.to_string();
        for (i, line) in lines.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["seq"], i as u64 + 1);
            assert!(v["payload"].is_object());
            assert_eq!(v["prev_hash"], prev.as_str());
            prev = v["hash"].as_str().unwrap().to_string();
            // An auditor can recompute every hash from the export alone.
            let payload_start = line.find("\"payload\":").unwrap() + "\"payload\":".len();
            let rec = AuditRecord {
                seq: v["seq"].as_u64().unwrap(),
                ts: v["ts"].as_str().unwrap().into(),
                user: v["user"].as_str().unwrap().into(),
                kind: v["kind"].as_str().unwrap().into(),
                subject: v["subject"].as_str().unwrap().into(),
                event_date: v["event_date"].as_str().unwrap().into(),
                payload: line[payload_start..line.len() - 1].to_string(),
                engine_version: v["engine_version"].as_str().map(Into::into),
                ruleset_id: v["ruleset_id"].as_str().map(Into::into),
                list_snapshot_id: v["list_snapshot_id"].as_str().map(Into::into),
                prev_hash: v["prev_hash"].as_str().unwrap().into(),
                hash: v["hash"].as_str().unwrap().into(),
            };
            assert_eq!(rec.compute_hash(), rec.hash, "line {i}");
        }
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["kind"], "license.add");
        assert_eq!(first["retention_until"], "2031-08-11");
        let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(second["retention_until"], "2030-08-13");
        assert_eq!(second["list_snapshot_id"], "csl-2025-04-14");

        let mut out = Vec::new();
        assert_eq!(l.export_audit(&mut out, ExportFormat::Csv).unwrap(), 12);
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = text.split("\r\n").filter(|r| !r.is_empty()).collect();
        assert_eq!(rows.len(), 13);
        assert!(rows[0].starts_with("seq,ts,user,kind,subject,event_date,retention_until,"));
        assert!(rows[1].starts_with("1,2025-08-12T09:00:00Z,officer,license.add,license:D-1,2026-08-11,2031-08-11,,,,"));
        assert!(rows[2].ends_with('"'), "payload is quoted: {}", rows[2]);
    }
}

#[test]
fn purge_respects_retention_and_keeps_the_chain_verifiable() {
    for db in backends("purge") {
        let mut l = history(&db);
        let before = snapshot(&mut l);
        // Inside the retention period: refused, nothing deleted.
        let err = l
            .purge_audit(ts("2025-08-13T09:05:00Z"), "officer", ts("2029-01-01T00:00:00Z"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot purge: audit record 1 (license:D-1) must be retained until 2031-08-11 (15 CFR 762.6)"
        );
        assert_eq!(snapshot(&mut l), before);
        // The license's records stay until 2031-08-11 even when orders expire.
        let err = l
            .purge_audit(ts("2025-08-13T09:05:00Z"), "officer", ts("2030-09-01T00:00:00Z"))
            .unwrap_err();
        assert!(matches!(err, LedgerError::UnderRetention { seq: 1, .. }), "{err}");
        // Once everything before the cut-off is past retention: a prefix goes.
        let r = l
            .purge_audit(ts("2025-08-13T09:05:00Z"), "officer", ts("2031-08-12T00:00:00Z"))
            .unwrap();
        assert_eq!((r.purged, r.anchor_seq), (6, 6));
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:?}", db.name());
        assert_eq!((v.anchor_seq, v.records, v.head_seq), (6, 7, 13));
        let last = l.audit_records(13, 13, 1).unwrap().remove(0);
        assert_eq!(last.kind, "audit.purge");
        // Deleting the record right after the anchor is still caught.
        db.raw_exec("DELETE FROM audit_log WHERE seq = 7");
        assert_eq!(problem(&mut l).kind, TamperKind::Deleted);
    }
}

#[test]
fn purge_refuses_a_broken_chain() {
    let db = sqlite("purge_broken");
    let mut l = history(&db);
    db.raw_exec("UPDATE audit_log SET user_name = 'mallory' WHERE seq = 2");
    let err = l
        .purge_audit(ts("2025-08-13T09:05:00Z"), "officer", ts("2040-01-01T00:00:00Z"))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot purge: the audit log does not verify"),
        "{err}"
    );
}

#[test]
fn caller_events_are_chained() {
    for db in backends("events") {
        let mut l = db.open();
        let ev = AuditEvent {
            kind: "determination".into(),
            subject: "item:nvidia-h20".into(),
            payload: serde_json::json!({"outcome": "license_required"}),
            engine_version: Some("e1".into()),
            ruleset_id: Some("r1".into()),
            list_snapshot_id: Some("s1".into()),
            event_date: None,
        };
        let seqs = l
            .record_events(&[ev.clone(), ev], "officer", ts("2025-05-01T00:00:00Z"))
            .unwrap();
        assert_eq!(seqs, vec![1, 2]);
        assert!(l.verify_audit().unwrap().ok);
        assert_eq!(l.retention_until("item:nvidia-h20").unwrap(), Some(d("2030-05-01")));
    }
}
