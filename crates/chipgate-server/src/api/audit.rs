//! The audit trail: records by sequence number, and chain verification.

use axum::extract::State;
use chipgate_ledger::{AuditRecord, VerifyReport};

use crate::error::{ApiError, Code};
use crate::extract::{ok, ApiJson, QueryParams};
use crate::state::AppState;

/// Most records one call returns.
const MAX_LIMIT: u64 = 1000;

pub(super) async fn records(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Vec<AuditRecord>>, ApiError> {
    let from = query.parse::<u64>("from", "a sequence number")?.unwrap_or(1);
    let to = query.parse::<u64>("to", "a sequence number")?.unwrap_or(u64::MAX);
    let limit = query.parse::<u64>("limit", "a count")?.unwrap_or(100);
    query.finish()?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::field(
            Code::InvalidQuery,
            "limit",
            format!("`limit`: must be between 1 and {MAX_LIMIT}, got `{limit}`"),
        ));
    }
    let records = state
        .with_ledger(move |_, ledger| ledger.audit_records(from, to, limit).map_err(ApiError::from))
        .await?;
    Ok(ok(records))
}

pub(super) async fn verify(State(state): State<AppState>) -> Result<ApiJson<VerifyReport>, ApiError> {
    let report = state
        .with_ledger(|_, ledger| ledger.verify_audit().map_err(ApiError::from))
        .await?;
    Ok(ok(report))
}
