//! Countries (ISO 3166-1 alpha-2, names, aliases) and EAR Country Groups with dated
//! membership changes, from `data/countries/`.

use std::collections::{BTreeMap, BTreeSet};

use chipgate_model::Date;
use chipgate_rules::{intern, intern_list, Sym};
use serde::{Deserialize, Serialize};

use crate::DecideError;

/// An ISO 3166-1 alpha-2 code, upper case (validated against the country list).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CountryCode(Sym);

impl CountryCode {
    /// The code.
    pub fn as_str(&self) -> Sym {
        self.0
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
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

/// Hong Kong is treated as China for these controls: the code the rules see.
pub(crate) fn china_for_hong_kong(code: &str) -> &str {
    if code == "HK" {
        "CN"
    } else {
        code
    }
}

/// A country's Country Groups from a date on (until the next segment's date).
#[derive(Debug, Clone)]
struct Segment {
    /// First day; `None` for the segment before any recorded change.
    from: Option<Date>,
    groups: &'static [Sym],
}

/// Countries and Country Groups.
#[derive(Debug, Clone)]
pub struct Countries {
    names: BTreeMap<Sym, Sym>,
    aliases: BTreeMap<String, Sym>,
    /// Group membership per country as piecewise-constant segments, computed at load
    /// from the groups as of `as_of` and the dated changes (see [`Countries::groups_on`]).
    segments: BTreeMap<Sym, Vec<Segment>>,
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
            let code = intern(&c.code);
            aliases.insert(normalize(&c.code), code);
            aliases.insert(normalize(&c.name), code);
            for a in &c.aliases {
                aliases.entry(normalize(a)).or_insert(code);
            }
            names.insert(code, intern(&c.name));
        }
        let mut groups = BTreeMap::new();
        for g in raw_groups.group {
            for m in &g.members {
                if !names.contains_key(m.as_str()) {
                    return Err(DecideError::Data {
                        file: "countries/groups.toml".to_owned(),
                        message: format!("group `{}` lists unknown country `{m}`", g.id),
                    });
                }
            }
            groups.insert(g.id, (g.label, g.members.into_iter().collect()));
        }
        for c in &raw_groups.change {
            if !groups.contains_key(&c.group) || !names.contains_key(c.country.as_str()) {
                return Err(DecideError::Data {
                    file: "countries/groups.toml".to_owned(),
                    message: format!("change names unknown group `{}` or country `{}`", c.group, c.country),
                });
            }
        }
        let mut countries = Countries {
            names,
            aliases,
            segments: BTreeMap::new(),
            groups,
            changes: raw_groups.change,
            citation: raw_groups.citation,
            url: raw_groups.url,
            as_of: raw_groups.as_of,
            source: raw.source,
        };
        countries.segments = countries
            .names
            .keys()
            .map(|&code| (code, countries.segments_of(code)))
            .collect();
        Ok(countries)
    }

    /// Membership of one country between its change dates.
    fn segments_of(&self, code: &str) -> Vec<Segment> {
        let own = china_for_hong_kong(code);
        let mut dates: Vec<Date> = self
            .changes
            .iter()
            .filter(|c| c.country == own)
            .map(|c| c.date)
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let mut segments = Vec::with_capacity(dates.len() + 1);
        let before = dates.first().map_or(self.as_of, |d| d.add_days(-1));
        segments.push(Segment {
            from: None,
            groups: intern_list(&self.compute_groups_on(code, before)),
        });
        for d in dates {
            segments.push(Segment {
                from: Some(d),
                groups: intern_list(&self.compute_groups_on(code, d)),
            });
        }
        segments
    }

    /// Resolves a code, name or alias (case-insensitive) to a country code.
    pub fn resolve(&self, field: &str, text: &str) -> Result<CountryCode, DecideError> {
        // Fast path: an upper-case ISO code as given.
        if let Some((&code, _)) = self.names.get_key_value(text) {
            return Ok(CountryCode(code));
        }
        let wanted = normalize(text);
        if let Some(&code) = self.aliases.get(&wanted) {
            return Ok(CountryCode(code));
        }
        let mut close: Vec<(usize, Sym)> = self
            .aliases
            .iter()
            .map(|(alias, &code)| (chipgate_classify::levenshtein(&wanted, alias), code))
            .filter(|(d, _)| *d <= (wanted.len() / 3).max(1))
            .collect();
        close.sort();
        let mut suggestions: Vec<String> = Vec::new();
        for (_, code) in close {
            let label = format!("{code} ({})", self.name(&CountryCode(code)));
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
    pub fn name(&self, code: &CountryCode) -> Sym {
        self.names.get(code.0).copied().unwrap_or(code.0)
    }

    /// The groups a country belongs to on a date. Hong Kong is treated as China.
    pub fn groups_on(&self, code: &CountryCode, date: Date) -> &'static [Sym] {
        self.segments
            .get(code.0)
            .and_then(|segments| segments.iter().rev().find(|s| s.from.is_none_or(|from| from <= date)))
            .map_or(&[], |s| s.groups)
    }

    /// Membership computed from the groups as of `as_of` and the dated changes.
    fn compute_groups_on(&self, code: &str, date: Date) -> Vec<String> {
        let code = china_for_hong_kong(code);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn countries() -> Countries {
        Countries::from_toml(
            include_str!("../../../data/countries/countries.toml"),
            include_str!("../../../data/countries/groups.toml"),
        )
        .unwrap_or_else(|e| panic!("bundled countries: {e}"))
    }

    /// The precomputed segments answer exactly what the change log says, on every change
    /// date, the day before it, and far before and after.
    #[test]
    fn segments_agree_with_the_change_log() {
        let c = countries();
        let mut dates: Vec<Date> = vec![Date::from_days_since_epoch(0), c.as_of, c.as_of.add_days(3650)];
        for change in c.changes() {
            dates.extend([change.date.add_days(-1), change.date, change.date.add_days(1)]);
        }
        assert!(c.changes().len() >= 2, "the bundled data record dated changes");
        for &code in c.names.keys() {
            let resolved = c.resolve("test", code).unwrap_or_else(|e| panic!("{code}: {e}"));
            for &date in &dates {
                let expected = c.compute_groups_on(code, date);
                let got: Vec<String> = c.groups_on(&resolved, date).iter().map(|g| (*g).to_owned()).collect();
                assert_eq!(got, expected, "{code} on {date}");
            }
        }
    }

    #[test]
    fn cambodia_leaves_d5_on_2026_02_03() {
        let c = countries();
        let kh = c.resolve("test", "Cambodia").unwrap_or_else(|e| panic!("{e}"));
        let day = |s: &str| s.parse::<Date>().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.groups_on(&kh, day("2026-02-02")).contains(&"D:5"));
        assert!(!c.groups_on(&kh, day("2026-02-03")).contains(&"D:5"));
    }
}
