//! Rules as data for chipgate.
//!
//! Owns: the condition language ([`condition`]), the one generic three-valued evaluator
//! that records every comparison ([`eval`]), and the classification rule-set format with
//! its validator and date selection ([`ruleset`]); the interning of rule text ([`sym`]),
//! so that a trace copies pointers to ids and citations rather than strings.
//! Does not: know chips, countries or parties. Callers compute named facts and hand
//! them over with a [`FactSchema`]; rules refer to facts by name only, and a rule file
//! naming an unknown fact is refused at load.
//!
//! Key design decision: regulation lives in `data/rules/*.toml`, never in `if` chains.
//! Adding a rule version is adding a file; the evaluator does not change.

// A pure crate: no clock, no file system (the methods `clippy.toml` disallows; allowed in
// the front-ends by the workspace lints, denied here).
#![deny(clippy::disallowed_methods)]

pub mod condition;
pub mod eval;
pub mod ruleset;
pub mod sym;

pub use condition::{compile, Condition, ConditionError, FactDef, FactKind, FactSchema, Op};
pub use eval::{evaluate, FactError, FactValue, Facts, RuleRef, Step, StepOp, Text, Threshold, Tri, Words};
pub use ruleset::{
    Evidence, Exclusion, ExclusionResult, Paragraph, ParagraphResult, RuleBook, RuleSet, RulesError, Source, Verdict,
    Warning,
};
pub use sym::{intern, intern_list, intern_syms, Sym};
