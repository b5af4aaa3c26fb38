//! `chipgate screen`: one name, a batch file, or the `pairs` evaluation interface.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use chipgate_engine::{Engine, ListSnapshot, ScreenOptions, ScreenReport, ScreeningIndex};

use crate::cli::{Format, ScreenAction, ScreenArgs};
use crate::error::CliError;
use crate::output::{print_json, print_text};
use crate::Status;

fn read(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::File {
        path: path.display().to_string(),
        source,
    })
}

/// The index to screen against: the engine's lists, or the given list files merged.
fn index(engine: &Engine, args: &ScreenArgs) -> Result<std::sync::Arc<ScreeningIndex>, CliError> {
    let mut index = if args.lists.is_empty() && args.cleared.is_none() {
        return Ok(engine.lists()?);
    } else if args.lists.is_empty() {
        // The engine's lists (the bundled list or the store's active snapshot), re-indexed
        // with the cleared parties.
        let current = engine.lists()?;
        let info = current.snapshot_info();
        engine.index_of(ListSnapshot {
            id: info.id.clone(),
            source_date: info.source_date.clone(),
            counts_by_source: info.counts.clone(),
            entries: current.entries().to_vec(),
        })
    } else {
        let mut parts = Vec::new();
        for path in &args.lists {
            let bytes = read(path)?;
            parts.push(engine.list_loader().list(&path.display().to_string(), &bytes, "")?);
        }
        engine.index_of(ListSnapshot::merge(parts))
    };
    if let Some(path) = &args.cleared {
        let bytes = read(path)?;
        let cleared = engine.list_loader().cleared_csv(&path.display().to_string(), &bytes)?;
        index = index.with_cleared(&cleared);
    }
    Ok(std::sync::Arc::new(index))
}

fn report_text(r: &ScreenReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "screening `{}`{} against list snapshot {} ({}), threshold {:.2}",
        r.query,
        r.country.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
        r.list_snapshot.id.get(..16).unwrap_or(&r.list_snapshot.id),
        r.list_snapshot.source_date,
        r.threshold
    );
    if r.hits.is_empty() {
        s.push_str("no hits\n");
    }
    for h in &r.hits {
        let _ = writeln!(
            s,
            "  {:.2}  {} — {} (matched `{}`)",
            h.score, h.entry.name, h.list, h.matched_alias
        );
        if let Some(req) = &h.license_requirement {
            let _ = writeln!(s, "        license requirement: {req}");
        }
        if let Some(p) = &h.license_policy {
            let _ = writeln!(s, "        license policy: {p}");
        }
        if let Some(fr) = &h.federal_register {
            let _ = writeln!(s, "        federal register: {fr}");
        }
        for reason in &h.reasons {
            let _ = writeln!(s, "        {}", serde_json::to_string(reason).unwrap_or_default());
        }
    }
    for h in &r.suppressed {
        let _ = writeln!(
            s,
            "  suppressed (cleared party): {:.2} {} — {}",
            h.score, h.entry.name, h.list
        );
    }
    s
}

pub(crate) fn run(engine: &Engine, args: ScreenArgs, format: Format) -> Result<Status, CliError> {
    if let Some(ScreenAction::Pairs { file }) = &args.action {
        let input = std::fs::File::open(file).map_err(|source| CliError::File {
            path: file.display().to_string(),
            source,
        })?;
        let stdout = std::io::stdout().lock();
        chipgate_engine::run_pairs(&file.display().to_string(), std::io::BufReader::new(input), stdout)?;
        return Ok(Status::Ok);
    }
    let index = index(engine, &args)?;
    let mut options = ScreenOptions::default();
    if let Some(t) = args.threshold {
        if !(0.0..=1.0).contains(&t) || !t.is_finite() {
            return Err(CliError::invalid_value(
                "--threshold",
                format!("must be between 0 and 1, got `{t}`"),
            ));
        }
        options.threshold = t;
    }
    if let Some(path) = &args.batch {
        let input = std::fs::File::open(path).map_err(|source| CliError::File {
            path: path.display().to_string(),
            source,
        })?;
        let show_progress = std::io::stderr().is_terminal();
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut with_hits = 0u64;
        let mut errors = 0u64;
        let mut rows = 0u64;
        let results = chipgate_engine::screen_batch(
            &index,
            &path.display().to_string(),
            std::io::BufReader::new(input),
            options,
            |p| {
                if show_progress && p.rows % 1000 == 0 {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\rscreened {} rows", p.rows);
                }
            },
        );
        for result in results {
            rows += 1;
            match result {
                Ok(report) => {
                    if !report.hits.is_empty() {
                        with_hits += 1;
                    }
                    serde_json::to_writer(&mut stdout, &report)
                        .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
                    writeln!(stdout)?;
                }
                Err(e) => {
                    errors += 1;
                    let line = serde_json::json!({ "error": e.to_string() });
                    serde_json::to_writer(&mut stdout, &line)
                        .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
                    writeln!(stdout)?;
                }
            }
        }
        stdout.flush()?;
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{}screened {rows} rows: {with_hits} with hits, {errors} errors",
            if show_progress { "\r" } else { "" }
        );
        return Ok(if with_hits > 0 { Status::Attention } else { Status::Ok });
    }
    if let Some(value) = &args.id {
        return by_id(&index, value, format);
    }
    let name = args.name.as_deref().ok_or_else(|| {
        CliError::missing(
            "NAME",
            "give a NAME to screen, --id VALUE, --batch FILE.csv, or `screen pairs FILE.csv`",
        )
    })?;
    if args.lists.is_empty() && args.cleared.is_none() {
        // The engine's lists: with the store's clearances of the hits (docs/review.md).
        let today: chipgate_engine::Date = crate::home::now()?
            .date()
            .to_string()
            .parse()
            .map_err(|e| CliError::invalid_value("date", e))?;
        let screened = engine.screen_cleared(name, args.country.as_deref(), args.threshold, today)?;
        match format {
            Format::Json => print_json(&screened)?,
            Format::Text => {
                let mut text = report_text(&screened.report);
                for c in &screened.clearances {
                    let _ = writeln!(
                        text,
                        "  {} {}: {}",
                        if c.applies { "cleared" } else { "clearance not applied" },
                        c.entry_key,
                        c.why_not.clone().unwrap_or_else(|| c.describe())
                    );
                }
                print_text(&text)?;
            }
        }
        return Ok(if screened.open_hits() > 0 {
            Status::Attention
        } else {
            Status::Ok
        });
    }
    let report = index.screen(
        chipgate_engine::Query {
            name,
            country: args.country.as_deref(),
        },
        options,
    )?;
    match format {
        Format::Json => print_json(&report)?,
        Format::Text => print_text(&report_text(&report))?,
    }
    Ok(if report.hits.is_empty() {
        Status::Ok
    } else {
        Status::Attention
    })
}

/// `screen --id VALUE`: the entries whose own number or one of whose identifiers equals the
/// value exactly (letters and digits compared, case-insensitively).
fn by_id(index: &ScreeningIndex, value: &str, format: Format) -> Result<Status, CliError> {
    if chipgate_engine::EntryId::normalized(value).is_empty() {
        return Err(CliError::invalid_value("--id", "has no letters or digits"));
    }
    let matches = index.find_id(value);
    #[derive(serde::Serialize)]
    struct IdReport<'a> {
        id: &'a str,
        list_snapshot: &'a chipgate_engine::SnapshotInfo,
        matches: Vec<&'a chipgate_engine::ListEntry>,
    }
    let report = IdReport {
        id: value,
        list_snapshot: index.snapshot_info(),
        matches,
    };
    match format {
        Format::Json => print_json(&report)?,
        Format::Text => {
            let info = report.list_snapshot;
            let mut s = String::new();
            let _ = writeln!(
                s,
                "identifier `{value}` in list snapshot {} ({})",
                info.id.get(..16).unwrap_or(&info.id),
                info.source_date
            );
            if report.matches.is_empty() {
                s.push_str("no entry carries it\n");
            }
            for e in &report.matches {
                let how: Vec<String> = e
                    .ids
                    .iter()
                    .filter(|i| {
                        chipgate_engine::EntryId::normalized(&i.number) == chipgate_engine::EntryId::normalized(value)
                    })
                    .map(|i| format!("{} {}", i.kind, i.number))
                    .collect();
                let _ = writeln!(
                    s,
                    "  {} — {} ({})",
                    e.name,
                    e.source_code,
                    if how.is_empty() {
                        format!("entry number {}", e.entity_number.as_deref().unwrap_or(""))
                    } else {
                        how.join(", ")
                    }
                );
            }
            print_text(&s)?;
        }
    }
    Ok(if report.matches.is_empty() {
        Status::Ok
    } else {
        Status::Attention
    })
}
