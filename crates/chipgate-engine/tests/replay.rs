//! An order reference is an idempotency key over every input of the determination: the same
//! order checked again is replayed; checked again with any input changed (parties,
//! headquarters, owners, end use, exporter, date, quantity, …) it is refused with an error that
//! names the differing field — never replayed next to a determination it did not have.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chipgate_data::Embedded;
use chipgate_decide::{Ownership, Request};
use chipgate_engine::{Engine, OrderLine};
use chipgate_ledger::{Ledger, Timestamp};
use chipgate_model::Date;

fn base() -> OrderLine {
    OrderLine {
        order_ref: "SO-1".to_owned(),
        request: Request {
            destination: "CN".to_owned(),
            end_user: Some("Shanghai Example Cloud Computing Co".to_owned()),
            end_user_hq: Some("CN".to_owned()),
            ..Request::default()
        },
        quantity: 10,
        unit_value_cents: Some(1_200_000),
        ..OrderLine::default()
    }
}

fn stores() -> Vec<String> {
    let mut urls = vec!["sqlite::memory:".to_owned()];
    if let Ok(url) = std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        let schema = format!("engine_replay_{}", std::process::id());
        let sep = if url.contains('?') { '&' } else { '?' };
        urls.push(format!("{url}{sep}schema={schema}"));
    }
    urls
}

#[test]
fn a_recheck_with_any_input_changed_is_refused_naming_the_field() {
    let engine = Engine::load(&Embedded).unwrap();
    let h20 = engine.classifier().catalog().get("nvidia-h20").unwrap().clone();
    let date: Date = "2025-03-01".parse().unwrap();
    let now = Timestamp::parse("2025-03-01T10:00:00Z").unwrap();
    type Change = fn(&mut OrderLine);
    let changes: Vec<(&str, Change)> = vec![
        ("end_user_hq", |l| l.request.end_user_hq = Some("US".to_owned())),
        ("parent_hq", |l| l.request.parent_hq = Some("MO".to_owned())),
        ("end_use", |l| l.request.end_use = Some("AI training".to_owned())),
        ("owners", |l| {
            l.request.owners = vec![Ownership {
                party: None,
                owner: "Example Holding Ltd".to_owned(),
                percent: Some(60.0),
                source: None,
            }];
        }),
        ("us_person", |l| l.request.us_person = Some(true)),
        ("end_user", |l| l.request.end_user = Some("Another Cloud Co".to_owned())),
        ("consignee", |l| {
            l.request.consignee = Some("Example Logistics".to_owned())
        }),
        ("quantity", |l| l.quantity = 11),
        ("unit_value_cents", |l| l.unit_value_cents = Some(1_300_000)),
    ];
    for url in stores() {
        let mut ledger = Ledger::open(&url).unwrap();
        let first = engine
            .check_order(&mut ledger, &h20, &base(), date, "officer", now)
            .unwrap();
        assert!(first.result.is_shipped(), "{url}: {:?}", first.result);
        // The same order again: replayed, nothing written.
        let again = engine
            .check_order(&mut ledger, &h20, &base(), date, "officer", now)
            .unwrap();
        assert!(again.result.replayed, "{url}");
        for (field, change) in &changes {
            let mut line = base();
            change(&mut line);
            let err = engine
                .check_order(&mut ledger, &h20, &line, date, "officer", now)
                .expect_err(field)
                .to_string();
            assert!(
                err.contains("already checked with different contents in: ") && err.contains(&format!(": {field};")),
                "{url}: changing {field}: {err}"
            );
        }
        // Another date: named too (the ledger's own field).
        let later: Date = "2025-03-02".parse().unwrap();
        let err = engine
            .check_order(&mut ledger, &h20, &base(), later, "officer", now)
            .expect_err("date")
            .to_string();
        assert!(err.contains("in: date;"), "{url}: {err}");
        // Two changes at once: both named.
        let mut line = base();
        line.request.end_use = Some("AI training".to_owned());
        line.quantity = 12;
        let err = engine
            .check_order(&mut ledger, &h20, &line, date, "officer", now)
            .expect_err("two fields")
            .to_string();
        assert!(err.contains("in these fields: quantity, end_use;"), "{url}: {err}");
        assert!(ledger.verify_audit().unwrap().ok, "{url}");
    }
}
