//! The review queue (migration 0005): parties' hits, cleared with a reason, a reviewer and an
//! optional expiry against the content hash of the entry they hit, or escalated. Every action
//! appends a `review.clear` or `review.escalate` audit record.

use serde::{Deserialize, Serialize};

use crate::audit::NewRecord;
use crate::db::{pi, pot, pt, Row};
use crate::error::Result;
use crate::ledger::{stored_u64, Ledger};
use crate::parties::{bad, to_i64};
use crate::time::{Date, Timestamp};
use crate::validate;

/// A clearance of one hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Clearance {
    /// The entry content hash it was cleared against.
    pub entry_hash: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub reviewer: String,
    /// Last day it holds (`YYYY-MM-DD`); none: no expiry.
    pub expires: Option<String>,
    /// When.
    pub cleared_at: String,
    /// The `review.clear` audit record.
    pub audit_seq: u64,
}

/// One item of the review queue: a party's hit on a list entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewItem {
    /// The party.
    pub party_id: u64,
    /// Its name.
    pub party_name: String,
    /// The entry's identity key.
    pub entry_key: String,
    /// Content hash of the entry version hit.
    pub entry_hash: String,
    /// Source list code.
    pub source: String,
    /// The entry's primary name.
    pub entry_name: String,
    /// What matched.
    pub matched: String,
    /// Score, decimal.
    pub score: String,
    /// The snapshot it was found in.
    pub snapshot_id: String,
    /// When it was found.
    pub found_at: String,
    /// `open`, `escalated` or `cleared`.
    pub state: String,
    /// The clearance that holds, when `cleared`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearance: Option<Clearance>,
}

/// Which items [`Ledger::review_items`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewFilter {
    /// Open and escalated items (the work to do).
    #[default]
    Pending,
    /// Every item.
    All,
    /// Items in one state.
    State(&'static str),
}

const ITEM_SQL: &str = "SELECT h.party_id, p.name, h.entry_key, h.entry_hash, h.source, h.entry_name, h.matched, \
     h.score, h.snapshot_id, h.found_at, h.state, c.entry_hash, c.reason, c.reviewer, c.expires, c.cleared_at, \
     c.audit_seq FROM party_hits h JOIN parties p ON p.id = h.party_id \
     LEFT JOIN party_clearances c ON c.party_id = h.party_id AND c.entry_key = h.entry_key";

fn item_from_row(r: &Row, today: &str) -> Result<ReviewItem> {
    let entry_hash = r.t(3)?;
    let mut state = r.t(10)?;
    let clearance = match r.ot(11)? {
        Some(hash) => Some(Clearance {
            entry_hash: hash,
            reason: r.t(12)?,
            reviewer: r.t(13)?,
            expires: r.ot(14)?,
            cleared_at: r.t(15)?,
            audit_seq: stored_u64(r.i(16)?)?,
        }),
        None => None,
    };
    // A clearance holds for the entry content it was given against, until it expires.
    let holds = clearance
        .as_ref()
        .is_some_and(|c| c.entry_hash == entry_hash && c.expires.as_deref().is_none_or(|e| e >= today));
    if state == "cleared" && !holds {
        state = "open".to_owned();
    }
    Ok(ReviewItem {
        party_id: stored_u64(r.i(0)?)?,
        party_name: r.t(1)?,
        entry_key: r.t(2)?,
        entry_hash,
        source: r.t(4)?,
        entry_name: r.t(5)?,
        matched: r.t(6)?,
        score: r.t(7)?,
        snapshot_id: r.t(8)?,
        found_at: r.t(9)?,
        state: state.clone(),
        clearance: if state == "cleared" { clearance } else { None },
    })
}

impl Ledger {
    /// The review queue's items (an expired clearance reads as `open`), by party then entry.
    pub fn review_items(&mut self, filter: ReviewFilter, today: Date) -> Result<Vec<ReviewItem>> {
        let today = today.to_string();
        let sql = format!("{ITEM_SQL} ORDER BY h.party_id, h.entry_key");
        let items: Vec<ReviewItem> = self.read(|conn| {
            conn.query(&sql, &[])?
                .iter()
                .map(|r| item_from_row(r, &today))
                .collect()
        })?;
        Ok(items
            .into_iter()
            .filter(|i| match filter {
                ReviewFilter::All => true,
                ReviewFilter::Pending => i.state != "cleared",
                ReviewFilter::State(s) => i.state == s,
            })
            .collect())
    }

    /// The review items of one party (every state).
    pub fn party_hits(&mut self, party_id: u64, today: Date) -> Result<Vec<ReviewItem>> {
        let today = today.to_string();
        let pid = to_i64(party_id, "party")?;
        let sql = format!("{ITEM_SQL} WHERE h.party_id = ? ORDER BY h.entry_key");
        self.read(|conn| {
            conn.query(&sql, &[pi(pid)])?
                .iter()
                .map(|r| item_from_row(r, &today))
                .collect()
        })
    }

    /// Clears a party's hit on an entry: tied to the content hash of the entry version hit,
    /// with a reason, the reviewer and an optional expiry (the last day it holds, not before
    /// today). Appends a `review.clear` record. The hit re-alerts when a later screening
    /// finds that entry with other content, or after the expiry.
    pub fn clear_hit(
        &mut self,
        party_id: u64,
        entry_key: &str,
        reason: &str,
        expires: Option<Date>,
        reviewer: &str,
        now: Timestamp,
    ) -> Result<ReviewItem> {
        let reviewer = validate::user(reviewer)?;
        let reason = validate::text("reason", reason)?;
        if let Some(e) = expires {
            if e < now.date() {
                return Err(bad("expires", format!("{e} is before today ({})", now.date())));
            }
        }
        self.act(party_id, entry_key, "review.clear", &reason, expires, &reviewer, now)
    }

    /// Escalates a party's hit (a second look is needed), with a reason. Appends a
    /// `review.escalate` record; a cleared hit's clearance is withdrawn.
    pub fn escalate_hit(
        &mut self,
        party_id: u64,
        entry_key: &str,
        reason: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<ReviewItem> {
        let user = validate::user(user)?;
        let reason = validate::text("reason", reason)?;
        self.act(party_id, entry_key, "review.escalate", &reason, None, &user, now)
    }

    #[allow(clippy::too_many_arguments, reason = "one private helper of two public calls")]
    fn act(
        &mut self,
        party_id: u64,
        entry_key: &str,
        kind: &str,
        reason: &str,
        expires: Option<Date>,
        user: &str,
        now: Timestamp,
    ) -> Result<ReviewItem> {
        let pid = to_i64(party_id, "party")?;
        let key = entry_key.trim().to_owned();
        let expires = expires.map(|e| e.to_string());
        let now_s = now.to_string();
        self.write(|tx| {
            let Some(row) = tx.query_opt(
                "SELECT entry_hash, snapshot_id FROM party_hits WHERE party_id = ? AND entry_key = ?",
                &[pi(pid), pt(&key)],
            )?
            else {
                return Err(bad(
                    "hit",
                    format!("party {party_id} has no hit on entry `{key}` in the review queue"),
                ));
            };
            let hash = row.t(0)?;
            let snapshot = row.t(1)?;
            let payload = serde_json::json!({
                "party": party_id,
                "entry_key": &key,
                "entry_hash": &hash,
                "reason": reason,
                "expires": &expires,
            })
            .to_string();
            let seq = tx.append(
                &NewRecord::new(kind, &format!("party:{party_id}"), &payload, user, now).decided_by(
                    None,
                    None,
                    Some(&snapshot),
                ),
            )?;
            tx.exec(
                "DELETE FROM party_clearances WHERE party_id = ? AND entry_key = ?",
                &[pi(pid), pt(&key)],
            )?;
            let state = if kind == "review.clear" {
                tx.exec(
                    "INSERT INTO party_clearances (party_id, entry_key, entry_hash, reason, reviewer, expires, \
                     cleared_at, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    &[
                        pi(pid),
                        pt(&key),
                        pt(&hash),
                        pt(reason),
                        pt(user),
                        pot(expires.as_deref()),
                        pt(&now_s),
                        pi(seq),
                    ],
                )?;
                "cleared"
            } else {
                "escalated"
            };
            tx.exec(
                "UPDATE party_hits SET state = ? WHERE party_id = ? AND entry_key = ?",
                &[pt(state), pi(pid), pt(&key)],
            )?;
            tx.refresh_status(pid)?;
            let sql = format!("{ITEM_SQL} WHERE h.party_id = ? AND h.entry_key = ?");
            let row = tx.conn.query_one(&sql, &[pi(pid), pt(&key)])?;
            item_from_row(&row, &now.date().to_string())
        })
    }
}

/// A clearance a stored party holds on one entry, with how the store found the hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldClearance {
    /// The entry's identity key.
    pub entry_key: String,
    /// Whether the stored hit on that entry was found by an identifier (not by name).
    pub found_by_identifier: bool,
    /// The clearance.
    pub clearance: Clearance,
}

/// A stored party that holds at least one clearance: what a determination needs to honour
/// them ([`Ledger::cleared_parties`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearedParty {
    /// The party's id.
    pub party_id: u64,
    /// Its external id.
    pub external_id: Option<String>,
    /// Its name, as stored.
    pub name: String,
    /// Its country, as stored.
    pub country: Option<String>,
    /// Stored parties with exactly this name and country, itself included.
    pub namesakes: u64,
    /// Its clearances, by entry key.
    pub clearances: Vec<HeldClearance>,
}

/// One action on a review item, from the audit log (`review.clear`, `review.escalate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewAction {
    /// The audit record.
    pub seq: u64,
    /// `review.clear` or `review.escalate`.
    pub kind: String,
    /// When.
    pub at: String,
    /// Who.
    pub user: String,
    /// Why.
    pub reason: String,
    /// The entry content hash the action was taken on.
    pub entry_hash: String,
    /// The clearance's last day, for a `review.clear` with an expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Which items [`Ledger::review_page`] returns: the filters of `GET /v1/review`, and the key
/// after which the page starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewQuery {
    /// States.
    pub filter: ReviewFilter,
    /// Only hits on entries of this source list (code, e.g. `EL`).
    pub source: Option<String>,
    /// Only hits scoring at least this.
    pub min_score: Option<f64>,
    /// Only hits found on or after this day.
    pub since: Option<Date>,
    /// Only this party's hits.
    pub party: Option<u64>,
    /// Start after this (party id, entry key).
    pub after: Option<(u64, String)>,
    /// Items to return at most.
    pub limit: u64,
}

impl Ledger {
    /// The stored parties that hold a clearance, with the clearances and how many stored
    /// parties share each one's exact name and country, by party id.
    pub fn cleared_parties(&mut self) -> Result<Vec<ClearedParty>> {
        self.read(|conn| {
            let rows = conn.query(
                "SELECT p.id, p.external_id, p.name, p.country, c.entry_key, c.entry_hash, c.reason, c.reviewer, \
                 c.expires, c.cleared_at, c.audit_seq, h.matched FROM party_clearances c \
                 JOIN parties p ON p.id = c.party_id \
                 LEFT JOIN party_hits h ON h.party_id = c.party_id AND h.entry_key = c.entry_key \
                 ORDER BY p.id, c.entry_key",
                &[],
            )?;
            let mut out: Vec<ClearedParty> = Vec::new();
            for r in &rows {
                let id = stored_u64(r.i(0)?)?;
                let held = HeldClearance {
                    entry_key: r.t(4)?,
                    found_by_identifier: r.ot(11)?.is_some_and(|m| m.starts_with("identifier ")),
                    clearance: Clearance {
                        entry_hash: r.t(5)?,
                        reason: r.t(6)?,
                        reviewer: r.t(7)?,
                        expires: r.ot(8)?,
                        cleared_at: r.t(9)?,
                        audit_seq: stored_u64(r.i(10)?)?,
                    },
                };
                match out.last_mut() {
                    Some(p) if p.party_id == id => p.clearances.push(held),
                    _ => out.push(ClearedParty {
                        party_id: id,
                        external_id: r.ot(1)?,
                        name: r.t(2)?,
                        country: r.ot(3)?,
                        namesakes: 0,
                        clearances: vec![held],
                    }),
                }
            }
            for p in &mut out {
                let row = match &p.country {
                    Some(c) => conn.query_one(
                        "SELECT COUNT(*) FROM parties WHERE name = ? AND country = ?",
                        &[pt(&p.name), pt(c)],
                    )?,
                    None => conn.query_one(
                        "SELECT COUNT(*) FROM parties WHERE name = ? AND country IS NULL",
                        &[pt(&p.name)],
                    )?,
                };
                p.namesakes = stored_u64(row.i(0)?)?;
            }
            Ok(out)
        })
    }

    /// A page of the review queue: the items the query's filters keep, by party then entry,
    /// after its key (an expired clearance reads as `open`).
    pub fn review_page(&mut self, q: &ReviewQuery, today: Date) -> Result<Vec<ReviewItem>> {
        let today_s = today.to_string();
        let since = q.since.map(|d| d.to_string());
        let mut sql = format!("{ITEM_SQL} WHERE 1 = 1");
        let mut params = Vec::new();
        if let Some(source) = &q.source {
            sql.push_str(" AND h.source = ?");
            params.push(pt(source));
        }
        if let Some(party) = q.party {
            sql.push_str(" AND h.party_id = ?");
            params.push(pi(to_i64(party, "party")?));
        }
        if let Some(since) = &since {
            sql.push_str(" AND h.found_at >= ?");
            params.push(pt(since));
        }
        if let Some((party, key)) = &q.after {
            sql.push_str(" AND (h.party_id > ? OR (h.party_id = ? AND h.entry_key > ?))");
            let p = to_i64(*party, "cursor")?;
            params.push(pi(p));
            params.push(pi(p));
            params.push(pt(key));
        }
        sql.push_str(" ORDER BY h.party_id, h.entry_key");
        let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
        let items: Vec<ReviewItem> = self.read(|conn| {
            conn.query(&sql, &params)?
                .iter()
                .map(|r| item_from_row(r, &today_s))
                .collect()
        })?;
        Ok(items
            .into_iter()
            .filter(|i| match q.filter {
                ReviewFilter::All => true,
                ReviewFilter::Pending => i.state != "cleared",
                ReviewFilter::State(s) => i.state == s,
            })
            .filter(|i| q.min_score.is_none_or(|m| i.score.parse::<f64>().is_ok_and(|s| s >= m)))
            .take(limit)
            .collect())
    }

    /// One item of the review queue (any state).
    pub fn review_item(&mut self, party_id: u64, entry_key: &str, today: Date) -> Result<ReviewItem> {
        let pid = to_i64(party_id, "party")?;
        let key = entry_key.trim().to_owned();
        let sql = format!("{ITEM_SQL} WHERE h.party_id = ? AND h.entry_key = ?");
        let today = today.to_string();
        self.read(|conn| match conn.query_opt(&sql, &[pi(pid), pt(&key)])? {
            Some(r) => item_from_row(&r, &today),
            None => Err(bad(
                "hit",
                format!("party {party_id} has no hit on entry `{key}` in the review queue"),
            )),
        })
    }

    /// The review actions on a party's hit on an entry, oldest first, from the audit log.
    pub fn review_history(&mut self, party_id: u64, entry_key: &str) -> Result<Vec<ReviewAction>> {
        let subject = format!("party:{party_id}");
        let key = entry_key.trim().to_owned();
        self.read(|conn| {
            let rows = conn.query(
                "SELECT seq, kind, ts, user_name, payload FROM audit_log WHERE subject = ? \
                 AND kind IN ('review.clear', 'review.escalate') ORDER BY seq",
                &[pt(&subject)],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let payload: serde_json::Value = serde_json::from_str(&r.t(4)?)?;
                let text = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                if text("entry_key").as_deref() != Some(key.as_str()) {
                    continue;
                }
                out.push(ReviewAction {
                    seq: stored_u64(r.i(0)?)?,
                    kind: r.t(1)?,
                    at: r.t(2)?,
                    user: r.t(3)?,
                    reason: text("reason").unwrap_or_default(),
                    entry_hash: text("entry_hash").unwrap_or_default(),
                    expires: text("expires"),
                });
            }
            Ok(out)
        })
    }
}
