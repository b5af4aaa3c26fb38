//! License-rule data: requirements in layers (Part 746 embargoes, advanced-computing
//! destination/headquarters/company-specific rules, Part 744 end uses, General
//! Prohibitions), review policies and license exceptions, each effective-dated with its
//! source, compiled against the decision [`schema`](crate::schema).

use chipgate_model::Date;
use chipgate_rules::{compile, eval::leaf_count, intern, intern_list, Condition, Evidence, FactSchema, Sym};
use serde::{Deserialize, Serialize};

use crate::DecideError;

/// Where a rule comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Cite {
    /// Citation, e.g. `88 FR 73458`.
    pub citation: Sym,
    /// URL.
    pub url: Sym,
    /// Evidence grade.
    pub evidence: Evidence,
}

/// What every license rule (requirement, review policy, exception) has.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleHeader {
    /// Stable id.
    pub id: Sym,
    /// First day in force.
    pub effective: Date,
    /// First day no longer in force.
    pub until: Option<Date>,
    /// Source.
    pub cite: Cite,
    /// The rule's words (or a close paraphrase, graded by evidence).
    pub text: Sym,
    /// Interpretive note.
    pub note: Option<Sym>,
}

impl RuleHeader {
    /// True when the rule is in force on `date`: from `effective`, before `until`.
    pub fn in_force(&self, date: Date) -> bool {
        self.effective <= date && self.until.is_none_or(|u| date < u)
    }
}

/// The [`RuleHeader`] of a raw record of any kind (they share the field names), with its
/// dates checked; returns early with the error.
macro_rules! header {
    ($file:expr, $raw:expr) => {{
        check_dates($file, &$raw.id, $raw.effective, $raw.until)?;
        RuleHeader {
            id: intern(&$raw.id),
            effective: $raw.effective,
            until: $raw.until,
            cite: Cite {
                citation: intern(&$raw.citation),
                url: intern(&$raw.url),
                evidence: $raw.evidence,
            },
            text: intern(&$raw.text),
            note: $raw.note.as_deref().map(intern),
        }
    }};
}

/// What kind of requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// By destination (Commerce Country Chart / 742.6).
    Destination,
    /// By the headquarters of the end user or its parent.
    Headquarters,
    /// By end use (744.23).
    EndUse,
    /// A requirement imposed on one exporter ("is informed").
    CompanySpecific,
    /// A Part 746 embargo or special control (Cuba, Iran, North Korea, Syria, Russia,
    /// Belarus, Crimea/DNR/LNR).
    Embargo,
    /// An authorization of another agency that the EAR requires (OFAC for Iran).
    OfacAuthorization,
    /// A General Prohibition of 15 CFR 736.2(b) (GP10).
    GeneralProhibition,
}

impl RequirementKind {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementKind::Destination => "destination",
            RequirementKind::Headquarters => "headquarters",
            RequirementKind::EndUse => "end_use",
            RequirementKind::CompanySpecific => "company_specific",
            RequirementKind::Embargo => "embargo",
            RequirementKind::OfacAuthorization => "ofac_authorization",
            RequirementKind::GeneralProhibition => "general_prohibition",
        }
    }

    /// The layer a requirement of this kind belongs to: the order in which the
    /// determination evaluates them and lists its reasons.
    pub fn layer(self) -> Layer {
        match self {
            RequirementKind::Embargo | RequirementKind::OfacAuthorization => Layer::Embargo,
            RequirementKind::Destination | RequirementKind::Headquarters | RequirementKind::CompanySpecific => {
                Layer::ControlList
            }
            RequirementKind::EndUse => Layer::EndUse,
            RequirementKind::GeneralProhibition => Layer::GeneralProhibition,
        }
    }
}

/// The layers of a determination, in evaluation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// Part 746 embargoes and special controls (and the OFAC overlap).
    Embargo,
    /// Advanced-computing requirements by destination, headquarters and company letters.
    ControlList,
    /// Part 744 end-use and end-user overlays.
    EndUse,
    /// General Prohibitions.
    GeneralProhibition,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotEnforced {
    from: Date,
    citation: String,
    url: String,
    evidence: Evidence,
}

/// A provision in the CFR text that BIS announced it does not enforce.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotEnforced {
    /// First day not enforced.
    pub from: Date,
    /// The announcement.
    pub cite: Cite,
}

/// A dated event in a requirement's story (e.g. licenses promised).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Date.
    pub date: Date,
    /// What happened.
    pub text: String,
    /// Source.
    pub url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    kind: RequirementKind,
    #[serde(default)]
    recipient: Option<String>,
    title: String,
    section: String,
    effective: Date,
    #[serde(default)]
    until: Option<Date>,
    citation: String,
    url: String,
    evidence: Evidence,
    text: String,
    #[serde(default)]
    note: Option<String>,
    when: toml::Value,
    #[serde(default)]
    not_enforced: Option<RawNotEnforced>,
    #[serde(default)]
    events: Vec<Event>,
    #[serde(default)]
    exceptions_allowed: Option<Vec<String>>,
    #[serde(default)]
    exceptions_source: Option<String>,
    #[serde(default)]
    indeterminate: Option<String>,
    #[serde(default)]
    follows: Vec<String>,
}

/// A license requirement.
#[derive(Clone, Debug, PartialEq)]
pub struct Requirement {
    /// Id, dates in force, source, words and note.
    pub header: RuleHeader,
    /// Kind.
    pub kind: RequirementKind,
    /// For company-specific requirements: the exporter informed.
    pub recipient: Option<Sym>,
    /// Title.
    pub title: Sym,
    /// CFR section.
    pub section: Sym,
    /// Condition.
    pub when: Condition,
    /// Announced non-enforcement.
    pub not_enforced: Option<NotEnforced>,
    /// Dated events.
    pub events: Vec<Event>,
    /// The only license exceptions that may overcome this requirement (a Part 746 list,
    /// 744.21(c), GP10's none), with the source of the list; `None`: no such limit.
    pub exceptions_allowed: Option<(&'static [Sym], Sym)>,
    /// When the condition holds, the requirement is undecided for want of this fact
    /// (e.g. a supplement chipgate does not bundle).
    pub indeterminate: Option<Sym>,
    /// The requirements this one continues (shown in timelines when they began earlier).
    pub follows: Vec<Sym>,
    /// The note each event adds to a decision on or after its date (compiled).
    pub(crate) event_notes: Vec<Sym>,
    /// The note a decision carries when this requirement applies but is not enforced.
    pub(crate) not_enforced_note: Sym,
}

/// A review policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewPolicy {
    /// Presumption of approval (least restrictive).
    PresumptionOfApproval,
    /// Case-by-case review.
    CaseByCase,
    /// Presumption of denial.
    PresumptionOfDenial,
    /// Policy of denial (most restrictive).
    PolicyOfDenial,
}

impl ReviewPolicy {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewPolicy::PresumptionOfApproval => "presumption_of_approval",
            ReviewPolicy::CaseByCase => "case_by_case",
            ReviewPolicy::PresumptionOfDenial => "presumption_of_denial",
            ReviewPolicy::PolicyOfDenial => "policy_of_denial",
        }
    }

    /// Reads a policy phrase from a list entry, e.g. "Presumption of denial."
    pub fn from_phrase(text: &str) -> Option<ReviewPolicy> {
        let t = text.to_lowercase();
        if t.contains("policy of denial") {
            Some(ReviewPolicy::PolicyOfDenial)
        } else if t.contains("presumption of denial") {
            Some(ReviewPolicy::PresumptionOfDenial)
        } else if t.contains("case-by-case") || t.contains("case by case") {
            Some(ReviewPolicy::CaseByCase)
        } else if t.contains("presumption of approval") {
            Some(ReviewPolicy::PresumptionOfApproval)
        } else {
            None
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: String,
    policy: ReviewPolicy,
    applies_to: Vec<String>,
    effective: Date,
    #[serde(default)]
    until: Option<Date>,
    citation: String,
    url: String,
    evidence: Evidence,
    text: String,
    #[serde(default)]
    conditions: Vec<String>,
    #[serde(default)]
    note: Option<String>,
    when: toml::Value,
}

/// A review-policy rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Id, dates in force, source, words and note.
    pub header: RuleHeader,
    /// Policy.
    pub policy: ReviewPolicy,
    /// Requirement ids it applies to.
    pub applies_to: Vec<Sym>,
    /// Conditions the exporter must meet.
    pub conditions: &'static [Sym],
    /// When it applies.
    pub when: Condition,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    text: String,
    #[serde(default)]
    notification_days: Option<u32>,
    url: String,
    when: toml::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    id: String,
    symbol: String,
    title: String,
    section: String,
    effective: Date,
    #[serde(default)]
    until: Option<Date>,
    citation: String,
    url: String,
    evidence: Evidence,
    covers: Vec<String>,
    text: String,
    #[serde(default)]
    note: Option<String>,
    when: toml::Value,
    #[serde(default)]
    conditions: Vec<RawCondition>,
}

/// A condition attached to an exception (e.g. NAC's notification).
#[derive(Clone, Debug, PartialEq)]
pub struct ExceptionCondition {
    /// What the exporter must do.
    pub text: Sym,
    /// Days BIS has to review a notification.
    pub notification_days: Option<u32>,
    /// Source.
    pub url: Sym,
    /// When it applies.
    pub when: Condition,
}

/// A license exception.
#[derive(Clone, Debug, PartialEq)]
pub struct Exception {
    /// Id, dates in force, source, words and note.
    pub header: RuleHeader,
    /// Symbol, e.g. `NAC`.
    pub symbol: Sym,
    /// Title.
    pub title: Sym,
    /// CFR section.
    pub section: Sym,
    /// Requirement ids it resolves.
    pub covers: Vec<Sym>,
    /// Eligibility.
    pub when: Condition,
    /// Conditions.
    pub conditions: Vec<ExceptionCondition>,
}

/// All license-rule data.
#[derive(Clone, Debug, PartialEq)]
pub struct LicenseRules {
    /// Requirements (regulatory and company-specific).
    pub requirements: Vec<Requirement>,
    /// Review policies, in precedence order.
    pub policies: Vec<Policy>,
    /// License exceptions.
    pub exceptions: Vec<Exception>,
    /// Date the data were compiled.
    pub compiled: Date,
    /// Content hash of the rule files (16 hex digits), recorded in every decision.
    pub version: Sym,
    /// The note for decisions dated after `compiled`.
    pub(crate) compiled_note: Sym,
    /// Comparisons one determination can record at most (sizes the trace).
    pub(crate) max_steps: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsFile {
    #[serde(rename = "id")]
    _id: String,
    compiled: Date,
    requirement: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PoliciesFile {
    #[serde(rename = "id")]
    _id: String,
    compiled: Date,
    policy: Vec<RawPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    #[serde(rename = "id")]
    _id: String,
    compiled: Date,
    exception: Vec<RawException>,
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, DecideError> {
    toml::from_str(text).map_err(|e| DecideError::Data {
        file: file.to_owned(),
        message: e.to_string().replace('\n', " "),
    })
}

fn cond(file: &str, value: &toml::Value, schema: &FactSchema, path: String) -> Result<Condition, DecideError> {
    compile(value, schema, &path).map_err(|e| DecideError::Data {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

/// FNV-1a 64-bit over the files, as 16 hex digits: a stable id of the data version.
pub fn content_hash(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

impl LicenseRules {
    /// Parses and validates the license-rule files (as `(path, text)`): the requirement
    /// files (any number, each a list of `[[requirement]]`), the policies and the
    /// exceptions. `context` are further files whose content the version hash covers.
    pub fn from_files(
        requirement_files: &[(&str, &str)],
        policies: (&str, &str),
        exceptions: (&str, &str),
        context: &[&str],
        schema: &FactSchema,
    ) -> Result<LicenseRules, DecideError> {
        let mut reqs = Vec::new();
        let mut compiled = Date::from_days_since_epoch(0);
        for &(file, text) in requirement_files {
            let raw: RequirementsFile = parse(file, text)?;
            compiled = compiled.max(raw.compiled);
            for (i, r) in raw.requirement.into_iter().enumerate() {
                if r.kind == RequirementKind::CompanySpecific && r.recipient.is_none() {
                    return Err(DecideError::Data {
                        file: file.to_owned(),
                        message: format!(
                            "requirement `{}`: a company-specific requirement needs `recipient`",
                            r.id
                        ),
                    });
                }
                if r.exceptions_allowed.is_some() != r.exceptions_source.is_some() {
                    return Err(DecideError::Data {
                        file: file.to_owned(),
                        message: format!(
                            "requirement `{}`: `exceptions_allowed` and `exceptions_source` go together",
                            r.id
                        ),
                    });
                }
                reqs.push(Requirement {
                    header: header!(file, r),
                    exceptions_allowed: r
                        .exceptions_allowed
                        .as_deref()
                        .zip(r.exceptions_source.as_deref())
                        .map(|(list, source)| (intern_list(list), intern(source))),
                    indeterminate: r.indeterminate.as_deref().map(intern),
                    follows: r.follows.iter().map(|f| intern(f)).collect(),
                    when: cond(file, &r.when, schema, format!("requirement[{i}].when"))?,
                    kind: r.kind,
                    recipient: r.recipient.map(|s| intern(&s.to_uppercase())),
                    title: intern(&r.title),
                    section: intern(&r.section),
                    not_enforced: r.not_enforced.map(|n| NotEnforced {
                        from: n.from,
                        cite: Cite {
                            citation: intern(&n.citation),
                            url: intern(&n.url),
                            evidence: n.evidence,
                        },
                    }),
                    event_notes: r
                        .events
                        .iter()
                        .map(|e| intern(&format!("{} ({}): {}", e.date, r.id, e.text)))
                        .collect(),
                    not_enforced_note: intern(&format!(
                        "`{}` is in the CFR text but not enforced; use --as-written to apply it.",
                        r.id
                    )),
                    events: r.events,
                });
            }
        }
        // Evaluation order: by layer, then file order (a stable sort).
        reqs.sort_by_key(|r| r.kind.layer());
        let mut ids: Vec<&str> = reqs.iter().map(|r| r.header.id).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w.first() == w.get(1)) {
            return Err(DecideError::Data {
                file: requirement_files.first().map_or("", |f| f.0).to_owned(),
                message: format!("duplicate requirement id `{}`", w.first().copied().unwrap_or_default()),
            });
        }
        for r in &reqs {
            if let Some(f) = r.follows.iter().find(|f| ids.binary_search(f).is_err()) {
                return Err(DecideError::Data {
                    file: requirement_files.first().map_or("", |f| f.0).to_owned(),
                    message: format!("requirement `{}` follows unknown requirement `{f}`", r.header.id),
                });
            }
        }
        let known = |file: &str, owner: &str, id: &str| -> Result<(), DecideError> {
            if ids.binary_search(&id).is_ok() {
                Ok(())
            } else {
                Err(DecideError::Data {
                    file: file.to_owned(),
                    message: format!("`{owner}` refers to unknown requirement `{id}`"),
                })
            }
        };
        let (pfile, ptext) = policies;
        let raw: PoliciesFile = parse(pfile, ptext)?;
        compiled = compiled.max(raw.compiled);
        let mut pols = Vec::new();
        for (i, p) in raw.policy.into_iter().enumerate() {
            for a in &p.applies_to {
                known(pfile, &p.id, a)?;
            }
            pols.push(Policy {
                header: header!(pfile, p),
                when: cond(pfile, &p.when, schema, format!("policy[{i}].when"))?,
                policy: p.policy,
                applies_to: p.applies_to.iter().map(|a| intern(a)).collect(),
                conditions: intern_list(&p.conditions),
            });
        }
        let (efile, etext) = exceptions;
        let raw: ExceptionsFile = parse(efile, etext)?;
        compiled = compiled.max(raw.compiled);
        let mut excs = Vec::new();
        for (i, x) in raw.exception.into_iter().enumerate() {
            for c in &x.covers {
                known(efile, &x.id, c)?;
            }
            let header = header!(efile, x);
            let mut conditions = Vec::new();
            for (j, c) in x.conditions.into_iter().enumerate() {
                conditions.push(ExceptionCondition {
                    when: cond(efile, &c.when, schema, format!("exception[{i}].conditions[{j}].when"))?,
                    text: intern(&c.text),
                    notification_days: c.notification_days,
                    url: intern(&c.url),
                });
            }
            excs.push(Exception {
                header,
                when: cond(efile, &x.when, schema, format!("exception[{i}].when"))?,
                symbol: intern(&x.symbol),
                title: intern(&x.title),
                section: intern(&x.section),
                covers: x.covers.iter().map(|c| intern(c)).collect(),
                conditions,
            });
        }
        let max_steps = reqs.iter().map(|r| leaf_count(&r.when)).sum::<usize>()
            + pols.iter().map(|p| leaf_count(&p.when)).sum::<usize>()
            + excs
                .iter()
                .map(|x| leaf_count(&x.when) + x.conditions.iter().map(|c| leaf_count(&c.when)).sum::<usize>())
                .sum::<usize>();
        Ok(LicenseRules {
            max_steps,
            version: intern(&content_hash(
                &requirement_files
                    .iter()
                    .map(|f| f.1)
                    .chain([policies.1, exceptions.1])
                    .chain(context.iter().copied())
                    .collect::<Vec<_>>(),
            )),
            compiled_note: intern(&format!(
                "The date is after {compiled} when chipgate's rule data were compiled; later rule changes are not known to it."
            )),
            requirements: reqs,
            policies: pols,
            exceptions: excs,
            compiled,
        })
    }

    /// Every date on which something in these rules starts or stops.
    pub fn event_dates(&self) -> Vec<Date> {
        let mut dates = Vec::new();
        for r in &self.requirements {
            dates.push(r.header.effective);
            dates.extend(r.header.until);
            dates.extend(r.not_enforced.as_ref().map(|n| n.from));
            dates.extend(r.events.iter().map(|e| e.date));
        }
        for p in &self.policies {
            dates.push(p.header.effective);
            dates.extend(p.header.until);
        }
        for x in &self.exceptions {
            dates.push(x.header.effective);
            dates.extend(x.header.until);
        }
        dates
    }
}

fn check_dates(file: &str, id: &str, effective: Date, until: Option<Date>) -> Result<(), DecideError> {
    match until {
        Some(u) if u <= effective => Err(DecideError::Data {
            file: file.to_owned(),
            message: format!("`{id}`: `until` ({u}) must be after `effective` ({effective})"),
        }),
        _ => Ok(()),
    }
}
