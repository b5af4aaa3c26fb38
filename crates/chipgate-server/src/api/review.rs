//! The review queue: parties' hits on list entries, listed with filters, shown one at a time
//! (the deep link of the web app) with the party, the entry and the clearance history, cleared
//! with a reason or escalated — the same ledger calls as `chipgate review`, each an audit
//! record under the token's name.

use axum::extract::State;
use chipgate_engine::ListEntry;
use chipgate_ledger::{Party, ReviewAction, ReviewFilter, ReviewItem, ReviewQuery};
use serde::Serialize;

use super::Segments;
use crate::auth::Caller;
use crate::dto::{ClearBody, ReasonBody};
use crate::error::{ApiError, Code};
use crate::extract::{ok, ApiJson, AppJson, QueryParams};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

/// One review item with what a reviewer needs to settle it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct ReviewDetail {
    /// The party.
    pub party: Party,
    /// The hit, its state and the clearance that holds.
    pub item: ReviewItem,
    /// The entry as the lists in use give it (absent when it left the lists).
    pub entry: Option<ListEntry>,
    /// The content hash of that entry now; differs from the hit's when the entry changed.
    pub entry_hash_now: Option<String>,
    /// Every clearance and escalation of this hit, oldest first (from the audit log).
    pub history: Vec<ReviewAction>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Page<ReviewItem>>, ApiError> {
    let filter = query
        .choice(
            "state",
            &[
                ("pending", ReviewFilter::Pending),
                ("open", ReviewFilter::State("open")),
                ("escalated", ReviewFilter::State("escalated")),
                ("cleared", ReviewFilter::State("cleared")),
                ("all", ReviewFilter::All),
            ],
        )?
        .unwrap_or_default();
    let source = query.text("list")?.map(|l| l.trim().to_ascii_uppercase());
    let min_score = query.parse::<f64>("min_score", "a score from 0 to 1")?;
    if let Some(m) = min_score.filter(|m| !(0.0..=1.0).contains(m)) {
        return Err(ApiError::field(
            Code::InvalidQuery,
            "min_score",
            format!("`min_score`: must be between 0 and 1, got `{m}`"),
        ));
    }
    let age = query.parse::<u32>("age", "a number of days")?;
    let since = query.parse::<chipgate_engine::Date>("since", "YYYY-MM-DD")?;
    let today = state.today();
    let since = match (age, since) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                Code::InvalidQuery,
                "age",
                "`age`: give `age` or `since`, not both",
            ))
        }
        (Some(days), None) => {
            let days = i32::try_from(days)
                .ok()
                .filter(|d| *d <= 3_660_000)
                .ok_or_else(|| ApiError::field(Code::InvalidQuery, "age", "`age`: too many days"))?;
            Some(today.add_days(-days))
        }
        (None, Some(d)) => Some(d),
        (None, None) => None,
    };
    let party = query.text("party")?;
    let page = PageRequest::read(&mut query, "review", 2)?;
    query.finish()?;
    let after = match (page.unsigned(0)?, page.text(1)) {
        (Some(p), Some(k)) => Some((p, k.to_owned())),
        _ => None,
    };
    let fetch = page.fetch();
    let items = state
        .with_ledger(move |_, ledger| {
            let party = match party {
                Some(p) => Some(ledger.party(&p)?.id),
                None => None,
            };
            let q = ReviewQuery {
                filter,
                source,
                min_score,
                since,
                party,
                after,
                limit: fetch,
            };
            ledger.review_page(&q, today).map_err(ApiError::from)
        })
        .await?;
    Ok(ok(
        page.page(items, |i| vec![i.party_id.to_string(), i.entry_key.clone()])
    ))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Segments(party, entry_key): Segments,
) -> Result<ApiJson<ReviewDetail>, ApiError> {
    let today = state.today();
    let detail = state
        .with_ledger(move |s, ledger| {
            let party = ledger.party(&party)?;
            let item = ledger.review_item(party.id, &entry_key, today)?;
            let history = ledger.review_history(party.id, &item.entry_key)?;
            let found = s.engine().entry_by_key(&item.entry_key)?;
            let (entry, entry_hash_now) = match found {
                Some((e, h)) => (Some(e), Some(h)),
                None => (None, None),
            };
            Ok(ReviewDetail {
                party,
                item,
                entry,
                entry_hash_now,
                history,
            })
        })
        .await?;
    Ok(ok(detail))
}

pub(crate) async fn clear(
    State(state): State<AppState>,
    caller: Caller,
    Segments(party, entry_key): Segments,
    AppJson(body): AppJson<ClearBody>,
) -> Result<ApiJson<ReviewItem>, ApiError> {
    let now = state.now()?;
    let expires = body
        .expires
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.parse::<chipgate_engine::Date>()
                .map_err(|err| ApiError::field(Code::InvalidField, "expires", format!("`expires`: {err}")))
        })
        .transpose()?;
    let item = state
        .with_ledger(move |s, ledger| {
            let p = ledger.party(&party)?;
            let item = ledger.clear_hit(p.id, &entry_key, &body.reason, expires, &caller.name, now)?;
            s.clearances_changed(ledger)?;
            Ok(item)
        })
        .await?;
    Ok(ok(item))
}

pub(crate) async fn escalate(
    State(state): State<AppState>,
    caller: Caller,
    Segments(party, entry_key): Segments,
    AppJson(body): AppJson<ReasonBody>,
) -> Result<ApiJson<ReviewItem>, ApiError> {
    let now = state.now()?;
    let item = state
        .with_ledger(move |s, ledger| {
            let p = ledger.party(&party)?;
            let item = ledger.escalate_hit(p.id, &entry_key, &body.reason, &caller.name, now)?;
            s.clearances_changed(ledger)?;
            Ok(item)
        })
        .await?;
    Ok(ok(item))
}
