//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chipgate_screen::{bundled_csl, ScreeningIndex};

/// A file under `shared/data/` (the shared data folder beside the repository).
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// Bytes of a shared data file.
pub fn read_shared(rel: &str) -> Vec<u8> {
    let p = shared(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The index over the bundled CSL, built once per test binary.
pub fn csl_index() -> &'static ScreeningIndex {
    static INDEX: OnceLock<ScreeningIndex> = OnceLock::new();
    INDEX.get_or_init(|| ScreeningIndex::build(bundled_csl().expect("bundled CSL loads")))
}
