//! The evaluation interface (`screen pairs`) and batch screening.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

use chipgate_screen::{
    load_block_list_csv, parse_pairs_csv, run_pairs, screen_batch, screen_many, ScreenOptions, ScreeningIndex,
};

fn index() -> ScreeningIndex {
    let block = "name,country,note\nAcme Rocket Parts Ltd,RU,\nNorthwind Traders GmbH,DE,\nIvan Petrov,RU,\n";
    ScreeningIndex::build(load_block_list_csv("block.csv", block.as_bytes(), "2026-08-01").unwrap())
}

#[test]
fn pairs_file_round_trip() {
    let input = "name1,name2\nVladimir Putin,\"PUTIN, Vladimir\"\nDaniel Tusk,Donald Tusk\n\n华为技术有限公司,\"HUAWEI TECHNOLOGIES CO., LTD.\"\n";
    let rows: Vec<_> = parse_pairs_csv("pairs.csv", input.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].0, 2);
    let mut out = Vec::new();
    let n = run_pairs("pairs.csv", input.as_bytes(), &mut out).unwrap();
    assert_eq!(n, 3);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "name1,name2,score,match");
    assert_eq!(lines[1], "Vladimir Putin,\"PUTIN, Vladimir\",1.0000,true");
    assert!(
        lines[2].starts_with("Daniel Tusk,Donald Tusk,0.") && lines[2].ends_with(",false"),
        "{}",
        lines[2]
    );
    assert!(lines[3].ends_with(",true"), "{}", lines[3]);
}

#[test]
fn pairs_file_errors_name_the_line() {
    let e = parse_pairs_csv("pairs.csv", "name1,name2\nonly one column\n".as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(e.to_string(), "`pairs.csv` line 2: expected 2 fields, found 1");
}

#[test]
fn batch_streams_with_progress() {
    let ix = index();
    let input = "name,country\nACME ROCKET PARTS LIMITED,RU\nSomebody Else,\n,US\nIvan Petrov,\n";
    let mut progress = Vec::new();
    let reports: Vec<_> = screen_batch(&ix, "batch.csv", input.as_bytes(), ScreenOptions::default(), |p| {
        progress.push(p)
    })
    .collect();
    assert_eq!(reports.len(), 4);
    let first = reports[0].as_ref().unwrap();
    assert_eq!(first.country.as_deref(), Some("RU"));
    assert_eq!(first.hits.len(), 1);
    assert!(reports[1].as_ref().unwrap().hits.is_empty());
    let e = reports[2].as_ref().unwrap_err();
    assert_eq!(e.to_string(), "`batch.csv` line 4: field `name`: the name is empty");
    assert_eq!(reports[3].as_ref().unwrap().hits.len(), 1);
    assert_eq!(progress.len(), 4);
    assert_eq!(progress.last().unwrap().rows, 4);
    assert!(progress.windows(2).all(|w| w[0].bytes <= w[1].bytes));

    // Without a header: first column name, second country.
    let plain = "Northwind Traders,DE\n";
    let r: Vec<_> = screen_batch(&ix, "plain.csv", plain.as_bytes(), ScreenOptions::default(), |_| {}).collect();
    assert_eq!(r[0].as_ref().unwrap().hits[0].entry.name, "Northwind Traders GmbH");
}

#[test]
fn parallel_batch_keeps_order() {
    let ix = index();
    let queries: Vec<(String, Option<String>)> = (0..50)
        .map(|i| {
            if i % 2 == 0 {
                ("Acme Rocket Parts".to_string(), None)
            } else {
                (format!("Nobody {i}"), None)
            }
        })
        .collect();
    let out = screen_many(&ix, &queries, ScreenOptions::default(), 2);
    assert_eq!(out.len(), 50);
    for (i, r) in out.iter().enumerate() {
        let r = r.as_ref().unwrap();
        assert_eq!(r.query, queries[i].0);
        assert_eq!(r.hits.is_empty(), i % 2 == 1);
    }
}
