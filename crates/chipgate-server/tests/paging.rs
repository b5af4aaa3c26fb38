//! Cursor paging of the list endpoints: every item exactly once, also with records added
//! between two page fetches; the hold work queue's filters, order and counts.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use chipgate_ledger::{DeterminationSummary, Ledger, OrderRequest, Outcome, Timestamp};
use common::{app, assert_error, TestApp, NOW};
use serde_json::{json, Value};

fn request(order_ref: &str) -> OrderRequest {
    OrderRequest {
        order_ref: order_ref.to_owned(),
        item_id: "nvidia-h20".to_owned(),
        eccn: vec!["3A090.a".to_owned()],
        destination: "CN".to_owned(),
        quantity: 1,
        unit_value_cents: None,
        consignee: None,
        end_user: None,
        date: "2025-08-12".parse().unwrap(),
        license: None,
        inputs: Default::default(),
    }
}

fn determination(outcome: Outcome, hits: &[&str]) -> DeterminationSummary {
    DeterminationSummary {
        license_required: outcome == Outcome::LicenseRequired,
        outcome,
        exception: None,
        reasons: vec![],
        screening_hits: hits.iter().map(|h| (*h).to_owned()).collect(),
        engine_version: "test".to_owned(),
        ruleset_id: "test".to_owned(),
        list_snapshot_id: None,
        report: json!({}),
    }
}

/// Records orders straight through the ledger (one transaction each, no HTTP).
async fn record(app: &TestApp, orders: Vec<(String, Outcome, Vec<&'static str>)>) {
    app.state
        .with_ledger(move |_, ledger: &mut Ledger| {
            let now = Timestamp::parse(NOW).unwrap();
            for (order_ref, outcome, hits) in &orders {
                ledger
                    .check_order(&request(order_ref), &determination(*outcome, hits), "loader", now)
                    .unwrap();
            }
            Ok(())
        })
        .await
        .unwrap();
}

fn refs(page: &Value, key: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            // An order's reference is in its request; every other item has its key on top.
            let value = item.get("request").map_or(&item[key], |request| &request[key]);
            value.as_str().unwrap().to_owned()
        })
        .collect()
}

/// Follows `next` from `first` to the end; `between` runs after each page but the last.
async fn walk(app: &TestApp, first: &str, key: &str, mut between: impl AsyncFnMut(usize)) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut url = first.to_owned();
    let separator = if first.contains('?') { '&' } else { '?' };
    for pages in 1.. {
        let reply = app.get(&url, &app.admin).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text);
        seen.extend(refs(&reply.body, key));
        match reply.body["next"].as_str() {
            None => return (seen, pages),
            Some(next) => url = format!("{first}{separator}cursor={next}"),
        }
        between(pages).await;
    }
    unreachable!()
}

fn assert_each_once(seen: &[String], expected: usize) {
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an item came twice");
    assert_eq!(seen.len(), expected, "an item was skipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_orders_page_by_a_thousand_each_exactly_once_also_with_inserts_between_pages() {
    let app = app();
    let started = Instant::now();
    let orders = (0..20_000)
        .map(|i| (format!("SO-{i:05}"), Outcome::NoLicenseRequired, vec![]))
        .collect();
    record(&app, orders).await;
    eprintln!("recorded 20,000 orders in {:?}", started.elapsed());

    let started = Instant::now();
    let (seen, pages) = walk(&app, "/v1/orders?limit=1000", "order_ref", async |_| {}).await;
    eprintln!("paged them in {:?}", started.elapsed());
    assert_eq!(pages, 20);
    assert_each_once(&seen, 20_000);
    assert_eq!(seen.first().map(String::as_str), Some("SO-00000"));
    assert_eq!(seen.last().map(String::as_str), Some("SO-19999"));

    // An order checked between two fetches (through the API, as a client would) comes on a
    // later page once, and nothing already there is skipped or repeated.
    let (seen, pages) = walk(&app, "/v1/orders?limit=1000", "order_ref", async |page| {
        if page == 3 {
            let order = json!({"order_ref": "SO-between", "item": "nvidia-h20", "quantity": 1, "destination": "DE", "date": "2025-08-12"});
            let reply = app.post("/v1/orders/check", &app.officer, order).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
    })
    .await;
    assert_eq!(pages, 21);
    assert_each_once(&seen, 20_001);
    assert_eq!(seen.last().map(String::as_str), Some("SO-between"));

    // The status filter pages the same way.
    let (shipped, _) = walk(&app, "/v1/orders?status=shipped&limit=999", "order_ref", async |_| {}).await;
    assert_each_once(&shipped, 20_001);
    let held = app.get("/v1/orders?status=held", &app.viewer).await;
    assert_eq!(held.body, json!({"items": [], "next": null}));
}

#[tokio::test]
async fn the_hold_queue_filters_by_status_and_kind_ranks_by_priority_and_counts_per_kind() {
    let app = app();
    let screening = vec!["Example Entity (Entity List)"];
    record(
        &app,
        vec![
            ("L1".into(), Outcome::LicenseRequired, vec![]), // no_covering_license
            ("S1".into(), Outcome::NoLicenseRequired, screening.clone()), // screening_hit
            ("I1".into(), Outcome::Indeterminate, vec![]),   // indeterminate
            ("L2".into(), Outcome::LicenseRequired, vec![]),
            ("SI".into(), Outcome::Indeterminate, screening), // screening_hit + indeterminate
        ],
    )
    .await;
    let route = json!({"item": "nvidia-h20", "destination": "CN", "reason": "under review"});
    assert_eq!(app.post("/v1/routes/suspend", &app.admin, route).await.status, 200);
    record(
        &app,
        vec![
            ("R1".into(), Outcome::LicenseRequired, vec![]), // route_suspended + no_covering_license
            ("I2".into(), Outcome::Indeterminate, vec![]),   // route_suspended + indeterminate
        ],
    )
    .await;
    let release = app
        .post(
            "/v1/orders/L2/release",
            &app.officer,
            json!({"reason": "license applied for"}),
        )
        .await;
    assert_eq!(release.status, 200, "{}", release.text);

    let queue = app.get("/v1/holds", &app.viewer).await;
    assert_eq!(queue.status, 200, "{}", queue.text);
    assert_eq!(refs(&queue.body, "order_ref"), ["SI", "S1", "I2", "I1", "R1", "L1"]);
    assert_eq!(queue.body["next"], Value::Null);
    let counts = &queue.body["counts"];
    assert_eq!(counts["screening_hit"], 2);
    assert_eq!(counts["indeterminate"], 3);
    assert_eq!(counts["route_suspended"], 2);
    assert_eq!(counts["no_covering_license"], 2);
    assert_eq!(counts["license_expired"], 0);
    // Each item is the Hold of before.
    let first = &queue.body["items"][0];
    for field in [
        "hold_id",
        "order_ref",
        "reasons",
        "held_at",
        "held_by",
        "released_at",
        "released_by",
        "release_reason",
        "release_seq",
    ] {
        assert!(first.get(field).is_some(), "{field}: {first}");
    }
    assert_eq!(first["reasons"][0]["kind"], "screening_hit");

    // `kind`: repeated or comma-separated; counts ignore it.
    let comma = app
        .get("/v1/holds?kind=route_suspended,screening_hit", &app.viewer)
        .await;
    let repeated = app
        .get("/v1/holds?kind=route_suspended&kind=screening_hit", &app.viewer)
        .await;
    assert_eq!(refs(&comma.body, "order_ref"), ["SI", "S1", "I2", "R1"]);
    assert_eq!(comma.body, repeated.body);
    assert_eq!(&comma.body["counts"], counts);

    let newest = app.get("/v1/holds?sort=newest", &app.viewer).await;
    assert_eq!(refs(&newest.body, "order_ref"), ["I2", "R1", "SI", "I1", "S1", "L1"]);
    let oldest = app.get("/v1/holds?sort=oldest&status=all", &app.viewer).await;
    assert_eq!(
        refs(&oldest.body, "order_ref"),
        ["L1", "S1", "I1", "L2", "SI", "R1", "I2"]
    );
    let released = app.get("/v1/holds?status=released", &app.viewer).await;
    assert_eq!(refs(&released.body, "order_ref"), ["L2"]);
    assert_eq!(released.body["counts"]["no_covering_license"], 1);
    assert_eq!(released.body["counts"]["screening_hit"], 0);

    // Paged one at a time, every sort gives the same sequence.
    for (sort, expected) in [
        ("priority", vec!["SI", "S1", "I2", "I1", "R1", "L1"]),
        ("newest", vec!["I2", "R1", "SI", "I1", "S1", "L1"]),
        ("oldest", vec!["L1", "S1", "I1", "SI", "R1", "I2"]),
    ] {
        let (seen, pages) = walk(
            &app,
            &format!("/v1/holds?sort={sort}&limit=1"),
            "order_ref",
            async |_| {},
        )
        .await;
        assert_eq!(seen, expected, "{sort}");
        assert_eq!(pages, 6);
    }

    // A cursor belongs to its sort order.
    let page = app.get("/v1/holds?sort=newest&limit=1", &app.viewer).await;
    let cursor = page.body["next"].as_str().unwrap();
    let reply = app
        .get(&format!("/v1/holds?sort=priority&cursor={cursor}"), &app.viewer)
        .await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "cursor");
    let reply = app.get(&format!("/v1/orders?cursor={cursor}"), &app.viewer).await;
    assert_eq!(assert_error(&reply, 400, "invalid_query")["field"], "cursor");
}

#[tokio::test]
async fn licenses_routes_and_tokens_page_by_key() {
    let app = app();
    for number in ["D3", "D1", "D2"] {
        let license = json!({
            "number": number, "holder": "NVIDIA", "items": ["nvidia-h20"], "destinations": ["CN"], "quantity_cap": 10,
            "valid_from": "2025-08-01", "valid_to": if number == "D2" { "2025-08-20" } else { "2026-07-31" }, "status": "granted",
        });
        assert_eq!(app.post("/v1/licenses", &app.admin, license).await.status, 201);
    }
    let (seen, pages) = walk(&app, "/v1/licenses?date=2025-09-01&limit=2", "number", async |_| {}).await;
    assert_eq!(
        (seen, pages),
        (vec!["D1".to_owned(), "D2".to_owned(), "D3".to_owned()], 2)
    );
    let expired = app
        .get("/v1/licenses?date=2025-09-01&status=expired", &app.viewer)
        .await;
    assert_eq!(refs(&expired.body, "number"), ["D2"]);
    let granted = app
        .get("/v1/licenses?date=2025-09-01&status=granted", &app.viewer)
        .await;
    assert_eq!(refs(&granted.body, "number"), ["D1", "D3"]);

    for destination in ["CN", "RU", "IR"] {
        let route = json!({"item": "nvidia-h20", "destination": destination, "reason": "review"});
        assert_eq!(app.post("/v1/routes/suspend", &app.admin, route).await.status, 200);
    }
    let (seen, pages) = walk(&app, "/v1/routes?limit=2", "destination", async |_| {}).await;
    assert_eq!(
        (seen, pages),
        (vec!["CN".to_owned(), "RU".to_owned(), "IR".to_owned()], 2)
    );

    let (seen, pages) = walk(&app, "/v1/tokens?limit=1", "name", async |_| {}).await;
    assert_eq!(
        (seen, pages),
        (vec!["adam".to_owned(), "olga".to_owned(), "vera".to_owned()], 3)
    );
}
