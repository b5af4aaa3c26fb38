//! The determination in named phases: places → facts → requirements by layer (Part 746
//! embargoes, advanced-computing control-list rules, Part 744 end uses, General
//! Prohibitions) → listed parties → exceptions → policies → outcome.
//!
//! Owns: how results combine. Does not: know any country, date, threshold or citation;
//! those come from the data through [`Decider`].
//!
//! Key design decision: where a Country Group membership is uncertain on the date (a change
//! known to have happened on a day not known), the whole determination is made once per
//! possible membership; if the answers agree the uncertainty does not matter and the
//! decision says so, otherwise it is indeterminate and names the missing fact.

use chipgate_classify::{Classification, Outcome};
use chipgate_model::{ChipRecord, Date};
use chipgate_rules::{evaluate, intern_syms, FactValue, Facts, RuleRef, Step, Sym, Text, Tri};

use crate::context::EndUseReport;
use crate::countries::{CountryCode, Uncertain};
use crate::rules::{Layer, Requirement, RequirementKind};
use crate::{
    schema, ClassificationSummary, ConditionReport, DecideError, Decider, Decision, ExceptionReport, LicenseOutcome,
    ListedParty, Parties, PartyLookup, Place, PolicyReport, Reason, ReasonInput, Request, RuledOut,
};

mod party_check;

use party_check::parties;

/// What one determination is asked.
pub(crate) struct Inputs<'a> {
    pub(crate) item: &'a ChipRecord,
    pub(crate) classification: &'a Classification,
    pub(crate) request: &'a Request,
    pub(crate) date: Date,
    pub(crate) lists: &'a dyn PartyLookup,
}

/// The places of an order, resolved on the date.
#[derive(Clone)]
struct Places {
    destination: Place,
    end_user_hq: Option<Place>,
    parent_hq: Option<Place>,
}

impl Places {
    /// The headquarters the rules test: those given, else the destination (assumed).
    fn headquarters(&self) -> Vec<&Place> {
        match (&self.end_user_hq, &self.parent_hq) {
            (None, None) => vec![&self.destination],
            (a, b) => a.iter().chain(b.iter()).collect(),
        }
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut Place> {
        std::iter::once(&mut self.destination)
            .chain(self.end_user_hq.iter_mut())
            .chain(self.parent_hq.iter_mut())
    }
}

/// The requirements found so far, across layers.
#[derive(Default)]
struct Found<'d> {
    reasons: Vec<Reason>,
    triggered: Vec<&'d Requirement>,
    not_enforced: Vec<Reason>,
    suspended: Vec<&'d Requirement>,
    /// Requirements undecided, with the fact the data names (if any).
    unknown: Vec<(&'d Requirement, Option<Sym>)>,
}

/// The entry point: one determination, or one per possible membership where a Country
/// Group membership is uncertain on the date.
pub(crate) fn decide(decider: &Decider, inputs: &Inputs<'_>) -> Result<Decision, DecideError> {
    validate(inputs.request)?;
    let places = places(decider, inputs.request, inputs.date)?;
    let end_use = inputs.request.end_use.as_deref().map(|t| decider.end_uses.read(t));
    let uncertain = uncertain_places(decider, &places, inputs.date);
    let base = determine(decider, inputs, &places, end_use.as_ref())?;
    if uncertain.is_empty() {
        return Ok(base);
    }
    resolve_uncertainty(decider, inputs, &places, end_use.as_ref(), base, &uncertain)
}

fn validate(request: &Request) -> Result<(), DecideError> {
    if request.quantity == Some(0) {
        return Err(DecideError::Invalid {
            field: "quantity".to_owned(),
            message: "must be at least 1".to_owned(),
        });
    }
    // Each share in (0, 100], and no party owned more than 100 percent in all.
    let mut totals: Vec<(String, f64)> = Vec::new();
    for o in &request.owners {
        o.validate()?;
        let party = o.party.as_deref().unwrap_or("the end user").trim().to_lowercase();
        let share = o.percent.unwrap_or(0.0);
        match totals.iter_mut().find(|(p, _)| *p == party) {
            Some((_, total)) => *total += share,
            None => totals.push((party, share)),
        }
    }
    if let Some((party, total)) = totals.iter().find(|(_, t)| *t > 100.0 + 1e-9) {
        return Err(DecideError::Invalid {
            field: "owners".to_owned(),
            message: format!("the shares of `{party}` add up to {total} percent, more than 100"),
        });
    }
    Ok(())
}

// --- places --------------------------------------------------------------------------------

fn place(decider: &Decider, field: &str, text: &str, date: Date) -> Result<Place, DecideError> {
    let countries = &decider.countries;
    let (code, region) = match countries.resolve(field, text) {
        Ok(code) => (code, None),
        Err(err) => match countries.resolve_region_name(text) {
            Some((code, region)) if field == "destination" => (code, Some(region.clone())),
            _ => return Err(err),
        },
    };
    Ok(Place {
        name: countries.name(&code),
        groups: countries.groups_on(&code, date),
        given: text.to_owned(),
        region,
        code,
    })
}

/// Phase 1: destination (with its region) and headquarters, resolved on the date.
fn places(decider: &Decider, request: &Request, date: Date) -> Result<Places, DecideError> {
    let mut destination = place(decider, "destination", &request.destination, date)?;
    if let Some(why) = decider.countries.not_a_destination(&destination.code) {
        return Err(DecideError::Contradiction(why.to_owned()));
    }
    if let Some(text) = request.region.as_deref() {
        let region = decider.countries.resolve_region(&destination.code, text)?;
        if destination.region.as_ref().is_some_and(|r| r.id != region.id) {
            return Err(DecideError::Contradiction(format!(
                "destination `{}` and region `{text}` name different regions",
                request.destination
            )));
        }
        destination.region = Some(region.clone());
    }
    let hq = |field: &str, value: &Option<String>| value.as_deref().map(|t| place(decider, field, t, date)).transpose();
    Ok(Places {
        end_user_hq: hq("end_user_hq", &request.end_user_hq)?,
        parent_hq: hq("parent_hq", &request.parent_hq)?,
        destination,
    })
}

/// The countries of the order whose membership is uncertain on the date, each with the
/// groups it would have the other way.
fn uncertain_places<'d>(
    decider: &'d Decider,
    places: &Places,
    date: Date,
) -> Vec<(CountryCode, &'d Uncertain, &'static [Sym])> {
    let mut out: Vec<(CountryCode, &Uncertain, &'static [Sym])> = Vec::new();
    let all = [
        Some(&places.destination),
        places.end_user_hq.as_ref(),
        places.parent_hq.as_ref(),
    ];
    for place in all.into_iter().flatten() {
        if out.iter().any(|(code, _, _)| *code == place.code) {
            continue;
        }
        if let Some((u, groups)) = decider.countries.uncertain_on(&place.code, date) {
            out.push((place.code.clone(), u, groups));
        }
    }
    out
}

/// Makes the determination once per possible membership; equal answers keep the base
/// decision (with a note), different ones make it indeterminate.
fn resolve_uncertainty(
    decider: &Decider,
    inputs: &Inputs<'_>,
    places: &Places,
    end_use: Option<&EndUseReport>,
    mut base: Decision,
    uncertain: &[(CountryCode, &Uncertain, &'static [Sym])],
) -> Result<Decision, DecideError> {
    let summary = |d: &Decision| {
        let reasons: Vec<Sym> = d.reasons.iter().map(|r| r.id).collect();
        let exceptions: Vec<Sym> = d.exceptions.iter().map(|x| x.symbol).collect();
        (d.outcome, reasons, exceptions, d.review_policy)
    };
    let base_summary = summary(&base);
    let mut differing = Vec::new();
    // Every combination of "as recorded" / "the other way" except all as recorded.
    for mask in 1u32..(1 << uncertain.len()) {
        let mut alternative = places.clone();
        for (i, (code, _, groups)) in uncertain.iter().enumerate() {
            if mask & (1 << i) != 0 {
                for p in alternative.all_mut().filter(|p| p.code == *code) {
                    p.groups = groups;
                }
            }
        }
        let other = determine(decider, inputs, &alternative, end_use)?;
        if summary(&other) != base_summary {
            differing.push(other);
        }
    }
    let described: Vec<String> = uncertain
        .iter()
        .map(|(code, u, groups)| {
            format!(
                "{code}: {} (as recorded: [{}]; the other way: [{}]; {}, {}, evidence {})",
                u.missing,
                decider.countries.groups_on(code, inputs.date).join(", "),
                groups.join(", "),
                u.citation,
                u.source,
                u.evidence
            )
        })
        .collect();
    if differing.is_empty() {
        for d in described {
            base.notes.push(Text::from(format!(
                "Country Group membership uncertain on this date, but the answer is the same either way: {d}."
            )));
        }
        return Ok(base);
    }
    let recorded = describe(&base);
    for d in described {
        base.missing_inputs.push(format!("Country Group membership: {d}"));
    }
    base.notes
        .push(Text::from(format!("With the groups as recorded: {recorded}.")));
    for other in &differing {
        base.notes
            .push(Text::from(format!("The other way: {}.", describe(other))));
    }
    // Only what holds either way stays a reason.
    base.reasons
        .retain(|r| differing.iter().all(|d| d.reasons.iter().any(|o| o.id == r.id)));
    base.outcome = LicenseOutcome::Indeterminate;
    base.license_required = !base.reasons.is_empty();
    base.exceptions.clear();
    base.review_policy = None;
    Ok(base)
}

fn describe(d: &Decision) -> String {
    let reasons: Vec<Sym> = d.reasons.iter().map(|r| r.id).collect();
    let exceptions: Vec<Sym> = d.exceptions.iter().map(|x| x.symbol).collect();
    format!(
        "{} (requirements [{}]; exceptions [{}]; review policy {})",
        d.outcome.as_str(),
        reasons.join(", "),
        exceptions.join(", "),
        d.review_policy.map_or("none", crate::ReviewPolicy::as_str)
    )
}

// --- one determination ---------------------------------------------------------------------

/// One determination for resolved places.
fn determine(
    decider: &Decider,
    inputs: &Inputs<'_>,
    places: &Places,
    end_use: Option<&EndUseReport>,
) -> Result<Decision, DecideError> {
    let Inputs {
        item,
        classification,
        request,
        date,
        lists,
    } = *inputs;
    let mut notes: Vec<Text> = Vec::new();
    place_notes(decider, request, places, &mut notes);
    let (exporter, exporter_basis) = exporter(decider, item, request, &mut notes);
    let facts = facts(decider, inputs, places, &exporter, end_use, &mut notes)?;

    let mut steps: Vec<Step> = Vec::with_capacity(decider.rules.max_steps);
    let mut found = Found::default();
    for layer in [
        Layer::Embargo,
        Layer::ControlList,
        Layer::EndUse,
        Layer::GeneralProhibition,
    ] {
        requirements(decider, layer, &facts, request.as_written, date, &mut steps, &mut found);
    }
    if request.as_written {
        notes.push(Text::Static(
            "Evaluated as written: provisions in the CFR text that BIS does not enforce were applied.",
        ));
    }
    letter_notes(decider, &facts, date, &mut notes);
    let party = parties(decider, inputs, places);
    found.reasons.extend(party.reasons);
    notes.extend(party.notes);
    let listed_parties = party.listed;
    let (exceptions, ruled_out) = exceptions(decider, &facts, &found, &listed_parties, date, &mut steps);
    let (review_policies, review_policy) =
        policies(decider, &facts, &found, &listed_parties, date, &mut steps, &mut notes);
    let (outcome, missing_inputs) = outcome(decider, classification, &found, &party.undecided, &exceptions, &steps);
    outcome_notes(decider, &found, outcome, date, &mut notes);

    let chip = &classification.chip;
    let eccn = intern_syms(&classification.eccn);
    Ok(Decision {
        engine_version: chipgate_classify::ENGINE_VERSION,
        date,
        item: chip.id.clone(),
        item_name: chip.name.clone(),
        destination: places.destination.clone(),
        quantity: request.quantity,
        parties: Parties {
            end_user: request.end_user.clone(),
            consignee: request.consignee.clone(),
            end_user_hq: places.end_user_hq.clone(),
            parent_hq: places.parent_hq.clone(),
            exporter,
            exporter_basis,
        },
        end_use: request.end_use.clone(),
        end_uses: end_use.cloned(),
        classification: ClassificationSummary {
            ruleset: classification.ruleset.id,
            citation: classification.ruleset.citation,
            outcome: classification.outcome,
            eccn,
            paragraphs: intern_syms(&classification.paragraphs),
            tpp: classification.metrics.tpp,
            performance_density: classification.metrics.performance_density,
        },
        license_rules_version: decider.rules.version,
        list_snapshot: lists.snapshot_id(),
        license_required: !found.reasons.is_empty(),
        outcome,
        eccn,
        reasons: found.reasons,
        exceptions,
        exceptions_ruled_out: ruled_out,
        review_policy,
        review_policies,
        not_enforced: found.not_enforced,
        listed_parties,
        possible_listed_parties: party.possible,
        cleared_parties: party.cleared,
        red_flags: party.red_flags,
        missing_inputs,
        trace: steps,
        notes,
        not_evaluated: decider.scope,
    })
}

fn place_notes(decider: &Decider, request: &Request, places: &Places, notes: &mut Vec<Text>) {
    for place in [
        Some(&places.destination),
        places.end_user_hq.as_ref(),
        places.parent_hq.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(t) = decider.countries.treated_as(&place.code) {
            let note = Text::Static(t.note);
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    let regions = decider.countries.regions(&places.destination.code);
    if !regions.is_empty() && places.destination.region.is_none() {
        notes.push(Text::from(format!(
            "{} has regions the rules treat differently; none was given (give --region: {}).",
            places.destination.name,
            regions.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
        )));
    }
    if places.end_user_hq.is_none() && places.parent_hq.is_none() {
        notes.push(Text::from(format!(
            "No --end-user-hq or --parent-hq given: the end user is assumed to be headquartered in the destination ({}), with no parent elsewhere. Give both to apply the headquarters rule correctly.",
            places.destination.code
        )));
    }
    if request.end_use.is_none() {
        notes.push(Text::Static(
            "No --end-use given: evaluated as an order where the exporter has no knowledge of a controlled end use (the Part 744 end-use rules apply on knowledge).",
        ));
    }
}

/// The exporter as the rules test it, and whether it was given.
fn exporter(decider: &Decider, item: &ChipRecord, request: &Request, notes: &mut Vec<Text>) -> (Text, &'static str) {
    match &request.exporter {
        Some(e) => (normalize_exporter(decider, e), "given"),
        None => {
            notes.push(match decider.exporter_notes.get(item.vendor.as_str()) {
                Some(&note) => Text::Static(note),
                None => Text::from(crate::exporter_note(&item.vendor)),
            });
            (normalize_exporter(decider, &item.vendor), "item manufacturer")
        }
    }
}

/// The recipient of a company-specific requirement when the text names it (`NVIDIA`,
/// `Nvidia Corporation`), else the text in upper case.
fn normalize_exporter(decider: &Decider, text: &str) -> Text {
    let upper = text.trim().to_uppercase();
    for r in decider.rules.requirements.iter().filter_map(|r| r.recipient) {
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

// --- facts ---------------------------------------------------------------------------------

/// Phase 2: the facts the rules test. A fact left unset is missing (unknown).
fn facts(
    decider: &Decider,
    inputs: &Inputs<'_>,
    places: &Places,
    exporter: &Text,
    end_use: Option<&EndUseReport>,
    notes: &mut Vec<Text>,
) -> Result<Facts, DecideError> {
    let Inputs {
        item,
        classification,
        request,
        date,
        ..
    } = *inputs;
    let s = schema();
    let mut facts = Facts::new(s);
    let countries = &decider.countries;
    let chip = &classification.chip;
    // Sets are interned: their members come from the data (ECCN paragraphs, country
    // codes, group ids, vocabulary ids), so the number of distinct sets is bounded.
    if classification.outcome != Outcome::Indeterminate || !classification.eccn.is_empty() {
        facts.set(s, "eccn", FactValue::Set(intern_syms(&classification.eccn)))?;
    }
    facts.set(s, "item", FactValue::Text(chip.id.clone()))?;
    facts.set(s, "exporter", FactValue::Text(exporter.clone()))?;
    if let Some(dc) = item.datacenter {
        facts.set(s, "datacenter", FactValue::Bool(dc))?;
    }
    for (name, value) in chip_figures(decider, item, classification, date, notes)? {
        if let Some(v) = value {
            facts.set(s, name, FactValue::Number(v))?;
        }
    }
    let destination = &places.destination;
    facts.set(
        s,
        "destination",
        FactValue::Text(Text::Static(countries.governed_by(destination.code.as_str()))),
    )?;
    facts.set(s, "destination_groups", FactValue::Set(destination.groups))?;
    match &destination.region {
        Some(region) => facts.set(s, "destination_region", FactValue::Text(Text::Static(region.id)))?,
        None if countries.regions(&destination.code).is_empty() => {
            facts.set(s, "destination_region", FactValue::Text(Text::Static("none")))?;
        }
        None => {}
    }
    let (hq_countries, hq_groups) = headquarters(decider, places);
    facts.set(s, "hq_countries", FactValue::Set(hq_countries))?;
    facts.set(s, "hq_groups", FactValue::Set(hq_groups))?;
    match end_use {
        None => facts.set(s, "end_uses", FactValue::Set(&[]))?,
        Some(report) if report.read_as == "unmapped" => notes.push(Text::from(format!(
            "End use `{}` is not in the vocabulary and contains none of its keywords: the end-use rules are undecided. Give one or more of: {}.",
            report.given,
            decider.end_uses.ids().join(", ")
        ))),
        Some(report) => facts.set(s, "end_uses", FactValue::Set(report.recognised))?,
    }
    if let Some(on_ccl) = on_ccl(classification, request)? {
        facts.set(s, "on_ccl", FactValue::Bool(on_ccl))?;
    }
    if let Some(vendor) = decider.vendors.get(&item.vendor) {
        facts.set(s, "designer_hq", FactValue::Text(Text::Static(vendor.hq)))?;
        let code = countries.resolve("vendor", vendor.hq)?;
        facts.set(s, "designer_groups", FactValue::Set(countries.groups_on(&code, date)))?;
    }
    if let Some(us) = request.us_person {
        facts.set(s, "us_person", FactValue::Bool(us))?;
    }
    Ok(facts)
}

/// The chip-level figures the license rules test (TPP, DRAM bandwidth, interconnect,
/// bandwidth density). For a system (a 4A090 computer) they are its components' figures:
/// the largest of each across the components, so a "below X" policy holds only when every
/// component is below X and an "at least X" test holds when any component reaches X. The
/// decision notes say so.
fn chip_figures(
    decider: &Decider,
    item: &ChipRecord,
    classification: &Classification,
    date: Date,
    notes: &mut Vec<Text>,
) -> Result<[(&'static str, Option<f64>); 4], DecideError> {
    let m = &classification.metrics;
    let own = [
        ("tpp", m.tpp),
        ("memory_bandwidth_gbs", m.memory_bandwidth_gbs),
        ("interconnect_gbs", m.interconnect_gbs),
        ("memory_bandwidth_density", m.memory_bandwidth_density),
    ];
    if item.components.is_empty() {
        return Ok(own);
    }
    // Start from "known and zero" and take maxima; a component missing a figure leaves
    // the system's figure missing.
    let mut figures: [(&'static str, Option<f64>); 4] = own.map(|(name, _)| (name, Some(0.0)));
    let mut seen = Vec::new();
    for component in &item.components {
        let record = decider
            .classifier
            .catalog()
            .get(component.id.as_str())
            .map_err(chipgate_classify::ClassifyError::from)?;
        let c = decider.classifier.classify_shared(record, date)?;
        let cm = &c.metrics;
        let values = [
            cm.tpp,
            cm.memory_bandwidth_gbs,
            cm.interconnect_gbs,
            cm.memory_bandwidth_density,
        ];
        for ((_, slot), value) in figures.iter_mut().zip(values) {
            *slot = slot.zip(value).map(|(a, b)| a.max(b));
        }
        seen.push(format!("{} × {}", component.count, component.id));
    }
    notes.push(Text::from(format!(
        "{} is a system: the chip-level figures the license rules test (TPP, DRAM bandwidth, interconnect) are those of its components ({}), the largest of each.",
        item.id().map(ToString::to_string).unwrap_or_default(),
        seen.join(", ")
    )));
    Ok(figures)
}

/// The headquarters countries (as the rules see them) and their groups.
fn headquarters(decider: &Decider, places: &Places) -> (&'static [Sym], &'static [Sym]) {
    let hq_places = places.headquarters();
    let mut countries: Vec<Sym> = Vec::with_capacity(2);
    for place in &hq_places {
        let code = decider.countries.governed_by(place.code.as_str());
        if !countries.contains(&code) {
            countries.push(code);
        }
    }
    // One headquarters country (the usual case): its groups are already an interned list.
    let groups = match hq_places.as_slice() {
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
    (intern_syms(&countries), groups)
}

/// Whether the item is on the CCL: known from its 3A090/4A090 classification, else from the
/// ECCN the exporter gives (`EAR99` or a CCL entry), else unknown.
fn on_ccl(classification: &Classification, request: &Request) -> Result<Option<bool>, DecideError> {
    let Some(given) = request.eccn.as_deref().map(str::trim) else {
        return Ok((!classification.eccn.is_empty()).then_some(true));
    };
    let upper = given.to_uppercase();
    let is_ear99 = upper == "EAR99";
    let well_formed = is_ear99 || {
        let b = upper.as_bytes();
        b.len() >= 5
            && b.first().is_some_and(u8::is_ascii_digit)
            && b.get(1).is_some_and(|c| (b'A'..=b'E').contains(c))
            && b.get(2..5).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if !well_formed {
        return Err(DecideError::Invalid {
            field: "eccn".to_owned(),
            message: format!("`{given}` is not an ECCN such as `5A992.c` or `EAR99`"),
        });
    }
    if !classification.eccn.is_empty() && !classification.eccn.iter().any(|e| e.eq_ignore_ascii_case(&upper)) {
        return Err(DecideError::Contradiction(format!(
            "`--eccn {given}` contradicts the item's classification {} under {}",
            classification.eccn.join(", "),
            classification.ruleset.id
        )));
    }
    Ok(Some(!is_ear99))
}

// --- requirements by layer -----------------------------------------------------------------

/// Phases 3-6: the requirements of one layer in force on the date.
fn requirements<'d>(
    decider: &'d Decider,
    layer: Layer,
    facts: &Facts,
    as_written: bool,
    date: Date,
    steps: &mut Vec<Step>,
    found: &mut Found<'d>,
) {
    let s = schema();
    for r in decider
        .rules
        .requirements
        .iter()
        .filter(|r| r.kind.layer() == layer && r.header.in_force(date))
    {
        let first = steps.len();
        let rule = RuleRef {
            id: r.header.id,
            citation: r.header.cite.citation,
        };
        let result = evaluate(&r.when, facts, s, rule, steps);
        let inputs = || {
            steps
                .get(first..)
                .unwrap_or_default()
                .iter()
                .filter(|st| st.result == Tri::True)
                .map(|st| ReasonInput::Comparison(st.to_words()))
                .collect::<Vec<_>>()
        };
        let suspended = r.not_enforced.as_ref().is_some_and(|n| n.from <= date) && !as_written;
        match (result, suspended, r.indeterminate) {
            (Tri::True, true, _) => {
                found.not_enforced.push(reason(r, inputs()));
                found.suspended.push(r);
            }
            (Tri::True, false, Some(missing)) => found.unknown.push((r, Some(missing))),
            (Tri::True, false, None) => {
                found.reasons.push(reason(r, inputs()));
                found.triggered.push(r);
            }
            (Tri::Unknown, false, _) => found.unknown.push((r, None)),
            _ => {}
        }
    }
}

fn reason(r: &Requirement, inputs: Vec<ReasonInput>) -> Reason {
    Reason {
        id: r.header.id,
        kind: r.kind.as_str(),
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

/// A company-specific letter binds its recipient; when another exporter ships an item
/// the letter covers, the answer says so with the letter's source (not a requirement).
fn letter_notes(decider: &Decider, facts: &Facts, date: Date, notes: &mut Vec<Text>) {
    let s = schema();
    let Some(exporter) = s.index("exporter").and_then(|i| facts.get(i)) else {
        return;
    };
    let FactValue::Text(exporter) = exporter else {
        return;
    };
    for r in decider
        .rules
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::CompanySpecific && r.header.in_force(date))
    {
        let Some(recipient) = r.recipient else { continue };
        if exporter.as_str() == recipient {
            continue;
        }
        let mut as_recipient = facts.clone();
        if as_recipient
            .set(s, "exporter", FactValue::Text(Text::Static(recipient)))
            .is_err()
        {
            continue;
        }
        let mut scratch = Vec::new();
        let rule = RuleRef {
            id: r.header.id,
            citation: r.header.cite.citation,
        };
        if evaluate(&r.when, &as_recipient, s, rule, &mut scratch) == Tri::True {
            notes.push(Text::from(format!(
                "This item and destination are covered by `{}`, a letter to {recipient} ({}, {}): the letter binds {recipient}, not exporter {exporter}; it is not applied as a requirement here.",
                r.header.id, r.header.cite.citation, r.header.cite.url
            )));
        }
    }
}

// --- exceptions ----------------------------------------------------------------------------

/// Phase 8: an exception is available only when it is eligible, resolves every requirement
/// that applies, every requirement's list of permitted exceptions (Part 746, 744.21(c),
/// GP10) admits it, and no party is listed.
fn exceptions(
    decider: &Decider,
    facts: &Facts,
    found: &Found<'_>,
    listed: &[ListedParty],
    date: Date,
    steps: &mut Vec<Step>,
) -> (Vec<ExceptionReport>, Vec<RuledOut>) {
    let mut available = Vec::new();
    let mut ruled_out = Vec::new();
    if found.triggered.is_empty() {
        return (available, ruled_out);
    }
    let s = schema();
    for x in decider.rules.exceptions.iter().filter(|x| x.header.in_force(date)) {
        let rule = RuleRef {
            id: x.header.id,
            citation: x.header.cite.citation,
        };
        if evaluate(&x.when, facts, s, rule, steps) != Tri::True {
            continue;
        }
        let resolves: Vec<Sym> = found
            .triggered
            .iter()
            .filter(|r| x.covers.contains(&r.header.id))
            .map(|r| r.header.id)
            .collect();
        if resolves.is_empty() {
            continue;
        }
        let mut why = Vec::new();
        for r in found.triggered.iter().filter(|r| !x.covers.contains(&r.header.id)) {
            match r.exceptions_allowed {
                Some((allowed, source)) if !allowed.contains(&x.symbol) => why.push(format!(
                    "`{}` admits only [{}] ({source})",
                    r.header.id,
                    allowed.join(", ")
                )),
                _ => why.push(format!("it does not resolve `{}`", r.header.id)),
            }
        }
        if !listed.is_empty() {
            why.push("a party is on a restricted list".to_owned());
        }
        if !why.is_empty() {
            ruled_out.push(RuledOut {
                symbol: x.symbol,
                id: x.header.id,
                why: why.join("; "),
            });
            continue;
        }
        let conditions = x
            .conditions
            .iter()
            .filter(|c| evaluate(&c.when, facts, s, rule, steps) == Tri::True)
            .map(|c| ConditionReport {
                text: c.text,
                notification_days: c.notification_days,
                review_period_ends: c
                    .notification_days
                    .map(|d| date.add_days(i32::try_from(d).unwrap_or(i32::MAX))),
                url: c.url,
            })
            .collect();
        available.push(ExceptionReport {
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
    (available, ruled_out)
}

// --- policies ------------------------------------------------------------------------------

/// Phase 9: the review policy of each requirement that applies (the first policy in force
/// whose condition holds) and the most restrictive of them and of the listed parties'.
fn policies(
    decider: &Decider,
    facts: &Facts,
    found: &Found<'_>,
    listed: &[ListedParty],
    date: Date,
    steps: &mut Vec<Step>,
    notes: &mut Vec<Text>,
) -> (Vec<PolicyReport>, Option<crate::ReviewPolicy>) {
    let s = schema();
    let mut reports: Vec<PolicyReport> = Vec::new();
    for r in &found.triggered {
        for p in decider.rules.policies.iter().filter(|p| p.header.in_force(date)) {
            if !p.applies_to.contains(&r.header.id) {
                continue;
            }
            let rule = RuleRef {
                id: p.header.id,
                citation: p.header.cite.citation,
            };
            if evaluate(&p.when, facts, s, rule, steps) == Tri::True {
                reports.push(PolicyReport {
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
        if !reports.iter().any(|p| p.requirement == r.header.id) {
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
    let mut most = reports.iter().map(|p| p.policy).max();
    for hit in listed {
        if let Some(p) = hit.license_policy.as_deref().and_then(crate::ReviewPolicy::from_phrase) {
            most = most.max(Some(p));
        }
    }
    (reports, most)
}

// --- outcome -------------------------------------------------------------------------------

/// Phase 10: the outcome. Any requirement that applies makes a license required; it is
/// covered by an exception only when one resolves every requirement and nothing is
/// undecided. An undecided requirement makes the answer indeterminate unless a license is
/// required anyway; its missing inputs are named either way.
fn outcome(
    decider: &Decider,
    classification: &Classification,
    found: &Found<'_>,
    party_undecided: &[String],
    exceptions: &[ExceptionReport],
    steps: &[Step],
) -> (LicenseOutcome, Vec<String>) {
    let mut missing: Vec<String> = Vec::new();
    let mut add = |text: String| {
        if !missing.contains(&text) {
            missing.push(text);
        }
    };
    if !found.unknown.is_empty() {
        for m in &classification.missing_inputs {
            add(format!("{}: {}", m.fact, m.inputs.join("; ")));
        }
        let s = schema();
        for (r, named) in &found.unknown {
            let id = r.header.id;
            if let Some(text) = named {
                add(format!("{text} (needed by {id})"));
            }
            for st in steps.iter().filter(|st| st.rule == id && st.result == Tri::Unknown) {
                let label = s.index(st.fact).and_then(|i| s.get(i)).map_or("", |f| f.label);
                add(format!("{}: {label} (needed by {id})", st.fact));
            }
        }
    }
    // An undecided requirement matters unless a license is required anyway with no
    // exception, or an available exception would resolve it too.
    let covered = |r: &Requirement| {
        exceptions.iter().any(|x| {
            let admitted = r
                .exceptions_allowed
                .is_none_or(|(allowed, _)| allowed.contains(&x.symbol));
            let resolves = decider
                .rules
                .exceptions
                .iter()
                .any(|e| e.header.id == x.id && e.covers.contains(&r.header.id));
            admitted && resolves
        })
    };
    // An undecided party always matters: a listed party leaves no exception.
    let matters = found.unknown.iter().any(|(r, _)| !covered(r)) || !party_undecided.is_empty();
    for text in party_undecided {
        add(text.clone());
    }
    let undecided = !found.unknown.is_empty() || !party_undecided.is_empty();
    let outcome = if !found.reasons.is_empty() && (!matters || exceptions.is_empty()) {
        if exceptions.is_empty() {
            LicenseOutcome::LicenseRequired
        } else {
            LicenseOutcome::LicenseExceptionAvailable
        }
    } else if undecided {
        LicenseOutcome::Indeterminate
    } else {
        LicenseOutcome::NoLicenseRequired
    };
    (outcome, missing)
}

fn outcome_notes(decider: &Decider, found: &Found<'_>, outcome: LicenseOutcome, date: Date, notes: &mut Vec<Text>) {
    if !found.unknown.is_empty() {
        let ids: Vec<Sym> = found.unknown.iter().map(|(r, _)| r.header.id).collect();
        notes.push(Text::from(format!("Undecided requirements: {}.", ids.join(", "))));
    }
    if outcome == LicenseOutcome::NoLicenseRequired {
        notes.push(Text::Static(
            "No license required under every rule chipgate evaluates; see `not_evaluated` for what it does not.",
        ));
    }
    for r in &found.triggered {
        if let Some((allowed, source)) = r.exceptions_allowed {
            if !allowed.is_empty() {
                notes.push(Text::from(format!(
                    "`{}`: only these license exceptions may be used: {} ({source}); chipgate does not evaluate their conditions.",
                    r.header.id,
                    allowed.join(", ")
                )));
            }
        }
    }
    if date > decider.rules.compiled {
        notes.push(Text::Static(decider.rules.compiled_note));
    }
    for r in &found.suspended {
        notes.push(Text::Static(r.not_enforced_note));
    }
}
