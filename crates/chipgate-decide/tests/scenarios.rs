//! Runs `tests/scenarios/decisions*.toml`, plus listed-party, Part 746 sweep, timeline and
//! error behaviour.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly"
)]

use std::sync::OnceLock;

use chipgate_data::Embedded;
use chipgate_decide::{Decider, ListedParty, NoLists, PartyLookup, Request, ScenarioFile};
use chipgate_model::Date;

fn decider() -> &'static Decider {
    static D: OnceLock<Decider> = OnceLock::new();
    D.get_or_init(|| Decider::load(&Embedded).unwrap())
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// Every `tests/scenarios/<prefix>*.toml` file, parsed by the one scenario runner
/// (`chipgate_decide::scenarios`, which `chipgate rules test` also calls).
fn scenario_files(prefix: &str) -> Vec<ScenarioFile> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".toml"))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            ScenarioFile::parse(&p.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// Runs the scenarios of the files against a party index; returns the failures.
fn run_scenarios(files: &[ScenarioFile], lists: &dyn PartyLookup) -> Vec<String> {
    let mut failures = Vec::new();
    for file in files {
        let run = file.run(decider(), lists).unwrap_or_else(|e| panic!("{e}"));
        for f in run.failures {
            failures.push(format!("{}: {}", f.name, f.problems.join("; ")));
        }
    }
    failures
}

#[test]
fn classification_scenarios() {
    let files = scenario_files("classification");
    assert!(files.iter().map(ScenarioFile::len).sum::<usize>() >= 10);
    let failures = run_scenarios(&files, &NoLists);
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}

#[test]
fn decision_scenarios() {
    let files = scenario_files("decisions");
    assert!(files.len() >= 2, "decisions.toml and decisions-ear.toml");
    let failures = run_scenarios(&files, &NoLists);
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}

/// `tests/scenarios/parties.toml` against the fake index.
#[test]
fn party_scenarios() {
    let files = scenario_files("parties");
    assert!(files.iter().map(ScenarioFile::len).sum::<usize>() >= 20);
    let failures = run_scenarios(&files, &FakeEntityList);
    assert!(failures.is_empty(), "failed party scenarios:\n{}", failures.join("\n"));
}

/// A fake screening index: each known name maps to one entry with a fixed score, so the
/// bands, listing dates and ownership rules can be tested without the real lists (the
/// engine's tests run the same rules against the bundled CSL).
struct FakeEntityList;

/// (query, list code, entry, score, FR citation, license requirement, policy)
const FAKE_HITS: [(&str, &str, &str, f64, &str, &str, &str); 8] = [
    // An entry whose list gives its start_date (see `screen` below).
    (
        "Dated Entity Ltd",
        "EL",
        "Dated Entity Ltd",
        1.0,
        "89 FR 1",
        "For all items subject to the EAR",
        "Presumption of denial",
    ),
    (
        "Huawei Technologies Co., Ltd.",
        "EL",
        "Huawei Technologies Co., Ltd.",
        1.0,
        "84 FR 22963",
        "For all items subject to the EAR",
        "Presumption of denial",
    ),
    (
        "Huawei Technologies",
        "EL",
        "Huawei Technologies Co., Ltd.",
        0.75,
        "84 FR 22963",
        "For all items subject to the EAR",
        "Presumption of denial",
    ),
    // A one-word query: the fake marks it a partial name.
    (
        "Huawei",
        "EL",
        "Huawei Technologies Co., Ltd.",
        0.95,
        "84 FR 22963",
        "For all items subject to the EAR",
        "Presumption of denial",
    ),
    (
        "Moore Thread Intelligent Technology (Beijing) Co., Ltd.",
        "EL",
        "Moore Thread Intelligent Technology (Beijing) Co., Ltd.",
        1.0,
        "88 FR 71992",
        "For all items subject to the EAR",
        "Case-by-case review",
    ),
    (
        "Military Unit 1",
        "MEU",
        "Military Unit 1",
        1.0,
        "85 FR 83799",
        "For items in Supp. No. 2 to Part 744",
        "Presumption of denial",
    ),
    ("Sanctioned Holding", "SDN", "Sanctioned Holding", 1.0, "", "", ""),
    (
        "Cambricon Technologies Corporation Limited",
        "EL",
        "Cambricon Technologies Corporation Limited",
        1.0,
        "87 FR 77505",
        "For all items subject to the EAR",
        "Presumption of denial",
    ),
];

impl PartyLookup for FakeEntityList {
    fn screen(&self, name: &str, _country: Option<&str>, min_score: f64, lists: &[String]) -> Vec<ListedParty> {
        FAKE_HITS
            .iter()
            .filter(|h| h.0.eq_ignore_ascii_case(name.trim()) && h.3 >= min_score && lists.iter().any(|l| l == h.1))
            .map(|&(query, code, entry, score, fr, lr, lp)| ListedParty {
                role: String::new(),
                query: query.to_owned(),
                list: format!("{code} list"),
                code: code.to_owned(),
                name: entry.to_owned(),
                matched: entry.to_owned(),
                score,
                explanation: "fake".to_owned(),
                partial: !query.contains(' '),
                license_requirement: Some(lr.to_owned()).filter(|t| !t.is_empty()),
                license_policy: Some(lp.to_owned()).filter(|t| !t.is_empty()),
                federal_register: Some(fr.to_owned()).filter(|t| !t.is_empty()),
                start_date: (query == "Dated Entity Ltd").then(|| "2024-06-10".to_owned()),
                authority: Some("15 C.F.R. § 744.16 and Supplement No. 4 to Part 744".to_owned()),
                listing: None,
                clearance: None,
                entry: None,
            })
            .collect()
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
    // The paragraph is the list's authority from the list data, not a text in the code.
    assert_eq!(
        r.reasons[0].paragraph,
        "15 C.F.R. § 744.16 and Supplement No. 4 to Part 744"
    );
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
    let nac = r.exceptions_ruled_out.iter().find(|x| x.symbol == "NAC").unwrap();
    assert!(nac.why.contains("a party is on a restricted list"), "{}", nac.why);
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

/// No catalog item is ever "no license required" to a Part 746 destination: the embargo
/// layer decides before the advanced-computing rules, whatever the item.
#[test]
fn no_green_light_for_part_746_destinations() {
    let d = decider();
    let places: [(&str, Option<&str>); 8] = [
        ("CU", None),
        ("IR", None),
        ("KP", None),
        ("SY", None),
        ("RU", None),
        ("BY", None),
        ("UA", Some("crimea")),
        ("UA", Some("dnr")),
    ];
    let mut greens = Vec::new();
    for item in d.classifier().catalog().iter() {
        for (to, region) in places {
            for day in ["2022-11-01", "2024-06-01", "2025-09-02", "2026-08-01"] {
                let request = Request {
                    destination: to.to_owned(),
                    region: region.map(str::to_owned),
                    ..Request::default()
                };
                let r = d.decide(item, &request, date(day), &NoLists).unwrap();
                if r.outcome.as_str() == "no_license_required" || r.outcome.as_str() == "license_exception_available" {
                    greens.push(format!(
                        "{} to {to} on {day}: {}",
                        item.id().map(ToString::to_string).unwrap_or_default(),
                        r.outcome.as_str()
                    ));
                }
            }
        }
    }
    assert!(
        greens.is_empty(),
        "green lights to Part 746 destinations:\n{}",
        greens.join("\n")
    );
}

/// The timeline names the Part 746 dates that lie before chipgate's first rule version.
#[test]
fn russia_timeline_shows_the_part_746_dates() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let request = Request {
        destination: "RU".to_owned(),
        eccn: Some("5A992.c".to_owned()),
        end_use: Some("military".to_owned()),
        ..Request::default()
    };
    let t = d.timeline(item, &request, &NoLists).unwrap();
    assert!(t.entries.iter().all(|e| e.outcome.as_str() == "license_required"));
    for (day, id) in [
        ("2022-04-08", "embargo-russia-ccl"),
        ("2022-02-24", "embargo-russia-2022-02-24"),
        ("2022-02-24", "meu-744-21-russia"),
    ] {
        assert!(
            t.events.iter().any(|e| e.starts_with(day) && e.contains(id)),
            "{day} {id} not in {:?}",
            t.events
        );
    }
}

/// Syria's easing on 2025-09-02 is a period boundary of the timeline.
#[test]
fn syria_timeline_changes_on_2025_09_02() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let request = Request {
        destination: "SY".to_owned(),
        ..Request::default()
    };
    let t = d.timeline(item, &request, &NoLists).unwrap();
    let entry = t.entries.iter().find(|e| e.from == date("2025-09-02")).unwrap();
    assert!(
        entry.changed_by.iter().any(|c| c.contains("embargo-syria-2025")),
        "{:?}",
        entry.changed_by
    );
}

/// Bad new inputs are clear errors naming the field, never silent defaults.
#[test]
fn bad_region_and_eccn_are_errors() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let ask = |request: Request| {
        d.decide(item, &request, date("2024-06-01"), &NoLists)
            .unwrap_err()
            .to_string()
    };
    let e = ask(Request {
        destination: "UA".to_owned(),
        region: Some("atlantis".to_owned()),
        ..Request::default()
    });
    assert!(e.contains("`region`") && e.contains("crimea"), "{e}");
    let e = ask(Request {
        destination: "DE".to_owned(),
        region: Some("crimea".to_owned()),
        ..Request::default()
    });
    assert!(e.contains("`region`") && e.contains("no regions of DE"), "{e}");
    let e = ask(Request {
        destination: "DE".to_owned(),
        eccn: Some("gpu".to_owned()),
        ..Request::default()
    });
    assert!(e.contains("`eccn`") && e.contains("EAR99"), "{e}");
    let h100 = d.classifier().catalog().get("nvidia-h100-sxm5").unwrap();
    let e = d
        .decide(
            h100,
            &Request {
                destination: "DE".to_owned(),
                eccn: Some("EAR99".to_owned()),
                ..Request::default()
            },
            date("2024-06-01"),
            &NoLists,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("contradicts") && e.contains("3A090.a"), "{e}");
    let e = ask(Request {
        destination: "US".to_owned(),
        ..Request::default()
    });
    assert!(e.contains("United States"), "{e}");
}

/// Every decision states what it did not evaluate.
#[test]
fn every_decision_names_what_it_did_not_evaluate() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-h100-sxm5").unwrap();
    let request = Request {
        destination: "DE".to_owned(),
        ..Request::default()
    };
    let r = d.decide(item, &request, date("2024-06-01"), &NoLists).unwrap();
    assert_eq!(r.outcome.as_str(), "no_license_required");
    let ids: Vec<&str> = r.not_evaluated.iter().map(|n| n.id.as_str()).collect();
    for id in ["itar", "ofac-programs", "deemed-exports", "de-minimis-fdp"] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("under every rule chipgate evaluates")));
}

/// Bad ownership input is a clear error naming the field.
#[test]
fn bad_ownership_is_an_error() {
    let d = decider();
    let item = d.classifier().catalog().get("nvidia-geforce-rtx-4080").unwrap();
    let owner = |owner: &str, percent: f64| chipgate_decide::Ownership {
        party: None,
        owner: owner.to_owned(),
        percent: Some(percent),
        source: None,
    };
    for owners in [
        vec![owner("A", 60.0), owner("B", 50.0)],
        vec![owner("A", -5.0)],
        vec![owner(" ", 10.0)],
    ] {
        let request = Request {
            destination: "DE".to_owned(),
            owners,
            ..Request::default()
        };
        let e = d
            .decide(item, &request, date("2025-10-01"), &FakeEntityList)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`owners`"), "{e}");
    }
}

/// The runner reports a scenario whose answer differs, naming it and the difference, and
/// refuses a file it cannot run as written rather than skipping a scenario.
#[test]
fn the_scenario_runner_reports_differences_and_refuses_bad_files() {
    let wrong = r#"
[[scenario]]
name = "H100 to Germany, stated wrongly"
item = "nvidia-h100-sxm5"
to = "DE"
date = "2024-01-10"
outcome = "license_required"
reasons = []
source = "test"

[[scenario]]
name = "H100 classified, stated wrongly"
item = "nvidia-h100-sxm5"
date = "2024-01-10"
outcome = "not_controlled"
eccn = []
source = "test"
"#;
    let run = ScenarioFile::parse("wrong.toml", wrong)
        .unwrap()
        .run(decider(), &NoLists)
        .unwrap();
    assert_eq!(run.scenarios, 2);
    let names: Vec<&str> = run.failures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["H100 to Germany, stated wrongly", "H100 classified, stated wrongly"]
    );
    assert!(run.failures[0].problems[0].starts_with("outcome no_license_required != license_required"));
    assert!(run.failures[1].problems[0].starts_with("outcome controlled != not_controlled"));

    let unknown_key = "[[scenario]]\nname = \"x\"\nitem = \"nvidia-h20\"\ndate = \"2025-01-01\"\noutcome = \"controlled\"\neccn = []\nsource = \"s\"\ncolour = 1\n";
    let e = ScenarioFile::parse("bad.toml", unknown_key).unwrap_err().to_string();
    assert!(
        e.contains("bad.toml") && e.contains("`x`") && e.contains("colour"),
        "{e}"
    );

    let no_source = wrong.replace("source = \"test\"", "source = \"\"");
    let e = ScenarioFile::parse("nosource.toml", &no_source)
        .unwrap()
        .run(decider(), &NoLists)
        .unwrap_err()
        .to_string();
    assert!(e.contains("source"), "{e}");

    let unknown_item = wrong.replace("nvidia-h100-sxm5", "no-such-chip");
    let e = ScenarioFile::parse("item.toml", &unknown_item)
        .unwrap()
        .run(decider(), &NoLists)
        .unwrap_err()
        .to_string();
    assert!(e.contains("item") && e.contains("no-such-chip"), "{e}");
}
