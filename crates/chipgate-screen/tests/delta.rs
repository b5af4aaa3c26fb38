//! Property: after a random list change (entries added and removed, names, aliases,
//! countries, types, numbers and identifiers edited, entries moved), every party that
//! [`DeltaScreen::may_differ`] passes over screens exactly as before — the same entries with
//! the same scores and matched names — so screening only the parties it flags, on the full
//! new index, and keeping the others' results gives what screening every party again gives.
//! Seeded random lists of a few hundred entries, parties named near them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failures panic loudly"
)]

use chipgate_screen::{DeltaScreen, EntryId, ListEntry, ListSnapshot, Query, ScreenOptions, ScreeningIndex};

/// xorshift64*: a small deterministic generator.
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
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const COUNTRIES: [&str; 6] = ["CN", "RU", "IR", "AE", "HK", "KP"];
const SOURCES: [&str; 3] = ["EL", "SDN", "DPL"];
const TYPES: [Option<&str>; 3] = [Some("Entity"), Some("Individual"), None];
const EXTRA: [&str; 6] = ["technology", "trading", "group", "co", "ltd", "international"];

/// A pool of pronounceable words; low indexes are drawn more often (a few common words).
fn words(rng: &mut Rng) -> Vec<String> {
    let (c, v) = (b"bdfgklmnprstvzh", b"aeiou");
    (0..500)
        .map(|_| {
            let syllables = 2 + rng.below(2);
            let mut w = String::new();
            for _ in 0..syllables {
                w.push(c[rng.below(c.len())] as char);
                w.push(v[rng.below(v.len())] as char);
            }
            if rng.chance(30) {
                w.push(c[rng.below(c.len())] as char);
            }
            w
        })
        .collect()
}

fn word<'a>(rng: &mut Rng, pool: &'a [String]) -> &'a str {
    // Skewed: the square of a uniform draw favours the first words.
    let u = rng.below(1000) as f64 / 1000.0;
    &pool[((u * u) * pool.len() as f64) as usize % pool.len()]
}

fn name(rng: &mut Rng, pool: &[String]) -> String {
    let n = 1 + rng.below(3);
    let mut parts: Vec<&str> = (0..n).map(|_| word(rng, pool)).collect();
    if rng.chance(35) {
        parts.push(EXTRA[rng.below(EXTRA.len())]);
    }
    parts.join(" ")
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut b: Vec<u8> = s.bytes().collect();
    let letters: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii_lowercase()).collect();
    if letters.is_empty() {
        return s.to_owned();
    }
    let i = letters[rng.below(letters.len())];
    match rng.below(3) {
        0 => b[i] = b"aeioukmst"[rng.below(9)],
        1 => {
            b.remove(i);
        }
        _ => b.insert(i, b"aeiour"[rng.below(6)]),
    }
    String::from_utf8(b).unwrap()
}

fn entry(rng: &mut Rng, pool: &[String], serial: &mut u32) -> ListEntry {
    *serial += 1;
    let source = SOURCES[rng.below(SOURCES.len())];
    ListEntry {
        source: format!("{source} list"),
        source_code: source.to_owned(),
        name: name(rng, pool),
        alt_names: if rng.chance(25) {
            vec![name(rng, pool)]
        } else {
            Vec::new()
        },
        entity_type: TYPES[rng.below(TYPES.len())].map(str::to_owned),
        countries: if rng.chance(80) {
            vec![COUNTRIES[rng.below(COUNTRIES.len())].to_owned()]
        } else {
            Vec::new()
        },
        entity_number: (source == "SDN").then(|| serial.to_string()),
        ids: if rng.chance(20) {
            vec![EntryId {
                kind: "Registration Number".into(),
                number: format!("91{:08}", rng.below(400)),
                country: None,
            }]
        } else {
            Vec::new()
        },
        ..ListEntry::default()
    }
}

/// A random change of the list: `edits` operations.
fn change(rng: &mut Rng, pool: &[String], list: &[ListEntry], edits: usize, serial: &mut u32) -> Vec<ListEntry> {
    let mut out = list.to_vec();
    for _ in 0..edits {
        let i = rng.below(out.len());
        match rng.below(8) {
            0 => {
                let e = entry(rng, pool, serial);
                out.insert(rng.below(out.len() + 1), e);
            }
            1 if out.len() > 10 => {
                out.remove(i);
            }
            2 => out[i].name = typo(rng, &out[i].name),
            3 => out[i].name = name(rng, pool),
            4 => out[i].countries = vec![COUNTRIES[rng.below(COUNTRIES.len())].to_owned()],
            5 => {
                out[i].ids = vec![EntryId {
                    kind: "Registration Number".into(),
                    number: format!("91{:08}", rng.below(400)),
                    country: None,
                }]
            }
            6 => out[i].alt_names.push(name(rng, pool)),
            _ => {
                // Moved: the same entry elsewhere.
                let e = out.remove(i);
                out.insert(rng.below(out.len() + 1), e);
            }
        }
    }
    out
}

/// A party's name near an entry's (or a new one).
fn party(rng: &mut Rng, pool: &[String], lists: [&[ListEntry]; 2]) -> (String, Option<&'static str>) {
    let list = lists[rng.below(2)];
    let base = &list[rng.below(list.len())];
    let mut n = if rng.chance(20) {
        base.alt_names.first().unwrap_or(&base.name).clone()
    } else {
        base.name.clone()
    };
    match rng.below(6) {
        0 => n = typo(rng, &n),
        1 => n = format!("{n} {}", word(rng, pool)),
        2 => n = n.split(' ').rev().collect::<Vec<_>>().join(" "),
        3 => n = format!("{n} co ltd"),
        4 => n = name(rng, pool),
        _ => {}
    }
    let country = rng.chance(60).then(|| COUNTRIES[rng.below(COUNTRIES.len())]);
    (n, country)
}

/// A hit, comparable across the two indexes: the entry itself, the score's bits, the name.
type Found = (ListEntry, u64, String);

/// A lower threshold than the default: more hits, and more names near the bounds.
const OPTIONS: ScreenOptions = ScreenOptions {
    threshold: 0.7,
    max_hits: 50,
    relaxed: None,
};

fn hits(index: &ScreeningIndex, name: &str, country: Option<&str>) -> Vec<Found> {
    let report = index.screen(Query { name, country }, OPTIONS).unwrap();
    let mut out: Vec<Found> = report
        .hits
        .iter()
        .map(|h| {
            (
                index.entry(h.entry.index).unwrap().clone(),
                h.score.to_bits(),
                h.matched_alias.clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.1.cmp(&b.1)));
    out
}

fn build(entries: Vec<ListEntry>, tag: &[u8]) -> ScreeningIndex {
    ScreeningIndex::build(ListSnapshot::from_entries(tag, "2026-08-01", entries))
}

#[test]
fn delta_finds_every_changed_result() {
    let (mut flagged, mut changed, mut screened, mut selective) = (0usize, 0usize, 0usize, 0usize);
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let pool = words(&mut rng);
        let mut serial = 0u32;
        let size = 250 + rng.below(150);
        let old_list: Vec<ListEntry> = (0..size).map(|_| entry(&mut rng, &pool, &mut serial)).collect();
        let edits = 1 + rng.below(12);
        let new_list = change(&mut rng, &pool, &old_list, edits, &mut serial);
        let (old, new) = (build(old_list.clone(), b"old"), build(new_list.clone(), b"new"));
        let delta = DeltaScreen::new(&old, &new);
        let mut flagged_here = 0;
        for _ in 0..250 {
            let (name, country) = party(&mut rng, &pool, [&old_list, &new_list]);
            let (before, after) = (hits(&old, &name, country), hits(&new, &name, country));
            screened += 1;
            if before != after {
                changed += 1;
            }
            if delta.may_differ(&name, &OPTIONS) {
                flagged_here += 1;
            } else {
                assert_eq!(
                    before,
                    after,
                    "seed {seed}: `{name}` ({country:?}) screens differently but was passed over \
                     ({} affected entries)",
                    delta.affected_entries()
                );
            }
            let id = format!("91{:08}", rng.below(400));
            let entries_of = |ix: &ScreeningIndex| {
                let mut v: Vec<ListEntry> = ix.find_id(&id).into_iter().cloned().collect();
                v.sort_by(|a, b| a.name.cmp(&b.name));
                v
            };
            if !delta.id_may_differ(&id) {
                assert_eq!(entries_of(&old), entries_of(&new), "seed {seed}: identifier {id}");
            }
        }
        flagged += flagged_here;
        if flagged_here < 250 {
            selective += 1;
        }
    }
    // Not vacuous: results did change, and the delta passed over most parties in most runs.
    assert!(changed > 0, "no result changed in {screened} screenings");
    assert!(
        selective >= 20,
        "the delta flagged every party in {} of 40 runs",
        40 - selective
    );
    assert!(flagged < screened, "{flagged} of {screened} flagged");
}

/// An unchanged list affects nothing; a reordered one only the moved entries.
#[test]
fn identical_lists_affect_nothing_and_moves_are_found() {
    let mut rng = Rng(7);
    let pool = words(&mut rng);
    let mut serial = 0;
    let list: Vec<ListEntry> = (0..200).map(|_| entry(&mut rng, &pool, &mut serial)).collect();
    let (a, b) = (build(list.clone(), b"a"), build(list.clone(), b"b"));
    let d = DeltaScreen::new(&a, &b);
    assert_eq!(d.affected_entries(), 0);
    assert_eq!(d.reweighted_tokens(), 0);
    assert!(!d.may_differ(&list[3].name, &OPTIONS));
    let mut moved = list.clone();
    let e = moved.remove(10);
    moved.push(e);
    let c = build(moved, b"c");
    let d = DeltaScreen::new(&a, &c);
    assert_eq!(d.affected_entries(), 1);
    assert!(d.may_differ(&list[10].name, &OPTIONS));
}
