//! One determination with its party check: the end user and the consignee screened through
//! the bundled CSL index (25,921 entries), as `chipgate decide`, the API, the batch and the
//! worker do.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "criterion macros generate undocumented items; benches fail loudly"
)]
//! Run: `cargo bench -p chipgate-engine --bench decide_parties`

use chipgate_data::Embedded;
use chipgate_decide::{Ownership, Request};
use chipgate_engine::Engine;
use chipgate_model::Date;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let engine = Engine::load(&Embedded).unwrap();
    // Build the list index once, before timing.
    engine.lists().unwrap();
    let date: Date = "2025-10-01".parse().unwrap();
    let h200 = engine.classifier().catalog().get("nvidia-h200-sxm").unwrap();
    let clear = Request {
        destination: "DE".to_owned(),
        end_user: Some("Zentrix Cloud GmbH".to_owned()),
        end_user_hq: Some("DE".to_owned()),
        consignee: Some("Nordhafen Logistics AG".to_owned()),
        ..Request::default()
    };
    c.bench_function("decide_parties/two_clear_parties", |b| {
        b.iter(|| black_box(engine.decide(black_box(h200), &clear, date).unwrap()))
    });
    let listed = Request {
        destination: "DE".to_owned(),
        end_user: Some("Huawei Technologies Co., Ltd.".to_owned()),
        end_user_hq: Some("CN".to_owned()),
        consignee: Some("Nordhafen Logistics AG".to_owned()),
        ..Request::default()
    };
    c.bench_function("decide_parties/listed_end_user", |b| {
        b.iter(|| black_box(engine.decide(black_box(h200), &listed, date).unwrap()))
    });
    let owned = Request {
        owners: vec![Ownership::parse_owner("Huawei Technologies Co., Ltd.=60").unwrap()],
        ..clear.clone()
    };
    c.bench_function("decide_parties/two_parties_and_a_listed_owner", |b| {
        b.iter(|| black_box(engine.decide(black_box(h200), &owned, date).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
