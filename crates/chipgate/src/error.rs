//! Errors for the person at the terminal, and how they leave the process: exit code 64
//! (`EX_USAGE`) for a command used wrongly, 1 for any other error; text on standard error, or
//! with `--format json` one object `{"error": {"code", "message", "field"}}` on standard output.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use chipgate_engine::{CatalogError, ClassifyError, DecideError, EngineError, RulesError, ScreenError, SpecError};
use chipgate_ledger::LedgerError;
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// Exit status of a usage error (sysexits `EX_USAGE`): a flag mistyped, missing or malformed.
pub(crate) const EXIT_USAGE: u8 = 64;
/// Exit status of any other error.
pub(crate) const EXIT_ERROR: u8 = 1;

/// An error for the person at the terminal.
#[derive(Debug)]
pub(crate) enum CliError {
    /// From classification.
    Classify(ClassifyError),
    /// From license determination.
    Decide(DecideError),
    /// From screening.
    Screen(ScreenError),
    /// From the ledger.
    Ledger(LedgerError),
    /// A spec file.
    Spec(SpecError),
    /// Reading a file.
    File { path: String, source: io::Error },
    /// Writing output.
    Output(io::Error),
    /// The command was used wrongly: a flag is missing or its value malformed (exit 64).
    Usage {
        /// `missing_argument` or `invalid_value`.
        code: &'static str,
        /// The flag or argument at fault, e.g. `--date`.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An input the engine refused (the field is the request field it names).
    Invalid { field: String, message: String },
    /// Anything else that stopped the command (a batch, the worker, the server).
    Failed(String),
}

impl CliError {
    /// A flag value that cannot be used: `--date 2024-13-01`, `--threshold 2`. The message
    /// reads `FLAG: PROBLEM`.
    pub(crate) fn invalid_value(flag: &str, problem: impl fmt::Display) -> CliError {
        CliError::Usage {
            code: "invalid_value",
            field: Some(flag.to_owned()),
            message: format!("{flag}: {problem}"),
        }
    }

    /// A flag or argument the command needs and did not get.
    pub(crate) fn missing(flag: &str, message: impl Into<String>) -> CliError {
        CliError::Usage {
            code: "missing_argument",
            field: Some(flag.to_owned()),
            message: message.into(),
        }
    }

    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// The code, message and field to report, and the exit status.
    pub(crate) fn report(&self) -> Report {
        let (code, field) = self.code_and_field();
        Report {
            code,
            message: self.to_string(),
            field,
            exit: match self {
                CliError::Usage { .. } => EXIT_USAGE,
                _ => EXIT_ERROR,
            },
        }
    }

    fn code_and_field(&self) -> (&'static str, Option<String>) {
        match self {
            CliError::Classify(e) => classify_code(e),
            CliError::Decide(e) => decide_code(e),
            CliError::Screen(e) => screen_code(e),
            CliError::Ledger(e) => ledger_code(e),
            CliError::Spec(e) => ("invalid_spec", Some(e.field.clone())),
            CliError::File { .. } => ("file", None),
            CliError::Output(_) => ("output", None),
            CliError::Usage { code, field, .. } => (code, field.clone()),
            CliError::Invalid { field, .. } => ("invalid_field", Some(field.clone())),
            CliError::Failed(_) => ("failed", None),
        }
    }
}

fn classify_code(e: &ClassifyError) -> (&'static str, Option<String>) {
    match e {
        ClassifyError::Catalog(CatalogError::UnknownChip { .. }) => ("unknown_item", Some("item".to_owned())),
        ClassifyError::Catalog(CatalogError::Spec(spec)) => ("invalid_spec", Some(spec.field.clone())),
        ClassifyError::Rules(RulesError::OutOfScope { .. }) => ("date_out_of_scope", Some("date".to_owned())),
        _ => ("reference_data", None),
    }
}

fn decide_code(e: &DecideError) -> (&'static str, Option<String>) {
    match e {
        DecideError::Classify(inner) => classify_code(inner),
        DecideError::UnknownCountry { field, .. } => ("unknown_country", Some(field.clone())),
        DecideError::Invalid { field, .. } => ("invalid_field", Some(field.clone())),
        DecideError::Contradiction(_) => ("contradiction", None),
        _ => ("reference_data", None),
    }
}

fn screen_code(e: &ScreenError) -> (&'static str, Option<String>) {
    let field = match e {
        ScreenError::EmptyName | ScreenError::NoNameCharacters(_) | ScreenError::NameTooLong { .. } => "name",
        ScreenError::BadCountry(_) => "country",
        ScreenError::BadThreshold(_) => "threshold",
        _ => return ("screening", None),
    };
    ("invalid_field", Some(field.to_owned()))
}

fn ledger_code(e: &LedgerError) -> (&'static str, Option<String>) {
    let field = |name: &str| Some(name.to_owned());
    match e {
        LedgerError::UnknownLicense(_) => ("license_not_found", None),
        LedgerError::UnknownOrder(_) => ("order_not_found", None),
        LedgerError::UnknownNac(_) => ("nac_not_found", None),
        LedgerError::DuplicateLicense(_)
        | LedgerError::DuplicateNac(_)
        | LedgerError::InvalidTransition { .. }
        | LedgerError::LicenseExpired { .. }
        | LedgerError::NotHeld { .. }
        | LedgerError::RouteAlreadySuspended { .. }
        | LedgerError::RouteNotSuspended { .. }
        | LedgerError::InvalidNacTransition { .. } => ("conflict", None),
        LedgerError::OrderConflict { fields, .. } => ("conflict", fields.first().cloned()),
        LedgerError::BadInput { field: name, .. } => ("invalid_field", Some(name.clone())),
        LedgerError::CheckpointSignature { .. } | LedgerError::PurgedPrefix { .. } => ("checkpoint", None),
        LedgerError::KeyFile { .. } => ("key_file", None),
        LedgerError::NoStore { .. } => ("no_store", field("--db")),
        LedgerError::InvalidQuantity(_) => ("invalid_field", field("quantity")),
        LedgerError::InvalidAmount { field: name, .. }
        | LedgerError::InvalidField { field: name, .. }
        | LedgerError::Empty(name) => ("invalid_field", field(name)),
        LedgerError::InvalidValidity { .. } => ("invalid_field", field("valid_to")),
        LedgerError::UnknownStatus(_) => ("invalid_field", field("status")),
        LedgerError::InvalidCondition(_) => ("invalid_field", field("conditions")),
        LedgerError::InvalidDate(_) => ("invalid_field", None),
        LedgerError::ReleaseWithoutReason | LedgerError::ReasonRequired(_) => ("invalid_field", field("reason")),
        LedgerError::BackdatedWithoutReason { .. } => ("invalid_field", field("--backdated")),
        _ => ("ledger", None),
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Classify(e) => write!(f, "{e}"),
            CliError::Decide(e) => write!(f, "{e}"),
            CliError::Screen(e) => write!(f, "{e}"),
            CliError::Ledger(e) => write!(f, "{e}"),
            CliError::Spec(e) => write!(f, "invalid spec: {e}"),
            CliError::File { path, source } => write!(f, "cannot read `{path}`: {source}"),
            CliError::Output(e) => write!(f, "cannot write output: {e}"),
            CliError::Usage { message, .. } => f.write_str(message),
            CliError::Invalid { field, message } => write!(f, "`{field}`: {message}"),
            CliError::Failed(message) => f.write_str(message),
        }
    }
}

impl From<ClassifyError> for CliError {
    fn from(e: ClassifyError) -> Self {
        CliError::Classify(e)
    }
}

impl From<DecideError> for CliError {
    fn from(e: DecideError) -> Self {
        match e {
            DecideError::Classify(inner) => CliError::Classify(inner),
            other => CliError::Decide(other),
        }
    }
}

impl From<ScreenError> for CliError {
    fn from(e: ScreenError) -> Self {
        CliError::Screen(e)
    }
}

impl From<LedgerError> for CliError {
    fn from(e: LedgerError) -> Self {
        CliError::Ledger(e)
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Decide(d) => d.into(),
            EngineError::Screen(s) => CliError::Screen(s),
            EngineError::Ledger(l) => CliError::Ledger(l),
            EngineError::Invalid { field, message } => CliError::Invalid { field, message },
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Output(e)
    }
}

/// What is reported about an error, in text or JSON, and the exit status.
#[derive(Debug)]
pub(crate) struct Report {
    /// snake_case, e.g. `unknown_argument`, `unknown_item`.
    pub(crate) code: &'static str,
    /// For people: lowercase, no final period.
    pub(crate) message: String,
    /// The flag, argument or request field at fault, if one is.
    pub(crate) field: Option<String>,
    /// 64 or 1.
    pub(crate) exit: u8,
}

impl Report {
    /// Prints the report as JSON on standard output, or as `error: …` on standard error.
    pub(crate) fn emit(&self, json: bool) -> ExitCode {
        if json {
            let body = serde_json::json!({
                "error": { "code": self.code, "message": self.message, "field": self.field }
            });
            let mut out = io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, &body);
            let _ = writeln!(out);
        } else {
            let _ = writeln!(io::stderr().lock(), "error: {}", self.message);
        }
        ExitCode::from(self.exit)
    }
}

/// Whether the command line asks for `--format json` (read from the raw arguments, for the
/// errors clap reports before there are parsed flags). The last `--format` wins.
pub(crate) fn json_requested(args: &[OsString]) -> bool {
    let mut json = false;
    let mut tokens = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(token) = tokens.next() {
        if token == "--" {
            break;
        }
        if token == "--format" {
            json = tokens.next().is_some_and(|value| value == "json");
        } else if let Some(value) = token.strip_prefix("--format=") {
            json = value == "json";
        }
    }
    json
}

/// Reports an error of clap's: help and version exit 0, everything else is a usage error.
pub(crate) fn clap_failed(error: &clap::Error, json: bool) -> ExitCode {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    if !json {
        let _ = error.print();
        return ExitCode::from(EXIT_USAGE);
    }
    clap_report(error).emit(true)
}

fn clap_report(error: &clap::Error) -> Report {
    Report {
        code: clap_code(error.kind()),
        message: clap_message(error),
        field: clap_field(error),
        exit: EXIT_USAGE,
    }
}

fn clap_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::UnknownArgument => "unknown_argument",
        ErrorKind::InvalidSubcommand => "unknown_subcommand",
        ErrorKind::MissingRequiredArgument => "missing_argument",
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "missing_subcommand",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8 | ErrorKind::NoEquals => {
            "invalid_value"
        }
        ErrorKind::ArgumentConflict => "argument_conflict",
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => "wrong_number_of_values",
        _ => "usage",
    }
}

/// clap's first line without `error: `, with its tips (`tip: a similar argument exists: …`);
/// for a command that needs a subcommand (clap renders its help), the usage line.
fn clap_message(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return match rendered.lines().find_map(|line| line.trim().strip_prefix("Usage: ")) {
            Some(usage) => format!("a subcommand is required: `{usage}` (see `--help`)"),
            None => "a subcommand is required (see `--help`)".to_owned(),
        };
    }
    let mut lines = rendered.lines().map(str::trim).filter(|line| !line.is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    for tip in lines.filter(|line| line.starts_with("tip:")) {
        message.push_str("; ");
        message.push_str(tip);
    }
    message
}

/// The flag or argument clap names, without its value name: `--qty <N>` → `--qty`.
fn clap_field(error: &clap::Error) -> Option<String> {
    let arg = match error.get(ContextKind::InvalidArg)? {
        ContextValue::String(arg) => arg.clone(),
        ContextValue::Strings(args) => args.first()?.clone(),
        _ => return None,
    };
    let name = arg.split([' ', '=']).next().unwrap_or(&arg);
    Some(name.trim_matches(['<', '>']).to_owned())
}
