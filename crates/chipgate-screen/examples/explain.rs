//! Screens names given as arguments against the bundled CSL (or `--un FILE`) and prints the
//! JSON report: `cargo run --release -p chipgate-screen --example explain -- [--un FILE] NAME...`

use chipgate_screen::{bundled_csl, load_un_xml, normalize_variants, ScreeningIndex};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let snap = if args.first().map(String::as_str) == Some("--un") {
        let path = args.get(1).cloned().ok_or("--un needs a file")?;
        args.drain(..2);
        load_un_xml(&path, &std::fs::read(&path)?)?
    } else {
        bundled_csl()?
    };
    let index = ScreeningIndex::build(snap);
    for name in &args {
        for v in normalize_variants(name) {
            println!(
                "# {name} -> [{}] {:?}",
                v.reading,
                v.tokens
                    .iter()
                    .map(|t| format!("{}:{:?}:{:?}", t.text, t.kind, t.script))
                    .collect::<Vec<_>>()
            );
        }
        let rep = index.screen_name(name, None)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&rep.hits.iter().take(3).collect::<Vec<_>>())?
        );
    }
    Ok(())
}
