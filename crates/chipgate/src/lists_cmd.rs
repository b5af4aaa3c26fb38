//! `chipgate lists`: the list snapshots in the store — import, show, what changed, activate
//! (roll back).

use std::fmt::Write as _;

use chipgate_engine::{DataSource, Engine, ImportOptions, ListFile, ListSettings, SourceChanges};
use chipgate_ledger::{LedgerError, StoredListSnapshot};
use serde::Serialize;

use crate::cli::{Format, ListsAction, ListsArgs};
use crate::error::CliError;
use crate::home::{now, open_ledger, recorded_user, Access};
use crate::output::{print_json, print_text};
use crate::party_cmd::WithRescreen;
use crate::Status;

/// The engine with the active list snapshot of the store (`--db`/`$CHIPGATE_DB`, else the
/// data home's SQLite file) when there is one; a store that does not exist is not created,
/// and the engine keeps the bundled list.
pub(crate) fn store_lists(engine: Engine, db: Option<&str>) -> Result<Engine, CliError> {
    match open_ledger(db, Access::Read) {
        Ok(mut ledger) => Ok(engine.with_store_lists(&mut ledger)?),
        Err(CliError::Ledger(LedgerError::NoStore { .. })) => Ok(engine),
        Err(e) => Err(e),
    }
}

/// Rows of each kind a text diff shows before "… and N more".
const TEXT_ROWS: usize = 20;

pub(crate) fn run(args: ListsArgs, format: Format, source: &dyn DataSource) -> Result<Status, CliError> {
    match args.action {
        None => show_all(args.db.as_deref(), format, source),
        Some(ListsAction::Import {
            files,
            force,
            source_date,
        }) => {
            let user = recorded_user(args.user.as_deref())?;
            let settings = ListSettings::load(source)?;
            let mut read = Vec::with_capacity(files.len());
            for path in &files {
                let bytes = std::fs::read(path).map_err(|source| CliError::File {
                    path: path.display().to_string(),
                    source,
                })?;
                read.push(ListFile {
                    name: path.display().to_string(),
                    bytes,
                });
            }
            let engine = Engine::load(source)?;
            let mut ledger = open_ledger(args.db.as_deref(), Access::Write)?;
            let report = engine.import_lists(
                &mut ledger,
                &read,
                ImportOptions {
                    force,
                    source_date: source_date.as_deref(),
                    max_shrink: settings.max_shrink,
                },
                &user,
                now()?,
            )?;
            let rescreen = crate::party_cmd::rescreen_after_change(source, &mut ledger, &user)?;
            match format {
                Format::Json => print_json(&WithRescreen {
                    report: &report,
                    rescreen,
                })?,
                Format::Text => {
                    let mut out = String::new();
                    let s = &report.snapshot;
                    let what = match (report.created, report.activated) {
                        (true, _) => "imported",
                        (false, true) => "already stored; activated",
                        (false, false) => "already stored and active",
                    };
                    let _ = writeln!(
                        out,
                        "{what}: list snapshot {} ({} entries from {} file{}, lists dated {})",
                        short(&s.id),
                        s.entry_count,
                        s.files.len(),
                        if s.files.len() == 1 { "" } else { "s" },
                        if s.source_date.is_empty() {
                            "not stated"
                        } else {
                            &s.source_date
                        }
                    );
                    for f in &report.forced {
                        let _ = writeln!(out, "forced: {f}");
                    }
                    let _ = writeln!(
                        out,
                        "compared with {} {} ({}):",
                        if report.previous.origin == "store" {
                            "the active snapshot"
                        } else {
                            "the bundled list"
                        },
                        short(&report.previous.id),
                        report.previous.origin
                    );
                    out.push_str(&changes_table(&report.diff.summary));
                    if let Some(r) = &rescreen {
                        out.push_str(&crate::party_cmd::rescreen_text(r));
                    }
                    print_text(&out)?;
                }
            }
            Ok(Status::Ok)
        }
        Some(ListsAction::Activate { id, reason }) => {
            let user = recorded_user(args.user.as_deref())?;
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let s = ledger.activate_list_snapshot(&id, reason.as_deref(), &user, now()?)?;
            let rescreen = crate::party_cmd::rescreen_after_change(source, &mut ledger, &user)?;
            match format {
                Format::Json => print_json(&WithRescreen { report: &s, rescreen })?,
                Format::Text => {
                    let mut out = format!(
                        "activated list snapshot {} ({} entries, lists dated {}, imported {} by {})\n",
                        short(&s.id),
                        s.entry_count,
                        s.source_date,
                        s.imported_at,
                        s.imported_by
                    );
                    if let Some(r) = &rescreen {
                        out.push_str(&crate::party_cmd::rescreen_text(r));
                    }
                    print_text(&out)?;
                }
            }
            Ok(Status::Ok)
        }
        Some(ListsAction::Diff { id }) => {
            let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
            let s = ledger.list_snapshot(&id)?;
            match format {
                Format::Json => print_json(&s.diff)?,
                Format::Text => print_text(&diff_text(&s))?,
            }
            Ok(Status::Ok)
        }
    }
}

/// The snapshots in the store and which is active; without a store (or with nothing
/// imported), the bundled list in use. Creates nothing.
fn show_all(db: Option<&str>, format: Format, source: &dyn DataSource) -> Result<Status, CliError> {
    let snapshots = match open_ledger(db, Access::Read) {
        Ok(mut ledger) => ledger.list_snapshots()?,
        Err(CliError::Ledger(LedgerError::NoStore { .. })) => Vec::new(),
        Err(e) => return Err(e),
    };
    #[derive(Serialize)]
    struct Listing<'a> {
        /// What screening uses: `store` (the active snapshot) or `bundled`.
        in_use: &'static str,
        bundled: Option<Bundled>,
        snapshots: &'a [StoredListSnapshot],
    }
    #[derive(Serialize)]
    struct Bundled {
        id: String,
        source_date: String,
        entries: usize,
    }
    let active = snapshots.iter().any(|s| s.active);
    let bundled = if active {
        None
    } else {
        let index = Engine::load(source)?.lists()?;
        let info = index.snapshot_info();
        Some(Bundled {
            id: info.id.clone(),
            source_date: info.source_date.clone(),
            entries: index.entries().len(),
        })
    };
    let listing = Listing {
        in_use: if active { "store" } else { "bundled" },
        bundled,
        snapshots: &snapshots,
    };
    match format {
        Format::Json => print_json(&listing)?,
        Format::Text => {
            let mut out = String::new();
            if let Some(b) = &listing.bundled {
                let _ = writeln!(
                    out,
                    "in use: the bundled list {} ({} entries, dated {}); no snapshot is active",
                    short(&b.id),
                    b.entries,
                    b.source_date
                );
            }
            if snapshots.is_empty() {
                out.push_str("no list snapshots imported (chipgate lists import FILE…)\n");
            }
            for s in &snapshots {
                let _ = writeln!(
                    out,
                    "{} {}  {:>7} entries  dated {}  imported {} by {}{}",
                    if s.active { "*" } else { " " },
                    short(&s.id),
                    s.entry_count,
                    if s.source_date.is_empty() { "-" } else { &s.source_date },
                    s.imported_at,
                    s.imported_by,
                    if s.active { "  (active)" } else { "" }
                );
            }
            print_text(&out)?;
        }
    }
    Ok(Status::Ok)
}

fn short(id: &str) -> &str {
    id.get(..16).unwrap_or(id)
}

fn changes_table(summary: &std::collections::BTreeMap<String, SourceChanges>) -> String {
    let mut out = format!(
        "  {:<10} {:>7} {:>7} {:>7} {:>7} {:>7}\n",
        "list", "before", "after", "added", "removed", "changed"
    );
    for (list, c) in summary {
        let _ = writeln!(
            out,
            "  {:<10} {:>7} {:>7} {:>7} {:>7} {:>7}",
            list, c.before, c.after, c.added, c.removed, c.changed
        );
    }
    out
}

fn diff_text(s: &StoredListSnapshot) -> String {
    let mut out = format!(
        "list snapshot {} (imported {} by {})\n",
        short(&s.id),
        s.imported_at,
        s.imported_by
    );
    if let Some(prev) = s.diff.get("previous") {
        let _ = writeln!(
            out,
            "compared with {} ({}):",
            prev.get("id").and_then(|v| v.as_str()).map(short).unwrap_or("-"),
            prev.get("origin").and_then(|v| v.as_str()).unwrap_or("-")
        );
    }
    let summary: std::collections::BTreeMap<String, SourceChanges> = s
        .diff
        .get("summary")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    out.push_str(&changes_table(&summary));
    for kind in ["added", "removed", "changed"] {
        let rows = s.diff.get(kind).and_then(|v| v.as_array()).cloned().unwrap_or_default();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{kind}:");
        for r in rows.iter().take(TEXT_ROWS) {
            let _ = writeln!(
                out,
                "  {:<8} {}",
                r.get("source").and_then(|v| v.as_str()).unwrap_or(""),
                r.get("name").and_then(|v| v.as_str()).unwrap_or("")
            );
        }
        if rows.len() > TEXT_ROWS {
            let _ = writeln!(out, "  … and {} more (--format json lists all)", rows.len() - TEXT_ROWS);
        }
    }
    out
}
