//! Property: recording a re-screening of only the entries that changed (`ScreenScope::Keys`)
//! or of only the parties the change can concern (`ScreenScope::Delta`, what the engine's
//! delta re-screen hands in: the others' hits are carried over) leaves the store exactly as
//! recording a full re-screen does — the same hits with the same content hashes and review
//! states, the same party statuses, the same parties reported as new hits — on random list
//! changes with random clearances (some lapsed by the re-screening) in between. SQLite in
//! memory.
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
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn delta_recording_equals_full_recording(
        old in list(),
        new in list(),
        matches in prop::collection::vec(prop::collection::btree_set(0..KEYS, 0..4), PARTIES),
        clear in prop::collection::vec((0..PARTIES, 0..KEYS, any::<bool>()), 0..6),
    ) {
        let t0 = Timestamp::parse("2026-08-01T09:00:00Z").unwrap();
        let t1 = Timestamp::parse("2026-08-02T09:00:00Z").unwrap();
        let changed: BTreeSet<String> = (0..KEYS)
            .filter(|k| old.get(k) != new.get(k))
            .map(|k| format!("K:{k}"))
            .collect();
        // The parties a change concerns: those matching a changed key.
        let concerned: Vec<bool> = matches
            .iter()
            .map(|m| m.iter().any(|k| changed.contains(&format!("K:{k}"))))
            .collect();
        let mut stores = Vec::new();
        for mode in 0..3 {
            let mut l = Ledger::open("sqlite::memory:").unwrap();
            for p in 0..PARTIES {
                l.add_party(&NewParty { name: format!("Party {p}"), ..NewParty::default() }, "o", t0).unwrap();
            }
            l.record_screenings(SNAP_OLD, &ScreenScope::Full, &hits(&old, &matches, None), "o", t0).unwrap();
            for (p, k, lapses) in &clear {
                // Only hits that exist can be cleared; the others are refused. Some clearances
                // hold for the day of the first screening only.
                let expires = lapses.then(|| "2026-08-01".parse::<Date>().unwrap());
                let _ = l.clear_hit(*p as u64 + 1, &format!("K:{k}"), "checked", expires, "rev", t0);
            }
            let outcome = if mode == 2 {
                let mut results = hits(&new, &matches, None);
                results.retain(|r| concerned[r.party_id as usize - 1]);
                l.record_screenings(
                    SNAP_NEW,
                    &ScreenScope::Delta { previous: SNAP_OLD.to_owned() },
                    &results,
                    "o",
                    t1,
                )
                .unwrap()
            } else if mode == 1 {
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
            let snapshots: Vec<Option<String>> =
                l.parties().unwrap().into_iter().map(|p| p.screened_snapshot).collect();
            prop_assert!(snapshots.iter().all(|s| s.as_deref() == Some(SNAP_NEW)));
            stores.push((state(&mut l), outcome.new_hits, outcome.kept_cleared.len()));
            prop_assert!(l.verify_audit().unwrap().ok);
        }
        let (full, keys, delta) = (&stores[0], &stores[1], &stores[2]);
        // The key-scoped recording leaves hits on unchanged keys alone, so it does not reopen
        // a hit whose clearance lapsed (a full or delta recording does): compared only where
        // none lapsed. The full recording also counts unchanged cleared hits as kept; the
        // key-scoped one only those on changed keys.
        if clear.iter().all(|c| !c.2) {
            prop_assert_eq!(&full.0, &keys.0);
            prop_assert_eq!(&full.1, &keys.1, "parties that became hits");
            prop_assert!(keys.2 <= full.2);
        }
        // The delta recording equals the full one in everything.
        prop_assert_eq!(full, delta);
    }
}
