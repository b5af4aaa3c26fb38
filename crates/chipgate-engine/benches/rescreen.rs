//! Re-screening stored parties (issue 16): N synthetic parties (default 100,000; one in 100
//! named like a bundled-list entry, so hits exist) added to a fresh store, then every party
//! screened against the bundled CSL and the results recorded (`Engine::rescreen_parties`,
//! what `chipgate rescreen --full` and a list import do), timed with the screening alone
//! separately. Then the delta re-screening (what `lists import` does): the bundled entries
//! stored as snapshot A and every party screened against it, a snapshot B with 100 entries
//! changed (25 added under new names, 25 removed, 25 with two letters of the name swapped, 25
//! moved to another country) imported, and the
//! stale parties re-screened by the change (`PartySelection::Stale`; the previous snapshot's
//! index is built inside it and counted), then the same re-screening in full for comparison.
//! A plain timing binary (one run of seconds; criterion's sampling adds nothing).
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
use chipgate_engine::{Engine, PartyScreener, PartySelection, RescreenReport};
use chipgate_ledger::{Ledger, NewListSnapshot, NewParty, SnapshotEntry, Timestamp};
use chipgate_screen::{content_id, entry_digests, DeltaScreen, ListEntry, ListSnapshot, ScreenOptions, ScreeningIndex};

/// Stores these entries as a snapshot and activates it.
fn store_snapshot(ledger: &mut Ledger, entries: Vec<ListEntry>, now: Timestamp) -> String {
    let mut snapshot = ListSnapshot::from_entries(b"", "2026-12-07", entries);
    let digests = entry_digests(&snapshot);
    snapshot.id = content_id(&digests);
    let new = NewListSnapshot {
        id: snapshot.id.clone(),
        source_date: snapshot.source_date.clone(),
        files: vec![chipgate_ledger::SnapshotFile {
            name: "bench-entries.json".to_owned(),
            format: "csl_json".to_owned(),
            sha256: snapshot.id.clone(),
            entries: snapshot.entries.len() as u64,
        }],
        counts: snapshot
            .counts_by_source
            .iter()
            .map(|(k, v)| (k.clone(), *v as u64))
            .collect(),
        diff: serde_json::Value::Null,
        forced: Vec::new(),
        entries: digests
            .into_iter()
            .map(|d| SnapshotEntry {
                source: d.source,
                key: d.key,
                hash: d.hash,
                body: d.body,
            })
            .collect(),
    };
    ledger.import_list_snapshot(&new, true, "bench", now).unwrap();
    snapshot.id
}

fn describe(r: &RescreenReport) -> String {
    match &r.delta {
        Some(d) => format!(
            "delta: {} of {} entries affected ({} of the previous), {} parties screened, {} carried, {} became hits",
            d.affected_entries,
            d.entries,
            d.affected_previous_entries,
            r.screened,
            d.carried,
            r.new_hits.len()
        ),
        None => format!(
            "full ({}): {} parties screened, {} became hits",
            r.full_because.as_deref().unwrap_or("-"),
            r.screened,
            r.new_hits.len()
        ),
    }
}

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

    // The delta: snapshot A (the bundled entries), every party screened against it ...
    let entries_a: Vec<ListEntry> = index.entries().to_vec();
    let id_a = store_snapshot(&mut ledger, entries_a.clone(), now);
    let t = Instant::now();
    let engine_a = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
    println!("index of snapshot A from the store: {:.2?}", t.elapsed());
    let t = Instant::now();
    let r = engine_a
        .rescreen_parties(&mut ledger, PartySelection::Stale, "bench", now)
        .unwrap();
    println!("re-screen against A: {:.2?}, {}", t.elapsed(), describe(&r));
    // ... then B: 100 entries changed.
    let mut entries_b = entries_a.clone();
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < 75 {
        let i = next(entries_b.len());
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    for (k, &i) in picked.iter().enumerate() {
        let e = &mut entries_b[i];
        match k % 3 {
            // A spelling corrected: two letters of the name swapped.
            0 => {
                let mut b: Vec<char> = e.name.chars().collect();
                let i = next(b.len().saturating_sub(1).max(1));
                if i + 1 < b.len() {
                    b.swap(i, i + 1);
                }
                e.name = b.into_iter().collect();
            }
            1 => e.countries = vec![COUNTRIES[next(COUNTRIES.len())].to_owned()],
            _ => {}
        }
    }
    // The third of the picked entries left as they are is removed (25), and 25 new ones are
    // added: copies of other entries under another name.
    let removed: Vec<usize> = picked.iter().skip(2).step_by(3).copied().collect();
    // New names: made-up words (a new listing's name is mostly words the list did not hold).
    let mut word = || -> String {
        let (c, v) = (b"bdfgklmnprstvz", b"aeiou");
        let mut w = String::new();
        for _ in 0..3 {
            w.push(c[next(c.len())] as char);
            w.push(v[next(v.len())] as char);
        }
        w
    };
    let added: Vec<ListEntry> = (0..25)
        .map(|k| {
            let mut e = entries_a[(k * 977) % entries_a.len()].clone();
            e.name = format!("{} {} Co., Ltd.", word(), word());
            e.alt_names.clear();
            e.entity_number = e.entity_number.map(|n| format!("{n}-{k}"));
            e
        })
        .collect();
    let mut entries_b: Vec<ListEntry> = entries_b
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !removed.contains(i))
        .map(|(_, e)| e)
        .collect();
    entries_b.extend(added);
    let later = Timestamp::parse("2026-12-08T12:00:00Z").unwrap();
    store_snapshot(&mut ledger, entries_b, later);
    let t = Instant::now();
    let engine_b = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
    println!("index of snapshot B from the store: {:.2?}", t.elapsed());
    // Its parts, for the record (the re-screening below does them all again).
    {
        let t = Instant::now();
        let stored_a = ledger.list_snapshot(&id_a).unwrap();
        let index_a = ScreeningIndex::build(chipgate_engine::stored_list(&mut ledger, &stored_a).unwrap());
        println!("  part: index of the previous snapshot A: {:.2?}", t.elapsed());
        let index_b = engine_b.lists().unwrap();
        let t = Instant::now();
        let delta = DeltaScreen::new(&index_a, &index_b);
        println!("  part: comparing the two indexes: {:.2?}", t.elapsed());
        let t = Instant::now();
        let options = ScreenOptions::default();
        let concerned = stored.iter().filter(|p| delta.may_differ(&p.name, &options)).count();
        println!(
            "  part: which parties the change can concern (one thread): {:.2?}, {concerned}",
            t.elapsed()
        );
    }
    let t = Instant::now();
    let r = engine_b
        .rescreen_parties(&mut ledger, PartySelection::Stale, "bench", later)
        .unwrap();
    println!(
        "**delta re-screen of {n} parties, 100 entries changed, recorded**: {:.2?}, {}",
        t.elapsed(),
        describe(&r)
    );
    let t = Instant::now();
    let r = engine_b
        .rescreen_parties(&mut ledger, PartySelection::All, "bench", later)
        .unwrap();
    println!(
        "the same in full (rescreen --full): {:.2?}, {}",
        t.elapsed(),
        describe(&r)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
