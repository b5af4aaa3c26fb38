//! One party check: `chipgate decide`, `chipgate order check`, `chipgate batch` and the NATS
//! worker give the same party result (outcome, listed parties, possible matches) for the same
//! orders, because all four go through the engine's one screening-backed party check. The
//! worker part needs NATS with JetStream at 127.0.0.1:4222 and skips with a message without it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test helpers")]

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chipgate_engine::{Ownership, Request};
use chipgate_worker::{client, OrderMessage, WorkerConfig};
use serde_json::Value;

/// (order ref, item, destination, end user, end user HQ, owners, date). The names cover a
/// listed entity, a clear name, an entity listed through its owner, and a name typed
/// differently from its entry.
const ORDERS: [(&str, &str, &str, &str, &str, &str, &str); 5] = [
    (
        "PA-1",
        "nvidia-geforce-rtx-4080",
        "DE",
        "Huawei Technologies Co., Ltd.",
        "CN",
        "",
        "2024-06-01",
    ),
    (
        "PA-2",
        "nvidia-geforce-rtx-4080",
        "DE",
        "Zentrix Cloud GmbH",
        "DE",
        "",
        "2024-06-01",
    ),
    (
        "PA-3",
        "nvidia-geforce-rtx-4080",
        "DE",
        "Acme Subsidiary Ltd",
        "DE",
        "Huawei Technologies Co., Ltd.=60",
        "2025-10-01",
    ),
    (
        "PA-4",
        "nvidia-h100-sxm5",
        "SG",
        "Huawei Cloud Computing Technologies Co., Ltd.",
        "CN",
        "",
        "2024-06-01",
    ),
    (
        "PA-5",
        "nvidia-l4",
        "JP",
        "Hikvision Digital Technology Co Ltd",
        "CN",
        "",
        "2024-06-01",
    ),
];

/// What every front-end must agree on.
fn summary(decision: &Value) -> String {
    let parties = |field: &str| {
        let mut out: Vec<String> = decision[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}|{}|{}", p["role"], p["code"], p["name"]))
            .collect();
        out.sort();
        out
    };
    let (listed, possible) = (parties("listed_parties"), parties("possible_listed_parties"));
    format!(
        "outcome={} listed={listed:?} possible={possible:?}",
        decision["outcome"].as_str().unwrap()
    )
}

fn chipgate(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn nats_reachable() -> bool {
    let addr: SocketAddr = "127.0.0.1:4222".parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

#[test]
fn decide_order_check_batch_and_worker_agree_on_parties() {
    let dir = std::env::temp_dir().join(format!("chipgate-party-agreement-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("ledger.db").display());

    // 1. decide, 2. order check.
    let mut by_decide = BTreeMap::new();
    let mut by_order = BTreeMap::new();
    for (r, item, to, end_user, hq, owners, date) in ORDERS {
        let mut args = vec![
            "decide",
            "--item",
            item,
            "--to",
            to,
            "--end-user",
            end_user,
            "--end-user-hq",
            hq,
            "--date",
            date,
            "--format",
            "json",
        ];
        if !owners.is_empty() {
            args.extend(["--owner", owners]);
        }
        by_decide.insert(r, summary(&chipgate(&args)));
        let mut args = vec![
            "order",
            "check",
            "--ref",
            r,
            "--item",
            item,
            "--to",
            to,
            "--qty",
            "1",
            "--end-user",
            end_user,
            "--end-user-hq",
            hq,
            "--date",
            date,
            "--db",
            &db,
            "--user",
            "tester",
            "--format",
            "json",
        ];
        if !owners.is_empty() {
            args.extend(["--owner", owners]);
        }
        let check = chipgate(&args);
        by_order.insert(r, summary(&check["decision"]));
    }
    assert_eq!(by_decide, by_order, "decide and order check");
    // The listed entity is listed, the clear name is clear, the owned one is caught.
    assert!(
        by_decide["PA-1"].contains("listed=[\"\\\"end_user\\\"|\\\"EL\\\""),
        "{}",
        by_decide["PA-1"]
    );
    assert!(
        by_decide["PA-2"].starts_with("outcome=no_license_required listed=[] possible=[]"),
        "{}",
        by_decide["PA-2"]
    );
    assert!(by_decide["PA-3"].contains("owner of end user"), "{}", by_decide["PA-3"]);

    // 3. batch (JSON lines carry the whole decision).
    let csv = dir.join("orders.csv");
    let mut text = String::from("order_ref,item,qty,destination,end_user,end_user_hq,date,owners\n");
    for (r, item, to, end_user, hq, owners, date) in ORDERS {
        text.push_str(&format!("{r},{item},1,{to},\"{end_user}\",{hq},{date},\"{owners}\"\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.join("out.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args([
            "batch",
            csv.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--format",
            "jsonl",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut by_batch = BTreeMap::new();
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let r = ORDERS
            .iter()
            .map(|o| o.0)
            .find(|r| row["order_ref"].as_str() == Some(*r))
            .unwrap();
        by_batch.insert(r, summary(&row["decision"]));
    }
    assert_eq!(by_decide, by_batch, "decide and batch");

    // 4. the worker.
    if !nats_reachable() {
        println!("SKIPPED (worker part): NATS with JetStream is not reachable at 127.0.0.1:4222");
        return;
    }
    let tag = format!("{}", std::process::id());
    let mut cfg = WorkerConfig::new(
        "nats://127.0.0.1:4222",
        format!("sqlite://{}", dir.join("worker.db").display()),
    );
    cfg.stream = format!("CGPARTY_{tag}");
    cfg.subject_prefix = format!("cgparty{tag}");
    cfg.durable = "workers".to_owned();
    drop(chipgate_ledger::Ledger::open(&cfg.db_url).unwrap());
    let messages: Vec<OrderMessage> = ORDERS
        .iter()
        .map(|&(r, item, to, end_user, hq, owners, date)| OrderMessage {
            order_ref: r.to_owned(),
            item: item.to_owned(),
            request: Request {
                quantity: Some(1),
                destination: to.to_owned(),
                end_user: Some(end_user.to_owned()),
                end_user_hq: Some(hq.to_owned()),
                owners: if owners.is_empty() {
                    Vec::new()
                } else {
                    vec![Ownership::parse_owner(owners).unwrap()]
                },
                ..Request::default()
            },
            date: Some(date.parse().unwrap()),
            ..OrderMessage::default()
        })
        .collect();
    client::publish_orders_blocking(&cfg, &messages).unwrap();
    let mut worker = Command::new(env!("CARGO_BIN_EXE_chipgate"))
        .args([
            "worker",
            "--nats",
            "nats://127.0.0.1:4222",
            "--db",
            &cfg.db_url,
            "--stream",
            &cfg.stream,
        ])
        .args([
            "--subject-prefix",
            &cfg.subject_prefix,
            "--durable",
            &cfg.durable,
            "--idle-exit",
            "3",
        ])
        .args(["--user", "tester"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while worker.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(120), "the worker did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut by_worker = BTreeMap::new();
    for result in client::read_results_blocking(&cfg).unwrap() {
        let r = ORDERS
            .iter()
            .map(|o| o.0)
            .find(|r| result.order_ref.as_deref() == Some(*r))
            .unwrap();
        let check = result
            .check
            .unwrap_or_else(|| panic!("{r}: no check ({:?})", result.error));
        by_worker.insert(r, summary(&check["decision"]));
    }
    assert_eq!(by_decide, by_worker, "decide and worker");
}
