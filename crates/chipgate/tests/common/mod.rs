//! Set-up shared by the CLI test binaries (included with `mod common;`).
#![allow(dead_code, reason = "each test binary that includes this module uses a part of it")]
#![allow(clippy::panic, reason = "test set-up fails loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `chipgate` with `home` as its data home, `test-officer` as the acting user and no
/// `CHIPGATE_DB` from the environment.
pub(crate) fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(args)
        .env("CHIPGATE_HOME", home)
        .env("CHIPGATE_USER", "test-officer")
        .env_remove("CHIPGATE_DB")
        .output()
        .unwrap_or_else(|e| panic!("cannot run chipgate: {e}"))
}

/// A new empty directory under the system's temporary directory, unique to this test binary
/// (`binary`) and test (`tag`).
pub(crate) fn temp_dir(binary: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chipgate-{binary}-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Standard output as JSON.
pub(crate) fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

/// `chipgate license add` of a granted H20 license to China for 100 units, valid from
/// 2025-08-01 to 2026-07-31.
pub(crate) const LICENSE_ADD: &[&str] = &[
    "license",
    "add",
    "--number",
    "BIS-1",
    "--holder",
    "NVIDIA",
    "--item",
    "nvidia-h20",
    "--destination",
    "CN",
    "--qty",
    "100",
    "--valid-from",
    "2025-08-01",
    "--valid-to",
    "2026-07-31",
];
