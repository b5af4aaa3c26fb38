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
//! Key design decision: one route table ([`routes::endpoints`]) holds each route's handler,
//! required role, summary, query parameters and body schema. The router, the role checks,
//! the OpenAPI document (`/openapi.json`) and the route list of `docs/api.md` are all built
//! from it, so none can drift from the others.
//!
//! Transport: [`transport`] serves each connection with hyper, with a header-read and an
//! idle timeout; [`edge`] gives every request an id, a span and a log line, and every response
//! its security and cache headers; responses are gzipped when the client accepts it; tokens
//! refused too often from one address are answered 429 for a while ([`throttle`]).
//!
//! The ledger is synchronous (SQLite or PostgreSQL): it sits behind a mutex and is used on
//! tokio's blocking pool. Determinations run on the async workers: they are pure and take
//! tens of microseconds.

pub mod api;
pub mod auth;
pub mod cache;
pub mod dto;
pub mod edge;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod routes;
pub mod state;
pub mod throttle;
pub mod transport;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chipgate_engine::{Directory, Embedded, Engine};
use chipgate_ledger::Ledger;

pub use auth::{Caller, Role, TokenStore};
pub use error::{ApiError, Code};
pub use state::AppState;
pub use throttle::AuthLimit;
pub use transport::Timeouts;

use crate::api::Access;

/// Bodies smaller than this are sent uncompressed: gzip would not make them smaller.
const GZIP_MIN_BYTES: u16 = 256;

/// Builds the router over `state` with the default limit on failed authentication.
pub fn router(state: AppState) -> Router {
    router_with(state, AuthLimit::default())
}

/// Builds the router over `state`: every endpoint of the route table with its role check
/// (and the limit on failed authentication), the metrics middleware, the body limit, the
/// JSON 404/405 fallbacks, gzip, and the edge (request id, span, security headers).
pub fn router_with(state: AppState, limit: AuthLimit) -> Router {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    use tower_http::compression::{CompressionLayer, CompressionLevel};

    let throttle = Arc::new(throttle::AuthThrottle::new(limit));
    let mut router = Router::new();
    for endpoint in routes::endpoints() {
        let handler = match endpoint.access {
            Access::Public => endpoint.handler,
            Access::Role(role) => endpoint.handler.route_layer(middleware::from_fn_with_state(
                (state.clone(), role, Arc::clone(&throttle)),
                authenticate,
            )),
        };
        if endpoint.path == "/" {
            // The web app's views have addresses of their own (deep links); each gets the page.
            for path in web::VIEW_PATHS {
                router = router.route(path, handler.clone());
            }
        }
        router = router.route(endpoint.path, handler);
    }
    // The fastest level: JSON is repetitive enough that level 1 gets most of the gain (a 29.7 KB
    // `Decision` in 5.8 KB against 4.6 KB at the default level 6), and level 6 served the
    // computed path at 2,400 requests/s against 4,300-4,600 (docs/benchmarks.md).
    let gzip = CompressionLayer::new()
        .gzip(true)
        .quality(CompressionLevel::Fastest)
        .compress_when(SizeAbove::new(GZIP_MIN_BYTES).and(NotForContentType::IMAGES));
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(gzip)
        .layer(middleware::from_fn(edge::observe))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(Code::RouteNotFound, "no such route; see /openapi.json")
}

/// Checks the bearer token and the role, and hands the [`Caller`] to the handler. A client
/// whose tokens were refused too often is answered 429 without its token being checked.
async fn authenticate(
    State((state, need, throttle)): State<(AppState, Role, Arc<throttle::AuthThrottle>)>,
    mut request: Request,
    next: Next,
) -> Response {
    // Every request served by `transport` has its peer address; one driven in-process (tests'
    // `oneshot`) has none and is not limited.
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(wait) = client.and_then(|ip| throttle.blocked(ip, Instant::now())) {
        return too_many_failures(wait);
    }
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
        if client.is_some_and(|ip| throttle.refused(ip, Instant::now())) {
            let limit = throttle.limit();
            tracing::warn!(
                client = %client.map_or_else(String::new, |ip| ip.to_string()),
                "{} refused tokens within {} s: answering 429 for {} s",
                limit.failures,
                limit.window.as_secs(),
                limit.window.as_secs()
            );
        }
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

/// 429 with `Retry-After` (seconds).
fn too_many_failures(wait: u64) -> Response {
    let mut response = ApiError::new(
        Code::TooManyAuthFailures,
        format!("too many refused API tokens from this address; retry in {wait} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
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
    /// Header-read and idle timeouts of connections.
    pub timeouts: Timeouts,
    /// The limit on refused tokens per client address.
    pub auth_limit: AuthLimit,
    /// Signed checkpoints of the audit log written periodically, if asked for.
    pub checkpoints: Option<Checkpoints>,
    /// How often to look for a new active list snapshot in the store (`None`: never).
    pub lists_poll: Option<std::time::Duration>,
}

/// Where and how often `serve` writes signed checkpoints of the audit log
/// (`docs/audit-trust.md`): copies of the log's Merkle head kept outside the database.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    /// The directory the checkpoint files go to (`checkpoint-<size>.json`).
    pub dir: PathBuf,
    /// How often; a checkpoint is written only when the log has grown since the last one.
    pub every: std::time::Duration,
    /// The installation's signing key (created on first use, mode 600).
    pub key: PathBuf,
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
    /// `CHIPGATE_LOG` or `RUST_LOG` is not a filter.
    #[error(transparent)]
    Log(#[from] edge::LogFilterError),
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
    timeouts: Timeouts,
    checkpoints: Option<(Checkpoints, chipgate_ledger::SigningKey)>,
    lists_poll: Option<std::time::Duration>,
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
                tracing::error!("restricted-party lists: {e}");
            }
        });
        if let Some((config, key)) = self.checkpoints {
            tokio::spawn(checkpoint_loop(self.state.clone(), config, key));
        }
        if let Some(every) = self.lists_poll {
            tokio::spawn(lists_loop(self.state.clone(), every));
        }
        transport::serve(self.listener, self.app, self.timeouts, shutdown()).await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Writes a signed checkpoint every `config.every` when the log has grown
/// ([`chipgate_ledger::CheckpointWriter`], shared with the worker); a failure is logged and
/// retried at the next tick (the server keeps serving).
async fn checkpoint_loop(state: AppState, config: Checkpoints, key: chipgate_ledger::SigningKey) {
    let writer = std::sync::Arc::new(std::sync::Mutex::new(chipgate_ledger::CheckpointWriter::new(
        key,
        Some(config.dir.clone()),
    )));
    let mut tick = tokio::time::interval(config.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let writer = std::sync::Arc::clone(&writer);
        let result = state
            .with_ledger(move |state, ledger| {
                let now = state.now()?;
                let mut writer = writer
                    .lock()
                    .map_err(|_| ApiError::internal("checkpoint", &"the checkpoint writer's lock is poisoned"))?;
                writer.write(ledger, now).map_err(ApiError::from)
            })
            .await;
        match result {
            Ok(Some(written)) => tracing::info!(
                "audit checkpoint of {} records written to {}",
                written.checkpoint.size,
                written.path.as_deref().unwrap_or(config.dir.as_path()).display()
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!("audit checkpoint not written: {e}"),
        }
    }
}

/// Looks at the store's active list snapshot and clearances every `every` and swaps them in
/// when they changed (`Engine::sync_store_lists`, `Engine::sync_clearances`: the new index is
/// built first, on the blocking pool); a failure is logged and retried at the next tick.
async fn lists_loop(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let result = state
            .with_ledger(|state, ledger| {
                let engine = state.engine();
                let lists = engine.sync_store_lists(ledger).map_err(ApiError::from)?;
                let clearances = engine.sync_clearances(ledger).map_err(ApiError::from)?;
                Ok((lists, clearances))
            })
            .await;
        match result {
            Ok((lists, clearances)) => {
                if let Some(id) = lists {
                    tracing::info!("restricted-party lists: now screening against snapshot {id}");
                }
                if clearances {
                    tracing::info!("review clearances re-read from the store");
                }
            }
            Err(e) => tracing::warn!("restricted-party lists or clearances not refreshed: {e}"),
        }
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
    // The store's active list snapshot, when it has one, replaces the bundled list.
    let (ledger, url_note, engine) = {
        let config = config.clone();
        tokio::task::spawn_blocking(
            move || -> Result<(Ledger, String, Engine), chipgate_engine::EngineError> {
                let (url, shown) = match &config.db {
                    Some(url) => (url.clone(), redact(url)),
                    None => {
                        std::fs::create_dir_all(&config.data_dir).map_err(chipgate_ledger::LedgerError::Io)?;
                        let url = Ledger::default_url(&config.data_dir);
                        (url.clone(), url)
                    }
                };
                let (mut ledger, created) = Ledger::open_or_create(&url)?;
                if created {
                    tracing::info!("created a new ledger: {shown}");
                }
                let engine = engine.with_store_lists(&mut ledger)?;
                Ok((ledger, shown, engine))
            },
        )
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
    tracing::info!(
        "chipgate {} listening on http://{addr} (ledger {url_note}, tokens {}; header-read timeout {} s, idle timeout {} s, {} refused tokens per {} s)",
        chipgate_engine::ENGINE_VERSION,
        config.data_dir.join(auth::TOKENS_FILE).display(),
        config.timeouts.header_read.as_secs_f64(),
        config.timeouts.idle.as_secs_f64(),
        config.auth_limit.failures,
        config.auth_limit.window.as_secs_f64(),
    );
    let checkpoints = match config.checkpoints {
        None => None,
        Some(c) => {
            let (key, created) = chipgate_ledger::load_or_create_key(&c.key)?;
            if created {
                tracing::info!("created the audit signing key {} (mode 600)", c.key.display());
            }
            tracing::info!(
                "audit checkpoints every {} s to {} (public key {})",
                c.every.as_secs_f64(),
                c.dir.display(),
                key.verifying_key()
                    .as_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            );
            Some((c, key))
        }
    };
    Ok(Bound {
        listener,
        app: router_with(state.clone(), config.auth_limit),
        addr,
        first_admin_token,
        state,
        timeouts: config.timeouts,
        checkpoints,
        lists_poll: config.lists_poll,
    })
}

/// Installs the log ([`edge::init_logging`]), binds, prints the first start's admin token
/// once (to standard error), and serves.
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    edge::init_logging()?;
    let bound = bind(config).await?;
    if let Some(token) = bound.first_admin_token() {
        tracing::info!(
            "first start: created the admin token (shown only now; its SHA-256 is in tokens.json):\n\n    {token}\n\nSend it as `Authorization: Bearer <token>`, or paste it into the web app at http://{}/",
            bound.local_addr()
        );
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
