//! Restricted-party list snapshots in the store: import (several files make one snapshot,
//! content-addressed, with what changed against the list in use and the integrity guards),
//! and the store's active snapshot as the engine's lists.

use std::collections::BTreeMap;

use chipgate_ledger::{Ledger, NewListSnapshot, SnapshotEntry, SnapshotFile, StoredListSnapshot, Timestamp};
use chipgate_screen::{
    content_id, detect_format, diff_digests, entry_digests, integrity_findings, EntryDigest, ListDiff, ListEntry,
    ListFormat, ListLoader, ListSnapshot, OfacFiles, OfacList, ScreenError, ScreeningIndex,
};
use serde::Serialize;

use crate::{Engine, EngineError};

/// One list file to import: its name (as the user gave it) and bytes.
#[derive(Debug, Clone)]
pub struct ListFile {
    /// The name, for messages and the snapshot's file list.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// Import (and activate) even when the integrity guards object.
    pub force: bool,
    /// The lists' date where the files carry none (CSV formats); default: none stated.
    pub source_date: Option<&'a str>,
    /// Largest shrink of one source list accepted without `force` (the data's
    /// `import.max_shrink`).
    pub max_shrink: f64,
}

/// The list an import was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PreviousList {
    /// Its snapshot id.
    pub id: String,
    /// `store` (the active snapshot) or `bundled` (nothing was active).
    pub origin: &'static str,
}

/// What `lists import` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListImportReport {
    /// The snapshot as stored.
    pub snapshot: StoredListSnapshot,
    /// False when the store already held these entries (same id).
    pub created: bool,
    /// Whether it became the active snapshot now.
    pub activated: bool,
    /// The list it was compared with.
    pub previous: PreviousList,
    /// What changed against it.
    pub diff: ListDiff,
    /// Integrity findings overridden with `force` (empty otherwise).
    pub forced: Vec<String>,
}

fn format_name(f: ListFormat) -> &'static str {
    match f {
        ListFormat::CslJson => "csl_json",
        ListFormat::CslCsv => "csl_csv",
        ListFormat::UnXml => "un_xml",
        ListFormat::SimpleCsv => "own_csv",
        ListFormat::OfacPrimary => "ofac_legacy",
    }
}

/// The part of an OFAC legacy set a file is, by name: `alt`, `add` or `comments`.
fn ofac_part(name: &str) -> Option<&'static str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    let stem = base.strip_suffix(".csv")?;
    let stem = stem.strip_prefix("cons_").unwrap_or(stem);
    match stem {
        "alt" => Some("alt"),
        "add" => Some("add"),
        "comments" | "sdn_comments" => Some("comments"),
        _ => None,
    }
}

fn is_consolidated(name: &str) -> bool {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase()
        .starts_with("cons_")
}

/// Loads list files into one snapshot: each file in its format (detected), OFAC legacy
/// `alt`/`add` files joined to the primary file of their set (`sdn.csv` or `cons_prim.csv`;
/// `*comments.csv` carry remarks only and are not screened). The snapshot's id is its
/// content address ([`content_id`]).
pub fn load_list_files(
    files: &[ListFile],
    source_date: Option<&str>,
    loader: ListLoader<'_>,
) -> Result<(ListSnapshot, Vec<SnapshotFile>), EngineError> {
    if files.is_empty() {
        return Err(EngineError::Invalid {
            field: "files".to_owned(),
            message: "give at least one list file".to_owned(),
        });
    }
    let date = source_date.unwrap_or("");
    let mut parts = Vec::new();
    let mut described = Vec::new();
    for f in files {
        if ofac_part(&f.name).is_some() {
            continue;
        }
        let format = detect_format(&f.name, &f.bytes)?;
        let snapshot = if format == ListFormat::OfacPrimary {
            let consolidated = is_consolidated(&f.name);
            let find = |part: &str| {
                files
                    .iter()
                    .find(|o| ofac_part(&o.name) == Some(part) && is_consolidated(&o.name) == consolidated)
                    .map(|o| (o.name.as_str(), o.bytes.as_slice()))
            };
            let list = if consolidated { OfacList::NonSdn } else { OfacList::Sdn };
            loader.ofac_legacy(
                OfacFiles {
                    primary: (&f.name, &f.bytes),
                    alt: find("alt"),
                    add: find("add"),
                },
                list,
                date,
            )?
        } else {
            loader.list(&f.name, &f.bytes, date)?
        };
        described.push(SnapshotFile {
            name: f.name.clone(),
            format: format_name(format).to_owned(),
            sha256: snapshot.id.clone(),
            entries: snapshot.entries.len() as u64,
        });
        parts.push(snapshot);
    }
    // Every alt/add file needs its primary file.
    for f in files
        .iter()
        .filter(|f| matches!(ofac_part(&f.name), Some("alt" | "add")))
    {
        let consolidated = is_consolidated(&f.name);
        let has_primary = described
            .iter()
            .any(|d| d.format == "ofac_legacy" && is_consolidated(&d.name) == consolidated);
        if !has_primary {
            return Err(EngineError::Invalid {
                field: "files".to_owned(),
                message: format!(
                    "`{}` is part of an OFAC legacy set: give its primary file ({}) too",
                    f.name,
                    if consolidated { "cons_prim.csv" } else { "sdn.csv" }
                ),
            });
        }
    }
    if parts.is_empty() {
        return Err(EngineError::Invalid {
            field: "files".to_owned(),
            message: "no list file among them (only OFAC remarks files)".to_owned(),
        });
    }
    let mut snapshot = ListSnapshot::merge(parts);
    snapshot.id = content_id(&entry_digests(&snapshot));
    Ok((snapshot, described))
}

/// A stored snapshot's entries as a list snapshot (its id the stored content address).
pub fn stored_list(ledger: &mut Ledger, stored: &StoredListSnapshot) -> Result<ListSnapshot, EngineError> {
    let entries = ledger.list_snapshot_entries(&stored.id)?;
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let entry: ListEntry = serde_json::from_str(&e.body).map_err(|err| EngineError::Invalid {
            field: format!("list snapshot {} entry {i}", stored.id),
            message: err.to_string(),
        })?;
        out.push(entry);
    }
    let mut snapshot = ListSnapshot::from_entries(b"", stored.source_date.clone(), out);
    snapshot.id.clone_from(&stored.id);
    Ok(snapshot)
}

fn digests_of_stored(entries: Vec<SnapshotEntry>) -> Vec<EntryDigest> {
    entries
        .into_iter()
        .map(|e| {
            let name = serde_json::from_str::<serde_json::Value>(&e.body)
                .ok()
                .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .unwrap_or_default();
            EntryDigest {
                source: e.source,
                key: e.key,
                hash: e.hash,
                body: e.body,
                name,
            }
        })
        .collect()
}

impl Engine {
    /// The engine with the store's active list snapshot as its lists, when the store has one
    /// (else unchanged: the bundled list), and the store's clearances.
    pub fn with_store_lists(self, ledger: &mut Ledger) -> Result<Engine, EngineError> {
        let engine = match ledger.active_list_snapshot()? {
            Some(active) => {
                let snapshot = stored_list(ledger, &active)?;
                self.with_lists(ScreeningIndex::build(snapshot))
            }
            None => self,
        };
        // The store's clearances come with its lists (`docs/review.md`).
        engine.load_clearances(ledger)?;
        Ok(engine)
    }

    /// Imports list files as one snapshot into the store and activates it, after comparing it
    /// with the list in use (the store's active snapshot, else the bundled list): what changed
    /// per source list, and the integrity guards (a source list that disappears, or shrinks
    /// by more than `max_shrink`), which refuse the import unless `force`.
    pub fn import_lists(
        &self,
        ledger: &mut Ledger,
        files: &[ListFile],
        options: ImportOptions<'_>,
        user: &str,
        now: Timestamp,
    ) -> Result<ListImportReport, EngineError> {
        let (snapshot, described) = load_list_files(files, options.source_date, self.list_loader())?;
        let new = entry_digests(&snapshot);
        let (previous, old, old_counts) = match ledger.active_list_snapshot()? {
            Some(active) => {
                let entries = ledger.list_snapshot_entries(&active.id)?;
                let counts: BTreeMap<String, usize> = active
                    .counts
                    .iter()
                    .map(|(k, v)| (k.clone(), usize::try_from(*v).unwrap_or(usize::MAX)))
                    .collect();
                let prev = PreviousList {
                    id: active.id,
                    origin: "store",
                };
                (prev, digests_of_stored(entries), counts)
            }
            None => {
                let index = self.lists()?;
                let bundled = ListSnapshot {
                    id: index.snapshot_info().id.clone(),
                    source_date: index.snapshot_info().source_date.clone(),
                    counts_by_source: index.snapshot_info().counts.clone(),
                    entries: index.entries().to_vec(),
                };
                let prev = PreviousList {
                    id: bundled.id.clone(),
                    origin: "bundled",
                };
                (prev, entry_digests(&bundled), bundled.counts_by_source)
            }
        };
        let findings: Vec<String> = integrity_findings(&old_counts, &snapshot.counts_by_source, options.max_shrink)
            .iter()
            .map(ScreenError::to_string)
            .map(|m| m.trim_end_matches("; refusing it unless forced").to_owned())
            .collect();
        if !findings.is_empty() && !options.force {
            return Err(EngineError::Invalid {
                field: "files".to_owned(),
                message: format!(
                    "refusing the import (give --force to import it anyway): {}",
                    findings.join("; ")
                ),
            });
        }
        let diff = diff_digests(&old, &new);
        let stored = NewListSnapshot {
            id: snapshot.id.clone(),
            source_date: snapshot.source_date.clone(),
            files: described,
            counts: snapshot
                .counts_by_source
                .iter()
                .map(|(k, v)| (k.clone(), *v as u64))
                .collect(),
            diff: serde_json::to_value(serde_json::json!({
                "previous": &previous,
                "summary": &diff.summary,
                "added": &diff.added,
                "removed": &diff.removed,
                "changed": &diff.changed,
            }))
            .unwrap_or_default(),
            forced: findings.clone(),
            entries: new
                .into_iter()
                .map(|d| SnapshotEntry {
                    source: d.source,
                    key: d.key,
                    hash: d.hash,
                    body: d.body,
                })
                .collect(),
        };
        let done = ledger.import_list_snapshot(&stored, true, user, now)?;
        Ok(ListImportReport {
            snapshot: done.snapshot,
            created: done.created,
            activated: done.activated,
            previous,
            diff,
            forced: findings,
        })
    }
}
