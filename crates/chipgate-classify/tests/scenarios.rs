//! Every catalog item on every rule version, stable JSON, the A800's timeline. The scenarios
//! of `tests/scenarios/classification.toml` run in chipgate-decide's tests, through the one
//! scenario runner (`chipgate_decide::scenarios`, also `chipgate rules test`).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests and benches fail loudly")]

mod common;

#[test]
fn every_catalog_item_classifies_on_every_rule_version() {
    let classifier = common::classifier();
    assert!(classifier.catalog().len() >= 55);
    for record in classifier.catalog().iter() {
        let timeline = classifier.timeline(record).unwrap();
        assert_eq!(timeline.entries.len(), classifier.rules().versions().len());
        for entry in &timeline.entries {
            if entry.outcome == chipgate_classify::Outcome::Controlled {
                assert!(!entry.eccn.is_empty());
            }
        }
    }
}

#[test]
fn same_inputs_same_json() {
    let classifier = common::classifier();
    let a = serde_json::to_string(
        &classifier
            .classify_id("nvidia-h20", common::date("2025-04-20"))
            .unwrap(),
    )
    .unwrap();
    let b = serde_json::to_string(
        &classifier
            .classify_id("nvidia-h20", common::date("2025-04-20"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(a, b);
}

#[test]
fn a800_timeline_flips_on_2023_11_17_for_the_interconnect() {
    let classifier = common::classifier();
    let record = classifier.catalog().get("nvidia-a800-sxm4").unwrap();
    let timeline = classifier.timeline(record).unwrap();
    let first = &timeline.entries[0];
    assert_eq!(first.outcome.as_str(), "not_controlled");
    assert!(
        first
            .why
            .iter()
            .any(|w| w.contains("interconnect") && w.contains("400")),
        "{:?}",
        first.why
    );
    let second = &timeline.entries[1];
    assert_eq!(second.effective.to_string(), "2023-11-17");
    assert!(second.changed);
    assert_eq!(
        second.eccn.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        ["3A090.a"]
    );
}
