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
    let h200 = decider.classifier().catalog().get("nvidia-h200-sxm").unwrap();
    let request = Request {
        destination: "CN".to_owned(),
        end_user_hq: Some("CN".to_owned()),
        ..Request::default()
    };
    c.bench_function("decide/h200_to_cn", |b| {
        b.iter(|| black_box(decider.decide(black_box(h200), &request, date, &NoLists).unwrap()))
    });
    let classification = decider.classifier().classify(h200, date).unwrap();
    c.bench_function("decide/h200_to_cn_preclassified", |b| {
        b.iter(|| {
            black_box(
                decider
                    .decide_with(h200, &classification, &request, date, &NoLists)
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
        b.iter(|| black_box(decider.decide(black_box(h200), &de, date, &NoLists).unwrap()))
    });
    // A Part 746 destination: the embargo layer applies and NAC is ruled out.
    let rtx4090 = decider.classifier().catalog().get("nvidia-geforce-rtx-4090").unwrap();
    let iran = Request {
        destination: "IR".to_owned(),
        ..Request::default()
    };
    c.bench_function("decide/rtx4090_to_ir", |b| {
        b.iter(|| black_box(decider.decide(black_box(rtx4090), &iran, date, &NoLists).unwrap()))
    });
    // A date inside an uncertain Country Group window: decided both ways and compared.
    let h100 = decider.classifier().catalog().get("nvidia-h100-sxm5").unwrap();
    let uae = Request {
        destination: "AE".to_owned(),
        ..Request::default()
    };
    let before: Date = "2024-06-01".parse().unwrap();
    c.bench_function("decide/h100_to_ae_uncertain_2024", |b| {
        b.iter(|| black_box(decider.decide(black_box(h100), &uae, before, &NoLists).unwrap()))
    });
    // A user's spec (not a catalog record): classified afresh on every call.
    let mut spec = h200.clone();
    spec.name = "H200 figures as a user's spec".to_owned();
    c.bench_function("decide/user_spec_to_cn", |b| {
        b.iter(|| black_box(decider.decide(black_box(&spec), &request, date, &NoLists).unwrap()))
    });
    // The whole answer as the CLI and API give it: determination and JSON.
    c.bench_function("decide/h200_to_cn_json", |b| {
        b.iter(|| {
            let d = decider.decide(black_box(h200), &request, date, &NoLists).unwrap();
            black_box(serde_json::to_string(&d).unwrap())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
