//! Bad input gives clear errors, never a panic: names, list files, snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test] fns

mod common;

use std::collections::BTreeMap;

use chipgate_screen::{
    check_against_previous, integrity_findings, load_block_list_csv, load_cleared_csv, load_csl_csv, load_csl_json,
    load_list, load_ofac_legacy, load_un_xml, normalize, score_pair, try_score_pair, validate_name, ListSnapshot,
    OfacFiles, OfacList, Query, ScreenError, ScreenOptions, ScreeningIndex, MAX_NAME_BYTES,
};
use common::read_shared;

fn small_index() -> ScreeningIndex {
    let block = "name,country,note\nAcme Rocket Parts Ltd,RU,\n";
    ScreeningIndex::build(load_block_list_csv("block.csv", block.as_bytes(), "2026-08-01").unwrap())
}

#[test]
fn empty_name() {
    let ix = small_index();
    let e = ix.screen_name("", None).unwrap_err();
    assert_eq!(e, ScreenError::EmptyName);
    assert_eq!(e.to_string(), "the name is empty");
    assert_eq!(ix.screen_name("   \t ", None).unwrap_err(), ScreenError::EmptyName);
    assert_eq!(score_pair("", "Acme"), (0.0, false));
    assert!(try_score_pair("Acme", "").is_err());
}

#[test]
fn only_punctuation() {
    let e = small_index().screen_name("., -- !!! ///", None).unwrap_err();
    assert_eq!(e.to_string(), "the name `., -- !!! ///` has no letters or digits");
    assert!(normalize("., -- !!!").tokens.is_empty());
}

#[test]
fn gigantic_name_is_refused() {
    let big = "A".repeat(1 << 20);
    let e = small_index().screen_name(&big, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the name is {} bytes long; the limit is {} bytes",
            1 << 20,
            MAX_NAME_BYTES
        )
    );
    // Normalisation itself never panics on it (list-side names are not validated).
    let words = "word ".repeat(200_000);
    let n = normalize(&words);
    assert!(n.tokens.len() <= chipgate_screen::MAX_TOKENS);
    assert!(validate_name(&"x".repeat(MAX_NAME_BYTES)).is_ok());
}

#[test]
fn bad_country_and_threshold() {
    let ix = small_index();
    let e = ix.screen_name("Acme", Some("Germany")).unwrap_err();
    assert!(
        e.to_string().contains("`Germany` is not an ISO 3166-1 alpha-2 code"),
        "{e}"
    );
    let e = ix
        .screen(
            Query {
                name: "Acme",
                country: None,
            },
            ScreenOptions {
                threshold: 1.5,
                max_hits: 10,
            },
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "the threshold `1.5` is not within 0 and 1");
}

#[test]
fn invalid_utf8_in_list_files() {
    let mut csv = b"name,country,note\nGood Name,,\nBad ".to_vec();
    csv.extend_from_slice(&[0xff, 0xfe]);
    csv.extend_from_slice(b" Name,,\n");
    let e = load_block_list_csv("block.csv", &csv, "").unwrap_err();
    assert_eq!(e.to_string(), "`block.csv` line 3: invalid UTF-8 (byte offset 34)");

    let mut sdn = read_shared("lists/ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv");
    let pos = sdn.iter().position(|&b| b == b'H').unwrap();
    sdn[pos] = 0xC3; // a lone lead byte
    let e = load_ofac_legacy(
        OfacFiles {
            primary: ("cons_prim.csv", &sdn),
            alt: None,
            add: None,
        },
        OfacList::NonSdn,
        "",
    )
    .unwrap_err();
    assert!(matches!(e, ScreenError::InvalidUtf8 { line: 1, .. }), "{e}");
    assert!(e.to_string().starts_with("`cons_prim.csv` line 1: invalid UTF-8"));

    let mut json = br#"{"tables":{"sources":["X"]},"entries":[{"n":"A"#.to_vec();
    json.push(0x80);
    json.extend_from_slice(br#"","s":0}]}"#);
    let e = load_csl_json("list.json", &json).unwrap_err();
    assert!(e.to_string().starts_with("`list.json` line 1: invalid UTF-8"), "{e}");

    let xml = b"<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\xe9</CONSOLIDATED_LIST>";
    let e = load_un_xml("un.xml", xml).unwrap_err();
    assert_eq!(e.to_string(), "`un.xml` line 2: invalid UTF-8 (byte offset 41)");
}

#[test]
fn truncated_json() {
    let bytes = read_shared("lists/csl-2026-07-31.json");
    let cut = &bytes[..bytes.len() / 2];
    let e = load_csl_json("csl.json", cut).unwrap_err();
    assert!(e.to_string().contains("the JSON ends early (truncated file?)"), "{e}");
    assert!(matches!(e, ScreenError::Json { .. }));
}

#[test]
fn json_that_lost_entries_is_refused() {
    // Valid JSON, but fewer entries than `entryCount` declares.
    let json = br#"{"entryCount":2,"tables":{"sources":["Entity List (EL) - Bureau of Industry and Security"]},"entries":[{"n":"A","s":0}]}"#;
    let e = load_csl_json("csl.json", json).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`csl.json` line 0: field `entryCount`: declares 2 entries but the file holds 1"
    );
    let json = br#"{"tables":{"sources":["X"]},"entries":[{"n":"A","s":3}]}"#;
    let e = load_csl_json("csl.json", json).unwrap_err();
    assert!(
        e.to_string().contains("index `3` is outside the table of 1 values"),
        "{e}"
    );
}

#[test]
fn truncated_xml() {
    let bytes = read_shared("lists/un_consolidated_2026-02-27/UN_consolidated.xml");
    let cut = &bytes[..bytes.len() / 3];
    let e = load_un_xml("UN_consolidated.xml", cut).unwrap_err();
    assert!(matches!(e, ScreenError::Xml { .. }), "{e}");
    assert!(e.to_string().starts_with("`UN_consolidated.xml` byte "), "{e}");
    let e = load_un_xml(
        "x.xml",
        b"<CONSOLIDATED_LIST><INDIVIDUALS></ENTITIES></CONSOLIDATED_LIST>",
    )
    .unwrap_err();
    assert!(e.to_string().contains("x.xml"), "{e}");
    let e = load_un_xml("x.xml", b"<OTHER/>").unwrap_err();
    assert!(e.to_string().contains("no `CONSOLIDATED_LIST` element"), "{e}");
}

#[test]
fn truncated_csv() {
    let bytes = read_shared("lists/csl_format_samples/csl_2019-12_sample.csv");
    // Cut in the middle of the third record.
    let lines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let cut = &bytes[..lines[2] + 40];
    let e = load_csl_csv("csl.csv", cut, "").unwrap_err();
    assert!(matches!(e, ScreenError::FieldCount { line: 4, .. }), "{e}");
    assert!(
        e.to_string().starts_with("`csl.csv` line 4: expected 28 fields, found"),
        "{e}"
    );

    let sdn = read_shared("lists/ofac_sdn_2024-05-03/sdn.csv");
    let cut = &sdn[..1000];
    let e = load_ofac_legacy(
        OfacFiles {
            primary: ("sdn.csv", cut),
            alt: None,
            add: None,
        },
        OfacList::Sdn,
        "",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("`sdn.csv` line ") && e.to_string().contains("expected 12 fields, found"),
        "{e}"
    );
}

#[test]
fn malformed_list_rows() {
    let e = load_ofac_legacy(
        OfacFiles {
            primary: ("sdn.csv", b"17,\"NAME\",-0- ,\"X\"\r\n"),
            alt: None,
            add: None,
        },
        OfacList::Sdn,
        "",
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "`sdn.csv` line 1: expected 12 fields, found 4");
    let e = load_block_list_csv("b.csv", b"name,country,note\n,US,x\n", "").unwrap_err();
    assert_eq!(e.to_string(), "`b.csv` line 2: field `name`: is empty");
    let e = load_block_list_csv("b.csv", b"name,country,note\nX,Atlantis,\n", "").unwrap_err();
    assert_eq!(
        e.to_string(),
        "`b.csv` line 2: field `country`: `Atlantis` is not a known country or ISO-2 code"
    );
    let e = load_cleared_csv("c.csv", b"who,where\nX,Y\n").unwrap_err();
    assert!(e.to_string().starts_with("`c.csv` line 1: unexpected header"), "{e}");
    let e = load_block_list_csv("b.csv", b"name,country,note\n", "").unwrap_err();
    assert_eq!(e.to_string(), "`b.csv` holds no list entries");
    let e = load_list("mystery.bin", b"\x00\x01garbage", "").unwrap_err();
    assert!(e.to_string().starts_with("`mystery.bin`: unknown list format"), "{e}");
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

#[test]
fn snapshot_shrink_and_empty_source_are_refused_unless_forced() {
    let prev = counts(&[("SDN", 19_181), ("EL", 3_420), ("UVL", 222)]);
    // Normal churn passes.
    let ok = counts(&[("SDN", 19_000), ("EL", 3_400), ("UVL", 222), ("MEU", 70)]);
    assert!(check_against_previous(&prev, &ok, false).is_ok());
    // A whole list silently dropped.
    let dropped = counts(&[("SDN", 19_181), ("UVL", 222)]);
    let e = check_against_previous(&prev, &dropped, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "source `EL` is empty in the new snapshot (it had 3420 entries); refusing it unless forced"
    );
    assert!(check_against_previous(&prev, &dropped, true).is_ok());
    // A sharp shrink (more than 20 %).
    let shrunk = counts(&[("SDN", 19_181), ("EL", 2_000), ("UVL", 222)]);
    let e = check_against_previous(&prev, &shrunk, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "source `EL` shrank from 3420 to 2000 entries (41.5% fewer, more than the 20% allowed); refusing it unless forced"
    );
    assert!(check_against_previous(&prev, &shrunk, true).is_ok());
    // Exactly 20 % is still accepted.
    let edge = counts(&[("SDN", 19_181), ("EL", 2_736), ("UVL", 222)]);
    assert!(check_against_previous(&prev, &edge, false).is_ok());
    let both = counts(&[("SDN", 1), ("UVL", 0)]);
    assert_eq!(integrity_findings(&prev, &both).len(), 3);
}

#[test]
fn truncated_real_list_is_caught_by_the_shrink_check() {
    // A CSV cut at a line boundary parses, but loses most entries: the snapshot check refuses it.
    let bytes = read_shared("lists/csl_format_samples/csl_2019-12_sample.csv");
    let full = load_csl_csv("csl.csv", &bytes, "").unwrap();
    let lines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let part = load_csl_csv("csl.csv", &bytes[..=lines[40]], "").unwrap();
    let e = check_against_previous(&full.counts_by_source, &part.counts_by_source, false).unwrap_err();
    assert!(
        matches!(e, ScreenError::SourceShrank { .. } | ScreenError::SourceEmptied { .. }),
        "{e}"
    );
    let merged = ListSnapshot::merge(vec![full.clone(), part]);
    assert_ne!(merged.id, full.id);
}
