//! The H20 story end to end through the engine: determination, screening and the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chipgate_data::Embedded;
use chipgate_decide::Request;
use chipgate_engine::{Engine, OrderLine};
use chipgate_ledger::{Condition, Disposition, Ledger, LicenseStatus, NewLicense, Timestamp};
use chipgate_model::Date;

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(&format!("{s}T10:00:00Z")).unwrap()
}

fn line(order_ref: &str, qty: u64) -> OrderLine {
    OrderLine {
        order_ref: order_ref.to_owned(),
        request: Request {
            destination: "CN".to_owned(),
            end_user: Some("Shanghai Example Cloud Computing Co".to_owned()),
            end_user_hq: Some("CN".to_owned()),
            ..Request::default()
        },
        quantity: qty,
        unit_value_cents: Some(1_200_000),
        ..OrderLine::default()
    }
}

fn stores() -> Vec<String> {
    let mut urls = vec!["sqlite::memory:".to_owned()];
    if let Ok(url) = std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        let schema = format!("engine_h20_{}", std::process::id());
        let sep = if url.contains('?') { '&' } else { '?' };
        urls.push(format!("{url}{sep}schema={schema}"));
    }
    urls
}

#[test]
fn h20_story_route_open_held_licensed_shipped_exhausted() {
    let engine = Engine::load(&Embedded).unwrap();
    let h20 = engine.classifier().catalog().get("nvidia-h20").unwrap().clone();
    for url in stores() {
        let mut ledger = Ledger::open(&url).unwrap();

        // March 2025: the route is open and no license is needed.
        let march = engine
            .check_order(
                &mut ledger,
                &h20,
                &line("SO-0301", 10),
                date("2025-03-01"),
                "officer",
                at("2025-03-01"),
            )
            .unwrap();
        assert!(march.result.is_shipped(), "{url}: {:?}", march.result);
        assert_eq!(march.decision.outcome.as_str(), "no_license_required");

        // April 2025: the notice to NVIDIA holds the order.
        let april = engine
            .check_order(
                &mut ledger,
                &h20,
                &line("SO-0420", 40),
                date("2025-04-20"),
                "officer",
                at("2025-04-20"),
            )
            .unwrap();
        assert!(!april.result.is_shipped());
        assert!(april
            .decision
            .reasons
            .iter()
            .any(|r| r.id == "is-informed-nvidia-h20-2025-04-09"));
        let Disposition::Held { reasons } = &april.result.disposition else {
            panic!("held")
        };
        assert!(!reasons.is_empty());

        // August 2025: a license with quantity 100 and the reported 15% revenue share.
        ledger
            .add_license(
                &NewLicense {
                    number: "BIS-H20-0001".to_owned(),
                    holder: "NVIDIA".to_owned(),
                    items: vec!["nvidia-h20".to_owned()],
                    destinations: vec!["CN".to_owned()],
                    consignee: None,
                    end_user: None,
                    quantity_cap: 100,
                    value_cap_cents: None,
                    valid_from: "2025-08-08".to_owned(),
                    valid_to: "2026-08-07".to_owned(),
                    conditions: vec![Condition::RevenueShare { percent: 15.0 }],
                    status: LicenseStatus::Granted,
                },
                "officer",
                at("2025-08-08"),
            )
            .unwrap();
        let mut remaining = Vec::new();
        for (n, qty) in [("SO-0812-1", 40), ("SO-0812-2", 40)] {
            let c = engine
                .check_order(
                    &mut ledger,
                    &h20,
                    &line(n, qty),
                    date("2025-08-12"),
                    "officer",
                    at("2025-08-12"),
                )
                .unwrap();
            let Disposition::Shipped { authorization } = &c.result.disposition else {
                panic!("{url}: {n} should ship: {:?}", c.result)
            };
            let json = serde_json::to_value(authorization).unwrap();
            assert_eq!(json["number"], "BIS-H20-0001");
            assert_eq!(json["revenue_share_due_cents"], 15 * 1_200_000 * qty / 100);
            remaining.push(json["quantity_remaining"].as_i64().unwrap());
        }
        assert_eq!(remaining, [60, 20]);

        // The next order exceeds what is left: held.
        let over = engine
            .check_order(
                &mut ledger,
                &h20,
                &line("SO-0813", 30),
                date("2025-08-13"),
                "officer",
                at("2025-08-13"),
            )
            .unwrap();
        assert!(!over.result.is_shipped(), "{url}: {:?}", over.result);

        // Re-checking an order is idempotent: nothing is depleted twice.
        let again = engine
            .check_order(
                &mut ledger,
                &h20,
                &line("SO-0812-1", 40),
                date("2025-08-12"),
                "officer",
                at("2025-08-14"),
            )
            .unwrap();
        assert!(again.result.replayed);
        assert_eq!(
            ledger
                .license("BIS-H20-0001", date_l("2025-08-14"))
                .unwrap()
                .license
                .quantity_remaining,
            20
        );

        // A release needs a reason, and is recorded.
        assert!(ledger.release_hold("SO-0813", "", "officer", at("2025-08-14")).is_err());
        let released = ledger
            .release_hold("SO-0813", "split into a 20-unit order", "officer", at("2025-08-14"))
            .unwrap();
        assert_eq!(released.release_reason.as_deref(), Some("split into a 20-unit order"));

        // The decisions and their rule versions are in a verifiable audit trail.
        let verify = ledger.verify_audit().unwrap();
        assert!(verify.ok, "{url}: {verify:?}");
        let mut export = Vec::new();
        ledger
            .export_audit(&mut export, chipgate_ledger::ExportFormat::JsonLines)
            .unwrap();
        let text = String::from_utf8(export).unwrap();
        assert!(text.contains("is-informed-nvidia-h20-2025-04-09"));
        assert!(text.contains("ccl-2024-12-02+license-"));
    }
}

fn date_l(s: &str) -> chipgate_ledger::Date {
    s.parse().unwrap()
}

#[test]
fn a_route_suspension_holds_an_otherwise_free_order_until_resumed() {
    let engine = Engine::load(&Embedded).unwrap();
    let l20 = engine.classifier().catalog().get("nvidia-l20").unwrap().clone();
    let mut ledger = Ledger::open("sqlite::memory:").unwrap();
    ledger
        .suspend_route(
            "nvidia-l20",
            "CN",
            "internal review of China datacenter SKUs",
            "officer",
            at("2025-04-10"),
        )
        .unwrap();
    let held = engine
        .check_order(
            &mut ledger,
            &l20,
            &line("SO-L20-1", 5),
            date("2025-04-11"),
            "officer",
            at("2025-04-11"),
        )
        .unwrap();
    assert_eq!(held.decision.outcome.as_str(), "no_license_required");
    assert!(!held.result.is_shipped());
    ledger
        .resume_route("nvidia-l20", "CN", "review done", "officer", at("2025-07-15"))
        .unwrap();
    let shipped = engine
        .check_order(
            &mut ledger,
            &l20,
            &line("SO-L20-2", 5),
            date("2025-07-15"),
            "officer",
            at("2025-07-15"),
        )
        .unwrap();
    assert!(shipped.result.is_shipped());
}

#[test]
fn bad_order_input_changes_nothing() {
    let engine = Engine::load(&Embedded).unwrap();
    let h20 = engine.classifier().catalog().get("nvidia-h20").unwrap().clone();
    let mut ledger = Ledger::open("sqlite::memory:").unwrap();
    let before = ledger.verify_audit().unwrap().records;
    let err = engine
        .check_order(
            &mut ledger,
            &h20,
            &line("SO-X", 0),
            date("2025-03-01"),
            "officer",
            at("2025-03-01"),
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "`quantity`: must be at least 1");
    let mut bad = line("SO-Y", 1);
    bad.request.destination = "Narnia".to_owned();
    let err = engine
        .check_order(&mut ledger, &h20, &bad, date("2025-03-01"), "officer", at("2025-03-01"))
        .unwrap_err();
    assert!(err.to_string().starts_with("unknown country `Narnia`"), "{err}");
    let mut nac = line("SO-Z", 1);
    nac.exception = Some("NAC".to_owned());
    let err = engine
        .check_order(&mut ledger, &h20, &nac, date("2025-04-20"), "officer", at("2025-04-20"))
        .unwrap_err();
    assert!(err.to_string().contains("offers no license exception"), "{err}");
    assert_eq!(ledger.verify_audit().unwrap().records, before);
}

#[test]
fn end_user_is_screened_with_its_headquarters_country_not_the_destination() {
    let engine = Engine::load(&Embedded).unwrap();
    let l20 = engine.classifier().catalog().get("nvidia-l20").unwrap().clone();
    let mut ledger = Ledger::open("sqlite::memory:").unwrap();
    // The country each party was screened with, by role.
    let mut screened = |order: &OrderLine| {
        let check = engine
            .check_order(
                &mut ledger,
                &l20,
                order,
                date("2025-07-15"),
                "officer",
                at("2025-07-15"),
            )
            .unwrap();
        check
            .screening
            .into_iter()
            .map(|s| (s.role, s.report.country))
            .collect::<Vec<_>>()
    };
    let mut order = line("SO-HQ-1", 1);
    order.request.destination = "SG".to_owned();
    order.request.end_user_hq = Some("Hong Kong".to_owned());
    order.request.consignee = Some("Example Logistics Pte Ltd".to_owned());
    assert_eq!(
        screened(&order),
        [
            ("end_user".to_owned(), Some("HK".to_owned())),
            ("consignee".to_owned(), None)
        ]
    );
    // Without a headquarters the end user is screened without a country signal.
    order.order_ref = "SO-HQ-2".to_owned();
    order.request.end_user_hq = None;
    assert_eq!(
        screened(&order),
        [("end_user".to_owned(), None), ("consignee".to_owned(), None)]
    );
}
