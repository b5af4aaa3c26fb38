//! `chipgate batch` and `chipgate gen-orders` end to end: every input line lands in exactly one
//! of the output and the errors file; a run killed with SIGKILL and resumed writes exactly what
//! an uninterrupted run writes; `--record` is idempotent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test helpers")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chipgate_batch::reader::{split_fields, RecordReader};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chipgate"));
    c.env_remove("CHIPGATE_HOME").stdin(Stdio::null());
    c
}

fn tempdir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("chipgate-batch-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn gen(dir: &Path, n: u64, seed: u64, bad: &str) -> PathBuf {
    let path = dir.join("orders.csv");
    run_ok(
        bin()
            .args([
                "gen-orders",
                &n.to_string(),
                "--seed",
                &seed.to_string(),
                "--bad-share",
                bad,
                "-o",
            ])
            .arg(&path),
    );
    path
}

/// (line, fields) of every record after the header.
fn records(path: &Path) -> Vec<(u64, Vec<String>)> {
    let f = std::fs::File::open(path).unwrap();
    let mut r = RecordReader::new(std::io::BufReader::new(f), 1, 0);
    let mut out = Vec::new();
    let mut fields = Vec::new();
    r.next_record().unwrap().unwrap();
    while let Some(rec) = r.next_record().unwrap() {
        split_fields(&rec.bytes, &mut fields).unwrap();
        out.push((rec.line, fields.clone()));
    }
    out
}

/// Physical data lines of the input (line numbers 2..).
fn input_lines(path: &Path) -> BTreeSet<u64> {
    let text = std::fs::read(path).unwrap();
    let n = text.split(|&b| b == b'\n').count() as u64;
    let n = if text.ends_with(b"\n") { n - 1 } else { n };
    (2..=n).collect()
}

/// The input lines each output and error row accounts for (an error record may span lines).
fn covered(out: &Path, errors: &Path) -> (Vec<u64>, Vec<u64>) {
    let out_lines: Vec<u64> = records(out).iter().map(|(_, f)| f[0].parse().unwrap()).collect();
    let mut err_lines = Vec::new();
    for (_, f) in records(errors) {
        let first: u64 = f[0].parse().unwrap();
        let span = f[3].matches('\n').count() as u64;
        err_lines.extend(first..=first + span);
    }
    (out_lines, err_lines)
}

#[test]
fn every_line_lands_in_exactly_one_of_output_and_errors() {
    let dir = tempdir("exactly-one");
    let input = gen(&dir, 3_000, 7, "0.04");
    // Add hand-made trouble at the end: a bad UTF-8 line, an unclosed quote, a US destination,
    // an unknown country, a date that does not exist, a blank line, then a good line.
    let mut bytes = std::fs::read(&input).unwrap();
    bytes.extend_from_slice(b"nvidia-h20,1,CN,\xff\xfe,,,,2025-01-02\n");
    bytes.extend_from_slice(b"nvidia-h20,1,CN,\"Open quote,,,,2025-01-02\n");
    bytes.extend_from_slice(b"nvidia-h20,1,US,Acme,,,,2025-01-02\n");
    bytes.extend_from_slice(b"nvidia-h20,1,Atlantis,Acme,,,,2025-01-02\n");
    bytes.extend_from_slice(b"nvidia-h20,1,CN,Acme,,,,2025-02-29\n");
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(b"nvidia-h20,3,CN,\"Acme, Inc.\",CN,,,2025-05-01\n");
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.join("out.csv");
    let res = run_ok(
        bin()
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--jobs", "2", "--chunk-lines", "257"]),
    );
    let summary = String::from_utf8_lossy(&res.stderr);
    assert!(summary.contains("top reasons"), "{summary}");
    assert!(summary.contains("cache hit rates"), "{summary}");

    let errors = PathBuf::from(format!("{}.errors.csv", out.display()));
    let (ok, bad) = covered(&out, &errors);
    let all = input_lines(&input);
    let mut seen = BTreeSet::new();
    for l in ok.iter().chain(&bad) {
        assert!(seen.insert(*l), "line {l} appears twice");
    }
    assert_eq!(seen, all, "every input line must appear exactly once");
    // Output is in input order.
    assert!(ok.windows(2).all(|w| w[0] < w[1]));
    assert!(bad.len() > 50, "{}", bad.len());
    // The hand-made lines: the last good line is decided, the others are errors naming a field.
    let last = *all.iter().next_back().unwrap();
    assert_eq!(ok.last(), Some(&last));
    let err_rows = records(&errors);
    let field = |line: u64| {
        err_rows
            .iter()
            .find(|(_, f)| f[0] == line.to_string())
            .map(|(_, f)| f[1].clone())
    };
    assert_eq!(field(last - 6).as_deref(), Some("record"), "bad UTF-8");
    assert_eq!(field(last - 5).as_deref(), Some("record"), "unclosed quote");
    assert_eq!(field(last - 4).as_deref(), Some("decision"), "US destination");
    assert_eq!(field(last - 3).as_deref(), Some("destination"), "unknown country");
    assert_eq!(field(last - 2).as_deref(), Some("date"), "no such date");
    assert_eq!(field(last - 1).as_deref(), Some("record"), "blank line");
    // Output rows carry the determination.
    let rows = records(&out);
    let (_, last_row) = rows.last().unwrap();
    assert_eq!(last_row[5], "Acme, Inc.");
    // line, 12 input columns (the last `owners`), eccn, then the outcome.
    assert_eq!(last_row[14], "license_required", "{last_row:?}");
}

fn checkpoint_line(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["next_line"].as_u64())
        .unwrap_or(0)
}

#[test]
fn a_run_killed_with_sigkill_resumes_to_the_same_output() {
    let dir = tempdir("resume");
    let input = gen(&dir, 4_000, 11, "0.02");
    let reference = dir.join("reference.csv");
    run_ok(
        bin()
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&reference)
            .args(["--date", "2025-06-01"]),
    );

    let out = dir.join("out.csv");
    let checkpoint = PathBuf::from(format!("{}.checkpoint", out.display()));
    let base = |c: &mut Command| {
        c.arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--date", "2025-06-01", "--chunk-lines", "97", "-q"]);
    };
    // Kill twice at different points, then let it finish. The run pauses once its checkpoint
    // reaches the target (`--pause-at-line`), so the kill lands there however loaded the
    // machine is (a race against a running batch failed once at load 6).
    let mut killed_at = Vec::new();
    for (i, target) in [600u64, 2_500].into_iter().enumerate() {
        let mut cmd = bin();
        base(&mut cmd);
        cmd.args(["--pause-at-line", &target.to_string()]);
        if i > 0 {
            cmd.arg("--resume");
        }
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let start = Instant::now();
        while checkpoint_line(&checkpoint) < target {
            if start.elapsed() > Duration::from_secs(300) || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!("the run did not reach line {target} and pause there");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        killed_at.push(checkpoint_line(&checkpoint));
    }
    // The first checkpoint at or past each target: 97-line chunks (the header is line 1).
    assert!(killed_at[0] >= 600 && killed_at[0] < 600 + 97, "{killed_at:?}");
    assert!(killed_at[1] >= 2_500 && killed_at[1] < 2_500 + 97, "{killed_at:?}");
    let mut cmd = bin();
    base(&mut cmd);
    let res = run_ok(cmd.arg("--resume"));
    assert!(res.stderr.is_empty());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&reference).unwrap(),
        "resumed output differs from an uninterrupted run"
    );
    assert_eq!(
        std::fs::read(format!("{}.errors.csv", out.display())).unwrap(),
        std::fs::read(format!("{}.errors.csv", reference.display())).unwrap()
    );
    // Resuming a finished run does nothing.
    let mut cmd = bin();
    base(&mut cmd);
    let again = run_ok(cmd.arg("--resume"));
    assert!(again.stderr.is_empty());
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&reference).unwrap());
}

#[test]
fn gen_orders_is_deterministic_and_jsonl_carries_the_decision() {
    let dir = tempdir("gen");
    let a = run_ok(bin().args(["gen-orders", "300", "--seed", "5"])).stdout;
    let b = run_ok(bin().args(["gen-orders", "300", "--seed", "5"])).stdout;
    let c = run_ok(bin().args(["gen-orders", "300", "--seed", "6"])).stdout;
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.starts_with(b"item,qty,destination,end_user,end_user_hq,parent_hq,end_use,date\n"));
    let input = dir.join("o.csv");
    std::fs::write(&input, &a).unwrap();
    let res = run_ok(bin().arg("batch").arg(&input).args(["--format", "jsonl", "-q"]));
    let text = String::from_utf8(res.stdout).unwrap();
    assert_eq!(text.lines().count(), 300);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["line"], 2);
    assert!(first["decision"]["trace"].is_array(), "{first}");
    assert_eq!(first["outcome"], first["decision"]["outcome"]);
    // Without -o the errors file sits next to the input.
    assert!(dir.join("o.csv.errors.csv").exists());
}

#[test]
fn record_writes_each_line_once_and_a_rerun_replays() {
    let dir = tempdir("record");
    let input = gen(&dir, 60, 3, "0.05");
    let db = format!("sqlite://{}", dir.join("ledger.db").display());
    let out = dir.join("out.csv");
    let run = || {
        run_ok(
            bin()
                .arg("batch")
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .args(["--record", "--db", &db, "--user", "tester", "-q"]),
        );
        std::fs::read(&out).unwrap()
    };
    let first = run();
    let second = run();
    assert_eq!(first, second, "a re-run answers from the ledger, the same way");
    let rows = records(&out);
    assert!(rows.len() > 40);
    assert!(rows
        .iter()
        .all(|(_, f)| f[f.len() - 1] == "shipped" || f[f.len() - 1] == "held"));
    let mut ledger = chipgate_ledger::Ledger::open(&db).unwrap();
    let orders = ledger.list_orders(None).unwrap();
    assert_eq!(orders.len(), rows.len());
    assert!(ledger.verify_audit().unwrap().ok);
}
