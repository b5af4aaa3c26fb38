//! Runs the data-driven scenarios in `tests/scenarios/classification.toml`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests and benches fail loudly")]

mod common;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scenario: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    item: String,
    date: String,
    outcome: String,
    eccn: Vec<String>,
    #[serde(default)]
    paragraphs: Option<Vec<String>>,
    #[serde(default)]
    headroom: Vec<String>,
    #[serde(default)]
    missing: Vec<String>,
    source: String,
}

#[test]
fn classification_scenarios() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/scenarios/classification.toml"
    ))
    .unwrap();
    let file: File = toml::from_str(&text).unwrap();
    let classifier = common::classifier();
    let mut failures = Vec::new();
    for s in &file.scenario {
        assert!(!s.source.is_empty(), "{}: every scenario cites its source", s.name);
        let result = classifier.classify_id(&s.item, common::date(&s.date)).unwrap();
        let eccn: Vec<String> = result.eccn.iter().map(ToString::to_string).collect();
        let mut problems = Vec::new();
        if result.outcome.as_str() != s.outcome {
            problems.push(format!("outcome {} != {}", result.outcome.as_str(), s.outcome));
        }
        if eccn != s.eccn {
            problems.push(format!("eccn {eccn:?} != {:?}", s.eccn));
        }
        if let Some(expected) = &s.paragraphs {
            let met: Vec<String> = result.paragraphs.iter().map(ToString::to_string).collect();
            if &met != expected {
                problems.push(format!("paragraphs {met:?} != {expected:?}"));
            }
        }
        for h in &s.headroom {
            if !result.headroom.iter().any(|x| x.text().starts_with(h.as_str())) {
                problems.push(format!("no headroom line starting `{h}`"));
            }
        }
        for m in &s.missing {
            if !result.missing_inputs.iter().any(|x| x.fact == m) {
                problems.push(format!("missing input `{m}` not reported"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({} on {}): {}",
                s.name,
                s.item,
                s.date,
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}

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
