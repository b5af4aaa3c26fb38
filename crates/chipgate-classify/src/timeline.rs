//! The classification of one item under every rule version, and why it changed.

use chipgate_model::{ChipRecord, Date};
use chipgate_rules::{Sym, Tri};
use serde::Serialize;

use crate::{Classification, Classifier, ClassifyError, Outcome};

/// One rule version's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimelineEntry {
    /// Rule version id.
    pub ruleset: Sym,
    /// First day in force.
    pub effective: Date,
    /// Citation.
    pub citation: Sym,
    /// Outcome under it.
    pub outcome: Outcome,
    /// ECCN paragraphs under it.
    pub eccn: Vec<Sym>,
    /// True when outcome or ECCN differ from the previous version.
    pub changed: bool,
    /// Why, in words: the comparisons that decided.
    pub why: Vec<String>,
}

/// The classification over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Timeline {
    /// Item id.
    pub chip: String,
    /// chipgate version.
    pub engine_version: &'static str,
    /// One entry per rule version, oldest first.
    pub entries: Vec<TimelineEntry>,
}

/// The decisive comparisons of a classification, in words.
pub(crate) fn explain(result: &Classification) -> Vec<String> {
    let mut why = Vec::new();
    for conclusion in &result.conclusions {
        let steps: Vec<_> = result
            .trace
            .iter()
            .filter(|s| s.rule == conclusion.paragraph && (s.op != "is" || s.fact == "datacenter"))
            .collect();
        let kind_step = result.trace.iter().find(|s| {
            s.rule == conclusion.paragraph && s.op == "is" && s.result == Tri::False && s.fact != "datacenter"
        });
        if kind_step.is_some() {
            continue; // the paragraph is for another kind of item
        }
        let words = |s: &&crate::TraceStep| s.words();
        match conclusion.result {
            Tri::True if conclusion.superseded_by.is_none() => {
                let met: Vec<String> = steps.iter().map(words).collect();
                why.push(format!("{} applies: {}", conclusion.paragraph, met.join(" and ")));
            }
            Tri::False if !conclusion.excluded_by.is_empty() => {
                why.push(format!(
                    "{} does not apply: excluded by {}",
                    conclusion.paragraph,
                    conclusion.excluded_by.join(", ")
                ));
            }
            Tri::False => {
                let failed: Vec<String> = steps.iter().filter(|s| s.result == Tri::False).map(words).collect();
                if !failed.is_empty() {
                    why.push(format!(
                        "{} does not apply; fails: {}",
                        conclusion.paragraph,
                        failed.join("; ")
                    ));
                }
            }
            Tri::Unknown => {
                let missing: Vec<String> = steps
                    .iter()
                    .filter(|s| s.result == Tri::Unknown)
                    .map(|s| s.label.to_owned())
                    .collect();
                why.push(format!(
                    "{} undecided: missing {}",
                    conclusion.paragraph,
                    missing.join(", ")
                ));
            }
            Tri::True => {}
        }
    }
    why
}

pub(crate) fn build(classifier: &Classifier, record: &ChipRecord) -> Result<Timeline, ClassifyError> {
    let mut entries: Vec<TimelineEntry> = Vec::new();
    for rules in classifier.rules().versions() {
        let result = classifier.classify_under(record, rules, rules.effective, 0)?;
        let changed = entries
            .last()
            .is_none_or(|prev| prev.outcome != result.outcome || prev.eccn != result.eccn);
        entries.push(TimelineEntry {
            ruleset: rules.id,
            effective: rules.effective,
            citation: rules.source.citation,
            outcome: result.outcome,
            eccn: result.eccn.clone(),
            changed,
            why: explain(&result),
        });
    }
    Ok(Timeline {
        chip: record.id().map(ToString::to_string).unwrap_or_default(),
        engine_version: crate::ENGINE_VERSION,
        entries,
    })
}
