//! Runs `tests/scenarios/decisions.toml`, plus listed-party and error behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests and benches fail loudly")]

use std::sync::OnceLock;

use chipgate_data::Embedded;
use chipgate_decide::{Decider, ListedParty, NoLists, PartyLookup, Request};
use chipgate_model::Date;
use serde::Deserialize;

fn decider() -> &'static Decider {
    static D: OnceLock<Decider> = OnceLock::new();
    D.get_or_init(|| Decider::load(&Embedded).unwrap())
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

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
    to: String,
    date: String,
    #[serde(default)]
    end_user_hq: Option<String>,
    #[serde(default)]
    parent_hq: Option<String>,
    #[serde(default)]
    exporter: Option<String>,
    #[serde(default)]
    end_use: Option<String>,
    #[serde(default)]
    as_written: bool,
    outcome: String,
    #[serde(default)]
    review_policy: Option<String>,
    reasons: Vec<String>,
    #[serde(default)]
    exceptions: Option<Vec<String>>,
    #[serde(default)]
    notification_days: Option<u32>,
    #[serde(default)]
    not_enforced: Vec<String>,
    source: String,
}

#[test]
fn decision_scenarios() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/scenarios/decisions.toml"
    ))
    .unwrap();
    let file: File = toml::from_str(&text).unwrap();
    let d = decider();
    let mut failures = Vec::new();
    for s in &file.scenario {
        assert!(!s.source.is_empty());
        let item = d.classifier().catalog().get(&s.item).unwrap();
        let request = Request {
            destination: s.to.clone(),
            end_user_hq: s.end_user_hq.clone(),
            parent_hq: s.parent_hq.clone(),
            exporter: s.exporter.clone(),
            end_use: s.end_use.clone(),
            as_written: s.as_written,
            ..Request::default()
        };
        let r = d.decide(item, &request, date(&s.date), &NoLists).unwrap();
        let mut problems = Vec::new();
        if r.outcome.as_str() != s.outcome {
            problems.push(format!("outcome {} != {}", r.outcome.as_str(), s.outcome));
        }
        if let Some(p) = &s.review_policy {
            if r.review_policy.map(|x| x.as_str()) != Some(p.as_str()) {
                problems.push(format!("policy {:?} != {p}", r.review_policy));
            }
        }
        let ids: Vec<String> = r.reasons.iter().map(|x| x.id.to_string()).collect();
        for want in &s.reasons {
            if !ids.contains(want) {
                problems.push(format!("reason `{want}` missing from {ids:?}"));
            }
        }
        if s.reasons.is_empty() && !ids.is_empty() {
            problems.push(format!("unexpected reasons {ids:?}"));
        }
        if let Some(want) = &s.exceptions {
            let got: Vec<String> = r.exceptions.iter().map(|x| x.symbol.to_string()).collect();
            if &got != want {
                problems.push(format!("exceptions {got:?} != {want:?}"));
            }
        }
        if let Some(days) = s.notification_days {
            let got = r
                .exceptions
                .iter()
                .flat_map(|x| &x.conditions)
                .filter_map(|c| c.notification_days)
                .max()
                .unwrap_or(0);
            if got != days {
                problems.push(format!("notification days {got} != {days}"));
            }
        }
        for want in &s.not_enforced {
            if !r.not_enforced.iter().any(|x| x.id == want) {
                problems.push(format!("not-enforced `{want}` missing"));
            }
        }
        if r.license_required != matches!(s.outcome.as_str(), "license_required" | "license_exception_available") {
            problems.push("license_required disagrees with outcome".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", s.name, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}

struct FakeEntityList;

impl PartyLookup for FakeEntityList {
    fn lookup(&self, name: &str) -> Vec<ListedParty> {
        if name.eq_ignore_ascii_case("Huawei Technologies Co., Ltd.") {
            vec![ListedParty {
                role: String::new(),
                query: name.to_owned(),
                list: "Entity List (EL) - Bureau of Industry and Security".to_owned(),
                name: "Huawei Technologies Co., Ltd.".to_owned(),
                matched: "Huawei Technologies Co., Ltd.".to_owned(),
                license_requirement: Some("For all items subject to the EAR".to_owned()),
                license_policy: Some("Presumption of denial".to_owned()),
                federal_register: Some("84 FR 22963".to_owned()),
            }]
        } else {
            Vec::new()
        }
    }
    fn snapshot_id(&self) -> Option<String> {
        Some("test-snapshot".to_owned())
    }
}

#[test]
fn listed_end_user_needs_a_license_for_any_item_with_the_entry_policy() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let request = Request {
        destination: "DE".to_owned(),
        end_user: Some("Huawei Technologies Co., Ltd.".to_owned()),
        ..Request::default()
    };
    let r = d.decide(item, &request, date("2024-06-01"), &FakeEntityList).unwrap();
    assert_eq!(r.outcome.as_str(), "license_required");
    assert_eq!(r.review_policy.map(|p| p.as_str()), Some("presumption_of_denial"));
    assert_eq!(&*r.reasons[0].citation, "84 FR 22963");
    assert!(r.reasons[0].text.contains("For all items subject to the EAR"));
    assert_eq!(r.list_snapshot.as_deref(), Some("test-snapshot"));
}

#[test]
fn listed_party_removes_exceptions() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-geforce-rtx-4090").unwrap();
    let request = Request {
        destination: "CN".to_owned(),
        consignee: Some("huawei technologies co., ltd.".to_owned()),
        ..Request::default()
    };
    let r = d.decide(item, &request, date("2024-06-01"), &FakeEntityList).unwrap();
    assert_eq!(r.outcome.as_str(), "license_required");
    assert!(r.exceptions.is_empty());
    assert!(r.notes.iter().any(|n| n.contains("exceptions are not available")));
}

#[test]
fn errors_are_clear() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-h20").unwrap();
    let ask = |to: &str, f: fn(&mut Request)| {
        let mut request = Request {
            destination: to.to_owned(),
            ..Request::default()
        };
        f(&mut request);
        d.decide(item, &request, date("2025-04-20"), &NoLists)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        ask("Chna", |_| {}),
        "unknown country `Chna` for `destination`; did you mean CN (China)?"
    );
    assert_eq!(
        ask("Atlantis", |_| {}),
        "unknown country `Atlantis` for `destination`; use an ISO 3166-1 alpha-2 code such as `CN` or a country name"
    );
    assert_eq!(
        ask("CN", |r| r.end_user_hq = Some("Nowhere".to_owned()))
            .split(';')
            .next()
            .unwrap(),
        "unknown country `Nowhere` for `end_user_hq`"
    );
    assert!(ask("US", |_| {}).contains("is the United States"));
    assert_eq!(ask("CN", |r| r.quantity = Some(0)), "`quantity`: must be at least 1");
    let early = d.decide(
        item,
        &Request {
            destination: "CN".to_owned(),
            ..Request::default()
        },
        date("2021-01-01"),
        &NoLists,
    );
    assert!(early.unwrap_err().to_string().contains("is before 2022-10-07"));
}

#[test]
fn h20_timeline_names_the_april_2025_notice() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-h20").unwrap();
    let t = d
        .timeline(
            item,
            &Request {
                destination: "CN".to_owned(),
                ..Request::default()
            },
            &NoLists,
        )
        .unwrap();
    assert_eq!(t.entries.len(), 2, "{:#?}", t.entries);
    assert_eq!(t.entries[0].outcome.as_str(), "no_license_required");
    assert_eq!(t.entries[0].until.unwrap().to_string(), "2025-04-08");
    assert_eq!(t.entries[1].from.to_string(), "2025-04-09");
    assert!(t.entries[1].changed_by[0].contains("is-informed-nvidia-h20-2025-04-09"));
    assert!(t.events.iter().any(|e| e.starts_with("2025-07-14")));
}

#[test]
fn same_inputs_same_decision() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-h200-sxm").unwrap();
    let request = Request {
        destination: "CN".to_owned(),
        ..Request::default()
    };
    let a = serde_json::to_string(&d.decide(item, &request, date("2026-02-01"), &NoLists).unwrap()).unwrap();
    let b = serde_json::to_string(&d.decide(item, &request, date("2026-02-01"), &NoLists).unwrap()).unwrap();
    assert_eq!(a, b);
}
