//! A screen with a relaxed threshold for some lists returns, for those lists, the hits of a
//! screen at the relaxed threshold, and for the others the hits of a screen at the main
//! threshold — on names drawn from the bundled list (with typos and truncations) and on
//! unrelated names.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use chipgate_screen::{Query, Relaxed, ScreenOptions, ScreeningIndex};

fn queries() -> Vec<String> {
    let index = common::csl_index();
    let mut out = Vec::new();
    let names: Vec<String> = chipgate_screen::bundled_csl()
        .unwrap()
        .entries
        .iter()
        .step_by(97)
        .map(|e| e.name.clone())
        .collect();
    for (i, n) in names.iter().enumerate() {
        out.push(n.clone());
        // A typo, a truncation and the first word alone.
        let mut chars: Vec<char> = n.chars().collect();
        if chars.len() > 6 {
            chars.swap(3, 4);
            out.push(chars.iter().collect());
            out.push(n.chars().take(n.chars().count() * 2 / 3).collect());
        }
        if i % 3 == 0 {
            if let Some(first) = n.split_whitespace().next() {
                out.push(first.to_owned());
            }
        }
    }
    // License-list names behind two words of other lists' names: the list name covers
    // only part of the query, so its record is first reached where only the relaxed
    // threshold can still be met (the focus postings' path).
    let entries = &chipgate_screen::bundled_csl().unwrap().entries;
    let others: Vec<&str> = entries
        .iter()
        .filter(|e| e.source_code == "SDN")
        .step_by(41)
        .filter_map(|e| e.name.split_whitespace().nth(1))
        .collect();
    for (i, e) in entries.iter().filter(|e| e.source_code == "EL").step_by(23).enumerate() {
        if let (Some(a), Some(b)) = (others.get(i % others.len()), others.get((i + 7) % others.len())) {
            out.push(format!("{a} {b} {}", e.name));
        }
    }
    out.extend(
        [
            "Zentrix Cloud GmbH",
            "Nordhafen Logistics AG",
            "Huawei",
            "Global Trading",
            "Maria Lopez",
        ]
        .map(String::from),
    );
    let _ = index;
    out
}

#[test]
fn relaxed_lists_get_the_lower_threshold_and_the_others_the_main_one() {
    let index = common::csl_index();
    let licensed = ["EL", "MEU", "UVL", "DPL"];
    let set = index.source_set(&licensed);
    let all = |t: f64| ScreenOptions {
        threshold: t,
        max_hits: usize::MAX,
        relaxed: None,
    };
    let mixed = ScreenOptions {
        threshold: 0.80,
        max_hits: usize::MAX,
        relaxed: Some(Relaxed {
            threshold: 0.62,
            sources: set,
        }),
    };
    let key = |h: &chipgate_screen::Hit| (h.entry.index, (h.score * 10_000.0).round() as i64);
    // The same search over an index prepared for the relaxed lists (`with_focus`, as the
    // engine builds it), which walks only their postings where only they can still match.
    let focused = ScreeningIndex::build(chipgate_screen::bundled_csl().unwrap()).with_focus(set);
    let mut checked = 0;
    for (q, searched) in queries().into_iter().flat_map(|q| [(q.clone(), index), (q, &focused)]) {
        let query = Query {
            name: &q,
            country: None,
        };
        let Ok(got) = searched.screen(query, mixed) else {
            continue;
        };
        let low = index.screen(query, all(0.62)).unwrap();
        let high = index.screen(query, all(0.80)).unwrap();
        let got_in: Vec<_> = got
            .hits
            .iter()
            .filter(|h| licensed.contains(&h.list.as_str()))
            .map(key)
            .collect();
        let want_in: Vec<_> = low
            .hits
            .iter()
            .filter(|h| licensed.contains(&h.list.as_str()))
            .map(key)
            .collect();
        assert_eq!(got_in, want_in, "`{q}`: hits on the relaxed lists");
        let got_out: Vec<_> = got
            .hits
            .iter()
            .filter(|h| !licensed.contains(&h.list.as_str()))
            .map(key)
            .collect();
        let want_out: Vec<_> = high
            .hits
            .iter()
            .filter(|h| !licensed.contains(&h.list.as_str()))
            .map(key)
            .collect();
        assert_eq!(got_out, want_out, "`{q}`: hits on the other lists");
        checked += 1;
    }
    assert!(checked > 1000, "{checked}");
}
