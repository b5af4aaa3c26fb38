//! Partial names (issue 14, item 2): a bare distinctive name finds the listed organisations
//! whose names hold it, scored by what it leaves out (information weights from the list's
//! document frequencies), while common words alone name nothing and individuals are not
//! named by part of their names.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use std::sync::OnceLock;

use chipgate_screen::{
    bundled_csl, score_pair, Hit, ListSnapshot, Query, Reason, ScreenOptions, ScreenReport, ScreeningIndex,
    DEFAULT_THRESHOLD,
};
use common::csl_index;

/// The bundled CSL without its alternate names: `Hikvision` and `SMIC` are aliases of their
/// entries there, so this index checks that the primary names alone are found by part.
fn primary_names_index() -> &'static ScreeningIndex {
    static INDEX: OnceLock<ScreeningIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let entries = bundled_csl()
            .unwrap()
            .entries
            .into_iter()
            .map(|mut e| {
                e.alt_names.clear();
                e
            })
            .collect();
        ScreeningIndex::build(ListSnapshot::from_entries(
            b"bundled CSL, primary names",
            "2026-07-31",
            entries,
        ))
    })
}

fn screen(ix: &ScreeningIndex, name: &str) -> ScreenReport {
    ix.screen(
        Query { name, country: None },
        ScreenOptions {
            threshold: DEFAULT_THRESHOLD,
            max_hits: 200,
            relaxed: None,
        },
    )
    .unwrap()
}

/// The hit of the entry (on `list`) whose primary name is `name`.
fn hit<'a>(rep: &'a ScreenReport, list: &str, name: &str) -> Option<&'a Hit> {
    rep.hits.iter().find(|h| h.list == list && h.entry.name == name)
}

fn left_out(h: &Hit) -> Option<f64> {
    h.reasons.iter().find_map(|r| match r {
        Reason::PartialName { information_left_out } => Some(*information_left_out),
        _ => None,
    })
}

fn names(rep: &ScreenReport) -> Vec<(String, f64)> {
    rep.hits.iter().map(|h| (h.matched_alias.clone(), h.score)).collect()
}

#[test]
fn huawei_alone_finds_the_listed_huawei_entities() {
    let rep = screen(csl_index(), "Huawei");
    for (list, name) in [
        ("EL", "Huawei Technologies Co., Ltd. (Huawei)"),
        ("EL", "Huawei Technologies Co., Ltd."),
        ("EL", "Huawei Technology"),
        ("CMIC", "HUAWEI TECHNOLOGIES CO., LTD."),
    ] {
        let h = hit(&rep, list, name).unwrap_or_else(|| panic!("{list} {name} not found: {:?}", names(&rep)));
        assert!(h.score >= DEFAULT_THRESHOLD && h.score < 1.0, "{name}: {}", h.score);
        // Only generic words (technology, co, ltd) are left out: nothing informative.
        assert!(left_out(h).unwrap() < 0.05, "{:?}", h.reasons);
    }
    // The Entity List hit carries its licence terms.
    let el = hit(&rep, "EL", "Huawei Technologies Co., Ltd. (Huawei)").unwrap();
    assert!(el.license_requirement.is_some());
    // Read from Chinese characters too.
    let han = screen(csl_index(), "华为");
    assert!(
        hit(&han, "EL", "Huawei Technologies Co., Ltd. (Huawei)").is_some(),
        "{:?}",
        names(&han)
    );
}

#[test]
fn hikvision_and_smic_find_their_entities_by_part_of_the_name() {
    // With the aliases (`Hikvision`, `SMIC` are listed aliases): exact.
    let rep = screen(csl_index(), "Hikvision");
    for list in ["EL", "CMIC"] {
        assert!(
            hit(&rep, list, "Hangzhou Hikvision Digital Technology Co., Ltd.").is_some(),
            "{list}: {:?}",
            names(&rep)
        );
    }
    let rep = screen(csl_index(), "SMIC");
    assert!(hit(&rep, "CMIC", "Semiconductor Manufacturing International Corporation").is_some());
    assert!(hit(
        &rep,
        "EL",
        "Semiconductor Manufacturing International Corporation (SMIC)"
    )
    .is_some());
    // Without any alias: by part of the primary name.
    let ix = primary_names_index();
    let rep = screen(ix, "Hikvision");
    let h = hit(&rep, "EL", "Hangzhou Hikvision Digital Technology Co., Ltd.")
        .unwrap_or_else(|| panic!("not found: {:?}", names(&rep)));
    assert!(left_out(h).is_some(), "{:?}", h.reasons);
    let rep = screen(ix, "SMIC");
    for name in [
        "SMIC Holdings Limited",
        "Semiconductor Manufacturing International Corporation (SMIC)",
        "SMIC Hong Kong International Company Limited",
    ] {
        let h = hit(&rep, "EL", name).unwrap_or_else(|| panic!("{name} not found: {:?}", names(&rep)));
        assert!(left_out(h).is_some(), "{:?}", h.reasons);
    }
}

#[test]
fn a_longer_query_fills_what_the_list_name_has_more() {
    // "Technologies Co., Ltd." against "Technology": the legal form carries no information.
    let rep = screen(csl_index(), "Huawei Cloud Computing Technologies Co., Ltd.");
    let h = hit(&rep, "EL", "Huawei Cloud Computing Technology").unwrap();
    assert!(h.score >= 0.9, "{}", h.score);
}

#[test]
fn one_word_scores_below_the_full_name_and_by_what_it_leaves_out() {
    let full = "Hangzhou Hikvision Digital Technology Co., Ltd.";
    let ix = primary_names_index();
    let one = hit(&screen(ix, "Hikvision"), "EL", full).unwrap().score;
    let all = hit(&screen(ix, full), "EL", full).unwrap().score;
    assert_eq!(all, 1.0);
    assert!(one < all - 0.1, "one word {one} vs full name {all}");
    // The same through the pair interface (the list side is an organisation's name).
    let (pair_one, m) = score_pair("Hikvision", full);
    assert!(m && pair_one < 0.9, "{pair_one}");
    assert_eq!(score_pair(full, full).0, 1.0);
    // More left out, lower score: "Huawei Cloud Beijing" leaves out `cloud` and `beijing`,
    // "Huawei Technology" only the generic `technology`.
    let rep = screen(csl_index(), "Huawei");
    let generic = hit(&rep, "EL", "Huawei Technology").unwrap().score;
    let (more, _) = score_pair("Huawei", "Huawei Cloud Beijing");
    assert!(more < generic - 0.1, "{more} vs {generic}");
    // The same words plus a distinctive one on the query side: another party, no partial
    // name (`Huawei Marine` is not `Huawei Technology`).
    let (other, _) = score_pair("Huawei Marine", "Huawei Technology");
    assert!(other < DEFAULT_THRESHOLD, "{other}");
}

#[test]
fn common_words_alone_name_nothing() {
    for q in [
        "Technology Company Limited",
        "Technology Co., Ltd.",
        "Technology Group Co., Ltd.",
        "International Trading Company",
        "Group International Limited",
    ] {
        // On the primary names: no hit at all.
        let rep = screen(primary_names_index(), q);
        assert!(rep.hits.is_empty(), "{q}: {:?}", names(&rep));
        // On the full list: at most entries listed under exactly these words (the SDN lists a
        // Russian company whose alias is literally "TECHNOLOGY COMPANY LIMITED"), never a
        // partial name.
        let rep = screen(csl_index(), q);
        for h in &rep.hits {
            assert!(left_out(h).is_none(), "{q}: {:?}", h.reasons);
            let all_matched = h.reasons.iter().all(|r| {
                !matches!(
                    r,
                    Reason::ListTokenUnmatched { .. } | Reason::QueryTokenUnmatched { .. }
                )
            });
            assert!(all_matched, "{q}: {} {:?}", h.matched_alias, h.reasons);
        }
    }
}

#[test]
fn individuals_are_not_named_by_part_of_their_names() {
    // Two of three names of a Denied Persons List individual (the list gives no type: the
    // words tell).
    for (q, listed) in [
        ("Michael Clark", "JAMES MICHAEL CLARK"),
        ("Richard Clark", "RICHARD CLARK JOHNSON"),
    ] {
        let rep = screen(csl_index(), q);
        assert!(
            rep.hits.iter().all(|h| h.entry.name != listed && left_out(h).is_none()),
            "{q}: {:?}",
            names(&rep)
        );
    }
    // A bare common given name finds no partial name.
    let rep = screen(csl_index(), "Mohammed");
    assert!(rep.hits.iter().all(|h| left_out(h).is_none()), "{:?}", names(&rep));
}

#[test]
fn partial_names_are_deterministic() {
    let a = screen(csl_index(), "Huawei");
    let b = screen(csl_index(), "Huawei");
    assert_eq!(a, b);
    assert!(a.hits.len() > 10);
    for w in a.hits.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}
