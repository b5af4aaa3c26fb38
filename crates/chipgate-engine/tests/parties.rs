//! The party check against the real bundled lists (the rules themselves are tested with a
//! fake index in chipgate-decide): names typed as clerks type them, short names and partial
//! names of listed entities never get a green light; a clear name does.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chipgate_data::Embedded;
use chipgate_decide::Request;
use chipgate_engine::Engine;

fn decide(engine: &Engine, end_user: &str, hq: Option<&str>) -> chipgate_decide::Decision {
    let item = engine.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let request = Request {
        destination: "DE".to_owned(),
        end_user: Some(end_user.to_owned()),
        end_user_hq: hq.map(str::to_owned),
        ..Request::default()
    };
    engine.decide(item, &request, "2024-06-01".parse().unwrap()).unwrap()
}

#[test]
fn listed_entities_typed_loosely_are_never_green() {
    let engine = Engine::load(&Embedded).unwrap();
    for (name, hq) in [
        ("Huawei Technologies Co., Ltd.", Some("CN")),
        ("HUAWEI TECHNOLOGIES CO LTD", None),
        // Listed as "Huawei Cloud Computing Technology" (issue 14).
        ("Huawei Cloud Computing Technologies Co., Ltd.", Some("CN")),
        ("Huawei", None),
        ("Hikvision", None),
        ("SMIC", None),
    ] {
        let d = decide(&engine, name, hq);
        assert_ne!(
            d.outcome.as_str(),
            "no_license_required",
            "{name}: {:?}",
            d.missing_inputs
        );
        assert!(
            !d.listed_parties.is_empty() || !d.possible_listed_parties.is_empty(),
            "{name}: neither listed nor possible"
        );
        // Every reason or review item names the entry, its list and the score.
        for p in d.listed_parties.iter().chain(&d.possible_listed_parties) {
            assert!(!p.code.is_empty() && !p.name.is_empty() && p.score > 0.0, "{p:?}");
        }
    }
}

#[test]
fn an_unrelated_name_is_clear() {
    let engine = Engine::load(&Embedded).unwrap();
    let d = decide(&engine, "Zentrix Cloud GmbH", Some("DE"));
    assert_eq!(
        d.outcome.as_str(),
        "no_license_required",
        "{:?}",
        d.possible_listed_parties
    );
    assert!(d.listed_parties.is_empty() && d.possible_listed_parties.is_empty());
}

#[test]
fn a_strong_match_carries_the_entry_and_its_listing_date() {
    let engine = Engine::load(&Embedded).unwrap();
    let d = decide(&engine, "Huawei Technologies Co., Ltd.", Some("CN"));
    assert_eq!(d.outcome.as_str(), "license_required");
    let hit = d.listed_parties.iter().find(|p| p.code == "EL").unwrap();
    assert!(hit.score >= engine.decider().party_rules().strong);
    assert!(hit.listing.as_deref().is_some_and(|l| l.contains("FR")), "{hit:?}");
    let reason = d.reasons.iter().find(|r| r.id == "listed-party").unwrap();
    assert!(reason.paragraph.contains("744"), "{}", reason.paragraph);
}
