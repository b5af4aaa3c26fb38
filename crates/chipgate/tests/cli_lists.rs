//! `chipgate lists` and the list every screening command uses: the bundled list comes through
//! `chipgate-data`, so `--data-dir` replaces it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::run;

/// Standard output as JSON, of a command that succeeded (or found hits: exit 2).
fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success() || out.status.code() == Some(2), "{out:?}");
    common::json(out)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lists")
        .join(name)
}

fn temp_dir(tag: &str) -> PathBuf {
    common::temp_dir("cli-lists", tag)
}

/// Copies the repository's `data/` (all but the bundled list) into `to`.
fn copy_data(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_data(&path, &target);
        } else if path.extension().is_some_and(|e| e != "json") {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn a_data_dir_replaces_the_bundled_list() {
    let home = temp_dir("data-dir");
    let data = home.join("data");
    copy_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"), &data);
    std::fs::copy(fixture("block-v1.csv"), data.join("lists/block-v1.csv")).unwrap();
    let settings = std::fs::read_to_string(data.join("lists/lists.toml")).unwrap();
    let bundled = settings.lines().find(|l| l.starts_with("bundled = ")).unwrap();
    std::fs::write(
        data.join("lists/lists.toml"),
        settings.replace(bundled, "bundled = \"block-v1.csv\""),
    )
    .unwrap();
    let dir = data.display().to_string();
    let out = run(
        &home,
        &[
            "--data-dir",
            &dir,
            "screen",
            "Acme Photonics Holdings",
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    assert_eq!(
        report["list_snapshot"]["counts"],
        serde_json::json!({"OWN": 3}),
        "{report}"
    );
    assert_eq!(
        report["hits"][0]["entry"]["name"], "Acme Photonics Holdings",
        "{report}"
    );
    // The default is unchanged: the bundled CSL.
    let out = run(&home, &["screen", "Acme Photonics Holdings", "--format", "json"]);
    let report = json(&out);
    assert!(
        report["list_snapshot"]["counts"]["SDN"].as_u64().unwrap() > 10_000,
        "{report}"
    );
    // A data directory whose list file is missing names it.
    std::fs::remove_file(data.join("lists/block-v1.csv")).unwrap();
    let out = run(&home, &["--data-dir", &dir, "screen", "Acme"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("block-v1.csv"), "{out:?}");
    assert!(!home.join("ledger.sqlite3").exists(), "screening created a store");
    let _ = std::fs::remove_dir_all(&home);
}

/// The country table comes through the data source too: a name that only the data
/// directory's `countries/countries.toml` knows is read in list files (the bundled list here,
/// `screen --list`, `lists import`) and decided on, and the embedded table does not know it.
#[test]
fn a_data_dir_replaces_the_country_table_for_lists_as_for_decisions() {
    let home = temp_dir("data-dir-countries");
    let data = home.join("data");
    copy_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"), &data);
    let countries = std::fs::read_to_string(data.join("countries/countries.toml")).unwrap();
    let china = "aliases = [\"china\", ";
    assert!(countries.contains(china), "the fixture edit must apply");
    std::fs::write(
        data.join("countries/countries.toml"),
        countries.replacen(china, "aliases = [\"Cathay\", \"china\", ", 1),
    )
    .unwrap();
    let list = home.join("cathay.csv");
    std::fs::write(&list, "name,country,note\nAcme Photonics Holdings,Cathay,\n").unwrap();
    let (dir, list) = (data.display().to_string(), list.display().to_string());
    let out = run(
        &home,
        &[
            "--data-dir",
            &dir,
            "screen",
            "Acme Photonics Holdings",
            "--list",
            &list,
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    assert_eq!(
        report["hits"][0]["entry"]["countries"],
        serde_json::json!(["CN"]),
        "{report}"
    );
    // The embedded table does not know the name, and says which field and file.
    let out = run(&home, &["screen", "Acme", "--list", &list]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("country") && err.contains("`Cathay` is not a known country"),
        "{err}"
    );
    // Decisions read the same table.
    let out = run(
        &home,
        &[
            "--data-dir",
            &dir,
            "decide",
            "--item",
            "nvidia-h20",
            "--to",
            "Cathay",
            "--date",
            "2025-06-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(json(&out)["destination"]["code"], "CN", "{out:?}");
    let _ = std::fs::remove_dir_all(&home);
}

/// A screening crate fixture (cuts of the real lists).
fn screen_fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../chipgate-screen/tests/fixtures/lists")
        .join(rel)
        .display()
        .to_string()
}

/// Every format at once: CSL JSON and CSV, an OFAC SDN and a consolidated set, the UN XML
/// and an own block list (`own`).
fn every_format(own: &str) -> Vec<String> {
    let mut files: Vec<String> = [
        "csl_2026-07-31_cut.json",
        "csl_format_samples/csl_2019-12_cut.csv",
        "ofac_sdn_full_2021-04-25/sdn.csv",
        "ofac_sdn_full_2021-04-25/alt.csv",
        "ofac_sdn_full_2021-04-25/add.csv",
        "ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv",
        "ofac_nonsdn_consolidated_2025-12-19/cons_alt.csv",
        "ofac_nonsdn_consolidated_2025-12-19/cons_add.csv",
        "un_consolidated_2026-02-27/UN_consolidated.xml",
    ]
    .iter()
    .map(|f| screen_fixture(f))
    .collect();
    files.push(fixture(own).display().to_string());
    files
}

/// The stores to run against: the data home's SQLite file, and PostgreSQL when
/// `CHIPGATE_TEST_DATABASE_URL` is set (a schema of its own).
fn stores(tag: &str) -> Vec<Vec<String>> {
    let mut v = vec![vec![]];
    if let Ok(url) = std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        if !url.is_empty() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                % 1_000_000_000;
            let sep = if url.contains('?') { '&' } else { '?' };
            v.push(vec![
                "--db".to_owned(),
                format!("{url}{sep}schema=cgl_{tag}_{}x{nanos}", std::process::id()),
            ]);
        }
    }
    v
}

fn with(db: &[String], args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).chain(db.iter().cloned()).collect()
}

fn run_s(home: &Path, args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(home, &refs)
}

#[test]
fn import_every_format_see_what_changed_refuse_bad_lists_and_roll_back() {
    for (n, db) in stores("import").into_iter().enumerate() {
        let home = temp_dir(&format!("import-{n}"));
        let import = |files: Vec<String>, force: bool| {
            let mut args = vec!["lists".to_owned(), "import".to_owned()];
            args.extend(files);
            if force {
                args.push("--force".to_owned());
            }
            args.extend(["--format".to_owned(), "json".to_owned()]);
            args.extend(db.iter().cloned());
            run_s(&home, &args)
        };
        // Against the bundled CSL, the cuts shrink every list: refused with the numbers,
        // nothing stored.
        let out = import(every_format("block-v1.csv"), false);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("refusing the import") && message.contains("source `EL` shrank from 3420 to "),
            "{message}"
        );
        // Forced: one snapshot of every format, active, the findings recorded.
        let v1 = json(&import(every_format("block-v1.csv"), true));
        assert_eq!(v1["created"], true);
        assert_eq!(v1["activated"], true);
        assert_eq!(v1["previous"]["origin"], "bundled");
        assert!(!v1["forced"].as_array().unwrap().is_empty());
        let s = &v1["snapshot"];
        let formats: Vec<&str> = s["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["format"].as_str().unwrap())
            .collect();
        assert_eq!(
            formats,
            ["csl_json", "csl_csv", "ofac_legacy", "ofac_legacy", "un_xml", "own_csv"]
        );
        let per_file: u64 = s["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["entries"].as_u64().unwrap())
            .sum();
        assert_eq!(s["entry_count"].as_u64().unwrap(), per_file);
        assert_eq!(s["counts"]["OWN"], 3);
        assert!(s["counts"]["UN"].as_u64().unwrap() > 0 && s["counts"]["PLC"].as_u64().unwrap() > 0);
        let v1_id = s["id"].as_str().unwrap().to_owned();

        // The same files again: the same content address, nothing new.
        let again = json(&import(every_format("block-v1.csv"), false));
        assert_eq!(again["created"], false);
        assert_eq!(again["snapshot"]["id"], v1_id.as_str());

        // v2 of the own list: one added, one removed, one changed; the rest unchanged.
        let v2 = json(&import(every_format("block-v2.csv"), false));
        assert_eq!(v2["previous"]["id"], v1_id.as_str());
        assert_eq!(v2["previous"]["origin"], "store");
        assert_eq!(
            v2["diff"]["summary"]["OWN"],
            serde_json::json!({"before": 3, "after": 3, "added": 1, "removed": 1, "changed": 1})
        );
        for (list, c) in v2["diff"]["summary"].as_object().unwrap() {
            if list != "OWN" {
                assert_eq!(
                    c["added"].as_u64().unwrap() + c["removed"].as_u64().unwrap() + c["changed"].as_u64().unwrap(),
                    0,
                    "{list}: {c}"
                );
            }
        }
        assert_eq!(v2["diff"]["added"][0]["name"], "Delta Quantum Devices");
        assert_eq!(v2["diff"]["removed"][0]["name"], "Cobalt Ridge Systems");
        assert_eq!(v2["diff"]["changed"][0]["name"], "Borealis Trading House");
        let v2_id = v2["snapshot"]["id"].as_str().unwrap().to_owned();
        // Kept with the snapshot.
        let diff = json(&run_s(
            &home,
            &with(&db, &["lists", "diff", &v2_id[..12], "--format", "json"]),
        ));
        assert_eq!(diff["summary"], v2["diff"]["summary"]);
        let text = run_s(&home, &with(&db, &["lists", "diff", &v2_id]));
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("added:\n  OWN      Delta Quantum Devices"), "{text}");

        // A list that shrank by two thirds is refused, naming it and the numbers.
        let out = import(every_format("block-v3.csv"), false);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("source `OWN` shrank from 3 to 1 entries (66.7% fewer, more than the 20% allowed)"),
            "{message}"
        );
        // A truncated file is refused, naming its line.
        let out = import(vec![screen_fixture("bad/sdn_truncated.csv")], true);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("line 4: expected 12 fields, found 2"),
            "{out:?}"
        );
        let listing = json(&run_s(&home, &with(&db, &["lists", "--format", "json"])));
        assert_eq!(listing["snapshots"].as_array().unwrap().len(), 2, "{listing}");
        assert_eq!(listing["in_use"], "store");
        assert_eq!(listing["snapshots"][0]["id"], v2_id.as_str());
        assert_eq!(listing["snapshots"][0]["active"], true);

        // Roll back to v1.
        let back = json(&run_s(
            &home,
            &with(
                &db,
                &[
                    "lists",
                    "activate",
                    &v1_id[..16],
                    "--reason",
                    "v2 under review",
                    "--format",
                    "json",
                ],
            ),
        ));
        assert_eq!(back["id"], v1_id.as_str());
        let listing = json(&run_s(&home, &with(&db, &["lists", "--format", "json"])));
        let active: Vec<&str> = listing["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["active"] == true)
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(active, [v1_id.as_str()]);
        // Every screening command uses the active snapshot: v1 has no `Delta Quantum Devices`.
        let screen = |name: &str| json(&run_s(&home, &with(&db, &["screen", name, "--format", "json"])));
        let r = screen("Delta Quantum Devices");
        assert_eq!(r["list_snapshot"]["id"], v1_id.as_str(), "{r}");
        assert_eq!(r["hits"], serde_json::json!([]), "{r}");
        json(&run_s(
            &home,
            &with(&db, &["lists", "activate", &v2_id, "--format", "json"]),
        ));
        let r = screen("Delta Quantum Devices");
        assert_eq!(r["list_snapshot"]["id"], v2_id.as_str(), "{r}");
        assert_eq!(r["hits"][0]["list"], "OWN", "{r}");
        let decision = json(&run_s(
            &home,
            &with(
                &db,
                &[
                    "decide",
                    "--item",
                    "nvidia-h20",
                    "--to",
                    "DE",
                    "--end-user",
                    "Delta Quantum Devices",
                    "--date",
                    "2026-08-03",
                    "--format",
                    "json",
                ],
            ),
        ));
        assert_eq!(decision["list_snapshot"], v2_id.as_str(), "{decision}");
        let check = run_s(
            &home,
            &with(
                &db,
                &[
                    "order",
                    "check",
                    "--ref",
                    "SO-L1",
                    "--item",
                    "nvidia-h20",
                    "--to",
                    "DE",
                    "--qty",
                    "1",
                    "--end-user",
                    "Delta Quantum Devices",
                    "--date",
                    "2026-08-03",
                    "--format",
                    "json",
                ],
            ),
        );
        assert_eq!(check.status.code(), Some(2), "{check:?}");
        let export = run_s(&home, &with(&db, &["audit", "export"]));
        let last = String::from_utf8_lossy(&export.stdout)
            .lines()
            .last()
            .unwrap()
            .to_owned();
        let last: serde_json::Value = serde_json::from_str(&last).unwrap();
        assert_eq!(last["kind"], "order.held", "{last}");
        assert_eq!(last["list_snapshot_id"], v2_id.as_str(), "{last}");
        if db.is_empty() {
            // The batch too (the data home's store; --db belongs to --record).
            let orders = home.join("orders.csv");
            std::fs::write(
                &orders,
                "item,qty,destination,end_user,date\nnvidia-h20,1,DE,Delta Quantum Devices,2026-08-03\n",
            )
            .unwrap();
            let out = run(&home, &["batch", orders.to_str().unwrap(), "--format", "jsonl", "-q"]);
            let text = String::from_utf8_lossy(&out.stdout);
            let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
            assert_eq!(line["decision"]["list_snapshot"], v2_id.as_str(), "{line}");
        }
        let verify = run_s(&home, &with(&db, &["audit", "verify"]));
        assert_eq!(verify.status.code(), Some(0), "{verify:?}");
        let _ = std::fs::remove_dir_all(&home);
    }
}

#[test]
fn listing_without_a_store_shows_the_bundled_list_and_creates_nothing() {
    let home = temp_dir("no-store");
    let listing = json(&run(&home, &["lists", "--format", "json"]));
    assert_eq!(listing["in_use"], "bundled");
    assert_eq!(listing["snapshots"], serde_json::json!([]));
    assert!(listing["bundled"]["entries"].as_u64().unwrap() > 20_000);
    assert!(!home.join("ledger.sqlite3").exists());
    let out = run(&home, &["lists", "activate", "deadbeefdeadbeef"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!home.join("ledger.sqlite3").exists());
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn search_by_identifier_matches_exactly() {
    let home = temp_dir("by-id");
    let sdn = fixture("sdn_uscc.csv").display().to_string();
    // The unified social credit code from the OFAC remarks, written another way.
    let r = json(&run(
        &home,
        &[
            "screen",
            "--list",
            &sdn,
            "--id",
            "91131000-33607322xk",
            "--format",
            "json",
        ],
    ));
    assert_eq!(r["matches"][0]["name"], "RAYBEAM OPTRONICS CO. LTD.", "{r}");
    assert_eq!(
        r["matches"][0]["ids"][1]["kind"], "Unified Social Credit Code (USCC)",
        "{r}"
    );
    // Exactly: one character more or less matches nothing.
    let none = run(
        &home,
        &[
            "screen",
            "--list",
            &sdn,
            "--id",
            "9113100033607322X",
            "--format",
            "json",
        ],
    );
    assert_eq!(none.status.code(), Some(0), "{none:?}");
    assert_eq!(json(&none)["matches"], serde_json::json!([]));
    // The trade.gov CSL CSV `ids` column.
    let csv = screen_fixture("csl_format_samples/consolidated_2025-06_cut.csv");
    let out = run(&home, &["screen", "--list", &csv, "--id", "C122790"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ROSNEFT TRADE LIMITED — SSI (Registration ID C122790)"),
        "{out:?}"
    );
    // From the store's active snapshot.
    let import = run(
        &home,
        &[
            "lists",
            "import",
            &screen_fixture("csl_2026-07-31_cut.json"),
            &sdn,
            "--force",
        ],
    );
    assert_eq!(import.status.code(), Some(0), "{import:?}");
    let r = json(&run(&home, &["screen", "--id", "131082000061293", "--format", "json"]));
    assert_eq!(r["matches"][0]["entity_number"], "22685", "{r}");
    let out = run(&home, &["screen", "--id", "--", "--format", "json"]);
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    let _ = std::fs::remove_dir_all(&home);
}
