//! Stores are not created by accident: opening a store that must exist fails on a missing
//! SQLite file or an empty PostgreSQL schema and creates nothing; opening to write creates it
//! and says so; a new SQLite file is readable by its owner only.
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
fn a_missing_store_is_an_error_for_readers_and_created_for_writers() {
    for db in backends("open_missing") {
        // The test database directory exists but holds no ledger yet.
        match Ledger::open_existing(&db.url) {
            Err(LedgerError::NoStore { store }) => {
                assert!(
                    !store.contains("postgres://postgres@"),
                    "no credentials in messages: {store}"
                );
            }
            other => panic!("{}: {other:?}", db.name()),
        }
        // Nothing was created by the failed open.
        let again = Ledger::open_existing(&db.url);
        assert!(matches!(again, Err(LedgerError::NoStore { .. })), "{}", db.name());
        let (mut l, created) = Ledger::open_or_create(&db.url).unwrap();
        assert!(created, "{}", db.name());
        l.add_license(&h20_license("D-1", 10), "officer", ts("2025-08-12T09:00:00Z"))
            .unwrap();
        drop(l);
        let (_, created) = Ledger::open_or_create(&db.url).unwrap();
        assert!(!created, "{}", db.name());
        let mut l = Ledger::open_existing(&db.url).unwrap();
        assert_eq!(l.list_licenses(d("2025-08-12")).unwrap().len(), 1, "{}", db.name());
    }
}

#[test]
fn a_new_sqlite_ledger_file_has_mode_600() {
    let db = sqlite("open_mode");
    let (_l, created) = Ledger::open_or_create(&db.url).unwrap();
    assert!(created);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let path = db.url.strip_prefix("sqlite://").unwrap();
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn connections_opened_at_once_on_a_new_store_all_open() {
    // The batch's workers each open their own connection; on a new SQLite file the first
    // ones race to switch it to WAL and to migrate it. Every one must succeed.
    for round in 0..50 {
        for db in backends(&format!("open_race_{round}")) {
            let url = db.url.clone();
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let url = url.clone();
                    std::thread::spawn(move || Ledger::open(&url).map(drop))
                })
                .collect();
            for h in handles {
                if let Err(e) = h.join().unwrap() {
                    panic!("{} round {round}: {e}", db.name());
                }
            }
        }
    }
}
