//! API tokens: list, create (the secret is returned once), revoke. Both changes are
//! recorded in the ledger's audit trail under the acting token's name.

use axum::extract::State;
use chipgate_ledger::{AuditEvent, Ledger, Timestamp};

use super::Segment;
use crate::auth::{Caller, NewToken, Role, TokenError, TokenInfo};
use crate::dto::TokenBody;
use crate::error::{ApiError, Code};
use crate::extract::{created, ok, ApiJson, AppJson, QueryParams};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::BadName(_) => ApiError::field(Code::InvalidField, "name", e.to_string()),
            TokenError::Duplicate(_) => ApiError::field(Code::Conflict, "name", e.to_string()),
            TokenError::Unknown(_) => ApiError::new(Code::TokenNotFound, e.to_string()),
            other => ApiError::internal("token store", &other),
        }
    }
}

fn record(
    ledger: &mut Ledger,
    kind: &str,
    name: &str,
    role: Role,
    user: &str,
    now: Timestamp,
) -> Result<u64, ApiError> {
    let event = AuditEvent {
        kind: kind.to_owned(),
        subject: format!("token:{name}"),
        payload: serde_json::json!({ "name": name, "role": role }),
        engine_version: None,
        ruleset_id: None,
        list_snapshot_id: None,
        event_date: None,
    };
    Ok(ledger.record_event(&event, user, now)?)
}

pub(crate) async fn whoami(caller: Caller) -> ApiJson<Caller> {
    ok(caller)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Page<TokenInfo>>, ApiError> {
    let page = PageRequest::read(&mut query, "tokens", 1)?;
    query.finish()?;
    let mut tokens = state
        .tokens()
        .read()
        .map_err(|_| ApiError::internal("token store", &"lock poisoned"))?
        .list();
    tokens.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(after) = page.text(0) {
        tokens.retain(|t| t.name.as_str() > after);
    }
    tokens.truncate(usize::try_from(page.fetch()).unwrap_or(usize::MAX));
    Ok(ok(page.page(tokens, |t| vec![t.name.clone()])))
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<TokenBody>,
) -> Result<ApiJson<NewToken>, ApiError> {
    let now = state.now()?;
    let token = state
        .with_ledger(move |s, ledger| {
            let mut tokens = s
                .tokens()
                .write()
                .map_err(|_| ApiError::internal("token store", &"lock poisoned"))?;
            let new = tokens.create(&body.name, body.role, &caller.name, &now.to_string())?;
            if let Err(e) = record(ledger, "token.create", &new.name, new.role, &caller.name, now) {
                // Not recorded, so not created.
                let _ = tokens.revoke(&new.name);
                return Err(e);
            }
            Ok(new)
        })
        .await?;
    Ok(created(token))
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Segment(name): Segment,
) -> Result<ApiJson<TokenInfo>, ApiError> {
    let now = state.now()?;
    let revoked = state
        .with_ledger(move |s, ledger| {
            let mut tokens = s
                .tokens()
                .write()
                .map_err(|_| ApiError::internal("token store", &"lock poisoned"))?;
            let info = tokens.revoke(&name)?;
            record(ledger, "token.revoke", &info.name, info.role, &caller.name, now)?;
            Ok(info)
        })
        .await?;
    Ok(ok(revoked))
}
