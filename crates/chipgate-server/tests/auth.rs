//! Authentication and roles: 401 without or with an unknown token, 403 for a role that may
//! not, for every route of the table; tokens created and revoked through the API.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use axum::http::Method;
use chipgate_server::api::Access;
use chipgate_server::routes::endpoints;
use chipgate_server::Role;
use common::{app, assert_error, concrete};
use serde_json::json;

#[tokio::test]
async fn every_protected_route_answers_401_without_a_token_and_with_an_unknown_one() {
    let app = app();
    let mut protected = 0;
    for e in endpoints() {
        let Access::Role(_) = e.access else { continue };
        protected += 1;
        let path = concrete(e.path);
        let none = app.send(e.method.clone(), &path, None, None, None).await;
        let body = assert_error(&none, 401, "missing_token");
        assert!(body["detail"].as_str().unwrap().contains("Authorization: Bearer"));
        let wrong = app
            .send(e.method.clone(), &path, Some("cg_not_a_token"), None, None)
            .await;
        assert_error(&wrong, 401, "invalid_token");
    }
    assert!(protected >= 25, "only {protected} protected routes");
}

#[tokio::test]
async fn every_route_answers_403_to_a_role_below_its_own_and_lets_the_others_in() {
    let app = app();
    let tokens = [
        (Role::Viewer, &app.viewer),
        (Role::Officer, &app.officer),
        (Role::Admin, &app.admin),
    ];
    for e in endpoints() {
        let Access::Role(need) = e.access else { continue };
        let path = concrete(e.path);
        for (role, token) in tokens {
            let reply = app.send(e.method.clone(), &path, Some(token), None, None).await;
            if role < need {
                let body = assert_error(&reply, 403, "forbidden");
                assert!(
                    body["detail"].as_str().unwrap().contains(need.as_str()),
                    "{}",
                    reply.text
                );
            } else {
                // Past authentication: whatever the handler says about the (missing) input.
                assert!(
                    ![401, 403].contains(&reply.status.as_u16()),
                    "{} {} as {role:?}: {}",
                    e.method,
                    e.path,
                    reply.text
                );
            }
        }
    }
}

#[tokio::test]
async fn the_roles_of_the_issue() {
    let app = app();
    // viewer: reads.
    assert_eq!(app.get("/v1/chips", &app.viewer).await.status, 200);
    assert_eq!(app.get("/v1/licenses", &app.viewer).await.status, 200);
    assert_eq!(app.get("/v1/audit", &app.viewer).await.status, 200);
    let decide = json!({"item": "nvidia-h20", "destination": "CN", "date": "2025-08-12"});
    assert_error(
        &app.post("/v1/decide", &app.viewer, decide.clone()).await,
        403,
        "forbidden",
    );
    // officer: determinations, screening, orders, releases; not licenses, routes, tokens.
    assert_eq!(app.post("/v1/decide", &app.officer, decide).await.status, 200);
    assert_eq!(
        app.post("/v1/screen", &app.officer, json!({"name": "Huawei"}))
            .await
            .status,
        200
    );
    let route = json!({"item": "nvidia-h20", "destination": "CN", "reason": "r"});
    assert_error(
        &app.post("/v1/routes/suspend", &app.officer, route.clone()).await,
        403,
        "forbidden",
    );
    assert_error(
        &app.post("/v1/tokens", &app.officer, json!({"name": "x", "role": "viewer"}))
            .await,
        403,
        "forbidden",
    );
    // admin: all of it.
    assert_eq!(app.post("/v1/routes/suspend", &app.admin, route).await.status, 200);
}

#[tokio::test]
async fn public_routes_need_no_token() {
    let app = app();
    for path in ["/healthz", "/metrics", "/openapi.json", "/", "/app.js", "/app.css"] {
        let reply = app.send(Method::GET, path, None, None, None).await;
        assert_eq!(reply.status, 200, "{path}");
    }
}

#[tokio::test]
async fn an_admin_creates_a_token_that_works_once_shown_and_revokes_it() {
    let app = app();
    let created = app
        .post("/v1/tokens", &app.admin, json!({"name": "carol", "role": "officer"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("cg_") && token.len() == 67);
    let who = app.get("/v1/whoami", &token).await;
    assert_eq!(who.body, json!({"name": "carol", "role": "officer"}));
    let listed = app.get("/v1/tokens", &app.admin).await;
    assert!(!listed.text.contains(&token), "the secret is never listed");
    assert!(listed.text.contains("carol"));
    // Duplicate and bad names.
    assert_error(
        &app.post("/v1/tokens", &app.admin, json!({"name": "carol", "role": "viewer"}))
            .await,
        409,
        "conflict",
    );
    let bad = assert_error(
        &app.post(
            "/v1/tokens",
            &app.admin,
            json!({"name": "Carol Smith", "role": "viewer"}),
        )
        .await,
        422,
        "invalid_field",
    );
    assert_eq!(bad["field"], "name");
    let bad_role = assert_error(
        &app.post("/v1/tokens", &app.admin, json!({"name": "dan", "role": "root"}))
            .await,
        422,
        "invalid_field",
    );
    assert_eq!(bad_role["field"], "role");
    // Revoked: 401 from then on. Both changes are in the audit trail, attributed to the admin.
    let revoked = app
        .send(Method::DELETE, "/v1/tokens/carol", Some(&app.admin), None, None)
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_error(&app.get("/v1/whoami", &token).await, 401, "invalid_token");
    assert_error(
        &app.send(Method::DELETE, "/v1/tokens/carol", Some(&app.admin), None, None)
            .await,
        404,
        "token_not_found",
    );
    let audit = app.get("/v1/audit", &app.viewer).await;
    let kinds: Vec<(&str, &str)> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["user"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("token.create", "adam"), ("token.revoke", "adam")]);
}
