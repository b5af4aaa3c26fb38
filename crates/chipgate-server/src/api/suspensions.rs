//! Route suspensions: hold everything for an item (id or ECCN) to a destination.

use axum::extract::State;
use chipgate_ledger::{RouteResumed, RouteSuspension};

use crate::auth::Caller;
use crate::dto::RouteBody;
use crate::error::ApiError;
use crate::extract::{ok, ApiJson, AppJson, QueryParams};
use crate::state::AppState;

pub(super) async fn list(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Vec<RouteSuspension>>, ApiError> {
    let active = query.flag("active")?.unwrap_or(false);
    query.finish()?;
    let routes = state
        .with_ledger(move |_, ledger| ledger.list_routes(active).map_err(ApiError::from))
        .await?;
    Ok(ok(routes))
}

pub(super) async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<RouteBody>,
) -> Result<ApiJson<RouteSuspension>, ApiError> {
    let now = state.now()?;
    let suspension = state
        .with_ledger(move |_, ledger| {
            ledger
                .suspend_route(&body.item, &body.destination, &body.reason, &caller.name, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(ok(suspension))
}

pub(super) async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<RouteBody>,
) -> Result<ApiJson<RouteResumed>, ApiError> {
    let now = state.now()?;
    let resumed = state
        .with_ledger(move |_, ledger| {
            ledger
                .resume_route(&body.item, &body.destination, &body.reason, &caller.name, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(ok(resumed))
}
