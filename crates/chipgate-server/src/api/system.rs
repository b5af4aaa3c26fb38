//! Health, metrics, the OpenAPI document and the web app's files.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, Code};
use crate::extract::{ok, ApiJson};
use crate::state::AppState;

/// The answer of `/healthz`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Health {
    /// Always `ok`: the process serves requests.
    status: &'static str,
    /// The engine's version.
    engine_version: &'static str,
}

pub(crate) async fn healthz() -> ApiJson<Health> {
    ok(Health {
        status: "ok",
        engine_version: chipgate_engine::ENGINE_VERSION,
    })
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = state.metrics().render();
    let (hits, misses) = state.cache().counts();
    body.push_str(
        "# HELP chipgate_report_cache_total Determinations answered from the report cache (hit) or computed (miss).\n",
    );
    body.push_str("# TYPE chipgate_report_cache_total counter\n");
    body.push_str(&format!("chipgate_report_cache_total{{result=\"hit\"}} {hits}\n"));
    body.push_str(&format!("chipgate_report_cache_total{{result=\"miss\"}} {misses}\n"));
    text("text/plain; version=0.0.4", body)
}

/// The OpenAPI document (`bytes`, JSON) as a response.
pub(crate) fn json_document(bytes: &'static [u8]) -> Response {
    let mut response = bytes.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn text(media: &'static str, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

fn page(media: &'static str, body: &'static str) -> Response {
    let mut response = text(media, body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub(crate) async fn index() -> Response {
    page("text/html; charset=utf-8", crate::web::INDEX_HTML)
}

pub(crate) async fn script() -> Response {
    page("text/javascript; charset=utf-8", crate::web::APP_JS)
}

pub(crate) async fn style() -> Response {
    page("text/css; charset=utf-8", crate::web::APP_CSS)
}

/// `GET /problems/{code}`: what an error code means, for a person following the `type` of
/// a problem document.
pub(crate) async fn problem(super::Segment(name): super::Segment) -> Result<Response, ApiError> {
    let code = Code::from_name(&name).ok_or_else(|| {
        ApiError::new(
            Code::ProblemNotFound,
            format!("no problem type `{name}`; the codes are listed in /openapi.json (`Problem.code`)"),
        )
    })?;
    let status = code.status();
    let body = format!(
        "{title}\n\ncode: {name}\nstatus: {number} {reason}\n\n{description}\n\nThe error body (application/problem+json) says what went wrong in `detail`, and names the request field at fault in `field` when there is one.\n",
        title = code.title(),
        name = code.as_str(),
        number = status.as_u16(),
        reason = status.canonical_reason().unwrap_or(""),
        description = code.description(),
    );
    Ok(text("text/plain; charset=utf-8", body))
}
