//! License determination for advanced-computing items.
//!
//! Owns: countries and Country Groups by date ([`countries`]), license requirements,
//! company-specific ("is informed") requirements, review policies and license exceptions
//! as effective-dated data ([`rules`]), and the determination itself with its trace
//! ([`Decision`]) and timeline ([`DecisionTimeline`]).
//! Does not: fuzzy-screen names (that is `chipgate-screen`; an exact list lookup is
//! injected through [`PartyLookup`]), store anything, or read the clock.
//!
//! Key design decision: every requirement, policy and exception is a dated record with
//! a condition over named facts, evaluated by the same generic evaluator as the ECCN
//! rules. The code knows how to combine results (required, covered by an exception,
//! most restrictive policy); the data knows the law.

pub mod countries;
pub mod rules;
mod timeline;

use std::collections::HashMap;
use std::sync::OnceLock;

use chipgate_classify::{Classification, Classifier, ClassifyError, Outcome};
use chipgate_data::{DataError, DataSource};
use chipgate_model::{ChipRecord, Date};
use chipgate_rules::{
    evaluate, intern, intern_syms, FactDef, FactKind, FactSchema, FactValue, Facts, RuleRef, Step, Sym, Text, Tri,
    Words,
};
use serde::Serialize;

pub use countries::{Countries, CountryCode};

use countries::china_for_hong_kong;
pub use rules::{Cite, Exception, LicenseRules, Policy, Requirement, RequirementKind, ReviewPolicy, RuleHeader};
pub use timeline::{DecisionTimeline, TimelineEntry};

/// The facts license rules may test.
pub fn schema() -> &'static FactSchema {
    static SCHEMA: OnceLock<FactSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let def = |name, kind, label| FactDef { name, kind, label };
        FactSchema::new(vec![
            def("eccn", FactKind::Set, "ECCN paragraphs of the item"),
            def("item", FactKind::Text, "item id"),
            def("exporter", FactKind::Text, "exporter"),
            def("datacenter", FactKind::Bool, "designed or marketed for datacenters"),
            def("tpp", FactKind::Number, "TPP"),
            def("memory_bandwidth_gbs", FactKind::Number, "total DRAM bandwidth (GB/s)"),
            def(
                "interconnect_gbs",
                FactKind::Number,
                "bidirectional interconnect (GB/s)",
            ),
            def(
                "memory_bandwidth_density",
                FactKind::Number,
                "memory bandwidth density (GB/s/mm²)",
            ),
            def("destination", FactKind::Text, "destination"),
            def("destination_groups", FactKind::Set, "destination's Country Groups"),
            def(
                "hq_countries",
                FactKind::Set,
                "headquarters of end user and ultimate parent",
            ),
            def("hq_groups", FactKind::Set, "Country Groups of those headquarters"),
            def("end_use", FactKind::Text, "end use"),
        ])
    })
}

/// Why a determination could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// Classification failed (unknown item, date out of scope, …).
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// Data could not be read.
    #[error(transparent)]
    Source(#[from] DataError),
    /// A data file is invalid.
    #[error("`{file}`: {message}")]
    Data {
        /// File.
        file: String,
        /// Problem.
        message: String,
    },
    /// A country name or code is not known.
    #[error("unknown country `{value}` for `{field}`{}", hint(.suggestions))]
    UnknownCountry {
        /// The input field.
        field: String,
        /// What was given.
        value: String,
        /// Close matches.
        suggestions: Vec<String>,
    },
    /// Inputs that cannot hold together.
    #[error("{0}")]
    Contradiction(String),
    /// A field value is out of range.
    #[error("`{field}`: {message}")]
    Invalid {
        /// Field.
        field: String,
        /// Problem.
        message: String,
    },
}

fn hint(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        "; use an ISO 3166-1 alpha-2 code such as `CN` or a country name".to_owned()
    } else {
        format!("; did you mean {}?", suggestions.join(" or "))
    }
}

/// A restricted-list entry matched exactly by name, alias or entity number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListedParty {
    /// Which party of the order (`end_user` or `consignee`).
    pub role: String,
    /// The name given.
    pub query: String,
    /// List, e.g. `Entity List (EL) - Bureau of Industry and Security`.
    pub list: String,
    /// Entry name.
    pub name: String,
    /// The name or alias that matched.
    pub matched: String,
    /// License requirement stated by the list.
    pub license_requirement: Option<String>,
    /// License review policy stated by the list.
    pub license_policy: Option<String>,
    /// Federal Register notice of the listing.
    pub federal_register: Option<String>,
}

/// Exact lookups against restricted-party lists, supplied by the caller.
pub trait PartyLookup {
    /// Entries with a license effect whose name, alias or entity number equals `name`
    /// after normalisation.
    fn lookup(&self, name: &str) -> Vec<ListedParty>;
    /// Id of the list snapshot used.
    fn snapshot_id(&self) -> Option<String>;
}

/// No lists: used when the caller screens elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLists;

impl PartyLookup for NoLists {
    fn lookup(&self, _name: &str) -> Vec<ListedParty> {
        Vec::new()
    }
    fn snapshot_id(&self) -> Option<String> {
        None
    }
}

/// What is asked: an item, a destination, parties, an end use and a date.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Destination: ISO code or country name.
    pub destination: String,
    /// Quantity (units), recorded.
    pub quantity: Option<u64>,
    /// End user name.
    pub end_user: Option<String>,
    /// Consignee name.
    pub consignee: Option<String>,
    /// Where the end user is headquartered.
    pub end_user_hq: Option<String>,
    /// Where its ultimate parent is headquartered.
    pub parent_hq: Option<String>,
    /// End use, free text (`supercomputer` is recognised).
    pub end_use: Option<String>,
    /// Exporter; defaults to the item's manufacturer.
    pub exporter: Option<String>,
    /// Evaluate provisions that are in the text but not enforced as if enforced.
    pub as_written: bool,
}

/// Outcome of a determination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseOutcome {
    /// No license is required.
    NoLicenseRequired,
    /// A license is required but a license exception resolves every requirement.
    LicenseExceptionAvailable,
    /// A license is required.
    LicenseRequired,
    /// An input that could decide is missing.
    Indeterminate,
}

impl LicenseOutcome {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseOutcome::NoLicenseRequired => "no_license_required",
            LicenseOutcome::LicenseExceptionAvailable => "license_exception_available",
            LicenseOutcome::LicenseRequired => "license_required",
            LicenseOutcome::Indeterminate => "indeterminate",
        }
    }
}

/// A requirement that applies (or would, for provisions not enforced).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// Requirement id, or `listed-party` for list entries.
    pub id: Sym,
    /// Kind.
    pub kind: &'static str,
    /// Title.
    pub title: Text,
    /// Paragraph or section.
    pub paragraph: Sym,
    /// Citation.
    pub citation: Text,
    /// URL.
    pub url: Sym,
    /// Evidence grade.
    pub evidence: &'static str,
    /// The rule's words.
    pub text: Text,
    /// The inputs that made it apply.
    pub inputs: Vec<ReasonInput>,
    /// Interpretive note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Sym>,
}

/// One input that made a requirement apply: a comparison of the trace (rendered when
/// displayed) or a sentence. Serialized as a string.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ReasonInput {
    /// A comparison that held, e.g. `destination CN in [CN, MO]`.
    Comparison(Words),
    /// A sentence, e.g. for a listed party.
    Text(String),
}

impl std::fmt::Display for ReasonInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReasonInput::Comparison(w) => w.fmt(f),
            ReasonInput::Text(t) => f.write_str(t),
        }
    }
}

/// A condition of an exception.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConditionReport {
    /// What the exporter must do.
    pub text: Sym,
    /// Days BIS has to review a notification.
    pub notification_days: Option<u32>,
    /// If a notification is filed on the decision date, the day the review period ends.
    pub review_period_ends: Option<Date>,
    /// Source.
    pub url: Sym,
}

/// An available license exception.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExceptionReport {
    /// Symbol, e.g. `NAC`.
    pub symbol: Sym,
    /// Rule id.
    pub id: Sym,
    /// Title.
    pub title: Sym,
    /// Section.
    pub section: Sym,
    /// Citation.
    pub citation: Sym,
    /// URL.
    pub url: Sym,
    /// Requirements it resolves in this determination.
    pub resolves: Vec<Sym>,
    /// Conditions that apply.
    pub conditions: Vec<ConditionReport>,
    /// Eligibility words.
    pub text: Sym,
}

/// The policy found for one requirement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyReport {
    /// Policy rule id.
    pub id: Sym,
    /// The requirement it is for.
    pub requirement: Sym,
    /// The policy.
    pub policy: ReviewPolicy,
    /// Citation.
    pub citation: Sym,
    /// URL.
    pub url: Sym,
    /// Words.
    pub text: Sym,
    /// Conditions the exporter must meet for this policy.
    pub conditions: &'static [Sym],
    /// Note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Sym>,
}

/// A resolved place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// ISO code.
    pub code: CountryCode,
    /// Name.
    pub name: Sym,
    /// What was given.
    pub given: String,
    /// Country Groups on the date.
    pub groups: &'static [Sym],
}

/// The parties as evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parties {
    /// End user.
    pub end_user: Option<String>,
    /// Consignee.
    pub consignee: Option<String>,
    /// End user headquarters.
    pub end_user_hq: Option<Place>,
    /// Ultimate parent headquarters.
    pub parent_hq: Option<Place>,
    /// Exporter as evaluated.
    pub exporter: Text,
    /// `given` or `item manufacturer`.
    pub exporter_basis: &'static str,
}

/// One comparison of the trace, with the citation of its rule.
pub type TraceStep = Step;

/// The classification the determination used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassificationSummary {
    /// Rule version.
    pub ruleset: Sym,
    /// Citation.
    pub citation: Sym,
    /// Outcome.
    pub outcome: Outcome,
    /// ECCN paragraphs.
    pub eccn: &'static [Sym],
    /// Sub-paragraphs met.
    pub paragraphs: &'static [Sym],
    /// TPP.
    pub tpp: Option<f64>,
    /// Performance density.
    pub performance_density: Option<f64>,
}

/// A license determination with everything needed to check it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// chipgate version.
    pub engine_version: &'static str,
    /// Date decided for.
    pub date: Date,
    /// Item id.
    pub item: Text,
    /// Item name.
    pub item_name: Text,
    /// Destination.
    pub destination: Place,
    /// Quantity.
    pub quantity: Option<u64>,
    /// Parties.
    pub parties: Parties,
    /// End use as given, and as recognised.
    pub end_use: Option<String>,
    /// Classification used.
    pub classification: ClassificationSummary,
    /// Content hash of the license-rule files.
    pub license_rules_version: Sym,
    /// Id of the list snapshot used for listed parties.
    pub list_snapshot: Option<String>,
    /// Whether a license is required (also when an exception is available).
    pub license_required: bool,
    /// The outcome.
    pub outcome: LicenseOutcome,
    /// ECCN paragraphs of the item.
    pub eccn: &'static [Sym],
    /// Requirements that apply.
    pub reasons: Vec<Reason>,
    /// Available license exceptions and their conditions.
    pub exceptions: Vec<ExceptionReport>,
    /// The most restrictive review policy among the requirements that apply.
    pub review_policy: Option<ReviewPolicy>,
    /// The policy found for each requirement.
    pub review_policies: Vec<PolicyReport>,
    /// Provisions in the text that would apply but are not enforced.
    pub not_enforced: Vec<Reason>,
    /// Exact restricted-list matches of the parties.
    pub listed_parties: Vec<ListedParty>,
    /// Inputs whose absence leaves the outcome open.
    pub missing_inputs: Vec<String>,
    /// Every comparison made.
    pub trace: Vec<TraceStep>,
    /// Assumptions and context.
    pub notes: Vec<Text>,
}

/// Everything needed to decide.
#[derive(Debug, Clone)]
pub struct Decider {
    classifier: Classifier,
    countries: Countries,
    rules: LicenseRules,
    /// [`exporter_note`] for every vendor of the catalog, made once.
    exporter_notes: HashMap<String, Sym>,
}

impl Decider {
    /// Loads classification data, countries and license rules.
    pub fn load(source: &dyn DataSource) -> Result<Decider, DecideError> {
        let classifier = Classifier::load(source)?;
        let countries = Countries::from_toml(
            &source.read("countries/countries.toml")?.text,
            &source.read("countries/groups.toml")?.text,
        )?;
        let files = [
            source.read("license/requirements.toml")?,
            source.read("license/company-specific.toml")?,
            source.read("license/policies.toml")?,
            source.read("license/exceptions.toml")?,
        ];
        let [r, c, p, e] = &files;
        let rules = LicenseRules::from_files(
            (&r.path, &r.text),
            (&c.path, &c.text),
            (&p.path, &p.text),
            (&e.path, &e.text),
            schema(),
        )?;
        let exporter_notes = classifier
            .catalog()
            .iter()
            .map(|r| (r.vendor.clone(), intern(&exporter_note(&r.vendor))))
            .collect();
        Ok(Decider {
            classifier,
            countries,
            rules,
            exporter_notes,
        })
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// Countries and groups.
    pub fn countries(&self) -> &Countries {
        &self.countries
    }

    /// License rules.
    pub fn rules(&self) -> &LicenseRules {
        &self.rules
    }

    fn place(&self, field: &str, text: &str, date: Date) -> Result<Place, DecideError> {
        let code = self.countries.resolve(field, text)?;
        Ok(Place {
            name: self.countries.name(&code),
            groups: self.countries.groups_on(&code, date),
            given: text.to_owned(),
            code,
        })
    }

    /// The exporter as the rules test it: the recipient of a company-specific
    /// requirement when the text names it (`NVIDIA`, `Nvidia Corporation`), else the text
    /// in upper case.
    fn normalize_exporter(&self, text: &str) -> Text {
        let upper = text.trim().to_uppercase();
        for r in self.rules.requirements.iter().filter_map(|r| r.recipient) {
            if upper == r
                || upper
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with([' ', ',', '.']))
            {
                return Text::Static(r);
            }
        }
        Text::from(upper)
    }

    /// Decides one request for one item on one date.
    pub fn decide(
        &self,
        item: &ChipRecord,
        request: &Request,
        date: Date,
        lists: &dyn PartyLookup,
    ) -> Result<Decision, DecideError> {
        // Only the verdict is used, and it depends on the date only through the rule
        // version in force: catalog items reuse it.
        let classification = self.classifier.classify_shared(item, date)?;
        self.decide_with(item, &classification, request, date, lists)
    }

    /// Decides with a classification already computed for the same item and date.
    pub fn decide_with(
        &self,
        item: &ChipRecord,
        classification: &Classification,
        request: &Request,
        date: Date,
        lists: &dyn PartyLookup,
    ) -> Result<Decision, DecideError> {
        if request.quantity == Some(0) {
            return Err(DecideError::Invalid {
                field: "quantity".to_owned(),
                message: "must be at least 1".to_owned(),
            });
        }
        let destination = self.place("destination", &request.destination, date)?;
        if destination.code.as_str() == "US" {
            return Err(DecideError::Contradiction(
                "destination `US` is the United States: chipgate determines license requirements for exports from the United States".to_owned(),
            ));
        }
        let mut notes = Vec::new();
        if destination.code.as_str() == "HK" {
            notes.push(Text::Static("Hong Kong is treated as China (PRC) for these controls."));
        }
        let end_user_hq = request
            .end_user_hq
            .as_deref()
            .map(|t| self.place("end_user_hq", t, date))
            .transpose()?;
        let parent_hq = request
            .parent_hq
            .as_deref()
            .map(|t| self.place("parent_hq", t, date))
            .transpose()?;
        let hq_places: Vec<&Place> = match (&end_user_hq, &parent_hq) {
            (None, None) => {
                notes.push(Text::from(format!(
                    "No --end-user-hq or --parent-hq given: the end user is assumed to be headquartered in the destination ({}), with no parent elsewhere. Give both to apply the headquarters rule correctly.",
                    destination.code
                )));
                vec![&destination]
            }
            (a, b) => a.iter().chain(b.iter()).collect(),
        };
        let mut hq_countries: Vec<Sym> = Vec::with_capacity(2);
        for place in &hq_places {
            let code = china_for_hong_kong(place.code.as_str());
            if !hq_countries.contains(&code) {
                hq_countries.push(code);
            }
        }
        // One headquarters country (the usual case): its groups are already an interned list.
        let hq_groups = match hq_places.as_slice() {
            [one] => one.groups,
            places => {
                let mut groups: Vec<Sym> = Vec::new();
                for place in places {
                    for &g in place.groups {
                        if !groups.contains(&g) {
                            groups.push(g);
                        }
                    }
                }
                intern_syms(&groups)
            }
        };
        let (exporter_text, exporter_basis) = match &request.exporter {
            Some(e) => (e.as_str(), "given"),
            None => {
                notes.push(match self.exporter_notes.get(item.vendor.as_str()) {
                    Some(&note) => Text::Static(note),
                    None => Text::from(exporter_note(&item.vendor)),
                });
                (item.vendor.as_str(), "item manufacturer")
            }
        };
        let exporter = self.normalize_exporter(exporter_text);
        let end_use: Sym = match request.end_use.as_deref() {
            None => "unspecified",
            Some(text) if text.to_lowercase().contains("supercomput") => "supercomputer",
            Some(_) => "other",
        };

        let s = schema();
        let mut facts = Facts::new(s);
        let mut set = |name: &str, value: FactValue| {
            let _ = facts.set(s, name, value);
        };
        let chip = &classification.chip;
        let eccn = intern_syms(&classification.eccn);
        // Sets are interned: their members come from the data (ECCN paragraphs, country
        // codes, group ids), so the number of distinct sets is bounded.
        if classification.outcome != Outcome::Indeterminate || !classification.eccn.is_empty() {
            set("eccn", FactValue::Set(eccn));
        }
        set("item", FactValue::Text(chip.id.clone()));
        set("exporter", FactValue::Text(exporter.clone()));
        if let Some(dc) = item.datacenter {
            set("datacenter", FactValue::Bool(dc));
        }
        let m = &classification.metrics;
        for (name, value) in [
            ("tpp", m.tpp),
            ("memory_bandwidth_gbs", m.memory_bandwidth_gbs),
            ("interconnect_gbs", m.interconnect_gbs),
            ("memory_bandwidth_density", m.memory_bandwidth_density),
        ] {
            if let Some(v) = value {
                set(name, FactValue::Number(v));
            }
        }
        set(
            "destination",
            FactValue::Text(Text::Static(china_for_hong_kong(destination.code.as_str()))),
        );
        set("destination_groups", FactValue::Set(destination.groups));
        set("hq_countries", FactValue::Set(intern_syms(&hq_countries)));
        set("hq_groups", FactValue::Set(hq_groups));
        set("end_use", FactValue::Text(Text::Static(end_use)));

        let mut steps: Vec<Step> = Vec::with_capacity(self.rules.max_steps);
        let mut reasons = Vec::new();
        let mut not_enforced = Vec::new();
        let mut suspended_requirements: Vec<&Requirement> = Vec::new();
        let mut unknown: Vec<Sym> = Vec::new();
        let mut triggered: Vec<&Requirement> = Vec::new();
        for r in self.rules.requirements.iter().filter(|r| r.header.in_force(date)) {
            let first = steps.len();
            let result = evaluate(
                &r.when,
                &facts,
                s,
                RuleRef {
                    id: r.header.id,
                    citation: r.header.cite.citation,
                },
                &mut steps,
            );
            let inputs = || {
                steps
                    .get(first..)
                    .unwrap_or_default()
                    .iter()
                    .filter(|st| st.result == Tri::True)
                    .map(|st| ReasonInput::Comparison(st.to_words()))
                    .collect::<Vec<_>>()
            };
            let suspended = r.not_enforced.as_ref().is_some_and(|n| n.from <= date) && !request.as_written;
            match result {
                Tri::True if suspended => {
                    not_enforced.push(reason(r, inputs()));
                    suspended_requirements.push(r);
                }
                Tri::True => {
                    reasons.push(reason(r, inputs()));
                    triggered.push(r);
                }
                Tri::Unknown if !suspended => unknown.push(r.header.id),
                _ => {}
            }
        }
        if request.as_written {
            notes.push(Text::Static(
                "Evaluated as written: provisions in the CFR text that BIS does not enforce were applied.",
            ));
        }

        let mut listed_parties = Vec::new();
        for (role, name) in [("end_user", &request.end_user), ("consignee", &request.consignee)] {
            if let Some(name) = name {
                for mut hit in lists.lookup(name) {
                    hit.role = role.to_owned();
                    listed_parties.push(hit);
                }
            }
        }
        for hit in &listed_parties {
            reasons.push(Reason {
                id: "listed-party",
                kind: "listed_party",
                title: Text::from(format!(
                    "{} `{}` is on the {}",
                    hit.role.replace('_', " "),
                    hit.query,
                    hit.list
                )),
                paragraph: "15 CFR 744.11 / Supp. No. 4 to Part 744 (Entity List) or the list's own authority",
                citation: Text::from(hit.federal_register.clone().unwrap_or_else(|| "list entry".to_owned())),
                url: "",
                evidence: "P",
                text: Text::from(format!(
                    "License requirement: {}. License policy: {}.",
                    hit.license_requirement.as_deref().unwrap_or("not stated"),
                    hit.license_policy.as_deref().unwrap_or("not stated")
                )),
                inputs: vec![ReasonInput::Text(format!(
                    "{} = `{}` matched `{}`",
                    hit.role, hit.query, hit.matched
                ))],
                note: None,
            });
        }

        // Exceptions: available when eligible and every triggered requirement is covered.
        let mut exceptions = Vec::new();
        let mut covered: Vec<Sym> = Vec::new();
        if !triggered.is_empty() {
            for x in self.rules.exceptions.iter().filter(|x| x.header.in_force(date)) {
                if evaluate(
                    &x.when,
                    &facts,
                    s,
                    RuleRef {
                        id: x.header.id,
                        citation: x.header.cite.citation,
                    },
                    &mut steps,
                ) != Tri::True
                {
                    continue;
                }
                let resolves: Vec<Sym> = triggered
                    .iter()
                    .filter(|r| x.covers.iter().any(|c| **c == *r.header.id))
                    .map(|r| r.header.id)
                    .collect();
                if resolves.is_empty() {
                    continue;
                }
                let conditions = x
                    .conditions
                    .iter()
                    .filter(|c| {
                        evaluate(
                            &c.when,
                            &facts,
                            s,
                            RuleRef {
                                id: x.header.id,
                                citation: x.header.cite.citation,
                            },
                            &mut steps,
                        ) == Tri::True
                    })
                    .map(|c| ConditionReport {
                        text: c.text,
                        notification_days: c.notification_days,
                        review_period_ends: c
                            .notification_days
                            .map(|d| date.add_days(i32::try_from(d).unwrap_or(0))),
                        url: c.url,
                    })
                    .collect();
                for r in &resolves {
                    if !covered.contains(r) {
                        covered.push(r);
                    }
                }
                exceptions.push(ExceptionReport {
                    symbol: x.symbol,
                    id: x.header.id,
                    title: x.title,
                    section: x.section,
                    citation: x.header.cite.citation,
                    url: x.header.cite.url,
                    resolves,
                    conditions,
                    text: x.header.text,
                });
            }
        }
        if !listed_parties.is_empty() && !exceptions.is_empty() {
            notes.push(Text::Static(
                "A party is on a restricted list: license exceptions are not available for this transaction.",
            ));
            exceptions.clear();
        }

        // Review policy per triggered requirement: the first policy in force that applies.
        let mut review_policies = Vec::new();
        for r in &triggered {
            for p in self.rules.policies.iter().filter(|p| p.header.in_force(date)) {
                if !p.applies_to.iter().any(|a| **a == *r.header.id) {
                    continue;
                }
                if evaluate(
                    &p.when,
                    &facts,
                    s,
                    RuleRef {
                        id: p.header.id,
                        citation: p.header.cite.citation,
                    },
                    &mut steps,
                ) == Tri::True
                {
                    review_policies.push(PolicyReport {
                        id: p.header.id,
                        requirement: r.header.id,
                        policy: p.policy,
                        citation: p.header.cite.citation,
                        url: p.header.cite.url,
                        text: p.header.text,
                        conditions: p.conditions,
                        note: p.header.note,
                    });
                    break;
                }
            }
            if !review_policies.iter().any(|p| p.requirement == r.header.id) {
                notes.push(Text::from(format!(
                    "No review policy is recorded for `{}`.",
                    r.header.id
                )));
            }
            for (e, note) in r.events.iter().zip(&r.event_notes) {
                if e.date <= date {
                    notes.push(Text::Static(note));
                }
            }
        }
        let mut review_policy = review_policies.iter().map(|p| p.policy).max();
        for hit in &listed_parties {
            if let Some(p) = hit.license_policy.as_deref().and_then(ReviewPolicy::from_phrase) {
                review_policy = review_policy.max(Some(p));
            }
        }

        let license_required = !reasons.is_empty();
        let all_covered = triggered.iter().all(|r| covered.contains(&r.header.id)) && listed_parties.is_empty();
        let mut missing_inputs = Vec::new();
        let outcome = if license_required {
            if !exceptions.is_empty() && all_covered {
                LicenseOutcome::LicenseExceptionAvailable
            } else {
                LicenseOutcome::LicenseRequired
            }
        } else if !unknown.is_empty() {
            for m in &classification.missing_inputs {
                let text = format!("{}: {}", m.fact, m.inputs.join("; "));
                if !missing_inputs.contains(&text) {
                    missing_inputs.push(text);
                }
            }
            for id in &unknown {
                for st in steps.iter().filter(|st| st.rule == *id && st.result == Tri::Unknown) {
                    let text = format!("{} (needed by {id})", st.fact);
                    if !missing_inputs.contains(&text) {
                        missing_inputs.push(text);
                    }
                }
            }
            LicenseOutcome::Indeterminate
        } else {
            LicenseOutcome::NoLicenseRequired
        };
        if !license_required && !unknown.is_empty() && outcome == LicenseOutcome::Indeterminate {
            notes.push(Text::from(format!("Undecided requirements: {}.", unknown.join(", "))));
        }
        if date > self.rules.compiled {
            notes.push(Text::Static(self.rules.compiled_note));
        }
        for r in &suspended_requirements {
            notes.push(Text::Static(r.not_enforced_note));
        }

        let trace = steps;
        Ok(Decision {
            engine_version: chipgate_classify::ENGINE_VERSION,
            date,
            item: chip.id.clone(),
            item_name: chip.name.clone(),
            destination,
            quantity: request.quantity,
            parties: Parties {
                end_user: request.end_user.clone(),
                consignee: request.consignee.clone(),
                end_user_hq,
                parent_hq,
                exporter,
                exporter_basis,
            },
            end_use: request.end_use.clone(),
            classification: ClassificationSummary {
                ruleset: classification.ruleset.id,
                citation: classification.ruleset.citation,
                outcome: classification.outcome,
                eccn,
                paragraphs: intern_syms(&classification.paragraphs),
                tpp: classification.metrics.tpp,
                performance_density: classification.metrics.performance_density,
            },
            license_rules_version: self.rules.version,
            list_snapshot: lists.snapshot_id(),
            license_required,
            outcome,
            eccn,
            reasons,
            exceptions,
            review_policy,
            review_policies,
            not_enforced,
            listed_parties,
            missing_inputs,
            trace,
            notes,
        })
    }

    /// The determination over time, with the event that changed it.
    pub fn timeline(
        &self,
        item: &ChipRecord,
        request: &Request,
        lists: &dyn PartyLookup,
    ) -> Result<DecisionTimeline, DecideError> {
        timeline::build(self, item, request, lists)
    }
}

/// The note of a decision whose exporter is taken to be the manufacturer.
fn exporter_note(vendor: &str) -> String {
    format!("No --exporter given: the exporter is taken to be the item's manufacturer, {vendor}.")
}

fn reason(r: &Requirement, inputs: Vec<ReasonInput>) -> Reason {
    Reason {
        id: r.header.id,
        kind: match r.kind {
            RequirementKind::Destination => "destination",
            RequirementKind::Headquarters => "headquarters",
            RequirementKind::EndUse => "end_use",
            RequirementKind::CompanySpecific => "company_specific",
        },
        title: Text::Static(r.title),
        paragraph: r.section,
        citation: Text::Static(r.header.cite.citation),
        url: r.header.cite.url,
        evidence: r.header.cite.evidence.as_str(),
        text: Text::Static(r.header.text),
        inputs,
        note: r.header.note,
    }
}
