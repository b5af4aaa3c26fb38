//! Criterion benchmarks: one query against the whole bundled CSL, pair scoring.
//!
//! `cargo bench -p chipgate-screen --bench screen`

#![allow(
    clippy::expect_used,
    missing_docs,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

use std::hint::black_box;

use chipgate_screen::{bundled_csl, score_pair, ScreeningIndex};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let index = ScreeningIndex::build(bundled_csl().expect("bundled CSL"));
    let mut g = c.benchmark_group("screen");
    for (label, q) in [
        ("latin_person_no_hit", "Jennifer L. McClellan"),
        ("latin_company_hits", "Huawei Technologies Co., Ltd."),
        ("han_company_hits", "华为技术有限公司"),
        ("arabic_person", "محمد علي"),
        ("typo_person", "Vladmir Puttin"),
    ] {
        g.bench_function(label, |b| b.iter(|| index.screen_name(black_box(q), None)));
    }
    g.finish();

    let mut g = c.benchmark_group("pair");
    // Warm the token statistics of the bundled list once.
    let _ = score_pair("warm", "up");
    g.bench_function("score_pair_latin", |b| {
        b.iter(|| score_pair(black_box("Vladimir Vladimirovich Putin"), black_box("PUTIN, Vladimir")))
    });
    g.bench_function("score_pair_company", |b| {
        b.iter(|| score_pair(black_box("Siemens Aktiengesellschaft"), black_box("Siemens AG")))
    });
    g.bench_function("score_pair_cross_script", |b| {
        b.iter(|| score_pair(black_box("Владимир Путин"), black_box("Vladimir Putin")))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
