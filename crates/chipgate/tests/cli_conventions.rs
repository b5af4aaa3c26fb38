//! The conventions every command follows (issue 18): exit codes, errors as JSON with
//! `--format json`, `--format` on either side of the subcommand, completions and the manual
//! page, and the environment (`CHIPGATE_DB`, `CHIPGATE_USER`).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `chipgate` with a clean environment: only what a test gives it (and `PATH`).
fn chipgate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chipgate"));
    command.args(args).env_clear().stdin(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs(env.iter().copied()).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `error` object of a JSON error, checking it came alone on standard output.
fn json_error(output: &Output) -> serde_json::Value {
    assert!(
        stderr(output).is_empty(),
        "stderr with --format json: {}",
        stderr(output)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("stdout is not JSON ({e}): {}", stdout(output)))
        .unwrap();
    let error = value["error"].clone();
    assert_eq!(value.as_object().map(serde_json::Map::len), Some(1), "{value}");
    for key in ["code", "message", "field"] {
        assert!(error.get(key).is_some(), "no `{key}` in {value}");
    }
    error
}

/// A scratch directory, removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("chipgate-conventions-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const H20_TO_CN: &[&str] = &["decide", "--item", "nvidia-h20", "--to", "CN", "--date", "2025-04-20"];

#[test]
fn determinations_exit_0_2_and_3() {
    let not_controlled = chipgate(&["classify", "nvidia-h20", "--date", "2025-04-20"], &[]);
    assert_eq!(not_controlled.status.code(), Some(0), "{}", stderr(&not_controlled));
    let license_required = chipgate(H20_TO_CN, &[]);
    assert_eq!(license_required.status.code(), Some(2), "{}", stderr(&license_required));
    assert!(stdout(&license_required).contains("outcome: license required"));
    let indeterminate = chipgate(&["classify", "amd-instinct-mi308x", "--date", "2025-10-01"], &[]);
    assert_eq!(indeterminate.status.code(), Some(3), "{}", stderr(&indeterminate));
}

#[test]
fn other_errors_exit_1() {
    let out = chipgate(&["classify", "nvidia-h2O", "--date", "2025-04-20"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: unknown chip `nvidia-h2O`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_64() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "a mistyped flag",
            &["decide", "--item", "nvidia-h20", "--too", "CN"],
            "unexpected argument '--too'",
        ),
        (
            "a missing --to",
            &["decide", "--item", "nvidia-h20", "--qty", "5"],
            "--to <CC>",
        ),
        (
            "--qty -5",
            &["decide", "--item", "nvidia-h20", "--to", "CN", "--qty", "-5"],
            "invalid value '-5' for '--qty <N>'",
        ),
        ("an unknown subcommand", &["decied"], "unrecognized subcommand 'decied'"),
        ("no subcommand", &[], "Usage: chipgate"),
        (
            "a malformed date",
            &["classify", "nvidia-h20", "--date", "2025-02-30"],
            "--date",
        ),
        (
            "a format batch alone writes",
            &["classify", "nvidia-h20", "--format", "csv"],
            "--format: `csv` is for `chipgate batch`",
        ),
    ];
    for (what, args, says) in cases {
        let out = chipgate(args, &[]);
        assert_eq!(out.status.code(), Some(64), "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{what}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{what}: {}", stdout(&out));
    }
}

#[test]
fn a_license_cap_of_minus_5_is_a_usage_error() {
    let home = Scratch::new("negative-cap");
    let out = chipgate(
        &[
            "license",
            "add",
            "--number",
            "BIS-9",
            "--holder",
            "NVIDIA",
            "--item",
            "nvidia-h20",
            "--destination",
            "CN",
            "--qty",
            "-5",
            "--valid-from",
            "2025-08-01",
            "--valid-to",
            "2026-07-31",
        ],
        &[("CHIPGATE_HOME", &home.path("home")), ("USER", "officer")],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("'-5'"), "{}", stderr(&out));
}

#[test]
fn help_and_version_exit_0() {
    for args in [
        &["--help"][..],
        &["decide", "--help"],
        &["--version"],
        &["help", "license"],
    ] {
        let out = chipgate(args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn clap_errors_are_json_on_stdout_with_format_json() {
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &["decide", "--item", "nvidia-h20", "--too", "CN", "--format", "json"],
            "unknown_argument",
            "--too",
            "unexpected argument '--too' found",
        ),
        (
            &["--format", "json", "decide", "--item", "nvidia-h20"],
            "missing_argument",
            "--to",
            "the following required arguments were not provided",
        ),
        (
            &[
                "decide",
                "--format=json",
                "--item",
                "nvidia-h20",
                "--to",
                "CN",
                "--qty",
                "-5",
            ],
            "invalid_value",
            "--qty",
            "invalid value '-5' for '--qty <N>': must be a whole number of units",
        ),
    ];
    for (args, code, field, message) in cases {
        let out = chipgate(args, &[]);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let error = json_error(&out);
        assert_eq!(error["code"], *code, "{args:?}: {error}");
        assert_eq!(error["field"], *field, "{args:?}: {error}");
        let text = error["message"].as_str().unwrap();
        assert!(text.starts_with(message), "{args:?}: {text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }
    let out = chipgate(&["--format", "json", "decied"], &[]);
    assert_eq!(out.status.code(), Some(64));
    let error = json_error(&out);
    assert_eq!(error["code"], "unknown_subcommand");
    assert_eq!(error["field"], serde_json::Value::Null);
    assert!(error["message"].as_str().unwrap().contains("'decied'"), "{error}");

    let out = chipgate(&["--format", "json", "license"], &[]);
    assert_eq!(out.status.code(), Some(64));
    let error = json_error(&out);
    assert_eq!(error["code"], "missing_subcommand");
    assert_eq!(
        error["message"],
        "a subcommand is required: `chipgate license [OPTIONS] <COMMAND>` (see `--help`)"
    );
}

#[test]
fn command_errors_are_json_on_stdout_with_format_json() {
    let unknown = chipgate(&["classify", "nvidia-h2O", "--format", "json"], &[]);
    assert_eq!(unknown.status.code(), Some(1));
    let error = json_error(&unknown);
    assert_eq!(error["code"], "unknown_item");
    assert_eq!(error["field"], "item");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown chip `nvidia-h2O`"),
        "{error}"
    );

    let bad_date = chipgate(
        &["--format", "json", "classify", "nvidia-h20", "--date", "2025-02-30"],
        &[],
    );
    assert_eq!(bad_date.status.code(), Some(64));
    let error = json_error(&bad_date);
    assert_eq!(error["code"], "invalid_value");
    assert_eq!(error["field"], "--date");
    assert!(error["message"].as_str().unwrap().starts_with("--date: "), "{error}");

    let country = chipgate(
        &["decide", "--item", "nvidia-h20", "--to", "Chna", "--format", "json"],
        &[],
    );
    assert_eq!(country.status.code(), Some(1));
    let error = json_error(&country);
    assert_eq!(error["code"], "unknown_country", "{error}");
    assert!(error["message"].as_str().unwrap().contains("`Chna`"), "{error}");

    // Text errors stay on standard error.
    let text = chipgate(&["classify", "nvidia-h2O"], &[]);
    assert!(stdout(&text).is_empty());
    assert!(stderr(&text).starts_with("error: "));
}

#[test]
fn format_goes_before_or_after_the_subcommand() {
    let mut after: Vec<&str> = H20_TO_CN.to_vec();
    after.extend(["--format", "json"]);
    let mut before: Vec<&str> = vec!["--format", "json"];
    before.extend(H20_TO_CN);
    let (after, before) = (chipgate(&after, &[]), chipgate(&before, &[]));
    assert_eq!(after.status.code(), Some(2));
    assert_eq!(before.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(value["outcome"], "license_required");
    assert_eq!(after.stdout, before.stdout);
}

#[test]
fn completions_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = chipgate(&["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for subcommand in ["classify", "decide", "license", "completions"] {
            assert!(script.contains(subcommand), "{shell} script lacks `{subcommand}`");
        }
    }
    assert!(stdout(&chipgate(&["completions", "zsh"], &[])).starts_with("#compdef chipgate"));
    let unknown = chipgate(&["completions", "tcsh"], &[]);
    assert_eq!(unknown.status.code(), Some(64));
}

#[test]
fn man_prints_one_roff_page_of_the_whole_command() {
    let out = chipgate(&["man"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    let title = page.lines().find(|line| line.starts_with(".TH ")).unwrap_or_default();
    assert!(title.starts_with(".TH chipgate 1"), "{title}");
    assert!(page.lines().take(3).any(|line| line == title), "the title comes first");
    assert!(page.contains(".SH SYNOPSIS"));
    assert!(
        page.contains(".SH \"CHIPGATE LICENSE ADD\""),
        "every subcommand has a section"
    );
    assert!(page.contains("\\-\\-as\\-of"), "with its options");
}

/// The environment of a ledger command: the data directory (where the default store is), only.
fn ledger_env(home: &str) -> Vec<(&'static str, String)> {
    vec![("CHIPGATE_HOME", home.to_owned())]
}

const LICENSE: &[&str] = common::LICENSE_ADD;

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(key, value)| (*key, value.as_str())).collect()
}

#[test]
fn chipgate_db_names_the_store_when_db_is_not_given() {
    let scratch = Scratch::new("db");
    let home = scratch.path("home");
    let from_env = format!("sqlite://{}", scratch.path("from-env.db"));
    let mut env = ledger_env(&home);
    env.push(("CHIPGATE_DB", from_env.clone()));
    env.push(("USER", "officer".to_owned()));
    let out = chipgate(LICENSE, &env_refs(&env));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(Path::new(&scratch.path("from-env.db")).exists());
    assert!(
        !Path::new(&home).join("ledger.sqlite3").exists(),
        "the default store was used"
    );

    let listed = chipgate(&["license", "list", "--as-of", "2025-08-02"], &env_refs(&env));
    assert!(stdout(&listed).starts_with("BIS-1 [granted]"), "{}", stdout(&listed));
    // The flag wins over the variable.
    let other = format!("sqlite://{}", scratch.path("flag.db"));
    // (Reading a store that does not exist is an error naming it, and creates nothing.)
    let listed = chipgate(&["license", "list", "--db", &other], &env_refs(&env));
    assert_eq!(listed.status.code(), Some(1), "{}", stderr(&listed));
    assert!(stderr(&listed).contains("flag.db"), "{}", stderr(&listed));
    assert!(!Path::new(&scratch.path("flag.db")).exists());
    // An empty variable names no store: the default one is used.
    env.retain(|(key, _)| *key != "CHIPGATE_DB");
    env.push(("CHIPGATE_DB", String::new()));
    let listed = chipgate(&["license", "list"], &env_refs(&env));
    assert_eq!(listed.status.code(), Some(1), "{}", stderr(&listed));
    let default = Path::new(&home).join("ledger.sqlite3");
    assert!(
        stderr(&listed).contains(&default.display().to_string()),
        "{}",
        stderr(&listed)
    );
    assert!(!default.exists());
}

/// The `user` of every record of the audit trail.
fn audit_users(env: &[(&'static str, String)]) -> Vec<String> {
    let out = chipgate(&["audit", "export"], &env_refs(env));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            record["user"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn chipgate_user_is_recorded_and_user_beats_it() {
    let scratch = Scratch::new("user");
    let home = scratch.path("home");
    let mut env = ledger_env(&home);
    env.push(("CHIPGATE_USER", "from-chipgate-user".to_owned()));
    env.push(("USER", "from-user".to_owned()));
    let out = chipgate(LICENSE, &env_refs(&env));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let order = [
        "order",
        "check",
        "--ref",
        "SO-1",
        "--item",
        "nvidia-h20",
        "--to",
        "CN",
        "--qty",
        "1",
        "--end-user-hq",
        "CN",
        "--date",
        "2025-08-12",
        "--backdated",
        "entered from the shipping log",
        "--format",
        "json",
    ];
    let mut flagged = order.to_vec();
    flagged.extend(["--user", "from-flag"]);
    let out = chipgate(&flagged, &env_refs(&env));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env.retain(|(key, _)| *key != "CHIPGATE_USER");
    let out = chipgate(
        &[
            "route",
            "suspend",
            "--item",
            "nvidia-h20",
            "--to",
            "CN",
            "--reason",
            "x",
        ],
        &env_refs(&env),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(audit_users(&env), ["from-chipgate-user", "from-flag", "from-user"]);
}

#[test]
fn a_change_with_no_user_is_refused_and_records_nothing() {
    let scratch = Scratch::new("no-user");
    let home = scratch.path("home");
    let env = ledger_env(&home);
    let out = chipgate(LICENSE, &env_refs(&env));
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: no user to record this change under: give `--user NAME` or set `CHIPGATE_USER`\n"
    );
    assert!(!Path::new(&home).exists(), "nothing was opened or written");

    let mut json = LICENSE.to_vec();
    json.extend(["--format", "json"]);
    let error = json_error(&chipgate(&json, &env_refs(&env)));
    assert_eq!(error["code"], "missing_argument");
    assert_eq!(error["field"], "--user");

    // An empty variable is no user either.
    let mut empty = env.clone();
    empty.push(("USER", String::new()));
    empty.push(("CHIPGATE_USER", String::new()));
    assert_eq!(chipgate(LICENSE, &env_refs(&empty)).status.code(), Some(64));

    // Reading needs no user (here it fails only because there is no store yet); a batch that
    // records and the worker refuse like the ledger commands.
    let listed = chipgate(&["license", "list"], &env_refs(&env));
    assert_eq!(listed.status.code(), Some(1), "{}", stderr(&listed));
    assert!(stderr(&listed).contains("no ledger at"), "{}", stderr(&listed));
    let orders = scratch.path("orders.csv");
    std::fs::write(&orders, "item,qty,destination,date\nnvidia-h20,1,DE,2025-04-20\n").unwrap();
    let batch = chipgate(&["batch", &orders, "--record", "-q"], &env_refs(&env));
    assert_eq!(batch.status.code(), Some(64), "{}", stderr(&batch));
    assert!(stderr(&batch).contains("--user"), "{}", stderr(&batch));
    let worker = chipgate(&["worker", "--nats", "nats://127.0.0.1:9"], &env_refs(&env));
    assert_eq!(worker.status.code(), Some(64), "{}", stderr(&worker));
    assert!(stderr(&worker).contains("--user"), "{}", stderr(&worker));
}

#[test]
fn as_of_shows_license_status_on_a_date_and_a_malformed_one_changes_nothing() {
    let scratch = Scratch::new("as-of");
    let home = scratch.path("home");
    let mut env = ledger_env(&home);
    env.push(("USER", "officer".to_owned()));
    let mut add = LICENSE.to_vec();
    add.extend(["--as-of", "2025-08-01"]);
    let out = chipgate(&add, &env_refs(&env));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("recorded BIS-1 [granted]"), "{}", stdout(&out));
    // Valid to 2026-07-31: expired today and on any later day.
    let today = chipgate(&["license", "list"], &env_refs(&env));
    assert!(stdout(&today).starts_with("BIS-1 [expired]"), "{}", stdout(&today));
    // A license that can still change: a malformed `--as-of` is refused before the change.
    let mut current = LICENSE.to_vec();
    current[3] = "BIS-2";
    current[15] = "2999-12-31";
    let out = chipgate(&current, &env_refs(&env));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = stdout(&chipgate(&["audit", "export"], &env_refs(&env)));
    let bad = chipgate(
        &["license", "suspend", "BIS-2", "--reason", "x", "--as-of", "2025-13-01"],
        &env_refs(&env),
    );
    assert_eq!(bad.status.code(), Some(64), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("--as-of"), "{}", stderr(&bad));
    assert_eq!(stdout(&chipgate(&["audit", "export"], &env_refs(&env))), before);
    let good = chipgate(
        &["license", "suspend", "BIS-2", "--reason", "x", "--as-of", "2025-09-01"],
        &env_refs(&env),
    );
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    assert!(stdout(&good).starts_with("BIS-2 [suspended]"), "{}", stdout(&good));
}
