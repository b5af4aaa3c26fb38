//! Command-line flags (clap derive), kept apart from what the commands do.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::CliError;

/// chipgate: export-control classification and license determination for AI chips.
#[derive(Debug, Parser)]
#[command(name = "chipgate", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Read reference data from this directory instead of the bundled copy.
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Output format: text or json (errors too: one JSON object on standard output); `chipgate
    /// batch` writes csv (its default) or jsonl. Before or after the subcommand.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<FormatArg>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The values `--format` accepts; each command takes the ones that fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// For people (the default).
    Text,
    /// One JSON object (the stable interface).
    Json,
    /// `chipgate batch`: the input columns and the determination's summary (its default).
    Csv,
    /// `chipgate batch`: JSON lines, each with the full decision object.
    Jsonl,
}

/// Output format of every command but `chipgate batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON object (the stable interface).
    Json,
}

/// Output format of `chipgate batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum BatchFormat {
    /// CSV: the input columns and the determination's summary.
    #[default]
    Csv,
    /// JSON lines, each with the full decision object (slower, much larger).
    Jsonl,
}

impl Cli {
    /// The output format of a command other than `batch`.
    pub(crate) fn output_format(&self) -> Result<Format, CliError> {
        match self.format {
            None | Some(FormatArg::Text) => Ok(Format::Text),
            Some(FormatArg::Json) => Ok(Format::Json),
            Some(other @ (FormatArg::Csv | FormatArg::Jsonl)) => Err(CliError::invalid_value(
                "--format",
                format!("`{}` is for `chipgate batch`; use `text` or `json`", other.name()),
            )),
        }
    }

    /// The output format of `chipgate batch`.
    pub(crate) fn batch_format(&self) -> Result<BatchFormat, CliError> {
        match self.format {
            None | Some(FormatArg::Csv) => Ok(BatchFormat::Csv),
            Some(FormatArg::Jsonl) => Ok(BatchFormat::Jsonl),
            Some(other @ (FormatArg::Text | FormatArg::Json)) => Err(CliError::invalid_value(
                "--format",
                format!("`chipgate batch` writes `csv` or `jsonl`, not `{}`", other.name()),
            )),
        }
    }
}

impl FormatArg {
    fn name(self) -> &'static str {
        match self {
            FormatArg::Text => "text",
            FormatArg::Json => "json",
            FormatArg::Csv => "csv",
            FormatArg::Jsonl => "jsonl",
        }
    }
}

/// `--qty`: a whole number of units; `-5` is refused here, as a usage error.
fn quantity(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| "must be a whole number of units, 0 or more".to_owned())
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the chip catalog, or show one record with its sources.
    Chips(ChipsArgs),
    /// Classify a chip (ECCN 3A090/4A090) on a date, with trace and headroom.
    Classify(ClassifyArgs),
    /// Classification under every rule version, and what changed; with --to, the license determination over time.
    Timeline(TimelineArgs),
    /// License determination for an item, destination, parties, end use and date.
    Decide(DecideArgs),
    /// Screen a party name against the restricted-party lists.
    Screen(ScreenArgs),
    /// Restricted-party list snapshots in the store: show them, import the day's lists (what
    /// changed, integrity guards), activate one (roll back).
    Lists(ListsArgs),
    /// The party master: add, import, list and show parties with their screening status.
    Party(LedgerArgs<PartyAction>),
    /// The review queue: parties' hits to clear (tied to the entry's content) or escalate.
    Review(LedgerArgs<ReviewAction>),
    /// Re-screen every stored party against the lists in use; new hits go to the review queue.
    Rescreen(RescreenArgs),
    /// Record and manage licenses.
    License(LedgerArgs<LicenseAction>),
    /// Suspend or resume a route (item × destination).
    Route(LedgerArgs<RouteAction>),
    /// Check orders against determinations, screening and licenses; list and release holds.
    Order(LedgerArgs<OrderAction>),
    /// Record NAC notifications and the numbers BIS returns.
    Nac(LedgerArgs<NacAction>),
    /// Verify or export the audit trail.
    Audit(LedgerArgs<AuditAction>),
    /// List the rule versions, or validate a rules directory.
    Rules(RulesArgs),
    /// Serve the HTTP API and the web app (bundled data, SQLite ledger by default).
    Serve(ServeArgs),
    /// Decide, screen (and with --record, record) every line of an order book (CSV).
    Batch(BatchArgs),
    /// Write a synthetic order book (CSV) for tests and benchmarks.
    GenOrders(GenOrdersArgs),
    /// Take orders from a NATS JetStream stream, decide and record them, publish the results.
    Worker(WorkerArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `chipgate man | man -l -`.
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct ChipsArgs {
    #[command(subcommand)]
    pub(crate) action: Option<ChipsAction>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChipsAction {
    /// Show one record, every figure with its quality and sources.
    Show {
        /// Catalog id, e.g. `nvidia-h20`.
        id: String,
    },
}

/// Which item: a catalog id or a spec file.
#[derive(Debug, Args)]
pub(crate) struct ItemArgs {
    /// Catalog id, e.g. `nvidia-h100-sxm5`.
    #[arg(value_name = "ID", required_unless_present = "spec", conflicts_with = "spec")]
    pub(crate) id: Option<String>,
    /// A chip described in the catalog's TOML format.
    #[arg(long, value_name = "FILE")]
    pub(crate) spec: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ClassifyArgs {
    #[command(flatten)]
    pub(crate) item: ItemArgs,
    /// The date to classify for (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TimelineArgs {
    #[command(flatten)]
    pub(crate) item: ItemArgs,
    /// Destination: the timeline becomes the license determination over time.
    #[arg(long, value_name = "CC")]
    pub(crate) to: Option<String>,
    #[command(flatten)]
    pub(crate) parties: PartyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    pub(crate) action: Option<RulesAction>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesAction {
    /// Load and validate every rule file and chip record of a data directory.
    Check {
        /// The data directory (same layout as the repository's `data/`).
        dir: PathBuf,
    },
    /// Run scenario files (like `tests/scenarios/*.toml`): each scenario's answer against what
    /// it states; exit 1 when one differs. With --data-dir, against that data
    Test {
        /// Scenario files: `[[scenario]]` tables with item, date, outcome and source; with
        /// `to`, a license determination (reasons, policy, exceptions, parties), else a classification
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// The parties and circumstances of a shipment.
#[derive(Debug, Args, Default)]
pub(crate) struct PartyArgs {
    /// Quantity (units).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = quantity)]
    pub(crate) qty: Option<u64>,
    /// End user name (screened against the restricted-party lists: a strong match is listed,
    /// a possible one makes the answer indeterminate).
    #[arg(long, value_name = "NAME")]
    pub(crate) end_user: Option<String>,
    /// Consignee name (checked like the end user).
    #[arg(long, value_name = "NAME")]
    pub(crate) consignee: Option<String>,
    /// Where the end user is headquartered (ISO code or name).
    #[arg(long, value_name = "CC")]
    pub(crate) end_user_hq: Option<String>,
    /// Where the end user's ultimate parent is headquartered.
    #[arg(long, value_name = "CC")]
    pub(crate) parent_hq: Option<String>,
    /// End use: vocabulary ids, comma-separated (military, military_intelligence,
    /// supercomputer, advanced_node_ic_production, ai_training_for_military,
    /// technical_evaluation, civil), or free text; text that maps to none leaves the
    /// end-use rules undecided.
    #[arg(long, value_name = "TEXT")]
    pub(crate) end_use: Option<String>,
    /// Region of the destination where the rules distinguish them (Ukraine: crimea, dnr,
    /// lnr, other).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// The item's ECCN outside 3A090/4A090 as you classified it (e.g. 5A992.c), or EAR99.
    #[arg(long, value_name = "ECCN")]
    pub(crate) eccn: Option<String>,
    /// Whether a US person performs or supports the transaction (15 CFR 744.6).
    #[arg(long, value_name = "BOOL")]
    pub(crate) us_person: Option<bool>,
    /// An owner of the end user and its share, NAME=PERCENT (NAME=? when the share is not
    /// known); repeatable. Listed owners' shares aggregate under the Affiliates rule.
    #[arg(long, value_name = "NAME=PCT")]
    pub(crate) owner: Vec<String>,
    /// A parties file for larger ownership graphs: CSV with the header
    /// `party,owner,percent,source` (`party` as named in the order).
    #[arg(long, value_name = "FILE")]
    pub(crate) parties: Option<PathBuf>,
    /// Exporter (default: the item's manufacturer).
    #[arg(long, value_name = "NAME")]
    pub(crate) exporter: Option<String>,
    /// Apply provisions that are in the CFR text but not enforced (AI Diffusion rule).
    #[arg(long)]
    pub(crate) as_written: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DecideArgs {
    /// Catalog id of the item.
    #[arg(long, value_name = "ID", required_unless_present = "spec", conflicts_with = "spec")]
    pub(crate) item: Option<String>,
    /// The item described in the catalog's TOML format.
    #[arg(long, value_name = "FILE")]
    pub(crate) spec: Option<PathBuf>,
    /// Destination country (ISO code or name).
    #[arg(long, value_name = "CC")]
    pub(crate) to: String,
    #[command(flatten)]
    pub(crate) parties: PartyArgs,
    /// The date to decide for (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<String>,
    /// Store whose active list snapshot the parties are screened against (default:
    /// `ledger.sqlite3` in the data directory; without a store or a snapshot, the bundled
    /// list). Not created.
    #[arg(long, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ScreenArgs {
    #[command(subcommand)]
    pub(crate) action: Option<ScreenAction>,
    /// The name to screen.
    #[arg(value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// The party's country (ISO code): a signal for the score.
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// Search by identifier instead of name: entries whose list number or an identifier the
    /// list gives (registration number, unified social credit code, LEI, passport, …) equals
    /// VALUE exactly (letters and digits compared, case-insensitively).
    #[arg(long, value_name = "VALUE", conflicts_with_all = ["name", "batch"])]
    pub(crate) id: Option<String>,
    /// Screen against these list files instead of the bundled CSL (format detected).
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<PathBuf>,
    /// Cleared parties (CSV `name,country,note`): hits on them are suppressed with the reason.
    #[arg(long, value_name = "FILE")]
    pub(crate) cleared: Option<PathBuf>,
    /// Minimum score of a hit, 0..1 (default 0.80).
    #[arg(long, value_name = "T")]
    pub(crate) threshold: Option<f64>,
    /// Screen every row of a CSV file (`name[,country]`), streaming JSON lines.
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) batch: Option<PathBuf>,
    /// Store whose active list snapshot is screened against (default: `ledger.sqlite3` in the
    /// data directory; without a store or a snapshot, the bundled list). Not created.
    #[arg(long, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ScreenAction {
    /// Score `name1,name2` rows; writes `name1,name2,score,match` (the evaluation interface).
    Pairs {
        /// CSV file with name1,name2 rows.
        file: PathBuf,
    },
}

/// `chipgate lists`: without a subcommand, the snapshots in the store and the one in use.
#[derive(Debug, Args)]
pub(crate) struct ListsArgs {
    #[command(subcommand)]
    pub(crate) action: Option<ListsAction>,
    /// Store: `sqlite://PATH` or `postgres://…` (default: `ledger.sqlite3` in the data directory).
    #[arg(long, global = true, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
    /// Who is acting, recorded with every change. Default: $CHIPGATE_USER, else $USER.
    #[arg(long, global = true, value_name = "NAME", env = "CHIPGATE_USER")]
    pub(crate) user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ListsAction {
    /// Import list files as one snapshot and make it active: trade.gov CSL (JSON or CSV),
    /// OFAC legacy CSV (`sdn.csv` with its `alt.csv`/`add.csv`, or `cons_prim.csv` with
    /// `cons_alt.csv`/`cons_add.csv`), UN consolidated XML, an own `name,country,note` CSV.
    /// Reports what changed per list; refuses a list that disappears or shrinks sharply.
    Import {
        /// The list files (format detected; several make one snapshot).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Import and activate even when a list disappears or shrinks beyond the limit in
        /// `data/lists/lists.toml` (the findings are recorded with the snapshot).
        #[arg(long)]
        force: bool,
        /// The lists' date for files that carry none (the CSV formats).
        #[arg(long, value_name = "DATE")]
        source_date: Option<String>,
    },
    /// Make a stored snapshot the active one (roll back an import).
    Activate {
        /// Snapshot id, or a prefix of at least 8 hex digits.
        id: String,
        /// Why (recorded).
        #[arg(long)]
        reason: Option<String>,
    },
    /// What a snapshot changed against the list in use when it was imported.
    Diff {
        /// Snapshot id, or a prefix of at least 8 hex digits.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PartyAction {
    /// Add a party and screen it against the lists in use.
    Add {
        /// The party's name.
        name: String,
        /// Its country (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// An identifier (registration number, unified social credit code, LEI); repeatable.
        #[arg(long = "id", value_name = "ID")]
        identifiers: Vec<String>,
        /// An owner's name; repeatable.
        #[arg(long = "owner", value_name = "NAME")]
        owners: Vec<String>,
        /// Your own id for it (unique).
        #[arg(long, value_name = "ID")]
        external_id: Option<String>,
    },
    /// Import parties from a CSV file (columns `name,country,identifiers,owners,external_id`,
    /// several identifiers or owners separated by `;`) and screen them; all or none.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List the parties with their screening status.
    List,
    /// Show one party (id or external id) with its hits.
    Show {
        /// Party id or external id.
        party: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReviewAction {
    /// The hits to review (open and escalated); with --all, cleared ones too.
    List {
        /// Show cleared hits too.
        #[arg(long)]
        all: bool,
    },
    /// Clear a hit: tied to the content of the list entry hit, so it re-alerts when that
    /// entry changes.
    Clear {
        /// Party id or external id.
        party: String,
        /// The entry's key, as `review list` shows it.
        entry: String,
        /// Why it is not a match (recorded).
        #[arg(long)]
        reason: String,
        /// Last day the clearance holds (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// Escalate a hit for a second look (withdraws its clearance).
    Escalate {
        /// Party id or external id.
        party: String,
        /// The entry's key, as `review list` shows it.
        entry: String,
        /// Why (recorded).
        #[arg(long)]
        reason: String,
    },
}

/// `chipgate rescreen`: the stored parties not yet screened against the lists in use (with
/// `--full`, every party), screened and recorded.
#[derive(Debug, Args)]
pub(crate) struct RescreenArgs {
    /// Screen every stored party, also those already screened against the lists in use.
    #[arg(long)]
    pub(crate) full: bool,
    /// Store: `sqlite://PATH` or `postgres://…` (default: `ledger.sqlite3` in the data directory).
    #[arg(long, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
    /// Who is acting, recorded with every change. Default: $CHIPGATE_USER, else $USER.
    #[arg(long, value_name = "NAME", env = "CHIPGATE_USER")]
    pub(crate) user: Option<String>,
}

/// Options shared by every ledger command.
#[derive(Debug, Args)]
pub(crate) struct LedgerArgs<A: Subcommand> {
    #[command(subcommand)]
    pub(crate) action: A,
    /// Store: `sqlite://PATH` or `postgres://…` (default: `ledger.sqlite3` in the data directory).
    #[arg(long, global = true, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
    /// Who is acting, recorded with every change. Default: $CHIPGATE_USER, else $USER; a
    /// change with neither is refused.
    #[arg(long, global = true, value_name = "NAME", env = "CHIPGATE_USER")]
    pub(crate) user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LicenseAction {
    /// Record a license (or an application).
    Add(Box<LicenseAddArgs>),
    /// List licenses with remaining quantity and value.
    List(AsOf),
    /// Show one license with its shipments.
    Show {
        /// License number.
        number: String,
        #[command(flatten)]
        as_of: AsOf,
    },
    /// Grant an applied license.
    Grant(LicenseChange),
    /// Reject an applied license.
    Reject(LicenseChange),
    /// Suspend a license: what it covers is held until it is resumed.
    Suspend(LicenseChange),
    /// Resume a suspended license.
    Resume(LicenseChange),
    /// Revoke a license.
    Revoke(LicenseChange),
}

/// The date a license's status is shown for.
#[derive(Debug, Args)]
pub(crate) struct AsOf {
    /// Show the license's status as of this date (`expired` after its last valid day).
    /// Default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) as_of: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct LicenseChange {
    /// License number.
    pub(crate) number: String,
    /// Why (recorded).
    #[arg(long)]
    pub(crate) reason: String,
    #[command(flatten)]
    pub(crate) as_of: AsOf,
}

#[derive(Debug, Args)]
pub(crate) struct LicenseAddArgs {
    /// License number.
    #[arg(long)]
    pub(crate) number: String,
    /// License holder.
    #[arg(long)]
    pub(crate) holder: String,
    /// Items covered: catalog ids or ECCN paragraphs (repeat).
    #[arg(long = "item", required = true)]
    pub(crate) items: Vec<String>,
    /// Destinations covered, ISO codes (repeat).
    #[arg(long = "destination", required = true)]
    pub(crate) destinations: Vec<String>,
    /// Consignee named on the license.
    #[arg(long)]
    pub(crate) consignee: Option<String>,
    /// End user named on the license.
    #[arg(long)]
    pub(crate) end_user: Option<String>,
    /// Quantity cap (units).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = quantity)]
    pub(crate) qty: u64,
    /// Value cap in US dollars.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) value_usd: Option<f64>,
    /// First day valid.
    #[arg(long)]
    pub(crate) valid_from: String,
    /// Last day valid.
    #[arg(long)]
    pub(crate) valid_to: String,
    /// Revenue-share condition, percent.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) revenue_share: Option<f64>,
    /// Inspection condition.
    #[arg(long)]
    pub(crate) inspection: Option<String>,
    /// Any other condition (repeat).
    #[arg(long = "condition")]
    pub(crate) conditions: Vec<String>,
    /// Status: applied or granted.
    #[arg(long, default_value = "granted")]
    pub(crate) status: String,
    #[command(flatten)]
    pub(crate) as_of: AsOf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RouteAction {
    /// Hold everything for an item (id or ECCN) to a destination until resumed.
    Suspend(RouteChange),
    /// Resume a suspended route.
    Resume(RouteChange),
    /// List route suspensions.
    List,
}

#[derive(Debug, Args)]
pub(crate) struct RouteChange {
    /// Item id or ECCN paragraph.
    #[arg(long)]
    pub(crate) item: String,
    /// Destination, ISO code.
    #[arg(long)]
    pub(crate) to: String,
    /// Why (recorded).
    #[arg(long)]
    pub(crate) reason: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OrderAction {
    /// Decide, screen and record an order line: shipped (depleting a license) or held.
    Check(Box<OrderCheckArgs>),
    /// List orders.
    List {
        /// Only this status: shipped, held or released.
        #[arg(long)]
        status: Option<String>,
    },
    /// Release a hold (needs a reason; recorded).
    Release {
        /// Order reference.
        order_ref: String,
        /// Why the hold is released.
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct OrderCheckArgs {
    /// Order reference (unique; re-checking returns the stored result).
    #[arg(long = "ref")]
    pub(crate) order_ref: String,
    /// Catalog id of the item.
    #[arg(long)]
    pub(crate) item: String,
    /// Destination.
    #[arg(long)]
    pub(crate) to: String,
    #[command(flatten)]
    pub(crate) parties: PartyArgs,
    /// Value of one unit, US dollars.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) unit_value_usd: Option<f64>,
    /// Ship against this license only.
    #[arg(long)]
    pub(crate) license: Option<String>,
    /// License exception to use when one is available (e.g. NAC, ACA).
    #[arg(long)]
    pub(crate) exception: Option<String>,
    /// Shipment date (YYYY-MM-DD). Default: today.
    #[arg(long)]
    pub(crate) date: Option<String>,
    /// Why an order dated before today is recorded now: required when it would ship against a
    /// license that has expired by today; recorded in the audit record.
    #[arg(long, value_name = "REASON")]
    pub(crate) backdated: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum NacAction {
    /// Record a NAC notification submitted to BIS (the 25-day review starts).
    Submit {
        /// Your id for the notification.
        #[arg(long)]
        id: String,
        /// Items (ids or ECCN paragraphs; at most six).
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        /// Destination.
        #[arg(long)]
        to: String,
        /// Consignee.
        #[arg(long)]
        consignee: Option<String>,
        /// End user.
        #[arg(long)]
        end_user: Option<String>,
        /// Submission date.
        #[arg(long)]
        submitted: String,
    },
    /// Record the number BIS returned.
    Clear {
        /// Notification id.
        id: String,
        /// The number, e.g. A123456.
        #[arg(long)]
        number: String,
    },
    /// List NAC notifications.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditAction {
    /// Verify the hash chain: detects edited, inserted and deleted records; with
    /// `--checkpoint`, also that the log still extends a signed checkpoint (catches a
    /// consistent rewrite of the chain, a rewound tail and a shrink).
    Verify {
        /// A checkpoint written by `chipgate audit checkpoint`.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// The public key (64 hex digits) its signature must verify with (default: this
        /// installation's key, see `audit checkpoint --key`).
        #[arg(long, value_name = "HEX", requires = "checkpoint")]
        public_key: Option<String>,
    },
    /// Write a signed checkpoint of the log (its size and Merkle tree head) to keep outside
    /// the database.
    Checkpoint {
        /// Where to write it (JSON).
        #[arg(short = 'o', long, value_name = "FILE")]
        output: PathBuf,
        /// The signing key (default: `audit-signing.key` in the data directory, created on
        /// first use with mode 600).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// Prove that a record is in the log: its Merkle inclusion proof, to check against a
    /// checkpoint of the same size.
    Prove {
        /// The record's sequence number.
        seq: u64,
        /// The tree size (a checkpoint's `size`; default: the whole log).
        #[arg(long, value_name = "N")]
        size: Option<u64>,
    },
    /// Export the audit trail for an auditor.
    Export {
        /// jsonl or csv.
        #[arg(long = "as", default_value = "jsonl")]
        export_format: String,
        /// Output file (default: standard output).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

/// `chipgate serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub(crate) addr: std::net::SocketAddr,
    /// Store: `sqlite://PATH` or `postgres://…` (default: `ledger.sqlite3` in the data directory).
    #[arg(long, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
    /// Seconds a client has to send a request's headers, from its first byte (or from the
    /// connection's start); a slower client is disconnected.
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) header_read_timeout: u64,
    /// Seconds a keep-alive connection may wait for its next request before it is closed.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) idle_timeout: u64,
    /// Refused API tokens from one address within the window after which it is answered 429.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) auth_failures: u32,
    /// Seconds over which refused tokens are counted, and that a blocked address then waits.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) auth_window: u64,
    /// Write a signed checkpoint of the audit log into this directory every
    /// `--checkpoint-every` seconds when the log has grown (`docs/audit-trust.md`).
    #[arg(long, value_name = "DIR", requires = "checkpoint_every")]
    pub(crate) checkpoint_dir: Option<PathBuf>,
    /// Seconds between checkpoints.
    #[arg(long, value_name = "SECS", requires = "checkpoint_dir", value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub(crate) checkpoint_every: Option<u64>,
    /// The signing key (default: `audit-signing.key` in the data directory, created on first
    /// use with mode 600).
    #[arg(long, value_name = "FILE", requires = "checkpoint_dir")]
    pub(crate) checkpoint_key: Option<PathBuf>,
    /// Seconds between looks at the store's active list snapshot, so that `chipgate lists
    /// import` or `lists activate` reaches the running server without a restart (0: never).
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub(crate) lists_poll: u64,
}

#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    /// The order book: CSV with a header; columns item, qty, destination and optionally
    /// order_ref, end_user, consignee, end_user_hq, parent_hq, end_use, exporter, date, owners,
    /// region, eccn, us_person.
    #[arg(value_name = "ORDERS.csv")]
    pub(crate) orders: PathBuf,
    /// Output file (default: standard output, without checkpoints).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    /// Bad lines go here (default: OUT.errors.csv, or ORDERS.csv.errors.csv without -o).
    #[arg(long, value_name = "FILE")]
    pub(crate) errors: Option<PathBuf>,
    /// Continue an interrupted run from OUT.checkpoint.
    #[arg(long, requires = "output")]
    pub(crate) resume: bool,
    /// Date of lines without one (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<String>,
    /// Record every line in the ledger (order_ref column, or FILEHASH:LINE); re-runs are idempotent.
    #[arg(long)]
    pub(crate) record: bool,
    /// Ledger for --record: `sqlite://PATH` or `postgres://…` (default: $CHIPGATE_DB, else
    /// the SQLite file in the data directory).
    #[arg(long, value_name = "URL", requires = "record")]
    pub(crate) db: Option<String>,
    /// Who records (audit trail) with --record. Default: $CHIPGATE_USER, else $USER.
    #[arg(long, value_name = "NAME", env = "CHIPGATE_USER")]
    pub(crate) user: Option<String>,
    /// With --record: why lines dated before today are recorded now, for those that would ship
    /// against a license that has expired by today (they are errors without it); recorded in
    /// their audit records.
    #[arg(long, value_name = "REASON", requires = "record")]
    pub(crate) backdated: Option<String>,
    /// Worker threads. Default: the number of cores.
    #[arg(long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// Entries per memo (determinations, screening, list look-ups; shared by the workers); 0 disables.
    #[arg(long, value_name = "N", default_value_t = 250_000)]
    pub(crate) cache_size: usize,
    /// Lines per chunk: the unit of parallel work and of checkpoints. Default: 4,096; 1,024
    /// with --record (recording is slower per line: smaller chunks keep every worker busy to
    /// the end).
    #[arg(long, value_name = "N")]
    pub(crate) chunk_lines: Option<usize>,
    /// Pause after each chunk, in milliseconds (tests that interrupt a run).
    #[arg(long, value_name = "MS", default_value_t = 0, hide = true)]
    pub(crate) chunk_delay_ms: u64,
    /// Pause (up to a minute) once the checkpoint reaches this line (tests that kill a run).
    #[arg(long, value_name = "N", hide = true)]
    pub(crate) pause_at_line: Option<u64>,
    /// No progress bar and no summary.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GenOrdersArgs {
    /// Number of order lines.
    #[arg(value_name = "N")]
    pub(crate) n: u64,
    /// Output file (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// First order date.
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2025-01-01")]
    pub(crate) start: String,
    /// Dates are spread over this many days.
    #[arg(long, default_value_t = 365)]
    pub(crate) days: u32,
    /// Size of the customer base.
    #[arg(long, default_value_t = 2_000)]
    pub(crate) customers: usize,
    /// Share of customers drawn from the restricted-party lists (0..1).
    #[arg(long, value_name = "SHARE", default_value_t = 0.03)]
    pub(crate) listed_share: f64,
    /// Share of deliberately bad lines (0..1), to exercise the errors file.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub(crate) bad_share: f64,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("checkpoint_to").multiple(true).args(["checkpoint_dir", "checkpoint_subject"])))]
pub(crate) struct WorkerArgs {
    /// NATS server, e.g. nats://127.0.0.1:4222.
    #[arg(long, value_name = "URL")]
    pub(crate) nats: String,
    /// Shared ledger: `postgres://…` (or `sqlite://PATH` for one machine). Default: the SQLite file in the data directory.
    #[arg(long, value_name = "URL", env = "CHIPGATE_DB")]
    pub(crate) db: Option<String>,
    /// JetStream stream of orders (created if missing; results go to STREAM_RESULTS).
    #[arg(long, default_value = "CHIPGATE_ORDERS")]
    pub(crate) stream: String,
    /// Subject prefix: orders on PREFIX.orders.>, results on PREFIX.results.<order_ref>.
    #[arg(long, default_value = "chipgate")]
    pub(crate) subject_prefix: String,
    /// Durable consumer shared by all workers.
    #[arg(long, default_value = "chipgate-workers")]
    pub(crate) durable: String,
    /// Seconds without an ack before an order is redelivered to another worker.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) ack_wait: u64,
    /// Orders processed at once (one ledger connection each).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub(crate) concurrency: usize,
    /// Most orders recorded in one ledger transaction by each of them (group commit).
    #[arg(long, value_name = "N", default_value_t = chipgate_worker::DEFAULT_BATCH)]
    pub(crate) batch: usize,
    /// Who records (audit trail). Default: $CHIPGATE_USER, else $USER.
    #[arg(long, value_name = "NAME", env = "CHIPGATE_USER")]
    pub(crate) user: Option<String>,
    /// Stop after this many orders.
    #[arg(long, value_name = "N")]
    pub(crate) max_orders: Option<u64>,
    /// Stop after this many seconds without an order.
    #[arg(long, value_name = "SECS")]
    pub(crate) idle_exit: Option<u64>,
    /// Pause between recording an order and acknowledging it, in milliseconds (tests of redelivery).
    #[arg(long, value_name = "MS", default_value_t = 0, hide = true)]
    pub(crate) ack_delay_ms: u64,
    /// Write a signed checkpoint of the audit log into this directory every
    /// `--checkpoint-every` seconds when the log has grown, and one when the worker stops
    /// (`docs/audit-trust.md`).
    #[arg(long, value_name = "DIR", requires = "checkpoint_every")]
    pub(crate) checkpoint_dir: Option<PathBuf>,
    /// Publish each checkpoint's JSON on this NATS subject too (or only there), so a copy
    /// lives outside the database (capture it with a JetStream stream or a subscriber).
    #[arg(long, value_name = "SUBJECT", requires = "checkpoint_every")]
    pub(crate) checkpoint_subject: Option<String>,
    /// Seconds between checkpoints.
    #[arg(long, value_name = "SECS", requires = "checkpoint_to", value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub(crate) checkpoint_every: Option<u64>,
    /// The signing key (default: `audit-signing.key` in the data directory, created on first
    /// use with mode 600).
    #[arg(long, value_name = "FILE", requires = "checkpoint_every")]
    pub(crate) checkpoint_key: Option<PathBuf>,
    /// Publish the lines of this order book (CSV, as for `batch`; each needs an order_ref or gets FILEHASH:LINE) to the stream and exit.
    #[arg(long, value_name = "ORDERS.csv")]
    pub(crate) publish: Option<PathBuf>,
    /// Only errors on standard error.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}
