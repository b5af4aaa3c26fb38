//! Order checks, holds and releases.

use axum::extract::State;
use chipgate_decide::Request;
use chipgate_engine::{OrderCheck, OrderLine};
use chipgate_ledger::{Hold, OrderRecord, OrderStatus};

use super::Segment;
use crate::auth::Caller;
use crate::dto::{OrderCheckBody, ReasonBody};
use crate::error::{ApiError, Code};
use crate::extract::{ok, ApiJson, AppJson, QueryParams};
use crate::state::AppState;

fn cents(usd: Option<f64>) -> Result<Option<i64>, ApiError> {
    match usd {
        None => Ok(None),
        Some(v) if !v.is_finite() || !(0.0..=1e15).contains(&v) => Err(ApiError::field(
            Code::InvalidField,
            "unit_value_usd",
            format!("`unit_value_usd`: must be zero or more, got `{v}`"),
        )),
        Some(v) => Ok(Some((v * 100.0).round() as i64)),
    }
}

pub(super) async fn check(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<OrderCheckBody>,
) -> Result<ApiJson<OrderCheck>, ApiError> {
    let item = state.engine().classifier().catalog().get(&body.item)?.clone();
    let date = body.date.unwrap_or_else(|| state.today());
    let line = OrderLine {
        order_ref: body.order_ref,
        request: Request {
            destination: body.destination,
            quantity: Some(body.quantity),
            end_user: body.end_user,
            consignee: body.consignee,
            end_user_hq: body.end_user_hq,
            parent_hq: body.parent_hq,
            end_use: body.end_use,
            exporter: body.exporter,
            as_written: body.as_written,
            region: body.region,
            eccn: body.eccn,
            us_person: body.us_person,
            owners: body.owners,
        },
        quantity: body.quantity,
        unit_value_cents: cents(body.unit_value_usd)?,
        license: body.license,
        exception: body.exception,
    };
    let now = state.now()?;
    let check = state
        .with_ledger(move |s, ledger| {
            s.engine()
                .check_order(ledger, &item, &line, date, &caller.name, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(ok(check))
}

pub(super) async fn list(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Vec<OrderRecord>>, ApiError> {
    let status = query.parse::<OrderStatus>("status", "`shipped`, `held` or `released`")?;
    query.finish()?;
    let orders = state
        .with_ledger(move |_, ledger| ledger.list_orders(status).map_err(ApiError::from))
        .await?;
    Ok(ok(orders))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Segment(order_ref): Segment,
) -> Result<ApiJson<OrderRecord>, ApiError> {
    let order = state
        .with_ledger(move |_, ledger| ledger.order(&order_ref).map_err(ApiError::from))
        .await?;
    Ok(ok(order))
}

pub(super) async fn release(
    State(state): State<AppState>,
    caller: Caller,
    Segment(order_ref): Segment,
    AppJson(body): AppJson<ReasonBody>,
) -> Result<ApiJson<Hold>, ApiError> {
    let now = state.now()?;
    let hold = state
        .with_ledger(move |_, ledger| {
            ledger
                .release_hold(&order_ref, &body.reason, &caller.name, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(ok(hold))
}

pub(super) async fn holds(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Vec<Hold>>, ApiError> {
    let open = query.flag("open")?.unwrap_or(true);
    query.finish()?;
    let holds = state
        .with_ledger(move |_, ledger| ledger.list_holds(open).map_err(ApiError::from))
        .await?;
    Ok(ok(holds))
}
