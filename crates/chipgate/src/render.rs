//! Text renderings for people. JSON output serializes the library reports directly.

use std::fmt::Write as _;

use chipgate_engine::{
    format_number, ChipRecord, Classification, Classifier, Decision, DecisionTimeline, Figure, ItemKind,
    LicenseOutcome, Outcome, Precision, ScenarioRun, Timeline, Tri,
};
use serde::Serialize;

fn mark(result: Tri) -> &'static str {
    match result {
        Tri::True => "[yes]",
        Tri::False => "[no] ",
        Tri::Unknown => "[?]  ",
    }
}

fn outcome_text(outcome: Outcome, eccn: &[&str]) -> String {
    match outcome {
        Outcome::Controlled => format!("controlled: {}", eccn.join(", ")),
        Outcome::NotControlled => "not controlled under 3A090/4A090".to_owned(),
        Outcome::Indeterminate => "indeterminate (an input that could decide is missing)".to_owned(),
    }
}

/// A classification as a derivation a person can follow.
pub(crate) fn classification(c: &Classification) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} ({}) on {}", c.chip.name, c.chip.id, c.date);
    let _ = writeln!(
        s,
        "rules: {} ({}, in force from {})",
        c.ruleset.id, c.ruleset.citation, c.ruleset.effective
    );
    let _ = writeln!(s, "outcome: {}", outcome_text(c.outcome, &c.eccn));
    if !c.paragraphs.is_empty() {
        let _ = writeln!(s, "met: {}", c.paragraphs.join(", "));
    }
    if !c.undetermined.is_empty() {
        let _ = writeln!(s, "undecided: {}", c.undetermined.join(", "));
    }
    for m in &c.missing_inputs {
        let _ = writeln!(s, "  missing for {}: {} ({})", m.paragraph, m.fact, m.inputs.join("; "));
    }
    if !c.metrics.derivations.is_empty() {
        let _ = writeln!(s, "\nmetrics");
        for d in &c.metrics.derivations {
            let _ = writeln!(s, "  {}", d.derivation);
            for i in d.inputs.iter() {
                let note = i.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "    {} = {} [{}] {}{}",
                    i.field,
                    format_number(i.value),
                    i.quality.as_str(),
                    i.sources.first().map(String::as_str).unwrap_or("(no source)"),
                    note
                );
            }
        }
    }
    if !c.components.is_empty() {
        let _ = writeln!(s, "\ncomponents");
        for comp in &c.components {
            let _ = writeln!(
                s,
                "  {} × {}: {}",
                comp.count,
                comp.id,
                outcome_text(comp.outcome, &comp.eccn)
            );
        }
    }
    let _ = writeln!(s, "\ntrace");
    for conclusion in &c.conclusions {
        let applicable = !c.trace.iter().any(|t| {
            t.rule == conclusion.paragraph && t.op == "is" && t.fact != "datacenter" && t.result == Tri::False
        });
        if !applicable {
            continue;
        }
        let mut status = mark(conclusion.result).trim().to_owned();
        if let Some(winner) = &conclusion.superseded_by {
            status.push_str(&format!(" (superseded by {winner})"));
        }
        if !conclusion.excluded_by.is_empty() {
            status.push_str(&format!(" (excluded by {})", conclusion.excluded_by.join(", ")));
        }
        let _ = writeln!(s, "  {} {} ({})", conclusion.paragraph, status, conclusion.citation);
        for step in c.trace.iter().filter(|t| t.rule == conclusion.paragraph) {
            let _ = writeln!(s, "    {} {}", mark(step.result), step.words());
        }
    }
    let notes: Vec<_> = c
        .trace
        .iter()
        .filter(|t| !c.conclusions.iter().any(|p| p.paragraph == t.rule))
        .collect();
    let mut seen = Vec::new();
    for step in &notes {
        if !seen.contains(&step.rule) {
            seen.push(step.rule);
            let result = c
                .trace
                .iter()
                .filter(|t| t.rule == step.rule)
                .fold(Tri::True, |acc, t| match (acc, t.result) {
                    (Tri::False, _) | (_, Tri::False) => Tri::False,
                    (Tri::True, Tri::True) => Tri::True,
                    _ => Tri::Unknown,
                });
            let _ = writeln!(s, "  {} {} ({})", step.rule, mark(result).trim(), step.citation);
            for t in notes.iter().filter(|t| t.rule == step.rule) {
                let _ = writeln!(s, "    {} {}", mark(t.result), t.words());
            }
        }
    }
    if !c.headroom.is_empty() {
        let _ = writeln!(s, "\nheadroom");
        for h in &c.headroom {
            let _ = writeln!(s, "  {}", h.text());
        }
    }
    s
}

/// The timeline as a table with reasons.
pub(crate) fn timeline(t: &Timeline) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: classification under each rule version", t.chip);
    for e in &t.entries {
        let flag = if e.changed { "*" } else { " " };
        let _ = writeln!(
            s,
            "{flag} from {} ({}, {}): {}",
            e.effective,
            e.ruleset,
            e.citation,
            outcome_text(e.outcome, &e.eccn)
        );
        if e.changed {
            for why in &e.why {
                let _ = writeln!(s, "      {why}");
            }
        }
    }
    s.push_str("(* = changed from the previous version)\n");
    s
}

/// The catalog as a table.
pub(crate) fn chip_list(classifier: &Classifier) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{:<34} {:<7} {:<4} {:>9}  name", "id", "kind", "dc", "TPP");
    for record in classifier.catalog().iter() {
        let tpp = classifier
            .metrics_report(record)
            .tpp
            .map_or("-".to_owned(), format_number);
        let dc = match record.datacenter {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        };
        let _ = writeln!(
            s,
            "{:<34} {:<7} {:<4} {:>9}  {}",
            record.id().map(ToString::to_string).unwrap_or_default(),
            record.kind().as_str(),
            dc,
            tpp,
            record.name
        );
    }
    let _ = writeln!(s, "{} records", classifier.catalog().len());
    s
}

fn figure_line(s: &mut String, label: &str, figure: Option<&Figure>, record: &ChipRecord) {
    if let Some(f) = figure {
        let quality = f.quality.unwrap_or(record.quality);
        let note = f.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
        let own = if f.sources.is_empty() {
            String::new()
        } else {
            format!(" ({})", f.sources.join(", "))
        };
        let _ = writeln!(
            s,
            "  {label:<24} {:>10} [{}]{own}{note}",
            format_number(f.value),
            quality.as_str()
        );
    }
}

/// One record with every figure's quality and the sources.
pub(crate) fn chip(record: &ChipRecord) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({})",
        record.name,
        record.id().map(ToString::to_string).unwrap_or_default()
    );
    let _ = writeln!(s, "  vendor: {}  kind: {}", record.vendor, record.kind().as_str());
    if let Some(a) = &record.architecture {
        let _ = writeln!(s, "  architecture: {a}");
    }
    let dc = record.datacenter.map_or("not declared".to_owned(), |d| d.to_string());
    let _ = writeln!(s, "  designed or marketed for datacenters: {dc}");
    if let Some(n) = &record.datacenter_note {
        let _ = writeln!(s, "    ({n})");
    }
    let _ = writeln!(
        s,
        "  record quality: {}{}",
        record.quality.as_str(),
        record
            .quality_note
            .as_deref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default()
    );
    if !record.throughput.is_empty() {
        let _ = writeln!(s, "dense throughput (TOPS/TFLOPS)");
        for p in Precision::ALL {
            figure_line(&mut s, p.as_str(), record.throughput.get(p), record);
        }
    }
    let _ = writeln!(s, "figures");
    figure_line(
        &mut s,
        "memory_bandwidth_gbs",
        record.memory_bandwidth_gbs.as_ref(),
        record,
    );
    figure_line(&mut s, "interconnect_gbs", record.interconnect_gbs.as_ref(), record);
    figure_line(&mut s, "memory_gb", record.memory_gb.as_ref(), record);
    figure_line(&mut s, "package_area_mm2", record.package_area_mm2.as_ref(), record);
    figure_line(&mut s, "tdp_w", record.tdp_w.as_ref(), record);
    figure_line(&mut s, "boost_clock_mhz", record.boost_clock_mhz.as_ref(), record);
    figure_line(&mut s, "compute_units", record.compute_units.as_ref(), record);
    figure_line(
        &mut s,
        "transistors_billion",
        record.transistors_billion.as_ref(),
        record,
    );
    for (i, die) in record.dies.iter().enumerate() {
        let name = die.name.clone().unwrap_or_else(|| format!("die {i}"));
        let planar = match die.non_planar {
            Some(true) => "non-planar",
            Some(false) => "planar",
            None => "node type unknown",
        };
        let _ = writeln!(s, "die {i}: {name} × {} ({planar})", die.count);
        figure_line(&mut s, "area_mm2", die.area_mm2.as_ref(), record);
        if let Some(n) = &die.non_planar_note {
            let _ = writeln!(s, "    non_planar: {n}");
        }
    }
    if record.kind() == ItemKind::System {
        let _ = writeln!(s, "components");
        for c in &record.components {
            let _ = writeln!(s, "  {} × {}", c.count, c.id);
        }
    }
    if let Some(n) = &record.notes {
        let _ = writeln!(s, "notes: {n}");
    }
    let _ = writeln!(s, "sources");
    for src in &record.sources {
        let _ = writeln!(s, "  {src}");
    }
    s
}

#[derive(Serialize)]
struct RuleVersionView<'a> {
    id: &'a str,
    title: &'a str,
    effective: String,
    published: Option<String>,
    citation: &'a str,
    url: &'a str,
    paragraphs: Vec<&'a str>,
    exclusions: Vec<&'a str>,
    notes: &'a [&'a str],
}

/// Rule versions as JSON-ready data.
pub(crate) fn rules_json(classifier: &Classifier) -> impl Serialize + '_ {
    classifier
        .rules()
        .versions()
        .iter()
        .map(|v| RuleVersionView {
            id: v.id,
            title: &v.title,
            effective: v.effective.to_string(),
            published: v.published.map(|d| d.to_string()),
            citation: v.source.citation,
            url: v.source.url,
            paragraphs: v.paragraphs.iter().map(|p| p.id).collect(),
            exclusions: v.exclusions.iter().map(|x| x.id).collect(),
            notes: v.notes,
        })
        .collect::<Vec<_>>()
}

/// Rule versions for people.
pub(crate) fn rules(classifier: &Classifier) -> String {
    let mut s = String::new();
    for v in classifier.rules().versions() {
        let _ = writeln!(
            s,
            "{} — in force from {} ({}, {})",
            v.id, v.effective, v.source.citation, v.source.url
        );
        let paragraphs: Vec<&str> = v.paragraphs.iter().map(|p| p.id).collect();
        let _ = writeln!(s, "  paragraphs: {}", paragraphs.join(", "));
        for x in &v.exclusions {
            let _ = writeln!(s, "  exclusion: {}", x.id);
        }
    }
    s
}

fn license_outcome_text(outcome: LicenseOutcome) -> &'static str {
    match outcome {
        LicenseOutcome::NoLicenseRequired => "no license required",
        LicenseOutcome::LicenseExceptionAvailable => "license required; a license exception is available",
        LicenseOutcome::LicenseRequired => "license required",
        LicenseOutcome::Indeterminate => "indeterminate (an input that could decide is missing)",
    }
}

/// A license determination for people.
pub(crate) fn decision(d: &Decision) -> String {
    let mut s = String::new();
    let qty = d.quantity.map(|q| format!("{q} × ")).unwrap_or_default();
    let _ = writeln!(
        s,
        "{qty}{} ({}) to {} ({}) on {}",
        d.item_name, d.item, d.destination.name, d.destination.code, d.date
    );
    let _ = writeln!(s, "outcome: {}", license_outcome_text(d.outcome));
    let classification = if d.eccn.is_empty() {
        format!(
            "{} under {}",
            d.classification.outcome.as_str().replace('_', " "),
            d.classification.ruleset
        )
    } else {
        format!(
            "{} ({}, {})",
            d.eccn.join(", "),
            d.classification.ruleset,
            d.classification.citation
        )
    };
    let _ = writeln!(s, "classification: {classification}");
    let _ = writeln!(
        s,
        "destination groups: {}",
        if d.destination.groups.is_empty() {
            "none".to_owned()
        } else {
            d.destination.groups.join(", ")
        }
    );
    if let Some(region) = &d.destination.region {
        let _ = writeln!(s, "region: {} ({})", region.name, region.id);
    }
    let _ = writeln!(s, "exporter: {} ({})", d.parties.exporter, d.parties.exporter_basis);
    if let Some(e) = &d.end_uses {
        let read = if e.recognised.is_empty() {
            "not recognised".to_owned()
        } else {
            format!("{} (by {})", e.recognised.join(", "), e.read_as)
        };
        let _ = writeln!(s, "end use: `{}` read as {read}", e.given);
    }
    if let Some(p) = d.review_policy {
        let _ = writeln!(s, "review policy: {}", p.as_str().replace('_', " "));
    }
    if !d.reasons.is_empty() {
        let _ = writeln!(s, "\nbecause");
        for r in &d.reasons {
            let _ = writeln!(s, "  {} — {} [{}; {}]", r.id, r.title, r.paragraph, r.citation);
            for i in &r.inputs {
                let _ = writeln!(s, "      {i}");
            }
            if let Some(n) = &r.note {
                let _ = writeln!(s, "      note: {n}");
            }
        }
    }
    for p in &d.review_policies {
        let _ = writeln!(
            s,
            "\nreview policy for {}: {} ({}, {})",
            p.requirement,
            p.policy.as_str().replace('_', " "),
            p.id,
            p.citation
        );
        for c in p.conditions.iter() {
            let _ = writeln!(s, "  - {c}");
        }
    }
    if !d.exceptions.is_empty() {
        let _ = writeln!(s, "\nlicense exceptions");
        for x in &d.exceptions {
            let _ = writeln!(
                s,
                "  {} ({}, {}) resolves {}",
                x.symbol,
                x.section,
                x.citation,
                x.resolves.join(", ")
            );
            for c in &x.conditions {
                let due = c
                    .review_period_ends
                    .map(|d| format!(" (filed today, the review period ends {d})"))
                    .unwrap_or_default();
                let _ = writeln!(s, "    condition: {}{due}", c.text);
            }
        }
    }
    if !d.exceptions_ruled_out.is_empty() {
        let _ = writeln!(s, "\nlicense exceptions not usable");
        for x in &d.exceptions_ruled_out {
            let _ = writeln!(s, "  {} ({}): {}", x.symbol, x.id, x.why);
        }
    }
    for p in &d.listed_parties {
        let _ = writeln!(s, "\nlisted party: {} `{}` = {} on {}", p.role, p.query, p.name, p.list);
    }
    if !d.not_enforced.is_empty() {
        let _ = writeln!(s, "\nin the text, not enforced");
        for r in &d.not_enforced {
            let _ = writeln!(s, "  {} — {} [{}]", r.id, r.title, r.citation);
        }
    }
    if !d.missing_inputs.is_empty() {
        let _ = writeln!(s, "\nmissing inputs");
        for m in &d.missing_inputs {
            let _ = writeln!(s, "  {m}");
        }
    }
    if !d.notes.is_empty() {
        let _ = writeln!(s, "\nnotes");
        for n in &d.notes {
            let _ = writeln!(s, "  {n}");
        }
    }
    let _ = writeln!(
        s,
        "\nnot evaluated (the answer holds under the rules chipgate evaluates): {}",
        d.not_evaluated
            .iter()
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "\nlicense rules {} · classification {} · engine {}",
        d.license_rules_version, d.classification.ruleset, d.engine_version
    );
    s
}

/// The determination over time.
pub(crate) fn decision_timeline(t: &DecisionTimeline) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} to {}: license determination over time", t.item, t.destination);
    for e in &t.entries {
        let until = e.until.map_or("onward".to_owned(), |u| format!("to {u}"));
        let policy = e
            .review_policy
            .map(|p| format!(", {}", p.as_str().replace('_', " ")))
            .unwrap_or_default();
        let exceptions = if e.exceptions.is_empty() {
            String::new()
        } else {
            format!(" ({} available)", e.exceptions.join(", "))
        };
        let _ = writeln!(
            s,
            "from {} {until}: {}{policy}{exceptions}",
            e.from,
            license_outcome_text(e.outcome)
        );
        for c in &e.changed_by {
            let _ = writeln!(s, "    {c}");
        }
    }
    if !t.events.is_empty() {
        let _ = writeln!(s, "events");
        for e in &t.events {
            let _ = writeln!(s, "  {e}");
        }
    }
    s
}

/// `chipgate rules test`: `ok:` or `FAILED:` per file, then each differing scenario.
pub(crate) fn scenario_runs(runs: &[ScenarioRun]) -> String {
    let mut s = String::new();
    for run in runs {
        if run.failures.is_empty() {
            let _ = writeln!(s, "ok: {} scenarios in `{}`", run.scenarios, run.file);
            continue;
        }
        let _ = writeln!(
            s,
            "FAILED: {} of {} scenarios in `{}`",
            run.failures.len(),
            run.scenarios,
            run.file
        );
        for failure in &run.failures {
            let _ = writeln!(s, "  {}: {}", failure.name, failure.problems.join("; "));
        }
    }
    s
}
