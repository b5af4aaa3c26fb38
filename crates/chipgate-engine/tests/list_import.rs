//! `Engine::import_lists` on the real list files in `../shared/data/lists/` (each format, then
//! all at once, then a rollback), on SQLite and, with `CHIPGATE_TEST_DATABASE_URL`, PostgreSQL.
//! Without `../shared` each test prints one `skipped:` line; the CLI test
//! `import_every_format_see_what_changed_refuse_bad_lists_and_roll_back` covers the same on
//! committed cuts of these files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failures panic loudly"
)]

mod common;

use std::path::{Path, PathBuf};

use chipgate_data::Embedded;
use chipgate_engine::{Engine, ImportOptions, ListFile};
use chipgate_ledger::{Ledger, Timestamp};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/lists")
        .join(rel)
}

fn files_or_skip(rels: &[&str]) -> Option<Vec<ListFile>> {
    let mut out = Vec::new();
    for rel in rels {
        let p = shared(rel);
        if !p.exists() {
            eprintln!(
                "skipped: ../shared/data/lists/{rel} not found (real-list import; the CLI test \
                 `import_every_format_see_what_changed_refuse_bad_lists_and_roll_back` covers the format on cuts)"
            );
            return None;
        }
        out.push(ListFile {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            bytes: std::fs::read(&p).unwrap(),
        });
    }
    Some(out)
}

fn stores(tag: &str) -> Vec<String> {
    common::stores("lists", "cge", tag)
}

fn opts() -> ImportOptions<'static> {
    ImportOptions {
        force: true,
        source_date: Some("2026-12-07"),
        max_shrink: 0.2,
    }
}

const NOW: &str = "2026-12-07T12:00:00Z";

#[test]
fn each_real_format_imports_with_its_counts() {
    let cases: &[(&[&str], &str, u64)] = &[
        (&["csl-2026-07-31.json"], "csl_json", 25_921),
        (&["csl_format_samples/csl_2019-12_sample.csv"], "csl_csv", 115),
        (&["csl_format_samples/consolidated_2025-06_sample.csv"], "csl_csv", 13),
        (
            &[
                "ofac_sdn_full_2021-04-25/sdn.csv",
                "ofac_sdn_full_2021-04-25/alt.csv",
                "ofac_sdn_full_2021-04-25/add.csv",
            ],
            "ofac_legacy",
            8_890,
        ),
        (
            &[
                "ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv",
                "ofac_nonsdn_consolidated_2025-12-19/cons_alt.csv",
                "ofac_nonsdn_consolidated_2025-12-19/cons_add.csv",
                "ofac_nonsdn_consolidated_2025-12-19/cons_comments.csv",
            ],
            "ofac_legacy",
            442,
        ),
        (
            &["ofac_nonsdn_consolidated_2025-12-19/cons_prim.csv"],
            "ofac_legacy",
            442,
        ),
        (&["un_consolidated_2026-02-27/UN_consolidated.xml"], "un_xml", 1_003),
    ];
    let engine = Engine::load(&Embedded).unwrap();
    let now = Timestamp::parse(NOW).unwrap();
    for url in stores("each") {
        let mut ledger = Ledger::open(&url).unwrap();
        for (rels, format, entries) in cases {
            let Some(files) = files_or_skip(rels) else {
                return;
            };
            let r = engine
                .import_lists(&mut ledger, &files, opts(), "officer", now)
                .unwrap();
            assert_eq!(r.snapshot.entry_count, *entries, "{rels:?}");
            assert_eq!(r.snapshot.files[0].format, *format, "{rels:?}");
            assert!(r.snapshot.active, "{rels:?}");
            let active = ledger.active_list_snapshot().unwrap().unwrap();
            assert_eq!(active.id, r.snapshot.id);
        }
        assert!(ledger.verify_audit().unwrap().ok);
    }
}

#[test]
fn the_full_csl_imported_equals_the_bundled_list_and_rolls_back() {
    let Some(csl) = files_or_skip(&["csl-2026-07-31.json"]) else {
        return;
    };
    let Some(sdn) = files_or_skip(&["ofac_sdn_2024-05-03/sdn.csv"]) else {
        return;
    };
    let engine = Engine::load(&Embedded).unwrap();
    let now = Timestamp::parse(NOW).unwrap();
    for url in stores("full") {
        let mut ledger = Ledger::open(&url).unwrap();
        let first = engine
            .import_lists(
                &mut ledger,
                &csl,
                ImportOptions { force: false, ..opts() },
                "officer",
                now,
            )
            .unwrap();
        // The same list as the bundled one: nothing changed, nothing refused.
        assert!(first.diff.is_empty(), "{:?}", first.diff.summary);
        assert_eq!(first.previous.origin, "bundled");
        // The screening index from the store finds what the bundled one finds.
        let stored = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
        let a = stored.screen("HUAWEI TECHNOLOGIES CO., LTD.", None, None).unwrap();
        let b = engine.screen("HUAWEI TECHNOLOGIES CO., LTD.", None, None).unwrap();
        assert_eq!(a.list_snapshot.id, first.snapshot.id);
        let names = |r: &chipgate_screen::ScreenReport| r.hits.iter().map(|h| h.entry.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        // The 2024 SDN file alone: every other list disappears, refused without force.
        let refused = engine
            .import_lists(
                &mut ledger,
                &sdn,
                ImportOptions { force: false, ..opts() },
                "officer",
                now,
            )
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("source `EL` is empty in the new snapshot (it had 3420 entries)"),
            "{refused}"
        );
        let forced = engine.import_lists(&mut ledger, &sdn, opts(), "officer", now).unwrap();
        assert!(!forced.forced.is_empty());
        let sdn_changes = forced.diff.summary["SDN"];
        assert_eq!((sdn_changes.before, sdn_changes.after), (19_181, 14_965));
        assert_eq!(
            sdn_changes.before - sdn_changes.removed,
            sdn_changes.after - sdn_changes.added
        );
        // Roll back.
        ledger
            .activate_list_snapshot(&first.snapshot.id, Some("test"), "officer", now)
            .unwrap();
        assert_eq!(ledger.active_list_snapshot().unwrap().unwrap().id, first.snapshot.id);
        assert!(ledger.verify_audit().unwrap().ok);
    }
}
