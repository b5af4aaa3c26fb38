//! Each loader on the real list files in `../shared/data/lists/` (full files: exact entry
//! counts of the real snapshots). A clone without `../shared` skips these tests with one
//! `skipped:` line each; `loaders_fixtures.rs` covers every format on committed cuts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_screen::{
    detect_format, load_block_list_csv, load_cleared_csv, load_csl_csv, load_csl_json, load_list, load_ofac_legacy,
    load_un_xml, ListFormat, OfacFiles, OfacList, ScreeningIndex,
};
use common::{read, read_shared, shared_or_skip};

#[test]
fn csl_json_shared_copy_equals_bundled() {
    let Some(p) = shared_or_skip("lists/csl-2026-07-31.json", "loaders_fixtures::csl_json_cut") else {
        return;
    };
    let bytes = read(&p);
    let snap = load_csl_json("csl-2026-07-31.json", &bytes).unwrap();
    let bundled = chipgate_screen::bundled_csl().unwrap();
    assert_eq!(snap.id, bundled.id);
    assert_eq!(snap.entries.len(), 25_921);
    let el = snap.entries.iter().find(|e| e.source_code == "EL").unwrap();
    assert!(el.source.starts_with("Entity List (EL)"));
    assert!(el.license_requirement.is_some() && el.federal_register.is_some());
    let sdn = snap.entries.iter().find(|e| e.source_code == "SDN").unwrap();
    assert!(!sdn.programs.is_empty() && sdn.entity_number.is_some());
    assert_eq!(detect_format("x.json", &bytes).unwrap(), ListFormat::CslJson);
}

#[test]
fn csl_csv_old_layout() {
    let Some(p) = shared_or_skip(
        "lists/csl_format_samples/csl_2019-12_sample.csv",
        "loaders_fixtures::csl_csv_old_layout_cut",
    ) else {
        return;
    };
    let bytes = read(&p);
    let snap = load_csl_csv("csl_2019-12_sample.csv", &bytes, "2019-12-01").unwrap();
    assert_eq!(snap.entries.len(), 115);
    assert_eq!(snap.counts_by_source.get("SDN"), Some(&28));
    assert_eq!(snap.counts_by_source.get("SSI"), Some(&26));
    assert_eq!(snap.counts_by_source.get("EL"), Some(&22));
    assert_eq!(snap.source_date, "2019-12-01");
    let e = snap.entries.iter().find(|e| e.name == "200G PSA HOLDINGS LLC").unwrap();
    assert_eq!(e.countries, vec!["US".to_string()]);
    assert_eq!(e.entity_number.as_deref(), Some("20264"));
    assert_eq!(detect_format("x.csv", &bytes).unwrap(), ListFormat::CslCsv);
}

#[test]
fn csl_csv_current_layout_with_meu_and_uvl() {
    let Some(p) = shared_or_skip(
        "lists/csl_format_samples/consolidated_2025-06_sample.csv",
        "loaders_fixtures::csl_csv_current_layout_cut",
    ) else {
        return;
    };
    let bytes = read(&p);
    let snap = load_list("consolidated.csv", &bytes, "2025-06-01").unwrap();
    assert_eq!(snap.entries.len(), 13);
    assert!(snap.counts_by_source.contains_key("MEU"));
    assert!(snap.counts_by_source.contains_key("UVL"));
    let meu = snap.entries.iter().find(|e| e.source_code == "MEU").unwrap();
    assert!(meu
        .license_requirement
        .as_deref()
        .unwrap_or("")
        .contains("supplement no. 2"));
    let plc = snap.entries.iter().find(|e| e.source_code == "PLC").unwrap();
    assert_eq!(plc.alt_names.len(), 2);
}

#[test]
fn ofac_sdn_with_aliases_and_addresses() {
    let fixture_test = "loaders_fixtures::ofac_sdn_set_with_aliases_and_addresses";
    if shared_or_skip("lists/ofac_sdn_2024-05-03", fixture_test).is_none() {
        return;
    }
    if shared_or_skip("lists/ofac_sdn_alt_add_2025-12-24", fixture_test).is_none() {
        return;
    }
    let sdn = read_shared("lists/ofac_sdn_2024-05-03/sdn.csv");
    let alt = read_shared("lists/ofac_sdn_alt_add_2025-12-24/alt.csv");
    let add = read_shared("lists/ofac_sdn_alt_add_2025-12-24/add.csv");
    let files = OfacFiles {
        primary: ("sdn.csv", &sdn),
        alt: Some(("alt.csv", &alt)),
        add: Some(("add.csv", &add)),
    };
    let snap = load_ofac_legacy(files, OfacList::Sdn, "2024-05-03").unwrap();
    assert_eq!(snap.entries.len(), 14_965);
    assert_eq!(detect_format("sdn.csv", &sdn).unwrap(), ListFormat::OfacPrimary);
    let alone = load_list("sdn.csv", &sdn, "2024-05-03").unwrap();
    assert_eq!(alone.entries.len(), 14_965);
    assert!(alone.entries.iter().all(|e| e.alt_names.is_empty()));
    assert_eq!(snap.counts_by_source.get("SDN"), Some(&14_965));
    // Identifiers from the remarks: every record whose remarks carry a unified social credit
    // code has it, and the index finds each by it (and by nothing shorter).
    let uscc_lines = String::from_utf8_lossy(&sdn)
        .lines()
        .filter(|l| l.contains("Unified Social Credit Code"))
        .count();
    let with_uscc: Vec<&chipgate_screen::ListEntry> = snap
        .entries
        .iter()
        .filter(|e| e.ids.iter().any(|i| i.kind.starts_with("Unified Social Credit Code")))
        .collect();
    assert_eq!(with_uscc.len(), uscc_lines);
    assert!(uscc_lines > 50);
    let index = ScreeningIndex::build(snap.clone());
    for e in &with_uscc {
        for id in &e.ids {
            assert!(index.find_id(&id.number).iter().any(|f| f.name == e.name), "{id:?}");
        }
    }
    let e = snap
        .entries
        .iter()
        .find(|e| e.entity_number.as_deref() == Some("306"))
        .unwrap();
    assert_eq!(e.name, "BANCO NACIONAL DE CUBA");
    assert_eq!(e.entity_type.as_deref(), Some("Entity"));
    assert!(e.alt_names.iter().any(|a| a == "NATIONAL BANK OF CUBA"));
    assert!(e.countries.contains(&"CH".to_string()));
    let ind = snap
        .entries
        .iter()
        .find(|e| e.entity_type.as_deref() == Some("Individual"))
        .unwrap();
    assert!(ind.name.contains(','));
    // Screening works on it.
    let ix = ScreeningIndex::build(snap);
    let rep = ix.screen_name("National Bank of Cuba", None).unwrap();
    assert_eq!(rep.hits[0].entry.entity_number.as_deref(), Some("306"));
}

#[test]
fn ofac_full_2021_set() {
    if shared_or_skip(
        "lists/ofac_sdn_full_2021-04-25",
        "loaders_fixtures::ofac_full_2021_set_cut",
    )
    .is_none()
    {
        return;
    }
    let sdn = read_shared("lists/ofac_sdn_full_2021-04-25/sdn.csv");
    let alt = read_shared("lists/ofac_sdn_full_2021-04-25/alt.csv");
    let add = read_shared("lists/ofac_sdn_full_2021-04-25/add.csv");
    let files = OfacFiles {
        primary: ("sdn.csv", &sdn),
        alt: Some(("alt.csv", &alt)),
        add: Some(("add.csv", &add)),
    };
    let snap = load_ofac_legacy(files, OfacList::Sdn, "2021-04-25").unwrap();
    assert_eq!(snap.entries.len(), 8_890);
    let aliases: usize = snap.entries.iter().map(|e| e.alt_names.len()).sum();
    assert!(aliases > 11_000, "{aliases}");
}

#[test]
fn ofac_consolidated_non_sdn() {
    if shared_or_skip(
        "lists/ofac_nonsdn_consolidated_2025-12-19",
        "loaders_fixtures::ofac_consolidated_non_sdn_cut",
    )
    .is_none()
    {
        return;
    }
    let prim = read_shared("lists/ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv");
    let alt = read_shared("lists/ofac_nonsdn_consolidated_2025-12-19/cons_alt.csv");
    let add = read_shared("lists/ofac_nonsdn_consolidated_2025-12-19/cons_add.csv");
    let files = OfacFiles {
        primary: ("cons_prim.csv", &prim),
        alt: Some(("cons_alt.csv", &alt)),
        add: Some(("cons_add.csv", &add)),
    };
    let snap = load_ofac_legacy(files, OfacList::NonSdn, "2025-12-19").unwrap();
    assert_eq!(snap.entries.len(), 442);
    assert_eq!(snap.counts_by_source.get("PLC"), Some(&78));
    assert_eq!(snap.counts_by_source.get("CMIC"), Some(&68));
    assert!(snap.counts_by_source.get("SSI").copied().unwrap_or(0) > 250);
    // The primary file alone is recognised although its first name quotes a comma.
    assert_eq!(detect_format("cons_prim.csv", &prim).unwrap(), ListFormat::OfacPrimary);
    let alone = load_list("cons_prim.csv", &prim, "2025-12-19").unwrap();
    assert_eq!(alone.entries.len(), 442);
    assert_eq!(alone.counts_by_source, snap.counts_by_source);
}

#[test]
fn un_consolidated_xml() {
    let Some(p) = shared_or_skip(
        "lists/un_consolidated_2026-02-27/UN_consolidated.xml",
        "loaders_fixtures::un_consolidated_xml_cut",
    ) else {
        return;
    };
    let bytes = read(&p);
    let snap = load_un_xml("UN_consolidated.xml", &bytes).unwrap();
    assert_eq!(snap.entries.len(), 1_003);
    let individuals = snap
        .entries
        .iter()
        .filter(|e| e.entity_type.as_deref() == Some("Individual"))
        .count();
    assert_eq!(individuals, 730);
    assert_eq!(snap.source_date, "2026-02-27T00:00:09.554Z");
    let e = snap
        .entries
        .iter()
        .find(|e| e.entity_number.as_deref() == Some("CDi.002"))
        .unwrap();
    assert_eq!(e.name, "FRANK KAKOLELE BWAMBALE");
    assert!(e.alt_names.iter().any(|a| a == "AIGLE BLANC"));
    assert!(e.countries.contains(&"CD".to_string()));
    assert_eq!(load_list("un.xml", &bytes, "").unwrap().id, snap.id);
}

#[test]
fn simple_block_and_cleared_lists() {
    let block = "name,country,note\nAcme Rocket Parts Ltd,RU,internal investigation 2026-03\nJohn Q. Smuggler,,\n";
    let snap = load_block_list_csv("block.csv", block.as_bytes(), "2026-08-01").unwrap();
    assert_eq!(snap.entries.len(), 2);
    assert_eq!(snap.counts_by_source.get("OWN"), Some(&2));
    assert_eq!(snap.entries[0].countries, vec!["RU".to_string()]);
    assert_eq!(snap.entries[0].note.as_deref(), Some("internal investigation 2026-03"));
    assert_eq!(
        detect_format("block.csv", block.as_bytes()).unwrap(),
        ListFormat::SimpleCsv
    );
    let ix = ScreeningIndex::build(snap);
    let rep = ix.screen_name("ACME ROCKET PARTS LIMITED", None).unwrap();
    assert_eq!(rep.hits[0].list, "OWN");

    let cleared = "name,country,note\nJohn Smith,GB,common name; cleared 2026-01\n";
    let c = load_cleared_csv("cleared.csv", cleared.as_bytes()).unwrap();
    assert_eq!(c.parties.len(), 1);
    assert_eq!(c.parties[0].country.as_deref(), Some("GB"));
    assert!(c.parties[0].entry.is_none());
    // Country names are accepted and mapped.
    let named = "name,country,note\nX Corp,Iran (Islamic Republic of),\n";
    let s = load_block_list_csv("named.csv", named.as_bytes(), "").unwrap();
    assert_eq!(s.entries[0].countries, vec!["IR".to_string()]);
}
