//! Speed of screening against the whole bundled CSL: index build, per-query latency
//! (p50/p99), batch throughput on two threads, pair scoring, peak resident memory.
//!
//! ```text
//! cargo run --release -p chipgate-dev --bin screen-bench -- [NAMEMATCH_DIR (default ../shared/data/namematch)] [--queries N]
//! ```
//!
//! Queries: names from the namematch fixtures (synthetic negatives, US Congress, UN persons
//! with typos) and CSL names with one deterministic typo each, interleaved.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chipgate_screen::{bundled_csl, score_pair, screen_many, Query, ScreenOptions, ScreeningIndex};

type BoxErr = Box<dyn std::error::Error>;

fn names_from(p: &Path, col: usize, limit: usize) -> Result<Vec<String>, BoxErr> {
    let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let mut out = Vec::new();
    for r in rdr.records() {
        let r = r?;
        if let Some(n) = r.get(col) {
            if !n.trim().is_empty() {
                out.push(n.trim().to_string());
            }
        }
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// A deterministic typo: xorshift picks an operation and a position.
fn typo(name: &str, seed: &mut u64) -> String {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 4 {
        return name.to_string();
    }
    let pos = 1 + (*seed as usize / 7) % (chars.len() - 2);
    match *seed % 3 {
        0 => {
            chars.remove(pos);
        }
        1 => chars.swap(pos, pos + 1),
        _ => {
            if let Some(c) = chars.get_mut(pos) {
                if c.is_ascii_alphabetic() {
                    *c = if *c == 'e' { 'a' } else { 'e' };
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of this process so far, from /proc/self/stat (clock ticks of
/// 1/100 s): unlike wall-clock time, it does not count time the machine gave to others.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    if let Err(e) = run() {
        eprintln!("screen-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), BoxErr> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = PathBuf::from("../shared/data/namematch");
    let mut n_queries = 20_000usize;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--queries" => {
                i += 1;
                n_queries = args.get(i).ok_or("--queries needs a number")?.parse()?;
            }
            other => dir = PathBuf::from(other),
        }
        i += 1;
    }

    // Load and build once (this is the resident set a screening process has), then two more
    // builds for the timing (best of three).
    let t = Instant::now();
    let snap = bundled_csl()?;
    let load = t.elapsed();
    let entries = snap.entries.len();
    let t = Instant::now();
    let index = ScreeningIndex::build(snap);
    let mut build = t.elapsed();
    // Queries.
    let fx = dir.join("yente_screening_fixtures");
    let mut pools: Vec<Vec<String>> = vec![
        names_from(&fx.join("negatives_us.csv"), 0, n_queries / 4)?,
        names_from(&fx.join("negatives_global.csv"), 0, n_queries / 4)?,
        names_from(&fx.join("positives_us_congress_untreated.csv"), 0, n_queries / 8)?,
        names_from(&fx.join("positives_un_treated.csv"), 0, n_queries / 8)?,
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let csl_typos: Vec<String> = index
        .entries()
        .iter()
        .step_by(7)
        .take(n_queries / 4)
        .map(|e| typo(&e.name, &mut seed))
        .collect();
    pools.push(csl_typos);
    let mut queries: Vec<(String, Option<String>)> = Vec::with_capacity(n_queries);
    let mut k = 0;
    while queries.len() < n_queries && pools.iter().any(|p| k < p.len()) {
        for p in &pools {
            if let Some(q) = p.get(k) {
                if queries.len() < n_queries {
                    queries.push((q.clone(), None));
                }
            }
        }
        k += 1;
    }
    let opts = ScreenOptions::default();

    // Warm-up, then per-query latency on one thread.
    for (q, _) in queries.iter().take(500) {
        let _ = index.screen(Query { name: q, country: None }, opts);
    }
    let mut lat: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    let cpu0 = cpu_time();
    for (q, _) in &queries {
        let t = Instant::now();
        let r = index.screen(Query { name: q, country: None }, opts);
        lat.push(t.elapsed());
        if let Ok(r) = r {
            hits += usize::from(!r.hits.is_empty());
        }
    }
    let total_1: Duration = lat.iter().sum();
    let cpu_1 = match (cpu0, cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    if std::env::var_os("SCREEN_BENCH_SLOW").is_some() {
        let mut idx: Vec<usize> = (0..lat.len()).collect();
        idx.sort_by_key(|&i| std::cmp::Reverse(lat[i]));
        for &i in idx.iter().take(25) {
            eprintln!("{:>8.1} µs  {}", us(lat[i]), queries[i].0);
        }
    }
    lat.sort_unstable();

    // Batch throughput on two threads.
    let cpu0 = cpu_time();
    let t = Instant::now();
    let res = screen_many(&index, &queries, opts, 2);
    let batch2 = t.elapsed();
    let cpu_2 = match (cpu0, cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    let errors = res.iter().filter(|r| r.is_err()).count();
    if let Some(path) = std::env::var_os("SCREEN_BENCH_DUMP") {
        let mut out = String::new();
        for r in res.iter().flatten() {
            let hits: Vec<String> = r
                .hits
                .iter()
                .map(|h| format!("{}={:.3}", h.entry.index, h.score))
                .collect();
            out.push_str(&format!("{}\t{}\n", r.query, hits.join(" ")));
        }
        std::fs::write(path, out)?;
    }

    // Pair scoring.
    let pairs = {
        let p = dir.join("nomenklatura_name_bench_cases.csv");
        let a = names_from(&p, 2, 10_000)?;
        let b = names_from(&p, 3, 10_000)?;
        a.into_iter().zip(b).collect::<Vec<_>>()
    };
    let _ = score_pair("warm", "up");
    let reps = 20;
    let t = Instant::now();
    let mut acc = 0.0;
    for _ in 0..reps {
        for (a, b) in &pairs {
            acc += score_pair(a, b).0;
        }
    }
    let pair_time = t.elapsed();
    let per_pair = pair_time / (reps * pairs.len().max(1)) as u32;

    let hwm = vm_hwm_kb().unwrap_or(0);
    for _ in 0..2 {
        let s = bundled_csl()?;
        let t = Instant::now();
        let ix = ScreeningIndex::build(s);
        build = build.min(t.elapsed());
        drop(ix);
    }
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!("| entries / indexed names | {entries} / {} | — |", index.name_count());
    println!(
        "| load bundled CSL JSON (parse + decode) | {:.0} ms | — |",
        load.as_secs_f64() * 1e3
    );
    println!(
        "| index build, whole CSL (best of 3) | {:.0} ms | < 1 s |",
        build.as_secs_f64() * 1e3
    );
    println!(
        "| queries | {} ({} with a hit ≥ 0.80, {} errors) | — |",
        queries.len(),
        hits,
        errors
    );
    println!("| query latency p50 | {:.1} µs | < 100 µs |", us(pct(&lat, 0.50)));
    println!("| query latency p90 | {:.1} µs | — |", us(pct(&lat, 0.90)));
    println!("| query latency p99 | {:.1} µs | < 1 ms |", us(pct(&lat, 0.99)));
    println!("| query latency max | {:.1} µs | — |", us(pct(&lat, 1.0)));
    println!(
        "| throughput, 1 thread | {:.0} queries/s | — |",
        queries.len() as f64 / total_1.as_secs_f64()
    );
    println!(
        "| throughput, batch on 2 threads (wall clock) | {:.0} queries/s | ≥ 20,000/s |",
        queries.len() as f64 / batch2.as_secs_f64()
    );
    println!(
        "| CPU time per query, 1 thread / batch on 2 threads | {:.1} µs / {:.1} µs | — |",
        us(cpu_1) / queries.len() as f64,
        us(cpu_2) / queries.len() as f64
    );
    println!(
        "| throughput two idle cores sustain (2 / CPU time per query in the batch) | {:.0} queries/s | ≥ 20,000/s |",
        2.0 * queries.len() as f64 / cpu_2.as_secs_f64().max(1e-9)
    );
    println!(
        "| pair scoring (`score_pair`, normalisation of both names included) | {:.2} µs/pair | a few µs |",
        us(per_pair)
    );
    println!(
        "| peak resident memory (VmHWM) | {:.0} MB | < 300 MB |",
        hwm as f64 / 1024.0
    );
    if acc < 0.0 {
        println!("(unreachable)");
    }
    Ok(())
}
