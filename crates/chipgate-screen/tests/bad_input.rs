//! Bad input gives clear errors, never a panic: names, list files, snapshots. List-file cases
//! run on the committed fixtures in `tests/fixtures/lists/` (including the broken files in
//! `bad/`), and again on the full real files in `../shared/data/lists/` where that folder
//! exists (skipped, with one `skipped:` line, where it does not).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use std::collections::BTreeMap;

use chipgate_screen::{
    check_against_previous, integrity_findings, load_block_list_csv, load_cleared_csv, load_csl_csv, load_csl_json,
    load_list, load_ofac_legacy, load_un_xml, normalize, score_pair, try_score_pair, validate_name, ListSnapshot,
    OfacFiles, OfacList, Query, ScreenError, ScreenOptions, ScreeningIndex, MAX_NAME_BYTES,
};

/// The shrink limit these tests pass (the product reads it from `data/lists/lists.toml`).
const SHRINK: f64 = 0.20;
use common::{read, read_fixture, shared_or_skip};

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
                relaxed: None,
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

    // The committed broken file is the cons_prim fixture with one byte changed.
    let good = read_fixture("lists/ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv");
    let bad = read_fixture("lists/bad/cons_prim_invalid_utf8.csv");
    assert_eq!(bad, with_lone_lead_byte(&good));
    let e = cons_prim_error(&bad);
    assert_eq!(e.to_string(), "`cons_prim.csv` line 1: invalid UTF-8 (byte offset 6)");
    assert!(load_cons_prim(&good).is_ok());

    let mut json = br#"{"tables":{"sources":["X"]},"entries":[{"n":"A"#.to_vec();
    json.push(0x80);
    json.extend_from_slice(br#"","s":0}]}"#);
    let e = load_csl_json("list.json", &json).unwrap_err();
    assert!(e.to_string().starts_with("`list.json` line 1: invalid UTF-8"), "{e}");

    let xml = b"<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\xe9</CONSOLIDATED_LIST>";
    let e = load_un_xml("un.xml", xml).unwrap_err();
    assert_eq!(e.to_string(), "`un.xml` line 2: invalid UTF-8 (byte offset 41)");
}

/// `bytes` with its first `H` replaced by a lone UTF-8 lead byte.
fn with_lone_lead_byte(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    let pos = v.iter().position(|&b| b == b'H').unwrap();
    v[pos] = 0xC3;
    v
}

fn load_cons_prim(bytes: &[u8]) -> Result<ListSnapshot, ScreenError> {
    load_ofac_legacy(
        OfacFiles {
            primary: ("cons_prim.csv", bytes),
            alt: None,
            add: None,
        },
        OfacList::NonSdn,
        "",
    )
}

/// The error for a `cons_prim.csv` whose first line holds invalid UTF-8.
fn cons_prim_error(bytes: &[u8]) -> ScreenError {
    let e = load_cons_prim(bytes).unwrap_err();
    assert!(matches!(e, ScreenError::InvalidUtf8 { line: 1, .. }), "{e}");
    assert!(e.to_string().starts_with("`cons_prim.csv` line 1: invalid UTF-8"));
    e
}

#[test]
fn invalid_utf8_in_real_cons_prim() {
    let Some(p) = shared_or_skip(
        "lists/ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv",
        "bad_input::invalid_utf8_in_list_files",
    ) else {
        return;
    };
    cons_prim_error(&with_lone_lead_byte(&read(&p)));
}

/// A CSL JSON cut in half is refused as truncated.
fn check_truncated_json(bytes: &[u8]) {
    let cut = &bytes[..bytes.len() / 2];
    let e = load_csl_json("csl.json", cut).unwrap_err();
    assert!(e.to_string().contains("the JSON ends early (truncated file?)"), "{e}");
    assert!(matches!(e, ScreenError::Json { .. }));
}

#[test]
fn truncated_json() {
    let bytes = read_fixture("lists/csl_2026-07-31_cut.json");
    assert!(load_csl_json("csl.json", &bytes).is_ok());
    check_truncated_json(&bytes);
    let e = load_csl_json("csl.json", &bytes[..bytes.len() / 2]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "`csl.json` line 1 column {}: the JSON ends early (truncated file?)",
            bytes.len() / 2
        )
    );
}

#[test]
fn truncated_real_json() {
    let Some(p) = shared_or_skip("lists/csl-2026-07-31.json", "bad_input::truncated_json") else {
        return;
    };
    check_truncated_json(&read(&p));
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

/// The error for a UN XML file cut off part-way.
fn truncated_xml_error(cut: &[u8]) -> ScreenError {
    let e = load_un_xml("UN_consolidated.xml", cut).unwrap_err();
    assert!(matches!(e, ScreenError::Xml { .. }), "{e}");
    assert!(e.to_string().starts_with("`UN_consolidated.xml` byte "), "{e}");
    e
}

#[test]
fn truncated_real_xml() {
    let Some(p) = shared_or_skip(
        "lists/un_consolidated_2026-02-27/UN_consolidated.xml",
        "bad_input::truncated_xml",
    ) else {
        return;
    };
    let bytes = read(&p);
    truncated_xml_error(&bytes[..bytes.len() / 3]);
}

#[test]
fn truncated_xml() {
    // The committed broken file is the first third of the UN fixture.
    let good = read_fixture("lists/un_consolidated_2026-02-27/UN_consolidated.xml");
    let cut = read_fixture("lists/bad/UN_consolidated_truncated.xml");
    assert_eq!(cut.as_slice(), &good[..good.len() / 3]);
    let e = truncated_xml_error(&cut);
    assert_eq!(
        e.to_string(),
        "`UN_consolidated.xml` byte 3069: syntax error: tag not closed: `>` not found before end of input"
    );
    // Cut after a whole record: well-formed so far, but the open elements are named.
    let end = good.windows(14).position(|w| w == b"</INDIVIDUAL>\n").unwrap() + 14;
    let e = truncated_xml_error(&good[..end]);
    assert_eq!(
        e.to_string(),
        format!(
            "`UN_consolidated.xml` byte {end}: the XML ends inside `<CONSOLIDATED_LIST><INDIVIDUALS>` (truncated file?)"
        )
    );
    let e = load_un_xml(
        "x.xml",
        b"<CONSOLIDATED_LIST><INDIVIDUALS></ENTITIES></CONSOLIDATED_LIST>",
    )
    .unwrap_err();
    assert!(e.to_string().contains("x.xml"), "{e}");
    let e = load_un_xml("x.xml", b"<OTHER/>").unwrap_err();
    assert!(e.to_string().contains("no `CONSOLIDATED_LIST` element"), "{e}");
}

/// Byte offsets of the line feeds in `bytes`.
fn line_ends(bytes: &[u8]) -> Vec<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// A CSL CSV cut 40 bytes into its fourth line (the third record) is refused.
fn csl_csv_cut_error(cut: &[u8]) -> ScreenError {
    let e = load_csl_csv("csl.csv", cut, "").unwrap_err();
    assert!(matches!(e, ScreenError::FieldCount { line: 4, .. }), "{e}");
    assert!(
        e.to_string().starts_with("`csl.csv` line 4: expected 28 fields, found"),
        "{e}"
    );
    e
}

/// An OFAC `sdn.csv` cut inside a record is refused.
fn sdn_cut_error(cut: &[u8]) -> ScreenError {
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
    e
}

#[test]
fn truncated_csv() {
    // The committed broken files are prefixes of the fixtures, cut inside a record.
    let good = read_fixture("lists/csl_format_samples/csl_2019-12_cut.csv");
    let cut = read_fixture("lists/bad/csl_2019-12_truncated.csv");
    assert_eq!(cut.as_slice(), &good[..line_ends(&good)[2] + 40]);
    let e = csl_csv_cut_error(&cut);
    assert_eq!(e.to_string(), "`csl.csv` line 4: expected 28 fields, found 1");

    let good = read_fixture("lists/ofac_sdn_2024-05-03_alt_add_2025-12-24/sdn.csv");
    let cut = read_fixture("lists/bad/sdn_truncated.csv");
    assert!(good.starts_with(&cut) && cut.len() < good.len());
    let e = sdn_cut_error(&cut);
    // The cut record is on line 4 of this CRLF file (the csv crate's own line counter says 3).
    assert!(cut.windows(2).filter(|w| w == b"\r\n").count() == 3);
    assert_eq!(e.to_string(), "`sdn.csv` line 4: expected 12 fields, found 2");
    assert!(
        matches!(
            e,
            ScreenError::FieldCount {
                expected: 12,
                found: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().ends_with(": expected 12 fields, found 2"), "{e}");
}

/// Line numbers on CRLF files count line feeds: a bad field on the fifth line of a CRLF
/// own block list, and a bad record on the third line of a CRLF `cons_prim.csv`.
#[test]
fn crlf_files_report_the_line_of_the_record() {
    let block = b"name,country,note\r\nAcme,CN,a\r\nBeta,DE,b\r\nGamma,FR,c\r\n,US,empty name\r\n";
    let e = load_block_list_csv("b.csv", block, "").unwrap_err();
    assert_eq!(e.to_string(), "`b.csv` line 5: field `name`: is empty");
    let good = read_fixture("lists/ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv");
    let ends: Vec<usize> = line_ends(&good);
    // Lines 1 and 2, then a record of three fields.
    let mut bad = good[..=ends[1]].to_vec();
    bad.extend_from_slice(b"1,\"X\",\"individual\"\r\n");
    let e = load_cons_prim(&bad).unwrap_err();
    assert_eq!(e.to_string(), "`cons_prim.csv` line 3: expected 12 fields, found 3");
    // A quoted field spanning two lines: the next record's line counts both.
    let csv = b"name,country,note\r\n\"Acme\r\nHoldings\",CN,a\r\n,DE,b\r\n";
    let e = load_block_list_csv("m.csv", csv, "").unwrap_err();
    assert_eq!(e.to_string(), "`m.csv` line 4: field `name`: is empty");
}

#[test]
fn truncated_real_csv() {
    let Some(p) = shared_or_skip(
        "lists/csl_format_samples/csl_2019-12_sample.csv",
        "bad_input::truncated_csv",
    ) else {
        return;
    };
    let bytes = read(&p);
    csl_csv_cut_error(&bytes[..line_ends(&bytes)[2] + 40]);
    let Some(p) = shared_or_skip("lists/ofac_sdn_2024-05-03/sdn.csv", "bad_input::truncated_csv") else {
        return;
    };
    sdn_cut_error(&read(&p)[..1000]);
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
    assert!(check_against_previous(&prev, &ok, SHRINK, false).is_ok());
    // A whole list silently dropped.
    let dropped = counts(&[("SDN", 19_181), ("UVL", 222)]);
    let e = check_against_previous(&prev, &dropped, SHRINK, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "source `EL` is empty in the new snapshot (it had 3420 entries); refusing it unless forced"
    );
    assert!(check_against_previous(&prev, &dropped, SHRINK, true).is_ok());
    // A sharp shrink (more than 20 %).
    let shrunk = counts(&[("SDN", 19_181), ("EL", 2_000), ("UVL", 222)]);
    let e = check_against_previous(&prev, &shrunk, SHRINK, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "source `EL` shrank from 3420 to 2000 entries (41.5% fewer, more than the 20% allowed); refusing it unless forced"
    );
    assert!(check_against_previous(&prev, &shrunk, SHRINK, true).is_ok());
    // Exactly 20 % is still accepted.
    let edge = counts(&[("SDN", 19_181), ("EL", 2_736), ("UVL", 222)]);
    assert!(check_against_previous(&prev, &edge, SHRINK, false).is_ok());
    let both = counts(&[("SDN", 1), ("UVL", 0)]);
    assert_eq!(integrity_findings(&prev, &both, SHRINK).len(), 3);
}

/// A CSL CSV cut after its `records`-th record parses, but loses entries: the snapshot check
/// refuses it.
fn check_cut_list_refused(bytes: &[u8], records: usize) -> ScreenError {
    let full = load_csl_csv("csl.csv", bytes, "").unwrap();
    let part = load_csl_csv("csl.csv", &bytes[..=line_ends(bytes)[records]], "").unwrap();
    assert_eq!(part.entries.len(), records);
    let e = check_against_previous(&full.counts_by_source, &part.counts_by_source, SHRINK, false).unwrap_err();
    assert!(
        matches!(e, ScreenError::SourceShrank { .. } | ScreenError::SourceEmptied { .. }),
        "{e}"
    );
    assert!(check_against_previous(&full.counts_by_source, &part.counts_by_source, SHRINK, true).is_ok());
    let merged = ListSnapshot::merge(vec![full.clone(), part]);
    assert_ne!(merged.id, full.id);
    e
}

#[test]
fn truncated_list_is_caught_by_the_shrink_check() {
    // The fixture's first three records are DPL, ISN and SDN: every other source is emptied.
    let bytes = read_fixture("lists/csl_format_samples/csl_2019-12_cut.csv");
    let e = check_cut_list_refused(&bytes, 3);
    assert_eq!(
        e.to_string(),
        "source `CAP` is empty in the new snapshot (it had 1 entries); refusing it unless forced"
    );
}

#[test]
fn truncated_real_list_is_caught_by_the_shrink_check() {
    let Some(p) = shared_or_skip(
        "lists/csl_format_samples/csl_2019-12_sample.csv",
        "bad_input::truncated_list_is_caught_by_the_shrink_check",
    ) else {
        return;
    };
    check_cut_list_refused(&read(&p), 40);
}
