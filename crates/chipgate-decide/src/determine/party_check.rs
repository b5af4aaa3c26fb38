//! Phase 7 of a determination, the party check: the end user and the consignee screened
//! through the caller's index and sorted into bands (strong: listed; possible: review;
//! clear), each entry applied only from its listing date, and ownership evaluated under the
//! Affiliates (50 percent) rule with Red Flag 29. Thresholds, lists, dates and windows come
//! from [`PartyRules`](crate::PartyRules).
//!
//! Key design decision: anything a reviewer must settle (a possible match, an uncertain
//! listing date, ownership that could reach the threshold) is returned as `undecided`, which
//! the outcome phase turns into `indeterminate` — never into a green light.

use chipgate_model::Date;
use chipgate_rules::{intern, Sym, Text};

use super::{Inputs, Places};
use crate::parties::{Listing, Ownership, WindowStatus};
use crate::{Decider, ListedParty, PartyLookup, Reason, ReasonInput};

/// What the party check found.
pub(super) struct PartyFindings {
    pub(super) listed: Vec<ListedParty>,
    pub(super) possible: Vec<ListedParty>,
    /// Hits a reviewer cleared (their clearance applies).
    pub(super) cleared: Vec<ListedParty>,
    pub(super) reasons: Vec<Reason>,
    /// Missing inputs a reviewer must settle (possible matches, uncertain listing dates,
    /// ownership that could reach the threshold).
    pub(super) undecided: Vec<String>,
    pub(super) notes: Vec<Text>,
    pub(super) red_flags: Vec<Text>,
}

/// Phase 7: the end user and the consignee screened through the caller's index, in bands;
/// listing dates; ownership under the Affiliates rule.
pub(super) fn parties(decider: &Decider, inputs: &Inputs<'_>, places: &Places) -> PartyFindings {
    let Inputs {
        request, date, lists, ..
    } = *inputs;
    let mut found = PartyFindings {
        listed: Vec::new(),
        possible: Vec::new(),
        cleared: Vec::new(),
        reasons: Vec::new(),
        undecided: Vec::new(),
        notes: Vec::new(),
        red_flags: Vec::new(),
    };
    // The end user's country is where it is headquartered, when given; a consignee's
    // country is not asked for, so it is screened without one.
    let end_user_country = places.end_user_hq.as_ref().map(|p| p.code.as_str());
    for (role, name, country) in [
        ("end_user", request.end_user.as_deref(), end_user_country),
        ("consignee", request.consignee.as_deref(), None),
    ] {
        if let Some(name) = name {
            screen_party(decider, lists, role, name, country, date, &mut found);
        }
    }
    for (role, name) in [
        ("end_user", request.end_user.as_deref()),
        ("consignee", request.consignee.as_deref()),
    ] {
        if role == "consignee" && name.is_none() {
            continue;
        }
        affiliates(decider, inputs, places, role, name, &mut found);
    }
    found
}

/// Screens one name and sorts its hits with a license effect into the bands.
fn screen_party(
    decider: &Decider,
    lists: &dyn PartyLookup,
    role: &str,
    name: &str,
    country: Option<&str>,
    date: Date,
    found: &mut PartyFindings,
) {
    let rules = &decider.parties;
    // The lookup returns entries of the lists asked for only: all carry a license effect.
    for mut hit in lists.screen(name, country, rules.possible, rules.party_lists()) {
        hit.role = role.to_owned();
        let (listing, strong) = rules.assess(&hit, date);
        let cleared = hit.clearance.as_ref().filter(|c| c.applies).map(|c| c.describe());
        // A clearance that does not apply says why, in the hit's review line.
        let not_applied = hit
            .clearance
            .as_ref()
            .and_then(|c| c.why_not.as_ref().map(|w| (c.audit_seq, w)))
            .map(|(seq, why)| format!("; the clearance of review.clear record #{seq} does not apply: {why}"))
            .unwrap_or_default();
        match listing {
            // A reviewed false positive: the hit is shown as cleared and decides nothing. A
            // strong match stays in sight as a red flag naming the clearance (docs/review.md).
            Listing::Listed(words) | Listing::Unknown(words) | Listing::Uncertain(words) if cleared.is_some() => {
                let clearance = cleared.unwrap_or_default();
                let text = format!(
                    "{} `{name}` matches `{}` on the {} (score {:.2}), {clearance}.",
                    role.replace('_', " "),
                    hit.name,
                    hit.code,
                    hit.score
                );
                if strong {
                    found.red_flags.push(Text::from(format!(
                        "A strong match was cleared as a false positive: {text} Check that the clearance still holds."
                    )));
                } else {
                    found.notes.push(Text::from(text));
                }
                hit.listing = Some(words);
                found.cleared.push(hit);
            }
            Listing::NotYet(words) => {
                found.notes.push(Text::from(format!(
                    "{} `{}` matches `{}` on the {} (score {:.2}), which was not yet listed on the order date: {words}.",
                    role.replace('_', " "),
                    name,
                    hit.name,
                    hit.code,
                    hit.score
                )));
            }
            Listing::Listed(words) | Listing::Unknown(words) if strong => {
                hit.listing = Some(words);
                found.reasons.push(listed_reason(&hit));
                found.listed.push(hit);
            }
            Listing::Listed(words) | Listing::Unknown(words) | Listing::Uncertain(words) => {
                let why = if strong {
                    words.clone()
                } else if hit.partial && hit.score >= rules.strong {
                    format!(
                        "score {:.2}, but the name matches only part of the entry's name, which goes to review",
                        hit.score
                    )
                } else {
                    format!(
                        "score {:.2} is in the possible band [{}, {}) ({})",
                        hit.score, rules.possible, rules.strong, rules.rationale
                    )
                };
                found.undecided.push(format!(
                    "review: is {} `{name}` the {} entry `{}`? {why}{not_applied}",
                    role.replace('_', " "),
                    hit.code,
                    hit.name
                ));
                hit.listing = Some(words);
                found.possible.push(hit);
            }
        }
    }
}

/// How a name stands as an owner under the Affiliates rule.
#[derive(Clone)]
enum OwnerStatus {
    /// Listed (or subject through its own owners): its entries.
    Counts(Vec<ListedParty>),
    /// Might count: why.
    Undetermined(String),
    /// Does not count.
    Clear,
}

/// Ownership evaluation of one party: the listed share and what it rests on.
struct Aggregate {
    certain: f64,
    potential: f64,
    owners: Vec<ListedParty>,
    open: Vec<String>,
    /// Listed owners whose share is not known (Red Flag 29).
    unknown_share: Vec<String>,
}

/// The Affiliates rule for one party (the end user or the consignee).
fn affiliates(
    decider: &Decider,
    inputs: &Inputs<'_>,
    places: &Places,
    role: &str,
    name: Option<&str>,
    found: &mut PartyFindings,
) {
    let rules = &decider.parties;
    let Inputs { request, date, .. } = *inputs;
    let owns = |e: &&Ownership| match (&e.party, name) {
        (None, _) => role == "end_user",
        (Some(p), Some(n)) => same_name(p, n),
        (Some(_), None) => false,
    };
    let direct: Vec<&Ownership> = request.owners.iter().filter(owns).collect();
    let Some(window) = rules.window_on(date) else {
        if !direct.is_empty() {
            found.notes.push(Text::Static(
                "The Affiliates rule was not in force on this date: ownership was not evaluated.",
            ));
        }
        return;
    };
    let label = name.map_or_else(
        || role.replace('_', " "),
        |n| format!("{} `{n}`", role.replace('_', " ")),
    );
    if direct.is_empty() {
        let destination = &places.destination;
        if role == "end_user" && rules.reports_unknown_ownership(destination.code.as_str(), destination.groups) {
            found.red_flags.push(Text::from(format!(
                "The {label}'s ownership was not given, so the Affiliates rule (90 FR 47201) could not be evaluated. {}",
                rules.red_flag_29
            )));
        }
        return;
    }
    let mut visiting: Vec<String> = Vec::new();
    let aggregate = aggregate(decider, inputs, &direct, &mut visiting, 0);
    let in_force = window.status == WindowStatus::InForce;
    let share = rules.affiliates_share;
    if aggregate.certain >= share {
        let text = format!(
            "{label} is {} percent owned by listed parties ({}), at least {share} percent",
            format_share(aggregate.certain),
            aggregate
                .owners
                .iter()
                .map(|o| format!("{} on the {}", o.name, o.code))
                .collect::<Vec<_>>()
                .join("; ")
        );
        if in_force {
            found
                .reasons
                .push(affiliate_reason(decider, &text, &aggregate.owners, window.note));
            for mut owner in aggregate.owners {
                owner.role = format!("owner of {label}");
                found.listed.push(owner);
            }
        } else {
            found.red_flags.push(Text::from(format!(
                "{text}: the Affiliates rule would apply, but {}",
                window.note
            )));
        }
    } else if aggregate.potential >= share {
        let text = format!(
            "whether {label} is at least {share} percent owned by listed parties: {} percent certain, up to {} percent with {}",
            format_share(aggregate.certain),
            if aggregate.potential.is_finite() { format_share(aggregate.potential) } else { "an unknown share".to_owned() },
            aggregate.open.join("; ")
        );
        if in_force {
            found.undecided.push(format!("{text} (90 FR 47201)"));
        } else {
            found.red_flags.push(Text::from(format!("{text}: {}", window.note)));
        }
    }
    for owner in &aggregate.unknown_share {
        let text = format!("{label} has a listed owner, {owner}, whose share is not known");
        if in_force {
            found.reasons.push(Reason {
                id: "red-flag-29",
                kind: "red_flag",
                title: Text::from(text.clone()),
                paragraph: "Supp. No. 3 to Part 732, Red Flag 29",
                citation: Text::Static(rules.affiliates_citation),
                url: rules.affiliates_url,
                evidence: "L",
                text: Text::Static(rules.red_flag_29),
                inputs: vec![ReasonInput::Text(text)],
                note: Some(window.note),
            });
        } else {
            found
                .red_flags
                .push(Text::from(format!("{text}: {} {}", rules.red_flag_29, window.note)));
        }
    }
    if in_force {
        found.notes.push(Text::Static(window.note));
    }
}

/// The listed share of the party whose direct owners are `direct`, recursing through
/// unlisted owners (an owner that is itself at least the threshold owned by listed parties
/// counts with its whole share, as under OFAC's 50 percent rule).
fn aggregate(
    decider: &Decider,
    inputs: &Inputs<'_>,
    direct: &[&Ownership],
    visiting: &mut Vec<String>,
    depth: usize,
) -> Aggregate {
    let mut a = Aggregate {
        certain: 0.0,
        potential: 0.0,
        owners: Vec::new(),
        open: Vec::new(),
        unknown_share: Vec::new(),
    };
    for edge in direct {
        let status = owner_status(decider, inputs, &edge.owner, visiting, depth);
        let share = edge.percent;
        match status {
            OwnerStatus::Counts(entries) => {
                match share {
                    Some(p) => {
                        a.certain += p;
                        a.potential += p;
                    }
                    None => {
                        a.potential = f64::INFINITY;
                        a.unknown_share.push(format!("`{}`", edge.owner));
                    }
                }
                for e in entries {
                    if !a.owners.iter().any(|o| o.name == e.name && o.code == e.code) {
                        a.owners.push(e);
                    }
                }
            }
            OwnerStatus::Undetermined(why) => {
                a.potential += share.unwrap_or(f64::INFINITY);
                a.open.push(format!(
                    "`{}` ({}{why})",
                    edge.owner,
                    share.map_or_else(
                        || "share unknown; ".to_owned(),
                        |p| format!("{} percent; ", format_share(p))
                    )
                ));
            }
            OwnerStatus::Clear => {}
        }
    }
    a
}

/// Whether an owner counts: listed itself (strong match, listed on the date, on a list the
/// rule names), or subject through its own owners.
fn owner_status(
    decider: &Decider,
    inputs: &Inputs<'_>,
    owner: &str,
    visiting: &mut Vec<String>,
    depth: usize,
) -> OwnerStatus {
    let rules = &decider.parties;
    let Inputs {
        request, date, lists, ..
    } = *inputs;
    let mut counts = Vec::new();
    let mut open = Vec::new();
    for mut hit in lists.screen(owner, None, rules.possible, &rules.owner_lists()) {
        // Clearances are of a party's own hits: an owner's hit is never cleared by one.
        hit.clearance = None;
        // Entries of the lists the rule names count; of the others asked for, they may.
        let undetermined_list = rules.owner_list_undetermined(&hit.code);
        let (listing, strong) = rules.assess(&hit, date);
        match (&listing, strong, undetermined_list) {
            (Listing::NotYet(_), _, _) => {}
            (_, _, true) => open.push(format!(
                "{} entry `{}`: {}",
                hit.code, hit.name, rules.undetermined_reason
            )),
            (Listing::Listed(words) | Listing::Unknown(words), true, false) => {
                hit.listing = Some(words.clone());
                counts.push(hit);
            }
            (_, _, false) => open.push(format!(
                "possible match to the {} entry `{}` (score {:.2})",
                hit.code, hit.name, hit.score
            )),
        }
    }
    if !counts.is_empty() {
        return OwnerStatus::Counts(counts);
    }
    // Through its own owners (bounded depth; a cycle counts as not owned).
    let key = owner.trim().to_lowercase();
    if depth < 8 && !visiting.contains(&key) {
        let edges: Vec<&Ownership> = request
            .owners
            .iter()
            .filter(|e| e.party.as_deref().is_some_and(|p| same_name(p, owner)))
            .collect();
        if !edges.is_empty() {
            visiting.push(key);
            let a = aggregate(decider, inputs, &edges, visiting, depth + 1);
            visiting.pop();
            let share = rules.affiliates_share;
            if a.certain >= share {
                return OwnerStatus::Counts(a.owners);
            }
            if a.potential >= share {
                open.push(format!(
                    "itself possibly at least {share} percent owned by listed parties: {}",
                    a.open.join("; ")
                ));
            }
        }
    }
    if open.is_empty() {
        OwnerStatus::Clear
    } else {
        OwnerStatus::Undetermined(open.join("; "))
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn format_share(p: f64) -> String {
    chipgate_model::format_number(p)
}

fn affiliate_reason(decider: &Decider, text: &str, owners: &[ListedParty], window_note: Sym) -> Reason {
    let rules = &decider.parties;
    let terms: Vec<String> = owners
        .iter()
        .map(|o| {
            format!(
                "{} ({}): license requirement {}; policy {}",
                o.name,
                o.code,
                o.license_requirement.as_deref().unwrap_or("not stated"),
                o.license_policy.as_deref().unwrap_or("not stated")
            )
        })
        .collect();
    Reason {
        id: "affiliates-rule",
        kind: "affiliate",
        title: Text::from(text.to_owned()),
        paragraph: "15 CFR 744.16 (Affiliates rule)",
        citation: Text::Static(rules.affiliates_citation),
        url: rules.affiliates_url,
        evidence: rules.affiliates_evidence,
        text: Text::from(format!(
            "{} The most restrictive owner's terms apply: {}.",
            rules.affiliates_text,
            terms.join(" | ")
        )),
        inputs: vec![ReasonInput::Text(text.to_owned())],
        note: Some(window_note),
    }
}

fn listed_reason(hit: &ListedParty) -> Reason {
    Reason {
        id: "listed-party",
        kind: "listed_party",
        title: Text::from(format!(
            "{} `{}` is on the {}",
            hit.role.replace('_', " "),
            hit.query,
            hit.list
        )),
        // The list's authority comes from the list data (a bounded set of texts).
        paragraph: hit
            .authority
            .as_deref()
            .map_or("the list's own authority (not stated in the list data)", intern),
        citation: Text::from(hit.federal_register.clone().unwrap_or_else(|| "list entry".to_owned())),
        url: "",
        evidence: "P",
        text: Text::from(format!(
            "License requirement: {}. License policy: {}.",
            hit.license_requirement.as_deref().unwrap_or("not stated"),
            hit.license_policy.as_deref().unwrap_or("not stated")
        )),
        inputs: vec![ReasonInput::Text(format!(
            "{} = `{}` matched `{}` (score {:.2}; {}){}",
            hit.role,
            hit.query,
            hit.matched,
            hit.score,
            hit.explanation,
            hit.listing.as_deref().map(|l| format!("; {l}")).unwrap_or_default()
        ))],
        note: None,
    }
}
