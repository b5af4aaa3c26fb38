//! Countries (ISO 3166-1 alpha-2, names, aliases), EAR Country Groups with dated
//! membership changes and windows of uncertain membership, and the places the rules treat
//! specially (a place governed as another country, places that are not destinations,
//! regions of a country), all from `data/countries/`; `countries.toml` through
//! [`chipgate_data::countries`], the parser screening uses too.
//!
//! Key design decision: membership is precomputed per country as segments between dated
//! changes; a change whose date is not known is an [`Uncertain`] window in which the
//! determination is made both ways (`Decider` compares the answers).

use std::collections::{BTreeMap, BTreeSet};

use chipgate_data::countries::{CountriesError, CountryList, COUNTRIES_FILE};
use chipgate_model::Date;
use chipgate_rules::{intern, intern_list, Sym};
use serde::{Deserialize, Serialize};

use crate::DecideError;

/// An ISO 3166-1 alpha-2 code, upper case (validated against the country list).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
struct RawGroups {
    citation: String,
    url: String,
    as_of: Date,
    group: Vec<RawGroup>,
    #[serde(default)]
    change: Vec<GroupChange>,
    #[serde(default)]
    uncertain: Vec<Uncertain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    label: String,
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaces {
    #[serde(default)]
    treated_as: Vec<RawTreatedAs>,
    #[serde(default)]
    not_a_destination: Vec<RawNotADestination>,
    #[serde(default)]
    region: Vec<RawRegion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTreatedAs {
    country: String,
    #[serde(rename = "as")]
    as_country: String,
    effective: Date,
    citation: String,
    url: String,
    evidence: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotADestination {
    country: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    country: String,
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// A place whose license requirements are governed by another country's entries (Hong
/// Kong by China's).
#[derive(Clone, Debug, PartialEq)]
pub struct TreatedAs {
    /// The place.
    pub country: Sym,
    /// The country whose entries govern it.
    pub as_country: Sym,
    /// From when.
    pub effective: Date,
    /// The note a decision for this place carries (words, citation, URL, grade).
    pub note: Sym,
}

/// A region of a country that the rules distinguish (Crimea, the so-called DNR/LNR).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Region {
    /// Country code.
    pub country: Sym,
    /// Region id the rules test (`destination_region`).
    pub id: Sym,
    /// Name.
    pub name: Sym,
}

/// A membership change known to have happened on a date that is not known: inside the
/// window the groups may be the recorded ones or these (`add`ed, `remove`d).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Uncertain {
    /// Country code.
    pub country: String,
    /// First day in doubt; absent: every date before `until`.
    #[serde(default)]
    pub from: Option<Date>,
    /// First day no longer in doubt.
    pub until: Date,
    /// Groups the country may have been in, besides the recorded ones.
    #[serde(default)]
    pub add: Vec<String>,
    /// Groups the country may not have been in, although recorded.
    #[serde(default)]
    pub remove: Vec<String>,
    /// The missing fact, in words.
    pub missing: String,
    /// Citation.
    pub citation: String,
    /// Source URL.
    pub source: String,
    /// Evidence grade.
    pub evidence: String,
}

impl Uncertain {
    /// True when `date` is in the window.
    pub fn covers(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && date < self.until
    }
}

/// Whether a change adds or removes a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// Joins the group on the date.
    Added,
    /// Leaves the group on the date.
    Removed,
}

/// A dated change of group membership.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    uncertain: Vec<Uncertain>,
    treated_as: BTreeMap<Sym, TreatedAs>,
    not_a_destination: BTreeMap<Sym, Sym>,
    /// Regions by country.
    regions: BTreeMap<Sym, Vec<Region>>,
    /// Region aliases (normalised) to (country, region).
    region_aliases: BTreeMap<String, (Sym, Sym)>,
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
    /// Parses `countries.toml`, `groups.toml` and `places.toml`.
    pub fn from_toml(countries: &str, groups: &str, places: &str) -> Result<Countries, DecideError> {
        let raw = CountryList::from_toml(countries, COUNTRIES_FILE).map_err(|e| DecideError::Data {
            file: COUNTRIES_FILE.to_owned(),
            message: match e {
                CountriesError::Syntax { message, .. } => message,
                CountriesError::Invalid {
                    field, value, problem, ..
                } => format!("{field} `{value}`: {problem}"),
                CountriesError::Read(e) => e.to_string(),
            },
        })?;
        let raw_groups: RawGroups = toml::from_str(groups).map_err(|e| DecideError::Data {
            file: "countries/groups.toml".to_owned(),
            message: e.to_string(),
        })?;
        let raw_places: RawPlaces = toml::from_str(places).map_err(|e| DecideError::Data {
            file: "countries/places.toml".to_owned(),
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
        let places_error = |message: String| DecideError::Data {
            file: "countries/places.toml".to_owned(),
            message,
        };
        let known = |code: &str| names.get_key_value(code).map(|(&k, _)| k);
        for u in &raw_groups.uncertain {
            if known(&u.country).is_none() || u.add.iter().chain(&u.remove).any(|g| !groups.contains_key(g)) {
                return Err(DecideError::Data {
                    file: "countries/groups.toml".to_owned(),
                    message: format!(
                        "uncertain entry names unknown country `{}` or an unknown group",
                        u.country
                    ),
                });
            }
            if u.from.is_some_and(|f| f >= u.until) {
                return Err(DecideError::Data {
                    file: "countries/groups.toml".to_owned(),
                    message: format!("uncertain entry for `{}`: `from` must be before `until`", u.country),
                });
            }
        }
        let mut treated_as = BTreeMap::new();
        for t in raw_places.treated_as {
            let (Some(country), Some(as_country)) = (known(&t.country), known(&t.as_country)) else {
                return Err(places_error(format!(
                    "treated_as names unknown country `{}` or `{}`",
                    t.country, t.as_country
                )));
            };
            let note = intern(&format!(
                "{} ({}, {}, evidence {}).",
                t.text, t.citation, t.url, t.evidence
            ));
            treated_as.insert(
                country,
                TreatedAs {
                    country,
                    as_country,
                    effective: t.effective,
                    note,
                },
            );
        }
        let mut not_a_destination = BTreeMap::new();
        for n in raw_places.not_a_destination {
            let Some(country) = known(&n.country) else {
                return Err(places_error(format!(
                    "not_a_destination names unknown country `{}`",
                    n.country
                )));
            };
            not_a_destination.insert(country, intern(&n.text));
        }
        let mut regions: BTreeMap<Sym, Vec<Region>> = BTreeMap::new();
        let mut region_aliases = BTreeMap::new();
        for r in raw_places.region {
            let Some(country) = known(&r.country) else {
                return Err(places_error(format!(
                    "region `{}` names unknown country `{}`",
                    r.id, r.country
                )));
            };
            let region = Region {
                country,
                id: intern(&r.id),
                name: intern(&r.name),
            };
            for alias in r.aliases.iter().chain([&r.id, &r.name]) {
                let key = normalize(alias);
                if aliases.contains_key(&key) {
                    return Err(places_error(format!(
                        "region alias `{alias}` is also a country name or code"
                    )));
                }
                region_aliases.insert(key, (country, region.id));
            }
            regions.entry(country).or_default().push(region);
        }
        let mut countries = Countries {
            names,
            aliases,
            segments: BTreeMap::new(),
            groups,
            changes: raw_groups.change,
            uncertain: raw_groups.uncertain,
            treated_as,
            not_a_destination,
            regions,
            region_aliases,
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
        let own = self.governed_by(code);
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
        let code = self.governed_by(code);
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

    /// The country whose entries govern `code` (China for Hong Kong), else `code`.
    ///
    /// The mapping's `effective` date (2020-12-23 for Hong Kong) precedes every date
    /// chipgate decides for, so it applies on every date; the note says from when.
    pub fn governed_by<'a>(&self, code: &'a str) -> &'a str {
        match self.treated_as.get(code) {
            Some(t) => t.as_country,
            None => code,
        }
    }

    /// The rule that makes `code` governed by another country's entries, if any.
    pub fn treated_as(&self, code: &CountryCode) -> Option<&TreatedAs> {
        self.treated_as.get(code.0)
    }

    /// Why `code` cannot be a destination, if it cannot.
    pub fn not_a_destination(&self, code: &CountryCode) -> Option<Sym> {
        self.not_a_destination.get(code.0).copied()
    }

    /// The regions the rules distinguish in a country (empty for most).
    pub fn regions(&self, code: &CountryCode) -> &[Region] {
        self.regions.get(code.0).map_or(&[], Vec::as_slice)
    }

    /// A region named by its id, name or alias: its country and region.
    pub fn resolve_region_name(&self, text: &str) -> Option<(CountryCode, &Region)> {
        let &(country, id) = self.region_aliases.get(&normalize(text))?;
        let region = self.regions(&CountryCode(country)).iter().find(|r| r.id == id)?;
        Some((CountryCode(country), region))
    }

    /// A region of `country` by id, name or alias; the error lists the regions.
    pub fn resolve_region(&self, country: &CountryCode, text: &str) -> Result<&Region, DecideError> {
        let regions = self.regions(country);
        let found = self
            .resolve_region_name(text)
            .filter(|(c, _)| c == country)
            .map(|(_, region)| region);
        found.ok_or_else(|| DecideError::Invalid {
            field: "region".to_owned(),
            message: if regions.is_empty() {
                format!("`{text}`: chipgate distinguishes no regions of {}", country.0)
            } else {
                format!(
                    "`{text}` is not a region of {}; use one of {}",
                    country.0,
                    regions
                        .iter()
                        .map(|r| format!("`{}`", r.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        })
    }

    /// The window of uncertain membership of a country on a date, with the groups it
    /// would have if the unknown change had already happened.
    pub fn uncertain_on(&self, code: &CountryCode, date: Date) -> Option<(&Uncertain, &'static [Sym])> {
        let own = self.governed_by(code.0);
        let u = self.uncertain.iter().find(|u| u.country == own && u.covers(date))?;
        let mut groups: Vec<&str> = self
            .groups_on(code, date)
            .iter()
            .copied()
            .filter(|g| !u.remove.iter().any(|r| r == g))
            .collect();
        for g in &u.add {
            if !groups.contains(&g.as_str()) {
                groups.push(g);
            }
        }
        groups.sort_unstable();
        Some((u, intern_list(&groups)))
    }

    /// Windows of uncertain membership (for timelines).
    pub fn uncertain(&self) -> &[Uncertain] {
        &self.uncertain
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
            include_str!("../../../data/countries/places.toml"),
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
