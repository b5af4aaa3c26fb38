//! License determination for advanced-computing items.
//!
//! Owns: countries and Country Groups by date ([`countries`]), license requirements,
//! company-specific ("is informed") requirements, review policies and license exceptions
//! as effective-dated data ([`rules`]), and the determination itself with its trace
//! ([`Decision`]) and timeline ([`DecisionTimeline`]).
//! Does not: score names (that is `chipgate-screen`, injected through [`PartyLookup`]; this
//! crate sorts the hits into bands, dates and ownership), store anything, or read the clock.
//!
//! Key design decision: every requirement, policy and exception is a dated record with
//! a condition over named facts, evaluated by the same generic evaluator as the ECCN
//! rules. The code knows how to combine results (required, covered by an exception,
//! most restrictive policy) in named phases (`determine`: places → facts → embargoes →
//! control-list requirements → end uses → general prohibitions → listed parties →
//! exceptions → policies → outcome); the data knows the law, including which places are
//! special (Hong Kong, regions) and which memberships are uncertain.

// A pure crate: no clock, no file system (the methods `clippy.toml` disallows; allowed in
// the front-ends by the workspace lints, denied here).
#![deny(clippy::disallowed_methods)]

pub mod context;
pub mod countries;
mod determine;
pub mod parties;
pub mod rules;
pub mod scenarios;
mod timeline;

use std::collections::HashMap;
use std::sync::OnceLock;

use chipgate_classify::{Classification, Classifier, ClassifyError, Outcome};
use chipgate_data::{DataError, DataSource};
use chipgate_model::{ChipRecord, Date};
use chipgate_rules::{intern, FactDef, FactError, FactKind, FactSchema, Step, Sym, Text, Words};
use serde::{Deserialize, Serialize};

pub use context::{EndUseReport, EndUses, NotEvaluated, Vendors};
pub use countries::{Countries, CountryCode, Region, Uncertain};
pub use parties::{Listing, Ownership, PartyRules};
pub use rules::{Cite, Exception, Layer, LicenseRules, Policy, Requirement, RequirementKind, ReviewPolicy, RuleHeader};
pub use scenarios::{ScenarioError, ScenarioFailure, ScenarioFile, ScenarioRun};
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
            def(
                "end_uses",
                FactKind::Set,
                "end uses known to the exporter (ids of data/license/end-uses.toml; give --end-use)",
            ),
            def(
                "destination_region",
                FactKind::Text,
                "region of the destination country (give --region)",
            ),
            def(
                "on_ccl",
                FactKind::Bool,
                "whether the item is on the CCL (give --eccn with its ECCN outside 3A090/4A090, or EAR99)",
            ),
            def(
                "designer_hq",
                FactKind::Text,
                "headquarters country of the item's designer",
            ),
            def(
                "designer_groups",
                FactKind::Set,
                "Country Groups of the designer's headquarters",
            ),
            def(
                "us_person",
                FactKind::Bool,
                "whether a US person performs or supports the transaction (give --us-person)",
            ),
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
    /// A fact was set against the schema wrongly (a defect in chipgate, reported).
    #[error("internal error: {0}")]
    Schema(#[from] FactError),
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

/// A restricted-list entry a party's name matched, as the determination used it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListedParty {
    /// Which party of the order (`end_user`, `consignee`, or `owner of …`).
    pub role: String,
    /// The name given.
    pub query: String,
    /// List, e.g. `Entity List (EL) - Bureau of Industry and Security`.
    pub list: String,
    /// The list's code, e.g. `EL`.
    pub code: String,
    /// Entry name.
    pub name: String,
    /// The name or alias that matched.
    pub matched: String,
    /// Screening score in [0, 1].
    pub score: f64,
    /// Why the names matched (the screening explanation).
    pub explanation: String,
    /// The query names the entry by part of its name only.
    pub partial: bool,
    /// License requirement stated by the list.
    pub license_requirement: Option<String>,
    /// License review policy stated by the list.
    pub license_policy: Option<String>,
    /// Federal Register notice of the listing.
    pub federal_register: Option<String>,
    /// The listing date the list itself gives (CSL CSV `start_date`), as written.
    pub start_date: Option<String>,
    /// The list's legal authority, from the list data (e.g. "15 C.F.R. § 744.16 and
    /// Supplement No. 4 to Part 744").
    pub authority: Option<String>,
    /// The entry's listing date as evaluated for the order date (set by the determination).
    pub listing: Option<String>,
    /// A reviewer's clearance of this hit for this party (the store's review queue), whether
    /// it applies and, when not, why; set by the caller's lookup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearance: Option<PartyClearance>,
    /// The entry's position in the caller's list snapshot (not serialized: the lookup's own
    /// handle, to find the entry's identity key and content hash).
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub entry: Option<usize>,
}

/// A clearance of a party's hit on a list entry: a reviewer judged the match a false positive
/// (`chipgate review clear`). It is tied to the entry's content hash: it applies only while
/// the entry is unchanged, until its expiry, and to a party the store identifies as exactly
/// one stored party (`docs/review.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartyClearance {
    /// The stored party the order's party was identified as (the store's id).
    pub party_id: u64,
    /// Its external id, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The entry's identity key.
    pub entry_key: String,
    /// The content hash of the entry version that was cleared.
    pub cleared_hash: String,
    /// The content hash of the entry as screened now.
    pub entry_hash: String,
    /// Who cleared it.
    pub reviewer: String,
    /// Why.
    pub reason: String,
    /// When.
    pub cleared_at: String,
    /// The last day it holds (`YYYY-MM-DD`); none: no expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The `review.clear` audit record that gave it.
    pub audit_seq: u64,
    /// Whether it applies to this answer.
    pub applies: bool,
    /// Why it does not apply (the entry changed, it expired, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

impl PartyClearance {
    /// One line naming the clearance: reviewer, date, reason, expiry and its audit record.
    pub fn describe(&self) -> String {
        format!(
            "cleared by {} on {} ({}){}; review.clear record #{}, entry {} content {}",
            self.reviewer,
            self.cleared_at.get(..10).unwrap_or(&self.cleared_at),
            self.reason,
            self.expires
                .as_deref()
                .map(|e| format!(", until {e}"))
                .unwrap_or_default(),
            self.audit_seq,
            self.entry_key,
            self.cleared_hash.get(..12).unwrap_or(&self.cleared_hash),
        )
    }
}

/// Screening of party names against restricted-party lists, supplied by the caller (the
/// engine's index: the same code as `chipgate screen`).
pub trait PartyLookup {
    /// Entries of the lists `lists` (source codes such as `EL`) whose names match `name`
    /// with a score of at least `min_score`, best first. `country` is the party's country, a
    /// screening signal.
    fn screen(&self, name: &str, country: Option<&str>, min_score: f64, lists: &[String]) -> Vec<ListedParty>;
    /// Id of the list snapshot used.
    fn snapshot_id(&self) -> Option<String>;
}

/// No lists: used when the caller screens elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLists;

impl PartyLookup for NoLists {
    fn screen(&self, _name: &str, _country: Option<&str>, _min_score: f64, _lists: &[String]) -> Vec<ListedParty> {
        Vec::new()
    }
    fn snapshot_id(&self) -> Option<String> {
        None
    }
}

/// What is asked: an item, a destination, parties, an end use and a date — the one
/// declaration of an order's determination fields. Every front-end takes it as it is: the
/// HTTP bodies and the worker's message flatten it (serde), the CLI's flags and the batch's
/// columns fill it. Unknown fields are refused; `qty` is read as `quantity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Destination: ISO code or country name.
    pub destination: String,
    /// Quantity (units), recorded.
    #[serde(default, alias = "qty", skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// End user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<String>,
    /// Consignee name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<String>,
    /// Where the end user is headquartered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_hq: Option<String>,
    /// Where its ultimate parent is headquartered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_hq: Option<String>,
    /// End use: ids of the end-use vocabulary (comma-separated) or free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// Exporter; defaults to the item's manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter: Option<String>,
    /// Evaluate provisions that are in the text but not enforced as if enforced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_written: bool,
    /// Region of the destination country (e.g. `crimea`), where the rules distinguish them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The item's ECCN outside 3A090/4A090 as the exporter classified it (e.g. `5A992.c`,
    /// `EAR99`): tells the Part 746 rules whether the item is on the CCL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eccn: Option<String>,
    /// Whether a US person performs or supports the transaction (15 CFR 744.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_person: Option<bool>,
    /// Ownership of the parties (direct and indirect), for the Affiliates rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<Ownership>,
}

/// Outcome of a determination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "RequirementReason"))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Place {
    /// ISO code.
    pub code: CountryCode,
    /// Name.
    pub name: Sym,
    /// What was given.
    pub given: String,
    /// Country Groups on the date.
    pub groups: &'static [Sym],
    /// Region of the country, where the rules distinguish them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// The parties as evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// End use as given.
    pub end_use: Option<String>,
    /// How the end use was read (vocabulary ids recognised, or unmapped).
    pub end_uses: Option<EndUseReport>,
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
    /// Available license exceptions and their conditions: each resolves every
    /// requirement that applies.
    pub exceptions: Vec<ExceptionReport>,
    /// Exceptions eligible for some requirement but not usable here, and why.
    pub exceptions_ruled_out: Vec<RuledOut>,
    /// The most restrictive review policy among the requirements that apply.
    pub review_policy: Option<ReviewPolicy>,
    /// The policy found for each requirement.
    pub review_policies: Vec<PolicyReport>,
    /// Provisions in the text that would apply but are not enforced.
    pub not_enforced: Vec<Reason>,
    /// Parties (or their owners) strongly matched to a list entry listed on the date.
    pub listed_parties: Vec<ListedParty>,
    /// Possible matches to review: the answer is not green while any is open.
    pub possible_listed_parties: Vec<ListedParty>,
    /// Hits a reviewer cleared as false positives, each with the clearance it used (its
    /// `review.clear` record and the entry content hash): they decide nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cleared_parties: Vec<ListedParty>,
    /// Red flags for the exporter's due diligence (e.g. Red Flag 29).
    pub red_flags: Vec<Text>,
    /// Inputs whose absence leaves the outcome open.
    pub missing_inputs: Vec<String>,
    /// Every comparison made.
    pub trace: Vec<TraceStep>,
    /// Assumptions and context.
    pub notes: Vec<Text>,
    /// Rules chipgate does not evaluate: `no_license_required` means "under every rule
    /// chipgate evaluates".
    pub not_evaluated: &'static [NotEvaluated],
}

/// An exception that is eligible for a requirement but cannot be used for this order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuledOut {
    /// Symbol, e.g. `NAC`.
    pub symbol: Sym,
    /// Rule id.
    pub id: Sym,
    /// Why, in words.
    pub why: String,
}

/// Everything needed to decide.
#[derive(Debug, Clone)]
pub struct Decider {
    classifier: Classifier,
    countries: Countries,
    rules: LicenseRules,
    end_uses: EndUses,
    vendors: Vendors,
    parties: PartyRules,
    /// Rules not evaluated, from `license/scope.toml` (leaked once: every decision points
    /// to the same list).
    scope: &'static [NotEvaluated],
    /// [`exporter_note`] for every vendor of the catalog, made once.
    exporter_notes: HashMap<String, Sym>,
}

/// The data files of a determination, in the order the version hash covers them.
const REQUIREMENT_FILES: [&str; 5] = [
    "license/part746.toml",
    "license/requirements.toml",
    "license/company-specific.toml",
    "license/part744.toml",
    "license/general-prohibitions.toml",
];

impl Decider {
    /// Loads classification data, countries, license rules and their context.
    pub fn load(source: &dyn DataSource) -> Result<Decider, DecideError> {
        let classifier = Classifier::load(source)?;
        let countries = Countries::from_toml(
            &source.read("countries/countries.toml")?.text,
            &source.read("countries/groups.toml")?.text,
            &source.read("countries/places.toml")?.text,
        )?;
        let requirement_files = REQUIREMENT_FILES
            .iter()
            .map(|f| source.read(f))
            .collect::<Result<Vec<_>, _>>()?;
        let policies = source.read("license/policies.toml")?;
        let exceptions = source.read("license/exceptions.toml")?;
        let end_uses = source.read("license/end-uses.toml")?;
        let vendors = source.read("license/vendors.toml")?;
        let scope = source.read("license/scope.toml")?;
        let party_rules = source.read("license/parties.toml")?;
        let fr_dates = source.read("lists/entity-list-fr-dates.csv")?;
        let rules = LicenseRules::from_files(
            &requirement_files
                .iter()
                .map(|f| (f.path.as_str(), f.text.as_str()))
                .collect::<Vec<_>>(),
            (&policies.path, &policies.text),
            (&exceptions.path, &exceptions.text),
            &[
                &end_uses.text,
                &vendors.text,
                &scope.text,
                &party_rules.text,
                &fr_dates.text,
            ],
            schema(),
        )?;
        let exporter_notes = classifier
            .catalog()
            .iter()
            .map(|r| (r.vendor.clone(), intern(&exporter_note(&r.vendor))))
            .collect();
        let vendors = Vendors::from_toml(&vendors.path, &vendors.text, |code| {
            countries.resolve("vendor", code).is_ok_and(|c| c.as_str() == code)
        })?;
        Ok(Decider {
            end_uses: EndUses::from_toml(&end_uses.path, &end_uses.text)?,
            parties: PartyRules::from_files((&party_rules.path, &party_rules.text), (&fr_dates.path, &fr_dates.text))?,
            scope: Box::leak(context::scope_from_toml(&scope.path, &scope.text)?.into_boxed_slice()),
            vendors,
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

    /// The end-use vocabulary.
    pub fn end_uses(&self) -> &EndUses {
        &self.end_uses
    }

    /// The party rules (screening bands, listing dates, Affiliates rule).
    pub fn party_rules(&self) -> &PartyRules {
        &self.parties
    }

    /// What no determination evaluates.
    pub fn not_evaluated(&self) -> &'static [NotEvaluated] {
        self.scope
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
        determine::decide(
            self,
            &determine::Inputs {
                item,
                classification,
                request,
                date,
                lists,
            },
        )
    }

    /// Every date on which an input of a determination may change: rule versions, license
    /// requirements, policies, exceptions and their events, Country Group changes, the bounds
    /// of uncertain memberships and the date the rule data were compiled. Between two of
    /// them every determination is the same (timelines and the batch memo rely on it).
    pub fn event_dates(&self) -> Vec<Date> {
        let mut dates = self.rules.event_dates();
        dates.extend(self.classifier.rules().versions().iter().map(|v| v.effective));
        dates.extend(self.countries.changes().iter().map(|c| c.date));
        for u in self.countries.uncertain() {
            dates.extend(u.from);
            dates.push(u.until);
        }
        dates.push(self.rules.compiled);
        dates.sort();
        dates.dedup();
        dates
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
