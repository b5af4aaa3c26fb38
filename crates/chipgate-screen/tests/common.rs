//! Helpers shared by the integration tests (included with `mod common;`): the real lists in
//! `../shared/data/` (present only beside the development checkout; tests skip without them),
//! the small committed fixtures in `tests/fixtures/`, and the index over the bundled CSL.
#![allow(
    dead_code,
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chipgate_screen::{bundled_csl, ScreeningIndex};

/// A file under `shared/data/` (the shared data folder beside the repository).
pub(crate) fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// The shared file or folder `shared/data/{rel}` when it exists. When it does not (a user's
/// clone has no `../shared`), prints one `skipped: ...` line to stderr and returns `None`, so
/// the real-list test returns early; `fixture_test` names the test that covers the same format
/// with a committed fixture.
pub(crate) fn shared_or_skip(rel: &str, fixture_test: &str) -> Option<PathBuf> {
    let p = shared(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped: ../shared/data/{rel} not found (real-list test; the committed fixture test \
             `{fixture_test}` covers the format)"
        );
        None
    }
}

/// Bytes of a shared data file.
pub(crate) fn read_shared(rel: &str) -> Vec<u8> {
    read(&shared(rel))
}

/// A committed fixture file under `tests/fixtures/`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// Bytes of a committed fixture file (see `tests/fixtures/README.md` for their origin).
pub(crate) fn read_fixture(rel: &str) -> Vec<u8> {
    read(&fixture(rel))
}

/// Bytes of a file, panicking with its path when it cannot be read.
pub(crate) fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The index over the bundled CSL, built once per test binary.
pub(crate) fn csl_index() -> &'static ScreeningIndex {
    static INDEX: OnceLock<ScreeningIndex> = OnceLock::new();
    INDEX.get_or_init(|| ScreeningIndex::build(bundled_csl().expect("bundled CSL loads")))
}
