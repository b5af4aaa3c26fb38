//! The web app's addresses: every view's deep link answers the page; the API's routes and its
//! JSON 404 for unknown `/v1/` paths are unchanged.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use axum::http::{Method, StatusCode};
use common::app;

#[tokio::test]
async fn every_view_address_answers_the_page() {
    let app = app();
    for path in [
        "/chips",
        "/chips/nvidia-h20",
        "/classify?item=nvidia-h20",
        "/determination?item=nvidia-h20&destination=CN&date=2025-08-12",
        "/check",
        "/holds?status=all&kind=screening_hit&sort=newest",
        "/holds/12",
        "/orders",
        "/orders/SO-1%2F2",
        "/screen",
        "/licenses",
        "/audit",
        "/tokens",
    ] {
        let page = app.send(Method::GET, path, None, None, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.content_type.starts_with("text/html"),
            "{path}: {}",
            page.content_type
        );
        assert!(page.text.contains("<script src=\"/app.js\""), "{path}");
    }
}

#[tokio::test]
async fn the_api_and_its_404_are_unaffected() {
    let app = app();
    for path in [
        "/v1/holds/12",
        "/v1/chips/nvidia-h20/nothing",
        "/v1/nothing",
        "/holds/12/more",
        "/nothing",
    ] {
        let reply = app.send(Method::GET, path, Some(&app.admin), None, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.content_type.contains("json"), "{path}: {}", reply.content_type);
    }
    let chip = app.get("/v1/chips/nvidia-h20", &app.admin).await;
    assert_eq!(chip.status, StatusCode::OK);
    assert_eq!(chip.body["id"], "nvidia-h20");
    let health = app.send(Method::GET, "/healthz", None, None, None).await;
    assert_eq!(health.body["status"], "ok");
}
