//! Content addresses of list entries and snapshots, and what changed between two snapshots.
//!
//! An entry is normalised before it is hashed (names trimmed, alternate names, countries and
//! programmes sorted and deduplicated; an own block list's file-and-line number dropped), so
//! a list that only reorders an entry's aliases or its rows does not change it. An entry's identity across snapshots (its key) is its source list and the
//! list's own number where the list gives one (OFAC ent_num, UN reference number), else its
//! source list and normalised primary name; a key held by several entries of one list is
//! numbered in content-hash order (`#2`, `#3`). The snapshot id is the SHA-256 of the sorted
//! entry hashes: the same entries give the same id whatever the files or their order.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::model::{sha256_hex, ListEntry, ListSnapshot};
use crate::normalize::normalize;

/// One entry, normalised, with its key and content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDigest {
    /// Source list code.
    pub source: String,
    /// Identity across snapshots.
    pub key: String,
    /// SHA-256 (hex) of `body`.
    pub hash: String,
    /// The normalised entry, JSON.
    pub body: String,
    /// Primary name (for reports).
    pub name: String,
}

/// The normalised form of an entry that is hashed and stored.
pub fn normalized_entry(e: &ListEntry) -> ListEntry {
    let sorted = |v: &[String]| {
        let mut v: Vec<String> = v
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut n = e.clone();
    n.name = e.name.trim().to_owned();
    n.alt_names = sorted(&e.alt_names);
    n.alt_names.retain(|a| *a != n.name);
    n.countries = sorted(&e.countries);
    n.programs = sorted(&e.programs);
    // An own block list's entry number is its file and line (where it was read), not part
    // of the entry: moving a row or renaming the file changes nothing.
    if n.source_code == "OWN" {
        n.entity_number = None;
    }
    n
}

/// Digests of every entry of a snapshot, in list order.
pub fn entry_digests(snapshot: &ListSnapshot) -> Vec<EntryDigest> {
    let mut out: Vec<EntryDigest> = snapshot
        .entries
        .iter()
        .map(|e| {
            let n = normalized_entry(e);
            let body = serde_json::to_string(&n).unwrap_or_default();
            let key = match n.entity_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(num) => format!("{}:#{num}", n.source_code),
                _ => format!("{}:{}", n.source_code, normalize(&n.name).key()),
            };
            EntryDigest {
                source: n.source_code.clone(),
                key,
                hash: sha256_hex(body.as_bytes()),
                name: n.name,
                body,
            }
        })
        .collect();
    // Number the keys several entries share, in content-hash order.
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in out.iter().enumerate() {
        by_key.entry(d.key.clone()).or_default().push(i);
    }
    for (_, mut idx) in by_key.into_iter().filter(|(_, v)| v.len() > 1) {
        idx.sort_by(|&a, &b| out[a].hash.cmp(&out[b].hash).then(a.cmp(&b)));
        for (n, i) in idx.into_iter().enumerate().skip(1) {
            if let Some(d) = out.get_mut(i) {
                d.key = format!("{}#{}", d.key, n + 1);
            }
        }
    }
    out
}

/// The content address of a snapshot: SHA-256 (hex) of its entries' sorted hashes, one per
/// line.
pub fn content_id(digests: &[EntryDigest]) -> String {
    let mut hashes: Vec<&str> = digests.iter().map(|d| d.hash.as_str()).collect();
    hashes.sort_unstable();
    sha256_hex(hashes.join("\n").as_bytes())
}

/// Changes of one source list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SourceChanges {
    /// Entries before.
    pub before: usize,
    /// Entries after.
    pub after: usize,
    /// Keys only in the new snapshot.
    pub added: usize,
    /// Keys only in the old snapshot.
    pub removed: usize,
    /// Keys in both whose content changed.
    pub changed: usize,
}

/// One entry in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiffEntry {
    /// Source list code.
    pub source: String,
    /// The entry's key.
    pub key: String,
    /// Its primary name (the new one for a changed entry).
    pub name: String,
}

/// What changed from one snapshot to the next, per source list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListDiff {
    /// Counts per source list (every list in either snapshot).
    pub summary: BTreeMap<String, SourceChanges>,
    /// Entries added, by source then key.
    pub added: Vec<DiffEntry>,
    /// Entries removed.
    pub removed: Vec<DiffEntry>,
    /// Entries whose content changed.
    pub changed: Vec<DiffEntry>,
}

impl ListDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// What changed from `old` to `new`.
pub fn diff_digests(old: &[EntryDigest], new: &[EntryDigest]) -> ListDiff {
    let old_by: HashMap<&str, &EntryDigest> = old.iter().map(|d| (d.key.as_str(), d)).collect();
    let new_by: HashMap<&str, &EntryDigest> = new.iter().map(|d| (d.key.as_str(), d)).collect();
    let mut diff = ListDiff::default();
    let item = |d: &EntryDigest| DiffEntry {
        source: d.source.clone(),
        key: d.key.clone(),
        name: d.name.clone(),
    };
    for d in old {
        diff.summary.entry(d.source.clone()).or_default().before += 1;
        if !new_by.contains_key(d.key.as_str()) {
            diff.summary.entry(d.source.clone()).or_default().removed += 1;
            diff.removed.push(item(d));
        }
    }
    for d in new {
        diff.summary.entry(d.source.clone()).or_default().after += 1;
        match old_by.get(d.key.as_str()) {
            None => {
                diff.summary.entry(d.source.clone()).or_default().added += 1;
                diff.added.push(item(d));
            }
            Some(o) if o.hash != d.hash => {
                diff.summary.entry(d.source.clone()).or_default().changed += 1;
                diff.changed.push(item(d));
            }
            Some(_) => {}
        }
    }
    for v in [&mut diff.added, &mut diff.removed, &mut diff.changed] {
        v.sort_by(|a, b| (&a.source, &a.key).cmp(&(&b.source, &b.key)));
    }
    diff
}
