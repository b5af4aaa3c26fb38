//! Set-up shared by the engine's test binaries (included with `mod common;`).
#![allow(dead_code, reason = "each test binary that includes this module uses a part of it")]
#![allow(clippy::panic, reason = "test set-up fails loudly")]

/// The stores a test runs against: a new SQLite file, and a new PostgreSQL schema when
/// `CHIPGATE_TEST_DATABASE_URL` is set. `binary` and `tag` keep the names apart; `schema` is the
/// schema names' prefix (letters and `_`).
pub(crate) fn stores(binary: &str, schema: &str, tag: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("chipgate-engine-{binary}-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut v = vec![format!("sqlite://{}", dir.join("ledger.sqlite3").display())];
    if let Ok(url) = std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        if !url.is_empty() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() % 1_000_000_000);
            let sep = if url.contains('?') { '&' } else { '?' };
            v.push(format!(
                "{url}{sep}schema={schema}_{tag}_{}x{nanos}",
                std::process::id()
            ));
        }
    }
    v
}
