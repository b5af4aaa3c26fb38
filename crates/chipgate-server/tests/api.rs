//! Happy paths: the API's bodies are the engine's report types, the same JSON as the CLI's
//! `--format json`; an order check, release and re-check round trip through the ledger,
//! attributed to the token's name in the audit trail.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use chipgate_engine::{Date, NoLists, Request};
use common::{app, assert_error, engine};
use serde_json::{json, Value};

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

#[tokio::test]
async fn classify_is_the_engines_classification() {
    let app = app();
    let reply = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"item": "nvidia-h20", "date": "2025-04-20"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let engine = engine();
    let record = engine.classifier().catalog().get("nvidia-h20").unwrap();
    let expected = serde_json::to_value(engine.classify(record, date("2025-04-20")).unwrap()).unwrap();
    assert_eq!(reply.body, expected);
    assert_eq!(reply.body["outcome"], "not_controlled");
    assert_eq!(reply.body["metrics"]["tpp"], 2368.0);
}

#[tokio::test]
async fn classify_defaults_to_today_from_the_clock() {
    let app = app();
    let reply = app
        .post("/v1/classify", &app.officer, json!({"item": "nvidia-a800-sxm4"}))
        .await;
    assert_eq!(reply.body["date"], "2025-08-12");
    assert_eq!(reply.body["eccn"], json!(["3A090.a"]));
}

#[tokio::test]
async fn classify_takes_a_spec_as_toml_text_or_as_json() {
    let app = app();
    let toml = "name = \"Test\"\nvendor = \"V\"\ndatacenter = true\n[throughput]\nfp8 = 300\n[[dies]]\narea_mm2 = 800\nnon_planar = true\ncount = 1\n";
    let from_text = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"spec": toml, "date": "2025-04-20"}),
        )
        .await;
    assert_eq!(from_text.status, 200, "{}", from_text.text);
    let from_json = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"date": "2025-04-20", "spec": {
                "name": "Test", "vendor": "V", "datacenter": true, "throughput": {"fp8": 300},
                "dies": [{"area_mm2": 800, "non_planar": true, "count": 1}],
            }}),
        )
        .await;
    assert_eq!(from_json.body, from_text.body);
    assert_eq!(from_json.body["metrics"]["tpp"], 2400.0);
    assert_eq!(from_json.body["eccn"], json!(["3A090.b"]));
    let both = app
        .post(
            "/v1/classify",
            &app.officer,
            json!({"item": "nvidia-h20", "spec": toml}),
        )
        .await;
    assert_error(&both, 422, "invalid_field");
}

#[tokio::test]
async fn decide_is_the_engines_decision() {
    let app = app();
    let reply = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": "CN", "date": "2025-04-20"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let engine = engine();
    let record = engine.classifier().catalog().get("nvidia-h20").unwrap();
    let request = Request {
        destination: "CN".into(),
        ..Request::default()
    };
    let expected = engine
        .decider()
        .decide(record, &request, date("2025-04-20"), &NoLists)
        .unwrap();
    assert_eq!(reply.body, serde_json::to_value(expected).unwrap());
    assert_eq!(reply.body["outcome"], "license_required");
}

#[tokio::test]
async fn decide_with_parties_looks_them_up_in_the_lists() {
    let app = app();
    let body = json!({"item": "nvidia-h20", "destination": "CN", "end_user": "Huawei Technologies Co., Ltd.", "date": "2024-06-01"});
    let reply = app.post("/v1/decide", &app.officer, body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let engine = engine();
    let record = engine.classifier().catalog().get("nvidia-h20").unwrap();
    let request = Request {
        destination: "CN".into(),
        end_user: Some("Huawei Technologies Co., Ltd.".into()),
        ..Request::default()
    };
    let expected = engine.decide(record, &request, date("2024-06-01")).unwrap();
    assert_eq!(reply.body, serde_json::to_value(expected).unwrap());
    assert!(!reply.body["listed_parties"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn screen_is_the_engines_report() {
    let app = app();
    let reply = app
        .post(
            "/v1/screen",
            &app.officer,
            json!({"name": "Huawei Technologies", "country": "CN"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let expected = engine().screen("Huawei Technologies", Some("CN"), None).unwrap();
    assert_eq!(reply.body, serde_json::to_value(expected).unwrap());
    assert!(!reply.body["hits"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_catalog_comes_with_metrics_and_the_rules_with_thresholds() {
    let app = app();
    let chips = app.get("/v1/chips?date=2025-04-20", &app.viewer).await;
    let list = chips.body.as_array().unwrap();
    assert_eq!(list.len(), engine().classifier().catalog().len());
    let h20 = list.iter().find(|c| c["id"] == "nvidia-h20").unwrap();
    assert_eq!(h20["tpp"], 2368.0);
    assert_eq!(h20["outcome"], "not_controlled");

    let record = app.get("/v1/chips/nvidia-h20", &app.viewer).await;
    assert_eq!(record.body["name"], "NVIDIA H20 HGX (SXM)");
    let timeline = app.get("/v1/chips/nvidia-a800-sxm4/timeline", &app.viewer).await;
    assert_eq!(timeline.body["entries"].as_array().unwrap().len(), 3);

    let rules = app.get("/v1/rules", &app.viewer).await;
    let versions = rules.body.as_array().unwrap();
    assert_eq!(versions[0]["until"], "2023-11-16");
    let a2 = versions[1]["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "3A090.a.2")
        .unwrap();
    assert_eq!(
        a2["constraints"],
        json!([{"fact": "tpp", "op": ">=", "value": 1600.0}, {"fact": "performance_density", "op": ">=", "value": 5.92}])
    );
    assert_eq!(a2["conjunctive"], true);
    let a1_2022 = &versions[0]["paragraphs"][0];
    assert_eq!(
        a1_2022["constraints"][0],
        json!({"fact": "interconnect_gbs", "op": ">=", "value": 600.0})
    );
}

fn kinds_and_users(audit: &Value) -> Vec<(String, String)> {
    audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["user"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_order_is_held_released_licensed_and_shipped_with_every_step_attributed() {
    let app = app();
    let order = json!({"order_ref": "SO-1", "item": "nvidia-h20", "quantity": 40, "destination": "CN", "date": "2025-08-12", "unit_value_usd": 12000});
    let held = app.post("/v1/orders/check", &app.officer, order.clone()).await;
    assert_eq!(held.status, 200, "{}", held.text);
    assert_eq!(held.body["result"]["disposition"]["status"], "held");
    assert_eq!(
        held.body["result"]["disposition"]["reasons"],
        json!([{"kind": "no_covering_license"}])
    );
    assert_eq!(held.body["decision"]["outcome"], "license_required");

    // Idempotent: the same order again is a replay.
    let replay = app.post("/v1/orders/check", &app.officer, order.clone()).await;
    assert_eq!(replay.body["result"]["replayed"], true);

    let holds = app.get("/v1/holds", &app.viewer).await;
    assert_eq!(holds.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(holds.body["next"], Value::Null);
    assert_eq!(holds.body["counts"]["no_covering_license"], 1);

    let license = json!({
        "number": "D100", "holder": "NVIDIA", "items": ["nvidia-h20"], "destinations": ["CN"], "quantity_cap": 100,
        "valid_from": "2025-08-01", "valid_to": "2026-07-31", "status": "granted",
        "conditions": [{"kind": "revenue_share", "percent": 15.0}],
    });
    let added = app.post("/v1/licenses", &app.admin, license).await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_error(
        &app.post("/v1/licenses", &app.admin, added.body.clone()).await,
        422,
        "unknown_field",
    );

    let released = app
        .post(
            "/v1/orders/SO-1/release",
            &app.officer,
            json!({"reason": "license D100 granted"}),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.text);
    assert_eq!(released.body["released_by"], "olga");
    assert_error(
        &app.post("/v1/orders/SO-1/release", &app.officer, json!({"reason": "again"}))
            .await,
        409,
        "conflict",
    );

    let shipped = app.post("/v1/orders/check", &app.officer, order).await;
    let authorization = &shipped.body["result"]["disposition"]["authorization"];
    assert_eq!(authorization["kind"], "license", "{}", shipped.text);
    assert_eq!(authorization["number"], "D100");
    assert_eq!(authorization["quantity_remaining"], 60);
    assert_eq!(authorization["revenue_share_due_cents"], 7_200_000);

    let licenses = app.get("/v1/licenses?date=2025-08-12", &app.viewer).await;
    assert_eq!(licenses.body["items"][0]["quantity_remaining"], 60);
    let orders = app.get("/v1/orders?status=shipped", &app.viewer).await;
    assert_eq!(orders.body["items"].as_array().unwrap().len(), 1);
    let one = app.get("/v1/orders/SO-1", &app.viewer).await;
    assert_eq!(one.body["checked_by"], "olga");

    let audit = app.get("/v1/audit", &app.viewer).await;
    assert_eq!(
        kinds_and_users(&audit.body["items"]),
        [
            ("order.held".to_owned(), "olga".to_owned()),
            ("license.add".to_owned(), "adam".to_owned()),
            ("hold.release".to_owned(), "olga".to_owned()),
            ("order.shipped".to_owned(), "olga".to_owned()),
        ]
    );
    let verify = app.get("/v1/audit/verify", &app.viewer).await;
    assert_eq!(verify.body["ok"], true);
    assert_eq!(verify.body["records"], 4);
    let page = app.get("/v1/audit?from=2&limit=2", &app.viewer).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["items"][0]["seq"], 2);
    let rest = app
        .get(
            &format!(
                "/v1/audit?from=2&limit=2&cursor={}",
                page.body["next"].as_str().unwrap()
            ),
            &app.viewer,
        )
        .await;
    assert_eq!(rest.body["items"][0]["seq"], 4, "{}", rest.text);
    assert_eq!(rest.body["next"], Value::Null, "{}", rest.text);
}

#[tokio::test]
async fn license_and_route_changes_are_recorded_under_the_admins_name() {
    let app = app();
    let license = json!({
        "number": "D200", "holder": "NVIDIA", "items": ["3A090"], "destinations": ["AE"], "quantity_cap": 10,
        "valid_from": "2025-01-01", "valid_to": "2026-12-31", "status": "applied",
    });
    assert_eq!(app.post("/v1/licenses", &app.admin, license).await.status, 201);
    let granted = app
        .post("/v1/licenses/D200/grant", &app.admin, json!({"reason": "BIS approval"}))
        .await;
    assert_eq!(granted.body["status"], "granted", "{}", granted.text);
    assert_error(
        &app.post("/v1/licenses/D200/grant", &app.admin, json!({"reason": "twice"}))
            .await,
        409,
        "conflict",
    );
    assert_eq!(
        app.post("/v1/licenses/D200/suspend", &app.admin, json!({"reason": "review"}))
            .await
            .body["status"],
        "suspended"
    );
    assert_eq!(
        app.post("/v1/licenses/D200/resume", &app.admin, json!({"reason": "cleared"}))
            .await
            .body["status"],
        "granted"
    );
    assert_eq!(
        app.post("/v1/licenses/D200/revoke", &app.admin, json!({"reason": "ended"}))
            .await
            .body["status"],
        "revoked"
    );
    let detail = app.get("/v1/licenses/D200?date=2025-06-01", &app.viewer).await;
    assert_eq!(detail.body["license"]["number"], "D200");

    let route = json!({"item": "3A090.a", "destination": "AE", "reason": "diversion risk"});
    assert_eq!(
        app.post("/v1/routes/suspend", &app.admin, route.clone()).await.status,
        200
    );
    assert_error(
        &app.post("/v1/routes/suspend", &app.admin, route.clone()).await,
        409,
        "conflict",
    );
    let active = app.get("/v1/routes?active=true", &app.viewer).await;
    assert_eq!(active.body["items"][0]["suspended_by"], "adam");
    let resumed = app.post("/v1/routes/resume", &app.admin, route).await;
    assert_eq!(resumed.body["suspension"]["resumed_by"], "adam", "{}", resumed.text);

    let audit = app.get("/v1/audit", &app.viewer).await;
    assert!(kinds_and_users(&audit.body["items"])
        .iter()
        .all(|(_, user)| user == "adam"));
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = app();
    app.post(
        "/v1/decide",
        &app.officer,
        json!({"item": "nvidia-h20", "destination": "CN"}),
    )
    .await;
    app.post("/v1/orders/X%2F1/release", &app.officer, json!({"reason": "r"}))
        .await;
    let metrics = app.send(axum::http::Method::GET, "/metrics", None, None, None).await;
    assert!(metrics.content_type.starts_with("text/plain"));
    let text = metrics.text;
    assert!(
        text.contains("chipgate_http_requests_total{route=\"/v1/decide\",method=\"POST\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "chipgate_http_requests_total{route=\"/v1/orders/{order_ref}/release\",method=\"POST\",status=\"404\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("chipgate_http_request_duration_seconds_count{route=\"/v1/decide\"} 1"));
    assert!(text.contains("# TYPE chipgate_http_request_duration_seconds histogram"));
}

#[tokio::test]
async fn health_and_the_web_app() {
    let app = app();
    let health = app.send(axum::http::Method::GET, "/healthz", None, None, None).await;
    assert_eq!(health.body["status"], "ok");
    let page = app.send(axum::http::Method::GET, "/", None, None, None).await;
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.text.contains("<script src=\"/app.js\""));
    let script = app.send(axum::http::Method::GET, "/app.js", None, None, None).await;
    assert!(script.text.contains("/v1/rules"));
}

#[tokio::test]
async fn a_repeated_determination_comes_from_the_cache_byte_for_byte() {
    let app = app();
    let body = json!({"item": "nvidia-h20", "destination": "CN", "date": "2025-08-12"});
    let first = app.post("/v1/decide", &app.officer, body.clone()).await;
    let second = app.post("/v1/decide", &app.officer, body).await;
    assert_eq!(first.text, second.text);
    // Another input is another entry; no date means today, from the clock.
    let other = app
        .post(
            "/v1/decide",
            &app.officer,
            json!({"item": "nvidia-h20", "destination": "CN", "quantity": 3}),
        )
        .await;
    assert_eq!(other.body["quantity"], 3);
    assert_eq!(other.body["date"], "2025-08-12");
    assert_eq!(app.state.cache().counts(), (1, 2));
    let metrics = app.send(axum::http::Method::GET, "/metrics", None, None, None).await;
    assert!(
        metrics.text.contains("chipgate_report_cache_total{result=\"hit\"} 1"),
        "{}",
        metrics.text
    );
}
