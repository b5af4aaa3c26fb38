//! The review queue over HTTP: list with filters and cursor paging, one item with its party,
//! entry and history (the deep link), clear (officer, reason required, expiry checked) and
//! escalate, each honoured at once by `/v1/decide` and `/v1/screen`; errors are problems
//! naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use chipgate_engine::PartySelection;
use chipgate_ledger::{NewParty, Timestamp};
use common::{app, assert_error, TestApp, NOW};
use serde_json::{json, Value};

const NAME: &str = "Huawei Technologies Co., Ltd.";

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn with_party() -> TestApp {
    let app = app();
    app.state
        .with_ledger(|s, ledger| {
            let now = Timestamp::parse(NOW).unwrap();
            ledger
                .add_party(
                    &NewParty {
                        name: NAME.to_owned(),
                        country: Some("CN".to_owned()),
                        external_id: Some("C-1".to_owned()),
                        ..NewParty::default()
                    },
                    "test",
                    now,
                )
                .unwrap();
            s.engine()
                .rescreen_parties(ledger, PartySelection::All, "test", now)
                .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    app
}

fn decide_body() -> Value {
    json!({
        "item": "nvidia-geforce-rtx-4080",
        "destination": "DE",
        "end_user": NAME,
        "end_user_hq": "CN",
        "date": "2025-08-12",
    })
}

#[tokio::test]
async fn the_review_queue_lists_filters_pages_shows_clears_and_escalates() {
    let app = with_party().await;
    let all = app.get("/v1/review", &app.viewer).await;
    assert_eq!(all.status.as_u16(), 200, "{}", all.text);
    let items = all.body["items"].as_array().unwrap().clone();
    assert!(items.len() >= 2, "{}", all.text);
    assert!(items.iter().all(|i| i["state"] == "open"));

    // Filters: list, score, state; bad values name the parameter.
    let el = app.get("/v1/review?list=el", &app.viewer).await;
    let el_items = el.body["items"].as_array().unwrap();
    assert!(
        !el_items.is_empty() && el_items.iter().all(|i| i["source"] == "EL"),
        "{}",
        el.text
    );
    let high = app.get("/v1/review?min_score=0.99", &app.viewer).await;
    assert!(high.body["items"].as_array().unwrap().iter().all(|i| i["score"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap()
        >= 0.99));
    assert!(app.get("/v1/review?state=cleared", &app.viewer).await.body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        app.get("/v1/review?age=1", &app.viewer).await.body["items"],
        all.body["items"]
    );
    assert_eq!(
        app.get("/v1/review?party=C-1", &app.viewer).await.body["items"],
        all.body["items"]
    );
    let bad = app.get("/v1/review?min_score=2", &app.viewer).await;
    assert_eq!(assert_error(&bad, 400, "invalid_query")["field"], "min_score");
    let bad = app.get("/v1/review?age=3&since=2025-01-01", &app.viewer).await;
    assert_eq!(assert_error(&bad, 400, "invalid_query")["field"], "age");
    assert_error(
        &app.get("/v1/review?party=C-9", &app.viewer).await,
        404,
        "party_not_found",
    );

    // Cursor paging: one item a page, none skipped or repeated.
    let mut seen = Vec::new();
    let mut path = "/v1/review?limit=1".to_owned();
    loop {
        let page = app.get(&path, &app.viewer).await;
        seen.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next"].as_str() {
            Some(next) => path = format!("/v1/review?limit=1&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, items);

    // The deep link: party, item, entry, history.
    let item = el_items[0].clone();
    let key = item["entry_key"].as_str().unwrap();
    let link = format!("/v1/review/C-1/{}", encode(key));
    let shown = app.get(&link, &app.viewer).await;
    assert_eq!(shown.status.as_u16(), 200, "{}", shown.text);
    assert_eq!(shown.body["party"]["external_id"], "C-1");
    assert_eq!(shown.body["item"]["entry_key"], key);
    assert_eq!(shown.body["entry_hash_now"], item["entry_hash"]);
    assert_eq!(shown.body["entry"]["source_code"], "EL");
    assert_eq!(shown.body["history"], json!([]));
    assert_error(
        &app.get("/v1/review/C-1/EL%3Anothing", &app.viewer).await,
        404,
        "review_item_not_found",
    );

    // Clear: officer only, a reason, an expiry not in the past.
    let clear = format!("{link}/clear");
    let reason = json!({ "reason": "different company: registry number differs" });
    assert_error(&app.post(&clear, &app.viewer, reason.clone()).await, 403, "forbidden");
    let missing = app.post(&clear, &app.officer, json!({})).await;
    assert_eq!(assert_error(&missing, 422, "missing_field")["field"], "reason");
    let past = app
        .post(&clear, &app.officer, json!({ "reason": "x", "expires": "2020-01-01" }))
        .await;
    assert_eq!(assert_error(&past, 422, "invalid_field")["field"], "expires");
    let before = app.post("/v1/decide", &app.officer, decide_body()).await;
    assert!(before.body.get("cleared_parties").is_none(), "{}", before.text);
    let done = app.post(&clear, &app.officer, reason).await;
    assert_eq!(done.status.as_u16(), 200, "{}", done.text);
    assert_eq!(done.body["state"], "cleared");
    assert_eq!(done.body["clearance"]["reviewer"], "olga");
    let shown = app.get(&link, &app.viewer).await;
    assert_eq!(shown.body["history"][0]["kind"], "review.clear");
    assert_eq!(shown.body["history"][0]["user"], "olga");

    // Honoured at once by decide (the cached answer is dropped) and screen.
    let after = app.post("/v1/decide", &app.officer, decide_body()).await;
    let cleared = after.body["cleared_parties"].as_array().unwrap();
    assert!(
        cleared.iter().any(|p| p["clearance"]["entry_key"] == key),
        "{}",
        after.text
    );
    let screened = app
        .post("/v1/screen", &app.officer, json!({ "name": NAME, "country": "CN" }))
        .await;
    assert!(
        screened.body["clearances"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["entry_key"] == key && c["applies"] == true),
        "{}",
        screened.text
    );

    // Escalate withdraws the clearance.
    let esc = app
        .post(
            &format!("{link}/escalate"),
            &app.officer,
            json!({ "reason": "owner unclear" }),
        )
        .await;
    assert_eq!(esc.body["state"], "escalated", "{}", esc.text);
    let again = app.post("/v1/decide", &app.officer, decide_body()).await;
    assert!(again.body.get("cleared_parties").is_none(), "{}", again.text);
    let audit = app.get("/v1/audit/verify", &app.viewer).await;
    assert_eq!(audit.body["ok"], true, "{}", audit.text);
}
