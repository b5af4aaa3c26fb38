//! `chipgate party`, `review` and `rescreen` end to end on the own block-list fixtures: parties
//! screened on import with the snapshot they were screened against, hits cleared against the
//! entry's content, a list change re-screening every party (the changed entry re-alerts, the
//! unchanged cleared one does not, an added entry is a new hit, listed by the import), and bad
//! input refused naming the line and field without storing anything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{json, run};

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
        .display()
        .to_string()
}

fn temp_dir(tag: &str) -> PathBuf {
    common::temp_dir("cli-party", tag)
}

/// The review queue's items as (external id, entry key, state).
fn queue(home: &Path, all: bool) -> Vec<(u64, String, String)> {
    let mut args = vec!["review", "list", "--format", "json"];
    if all {
        args.push("--all");
    }
    let out = run(home, &args);
    assert!(out.status.success(), "{out:?}");
    json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["party_id"].as_u64().unwrap(),
                i["entry_key"].as_str().unwrap().to_owned(),
                i["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn names(report: &Value) -> Vec<String> {
    report["new_hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn parties_are_rescreened_when_the_list_changes_and_clearances_follow_the_entry() {
    let home = temp_dir("flow");
    let import = |file: &str| {
        let out = run(
            &home,
            &["lists", "import", &fixture(file), "--force", "--format", "json"],
        );
        assert!(out.status.success(), "{out:?}");
        json(&out)
    };
    let v1 = import("lists/block-v1.csv");
    assert!(v1.get("rescreen").is_none(), "no parties yet: {v1}");

    let out = run(
        &home,
        &["party", "import", &fixture("parties/parties.csv"), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2), "hits found: {out:?}");
    let added = json(&out);
    assert_eq!(added["parties"].as_array().unwrap().len(), 4);
    let mut hit = names(&added["screening"]);
    hit.sort();
    assert_eq!(hit, ["Acme Photonics Holdings", "Borealis Trading House"]);
    let v1_id = v1["snapshot"]["id"].as_str().unwrap();
    let list = json(&run(&home, &["party", "list", "--format", "json"]));
    let status: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["external_id"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        [
            ("C-100", "hit"),
            ("C-200", "hit"),
            ("C-300", "clear"),
            ("C-400", "clear")
        ]
    );
    assert!(list.as_array().unwrap().iter().all(|p| p["screened_snapshot"] == v1_id));

    // Clear both hits; the queue is empty.
    let items = queue(&home, false);
    assert_eq!(items.len(), 2, "{items:?}");
    for (party, key, _) in &items {
        let out = run(
            &home,
            &[
                "review",
                "clear",
                &party.to_string(),
                key,
                "--reason",
                "different company, checked registry",
            ],
        );
        assert!(out.status.success(), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("cleared by test-officer"),
            "{out:?}"
        );
    }
    assert!(queue(&home, false).is_empty());

    // v2: Acme unchanged, Borealis changed (its country), Delta added, Cobalt removed.
    let v2 = import("lists/block-v2.csv");
    let mut became = names(&v2["rescreen"]);
    became.sort();
    assert_eq!(became, ["Borealis Trading House", "Delta Quantum Devices"], "{v2}");
    assert_eq!(v2["rescreen"]["kept_cleared"], 1);
    // Which path ran is reported: on a list this small the change affects more than a
    // quarter of the entries, so it is a full re-screen, and why.
    assert_eq!(v2["rescreen"]["path"], "full", "{v2}");
    assert!(
        v2["rescreen"]["full_because"]
            .as_str()
            .is_some_and(|w| w.contains("entries are affected")),
        "{v2}"
    );
    let after: Vec<(u64, String)> = queue(&home, false)
        .into_iter()
        .map(|(p, _, state)| (p, state))
        .collect();
    assert_eq!(after, [(2, "open".to_owned()), (3, "open".to_owned())]);
    let acme = json(&run(&home, &["party", "show", "C-100", "--format", "json"]));
    assert_eq!(acme["party"]["status"], "cleared");
    assert_eq!(acme["hits"][0]["clearance"]["reviewer"], "test-officer");

    // A full re-screen against the same list finds nothing new.
    let out = run(&home, &["rescreen", "--full", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let full = json(&out);
    assert_eq!(full["screened"], 4);
    assert!(full["new_hits"].as_array().unwrap().is_empty());
    // Nothing stale: a plain rescreen screens nobody.
    assert_eq!(json(&run(&home, &["rescreen", "--format", "json"]))["screened"], 0);

    // Escalate one; every action is in a verifying audit trail.
    let (party, key, _) = queue(&home, false).remove(0);
    let out = run(
        &home,
        &[
            "review",
            "escalate",
            &party.to_string(),
            &key,
            "--reason",
            "owner unclear",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(queue(&home, false)[0].2, "escalated");
    let out = run(&home, &["audit", "verify"]);
    assert!(out.status.success(), "{out:?}");
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn bad_party_input_names_the_line_and_field_and_stores_nothing() {
    let home = temp_dir("bad");
    let out = run(&home, &["party", "import", &fixture("parties/bad-country.csv")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("country") && err.contains("Britain"),
        "{err}"
    );
    let out = run(
        &home,
        &[
            "party",
            "add",
            "Fine Party Ltd",
            "--country",
            "GB",
            "--external-id",
            "B-1",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let out = run(&home, &["party", "add", "Other Ltd", "--external-id", "B-1"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("external_id"), "{out:?}");
    let out = run(&home, &["review", "clear", "B-1", "OWN:nothing", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no hit"), "{out:?}");
    let out = run(
        &home,
        &[
            "review",
            "clear",
            "B-1",
            "OWN:x",
            "--reason",
            "x",
            "--expires",
            "2026-13-01",
        ],
    );
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let list = json(&run(&home, &["party", "list", "--format", "json"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&home);
}

/// The hold reasons' kinds of an order check's JSON.
fn hold_kinds(check: &Value) -> Vec<String> {
    check["result"]["disposition"]["reasons"]
        .as_array()
        .map(|r| r.iter().map(|x| x["kind"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn screen_and_order_check_honour_a_clearance_until_the_entry_changes() {
    let home = temp_dir("honour");
    let ok = |args: &[&str]| {
        let out = run(&home, args);
        assert!(out.status.code().is_some_and(|c| c == 0 || c == 2), "{out:?}");
        out
    };
    ok(&["lists", "import", &fixture("lists/block-v1.csv"), "--force"]);
    ok(&["party", "import", &fixture("parties/parties.csv")]);
    let check = |order_ref: &str| {
        json(&ok(&[
            "order",
            "check",
            "--ref",
            order_ref,
            "--item",
            "nvidia-geforce-rtx-4080",
            "--to",
            "HK",
            "--qty",
            "1",
            "--end-user",
            "Borealis Trading House",
            "--format",
            "json",
        ]))
    };
    // Before any clearance: the own block list's hit holds the order.
    let before = check("SO-HONOUR-1");
    assert!(hold_kinds(&before).contains(&"screening_hit".to_owned()), "{before}");
    assert!(before["screening"][0].get("clearances").is_none());

    let (party, key, _) = queue(&home, false).into_iter().find(|(p, _, _)| *p == 2).unwrap();
    ok(&[
        "review",
        "clear",
        &party.to_string(),
        &key,
        "--reason",
        "a different Borealis: registry number differs",
    ]);

    // Screening the stored name and country shows the hit cleared, naming the reviewer.
    let out = ok(&[
        "screen",
        "Borealis Trading House",
        "--country",
        "HK",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "every hit cleared: {out:?}");
    let screened = json(&out);
    let c = &screened["clearances"][0];
    assert_eq!(
        (c["applies"].as_bool(), c["reviewer"].as_str()),
        (Some(true), Some("test-officer")),
        "{screened}"
    );
    assert_eq!(c["entry_key"], key.as_str());
    // Another country is another party: not cleared.
    let other = json(&ok(&[
        "screen",
        "Borealis Trading House",
        "--country",
        "MO",
        "--format",
        "json",
    ]));
    assert!(other.get("clearances").is_none(), "{other}");

    // The order check is not held by the cleared hit, and says which clearance let it pass.
    let after = check("SO-HONOUR-2");
    assert!(!hold_kinds(&after).contains(&"screening_hit".to_owned()), "{after}");
    let used = &after["screening"][0]["clearances"][0];
    assert_eq!(used["applies"], true, "{after}");
    assert!(used["audit_seq"].as_u64().is_some());

    // v2 changes the Borealis entry (its country): the clearance no longer applies, says why,
    // and the order is held again.
    ok(&["lists", "import", &fixture("lists/block-v2.csv"), "--force"]);
    let changed = check("SO-HONOUR-3");
    assert!(hold_kinds(&changed).contains(&"screening_hit".to_owned()), "{changed}");
    let stale = &changed["screening"][0]["clearances"][0];
    assert_eq!(stale["applies"], false, "{changed}");
    assert!(
        stale["why_not"]
            .as_str()
            .unwrap()
            .starts_with("the entry's content changed"),
        "{changed}"
    );
    let out = run(&home, &["audit", "verify"]);
    assert!(out.status.success(), "{out:?}");
    let _ = std::fs::remove_dir_all(&home);
}
