//! What front-ends use from the crates below the engine, re-exported so that the CLI, the
//! server, the batch and the worker depend on the engine alone (`tests/architecture.rs` in
//! chipgate-dev checks their Cargo.toml files): the report types they serialize and render,
//! the inputs they build, the errors they map, and the loaders of the data they are given.

pub use chipgate_classify::{CatalogError, Classification, Classifier, ClassifyError, Outcome, RulesetRef, Timeline};
pub use chipgate_data::{DataSource, Directory, Embedded};
pub use chipgate_decide::parties::parse_parties_file;
pub use chipgate_decide::{
    DecideError, Decider, Decision, DecisionTimeline, LicenseOutcome, ListedParty, NoLists, Ownership, PartyClearance,
    PartyLookup, Request, ReviewPolicy, ScenarioFailure, ScenarioFile, ScenarioRun,
};
pub use chipgate_model::{format_number, ChipId, ChipRecord, Date, DateError, Figure, ItemKind, Precision, SpecError};
pub use chipgate_rules::{RulesError, Sym, Tri};
pub use chipgate_screen::{
    bundled_csl, run_pairs, screen_batch, CountryTable, EntryId, ListEntry, ListLoader, ListSettings, ListSnapshot,
    Query, ScreenError, ScreenOptions, ScreenReport, ScreeningIndex, SnapshotInfo, SourceChanges, DEFAULT_THRESHOLD,
};
