//! The rule versions as the web app draws them: each paragraph's and exclusion's condition
//! flattened into numeric constraints, flags and set tests (`GET /v1/rules`). Walking the
//! condition tree is the rules' business; front-ends receive these views.

use chipgate_classify::Classifier;
use chipgate_model::Date;
use chipgate_rules::{Condition, FactSchema, RuleSet, Sym};
use serde::Serialize;

/// A numeric comparison of a condition.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Constraint {
    /// Fact name, e.g. `tpp`.
    pub fact: &'static str,
    /// Operator.
    pub op: &'static str,
    /// Threshold.
    pub value: f64,
}

/// A boolean test of a condition.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FlagTest {
    /// Fact name, e.g. `datacenter`.
    pub fact: &'static str,
    /// Required value.
    pub is: bool,
}

/// A membership test of a condition.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SetTest {
    /// Fact name.
    pub fact: &'static str,
    /// Accepted values.
    pub values: Vec<Sym>,
}

/// A condition flattened for drawing: when `conjunctive`, it holds exactly when every
/// constraint, flag and set test holds; otherwise (it has `any`/`not`) the tests are the
/// conjunctive part only and the full condition is in the rule file.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Flattened {
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParagraphView {
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExclusionView {
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuleVersionView {
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

/// Every rule version of `classifier`, oldest first, each with its paragraphs' and
/// exclusions' conditions flattened.
pub fn rule_versions(classifier: &Classifier) -> Vec<RuleVersionView> {
    let versions = classifier.rules().versions();
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| version_view(v, versions.get(i + 1)))
        .collect()
}
