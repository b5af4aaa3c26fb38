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

/// The `region`, `eccn` and `us_person` columns reach the determination and its memo key: lines
/// that differ only there are decided apart, exactly as `Engine::decide` decides each request,
/// with the caches on and off.
#[test]
fn region_eccn_and_us_person_columns_are_decided_and_memoized_apart() {
    let engine = Engine::load(&chipgate_data::Embedded).unwrap();
    let dir = tempdir();
    let input = dir.join("orders.csv");
    let mut book = String::from("item,qty,destination,region,eccn,us_person,end_use,date\n");
    for _ in 0..3 {
        for (to, region, eccn, us) in [
            ("UA", "crimea", "", ""),
            ("UA", "other", "", ""),
            ("RU", "", "EAR99", ""),
            ("RU", "", "5A992.c", ""),
            ("CN", "", "", "yes"),
            ("CN", "", "", "no"),
            ("CN", "", "", ""),
        ] {
            book.push_str(&format!(
                "nvidia-h20,1,{to},{region},{eccn},{us},military_intelligence,2025-06-01\n"
            ));
        }
    }
    std::fs::write(&input, &book).unwrap();
    let reference = run(&engine, &input, &dir.join("reference.csv"), 0, 1, 4_096);
    let memo = run(&engine, &input, &dir.join("memo.csv"), 500, 2, 3);
    assert_eq!(String::from_utf8_lossy(&memo.0), String::from_utf8_lossy(&reference.0));
    let text = String::from_utf8(reference.0).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[13..16], ["region", "eccn", "us_person"], "{header:?}");
    let outcome_at = header.iter().rposition(|h| *h == "outcome").unwrap();
    let reasons_at = header.iter().rposition(|h| *h == "reasons").unwrap();
    let date = "2025-06-01".parse().unwrap();
    let item = engine.classifier().catalog().get("nvidia-h20").unwrap().clone();
    let mut outcomes = Vec::new();
    for (line, row) in lines.zip(book.lines().skip(1)) {
        let f: Vec<&str> = row.split(',').collect();
        let request = chipgate_engine::Request {
            destination: f[2].to_owned(),
            quantity: Some(1),
            region: (!f[3].is_empty()).then(|| f[3].to_owned()),
            eccn: (!f[4].is_empty()).then(|| f[4].to_owned()),
            us_person: (!f[5].is_empty()).then(|| f[5] == "yes"),
            end_use: Some(f[6].to_owned()),
            ..chipgate_engine::Request::default()
        };
        let expected = engine.decide(&item, &request, date).unwrap().outcome.as_str();
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[outcome_at], expected, "{row}");
        outcomes.push((fields[outcome_at].to_owned(), fields[reasons_at].to_owned()));
    }
    assert_ne!(
        outcomes[0].0, outcomes[1].0,
        "Crimea and the rest of Ukraine are decided apart: {outcomes:?}"
    );
    assert_ne!(
        outcomes[2], outcomes[3],
        "EAR99 and a CCL item to Russia are decided apart: {outcomes:?}"
    );
    // 744.6: a US person's support of a military-intelligence end use is its own requirement.
    assert_ne!(
        outcomes[4].1, outcomes[6].1,
        "a US person's support is decided: {outcomes:?}"
    );
    assert_eq!(outcomes[..7], outcomes[7..14], "the same line, the same answer");
}
