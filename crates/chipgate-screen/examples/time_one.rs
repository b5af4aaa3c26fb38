//! Times screening of the names given as arguments against the bundled CSL (`REPS` runs each,
//! default 1,000): `cargo run --release -p chipgate-screen --example time_one -- NAME...`
use std::time::Instant;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let index = chipgate_screen::ScreeningIndex::build(chipgate_screen::bundled_csl()?);
    let reps: usize = std::env::var("REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(1000);
    for name in std::env::args().skip(1) {
        let t = Instant::now();
        let mut hits = 0;
        for _ in 0..reps {
            hits += index.screen_name(&name, None)?.hits.len();
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / reps.max(1) as f64;
        println!("{per:>8.1} µs  {name} ({} hits)", hits / reps.max(1));
    }
    Ok(())
}
