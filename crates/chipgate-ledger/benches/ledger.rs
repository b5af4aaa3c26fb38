//! Criterion micro-benchmarks: the CPU cost of one recorded order check (on
//! an in-memory SQLite store, so no disk) and of verifying 10,000 records.
//! End-to-end figures on a real file are produced by `ledger-bench` (in chipgate-dev).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

use chipgate_ledger::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn det(outcome: Outcome) -> DeterminationSummary {
    DeterminationSummary {
        license_required: outcome == Outcome::LicenseRequired,
        outcome,
        exception: None,
        reasons: vec!["744.23".into()],
        screening_hits: vec![],
        engine_version: "bench".into(),
        ruleset_id: "bench".into(),
        list_snapshot_id: Some("bench".into()),
        report: serde_json::json!({"steps": [{"rule": "744.23", "fired": true}]}),
    }
}

fn ledger() -> Ledger {
    let mut l = Ledger::open("sqlite::memory:").unwrap();
    l.add_license(
        &NewLicense {
            number: "B-1".into(),
            holder: "bench".into(),
            items: vec!["nvidia-h20".into()],
            destinations: vec!["CN".into()],
            consignee: None,
            end_user: None,
            quantity_cap: i64::MAX / 2,
            value_cap_cents: None,
            valid_from: "2025-01-01".into(),
            valid_to: "2030-12-31".into(),
            conditions: vec![Condition::RevenueShare { percent: 15.0 }],
            status: LicenseStatus::Granted,
        },
        "bench",
        Timestamp::from_unix(1_750_000_000).unwrap(),
    )
    .unwrap();
    l
}

fn order(i: u64) -> OrderRequest {
    OrderRequest {
        order_ref: format!("SO-{i}"),
        item_id: "nvidia-h20".into(),
        eccn: vec!["3A090.a".into()],
        destination: "CN".into(),
        quantity: 1,
        unit_value_cents: Some(1_200_000),
        consignee: None,
        end_user: None,
        date: "2025-08-13".parse().unwrap(),
        license: None,
        inputs: Default::default(),
    }
}

fn benches(c: &mut Criterion) {
    let now = Timestamp::from_unix(1_755_000_000).unwrap();
    let mut l = ledger();
    let d = det(Outcome::LicenseRequired);
    let mut i = 0u64;
    c.bench_function("check_order/ship_against_license/sqlite_memory", |b| {
        b.iter(|| {
            i += 1;
            l.check_order(&order(i), &d, "bench", now).unwrap()
        })
    });
    let d = det(Outcome::Indeterminate);
    c.bench_function("check_order/hold/sqlite_memory", |b| {
        b.iter(|| {
            i += 1;
            l.check_order(&order(i), &d, "bench", now).unwrap()
        })
    });
    let mut l = ledger();
    for k in 0..10_000 {
        l.check_order(&order(k), &det(Outcome::LicenseRequired), "bench", now)
            .unwrap();
    }
    c.bench_function("verify_audit/10k_records/sqlite_memory", |b| {
        b.iter(|| {
            let r = l.verify_audit().unwrap();
            assert!(r.ok);
        })
    });
}

criterion_group! {
    name = ledger_benches;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(ledger_benches);
