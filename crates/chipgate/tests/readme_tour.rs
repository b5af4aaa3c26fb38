//! The README's tour is real output: every ` ```text ` block line `$ chipgate …` is run (by
//! `sh`, with the built `chipgate` first on `PATH`, in a fresh directory and `CHIPGATE_HOME`)
//! and its standard output, then standard error, must show the lines printed under it.
//!
//! In the README a line `…` stands for lines left out (none or more), and `…` inside a line for
//! text left out of that line (times, hashes). Everything else must match line for line.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "common/tour.rs"]
mod tour;

use tour::{both, shell, Scratch};

const README: &str = include_str!("../../../README.md");
const ELLIPSIS: &str = "…";

/// One `$ chipgate …` line of the README and the output shown under it.
#[derive(Debug)]
struct Step {
    /// 1-based line of the README where the command starts.
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The commands of the ` ```text ` blocks that run `chipgate`, in README order.
fn tour(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut in_text_block = false;
    let mut lines = readme.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        if line.starts_with("```") {
            in_text_block = !in_text_block && line.trim() == "```text";
            continue;
        }
        if !in_text_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let mut command = command.to_owned();
            // A command continued over lines with `\`.
            while command.ends_with('\\') {
                command.pop();
                let (_, next) = lines.next().expect("a continued command ends the README");
                command.push_str(next.trim_start());
            }
            steps.push(Step {
                line: index + 1,
                command,
                expected: Vec::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.expected.push(line.trim_end().to_owned());
        }
    }
    steps.retain(|step| step.command.starts_with("chipgate "));
    steps
}

/// Whether `actual` is `expected` where a `…` inside the line stands for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let pieces: Vec<&str> = expected.split(ELLIPSIS).collect();
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
        return false;
    };
    if pieces.len() == 1 {
        return expected == actual;
    }
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() || !actual.ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `segment` matches `actual` line for line from `at`.
fn segment_at(segment: &[String], actual: &[&str], at: usize) -> bool {
    at + segment.len() <= actual.len()
        && segment
            .iter()
            .zip(&actual[at..])
            .all(|(expected, actual)| line_matches(expected, actual))
}

/// Whether `actual` shows the `expected` lines, a line `…` standing for lines left out.
fn output_matches(expected: &[String], actual: &[&str]) -> bool {
    let segments: Vec<&[String]> = expected.split(|line| line == ELLIPSIS).collect();
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        return false;
    };
    if segments.len() == 1 {
        return first.len() == actual.len() && segment_at(first, actual, 0);
    }
    if !segment_at(first, actual, 0) || actual.len() < first.len() + last.len() {
        return false;
    }
    let end = actual.len() - last.len();
    if !segment_at(last, actual, end) {
        return false;
    }
    // The middle segments in order, each at its first place (the earliest leaves most room).
    let mut at = first.len();
    for segment in &segments[1..segments.len() - 1] {
        match (at..=end.saturating_sub(segment.len())).find(|&start| segment_at(segment, &actual[..end], start)) {
            Some(start) => at = start + segment.len(),
            None => return false,
        }
    }
    at <= end
}

#[test]
fn the_readme_tour_prints_what_the_readme_shows() {
    let steps = tour(README);
    assert!(steps.len() >= 10, "found only {} tour commands: {steps:?}", steps.len());
    let scratch = Scratch::new("readme-tour");
    let dir = &scratch.0;
    let mut failures = Vec::new();
    for step in &steps {
        let output = both(&shell(&step.command, dir, "tour-officer"));
        let actual: Vec<&str> = output.lines().map(str::trim_end).collect();
        if !output_matches(&step.expected, &actual) {
            failures.push(format!(
                "README.md:{}: $ {}\n--- the README shows:\n{}\n--- chipgate printed:\n{}",
                step.line,
                step.command,
                step.expected.join("\n"),
                output.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn a_line_ellipsis_stands_for_lines_left_out_and_nothing_else_is_skipped() {
    let actual = ["a", "b", "c", "d"];
    assert!(output_matches(&lines("a\nb\nc\nd"), &actual));
    assert!(output_matches(&lines("a\n…\nd"), &actual));
    assert!(output_matches(&lines("a\n…"), &actual));
    assert!(output_matches(&lines("…\nc\n…"), &actual));
    assert!(
        output_matches(&lines("a\nb\n…\nc\nd"), &actual),
        "`…` may stand for no line"
    );
    assert!(
        !output_matches(&lines("a\nb\nc"), &actual),
        "a missing last line is a difference"
    );
    assert!(!output_matches(&lines("b\n…"), &actual), "the first line is anchored");
    assert!(!output_matches(&lines("…\nc"), &actual), "the last line is anchored");
    assert!(!output_matches(&lines("a\n…\nc\nb\n…"), &actual), "the order counts");
    assert!(!output_matches(&lines("a\n…\nx\n…"), &actual));
    assert!(!output_matches(&[], &actual), "no lines shown means no output");
    assert!(output_matches(&[], &[]));
}

#[test]
fn an_ellipsis_in_a_line_stands_for_text_left_out() {
    assert!(line_matches("head 2 (…)", "head 2 (9fa34f)"));
    assert!(line_matches("a … c … e", "a b c d e"));
    assert!(line_matches("ends …", "ends here"));
    assert!(!line_matches("head 3 (…)", "head 2 (9fa34f)"));
    assert!(!line_matches("a … c", "a b d"));
    assert!(!line_matches("ab…ba", "aba"), "the two ends may not overlap");
}

#[test]
fn the_tour_reader_joins_continued_commands_and_skips_other_blocks() {
    let readme = "```sh\n$ chipgate not-this\n```\n```text\n$ chipgate one \\\n    --two\nout\n…\n$ echo x\n```\n";
    let steps = tour(readme);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].command, "chipgate one --two");
    assert_eq!(steps[0].expected, ["out", "…"]);
    assert_eq!(steps[0].line, 5);
}
