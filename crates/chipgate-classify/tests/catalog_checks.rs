//! A catalog record passes more checks than a user's spec file: the ones
//! `tools/check_chips.py` made (retired), now made by every load of the catalog and so by
//! `chipgate rules check`. Each test writes a one-record catalog into a temporary
//! directory, with one fault, and expects the load to fail naming the file and field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::PathBuf;

use chipgate_classify::{Catalog, CatalogError};
use chipgate_data::Directory;

/// A complete catalog record (the shape of `data/chips/*.toml`) of a made-up chip.
const GOOD: &str = r#"id = "test-chip"
kind = "ic"
name = "Test Chip"
vendor = "Test"
model = "Chip"
variant = "PCIe"
launch_year = 2024
datacenter = true
quality = "official"
quality_note = "test record"
notes = "made up for the catalog checks"
sources = ["https://example.invalid/test-chip"]

[throughput]
fp16 = 100

[[dies]]
name = "T1"
area_mm2 = 500
count = 1
non_planar = true
non_planar_note = "made up"
"#;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load(name: &str, text: &str) -> Result<Catalog, CatalogError> {
    let dir = std::env::temp_dir().join(format!("chipgate-catalog-checks-{name}-{}", std::process::id()));
    let scratch = Scratch(dir);
    std::fs::create_dir_all(scratch.0.join("chips")).unwrap();
    std::fs::write(scratch.0.join("chips/test-chip.toml"), text).unwrap();
    Catalog::load(&Directory::new(&scratch.0))
}

/// The load fails on `field` with a message containing `words`.
fn fails_on(name: &str, text: &str, field: &str, words: &str) {
    match load(name, text) {
        Err(CatalogError::Spec(e)) => {
            assert_eq!(e.field, field, "{e}");
            assert!(e.message.contains(words), "{e}");
            assert!(e.origin.ends_with("test-chip.toml"), "{e}");
        }
        other => panic!("{name}: expected a spec error on {field}, got {other:?}"),
    }
}

#[test]
fn the_complete_record_loads() {
    let catalog = load("good", GOOD).unwrap();
    assert_eq!(catalog.len(), 1);
}

#[test]
fn every_required_key_must_be_written() {
    for key in [
        "kind",
        "model",
        "variant",
        "datacenter",
        "quality",
        "quality_note",
        "notes",
        "sources",
    ] {
        let text: String = GOOD
            .lines()
            .filter(|line| !line.starts_with(&format!("{key} =")))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_ne!(text, GOOD, "{key} is in the record");
        fails_on(key, &text, key, &format!("missing field `{key}`"));
    }
}

#[test]
fn sources_must_be_urls() {
    let text = GOOD.replace("\"https://example.invalid/test-chip\"", "\"the vendor's datasheet\"");
    fails_on("sources", &text, "sources", "not an http(s) URL");
}

#[test]
fn a_launch_year_must_be_plausible() {
    fails_on(
        "year",
        &GOOD.replace("launch_year = 2024", "launch_year = 1024"),
        "launch_year",
        "plausible",
    );
}

#[test]
fn a_die_states_its_area_and_a_non_planar_die_its_basis() {
    fails_on(
        "area",
        &GOOD.replace("area_mm2 = 500\n", ""),
        "dies[0].area_mm2",
        "area",
    );
    fails_on(
        "note",
        &GOOD.replace("non_planar_note = \"made up\"\n", ""),
        "dies[0].non_planar_note",
        "basis",
    );
    // A planar die needs no note.
    let planar = GOOD
        .replace("non_planar = true", "non_planar = false")
        .replace("non_planar_note = \"made up\"\n", "");
    assert!(load("planar", &planar).is_ok());
}

#[test]
fn the_file_name_is_the_id_and_unknown_fields_are_refused() {
    assert!(matches!(
        load("id", &GOOD.replace("id = \"test-chip\"", "id = \"other-chip\"")),
        Err(CatalogError::IdMismatch { .. })
    ));
    match load("unknown", &GOOD.replace("notes =", "colour = \"green\"\nnotes =")) {
        Err(CatalogError::Spec(e)) => assert!(e.message.contains("colour"), "{e}"),
        other => panic!("expected an unknown-field error, got {other:?}"),
    }
}
