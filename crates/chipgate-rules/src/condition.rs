//! The condition language: a small typed tree, parsed from TOML with path-named errors
//! and compiled against a [`FactSchema`] so that a rule naming an unknown fact, or
//! comparing a flag with a number, is refused at load time.
//!
//! Grammar (TOML inline tables):
//! ```text
//! cond := { all = [cond, …] } | { any = [cond, …] } | { not = cond }
//!       | { fact = NAME, op = (">=" | ">" | "<" | "<=" | "=="), value = NUMBER }   # number facts
//!       | { flag = NAME, is = BOOL }                                               # bool facts
//!       | { fact = NAME, in = [TEXT, …] }                                          # text facts
//!       | { fact = NAME, has_any = [TEXT, …] }                                     # set facts
//! ```

use std::fmt;

use serde::Serialize;

use crate::sym::{intern_list, Sym};

/// The kind of value a fact holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A non-negative number (TPP, GB/s, …).
    Number,
    /// True or false (designed for datacenters, …).
    Bool,
    /// One text value (a country code, …).
    Text,
    /// A set of text values (country groups, ECCN paragraphs, …).
    Set,
}

/// One fact a rule may test.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FactDef {
    /// Name used in rule files, e.g. `tpp`.
    pub name: &'static str,
    /// Its kind.
    pub kind: FactKind,
    /// Label for people, e.g. `TPP`.
    pub label: &'static str,
}

/// The facts a family of rule files may use. Supplied by the crate that computes them.
#[derive(Clone, Debug, PartialEq)]
pub struct FactSchema {
    facts: Vec<FactDef>,
}

impl FactSchema {
    /// A schema from its fact definitions.
    pub fn new(facts: Vec<FactDef>) -> FactSchema {
        FactSchema { facts }
    }

    /// Index of a fact by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        // Callers pass the same literals the schema was built from: the pointer usually
        // matches, and a length check rules most others out without comparing bytes.
        self.facts
            .iter()
            .position(|f| std::ptr::eq(f.name, name) || (f.name.len() == name.len() && f.name.bytes().eq(name.bytes())))
    }

    /// Definition by index.
    pub fn get(&self, index: usize) -> Option<&FactDef> {
        self.facts.get(index)
    }

    /// Number of facts.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// True when the schema has no facts.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Names of all facts, for error hints.
    pub fn names(&self) -> Vec<&'static str> {
        self.facts.iter().map(|f| f.name).collect()
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Op {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `==`
    #[serde(rename = "==")]
    Eq,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            ">=" => Op::Ge,
            ">" => Op::Gt,
            "<" => Op::Lt,
            "<=" => Op::Le,
            "==" => Op::Eq,
            _ => return None,
        })
    }

    /// Applies the operator.
    pub fn test(self, left: f64, right: f64) -> bool {
        match self {
            Op::Ge => left >= right,
            Op::Gt => left > right,
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Eq => left == right,
        }
    }

    /// The symbol.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
        }
    }

    /// Words for people: "at least", "more than", …
    pub fn words(self) -> &'static str {
        match self {
            Op::Ge => "at least",
            Op::Gt => "more than",
            Op::Lt => "less than",
            Op::Le => "at most",
            Op::Eq => "exactly",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compiled condition. Leaves refer to facts by schema index.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// All must hold.
    All(Vec<Condition>),
    /// At least one must hold.
    Any(Vec<Condition>),
    /// Must not hold.
    Not(Box<Condition>),
    /// A number fact compared with a threshold.
    Compare {
        /// Fact index.
        fact: usize,
        /// Operator.
        op: Op,
        /// Threshold.
        value: f64,
    },
    /// A bool fact equal to a value.
    Flag {
        /// Fact index.
        fact: usize,
        /// Expected value.
        is: bool,
    },
    /// A text fact is one of the values.
    In {
        /// Fact index.
        fact: usize,
        /// Accepted values.
        values: &'static [Sym],
    },
    /// A set fact shares at least one value with the list.
    HasAny {
        /// Fact index.
        fact: usize,
        /// Values looked for.
        values: &'static [Sym],
    },
}

/// A problem in a condition, located by its path in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConditionError {
    /// Dotted path, e.g. `paragraphs[2].when.all[0]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> ConditionError {
    ConditionError {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn string_list(value: &toml::Value, path: &str) -> Result<&'static [Sym], ConditionError> {
    let array = value
        .as_array()
        .ok_or_else(|| err(path, "expected a list of strings"))?;
    array
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .ok_or_else(|| err(&format!("{path}[{i}]"), "expected a string"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|v| intern_list(&v))
}

fn fact_of(schema: &FactSchema, name: &str, path: &str, expected: FactKind) -> Result<usize, ConditionError> {
    let index = schema.index(name).ok_or_else(|| {
        err(
            path,
            format!("unknown fact `{name}`; known facts: {}", schema.names().join(", ")),
        )
    })?;
    let kind = schema.get(index).map(|f| f.kind);
    if kind != Some(expected) {
        return Err(err(
            path,
            format!(
                "fact `{name}` is a {:?} fact and cannot be used this way",
                kind.unwrap_or(expected)
            )
            .to_lowercase(),
        ));
    }
    Ok(index)
}

/// Parses and compiles a condition from a TOML value.
pub fn compile(value: &toml::Value, schema: &FactSchema, path: &str) -> Result<Condition, ConditionError> {
    let table = value.as_table().ok_or_else(|| {
        err(
            path,
            "a condition must be a table such as { fact = \"tpp\", op = \">=\", value = 4800 }",
        )
    })?;
    let keys: Vec<&str> = table.keys().map(String::as_str).collect();
    let only = |allowed: &[&str]| -> Result<(), ConditionError> {
        for key in &keys {
            if !allowed.contains(key) {
                return Err(err(
                    path,
                    format!("unexpected key `{key}`; expected {}", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    };
    let children = |key: &str| -> Result<Vec<Condition>, ConditionError> {
        let list = table
            .get(key)
            .and_then(toml::Value::as_array)
            .ok_or_else(|| err(path, format!("`{key}` must be a list of conditions")))?;
        if list.is_empty() {
            return Err(err(path, format!("`{key}` must not be empty")));
        }
        list.iter()
            .enumerate()
            .map(|(i, v)| compile(v, schema, &format!("{path}.{key}[{i}]")))
            .collect()
    };
    if table.contains_key("all") {
        only(&["all"])?;
        return Ok(Condition::All(children("all")?));
    }
    if table.contains_key("any") {
        only(&["any"])?;
        return Ok(Condition::Any(children("any")?));
    }
    if let Some(inner) = table.get("not") {
        only(&["not"])?;
        return Ok(Condition::Not(Box::new(compile(
            inner,
            schema,
            &format!("{path}.not"),
        )?)));
    }
    if let Some(flag) = table.get("flag") {
        only(&["flag", "is"])?;
        let name = flag.as_str().ok_or_else(|| err(path, "`flag` must be a fact name"))?;
        let is = table
            .get("is")
            .and_then(toml::Value::as_bool)
            .ok_or_else(|| err(path, "`is` must be true or false"))?;
        return Ok(Condition::Flag {
            fact: fact_of(schema, name, path, FactKind::Bool)?,
            is,
        });
    }
    let Some(name) = table.get("fact").and_then(toml::Value::as_str) else {
        return Err(err(path, "expected one of `all`, `any`, `not`, `flag` or `fact`"));
    };
    if let Some(values) = table.get("in") {
        only(&["fact", "in"])?;
        return Ok(Condition::In {
            fact: fact_of(schema, name, path, FactKind::Text)?,
            values: string_list(values, &format!("{path}.in"))?,
        });
    }
    if let Some(values) = table.get("has_any") {
        only(&["fact", "has_any"])?;
        return Ok(Condition::HasAny {
            fact: fact_of(schema, name, path, FactKind::Set)?,
            values: string_list(values, &format!("{path}.has_any"))?,
        });
    }
    only(&["fact", "op", "value"])?;
    let op_text = table
        .get("op")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| err(path, "`op` is required: one of >=, >, <, <=, =="))?;
    let op =
        Op::parse(op_text).ok_or_else(|| err(path, format!("unknown operator `{op_text}`; use >=, >, <, <= or ==")))?;
    let value = match table.get("value") {
        Some(toml::Value::Integer(i)) => *i as f64,
        Some(toml::Value::Float(f)) => *f,
        _ => return Err(err(path, "`value` must be a number")),
    };
    if !value.is_finite() {
        return Err(err(path, format!("threshold `{value}` is not a finite number")));
    }
    Ok(Condition::Compare {
        fact: fact_of(schema, name, path, FactKind::Number)?,
        op,
        value,
    })
}
