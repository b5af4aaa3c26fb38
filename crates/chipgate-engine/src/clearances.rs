//! Clearances honoured in determinations, order checks and screening: a party of an order
//! that the store identifies as exactly one stored party (the same name, exactly as stored,
//! and the same country) keeps the clearances a reviewer gave its hits, each tied to the
//! content hash of the entry it cleared (`docs/review.md`).
//!
//! The store's clearances are read into a [`ClearanceBook`] when the engine takes the store's
//! lists ([`Engine::with_store_lists`]) and again on [`Engine::load_clearances`]; an answer
//! depends only on the book, the lists and the date, and names every clearance it used.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chipgate_decide::{ListedParty, PartyClearance, PartyLookup, Request};
use chipgate_ledger::{ClearedParty, Ledger};
use chipgate_screen::{entry_digests, ListSnapshot, ScreenReport, ScreeningIndex};
use serde::Serialize;

use crate::{Date, Engine, EngineError};

/// The store's clearances, by party name and country.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ClearanceBook {
    by_name: BTreeMap<(String, Option<String>), Vec<ClearedParty>>,
    count: usize,
}

impl ClearanceBook {
    /// The book of these cleared parties.
    pub fn new(parties: Vec<ClearedParty>) -> ClearanceBook {
        let mut by_name: BTreeMap<(String, Option<String>), Vec<ClearedParty>> = BTreeMap::new();
        let mut count = 0;
        for p in parties {
            count += p.clearances.len();
            by_name.entry((p.name.clone(), p.country.clone())).or_default().push(p);
        }
        ClearanceBook { by_name, count }
    }

    /// Clearances held.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The stored parties holding clearances with exactly this name and country.
    fn parties(&self, name: &str, country: Option<&str>) -> Option<&[ClearedParty]> {
        let country = country?;
        self.by_name
            .get(&(name.trim().to_owned(), Some(country.to_owned())))
            .map(Vec::as_slice)
    }
}

/// Each entry's identity key and content hash, by position in the index's snapshot, and that
/// snapshot's id: a position means nothing in another snapshot, so keys are used only with
/// hits of their own snapshot ([`EntryKeys::for_snapshot`]).
#[derive(Debug, Default)]
pub(crate) struct EntryKeys {
    snapshot: String,
    keys: Vec<(String, String)>,
}

impl EntryKeys {
    pub(crate) fn of(index: &ScreeningIndex) -> EntryKeys {
        let snapshot = ListSnapshot {
            id: index.snapshot_info().id.clone(),
            source_date: index.snapshot_info().source_date.clone(),
            counts_by_source: index.snapshot_info().counts.clone(),
            entries: index.entries().to_vec(),
        };
        EntryKeys {
            keys: entry_digests(&snapshot).into_iter().map(|d| (d.key, d.hash)).collect(),
            snapshot: snapshot.id,
        }
    }

    /// These keys when they are of snapshot `id` (the snapshot the hits were found in), else
    /// none: after the lists were swapped between the screening and this look-up, no clearance
    /// is applied (the hits stay open) rather than one of another entry.
    pub(crate) fn for_snapshot(&self, id: Option<&str>) -> Option<&EntryKeys> {
        (id == Some(self.snapshot.as_str())).then_some(self)
    }

    /// The identity key of the entry at `pos`.
    pub(crate) fn key(&self, pos: usize) -> Option<&str> {
        self.keys.get(pos).map(|(k, _)| k.as_str())
    }
}

/// The clearance (applying or not, and why) of a stored party's hit on the entry at `pos`.
fn clearance_of(parties: &[ClearedParty], keys: &EntryKeys, pos: usize, date: Date) -> Option<PartyClearance> {
    let (key, hash) = keys.keys.get(pos)?;
    let (party, held) = parties
        .iter()
        .find_map(|p| p.clearances.iter().find(|c| c.entry_key == *key).map(|c| (p, c)))?;
    let c = &held.clearance;
    let namesakes = party.namesakes.max(parties.len() as u64);
    let why_not = if namesakes > 1 {
        Some(format!(
            "{namesakes} stored parties have this exact name and country, so the store cannot tell which one this is"
        ))
    } else if held.found_by_identifier {
        Some(
            "it was given for a hit the store found by an identifier, which a name clearance does not settle"
                .to_owned(),
        )
    } else if c.entry_hash != *hash {
        Some(format!(
            "the entry's content changed since it was cleared (cleared {}, now {})",
            c.entry_hash.get(..12).unwrap_or(&c.entry_hash),
            hash.get(..12).unwrap_or(hash)
        ))
    } else {
        match c.expires.as_deref() {
            Some(e) if e < date.to_string().as_str() => Some(format!("it expired on {e}")),
            _ => None,
        }
    };
    Some(PartyClearance {
        party_id: party.party_id,
        external_id: party.external_id.clone(),
        entry_key: key.clone(),
        cleared_hash: c.entry_hash.clone(),
        entry_hash: hash.clone(),
        reviewer: c.reviewer.clone(),
        reason: c.reason.clone(),
        cleared_at: c.cleared_at.clone(),
        expires: c.expires.clone(),
        audit_seq: c.audit_seq,
        applies: why_not.is_none(),
        why_not,
    })
}

/// The parties of one request as the store knows them: for each (name, country asked of the
/// screening), the stored parties holding clearances.
pub(crate) struct OrderParties<'b> {
    parties: HashMap<(String, Option<String>), &'b [ClearedParty]>,
}

impl<'b> OrderParties<'b> {
    /// The end user (with its headquarters' country when given, else the destination's: the
    /// determination's assumption) and the consignee (the destination's country), by the
    /// screening's (name, country) keys. Empty when the book is.
    pub(crate) fn of(engine: &Engine, book: &'b ClearanceBook, request: &Request) -> OrderParties<'b> {
        let mut parties = HashMap::new();
        if book.is_empty() {
            return OrderParties { parties };
        }
        let countries = engine.decider.countries();
        let code = |field: &str, text: &str| countries.resolve(field, text).ok().map(|c| c.as_str().to_owned());
        let destination = code("destination", &request.destination);
        let hq = request.end_user_hq.as_deref().and_then(|t| code("end_user_hq", t));
        for (name, screened, country) in [
            (
                request.end_user.as_deref(),
                hq.clone(),
                hq.clone().or(destination.clone()),
            ),
            (request.consignee.as_deref(), None, destination.clone()),
        ] {
            let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            if let Some(found) = book.parties(name, country.as_deref()) {
                parties.insert((name.to_owned(), screened), found);
            }
        }
        OrderParties { parties }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.parties.is_empty()
    }

    fn get(&self, name: &str, country: Option<&str>) -> Option<&'b [ClearedParty]> {
        self.parties
            .get(&(name.trim().to_owned(), country.map(str::to_owned)))
            .copied()
    }

    /// The clearances of a screening report's hits (for the party screened as `name`,
    /// `country`), in hit order.
    pub(crate) fn of_report(&self, keys: &EntryKeys, report: &ScreenReport, date: Date) -> Vec<PartyClearance> {
        let Some(parties) = self.get(&report.query, report.country.as_deref()) else {
            return Vec::new();
        };
        let Some(keys) = keys.for_snapshot(Some(&report.list_snapshot.id)) else {
            return Vec::new();
        };
        report
            .hits
            .iter()
            .filter_map(|h| clearance_of(parties, keys, h.entry.index, date))
            .collect()
    }
}

/// A party lookup that attaches the store's clearances to the hits of the order's parties.
pub(crate) struct ClearedLookup<'a, 'b> {
    pub(crate) inner: &'a dyn PartyLookup,
    pub(crate) parties: &'a OrderParties<'b>,
    pub(crate) keys: &'a EntryKeys,
    pub(crate) date: Date,
}

impl PartyLookup for ClearedLookup<'_, '_> {
    fn screen(&self, name: &str, country: Option<&str>, min_score: f64, lists: &[String]) -> Vec<ListedParty> {
        let mut hits = self.inner.screen(name, country, min_score, lists);
        let Some(keys) = self.keys.for_snapshot(self.inner.snapshot_id().as_deref()) else {
            return hits;
        };
        if let Some(parties) = self.parties.get(name, country) {
            for hit in &mut hits {
                if let Some(pos) = hit.entry {
                    hit.clearance = clearance_of(parties, keys, pos, self.date);
                }
            }
        }
        hits
    }

    fn snapshot_id(&self) -> Option<String> {
        self.inner.snapshot_id()
    }
}

/// A screening with the clearances of its hits (`chipgate screen`, `POST /v1/screen`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClearedScreen {
    /// The screening.
    #[serde(flatten)]
    pub report: ScreenReport,
    /// The clearances the store holds for hits of this party (name exactly as stored, with
    /// its country): those that apply, and those that do not with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clearances: Vec<PartyClearance>,
    /// Hits without a clearance that applies.
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    open: usize,
}

impl ClearedScreen {
    /// Hits without a clearance that applies (what still needs a reviewer).
    pub fn open_hits(&self) -> usize {
        self.open
    }
}

/// The engine's clearance state: the book and the entry keys of its index.
#[derive(Debug, Default)]
pub(crate) struct Clearances {
    pub(crate) book: std::sync::RwLock<Arc<ClearanceBook>>,
    /// The entry keys of the last index they were asked for (recomputed when the lists are
    /// swapped: [`Engine::sync_store_lists`]).
    pub(crate) keys: std::sync::RwLock<Option<Arc<EntryKeys>>>,
}

impl Engine {
    /// Reads the store's clearances (again): later answers honour them. Returns how many.
    pub fn load_clearances(&self, ledger: &mut Ledger) -> Result<usize, EngineError> {
        let book = ClearanceBook::new(ledger.cleared_parties()?);
        let n = book.len();
        if let Ok(mut held) = self.clearances.book.write() {
            *held = Arc::new(book);
        }
        Ok(n)
    }

    /// Re-reads the store's clearances and swaps them in when they differ from those in use,
    /// moving the lists' generation so that a cached answer made with the old ones is not
    /// served: how clearances given with the CLI reach a running server or worker. Returns
    /// whether they changed.
    pub fn sync_clearances(&self, ledger: &mut Ledger) -> Result<bool, EngineError> {
        let book = ClearanceBook::new(ledger.cleared_parties()?);
        if *self.clearance_book() == book {
            return Ok(false);
        }
        if let Ok(mut held) = self.clearances.book.write() {
            *held = Arc::new(book);
        }
        self.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(true)
    }

    /// The clearances in use.
    pub fn clearance_book(&self) -> Arc<ClearanceBook> {
        self.clearances.book.read().map(|b| Arc::clone(&b)).unwrap_or_default()
    }

    /// Each entry's key and hash for the lists in use (computed once).
    pub(crate) fn entry_keys(&self) -> Result<Arc<EntryKeys>, EngineError> {
        Ok(self.entry_keys_of(&*self.lists()?))
    }

    /// Each entry's key and hash for `index` (computed once per snapshot).
    pub(crate) fn entry_keys_of(&self, index: &ScreeningIndex) -> Arc<EntryKeys> {
        let id = &index.snapshot_info().id;
        let held = self.clearances.keys.read().ok().and_then(|k| k.clone());
        if let Some(k) = held.filter(|k| k.snapshot == *id) {
            return k;
        }
        let keys = Arc::new(EntryKeys::of(index));
        if let Ok(mut held) = self.clearances.keys.write() {
            *held = Some(Arc::clone(&keys));
        }
        keys
    }

    /// Screens one name (as [`Engine::screen`]) and gives the store's clearances of its hits
    /// for the stored party of exactly this name and country, on `date`.
    pub fn screen_cleared(
        &self,
        name: &str,
        country: Option<&str>,
        threshold: Option<f64>,
        date: Date,
    ) -> Result<ClearedScreen, EngineError> {
        let report = self.screen(name, country, threshold)?;
        let book = self.clearance_book();
        let mut clearances = Vec::new();
        let mut open = report.hits.len();
        if let Some(parties) = book.parties(name, report.country.as_deref()) {
            let keys = self.entry_keys()?;
            if let Some(keys) = keys.for_snapshot(Some(&report.list_snapshot.id)) {
                clearances = report
                    .hits
                    .iter()
                    .filter_map(|h| clearance_of(parties, keys, h.entry.index, date))
                    .collect();
            }
            open -= clearances.iter().filter(|c| c.applies).count();
        }
        Ok(ClearedScreen {
            report,
            clearances,
            open,
        })
    }
}

impl Engine {
    /// The entry of the lists in use with this identity key, and its content hash.
    pub fn entry_by_key(&self, key: &str) -> Result<Option<(crate::ListEntry, String)>, EngineError> {
        let index = self.lists()?;
        let keys = self.entry_keys_of(&index);
        Ok(keys
            .keys
            .iter()
            .position(|(k, _)| k == key)
            .and_then(|pos| Some((index.entries().get(pos)?.clone(), keys.keys.get(pos)?.1.clone()))))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn index(names: &[&str]) -> ScreeningIndex {
        let entries = names
            .iter()
            .map(|n| crate::ListEntry {
                name: (*n).to_owned(),
                source: "Own block list".to_owned(),
                source_code: "OWN".to_owned(),
                ..crate::ListEntry::default()
            })
            .collect();
        ScreeningIndex::build(ListSnapshot::from_entries(names.join("\n").as_bytes(), "", entries))
    }

    /// A position means nothing in another snapshot: keys are handed out only for hits of
    /// their own, so a hit found before the lists were swapped is never cleared by the key of
    /// the entry that now stands at its position.
    #[test]
    fn entry_keys_serve_only_hits_of_their_own_snapshot() {
        let old = index(&["Acme Photonics Holdings", "Borealis Trading House"]);
        let new = index(&["Borealis Trading House", "Acme Photonics Holdings"]);
        let keys = EntryKeys::of(&new);
        assert!(keys.for_snapshot(Some(&new.snapshot_info().id)).is_some());
        assert!(keys.for_snapshot(Some(&old.snapshot_info().id)).is_none());
        assert!(keys.for_snapshot(None).is_none());
        let old_keys = EntryKeys::of(&old);
        assert_ne!(keys.key(0), old_keys.key(0), "the same position, another entry");
    }
}
