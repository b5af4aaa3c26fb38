//! The bundled list and the list settings, read through `chipgate-data`
//! (`lists/lists.toml`): the embedded `data/` by default, a `--data-dir` in its place.

use std::borrow::Cow;

use chipgate_data::{DataSource, Embedded};
use serde::Deserialize;

use crate::error::ScreenError;
use crate::loaders::{load_list, ListLoader};
use crate::model::ListSnapshot;

/// Where the list settings are, relative to the data root.
pub const LIST_SETTINGS_FILE: &str = "lists/lists.toml";

/// The list settings of a data source (`lists/lists.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct ListSettings {
    /// The file under `lists/` screened against until a snapshot is imported.
    pub bundled: String,
    /// Largest shrink of one source list, as a fraction of its previous entries, that an
    /// import accepts without `force`.
    pub max_shrink: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    bundled: String,
    import: RawImport,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImport {
    max_shrink: f64,
}

impl ListSettings {
    /// Parses `lists/lists.toml`; `file` names it in messages.
    pub fn parse(file: &str, text: &str) -> Result<ListSettings, ScreenError> {
        let raw: RawSettings = toml::from_str(text).map_err(|e| ScreenError::Settings {
            file: file.to_owned(),
            problem: e.message().to_owned(),
        })?;
        let bundled = raw.bundled.trim().to_owned();
        if bundled.is_empty() || bundled.contains(['/', '\\']) || bundled.starts_with('.') {
            return Err(ScreenError::Settings {
                file: file.to_owned(),
                problem: format!(
                    "`bundled`: `{}` must be a file name in the lists directory",
                    raw.bundled
                ),
            });
        }
        let max_shrink = raw.import.max_shrink;
        if !(0.0..=1.0).contains(&max_shrink) {
            return Err(ScreenError::Settings {
                file: file.to_owned(),
                problem: format!("`import.max_shrink`: `{max_shrink}` must be a fraction between 0 and 1"),
            });
        }
        Ok(ListSettings { bundled, max_shrink })
    }

    /// The settings of a data source.
    pub fn load(source: &dyn DataSource) -> Result<ListSettings, ScreenError> {
        let file = source.read(LIST_SETTINGS_FILE).map_err(|e| data_error(source, &e))?;
        ListSettings::parse(&format!("{}: {}", source.label(), file.path), &file.text)
    }
}

fn data_error(source: &dyn DataSource, e: &chipgate_data::DataError) -> ScreenError {
    ScreenError::Io {
        file: source.label(),
        problem: e.to_string(),
    }
}

/// The bundled list file of a data source, read but not parsed (the engine reads it when it
/// loads and parses it on first use).
#[derive(Debug, Clone)]
pub struct BundledFile {
    /// Its file name (`lists/lists.toml`'s `bundled`).
    pub name: String,
    /// Its bytes (borrowed from the binary for the embedded data).
    pub bytes: Cow<'static, [u8]>,
}

impl BundledFile {
    /// Reads the file `lists/lists.toml` names.
    pub fn read(source: &dyn DataSource) -> Result<BundledFile, ScreenError> {
        let settings = ListSettings::load(source)?;
        let path = format!("lists/{}", settings.bundled);
        let bytes = source.read_bytes(&path).map_err(|e| data_error(source, &e))?;
        Ok(BundledFile {
            name: settings.bundled,
            bytes,
        })
    }

    /// Parses it, in any single-file format ([`load_list`]; the bundled CSL JSON carries its
    /// own date).
    pub fn load(&self) -> Result<ListSnapshot, ScreenError> {
        load_list(&self.name, &self.bytes, "")
    }

    /// Parses it with `loader`'s country table (the engine's, from the same data source).
    pub fn load_with(&self, loader: ListLoader<'_>) -> Result<ListSnapshot, ScreenError> {
        loader.list(&self.name, &self.bytes, "")
    }
}

/// The bundled list of a data source: the file `lists/lists.toml` names.
pub fn bundled_list(source: &dyn DataSource) -> Result<ListSnapshot, ScreenError> {
    BundledFile::read(source)?.load()
}

/// The list compiled into the binary (`data/lists/lists.toml` of the build: the US
/// Consolidated Screening List of 2026-07-31, 25,921 entries).
pub fn bundled_csl() -> Result<ListSnapshot, ScreenError> {
    bundled_list(&Embedded)
}
