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
