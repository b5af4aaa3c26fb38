//! Licenses: list, show, record, and the status changes (each with a reason).

use axum::extract::State;
use chipgate_engine::Date;
use chipgate_ledger::{Ledger, License, LicenseDetail, LicenseStatus, NewLicense, Timestamp};

use super::Segment;
use crate::auth::Caller;
use crate::dto::ReasonBody;
use crate::error::ApiError;
use crate::extract::{created, ok, ApiJson, AppJson, QueryParams};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

fn as_of(state: &AppState, query: &mut QueryParams) -> Result<Date, ApiError> {
    Ok(query
        .parse::<Date>("date", "YYYY-MM-DD")?
        .unwrap_or_else(|| state.today()))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Page<License>>, ApiError> {
    let date = as_of(&state, &mut query)?;
    let status = query.parse::<LicenseStatus>(
        "status",
        "`applied`, `granted`, `rejected`, `suspended`, `revoked` or `expired`",
    )?;
    let page = PageRequest::read(&mut query, "licenses", 1)?;
    query.finish()?;
    let after = page.text(0).map(str::to_owned);
    let fetch = page.fetch();
    let licenses = state
        .with_ledger(move |_, ledger| {
            ledger
                .licenses_page(date, status, after.as_deref(), fetch)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(ok(page.page(licenses, |l| vec![l.number.clone()])))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Segment(number): Segment,
    mut query: QueryParams,
) -> Result<ApiJson<LicenseDetail>, ApiError> {
    let date = as_of(&state, &mut query)?;
    query.finish()?;
    let detail = state
        .with_ledger(move |_, ledger| ledger.license(&number, date).map_err(ApiError::from))
        .await?;
    Ok(ok(detail))
}

pub(crate) async fn add(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<NewLicense>,
) -> Result<ApiJson<License>, ApiError> {
    let now = state.now()?;
    let license = state
        .with_ledger(move |_, ledger| ledger.add_license(&body, &caller.name, now).map_err(ApiError::from))
        .await?;
    Ok(created(license))
}

type Change = fn(&mut Ledger, &str, &str, &str, Timestamp) -> chipgate_ledger::Result<License>;

async fn change(
    state: AppState,
    caller: Caller,
    number: String,
    reason: String,
    action: Change,
) -> Result<ApiJson<License>, ApiError> {
    let now = state.now()?;
    let license = state
        .with_ledger(move |_, ledger| action(ledger, &number, &reason, &caller.name, now).map_err(ApiError::from))
        .await?;
    Ok(ok(license))
}

macro_rules! license_change {
    ($($name:ident => $method:ident),* $(,)?) => {$(
        pub(crate) async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            Segment(number): Segment,
            AppJson(body): AppJson<ReasonBody>,
        ) -> Result<ApiJson<License>, ApiError> {
            change(state, caller, number, body.reason, Ledger::$method).await
        }
    )*};
}

license_change! {
    grant => grant_license,
    reject => reject_license,
    suspend => suspend_license,
    resume => resume_license,
    revoke => revoke_license,
}
