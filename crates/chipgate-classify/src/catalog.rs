//! The chip catalog: every record in `data/chips/`, checked at load.

use std::collections::BTreeMap;

use chipgate_data::{DataError, DataSource};
use chipgate_model::{ChipId, ChipRecord, ItemKind, SpecError};

/// Why the catalog could not be loaded or a lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A data file could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A record is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The file name and the id inside disagree.
    #[error("`{path}`: the id `{id}` does not match the file name")]
    IdMismatch {
        /// File.
        path: String,
        /// Id inside.
        id: String,
    },
    /// Two records share an id.
    #[error("duplicate chip id `{0}`")]
    Duplicate(String),
    /// A system names a component that is not in the catalog.
    #[error("system `{system}` lists component `{component}`, which is not in the catalog")]
    UnknownComponent {
        /// The system.
        system: String,
        /// The missing component.
        component: String,
    },
    /// A system contains itself, directly or not.
    #[error("system `{0}` contains itself through its components")]
    Cycle(String),
    /// No record with that id.
    #[error("unknown chip `{id}`{}", hint(.suggestions))]
    UnknownChip {
        /// The id asked for.
        id: String,
        /// Close ids.
        suggestions: Vec<String>,
    },
}

fn hint(suggestions: &[String]) -> String {
    match suggestions {
        [] => "; run `chipgate chips` to list the catalog".to_owned(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of {}?",
            many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The keys every catalog record states, even where the spec format of `--spec FILE` has a
/// default: what it is, who makes it, how good its figures are and where they come from.
const REQUIRED_KEYS: &[&str] = &[
    "id",
    "kind",
    "name",
    "vendor",
    "model",
    "variant",
    "datacenter",
    "quality",
    "quality_note",
    "notes",
    "sources",
];

/// Launch years outside this range are typing errors, not chips (a plausibility bound on
/// the catalog's own records, not regulation).
const LAUNCH_YEARS: std::ops::RangeInclusive<u16> = 1991..=2099;

/// Where `key` is first written at the start of a line of `text` (1-based), else 1:1.
fn locate(text: &str, key: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find(|(_, line)| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or((1, 1), |(index, line)| {
            (index + 1, line.len() - line.trim_start().len() + 1)
        })
}

/// The checks a catalog record passes beyond those of any spec (`ChipRecord::from_toml`):
/// every key of [`REQUIRED_KEYS`] is written, the record's sources are URLs, every die
/// states its area and a non-planar die the basis for it, and the launch year is plausible.
fn check_catalog_record(record: &ChipRecord, text: &str, path: &str) -> Result<(), SpecError> {
    let fail = |field: &str, key: &str, message: String| {
        let (line, column) = locate(text, key);
        SpecError {
            origin: path.to_owned(),
            line,
            column,
            field: field.to_owned(),
            message,
        }
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| fail("(document)", "", e.to_string()))?;
    for key in REQUIRED_KEYS {
        if !table.contains_key(*key) {
            return Err(fail(
                key,
                key,
                format!("missing field `{key}` (required in a catalog record)"),
            ));
        }
    }
    if let Some(source) = record
        .sources
        .iter()
        .find(|s| !(s.starts_with("https://") || s.starts_with("http://")))
    {
        return Err(fail("sources", "sources", format!("`{source}` is not an http(s) URL")));
    }
    if let Some(year) = record.launch_year.filter(|year| !LAUNCH_YEARS.contains(year)) {
        return Err(fail(
            "launch_year",
            "launch_year",
            format!("{year} is not a plausible launch year"),
        ));
    }
    for (index, die) in record.dies.iter().enumerate() {
        if die.area_mm2.is_none() {
            return Err(fail(
                &format!("dies[{index}].area_mm2"),
                "area_mm2",
                "missing: every die of a catalog record states its area".to_owned(),
            ));
        }
        if die.non_planar == Some(true) && die.non_planar_note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(fail(
                &format!("dies[{index}].non_planar_note"),
                "non_planar",
                "a non-planar die needs `non_planar_note`, the basis for it".to_owned(),
            ));
        }
    }
    Ok(())
}

/// All catalog records by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    records: BTreeMap<ChipId, ChipRecord>,
}

impl Catalog {
    /// Loads and checks every `chips/*.toml` of the source.
    pub fn load(source: &dyn DataSource) -> Result<Catalog, CatalogError> {
        let mut records = BTreeMap::new();
        for file in source.list("chips", "toml")? {
            let stem = file
                .path
                .rsplit('/')
                .next()
                .and_then(|name| name.strip_suffix(".toml"))
                .unwrap_or_default()
                .to_owned();
            let record = ChipRecord::from_toml(&file.text, &file.path, None)?;
            check_catalog_record(&record, &file.text, &file.path)?;
            let id = record.id().cloned().ok_or_else(|| CatalogError::IdMismatch {
                path: file.path.clone(),
                id: String::new(),
            })?;
            if id.as_str() != stem {
                return Err(CatalogError::IdMismatch {
                    path: file.path,
                    id: id.to_string(),
                });
            }
            if records.insert(id.clone(), record).is_some() {
                return Err(CatalogError::Duplicate(id.to_string()));
            }
        }
        let catalog = Catalog { records };
        catalog.check_components()?;
        Ok(catalog)
    }

    /// Adds a record (a user spec) after checking its components against the catalog.
    pub fn check_record(&self, record: &ChipRecord) -> Result<(), CatalogError> {
        for component in &record.components {
            if !self.records.contains_key(&component.id) {
                return Err(CatalogError::UnknownComponent {
                    system: record.id().map(ToString::to_string).unwrap_or_default(),
                    component: component.id.to_string(),
                });
            }
        }
        Ok(())
    }

    fn check_components(&self) -> Result<(), CatalogError> {
        for record in self.records.values() {
            self.check_record(record)?;
            let mut stack = vec![(record, 0usize)];
            while let Some((current, depth)) = stack.pop() {
                if depth > self.records.len() {
                    return Err(CatalogError::Cycle(
                        record.id().map(ToString::to_string).unwrap_or_default(),
                    ));
                }
                for component in &current.components {
                    if let Some(child) = self.records.get(&component.id) {
                        if child.kind() == ItemKind::System {
                            stack.push((child, depth + 1));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A record by id, with did-you-mean suggestions when unknown.
    pub fn get(&self, id: &str) -> Result<&ChipRecord, CatalogError> {
        self.records.get(id).ok_or_else(|| CatalogError::UnknownChip {
            id: id.to_owned(),
            suggestions: self.suggest(id),
        })
    }

    /// Ids close to `id` (edit distance, or containing it).
    pub fn suggest(&self, id: &str) -> Vec<String> {
        let wanted = id.to_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .records
            .keys()
            .map(|key| {
                let key = key.as_str();
                let distance = levenshtein(&wanted, key);
                let bonus = if key.contains(&wanted) || key.ends_with(&format!("-{wanted}")) {
                    0
                } else {
                    distance
                };
                (bonus.min(distance), key)
            })
            .filter(|(d, key)| *d <= (wanted.len() / 3).max(2) || key.contains(&wanted))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, key)| key.to_owned()).collect()
    }

    /// All records in id order.
    pub fn iter(&self) -> impl Iterator<Item = &ChipRecord> {
        self.records.values()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// Edit distance between two strings (by characters).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(usize::MAX - 1) + 1;
            let insertion = current.get(j).copied().unwrap_or(usize::MAX - 1) + 1;
            let substitution = previous.get(j).copied().unwrap_or(usize::MAX - 1) + cost;
            if let Some(cell) = current.get_mut(j + 1) {
                *cell = deletion.min(insertion).min(substitution);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}
