//! Memoization changes nothing: a generated order book (several years of dates, listed
//! parties, bad lines) gives byte-identical output and errors with the caches on and off, on one
//! worker or two, in any chunk size.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use chipgate_batch::{BatchConfig, GenOptions, ListedName, OutputFormat, ProcessOptions};
use chipgate_engine::Engine;

fn tempdir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("chipgate-memo-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(engine: &Engine, input: &Path, out: &Path, cache: usize, workers: usize, chunk: usize) -> (Vec<u8>, Vec<u8>) {
    let cfg = BatchConfig {
        input: input.to_path_buf(),
        output: Some(out.to_path_buf()),
        errors: BatchConfig::errors_path_for(out),
        resume: false,
        workers,
        chunk_lines: chunk,
        chunk_delay: Duration::ZERO,
        pause_at_line: None,
        process: ProcessOptions {
            format: OutputFormat::Csv,
            default_date: "2025-06-01".parse().unwrap(),
            cache_capacity: cache,
            record: None,
        },
    };
    let report = chipgate_batch::run(engine, &cfg, &mut |_| {}).unwrap();
    if cache >= 1_000 {
        assert!(report.caches.screening.hit_rate() > 0.5, "{:?}", report.caches);
    }
    (std::fs::read(out).unwrap(), std::fs::read(&cfg.errors).unwrap())
}

#[test]
fn memoized_output_equals_deciding_every_line() {
    let engine = Engine::load(&chipgate_data::Embedded).unwrap();
    let dir = tempdir();
    let input = dir.join("orders.csv");
    let items: Vec<String> = engine
        .classifier()
        .catalog()
        .iter()
        .filter_map(|r| r.id().map(ToString::to_string))
        .collect();
    let index = engine.lists().unwrap();
    let listed: Vec<ListedName> = index
        .entries()
        .iter()
        .filter(|e| e.source_code == "EL")
        .take(300)
        .map(|e| ListedName {
            name: e.name.clone(),
            country: e.countries.first().cloned(),
        })
        .collect();
    let opts = GenOptions {
        lines: 1_500,
        seed: 42,
        start: "2022-09-01".parse().unwrap(),
        days: 1_400,
        customers: 150,
        listed_share: 0.2,
        bad_share: 0.03,
    };
    chipgate_batch::generate(&opts, &items, &listed, std::fs::File::create(&input).unwrap()).unwrap();

    let reference = run(&engine, &input, &dir.join("reference.csv"), 0, 1, 4_096);
    let memo = run(&engine, &input, &dir.join("memo.csv"), 100_000, 2, 61);
    assert_eq!(String::from_utf8_lossy(&memo.0), String::from_utf8_lossy(&reference.0));
    assert_eq!(memo.1, reference.1);
    // Tiny caches (cleared all the time) change nothing either.
    let small = run(&engine, &input, &dir.join("small.csv"), 40, 2, 200);
    assert_eq!(small.0, reference.0);
    let text = String::from_utf8(reference.0).unwrap();
    assert!(text.contains("listed-party"), "the sample must exercise listed parties");
    assert!(text.contains(",EL,"), "the sample must exercise screening hits");
}
