//! Scores name pairs given as arguments (`A` `B` `A` `B` ...) and prints the explanation.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for p in args.chunks(2) {
        if let [a, b] = p {
            for v in chipgate_screen::normalize_variants(a)
                .iter()
                .chain(chipgate_screen::normalize_variants(b).iter())
            {
                println!(
                    "# [{}] {:?}",
                    v.reading,
                    v.tokens
                        .iter()
                        .map(|t| format!("{}:{:?}:{:?}", t.text, t.kind, t.script))
                        .collect::<Vec<_>>()
                );
            }
            match chipgate_screen::try_score_pair(a, b) {
                Ok(s) => println!(
                    "{a} | {b} => {}\n{}",
                    s.score,
                    serde_json::to_string(&s.reasons).unwrap_or_default()
                ),
                Err(e) => println!("{a} | {b} => error {e}"),
            }
        }
    }
}
