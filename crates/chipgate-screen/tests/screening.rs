//! Screening behaviour against the bundled CSL: transliteration, name order, legal forms,
//! typos, country signal, cleared parties, exact look-up, report JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use chipgate_screen::{
    load_cleared_csv, normalize, score_pair, try_score_pair, MatchMethod, Query, Reason, ScreenOptions, ScreeningIndex,
    TokenKind, DEFAULT_THRESHOLD,
};
use common::csl_index;

#[test]
fn bundled_snapshot_has_all_sources() {
    let ix = csl_index();
    let info = ix.snapshot_info();
    assert_eq!(ix.entries().len(), 25_921);
    assert_eq!(info.counts.get("SDN"), Some(&19_181));
    assert_eq!(info.counts.get("EL"), Some(&3_420));
    assert_eq!(info.counts.get("DPL"), Some(&1_596));
    assert_eq!(info.counts.get("UVL"), Some(&222));
    assert_eq!(info.counts.get("MEU"), Some(&70));
    assert_eq!(info.id.len(), 64);
    assert!(info.id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(info.source_date.starts_with("2026-07-31T13:15"));
}

#[test]
fn chinese_characters_find_the_romanised_entry() {
    let rep = csl_index().screen_name("华为技术有限公司", None).unwrap();
    let hit = rep
        .hits
        .iter()
        .find(|h| h.entry.name == "HUAWEI TECHNOLOGIES CO., LTD.")
        .expect("HUAWEI TECHNOLOGIES CO., LTD. is a hit");
    assert!(hit.score >= DEFAULT_THRESHOLD);
    assert!(hit.reasons.iter().any(|r| matches!(r, Reason::Transliterated { .. })));
    // The Entity List entry for the same company is found too, with its licence terms.
    let el = rep
        .hits
        .iter()
        .find(|h| h.list == "EL" && h.entry.name.starts_with("Huawei Technologies Co., Ltd."))
        .expect("an Entity List Huawei Technologies hit");
    assert!(el.license_requirement.is_some());
    assert!(el.license_policy.is_some());
    assert!(el.citation.as_deref().unwrap_or("").contains("744.16"));
}

#[test]
fn last_first_order_is_read_as_first_last() {
    let n = normalize("PUTIN, Vladimir Vladimirovich");
    assert!(n.reordered);
    assert_eq!(n.key(), "vladimir vladimirovich putin");
    let a = csl_index().screen_name("Vladimir Putin", None).unwrap();
    let b = csl_index().screen_name("PUTIN, Vladimir", None).unwrap();
    let top_a = a.hits.first().expect("a hit");
    let top_b = b.hits.first().expect("a hit");
    assert_eq!(top_a.entry.index, top_b.entry.index);
    assert!(top_a.entry.name.to_uppercase().contains("PUTIN"));
    assert!(b.hits[0].reasons.iter().any(|r| matches!(r, Reason::Reordered { .. })));
    // A company name with a comma before its legal form is not reordered.
    assert!(!normalize("Apple, Inc.").reordered);
}

#[test]
fn legal_forms_are_kept_with_low_weight() {
    let n = normalize("Huawei Technologies Co., Ltd.");
    let forms: Vec<_> = n.tokens.iter().filter(|t| t.kind == TokenKind::LegalForm).collect();
    assert_eq!(forms.len(), 1, "{n:?}");
    assert_eq!(normalize("ООО Ромашка").tokens[0].kind, TokenKind::LegalForm);
    assert_eq!(normalize("Stripe Limited Liability Company").key(), "stripe llc");
    // A differing legal form barely moves the score; a differing name word does.
    let (same_name, _) = score_pair("Acme Trading Ltd", "Acme Trading GmbH");
    let (other_name, _) = score_pair("Acme Trading Ltd", "Apex Trading Ltd");
    assert!(same_name >= 0.85, "{same_name}");
    assert!(other_name < DEFAULT_THRESHOLD, "{other_name}");
    let p = try_score_pair("Siemens AG", "Siemens Aktiengesellschaft").unwrap();
    assert!(p.is_match);
}

#[test]
fn typos_are_tolerated() {
    let rep = csl_index().screen_name("Huawai Technolgies", None).unwrap();
    assert!(
        rep.hits
            .iter()
            .any(|h| h.entry.name.to_lowercase().starts_with("huawei technologies")),
        "{:?}",
        rep.hits.iter().map(|h| &h.matched_alias).collect::<Vec<_>>()
    );
    let fuzzy = rep.hits[0].reasons.iter().any(|r| {
        matches!(
            r,
            Reason::TokenMatch {
                method: MatchMethod::EditDistance,
                ..
            }
        )
    });
    assert!(fuzzy, "{:?}", rep.hits[0].reasons);
    let (s, m) = score_pair("Vladmir Putin", "Vladimir Putin");
    assert!(m && s > 0.85);
    let (s, m) = score_pair("Daniel Tusk", "Donald Tusk");
    assert!(!m && s < 0.5, "{s}");
}

#[test]
fn country_is_a_signal() {
    let ix = csl_index();
    let q = "Huawei Technologies Co., Ltd.";
    let opts = ScreenOptions {
        threshold: 0.5,
        max_hits: 200,
        relaxed: None,
    };
    let cn = ix
        .screen(
            Query {
                name: q,
                country: Some("cn"),
            },
            opts,
        )
        .unwrap();
    let de = ix
        .screen(
            Query {
                name: q,
                country: Some("DE"),
            },
            opts,
        )
        .unwrap();
    assert_eq!(cn.country.as_deref(), Some("CN"));
    let score_of = |rep: &chipgate_screen::ScreenReport| {
        rep.hits
            .iter()
            .find(|h| h.entry.name == "HUAWEI TECHNOLOGIES CO., LTD.")
            .map(|h| (h.score, h.reasons.clone()))
    };
    let (s_cn, r_cn) = score_of(&cn).unwrap();
    let (s_de, r_de) = score_of(&de).unwrap();
    assert!(s_cn > s_de, "{s_cn} vs {s_de}");
    assert!(r_cn
        .iter()
        .any(|r| matches!(r, Reason::Country { adjustment, .. } if *adjustment > 0.0)));
    assert!(r_de
        .iter()
        .any(|r| matches!(r, Reason::Country { adjustment, .. } if *adjustment < 0.0)));
}

#[test]
fn hits_are_ordered_and_explained() {
    let rep = csl_index().screen_name("Huawei Technologies", None).unwrap();
    assert!(rep.hits.len() > 3);
    for w in rep.hits.windows(2) {
        assert!(
            w[0].score > w[1].score || (w[0].score == w[1].score && w[0].entry.name <= w[1].entry.name),
            "not ordered: {} {} / {} {}",
            w[0].score,
            w[0].entry.name,
            w[1].score,
            w[1].entry.name
        );
    }
    for h in &rep.hits {
        assert!(h.score >= DEFAULT_THRESHOLD && h.score <= 1.0);
        assert!(h.reasons.iter().any(|r| matches!(r, Reason::TokenMatch { .. })));
    }
    // Deterministic.
    let again = csl_index().screen_name("Huawei Technologies", None).unwrap();
    assert_eq!(rep, again);
}

#[test]
fn report_json_has_stable_fields() {
    let rep = csl_index()
        .screen_name("Huawei Technologies Co., Ltd.", Some("CN"))
        .unwrap();
    let v = serde_json::to_value(&rep).unwrap();
    for k in ["query", "country", "list_snapshot", "threshold", "hits"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    for k in ["id", "source_date", "counts"] {
        assert!(v["list_snapshot"].get(k).is_some(), "missing list_snapshot.{k}");
    }
    let hit = &v["hits"][0];
    for k in ["list", "source", "entry", "matched_alias", "score", "reasons"] {
        assert!(hit.get(k).is_some(), "missing hits[0].{k}");
    }
    assert!(hit["reasons"][0].get("kind").is_some());
    let none = csl_index().screen_name("Zzyzx Qwvbn Plorkt", None).unwrap();
    assert!(none.hits.is_empty());
    let v = serde_json::to_value(&none).unwrap();
    assert_eq!(v["hits"], serde_json::json!([]));
}

#[test]
fn exact_lookup_by_name_alias_or_number() {
    let ix = csl_index();
    let by_name = ix.exact("huawei technologies co ltd");
    assert!(by_name.iter().any(|e| e.name == "HUAWEI TECHNOLOGIES CO., LTD."));
    let by_alias = ix.exact("Huawei Investment & Holding Co Ltd");
    assert!(by_alias.iter().any(|e| e.name == "HUAWEI TECHNOLOGIES CO., LTD."));
    let by_number = ix.exact("30947");
    assert_eq!(by_number.len(), 1);
    assert_eq!(by_number[0].name, "HUAWEI TECHNOLOGIES CO., LTD.");
    assert!(ix.exact("no such party anywhere").is_empty());
}

#[test]
fn cleared_party_suppresses_only_its_entry() {
    let csv =
        "name,country,note,entry\n\"Huawei Technologies Co., Ltd.\",CN,reviewed 2026-08-01 by J. Doe (case 17),30947\n";
    let cleared = load_cleared_csv("cleared.csv", csv.as_bytes()).unwrap();
    // A small index (the Huawei entries of the CSL) keeps the test fast.
    let csl = chipgate_screen::bundled_csl().unwrap();
    let entries: Vec<_> = csl
        .entries
        .into_iter()
        .filter(|e| e.all_names().any(|n| n.to_lowercase().contains("huawei")))
        .collect();
    let snap = chipgate_screen::ListSnapshot::from_entries(b"huawei subset", "2026-07-31", entries);
    let ix = ScreeningIndex::build(snap).with_cleared(&cleared);
    let rep = ix.screen_name("Huawei Technologies Co., Ltd.", Some("CN")).unwrap();
    assert!(rep
        .hits
        .iter()
        .all(|h| h.entry.entity_number.as_deref() != Some("30947")));
    let s = rep
        .suppressed
        .iter()
        .find(|h| h.entry.entity_number.as_deref() == Some("30947"))
        .expect("suppressed hit kept for the audit trail");
    assert!(s
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::Cleared { note, .. } if note.contains("case 17"))));
    // Other Huawei entries still hit.
    assert!(rep.hits.iter().any(|h| h.list == "EL"));
    // Another country: the clearance does not apply.
    let other = ix.screen_name("Huawei Technologies Co., Ltd.", Some("HK")).unwrap();
    assert!(other.suppressed.is_empty());
    // A different (even similar) name: not cleared.
    let similar = ix
        .screen_name("Huawei Technologies Company Limited", Some("CN"))
        .unwrap();
    assert!(similar.suppressed.is_empty());
}

#[test]
fn cross_script_names_match() {
    for (a, b) in [
        ("Владимир Путин", "Vladimir Putin"),
        ("محمد علي", "Mohamed Ali"),
        ("习近平", "Xi Jinping"),
        ("金正恩", "Kim Jong Un"),
        ("김정은", "Kim Jong Un"),
        ("山田太郎", "Yamada Taro"),
        ("Αλέξανδρος", "Alexander"),
        ("משה", "Moshe"),
    ] {
        let (s, m) = score_pair(a, b);
        assert!(m, "{a} ~ {b}: {s}");
    }
}
