//! `chipgate batch`, `chipgate gen-orders` and `chipgate worker`: flags → the batch and worker
//! crates; the progress bar and the summary.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use chipgate_batch::{
    BatchConfig, GenOptions, ListedName, OutputFormat, ProcessOptions, Progress, RecordOptions, RunReport,
};
use chipgate_engine::{DataSource, Engine};

use crate::cli::{BatchArgs, BatchFormat, GenOrdersArgs, WorkerArgs};
use crate::error::CliError;
use crate::home::{data_home, given_db, now, open_ledger, recorded_user, Access, DB_VAR};
use crate::inputs::parse_date;
use crate::Status;

impl From<chipgate_batch::BatchError> for CliError {
    fn from(e: chipgate_batch::BatchError) -> Self {
        CliError::Failed(e.to_string())
    }
}

fn default_db() -> String {
    format!(
        "sqlite://{}",
        data_home().join(chipgate_ledger::DEFAULT_DB_FILE).display()
    )
}

/// The ledger of `batch --record`: `--db`, else `$CHIPGATE_DB` (read here rather than by clap,
/// which would take the variable for `--db` and then demand `--record`), else the default file.
fn batch_db(given: Option<&str>) -> Option<String> {
    let from_env = std::env::var(DB_VAR).ok();
    given_db(given).or(given_db(from_env.as_deref())).map(str::to_owned)
}

/// Draws `[#####     ] 42%  420,000 lines  61,234 lines/s  3 errors  ETA 9s` on standard error.
struct Bar {
    enabled: bool,
    start: Instant,
    last: Option<Instant>,
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Bar {
    fn draw(&mut self, p: &Progress, last: bool) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if !last
            && self
                .last
                .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let rate = p.lines_this_run as f64 / secs;
        let frac = if p.total_bytes == 0 {
            1.0
        } else {
            (p.bytes as f64 / p.total_bytes as f64).clamp(0.0, 1.0)
        };
        let filled = (frac * 30.0).round() as usize;
        let eta = if frac > 0.0 && frac < 1.0 {
            format!("  ETA {:.0}s", secs * (1.0 - frac) / frac)
        } else {
            String::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {:>3.0}%  {} lines  {} lines/s  {} errors{eta}\x1b[K",
            "#".repeat(filled),
            " ".repeat(30 - filled.min(30)),
            frac * 100.0,
            thousands(p.lines),
            thousands(rate as u64),
            thousands(p.errors),
        );
        if last {
            let _ = writeln!(err);
        }
    }
}

fn summary(r: &RunReport, elapsed: Duration) -> String {
    let mut s = String::new();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let out = r
        .output
        .as_ref()
        .map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    if r.already_complete {
        let _ = writeln!(s, "already complete (the checkpoint says so); the counts of that run:");
    } else {
        let _ = writeln!(
            s,
            "batch: {} lines in {:.1} s ({} lines/s){}",
            thousands(r.lines_this_run),
            secs,
            thousands((r.lines_this_run as f64 / secs) as u64),
            r.resumed_at_line
                .map(|l| format!(", resumed at line {l}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "  {} lines decided → {out}", thousands(r.stats.ok));
    let _ = writeln!(s, "  {} bad lines → {}", thousands(r.stats.errors), r.errors.display());
    for (field, n) in &r.stats.error_fields {
        let _ = writeln!(s, "      {field}: {}", thousands(*n));
    }
    let _ = writeln!(s, "outcomes");
    for (outcome, n) in &r.stats.outcomes {
        let _ = writeln!(s, "  {outcome:<28} {:>12}", thousands(*n));
    }
    let _ = writeln!(
        s,
        "  {:<28} {:>12}",
        "with screening hits",
        thousands(r.stats.with_hits)
    );
    if !r.stats.ledger.is_empty() {
        let _ = writeln!(s, "ledger");
        for (status, n) in &r.stats.ledger {
            let _ = writeln!(s, "  {status:<28} {:>12}", thousands(*n));
        }
    }
    let top = r.stats.top_reasons(10);
    if !top.is_empty() {
        let _ = writeln!(s, "top reasons");
        for (reason, n) in top {
            let _ = writeln!(s, "  {reason:<40} {:>12}", thousands(n));
        }
    }
    if !r.already_complete {
        let c = &r.caches;
        let _ = writeln!(
            s,
            "cache hit rates: determinations {:.1}% ({} computed), screening {:.1}% ({} screened)",
            c.decisions.hit_rate() * 100.0,
            thousands(c.decisions.misses),
            c.screening.hit_rate() * 100.0,
            thousands(c.screening.misses),
        );
    }
    if !r.ignored_columns.is_empty() {
        let _ = writeln!(s, "ignored columns: {}", r.ignored_columns.join(", "));
    }
    s
}

/// `chipgate batch ORDERS`.
pub(crate) fn batch(args: BatchArgs, format: BatchFormat, source: &dyn DataSource) -> Result<Status, CliError> {
    let default_date = parse_date("--date", args.date.as_deref())?;
    let record = if args.record {
        let user = recorded_user(args.user.as_deref())?;
        let db = batch_db(args.db.as_deref());
        if db.is_none() {
            std::fs::create_dir_all(data_home())?;
        }
        let db_url = db.unwrap_or_else(default_db);
        // Created and migrated here, once, before the workers open their own connections.
        drop(open_ledger(Some(&db_url), Access::Write)?);
        Some(RecordOptions {
            db_url,
            user,
            now: now()?,
            ref_prefix: chipgate_batch::file_ref_prefix(&args.orders)?,
            backdated: args.backdated.clone(),
        })
    } else {
        None
    };
    // The store's active list snapshot, when it has one (the store of --record, else
    // $CHIPGATE_DB or the default file; not created here).
    let lists_db = match &record {
        Some(r) => Some(r.db_url.clone()),
        None => batch_db(None),
    };
    let engine = crate::lists_cmd::store_lists(Engine::load(source)?, lists_db.as_deref())?;
    let errors = match (&args.errors, &args.output) {
        (Some(e), _) => e.clone(),
        (None, Some(out)) => BatchConfig::errors_path_for(out),
        (None, None) => BatchConfig::errors_path_for(&args.orders),
    };
    let workers = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let config = BatchConfig {
        input: args.orders.clone(),
        output: args.output.clone(),
        errors,
        resume: args.resume,
        workers,
        chunk_lines: args.chunk_lines.unwrap_or(if args.record { 1_024 } else { 4_096 }),
        chunk_delay: Duration::from_millis(args.chunk_delay_ms),
        pause_at_line: args.pause_at_line,
        process: ProcessOptions {
            format: match format {
                BatchFormat::Csv => OutputFormat::Csv,
                BatchFormat::Jsonl => OutputFormat::Jsonl,
            },
            default_date,
            cache_capacity: args.cache_size,
            record,
        },
    };
    let start = Instant::now();
    let mut bar = Bar {
        enabled: !args.quiet && std::io::stderr().is_terminal(),
        start,
        last: None,
    };
    let mut final_progress = None;
    let report = chipgate_batch::run(&engine, &config, &mut |p| {
        bar.draw(p, false);
        final_progress = Some(*p);
    })?;
    if let Some(p) = final_progress {
        bar.draw(&p, true);
    }
    if !args.quiet {
        let text = summary(&report, start.elapsed());
        let mut err = std::io::stderr().lock();
        err.write_all(text.as_bytes())?;
    }
    Ok(Status::Ok)
}

/// `chipgate gen-orders N`.
pub(crate) fn gen_orders(args: GenOrdersArgs, source: &dyn DataSource) -> Result<Status, CliError> {
    let engine = Engine::load(source)?;
    let items: Vec<String> = engine
        .classifier()
        .catalog()
        .iter()
        .filter_map(|r| r.id().map(ToString::to_string))
        .collect();
    let index = engine.lists()?;
    let listed: Vec<ListedName> = index
        .entries()
        .iter()
        .filter(|e| e.entity_type.as_deref() != Some("Individual") && e.name.len() < 80)
        .map(|e| ListedName {
            name: e.name.clone(),
            country: e.countries.first().cloned(),
        })
        .collect();
    let start = parse_date("--start", Some(&args.start))?;
    let share = |flag: &str, v: f64| {
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(CliError::invalid_value(
                flag,
                format!("must be between 0 and 1, got `{v}`"),
            ))
        }
    };
    let opts = GenOptions {
        lines: args.n,
        seed: args.seed,
        start,
        days: args.days,
        customers: args.customers,
        listed_share: share("--listed-share", args.listed_share)?,
        bad_share: share("--bad-share", args.bad_share)?,
    };
    match &args.output {
        Some(path) => {
            let f = std::fs::File::create(path).map_err(|source| CliError::File {
                path: path.display().to_string(),
                source,
            })?;
            chipgate_batch::generate(&opts, &items, &listed, f)?;
        }
        None => chipgate_batch::generate(&opts, &items, &listed, std::io::stdout().lock())?,
    }
    Ok(Status::Ok)
}

/// `chipgate worker --nats URL --publish ORDERS.csv`: the order book's valid lines as order
/// messages; bad lines are listed and not published.
fn publish(path: &std::path::Path, config: &chipgate_worker::WorkerConfig, quiet: bool) -> Result<Status, CliError> {
    use chipgate_batch::reader::{split_fields, RecordReader};
    let file_error = |source| CliError::File {
        path: path.display().to_string(),
        source,
    };
    let prefix = chipgate_batch::file_ref_prefix(path)?;
    let f = std::fs::File::open(path).map_err(file_error)?;
    let mut reader = RecordReader::new(std::io::BufReader::new(f), 1, 0);
    let mut fields = Vec::new();
    let header = reader
        .next_record()
        .map_err(file_error)?
        .ok_or_else(|| CliError::Failed(format!("`{}` is empty", path.display())))?;
    split_fields(&header.bytes, &mut fields)
        .map_err(|e| CliError::Failed(format!("`{}`: header: {e}", path.display())))?;
    let columns = chipgate_batch::Columns::from_header(&fields).map_err(|e| CliError::Failed(e.to_string()))?;
    let today = crate::inputs::today();
    let mut orders = Vec::new();
    let mut bad = 0u64;
    while let Some(rec) = reader.next_record().map_err(file_error)? {
        let row = split_fields(&rec.bytes, &mut fields)
            .map_err(|e| chipgate_batch::LineError::new("record", e.to_string()))
            .and_then(|()| chipgate_batch::OrderRow::parse(&columns, rec.line, &fields, today));
        match row {
            Ok(row) => orders.push(chipgate_worker::OrderMessage {
                order_ref: row
                    .order_ref
                    .clone()
                    .unwrap_or_else(|| format!("{prefix}:{}", row.line)),
                request: row.request,
                date: row.date,
                item: row.item,
                ..chipgate_worker::OrderMessage::default()
            }),
            Err(e) => {
                bad += 1;
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "line {}: {}: {}", rec.line, e.field, e.reason);
            }
        }
    }
    let stored = chipgate_worker::client::publish_orders_blocking(config, &orders)
        .map_err(|e| CliError::Failed(format!("publish: {e}")))?;
    if !quiet {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "published {} orders to `{}` ({} already there), {bad} bad lines not published",
            thousands(stored),
            config.stream,
            thousands(orders.len() as u64 - stored)
        );
    }
    Ok(Status::Ok)
}

/// `chipgate worker --nats URL`.
pub(crate) fn worker(args: WorkerArgs, source: &dyn DataSource) -> Result<Status, CliError> {
    // Publishing records nothing; taking orders records each one under this user.
    let user = match &args.publish {
        Some(_) => args.user.clone().unwrap_or_default(),
        None => recorded_user(args.user.as_deref())?,
    };
    let db = match given_db(args.db.as_deref()) {
        Some(url) => url.to_owned(),
        None => {
            std::fs::create_dir_all(data_home())?;
            default_db()
        }
    };
    let mut engine = Engine::load(source)?;
    if args.publish.is_none() {
        // The store's active list snapshot, when it has one; the index is built before
        // taking messages.
        engine = crate::lists_cmd::store_lists(engine, Some(&db))?;
        engine.lists()?;
    }
    let config = chipgate_worker::WorkerConfig {
        nats_url: args.nats.clone(),
        db_url: db,
        stream: args.stream.clone(),
        subject_prefix: args.subject_prefix.clone(),
        durable: args.durable.clone(),
        ack_wait: Duration::from_secs(args.ack_wait.max(1)),
        concurrency: args.concurrency.max(1),
        batch: args.batch.max(1),
        user,
        max_orders: args.max_orders,
        idle_exit: args.idle_exit.map(Duration::from_secs),
        ack_delay: Duration::from_millis(args.ack_delay_ms),
        checkpoints: args.checkpoint_every.map(|every| chipgate_worker::CheckpointConfig {
            every: Duration::from_secs(every),
            dir: args.checkpoint_dir.clone(),
            subject: args.checkpoint_subject.clone(),
            key: args
                .checkpoint_key
                .clone()
                .unwrap_or_else(crate::home::signing_key_path),
        }),
    };
    if let Some(path) = &args.publish {
        return publish(path, &config, args.quiet);
    }
    let quiet = args.quiet;
    let report = chipgate_worker::run(engine, &config, &mut |event| {
        if !quiet {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{event}");
        }
    })
    .map_err(|e| CliError::Failed(format!("worker: {e}")))?;
    if !quiet {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "worker stopped: {} orders decided ({} recorded now, {} replayed), {} rejected",
            report.decided, report.recorded, report.replayed, report.rejected
        );
    }
    Ok(Status::Ok)
}
