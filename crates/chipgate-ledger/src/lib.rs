//! # chipgate-ledger
//!
//! The ledger of chipgate: licenses, orders, shipments, holds, route
//! suspensions, NAC notifications and a tamper-evident audit trail, stored in
//! SQLite (default: one file in WAL mode) or PostgreSQL (when several
//! machines share it), with the same behaviour on both. It is the only crate
//! in chipgate that speaks SQL.
//!
//! ## What it owns, and what it does not
//! * It **records** decisions; it does not make them. The determination
//!   engine and restricted-party screening live elsewhere (this crate does
//!   not depend on them): the caller hands their verdict in as a
//!   [`DeterminationSummary`] (outcome, reasons, screening hits, engine and
//!   rule-set versions, list snapshot id and the full report JSON, which is
//!   stored verbatim in the audit record).
//! * It **never reads the clock**: every state-changing call takes
//!   `now: Timestamp` (from unix seconds or RFC 3339 UTC; stored as
//!   `YYYY-MM-DDTHH:MM:SSZ`). Dates are strict `YYYY-MM-DD` ([`Date`]: `chipgate-model`'s,
//!   the one calendar of chipgate, re-exported here, so no front-end converts between two).
//! * It owns the schema: numbered SQL files `migrations/sqlite/NNNN_*.sql`
//!   and `migrations/postgres/NNNN_*.sql` (same tables; only the spelling of
//!   app-assigned integer keys differs), embedded in the binary, applied in
//!   order under a cross-process lock and recorded with their SHA-256 in
//!   `schema_migrations`; an edited applied migration or a newer schema is
//!   refused.
//! * It does not own the CLI, output formatting beyond JSON (all public types
//!   are `serde`), or the data directory's location (the caller passes it to
//!   [`Ledger::open_default`]).
//!
//! ## Stores
//! [`Ledger::open`] takes `sqlite://PATH`, `sqlite::memory:` or
//! `postgres://…` (optionally `?schema=NAME`). SQLite runs in WAL mode,
//! `synchronous=NORMAL` (a commit survives `kill -9`; a power loss may roll
//! back the last commits, never corrupt the file; `?synchronous=full` fsyncs
//! every commit), `foreign_keys=ON`, busy timeout 60 s. All SQL is shared by
//! both backends (`?` placeholders are rewritten for PostgreSQL; columns are
//! only `BIGINT` and `TEXT`, with dates, timestamps and JSON as text), so the
//! behaviour is the same on both.
//!
//! ## Transactions and concurrency
//! Every state change validates its input first, then runs **one
//! transaction** that changes the tables *and* appends its audit record(s).
//! Bad input therefore never changes stored data, and a crash leaves all of a
//! change or none of it. All writers **serialize on the audit head** (the
//! chain must be appended serially anyway): SQLite writers take the write
//! lock up front (`BEGIN IMMEDIATE`), PostgreSQL writers lock the
//! `audit_head` row first (`SELECT … FOR UPDATE`, READ COMMITTED). Inside that
//! lock "is quantity left?" and "deplete it" cannot race, so several
//! processes shipping against one license never exceed its cap; the
//! depleting `UPDATE … WHERE quantity_remaining >= ?` and
//! `CHECK (quantity_remaining >= 0)` are belts and braces. Lock timeouts,
//! serialization failures and deadlocks retry the whole transaction.
//!
//! ## Order checks
//! [`Ledger::check_order`] holds an order, listing every reason found, on: a
//! screening hit (not already adjudicated by a release of that order); an
//! active route suspension covering its item id or ECCN and destination; an
//! indeterminate determination; a license exception without a chosen symbol,
//! or `NAC`/`ACA` without a cleared NAC notification; a license requirement
//! without a usable license. Otherwise it ships — NLR, under the chosen
//! exception, under NAC with the returned number, or against the first usable
//! license (earliest `valid_to`, then number), depleted in the same
//! transaction that records the shipment. A license is usable when it covers
//! the item (an ECCN entry covers that paragraph and its sub-paragraphs; any
//! other entry is an item id) and destination, names the same consignee/end
//! user if it names any, is `granted`, the shipment date is within its
//! validity and enough quantity (and value, if capped) remains. License
//! conditions travel with the shipment; a revenue-share condition records the
//! amount due.
//!
//! `order_ref` is the idempotency key: re-checking a shipped or held order
//! returns the stored result (`replayed: true`) and writes nothing; the same
//! reference with different contents is an error. A hold is released only
//! with a reason and a user ([`Ledger::release_hold`], recorded); the order
//! can then be checked again, which re-evaluates it (that is how a held order
//! ships once a license is granted or a route resumed). A release never
//! ships anything by itself.
//!
//! ## Licenses
//! `applied → granted | rejected`, `granted ⇄ suspended`,
//! `applied | granted | suspended → revoked`; `expired` is derived from
//! `valid_to` and never stored. Invalid transitions and changes to an expired
//! license are errors. Suspending a license or a route holds what it covers
//! until it is resumed.
//!
//! ## Audit trail
//! Every determination (order check, with inputs, engine version, rule-set
//! version, list snapshot id, user and time), license change, NAC change,
//! hold, release and route change is appended to `audit_log`.
//! `hash = SHA-256("chipgate-audit-v1" ‖ seq ‖ ts ‖ user ‖ kind ‖ subject ‖
//! event_date ‖ payload ‖ engine_version ‖ ruleset_id ‖ list_snapshot_id ‖
//! prev_hash)`, hex, where `seq` is 8 bytes big-endian and each text field is
//! `0x01 ‖ length (8 bytes BE) ‖ UTF-8` (`0x00` for NULL); the payload is
//! hashed as the exact stored text. [`Ledger::verify_audit`] streams the
//! chain and reports the first broken seq and why: an edited record (hash
//! mismatch), a deleted record (seq gap), deleted tail records (the
//! `audit_head` row, updated in the same transaction as every append, points
//! past the last record), an inserted record (beyond the head, or in the
//! middle with later records renumbered), or a rewritten predecessor
//! (`prev_hash` mismatch). In the same scan it replays the records into the
//! business rows they imply and compares every table with them, reporting
//! every difference (table, key, column, found, expected, the establishing
//! seqs; missing and extra rows): a license cap raised in SQL or a deleted
//! shipment no longer verifies. Writes refuse to append when the head record
//! does not rehash to the recorded head ([`LedgerError::AuditHeadBroken`]).
//! Whoever can rewrite the whole chain *and* the head
//! cannot be caught from inside the database: [`VerifyReport::head_hash`] is
//! the value to keep elsewhere. [`Ledger::export_audit`] writes JSON lines
//! or CSV, each record with its retention date; every hash can be recomputed
//! from the export ([`AuditRecord::compute_hash`]).
//!
//! ## Retention (15 CFR 762.6)
//! Records must be kept five years from the latest of the export, any known
//! reexport, transshipment or diversion, or any other termination of the
//! transaction. The ledger applies that per *subject* (`order:REF`,
//! `license:NUMBER`, `route:ITEM:DEST`, `nac:ID`): each record carries its
//! qualifying `event_date` (the shipment date for a shipment; the license's
//! `valid_to` when a license is recorded, since expiry is its termination at
//! the earliest; the record's own date otherwise), a shipment also advances
//! its license's latest event ("last use"), and every record of a subject is
//! retained until the subject's latest event + 5 years (February 29 + 5 years
//! = March 1). Retention dates only ever grow. [`Ledger::purge_audit`] removes
//! only a prefix of the chain, refuses (deleting nothing) if any record in it
//! is under retention or the chain does not verify, keeps the last removed
//! record's hash as the anchor so the rest still verifies, and records the
//! purge. Business tables are never purged. Records a government agency has
//! asked for (762.6(b)) are not modelled: do not purge while such a request
//! is open.
//!
//! ## Example
//! ```
//! use chipgate_ledger::*;
//! let mut l = Ledger::open("sqlite::memory:")?;
//! let now = Timestamp::parse("2025-08-12T09:00:00Z")?;
//! l.add_license(&NewLicense {
//!     number: "D100".into(), holder: "Acme".into(),
//!     items: vec!["nvidia-h20".into()], destinations: vec!["CN".into()],
//!     consignee: None, end_user: None, quantity_cap: 100, value_cap_cents: None,
//!     valid_from: "2025-08-01".into(), valid_to: "2026-07-31".into(),
//!     conditions: vec![Condition::RevenueShare { percent: 15.0 }],
//!     status: LicenseStatus::Granted,
//! }, "officer", now)?;
//! let order = OrderRequest {
//!     order_ref: "SO-1".into(), item_id: "nvidia-h20".into(), eccn: vec![],
//!     destination: "CN".into(), quantity: 40, unit_value_cents: Some(1_200_000),
//!     consignee: None, end_user: None, date: "2025-08-12".parse()?, license: None,
//!     inputs: Default::default(),
//! };
//! let det = DeterminationSummary {
//!     license_required: true, outcome: Outcome::LicenseRequired, exception: None,
//!     reasons: vec![], screening_hits: vec![], engine_version: "1".into(),
//!     ruleset_id: "r1".into(), list_snapshot_id: None, report: serde_json::json!({}),
//! };
//! let r = l.check_order(&order, &det, "officer", now)?;
//! assert!(r.is_shipped());
//! assert!(l.verify_audit()?.ok);
//! # Ok::<(), LedgerError>(())
//! ```

mod audit;
mod db;
mod error;
mod ledger;
mod licenses;
mod lists;
mod merkle;
mod migrate;
mod model;
mod orders;
mod parties;
mod review;
mod snapshots;
mod state;
mod time;
mod validate;

pub use audit::{retention_until, GENESIS_HASH, RETENTION_YEARS};
pub use chipgate_model::{Date, DateError};
pub use db::BackendKind;
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::{LedgerError, Result};
pub use ledger::{Ledger, DEFAULT_DB_FILE};
pub use licenses::NAC_CLOCK_DAYS;
pub use lists::{HoldKey, HoldQuery, HoldSort, HoldStatus};
pub use merkle::{
    inclusion_path, leaf_hash, load_or_create_key, node_hash, parse_public_key, root_from_path, tree_head, Checkpoint,
    CheckpointReport, CheckpointWriter, InclusionProof, TreeHead, WrittenCheckpoint,
};
pub use migrate::SCHEMA_VERSION;
pub use model::*;
pub use parties::{FoundHit, NewParty, Party, PartyResult, ScreenScope, ScreeningOutcome};
pub use review::{Clearance, ClearedParty, HeldClearance, ReviewAction, ReviewFilter, ReviewItem, ReviewQuery};
pub use snapshots::{ListImport, NewListSnapshot, SnapshotEntry, SnapshotFile, StoredListSnapshot};
pub use time::Timestamp;
pub use validate::parse_quantity;

/// Version of this crate, recorded by callers that want it in reports.
pub const LEDGER_VERSION: &str = env!("CARGO_PKG_VERSION");
