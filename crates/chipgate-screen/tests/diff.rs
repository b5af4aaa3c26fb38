//! Content addresses and diffs of list snapshots.
#![allow(clippy::unwrap_used, reason = "test code: failures panic loudly")]

use chipgate_screen::{content_id, diff_digests, entry_digests, ListEntry, ListSnapshot};

fn entry(code: &str, name: &str, number: Option<&str>, alts: &[&str]) -> ListEntry {
    ListEntry {
        source: code.to_owned(),
        source_code: code.to_owned(),
        name: name.to_owned(),
        entity_number: number.map(str::to_owned),
        alt_names: alts.iter().map(|a| (*a).to_owned()).collect(),
        ..ListEntry::default()
    }
}

fn snap(entries: Vec<ListEntry>) -> ListSnapshot {
    ListSnapshot::from_entries(b"x", "", entries)
}

#[test]
fn the_id_depends_on_the_entries_only() {
    let a = snap(vec![
        entry("SDN", "ALPHA LTD", Some("1"), &["A1", "A2"]),
        entry("EL", "Beta Co", None, &[]),
    ]);
    // Other order of entries and aliases, padded names: the same content.
    let b = snap(vec![
        entry("EL", " Beta Co ", None, &[]),
        entry("SDN", "ALPHA LTD", Some("1"), &["A2", "A1", "A1"]),
    ]);
    assert_eq!(content_id(&entry_digests(&a)), content_id(&entry_digests(&b)));
    assert!(diff_digests(&entry_digests(&a), &entry_digests(&b)).is_empty());
    let c = snap(vec![
        entry("SDN", "ALPHA LTD", Some("1"), &["A1"]),
        entry("EL", "Beta Co", None, &[]),
    ]);
    assert_ne!(content_id(&entry_digests(&a)), content_id(&entry_digests(&c)));
}

#[test]
fn added_removed_and_changed_per_list() {
    let old = snap(vec![
        entry("SDN", "ALPHA LTD", Some("1"), &[]),
        entry("SDN", "GAMMA", Some("3"), &[]),
        entry("EL", "Beta Co", None, &[]),
        entry("EL", "Beta Co", None, &["second entry of the same name"]),
    ]);
    let new = snap(vec![
        // Renamed, same number: changed.
        entry("SDN", "ALPHA LIMITED", Some("1"), &[]),
        entry("SDN", "DELTA", Some("4"), &[]),
        entry("EL", "Beta Co", None, &[]),
        entry("EL", "Beta Co", None, &["second entry of the same name"]),
    ]);
    let d = diff_digests(&entry_digests(&old), &entry_digests(&new));
    let sdn = d.summary["SDN"];
    assert_eq!(
        (sdn.before, sdn.after, sdn.added, sdn.removed, sdn.changed),
        (2, 2, 1, 1, 1)
    );
    let el = d.summary["EL"];
    assert_eq!((el.before, el.after, el.added, el.removed, el.changed), (2, 2, 0, 0, 0));
    assert_eq!(d.added[0].name, "DELTA");
    assert_eq!(d.removed[0].name, "GAMMA");
    assert_eq!(d.changed[0].name, "ALPHA LIMITED");
    // Two entries of one name get distinct keys.
    let keys: Vec<String> = entry_digests(&old).into_iter().map(|e| e.key).collect();
    assert_eq!(keys.iter().filter(|k| k.starts_with("EL:")).count(), 2);
    assert_ne!(keys[2], keys[3]);
}

mod props {
    use std::collections::BTreeMap;

    use chipgate_screen::{content_id, diff_digests, entry_digests, ListEntry, ListSnapshot};
    use proptest::prelude::*;

    /// Entries drawn from a small pool, so that old and new lists share, change and drop some.
    fn entries() -> impl Strategy<Value = Vec<ListEntry>> {
        proptest::collection::vec((0..3usize, 0..12u32, prop::option::of(0..8u32), 0..3u32), 0..30).prop_map(|rows| {
            rows.into_iter()
                .map(|(list, name, number, alias)| ListEntry {
                    source: ["SDN", "EL", "UN"][list].to_owned(),
                    source_code: ["SDN", "EL", "UN"][list].to_owned(),
                    name: format!("Party {name}"),
                    entity_number: number.map(|n| n.to_string()),
                    alt_names: vec![format!("Alias {alias}")],
                    ..ListEntry::default()
                })
                .collect()
        })
    }

    proptest! {
        /// Per list: before − removed + added = after; every diff row names an entry of the
        /// side it comes from; a list diffed with itself (in any order) is empty and keeps its id.
        #[test]
        fn diff_counts_add_up(old in entries(), new in entries()) {
            let (o, n) = (
                entry_digests(&ListSnapshot::from_entries(b"", "", old.clone())),
                entry_digests(&ListSnapshot::from_entries(b"", "", new)),
            );
            let d = diff_digests(&o, &n);
            let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
            for e in &o { per.entry(e.source.as_str()).or_default().0 += 1; }
            for e in &n { per.entry(e.source.as_str()).or_default().1 += 1; }
            for (list, c) in &d.summary {
                let (before, after) = per.get(list.as_str()).copied().unwrap_or_default();
                prop_assert_eq!((c.before, c.after), (before, after));
                prop_assert_eq!(c.before - c.removed + c.added, c.after);
                prop_assert!(c.changed <= c.before - c.removed);
            }
            for r in &d.removed { prop_assert!(o.iter().any(|e| e.key == r.key) && !n.iter().any(|e| e.key == r.key)); }
            for a in &d.added { prop_assert!(n.iter().any(|e| e.key == a.key) && !o.iter().any(|e| e.key == a.key)); }
            let mut reversed = old.clone();
            reversed.reverse();
            let r = entry_digests(&ListSnapshot::from_entries(b"", "", reversed));
            prop_assert!(diff_digests(&o, &r).is_empty());
            prop_assert_eq!(content_id(&o), content_id(&r));
        }
    }
}
