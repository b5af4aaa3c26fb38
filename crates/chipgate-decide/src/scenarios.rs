//! Scenario files (`tests/scenarios/*.toml`): what the rules must answer for an item, a date
//! and (for determinations) a destination and parties, each scenario citing its source. One
//! runner for both kinds, called by the tests and by `chipgate rules test FILE…`:
//!
//! - a **classification** scenario (no `to`) names the outcome, the ECCN paragraphs and
//!   optionally the sub-paragraphs met, headroom lines and missing inputs;
//! - a **determination** scenario (with `to`) names the outcome, exactly the requirement ids,
//!   and optionally the review policy, exceptions, notes, red flags and more.
//!
//! A file's text is handed in (this crate reads no files); a scenario with an unknown key, a
//! bad date or an unknown item is an error naming the file and the scenario, never skipped.

use serde::Deserialize;

use crate::{Decider, Decision, Ownership, PartyLookup, Request};
use chipgate_model::Date;

/// Why a scenario file could not be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// The file is not a scenario file.
    #[error("{origin}: {message}")]
    Parse {
        /// The file.
        origin: String,
        /// What is wrong (with the TOML line and column).
        message: String,
    },
    /// A scenario cannot be run as written (bad date, unknown item, no source).
    #[error("{origin}: scenario `{name}`: {field}: {message}")]
    Scenario {
        /// The file.
        origin: String,
        /// The scenario's name.
        name: String,
        /// The key at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: Vec<toml::Table>,
}

/// A classification scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Classification {
    name: String,
    item: String,
    date: String,
    outcome: String,
    eccn: Vec<String>,
    #[serde(default)]
    paragraphs: Option<Vec<String>>,
    #[serde(default)]
    headroom: Vec<String>,
    #[serde(default)]
    missing: Vec<String>,
    source: String,
}

/// A determination scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Determination {
    name: String,
    item: String,
    to: String,
    date: String,
    #[serde(default)]
    end_user_hq: Option<String>,
    #[serde(default)]
    parent_hq: Option<String>,
    #[serde(default)]
    exporter: Option<String>,
    #[serde(default)]
    end_use: Option<String>,
    #[serde(default)]
    as_written: bool,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    eccn: Option<String>,
    #[serde(default)]
    us_person: Option<bool>,
    #[serde(default)]
    end_user: Option<String>,
    #[serde(default)]
    consignee: Option<String>,
    #[serde(default)]
    owners: Vec<Ownership>,
    outcome: String,
    #[serde(default)]
    review_policy: Option<String>,
    reasons: Vec<String>,
    #[serde(default)]
    exceptions: Option<Vec<String>>,
    #[serde(default)]
    notification_days: Option<u32>,
    #[serde(default)]
    not_enforced: Vec<String>,
    /// Substrings that must each appear in some missing input.
    #[serde(default)]
    missing: Vec<String>,
    /// Exceptions reported as not usable.
    #[serde(default)]
    ruled_out: Vec<String>,
    /// Substrings that must each appear in some note.
    #[serde(default)]
    notes: Vec<String>,
    /// Possible matches to review (checked when given).
    #[serde(default)]
    possible: Option<usize>,
    /// Substrings that must each appear in some red flag.
    #[serde(default)]
    red_flags: Vec<String>,
    source: String,
}

#[derive(Debug)]
enum Scenario {
    Classification(Box<Classification>),
    Determination(Box<Determination>),
}

impl Scenario {
    fn name(&self) -> &str {
        match self {
            Scenario::Classification(s) => &s.name,
            Scenario::Determination(s) => &s.name,
        }
    }
}

/// A parsed scenario file.
#[derive(Debug)]
pub struct ScenarioFile {
    origin: String,
    scenarios: Vec<Scenario>,
}

/// One scenario whose answer differs from what it states.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScenarioFailure {
    /// The scenario's name.
    pub name: String,
    /// Each difference, e.g. `outcome not_controlled != controlled`.
    pub problems: Vec<String>,
}

/// What running a file gave.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScenarioRun {
    /// The file.
    pub file: String,
    /// Scenarios run.
    pub scenarios: usize,
    /// Those whose answer differs.
    pub failures: Vec<ScenarioFailure>,
}

fn table_name(table: &toml::Table) -> String {
    table
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("(unnamed)")
        .to_owned()
}

impl ScenarioFile {
    /// Parses the scenarios of `text` (`origin` names it in errors).
    pub fn parse(origin: &str, text: &str) -> Result<ScenarioFile, ScenarioError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        let mut scenarios = Vec::with_capacity(raw.scenario.len());
        for table in raw.scenario {
            let name = table_name(&table);
            let bad = |e: toml::de::Error| ScenarioError::Scenario {
                origin: origin.to_owned(),
                name: name.clone(),
                field: "(scenario)".to_owned(),
                message: e.message().to_owned(),
            };
            let scenario = if table.contains_key("to") {
                Scenario::Determination(Box::new(toml::Value::Table(table).try_into().map_err(bad)?))
            } else {
                Scenario::Classification(Box::new(toml::Value::Table(table).try_into().map_err(bad)?))
            };
            scenarios.push(scenario);
        }
        Ok(ScenarioFile {
            origin: origin.to_owned(),
            scenarios,
        })
    }

    /// How many scenarios the file holds.
    pub fn len(&self) -> usize {
        self.scenarios.len()
    }

    /// Whether a determination scenario names a party (end user, consignee or owner), so
    /// that running it needs the restricted-party lists.
    pub fn names_parties(&self) -> bool {
        self.scenarios.iter().any(|s| match s {
            Scenario::Classification(_) => false,
            Scenario::Determination(d) => d.end_user.is_some() || d.consignee.is_some() || !d.owners.is_empty(),
        })
    }

    /// Whether the file holds none.
    pub fn is_empty(&self) -> bool {
        self.scenarios.is_empty()
    }

    /// Runs every scenario: classifications with the decider's classifier, determinations
    /// with `lists` as the party check.
    pub fn run(&self, decider: &Decider, lists: &dyn PartyLookup) -> Result<ScenarioRun, ScenarioError> {
        let mut failures = Vec::new();
        for scenario in &self.scenarios {
            let problems = match scenario {
                Scenario::Classification(s) => self.classification(decider, s)?,
                Scenario::Determination(s) => self.determination(decider, s, lists)?,
            };
            if !problems.is_empty() {
                failures.push(ScenarioFailure {
                    name: scenario.name().to_owned(),
                    problems,
                });
            }
        }
        Ok(ScenarioRun {
            file: self.origin.clone(),
            scenarios: self.scenarios.len(),
            failures,
        })
    }

    fn error(&self, name: &str, field: &str, message: impl ToString) -> ScenarioError {
        ScenarioError::Scenario {
            origin: self.origin.clone(),
            name: name.to_owned(),
            field: field.to_owned(),
            message: message.to_string(),
        }
    }

    fn common(&self, name: &str, date: &str, source: &str) -> Result<Date, ScenarioError> {
        if source.trim().is_empty() {
            return Err(self.error(name, "source", "every scenario cites its source"));
        }
        date.parse().map_err(|e| self.error(name, "date", e))
    }

    fn classification(&self, decider: &Decider, s: &Classification) -> Result<Vec<String>, ScenarioError> {
        let date = self.common(&s.name, &s.date, &s.source)?;
        let classifier = decider.classifier();
        let record = classifier
            .catalog()
            .get(&s.item)
            .map_err(|e| self.error(&s.name, "item", e))?;
        let result = classifier
            .classify(record, date)
            .map_err(|e| self.error(&s.name, "date", e))?;
        let eccn: Vec<String> = result.eccn.iter().map(ToString::to_string).collect();
        let mut problems = Vec::new();
        if result.outcome.as_str() != s.outcome {
            problems.push(format!("outcome {} != {}", result.outcome.as_str(), s.outcome));
        }
        if eccn != s.eccn {
            problems.push(format!("eccn {eccn:?} != {:?}", s.eccn));
        }
        if let Some(expected) = &s.paragraphs {
            let met: Vec<String> = result.paragraphs.iter().map(ToString::to_string).collect();
            if &met != expected {
                problems.push(format!("paragraphs {met:?} != {expected:?}"));
            }
        }
        for h in &s.headroom {
            if !result.headroom.iter().any(|x| x.text().starts_with(h.as_str())) {
                problems.push(format!("no headroom line starting `{h}`"));
            }
        }
        for m in &s.missing {
            if !result.missing_inputs.iter().any(|x| x.fact == m) {
                problems.push(format!("missing input `{m}` not reported"));
            }
        }
        Ok(problems)
    }

    fn determination(
        &self,
        decider: &Decider,
        s: &Determination,
        lists: &dyn PartyLookup,
    ) -> Result<Vec<String>, ScenarioError> {
        let date = self.common(&s.name, &s.date, &s.source)?;
        let item = decider
            .classifier()
            .catalog()
            .get(&s.item)
            .map_err(|e| self.error(&s.name, "item", e))?;
        let request = Request {
            destination: s.to.clone(),
            end_user: s.end_user.clone(),
            consignee: s.consignee.clone(),
            end_user_hq: s.end_user_hq.clone(),
            parent_hq: s.parent_hq.clone(),
            exporter: s.exporter.clone(),
            end_use: s.end_use.clone(),
            as_written: s.as_written,
            region: s.region.clone(),
            eccn: s.eccn.clone(),
            us_person: s.us_person,
            owners: s.owners.clone(),
            ..Request::default()
        };
        match decider.decide(item, &request, date, lists) {
            Ok(decision) => Ok(check(s, &decision)),
            Err(e) => Ok(vec![format!("error {e}")]),
        }
    }
}

/// What a determination scenario asserts about a decision.
fn check(s: &Determination, r: &Decision) -> Vec<String> {
    let mut problems = Vec::new();
    if r.outcome.as_str() != s.outcome {
        problems.push(format!("outcome {} != {}", r.outcome.as_str(), s.outcome));
    }
    if let Some(p) = &s.review_policy {
        if r.review_policy.map(|x| x.as_str()) != Some(p.as_str()) {
            problems.push(format!("policy {:?} != {p}", r.review_policy));
        }
    }
    let mut ids: Vec<String> = r.reasons.iter().map(|x| x.id.to_string()).collect();
    ids.sort();
    let mut want = s.reasons.clone();
    want.sort();
    if ids != want {
        problems.push(format!("reasons {ids:?} != {want:?}"));
    }
    if s.outcome == "indeterminate" && r.missing_inputs.is_empty() {
        problems.push("indeterminate without missing inputs".to_owned());
    }
    let texts = |v: &[chipgate_rules::Text]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    for (wanted, got, what) in [
        (&s.missing, r.missing_inputs.clone(), "missing input"),
        (&s.notes, texts(&r.notes), "note"),
        (&s.red_flags, texts(&r.red_flags), "red flag"),
    ] {
        for w in wanted {
            if !got.iter().any(|g| g.contains(w.as_str())) {
                problems.push(format!("{what} `{w}` not in {got:?}"));
            }
        }
    }
    let ruled_out: Vec<&str> = r.exceptions_ruled_out.iter().map(|x| x.symbol).collect();
    for want in &s.ruled_out {
        if !ruled_out.contains(&want.as_str()) {
            problems.push(format!("exception `{want}` not ruled out: {ruled_out:?}"));
        }
    }
    if let Some(want) = &s.exceptions {
        let got: Vec<String> = r.exceptions.iter().map(|x| x.symbol.to_string()).collect();
        if &got != want {
            problems.push(format!("exceptions {got:?} != {want:?}"));
        }
    }
    if let Some(days) = s.notification_days {
        let got = r
            .exceptions
            .iter()
            .flat_map(|x| &x.conditions)
            .filter_map(|c| c.notification_days)
            .max()
            .unwrap_or(0);
        if got != days {
            problems.push(format!("notification days {got} != {days}"));
        }
    }
    for want in &s.not_enforced {
        if !r.not_enforced.iter().any(|x| x.id == want) {
            problems.push(format!("not-enforced `{want}` missing"));
        }
    }
    if let Some(n) = s.possible {
        if r.possible_listed_parties.len() != n {
            problems.push(format!("{} possible matches != {n}", r.possible_listed_parties.len()));
        }
    }
    let required = match s.outcome.as_str() {
        "license_required" | "license_exception_available" => true,
        // Indeterminate: required when some requirement holds whatever the missing input.
        "indeterminate" => !r.reasons.is_empty(),
        _ => false,
    };
    if r.license_required != required {
        problems.push("license_required disagrees with outcome".to_owned());
    }
    problems
}
