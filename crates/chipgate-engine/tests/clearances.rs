//! Clearances honoured by the façade: a stored party's hit cleared against an entry's
//! content is reported as cleared (with the clearance's record and hash) by `decide`, the
//! order check and `screen`, and decides nothing; a clearance of an entry whose content
//! changed, or that expired, does not apply and says why; a name the store cannot tell apart
//! (two stored parties) is not cleared. SQLite, and PostgreSQL when
//! `CHIPGATE_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use chipgate_data::Embedded;
use chipgate_decide::{Decision, Request};
use chipgate_engine::{Engine, ListSnapshot, OrderLine, PartySelection, ScreeningIndex};
use chipgate_ledger::{Ledger, NewParty, ReviewFilter, Timestamp};

fn stores(tag: &str) -> Vec<String> {
    common::stores("clear", "cgc", tag)
}

const NOW: &str = "2026-12-07T12:00:00Z";
const NAME: &str = "Huawei Technologies Co., Ltd.";

fn request(end_user: &str) -> Request {
    Request {
        destination: "DE".to_owned(),
        end_user: Some(end_user.to_owned()),
        end_user_hq: Some("CN".to_owned()),
        ..Request::default()
    }
}

fn decide(engine: &Engine, end_user: &str, date: &str) -> Decision {
    let item = engine.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    engine.decide(item, &request(end_user), date.parse().unwrap()).unwrap()
}

/// A store with the party and every one of its hits cleared (until `expires`); the engine
/// with the store's clearances.
fn cleared_store(url: &str, expires: Option<&str>) -> (Ledger, Engine) {
    let (mut ledger, _) = Ledger::open_or_create(url).unwrap();
    let now = Timestamp::parse(NOW).unwrap();
    let engine = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
    ledger
        .add_party(
            &NewParty {
                name: NAME.to_owned(),
                country: Some("CN".to_owned()),
                external_id: Some("C-1".to_owned()),
                ..NewParty::default()
            },
            "officer",
            now,
        )
        .unwrap();
    engine
        .rescreen_parties(&mut ledger, PartySelection::All, "officer", now)
        .unwrap();
    let items = ledger.review_items(ReviewFilter::Pending, now.date()).unwrap();
    assert!(items.iter().any(|i| i.source == "EL"), "{items:?}");
    for i in &items {
        ledger
            .clear_hit(
                i.party_id,
                &i.entry_key,
                "a different company of the same name: registry number differs",
                expires.map(|e| e.parse().unwrap()),
                "officer",
                now,
            )
            .unwrap();
    }
    assert_eq!(engine.load_clearances(&mut ledger).unwrap(), items.len());
    (ledger, engine)
}

#[test]
fn a_cleared_strong_match_is_reported_as_cleared_and_decides_nothing() {
    for url in stores("strong") {
        let plain = Engine::load(&Embedded).unwrap();
        let before = decide(&plain, NAME, "2026-12-07");
        assert_eq!(before.outcome.as_str(), "license_required", "{url}");
        assert!(before.cleared_parties.is_empty());

        let (mut ledger, engine) = cleared_store(&url, None);
        let after = decide(&engine, NAME, "2026-12-07");
        assert!(after.listed_parties.is_empty(), "{url}: {:?}", after.listed_parties);
        // Hits below the store's screening threshold were never reviewed: they stay possible.
        assert!(
            after.possible_listed_parties.iter().all(|p| p.clearance.is_none()),
            "{url}: {:?}",
            after.possible_listed_parties
        );
        assert!(!after.reasons.iter().any(|r| r.id == "listed-party"), "{url}");
        let el = after.cleared_parties.iter().find(|p| p.code == "EL").unwrap();
        let c = el.clearance.as_ref().unwrap();
        assert!(c.applies && c.why_not.is_none(), "{c:?}");
        assert_eq!(
            (c.reviewer.as_str(), c.external_id.as_deref()),
            ("officer", Some("C-1"))
        );
        assert_eq!(c.cleared_hash, c.entry_hash);
        // The clearance is a review.clear record of the store.
        let records = ledger.audit_records(c.audit_seq, c.audit_seq, 1).unwrap();
        assert_eq!(records[0].kind, "review.clear", "{records:?}");
        // A strong match stays in sight as a red flag naming the clearance.
        let flag = format!("review.clear record #{}", c.audit_seq);
        assert!(
            after.red_flags.iter().any(|f| f.contains(&flag)),
            "{:?}",
            after.red_flags
        );
        // Same store, same answer.
        assert_eq!(
            serde_json::to_string(&after).unwrap(),
            serde_json::to_string(&decide(&engine, NAME, "2026-12-07")).unwrap()
        );
        // Another name (not the stored one) is not cleared.
        let other = decide(&engine, "HUAWEI TECHNOLOGIES CO LTD", "2026-12-07");
        assert!(
            other.cleared_parties.is_empty() && !other.listed_parties.is_empty(),
            "{url}"
        );
    }
}

#[test]
fn an_expired_clearance_or_a_changed_entry_does_not_apply_and_says_why() {
    for url in stores("stale") {
        let (_ledger, engine) = cleared_store(&url, Some("2026-12-31"));
        assert!(!decide(&engine, NAME, "2026-12-31").cleared_parties.is_empty());
        let late = decide(&engine, NAME, "2027-01-01");
        assert!(late.cleared_parties.is_empty(), "{url}");
        let el = late.listed_parties.iter().find(|p| p.code == "EL").unwrap();
        let c = el.clearance.as_ref().unwrap();
        assert!(!c.applies);
        assert_eq!(c.why_not.as_deref(), Some("it expired on 2026-12-31"));
        assert_eq!(late.outcome.as_str(), "license_required");

        // The same clearances against lists where the Huawei EL entry's content changed.
        let index = engine.lists().unwrap();
        let mut entries = index.entries().to_vec();
        let changed = entries
            .iter_mut()
            .find(|e| e.source_code == "EL" && e.name == el.name)
            .unwrap();
        changed.alt_names.push("A new alias".to_owned());
        let info = index.snapshot_info();
        let snapshot = ListSnapshot {
            id: "changed".to_owned(),
            source_date: info.source_date.clone(),
            counts_by_source: info.counts.clone(),
            entries,
        };
        let (mut ledger, _) = Ledger::open_or_create(&url).unwrap();
        let moved = Engine::load(&Embedded)
            .unwrap()
            .with_lists(ScreeningIndex::build(snapshot));
        moved.load_clearances(&mut ledger).unwrap();
        let d = decide(&moved, NAME, "2026-12-07");
        let el = d.listed_parties.iter().find(|p| p.code == "EL").unwrap();
        let c = el.clearance.as_ref().unwrap();
        assert!(!c.applies);
        assert!(
            c.why_not
                .as_deref()
                .unwrap()
                .starts_with("the entry's content changed since it was cleared"),
            "{c:?}"
        );
        assert_ne!(c.cleared_hash, c.entry_hash);
    }
}

#[test]
fn an_order_check_is_not_held_by_a_cleared_hit_and_records_the_clearance() {
    for url in stores("order") {
        let (mut ledger, engine) = cleared_store(&url, None);
        let item = engine
            .classifier()
            .catalog()
            .get("nvidia-geforce-rtx-4080")
            .unwrap()
            .clone();
        let line = OrderLine {
            order_ref: "PO-CLEARED-1".to_owned(),
            request: request(NAME),
            quantity: 2,
            ..OrderLine::default()
        };
        let now = Timestamp::parse(NOW).unwrap();
        let check = engine
            .check_order(&mut ledger, &item, &line, "2026-12-07".parse().unwrap(), "officer", now)
            .unwrap();
        let screening = &check.screening[0];
        assert!(!screening.report.hits.is_empty());
        assert!(
            screening.clearances.iter().all(|c| c.applies),
            "{:?}",
            screening.clearances
        );
        assert_eq!(
            screening.clearances.len(),
            screening.report.hits.len().min(screening.clearances.len())
        );
        let json = serde_json::to_value(&check.result).unwrap();
        let reasons = json.to_string();
        assert!(!reasons.contains("screening_hit"), "{reasons}");
        // The audit record of the check holds the determination with its clearances.
        let seq = check.result.audit_seq;
        let record = &ledger.audit_records(seq, seq, 1).unwrap()[0];
        assert!(record.payload.contains("cleared_parties"), "{}", record.payload);
        let c = check.decision.cleared_parties[0].clearance.as_ref().unwrap();
        assert!(record.payload.contains(&c.cleared_hash));
    }
}

#[test]
fn two_stored_parties_of_the_same_name_and_country_are_not_cleared() {
    for url in stores("twins") {
        let (mut ledger, _) = cleared_store(&url, None);
        ledger
            .add_party(
                &NewParty {
                    name: NAME.to_owned(),
                    country: Some("CN".to_owned()),
                    external_id: Some("C-2".to_owned()),
                    ..NewParty::default()
                },
                "officer",
                Timestamp::parse(NOW).unwrap(),
            )
            .unwrap();
        let engine = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
        let d = decide(&engine, NAME, "2026-12-07");
        assert!(d.cleared_parties.is_empty());
        let c = d.listed_parties[0].clearance.as_ref().unwrap();
        assert!(c.why_not.as_deref().unwrap().contains("2 stored parties"), "{c:?}");
    }
}
