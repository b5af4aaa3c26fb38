//! The context data of a determination that is not a rule: the end-use vocabulary
//! (`license/end-uses.toml`), the designers' headquarters (`license/vendors.toml`) and the
//! stated scope (`license/scope.toml`).
//!
//! Key design decision: an end use given as free text is mapped through keywords in the
//! data; text that maps to nothing is kept as *unmapped* so the end-use rules are
//! undecided (and the answer says why), never silently read as "no controlled end use".

use std::collections::BTreeMap;

use chipgate_rules::{intern, intern_list, Sym};
use serde::{Deserialize, Serialize};

use crate::DecideError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndUses {
    #[serde(rename = "id")]
    _id: String,
    end_use: Vec<RawEndUse>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndUse {
    id: String,
    label: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendors {
    #[serde(rename = "id")]
    _id: String,
    vendor: Vec<RawVendor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    name: String,
    hq: String,
    source: String,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(rename = "id")]
    _id: String,
    not_evaluated: Vec<NotEvaluated>,
}

/// A rule chipgate does not evaluate, carried by every decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NotEvaluated {
    /// Stable id.
    pub id: String,
    /// What is not evaluated.
    pub text: String,
}

/// One entry of the end-use vocabulary.
#[derive(Clone, Debug, PartialEq)]
struct EndUseTerm {
    id: Sym,
    label: Sym,
    /// Normalised id, aliases: an exact match.
    names: Vec<String>,
    /// Lower-case substrings of free text.
    keywords: Vec<String>,
}

/// How the end use given was read.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EndUseReport {
    /// The text given.
    pub given: String,
    /// Vocabulary ids recognised, in vocabulary order.
    pub recognised: &'static [Sym],
    /// How: `vocabulary` (ids or aliases), `keywords` (free text) or `unmapped`.
    pub read_as: &'static str,
    /// The labels of the ids recognised.
    pub labels: Vec<Sym>,
}

/// The end-use vocabulary.
#[derive(Clone, Debug, PartialEq)]
pub struct EndUses {
    terms: Vec<EndUseTerm>,
}

fn normalize(text: &str) -> String {
    text.trim().to_lowercase().replace(['_', '-'], " ")
}

impl EndUses {
    /// Parses `end-uses.toml`.
    pub fn from_toml(file: &str, text: &str) -> Result<EndUses, DecideError> {
        let raw: RawEndUses = crate::rules::parse(file, text)?;
        let mut terms = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for e in raw.end_use {
            let mut names = vec![normalize(&e.id)];
            for alias in e.aliases.iter().map(|a| normalize(a)) {
                if !names.contains(&alias) {
                    names.push(alias);
                }
            }
            for n in &names {
                if let Some(other) = seen.insert(n.clone(), e.id.clone()) {
                    return Err(DecideError::Data {
                        file: file.to_owned(),
                        message: format!("end use `{}`: name `{n}` is also used by `{other}`", e.id),
                    });
                }
            }
            terms.push(EndUseTerm {
                id: intern(&e.id),
                label: intern(&e.label),
                names,
                keywords: e.keywords.iter().map(|k| k.to_lowercase()).collect(),
            });
        }
        Ok(EndUses { terms })
    }

    /// The vocabulary ids, in order.
    pub fn ids(&self) -> Vec<Sym> {
        self.terms.iter().map(|t| t.id).collect()
    }

    /// Reads an end use: comma-separated ids or aliases, else free text through the
    /// keywords; `None` recognised ids means unmapped.
    pub fn read(&self, given: &str) -> EndUseReport {
        let parts: Vec<String> = given.split(',').map(normalize).filter(|p| !p.is_empty()).collect();
        let exact: Option<Vec<&EndUseTerm>> = parts
            .iter()
            .map(|p| self.terms.iter().find(|t| t.names.contains(p)))
            .collect();
        let (terms, read_as): (Vec<&EndUseTerm>, &'static str) = match exact {
            Some(found) if !found.is_empty() => (found, "vocabulary"),
            _ => {
                let lower = given.to_lowercase();
                let found: Vec<&EndUseTerm> = self
                    .terms
                    .iter()
                    .filter(|t| t.keywords.iter().any(|k| lower.contains(k.as_str())))
                    .collect();
                if found.is_empty() {
                    (found, "unmapped")
                } else {
                    (found, "keywords")
                }
            }
        };
        let mut ids: Vec<Sym> = Vec::new();
        for t in self.terms.iter().filter(|t| terms.iter().any(|f| f.id == t.id)) {
            ids.push(t.id);
        }
        EndUseReport {
            given: given.to_owned(),
            labels: self
                .terms
                .iter()
                .filter(|t| ids.contains(&t.id))
                .map(|t| t.label)
                .collect(),
            recognised: intern_list(&ids),
            read_as,
        }
    }
}

/// The headquarters country of an item's designer, with its source.
#[derive(Clone, Debug, PartialEq)]
pub struct Vendor {
    /// Country code.
    pub hq: Sym,
    /// Source.
    pub source: Sym,
}

/// Designers' headquarters by vendor name (as in the chip records).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Vendors {
    by_name: BTreeMap<String, Vendor>,
}

impl Vendors {
    /// Parses `vendors.toml`; `known` checks a country code.
    pub fn from_toml(file: &str, text: &str, known: impl Fn(&str) -> bool) -> Result<Vendors, DecideError> {
        let raw: RawVendors = crate::rules::parse(file, text)?;
        let mut by_name = BTreeMap::new();
        for v in raw.vendor {
            if !known(&v.hq) {
                return Err(DecideError::Data {
                    file: file.to_owned(),
                    message: format!("vendor `{}`: unknown country `{}`", v.name, v.hq),
                });
            }
            let source = match &v.note {
                Some(note) => format!("{} ({note})", v.source),
                None => v.source.clone(),
            };
            by_name.insert(
                v.name.clone(),
                Vendor {
                    hq: intern(&v.hq),
                    source: intern(&source),
                },
            );
        }
        Ok(Vendors { by_name })
    }

    /// The vendor's headquarters, if recorded.
    pub fn get(&self, name: &str) -> Option<&Vendor> {
        self.by_name.get(name)
    }
}

/// Parses `scope.toml`.
pub fn scope_from_toml(file: &str, text: &str) -> Result<Vec<NotEvaluated>, DecideError> {
    let raw: RawScope = crate::rules::parse(file, text)?;
    Ok(raw.not_evaluated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> EndUses {
        EndUses::from_toml("end-uses.toml", include_str!("../../../data/license/end-uses.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ids_aliases_keywords_and_unmapped_text() {
        let v = vocabulary();
        let r = v.read("military, supercomputer");
        assert_eq!(
            (r.recognised, r.read_as),
            (&["military", "supercomputer"][..], "vocabulary")
        );
        let r = v.read("Military-Intelligence");
        assert_eq!(r.recognised, &["military_intelligence"][..]);
        let r = v.read("for a national supercomputing centre");
        assert_eq!((r.recognised, r.read_as), (&["supercomputer"][..], "keywords"));
        let r = v.read("for the ministry's special projects");
        assert_eq!((r.recognised, r.read_as), (&[][..], "unmapped"));
        // A civil word next to a controlled one: both are read, so the controlled rules apply.
        let r = v.read("cloud research for the army");
        assert_eq!(r.recognised, &["civil", "military"][..]);
    }
}
