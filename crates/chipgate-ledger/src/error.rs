//! The ledger's error type. Messages are written for the export-compliance
//! officer who typed the command, not for the developer.

use thiserror::Error;

/// Everything that can go wrong in the ledger.
///
/// Input errors (every variant except [`LedgerError::Database`],
/// [`LedgerError::Integrity`], [`LedgerError::Io`], [`LedgerError::Json`]
/// and [`LedgerError::Migration`]) are raised before anything is written or
/// inside a transaction that is then rolled back, so they never change stored
/// data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The `--db` URL is not `sqlite://PATH`, `sqlite::memory:` or `postgres://…`.
    #[error("unsupported database URL `{0}`: use sqlite://PATH, sqlite::memory: or postgres://…")]
    UnsupportedUrl(String),
    /// A PostgreSQL URL was given but the crate was built without the `postgres` feature.
    #[error("this build has no PostgreSQL support (feature `postgres` is off)")]
    PostgresDisabled,
    /// No license has this number.
    #[error("unknown license `{0}`")]
    UnknownLicense(String),
    /// A license with this number already exists.
    #[error("license `{0}` already exists")]
    DuplicateLicense(String),
    /// No order has this reference.
    #[error("unknown order `{0}`")]
    UnknownOrder(String),
    /// No NAC notification has this id.
    #[error("unknown NAC notification `{0}`")]
    UnknownNac(String),
    /// A NAC notification with this id already exists.
    #[error("NAC notification `{0}` already exists")]
    DuplicateNac(String),
    /// A quantity was zero, negative or too large.
    #[error("quantity must be a positive integer, got `{0}`")]
    InvalidQuantity(String),
    /// A money amount (cents) was negative or too large.
    #[error("{field} must be a non-negative amount in cents, got `{value}`")]
    InvalidAmount {
        /// Which amount.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// quantity × unit value overflows.
    #[error("order value overflows: {quantity} × {unit_value_cents} cents")]
    ValueOverflow {
        /// Ordered quantity.
        quantity: i64,
        /// Unit value in cents.
        unit_value_cents: i64,
    },
    /// Not a `YYYY-MM-DD` calendar date (the model's message: the text and what is wrong).
    #[error(transparent)]
    InvalidDate(#[from] chipgate_model::DateError),
    /// Not an RFC 3339 UTC timestamp or unix seconds.
    #[error("invalid timestamp `{0}`: expected RFC 3339 (2025-04-15T09:30:00Z) or unix seconds")]
    InvalidTimestamp(String),
    /// `valid_from` is after `valid_to`.
    #[error("license validity starts on {from} but ends on {to}")]
    InvalidValidity {
        /// Start of validity.
        from: String,
        /// End of validity.
        to: String,
    },
    /// A status string is not one of the known statuses.
    #[error("unknown license status `{0}`: expected applied, granted, rejected, suspended or revoked")]
    UnknownStatus(String),
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// A field has a malformed value.
    #[error("invalid {field} `{value}`: {why}")]
    InvalidField {
        /// Which field.
        field: &'static str,
        /// What was given.
        value: String,
        /// What is expected.
        why: &'static str,
    },
    /// An input (a checkpoint's field, a proof's size, a key) is malformed.
    #[error("invalid {field}: {message}")]
    BadInput {
        /// Which input.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A read-only command named a store that does not exist (nothing was created).
    #[error("no ledger at {store}: check the path or schema (read-only commands do not create one)")]
    NoStore {
        /// The SQLite file, or the PostgreSQL server and schema.
        store: String,
    },
    /// A checkpoint's signature does not verify with the key given.
    #[error("the checkpoint's signature does not verify with public key {key}")]
    CheckpointSignature {
        /// The key used, hex.
        key: String,
    },
    /// The installation's signing key file cannot be read or created.
    #[error("signing key `{path}`: {message}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A periodic checkpoint's file cannot be written.
    #[error("checkpoint file `{path}`: {message}")]
    CheckpointFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Records at the start of the log were purged, so its tree cannot be recomputed.
    #[error("audit records before {first} were purged: the Merkle tree over the log cannot be recomputed")]
    PurgedPrefix {
        /// The first record kept.
        first: u64,
    },
    /// A structured license condition is malformed.
    #[error("invalid condition: {0}")]
    InvalidCondition(String),
    /// A license status change that its state machine forbids.
    #[error("cannot {action} license `{number}`: it is {status}")]
    InvalidTransition {
        /// License number.
        number: String,
        /// What was attempted (suspend, resume, revoke, grant, reject).
        action: &'static str,
        /// Its current status.
        status: String,
    },
    /// The license expired before the date it was needed for.
    #[error("license `{number}` expired on {valid_to}")]
    LicenseExpired {
        /// License number.
        number: String,
        /// Last day of validity.
        valid_to: String,
    },
    /// A hold release without a reason.
    #[error("a release needs a reason")]
    ReleaseWithoutReason,
    /// An order dated before today would ship against a license that has expired by today,
    /// and no reason for recording it late was given.
    #[error(
        "order `{order_ref}` is dated {date}, before today ({today}), and would ship against license \
         `{license}`, which expired on {valid_to}: recording it needs `backdated`, the reason it is \
         recorded late (--backdated REASON)"
    )]
    BackdatedWithoutReason {
        /// Order reference.
        order_ref: String,
        /// The order's (shipment) date.
        date: String,
        /// The day it is recorded.
        today: String,
        /// The license it would ship against.
        license: String,
        /// That license's last day.
        valid_to: String,
    },
    /// A state change that needs a reason got none.
    #[error("{0} needs a reason")]
    ReasonRequired(&'static str),
    /// The order has no open hold.
    #[error("order `{order_ref}` is not held{detail}")]
    NotHeld {
        /// Order reference.
        order_ref: String,
        /// Extra context (already released by whom, or shipped).
        detail: String,
    },
    /// The order reference was used before with different contents.
    #[error(
        "order `{order_ref}` was already checked with different {}: {}; use a new order reference",
        if fields.len() == 1 { "contents in" } else { "contents in these fields" },
        fields.join(", ")
    )]
    OrderConflict {
        /// Order reference.
        order_ref: String,
        /// The request fields that differ from the recorded check (at least one).
        fields: Vec<String>,
    },
    /// The determination handed in contradicts itself.
    #[error("inconsistent determination: {0}")]
    InconsistentDetermination(String),
    /// The route is already suspended.
    #[error("route {item} → {destination} is already suspended")]
    RouteAlreadySuspended {
        /// Item id or ECCN paragraph.
        item: String,
        /// ISO country code.
        destination: String,
    },
    /// The route is not suspended.
    #[error("route {item} → {destination} is not suspended")]
    RouteNotSuspended {
        /// Item id or ECCN paragraph.
        item: String,
        /// ISO country code.
        destination: String,
    },
    /// NAC notification state change that is not allowed.
    #[error("NAC notification `{id}` is {status}; cannot {action}")]
    InvalidNacTransition {
        /// Notification id.
        id: String,
        /// Current status.
        status: String,
        /// Attempted action.
        action: &'static str,
    },
    /// A caller-recorded audit event uses a kind the ledger reserves.
    #[error("audit kind `{0}` is reserved for the ledger itself")]
    ReservedAuditKind(String),
    /// Purge would delete records still under the Part 762 retention period.
    #[error("cannot purge: audit record {seq} ({subject}) must be retained until {retain_until} (15 CFR 762.6)")]
    UnderRetention {
        /// First offending record.
        seq: u64,
        /// Its subject.
        subject: String,
        /// Its retention date.
        retain_until: String,
    },
    /// Purge refuses because the audit chain does not verify.
    #[error("cannot purge: the audit log does not verify ({0})")]
    AuditBroken(String),
    /// The audit log's head record does not verify (edited, deleted, or not
    /// the recorded head), so nothing is appended to it.
    #[error(
        "refusing to write: the audit log's head (record {seq}) does not verify: {detail}; run `chipgate audit verify`"
    )]
    AuditHeadBroken {
        /// The head seq.
        seq: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// The database schema was written by a newer chipgate or an applied
    /// migration file was edited.
    #[error("migration error: {0}")]
    Migration(String),
    /// A database constraint rejected a write (named by the constraint, not
    /// by the message text). Input is validated first, so this indicates a
    /// bug or a concurrent writer outside the ledger.
    #[error("database constraint `{constraint}` rejected the write")]
    Integrity {
        /// Constraint (or `table.column`) name.
        constraint: String,
    },
    /// The store holds data this version cannot read.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// An error from the database driver.
    #[error("database error: {0}")]
    Database(String),
    /// Reading or writing a file or export stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// JSON (de)serialization failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl LedgerError {
    /// Whether the error concerns the store rather than the input: the store
    /// is unreachable or unusable (driver, I/O, URL, migration errors), holds
    /// data this version cannot read, or is inconsistent (a constraint that
    /// validated input should never hit, an audit log that does not verify).
    /// Retrying the same input elsewhere in a run will fail the same way, so a
    /// batch stops and a worker leaves the message for redelivery. Every other
    /// variant is about one order's (or request's) input and changed nothing:
    /// report it for that input and go on.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            LedgerError::Database(_)
                | LedgerError::Io(_)
                | LedgerError::Json(_)
                | LedgerError::Migration(_)
                | LedgerError::Corrupt(_)
                | LedgerError::Integrity { .. }
                | LedgerError::AuditBroken(_)
                | LedgerError::AuditHeadBroken { .. }
                | LedgerError::UnsupportedUrl(_)
                | LedgerError::PostgresDisabled
        )
    }

    /// Whether retrying the whole transaction may succeed (lock timeouts,
    /// PostgreSQL serialization failures and deadlocks).
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, LedgerError::Database(m) if m.starts_with(TRANSIENT_TAG))
    }
}

/// Prefix marking a transient driver error in [`LedgerError::Database`].
pub(crate) const TRANSIENT_TAG: &str = "transient: ";

/// Shorthand for results in this crate.
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
