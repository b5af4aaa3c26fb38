//! Each subcommand: resolve inputs (load data, parse dates and files), make one library
//! call, hand the result to a renderer.

use std::io::{self, Write};

use chipgate_engine::{
    Classifier, ClassifyError, DataSource, Decider, Directory, Embedded, Engine, LicenseOutcome, NoLists, Outcome,
    ScenarioFile,
};
use clap::CommandFactory;

use crate::cli::{BatchFormat, ChipsAction, Cli, Command, Format, ItemArgs, RulesAction};
use crate::error::CliError;
use crate::inputs::{parse_date, request, resolve_item};
use crate::output::{print_json, print_text};
use crate::{render, Status};

pub(crate) fn run(cli: Cli) -> Result<Status, CliError> {
    let source: Box<dyn DataSource> = match &cli.data_dir {
        Some(dir) => Box::new(Directory::new(dir)),
        None => Box::new(Embedded),
    };
    // `--format` takes text or json, except for `batch` (csv or jsonl).
    let (format, batch_format) = match cli.command {
        Command::Batch(_) => (Format::Text, cli.batch_format()?),
        _ => (cli.output_format()?, BatchFormat::Csv),
    };
    match cli.command {
        Command::Chips(args) => {
            let classifier = Classifier::load(source.as_ref())?;
            match args.action {
                None => chips_list(&classifier, format),
                Some(ChipsAction::Show { id }) => chips_show(&classifier, &id, format),
            }
        }
        Command::Classify(args) => {
            let classifier = Classifier::load(source.as_ref())?;
            let record = resolve_item(&classifier, &args.item)?;
            let date = parse_date("--date", args.date.as_deref())?;
            let result = classifier.classify(&record, date)?;
            match format {
                Format::Json => print_json(&result)?,
                Format::Text => print_text(&render::classification(&result))?,
            }
            Ok(match result.outcome {
                Outcome::Indeterminate => Status::Indeterminate,
                Outcome::Controlled | Outcome::NotControlled => Status::Ok,
            })
        }
        Command::Timeline(args) if args.to.is_some() => {
            let decider = Decider::load(source.as_ref())?;
            let record = resolve_item(decider.classifier(), &args.item)?;
            let request = request(args.to.clone().unwrap_or_default(), &args.parties)?;
            let timeline = decider.timeline(&record, &request, &NoLists)?;
            match format {
                Format::Json => print_json(&timeline)?,
                Format::Text => print_text(&render::decision_timeline(&timeline))?,
            }
            Ok(Status::Ok)
        }
        Command::Decide(args) => {
            let engine = Engine::load(source.as_ref())?;
            let item = ItemArgs {
                id: args.item.clone(),
                spec: args.spec.clone(),
            };
            let record = resolve_item(engine.classifier(), &item)?;
            let date = parse_date("--date", args.date.as_deref())?;
            let request = request(args.to.clone(), &args.parties)?;
            let decision = if request.end_user.is_some() || request.consignee.is_some() || !request.owners.is_empty() {
                let engine = crate::lists_cmd::store_lists(engine, args.db.as_deref())?;
                engine.decide(&record, &request, date)?
            } else {
                engine.decider().decide(&record, &request, date, &NoLists)?
            };
            match format {
                Format::Json => print_json(&decision)?,
                Format::Text => print_text(&render::decision(&decision))?,
            }
            Ok(match decision.outcome {
                LicenseOutcome::LicenseRequired => Status::Attention,
                LicenseOutcome::Indeterminate => Status::Indeterminate,
                LicenseOutcome::NoLicenseRequired | LicenseOutcome::LicenseExceptionAvailable => Status::Ok,
            })
        }
        Command::Timeline(args) => {
            let classifier = Classifier::load(source.as_ref())?;
            let record = resolve_item(&classifier, &args.item)?;
            let timeline = classifier.timeline(&record)?;
            match format {
                Format::Json => print_json(&timeline)?,
                Format::Text => print_text(&render::timeline(&timeline))?,
            }
            Ok(Status::Ok)
        }
        Command::Screen(args) => {
            let mut engine = Engine::load(source.as_ref())?;
            if args.lists.is_empty() && args.action.is_none() {
                engine = crate::lists_cmd::store_lists(engine, args.db.as_deref())?;
            }
            crate::screen_cmd::run(&engine, args, format)
        }
        Command::Lists(args) => crate::lists_cmd::run(args, format, source.as_ref()),
        Command::Party(args) => crate::party_cmd::party(args, format, source.as_ref()),
        Command::Review(args) => crate::party_cmd::review(args, format),
        Command::Rescreen(args) => crate::party_cmd::rescreen(args, format, source.as_ref()),
        Command::License(args) => crate::ledger_cmd::license(args, format),
        Command::Route(args) => crate::ledger_cmd::route(args, format),
        Command::Order(args) => crate::ledger_cmd::order(args, format, source.as_ref()),
        Command::Nac(args) => crate::ledger_cmd::nac(args, format),
        Command::Audit(args) => crate::ledger_cmd::audit(args, format),
        Command::Serve(args) => crate::serve_cmd::run(args, cli.data_dir.as_deref()),
        Command::Batch(args) => crate::batch_cmd::batch(args, batch_format, source.as_ref()),
        Command::GenOrders(args) => crate::batch_cmd::gen_orders(args, source.as_ref()),
        Command::Worker(args) => crate::batch_cmd::worker(args, source.as_ref()),
        Command::Completions { shell } => completions(shell),
        Command::Man => man(),
        Command::Rules(args) => match args.action {
            None => {
                let classifier = Classifier::load(source.as_ref())?;
                match format {
                    Format::Json => print_json(&render::rules_json(&classifier))?,
                    Format::Text => print_text(&render::rules(&classifier))?,
                }
                Ok(Status::Ok)
            }
            Some(RulesAction::Check { dir }) => {
                let classifier = Classifier::load(&Directory::new(&dir))?;
                let mut out = format!(
                    "ok: {} rule versions, {} catalog records in `{}`\n",
                    classifier.rules().versions().len(),
                    classifier.catalog().len(),
                    dir.display()
                );
                for w in classifier.warnings() {
                    out.push_str(&format!("warning: {}: {}\n", w.origin, w.message));
                }
                print_text(&out)?;
                Ok(Status::Ok)
            }
            Some(RulesAction::Test { files }) => rules_test(&Engine::load(source.as_ref())?, &files, format),
        },
    }
}

/// `chipgate completions SHELL`: the script, generated from the clap command.
fn completions(shell: clap_complete::Shell) -> Result<Status, CliError> {
    // Generated into memory first: clap_complete panics on a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "chipgate", &mut script);
    io::stdout().lock().write_all(&script)?;
    Ok(Status::Ok)
}

/// `chipgate man`: one manual page (roff) for the whole command: the top-level page, then a
/// section per subcommand with its synopsis, description and options.
fn man() -> Result<Status, CliError> {
    let mut command = Cli::command();
    command.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    subcommand_sections(&mut page, &command)?;
    io::stdout().lock().write_all(&page)?;
    Ok(Status::Ok)
}

/// Appends `.SH "CHIPGATE LICENSE ADD"` and the like for every subcommand, depth first.
fn subcommand_sections(page: &mut Vec<u8>, command: &clap::Command) -> io::Result<()> {
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let title = sub.get_bin_name().unwrap_or(sub.get_name()).to_uppercase();
        writeln!(page, ".SH \"{title}\"")?;
        let man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        // Within the subcommand's section, its own headings are subsections.
        for line in String::from_utf8_lossy(&part).lines() {
            let line = line
                .strip_prefix(".SH ")
                .map_or_else(|| line.to_owned(), |rest| format!(".SS {rest}"));
            writeln!(page, "{line}")?;
        }
        subcommand_sections(page, sub)?;
    }
    Ok(())
}

fn chips_list(classifier: &Classifier, format: Format) -> Result<Status, CliError> {
    match format {
        Format::Json => print_json(&classifier.catalog().iter().collect::<Vec<_>>())?,
        Format::Text => print_text(&render::chip_list(classifier))?,
    }
    Ok(Status::Ok)
}

fn chips_show(classifier: &Classifier, id: &str, format: Format) -> Result<Status, CliError> {
    let record = classifier.catalog().get(id).map_err(ClassifyError::from)?;
    match format {
        Format::Json => print_json(record)?,
        Format::Text => print_text(&render::chip(record))?,
    }
    Ok(Status::Ok)
}

/// `chipgate rules test FILE…`: every file's scenarios through the engine; one line per file,
/// then each scenario that differs with its differences.
fn rules_test(engine: &Engine, files: &[std::path::PathBuf], format: Format) -> Result<Status, CliError> {
    let mut runs = Vec::with_capacity(files.len());
    for path in files {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CliError::File {
            path: origin.clone(),
            source,
        })?;
        let file = ScenarioFile::parse(&origin, &text).map_err(|e| CliError::Invalid {
            field: "FILE".to_owned(),
            message: e.to_string(),
        })?;
        runs.push(engine.run_scenarios(&file)?);
    }
    match format {
        Format::Json => print_json(&serde_json::json!({
            "scenarios": runs.iter().map(|r| r.scenarios).sum::<usize>(),
            "failed": runs.iter().map(|r| r.failures.len()).sum::<usize>(),
            "files": runs,
        }))?,
        Format::Text => print_text(&render::scenario_runs(&runs))?,
    }
    Ok(if runs.iter().any(|r| !r.failures.is_empty()) {
        Status::Failed
    } else {
        Status::Ok
    })
}
