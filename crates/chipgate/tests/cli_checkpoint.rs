//! `chipgate audit checkpoint | prove | verify --checkpoint` as a user runs them: the key is
//! created once (mode 600), the log verifies against its checkpoint, a proof's head equals
//! the checkpoint's, and a log that no longer holds what the checkpoint covered fails (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::run;

fn home(name: &str) -> PathBuf {
    common::temp_dir("cli-cp", name)
}

fn record_orders(home: &Path, refs: &[&str]) {
    for r in refs {
        let out = run(
            home,
            &[
                "order",
                "check",
                "--ref",
                r,
                "--item",
                "nvidia-h20",
                "--to",
                "CN",
                "--qty",
                "4",
                "--date",
                "2025-03-01",
            ],
        );
        assert!(out.status.code().is_some_and(|c| c == 0 || c == 2), "{out:?}");
    }
}

#[test]
fn checkpoint_prove_and_verify() {
    let a = home("a");
    record_orders(&a, &["SO-1", "SO-2", "SO-3"]);
    let cp = a.join("cp.json");
    let out = run(&a, &["audit", "checkpoint", "-o", cp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("created the signing key") && err.contains("public key: "),
        "{err}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(a.join("audit-signing.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    assert_eq!(written["size"], 3);
    // A second checkpoint uses the same key.
    let out = run(&a, &["audit", "checkpoint", "-o", a.join("cp2.json").to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("created"), "{out:?}");

    // More orders: the log still extends the checkpoint.
    record_orders(&a, &["SO-4"]);
    let out = run(&a, &["audit", "verify", "--checkpoint", cp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("checkpoint OK"),
        "{out:?}"
    );

    // A proof at the checkpoint's size recomputes its head.
    let out = run(&a, &["audit", "prove", "2", "--size", "3", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let proof: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(proof["root"], written["root"]);
    assert_eq!(proof["path"].as_array().unwrap().len(), 2);

    // Another installation's log (fewer records) does not extend it: exit 2, said in words.
    let b = home("b");
    record_orders(&b, &["SO-1"]);
    let key = written["public_key"].as_str().unwrap();
    let out = run(
        &b,
        &[
            "audit",
            "verify",
            "--checkpoint",
            cp.to_str().unwrap(),
            "--public-key",
            key,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("checkpoint FAILED"),
        "{out:?}"
    );
    // Without a key of its own and without --public-key: a usage error naming the flag.
    let out = run(
        &b,
        &[
            "audit",
            "verify",
            "--checkpoint",
            cp.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["field"], "--public-key");
    // Not a public key at all: a usage error.
    let out = run(
        &b,
        &[
            "audit",
            "verify",
            "--checkpoint",
            cp.to_str().unwrap(),
            "--public-key",
            &"ab".repeat(32),
        ],
    );
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    // Another installation's key: the signature does not verify (exit 1, code `checkpoint`).
    let out = run(&b, &["audit", "checkpoint", "-o", b.join("own.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = run(
        &b,
        &[
            "audit",
            "verify",
            "--checkpoint",
            cp.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["code"], "checkpoint", "{e}");
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn verify_lists_every_table_row_that_differs_from_the_log() {
    if std::process::Command::new("sqlite3").arg("-version").output().is_err() {
        eprintln!(
            "skipped: the sqlite3 command is not installed (the ledger's tests/state.rs covers the same findings)"
        );
        return;
    }
    let h = home("state");
    let out = run(&h, common::LICENSE_ADD);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = run(
        &h,
        &[
            "order",
            "check",
            "--ref",
            "SO-1",
            "--item",
            "nvidia-h20",
            "--to",
            "CN",
            "--qty",
            "40",
            "--date",
            "2025-08-12",
            "--backdated",
            "entered from the shipping log",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let db = h.join("ledger.sqlite3");
    let sql = "UPDATE licenses SET quantity_cap = 1000, quantity_remaining = 960; DELETE FROM shipments;";
    let done = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg(sql)
        .output()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    let out = run(&h, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("audit trail BROKEN: "), "{text}");
    for needle in ["licenses", "quantity_cap", "quantity_remaining", "shipments"] {
        assert!(text.contains(needle), "`{needle}` not in:\n{text}");
    }
    assert!(
        text.lines().filter(|l| l.starts_with("  record ")).count() >= 3,
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&h);
}

#[test]
fn serve_writes_a_checkpoint_when_the_log_grows() {
    let h = home("serve");
    record_orders(&h, &["SO-1"]);
    let dir = h.join("checkpoints");
    let mut server = Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--checkpoint-every",
            "1",
            "--checkpoint-dir",
        ])
        .arg(&dir)
        .env("CHIPGATE_HOME", &h)
        .env("CHIPGATE_ADMIN_TOKEN", "cg_test_checkpoints_0123456789abcdef")
        .env_remove("CHIPGATE_DB")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let files = |n: usize| {
        let start = std::time::Instant::now();
        loop {
            // Only whole checkpoints: a file is written under a temporary name and renamed.
            let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| {
                            p.file_name()
                                .is_some_and(|n| n.to_string_lossy().starts_with("checkpoint-"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            if found.len() >= n || start.elapsed() > std::time::Duration::from_secs(60) {
                return found;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let first = files(1);
    // The log grows (another process writes to the same store): a second checkpoint follows.
    record_orders(&h, &["SO-2"]);
    let second = files(2);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(first.len(), 1, "no checkpoint written: {first:?}");
    assert_eq!(second.len(), 2, "no second checkpoint after the log grew: {second:?}");
    assert!(second[0].ends_with("checkpoint-000000000001.json"), "{second:?}");
    assert!(second[1].ends_with("checkpoint-000000000002.json"), "{second:?}");
    for cp in &second {
        let out = run(&h, &["audit", "verify", "--checkpoint", cp.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let _ = std::fs::remove_dir_all(&h);
}
