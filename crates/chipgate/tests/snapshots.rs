//! Snapshot tests of the text output, with `insta`: every command's `--help` (the whole
//! subcommand tree, read from the `Commands:` lists), and the README tour's commands run in
//! a fresh directory. The snapshots are files in `tests/snapshots/`; a change of output shows
//! as a diff to review (`cargo insta review`, or `INSTA_UPDATE=always cargo test -p chipgate
//! --test snapshots` and `git diff`). In CI (`CI` set) a missing or different snapshot fails.
//!
//! Redacted, because they vary by run: the scratch directory's path, the version, and the
//! audit chain's head hash (its records carry the wall-clock time).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::Path;

#[path = "common/tour.rs"]
mod tour;

use tour::{both, shell, Scratch};

const README: &str = include_str!("../../../README.md");

/// Runs `command` in `dir`: standard output, then standard error, redacted.
fn run(command: &str, dir: &Path) -> String {
    redact(&both(&shell(command, dir, "snapshot-officer")), dir)
}

/// The scratch directory as `[dir]`, `chipgate X.Y.Z` as `chipgate [version]`, and the hash
/// in `head N (HASH)` as `[hash]`.
fn redact(text: &str, dir: &Path) -> String {
    let text = text
        .replace(&dir.display().to_string(), "[dir]")
        .replace(&format!("chipgate {}", env!("CARGO_PKG_VERSION")), "chipgate [version]");
    text.lines()
        .map(|line| match line.split_once(", head ") {
            Some((head, tail)) => match tail.split_once(" (") {
                Some((seq, hash)) if hash.len() == 65 && hash.ends_with(')') => {
                    format!("{head}, head {seq} ([hash])")
                }
                _ => line.to_owned(),
            },
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The subcommands listed under `Commands:` in a help text (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_commands_help() {
    let scratch = Scratch::new("help");
    let mut queue = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = queue.pop() {
        let command = format!("chipgate {} --help", path.join(" "));
        let help = run(&command, &scratch.0);
        let name = if path.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{}", path.join("_"))
        };
        insta::assert_snapshot!(name, help, &command);
        seen += 1;
        for sub in subcommands(&help) {
            let mut next = path.clone();
            next.push(sub);
            queue.push(next);
        }
    }
    assert!(seen >= 30, "only {seen} help texts");
}

#[test]
fn the_readme_tour() {
    let scratch = Scratch::new("tour");
    let mut shown = 0;
    for (index, command) in tour::tour_commands(README).iter().enumerate() {
        let rest = command.trim_start_matches("chipgate ");
        // Left out: the generator and batch (a rate in lines/s), and `license add`, whose
        // text gives the license's status on today's date.
        if rest.starts_with("gen-orders") || rest.starts_with("batch") {
            continue;
        }
        let output = run(command, &scratch.0);
        if rest.starts_with("license add") {
            continue;
        }
        let verb: String = rest
            .split_whitespace()
            .take_while(|word| !word.starts_with('-') && !word.starts_with('"'))
            .take(2)
            .collect::<Vec<_>>()
            .join("_");
        insta::assert_snapshot!(format!("tour_{index:02}_{verb}"), output, command);
        shown += 1;
    }
    assert!(shown >= 10, "only {shown} tour commands");
}

#[test]
fn redaction_leaves_everything_else() {
    let dir = Path::new("/tmp/x");
    assert_eq!(
        redact(
            &format!(
                "created /tmp/x/l.db\naudit trail OK: 2 records, head 2 ({})\nchipgate {}\nhead 2 (abc)",
                "a".repeat(64),
                env!("CARGO_PKG_VERSION")
            ),
            dir
        ),
        "created [dir]/l.db\naudit trail OK: 2 records, head 2 ([hash])\nchipgate [version]\nhead 2 (abc)"
    );
}
