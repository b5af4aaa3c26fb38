//! A running engine (what `chipgate serve` and the worker hold) takes the store's active list
//! snapshot when it changes, without a restart: `Engine::sync_store_lists` swaps it in once,
//! answers name the new snapshot, and the lists' generation moves so that cached reports made
//! before the swap are not served after it. SQLite and, with `CHIPGATE_TEST_DATABASE_URL`,
//! PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: failures panic loudly"
)]

mod common;

use chipgate_data::Embedded;
use chipgate_engine::{Engine, ImportOptions, ListFile};
use chipgate_ledger::{Ledger, Timestamp};

fn stores(tag: &str) -> Vec<String> {
    common::stores("live", "cgl", tag)
}

fn block_list(name: &str, text: &str) -> Vec<ListFile> {
    vec![ListFile {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
    }]
}

fn import(engine: &Engine, ledger: &mut Ledger, files: &[ListFile]) -> String {
    let options = ImportOptions {
        force: true,
        source_date: Some("2026-12-07"),
        max_shrink: 0.2,
    };
    let now = Timestamp::parse("2026-12-07T12:00:00Z").unwrap();
    engine
        .import_lists(ledger, files, options, "officer", now)
        .unwrap()
        .snapshot
        .id
}

#[test]
fn a_running_engine_takes_the_stores_new_active_snapshot_once() {
    for url in stores("swap") {
        let (mut ledger, _) = Ledger::open_or_create(&url).unwrap();
        // The running engine: the bundled list, as `serve` starts on a store without lists.
        let running = Engine::load(&Embedded).unwrap().with_store_lists(&mut ledger).unwrap();
        assert_eq!(
            running.sync_store_lists(&mut ledger).unwrap(),
            None,
            "no snapshot: nothing to swap"
        );
        let bundled = running.screen("Zephyr Lattice Foundry", None, None).unwrap();
        assert!(bundled.hits.is_empty(), "{url}: {:?}", bundled.hits);
        let generation = running.lists_generation();

        // Another process (`chipgate lists import`) imports a list into the same store.
        let importer = Engine::load(&Embedded).unwrap();
        let v1 = import(
            &importer,
            &mut ledger,
            &block_list("own-v1.csv", "name,country,note\nZephyr Lattice Foundry,CN,\n"),
        );
        assert_eq!(
            running.sync_store_lists(&mut ledger).unwrap().as_deref(),
            Some(v1.as_str()),
            "{url}"
        );
        let after = running.screen("Zephyr Lattice Foundry", None, None).unwrap();
        assert_eq!(after.list_snapshot.id, v1, "{url}");
        assert_eq!(
            after.hits.first().map(|h| h.entry.name.as_str()),
            Some("Zephyr Lattice Foundry")
        );
        assert_eq!(running.lists_generation(), generation + 1);
        // Nothing changed since: no second swap, the generation stays.
        assert_eq!(running.sync_store_lists(&mut ledger).unwrap(), None);
        assert_eq!(running.lists_generation(), generation + 1);

        // A newer import, then a rollback (`lists activate`): each reaches the running engine.
        let v2 = import(
            &importer,
            &mut ledger,
            &block_list("own-v2.csv", "name,country,note\nQuillon Sensor Works,RU,\n"),
        );
        assert_eq!(
            running.sync_store_lists(&mut ledger).unwrap().as_deref(),
            Some(v2.as_str())
        );
        assert!(running
            .screen("Zephyr Lattice Foundry", None, None)
            .unwrap()
            .hits
            .is_empty());
        ledger
            .activate_list_snapshot(
                &v1,
                Some("rollback"),
                "officer",
                Timestamp::parse("2026-12-07T13:00:00Z").unwrap(),
            )
            .unwrap();
        assert_eq!(
            running.sync_store_lists(&mut ledger).unwrap().as_deref(),
            Some(v1.as_str())
        );
        assert_eq!(running.lists().unwrap().snapshot_info().id, v1);
        assert_eq!(running.lists_generation(), generation + 3);
    }
}
