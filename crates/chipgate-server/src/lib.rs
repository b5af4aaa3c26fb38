//! chipgate over HTTP: the JSON API under `/v1/`, API tokens with roles, Prometheus metrics,
//! the OpenAPI document and the web app for compliance officers, all from one binary.
//!
//! Owns: HTTP (axum), request DTOs and their validation, the error contract (RFC 9457
//! problem details: `{type, title, status, detail, code, field}`), cursor paging of the
//! lists, authentication and roles, metrics, and the web app's static files (embedded with
//! `include_str!`; no build step, no separate server).
//! Does not: decide anything. Every handler is one call into `chipgate-engine` or
//! `chipgate-ledger`, and the response bodies are their report types, serialized exactly as
//! the CLI's `--format json` does. It is the only crate that knows HTTP.
//!
//! Key design decision: one route table ([`api::endpoints`]) holds each route's handler,
//! required role, summary, query parameters and body schema. The router, the role checks,
//! the OpenAPI document (`/openapi.json`) and the route list of `docs/api.md` are all built
//! from it, so none can drift from the others.
//!
//! The ledger is synchronous (SQLite or PostgreSQL): it sits behind a mutex and is used on
//! tokio's blocking pool. Determinations run on the async workers: they are pure and take
//! tens of microseconds.

pub mod api;
pub mod auth;
pub mod cache;
pub mod dto;
pub mod error;
pub mod extract;
pub mod log;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod state;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chipgate_data::{Directory, Embedded};
use chipgate_engine::Engine;
use chipgate_ledger::Ledger;

pub use auth::{Caller, Role, TokenStore};
pub use error::{ApiError, Code};
pub use state::AppState;

use crate::api::Access;

/// Builds the router over `state`: every endpoint of the route table with its role check,
/// the metrics middleware, the body limit and the JSON 404/405 fallbacks.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for endpoint in api::endpoints() {
        let handler = match endpoint.access {
            Access::Public => endpoint.handler,
            Access::Role(role) => endpoint
                .handler
                .route_layer(middleware::from_fn_with_state((state.clone(), role), authenticate)),
        };
        if endpoint.path == "/" {
            // The web app's views have addresses of their own (deep links); each gets the page.
            for path in web::VIEW_PATHS {
                router = router.route(path, handler.clone());
            }
        }
        router = router.route(endpoint.path, handler);
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(Code::RouteNotFound, "no such route; see /openapi.json")
}

/// Checks the bearer token and the role, and hands the [`Caller`] to the handler.
async fn authenticate(State((state, need)): State<(AppState, Role)>, mut request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let Some(token) = presented.filter(|t| !t.is_empty()) else {
        return ApiError::new(
            Code::MissingToken,
            "send an API token as `Authorization: Bearer <token>`",
        )
        .into_response();
    };
    let caller = match state.tokens().read() {
        Ok(tokens) => tokens.authenticate(token).cloned(),
        Err(_) => return ApiError::internal("token store", &"lock poisoned").into_response(),
    };
    let Some(caller) = caller else {
        return ApiError::new(Code::InvalidToken, "the API token is not known (or was revoked)").into_response();
    };
    if caller.role < need {
        return ApiError::new(
            Code::Forbidden,
            format!(
                "token `{}` has role `{}`; this needs `{}`",
                caller.name,
                caller.role.as_str(),
                need.as_str()
            ),
        )
        .into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// Counts the request and its latency; turns axum's empty 405 into the error contract.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().clone();
    let mut response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED && !response.headers().contains_key(header::CONTENT_TYPE) {
        let allow = response.headers().get(header::ALLOW).cloned();
        response = ApiError::new(
            Code::MethodNotAllowed,
            format!("`{method}` is not allowed on this route"),
        )
        .into_response();
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    state
        .metrics()
        .record(&route, method.as_str(), response.status().as_u16(), started.elapsed());
    response
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Ledger URL; `None` means the SQLite file in `data_dir`.
    pub db: Option<String>,
    /// Data directory (ledger file, `tokens.json`).
    pub data_dir: PathBuf,
    /// `CHIPGATE_ADMIN_TOKEN`, if set.
    pub admin_token: Option<String>,
    /// Read reference data from this directory instead of the copy embedded in the binary.
    pub reference_dir: Option<PathBuf>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Loading the reference data.
    #[error(transparent)]
    Engine(#[from] chipgate_engine::EngineError),
    /// Opening the ledger.
    #[error(transparent)]
    Ledger(#[from] chipgate_ledger::LedgerError),
    /// The token store.
    #[error(transparent)]
    Tokens(#[from] auth::TokenError),
    /// Binding or serving.
    #[error("cannot listen on `{addr}`: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A server bound to its address, ready to run.
#[derive(Debug)]
pub struct Bound {
    listener: tokio::net::TcpListener,
    app: Router,
    addr: SocketAddr,
    first_admin_token: Option<String>,
    state: AppState,
}

impl Bound {
    /// The address it listens on (the port is chosen when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin token created on this first start (print it once), if one was.
    pub fn first_admin_token(&self) -> Option<&str> {
        self.first_admin_token.as_deref()
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run(self) -> Result<(), ServeError> {
        // Build the restricted-party index now rather than on the first request.
        let warm = self.state.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = warm.engine().lists() {
                log::error(&format!("restricted-party lists: {e}"));
            }
        });
        let addr = self.addr;
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|source| ServeError::Listen { addr, source })?;
        log::info("stopped");
        Ok(())
    }
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {},
            () = terminate => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Loads the embedded reference data, opens the ledger and the tokens, and binds.
pub async fn bind(config: ServeConfig) -> Result<Bound, ServeError> {
    let engine = match &config.reference_dir {
        Some(dir) => Engine::load(&Directory::new(dir))?,
        None => Engine::load(&Embedded)?,
    };
    let (ledger, url_note) = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || -> Result<(Ledger, String), chipgate_ledger::LedgerError> {
            Ok(match &config.db {
                Some(url) => (Ledger::open(url)?, redact(url)),
                None => (
                    Ledger::open_default(&config.data_dir)?,
                    Ledger::default_url(&config.data_dir),
                ),
            })
        })
        .await
        .map_err(|e| chipgate_ledger::LedgerError::Io(std::io::Error::other(e.to_string())))??
    };
    let now = chipgate_ledger::Timestamp::from_unix(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)),
    )?;
    let (tokens, first_admin_token) =
        TokenStore::open(&config.data_dir, config.admin_token.as_deref(), &now.to_string())?;
    let state = AppState::new(engine, ledger, tokens);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.addr,
        source,
    })?;
    log::info(&format!(
        "chipgate {} listening on http://{addr} (ledger {url_note}, tokens {})",
        chipgate_engine::ENGINE_VERSION,
        config.data_dir.join(auth::TOKENS_FILE).display()
    ));
    Ok(Bound {
        listener,
        app: router(state.clone()),
        addr,
        first_admin_token,
        state,
    })
}

/// Binds, prints the first start's admin token once (to standard error), and serves.
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let bound = bind(config).await?;
    if let Some(token) = bound.first_admin_token() {
        log::info(&format!(
            "first start: created the admin token (shown only now; its SHA-256 is in tokens.json):\n\n    {token}\n\nSend it as `Authorization: Bearer <token>`, or paste it into the web app at http://{}/",
            bound.local_addr()
        ));
    }
    bound.run().await
}

/// A database URL without its password, for the log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = url.get(scheme + 3..at).unwrap_or("");
            let user = credentials.split(':').next().unwrap_or("");
            format!(
                "{}{user}:***{}",
                url.get(..scheme + 3).unwrap_or(""),
                url.get(at..).unwrap_or("")
            )
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_the_log() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }
}
