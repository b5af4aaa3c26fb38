//! Reference data: the chip catalog (with computed metrics and classification on a date),
//! one record, a chip's timeline, and the rule versions with their numeric thresholds.

use axum::extract::State;
use chipgate_engine::{ChipRecord, Date, ItemKind, Outcome, RuleVersionView, RulesetRef, Sym, Timeline};
use serde::Serialize;

use super::Segment;
use crate::error::{ApiError, Code};
use crate::extract::{ok, ApiJson, QueryParams};
use crate::state::AppState;

/// A catalog chip with its metrics and classification on a date: one point of the chart.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct ChipView {
    /// Catalog id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Vendor.
    pub vendor: String,
    /// Model, when the record names one.
    pub model: Option<String>,
    /// Item kind.
    pub kind: ItemKind,
    /// Designed or marketed for datacenters.
    pub datacenter: Option<bool>,
    /// Launch year.
    pub launch_year: Option<u16>,
    /// TPP.
    pub tpp: Option<f64>,
    /// Performance density.
    pub performance_density: Option<f64>,
    /// Bidirectional interconnect, GB/s.
    pub interconnect_gbs: Option<f64>,
    /// Outcome on the date.
    pub outcome: Outcome,
    /// ECCN paragraphs on the date.
    pub eccn: Vec<Sym>,
    /// Sub-paragraphs met.
    pub paragraphs: Vec<Sym>,
    /// Rule version applied.
    pub ruleset: RulesetRef,
}

pub(crate) async fn chips(
    State(state): State<AppState>,
    mut query: QueryParams,
) -> Result<ApiJson<Vec<ChipView>>, ApiError> {
    let date = query
        .parse::<Date>("date", "YYYY-MM-DD")?
        .unwrap_or_else(|| state.today());
    query.finish()?;
    let classifier = state.engine().classifier();
    let mut out = Vec::with_capacity(classifier.catalog().len());
    for record in classifier.catalog().iter() {
        let c = classifier.classify(record, date).map_err(ApiError::from)?;
        out.push(ChipView {
            id: c.chip.id.to_string(),
            name: c.chip.name.to_string(),
            vendor: c.chip.vendor.to_string(),
            model: record.model.clone(),
            kind: c.chip.kind,
            datacenter: c.chip.datacenter,
            launch_year: record.launch_year,
            tpp: c.metrics.tpp,
            performance_density: c.metrics.performance_density,
            interconnect_gbs: c.metrics.interconnect_gbs,
            outcome: c.outcome,
            eccn: c.eccn.clone(),
            paragraphs: c.paragraphs.clone(),
            ruleset: c.ruleset.clone(),
        });
    }
    Ok(ok(out))
}

fn record<'a>(state: &'a AppState, id: &str) -> Result<&'a ChipRecord, ApiError> {
    state
        .engine()
        .classifier()
        .catalog()
        .get(id)
        .map_err(|e| ApiError::new(Code::ChipNotFound, e.to_string()))
}

pub(crate) async fn chip(State(state): State<AppState>, Segment(id): Segment) -> Result<ApiJson<ChipRecord>, ApiError> {
    Ok(ok(record(&state, &id)?.clone()))
}

pub(crate) async fn timeline(
    State(state): State<AppState>,
    Segment(id): Segment,
) -> Result<ApiJson<Timeline>, ApiError> {
    let chip = record(&state, &id)?;
    Ok(ok(state.engine().classifier().timeline(chip)?))
}

pub(crate) async fn rules(State(state): State<AppState>) -> Result<ApiJson<Vec<RuleVersionView>>, ApiError> {
    Ok(ok(state.engine().rule_versions()))
}
