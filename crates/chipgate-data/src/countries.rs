//! The country table, `countries/countries.toml`: ISO 3166-1 alpha-2 codes, names and
//! aliases, and the names only screening resolves (`[[screening]]`). One parser for the
//! crates that read it: `chipgate-decide` (destinations) and `chipgate-screen` (the country
//! fields of the sanctions lists). Each applies its own name normalisation.

use serde::Deserialize;

use crate::{DataError, DataSource};

/// Path of the country table in a data source.
pub const COUNTRIES_FILE: &str = "countries/countries.toml";

/// The country table could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum CountriesError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] DataError),
    /// The file is not valid TOML of the expected shape.
    #[error("`{file}`: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A value is invalid.
    #[error("`{file}`: {field} `{value}`: {problem}")]
    Invalid {
        /// The file.
        file: String,
        /// The field, e.g. `country.code`.
        field: &'static str,
        /// The value.
        value: String,
        /// What is wrong.
        problem: &'static str,
    },
}

/// `countries/countries.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryList {
    /// Where the codes and names come from.
    pub source: String,
    /// The countries, sorted by code.
    pub country: Vec<Country>,
    /// Names only screening resolves (parts of a country, spellings the determination reads
    /// otherwise), applied after `country`.
    #[serde(default)]
    pub screening: Vec<ScreeningNames>,
}

/// One country.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code (or `XK`), upper case.
    pub code: String,
    /// Name.
    pub name: String,
    /// Other names and codes; when two countries list the same alias, the first one's wins.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Names screening resolves to a country that are not its aliases.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningNames {
    /// The country's code (one of `country`).
    pub code: String,
    /// The names.
    pub names: Vec<String>,
    /// Why they are not aliases of the country.
    pub reason: String,
}

impl CountryList {
    /// Parses the table; `file` names it in messages.
    pub fn from_toml(text: &str, file: &str) -> Result<CountryList, CountriesError> {
        let list: CountryList = toml::from_str(text).map_err(|e| CountriesError::Syntax {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |field, value: &str, problem| CountriesError::Invalid {
            file: file.to_owned(),
            field,
            value: value.to_owned(),
            problem,
        };
        let mut codes: Vec<&str> = Vec::with_capacity(list.country.len());
        for c in &list.country {
            if c.code.len() != 2 || !c.code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(invalid("country.code", &c.code, "is not two upper-case letters"));
            }
            if codes.contains(&c.code.as_str()) {
                return Err(invalid("country.code", &c.code, "is listed twice"));
            }
            codes.push(&c.code);
        }
        for s in &list.screening {
            if !codes.contains(&s.code.as_str()) {
                return Err(invalid("screening.code", &s.code, "is not a listed country"));
            }
        }
        Ok(list)
    }

    /// Reads and parses [`COUNTRIES_FILE`] from a data source.
    pub fn load(source: &dyn DataSource) -> Result<CountryList, CountriesError> {
        let file = source.read(COUNTRIES_FILE)?;
        CountryList::from_toml(&file.text, &file.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Embedded;

    #[test]
    fn the_bundled_table_parses() {
        let list = CountryList::load(&Embedded).unwrap();
        assert!(list.country.iter().any(|c| c.code == "XK" && c.name == "Kosovo"));
        assert!(list
            .screening
            .iter()
            .any(|s| s.code == "UA" && s.names.contains(&"Crimea".to_owned())));
    }

    #[test]
    fn bad_tables_are_named_errors() {
        let one = "source = \"s\"\n[[country]]\ncode = \"AD\"\nname = \"Andorra\"\n";
        let err = |text: &str| CountryList::from_toml(text, "c.toml").unwrap_err().to_string();
        assert!(CountryList::from_toml(one, "c.toml").is_ok());
        assert!(err("source = 1").starts_with("`c.toml`: "), "{}", err("source = 1"));
        assert!(err(&format!("{one}colour = 1\n")).contains("colour"));
        assert_eq!(
            err(&one.replace("\"AD\"", "\"ad\"")),
            "`c.toml`: country.code `ad`: is not two upper-case letters"
        );
        assert_eq!(
            err(&format!("{one}{}", one.replace("source = \"s\"\n", ""))),
            "`c.toml`: country.code `AD`: is listed twice"
        );
        assert_eq!(
            err(&format!(
                "{one}[[screening]]\ncode = \"ZZ\"\nnames = [\"x\"]\nreason = \"r\"\n"
            )),
            "`c.toml`: screening.code `ZZ`: is not a listed country"
        );
    }
}
