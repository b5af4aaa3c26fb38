//! `ledger-bench`: throughput of recorded order checks and of audit
//! verification.
//!
//! ```text
//! ledger-bench [--db URL] [--dir DIR] [--checks N] [--group G] [--audit N] [--synchronous normal|full]
//! ledger-bench --verify-only --db URL [--keep]
//! ```
//! * order checks: N checks, one transaction each, or G per transaction with `--group G`
//!   (group commit, `Ledger::record_orders`) (half ship against a license, a quarter ship
//!   NLR, a quarter are held), on a fresh SQLite file in DIR (default: the system temp dir)
//!   unless `--db` names a store; then `verify_audit` of them is timed;
//! * audit verify: appends N synthetic records of a typical order-check size
//!   (in transactions of 100,000), then times `verify_audit` over all of them
//!   and an export to JSON lines (discarded);
//! * `--verify-only --db URL`: times verify and export of an existing store, 100 inclusion
//!   proofs spread over it and its tree head.
//!
//! Prints one JSON object with the figures.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chipgate_ledger::{
    AuditEvent, DeterminationSummary, ExportFormat, Ledger, LicenseStatus, NewLicense, OrderRequest, Outcome,
    RecordOrder, Timestamp,
};

struct Args {
    db: Option<String>,
    dir: PathBuf,
    checks: u64,
    audit: u64,
    sync: String,
    verify_only: bool,
    group: u64,
    keep: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        db: None,
        dir: std::env::temp_dir(),
        checks: 20_000,
        audit: 1_000_000,
        sync: "normal".into(),
        verify_only: false,
        group: 1,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--db" => a.db = Some(v()?),
            "--dir" => a.dir = PathBuf::from(v()?),
            "--checks" => a.checks = v()?.parse().map_err(|e| format!("--checks: {e}"))?,
            "--audit" => a.audit = v()?.parse().map_err(|e| format!("--audit: {e}"))?,
            "--synchronous" => a.sync = v()?,
            "--verify-only" => a.verify_only = true,
            "--group" => a.group = v()?.parse().map_err(|e| format!("--group: {e}"))?,
            "--keep" => a.keep = true,
            _ => return Err(format!("unknown argument {k}")),
        }
    }
    Ok(a)
}

fn fresh_sqlite(dir: &std::path::Path, name: &str, sync: &str) -> Result<String, String> {
    let path = dir.join(format!("{name}-{}.sqlite3", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(format!("sqlite://{}?synchronous={sync}", path.display()))
}

fn cleanup(url: &str) {
    if let Some(p) = url.strip_prefix("sqlite://") {
        let p = p.split('?').next().unwrap_or(p);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{p}{suffix}"));
        }
    }
}

fn ts(secs: i64) -> Result<Timestamp, String> {
    Timestamp::from_unix(secs).map_err(|e| e.to_string())
}

fn det(outcome: Outcome) -> DeterminationSummary {
    DeterminationSummary {
        license_required: matches!(outcome, Outcome::LicenseRequired),
        outcome,
        exception: None,
        reasons: vec!["744.23(a)(2)(i): 3A090.a to a D:5 destination".into()],
        screening_hits: vec![],
        engine_version: "chipgate-rules 0.1.0".into(),
        ruleset_id: "ear-2025-04-15".into(),
        list_snapshot_id: Some("csl-2025-04-14".into()),
        report: serde_json::json!({
            "outcome": outcome.as_str(),
            "classification": {"eccn": "3A090.a", "tpp": 2368, "performance_density": 2.9},
            "steps": [
                {"rule": "744.23", "fired": true, "why": "advanced computing item to D:5"},
                {"rule": "740.2", "fired": false},
            ],
        }),
    }
}

fn bench_checks(url: &str, n: u64, group: u64) -> Result<serde_json::Value, String> {
    let e = |e: chipgate_ledger::LedgerError| e.to_string();
    let mut l = Ledger::open(url).map_err(e)?;
    let t0 = 1_754_985_600; // 2025-08-12T08:00:00Z
    let ship_date: chipgate_ledger::Date = "2025-08-13"
        .parse()
        .map_err(|e: chipgate_ledger::DateError| e.to_string())?;
    l.add_license(
        &NewLicense {
            number: "BENCH-1".into(),
            holder: "bench".into(),
            items: vec!["nvidia-h20".into()],
            destinations: vec!["CN".into()],
            consignee: None,
            end_user: None,
            quantity_cap: i64::try_from(n).unwrap_or(i64::MAX).max(1),
            value_cap_cents: None,
            valid_from: "2025-08-12".into(),
            valid_to: "2026-08-11".into(),
            conditions: vec![],
            status: LicenseStatus::Granted,
        },
        "bench",
        ts(t0)?,
    )
    .map_err(e)?;
    let dets = [
        det(Outcome::LicenseRequired),
        det(Outcome::NoLicenseRequired),
        det(Outcome::LicenseRequired),
        det(Outcome::Indeterminate),
    ];
    let start = Instant::now();
    let mut shipped = 0u64;
    let order = |i: u64| OrderRequest {
        order_ref: format!("SO-{i}"),
        item_id: "nvidia-h20".into(),
        eccn: vec!["3A090.a".into()],
        destination: "CN".into(),
        quantity: 1,
        unit_value_cents: Some(1_200_000),
        consignee: Some("Example Cloud Co".into()),
        end_user: None,
        date: ship_date,
        license: None,
        inputs: Default::default(),
    };
    let mut i = 0;
    while group > 1 && i < n {
        let k = group.min(n - i);
        let reqs: Vec<OrderRequest> = (i..i + k).map(order).collect();
        let batch: Vec<RecordOrder<'_>> = reqs
            .iter()
            .zip(i..)
            .map(|(r, j)| RecordOrder::new(r, &dets[(j % 4) as usize]))
            .collect();
        for r in l.record_orders(&batch, "bench", ts(t0 + 60 + i as i64)?).map_err(e)? {
            shipped += u64::from(r.map_err(e)?.is_shipped());
        }
        i += k;
    }
    for i in i..n {
        let req = OrderRequest {
            order_ref: format!("SO-{i}"),
            item_id: "nvidia-h20".into(),
            eccn: vec!["3A090.a".into()],
            destination: "CN".into(),
            quantity: 1,
            unit_value_cents: Some(1_200_000),
            consignee: Some("Example Cloud Co".into()),
            end_user: None,
            date: ship_date,
            license: None,
            inputs: Default::default(),
        };
        let r = l
            .check_order(&req, &dets[(i % 4) as usize], "bench", ts(t0 + 60 + i as i64)?)
            .map_err(e)?;
        shipped += u64::from(r.is_shipped());
    }
    let secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report = l.verify_audit().map_err(e)?;
    let verify = start.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "checks": n,
        "group": group,
        "shipped": shipped,
        "seconds": secs,
        "checks_per_second": n as f64 / secs,
        "verified": report.ok,
        "verify_seconds": verify,
        "verify_records_per_second": report.records as f64 / verify,
    }))
}

fn bench_audit(url: &str, n: u64) -> Result<serde_json::Value, String> {
    let e = |e: chipgate_ledger::LedgerError| e.to_string();
    let mut l = Ledger::open(url).map_err(e)?;
    let d = det(Outcome::LicenseRequired);
    let start = Instant::now();
    let mut done = 0u64;
    while done < n {
        let k = (n - done).min(100_000);
        let events: Vec<AuditEvent> = (done..done + k)
            .map(|i| AuditEvent {
                kind: "determination".into(),
                subject: format!("item:bench-{}", i % 1000),
                payload: serde_json::json!({
                    "request": {"order_ref": format!("SO-{i}"), "item_id": "nvidia-h20",
                                "eccn": ["3A090.a"], "destination": "CN", "quantity": 1},
                    "determination": &d,
                }),
                engine_version: Some(d.engine_version.clone()),
                ruleset_id: Some(d.ruleset_id.clone()),
                list_snapshot_id: d.list_snapshot_id.clone(),
                event_date: None,
            })
            .collect();
        l.record_events(&events, "bench", ts(1_754_985_600 + done as i64)?)
            .map_err(e)?;
        done += k;
    }
    let fill = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report = l.verify_audit().map_err(e)?;
    let verify = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let exported = l
        .export_audit(&mut std::io::sink(), ExportFormat::JsonLines)
        .map_err(e)?;
    let export = start.elapsed().as_secs_f64();
    let sample = l.audit_records(1, 1, 1).map_err(e)?;
    Ok(serde_json::json!({
        "records": report.records,
        "ok": report.ok,
        "payload_bytes": sample.first().map(|r| r.payload.len()),
        "fill_seconds": fill,
        "verify_seconds": verify,
        "verify_records_per_second": report.records as f64 / verify,
        "export_jsonl_seconds": export,
        "exported": exported,
    }))
}

/// Times inclusion proofs of records spread over the log, and the tree head (what a
/// checkpoint signs).
fn bench_proofs(l: &mut Ledger) -> Result<serde_json::Value, String> {
    let e = |e: chipgate_ledger::LedgerError| e.to_string();
    let start = Instant::now();
    let head = l.tree_head().map_err(e)?;
    let head_ms = start.elapsed().as_secs_f64() * 1e3;
    let n = head.size.max(1);
    let mut times = Vec::new();
    for i in 0..100u64 {
        // Spread over the log, including its first and last records.
        let seq = 1 + (i * 7_919_993) % n;
        let seq = if i == 99 { n } else { seq };
        let start = Instant::now();
        let p = l.inclusion_proof(seq, None).map_err(e)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        if !p.check(&head.root).map_err(e)? {
            return Err(format!("the proof of record {seq} does not check"));
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(serde_json::json!({
        "records": head.size,
        "tree_head_ms": head_ms,
        "proof_ms_median": times[times.len() / 2],
        "proof_ms_max": times[times.len() - 1],
    }))
}

/// This process's CPU time so far (user + system), in seconds, from `/proc/self/stat` (Linux;
/// `None` elsewhere): on a shared machine the wall clock says how busy the others were, the
/// CPU time what the work cost.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at `state` (field 3);
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Times verification and export of the store at `url` as it is.
fn bench_verify(url: &str) -> Result<serde_json::Value, String> {
    let e = |e: chipgate_ledger::LedgerError| e.to_string();
    let mut l = Ledger::open(url).map_err(e)?;
    let proofs = bench_proofs(&mut l)?;
    let cpu = process_cpu_seconds();
    let start = Instant::now();
    let report = l.verify_audit().map_err(e)?;
    let verify = start.elapsed().as_secs_f64();
    let verify_cpu = cpu.zip(process_cpu_seconds()).map(|(a, b)| b - a);
    let start = Instant::now();
    let exported = l
        .export_audit(&mut std::io::sink(), ExportFormat::JsonLines)
        .map_err(e)?;
    Ok(serde_json::json!({
        "records": report.records,
        "ok": report.ok,
        "verify_seconds": verify,
        "verify_client_cpu_seconds": verify_cpu,
        "verify_records_per_second": report.records as f64 / verify,
        "export_jsonl_seconds": start.elapsed().as_secs_f64(),
        "exported": exported,
        "proofs": proofs,
    }))
}

fn run() -> Result<serde_json::Value, String> {
    let a = parse()?;
    let mut out = serde_json::Map::new();
    if a.verify_only {
        let url = a.db.as_deref().ok_or("--verify-only needs --db URL")?;
        out.insert("audit".into(), bench_verify(url)?);
        return Ok(serde_json::Value::Object(out));
    }
    if a.checks > 0 {
        let url = match &a.db {
            Some(u) => u.clone(),
            None => fresh_sqlite(&a.dir, "ledger-bench-checks", &a.sync)?,
        };
        out.insert("order_checks".into(), bench_checks(&url, a.checks, a.group)?);
        if a.db.is_none() && !a.keep {
            cleanup(&url);
        }
        if a.keep {
            out.insert("kept".into(), url.into());
        }
    }
    if a.audit > 0 {
        let url = match &a.db {
            Some(u) => u.clone(),
            None => fresh_sqlite(&a.dir, "ledger-bench-audit", &a.sync)?,
        };
        out.insert("audit".into(), bench_audit(&url, a.audit)?);
        if a.db.is_none() {
            cleanup(&url);
        }
    }
    match &a.db {
        Some(u) => out.insert("db".into(), u.split("://").next().unwrap_or("").into()),
        None => out.insert("sqlite_synchronous".into(), a.sync.into()),
    };
    Ok(serde_json::Value::Object(out))
}

fn main() -> ExitCode {
    match run() {
        Ok(v) => {
            println!("{v:#}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ledger-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
