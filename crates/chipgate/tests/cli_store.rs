//! A mistyped store is not silently created: read-only commands on a missing store fail with
//! its path and create nothing; the first write creates it and says so on standard error.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use common::run;

#[test]
fn reading_a_missing_store_fails_and_creates_nothing() {
    let home = std::env::temp_dir().join(format!("chipgate-cli-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let typo = home.join("ledgr.sqlite3");
    let db = format!("sqlite://{}", typo.display());
    for args in [
        vec!["license", "list", "--db", &db],
        vec!["order", "list", "--db", &db],
        vec!["audit", "verify", "--db", &db],
        vec!["audit", "export", "--db", &db],
    ] {
        let out = run(&home, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no ledger at") && err.contains("ledgr.sqlite3"),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created the store");
    }
    // The default store too, and the JSON error names the code.
    let out = run(&home, &["audit", "verify", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["code"], "no_store");
    assert!(!home.join("ledger.sqlite3").exists());
    // A write creates it, says so once, with mode 600.
    let out = run(&home, common::LICENSE_ADD);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("created a new ledger: "),
        "{out:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(home.join("ledger.sqlite3"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let out = run(&home, &["license", "list"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("created"), "{out:?}");
    let _ = std::fs::remove_dir_all(&home);
}
