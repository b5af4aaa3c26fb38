//! Route suspensions: hold everything for an item (id or ECCN) to a destination.

use axum::extract::State;
use chipgate_ledger::{RouteResumed, RouteSuspension};

use crate::auth::Caller;
use crate::dto::RouteBody;
use crate::error::ApiError;
use crate::extract::{ok, ApiJson, AppJson, QueryParams};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

pub(crate) async fn list(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Page<RouteSuspension>>, ApiError> {
    let active = query.flag("active")?.unwrap_or(false);
    let page = PageRequest::read(&mut query, "routes", 1)?;
    query.finish()?;
    let after = page.unsigned(0)?;
    let fetch = page.fetch();
    let routes = state
        .with_ledger(move |_, ledger| ledger.routes_page(active, after, fetch).map_err(ApiError::from))
        .await?;
    Ok(ok(page.page(routes, |r| vec![r.id.to_string()])))
}

pub(crate) async fn suspend(
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

pub(crate) async fn resume(
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
