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

/// A list that gives each entry's `start_date` (the trade.gov CSL CSV): an order before it is
/// not caught by the entry, an order from it is.
#[test]
fn the_lists_own_start_date_decides_the_listing_date() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../chipgate-screen/tests/fixtures/lists/csl_format_samples/consolidated_2025-06_cut.csv"
    );
    let bytes = std::fs::read(path).unwrap();
    let snapshot = chipgate_screen::load_list("consolidated.csv", &bytes, "2025-06-01").unwrap();
    let engine = Engine::load(&Embedded)
        .unwrap()
        .with_lists(chipgate_screen::ScreeningIndex::build(snapshot));
    let item = engine.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let request = Request {
        destination: "DE".to_owned(),
        end_user: Some("China Electronics Technology Group Corporation 13th Research Institute (CETC 13)".to_owned()),
        ..Request::default()
    };
    // Its start_date is 2018-08-01 (83 FR 37423); chipgate decides from 2022-10-07, so the
    // day before is checked through the listing logic directly below.
    let d = engine.decide(item, &request, "2022-11-01".parse().unwrap()).unwrap();
    let hit = d.listed_parties.iter().find(|p| p.code == "EL").unwrap();
    assert_eq!(hit.start_date.as_deref(), Some("2018-08-01"));
    assert!(
        hit.listing.as_deref().is_some_and(|l| l.contains("start_date")),
        "{hit:?}"
    );
    let rules = engine.decider().party_rules();
    assert!(matches!(
        rules.listing(
            "EL",
            hit.start_date.as_deref(),
            hit.federal_register.as_deref(),
            "2018-07-31".parse().unwrap()
        ),
        chipgate_decide::Listing::NotYet(_)
    ));
}
