//! Scale-out for chipgate on NATS JetStream (`chipgate worker --nats URL`).
//!
//! Owns: the only code in chipgate that knows NATS. Orders (JSON [`OrderMessage`]s) are
//! published to a JetStream stream (default `CHIPGATE_ORDERS`, subjects `chipgate.orders.>`,
//! work-queue retention). Every worker binds to one **durable pull consumer** (default
//! `chipgate-workers`) with explicit acks: JetStream hands each message to exactly one of the
//! workers pulling from it (the JetStream form of a queue group), and redelivers it when it is
//! not acknowledged within `ack_wait` — so a worker that dies mid-message loses nothing. For
//! each order a worker calls [`chipgate_engine::Engine::check_order`] (decide, screen, record
//! shipped or held in the shared ledger, one transaction), publishes the result
//! ([`ResultMessage`]) to `chipgate.results.<order_ref>` (stream `CHIPGATE_ORDERS_RESULTS`,
//! de-duplicated on `Nats-Msg-Id` = order reference), and only then acknowledges the order.
//!
//! Exactly once: the ledger's `order_ref` is the idempotency key (unique, checked in the same
//! transaction that records the order), so a redelivered order that was already recorded is
//! answered from the ledger (`replayed: true`) and writes nothing; its result is published
//! again with the same message id and JetStream drops the duplicate within the stream's
//! duplicate window (2 minutes by default; consumers of results should still key on
//! `order_ref`).
//!
//! Does not: parse flags or print (the binary does), or decide anything itself.
//!
//! The ledger is blocking (rusqlite, and the sync `postgres` client, which runs its own tokio
//! runtime and so must not be called from a thread of ours): each processing task owns one
//! ledger connection on a dedicated thread and awaits its answer, sending `in progress` acks
//! while the check runs so a long lock wait is not mistaken for a dead worker.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, AckKind};
use chipgate_engine::Date;
use chipgate_engine::{Engine, EngineError, OrderCheck, PreparedOrder};
use chipgate_ledger::{CheckpointWriter, Disposition, Ledger, LedgerError, Timestamp, WrittenCheckpoint};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

/// How a worker connects and consumes.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// NATS server URL, e.g. `nats://127.0.0.1:4222`.
    pub nats_url: String,
    /// Ledger URL (`postgres://…` when several workers share it).
    pub db_url: String,
    /// Orders stream name.
    pub stream: String,
    /// Subject prefix: orders on `PREFIX.orders.>`, results on `PREFIX.results.<ref>`.
    pub subject_prefix: String,
    /// Durable consumer shared by all workers.
    pub durable: String,
    /// Redelivery after this long without an ack.
    pub ack_wait: Duration,
    /// Orders processed at once by this worker (each with its own ledger connection).
    pub concurrency: usize,
    /// Most orders a task records in one ledger transaction (group commit): it takes what has
    /// arrived, up to this many, decides them, records them together, publishes their results
    /// and then acknowledges them.
    pub batch: usize,
    /// Who records (audit trail).
    pub user: String,
    /// Stop after this many orders (benchmarks, tests).
    pub max_orders: Option<u64>,
    /// Stop after this long without a message.
    pub idle_exit: Option<Duration>,
    /// Pause between recording an order and acknowledging it (tests of redelivery).
    pub ack_delay: Duration,
    /// Signed checkpoints of the audit log while the worker runs, and one when it stops.
    pub checkpoints: Option<CheckpointConfig>,
}

/// Where and how often a worker writes signed checkpoints of the audit log (Merkle tree heads,
/// `docs/audit-trust.md`), so copies live outside the database: files in a directory, messages
/// on a NATS subject, or both. A checkpoint is made only when the log has grown since the last
/// one this worker made (the writing is `chipgate_ledger::CheckpointWriter`, as `serve`'s).
#[derive(Clone, Debug)]
pub struct CheckpointConfig {
    /// How often, from the start; one more is written when the worker stops.
    pub every: Duration,
    /// Write `DIR/checkpoint-<size>.json`.
    pub dir: Option<std::path::PathBuf>,
    /// Publish the checkpoint's JSON on this NATS subject (`Nats-Msg-Id`:
    /// `checkpoint-<size>-<root>`, so a JetStream stream that captures the subject keeps one
    /// copy of a checkpoint several workers made).
    pub subject: Option<String>,
    /// The installation's signing key (created on first use, mode 600).
    pub key: std::path::PathBuf,
}

impl WorkerConfig {
    /// Defaults for a NATS URL and a ledger URL.
    pub fn new(nats_url: impl Into<String>, db_url: impl Into<String>) -> Self {
        WorkerConfig {
            nats_url: nats_url.into(),
            db_url: db_url.into(),
            stream: DEFAULT_STREAM.to_owned(),
            subject_prefix: DEFAULT_PREFIX.to_owned(),
            durable: DEFAULT_DURABLE.to_owned(),
            ack_wait: Duration::from_secs(30),
            concurrency: 2,
            batch: DEFAULT_BATCH,
            user: "worker".to_owned(),
            max_orders: None,
            idle_exit: None,
            ack_delay: Duration::ZERO,
            checkpoints: None,
        }
    }

    /// The orders subjects (`PREFIX.orders.>`).
    pub fn orders_subjects(&self) -> String {
        format!("{}.orders.>", self.subject_prefix)
    }

    /// The subject an order is published on.
    pub fn order_subject(&self, order_ref: &str) -> String {
        format!("{}.orders.{}", self.subject_prefix, subject_token(order_ref))
    }

    /// The subject of an order's result.
    pub fn result_subject(&self, order_ref: Option<&str>) -> String {
        format!(
            "{}.results.{}",
            self.subject_prefix,
            order_ref.map_or_else(|| "_invalid".to_owned(), subject_token)
        )
    }

    /// The results stream name (`STREAM_RESULTS`).
    pub fn results_stream(&self) -> String {
        format!("{}_RESULTS", self.stream)
    }
}

/// Default orders stream.
pub const DEFAULT_STREAM: &str = "CHIPGATE_ORDERS";
/// Default subject prefix.
pub const DEFAULT_PREFIX: &str = "chipgate";
/// Default durable consumer.
pub const DEFAULT_DURABLE: &str = "chipgate-workers";
/// Default most orders per ledger transaction ([`WorkerConfig::batch`]).
pub const DEFAULT_BATCH: usize = 64;

/// A subject token for an order reference: characters other than letters, digits, `-` and `_`
/// become `_` (the full reference is in the message).
pub fn subject_token(order_ref: &str) -> String {
    let t: String = order_ref
        .chars()
        .take(128)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() {
        "_".to_owned()
    } else {
        t
    }
}

/// One order, as published to the orders stream (JSON): the engine's order request, the
/// same type as the body of `POST /v1/orders/check`. Unknown fields are refused, so a
/// misspelt party field cannot be dropped silently; `qty` is read as `quantity`.
pub type OrderMessage = chipgate_engine::OrderCheckRequest;

/// What a worker publishes for each order (JSON on `PREFIX.results.<ref>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultMessage {
    /// The order reference (none when the message could not be read).
    pub order_ref: Option<String>,
    /// `shipped`, `held` or `rejected` (a bad order: see `error`).
    pub status: String,
    /// The ledger already had this order (a redelivery): nothing was written.
    pub replayed: bool,
    /// Which worker answered (`HOST:PID`).
    pub worker: String,
    /// Delivery count of the order message.
    pub delivered: i64,
    /// Why the order was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The check: determination, screening and the ledger's result (as
    /// [`chipgate_engine::OrderCheck`] serializes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct ResultOut<'a> {
    order_ref: Option<&'a str>,
    status: &'a str,
    replayed: bool,
    worker: &'a str,
    delivered: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a OrderCheck>,
}

/// What a worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkerReport {
    /// Orders decided (recorded or replayed).
    pub decided: u64,
    /// Of which recorded by this worker now.
    pub recorded: u64,
    /// Of which already in the ledger (redeliveries).
    pub replayed: u64,
    /// Orders rejected (bad messages, unknown items, invalid fields).
    pub rejected: u64,
    /// Deliveries handed back for later (the ledger or NATS failed).
    pub retried: u64,
}

#[derive(Default)]
struct Counters {
    decided: AtomicU64,
    recorded: AtomicU64,
    replayed: AtomicU64,
    rejected: AtomicU64,
    retried: AtomicU64,
}

impl Counters {
    fn report(&self) -> WorkerReport {
        WorkerReport {
            decided: self.decided.load(Ordering::SeqCst),
            recorded: self.recorded.load(Ordering::SeqCst),
            replayed: self.replayed.load(Ordering::SeqCst),
            rejected: self.rejected.load(Ordering::SeqCst),
            retried: self.retried.load(Ordering::SeqCst),
        }
    }

    fn handled(&self) -> u64 {
        self.decided.load(Ordering::SeqCst) + self.rejected.load(Ordering::SeqCst)
    }
}

/// Why a worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// NATS (connection, stream or consumer set-up, publishing).
    #[error("NATS: {0}")]
    Nats(String),
    /// The ledger could not be opened.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The runtime could not start.
    #[error("runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

fn nats<E: std::fmt::Display>(e: E) -> WorkerError {
    WorkerError::Nats(e.to_string())
}

/// Creates the orders and results streams if they do not exist.
pub async fn ensure_streams(
    js: &jetstream::Context,
    cfg: &WorkerConfig,
) -> Result<jetstream::stream::Stream, WorkerError> {
    let orders = js
        .get_or_create_stream(jetstream::stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![cfg.orders_subjects()],
            retention: jetstream::stream::RetentionPolicy::WorkQueue,
            storage: jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(nats)?;
    js.get_or_create_stream(jetstream::stream::Config {
        name: cfg.results_stream(),
        subjects: vec![format!("{}.results.>", cfg.subject_prefix)],
        retention: jetstream::stream::RetentionPolicy::Limits,
        storage: jetstream::stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(nats)?;
    Ok(orders)
}

fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned());
    format!("{host}:{}", std::process::id())
}

fn today_and_now() -> (Date, Option<Timestamp>) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let date = Date::from_days_since_epoch(i32::try_from(secs / 86_400).unwrap_or(0));
    (date, Timestamp::from_unix(i64::try_from(secs).unwrap_or(0)).ok())
}

/// The outcome of one order, before it is published.
enum Handled {
    Checked(Box<OrderCheck>),
    Rejected(String),
    Retry(String),
}

/// Reads an order message and decides it (not yet recorded); `Err` is its answer.
fn prepare(engine: &Engine, order: &OrderMessage, today: Date) -> Result<PreparedOrder, Handled> {
    let item = match engine.classifier().catalog().get(&order.item) {
        Ok(item) => item,
        Err(e) => return Err(Handled::Rejected(format!("item: {e}"))),
    };
    let date = order.date.unwrap_or(today);
    let line = match order.line() {
        Ok(line) => line,
        Err(e) => return Err(Handled::Rejected(e.to_string())),
    };
    engine.prepare_order(item, &line, date).map_err(answer_error)
}

/// The answer to an order whose check failed: handed back when the ledger failed, else
/// rejected (its input).
fn answer_error(e: EngineError) -> Handled {
    match e {
        EngineError::Ledger(e) if e.is_fatal() => Handled::Retry(e.to_string()),
        e => Handled::Rejected(e.to_string()),
    }
}

/// Decides a group of orders and records those that can be in one ledger transaction; one
/// answer per order, in order.
fn check_group(engine: &Engine, ledger: &mut Ledger, orders: &[OrderMessage], user: &str) -> Vec<Handled> {
    let (today, now) = today_and_now();
    let Some(now) = now else {
        return orders
            .iter()
            .map(|_| Handled::Retry("the clock is out of range".to_owned()))
            .collect();
    };
    let mut answers: Vec<Option<Handled>> = Vec::with_capacity(orders.len());
    let mut prepared = Vec::new();
    let mut owners = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        match prepare(engine, order, today) {
            Ok(p) => {
                prepared.push(p);
                owners.push(i);
                answers.push(None);
            }
            Err(h) => answers.push(Some(h)),
        }
    }
    if !prepared.is_empty() {
        match engine.record_orders(ledger, prepared, user, now) {
            Ok(results) => {
                for (i, r) in owners.into_iter().zip(results) {
                    if let Some(slot) = answers.get_mut(i) {
                        *slot = Some(match r {
                            Ok(c) => Handled::Checked(Box::new(c)),
                            Err(e) => answer_error(e),
                        });
                    }
                }
            }
            Err(e) => {
                let why = e.to_string();
                for i in owners {
                    if let Some(slot) = answers.get_mut(i) {
                        *slot = Some(Handled::Retry(why.clone()));
                    }
                }
            }
        }
    }
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Handled::Retry("the order was not checked".to_owned())))
        .collect()
}

/// How often the ledger thread looks for a new active list snapshot in the store.
const LISTS_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A group of checks for the ledger thread, and where to send the answers.
type Job = (Vec<OrderMessage>, tokio::sync::oneshot::Sender<Vec<Handled>>);

/// Opens a ledger connection on its own thread, which then checks the orders it is sent.
fn ledger_thread(engine: Arc<Engine>, db_url: String, user: String) -> Result<mpsc::Sender<Job>, WorkerError> {
    let (jobs_tx, jobs) = mpsc::channel::<Job>();
    let (ready_tx, ready) = mpsc::channel::<Result<(), LedgerError>>();
    std::thread::Builder::new()
        .name("chipgate-ledger".to_owned())
        .spawn(move || match Ledger::open(&db_url) {
            Ok(mut ledger) => {
                let _ = ready_tx.send(Ok(()));
                let mut lists_checked: Option<std::time::Instant> = None;
                for (orders, reply) in jobs {
                    // The store's active list snapshot and clearances, looked at no more than
                    // once a second: an import or a review reaches a running worker without a
                    // restart. Orders are not checked against lists the store has replaced:
                    // they wait for redelivery.
                    if lists_checked.is_none_or(|t| t.elapsed() >= LISTS_CHECK_EVERY) {
                        let synced = engine
                            .sync_store_lists(&mut ledger)
                            .and_then(|_| engine.sync_clearances(&mut ledger));
                        if let Err(e) = synced {
                            let why = format!("the store's list snapshot or clearances could not be loaded: {e}");
                            let _ = reply.send(orders.iter().map(|_| Handled::Retry(why.clone())).collect());
                            continue;
                        }
                        lists_checked = Some(std::time::Instant::now());
                    }
                    let _ = reply.send(check_group(&engine, &mut ledger, &orders, &user));
                }
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        })?;
    match ready.recv() {
        Ok(Ok(())) => Ok(jobs_tx),
        Ok(Err(e)) => Err(WorkerError::Ledger(e)),
        Err(_) => Err(WorkerError::Nats("the ledger thread stopped".to_owned())),
    }
}

/// A request for a checkpoint, and where to send what was written.
type CheckpointJob = tokio::sync::oneshot::Sender<Result<Option<WrittenCheckpoint>, LedgerError>>;

/// The worker's checkpoints: a ledger connection of their own on a dedicated thread (the
/// ledger is blocking), and where the checkpoints go besides their files.
struct Checkpointer {
    jobs: mpsc::Sender<CheckpointJob>,
    subject: Option<String>,
}

impl Checkpointer {
    /// Loads (or creates) the key and opens the thread's connection; `on_event` hears about a
    /// created key and where the checkpoints go.
    fn start(
        cfg: &WorkerConfig,
        c: &CheckpointConfig,
        on_event: &mut dyn FnMut(&str),
    ) -> Result<Checkpointer, WorkerError> {
        let (key, created) = chipgate_ledger::load_or_create_key(&c.key)?;
        if created {
            on_event(&format!("created the audit signing key {} (mode 600)", c.key.display()));
        }
        let writer = CheckpointWriter::new(key, c.dir.clone());
        let targets: Vec<String> = c
            .dir
            .iter()
            .map(|d| d.display().to_string())
            .chain(c.subject.iter().map(|s| format!("NATS subject `{s}`")))
            .collect();
        on_event(&format!(
            "audit checkpoints every {} s and at shutdown to {} (public key {})",
            c.every.as_secs_f64(),
            targets.join(" and "),
            writer.public_key()
        ));
        let (jobs_tx, jobs) = mpsc::channel::<CheckpointJob>();
        let (ready_tx, ready) = mpsc::channel::<Result<(), LedgerError>>();
        let db_url = cfg.db_url.clone();
        std::thread::Builder::new()
            .name("chipgate-checkpoints".to_owned())
            .spawn(move || match Ledger::open(&db_url) {
                Ok(mut ledger) => {
                    let _ = ready_tx.send(Ok(()));
                    let mut writer = writer;
                    for reply in jobs {
                        let result = match today_and_now().1 {
                            Some(now) => writer.write(&mut ledger, now),
                            None => Err(LedgerError::InvalidTimestamp("the clock is out of range".to_owned())),
                        };
                        let _ = reply.send(result);
                    }
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })?;
        match ready.recv() {
            Ok(Ok(())) => Ok(Checkpointer {
                jobs: jobs_tx,
                subject: c.subject.clone(),
            }),
            Ok(Err(e)) => Err(WorkerError::Ledger(e)),
            Err(_) => Err(WorkerError::Nats("the checkpoint thread stopped".to_owned())),
        }
    }

    /// Writes a checkpoint if the log has grown and publishes it; what happened, in words
    /// (`None`: nothing new). A failure is reported, never fatal: the next one may succeed.
    async fn checkpoint(&self, client: &async_nats::Client) -> Option<String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if self.jobs.send(reply).is_err() {
            return Some("audit checkpoint not written: the checkpoint thread stopped".to_owned());
        }
        let written = match answer.await {
            Ok(Ok(Some(w))) => w,
            Ok(Ok(None)) => return None,
            Ok(Err(e)) => return Some(format!("audit checkpoint not written: {e}")),
            Err(_) => return Some("audit checkpoint not written: the checkpoint thread stopped".to_owned()),
        };
        let size = written.checkpoint.size;
        let mut done = Vec::new();
        if let Some(path) = &written.path {
            done.push(format!("written to {}", path.display()));
        }
        if let Some(subject) = &self.subject {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(
                "Nats-Msg-Id",
                format!("checkpoint-{size}-{}", written.checkpoint.root).as_str(),
            );
            let sent = client
                .publish_with_headers(subject.clone(), headers, written.json.clone().into())
                .await
                .map_err(|e| e.to_string());
            let sent = match sent {
                Ok(()) => client.flush().await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match sent {
                Ok(()) => done.push(format!("published on `{subject}`")),
                Err(e) => done.push(format!("NOT published on `{subject}`: {e}")),
            }
        }
        Some(format!("audit checkpoint of {size} records {}", done.join(", ")))
    }
}

struct Task {
    ledger: mpsc::Sender<Job>,
    js: jetstream::Context,
    cfg: Arc<WorkerConfig>,
    counters: Arc<Counters>,
    events: tokio::sync::mpsc::UnboundedSender<String>,
    stop: Arc<AtomicBool>,
    worker: Arc<str>,
}

impl Task {
    fn event(&self, text: String) {
        let _ = self.events.send(text);
    }

    async fn run(self, consumer: jetstream::consumer::Consumer<pull::Config>) -> Result<(), WorkerError> {
        let batch = self.cfg.batch.max(1);
        let mut messages = consumer
            .stream()
            .max_messages_per_batch(batch)
            .messages()
            .await
            .map_err(nats)?;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let limit = match self.cfg.max_orders {
                Some(m) if self.counters.handled() >= m => {
                    self.stop.store(true, Ordering::SeqCst);
                    return Ok(());
                }
                Some(m) => usize::try_from(m - self.counters.handled()).unwrap_or(batch).min(batch),
                None => batch,
            };
            let wait = self.cfg.idle_exit.unwrap_or(Duration::from_secs(1));
            let next = match tokio::time::timeout(wait, messages.next()).await {
                Err(_) if self.cfg.idle_exit.is_some() => {
                    self.event(format!("no orders for {} s: stopping", wait.as_secs()));
                    return Ok(());
                }
                Err(_) => continue,
                Ok(None) => return Ok(()),
                Ok(Some(m)) => m,
            };
            let mut group = Vec::with_capacity(limit);
            match next {
                Ok(msg) => group.push(msg),
                Err(e) => self.event(format!("pull: {e}")),
            }
            // Whatever else has arrived joins the group (one ledger transaction), without
            // waiting for more than a moment.
            while !group.is_empty() && group.len() < limit {
                match tokio::time::timeout(GATHER_WAIT, messages.next()).await {
                    Ok(Some(Ok(msg))) => group.push(msg),
                    Ok(Some(Err(e))) => self.event(format!("pull: {e}")),
                    Ok(None) | Err(_) => break,
                }
            }
            if !group.is_empty() {
                self.handle(group).await;
            }
        }
    }

    /// Checks a group of orders (recorded in one ledger transaction), publishes each result,
    /// then acknowledges each order.
    async fn handle(&self, msgs: Vec<jetstream::Message>) {
        let orders: Vec<Result<OrderMessage, String>> = msgs
            .iter()
            .map(|m| serde_json::from_slice(&m.payload).map_err(|e| format!("invalid order message: {e}")))
            .collect();
        let valid: Vec<OrderMessage> = orders.iter().filter_map(|o| o.as_ref().ok().cloned()).collect();
        let mut answers = if valid.is_empty() {
            Vec::new()
        } else {
            let (reply, mut work) = tokio::sync::oneshot::channel();
            if self.ledger.send((valid, reply)).is_err() {
                for msg in &msgs {
                    self.counters.retried.fetch_add(1, Ordering::SeqCst);
                    let _ = msg.ack_with(AckKind::Nak(Some(Duration::from_secs(5)))).await;
                }
                return;
            }
            let beat = (self.cfg.ack_wait / 3).max(Duration::from_millis(100));
            loop {
                tokio::select! {
                    r = &mut work => break r.unwrap_or_default(),
                    () = tokio::time::sleep(beat) => {
                        for msg in &msgs {
                            let _ = msg.ack_with(AckKind::Progress).await;
                        }
                    }
                }
            }
        }
        .into_iter();
        let outcomes: Vec<Handled> = orders
            .iter()
            .map(|o| match o {
                Err(why) => Handled::Rejected(why.clone()),
                Ok(_) => answers
                    .next()
                    .unwrap_or_else(|| Handled::Retry("the ledger thread stopped".to_owned())),
            })
            .collect();
        // Publish every result first (pipelined), then wait for JetStream's acks.
        let mut published = Vec::with_capacity(msgs.len());
        for ((msg, order), outcome) in msgs.iter().zip(&orders).zip(&outcomes) {
            let order_ref = order.as_ref().ok().map(|o| o.order_ref.as_str());
            published.push(self.publish(msg, order_ref, outcome).await);
        }
        for (((msg, order), outcome), publish) in msgs.iter().zip(&orders).zip(outcomes).zip(published) {
            let order_ref = order.as_ref().ok().map(|o| o.order_ref.as_str());
            let sent = match publish {
                None => {
                    // Handed back: the ledger failed.
                    let _ = msg.ack_with(AckKind::Nak(Some(Duration::from_secs(5)))).await;
                    continue;
                }
                Some(Ok(ack)) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
                Some(Err(e)) => Err(e),
            };
            if let Err(e) = sent {
                // Recorded (or rejected) but not announced: hand the order back; the redelivery
                // replays it from the ledger and publishes again.
                self.counters.retried.fetch_add(1, Ordering::SeqCst);
                self.event(format!(
                    "{}: cannot publish the result, will retry: {e}",
                    order_ref.unwrap_or("?")
                ));
                let _ = msg.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
                continue;
            }
            if !self.cfg.ack_delay.is_zero() {
                tokio::time::sleep(self.cfg.ack_delay).await;
            }
            if let Err(e) = msg.double_ack().await {
                self.event(format!(
                    "{}: ack failed ({e}); the order will be redelivered and replayed",
                    order_ref.unwrap_or("?")
                ));
            }
            match outcome {
                Handled::Checked(c) => {
                    self.counters.decided.fetch_add(1, Ordering::SeqCst);
                    if c.result.replayed {
                        self.counters.replayed.fetch_add(1, Ordering::SeqCst);
                    } else {
                        self.counters.recorded.fetch_add(1, Ordering::SeqCst);
                    }
                }
                Handled::Rejected(why) => {
                    self.counters.rejected.fetch_add(1, Ordering::SeqCst);
                    self.event(format!("{}: rejected: {why}", order_ref.unwrap_or("?")));
                }
                Handled::Retry(_) => {}
            }
        }
    }

    /// Publishes an order's result (`None`: the order is to be retried, nothing is published).
    async fn publish(
        &self,
        msg: &jetstream::Message,
        order_ref: Option<&str>,
        outcome: &Handled,
    ) -> Option<Result<async_nats::jetstream::context::PublishAckFuture, String>> {
        let delivered = msg.info().map_or(1, |i| i.delivered);
        let (status, replayed, error, check) = match outcome {
            Handled::Retry(why) => {
                self.counters.retried.fetch_add(1, Ordering::SeqCst);
                self.event(format!("{}: will retry: {why}", order_ref.unwrap_or("?")));
                return None;
            }
            Handled::Rejected(why) => ("rejected", false, Some(why.as_str()), None),
            Handled::Checked(c) => {
                let status = match c.result.disposition {
                    Disposition::Shipped { .. } => "shipped",
                    Disposition::Held { .. } => "held",
                };
                (status, c.result.replayed, None, Some(&**c))
            }
        };
        let out = ResultOut {
            order_ref,
            status,
            replayed,
            worker: &self.worker,
            delivered,
            error,
            check,
        };
        Some(match serde_json::to_vec(&out) {
            Ok(payload) => {
                let mut headers = async_nats::HeaderMap::new();
                if let Some(r) = order_ref {
                    headers.insert("Nats-Msg-Id", r);
                }
                self.js
                    .publish_with_headers(self.cfg.result_subject(order_ref), headers, payload.into())
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        })
    }
}

/// How long a task waits for more orders to join a group once it has one.
const GATHER_WAIT: Duration = Duration::from_millis(2);

/// Connects, makes sure the streams and the durable consumer exist, and processes orders until
/// stopped (SIGINT/SIGTERM, `max_orders`, `idle_exit`). `on_event` hears what a person running
/// the worker should know (rejections, retries, stopping).
pub fn run(engine: Engine, cfg: &WorkerConfig, on_event: &mut dyn FnMut(&str)) -> Result<WorkerReport, WorkerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(Arc::new(engine), Arc::new(cfg.clone()), on_event))
}

async fn run_async(
    engine: Arc<Engine>,
    cfg: Arc<WorkerConfig>,
    on_event: &mut dyn FnMut(&str),
) -> Result<WorkerReport, WorkerError> {
    let client = async_nats::ConnectOptions::new()
        .name("chipgate-worker")
        .connect(cfg.nats_url.as_str())
        .await
        .map_err(nats)?;
    let js = jetstream::new(client.clone());
    let orders = ensure_streams(&js, &cfg).await?;
    let consumer: jetstream::consumer::Consumer<pull::Config> = orders
        .get_or_create_consumer(
            &cfg.durable,
            pull::Config {
                durable_name: Some(cfg.durable.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_deliver: -1,
                filter_subject: cfg.orders_subjects(),
                ..Default::default()
            },
        )
        .await
        .map_err(nats)?;
    on_event(&format!(
        "worker {} consuming `{}` ({}) as `{}`, {} at a time, ledger {}",
        worker_id(),
        cfg.stream,
        cfg.orders_subjects(),
        cfg.durable,
        cfg.concurrency,
        redact(&cfg.db_url)
    ));
    let checkpointer = match &cfg.checkpoints {
        Some(c) => Some(Checkpointer::start(&cfg, c, on_event)?),
        None => None,
    };
    // The first tick is at once: a checkpoint of the log as the worker found it.
    let mut checkpoint_tick = tokio::time::interval(
        cfg.checkpoints
            .as_ref()
            .map_or(Duration::from_secs(3600), |c| c.every.max(Duration::from_millis(1))),
    );
    checkpoint_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<String>();
    let worker: Arc<str> = Arc::from(worker_id());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..cfg.concurrency.max(1) {
        let (engine, url, user) = (Arc::clone(&engine), cfg.db_url.clone(), cfg.user.clone());
        let ledger = tokio::task::spawn_blocking(move || ledger_thread(engine, url, user))
            .await
            .map_err(|e| WorkerError::Nats(e.to_string()))??;
        let task = Task {
            ledger,
            js: js.clone(),
            cfg: Arc::clone(&cfg),
            counters: Arc::clone(&counters),
            events: events_tx.clone(),
            stop: Arc::clone(&stop),
            worker: Arc::clone(&worker),
        };
        tasks.spawn(task.run(consumer.clone()));
    }
    drop(events_tx);
    let signal_stop = Arc::clone(&stop);
    let signals = tokio::spawn(async move {
        wait_for_signal().await;
        signal_stop.store(true, Ordering::SeqCst);
    });
    let mut first_error = None;
    loop {
        tokio::select! {
            Some(text) = events.recv() => on_event(&text),
            _ = checkpoint_tick.tick(), if checkpointer.is_some() => {
                if let Some(text) = match &checkpointer {
                    Some(c) => c.checkpoint(&client).await,
                    None => None,
                } {
                    on_event(&text);
                }
            }
            joined = tasks.join_next() => match joined {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => {
                    stop.store(true, Ordering::SeqCst);
                    first_error.get_or_insert(e);
                }
                Some(Err(e)) => {
                    stop.store(true, Ordering::SeqCst);
                    first_error.get_or_insert(WorkerError::Nats(format!("a task failed: {e}")));
                }
            },
        }
    }
    while let Ok(text) = events.try_recv() {
        on_event(&text);
    }
    // The last checkpoint covers everything this worker recorded.
    if let Some(text) = match &checkpointer {
        Some(c) => c.checkpoint(&client).await,
        None => None,
    } {
        on_event(&text);
    }
    signals.abort();
    let _ = client.flush().await;
    match first_error {
        Some(e) => Err(e),
        None => Ok(counters.report()),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The URL without a password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = url.get(s + 3..at).unwrap_or_default();
            match creds.split_once(':') {
                Some((user, _)) => format!(
                    "{}{user}:***{}",
                    url.get(..s + 3).unwrap_or_default(),
                    url.get(at..).unwrap_or_default()
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Publishing and reading back, for producers, tests and benchmarks.
pub mod client {
    use super::*;

    fn runtime() -> Result<tokio::runtime::Runtime, WorkerError> {
        Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
    }

    async fn connect(cfg: &WorkerConfig) -> Result<(async_nats::Client, jetstream::Context), WorkerError> {
        let client = async_nats::connect(cfg.nats_url.as_str()).await.map_err(nats)?;
        let js = jetstream::new(client.clone());
        Ok((client, js))
    }

    /// Publishes orders to the orders stream (created if missing), each with `Nats-Msg-Id` =
    /// its reference, so a producer that retries does not enqueue an order twice. Returns how
    /// many the stream stored (duplicates within the window are not stored again).
    pub async fn publish_orders(
        js: &jetstream::Context,
        cfg: &WorkerConfig,
        orders: &[OrderMessage],
    ) -> Result<u64, WorkerError> {
        ensure_streams(js, cfg).await?;
        let mut stored = 0;
        for window in orders.chunks(256) {
            let mut acks = Vec::with_capacity(window.len());
            for o in window {
                let payload = serde_json::to_vec(o).map_err(nats)?;
                let mut headers = async_nats::HeaderMap::new();
                headers.insert("Nats-Msg-Id", o.order_ref.as_str());
                acks.push(
                    js.publish_with_headers(cfg.order_subject(&o.order_ref), headers, payload.into())
                        .await
                        .map_err(nats)?,
                );
            }
            for ack in acks {
                let ack = ack.await.map_err(nats)?;
                if !ack.duplicate {
                    stored += 1;
                }
            }
        }
        Ok(stored)
    }

    /// [`publish_orders`] on its own runtime.
    pub fn publish_orders_blocking(cfg: &WorkerConfig, orders: &[OrderMessage]) -> Result<u64, WorkerError> {
        runtime()?.block_on(async {
            let (client, js) = connect(cfg).await?;
            let n = publish_orders(&js, cfg, orders).await?;
            client.flush().await.map_err(nats)?;
            Ok(n)
        })
    }

    /// Every result message in the results stream, oldest first.
    pub fn read_results_blocking(cfg: &WorkerConfig) -> Result<Vec<ResultMessage>, WorkerError> {
        runtime()?.block_on(async {
            let (_client, js) = connect(cfg).await?;
            let stream = js.get_stream(cfg.results_stream()).await.map_err(nats)?;
            let info = stream.get_info().await.map_err(nats)?;
            let mut out = Vec::new();
            if info.state.messages == 0 {
                return Ok(out);
            }
            for seq in info.state.first_sequence..=info.state.last_sequence {
                let msg = match stream.get_raw_message(seq).await {
                    Ok(m) => m,
                    Err(_) => continue, // deleted
                };
                out.push(serde_json::from_slice(&msg.payload).map_err(nats)?);
            }
            Ok(out)
        })
    }

    /// Messages still waiting in the orders stream.
    pub fn pending_orders_blocking(cfg: &WorkerConfig) -> Result<u64, WorkerError> {
        runtime()?.block_on(async {
            let (_client, js) = connect(cfg).await?;
            let stream = js.get_stream(&cfg.stream).await.map_err(nats)?;
            Ok(stream.get_info().await.map_err(nats)?.state.messages)
        })
    }

    /// Deletes the orders and results streams (tests).
    pub fn delete_streams_blocking(cfg: &WorkerConfig) -> Result<(), WorkerError> {
        runtime()?.block_on(async {
            let (_client, js) = connect(cfg).await?;
            for name in [cfg.stream.clone(), cfg.results_stream()] {
                let _ = js.delete_stream(&name).await;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn subjects_and_messages() {
        let cfg = WorkerConfig::new("nats://127.0.0.1:4222", "sqlite::memory:");
        assert_eq!(cfg.orders_subjects(), "chipgate.orders.>");
        assert_eq!(cfg.order_subject("SO-1.2 x"), "chipgate.orders.SO-1_2_x");
        assert_eq!(cfg.result_subject(None), "chipgate.results._invalid");
        assert_eq!(cfg.results_stream(), "CHIPGATE_ORDERS_RESULTS");
        let m: OrderMessage =
            serde_json::from_str(r#"{"order_ref":"A","item":"nvidia-h20","qty":2,"destination":"CN"}"#).unwrap();
        assert_eq!(m.request.quantity, Some(2));
        assert!(serde_json::from_str::<OrderMessage>(
            r#"{"order_ref":"A","item":"x","qty":1,"destination":"CN","end_usr":"typo"}"#
        )
        .is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite:///tmp/x"), "sqlite:///tmp/x");
    }
}
