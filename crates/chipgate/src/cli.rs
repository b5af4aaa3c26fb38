//! Command-line flags (clap derive), kept apart from what the commands do.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// chipgate: export-control classification and license determination for AI chips.
#[derive(Debug, Parser)]
#[command(name = "chipgate", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Read reference data from this directory instead of the bundled copy.
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON object (the stable interface).
    Json,
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
    /// List the rule versions, or validate a rules directory.
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ChipsArgs {
    #[command(subcommand)]
    pub(crate) action: Option<ChipsAction>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChipsAction {
    /// Show one record, every figure with its quality and sources.
    Show {
        /// Catalog id, e.g. `nvidia-h20`.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
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
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
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
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    pub(crate) action: Option<RulesAction>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesAction {
    /// Load and validate every rule file and chip record of a data directory.
    Check {
        /// The data directory (same layout as the repository's `data/`).
        dir: PathBuf,
    },
}

/// The parties and circumstances of a shipment.
#[derive(Debug, Args, Default)]
pub(crate) struct PartyArgs {
    /// Quantity (units).
    #[arg(long, value_name = "N")]
    pub(crate) qty: Option<u64>,
    /// End user name (checked exactly against the bundled restricted-party lists).
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
    /// End use, free text (`supercomputer` is recognised).
    #[arg(long, value_name = "TEXT")]
    pub(crate) end_use: Option<String>,
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
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}
