//! Each loader on the small committed cuts of the real lists in `tests/fixtures/lists/` (see
//! its README for where each was cut from): record counts per source, names, aliases,
//! programmes, countries, licence columns, format detection and a screening hit. These run on
//! every checkout; `loaders.rs` makes the same kinds of checks on the full files in
//! `../shared/data/lists/` where that folder exists.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] fns fail the test on purpose"
)]

mod common;

use std::collections::BTreeMap;

use chipgate_screen::{
    bundled_csl, detect_format, load_block_list_csv, load_cleared_csv, load_csl_csv, load_csl_json, load_list,
    load_ofac_legacy, load_un_xml, ListEntry, ListFormat, ListSnapshot, OfacFiles, OfacList, Reason, ScreeningIndex,
};
use common::read_fixture;

const SDN_SET: &str = "lists/ofac_sdn_2024-05-03_alt_add_2025-12-24";
const SDN_2021: &str = "lists/ofac_sdn_full_2021-04-25";
const CONS: &str = "lists/ofac_nonsdn_consolidated_2025-12-19";

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

fn by_number<'a>(snap: &'a ListSnapshot, num: &str) -> &'a ListEntry {
    snap.entries
        .iter()
        .find(|e| e.entity_number.as_deref() == Some(num))
        .unwrap_or_else(|| panic!("no entry with entity number {num}"))
}

fn by_name<'a>(snap: &'a ListSnapshot, name: &str) -> &'a ListEntry {
    snap.entries
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no entry named {name}"))
}

/// The SDN fixture set: 2024-05-03 primary records with 2025-12-24 aliases and addresses.
fn sdn_set() -> ListSnapshot {
    let sdn = read_fixture(&format!("{SDN_SET}/sdn.csv"));
    let alt = read_fixture(&format!("{SDN_SET}/alt.csv"));
    let add = read_fixture(&format!("{SDN_SET}/add.csv"));
    load_ofac_legacy(
        OfacFiles {
            primary: ("sdn.csv", &sdn),
            alt: Some(("alt.csv", &alt)),
            add: Some(("add.csv", &add)),
        },
        OfacList::Sdn,
        "2024-05-03",
    )
    .unwrap()
}

#[test]
fn csl_json_cut() {
    let bytes = read_fixture("lists/csl_2026-07-31_cut.json");
    assert_eq!(detect_format("x.json", &bytes).unwrap(), ListFormat::CslJson);
    let snap = load_csl_json("csl_2026-07-31_cut.json", &bytes).unwrap();
    assert_eq!(snap.entries.len(), 17);
    assert_eq!(
        snap.counts_by_source,
        counts(&[
            ("CAP", 1),
            ("CMIC", 1),
            ("DPL", 1),
            ("DTC", 1),
            ("EL", 3),
            ("ISN", 1),
            ("MEU", 1),
            ("NS-MBS", 1),
            ("PLC", 1),
            ("SDN", 4),
            ("SSI", 1),
            ("UVL", 1),
        ])
    );
    assert_eq!(snap.source_date, "2026-07-31T13:15:00.015113+00:00");
    assert_eq!(snap.id.len(), 64);

    let bank = by_number(&snap, "306");
    assert_eq!(bank.name, "BANCO NACIONAL DE CUBA");
    assert_eq!(bank.source_code, "SDN");
    assert_eq!(bank.alt_names, strings(&["BNC", "NATIONAL BANK OF CUBA"]));
    assert_eq!(bank.countries, strings(&["CH", "ES", "JP", "PA"]));
    assert_eq!(bank.programs, strings(&["CUBA"]));
    assert_eq!(
        bank.source_url.as_deref(),
        Some("https://sanctionslist.ofac.treas.gov/Home/SdnList")
    );

    // Entity List: licence columns and the Federal Register citation, resolved from the tables;
    // citation and effect from `listAuthority`.
    let el = by_name(&snap, "Huawei Technologies Co., Ltd. (Huawei)");
    assert_eq!(el.source, "Entity List (EL) - Bureau of Industry and Security");
    assert_eq!(
        el.alt_names,
        strings(&["Shenzhen Huawei Technologies", "Huawei Technology"])
    );
    assert!(el.license_requirement.as_deref().unwrap().contains("EAR"), "{el:?}");
    assert!(el.license_policy.is_some());
    assert!(el.federal_register.as_deref().unwrap().starts_with("84 FR 22963, "));
    assert_eq!(
        el.citation.as_deref(),
        Some("15 C.F.R. § 744.16 and Supplement No. 4 to Part 744")
    );
    // Non-ASCII text survives (U+2019 in the name).
    assert_eq!(by_name(&snap, "Xi’an Aerospace Huaxun Technology").source_code, "EL");
    // A programmes value holding two programmes is split.
    let gpb = by_number(&snap, "17016");
    assert_eq!(gpb.source_code, "SSI");
    assert_eq!(gpb.programs, strings(&["UKRAINE-EO13662", "RUSSIA-EO14024"]));
    assert_eq!(gpb.countries, strings(&["RU", "MN", "KZ", "IN", "CN"]));
    let meu = snap.entries.iter().find(|e| e.source_code == "MEU").unwrap();
    assert!(meu
        .license_requirement
        .as_deref()
        .unwrap()
        .contains("supplement no. 2 to part 744"));
    assert_eq!(by_number(&snap, "35302").entity_type.as_deref(), Some("Aircraft"));
    assert_eq!(by_number(&snap, "15036").entity_type.as_deref(), Some("Vessel"));

    // Every entry of the cut is the same entry in the bundled snapshot it was cut from.
    let bundled = bundled_csl().unwrap();
    for e in &snap.entries {
        assert!(bundled.entries.contains(e), "not in the bundled CSL: {e:?}");
    }

    assert_eq!(load_list("cut.json", &bytes, "").unwrap().id, snap.id);
    let ix = ScreeningIndex::build(snap);
    let rep = ix.screen_name("National Bank of Cuba", None).unwrap();
    assert_eq!(rep.hits[0].entry.entity_number.as_deref(), Some("306"));
    assert_eq!(rep.hits[0].list, "SDN");
}

#[test]
fn csl_csv_old_layout_cut() {
    let bytes = read_fixture("lists/csl_format_samples/csl_2019-12_cut.csv");
    assert_eq!(detect_format("x.csv", &bytes).unwrap(), ListFormat::CslCsv);
    let snap = load_csl_csv("csl_2019-12_cut.csv", &bytes, "2019-12-01").unwrap();
    assert_eq!(snap.entries.len(), 11);
    assert_eq!(
        snap.counts_by_source,
        counts(&[
            ("CAP", 1),
            ("DPL", 1),
            ("DTC", 1),
            ("EL", 1),
            ("ISN", 1),
            ("PLC", 1),
            ("SDN", 3),
            ("SSI", 1),
            ("UVL", 1),
        ])
    );
    assert_eq!(snap.source_date, "2019-12-01");
    let e = by_name(&snap, "200G PSA HOLDINGS LLC");
    assert_eq!(e.countries, strings(&["US"]));
    assert_eq!(e.entity_number.as_deref(), Some("20264"));
    assert_eq!(e.programs, strings(&["SDNTK"]));
    assert_eq!(e.entity_type.as_deref(), Some("Entity"));
    let ca = by_number(&snap, "8124");
    assert_eq!(ca.name, "2904977 CANADA, INC.");
    assert_eq!(ca.alt_names, strings(&["CARIBE SOL", "HAVANTUR CANADA INC."]));
    assert_eq!(ca.countries, strings(&["CA"]));
    // Two programmes; two addresses in the same country give one country.
    let tir = by_number(&snap, "10863");
    assert_eq!(tir.programs, strings(&["IFSR", "NPWMD"]));
    assert_eq!(tir.countries, strings(&["IR"]));
    // The name is trimmed (the file writes " ADRIAN MANUEL HERNANDEZ"); a US address without
    // a country code gives no country.
    let dpl = snap.entries.iter().find(|e| e.source_code == "DPL").unwrap();
    assert_eq!(dpl.name, "ADRIAN MANUEL HERNANDEZ");
    assert!(dpl.countries.is_empty());
    assert_eq!(dpl.federal_register.as_deref(), Some("82 F.R. 48792 10/20/2017"));
    let el = snap.entries.iter().find(|e| e.source_code == "EL").unwrap();
    assert_eq!(el.name, "32 Group China Ltd.");
    assert!(el.license_requirement.as_deref().unwrap().contains("§744.11"));
    assert_eq!(load_list("csl.csv", &bytes, "2019-12-01").unwrap().id, snap.id);
}

#[test]
fn csl_csv_current_layout_cut() {
    let bytes = read_fixture("lists/csl_format_samples/consolidated_2025-06_cut.csv");
    assert_eq!(detect_format("x.csv", &bytes).unwrap(), ListFormat::CslCsv);
    let snap = load_list("consolidated.csv", &bytes, "2025-06-01").unwrap();
    assert_eq!(snap.entries.len(), 7);
    assert_eq!(
        snap.counts_by_source,
        counts(&[
            ("EL", 1),
            ("ISN", 1),
            ("MEU", 1),
            ("PLC", 1),
            ("SDN", 1),
            ("SSI", 1),
            ("UVL", 1),
        ])
    );
    let meu = snap.entries.iter().find(|e| e.source_code == "MEU").unwrap();
    assert_eq!(meu.name, "Academy of Aerospace Solid Propulsion Technology (AASPT)");
    assert!(meu
        .license_requirement
        .as_deref()
        .unwrap_or("")
        .contains("supplement no. 2"));
    assert_eq!(meu.countries, strings(&["CN"]));
    let plc = snap.entries.iter().find(|e| e.source_code == "PLC").unwrap();
    assert_eq!(plc.name, "Mohammed ABU JHEISHEH");
    assert_eq!(
        plc.alt_names,
        strings(&["Mohammad Mutlaq ABU JHESHEH", "Mohammed ABU JEHEISHA"])
    );
    let uvl = snap.entries.iter().find(|e| e.source_code == "UVL").unwrap();
    assert_eq!(uvl.name, "Atlas Sanatgaran");
    assert_eq!(uvl.countries, strings(&["AM"]));
    let sdn = by_number(&snap, "52291");
    assert_eq!(sdn.name, "RIM, Ryong Nam");
    assert_eq!(sdn.countries, strings(&["CN", "KP"]));
    assert_eq!(sdn.programs, strings(&["NPWMD"]));
    let el = snap.entries.iter().find(|e| e.source_code == "EL").unwrap();
    assert!(el.alt_names.iter().any(|a| a == "HSRI"), "{el:?}");
}

#[test]
fn ofac_sdn_set_with_aliases_and_addresses() {
    let snap = sdn_set();
    assert_eq!(snap.entries.len(), 6);
    assert_eq!(snap.counts_by_source, counts(&[("SDN", 6)]));
    assert_eq!(snap.source_date, "2024-05-03");
    let e = by_number(&snap, "306");
    assert_eq!(e.name, "BANCO NACIONAL DE CUBA");
    assert_eq!(e.entity_type.as_deref(), Some("Entity"));
    assert_eq!(e.alt_names, strings(&["NATIONAL BANK OF CUBA"]));
    assert_eq!(e.countries, strings(&["CH", "ES", "JP", "PA"]));
    assert_eq!(e.programs, strings(&["CUBA"]));
    // `IRAN] [SDGT] [IRGC] [IFSR`: four programmes; three Tehran addresses: one country.
    let cb = by_number(&snap, "4632");
    assert_eq!(cb.programs, strings(&["IRAN", "SDGT", "IRGC", "IFSR"]));
    assert_eq!(cb.countries, strings(&["IR"]));
    assert_eq!(cb.alt_names.len(), 3);
    let ind = by_number(&snap, "4257");
    assert_eq!(ind.entity_type.as_deref(), Some("Individual"));
    assert_eq!(ind.name, "ABDALLAH, Ramadan");
    assert_eq!(ind.countries, strings(&["SY"]));
    assert_eq!(ind.alt_names.len(), 3);
    let vessel = by_number(&snap, "15040");
    assert_eq!(vessel.entity_type.as_deref(), Some("Vessel"));
    assert_eq!(vessel.alt_names, strings(&["ASTARA", "JUPITER", "ABELIA"]));
    assert!(vessel.countries.is_empty(), "an address row of `-0-` gives no country");
    assert_eq!(by_number(&snap, "35302").entity_type.as_deref(), Some("Aircraft"));
    // The aliases and addresses of ent_num 17016 (designated after the sdn.csv date) have no
    // primary record: they are skipped.
    let aliases: usize = snap.entries.iter().map(|e| e.alt_names.len()).sum();
    assert_eq!(aliases, 12);
    assert!(snap.entries.iter().all(|e| e.entity_number.as_deref() != Some("17016")));

    // The primary file alone: same entries, no aliases or countries, another snapshot id.
    let sdn = read_fixture(&format!("{SDN_SET}/sdn.csv"));
    assert_eq!(detect_format("sdn.csv", &sdn).unwrap(), ListFormat::OfacPrimary);
    // `cons_prim.csv` quotes the comma of its first name ("HANIYA, Ismail Abdul Salah"):
    // still twelve fields, so still OFAC (it used to be an unknown format).
    let prim = read_fixture("lists/ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv");
    assert!(prim.starts_with(b"9639,\"HANIYA, Ismail"));
    assert_eq!(detect_format("cons_prim.csv", &prim).unwrap(), ListFormat::OfacPrimary);
    let prim_alone = load_list("cons_prim.csv", &prim, "2025-12-19").unwrap();
    assert_eq!(prim_alone.entries.len(), 6);
    assert_eq!(prim_alone.counts_by_source.get("PLC"), Some(&2));
    assert!(prim_alone
        .entries
        .iter()
        .any(|e| e.name == "HANIYA, Ismail Abdul Salah"));
    let alone = load_list("sdn.csv", &sdn, "2024-05-03").unwrap();
    assert_eq!(alone.entries.len(), 6);
    assert!(alone
        .entries
        .iter()
        .all(|e| e.alt_names.is_empty() && e.countries.is_empty()));
    assert_ne!(alone.id, snap.id);

    let ix = ScreeningIndex::build(snap);
    let rep = ix.screen_name("National Bank of Cuba", None).unwrap();
    assert_eq!(rep.hits[0].entry.entity_number.as_deref(), Some("306"));
    assert_eq!(rep.hits[0].matched_alias, "NATIONAL BANK OF CUBA");
}

#[test]
fn ofac_full_2021_set_cut() {
    let sdn = read_fixture(&format!("{SDN_2021}/sdn.csv"));
    let alt = read_fixture(&format!("{SDN_2021}/alt.csv"));
    let add = read_fixture(&format!("{SDN_2021}/add.csv"));
    let files = OfacFiles {
        primary: ("sdn.csv", &sdn),
        alt: Some(("alt.csv", &alt)),
        add: Some(("add.csv", &add)),
    };
    let snap = load_ofac_legacy(files, OfacList::Sdn, "2021-04-25").unwrap();
    assert_eq!(snap.entries.len(), 5);
    // A consistent set: every alias row has its primary record.
    let aliases: usize = snap.entries.iter().map(|e| e.alt_names.len()).sum();
    assert_eq!(aliases, 9);
    let gems = by_number(&snap, "31651");
    assert_eq!(gems.name, "MYANMA GEMS ENTERPRISE");
    assert_eq!(
        gems.alt_names,
        strings(&["MYANMAR GEMS ENTERPRISE", "MYANMAR GEMS CORPORATION"])
    );
    assert_eq!(gems.countries, strings(&["MM"]));
    assert_eq!(gems.programs, strings(&["BURMA-EO14014"]));
    let ast = by_number(&snap, "31611");
    assert_eq!(ast.programs.len(), 4, "{:?}", ast.programs);
    assert_eq!(ast.programs[2], "CAATSA - RUSSIA");
    let ind = by_number(&snap, "31575");
    assert_eq!(ind.entity_type.as_deref(), Some("Individual"));
    assert_eq!(ind.countries, strings(&["RU"]));
    assert!(by_number(&snap, "2681").countries.is_empty());
}

#[test]
fn ofac_consolidated_non_sdn_cut() {
    let prim = read_fixture(&format!("{CONS}/cons_prim.csv"));
    let alt = read_fixture(&format!("{CONS}/cons_alt.csv"));
    let add = read_fixture(&format!("{CONS}/cons_add.csv"));
    let files = OfacFiles {
        primary: ("cons_prim.csv", &prim),
        alt: Some(("cons_alt.csv", &alt)),
        add: Some(("cons_add.csv", &add)),
    };
    let snap = load_ofac_legacy(files, OfacList::NonSdn, "2025-12-19").unwrap();
    assert_eq!(snap.entries.len(), 6);
    // The source follows the programmes: NS-PLC (also with SDGT), CMIC-…, UKRAINE-EO13662,
    // anything else.
    assert_eq!(
        snap.counts_by_source,
        counts(&[("CMIC", 1), ("NON-SDN", 1), ("PLC", 2), ("SSI", 2)])
    );
    assert_eq!(by_number(&snap, "9647").source_code, "PLC");
    assert_eq!(by_number(&snap, "15268").source_code, "NON-SDN");
    assert_eq!(by_number(&snap, "17145").source_code, "SSI");
    let aecc = by_number(&snap, "30902");
    assert_eq!(aecc.source_code, "CMIC");
    assert_eq!(
        aecc.alt_names,
        strings(&["AERO ENGINE CORP OF CHINA", "CHINA AVIATION ENGINE GROUP CO., LTD"])
    );
    assert_eq!(aecc.countries, strings(&["CN"]));
    assert_eq!(
        aecc.source_url.as_deref(),
        Some("https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList")
    );
    let haniya = by_number(&snap, "9639");
    assert_eq!(haniya.entity_type.as_deref(), Some("Individual"));
    assert_eq!(haniya.alt_names, strings(&["HANIYA, Ismail", "HANIYYA, Ismaeel"]));
    assert_eq!(by_number(&snap, "18300").countries, strings(&["CY"]));
    // Not checked here: `load_list` on this file alone. Its first record quotes a name with a
    // comma ("HANIYA, Ismail Abdul Salah"), which `detect_format` (a plain split of the first
    // line) does not recognise as an OFAC primary file (a known loader issue; the full
    // `cons_prim.csv` starts with the same record).
}

#[test]
fn un_consolidated_xml_cut() {
    let bytes = read_fixture("lists/un_consolidated_2026-02-27/UN_consolidated.xml");
    assert_eq!(detect_format("x.xml", &bytes).unwrap(), ListFormat::UnXml);
    let snap = load_un_xml("UN_consolidated.xml", &bytes).unwrap();
    assert_eq!(snap.entries.len(), 6);
    assert_eq!(snap.counts_by_source, counts(&[("UN", 6)]));
    let individuals = snap
        .entries
        .iter()
        .filter(|e| e.entity_type.as_deref() == Some("Individual"))
        .count();
    assert_eq!(individuals, 3);
    assert_eq!(snap.source_date, "2026-02-27T00:00:09.554Z");
    let e = by_number(&snap, "CDi.002");
    assert_eq!(e.name, "FRANK KAKOLELE BWAMBALE");
    assert_eq!(
        e.alt_names,
        strings(&["FRANK KAKORERE", "FRANK KAKORERE BWAMBALE", "AIGLE BLANC"])
    );
    assert_eq!(e.countries, strings(&["CD"]));
    assert_eq!(e.programs, strings(&["DRC"]));
    // Four name parts; the original-script name is an alternate name.
    let iq = by_number(&snap, "IQi.004");
    assert_eq!(iq.name, "ABID HAMID MAHMUD AL-TIKRITI");
    assert!(iq.alt_names.iter().any(|a| a == "عابد حامد محمود التكريتي"), "{iq:?}");
    assert_eq!(iq.countries, strings(&["IQ"]));
    // Entities: the address countries, each once.
    let cagl = by_number(&snap, "CDe.003");
    assert_eq!(cagl.entity_type.as_deref(), Some("Entity"));
    assert_eq!(cagl.countries, strings(&["CD", "RW"]));
    assert_eq!(cagl.alt_names, strings(&["CAGL"]));
    let m23 = by_number(&snap, "CDe.006");
    assert_eq!(m23.name, "M23");
    assert_eq!(m23.alt_names, strings(&["Mouvement du 23 mars"]));
    assert!(m23.countries.is_empty());
    assert_eq!(load_list("un.xml", &bytes, "").unwrap().id, snap.id);

    let ix = ScreeningIndex::build(snap);
    let rep = ix.screen_name("Aigle Blanc", None).unwrap();
    assert_eq!(rep.hits[0].entry.entity_number.as_deref(), Some("CDi.002"));
}

#[test]
fn own_block_and_cleared_lists() {
    let block = read_fixture("lists/own/block.csv");
    assert_eq!(detect_format("block.csv", &block).unwrap(), ListFormat::SimpleCsv);
    let snap = load_block_list_csv("block.csv", &block, "2026-08-01").unwrap();
    assert_eq!(snap.entries.len(), 4);
    assert_eq!(snap.counts_by_source, counts(&[("OWN", 4)]));
    let countries: Vec<Vec<String>> = snap.entries.iter().map(|e| e.countries.clone()).collect();
    // ISO-2 codes and country names are both accepted; an empty country gives none.
    assert_eq!(
        countries,
        vec![strings(&["CN"]), strings(&["SY"]), strings(&["AM"]), Vec::new()]
    );
    assert_eq!(snap.entries[1].name, "ABDALLAH, Ramadan");
    assert_eq!(
        snap.entries[1].note.as_deref(),
        Some("copied from OFAC SDN ent_num 4257")
    );
    assert_eq!(snap.entries[2].note, None);
    assert_eq!(snap.entries[0].entity_number.as_deref(), Some("block.csv:2"));
    let ix = ScreeningIndex::build(snap);
    let rep = ix.screen_name("Aero Engine Corp. of China", None).unwrap();
    assert_eq!(rep.hits[0].list, "OWN");
    assert_eq!(rep.hits[0].entry.name, "AERO ENGINE CORPORATION OF CHINA");

    let cleared = load_cleared_csv("cleared.csv", &read_fixture("lists/own/cleared.csv")).unwrap();
    assert_eq!(cleared.parties.len(), 2);
    let p = &cleared.parties[0];
    assert_eq!(p.name, "National Bank of Cuba");
    assert_eq!(p.country.as_deref(), Some("CH"));
    assert_eq!(p.entry.as_deref(), Some("306"));
    assert!(p.note.contains("case 4"));
    let q = &cleared.parties[1];
    assert_eq!(q.country, None);
    assert_eq!(q.entry, None);
    assert_eq!(q.note, "cleared in `cleared.csv` line 3");

    // Against the SDN fixture set: the clearance holds for its country and entry only.
    let ix = ScreeningIndex::build(sdn_set()).with_cleared(&cleared);
    let rep = ix.screen_name("National Bank of Cuba", Some("CH")).unwrap();
    assert!(rep.hits.iter().all(|h| h.entry.entity_number.as_deref() != Some("306")));
    let s = &rep.suppressed[0];
    assert_eq!(s.entry.entity_number.as_deref(), Some("306"));
    assert!(s
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::Cleared { note, .. } if note.contains("case 4"))));
    let other = ix.screen_name("National Bank of Cuba", Some("ES")).unwrap();
    assert!(other.suppressed.is_empty());
    assert_eq!(other.hits[0].entry.entity_number.as_deref(), Some("306"));
    // A blanket clearance (no entry, no country).
    let blanket = ix.screen_name("AERO-CARIBBEAN", None).unwrap();
    assert!(blanket
        .hits
        .iter()
        .all(|h| h.entry.entity_number.as_deref() != Some("36")));
    assert_eq!(blanket.suppressed[0].entry.entity_number.as_deref(), Some("36"));
}
