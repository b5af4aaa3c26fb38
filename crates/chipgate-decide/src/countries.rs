//! Countries (ISO 3166-1 alpha-2, names, aliases) and EAR Country Groups with dated
//! membership changes, from `data/countries/`.

use std::collections::{BTreeMap, BTreeSet};

use chipgate_model::Date;
use serde::{Deserialize, Serialize};

use crate::DecideError;

/// An ISO 3166-1 alpha-2 code, upper case (validated against the country list).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CountryCode(String);

impl CountryCode {
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountries {
    source: String,
    country: Vec<RawCountry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroups {
    citation: String,
    url: String,
    as_of: Date,
    group: Vec<RawGroup>,
    #[serde(default)]
    change: Vec<GroupChange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    label: String,
    members: Vec<String>,
}

/// Whether a change adds or removes a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// Joins the group on the date.
    Added,
    /// Leaves the group on the date.
    Removed,
}

/// A dated change of group membership.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    /// Group id, e.g. `D:5`.
    pub group: String,
    /// Country code.
    pub country: String,
    /// Added or removed.
    pub action: ChangeAction,
    /// Effective date.
    pub date: Date,
    /// Citation.
    pub citation: String,
    /// Source URL.
    pub source: String,
    /// Evidence grade.
    pub evidence: String,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Countries and Country Groups.
#[derive(Debug, Clone)]
pub struct Countries {
    names: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    /// Members by group as of `as_of`.
    groups: BTreeMap<String, (String, BTreeSet<String>)>,
    changes: Vec<GroupChange>,
    /// Citation of the group tables.
    pub citation: String,
    /// URL of the group tables.
    pub url: String,
    /// Date of the group tables.
    pub as_of: Date,
    /// Source of the country list.
    pub source: String,
}

fn normalize(text: &str) -> String {
    text.trim().to_lowercase().replace(['.', '\''], "")
}

impl Countries {
    /// Parses `countries.toml` and `groups.toml`.
    pub fn from_toml(countries: &str, groups: &str) -> Result<Countries, DecideError> {
        let raw: RawCountries = toml::from_str(countries).map_err(|e| DecideError::Data {
            file: "countries/countries.toml".to_owned(),
            message: e.to_string(),
        })?;
        let raw_groups: RawGroups = toml::from_str(groups).map_err(|e| DecideError::Data {
            file: "countries/groups.toml".to_owned(),
            message: e.to_string(),
        })?;
        let mut names = BTreeMap::new();
        let mut aliases = BTreeMap::new();
        for c in raw.country {
            aliases.insert(normalize(&c.code), c.code.clone());
            aliases.insert(normalize(&c.name), c.code.clone());
            for a in &c.aliases {
                aliases.entry(normalize(a)).or_insert_with(|| c.code.clone());
            }
            names.insert(c.code, c.name);
        }
        let mut groups = BTreeMap::new();
        for g in raw_groups.group {
            for m in &g.members {
                if !names.contains_key(m) {
                    return Err(DecideError::Data {
                        file: "countries/groups.toml".to_owned(),
                        message: format!("group `{}` lists unknown country `{m}`", g.id),
                    });
                }
            }
            groups.insert(g.id, (g.label, g.members.into_iter().collect()));
        }
        for c in &raw_groups.change {
            if !groups.contains_key(&c.group) || !names.contains_key(&c.country) {
                return Err(DecideError::Data {
                    file: "countries/groups.toml".to_owned(),
                    message: format!("change names unknown group `{}` or country `{}`", c.group, c.country),
                });
            }
        }
        Ok(Countries {
            names,
            aliases,
            groups,
            changes: raw_groups.change,
            citation: raw_groups.citation,
            url: raw_groups.url,
            as_of: raw_groups.as_of,
            source: raw.source,
        })
    }

    /// Resolves a code, name or alias (case-insensitive) to a country code.
    pub fn resolve(&self, field: &str, text: &str) -> Result<CountryCode, DecideError> {
        if let Some(code) = self.aliases.get(&normalize(text)) {
            return Ok(CountryCode(code.clone()));
        }
        let wanted = normalize(text);
        let mut close: Vec<(usize, &String)> = self
            .aliases
            .iter()
            .map(|(alias, code)| (chipgate_classify::levenshtein(&wanted, alias), code))
            .filter(|(d, _)| *d <= (wanted.len() / 3).max(1))
            .collect();
        close.sort();
        let mut suggestions: Vec<String> = Vec::new();
        for (_, code) in close {
            let label = format!("{code} ({})", self.name(code));
            if !suggestions.contains(&label) {
                suggestions.push(label);
            }
        }
        suggestions.truncate(3);
        Err(DecideError::UnknownCountry {
            field: field.to_owned(),
            value: text.to_owned(),
            suggestions,
        })
    }

    /// The country's name.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.names.get(code).map_or(code, String::as_str)
    }

    /// The groups a country belongs to on a date. Hong Kong is treated as China.
    pub fn groups_on(&self, code: &str, date: Date) -> Vec<String> {
        let code = if code == "HK" { "CN" } else { code };
        let mut out = Vec::new();
        for (id, (_, members)) in &self.groups {
            let mut member = members.contains(code);
            // Undo changes after `date` (membership is recorded as of `as_of`).
            let mut changes: Vec<&GroupChange> = self
                .changes
                .iter()
                .filter(|c| &c.group == id && c.country == code)
                .collect();
            changes.sort_by_key(|c| std::cmp::Reverse(c.date));
            for c in changes {
                if c.date > date && c.date <= self.as_of {
                    member = c.action == ChangeAction::Removed;
                } else if c.date <= date && c.date > self.as_of {
                    member = c.action == ChangeAction::Added;
                }
            }
            if member {
                out.push(id.clone());
            }
        }
        out
    }

    /// Dated changes (for timelines).
    pub fn changes(&self) -> &[GroupChange] {
        &self.changes
    }
}
