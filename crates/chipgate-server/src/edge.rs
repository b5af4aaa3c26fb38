//! What every request and response passes through at the edge: the request id, the request's
//! span and log line, and the security and cache headers.
//!
//! The log is `tracing`, written to standard error by `tracing-subscriber` and filtered by
//! `CHIPGATE_LOG` (else `RUST_LOG`, else `info`) with `target=level` directives, e.g.
//! `CHIPGATE_LOG=warn,chipgate_server=info`. Each request runs in a span `request` with its
//! id, method and route template, so anything logged while handling it (an internal error)
//! carries them; when it is answered the span records the status and the latency and one line
//! goes to the target [`ACCESS`]: at `warn` for a 5xx, else at `debug` (off by default: at
//! load that is 10,000 lines a second, about 100 bytes each; requests are counted in
//! `/metrics`).

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// `X-Request-Id`: taken from the request when sane, else generated; echoed in the response.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The policy of responses that set none (the API's JSON): nothing may load, nothing may frame.
/// The web app's pages set their own (`default-src 'self'`, see `api/system.rs`).
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The target of the per-request lines (the access log): `debug`, so off at the default
/// `info` (`CHIPGATE_LOG=info,chipgate_server::access=debug` turns it on); a 5xx is logged at
/// `warn`.
pub const ACCESS: &str = "chipgate_server::access";

/// The environment variables that set the log filter, in order of precedence.
pub const LOG_VARIABLES: [&str; 2] = ["CHIPGATE_LOG", "RUST_LOG"];

/// Why the log could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("`{variable}` is not a log filter ({message}); hint: e.g. `info` or `warn,chipgate_server=debug`")]
pub struct LogFilterError {
    /// The variable that holds the filter.
    pub variable: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Installs the log (standard error, filtered by `CHIPGATE_LOG`/`RUST_LOG`) as the process's
/// subscriber. Does nothing when one is already installed (tests, or a second server).
pub fn init_logging() -> Result<(), LogFilterError> {
    use tracing_subscriber::layer::SubscriberExt;

    let (variable, directives) = LOG_VARIABLES
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()).map(|s| (*v, s)))
        .unwrap_or(("CHIPGATE_LOG", "info".to_owned()));
    let filter = tracing_subscriber::filter::Targets::from_str(directives.trim()).map_err(|e| LogFilterError {
        variable,
        message: e.to_string(),
    })?;
    let subscriber = tracing_subscriber::fmt()
        // The builder's own default is `info`: leave all filtering to `filter`.
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .finish()
        .with(filter);
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// An incoming request id is kept when it is 1 to 64 of `A-Z a-z 0-9 - _ . :`; anything else
/// (empty, long, spaces, control characters) is replaced, so the log cannot be forged.
fn sane(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    let ok = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then_some(text)
}

/// A new request id: 16 hex digits, unique within the process (a bijective mix of a counter
/// and a random start), not guessable from the previous one without the start.
fn generate() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // Without randomness ids are still unique (the counter), only predictable.
        let _ = getrandom::fill(&mut bytes);
        u64::from_le_bytes(bytes)
    });
    // splitmix64's finalizer: a bijection of u64, so distinct counters give distinct ids.
    let mut z = NEXT.fetch_add(1, Ordering::Relaxed).wrapping_add(seed);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("{z:016x}")
}

/// The outermost middleware: request id, span, log line, and the headers of every response.
pub(crate) async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(sane)
        .map_or_else(generate, str::to_owned);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let api = request.uri().path().starts_with("/v1/");
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        route = %route,
        status = tracing::field::Empty,
        ms = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    let elapsed = started.elapsed();
    span.record("status", status.as_u16());
    span.record("ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(target: ACCESS, "answered");
        } else {
            tracing::debug!(target: ACCESS, "answered");
        }
    });

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(X_REQUEST_ID.clone(), value);
    }
    if api {
        // API answers (tokens, determinations, errors) are never stored by a cache or browser.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(API_CSP));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_kept_when_sane_and_generated_unique() {
        assert_eq!(sane(&HeaderValue::from_static("abc-123_x.y:z")), Some("abc-123_x.y:z"));
        assert_eq!(sane(&HeaderValue::from_static("has space")), None);
        assert_eq!(sane(&HeaderValue::from_static("")), None);
        let long = "a".repeat(65);
        assert_eq!(sane(&HeaderValue::from_str(&long).unwrap()), None);
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
    }
}
