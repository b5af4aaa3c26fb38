//! Classification rule sets: one file per regulatory version in `data/rules/`, each a
//! list of ECCN paragraphs and exclusion notes with conditions, an effective date and
//! its Federal Register source. [`RuleBook`] picks the version in force on a date.

use std::collections::BTreeSet;

use chipgate_model::Date;
use serde::{Deserialize, Serialize};

use crate::condition::{compile, Condition, ConditionError, FactSchema};
use crate::eval::{evaluate, leaf_count, referenced_facts, Facts, RuleRef, Step, Tri};
use crate::sym::{intern, intern_list, Sym};

/// How well a rule's text is evidenced (grades of `reference/regulations.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Evidence {
    /// Primary text read directly.
    P,
    /// Primary text quoted verbatim by a secondary source.
    PQ,
    /// Law-firm or trade-law summary.
    L,
    /// News report.
    N,
    /// Public GitHub file.
    G,
    /// Derived arithmetic.
    D,
    /// Unconfirmed: sources conflict or none confirms it (`reference/ear-beyond-3a090.md`).
    U,
}

impl Evidence {
    /// The grade's letters, e.g. `PQ`.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::P => "P",
            Evidence::PQ => "PQ",
            Evidence::L => "L",
            Evidence::N => "N",
            Evidence::G => "G",
            Evidence::D => "D",
            Evidence::U => "U",
        }
    }
}

/// Where a rule comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Source {
    /// Federal Register or CFR citation, e.g. `88 FR 73458`.
    pub citation: Sym,
    /// URL of the text.
    pub url: Sym,
    /// Evidence grade.
    pub evidence: Evidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    id: String,
    title: String,
    effective: Date,
    #[serde(default)]
    published: Option<Date>,
    citation: String,
    url: String,
    evidence: Evidence,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    paragraphs: Vec<RawParagraph>,
    #[serde(default)]
    exclusions: Vec<RawExclusion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParagraph {
    id: String,
    eccn: String,
    text: String,
    #[serde(default)]
    citation: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    evidence: Option<Evidence>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    yields_to: Vec<String>,
    when: toml::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    id: String,
    text: String,
    excludes: Vec<String>,
    #[serde(default)]
    citation: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    evidence: Option<Evidence>,
    when: toml::Value,
}

/// One controlled paragraph.
#[derive(Clone, Debug, PartialEq)]
pub struct Paragraph {
    /// Paragraph id, e.g. `3A090.a.2`.
    pub id: Sym,
    /// The ECCN paragraph it reports, e.g. `3A090.a`.
    pub eccn: Sym,
    /// The regulation's words.
    pub text: Sym,
    /// Its source.
    pub source: Source,
    /// Interpretive note.
    pub note: Option<String>,
    /// ECCN paragraphs that take precedence when they also apply.
    pub yields_to: Vec<Sym>,
    /// The condition.
    pub when: Condition,
    /// Index of its ECCN group in the rule set (compiled).
    group: usize,
    /// Indexes of the groups it yields to (compiled).
    yields: Vec<usize>,
    /// Indexes of the exclusions that cover it (compiled).
    excluded_by: Vec<usize>,
}

/// A note that takes items out of paragraphs (e.g. Note 2 to 3A090).
#[derive(Clone, Debug, PartialEq)]
pub struct Exclusion {
    /// Id, e.g. `3A090 Note 2`.
    pub id: Sym,
    /// The regulation's words.
    pub text: String,
    /// ECCN paragraphs it takes items out of.
    pub excludes: Vec<Sym>,
    /// Its source.
    pub source: Source,
    /// The condition under which it applies.
    pub when: Condition,
}

/// One regulatory version, compiled and validated.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    /// Stable id, e.g. `ccl-2023-11-17`.
    pub id: Sym,
    /// Title of the rule.
    pub title: String,
    /// First day in force.
    pub effective: Date,
    /// Publication date in the Federal Register.
    pub published: Option<Date>,
    /// Source of the rule.
    pub source: Source,
    /// What changed.
    pub summary: Option<String>,
    /// Open points and interpretive choices.
    pub notes: &'static [Sym],
    /// Paragraphs, in evaluation order.
    pub paragraphs: Vec<Paragraph>,
    /// Exclusion notes.
    pub exclusions: Vec<Exclusion>,
    /// Comparisons one evaluation records (compiled; sizes the trace).
    steps: usize,
}

/// A problem in a rule file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    /// Not valid TOML or not the expected shape.
    #[error("{origin}:{line}: {message}")]
    Parse {
        /// File.
        origin: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A condition is invalid.
    #[error("{origin}: {source}")]
    Condition {
        /// File.
        origin: String,
        /// The condition problem.
        source: ConditionError,
    },
    /// A semantic problem (duplicates, dangling references).
    #[error("{origin}: {message}")]
    Invalid {
        /// File.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The date is before the first rule version.
    #[error("date {date} is before {earliest}, the first day of the earliest rule version (`{id}`); chipgate covers the advanced-computing controls from 2022-10-07 on")]
    OutOfScope {
        /// The date asked for.
        date: Date,
        /// First covered date.
        earliest: Date,
        /// Id of the earliest version.
        id: String,
    },
    /// No rule files at all.
    #[error("no rule versions were loaded")]
    Empty,
}

/// A warning from the validator: the file loads, but something deserves a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    /// File.
    pub origin: String,
    /// What deserves a look.
    pub message: String,
}

impl RuleSet {
    /// Parses, compiles and validates one rule file.
    pub fn from_toml(text: &str, origin: &str, schema: &FactSchema) -> Result<(RuleSet, Vec<Warning>), RulesError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| RulesError::Parse {
            origin: origin.to_owned(),
            line: e
                .span()
                .map_or(0, |s| text.get(..s.start).unwrap_or("").matches('\n').count() + 1),
            message: e.message().to_owned(),
        })?;
        let invalid = |message: String| RulesError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let cond_err = |source: ConditionError| RulesError::Condition {
            origin: origin.to_owned(),
            source,
        };
        let mut warnings = Vec::new();
        let file_source = Source {
            citation: intern(&raw.citation),
            url: intern(&raw.url),
            evidence: raw.evidence,
        };
        let own_source = |citation: Option<String>, url: Option<String>, evidence: Option<Evidence>| Source {
            citation: citation.map_or(file_source.citation, |c| intern(&c)),
            url: url.map_or(file_source.url, |u| intern(&u)),
            evidence: evidence.unwrap_or(file_source.evidence),
        };
        if raw.paragraphs.is_empty() {
            return Err(invalid("a rule file needs at least one `[[paragraphs]]`".to_owned()));
        }
        let mut ids = BTreeSet::new();
        let mut paragraphs = Vec::new();
        for (index, p) in raw.paragraphs.into_iter().enumerate() {
            if !ids.insert(p.id.clone()) {
                return Err(invalid(format!("paragraphs[{index}]: duplicate id `{}`", p.id)));
            }
            let when = compile(&p.when, schema, &format!("paragraphs[{index}].when")).map_err(cond_err)?;
            paragraphs.push(Paragraph {
                id: intern(&p.id),
                eccn: intern(&p.eccn),
                text: intern(&p.text),
                source: own_source(p.citation, p.url, p.evidence),
                note: p.note,
                yields_to: p.yields_to.iter().map(|s| intern(s)).collect(),
                when,
                group: 0,
                yields: Vec::new(),
                excluded_by: Vec::new(),
            });
        }
        let groups: BTreeSet<&str> = paragraphs.iter().map(|p| p.eccn).collect();
        for p in &paragraphs {
            for y in &p.yields_to {
                if !groups.contains(&**y) {
                    return Err(invalid(format!(
                        "paragraph `{}` yields to `{y}`, which no paragraph reports",
                        p.id
                    )));
                }
                if **y == *p.eccn {
                    return Err(invalid(format!(
                        "paragraph `{}` yields to its own ECCN paragraph",
                        p.id
                    )));
                }
            }
        }
        let mut exclusions = Vec::new();
        for (index, x) in raw.exclusions.into_iter().enumerate() {
            if !ids.insert(x.id.clone()) {
                return Err(invalid(format!("exclusions[{index}]: duplicate id `{}`", x.id)));
            }
            for target in &x.excludes {
                if !groups.contains(target.as_str()) {
                    return Err(invalid(format!(
                        "exclusions[{index}] (`{}`) excludes `{target}`, which no paragraph reports",
                        x.id
                    )));
                }
            }
            if x.excludes.is_empty() {
                warnings.push(Warning {
                    origin: origin.to_owned(),
                    message: format!("exclusion `{}` excludes nothing", x.id),
                });
            }
            let when = compile(&x.when, schema, &format!("exclusions[{index}].when")).map_err(cond_err)?;
            exclusions.push(Exclusion {
                id: intern(&x.id),
                text: x.text,
                excludes: x.excludes.iter().map(|s| intern(s)).collect(),
                source: own_source(x.citation, x.url, x.evidence),
                when,
            });
        }
        let group_names: Vec<Sym> = {
            let mut names: Vec<Sym> = Vec::new();
            for p in &paragraphs {
                if !names.contains(&p.eccn) {
                    names.push(p.eccn);
                }
            }
            names
        };
        for p in &mut paragraphs {
            p.group = group_names.iter().position(|g| *g == p.eccn).unwrap_or(0);
            p.yields = p
                .yields_to
                .iter()
                .filter_map(|y| group_names.iter().position(|g| g == y))
                .collect();
            p.excluded_by = exclusions
                .iter()
                .enumerate()
                .filter(|(_, x)| x.excludes.contains(&p.eccn))
                .map(|(i, _)| i)
                .collect();
        }
        if raw.published.is_some_and(|p| p > raw.effective.add_days(400)) {
            warnings.push(Warning {
                origin: origin.to_owned(),
                message: "publication date is more than a year after the effective date".to_owned(),
            });
        }
        Ok((
            RuleSet {
                id: intern(&raw.id),
                title: raw.title,
                effective: raw.effective,
                published: raw.published,
                source: file_source,
                summary: raw.summary,
                notes: intern_list(&raw.notes),
                steps: paragraphs.iter().map(|p| leaf_count(&p.when)).sum::<usize>()
                    + exclusions.iter().map(|x| leaf_count(&x.when)).sum::<usize>(),
                paragraphs,
                exclusions,
            },
            warnings,
        ))
    }

    /// Evaluates every paragraph and exclusion against the facts.
    pub fn evaluate(&self, facts: &Facts, schema: &FactSchema) -> Verdict {
        let mut steps = Vec::with_capacity(self.steps);
        let exclusions: Vec<ExclusionResult> = self
            .exclusions
            .iter()
            .map(|x| ExclusionResult {
                id: x.id,
                result: evaluate(
                    &x.when,
                    facts,
                    schema,
                    RuleRef {
                        id: x.id,
                        citation: x.source.citation,
                    },
                    &mut steps,
                ),
            })
            .collect();
        let mut paragraphs: Vec<ParagraphResult> = Vec::with_capacity(self.paragraphs.len());
        let groups = self.paragraphs.iter().map(|p| p.group).max().map_or(0, |g| g + 1);
        let mut group_result = vec![Tri::False; groups];
        for p in &self.paragraphs {
            let condition = evaluate(
                &p.when,
                facts,
                schema,
                RuleRef {
                    id: p.id,
                    citation: p.source.citation,
                },
                &mut steps,
            );
            let mut excluded = Tri::False;
            let mut excluded_by = Vec::new();
            for &i in &p.excluded_by {
                if let (Some(x), Some(r)) = (self.exclusions.get(i), exclusions.get(i)) {
                    excluded = excluded.or(r.result);
                    if r.result != Tri::False {
                        excluded_by.push(x.id);
                    }
                }
            }
            let result = condition.and(!excluded);
            if let Some(g) = group_result.get_mut(p.group) {
                *g = g.or(result);
            }
            let mut missing_facts = Vec::new();
            if result == Tri::Unknown {
                let mut refs = Vec::new();
                referenced_facts(&p.when, &mut refs);
                for x in p.excluded_by.iter().filter_map(|&i| self.exclusions.get(i)) {
                    referenced_facts(&x.when, &mut refs);
                }
                missing_facts = refs
                    .into_iter()
                    .filter(|i| facts.get(*i).is_none())
                    .filter_map(|i| schema.get(i).map(|f| f.name))
                    .collect();
            }
            paragraphs.push(ParagraphResult {
                id: p.id,
                eccn: p.eccn,
                condition,
                result,
                excluded_by,
                superseded_by: None,
                missing_facts,
            });
        }
        let mut superseded = vec![false; groups];
        for (p, r) in self.paragraphs.iter().zip(paragraphs.iter_mut()) {
            if let Some(&winner) = p.yields.iter().find(|&&g| group_result.get(g) == Some(&Tri::True)) {
                r.superseded_by = p
                    .yields_to
                    .get(p.yields.iter().position(|&g| g == winner).unwrap_or(0))
                    .cloned();
                if let Some(s) = superseded.get_mut(p.group) {
                    *s = true;
                }
            }
        }
        let mut eccn: Vec<Sym> = Vec::new();
        let mut undetermined: Vec<Sym> = Vec::new();
        let mut seen = vec![false; groups];
        for p in &self.paragraphs {
            if superseded.get(p.group) == Some(&true) || seen.get(p.group) == Some(&true) {
                continue;
            }
            if let Some(s) = seen.get_mut(p.group) {
                *s = true;
            }
            match group_result.get(p.group) {
                Some(Tri::True) => eccn.push(p.eccn),
                Some(Tri::Unknown) => undetermined.push(p.eccn),
                _ => {}
            }
        }
        Verdict {
            eccn,
            undetermined,
            paragraphs,
            exclusions,
            steps,
        }
    }

    /// Looks a paragraph up by id.
    pub fn paragraph(&self, id: &str) -> Option<&Paragraph> {
        self.paragraphs.iter().find(|p| p.id == id)
    }

    /// Looks an exclusion up by id.
    pub fn exclusion(&self, id: &str) -> Option<&Exclusion> {
        self.exclusions.iter().find(|x| x.id == id)
    }

    /// The source of a paragraph or exclusion by id, else the file's.
    pub fn source_of(&self, id: Sym) -> &Source {
        // Steps carry the rule's own interned id, so a pointer comparison usually finds it.
        if let Some(p) = self.paragraphs.iter().find(|p| std::ptr::eq(p.id, id)) {
            return &p.source;
        }
        if let Some(x) = self.exclusions.iter().find(|x| std::ptr::eq(x.id, id)) {
            return &x.source;
        }
        self.paragraph(id)
            .map(|p| &p.source)
            .or_else(|| self.exclusion(id).map(|x| &x.source))
            .unwrap_or(&self.source)
    }
}

/// Result of one exclusion note.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExclusionResult {
    /// Its id.
    pub id: Sym,
    /// Whether it applies.
    pub result: Tri,
}

/// Result of one paragraph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParagraphResult {
    /// Paragraph id.
    pub id: Sym,
    /// The ECCN paragraph it reports.
    pub eccn: Sym,
    /// The condition alone.
    pub condition: Tri,
    /// After exclusions.
    pub result: Tri,
    /// Exclusions that apply or may apply.
    pub excluded_by: Vec<Sym>,
    /// The ECCN paragraph that takes precedence, when one applies.
    pub superseded_by: Option<Sym>,
    /// Facts that were missing when the result is unknown.
    pub missing_facts: Vec<&'static str>,
}

/// The verdict of a rule set on one set of facts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verdict {
    /// ECCN paragraphs that apply, after exclusions and precedence.
    pub eccn: Vec<Sym>,
    /// ECCN paragraphs that may apply but cannot be decided.
    pub undetermined: Vec<Sym>,
    /// Every paragraph's result.
    pub paragraphs: Vec<ParagraphResult>,
    /// Every exclusion's result.
    pub exclusions: Vec<ExclusionResult>,
    /// Every comparison made.
    pub steps: Vec<Step>,
}

/// All versions of the classification rules, ordered by effective date.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleBook {
    versions: Vec<RuleSet>,
}

impl RuleBook {
    /// Orders the versions and checks that ids and effective dates are unique.
    pub fn new(mut versions: Vec<RuleSet>) -> Result<RuleBook, RulesError> {
        if versions.is_empty() {
            return Err(RulesError::Empty);
        }
        versions.sort_by_key(|v| v.effective);
        for pair in versions.windows(2) {
            if let [a, b] = pair {
                if a.effective == b.effective {
                    return Err(RulesError::Invalid {
                        origin: b.id.to_string(),
                        message: format!("has the same effective date ({}) as `{}`", b.effective, a.id),
                    });
                }
            }
        }
        let mut ids = BTreeSet::new();
        for v in &versions {
            if !ids.insert(v.id) {
                return Err(RulesError::Invalid {
                    origin: v.id.to_string(),
                    message: "duplicate rule-set id".to_owned(),
                });
            }
        }
        Ok(RuleBook { versions })
    }

    /// The version in force on `date`.
    pub fn in_force(&self, date: Date) -> Result<&RuleSet, RulesError> {
        let index = self.in_force_index(date)?;
        self.versions.get(index).ok_or(RulesError::Empty)
    }

    /// The position (in [`RuleBook::versions`]) of the version in force on `date`.
    pub fn in_force_index(&self, date: Date) -> Result<usize, RulesError> {
        match self.versions.iter().rposition(|v| v.effective <= date) {
            Some(i) => Ok(i),
            None => {
                let first = self.versions.first().ok_or(RulesError::Empty)?;
                Err(RulesError::OutOfScope {
                    date,
                    earliest: first.effective,
                    id: first.id.to_string(),
                })
            }
        }
    }

    /// All versions, oldest first.
    pub fn versions(&self) -> &[RuleSet] {
        &self.versions
    }

    /// A version by id.
    pub fn get(&self, id: &str) -> Option<&RuleSet> {
        self.versions.iter().find(|v| v.id == id)
    }
}
