//! Reference data: the chip catalog (with computed metrics and classification on a date),
//! one record, a chip's timeline, and the rule versions with their numeric thresholds.

use axum::extract::State;
use chipgate_classify::{Outcome, RulesetRef, Timeline};
use chipgate_model::{ChipRecord, Date, ItemKind};
use chipgate_rules::{Condition, FactSchema, RuleSet, Sym};
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

/// A numeric comparison of a condition.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct Constraint {
    /// Fact name, e.g. `tpp`.
    pub fact: &'static str,
    /// Operator.
    pub op: &'static str,
    /// Threshold.
    pub value: f64,
}

/// A boolean test of a condition.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct FlagTest {
    /// Fact name, e.g. `datacenter`.
    pub fact: &'static str,
    /// Required value.
    pub is: bool,
}

/// A membership test of a condition.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct SetTest {
    /// Fact name.
    pub fact: &'static str,
    /// Accepted values.
    pub values: Vec<Sym>,
}

/// A condition flattened for drawing: when `conjunctive`, it holds exactly when every
/// constraint, flag and set test holds; otherwise (it has `any`/`not`) the tests are the
/// conjunctive part only and the full condition is in the rule file.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub(crate) struct Flattened {
    /// Numeric comparisons.
    pub constraints: Vec<Constraint>,
    /// Boolean tests.
    pub flags: Vec<FlagTest>,
    /// Set and text membership tests.
    pub sets: Vec<SetTest>,
    /// Whether the condition is exactly the conjunction of the tests.
    pub conjunctive: bool,
}

fn flatten(condition: &Condition, schema: &FactSchema, out: &mut Flattened) {
    let name = |fact: usize| schema.get(fact).map_or("?", |d| d.name);
    match condition {
        Condition::All(items) => {
            for item in items {
                flatten(item, schema, out);
            }
        }
        Condition::Compare { fact, op, value } => out.constraints.push(Constraint {
            fact: name(*fact),
            op: op.as_str(),
            value: *value,
        }),
        Condition::Flag { fact, is } => out.flags.push(FlagTest {
            fact: name(*fact),
            is: *is,
        }),
        Condition::In { fact, values } | Condition::HasAny { fact, values } => out.sets.push(SetTest {
            fact: name(*fact),
            values: values.to_vec(),
        }),
        Condition::Any(_) | Condition::Not(_) => out.conjunctive = false,
    }
}

fn flattened(condition: &Condition) -> Flattened {
    let mut out = Flattened {
        conjunctive: true,
        ..Flattened::default()
    };
    flatten(condition, chipgate_classify::schema(), &mut out);
    out
}

/// One paragraph of a rule version.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct ParagraphView {
    /// Id, e.g. `3A090.a.2`.
    pub id: Sym,
    /// ECCN paragraph it reports.
    pub eccn: Sym,
    /// The regulation's words.
    pub text: Sym,
    /// Citation.
    pub citation: Sym,
    /// Paragraphs that take precedence.
    pub yields_to: Vec<Sym>,
    /// Its condition.
    #[serde(flatten)]
    pub when: Flattened,
}

/// One exclusion note of a rule version.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct ExclusionView {
    /// Id, e.g. `3A090 Note 2`.
    pub id: Sym,
    /// The regulation's words.
    pub text: String,
    /// Paragraphs it takes items out of.
    pub excludes: Vec<Sym>,
    /// Its condition.
    #[serde(flatten)]
    pub when: Flattened,
}

/// A rule version with its thresholds.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct RuleVersionView {
    /// Id.
    pub id: Sym,
    /// Title.
    pub title: String,
    /// First day in force.
    pub effective: Date,
    /// Last day in force (the day before the next version), or null.
    pub until: Option<Date>,
    /// Publication date.
    pub published: Option<Date>,
    /// Citation.
    pub citation: Sym,
    /// URL.
    pub url: Sym,
    /// What changed.
    pub summary: Option<String>,
    /// Paragraphs.
    pub paragraphs: Vec<ParagraphView>,
    /// Exclusion notes.
    pub exclusions: Vec<ExclusionView>,
    /// Notes.
    pub notes: &'static [Sym],
}

fn version_view(version: &RuleSet, next: Option<&RuleSet>) -> RuleVersionView {
    RuleVersionView {
        id: version.id,
        title: version.title.clone(),
        effective: version.effective,
        until: next.map(|n| n.effective.pred()),
        published: version.published,
        citation: version.source.citation,
        url: version.source.url,
        summary: version.summary.clone(),
        paragraphs: version
            .paragraphs
            .iter()
            .map(|p| ParagraphView {
                id: p.id,
                eccn: p.eccn,
                text: p.text,
                citation: p.source.citation,
                yields_to: p.yields_to.clone(),
                when: flattened(&p.when),
            })
            .collect(),
        exclusions: version
            .exclusions
            .iter()
            .map(|x| ExclusionView {
                id: x.id,
                text: x.text.clone(),
                excludes: x.excludes.clone(),
                when: flattened(&x.when),
            })
            .collect(),
        notes: version.notes,
    }
}

pub(crate) async fn rules(State(state): State<AppState>) -> Result<ApiJson<Vec<RuleVersionView>>, ApiError> {
    let versions = state.engine().classifier().rules().versions();
    let views = versions
        .iter()
        .enumerate()
        .map(|(i, v)| version_view(v, versions.get(i + 1)))
        .collect();
    Ok(ok(views))
}
