//! The classification report: the one serialized view shared by the CLI's
//! `--format json` and the HTTP API. Field names are a stable interface (README).

use std::sync::Arc;

use chipgate_model::{format_number, Date, InputRef, ItemKind};
use chipgate_rules::{Sym, Text, Tri};
use serde::Serialize;

/// Outcome of a classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// At least one ECCN paragraph applies.
    Controlled,
    /// No paragraph of these entries applies.
    NotControlled,
    /// A paragraph may apply but an input that decides it is missing.
    Indeterminate,
}

impl Outcome {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Controlled => "controlled",
            Outcome::NotControlled => "not_controlled",
            Outcome::Indeterminate => "indeterminate",
        }
    }
}

/// The item classified.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChipSummary {
    /// Catalog id (or the spec's).
    pub id: Text,
    /// Display name.
    pub name: Text,
    /// Vendor.
    pub vendor: Text,
    /// Item kind.
    pub kind: ItemKind,
    /// Designed or marketed for datacenters (null when not declared).
    pub datacenter: Option<bool>,
}

/// The rule version applied.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RulesetRef {
    /// Id, e.g. `ccl-2023-11-17`.
    pub id: Sym,
    /// First day in force.
    pub effective: Date,
    /// Federal Register citation.
    pub citation: Sym,
    /// URL.
    pub url: Sym,
}

/// A metric value with its derivation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricDerivation {
    /// The metric, e.g. `tpp`.
    pub metric: &'static str,
    /// The arithmetic.
    pub derivation: Arc<str>,
    /// Input figures with quality and sources.
    pub inputs: Arc<[InputRef]>,
}

/// The metrics section of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricsReport {
    /// 'Total processing performance'.
    pub tpp: Option<f64>,
    /// 'Performance density' (TPP per mm² of applicable die area).
    pub performance_density: Option<f64>,
    /// Applicable die area, mm².
    pub applicable_die_area_mm2: Option<f64>,
    /// Total DRAM bandwidth, GB/s.
    pub memory_bandwidth_gbs: Option<f64>,
    /// Bidirectional interconnect, GB/s.
    pub interconnect_gbs: Option<f64>,
    /// HBM memory bandwidth density, GB/s/mm².
    pub memory_bandwidth_density: Option<f64>,
    /// How each value was computed.
    pub derivations: Vec<MetricDerivation>,
}

/// One comparison of the trace: rule, citation, fact, input and its source, operator,
/// threshold, result.
pub type TraceStep = chipgate_rules::Step;

/// The conclusion for one paragraph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParagraphConclusion {
    /// Paragraph id.
    pub paragraph: Sym,
    /// ECCN paragraph it reports.
    pub eccn: Sym,
    /// Result after exclusions.
    pub result: Tri,
    /// Notes that take the item out.
    pub excluded_by: Vec<Sym>,
    /// The paragraph that takes precedence.
    pub superseded_by: Option<Sym>,
    /// The regulation's words.
    pub text: Sym,
    /// Citation.
    pub citation: Sym,
}

/// Distance of one metric to one threshold. Serialized with a `text` field, e.g.
/// `TPP 2,368 is 32 below 3A090.b.1's 2,400 (needs >= 2,400: not met)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Headroom {
    /// Paragraph or note the threshold belongs to.
    pub paragraph: Sym,
    /// The metric.
    pub metric: &'static str,
    /// Its value.
    pub value: f64,
    /// Operator of the condition.
    pub op: &'static str,
    /// Threshold.
    pub threshold: f64,
    /// value − threshold.
    pub margin: f64,
    /// Whether this comparison holds.
    pub met: bool,
    /// The metric's label for people, e.g. `TPP`.
    pub label: &'static str,
}

impl Headroom {
    /// In words, e.g. `TPP 2,368 is 32 below 3A090.b.1's 2,400 (needs >= 2,400: not met)`.
    pub fn text(&self) -> String {
        headroom_text(self.label, self.paragraph, self.value, self.op, self.threshold)
    }
}

impl Serialize for Headroom {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Headroom", 8)?;
        s.serialize_field("paragraph", &self.paragraph)?;
        s.serialize_field("metric", self.metric)?;
        s.serialize_field("value", &self.value)?;
        s.serialize_field("op", self.op)?;
        s.serialize_field("threshold", &self.threshold)?;
        s.serialize_field("margin", &self.margin)?;
        s.serialize_field("met", &self.met)?;
        s.serialize_field("text", &self.text())?;
        s.end()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Headroom {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Headroom".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "Distance of one metric to one threshold, with the sentence in `text`.",
            "required": ["paragraph", "metric", "value", "op", "threshold", "margin", "met", "text"],
            "properties": {
                "paragraph": { "type": "string" },
                "metric": { "type": "string" },
                "value": { "type": "number" },
                "op": { "type": "string" },
                "threshold": { "type": "number" },
                "margin": { "type": "number", "description": "value − threshold" },
                "met": { "type": "boolean" },
                "text": { "type": "string" },
            },
        })
    }
}

/// An input that could decide a paragraph but is missing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MissingInput {
    /// The undecided paragraph.
    pub paragraph: Sym,
    /// The missing fact.
    pub fact: &'static str,
    /// The record fields that would supply it.
    pub inputs: Vec<String>,
}

/// A component of a system and its own classification.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ComponentResult {
    /// Component id.
    pub id: String,
    /// How many.
    pub count: u32,
    /// Its outcome.
    pub outcome: Outcome,
    /// Its ECCN paragraphs.
    pub eccn: Vec<Sym>,
}

/// A classification with everything needed to check it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Classification {
    /// chipgate version that computed it.
    pub engine_version: &'static str,
    /// The item.
    pub chip: Arc<ChipSummary>,
    /// The date it is valid for.
    pub date: Date,
    /// The rule version in force on that date.
    pub ruleset: RulesetRef,
    /// The outcome.
    pub outcome: Outcome,
    /// ECCN paragraphs that apply, e.g. `["3A090.a"]`; empty when not controlled.
    pub eccn: Vec<Sym>,
    /// The sub-paragraphs met, e.g. `["3A090.a.2"]`.
    pub paragraphs: Vec<Sym>,
    /// ECCN paragraphs that may apply but cannot be decided.
    pub undetermined: Vec<Sym>,
    /// Inputs whose absence leaves a paragraph undecided.
    pub missing_inputs: Vec<MissingInput>,
    /// Metric values and derivations.
    pub metrics: Arc<MetricsReport>,
    /// Components of a system.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentResult>,
    /// Every comparison made.
    pub trace: Vec<TraceStep>,
    /// The conclusion per paragraph.
    pub conclusions: Vec<ParagraphConclusion>,
    /// Distance of each metric to each threshold that could apply.
    pub headroom: Vec<Headroom>,
    /// Notes of the rule version.
    pub notes: &'static [Sym],
}

pub(crate) fn headroom_text(label: &str, paragraph: &str, value: f64, op: &str, threshold: f64) -> String {
    let margin = value - threshold;
    let position = if margin == 0.0 {
        "exactly at".to_owned()
    } else if margin < 0.0 {
        format!("{} below", format_number(-margin))
    } else {
        format!("{} above", format_number(margin))
    };
    let holds = match op {
        ">=" => value >= threshold,
        ">" => value > threshold,
        "<" => value < threshold,
        "<=" => value <= threshold,
        _ => value == threshold,
    };
    format!(
        "{label} {} is {position} {paragraph}'s {} (needs {op} {}: {})",
        format_number(value),
        format_number(threshold),
        format_number(threshold),
        if holds { "met" } else { "not met" }
    )
}
