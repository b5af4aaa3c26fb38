//! Stored parties screened against the lists in use: a party's name (with its country), its
//! owners' names and its identifiers (matched exactly), each hit recorded with the identity key
//! and content hash of the entry it hit, so that the ledger's review queue keeps a clearance
//! until that entry's content changes.

use std::collections::{BTreeMap, HashMap, HashSet};

use chipgate_ledger::{FoundHit, Ledger, Party, PartyResult, ScreenScope, ScreeningOutcome, Timestamp};
use chipgate_screen::{
    entry_digests, CountryTable, DeltaScreen, EntryDigest, EntryId, ListSnapshot, Query, ScreenOptions, ScreeningIndex,
};
use serde::Serialize;

use crate::{Engine, EngineError};

/// A party that became a hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewlyHit {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
}

/// How a re-screening went about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RescreenPath {
    /// Every selected party screened against the whole snapshot.
    Full,
    /// Against the change from the previous snapshot: only the parties whose screening the
    /// change can alter were screened (against the whole new snapshot); the others' hits were
    /// carried over, which is exact ([`chipgate_screen::DeltaScreen`]).
    Delta,
}

/// What the list change meant for a delta re-screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeltaSummary {
    /// The snapshot the carried parties had been screened against.
    pub previous: String,
    /// Entries of the new snapshot whose hits may differ (added, changed, moved, or holding a
    /// word whose weight changed).
    pub affected_entries: u64,
    /// Entries of the previous snapshot without an unaffected counterpart (removed, changed,
    /// ...).
    pub affected_previous_entries: u64,
    /// Entries of the new snapshot.
    pub entries: u64,
    /// Parties whose hits were carried over unchanged.
    pub carried: u64,
}

/// What a re-screening of stored parties did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RescreenReport {
    /// The list snapshot screened against.
    pub snapshot_id: String,
    /// `full` or `delta`.
    pub path: RescreenPath,
    /// Why the re-screening was full (absent for a delta).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_because: Option<String>,
    /// The change screened against (a delta only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<DeltaSummary>,
    /// Parties screened.
    pub screened: u64,
    /// Parties with a new open hit (now in the review queue).
    pub new_hits: Vec<NewlyHit>,
    /// Parties whose hits stayed cleared (the cleared entries' content is unchanged).
    pub kept_cleared: u64,
    /// The `party.screen` audit record.
    pub audit_seq: Option<u64>,
}

/// An index with each entry's identity key and content hash (by entry position) and the
/// entries by identifier: what screening a stored party needs.
pub struct PartyScreener<'a> {
    index: &'a ScreeningIndex,
    digests: Vec<EntryDigest>,
    ids: HashMap<String, Vec<usize>>,
    options: ScreenOptions,
}

impl<'a> PartyScreener<'a> {
    /// Prepares the screener for an index (computes the entries' keys and content hashes the
    /// same way a list import does).
    pub fn new(index: &'a ScreeningIndex) -> PartyScreener<'a> {
        let snapshot = ListSnapshot {
            id: index.snapshot_info().id.clone(),
            source_date: index.snapshot_info().source_date.clone(),
            counts_by_source: index.snapshot_info().counts.clone(),
            entries: index.entries().to_vec(),
        };
        let digests = entry_digests(&snapshot);
        let mut ids: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in index.entries().iter().enumerate() {
            for id in &e.ids {
                let n = EntryId::normalized(&id.number);
                if !n.is_empty() {
                    ids.entry(n).or_default().push(i);
                }
            }
        }
        PartyScreener {
            index,
            digests,
            ids,
            options: ScreenOptions::default(),
        }
    }

    /// The snapshot screened against.
    pub fn snapshot_id(&self) -> &str {
        &self.index.snapshot_info().id
    }

    /// A party's hits: its name (with its country) and its owners' names screened by name,
    /// its identifiers matched exactly (score 1). One hit per entry, the best.
    pub fn screen(&self, party: &Party) -> Result<Vec<FoundHit>, EngineError> {
        let mut best: BTreeMap<usize, FoundHit> = BTreeMap::new();
        let mut add = |pos: usize, matched: String, score: f64| {
            let Some(d) = self.digests.get(pos) else { return };
            if best.get(&pos).is_some_and(|h| h.score >= score) {
                return;
            }
            best.insert(
                pos,
                FoundHit {
                    entry_key: d.key.clone(),
                    entry_hash: d.hash.clone(),
                    source: d.source.clone(),
                    entry_name: d.name.clone(),
                    matched,
                    score,
                },
            );
        };
        let names = std::iter::once((party.name.as_str(), party.country.as_deref()))
            .chain(party.owners.iter().map(|o| (o.as_str(), None)));
        for (name, country) in names {
            let report =
                self.index
                    .screen(Query { name, country }, self.options)
                    .map_err(|e| EngineError::Invalid {
                        field: format!("party {} name `{name}`", party.id),
                        message: e.to_string(),
                    })?;
            for h in report.hits {
                add(h.entry.index, format!("{name} ~ {}", h.matched_alias), h.score);
            }
        }
        for id in &party.identifiers {
            if let Some(positions) = self.ids.get(&EntryId::normalized(id)) {
                for &pos in positions {
                    add(pos, format!("identifier {id}"), 1.0);
                }
            }
        }
        Ok(best.into_values().collect())
    }
}

/// A delta re-screening is used while at most this share of the new snapshot's entries is
/// affected; above it nearly every party would be screened anyway, and the previous
/// snapshot's index is not worth building.
const MAX_DELTA_SHARE: f64 = 0.25;

/// How a re-screening went, for its report.
struct Path {
    path: RescreenPath,
    full_because: Option<String>,
    delta: Option<DeltaSummary>,
}

fn report(
    ledger: &mut Ledger,
    snapshot_id: String,
    how: Path,
    done: ScreeningOutcome,
) -> Result<RescreenReport, EngineError> {
    let mut new_hits = Vec::with_capacity(done.new_hits.len());
    for id in &done.new_hits {
        let p = ledger.party(&id.to_string())?;
        new_hits.push(NewlyHit { id: p.id, name: p.name });
    }
    let delta = how.delta.map(|d| DeltaSummary {
        carried: done.carried,
        ..d
    });
    Ok(RescreenReport {
        snapshot_id,
        path: how.path,
        full_because: how.full_because,
        delta,
        screened: done.screened,
        new_hits,
        kept_cleared: done.kept_cleared.len() as u64,
        audit_seq: done.audit_seq,
    })
}

/// Which stored parties to screen.
#[derive(Debug, Clone, Copy)]
pub enum PartySelection<'a> {
    /// Every stored party.
    All,
    /// Those not yet screened against the lists in use (new parties, and those screened
    /// against another snapshot).
    Stale,
    /// These ids.
    Ids(&'a [u64]),
}

impl Engine {
    /// Screens stored parties against the lists in use and records the results in the
    /// ledger: each party's status with the snapshot id, new hits into the review queue, hits
    /// on unchanged cleared entries kept cleared.
    ///
    /// [`PartySelection::Stale`] goes by the change when it can: when the parties screened
    /// against another snapshot were screened against one snapshot of the store (the one
    /// most of them were screened against is taken), and at most a quarter of the entries are
    /// affected, only the parties the change can concern are screened
    /// ([`chipgate_screen::DeltaScreen`]) and the others' hits are carried over — exactly what
    /// screening them all gives. Otherwise, and for `All` and `Ids`, every selected party is
    /// screened; the report says which path ran and why.
    pub fn rescreen_parties(
        &self,
        ledger: &mut Ledger,
        which: PartySelection<'_>,
        user: &str,
        now: Timestamp,
    ) -> Result<RescreenReport, EngineError> {
        let index = self.lists()?;
        let screener = PartyScreener::new(&index);
        let current = screener.snapshot_id().to_owned();
        let parties = ledger.parties()?;
        let full_because = match which {
            PartySelection::All => "every party was asked for".to_owned(),
            PartySelection::Ids(_) => "the parties were named".to_owned(),
            PartySelection::Stale => match self.rescreen_delta(ledger, &index, &screener, &parties, user, now)? {
                Ok(report) => return Ok(report),
                Err(why) => why,
            },
        };
        let mut results = Vec::with_capacity(parties.len());
        let wanted: HashSet<u64> = match which {
            PartySelection::Ids(ids) => ids.iter().copied().collect(),
            _ => HashSet::new(),
        };
        let chosen = |p: &&Party| match which {
            PartySelection::All => true,
            PartySelection::Stale => p.screened_snapshot.as_deref() != Some(current.as_str()),
            PartySelection::Ids(_) => wanted.contains(&p.id),
        };
        for p in parties.iter().filter(chosen) {
            results.push(PartyResult {
                party_id: p.id,
                hits: screener.screen(p)?,
            });
        }
        let snapshot_id = screener.snapshot_id().to_owned();
        let done = ledger.record_screenings(&snapshot_id, &ScreenScope::Full, &results, user, now)?;
        let how = Path {
            path: RescreenPath::Full,
            full_because: Some(full_because),
            delta: None,
        };
        report(ledger, snapshot_id, how, done)
    }

    /// The delta re-screening of the stale parties, or why it does not apply.
    fn rescreen_delta(
        &self,
        ledger: &mut Ledger,
        index: &ScreeningIndex,
        screener: &PartyScreener<'_>,
        parties: &[Party],
        user: &str,
        now: Timestamp,
    ) -> Result<Result<RescreenReport, String>, EngineError> {
        let current = screener.snapshot_id();
        // The snapshot most stale parties were screened against.
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for p in parties {
            if let Some(s) = p.screened_snapshot.as_deref().filter(|s| *s != current) {
                *counts.entry(s).or_default() += 1;
            }
        }
        let Some((previous, _)) = counts.iter().max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s))) else {
            return Ok(Err("no party was screened against another snapshot".to_owned()));
        };
        let previous = (*previous).to_owned();
        let stored = match ledger.list_snapshots()?.into_iter().find(|s| s.id == previous) {
            Some(s) => s,
            None => {
                return Ok(Err(format!(
                    "the parties' previous list snapshot {} is not in the store (the bundled list)",
                    previous.get(..12).unwrap_or(&previous)
                )))
            }
        };
        let old = ScreeningIndex::build(crate::lists::stored_list(ledger, &stored)?);
        let delta = DeltaScreen::new(&old, index);
        let share = delta.affected_entries() as f64 / delta.entries().max(1) as f64;
        if share > MAX_DELTA_SHARE {
            return Ok(Err(format!(
                "{} of {} entries are affected by the change (more than {:.0}%)",
                delta.affected_entries(),
                delta.entries(),
                MAX_DELTA_SHARE * 100.0
            )));
        }
        let concerned = |p: &Party| {
            delta.may_differ(&p.name, &screener.options)
                || p.owners.iter().any(|o| delta.may_differ(o, &screener.options))
                || p.identifiers.iter().any(|i| delta.id_may_differ(i))
        };
        // Which parties the change can concern, and their screening: on two threads (the
        // check normalises every stored name), each half in order.
        let work = |part: &[Party]| -> Result<Vec<PartyResult>, EngineError> {
            let mut out = Vec::new();
            for p in part {
                let stale = p.screened_snapshot.as_deref() != Some(current);
                let carried = p.screened_snapshot.as_deref() == Some(previous.as_str()) && !concerned(p);
                if stale && !carried {
                    out.push(PartyResult {
                        party_id: p.id,
                        hits: screener.screen(p)?,
                    });
                }
            }
            Ok(out)
        };
        let (first, second) = parties.split_at(parties.len() / 2);
        let mut results = std::thread::scope(|sc| {
            let handle = sc.spawn(|| work(second));
            let a = work(first);
            // The work does not panic; if it ever did, do that half here.
            let b = handle.join().unwrap_or_else(|_| work(second));
            a.and_then(|mut a| {
                a.extend(b?);
                Ok(a)
            })
        })?;
        results.shrink_to_fit();
        let snapshot_id = current.to_owned();
        let scope = ScreenScope::Delta {
            previous: previous.clone(),
        };
        let done = ledger.record_screenings(&snapshot_id, &scope, &results, user, now)?;
        let how = Path {
            path: RescreenPath::Delta,
            full_because: None,
            delta: Some(DeltaSummary {
                previous,
                affected_entries: delta.affected_entries() as u64,
                affected_previous_entries: delta.affected_old_entries() as u64,
                entries: delta.entries() as u64,
                carried: 0,
            }),
        };
        Ok(Ok(report(ledger, snapshot_id, how, done)?))
    }
}

/// The columns of a party file.
const PARTY_COLUMNS: [&str; 5] = ["name", "country", "identifiers", "owners", "external_id"];

fn line_error(line: u64, field: &str, message: impl Into<String>) -> EngineError {
    EngineError::Invalid {
        field: format!("line {line}: {field}"),
        message: message.into(),
    }
}

/// Reads a party file: CSV with a header naming some of `name` (required), `country` (ISO
/// 3166-1 alpha-2), `identifiers` and `owners` (several separated by `;`) and `external_id`.
/// Every bad line is an error naming its line number and field; nothing is read past it.
pub fn parse_parties_csv(
    bytes: &[u8],
    countries: &CountryTable,
) -> Result<Vec<chipgate_ledger::NewParty>, EngineError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| line_error(1, "header", e.to_string()))?
        .clone();
    let mut at: [Option<usize>; 5] = [None; 5];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        match PARTY_COLUMNS.iter().position(|c| *c == h) {
            Some(c) if at[c].is_none() => at[c] = Some(i),
            Some(_) => return Err(line_error(1, "header", format!("column `{h}` is given twice"))),
            None => {
                return Err(line_error(
                    1,
                    "header",
                    format!("unknown column `{h}` (expected some of {})", PARTY_COLUMNS.join(", ")),
                ))
            }
        }
    }
    if at[0].is_none() {
        return Err(line_error(1, "header", "a `name` column is required"));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            line_error(line, "row", e.to_string())
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let get = |c: usize| at[c].and_then(|i| record.get(i)).map(str::trim).unwrap_or("");
        let split = |c: usize| -> Vec<String> {
            get(c)
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let name = get(0);
        if name.is_empty() {
            return Err(line_error(line, "name", "must not be empty"));
        }
        let country = match get(1) {
            "" => None,
            c if countries.is_code(&c.to_ascii_uppercase()) => Some(c.to_ascii_uppercase()),
            c => {
                return Err(line_error(
                    line,
                    "country",
                    format!("`{c}` is not an ISO 3166-1 alpha-2 country code"),
                ))
            }
        };
        let external_id = Some(get(4).to_owned()).filter(|s| !s.is_empty());
        out.push(chipgate_ledger::NewParty {
            name: name.to_owned(),
            country,
            identifiers: split(2),
            owners: split(3),
            external_id,
        });
    }
    if out.is_empty() {
        return Err(line_error(2, "row", "the file holds no party"));
    }
    Ok(out)
}
