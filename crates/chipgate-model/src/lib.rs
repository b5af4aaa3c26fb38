//! The vocabulary of chipgate: civil dates, units as newtypes, chip and system records
//! with per-figure provenance, and the metrics of ECCN 3A090 computed with their
//! arithmetic shown.
//!
//! Owns: the catalog record format (`data/chips/*.toml`, also `--spec FILE`), unit
//! checking (no NaN, no negatives), TPP / performance density / bandwidth derivations.
//! Does not: read files, know any threshold or rule (those are data in `data/rules/`,
//! evaluated by `chipgate-rules`), or read the clock.
//!
//! Key design decision: a metric is never guessed. A missing input yields no value and
//! a [`metrics::Missing`] entry naming the fields that would supply it, so that the
//! classifier can answer *indeterminate* instead of a silent default.

// A pure crate: no clock, no file system (the methods `clippy.toml` disallows; allowed in
// the front-ends by the workspace lints, denied here).
#![deny(clippy::disallowed_methods)]

pub mod chip;
pub mod date;
pub mod metrics;
pub mod units;

pub use chip::{ChipId, ChipRecord, Component, Die, Figure, ItemKind, Precision, Quality, SpecError, Throughput};
pub use date::{Date, DateError};
pub use metrics::{compute as compute_metrics, Derived, InputRef, Metrics, MetricsConfig, Missing};
pub use units::{
    format_number, GigabytesPerSecond, MemoryBandwidthDensity, PerformanceDensity, QuantityError, SquareMillimetres,
    Tops, Tpp,
};
