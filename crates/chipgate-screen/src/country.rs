//! Country names (as the OFAC, UN and CSL lists write them) to ISO 3166-1 alpha-2 codes,
//! from the country table `data/countries/countries.toml` (read through
//! [`chipgate_data::countries`], the parser `chipgate-decide` uses too): each country's code,
//! name and aliases, then the `[[screening]]` names (parts of a country the lists write in
//! addresses).
//!
//! Key design decision: names are compared by a key of their lowercase ASCII letters only
//! (transliterated, a leading "the" dropped when the whole key is not itself a name), so
//! "Korea, North", "Côte d'Ivoire" and "IRAN" need no spelling of their own. The bundled
//! table is built once ([`CountryTable::bundled`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use chipgate_data::countries::{CountriesError, CountryList};
use chipgate_data::Embedded;

use crate::error::ScreenError;

/// Country codes and names, keyed for lookup.
#[derive(Debug, Clone, Default)]
pub struct CountryTable {
    codes: BTreeSet<String>,
    /// Name key to code.
    names: HashMap<String, String>,
}

impl CountryTable {
    /// The table of a parsed `countries.toml`. A name beats another country's alias with the
    /// same key; of two aliases, the first country's wins; `[[screening]]` names win over both.
    pub fn from_list(list: &CountryList) -> CountryTable {
        let mut names = HashMap::new();
        for c in &list.country {
            names.insert(raw_key(&c.name), c.code.clone());
        }
        for c in &list.country {
            for a in &c.aliases {
                names.entry(raw_key(a)).or_insert_with(|| c.code.clone());
            }
        }
        for s in &list.screening {
            for n in &s.names {
                names.insert(raw_key(n), s.code.clone());
            }
        }
        names.remove("");
        CountryTable {
            codes: list.country.iter().map(|c| c.code.clone()).collect(),
            names,
        }
    }

    /// The table of the bundled `data/countries/countries.toml`, built on first use.
    pub fn bundled() -> Result<&'static CountryTable, &'static CountriesError> {
        static TABLE: OnceLock<Result<CountryTable, CountriesError>> = OnceLock::new();
        TABLE
            .get_or_init(|| CountryList::load(&Embedded).map(|l| CountryTable::from_list(&l)))
            .as_ref()
    }

    /// The embedded table ([`CountryTable::bundled`]) with its error as a [`ScreenError`].
    pub fn embedded() -> Result<&'static CountryTable, ScreenError> {
        CountryTable::bundled().map_err(|e| ScreenError::Io {
            file: "countries/countries.toml (embedded)".to_owned(),
            problem: e.to_string(),
        })
    }

    /// The table of a data source's `countries/countries.toml` (`--data-dir` or embedded).
    pub fn load(source: &dyn chipgate_data::DataSource) -> Result<CountryTable, ScreenError> {
        CountryList::load(source)
            .map(|l| CountryTable::from_list(&l))
            .map_err(|e| ScreenError::Io {
                file: source.label(),
                problem: e.to_string(),
            })
    }

    /// Code of a country name ("Iran (Islamic Republic of)", "Korea, North", "Burma", ...) or
    /// of a code given as such; `None` when unknown.
    pub fn code(&self, name: &str) -> Option<&str> {
        let trimmed = name.trim();
        if trimmed.len() == 2 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
            let up = trimmed.to_ascii_uppercase();
            if let Some(code) = self.codes.get(&up) {
                return Some(code);
            }
        }
        let k = raw_key(trimmed);
        if let Some(code) = self.names.get(&k) {
            return Some(code);
        }
        match k.strip_prefix("the") {
            Some(rest) if !rest.is_empty() => self.names.get(rest).map(String::as_str),
            _ => None,
        }
    }

    /// Whether `code` is a known code (upper case).
    pub fn is_code(&self, code: &str) -> bool {
        self.codes.contains(code)
    }
}

/// A name's key: its lowercase ASCII letters, transliterated.
fn raw_key(name: &str) -> String {
    deunicode::deunicode(name)
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_lowercase)
        .collect()
}

/// Code of a country name or code in the bundled table ([`CountryTable::code`]); `None`
/// when unknown (or when the bundled table is invalid, which its tests rule out).
pub fn country_code(name: &str) -> Option<&'static str> {
    CountryTable::bundled().ok()?.code(name)
}

/// Whether `code` is a code of the bundled table (upper case).
pub fn is_country_code(code: &str) -> bool {
    CountryTable::bundled().is_ok_and(|t| t.is_code(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_loads_and_resolves_names_codes_and_screening_names() {
        let table = CountryTable::bundled().unwrap();
        assert_eq!(table.code("Korea, North"), Some("KP"));
        assert_eq!(table.code("Côte d'Ivoire"), Some("CI"));
        assert_eq!(table.code("the Gambia"), Some("GM"));
        assert_eq!(table.code(" ir "), Some("IR"));
        assert_eq!(table.code("Region: Crimea"), Some("UA"));
        assert_eq!(table.code("Hong Kong SAR"), Some("HK"));
        assert_eq!(table.code("Atlantis"), None);
        assert_eq!(table.code("ZZ"), None);
        assert_eq!(table.code("the"), None);
        assert!(table.is_code("XK") && !table.is_code("xk"));
    }

    #[test]
    fn names_beat_aliases_and_the_first_alias_wins() {
        let text = "source = \"s\"\n\
            [[country]]\ncode = \"AA\"\nname = \"Alpha\"\naliases = [\"Beta\", \"Shared\"]\n\
            [[country]]\ncode = \"BB\"\nname = \"Beta\"\naliases = [\"Shared\", \"Gamma\"]\n\
            [[screening]]\ncode = \"BB\"\nnames = [\"Gamma\", \"Delta Region\"]\nreason = \"r\"\n";
        let table = CountryTable::from_list(&CountryList::from_toml(text, "t").unwrap());
        assert_eq!(table.code("beta"), Some("BB"));
        assert_eq!(table.code("SHARED"), Some("AA"));
        assert_eq!(table.code("Gamma"), Some("BB"));
        assert_eq!(table.code("delta region"), Some("BB"));
        assert_eq!(table.code("aa"), Some("AA"));
        assert_eq!(table.code("cc"), None);
    }
}
