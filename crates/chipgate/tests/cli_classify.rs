//! The classification CLI as a user sees it: output, exit codes and error text.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests and benches fail loudly")]

use std::path::PathBuf;
use std::process::{Command, Output};

fn chipgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn spec_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chipgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn classify_json_has_the_stable_fields() {
    let out = chipgate(&["classify", "nvidia-h20", "--date", "2025-04-20", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["chip"]["id"], "nvidia-h20");
    assert_eq!(v["date"], "2025-04-20");
    assert_eq!(v["ruleset"]["id"], "ccl-2024-12-02");
    assert_eq!(v["metrics"]["tpp"], 2368.0);
    assert!((v["metrics"]["performance_density"].as_f64().unwrap() - 2.909).abs() < 0.001);
    assert_eq!(v["eccn"], serde_json::json!([]));
    assert_eq!(v["outcome"], "not_controlled");
    assert!(v["trace"].as_array().unwrap().len() > 5);
    assert!(v["headroom"].as_array().unwrap().iter().any(|h| h["text"]
        .as_str()
        .unwrap()
        .starts_with("TPP 2,368 is 32 below 3A090.b.1's 2,400")));
}

#[test]
fn classify_text_shows_the_derivation() {
    let out = chipgate(&["classify", "nvidia-l4", "--date", "2024-06-01"]);
    let text = stdout(&out);
    assert!(text.contains("outcome: controlled: 3A090.a"), "{text}");
    assert!(
        text.contains("PD = TPP / applicable die area = 1,940 / 294 mm² = 6.6"),
        "{text}"
    );
    assert!(text.contains("3A090.a.2 [yes]"), "{text}");
}

#[test]
fn indeterminate_exits_3_and_names_the_missing_input() {
    let out = chipgate(&["classify", "amd-instinct-mi308x", "--date", "2025-10-01"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("missing for 3A090.a.1: tpp (throughput"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_chip_suggests_close_ids() {
    let out = chipgate(&["classify", "nvidia-h2o"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: unknown chip `nvidia-h2o`; did you mean one of `nvidia-h20`, `nvidia-l2`, `nvidia-l20`?"
    );
}

#[test]
fn date_before_the_first_rule_is_out_of_scope() {
    let out = chipgate(&["classify", "nvidia-h100-sxm5", "--date", "2022-10-06"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("date 2022-10-06 is before 2022-10-07"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("covers the advanced-computing controls from 2022-10-07 on"));
}

#[test]
fn malformed_date_names_the_flag() {
    let out = chipgate(&["classify", "nvidia-h20", "--date", "2025-02-30"]);
    // A malformed flag value is a usage error (issue 18).
    assert_eq!(out.status.code(), Some(64));
    assert_eq!(
        stderr(&out).trim(),
        "error: --date: invalid date `2025-02-30`: no such day in that month (expected YYYY-MM-DD)"
    );
}

#[test]
fn user_spec_classifies() {
    let path = spec_file(
        "mine.toml",
        "name = \"My accelerator\"\nvendor = \"Me\"\ndatacenter = true\nmemory_bandwidth_gbs = 2000\n[throughput]\nbf16 = 200\n[[dies]]\narea_mm2 = 600\nnon_planar = true\n",
    );
    let out = chipgate(&[
        "classify",
        "--spec",
        path.to_str().unwrap(),
        "--date",
        "2024-06-01",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["chip"]["id"], "spec-mine");
    assert_eq!(v["metrics"]["tpp"], 3200.0);
    assert_eq!(v["eccn"], serde_json::json!(["3A090.b"]));
}

#[test]
fn bad_specs_name_file_line_and_field() {
    let cases = [
        (
            "negative.toml",
            "name = \"X\"\nvendor = \"V\"\n[throughput]\nfp8 = -5\n",
            ":4:7: throughput.fp8: `-5` is negative; quantities must be zero or more",
        ),
        (
            "nan.toml",
            "name = \"X\"\nvendor = \"V\"\nmemory_bandwidth_gbs = nan\n",
            ":3:24: memory_bandwidth_gbs: `NaN` is not a finite number",
        ),
        (
            "inf.toml",
            "name = \"X\"\nvendor = \"V\"\n[throughput]\nint8 = inf\n",
            ":4:8: throughput.int8: `inf` is not a finite number",
        ),
        (
            "unknown.toml",
            "name = \"X\"\nvendor = \"V\"\n[throughput]\nfp12 = 5\n",
            ":4:1: throughput.fp12: unknown field `fp12`",
        ),
        (
            "sparse.toml",
            "name = \"X\"\nvendor = \"V\"\n[throughput]\nfp8 = { value = 3958, sparse = true }\n",
            ":4:1: throughput.fp8: is a sparse figure; 'TPP' counts dense throughput only",
        ),
        ("malformed.toml", "name = \"X\"\nvendor = \n", ":2:10: vendor: "),
        ("missing.toml", "vendor = \"V\"\n", "missing field `name`"),
    ];
    for (file, text, expected) in cases {
        let path = spec_file(file, text);
        let out = chipgate(&["classify", "--spec", path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.starts_with(&format!("error: invalid spec: {}", path.display())),
            "{file}: {err}"
        );
        assert!(err.contains(expected), "{file}: expected `{expected}` in `{err}`");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn missing_spec_file_is_named() {
    let out = chipgate(&["classify", "--spec", "/nonexistent/chip.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: cannot read `/nonexistent/chip.toml`:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn timeline_explains_the_a800_flip() {
    let out = chipgate(&["timeline", "nvidia-a800-sxm4"]);
    let text = stdout(&out);
    assert!(
        text.contains("* from 2022-10-07 (ccl-2022-10-07, 87 FR 62186): not controlled"),
        "{text}"
    );
    assert!(
        text.contains("3A090.a.1 does not apply; fails: bidirectional interconnect (GB/s) 400 >= 600"),
        "{text}"
    );
    assert!(
        text.contains("* from 2023-11-17 (ccl-2023-11-17, 88 FR 73458): controlled: 3A090.a"),
        "{text}"
    );
}

#[test]
fn chips_lists_and_shows_with_sources() {
    let out = chipgate(&["chips"]);
    let text = stdout(&out);
    assert!(text.contains("nvidia-dgx-h100"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("nvidia-h20 ") && l.contains("2,368")),
        "{text}"
    );
    let out = chipgate(&["chips", "show", "nvidia-h20"]);
    let text = stdout(&out);
    assert!(text.contains("[estimate]"), "{text}");
    assert!(text.contains("https://www.smbom.com/news/13059"), "{text}");
}

#[test]
fn rules_check_validates_a_directory() {
    let out = chipgate(&["rules", "check", concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok: 3 rule versions"), "{}", stdout(&out));
}

/// `chipgate rules test` runs the repository's scenario files through the one runner, and a
/// scenario whose answer differs is named, with exit 1.
#[test]
fn rules_test_runs_scenario_files_and_names_a_difference() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .current_dir(root)
        .args([
            "rules",
            "test",
            "tests/scenarios/classification.toml",
            "tests/scenarios/decisions.toml",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("ok: "), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");

    let dir = std::env::temp_dir().join(format!("chipgate-rules-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wrong.toml");
    std::fs::write(
        &file,
        "[[scenario]]\nname = \"H20 stated controlled\"\nitem = \"nvidia-h20\"\ndate = \"2025-04-20\"\noutcome = \"controlled\"\neccn = [\"3A090.a\"]\nsource = \"test\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(["rules", "test", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["scenarios"], 1);
    assert_eq!(json["failed"], 1);
    let failure = &json["files"][0]["failures"][0];
    assert_eq!(failure["name"], "H20 stated controlled");
    assert!(
        failure["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("outcome not_controlled != controlled"),
        "{failure}"
    );
}
