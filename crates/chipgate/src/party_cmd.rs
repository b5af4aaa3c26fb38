//! `chipgate party`, `chipgate review` and `chipgate rescreen`: the party master, its
//! screening against the lists in use, and the review queue of their hits.

use std::fmt::Write as _;

use chipgate_engine::{parse_parties_csv, CountryTable, DataSource, Engine, PartySelection, RescreenReport};
use chipgate_ledger::{Date, Ledger, NewParty, Party, ReviewFilter, ReviewItem};
use serde::Serialize;

use crate::cli::{Format, LedgerArgs, PartyAction, RescreenArgs, ReviewAction};
use crate::error::CliError;
use crate::home::{now, open_ledger, recorded_user, Access};
use crate::output::{emit, print_json, print_text};
use crate::Status;

/// The engine with the lists in use for this store (its active snapshot, else the bundled
/// list).
fn engine_for(source: &dyn DataSource, ledger: &mut Ledger) -> Result<Engine, CliError> {
    Ok(Engine::load(source)?.with_store_lists(ledger)?)
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Text of a re-screening.
pub(crate) fn rescreen_text(r: &RescreenReport) -> String {
    let mut out = format!(
        "re-screened {} part{} against list snapshot {}: {} new hit{}, {} kept cleared\n",
        r.screened,
        if r.screened == 1 { "y" } else { "ies" },
        short(&r.snapshot_id),
        r.new_hits.len(),
        if r.new_hits.len() == 1 { "" } else { "s" },
        r.kept_cleared
    );
    match (&r.delta, &r.full_because) {
        (Some(d), _) => {
            let _ = writeln!(
                out,
                "  delta from list snapshot {}: {} of {} entries affected ({} of the previous); \
                 {} part{} carried over unchanged",
                short(&d.previous),
                d.affected_entries,
                d.entries,
                d.affected_previous_entries,
                d.carried,
                if d.carried == 1 { "y" } else { "ies" }
            );
        }
        (None, Some(why)) => {
            let _ = writeln!(out, "  full re-screen: {why}");
        }
        (None, None) => {}
    }
    for p in &r.new_hits {
        let _ = writeln!(out, "  became a hit: party {} {}", p.id, p.name);
    }
    out
}

fn party_line(p: &Party) -> String {
    format!(
        "{:>5}  {:<10} {:<40} {:<2}  {}{}",
        p.id,
        p.external_id.as_deref().unwrap_or("-"),
        p.name,
        p.country.as_deref().unwrap_or("-"),
        p.status,
        p.screened_snapshot
            .as_deref()
            .map(|s| format!(" (list {})", short(s)))
            .unwrap_or_default()
    )
}

fn item_line(i: &ReviewItem) -> String {
    let mut line = format!(
        "party {} {}  {}  {} [{}] {}  score {}  {}",
        i.party_id, i.party_name, i.state, i.entry_key, i.source, i.entry_name, i.score, i.matched
    );
    if let Some(c) = &i.clearance {
        let _ = write!(
            line,
            "  cleared by {} on {}: {}{}",
            c.reviewer,
            c.cleared_at,
            c.reason,
            c.expires
                .as_deref()
                .map(|e| format!(" (until {e})"))
                .unwrap_or_default()
        );
    }
    line
}

#[derive(Serialize)]
struct Added {
    parties: Vec<Party>,
    screening: RescreenReport,
}

#[derive(Serialize)]
struct Shown {
    party: Party,
    hits: Vec<ReviewItem>,
}

pub(crate) fn party(
    args: LedgerArgs<PartyAction>,
    format: Format,
    source: &dyn DataSource,
) -> Result<Status, CliError> {
    match args.action {
        PartyAction::Add {
            name,
            country,
            identifiers,
            owners,
            external_id,
        } => {
            let user = recorded_user(args.user.as_deref())?;
            let new = NewParty {
                name,
                country,
                identifiers,
                owners,
                external_id,
            };
            let mut ledger = open_ledger(args.db.as_deref(), Access::Write)?;
            let engine = engine_for(source, &mut ledger)?;
            let p = ledger.add_party(&new, &user, now()?)?;
            added(&engine, &mut ledger, &[p.id], &user, format)
        }
        PartyAction::Import { file } => {
            let user = recorded_user(args.user.as_deref())?;
            let bytes = std::fs::read(&file).map_err(|source| CliError::File {
                path: file.display().to_string(),
                source,
            })?;
            let parties = parse_parties_csv(&bytes, &CountryTable::load(source)?)?;
            let mut ledger = open_ledger(args.db.as_deref(), Access::Write)?;
            let engine = engine_for(source, &mut ledger)?;
            let ids = ledger.add_parties(&parties, &user, now()?)?;
            added(&engine, &mut ledger, &ids, &user, format)
        }
        PartyAction::List => {
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let parties = ledger.parties()?;
            emit(format, &parties, |ps| {
                let mut out = String::new();
                for p in ps {
                    let _ = writeln!(out, "{}", party_line(p));
                }
                if ps.is_empty() {
                    out.push_str("no parties\n");
                }
                out
            })?;
            Ok(Status::Ok)
        }
        PartyAction::Show { party } => {
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let p = ledger.party(&party)?;
            let hits = ledger.party_hits(p.id, now()?.date())?;
            let shown = Shown { party: p, hits };
            emit(format, &shown, |s| {
                let p = &s.party;
                let mut out = party_line(p);
                out.push('\n');
                if !p.identifiers.is_empty() {
                    let _ = writeln!(out, "identifiers: {}", p.identifiers.join("; "));
                }
                if !p.owners.is_empty() {
                    let _ = writeln!(out, "owners: {}", p.owners.join("; "));
                }
                let _ = writeln!(out, "added {} by {}", p.created_at, p.created_by);
                for i in &s.hits {
                    let _ = writeln!(out, "hit: {}", item_line(i));
                }
                out
            })?;
            Ok(Status::Ok)
        }
    }
}

fn added(engine: &Engine, ledger: &mut Ledger, ids: &[u64], user: &str, format: Format) -> Result<Status, CliError> {
    let screening = engine.rescreen_parties(ledger, PartySelection::Ids(ids), user, now()?)?;
    let wanted: std::collections::HashSet<u64> = ids.iter().copied().collect();
    let mut parties = ledger.parties()?;
    parties.retain(|p| wanted.contains(&p.id));
    let any_hit = !screening.new_hits.is_empty();
    let out = Added { parties, screening };
    match format {
        Format::Json => print_json(&out)?,
        Format::Text => {
            let mut text = String::new();
            for p in &out.parties {
                let _ = writeln!(text, "added: {}", party_line(p));
            }
            text.push_str(&rescreen_text(&out.screening));
            print_text(&text)?;
        }
    }
    Ok(if any_hit { Status::Attention } else { Status::Ok })
}

pub(crate) fn review(args: LedgerArgs<ReviewAction>, format: Format) -> Result<Status, CliError> {
    match args.action {
        ReviewAction::List { all } => {
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let filter = if all { ReviewFilter::All } else { ReviewFilter::Pending };
            let items = ledger.review_items(filter, now()?.date())?;
            emit(format, &items, |items| {
                let mut out = String::new();
                for i in items {
                    let _ = writeln!(out, "{}", item_line(i));
                }
                if items.is_empty() {
                    out.push_str("nothing to review\n");
                }
                out
            })?;
            Ok(Status::Ok)
        }
        ReviewAction::Clear {
            party,
            entry,
            reason,
            expires,
        } => {
            let user = recorded_user(args.user.as_deref())?;
            let expires = expires
                .map(|e| {
                    e.parse::<Date>()
                        .map_err(|err| CliError::invalid_value("--expires", err))
                })
                .transpose()?;
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let p = ledger.party(&party)?;
            let item = ledger.clear_hit(p.id, &entry, &reason, expires, &user, now()?)?;
            emit(format, &item, |i| format!("{}\n", item_line(i)))?;
            Ok(Status::Ok)
        }
        ReviewAction::Escalate { party, entry, reason } => {
            let user = recorded_user(args.user.as_deref())?;
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let p = ledger.party(&party)?;
            let item = ledger.escalate_hit(p.id, &entry, &reason, &user, now()?)?;
            emit(format, &item, |i| format!("{}\n", item_line(i)))?;
            Ok(Status::Ok)
        }
    }
}

pub(crate) fn rescreen(args: RescreenArgs, format: Format, source: &dyn DataSource) -> Result<Status, CliError> {
    let user = recorded_user(args.user.as_deref())?;
    let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
    let engine = engine_for(source, &mut ledger)?;
    let which = if args.full {
        PartySelection::All
    } else {
        PartySelection::Stale
    };
    let report = engine.rescreen_parties(&mut ledger, which, &user, now()?)?;
    let any_hit = !report.new_hits.is_empty();
    emit(format, &report, rescreen_text)?;
    Ok(if any_hit { Status::Attention } else { Status::Ok })
}

/// After the active list changed (`lists import`, `lists activate`): the stored parties
/// re-screened against it, new hits into the review queue; `None` when no party is stored.
pub(crate) fn rescreen_after_change(
    source: &dyn DataSource,
    ledger: &mut Ledger,
    user: &str,
) -> Result<Option<RescreenReport>, CliError> {
    if ledger.parties()?.is_empty() {
        return Ok(None);
    }
    let engine = engine_for(source, ledger)?;
    Ok(Some(engine.rescreen_parties(
        ledger,
        PartySelection::Stale,
        user,
        now()?,
    )?))
}

/// A list change's report with the re-screening it caused.
#[derive(Serialize)]
pub(crate) struct WithRescreen<'a, T: Serialize> {
    #[serde(flatten)]
    pub(crate) report: &'a T,
    /// The stored parties re-screened against the new list (absent: none stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rescreen: Option<RescreenReport>,
}
