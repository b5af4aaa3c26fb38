//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong while loading lists, checking snapshots or screening.
///
/// Messages are lowercase, put user-supplied values in backticks and name the
/// file, line and field where one is known, for example
/// "`sdn.csv` line 17: expected 12 fields, found 3".
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ScreenError {
    /// A name to screen or to score is empty after trimming.
    #[error("the name is empty")]
    EmptyName,
    /// A name has no letters or digits at all (only punctuation, symbols or spaces).
    #[error("the name `{0}` has no letters or digits")]
    NoNameCharacters(String),
    /// A name is longer than [`crate::MAX_NAME_BYTES`].
    #[error("the name is {len} bytes long; the limit is {max} bytes")]
    NameTooLong {
        /// Length of the rejected name in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A country code is not two ASCII letters.
    #[error("the country `{0}` is not an ISO 3166-1 alpha-2 code (two letters, e.g. `CN`)")]
    BadCountry(String),
    /// A threshold outside [0, 1].
    #[error("the threshold `{0}` is not within 0 and 1")]
    BadThreshold(String),
    /// Bytes that are not UTF-8 in a list file.
    #[error("`{file}` line {line}: invalid UTF-8 (byte offset {offset})")]
    InvalidUtf8 {
        /// File name as given by the caller.
        file: String,
        /// 1-based line number.
        line: u64,
        /// Byte offset of the first invalid byte in the file.
        offset: u64,
    },
    /// A record with the wrong number of fields.
    #[error("`{file}` line {line}: expected {expected} fields, found {found}")]
    FieldCount {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// Fields the layout has.
        expected: usize,
        /// Fields the record has.
        found: usize,
    },
    /// A required field is empty or malformed.
    #[error("`{file}` line {line}: field `{field}`: {problem}")]
    BadField {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// Field (column) name.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A CSV header that does not match any supported layout.
    #[error("`{file}` line 1: unexpected header: {problem}")]
    BadHeader {
        /// File name.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// CSV that cannot be parsed at all (for example an unterminated quote).
    #[error("`{file}` line {line}: malformed CSV: {problem}")]
    Csv {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// Parser message.
        problem: String,
    },
    /// JSON that cannot be parsed or does not have the expected layout.
    #[error("`{file}` line {line} column {column}: {problem}")]
    Json {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// Parser message.
        problem: String,
    },
    /// XML that cannot be parsed, is truncated or lacks the expected elements.
    #[error("`{file}` byte {offset}: {problem}")]
    Xml {
        /// File name.
        file: String,
        /// Byte offset where the problem was found.
        offset: u64,
        /// What is wrong.
        problem: String,
    },
    /// A list file with no entries at all.
    #[error("`{0}` holds no list entries")]
    NoEntries(String),
    /// A list file whose format could not be recognised.
    #[error("`{0}`: unknown list format (expected CSL JSON, trade.gov CSL CSV, OFAC legacy CSV, UN XML or a `name,country,note` CSV)")]
    UnknownFormat(String),
    /// Snapshot integrity: a source that was present before is now empty.
    #[error(
        "source `{source_code}` is empty in the new snapshot (it had {previous} entries); refusing it unless forced"
    )]
    SourceEmptied {
        /// Source code, e.g. `EL`.
        source_code: String,
        /// Entries it had in the previous snapshot.
        previous: usize,
    },
    /// Snapshot integrity: a source shrank by more than the data's `import.max_shrink`.
    #[error("source `{source_code}` shrank from {previous} to {current} entries ({percent:.1}% fewer, more than the {limit:.0}% allowed); refusing it unless forced")]
    SourceShrank {
        /// Source code.
        source_code: String,
        /// Entries before.
        previous: usize,
        /// Entries now.
        current: usize,
        /// Shrink in percent.
        percent: f64,
        /// The limit in percent.
        limit: f64,
    },
    /// The list settings (`lists/lists.toml`) are malformed.
    #[error("`{file}`: {problem}")]
    Settings {
        /// The settings file.
        file: String,
        /// What is wrong, naming the field.
        problem: String,
    },
    /// An I/O error while reading or writing a stream handed in by the caller.
    #[error("`{file}`: {problem}")]
    Io {
        /// Name of the stream.
        file: String,
        /// The I/O message.
        problem: String,
    },
}
