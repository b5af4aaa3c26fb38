//! The party master (migration 0005): parties, and each party's screening status against the
//! list snapshot it was screened with.
//!
//! The ledger does not screen: the caller screens a party against a snapshot and hands in the
//! hits ([`PartyResult`]), each with the hit entry's identity key and content hash. The
//! ledger stores them as the party's review-queue items ([`crate::review`]), keeps a hit
//! cleared when a clearance of the same entry *content* still holds, and reopens it otherwise.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::audit::NewRecord;
use crate::db::{pi, pot, pt, Row};
use crate::error::{LedgerError, Result};
use crate::ledger::{stored_json, stored_u64, Ledger, Tx};
use crate::time::Timestamp;
use crate::validate;

/// A party to add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewParty {
    /// The party's name.
    pub name: String,
    /// Its country, ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    /// Identifiers (registration numbers, unified social credit codes, LEI), as written.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// Names of its owners.
    #[serde(default)]
    pub owners: Vec<String>,
    /// The caller's own id for it (unique in the store).
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A stored party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party {
    /// The store's id, from 1.
    pub id: u64,
    /// The caller's own id.
    pub external_id: Option<String>,
    /// Name.
    pub name: String,
    /// Country, ISO-2.
    pub country: Option<String>,
    /// Identifiers.
    pub identifiers: Vec<String>,
    /// Owners.
    pub owners: Vec<String>,
    /// When it was added.
    pub created_at: String,
    /// Who added it.
    pub created_by: String,
    /// `unscreened`, `clear` (no hit), `hit` (an open or escalated hit) or `cleared` (every
    /// hit cleared).
    pub status: String,
    /// The list snapshot it was last screened against.
    pub screened_snapshot: Option<String>,
    /// When.
    pub screened_at: Option<String>,
}

/// A hit found by screening a party (what the caller hands in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FoundHit {
    /// The entry's identity key.
    pub entry_key: String,
    /// The content hash of the entry version hit.
    pub entry_hash: String,
    /// Source list code.
    pub source: String,
    /// The entry's primary name.
    pub entry_name: String,
    /// What matched (party or owner name, and the alias).
    pub matched: String,
    /// Score in [0, 1].
    pub score: f64,
}

/// One party's screening result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyResult {
    /// The party.
    pub party_id: u64,
    /// Its hits (within the scope screened).
    pub hits: Vec<FoundHit>,
}

/// Which entries a screening covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenScope {
    /// The whole snapshot: the hits replace every stored hit.
    Full,
    /// Only these entry keys (added, removed or changed): the hits replace the stored hits on
    /// these keys; other hits stay.
    Keys(BTreeSet<String>),
    /// A delta re-screening after a list change from snapshot `previous`: the results are full
    /// screenings of the parties they name (their hits replace every stored hit); every other
    /// party last screened against `previous` screens the same on the new snapshot (the caller
    /// established it), so its stored hits are carried over to it, checked against the
    /// clearances as a full recording checks them (a hit whose clearance lapsed reopens).
    Delta {
        /// The snapshot the carried parties were screened against.
        previous: String,
    },
}

/// What [`Ledger::record_screenings`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreeningOutcome {
    /// Parties screened.
    pub screened: u64,
    /// Parties whose stored hits were carried over to the new snapshot unchanged
    /// ([`ScreenScope::Delta`]).
    #[serde(default)]
    pub carried: u64,
    /// Parties that have a new open hit now (a hit on an entry, or entry content, that was not
    /// there before and is not cleared): they went to the review queue.
    pub new_hits: Vec<u64>,
    /// Parties whose hits were kept cleared because the cleared entry content is unchanged.
    pub kept_cleared: Vec<u64>,
    /// The `party.screen` audit record (absent when nothing was screened).
    pub audit_seq: Option<u64>,
}

pub(crate) fn bad(field: &str, message: impl Into<String>) -> LedgerError {
    LedgerError::BadInput {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn check_party(p: &NewParty, at: &str) -> Result<NewParty> {
    let field = |f: &str| {
        if at.is_empty() {
            f.to_owned()
        } else {
            format!("{at}{f}")
        }
    };
    let name = p.name.trim();
    if name.is_empty() {
        return Err(bad(&field("name"), "must not be empty"));
    }
    if name.len() > validate::MAX_TEXT || name.chars().any(char::is_control) {
        return Err(bad(&field("name"), "too long or contains control characters"));
    }
    let country = match p.country.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => Some(c.to_ascii_uppercase()),
        Some(c) => {
            return Err(bad(
                &field("country"),
                format!("`{c}` is not an ISO 3166-1 alpha-2 code (two letters)"),
            ))
        }
    };
    let list = |f: &str, v: &[String]| -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for s in v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if s.len() > validate::MAX_TEXT || s.chars().any(char::is_control) {
                return Err(bad(
                    &field(f),
                    format!("`{s}` is too long or contains control characters"),
                ));
            }
            if !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        }
        Ok(out)
    };
    let external_id = match p.external_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if s.len() > 200 || s.chars().any(char::is_control) => {
            return Err(bad(&field("external_id"), "too long or contains control characters"))
        }
        Some(s) => Some(s.to_owned()),
    };
    Ok(NewParty {
        name: name.to_owned(),
        country,
        identifiers: list("identifiers", &p.identifiers)?,
        owners: list("owners", &p.owners)?,
        external_id,
    })
}

const PARTY_COLS: &str = "id, external_id, name, country, identifiers, owners, created_at, created_by, \
     status, screened_snapshot, screened_at";

fn party_from_row(r: &Row) -> Result<Party> {
    Ok(Party {
        id: stored_u64(r.i(0)?)?,
        external_id: r.ot(1)?,
        name: r.t(2)?,
        country: r.ot(3)?,
        identifiers: stored_json(&r.t(4)?)?,
        owners: stored_json(&r.t(5)?)?,
        created_at: r.t(6)?,
        created_by: r.t(7)?,
        status: r.t(8)?,
        screened_snapshot: r.ot(9)?,
        screened_at: r.ot(10)?,
    })
}

pub(crate) fn to_i64(v: u64, field: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| bad(field, format!("{v} is out of range")))
}

/// Parties updated per `UPDATE … WHERE id IN (…)` (well under both stores' parameter limits).
const STATUS_CHUNK: usize = 500;

/// A party's status from its hits' states.
fn status_of(states: &[String]) -> &'static str {
    if states.is_empty() {
        "clear"
    } else if states.iter().all(|s| s == "cleared") {
        "cleared"
    } else {
        "hit"
    }
}

impl Tx<'_> {
    fn insert_party(&mut self, p: &NewParty, user: &str, now: Timestamp) -> Result<u64> {
        if let Some(ext) = &p.external_id {
            if self
                .query_opt("SELECT id FROM parties WHERE external_id = ?", &[pt(ext)])?
                .is_some()
            {
                return Err(bad(
                    "external_id",
                    format!("a party with external id `{ext}` is already stored"),
                ));
            }
        }
        let id = self.query_opt("SELECT COALESCE(MAX(id), 0) + 1 FROM parties", &[])?;
        let id = match id {
            Some(r) => r.i(0)?,
            None => 1,
        };
        let identifiers = serde_json::to_string(&p.identifiers)?;
        let owners = serde_json::to_string(&p.owners)?;
        let payload = serde_json::json!({
            "id": id,
            "external_id": &p.external_id,
            "name": &p.name,
            "country": &p.country,
            "identifiers": &p.identifiers,
            "owners": &p.owners,
        })
        .to_string();
        let seq = self.append(&NewRecord::new(
            "party.add",
            &format!("party:{id}"),
            &payload,
            user,
            now,
        ))?;
        let now_s = now.to_string();
        self.exec(
            "INSERT INTO parties (id, external_id, name, country, identifiers, owners, created_at, created_by, \
             audit_seq, screened_snapshot, screened_at, status) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'unscreened')",
            &[
                pi(id),
                pot(p.external_id.as_deref()),
                pt(&p.name),
                pot(p.country.as_deref()),
                pt(&identifiers),
                pt(&owners),
                pt(&now_s),
                pt(user),
                pi(seq),
            ],
        )?;
        stored_u64(id)
    }

    pub(crate) fn load_party(&mut self, id: u64) -> Result<Party> {
        let sql = format!("SELECT {PARTY_COLS} FROM parties WHERE id = ?");
        match self.query_opt(&sql, &[pi(to_i64(id, "party")?)])? {
            Some(r) => party_from_row(&r),
            None => Err(bad("party", format!("no party {id} in this store"))),
        }
    }

    /// Recomputes a party's status from its hits.
    pub(crate) fn refresh_status(&mut self, id: i64) -> Result<String> {
        let rows = self.query("SELECT state FROM party_hits WHERE party_id = ?", &[pi(id)])?;
        let mut states = Vec::with_capacity(rows.len());
        for r in rows {
            states.push(r.t(0)?);
        }
        let status = status_of(&states);
        self.exec("UPDATE parties SET status = ? WHERE id = ?", &[pt(status), pi(id)])?;
        Ok(status.to_owned())
    }
}

impl Ledger {
    /// Adds a party (validated: a name, an ISO-2 country if any, a unique external id if
    /// any) and appends its `party.add` record. It starts `unscreened`.
    pub fn add_party(&mut self, party: &NewParty, user: &str, now: Timestamp) -> Result<Party> {
        let user = validate::user(user)?;
        let p = check_party(party, "")?;
        self.write(|tx| {
            let id = tx.insert_party(&p, &user, now)?;
            tx.load_party(id)
        })
    }

    /// Adds several parties in one transaction: all of them or, on the first bad one (its
    /// error names the position and field, e.g. `parties[3].country`), none.
    pub fn add_parties(&mut self, parties: &[NewParty], user: &str, now: Timestamp) -> Result<Vec<u64>> {
        let user = validate::user(user)?;
        let mut checked = Vec::with_capacity(parties.len());
        let mut seen = BTreeSet::new();
        for (i, p) in parties.iter().enumerate() {
            let c = check_party(p, &format!("parties[{i}]."))?;
            if let Some(ext) = &c.external_id {
                if !seen.insert(ext.clone()) {
                    return Err(bad(
                        &format!("parties[{i}].external_id"),
                        format!("`{ext}` is given twice"),
                    ));
                }
            }
            checked.push(c);
        }
        self.write(|tx| {
            let mut ids = Vec::with_capacity(checked.len());
            for (i, p) in checked.iter().enumerate() {
                let id = tx.insert_party(p, &user, now).map_err(|e| match e {
                    LedgerError::BadInput { field, message } => bad(&format!("parties[{i}].{field}"), message),
                    other => other,
                })?;
                ids.push(id);
            }
            Ok(ids)
        })
    }

    /// Every party, by id.
    pub fn parties(&mut self) -> Result<Vec<Party>> {
        let sql = format!("SELECT {PARTY_COLS} FROM parties ORDER BY id");
        self.read(|conn| conn.query(&sql, &[])?.iter().map(party_from_row).collect())
    }

    /// One party by its id (digits) or external id.
    pub fn party(&mut self, id_or_external: &str) -> Result<Party> {
        let key = id_or_external.trim();
        let sql = format!("SELECT {PARTY_COLS} FROM parties WHERE external_id = ?");
        let by_id = format!("SELECT {PARTY_COLS} FROM parties WHERE id = ?");
        self.read(|conn| {
            if let Some(r) = conn.query_opt(&sql, &[pt(key)])? {
                return party_from_row(&r);
            }
            if let Ok(n) = key.parse::<i64>() {
                if let Some(r) = conn.query_opt(&by_id, &[pi(n)])? {
                    return party_from_row(&r);
                }
            }
            Err(bad(
                "party",
                format!("no party `{key}` (id or external id) in this store"),
            ))
        })
    }

    /// Records screening results against a list snapshot in one transaction: each party's
    /// hits in `scope` replace its stored hits there; a hit on an entry whose content hash
    /// matches an unexpired clearance (`today` is the last day it holds) stays `cleared`, a
    /// hit already stored with the same content keeps its state (open, escalated), any other
    /// hit is a new `open` item in the review queue. Each party's status and the snapshot it
    /// was screened against are updated; one `party.screen` audit record lists the new hits.
    pub fn record_screenings(
        &mut self,
        snapshot_id: &str,
        scope: &ScreenScope,
        results: &[PartyResult],
        user: &str,
        now: Timestamp,
    ) -> Result<ScreeningOutcome> {
        let user = validate::user(user)?;
        if snapshot_id.is_empty() || snapshot_id.len() > 128 || !snapshot_id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(bad("snapshot id", format!("`{snapshot_id}` is not a list snapshot id")));
        }
        for (i, r) in results.iter().enumerate() {
            for (j, h) in r.hits.iter().enumerate() {
                if !(0.0..=1.0).contains(&h.score) {
                    return Err(bad(&format!("results[{i}].hits[{j}].score"), "must be in [0, 1]"));
                }
                if h.entry_key.trim().is_empty() || h.entry_hash.trim().is_empty() {
                    return Err(bad(
                        &format!("results[{i}].hits[{j}]"),
                        "entry key and hash must not be empty",
                    ));
                }
                if let ScreenScope::Keys(keys) = scope {
                    if !keys.contains(&h.entry_key) {
                        return Err(bad(
                            &format!("results[{i}].hits[{j}].entry_key"),
                            format!("`{}` is outside the scope screened", h.entry_key),
                        ));
                    }
                }
            }
        }
        let today = now.date().to_string();
        let now_s = now.to_string();
        let in_scope = |key: &str| match scope {
            ScreenScope::Full | ScreenScope::Delta { .. } => true,
            ScreenScope::Keys(k) => k.contains(key),
        };
        self.write(|tx| {
            let mut out = ScreeningOutcome::default();
            let mut logged = Vec::new();
            // Read once: the parties, their stored hits and the clearances.
            let mut known = HashSet::new();
            for r in tx.query("SELECT id FROM parties", &[])? {
                known.insert(r.i(0)?);
            }
            let mut stored: HashMap<i64, Vec<(String, String, String)>> = HashMap::new();
            let mut scores: HashMap<(i64, String), String> = HashMap::new();
            for mut r in tx.query(
                "SELECT party_id, entry_key, entry_hash, state, score FROM party_hits",
                &[],
            )? {
                let pid = r.i(0)?;
                let key = r.take_t(1)?;
                if matches!(scope, ScreenScope::Delta { .. }) {
                    scores.insert((pid, key.clone()), r.take_t(4)?);
                }
                stored.entry(pid).or_default().push((key, r.take_t(2)?, r.take_t(3)?));
            }
            let mut clearances: HashMap<(i64, String), (String, Option<String>)> = HashMap::new();
            for mut r in tx.query(
                "SELECT party_id, entry_key, entry_hash, expires FROM party_clearances",
                &[],
            )? {
                clearances.insert((r.i(0)?, r.take_t(1)?), (r.take_t(2)?, r.take_ot(3)?));
            }
            let mut by_status: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
            for r in results {
                let pid = to_i64(r.party_id, "party")?;
                if !known.contains(&pid) {
                    return Err(bad("party", format!("no party {} in this store", r.party_id)));
                }
                let mut before: BTreeMap<String, (String, String)> = BTreeMap::new();
                let mut states: Vec<String> = Vec::new();
                for (key, hash, state) in stored.remove(&pid).unwrap_or_default() {
                    if in_scope(&key) {
                        before.insert(key, (hash, state));
                    } else {
                        states.push(state);
                    }
                }
                for key in before.keys() {
                    tx.exec(
                        "DELETE FROM party_hits WHERE party_id = ? AND entry_key = ?",
                        &[pi(pid), pt(key)],
                    )?;
                }
                let mut new_open = false;
                let mut kept = false;
                let mut seen = BTreeSet::new();
                for h in &r.hits {
                    if !seen.insert(h.entry_key.as_str()) {
                        continue;
                    }
                    let cleared = clearances.get(&(pid, h.entry_key.clone())).is_some_and(|(hash, exp)| {
                        *hash == h.entry_hash && exp.as_deref().is_none_or(|e| e >= today.as_str())
                    });
                    let state = match before.get(&h.entry_key) {
                        _ if cleared => {
                            kept = true;
                            "cleared".to_owned()
                        }
                        Some((hash, state)) if *hash == h.entry_hash && state != "cleared" => state.clone(),
                        _ => {
                            new_open = true;
                            logged.push(serde_json::json!({
                                "party": r.party_id, "entry_key": &h.entry_key,
                                "entry_hash": &h.entry_hash, "score": h.score,
                            }));
                            "open".to_owned()
                        }
                    };
                    tx.exec(
                        "INSERT INTO party_hits (party_id, entry_key, entry_hash, source, entry_name, matched, \
                         score, snapshot_id, found_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        &[
                            pi(pid),
                            pt(&h.entry_key),
                            pt(&h.entry_hash),
                            pt(&h.source),
                            pt(&h.entry_name),
                            pt(&h.matched),
                            pt(&format!("{:.4}", h.score)),
                            pt(snapshot_id),
                            pt(&now_s),
                            pt(&state),
                        ],
                    )?;
                    states.push(state);
                }
                by_status.entry(status_of(&states)).or_default().push(pid);
                out.screened += 1;
                if new_open {
                    out.new_hits.push(r.party_id);
                }
                if kept {
                    out.kept_cleared.push(r.party_id);
                }
            }
            if let ScreenScope::Delta { previous } = scope {
                // The parties screened against `previous` and not screened now: their hits
                // stand, each re-checked against its clearance as above.
                let named: HashSet<u64> = results.iter().map(|r| r.party_id).collect();
                let rows = tx.query(
                    "SELECT id FROM parties WHERE screened_snapshot = ? ORDER BY id",
                    &[pt(previous)],
                )?;
                for row in rows {
                    let pid = row.i(0)?;
                    if named.contains(&stored_u64(pid)?) {
                        continue;
                    }
                    let mut states: Vec<String> = Vec::new();
                    let (mut new_open, mut kept) = (false, false);
                    for (key, hash, state) in stored.remove(&pid).unwrap_or_default() {
                        let cleared = clearances
                            .get(&(pid, key.clone()))
                            .is_some_and(|(h, exp)| *h == hash && exp.as_deref().is_none_or(|e| e >= today.as_str()));
                        let now_state = if cleared {
                            kept = true;
                            "cleared".to_owned()
                        } else if state != "cleared" {
                            state.clone()
                        } else {
                            new_open = true;
                            let score = scores.get(&(pid, key.clone())).and_then(|s| s.parse::<f64>().ok());
                            logged.push(serde_json::json!({
                                "party": pid, "entry_key": &key, "entry_hash": &hash, "score": score,
                            }));
                            "open".to_owned()
                        };
                        if now_state != state {
                            tx.exec(
                                "UPDATE party_hits SET state = ?, snapshot_id = ?, found_at = ? \
                                 WHERE party_id = ? AND entry_key = ?",
                                &[pt(&now_state), pt(snapshot_id), pt(&now_s), pi(pid), pt(&key)],
                            )?;
                        }
                        states.push(now_state);
                    }
                    by_status.entry(status_of(&states)).or_default().push(pid);
                    out.carried += 1;
                    if new_open {
                        out.new_hits.push(stored_u64(pid)?);
                    }
                    if kept {
                        out.kept_cleared.push(stored_u64(pid)?);
                    }
                }
                out.new_hits.sort_unstable();
                out.kept_cleared.sort_unstable();
            }
            for (status, ids) in &by_status {
                for chunk in ids.chunks(STATUS_CHUNK) {
                    let sql = format!(
                        "UPDATE parties SET screened_snapshot = ?, screened_at = ?, status = ? WHERE id IN ({})",
                        vec!["?"; chunk.len()].join(", ")
                    );
                    let mut params = vec![pt(snapshot_id), pt(&now_s), pt(status)];
                    params.extend(chunk.iter().map(|&id| pi(id)));
                    tx.exec(&sql, &params)?;
                }
            }
            if out.screened + out.carried > 0 {
                let mut payload = serde_json::json!({
                    "snapshot": snapshot_id,
                    "scope": match scope {
                        ScreenScope::Full => serde_json::json!("full"),
                        ScreenScope::Keys(k) => serde_json::json!({ "keys": k.len() }),
                        ScreenScope::Delta { previous } => serde_json::json!({ "delta_from": previous }),
                    },
                    "screened": out.screened,
                    "new_hits": logged,
                });
                if out.carried > 0 {
                    payload["carried"] = serde_json::json!(out.carried);
                }
                let payload = payload.to_string();
                let seq =
                    tx.append(
                        &NewRecord::new("party.screen", &format!("list:{snapshot_id}"), &payload, &user, now)
                            .decided_by(None, None, Some(snapshot_id)),
                    )?;
                out.audit_seq = Some(stored_u64(seq)?);
            }
            Ok(out)
        })
    }
}
