//! Order checks, holds and releases.

use std::collections::BTreeMap;

use axum::extract::State;
use chipgate_decide::Request;
use chipgate_engine::{OrderCheck, OrderLine};
use chipgate_ledger::{Hold, HoldKey, HoldQuery, HoldReason, HoldSort, HoldStatus, OrderRecord, OrderStatus};
use serde::Serialize;

use super::Segment;
use crate::auth::Caller;
use crate::dto::{OrderCheckBody, ReasonBody};
use crate::error::{ApiError, Code};
use crate::extract::{ok, ApiJson, AppJson, QueryParams};
use crate::paging::{Page, PageRequest};
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
        backdated: body.backdated,
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
) -> Result<ApiJson<Page<OrderRecord>>, ApiError> {
    let status = query.parse::<OrderStatus>("status", "`shipped`, `held` or `released`")?;
    let page = PageRequest::read(&mut query, "orders", 1)?;
    query.finish()?;
    let after = page.unsigned(0)?;
    let fetch = page.fetch();
    let orders = state
        .with_ledger(move |_, ledger| ledger.orders_page(status, after, fetch).map_err(ApiError::from))
        .await?;
    Ok(ok(page.page(orders, |o| vec![o.result.audit_seq.to_string()])))
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

/// A page of the hold work queue, with the number of holds of the requested status per
/// reason kind (whatever `kind` filter was asked for).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(super) struct HoldPage {
    /// The holds, in the requested order.
    pub items: Vec<Hold>,
    /// The cursor of the next page, or `null` on the last one.
    pub next: Option<String>,
    /// For every reason kind, how many holds of the requested `status` have a reason of
    /// that kind (zero included).
    pub counts: BTreeMap<&'static str, u64>,
}

pub(super) async fn holds(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<HoldPage>, ApiError> {
    let status = query
        .choice(
            "status",
            &[
                ("open", HoldStatus::Open),
                ("released", HoldStatus::Released),
                ("all", HoldStatus::All),
            ],
        )?
        .unwrap_or(HoldStatus::Open);
    let kinds = query.list("kind");
    if let Some(unknown) = kinds.iter().find(|k| !HoldReason::KINDS.contains(&k.as_str())) {
        return Err(ApiError::field(
            Code::InvalidQuery,
            "kind",
            format!(
                "`kind`: `{unknown}` is not a hold reason kind; expected one of {}",
                HoldReason::KINDS.join(", ")
            ),
        ));
    }
    let (sort, list) = query
        .choice(
            "sort",
            &[
                ("priority", (HoldSort::Priority, "holds.priority")),
                ("newest", (HoldSort::Newest, "holds.newest")),
                ("oldest", (HoldSort::Oldest, "holds.oldest")),
            ],
        )?
        .unwrap_or((HoldSort::Priority, "holds.priority"));
    let page = PageRequest::read(&mut query, list, 2)?;
    query.finish()?;
    let after = match (page.number(0)?, page.unsigned(1)?) {
        (Some(priority), Some(hold_id)) => Some(HoldKey { priority, hold_id }),
        _ => None,
    };
    let fetch = page.fetch();
    let select = HoldQuery { status, kinds, sort };
    let (holds, counts) = state
        .with_ledger(move |_, ledger| {
            let holds = ledger.holds_page(&select, after, fetch)?;
            let counts = ledger.hold_counts(status)?;
            Ok((holds, counts))
        })
        .await?;
    let Page { items, next } = page.page(holds, |h| vec![h.priority().to_string(), h.hold_id.to_string()]);
    Ok(ok(HoldPage { items, next, counts }))
}
