//! The architecture's rules that the compiler does not check, read from the workspace's
//! `Cargo.toml` files, `ARCHITECTURE.md`, `clippy.toml` and the pure crates' `lib.rs`:
//!
//! - front-ends (CLI, server, batch, worker) depend on the engine (and the ledger, and each
//!   other) and on no crate below the engine;
//! - the code map's "depends on" column is each crate's `[dependencies]` on workspace crates;
//! - the pure crates deny `clippy::disallowed_methods`, and `clippy.toml` disallows the clock
//!   and the file system;
//! - each outside concern has one crate: SQL in the ledger, HTTP in the server, NATS in the
//!   worker, flags and terminals in the binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates that face users: they call the engine.
const FRONT_ENDS: &[&str] = &["chipgate", "chipgate-server", "chipgate-batch", "chipgate-worker"];
/// What a front-end may depend on among the workspace crates, besides other front-ends.
const FRONT_END_MAY_USE: &[&str] = &["chipgate-engine", "chipgate-ledger"];
/// Front-end dependencies below the engine that are still there, each with why. The test
/// fails when one is gone (remove it here) as when a new one appears.
const PENDING: &[(&str, &str, &str)] = &[];
/// The crates that read no clock and no file.
const PURE: &[&str] = &[
    "chipgate-model",
    "chipgate-rules",
    "chipgate-classify",
    "chipgate-decide",
    "chipgate-screen",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every workspace crate's name and its `[dependencies]` on workspace crates (`chipgate*`).
fn workspace() -> BTreeMap<String, BTreeSet<String>> {
    dependencies(|k| k.starts_with("chipgate"))
}

/// Every workspace crate's name and its `[dependencies]` whose names `keep` accepts.
fn dependencies(keep: impl Fn(&str) -> bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut crates = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let value: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let name = value["package"]["name"].as_str().unwrap().to_owned();
        let deps: BTreeSet<String> = value
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|t| t.keys().filter(|k| keep(k)).cloned().collect())
            .unwrap_or_default();
        crates.insert(name, deps);
    }
    crates
}

#[test]
fn front_ends_depend_on_nothing_below_the_engine() {
    let crates = workspace();
    let mut failures = Vec::new();
    for front in FRONT_ENDS {
        let deps = crates.get(*front).unwrap_or_else(|| panic!("no crate {front}"));
        let below: BTreeSet<&str> = deps
            .iter()
            .map(String::as_str)
            .filter(|d| !FRONT_END_MAY_USE.contains(d) && !FRONT_ENDS.contains(d))
            .collect();
        let pending: BTreeSet<&str> = PENDING
            .iter()
            .filter(|(name, _, _)| name == front)
            .flat_map(|(_, deps, _)| deps.split_whitespace())
            .collect();
        for dep in below.difference(&pending) {
            failures.push(format!(
                "{front} depends on {dep}, below the engine: use what chipgate-engine re-exports"
            ));
        }
        for dep in pending.difference(&below) {
            failures.push(format!(
                "{front} no longer depends on {dep}: remove it from PENDING in this test"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The code map's rows: crate name → the names in its "depends on" column.
fn code_map(architecture: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut map = BTreeMap::new();
    for line in architecture.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| `crates/NAME` | concern | depends on |` splits into 5 cells.
        let [_, path, _, deps, _] = cells[..] else {
            continue;
        };
        let Some(name) = path.strip_prefix("`crates/").and_then(|p| p.strip_suffix('`')) else {
            continue;
        };
        let deps = deps
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "—")
            .map(|d| format!("chipgate-{d}"))
            .collect();
        map.insert(name.to_owned(), deps);
    }
    map
}

#[test]
fn the_code_map_lists_each_crates_dependencies() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let map = code_map(&architecture);
    let crates = workspace();
    let mut failures = Vec::new();
    for (name, deps) in &crates {
        match map.get(name) {
            None => failures.push(format!("{name} is not in ARCHITECTURE.md's code map")),
            Some(listed) if listed != deps => failures.push(format!(
                "{name}: the code map says it depends on {listed:?}, its Cargo.toml on {deps:?}"
            )),
            Some(_) => {}
        }
    }
    for name in map.keys().filter(|name| !crates.contains_key(*name)) {
        failures.push(format!("the code map lists {name}, which is not a workspace crate"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_code_map_reader_reads_names_and_dashes() {
    let text = "| crate | concern | depends on |\n|---|---|---|\n\
                | `crates/chipgate-a` | A \\| B | model, rules |\n| `crates/chipgate-b` | B | — |\n";
    let map = code_map(text);
    assert_eq!(
        map.get("chipgate-b"),
        Some(&BTreeSet::new()),
        "a dash is no dependency: {map:?}"
    );
    // A row whose concern holds a `|` is not a row of three cells: it is skipped, and the
    // code-map test then reports the crate as missing.
    assert!(!map.contains_key("chipgate-a"));
}

#[test]
fn pure_crates_deny_the_clock_and_the_file_system() {
    let clippy = std::fs::read_to_string(root().join("clippy.toml")).unwrap();
    let clippy: toml::Table = toml::from_str(&clippy).unwrap();
    let banned: BTreeSet<&str> = clippy["disallowed-methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    for method in [
        "std::time::SystemTime::now",
        "std::time::Instant::now",
        "std::fs::read",
        "std::fs::read_to_string",
        "std::fs::write",
        "std::fs::File::open",
    ] {
        assert!(banned.contains(method), "clippy.toml does not disallow {method}");
    }
    for name in PURE {
        let lib = root().join("crates").join(name).join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).unwrap();
        assert!(
            text.lines().any(|l| l.trim() == "#![deny(clippy::disallowed_methods)]"),
            "{} does not deny clippy::disallowed_methods",
            lib.display()
        );
    }
}

/// (dependency, the one crate that may have it): the outside concerns each crate owns.
const OWNED: &[(&str, &str)] = &[
    ("rusqlite", "chipgate-ledger"),
    ("postgres", "chipgate-ledger"),
    ("axum", "chipgate-server"),
    ("hyper", "chipgate-server"),
    ("tower-http", "chipgate-server"),
    ("async-nats", "chipgate-worker"),
    ("clap", "chipgate"),
    ("clap_complete", "chipgate"),
    ("clap_mangen", "chipgate"),
];

#[test]
fn each_outside_concern_has_one_crate() {
    let deps = dependencies(|k| OWNED.iter().any(|(dep, _)| *dep == k));
    let mut failures = Vec::new();
    for (name, owned) in &deps {
        for dep in owned {
            let owner = OWNED.iter().find(|(d, _)| d == dep).map(|(_, o)| *o);
            if owner != Some(name.as_str()) {
                failures.push(format!("{name} depends on {dep}, which only {owner:?} may use"));
            }
        }
    }
    for (dep, owner) in OWNED {
        if !deps.get(*owner).is_some_and(|d| d.contains(*dep)) {
            failures.push(format!("{owner} no longer depends on {dep}: update OWNED"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
