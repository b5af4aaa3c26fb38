//! Scale-out: two `chipgate worker` processes share one JetStream stream and one ledger; one
//! is killed with SIGKILL between recording an order and acknowledging it. Every order must be
//! decided exactly once: one ledger order per reference, no duplicated audit records, one result
//! per order, nothing left in the stream, and the killed worker's unacknowledged orders
//! redelivered to the other worker and answered from the ledger.
//!
//! Needs NATS with JetStream at 127.0.0.1:4222 (the development machines and CI run it); skips
//! with a message when it is not reachable. Uses PostgreSQL (a fresh schema) when
//! `CHIPGATE_TEST_DATABASE_URL` is set, else a SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test helpers")]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chipgate_engine::Request;
use chipgate_worker::{client, OrderMessage, WorkerConfig};

const NATS: &str = "nats://127.0.0.1:4222";

fn nats_reachable() -> bool {
    let addr: SocketAddr = "127.0.0.1:4222".parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}x{}", std::process::id(), nanos % 1_000_000_000)
}

fn ledger_url(tag: &str) -> String {
    match std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}schema=cgw_{tag}")
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("chipgate-worker-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("ledger.db").display())
        }
    }
}

fn orders() -> (Vec<OrderMessage>, BTreeSet<String>, BTreeSet<String>) {
    let items = [
        "nvidia-h20",
        "nvidia-h100-sxm5",
        "nvidia-geforce-rtx-4090",
        "amd-instinct-mi308x",
        "nvidia-l4",
    ];
    let places = [
        ("CN", "CN"),
        ("SG", "SG"),
        ("DE", "DE"),
        ("MY", "CN"),
        ("JP", "JP"),
        ("AE", "AE"),
    ];
    let parties = [
        "Nova Compute Ltd",
        "Zentrix Cloud GmbH",
        "Huawei Technologies Co., Ltd.",
        "Oramira Labs",
    ];
    let mut all = Vec::new();
    let mut valid = BTreeSet::new();
    let mut bad = BTreeSet::new();
    for i in 0..400 {
        let (dest, hq) = places[i % places.len()];
        let order_ref = format!("SO-{i:04}");
        valid.insert(order_ref.clone());
        all.push(OrderMessage {
            order_ref,
            item: items[i % items.len()].to_owned(),
            request: Request {
                quantity: Some(1 + (i as u64 % 7)),
                destination: dest.to_owned(),
                end_user: Some(parties[i % parties.len()].to_owned()),
                end_user_hq: Some(hq.to_owned()),
                ..Request::default()
            },
            date: Some("2025-06-01".parse().unwrap()),
            ..OrderMessage::default()
        });
    }
    for (i, (item, qty)) in [
        ("no-such-chip", 1),
        ("nvidia-h20", 0),
        ("also-not-a-chip", 2),
        ("nvidia-l4", 0),
    ]
    .into_iter()
    .enumerate()
    {
        let order_ref = format!("BAD-{i}");
        bad.insert(order_ref.clone());
        all.push(OrderMessage {
            order_ref,
            item: item.to_owned(),
            request: Request {
                quantity: Some(qty),
                destination: "SG".to_owned(),
                ..Request::default()
            },
            ..OrderMessage::default()
        });
    }
    (all, valid, bad)
}

fn worker(cfg: &WorkerConfig, name: &str, ack_delay_ms: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(["worker", "--nats", NATS, "--db", &cfg.db_url, "--stream", &cfg.stream])
        .args(["--subject-prefix", &cfg.subject_prefix, "--durable", &cfg.durable])
        .args([
            "--ack-wait",
            "2",
            "--concurrency",
            "2",
            "--idle-exit",
            "8",
            "--user",
            name,
        ])
        .args(["--ack-delay-ms", &ack_delay_ms.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_workers_decide_every_order_exactly_once_when_one_is_killed() {
    if !nats_reachable() {
        println!(
            "SKIPPED: NATS with JetStream is not reachable at 127.0.0.1:4222; start `nats-server -js` to run this test"
        );
        return;
    }
    let tag = unique();
    let mut cfg = WorkerConfig::new(NATS, ledger_url(&tag));
    cfg.stream = format!("CGTEST_{tag}");
    cfg.subject_prefix = format!("cgtest{tag}");
    cfg.durable = "workers".to_owned();
    // Migrate once before the workers start.
    drop(chipgate_ledger::Ledger::open(&cfg.db_url).unwrap());

    let (all, valid, bad) = orders();
    assert_eq!(client::publish_orders_blocking(&cfg, &all).unwrap(), all.len() as u64);
    // Publishing again is de-duplicated on the order reference.
    assert_eq!(client::publish_orders_blocking(&cfg, &all[..10]).unwrap(), 0);

    // The first worker spends most of each order between the ledger commit and the ack: a
    // second (under the 2 s ack wait), so that on a loaded machine the test still sees its
    // results and kills it inside that window.
    let mut w1 = worker(&cfg, "w1", 1000);
    let w1_id = format!(":{}", w1.id());
    let mut w2 = worker(&cfg, "w2", 0);
    let start = Instant::now();
    loop {
        let results = client::read_results_blocking(&cfg).unwrap_or_default();
        if results.iter().filter(|r| r.worker.ends_with(&w1_id)).count() >= 3 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "worker 1 recorded nothing");
        assert!(w1.try_wait().unwrap().is_none(), "worker 1 stopped early");
        std::thread::sleep(Duration::from_millis(50));
    }
    w1.kill().unwrap(); // SIGKILL: its pulled and unacknowledged orders must be redelivered
    w1.wait().unwrap();

    let status = loop {
        if let Some(s) = w2.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(300), "worker 2 did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    w2.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "worker 2: {status}\n{stderr}");

    // Nothing left in the work queue.
    assert_eq!(client::pending_orders_blocking(&cfg).unwrap(), 0, "{stderr}");

    // The ledger: every valid order exactly once, no bad one.
    let mut ledger = chipgate_ledger::Ledger::open(&cfg.db_url).unwrap();
    let recorded: Vec<String> = ledger
        .list_orders(None)
        .unwrap()
        .into_iter()
        .map(|o| o.request.order_ref)
        .collect();
    assert_eq!(recorded.len(), valid.len(), "ledger orders == published valid orders");
    assert_eq!(recorded.iter().cloned().collect::<BTreeSet<_>>(), valid);
    // The audit trail: no order checked (recorded) twice.
    let records = ledger.audit_records(0, u64::MAX, 1_000_000).unwrap();
    let mut per_event: BTreeMap<(String, String), u32> = BTreeMap::new();
    for r in records.iter().filter(|r| r.subject.starts_with("order:")) {
        *per_event.entry((r.kind.clone(), r.subject.clone())).or_default() += 1;
    }
    assert!(
        per_event.values().all(|n| *n == 1),
        "an order was recorded twice: {per_event:?}"
    );
    assert!(ledger.verify_audit().unwrap().ok);

    // Results: exactly one per order (redelivered results are de-duplicated by JetStream).
    let results = client::read_results_blocking(&cfg).unwrap();
    let mut per_ref: BTreeMap<String, Vec<&chipgate_worker::ResultMessage>> = BTreeMap::new();
    for r in &results {
        per_ref.entry(r.order_ref.clone().unwrap()).or_default().push(r);
    }
    assert_eq!(per_ref.len(), valid.len() + bad.len());
    for (order_ref, rs) in &per_ref {
        assert_eq!(rs.len(), 1, "{order_ref}: {rs:?}");
        let r = rs[0];
        if bad.contains(order_ref) {
            assert_eq!(r.status, "rejected", "{r:?}");
            assert!(r.error.is_some());
        } else {
            assert!(r.status == "shipped" || r.status == "held", "{r:?}");
            assert!(r.check.as_ref().unwrap()["decision"]["engine_version"].is_string());
        }
    }
    // The killed worker's unacknowledged orders came back to worker 2, which answered the one(s)
    // already recorded from the ledger.
    let replayed: u64 = stderr
        .lines()
        .find_map(|l| {
            l.split(" replayed)")
                .next()?
                .rsplit('(')
                .next()?
                .split(", ")
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    assert!(replayed >= 1, "no redelivered order was replayed:\n{stderr}");

    client::delete_streams_blocking(&cfg).unwrap();
}

/// `chipgate worker --checkpoint-dir DIR --checkpoint-every SECS`: a checkpoint of the log as
/// the worker found it, and one when it stops that covers every order it recorded (the
/// interval here is longer than the run, so the second can only be the shutdown's); the log
/// verifies against it with `audit verify --checkpoint`.
#[test]
fn a_worker_writes_checkpoints_to_its_directory_and_one_when_it_stops() {
    if !nats_reachable() {
        println!(
            "SKIPPED: NATS with JetStream is not reachable at 127.0.0.1:4222; start `nats-server -js` to run this test"
        );
        return;
    }
    let tag = unique();
    let mut cfg = WorkerConfig::new(NATS, ledger_url(&format!("cpd{tag}")));
    cfg.stream = format!("CGCPD_{tag}");
    cfg.subject_prefix = format!("cgcpd{tag}");
    cfg.durable = "workers".to_owned();
    let home = std::env::temp_dir().join(format!("chipgate-worker-cpd-{tag}"));
    std::fs::create_dir_all(&home).unwrap();
    let dir = home.join("checkpoints");
    let key = home.join("audit-signing.key");
    let worker = Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(["worker", "--nats", NATS, "--db", &cfg.db_url, "--stream", &cfg.stream])
        .args(["--subject-prefix", &cfg.subject_prefix, "--durable", &cfg.durable])
        .args(["--idle-exit", "3", "--user", "cp-worker", "--checkpoint-every", "3600"])
        .arg("--checkpoint-dir")
        .arg(&dir)
        .arg("--checkpoint-key")
        .arg(&key)
        .env("CHIPGATE_HOME", &home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (all, _, _) = orders();
    let sent = &all[..24];
    assert_eq!(client::publish_orders_blocking(&cfg, sent).unwrap(), 24);
    let out = worker.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("created the audit signing key"), "{err}");
    assert!(
        err.contains("audit checkpoints every 3600 s and at shutdown to"),
        "{err}"
    );

    let mut ledger = chipgate_ledger::Ledger::open(&cfg.db_url).unwrap();
    let size = ledger.tree_head().unwrap().size;
    assert_eq!(size, 24, "one audit record per order");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["checkpoint-000000000000.json", "checkpoint-000000000024.json"],
        "{err}"
    );
    assert!(err.contains("audit checkpoint of 24 records written to"), "{err}");
    let public: String = chipgate_ledger::load_or_create_key(&key)
        .unwrap()
        .0
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let verify = Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args([
            "audit",
            "verify",
            "--db",
            &cfg.db_url,
            "--public-key",
            &public,
            "--checkpoint",
        ])
        .arg(dir.join(&names[1]))
        .env("CHIPGATE_HOME", &home)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("checkpoint OK"),
        "{verify:?}"
    );

    client::delete_streams_blocking(&cfg).unwrap();
    let _ = std::fs::remove_dir_all(&home);
}

/// The checkpoint flags go together: an interval needs somewhere to write, and a place needs
/// an interval (usage errors, before anything connects).
#[test]
fn worker_checkpoint_flags_need_each_other() {
    for args in [
        &["--checkpoint-every", "5"][..],
        &["--checkpoint-dir", "/tmp/x"][..],
        &["--checkpoint-subject", "a.b"][..],
        &["--checkpoint-key", "/tmp/k"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_chipgate"))
            .args(["worker", "--nats", "nats://127.0.0.1:1"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{args:?}: {out:?}");
    }
}
