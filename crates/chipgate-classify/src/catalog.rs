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
