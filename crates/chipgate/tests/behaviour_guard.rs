//! Behaviour guard: the JSON of classify, decide, timeline, screen and order check is
//! byte-identical to the committed fixtures in `tests/behaviour/`.
//!
//! Two runs, each in a fresh directory and `CHIPGATE_HOME`:
//! - the README tour: every `$ chipgate …` line of its ` ```text ` blocks, in order, the
//!   classify, decide, timeline, screen and order check lines with `--format json` (their
//!   output is compared), the others (license add, …) as written, for what they record;
//!   `gen-orders` and `batch` lines are left out (the second run covers them);
//! - 200 generated orders: `chipgate gen-orders 200 --seed 7` must print
//!   `tests/behaviour/orders.csv`, and `chipgate batch orders.csv --format jsonl` of that file
//!   must print `tests/behaviour/orders.jsonl`.
//!
//! Only what varies by run is redacted: the value of every `"…_at"` key holding a time of
//! day (the wall clock of a ledger write). Refactorings must leave these files unchanged;
//! a deliberate change of output regenerates them with
//! `CHIPGATE_BLESS=1 cargo test -p chipgate --test behaviour_guard` and shows in the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};

#[path = "common/tour.rs"]
mod tour;

use tour::{shell, tour_commands, Scratch};

const README: &str = include_str!("../../../README.md");
/// The commands whose JSON is guarded.
const GUARDED: &[&str] = &["classify", "decide", "timeline", "screen", "order check"];
const SEED: &str = "7";
const ORDERS: &str = "200";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/behaviour")
}

/// Runs `command` in `dir`: its standard output, which must not be empty (a determination
/// that is not a green light exits non-zero and still prints its JSON).
fn run(command: &str, dir: &Path) -> String {
    let output = shell(command, dir, "guard-officer");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.is_empty(),
        "`{command}` printed nothing (status {:?}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Replaces the value of every `"…_at": "YYYY-MM-DDTHH:MM:SS…"` with `"<time>"`.
fn redact_times(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_at\":") {
        let (head, tail) = rest.split_at(at + "_at\":".len());
        out.push_str(head);
        let spaces = tail.len() - tail.trim_start_matches(' ').len();
        let value = &tail[spaces..];
        let time = value
            .strip_prefix('"')
            .and_then(|v| v.split_once('"'))
            .map(|(v, _)| v)
            .filter(|v| v.len() >= 19 && v.as_bytes()[10] == b'T' && v.as_bytes()[13] == b':');
        match time {
            Some(time) => {
                out.push_str(&tail[..spaces]);
                out.push_str("\"<time>\"");
                rest = &value[time.len() + 2..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// Compares `actual` with the fixture `name`, or writes it with `CHIPGATE_BLESS` set.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = fixture_dir().join(name);
    if std::env::var_os("CHIPGATE_BLESS").is_some() {
        std::fs::create_dir_all(fixture_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let expected_lines: Vec<&str> = expected.lines().collect();
    let first = actual
        .lines()
        .enumerate()
        .find(|(i, line)| expected_lines.get(*i) != Some(line))
        .map_or(actual.lines().count(), |(i, _)| i);
    Some(format!(
        "{} differs from the output, first at line {}:\n  fixture: {:?}\n  output:  {:?}\n\
         (a deliberate change: `CHIPGATE_BLESS=1 cargo test -p chipgate --test behaviour_guard`)",
        path.display(),
        first + 1,
        expected_lines.get(first),
        actual.lines().nth(first),
    ))
}

#[test]
fn the_tour_json_is_byte_identical_to_the_fixture() {
    let scratch = Scratch::new("tour");
    let commands = tour_commands(README);
    let mut guarded = 0;
    let mut transcript = String::new();
    for command in &commands {
        let rest = command.trim_start_matches("chipgate ");
        if rest.starts_with("gen-orders") || rest.starts_with("batch") {
            continue;
        }
        if GUARDED.iter().any(|verb| rest.starts_with(&format!("{verb} "))) {
            let json_command = format!("{command} --format json");
            let output = run(&json_command, &scratch.0);
            transcript.push_str(&format!("$ {json_command}\n{}", redact_times(&output)));
            guarded += 1;
        } else {
            run(command, &scratch.0);
        }
    }
    assert!(
        guarded >= 8,
        "only {guarded} guarded commands in the README tour: {commands:?}"
    );
    if let Some(difference) = check("tour.txt", &transcript) {
        panic!("{difference}");
    }
}

#[test]
fn the_batch_jsonl_of_200_generated_orders_is_byte_identical_to_the_fixture() {
    let scratch = Scratch::new("orders");
    let generated = run(&format!("chipgate gen-orders {ORDERS} --seed {SEED}"), &scratch.0);
    let mut failures: Vec<String> = check("orders.csv", &generated).into_iter().collect();
    // The batch reads the committed order book, so a change of the generator does not hide
    // or cause a change of the determinations.
    let book = if std::env::var_os("CHIPGATE_BLESS").is_some() {
        generated
    } else {
        std::fs::read_to_string(fixture_dir().join("orders.csv")).unwrap()
    };
    assert_eq!(book.lines().count(), 201, "a header and {ORDERS} lines");
    std::fs::write(scratch.0.join("orders.csv"), book).unwrap();
    let output = run("chipgate batch orders.csv --format jsonl --quiet --jobs 2", &scratch.0);
    assert_eq!(output.lines().count(), 200, "one JSON line per order");
    failures.extend(check("orders.jsonl", &redact_times(&output)));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn only_wall_clock_times_are_redacted() {
    assert_eq!(
        redact_times(r#"{"checked_at": "2026-12-07T21:27:22Z", "date": "2025-08-12"}"#),
        r#"{"checked_at": "<time>", "date": "2025-08-12"}"#
    );
    assert_eq!(
        redact_times(r#"{"created_at":"2026-12-07T21:27:22.5Z","valid_at":"2025-08-12","x_at":null}"#),
        r#"{"created_at":"<time>","valid_at":"2025-08-12","x_at":null}"#
    );
    assert_eq!(redact_times("no times"), "no times");
}
