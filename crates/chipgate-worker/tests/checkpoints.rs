//! A worker with `checkpoints` publishes a signed checkpoint of the audit log on its NATS
//! subject and writes it to its directory: one when it starts, one each interval in which the
//! log grew, none when it did not. A subscriber verifies every message's signature with the
//! installation's public key (and not with another key), and the last one covers every record
//! the worker made: the log verifies against it.
//!
//! Needs NATS at 127.0.0.1:4222; skips with a message when it is not reachable. Uses
//! PostgreSQL (a fresh schema) when `CHIPGATE_TEST_DATABASE_URL` is set, else a SQLite file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use chipgate_engine::{Embedded, Engine, Request};
use chipgate_ledger::{load_or_create_key, Checkpoint, Ledger, SigningKey};
use chipgate_worker::{client, CheckpointConfig, OrderMessage, WorkerConfig};
use futures_util::StreamExt;

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

fn ledger_url(tag: &str, dir: &std::path::Path) -> String {
    match std::env::var("CHIPGATE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}schema=cgwcp_{tag}")
        }
        _ => format!("sqlite://{}", dir.join("ledger.db").display()),
    }
}

fn orders(n: usize) -> Vec<OrderMessage> {
    (0..n)
        .map(|i| OrderMessage {
            order_ref: format!("CP-{i:03}"),
            item: ["nvidia-h20", "nvidia-l4", "nvidia-h100-sxm5"][i % 3].to_owned(),
            request: Request {
                quantity: Some(1 + i as u64 % 4),
                destination: ["SG", "DE", "JP"][i % 3].to_owned(),
                ..Request::default()
            },
            date: Some("2025-06-01".parse().unwrap()),
            ..OrderMessage::default()
        })
        .collect()
}

#[test]
fn the_worker_publishes_signed_checkpoints_on_its_subject_and_writes_them_to_its_directory() {
    if !nats_reachable() {
        eprintln!("skipped: NATS is not reachable at 127.0.0.1:4222");
        return;
    }
    let tag = unique();
    let dir = std::env::temp_dir().join(format!("chipgate-worker-cp-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("keys").join("audit-signing.key");
    let files = dir.join("checkpoints");
    let subject = format!("cgcp{tag}.checkpoints");
    let mut cfg = WorkerConfig::new(NATS, ledger_url(&tag, &dir));
    cfg.stream = format!("CGCP_{tag}");
    cfg.subject_prefix = format!("cgcp{tag}");
    cfg.durable = format!("cgcp-{tag}");
    cfg.idle_exit = Some(Duration::from_secs(4));
    cfg.checkpoints = Some(CheckpointConfig {
        every: Duration::from_secs(1),
        dir: Some(files.clone()),
        subject: Some(subject.clone()),
        key: key.clone(),
    });

    // Subscribe first: core NATS delivers to whoever listens when the message is published.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (nats, mut sub) = rt.block_on(async {
        let nats = async_nats::connect(NATS).await.unwrap();
        let sub = nats.subscribe(subject.clone()).await.unwrap();
        nats.flush().await.unwrap();
        (nats, sub)
    });

    let engine = Engine::load(&Embedded).unwrap();
    let worker_cfg = cfg.clone();
    let worker = std::thread::spawn(move || {
        let mut events = Vec::new();
        let report = chipgate_worker::run(engine, &worker_cfg, &mut |e| events.push(e.to_owned()));
        (report, events)
    });
    // Let the first checkpoint (the empty log) go out before the orders arrive.
    std::thread::sleep(Duration::from_millis(1500));
    let sent = orders(30);
    assert_eq!(client::publish_orders_blocking(&cfg, &sent).unwrap(), 30);
    let (report, events) = worker.join().unwrap();
    let report = report.unwrap();
    assert_eq!(report.decided + report.rejected, 30, "{report:?} {events:?}");

    let messages = rt.block_on(async {
        let mut out = Vec::new();
        while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(2), sub.next()).await {
            out.push(m);
        }
        out
    });
    drop(nats);
    assert!(messages.len() >= 2, "{} messages; events: {events:?}", messages.len());

    let public = load_or_create_key(&key).unwrap().0.verifying_key();
    let other = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
    let mut checkpoints = Vec::new();
    for m in &messages {
        let cp: Checkpoint = serde_json::from_slice(&m.payload).unwrap();
        cp.verify_signature(&public).unwrap();
        assert!(
            cp.verify_signature(&other).is_err(),
            "a checkpoint verifies with another key"
        );
        let id = m.headers.as_ref().and_then(|h| h.get("Nats-Msg-Id")).unwrap();
        assert_eq!(id.as_str(), format!("checkpoint-{}-{}", cp.size, cp.root));
        checkpoints.push((cp, m.payload.clone()));
    }
    // One per size: a checkpoint is made only when the log grew.
    let sizes: Vec<u64> = checkpoints.iter().map(|(cp, _)| cp.size).collect();
    assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{sizes:?}");
    assert_eq!(
        sizes[0], 0,
        "the first checkpoint is of the log as the worker found it: {sizes:?}"
    );

    // The last covers every record: the log extends it and has nothing beyond it.
    let mut ledger = Ledger::open(&cfg.db_url).unwrap();
    let (last, last_json) = checkpoints.last().unwrap();
    assert_eq!(last.size, ledger.tree_head().unwrap().size);
    assert_eq!(last.size, report.recorded, "{report:?}");
    let verified = ledger.verify_checkpoint(last, &public).unwrap();
    assert!(verified.ok, "{verified:?}");

    // The directory holds the same checkpoints, byte for byte, and nothing half-written.
    let mut names: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<String> = sizes.iter().map(|s| format!("checkpoint-{s:012}.json")).collect();
    assert_eq!(names, expected);
    let text = std::fs::read(files.join(expected.last().unwrap())).unwrap();
    assert_eq!(text, last_json.to_vec());

    let _ = client::delete_streams_blocking(&cfg);
    let _ = std::fs::remove_dir_all(&dir);
}
