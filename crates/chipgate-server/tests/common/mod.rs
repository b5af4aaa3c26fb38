//! Shared helpers: an app over the embedded data, an in-memory ledger, one token per role
//! and a pinned clock, driven with `oneshot` (no socket).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a failure is a test failure"
)]
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chipgate_engine::{Embedded, Engine};
use chipgate_ledger::{Ledger, Timestamp};
use chipgate_server::{AppState, Role, TokenStore};
use serde_json::Value;
use tower::ServiceExt;

/// 2025-08-12T09:00:00Z: after the H20 letter of 2025-04-09.
pub(crate) const NOW: &str = "2025-08-12T09:00:00Z";

pub(crate) struct TestApp {
    pub router: Router,
    pub viewer: String,
    pub officer: String,
    pub admin: String,
    pub state: AppState,
}

pub(crate) fn engine() -> Engine {
    Engine::load(&Embedded).unwrap()
}

pub(crate) fn app() -> TestApp {
    let mut tokens = TokenStore::in_memory();
    let viewer = tokens.create("vera", Role::Viewer, "test", NOW).unwrap().token;
    let officer = tokens.create("olga", Role::Officer, "test", NOW).unwrap().token;
    let admin = tokens.create("adam", Role::Admin, "test", NOW).unwrap().token;
    let now = Timestamp::parse(NOW).unwrap().unix();
    let state = AppState::with_clock(
        engine(),
        Ledger::open("sqlite::memory:").unwrap(),
        tokens,
        Arc::new(move || now),
    );
    TestApp {
        router: chipgate_server::router(state.clone()),
        viewer,
        officer,
        admin,
        state,
    }
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        content_type: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            body,
            text,
        }
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None, None).await
    }

    pub(crate) async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(
            Method::POST,
            path,
            Some(token),
            Some(serde_json::to_vec(&body).unwrap()),
            Some("application/json"),
        )
        .await
    }
}

/// Asserts the error contract (RFC 9457 problem details) and returns the body.
pub(crate) fn assert_error(reply: &Reply, status: u16, code: &str) -> Value {
    assert_eq!(reply.status.as_u16(), status, "status; body: {}", reply.text);
    assert_eq!(
        reply.content_type, "application/problem+json",
        "content type; body: {}",
        reply.text
    );
    assert_eq!(reply.body["code"], code, "code; body: {}", reply.text);
    assert_eq!(
        reply.body["type"],
        format!("/problems/{code}"),
        "type; body: {}",
        reply.text
    );
    assert_eq!(reply.body["status"], status, "status member; body: {}", reply.text);
    assert!(
        reply.body["title"].as_str().is_some_and(|m| !m.is_empty()),
        "title; body: {}",
        reply.text
    );
    assert!(
        reply.body["detail"].as_str().is_some_and(|m| !m.is_empty()),
        "detail; body: {}",
        reply.text
    );
    assert!(reply.body.get("field").is_some(), "field key; body: {}", reply.text);
    assert!(
        reply.body.get("link").is_none() && reply.body.get("message").is_none(),
        "old members; body: {}",
        reply.text
    );
    reply.body.clone()
}

/// A concrete path for a template: `{x}` segments become `x-test`.
pub(crate) fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x-test" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}
