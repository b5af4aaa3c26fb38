//! Times normalisation and pair scoring of a few names (diagnostics).
use std::time::Instant;
fn main() {
    let names = [
        "Vladimir Vladimirovich Putin",
        "PUTIN, Vladimir",
        "Siemens Aktiengesellschaft",
        "Huawei Technologies Co., Ltd.",
        "Владимир Путин",
        "华为技术有限公司",
    ];
    let _ = chipgate_screen::score_pair("warm", "up");
    let reps = 20_000;
    for n in names {
        let t = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(chipgate_screen::normalize_variants(std::hint::black_box(n)));
        }
        println!(
            "normalize {:>6.2} µs  {n}",
            t.elapsed().as_secs_f64() * 1e6 / reps as f64
        );
    }
    for (a, b) in [
        (names[0], names[1]),
        (names[2], "Siemens AG"),
        (names[4], "Vladimir Putin"),
    ] {
        let t = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(chipgate_screen::score_pair(
                std::hint::black_box(a),
                std::hint::black_box(b),
            ));
        }
        println!(
            "score_pair {:>6.2} µs  {a} | {b}",
            t.elapsed().as_secs_f64() * 1e6 / reps as f64
        );
    }
}
