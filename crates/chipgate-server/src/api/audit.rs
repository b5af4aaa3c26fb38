//! The audit trail: records by sequence number, and chain verification.

use axum::extract::State;
use chipgate_ledger::{AuditRecord, VerifyReport};

use crate::error::ApiError;
use crate::extract::{ok, ApiJson, QueryParams};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

pub(crate) async fn records(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Page<AuditRecord>>, ApiError> {
    let from = query.parse::<u64>("from", "a sequence number")?.unwrap_or(1);
    let to = query.parse::<u64>("to", "a sequence number")?.unwrap_or(u64::MAX);
    let page = PageRequest::read(&mut query, "audit", 1)?;
    query.finish()?;
    let from = match page.unsigned(0)? {
        Some(last) => from.max(last.saturating_add(1)),
        None => from,
    };
    let fetch = page.fetch();
    let records = state
        .with_ledger(move |_, ledger| ledger.audit_records(from, to, fetch).map_err(ApiError::from))
        .await?;
    Ok(ok(page.page(records, |r| vec![r.seq.to_string()])))
}

pub(crate) async fn verify(State(state): State<AppState>) -> Result<ApiJson<VerifyReport>, ApiError> {
    let report = state
        .with_ledger(|_, ledger| ledger.verify_audit().map_err(ApiError::from))
        .await?;
    Ok(ok(report))
}
