//! `chipgate lists import` of the full bundled CSL (25,921 entries): load, normalise and
//! hash every entry, diff against the list in use, check the guards, store the snapshot and
//! activate it, on SQLite and (with `CHIPGATE_TEST_DATABASE_URL` set) PostgreSQL.
//!
//! Run: `cargo bench -p chipgate-engine --bench list_import`
//! (PostgreSQL too: `CHIPGATE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo
//! bench -p chipgate-engine --bench list_import`). Prints the median of 5 runs of each case.
//! A plain timing binary rather than criterion: each run needs a fresh store.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark binary: failures panic loudly, results go to standard output"
)]

use std::time::{Duration, Instant};

use chipgate_data::Embedded;
use chipgate_engine::{Engine, ImportOptions, ListFile};
use chipgate_ledger::{Ledger, Timestamp};
use chipgate_screen::BundledFile;

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn options() -> ImportOptions<'static> {
    ImportOptions {
        force: true,
        source_date: Some("2026-12-07"),
        max_shrink: 0.2,
    }
}

/// 100 own block-list entries: the change of the second import.
fn block_list() -> ListFile {
    let mut csv = String::from("name,country,note\n");
    for i in 0..100 {
        csv.push_str(&format!("Benchmark Trading Company {i},CN,bench\n"));
    }
    ListFile {
        name: "block.csv".to_owned(),
        bytes: csv.into_bytes(),
    }
}

fn case(label: &str, url_for: &dyn Fn(usize) -> String) {
    let engine = Engine::load(&Embedded).unwrap();
    engine.lists().unwrap();
    let bundled = BundledFile::read(&Embedded).unwrap();
    let csl = ListFile {
        name: bundled.name.clone(),
        bytes: bundled.bytes.to_vec(),
    };
    let now = Timestamp::parse("2026-12-07T21:00:00Z").unwrap();
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let mut ledger = Ledger::open(&url_for(run)).unwrap();
        let t = Instant::now();
        let r = engine
            .import_lists(&mut ledger, std::slice::from_ref(&csl), options(), "bench", now)
            .unwrap();
        first.push(t.elapsed());
        assert_eq!(r.snapshot.entry_count, 25_921);
        let t = Instant::now();
        let r = engine
            .import_lists(&mut ledger, &[csl.clone(), block_list()], options(), "bench", now)
            .unwrap();
        second.push(t.elapsed());
        assert_eq!(r.diff.summary["OWN"].added, 100);
    }
    println!(
        "{label}: full CSL into an empty store (diff against the bundled list) {:.2} s; \
         again with 100 entries added (diff against the stored snapshot) {:.2} s (median of {RUNS})",
        median(first).as_secs_f64(),
        median(second).as_secs_f64()
    );
}

/// Where the time of one import goes (printed once, for the record).
fn phases(engine: &Engine, csl: &ListFile) {
    let t = Instant::now();
    let (snapshot, _) =
        chipgate_engine::load_list_files(std::slice::from_ref(csl), None, engine.list_loader()).unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let new = chipgate_screen::entry_digests(&snapshot);
    let digests = t.elapsed();
    let index = engine.lists().unwrap();
    let bundled = chipgate_screen::ListSnapshot {
        id: String::new(),
        source_date: String::new(),
        counts_by_source: index.snapshot_info().counts.clone(),
        entries: index.entries().to_vec(),
    };
    let old = chipgate_screen::entry_digests(&bundled);
    let t = Instant::now();
    let diff = chipgate_screen::diff_digests(&old, &new);
    let diffing = t.elapsed();
    assert!(diff.is_empty());
    println!(
        "phases: load and content address {:.2} s, entry digests {:.2} s, diff {:.3} s",
        load.as_secs_f64(),
        digests.as_secs_f64(),
        diffing.as_secs_f64()
    );
}

fn main() {
    {
        let engine = Engine::load(&Embedded).unwrap();
        let bundled = BundledFile::read(&Embedded).unwrap();
        phases(
            &engine,
            &ListFile {
                name: bundled.name.clone(),
                bytes: bundled.bytes.to_vec(),
            },
        );
    }
    let dir = std::env::temp_dir().join(format!("chipgate-bench-lists-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.clone();
    case("sqlite", &move |run| {
        format!("sqlite://{}", d.join(format!("ledger-{run}.sqlite3")).display())
    });
    if let Ok(base) = std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        if !base.is_empty() {
            let sep = if base.contains('?') { '&' } else { '?' };
            let pid = std::process::id();
            case("postgres", &move |run| {
                format!("{base}{sep}schema=cg_bench_lists_{pid}_{run}")
            });
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
