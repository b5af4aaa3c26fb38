//! `chipgate lists` and the list every screening command uses: the bundled list comes through
//! `chipgate-data`, so `--data-dir` replaces it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(args)
        .env("CHIPGATE_HOME", home)
        .env("CHIPGATE_USER", "test-officer")
        .env_remove("CHIPGATE_DB")
        .output()
        .unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lists")
        .join(name)
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chipgate-cli-lists-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the repository's `data/` (all but the bundled list) into `to`.
fn copy_data(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_data(&path, &target);
        } else if path.extension().is_some_and(|e| e != "json") {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success() || out.status.code() == Some(2), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

#[test]
fn a_data_dir_replaces_the_bundled_list() {
    let home = temp_dir("data-dir");
    let data = home.join("data");
    copy_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"), &data);
    std::fs::copy(fixture("block-v1.csv"), data.join("lists/block-v1.csv")).unwrap();
    let settings = std::fs::read_to_string(data.join("lists/lists.toml")).unwrap();
    let bundled = settings.lines().find(|l| l.starts_with("bundled = ")).unwrap();
    std::fs::write(
        data.join("lists/lists.toml"),
        settings.replace(bundled, "bundled = \"block-v1.csv\""),
    )
    .unwrap();
    let dir = data.display().to_string();
    let out = run(
        &home,
        &[
            "--data-dir",
            &dir,
            "screen",
            "Acme Photonics Holdings",
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    assert_eq!(
        report["list_snapshot"]["counts"],
        serde_json::json!({"OWN": 3}),
        "{report}"
    );
    assert_eq!(
        report["hits"][0]["entry"]["name"], "Acme Photonics Holdings",
        "{report}"
    );
    // The default is unchanged: the bundled CSL.
    let out = run(&home, &["screen", "Acme Photonics Holdings", "--format", "json"]);
    let report = json(&out);
    assert!(
        report["list_snapshot"]["counts"]["SDN"].as_u64().unwrap() > 10_000,
        "{report}"
    );
    // A data directory whose list file is missing names it.
    std::fs::remove_file(data.join("lists/block-v1.csv")).unwrap();
    let out = run(&home, &["--data-dir", &dir, "screen", "Acme"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("block-v1.csv"), "{out:?}");
    assert!(!home.join("ledger.sqlite3").exists(), "screening created a store");
    let _ = std::fs::remove_dir_all(&home);
}
