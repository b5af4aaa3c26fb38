//! The delta re-screening end to end: lists imported into a store, parties screened against
//! them, a changed list imported, and the stale parties re-screened by `Engine::rescreen_parties`
//! (which goes by the change) leave the store exactly as re-screening every party does — the
//! same review items (entry, content hash, score, state), statuses and parties that became
//! hits. Own-list CSV files generated from a seed; SQLite and, with
//! `CHIPGATE_TEST_DATABASE_URL`, PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failures panic loudly"
)]

mod common;

use chipgate_data::Embedded;
use chipgate_engine::{Engine, ImportOptions, ListFile, PartySelection, RescreenPath};
use chipgate_ledger::{Date, Ledger, NewParty, ReviewFilter, Timestamp};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const COUNTRIES: [&str; 4] = ["CN", "RU", "IR", "AE"];

fn word(rng: &mut Rng) -> String {
    let (c, v) = (b"bdfgklmnprstvz", b"aeiou");
    (0..2 + rng.below(2))
        .flat_map(|_| [c[rng.below(c.len())] as char, v[rng.below(v.len())] as char])
        .collect()
}

fn name(rng: &mut Rng) -> String {
    let mut parts: Vec<String> = (0..2 + rng.below(2)).map(|_| word(rng)).collect();
    if rng.below(3) == 0 {
        parts.push("Trading Co Ltd".to_owned());
    }
    parts.join(" ")
}

fn csv(rows: &[(String, &str)]) -> ListFile {
    let mut s = String::from("name,country,note\n");
    for (n, c) in rows {
        s.push_str(&format!("{n},{c},generated\n"));
    }
    ListFile {
        name: "own-block.csv".to_owned(),
        bytes: s.into_bytes(),
    }
}

fn stores(tag: &str) -> Vec<String> {
    common::stores("delta", "cgd", tag)
}

type Items = Vec<(u64, String, String, String, String)>;

fn state(l: &mut Ledger) -> (Items, Vec<(u64, String)>) {
    let today = "2026-12-08".parse::<Date>().unwrap();
    let items = l
        .review_items(ReviewFilter::All, today)
        .unwrap()
        .into_iter()
        .map(|i| (i.party_id, i.entry_key, i.entry_hash, i.score, i.state))
        .collect();
    let parties = l.parties().unwrap().into_iter().map(|p| (p.id, p.status)).collect();
    (items, parties)
}

#[test]
fn a_delta_rescreen_leaves_the_store_as_a_full_one() {
    let opts = ImportOptions {
        force: true,
        source_date: Some("2026-12-07"),
        max_shrink: 0.2,
    };
    let t0 = Timestamp::parse("2026-12-07T09:00:00Z").unwrap();
    let t1 = Timestamp::parse("2026-12-08T09:00:00Z").unwrap();
    let mut deltas = 0;
    let mut became = 0;
    for (k, url) in stores("seeds").into_iter().enumerate() {
        for seed in 1..=3u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
            let old: Vec<(String, &str)> = (0..400)
                .map(|_| (name(&mut rng), COUNTRIES[rng.below(COUNTRIES.len())]))
                .collect();
            // The change: a few entries renamed, removed, added, moved to another country.
            let mut new = old.clone();
            for _ in 0..6 {
                let i = rng.below(new.len());
                match rng.below(4) {
                    0 => new[i].0 = name(&mut rng),
                    1 => {
                        new.remove(i);
                    }
                    2 => new.push((name(&mut rng), "CN")),
                    _ => new[i].1 = COUNTRIES[rng.below(COUNTRIES.len())],
                }
            }
            // Parties named like entries of either list (some with a typo), or not at all.
            let parties: Vec<NewParty> = (0..300)
                .map(|p| {
                    let list = if p % 2 == 0 { &old } else { &new };
                    let (n, c) = &list[rng.below(list.len())];
                    let party_name = match rng.below(4) {
                        0 => name(&mut rng),
                        1 => n.replacen('a', "e", 1),
                        _ => n.clone(),
                    };
                    NewParty {
                        name: party_name,
                        country: (rng.below(2) == 0).then(|| (*c).to_owned()),
                        owners: if rng.below(5) == 0 {
                            vec![name(&mut rng)]
                        } else {
                            Vec::new()
                        },
                        ..NewParty::default()
                    }
                })
                .collect();
            let mut outcomes = Vec::new();
            for full in [false, true] {
                let url = url.replace("ledger.sqlite3", &format!("s{seed}-{full}.sqlite3"));
                let url = if url.contains("schema=") {
                    format!("{url}s{seed}{}", u8::from(full))
                } else {
                    url
                };
                let mut ledger = Ledger::open(&url).unwrap();
                Engine::load(&Embedded)
                    .unwrap()
                    .import_lists(&mut ledger, &[csv(&old)], opts, "officer", t0)
                    .unwrap();
                ledger.add_parties(&parties, "officer", t0).unwrap();
                let engine = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
                engine
                    .rescreen_parties(&mut ledger, PartySelection::Stale, "officer", t0)
                    .unwrap();
                // Clear some of the hits, as a reviewer would.
                for item in ledger
                    .review_items(ReviewFilter::Pending, "2026-12-07".parse::<Date>().unwrap())
                    .unwrap()
                    .iter()
                    .step_by(3)
                {
                    ledger
                        .clear_hit(item.party_id, &item.entry_key, "other company", None, "reviewer", t0)
                        .unwrap();
                }
                Engine::load(&Embedded)
                    .unwrap()
                    .import_lists(&mut ledger, &[csv(&new)], opts, "officer", t1)
                    .unwrap();
                let engine = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
                let which = if full {
                    PartySelection::All
                } else {
                    PartySelection::Stale
                };
                let report = engine.rescreen_parties(&mut ledger, which, "officer", t1).unwrap();
                if !full && report.path == RescreenPath::Delta {
                    deltas += 1;
                    let d = report.delta.as_ref().unwrap();
                    assert!(d.carried > 0 && report.screened < 300, "{report:?}");
                }
                let mut new_hits: Vec<u64> = report.new_hits.iter().map(|h| h.id).collect();
                new_hits.sort_unstable();
                became += new_hits.len();
                outcomes.push((state(&mut ledger), new_hits));
                assert!(ledger.verify_audit().unwrap().ok);
            }
            assert_eq!(
                outcomes[0], outcomes[1],
                "store {k}, seed {seed}: delta and full differ"
            );
        }
    }
    assert!(deltas > 0, "the delta path never ran");
    assert!(became > 0, "no party became a hit: the lists changed nothing");
}
