//! One license determination (classification included, no fuzzy screening).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "criterion macros generate undocumented items; benches fail loudly"
)]
//! Run: `cargo bench -p chipgate-decide --bench decide`

use chipgate_data::Embedded;
use chipgate_decide::{Decider, NoLists, Request};
use chipgate_model::Date;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let decider = Decider::load(&Embedded).unwrap();
    let date: Date = "2026-02-01".parse().unwrap();
    let h200 = decider.classifier().catalog().get("nvidia-h200-sxm").unwrap().clone();
    let request = Request {
        destination: "CN".to_owned(),
        end_user_hq: Some("CN".to_owned()),
        ..Request::default()
    };
    c.bench_function("decide/h200_to_cn", |b| {
        b.iter(|| black_box(decider.decide(black_box(&h200), &request, date, &NoLists).unwrap()))
    });
    let classification = decider.classifier().classify(&h200, date).unwrap();
    c.bench_function("decide/h200_to_cn_preclassified", |b| {
        b.iter(|| {
            black_box(
                decider
                    .decide_with(&h200, &classification, &request, date, &NoLists)
                    .unwrap(),
            )
        })
    });
    let de = Request {
        destination: "DE".to_owned(),
        end_user_hq: Some("DE".to_owned()),
        ..Request::default()
    };
    c.bench_function("decide/h200_to_de", |b| {
        b.iter(|| black_box(decider.decide(black_box(&h200), &de, date, &NoLists).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
