//! Bad input never gets a 500: malformed JSON, wrong types, unknown and missing fields,
//! oversized bodies, wrong media types, bad query parameters and unknown references all get
//! a 4xx with the JSON error contract naming the field.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use axum::http::Method;
use chipgate_server::routes::endpoints;
use common::{app, assert_error, concrete};
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = app();
    for body in [&b"{\"item\": \"nvidia-h20\","[..], b"{item: 1}", b"", b"{} trailing"] {
        let reply = app
            .send(
                Method::POST,
                "/v1/classify",
                Some(&app.officer),
                Some(body.to_vec()),
                Some("application/json"),
            )
            .await;
        assert_error(&reply, 400, "malformed_json");
    }
}

#[tokio::test]
async fn a_wrong_type_is_422_naming_the_field() {
    let app = app();
    let reply = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": 5}),
        )
        .await;
    let body = assert_error(&reply, 422, "invalid_field");
    assert_eq!(body["field"], "destination");
    assert!(
        body["detail"].as_str().unwrap().contains("expected a string"),
        "{}",
        reply.text
    );

    let reply = app
        .post(
            "/v1/orders/check",
            &app.officer,
            json!({"order_ref": "A", "item": "nvidia-h20", "quantity": "ten", "destination": "CN"}),
        )
        .await;
    assert_eq!(assert_error(&reply, 422, "invalid_field")["field"], "quantity");

    let reply = app
        .post(
            "/v1/orders/check",
            &app.officer,
            json!({"order_ref": "A", "item": "nvidia-h20", "quantity": -1, "destination": "CN"}),
        )
        .await;
    assert_eq!(assert_error(&reply, 422, "invalid_field")["field"], "quantity");

    let reply = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"item": "nvidia-h20", "date": "2025-02-30"}),
        )
        .await;
    let body = assert_error(&reply, 422, "invalid_field");
    assert_eq!(body["field"], "date");

    let reply = app
        .post(
            "/v1/licenses",
            &app.admin,
            json!({
                "number": "D1", "holder": "H", "items": ["nvidia-h20"], "destinations": ["CN"], "quantity_cap": 10,
                "valid_from": "2025-01-01", "valid_to": "2026-01-01", "status": "granted",
                "conditions": [{"kind": "revenue_share", "percent": "fifteen"}],
            }),
        )
        .await;
    // (An internally tagged enum is buffered by serde, so the path ends at the element.)
    assert_eq!(assert_error(&reply, 422, "invalid_field")["field"], "conditions[0]");
}

#[tokio::test]
async fn an_unknown_field_is_422_naming_it() {
    let app = app();
    let reply = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": "CN", "destinaton": "CN"}),
        )
        .await;
    let body = assert_error(&reply, 422, "unknown_field");
    assert_eq!(body["field"], "destinaton");
    assert!(
        body["detail"].as_str().unwrap().contains("expected one of"),
        "{}",
        reply.text
    );

    let reply = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"spec": {"name": "X", "vendor": "V", "throughput": {"fp9": 1}}}),
        )
        .await;
    let body = assert_error(&reply, 422, "invalid_spec");
    assert!(
        body["field"].as_str().unwrap().starts_with("spec.throughput"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn a_missing_field_is_422_naming_it() {
    let app = app();
    let reply = app
        .post(
            "/v1/orders/check",
            &app.officer,
            json!({"order_ref": "A", "item": "nvidia-h20", "quantity": 1}),
        )
        .await;
    assert_eq!(assert_error(&reply, 422, "missing_field")["field"], "destination");
    let reply = app.post("/v1/classify", &app.officer, json!({})).await;
    assert_eq!(assert_error(&reply, 422, "missing_field")["field"], "item");
}

#[tokio::test]
async fn an_oversized_body_is_413_json() {
    let app = app();
    let padding = "x".repeat(70 * 1024);
    let body = serde_json::to_vec(&json!({"name": padding})).unwrap();
    let reply = app
        .send(
            Method::POST,
            "/v1/screen",
            Some(&app.officer),
            Some(body),
            Some("application/json"),
        )
        .await;
    let body = assert_error(&reply, 413, "payload_too_large");
    assert!(body["detail"].as_str().unwrap().contains("65536"));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = app();
    let body = br#"{"item":"nvidia-h20"}"#.to_vec();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let reply = app
            .send(
                Method::POST,
                "/v1/classify",
                Some(&app.officer),
                Some(body.clone()),
                content_type,
            )
            .await;
        assert_error(&reply, 415, "unsupported_media_type");
    }
    let reply = app
        .send(
            Method::POST,
            "/v1/classify",
            Some(&app.officer),
            Some(body),
            Some("application/json; charset=utf-8"),
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn references_that_do_not_exist_are_4xx_naming_the_field() {
    let app = app();
    let reply = app
        .post("/v1/classify", &app.officer, json!({"item": "nvidia-h2"}))
        .await;
    let body = assert_error(&reply, 422, "unknown_item");
    assert_eq!(body["field"], "item");
    assert!(
        body["detail"].as_str().unwrap().contains("did you mean"),
        "{}",
        reply.text
    );

    let reply = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": "Atlantis"}),
        )
        .await;
    assert_eq!(assert_error(&reply, 422, "unknown_country")["field"], "destination");

    let reply = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": "CN", "end_user_hq": "Narnia"}),
        )
        .await;
    assert_eq!(assert_error(&reply, 422, "unknown_country")["field"], "end_user_hq");

    let reply = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"item": "nvidia-h20", "date": "2020-01-01"}),
        )
        .await;
    assert_eq!(assert_error(&reply, 422, "date_out_of_scope")["field"], "date");

    let reply = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": "US"}),
        )
        .await;
    assert_error(&reply, 422, "contradiction");

    let reply = app
        .post("/v1/screen", &app.officer, json!({"name": "Huawei", "threshold": 2}))
        .await;
    assert_eq!(assert_error(&reply, 422, "invalid_field")["field"], "threshold");

    let reply = app.post("/v1/screen", &app.officer, json!({"name": "  "})).await;
    assert_eq!(assert_error(&reply, 422, "invalid_field")["field"], "name");

    assert_error(
        &app.get("/v1/chips/nvidia-h2", &app.viewer).await,
        404,
        "chip_not_found",
    );
    assert_error(
        &app.get("/v1/licenses/NOPE", &app.viewer).await,
        404,
        "license_not_found",
    );
    assert_error(&app.get("/v1/orders/NOPE", &app.viewer).await, 404, "order_not_found");
    let release = app
        .post("/v1/orders/NOPE/release", &app.officer, json!({"reason": "r"}))
        .await;
    assert_error(&release, 404, "order_not_found");
}

#[tokio::test]
async fn query_parameters_are_checked_by_name() {
    let app = app();
    let reply = app.get("/v1/chips?date=yesterday", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "date");
    let reply = app.get("/v1/chips?dat=2025-01-01", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "dat");
    let reply = app.get("/v1/audit?limit=many", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "limit");
    let reply = app.get("/v1/audit?limit=5000", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "limit");
    let reply = app.get("/v1/orders?status=lost", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "status");
    let reply = app.get("/v1/holds?status=maybe", &app.viewer).await;
    let body = assert_error(&reply, 400, "invalid_query");
    assert_eq!(body["field"], "status");
    assert!(
        body["detail"].as_str().unwrap().contains("`open`, `released`, `all`"),
        "{}",
        reply.text
    );
    let reply = app.get("/v1/holds?kind=screening_hit,lost", &app.viewer).await;
    let body = assert_error(&reply, 400, "invalid_query");
    assert_eq!(body["field"], "kind");
    assert!(body["detail"].as_str().unwrap().contains("`lost`"), "{}", reply.text);
    let reply = app.get("/v1/holds?sort=random", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "sort");
    let reply = app.get("/v1/orders?limit=2&limit=3", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "limit");
    let reply = app.get("/v1/licenses?status=lost", &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "status");
    // Every list: `limit` out of range and a bad `cursor` are 400 naming the parameter.
    for list in [
        "/v1/orders",
        "/v1/holds",
        "/v1/licenses",
        "/v1/audit",
        "/v1/routes",
        "/v1/tokens",
    ] {
        for limit in ["0", "1001", "-1", "ten"] {
            let reply = app.get(&format!("{list}?limit={limit}"), &app.admin).await;
            let body = assert_error(&reply, 400, "invalid_query");
            assert_eq!(body["field"], "limit", "{list}: {}", reply.text);
            assert!(
                body["detail"].as_str().unwrap().contains(limit),
                "{list}: {}",
                reply.text
            );
        }
        for cursor in ["nothex", "abc", "6f72646572737c31", "ffff"] {
            let reply = app.get(&format!("{list}?cursor={cursor}"), &app.admin).await;
            // "6f72646572737c31" is `orders|1`: a cursor of the order list, refused elsewhere.
            if list == "/v1/orders" && cursor == "6f72646572737c31" {
                assert_eq!(reply.status, 200, "{}", reply.text);
                continue;
            }
            let body = assert_error(&reply, 400, "invalid_query");
            assert_eq!(body["field"], "cursor", "{list} {cursor}: {}", reply.text);
        }
        let reply = app.get(&format!("{list}?limit=1000"), &app.admin).await;
        assert_eq!(reply.status, 200, "{list}: {}", reply.text);
        assert!(
            reply.body["items"].is_array() && reply.body.get("next").is_some(),
            "{list}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn every_problem_type_is_served_and_describes_its_code() {
    let app = app();
    for code in chipgate_server::Code::ALL {
        let path = format!("/problems/{}", code.as_str());
        let reply = app.send(Method::GET, &path, None, None, None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.content_type, "text/plain; charset=utf-8");
        assert!(reply.text.starts_with(code.title()), "{}", reply.text);
        assert!(reply.text.contains(code.description()), "{}", reply.text);
        assert!(
            reply.text.contains(&code.status().as_u16().to_string()),
            "{}",
            reply.text
        );
    }
    let reply = app.send(Method::GET, "/problems/no_such_code", None, None, None).await;
    assert_error(&reply, 404, "problem_not_found");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = app();
    assert_error(
        &app.send(Method::GET, "/v1/nothing", None, None, None).await,
        404,
        "route_not_found",
    );
    let reply = app
        .send(Method::PUT, "/v1/decide", Some(&app.officer), None, None)
        .await;
    assert_error(&reply, 405, "method_not_allowed");
}

/// Every body-taking route, fed junk of every shape, answers 4xx with the error contract.
#[tokio::test]
async fn no_junk_body_gets_a_500_on_any_route() {
    let app = app();
    let junk: [&[u8]; 9] = [
        b"[]",
        b"\"x\"",
        b"null",
        b"1",
        b"{}",
        b"{\"zzz\":1}",
        b"{\"name\":[1]}",
        b"{\"reason\":{}}",
        b"\xff\xfe",
    ];
    let mut checked = 0;
    for e in endpoints() {
        if e.body.is_none() {
            continue;
        }
        let path = concrete(e.path);
        for body in junk {
            let reply = app
                .send(
                    e.method.clone(),
                    &path,
                    Some(&app.admin),
                    Some(body.to_vec()),
                    Some("application/json"),
                )
                .await;
            let status = reply.status.as_u16();
            assert!(
                (400..500).contains(&status),
                "{} {path} with {:?}: {}",
                e.method,
                String::from_utf8_lossy(body),
                reply.text
            );
            assert_eq!(reply.content_type, "application/problem+json", "{path}");
            assert!(reply.body["code"].is_string(), "{path}: {}", reply.text);
            checked += 1;
        }
    }
    assert!(checked > 100);
}
