//! The one generic evaluator: three-valued (Kleene) logic over facts, recording every
//! comparison it makes as a [`Step`].
//!
//! A missing fact makes its comparison *unknown*; `all` is false if any part is false,
//! `any` is true if any part is true, and only otherwise does *unknown* propagate. So a
//! missing die area does not matter when TPP alone decides, and decides nothing when it
//! could matter.

use std::sync::Arc;

use serde::Serialize;

use crate::condition::{Condition, FactKind, FactSchema, Op};
use crate::sym::Sym;

/// A text that is either interned data ([`Sym`]) or shared request input. Cloning either
/// is cheap; only the second touches a reference count.
#[derive(Clone, Debug)]
pub enum Text {
    /// Text from the data files (country codes, ids), interned.
    Static(Sym),
    /// Text from a request (an exporter's name, a user spec's id).
    Shared(Arc<str>),
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl From<Sym> for Text {
    fn from(s: Sym) -> Text {
        Text::Static(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Shared(Arc::from(s))
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A fact's value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum FactValue {
    /// A number.
    Number(f64),
    /// A flag.
    Bool(bool),
    /// A text.
    Text(Text),
    /// A set of texts from the data, interned with [`intern_list`](crate::intern_list)
    /// (never request input: interned lists are never freed).
    Set(&'static [Sym]),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Number(n) => f.write_str(&chipgate_model::format_number(*n)),
            FactValue::Bool(b) => write!(f, "{b}"),
            FactValue::Text(t) => f.write_str(t.as_str()),
            FactValue::Set(v) => write!(f, "[{}]", v.join(", ")),
        }
    }
}

impl FactValue {
    fn kind(&self) -> FactKind {
        match self {
            FactValue::Number(_) => FactKind::Number,
            FactValue::Bool(_) => FactKind::Bool,
            FactValue::Text(_) => FactKind::Text,
            FactValue::Set(_) => FactKind::Set,
        }
    }
}

/// Values for the facts of one schema; a fact never set is missing.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    values: Vec<Option<FactValue>>,
}

/// A fact was set with the wrong name or kind (a programming error in the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot set fact `{name}`: {problem}")]
pub struct FactError {
    name: String,
    problem: &'static str,
}

impl Facts {
    /// All facts missing.
    pub fn new(schema: &FactSchema) -> Facts {
        Facts {
            values: vec![None; schema.len()],
        }
    }

    /// Sets one fact by name, checking its kind.
    pub fn set(&mut self, schema: &FactSchema, name: &str, value: FactValue) -> Result<(), FactError> {
        let index = schema.index(name).ok_or_else(|| FactError {
            name: name.to_owned(),
            problem: "not in the schema",
        })?;
        if schema.get(index).map(|f| f.kind) != Some(value.kind()) {
            return Err(FactError {
                name: name.to_owned(),
                problem: "wrong kind of value",
            });
        }
        if let Some(slot) = self.values.get_mut(index) {
            *slot = Some(value);
        }
        Ok(())
    }

    /// The value of a fact by index.
    pub fn get(&self, index: usize) -> Option<&FactValue> {
        self.values.get(index).and_then(Option::as_ref)
    }
}

/// A three-valued result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Cannot be decided: an input is missing.
    Unknown,
}

impl std::ops::Not for Tri {
    type Output = Tri;

    /// Kleene negation.
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    /// Kleene conjunction.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::True => "true",
            Tri::False => "false",
            Tri::Unknown => "unknown",
        }
    }
}

/// What a leaf compared against.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Threshold {
    /// A number.
    Number(f64),
    /// A flag value.
    Bool(bool),
    /// A list of texts.
    List(&'static [Sym]),
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Threshold::Number(n) => f.write_str(&chipgate_model::format_number(*n)),
            Threshold::Bool(b) => write!(f, "{b}"),
            Threshold::List(l) => write!(f, "[{}]", l.join(", ")),
        }
    }
}

/// The rule a condition belongs to, as recorded in its steps.
#[derive(Clone, Copy, Debug)]
pub struct RuleRef {
    /// Rule id (paragraph, exclusion, requirement…).
    pub id: Sym,
    /// Its citation, e.g. `88 FR 73458`.
    pub citation: Sym,
}

/// The operator of a step. Compares equal to its text (`step.op == "is"`) and is
/// serialized as that text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOp {
    /// A numeric comparison.
    Compare(Op),
    /// A flag test.
    Is,
    /// A text in a list.
    In,
    /// A set sharing a value with a list.
    HasAny,
}

impl StepOp {
    /// The operator's text: `>=`, `>`, `<`, `<=`, `==`, `is`, `in` or `has_any`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOp::Compare(op) => op.as_str(),
            StepOp::Is => "is",
            StepOp::In => "in",
            StepOp::HasAny => "has_any",
        }
    }
}

impl PartialEq<&str> for StepOp {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for StepOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StepOp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One comparison the evaluator made.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Step {
    /// The rule (paragraph, exclusion, requirement) the comparison belongs to.
    pub rule: Sym,
    /// The rule's citation.
    pub citation: Sym,
    /// The fact tested.
    pub fact: &'static str,
    /// Its index in the schema.
    #[serde(skip)]
    pub fact_index: u32,
    /// The fact's label for people.
    pub label: &'static str,
    /// The input value, or null when missing.
    pub input: Option<FactValue>,
    /// The operator: `>=`, `>`, `<`, `<=`, `==`, `is`, `in` or `has_any`.
    pub op: StepOp,
    /// What it was compared with.
    pub threshold: Threshold,
    /// The outcome of this comparison.
    pub result: Tri,
    /// For numbers: input minus threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// Where the input came from (filled in by the caller that computed the fact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
}

impl Step {
    /// The input as text, `missing` when absent.
    pub fn input_text(&self) -> String {
        self.input
            .as_ref()
            .map_or_else(|| "missing".to_owned(), ToString::to_string)
    }

    /// The comparison in words, e.g. `TPP 2,368 >= 2,400`.
    pub fn words(&self) -> String {
        self.to_words().to_string()
    }

    /// The comparison as [`Words`]: its parts, rendered only when displayed.
    pub fn to_words(&self) -> Words {
        Words {
            label: self.label,
            input: self.input.clone(),
            op: self.op,
            threshold: self.threshold.clone(),
        }
    }
}

/// A comparison in words (`TPP 2,368 >= 2,400`), kept as its parts and rendered only when
/// displayed or serialized (as a string), so that deciding does not pay for formatting
/// numbers nobody may read.
#[derive(Clone, Debug, PartialEq)]
pub struct Words {
    label: &'static str,
    input: Option<FactValue>,
    op: StepOp,
    threshold: Threshold,
}

impl std::fmt::Display for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = self.label;
        let threshold = &self.threshold;
        match &self.input {
            Some(input) => match self.op {
                StepOp::Is => write!(f, "{label}: {input} (needs {threshold})"),
                StepOp::HasAny => write!(f, "{label} {input} includes any of {threshold}"),
                op => write!(f, "{label} {input} {op} {threshold}"),
            },
            None => match self.op {
                StepOp::Is => write!(f, "{label}: missing (needs {threshold})"),
                StepOp::HasAny => write!(f, "{label} missing includes any of {threshold}"),
                op => write!(f, "{label} missing {op} {threshold}"),
            },
        }
    }
}

impl Serialize for Words {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Evaluates a condition, pushing one [`Step`] per leaf (every leaf is evaluated, so the
/// trace and the headroom are complete).
pub fn evaluate(
    condition: &Condition,
    facts: &Facts,
    schema: &FactSchema,
    rule: RuleRef,
    steps: &mut Vec<Step>,
) -> Tri {
    match condition {
        Condition::All(parts) => parts.iter().fold(Tri::True, |acc, part| {
            acc.and(evaluate(part, facts, schema, rule, steps))
        }),
        Condition::Any(parts) => parts.iter().fold(Tri::False, |acc, part| {
            acc.or(evaluate(part, facts, schema, rule, steps))
        }),
        Condition::Not(inner) => !evaluate(inner, facts, schema, rule, steps),
        Condition::Compare { fact, op, value } => {
            let input = facts.get(*fact);
            let (result, margin) = match input {
                Some(FactValue::Number(x)) => (Tri::from_bool(op.test(*x, *value)), Some(x - value)),
                _ => (Tri::Unknown, None),
            };
            push(
                steps,
                schema,
                rule,
                *fact,
                input,
                StepOp::Compare(*op),
                Threshold::Number(*value),
                result,
                margin,
            );
            result
        }
        Condition::Flag { fact, is } => {
            let input = facts.get(*fact);
            let result = match input {
                Some(FactValue::Bool(b)) => Tri::from_bool(b == is),
                _ => Tri::Unknown,
            };
            push(
                steps,
                schema,
                rule,
                *fact,
                input,
                StepOp::Is,
                Threshold::Bool(*is),
                result,
                None,
            );
            result
        }
        Condition::In { fact, values } => {
            let input = facts.get(*fact);
            let result = match input {
                Some(FactValue::Text(t)) => Tri::from_bool(values.iter().any(|v| same(v, t.as_str()))),
                _ => Tri::Unknown,
            };
            push(
                steps,
                schema,
                rule,
                *fact,
                input,
                StepOp::In,
                Threshold::List(values),
                result,
                None,
            );
            result
        }
        Condition::HasAny { fact, values } => {
            let input = facts.get(*fact);
            let result = match input {
                Some(FactValue::Set(set)) => Tri::from_bool(set.iter().any(|s| values.iter().any(|v| same(s, v)))),
                _ => Tri::Unknown,
            };
            push(
                steps,
                schema,
                rule,
                *fact,
                input,
                StepOp::HasAny,
                Threshold::List(values),
                result,
                None,
            );
            result
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "one private constructor for a plain record")]
#[inline(always)]
fn push(
    steps: &mut Vec<Step>,
    schema: &FactSchema,
    rule: RuleRef,
    fact: usize,
    input: Option<&FactValue>,
    op: StepOp,
    threshold: Threshold,
    result: Tri,
    margin: Option<f64>,
) {
    let (name, label) = schema.get(fact).map_or(("?", "?"), |f| (f.name, f.label));
    steps.push(Step {
        rule: rule.id,
        citation: rule.citation,
        fact: name,
        fact_index: u32::try_from(fact).unwrap_or(u32::MAX),
        label,
        input: input.cloned(),
        op,
        threshold,
        result,
        margin,
        source: None,
    });
}

/// String equality for the short, mostly interned texts of facts and thresholds: the
/// same pointer is equal at once, and a short byte loop beats a call to `memcmp`.
#[inline]
fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || (a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y))
}

/// The number of comparisons (leaves) in a condition: the steps one evaluation records.
pub fn leaf_count(condition: &Condition) -> usize {
    match condition {
        Condition::All(parts) | Condition::Any(parts) => parts.iter().map(leaf_count).sum(),
        Condition::Not(inner) => leaf_count(inner),
        Condition::Compare { .. } | Condition::Flag { .. } | Condition::In { .. } | Condition::HasAny { .. } => 1,
    }
}

/// The facts a condition refers to, by index (for "missing input" reports).
pub fn referenced_facts(condition: &Condition, out: &mut Vec<usize>) {
    match condition {
        Condition::All(parts) | Condition::Any(parts) => parts.iter().for_each(|p| referenced_facts(p, out)),
        Condition::Not(inner) => referenced_facts(inner, out),
        Condition::Compare { fact, .. }
        | Condition::Flag { fact, .. }
        | Condition::In { fact, .. }
        | Condition::HasAny { fact, .. } => {
            if !out.contains(fact) {
                out.push(*fact);
            }
        }
    }
}

/// JSON Schemas of the types serialized as text.
#[cfg(feature = "schema")]
mod schema {
    use std::borrow::Cow;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    use super::{StepOp, Text, Words};

    impl JsonSchema for Text {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Text".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string" })
        }
    }

    impl JsonSchema for StepOp {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "StepOp".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "enum": [">=", ">", "<", "<=", "==", "is", "in", "has_any"] })
        }
    }

    impl JsonSchema for Words {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Words".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "description": "The step in words." })
        }
    }
}
