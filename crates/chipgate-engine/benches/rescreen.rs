//! Re-screening stored parties (issue 16): N synthetic parties (default 100,000; one in 100
//! named like a bundled-list entry, so hits exist) added to a fresh store, then every party
//! screened against the bundled CSL and the results recorded (`Engine::rescreen_parties`,
//! what `chipgate rescreen --full` and a list import do), timed with the screening alone
//! separately. A plain timing binary (one run of seconds; criterion's sampling adds nothing).
//!
//! Run: `cargo bench -p chipgate-engine --bench rescreen` (SQLite in a temporary file);
//! `CHIPGATE_BENCH_PARTIES=N` changes the count, `CHIPGATE_BENCH_DB=postgres://…?schema=S`
//! uses that (empty) store instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark binary: fails loudly, prints its figures"
)]

use std::time::Instant;

use chipgate_data::Embedded;
use chipgate_engine::{Engine, PartyScreener, PartySelection};
use chipgate_ledger::{Ledger, NewParty, Timestamp};

const WORDS: &[&str] = &[
    "Northern", "Blue", "River", "Summit", "Golden", "Pacific", "Nordic", "Atlas", "Vertex", "Harbor", "Cedar",
    "Lumen", "Orbit", "Granite", "Silver", "Aurora", "Prairie", "Falcon", "Meridian", "Coastal", "Apex", "Willow",
];
const KINDS: &[&str] = &[
    "Logistics",
    "Trading",
    "Systems",
    "Foods",
    "Textiles",
    "Robotics",
    "Freight",
    "Analytics",
    "Ceramics",
    "Optics",
];
const FORMS: &[&str] = &["GmbH", "Ltd", "LLC", "SA", "BV", "AB", "Inc", "Pty Ltd"];
const COUNTRIES: &[&str] = &["DE", "GB", "US", "FR", "NL", "SE", "AU", "JP", "CN", "AE"];

fn main() {
    let n: usize = std::env::var("CHIPGATE_BENCH_PARTIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("chipgate-bench-rescreen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("CHIPGATE_BENCH_DB")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.join("bench.sqlite3").display()));
    let engine = Engine::load(&Embedded).unwrap();
    let t = Instant::now();
    let index = engine.lists().unwrap();
    println!(
        "index of the bundled list ({} entries): {:.2?}",
        index.entries().len(),
        t.elapsed()
    );
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let parties: Vec<NewParty> = (0..n)
        .map(|i| {
            let name = if i % 100 == 0 {
                index.entries()[next(index.entries().len())].name.clone()
            } else {
                format!(
                    "{} {} {} {}",
                    WORDS[next(WORDS.len())],
                    WORDS[next(WORDS.len())],
                    KINDS[next(KINDS.len())],
                    FORMS[next(FORMS.len())]
                )
            };
            NewParty {
                name,
                country: Some(COUNTRIES[next(COUNTRIES.len())].to_owned()),
                external_id: Some(format!("B-{i}")),
                ..NewParty::default()
            }
        })
        .collect();
    let mut ledger = Ledger::open(&url).unwrap();
    let now = Timestamp::parse("2026-12-07T12:00:00Z").unwrap();
    let t = Instant::now();
    ledger.add_parties(&parties, "bench", now).unwrap();
    println!(
        "add {n} parties (one transaction, one audit record each): {:.2?}",
        t.elapsed()
    );

    let stored = ledger.parties().unwrap();
    let screener = PartyScreener::new(&index);
    let t = Instant::now();
    let mut hits = 0usize;
    for p in &stored {
        hits += screener.screen(p).unwrap().len();
    }
    println!("screen {n} parties only (no store): {:.2?}, {hits} hits", t.elapsed());

    let t = Instant::now();
    let r = engine
        .rescreen_parties(&mut ledger, PartySelection::All, "bench", now)
        .unwrap();
    println!(
        "full re-screen of {} parties, recorded: {:.2?} ({} became hits)",
        r.screened,
        t.elapsed(),
        r.new_hits.len()
    );
    let t = Instant::now();
    let r = engine
        .rescreen_parties(&mut ledger, PartySelection::All, "bench", now)
        .unwrap();
    println!(
        "again, nothing new: {:.2?} ({} became hits)",
        t.elapsed(),
        r.new_hits.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
