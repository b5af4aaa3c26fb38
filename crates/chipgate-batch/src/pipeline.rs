//! The streaming run: a reader thread cuts the input into chunks, workers process chunks in
//! parallel, the calling thread writes results in input order and checkpoints after each chunk.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chipgate_engine::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::order::Columns;
use crate::process::{
    output_header, CacheReport, Caches, OutputFormat, Periods, ProcessOptions, Processor, Stats, ERRORS_HEADER,
};
use crate::reader::{split_fields, RawRecord, RecordReader};
use crate::BatchError;

/// A batch run.
#[derive(Clone, Debug)]
pub struct BatchConfig {
    /// The order book (CSV).
    pub input: PathBuf,
    /// Output file; `None` writes to standard output (no checkpoint, no resume).
    pub output: Option<PathBuf>,
    /// Errors file.
    pub errors: PathBuf,
    /// Resume from the output's checkpoint.
    pub resume: bool,
    /// Worker threads.
    pub workers: usize,
    /// Lines per chunk (the unit of parallel work and of checkpoints).
    pub chunk_lines: usize,
    /// Pause after each written chunk (for tests that interrupt a run).
    pub chunk_delay: Duration,
    /// Once the checkpoint reaches this line, pause (at most [`PAUSE_BOUND`]) before writing
    /// on: a test kills the run at a known point instead of racing it.
    pub pause_at_line: Option<u64>,
    /// What the workers do.
    pub process: ProcessOptions,
}

/// The longest pause of [`BatchConfig::pause_at_line`]: a run nobody kills goes on.
pub const PAUSE_BOUND: Duration = Duration::from_secs(60);

impl BatchConfig {
    /// The default errors file next to an output: `OUT.errors.csv`.
    pub fn errors_path_for(output: &Path) -> PathBuf {
        let mut s = output.as_os_str().to_owned();
        s.push(".errors.csv");
        PathBuf::from(s)
    }

    /// The checkpoint next to an output: `OUT.checkpoint`.
    pub fn checkpoint_path_for(output: &Path) -> PathBuf {
        let mut s = output.as_os_str().to_owned();
        s.push(".checkpoint");
        PathBuf::from(s)
    }
}

/// Where a run stands, after each chunk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Lines done (including those of the run resumed from).
    pub lines: u64,
    /// Of which errors.
    pub errors: u64,
    /// Lines done in this run.
    pub lines_this_run: u64,
    /// Input bytes done.
    pub bytes: u64,
    /// Input size.
    pub total_bytes: u64,
}

/// What a run did.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Counts of the whole order book (including the part done before a resume).
    pub stats: Stats,
    /// Lines processed by this run.
    pub lines_this_run: u64,
    /// First line processed by this run when it resumed.
    pub resumed_at_line: Option<u64>,
    /// The checkpoint already said the run was complete: nothing was done.
    pub already_complete: bool,
    /// Cache counts of this run's workers.
    pub caches: CacheReport,
    /// Header columns that were ignored.
    pub ignored_columns: Vec<String>,
    /// Output file (`None`: standard output).
    pub output: Option<PathBuf>,
    /// Errors file.
    pub errors: PathBuf,
}

/// The checkpoint file: what has been durably written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    version: u32,
    /// SHA-256 of the header line: the same order book layout.
    header_sha256: String,
    format: OutputFormat,
    record: bool,
    /// The date of lines without one.
    default_date: chipgate_engine::Date,
    /// Line number of the next record to process.
    next_line: u64,
    /// Input byte offset of that record.
    input_offset: u64,
    /// Output and errors file lengths covering everything before it.
    output_offset: u64,
    errors_offset: u64,
    complete: bool,
    stats: Stats,
}

fn file_error(path: &Path, source: io::Error) -> BatchError {
    BatchError::File {
        path: path.display().to_string(),
        source,
    }
}

fn read_checkpoint(path: &Path) -> Result<Checkpoint, BatchError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    serde_json::from_str(&text).map_err(|e| BatchError::Checkpoint(format!("`{}`: {e}", path.display())))
}

fn write_checkpoint(path: &Path, c: &Checkpoint) -> Result<(), BatchError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let json = serde_json::to_vec_pretty(c).map_err(|e| BatchError::Checkpoint(e.to_string()))?;
    let mut f = File::create(&tmp).map_err(|e| file_error(&tmp, e))?;
    f.write_all(&json).map_err(|e| file_error(&tmp, e))?;
    f.sync_all().map_err(|e| file_error(&tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| file_error(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The `order_ref` prefix of a recorded order book's lines: `b` and the first 16 hex digits of
/// the file's SHA-256, so re-recording the same file is idempotent.
pub fn file_ref_prefix(path: &Path) -> Result<String, BatchError> {
    let mut f = File::open(path).map_err(|e| file_error(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| file_error(path, e))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Ok(format!("b{hex}"))
}

/// An output file (or standard output) with the count of bytes written.
struct Sink {
    w: BufWriter<Box<dyn Write + Send>>,
    file: Option<File>,
    offset: u64,
}

impl Sink {
    fn file(path: &Path, resume_at: Option<u64>) -> Result<Sink, BatchError> {
        let f = match resume_at {
            Some(offset) => {
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(|e| file_error(path, e))?;
                let len = f.metadata().map_err(|e| file_error(path, e))?.len();
                if len < offset {
                    return Err(BatchError::Checkpoint(format!(
                        "`{}` has {len} bytes but the checkpoint says {offset} were written: it was changed since; run again without --resume",
                        path.display()
                    )));
                }
                f.set_len(offset).map_err(|e| file_error(path, e))?;
                f
            }
            None => File::create(path).map_err(|e| file_error(path, e))?,
        };
        let mut handle = f.try_clone().map_err(|e| file_error(path, e))?;
        let offset = resume_at.unwrap_or(0);
        handle.seek(SeekFrom::Start(offset)).map_err(|e| file_error(path, e))?;
        Ok(Sink {
            w: BufWriter::with_capacity(1 << 20, Box::new(handle)),
            file: Some(f),
            offset,
        })
    }

    fn stdout() -> Sink {
        Sink {
            w: BufWriter::with_capacity(1 << 20, Box::new(io::stdout())),
            file: None,
            offset: 0,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Flushes and, for a file, makes it durable.
    fn sync(&mut self) -> io::Result<()> {
        self.w.flush()?;
        if let Some(f) = &self.file {
            f.sync_data()?;
        }
        Ok(())
    }
}

/// Work for a worker.
struct Chunk {
    seq: u64,
    records: Vec<RawRecord>,
    end_offset: u64,
    next_line: u64,
}

/// A worker's answer.
enum Done {
    Chunk {
        seq: u64,
        output: crate::process::ChunkOutput,
        end_offset: u64,
        next_line: u64,
    },
    Failed(BatchError),
}

type Input = RecordReader<BufReader<File>>;

fn read_header(input: &Path) -> Result<(Columns, Vec<u8>, Input), BatchError> {
    let f = File::open(input).map_err(|e| file_error(input, e))?;
    let mut reader = RecordReader::new(BufReader::with_capacity(1 << 20, f), 1, 0);
    let header = reader
        .next_record()
        .map_err(|e| file_error(input, e))?
        .ok_or(BatchError::Header(crate::order::HeaderError::Empty))?;
    let mut fields = Vec::new();
    split_fields(&header.bytes, &mut fields)
        .map_err(|e| BatchError::Header(crate::order::HeaderError::Syntax(e.to_string())))?;
    let columns = Columns::from_header(&fields).map_err(BatchError::Header)?;
    Ok((columns, header.bytes, reader))
}

/// Runs a batch. `progress` is called after each chunk is written.
pub fn run(engine: &Engine, cfg: &BatchConfig, progress: &mut dyn FnMut(&Progress)) -> Result<RunReport, BatchError> {
    let (columns, header, mut reader) = read_header(&cfg.input)?;
    let header_sha256: String = Sha256::digest(&header).iter().map(|b| format!("{b:02x}")).collect();
    let total_bytes = std::fs::metadata(&cfg.input)
        .map_err(|e| file_error(&cfg.input, e))?
        .len();
    let record = cfg.process.record.is_some();
    let checkpoint_path = cfg.output.as_deref().map(BatchConfig::checkpoint_path_for);

    let mut report = RunReport {
        stats: Stats::default(),
        lines_this_run: 0,
        resumed_at_line: None,
        already_complete: false,
        caches: CacheReport::default(),
        ignored_columns: columns.ignored.clone(),
        output: cfg.output.clone(),
        errors: cfg.errors.clone(),
    };

    // Open the sinks: fresh, or cut back to the checkpoint.
    let (mut out, mut err, mut cp) = if cfg.resume {
        let (Some(output), Some(cp_path)) = (&cfg.output, &checkpoint_path) else {
            return Err(BatchError::Usage("--resume needs an output file (-o)".to_owned()));
        };
        let cp = read_checkpoint(cp_path)?;
        if cp.header_sha256 != header_sha256
            || cp.format != cfg.process.format
            || cp.record != record
            || cp.default_date != cfg.process.default_date
        {
            return Err(BatchError::Checkpoint(format!(
                "`{}` was written for a different header, format or --record setting, or for --date {} (lines without a date); resume with the options of the interrupted run",
                cp_path.display(),
                cp.default_date
            )));
        }
        if cp.input_offset > total_bytes {
            return Err(BatchError::Checkpoint(format!(
                "`{}` is shorter than when the run was interrupted; run again without --resume",
                cfg.input.display()
            )));
        }
        report.stats = cp.stats.clone();
        if cp.complete {
            report.already_complete = true;
            return Ok(report);
        }
        report.resumed_at_line = Some(cp.next_line);
        let f = File::open(&cfg.input).map_err(|e| file_error(&cfg.input, e))?;
        let mut f = BufReader::with_capacity(1 << 20, f);
        f.seek(SeekFrom::Start(cp.input_offset))
            .map_err(|e| file_error(&cfg.input, e))?;
        reader = RecordReader::new(f, cp.next_line, cp.input_offset);
        let out = Sink::file(output, Some(cp.output_offset))?;
        let err = Sink::file(&cfg.errors, Some(cp.errors_offset))?;
        (out, err, Some(cp))
    } else {
        let mut out = match &cfg.output {
            Some(path) => Sink::file(path, None)?,
            None => Sink::stdout(),
        };
        let mut err = Sink::file(&cfg.errors, None)?;
        out.write(&output_header(cfg.process.format, record, &columns))
            .map_err(BatchError::Io)?;
        err.write(ERRORS_HEADER.as_bytes()).map_err(BatchError::Io)?;
        out.sync().map_err(BatchError::Io)?;
        err.sync().map_err(BatchError::Io)?;
        let cp = checkpoint_path.as_ref().map(|_| Checkpoint {
            version: 1,
            header_sha256: header_sha256.clone(),
            format: cfg.process.format,
            record,
            default_date: cfg.process.default_date,
            next_line: reader.next_line(),
            input_offset: reader.offset(),
            output_offset: out.offset,
            errors_offset: err.offset,
            complete: false,
            stats: Stats::default(),
        });
        if let (Some(path), Some(cp)) = (&checkpoint_path, &cp) {
            write_checkpoint(path, cp)?;
        }
        (out, err, cp)
    };

    let periods = Arc::new(Periods::of(engine));
    let caches = Arc::new(Caches::new(cfg.process.cache_capacity));
    let columns = Arc::new(columns);
    let workers = cfg.workers.max(1);
    let chunk_lines = cfg.chunk_lines.max(1);
    // Screening index built once, before the workers start.
    engine.lists().map_err(|e| BatchError::Engine(e.to_string()))?;

    let stop = AtomicBool::new(false);
    let result = std::thread::scope(|s| -> Result<(), BatchError> {
        let stop = &stop;
        let (work_tx, work_rx) = sync_channel::<Chunk>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = sync_channel::<Done>(workers * 2);
        // Reader.
        let reader_done = done_tx.clone();
        s.spawn(move || read_chunks(reader, chunk_lines, &work_tx, &reader_done, stop));
        // Workers.
        let mut handles = Vec::new();
        for _ in 0..workers {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            let options = cfg.process.clone();
            let periods = Arc::clone(&periods);
            let columns = Arc::clone(&columns);
            let caches = Arc::clone(&caches);
            handles.push(s.spawn(move || work(engine, periods, columns, caches, options, &rx, &tx, stop)));
        }
        // Only the workers hold the work queue, and only the reader and workers can send
        // results: when they are gone, the channels close and every loop ends.
        drop(work_rx);
        drop(done_tx);
        let written = write_in_order(
            &done_rx,
            &mut out,
            &mut err,
            cp.as_mut(),
            checkpoint_path.as_deref(),
            &mut report,
            total_bytes,
            Pacing {
                delay: cfg.chunk_delay,
                pause_at_line: cfg.pause_at_line,
            },
            progress,
        );
        if written.is_err() {
            stop.store(true, Ordering::SeqCst);
        }
        drop(done_rx);
        for h in handles {
            if h.join().is_err() {
                return Err(BatchError::Engine("a worker thread panicked".to_owned()));
            }
        }
        written
    });
    result?;
    report.caches = caches.report();
    out.sync().map_err(BatchError::Io)?;
    err.sync().map_err(BatchError::Io)?;
    if let (Some(path), Some(cp)) = (&checkpoint_path, cp.as_mut()) {
        cp.complete = true;
        write_checkpoint(path, cp)?;
    }
    Ok(report)
}

fn read_chunks(
    mut reader: Input,
    chunk_lines: usize,
    work: &SyncSender<Chunk>,
    done: &SyncSender<Done>,
    stop: &AtomicBool,
) {
    let mut seq = 0;
    loop {
        let mut records = Vec::with_capacity(chunk_lines);
        while records.len() < chunk_lines {
            match reader.next_record() {
                Ok(Some(r)) => records.push(r),
                Ok(None) => break,
                Err(e) => {
                    let _ = done.send(Done::Failed(BatchError::Io(e)));
                    return;
                }
            }
        }
        if records.is_empty() || stop.load(Ordering::SeqCst) {
            return;
        }
        let chunk = Chunk {
            seq,
            records,
            end_offset: reader.offset(),
            next_line: reader.next_line(),
        };
        if work.send(chunk).is_err() {
            return;
        }
        seq += 1;
    }
}

#[allow(clippy::too_many_arguments, reason = "a worker's shares of the run, passed once")]
fn work(
    engine: &Engine,
    periods: Arc<Periods>,
    columns: Arc<Columns>,
    caches: Arc<Caches>,
    options: ProcessOptions,
    rx: &Mutex<Receiver<Chunk>>,
    tx: &SyncSender<Done>,
    stop: &AtomicBool,
) {
    let mut processor = match Processor::new(engine, periods, columns, caches, options) {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(Done::Failed(e));
            return;
        }
    };
    loop {
        let next = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => break,
        };
        let Ok(chunk) = next else { break };
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let msg = match processor.process(&chunk.records) {
            Ok(output) => Done::Chunk {
                seq: chunk.seq,
                output,
                end_offset: chunk.end_offset,
                next_line: chunk.next_line,
            },
            Err(e) => Done::Failed(e),
        };
        if tx.send(msg).is_err() {
            break;
        }
    }
}

#[allow(clippy::too_many_arguments, reason = "the writer's state, passed once")]
/// How the writer paces itself (for tests that interrupt a run).
struct Pacing {
    delay: Duration,
    pause_at_line: Option<u64>,
}

impl Pacing {
    /// After a chunk is written (and checkpointed) up to `next_line`.
    fn after_chunk(&mut self, next_line: u64) {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        if self.pause_at_line.is_some_and(|at| next_line >= at) {
            self.pause_at_line = None;
            std::thread::sleep(PAUSE_BOUND);
        }
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the writer's whole state, passed once from `run`; a struct would only rename it"
)]
fn write_in_order(
    rx: &Receiver<Done>,
    out: &mut Sink,
    err: &mut Sink,
    mut cp: Option<&mut Checkpoint>,
    cp_path: Option<&Path>,
    report: &mut RunReport,
    total_bytes: u64,
    mut pacing: Pacing,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), BatchError> {
    let mut pending: BTreeMap<u64, (crate::process::ChunkOutput, u64, u64)> = BTreeMap::new();
    let mut next = 0u64;
    for msg in rx {
        match msg {
            Done::Failed(e) => return Err(e),
            Done::Chunk {
                seq,
                output,
                end_offset,
                next_line,
            } => {
                pending.insert(seq, (output, end_offset, next_line));
            }
        }
        while let Some((output, end_offset, next_line)) = pending.remove(&next) {
            out.write(&output.out).map_err(BatchError::Io)?;
            err.write(&output.err).map_err(BatchError::Io)?;
            report.stats.add(&output.stats);
            report.lines_this_run += output.stats.lines;
            if let (Some(cp), Some(path)) = (cp.as_deref_mut(), cp_path) {
                out.sync().map_err(BatchError::Io)?;
                err.sync().map_err(BatchError::Io)?;
                cp.next_line = next_line;
                cp.input_offset = end_offset;
                cp.output_offset = out.offset;
                cp.errors_offset = err.offset;
                cp.stats = report.stats.clone();
                write_checkpoint(path, cp)?;
            }
            progress(&Progress {
                lines: report.stats.lines,
                errors: report.stats.errors,
                lines_this_run: report.lines_this_run,
                bytes: end_offset,
                total_bytes,
            });
            next += 1;
            pacing.after_chunk(next_line);
        }
    }
    if !pending.is_empty() {
        return Err(BatchError::Engine(
            "chunks were lost between the workers and the writer".to_owned(),
        ));
    }
    Ok(())
}
