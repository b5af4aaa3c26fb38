//! What every response carries: `Cache-Control: no-store` on the API, the security headers,
//! gzip when accepted, and the request id.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failure is a test failure"
)]

mod common;

use std::io::Read;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use tower::ServiceExt;

async fn send(app: &common::TestApp, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

fn request(method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let get = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        get(header::X_CONTENT_TYPE_OPTIONS).as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(get(header::REFERRER_POLICY).as_deref(), Some("no-referrer"), "{what}");
    assert_eq!(get(header::X_FRAME_OPTIONS).as_deref(), Some("DENY"), "{what}");
    let csp = get(header::CONTENT_SECURITY_POLICY).unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: CSP {csp}");
}

fn assert_no_store(headers: &HeaderMap, what: &str) {
    assert_eq!(
        headers.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "{what}"
    );
}

#[tokio::test]
async fn api_answers_success_error_and_new_token_are_not_stored_and_carry_security_headers() {
    let app = common::app();
    let cases = [
        (
            "success",
            request(Method::GET, "/v1/whoami", Some(&app.viewer), None),
            200,
        ),
        ("401", request(Method::GET, "/v1/whoami", None, None), 401),
        ("403", request(Method::GET, "/v1/tokens", Some(&app.viewer), None), 403),
        (
            "404",
            request(Method::GET, "/v1/no-such-route", Some(&app.viewer), None),
            404,
        ),
        (
            "405",
            request(Method::DELETE, "/v1/whoami", Some(&app.viewer), None),
            405,
        ),
        (
            "422",
            request(Method::POST, "/v1/decide", Some(&app.officer), Some(r#"{"item": 5}"#)),
            422,
        ),
        (
            "new token",
            request(
                Method::POST,
                "/v1/tokens",
                Some(&app.admin),
                Some(r#"{"name": "nora", "role": "viewer"}"#),
            ),
            201,
        ),
    ];
    for (what, request, status) in cases {
        let (got, headers, body) = send(&app, request).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(got.as_u16(), status, "{what}: {text}");
        assert_no_store(&headers, what);
        assert_security_headers(&headers, what);
        if what == "new token" {
            assert!(text.contains("\"token\":\"cg_"), "{text}");
        }
    }
}

#[tokio::test]
async fn the_web_app_keeps_its_policy_and_every_response_has_the_security_headers() {
    let app = common::app();
    for path in [
        "/",
        "/app.js",
        "/app.css",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/no-such-page",
    ] {
        let (_, headers, _) = send(&app, request(Method::GET, path, None, None)).await;
        assert_security_headers(&headers, path);
    }
    let (_, headers, _) = send(&app, request(Method::GET, "/", None, None)).await;
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_ne!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let (_, headers, _) = send(&app, request(Method::GET, "/healthz", None, None)).await;
    assert_eq!(
        headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn responses_are_gzipped_when_the_client_accepts_it_and_not_when_tiny() {
    let app = common::app();
    let plain = send(&app, request(Method::GET, "/v1/chips", Some(&app.viewer), None)).await;
    assert_eq!(plain.0, StatusCode::OK);
    assert!(plain.1.get(header::CONTENT_ENCODING).is_none());

    let mut gzip = request(Method::GET, "/v1/chips", Some(&app.viewer), None);
    gzip.headers_mut()
        .insert(header::ACCEPT_ENCODING, "br;q=1.0, gzip;q=0.8".parse().unwrap());
    let (status, headers, body) = send(&app, gzip).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert!(headers.get_all(header::VARY).iter().any(|v| v
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("accept-encoding")));
    assert_no_store(&headers, "gzipped");
    assert!(
        body.len() * 3 < plain.2.len(),
        "{} of {} bytes",
        body.len(),
        plain.2.len()
    );
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, plain.2);

    let mut tiny = request(Method::GET, "/healthz", None, None);
    tiny.headers_mut()
        .insert(header::ACCEPT_ENCODING, "gzip".parse().unwrap());
    let (_, headers, _) = send(&app, tiny).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_and_others_are_replaced_by_a_generated_one() {
    let app = common::app();
    let id = |headers: &HeaderMap| headers.get("x-request-id").unwrap().to_str().unwrap().to_owned();

    let mut given = request(Method::GET, "/v1/whoami", Some(&app.viewer), None);
    given
        .headers_mut()
        .insert("x-request-id", "client-42.a:b_c".parse().unwrap());
    let (_, headers, _) = send(&app, given).await;
    assert_eq!(id(&headers), "client-42.a:b_c");

    let mut forged = request(Method::GET, "/v1/whoami", None, None);
    forged
        .headers_mut()
        .insert("x-request-id", "bad id\tinjected".parse().unwrap());
    let (status, headers, _) = send(&app, forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let generated = id(&headers);
    assert_eq!(generated.len(), 16);
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));

    let (_, headers, _) = send(&app, request(Method::GET, "/healthz", None, None)).await;
    assert_ne!(id(&headers), generated);
}
