//! Classification with full trace and headroom over the whole catalog.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "criterion macros generate undocumented items; benches fail loudly"
)]
//! Run: `cargo bench -p chipgate-classify --bench classify`

use chipgate_classify::Classifier;
use chipgate_data::Embedded;
use chipgate_model::Date;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let classifier = Classifier::load(&Embedded).unwrap();
    let records: Vec<_> = classifier.catalog().iter().collect();
    let date: Date = "2026-02-01".parse().unwrap();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("whole_catalog_with_trace", |b| {
        b.iter(|| {
            for record in &records {
                black_box(classifier.classify(black_box(*record), date).unwrap());
            }
        })
    });
    let h20 = classifier.catalog().get("nvidia-h20").unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_chip_h20", |b| {
        b.iter(|| black_box(classifier.classify(black_box(h20), date).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
