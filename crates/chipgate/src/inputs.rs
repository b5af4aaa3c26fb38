//! Resolving a command's inputs: the order request from the party flags, the item (catalog id
//! or spec file) and dates (none means today, read from the clock here and only here).

use std::path::Path;

use chipgate_engine::{ChipId, ChipRecord, Classifier, ClassifyError, Date, Ownership, Request};

use crate::cli::ItemArgs;
use crate::error::CliError;

pub(crate) fn request(to: String, p: &crate::cli::PartyArgs) -> Result<Request, CliError> {
    let mut owners = p
        .owner
        .iter()
        .map(|o| Ownership::parse_owner(o))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(path) = &p.parties {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::File {
            path: path.display().to_string(),
            source,
        })?;
        owners.extend(chipgate_engine::parse_parties_file(&path.display().to_string(), &text)?);
    }
    Ok(Request {
        destination: to,
        quantity: p.qty,
        end_user: p.end_user.clone(),
        consignee: p.consignee.clone(),
        end_user_hq: p.end_user_hq.clone(),
        parent_hq: p.parent_hq.clone(),
        end_use: p.end_use.clone(),
        exporter: p.exporter.clone(),
        as_written: p.as_written,
        region: p.region.clone(),
        eccn: p.eccn.clone(),
        us_person: p.us_person,
        owners,
    })
}

/// The catalog record named by id, or the parsed spec file.
pub(crate) fn resolve_item(classifier: &Classifier, item: &ItemArgs) -> Result<ChipRecord, CliError> {
    if let Some(path) = &item.spec {
        return read_spec(path);
    }
    let id = item
        .id
        .as_deref()
        .ok_or_else(|| CliError::missing("ID", "give a chip id or --spec FILE"))?;
    Ok(classifier.catalog().get(id).map_err(ClassifyError::from)?.clone())
}

fn read_spec(path: &Path) -> Result<ChipRecord, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::File {
        path: path.display().to_string(),
        source,
    })?;
    let stem: String = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let stem = stem.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    let default_id: Option<ChipId> = format!("spec-{stem}").parse().ok();
    ChipRecord::from_toml(&text, &path.display().to_string(), default_id.as_ref()).map_err(CliError::Spec)
}

/// Parses a `YYYY-MM-DD` flag value; none means today (UTC).
pub(crate) fn parse_date(flag: &str, value: Option<&str>) -> Result<Date, CliError> {
    match value {
        Some(text) => text.parse().map_err(|e| CliError::invalid_value(flag, e)),
        None => Ok(today()),
    }
}

/// Today's date (UTC) — the binary is the only place that reads the clock.
pub(crate) fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days_since_epoch(i32::try_from(secs / 86_400).unwrap_or(0))
}
