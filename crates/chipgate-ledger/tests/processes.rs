//! Real processes: several writers against one license never exceed its cap,
//! and `kill -9` mid-run loses no committed record and leaves the store
//! consistent. SQLite always; PostgreSQL when CHIPGATE_TEST_DATABASE_URL is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const STRESS: &str = env!("CARGO_BIN_EXE_ledger-stress");

fn setup(db: &TestDb, license: &str, cap: i64) {
    let out = Command::new(STRESS)
        .args(["--db", &db.url, "--license", license, "--setup-cap", &cap.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn shipped_sum(db: &TestDb, license: &str) -> i64 {
    db.raw_i64(&format!(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM shipments WHERE license_number = '{license}'"
    ))
}

#[test]
fn four_processes_never_exceed_the_cap() {
    for db in backends("four_processes") {
        let cap = 150;
        setup(&db, "CAP-1", cap);
        let children: Vec<_> = (0..4)
            .map(|i| {
                Command::new(STRESS)
                    .args([
                        "--db",
                        &db.url,
                        "--license",
                        "CAP-1",
                        "--orders",
                        "60",
                        "--prefix",
                        &format!("w{i}"),
                    ])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let (mut shipped, mut held) = (0, 0);
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                db.name(),
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            shipped += v["shipped"].as_i64().unwrap();
            held += v["held"].as_i64().unwrap();
        }
        assert_eq!(shipped, cap, "{}", db.name());
        assert_eq!(held, 4 * 60 - cap, "{}", db.name());
        let mut l = db.open();
        let lic = l.license("CAP-1", d("2025-06-01")).unwrap();
        assert_eq!(lic.license.quantity_remaining, 0);
        assert_eq!(lic.shipments.len() as i64, cap);
        assert_eq!(shipped_sum(&db, "CAP-1"), cap);
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(v.records, 1 + 4 * 60);
    }
}

#[test]
fn kill_9_mid_run_loses_nothing_committed() {
    for db in backends("kill_9") {
        let cap = 1_000_000;
        setup(&db, "KILL-1", cap);
        let mut child = Command::new(STRESS)
            .args([
                "--db",
                &db.url,
                "--license",
                "KILL-1",
                "--orders",
                "1000000",
                "--prefix",
                "k",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it commit a good number of checks, then SIGKILL it mid-stream.
        let start = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let n = db.raw_i64("SELECT COUNT(*) FROM shipments");
            if n >= 200 || start.elapsed() > Duration::from_secs(60) {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let mut l = db.open();
        let v = l.verify_audit().unwrap();
        assert!(v.ok, "{}: {v:?}", db.name());
        let lic = l.license("KILL-1", d("2025-06-01")).unwrap().license;
        let sum = shipped_sum(&db, "KILL-1");
        assert!(sum >= 200, "{}: only {sum} shipped", db.name());
        assert_eq!(sum, cap - lic.quantity_remaining, "{}", db.name());
        // Every shipment has its order and its audit record; nothing dangles.
        let orders = db.raw_i64("SELECT COUNT(*) FROM orders");
        assert_eq!(orders, sum);
        assert_eq!(v.records as i64, 1 + orders);
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM shipments s JOIN audit_log a ON a.seq = s.audit_seq AND a.subject = 'order:' || s.order_ref"),
            sum
        );
        // The store is still writable after the crash.
        let again = Command::new(STRESS)
            .args([
                "--db",
                &db.url,
                "--license",
                "KILL-1",
                "--orders",
                "5",
                "--prefix",
                "after",
            ])
            .output()
            .unwrap();
        assert!(again.status.success());
        assert!(l.verify_audit().unwrap().ok);
    }
}
