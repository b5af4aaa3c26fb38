//! Batch order books for chipgate: `chipgate batch` and `chipgate gen-orders`.
//!
//! Owns: reading an order book (CSV with a header; columns `item, qty, destination` and
//! optionally `order_ref, end_user, consignee, end_user_hq, parent_hq, end_use, exporter,
//! date`) with the line number of every record ([`reader`], [`order`]); deciding, screening
//! and (with `--record`) recording each line through the [`chipgate_engine::Engine`] on
//! several threads ([`process`], [`pipeline`]); writing results **in input order** as CSV or
//! JSON lines, bad lines to an errors file with their line number, field and reason; a
//! checkpoint after each chunk so an interrupted run resumes without duplicating or skipping a
//! line; a summary (counts by outcome, top reasons, cache hit rates); and the synthetic
//! order-book generator ([`generate`]).
//!
//! Does not: parse flags, draw the progress bar or read the clock (the binary does; it passes
//! the default date and the record timestamp, and gets progress through a callback).
//!
//! Key design decisions:
//! * **Memoized determinations per period.** A determination depends on the date only through
//!   the rule data in force, which change on a known set of dates ([`process::Periods`]; the
//!   same dates `chipgate timeline` walks). Determinations are memoized per (item, destination,
//!   headquarters, parent, end use, exporter, exact list status of the parties, period), and
//!   screening per (name, country), in bounded caches. Order books repeat parties and routes
//!   heavily, so nearly every line is a look-up. JSON-lines output carries the full decision
//!   of each line, which is computed for that line (slower).
//! * **Order and resume.** Workers process chunks in parallel; the writer puts them back in
//!   input order, then fsyncs the output and errors files and atomically replaces a small
//!   checkpoint (`OUT.checkpoint`: next line, input offset, output and errors lengths,
//!   counts). `--resume` cuts both files back to the checkpointed lengths and seeks the input
//!   to the checkpointed offset, so every line is written exactly once even after `kill -9`.

pub mod cache;
pub mod generate;
pub mod order;
pub mod pipeline;
pub mod process;
pub mod reader;

pub use cache::CacheStats;
pub use generate::{generate, GenOptions, ListedName};
pub use order::{Column, Columns, HeaderError, LineError, OrderRow};
pub use pipeline::{file_ref_prefix, run, BatchConfig, Progress, RunReport};
pub use process::{
    CacheReport, Caches, Determination, HitBrief, OutputFormat, Periods, ProcessOptions, Processor, RecordOptions,
    Stats,
};

/// Why a batch run stopped (bad *lines* never stop it: they go to the errors file).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A file could not be read or written.
    #[error("`{path}`: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Writing output.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
    /// The header cannot be used.
    #[error(transparent)]
    Header(HeaderError),
    /// The checkpoint cannot be used.
    #[error("cannot resume: {0}")]
    Checkpoint(String),
    /// The ledger failed (not a bad line: the store itself).
    #[error("ledger: {0}")]
    Ledger(#[from] chipgate_ledger::LedgerError),
    /// The engine could not start.
    #[error("{0}")]
    Engine(String),
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
}
