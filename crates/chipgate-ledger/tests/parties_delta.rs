//! Property: recording a re-screening of only the entries that changed (`ScreenScope::Keys`,
//! what a delta re-screen hands in) leaves the store exactly as recording a full re-screen
//! does — the same hits with the same content hashes and review states, the same party
//! statuses, the same parties reported as new hits — on random list changes with random
//! clearances in between. SQLite in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failures panic loudly"
)]

use std::collections::{BTreeMap, BTreeSet};

use chipgate_ledger::*;
use proptest::prelude::*;

const SNAP_OLD: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const SNAP_NEW: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const KEYS: usize = 8;
const PARTIES: usize = 6;

/// A list: key index → content version.
type List = BTreeMap<usize, u8>;

fn hash(key: usize, version: u8) -> String {
    format!("{key:x}{version:x}").repeat(32)
}

/// Each party's hits on a list: the keys it matches that the list holds.
fn hits(list: &List, matches: &[BTreeSet<usize>], only: Option<&BTreeSet<String>>) -> Vec<PartyResult> {
    matches
        .iter()
        .enumerate()
        .map(|(p, keys)| PartyResult {
            party_id: p as u64 + 1,
            hits: keys
                .iter()
                .filter_map(|k| list.get(k).map(|v| (k, v)))
                .filter(|(k, _)| only.is_none_or(|o| o.contains(&format!("K:{k}"))))
                .map(|(k, v)| FoundHit {
                    entry_key: format!("K:{k}"),
                    entry_hash: hash(*k, *v),
                    source: "EL".into(),
                    entry_name: format!("Entry {k}"),
                    matched: "x".into(),
                    score: 0.9,
                })
                .collect(),
        })
        .collect()
}

/// The review items (party, key, hash, state) and the parties' statuses.
type StoreState = (Vec<(u64, String, String, String)>, Vec<(u64, String)>);

fn state(l: &mut Ledger) -> StoreState {
    let today = "2026-08-02".parse::<Date>().unwrap();
    let items = l
        .review_items(ReviewFilter::All, today)
        .unwrap()
        .into_iter()
        .map(|i| (i.party_id, i.entry_key, i.entry_hash, i.state))
        .collect();
    let parties = l.parties().unwrap().into_iter().map(|p| (p.id, p.status)).collect();
    (items, parties)
}

fn list() -> impl Strategy<Value = List> {
    prop::collection::btree_map(0..KEYS, 0u8..3, 0..KEYS)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn delta_recording_equals_full_recording(
        old in list(),
        new in list(),
        matches in prop::collection::vec(prop::collection::btree_set(0..KEYS, 0..4), PARTIES),
        clear in prop::collection::vec((0..PARTIES, 0..KEYS), 0..6),
    ) {
        let t0 = Timestamp::parse("2026-08-01T09:00:00Z").unwrap();
        let t1 = Timestamp::parse("2026-08-02T09:00:00Z").unwrap();
        let changed: BTreeSet<String> = (0..KEYS)
            .filter(|k| old.get(k) != new.get(k))
            .map(|k| format!("K:{k}"))
            .collect();
        let mut stores = Vec::new();
        for delta in [false, true] {
            let mut l = Ledger::open("sqlite::memory:").unwrap();
            for p in 0..PARTIES {
                l.add_party(&NewParty { name: format!("Party {p}"), ..NewParty::default() }, "o", t0).unwrap();
            }
            l.record_screenings(SNAP_OLD, &ScreenScope::Full, &hits(&old, &matches, None), "o", t0).unwrap();
            for (p, k) in &clear {
                // Only hits that exist can be cleared; the others are refused.
                let _ = l.clear_hit(*p as u64 + 1, &format!("K:{k}"), "checked", None, "rev", t0);
            }
            let outcome = if delta {
                l.record_screenings(
                    SNAP_NEW,
                    &ScreenScope::Keys(changed.clone()),
                    &hits(&new, &matches, Some(&changed)),
                    "o",
                    t1,
                )
                .unwrap()
            } else {
                l.record_screenings(SNAP_NEW, &ScreenScope::Full, &hits(&new, &matches, None), "o", t1).unwrap()
            };
            stores.push((state(&mut l), outcome.new_hits, outcome.kept_cleared.len()));
            prop_assert!(l.verify_audit().unwrap().ok);
        }
        let (full, delta) = (&stores[0], &stores[1]);
        prop_assert_eq!(&full.0, &delta.0);
        prop_assert_eq!(&full.1, &delta.1, "parties that became hits");
        // The full recording also counts unchanged cleared hits as kept; the delta only those
        // on changed keys, so only the new hits and the stored state are compared exactly.
        prop_assert!(delta.2 <= full.2);
    }
}
