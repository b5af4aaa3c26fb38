//! The determination over time: decide on every date where any input rule changes.

use chipgate_model::{ChipRecord, Date};
use chipgate_rules::Sym;
use serde::Serialize;

use crate::{DecideError, Decider, LicenseOutcome, PartyLookup, Request, ReviewPolicy};

/// One period with the same determination.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimelineEntry {
    /// First day of the period.
    pub from: Date,
    /// Last day (none for the open period).
    pub until: Option<Date>,
    /// Outcome.
    pub outcome: LicenseOutcome,
    /// Review policy.
    pub review_policy: Option<ReviewPolicy>,
    /// ECCN paragraphs.
    pub eccn: Vec<Sym>,
    /// Requirement ids that apply.
    pub reasons: Vec<Sym>,
    /// Exceptions available.
    pub exceptions: Vec<String>,
    /// What changed on `from`, in words.
    pub changed_by: Vec<String>,
}

/// The timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DecisionTimeline {
    /// Item id.
    pub item: String,
    /// Destination code.
    pub destination: String,
    /// Periods, oldest first.
    pub entries: Vec<TimelineEntry>,
    /// Dated events along the way (e.g. licenses promised).
    pub events: Vec<String>,
}

pub(crate) fn build(
    decider: &Decider,
    item: &ChipRecord,
    request: &Request,
    lists: &dyn PartyLookup,
) -> Result<DecisionTimeline, DecideError> {
    let first = decider
        .classifier()
        .rules()
        .versions()
        .first()
        .map(|v| v.effective)
        .ok_or_else(|| DecideError::Contradiction("no rule versions".to_owned()))?;
    let mut dates: Vec<Date> = decider.event_dates();
    dates.push(first);
    dates.retain(|d| *d >= first);
    dates.sort();
    dates.dedup();

    let mut entries: Vec<TimelineEntry> = Vec::new();
    for date in dates {
        let d = decider.decide(item, request, date, lists)?;
        let reasons: Vec<Sym> = d.reasons.iter().map(|r| r.id).collect();
        let exceptions: Vec<String> = d.exceptions.iter().map(|x| x.symbol.to_string()).collect();
        if let Some(last) = entries.last() {
            if last.outcome == d.outcome
                && last.review_policy == d.review_policy
                && last.eccn == d.eccn
                && last.reasons == reasons
                && last.exceptions == exceptions
            {
                continue;
            }
        }
        let mut changed_by = Vec::new();
        if let Some(last) = entries.last() {
            if last.eccn != d.eccn {
                changed_by.push(format!(
                    "classification {} → {} ({} {})",
                    list(&last.eccn),
                    list(d.eccn),
                    d.classification.ruleset,
                    d.classification.citation
                ));
            }
            for r in d.reasons.iter().filter(|r| !last.reasons.contains(&r.id)) {
                changed_by.push(format!("now applies: {} — {} ({})", r.id, r.title, r.citation));
            }
            for r in last.reasons.iter().filter(|r| !reasons.contains(r)) {
                changed_by.push(format!("no longer applies: {r}"));
            }
            if last.review_policy != d.review_policy {
                let mut basis = d
                    .review_policies
                    .iter()
                    .map(|p| format!("{} ({})", p.id, p.citation))
                    .collect::<Vec<_>>();
                basis.dedup();
                changed_by.push(format!(
                    "review policy {} → {} {}",
                    last.review_policy.map_or("none", ReviewPolicy::as_str),
                    d.review_policy.map_or("none", ReviewPolicy::as_str),
                    basis.join(", ")
                ));
            }
            if last.exceptions != exceptions {
                changed_by.push(format!(
                    "exceptions [{}] → [{}]",
                    last.exceptions.join(", "),
                    exceptions.join(", ")
                ));
            }
        } else {
            for r in &d.reasons {
                changed_by.push(format!("applies: {} — {} ({})", r.id, r.title, r.citation));
            }
        }
        if let Some(last) = entries.last_mut() {
            last.until = Some(date.pred());
        }
        entries.push(TimelineEntry {
            from: date,
            until: None,
            outcome: d.outcome,
            review_policy: d.review_policy,
            eccn: d.eccn.to_vec(),
            reasons,
            exceptions,
            changed_by,
        });
    }
    // Events of the requirements that applied in some period, and the requirements in
    // force before the first date chipgate decides for (e.g. Russia from 2022-04-08).
    let applied: Vec<Sym> = entries.iter().flat_map(|e| e.reasons.iter().copied()).collect();
    let mut events = Vec::new();
    for r in decider
        .rules()
        .requirements
        .iter()
        .filter(|r| applied.contains(&r.header.id))
    {
        for e in &r.events {
            events.push(format!("{}: {} [{}]", e.date, e.text, r.header.id));
        }
        let earlier = std::iter::once(r).chain(
            r.follows
                .iter()
                .filter_map(|f| decider.rules().requirements.iter().find(|p| p.header.id == *f)),
        );
        for p in earlier.filter(|p| p.header.effective < first) {
            events.push(format!(
                "{}: in force from this date, before the timeline starts: {} ({}) [{}]",
                p.header.effective, p.title, p.header.cite.citation, p.header.id
            ));
        }
    }
    events.sort();
    Ok(DecisionTimeline {
        item: item.id().map(ToString::to_string).unwrap_or_default(),
        destination: request.destination.clone(),
        entries,
        events,
    })
}

fn list(eccn: &[Sym]) -> String {
    if eccn.is_empty() {
        "not controlled".to_owned()
    } else {
        eccn.join(", ")
    }
}
