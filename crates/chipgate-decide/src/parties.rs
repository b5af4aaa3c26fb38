//! The party check of a determination: screening hits in bands (strong, possible, clear),
//! Entity List and MEU listing dates from their Federal Register citations, and ownership
//! under the Affiliates (50 percent) rule — all thresholds, lists and dates from
//! `data/license/parties.toml` and `data/lists/entity-list-fr-dates.csv`.
//!
//! Does not: screen names itself (the caller's [`PartyLookup`](crate::PartyLookup) does,
//! with the same index as `chipgate screen`), or know any list, date or threshold.
//!
//! Key design decision: a party is *listed* only on a strong match whose listing date is
//! certainly on or before the order date; a possible match, an uncertain listing date or
//! an ownership share that could reach the threshold makes the answer undecided — never
//! cleared — and names what a reviewer must settle.

use std::collections::BTreeMap;

use chipgate_model::Date;
use chipgate_rules::{intern, Sym};
use serde::{Deserialize, Serialize};

use crate::DecideError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartyRules {
    #[serde(rename = "id")]
    _id: String,
    bands: RawBands,
    lists: RawLists,
    listing_dates: RawListingDates,
    affiliates: RawAffiliates,
    red_flag_29: RawRedFlag29,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBands {
    strong: f64,
    possible: f64,
    partial_names_are_strong: bool,
    rationale: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLists {
    license: Vec<String>,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListingDates {
    lists: Vec<String>,
    pre_publication_days: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAffiliates {
    share: f64,
    owner_lists: Vec<String>,
    undetermined_owner_lists: Vec<String>,
    undetermined_reason: String,
    citation: String,
    url: String,
    evidence: String,
    text: String,
    window: Vec<RawWindow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    from: Date,
    #[serde(default)]
    until: Option<Date>,
    status: WindowStatus,
    note: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedFlag29 {
    text: String,
    source: String,
    report_unknown_ownership_in_groups: Vec<String>,
    report_unknown_ownership_in: Vec<String>,
}

/// Whether the Affiliates rule applies in a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    /// The rule applies.
    InForce,
    /// The rule is suspended: affiliates are a red flag only.
    Suspended,
}

/// A dated window of the Affiliates rule.
#[derive(Clone, Debug, PartialEq)]
pub struct AffiliatesWindow {
    /// First day.
    pub from: Date,
    /// First day no longer in the window.
    pub until: Option<Date>,
    /// In force or suspended.
    pub status: WindowStatus,
    /// What a decision in the window notes (with the source).
    pub note: Sym,
}

/// The date of one Federal Register citation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FrDate {
    /// Published on a known day (effective on `effective` when confirmed).
    Exact {
        /// Publication date.
        published: Date,
        /// Effective date, when confirmed.
        effective: Option<Date>,
    },
    /// Published between two days.
    Bracketed {
        /// Earliest possible day.
        lo: Date,
        /// Latest possible day.
        hi: Date,
    },
    /// No Entity List rule found for the citation.
    NotFound,
}

/// Whether an entry is listed on the order date.
#[derive(Clone, Debug, PartialEq)]
pub enum Listing {
    /// Listed on the date, from `from` (the citation's date).
    Listed(String),
    /// Not yet listed on the date.
    NotYet(String),
    /// The date falls where the listing date is uncertain.
    Uncertain(String),
    /// The listing date cannot be established: the entry applies, with a note.
    Unknown(String),
}

/// The party rules.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyRules {
    /// Score at or above which a hit is the listed party.
    pub strong: f64,
    /// Score at or above which a hit goes to review.
    pub possible: f64,
    /// Whether a partial-name hit may be strong (else it always goes to review).
    pub partial_names_are_strong: bool,
    /// Why these bands (shown with possible matches).
    pub rationale: Sym,
    license_lists: Vec<String>,
    /// The lists' citation, for notes.
    pub lists_citation: Sym,
    dated_lists: Vec<String>,
    pre_publication_days: u32,
    dates_source: Sym,
    dates: BTreeMap<(u32, u32), FrDate>,
    /// Share (percent) of listed ownership that makes a party subject.
    pub affiliates_share: f64,
    owner_lists: Vec<String>,
    undetermined_owner_lists: Vec<String>,
    /// Why an undetermined owner is undetermined.
    pub undetermined_reason: Sym,
    /// Citation of the Affiliates rule.
    pub affiliates_citation: Sym,
    /// URL.
    pub affiliates_url: Sym,
    /// Evidence grade.
    pub affiliates_evidence: Sym,
    /// The rule's words.
    pub affiliates_text: Sym,
    /// Windows, oldest first.
    pub windows: Vec<AffiliatesWindow>,
    /// Red Flag 29's words and source.
    pub red_flag_29: Sym,
    red_flag_groups: Vec<String>,
    red_flag_places: Vec<String>,
}

fn data_error(file: &str, message: String) -> DecideError {
    DecideError::Data {
        file: file.to_owned(),
        message,
    }
}

impl PartyRules {
    /// Parses `license/parties.toml` and the FR dates table (`lists/entity-list-fr-dates.csv`).
    pub fn from_files(rules: (&str, &str), dates: (&str, &str)) -> Result<PartyRules, DecideError> {
        let (file, text) = rules;
        let raw: RawPartyRules = crate::rules::parse(file, text)?;
        let b = &raw.bands;
        if !(0.0 < b.possible && b.possible <= b.strong && b.strong <= 1.0) {
            return Err(data_error(
                file,
                format!(
                    "bands: need 0 < possible <= strong <= 1, got possible {} and strong {}",
                    b.possible, b.strong
                ),
            ));
        }
        if !(0.0 < raw.affiliates.share && raw.affiliates.share <= 100.0) {
            return Err(data_error(file, "affiliates.share must be in (0, 100]".to_owned()));
        }
        let mut windows = Vec::new();
        for w in &raw.affiliates.window {
            if w.until.is_some_and(|u| u <= w.from) {
                return Err(data_error(
                    file,
                    format!("affiliates window from {}: `until` must be after `from`", w.from),
                ));
            }
            windows.push(AffiliatesWindow {
                from: w.from,
                until: w.until,
                status: w.status,
                note: intern(&format!("{} ({})", w.note, w.source)),
            });
        }
        windows.sort_by_key(|w| w.from);
        Ok(PartyRules {
            strong: b.strong,
            possible: b.possible,
            partial_names_are_strong: b.partial_names_are_strong,
            rationale: intern(&b.rationale),
            license_lists: raw.lists.license,
            lists_citation: intern(&raw.lists.citation),
            dated_lists: raw.listing_dates.lists,
            pre_publication_days: raw.listing_dates.pre_publication_days,
            dates_source: intern(&raw.listing_dates.source),
            dates: parse_fr_dates(dates.0, dates.1)?,
            affiliates_share: raw.affiliates.share,
            owner_lists: raw.affiliates.owner_lists,
            undetermined_owner_lists: raw.affiliates.undetermined_owner_lists,
            undetermined_reason: intern(&raw.affiliates.undetermined_reason),
            affiliates_citation: intern(&raw.affiliates.citation),
            affiliates_url: intern(&raw.affiliates.url),
            affiliates_evidence: intern(&raw.affiliates.evidence),
            affiliates_text: intern(&raw.affiliates.text),
            windows,
            red_flag_29: intern(&format!("{} ({})", raw.red_flag_29.text, raw.red_flag_29.source)),
            red_flag_groups: raw.red_flag_29.report_unknown_ownership_in_groups,
            red_flag_places: raw.red_flag_29.report_unknown_ownership_in,
        })
    }

    /// Whether a hit is strong: at or above `strong`, and not a partial name unless the data
    /// allows it.
    pub fn is_strong(&self, score: f64, partial: bool) -> bool {
        score >= self.strong && (self.partial_names_are_strong || !partial)
    }

    /// The lists a party is screened against (those with a license effect).
    pub fn party_lists(&self) -> &[String] {
        &self.license_lists
    }

    /// The lists an owner is screened against (those the Affiliates rule names, and those
    /// whose entries may count).
    pub fn owner_lists(&self) -> Vec<String> {
        let mut lists = self.owner_lists.clone();
        lists.extend(self.undetermined_owner_lists.iter().cloned());
        lists
    }

    /// Every list the party check screens against.
    pub fn screened_lists(&self) -> Vec<String> {
        let mut lists = self.license_lists.clone();
        for l in self.owner_lists() {
            if !lists.contains(&l) {
                lists.push(l);
            }
        }
        lists
    }

    /// A screening hit judged on a date: whether its entry is listed then, and whether the
    /// match is strong.
    pub fn assess(&self, hit: &crate::ListedParty, date: Date) -> (Listing, bool) {
        let listing = self.listing(
            &hit.code,
            hit.start_date.as_deref(),
            hit.federal_register.as_deref(),
            date,
        );
        (listing, self.is_strong(hit.score, hit.partial))
    }

    /// Whether an owner on list `code` (one of [`PartyRules::owner_lists`]) counts only
    /// undeterminedly under the Affiliates rule (an SDN: its program is not in the data).
    pub fn owner_list_undetermined(&self, code: &str) -> bool {
        self.undetermined_owner_lists.iter().any(|l| l == code)
    }

    /// The Affiliates rule's window on a date (none before it existed).
    pub fn window_on(&self, date: Date) -> Option<&AffiliatesWindow> {
        self.windows
            .iter()
            .find(|w| w.from <= date && w.until.is_none_or(|u| date < u))
    }

    /// Whether a party in a place with these groups and code, whose ownership is not given,
    /// is reported with Red Flag 29.
    pub fn reports_unknown_ownership(&self, code: &str, groups: &[Sym]) -> bool {
        self.red_flag_places.iter().any(|p| p == code)
            || groups.iter().any(|g| self.red_flag_groups.iter().any(|r| r == g))
    }

    /// Whether an entry of list `code`, with the list's own `start_date` (preferred when it
    /// parses) and its Federal Register citations, is listed on `date`.
    pub fn listing(&self, code: &str, start_date: Option<&str>, federal_register: Option<&str>, date: Date) -> Listing {
        if let Some(start) = start_date.and_then(|s| s.trim().parse::<Date>().ok()) {
            return if date >= start {
                Listing::Listed(format!("listed from {start} (the list's start_date)"))
            } else {
                Listing::NotYet(format!(
                    "listed from {start} (the list's start_date): after the order date"
                ))
            };
        }
        if !self.dated_lists.iter().any(|l| l == code) {
            return Listing::Unknown(format!(
                "listing dates are not modelled for the {code} list: the entry applies on every date"
            ));
        }
        let citations = federal_register.map(citations).unwrap_or_default();
        if citations.is_empty() {
            return Listing::Unknown(
                "the entry carries no Federal Register citation: its listing date cannot be established, so it applies on every date".to_owned(),
            );
        }
        // Across the entry's dated citations: the first day it is certainly listed, and the
        // first day it may be listed.
        let mut certain: Option<(Date, String)> = None;
        let mut possible: Option<Date> = None;
        for &(volume, page) in &citations {
            let cite = format!("{volume} FR {page}");
            let (sure, maybe, words) = match self.dates.get(&(volume, page)) {
                Some(FrDate::Exact {
                    effective: Some(e),
                    published,
                }) => (*e, *e, format!("{cite}, effective {e}, published {published}")),
                Some(FrDate::Exact {
                    published,
                    effective: None,
                }) => (
                    *published,
                    published.add_days(-i32::try_from(self.pre_publication_days).unwrap_or(i32::MAX)),
                    format!(
                        "{cite}, published {published}; effective date not confirmed (rules of the list took effect up to {} days before publication)",
                        self.pre_publication_days
                    ),
                ),
                Some(FrDate::Bracketed { lo, hi }) => (hi.add_days(1), *lo, format!("{cite}, published between {lo} and {hi}")),
                Some(FrDate::NotFound) | None => continue,
            };
            if certain.as_ref().is_none_or(|(d, _)| sure < *d) {
                certain = Some((sure, words));
            }
            if possible.is_none_or(|d| maybe < d) {
                possible = Some(maybe);
            }
        }
        match (certain, possible) {
            (Some((sure, words)), Some(maybe)) => {
                if date >= sure {
                    Listing::Listed(format!("listed by {words}"))
                } else if date < maybe {
                    Listing::NotYet(format!("listed by {words}: after the order date"))
                } else {
                    Listing::Uncertain(format!(
                        "the order date falls before the entry is certainly listed ({words}; {})",
                        self.dates_source
                    ))
                }
            }
            _ => Listing::Unknown(
                "none of the entry's Federal Register citations is dated in data/lists/entity-list-fr-dates.csv: it applies on every date".to_owned(),
            ),
        }
    }
}

/// The `VV FR PPPPP` citations in a list entry's Federal Register text, in order.
fn citations(text: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        if *w != "FR" {
            continue;
        }
        let volume = i
            .checked_sub(1)
            .and_then(|j| words.get(j))
            .and_then(|v| v.parse::<u32>().ok());
        let page = words.get(i + 1).and_then(|p| p.parse::<u32>().ok());
        if let (Some(v), Some(p)) = (volume, page) {
            out.push((v, p));
        }
    }
    out
}

/// Splits one CSV line (fields optionally in double quotes, `""` for a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn parse_fr_dates(file: &str, text: &str) -> Result<BTreeMap<(u32, u32), FrDate>, DecideError> {
    let mut lines = text.lines();
    let header = csv_fields(lines.next().unwrap_or_default());
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| data_error(file, format!("the header has no `{name}` column")))
    };
    let (volume, page, published, effective, status) = (
        column("volume")?,
        column("page")?,
        column("publication_date")?,
        column("effective_date")?,
        column("status")?,
    );
    let mut out = BTreeMap::new();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line_no = n + 2;
        let f = csv_fields(line);
        let get = |i: usize| f.get(i).map(String::as_str).unwrap_or_default();
        let number = |i: usize, what: &str| {
            get(i)
                .parse::<u32>()
                .map_err(|_| data_error(file, format!("line {line_no}: `{what}` is not a number: `{}`", get(i))))
        };
        let day = |text: &str, what: &str| {
            text.parse::<Date>()
                .map_err(|e| data_error(file, format!("line {line_no}: `{what}`: {e}")))
        };
        let key = (number(volume, "volume")?, number(page, "page")?);
        let date = match get(status) {
            "exact" => FrDate::Exact {
                published: day(get(published), "publication_date")?,
                effective: match get(effective) {
                    "" => None,
                    e => Some(day(e, "effective_date")?),
                },
            },
            "bracketed" => {
                let (lo, hi) = get(published)
                    .split_once("..")
                    .ok_or_else(|| data_error(file, format!("line {line_no}: a bracketed date needs `lo..hi`")))?;
                FrDate::Bracketed {
                    lo: day(lo, "publication_date")?,
                    hi: day(hi, "publication_date")?,
                }
            }
            "not_found" => FrDate::NotFound,
            other => {
                return Err(data_error(
                    file,
                    format!("line {line_no}: unknown status `{other}` (exact, bracketed, not_found)"),
                ))
            }
        };
        out.insert(key, date);
    }
    Ok(out)
}

/// One ownership edge: `owner` holds `percent` of `party`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Ownership {
    /// The owned party as named in the order (`None`: the end user).
    #[serde(default)]
    pub party: Option<String>,
    /// The owner's name.
    pub owner: String,
    /// Percent of the party the owner holds, in (0, 100]; `None` when not known.
    #[serde(default)]
    pub percent: Option<f64>,
    /// Where the figure comes from.
    #[serde(default)]
    pub source: Option<String>,
}

impl Ownership {
    /// Parses `NAME=PCT` (`PCT` a number, or `?` when the share is not known).
    pub fn parse_owner(text: &str) -> Result<Ownership, DecideError> {
        let invalid = |message: String| DecideError::Invalid {
            field: "owner".to_owned(),
            message,
        };
        let (name, share) = text.rsplit_once('=').ok_or_else(|| {
            invalid(format!(
                "`{text}`: expected NAME=PERCENT (e.g. `Acme Holdings=60`, or `NAME=?`)"
            ))
        })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid(format!("`{text}`: the owner's name is empty")));
        }
        let percent = match share.trim().trim_end_matches('%') {
            "?" => None,
            p => Some(
                p.parse::<f64>()
                    .map_err(|_| invalid(format!("`{text}`: `{p}` is not a percentage")))?,
            ),
        };
        let ownership = Ownership {
            party: None,
            owner: name.to_owned(),
            percent,
            source: None,
        };
        ownership.validate()?;
        Ok(ownership)
    }

    /// Checks the share is a percentage in (0, 100].
    pub fn validate(&self) -> Result<(), DecideError> {
        if self.owner.trim().is_empty() {
            return Err(DecideError::Invalid {
                field: "owners".to_owned(),
                message: "an owner's name is empty".to_owned(),
            });
        }
        if let Some(p) = self.percent {
            if !(p.is_finite() && p > 0.0 && p <= 100.0) {
                return Err(DecideError::Invalid {
                    field: "owners".to_owned(),
                    message: format!(
                        "`{}`: the share must be more than 0 and at most 100 percent, got {p}",
                        self.owner
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Parses a parties file (CSV with the header `party,owner,percent,source`; `percent` empty
/// or `?` when not known). Errors name the line and column.
pub fn parse_parties_file(file: &str, text: &str) -> Result<Vec<Ownership>, DecideError> {
    let invalid = |line: usize, message: String| DecideError::Invalid {
        field: format!("{file}:{line}"),
        message,
    };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(invalid(
            1,
            "empty file: expected the header `party,owner,percent,source`".to_owned(),
        ));
    };
    let header: Vec<String> = csv_fields(header).iter().map(|h| h.trim().to_lowercase()).collect();
    if header != ["party", "owner", "percent", "source"] {
        return Err(invalid(
            1,
            format!(
                "the header must be `party,owner,percent,source`, got `{}`",
                header.join(",")
            ),
        ));
    }
    let mut out = Vec::new();
    for (n, line) in lines {
        let line_no = n + 1;
        let f = csv_fields(line);
        if f.len() != 4 {
            return Err(invalid(line_no, format!("{} fields, expected 4", f.len())));
        }
        let get = |i: usize| f.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
        let party = get(0);
        if party.is_empty() {
            return Err(invalid(line_no, "`party` is empty".to_owned()));
        }
        let percent = match get(2).trim_end_matches('%') {
            "" | "?" => None,
            p => Some(
                p.parse::<f64>()
                    .map_err(|_| invalid(line_no, format!("`percent`: `{p}` is not a number")))?,
            ),
        };
        let ownership = Ownership {
            party: Some(party),
            owner: get(1),
            percent,
            source: Some(get(3)).filter(|s| !s.is_empty()),
        };
        ownership.validate().map_err(|e| invalid(line_no, e.to_string()))?;
        out.push(ownership);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PartyRules {
        PartyRules::from_files(
            ("parties.toml", include_str!("../../../data/license/parties.toml")),
            ("fr.csv", include_str!("../../../data/lists/entity-list-fr-dates.csv")),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn citations_are_read_from_list_text() {
        assert_eq!(
            citations("84 FR 22963, 84 FR 43495; 85 FR 29853"),
            vec![(84, 22963), (84, 43495), (85, 29853)]
        );
        assert_eq!(citations("76 FR 50407 (8/15/2011)"), vec![(76, 50407)]);
        assert!(citations("list entry").is_empty());
    }

    #[test]
    fn listing_dates_exact_bracketed_and_unknown() {
        let r = rules();
        // 88 FR 71992: published 2023-10-19 (exact); effective date not confirmed.
        assert!(matches!(
            r.listing("EL", None, Some("88 FR 71992"), day("2023-10-19")),
            Listing::Listed(_)
        ));
        assert!(matches!(
            r.listing("EL", None, Some("88 FR 71992"), day("2023-10-15")),
            Listing::Uncertain(_)
        ));
        assert!(matches!(
            r.listing("EL", None, Some("88 FR 71992"), day("2023-10-01")),
            Listing::NotYet(_)
        ));
        // 87 FR 77505 is bracketed 2022-12-16..2022-12-19.
        assert!(matches!(
            r.listing("EL", None, Some("87 FR 77505"), day("2022-12-17")),
            Listing::Uncertain(_)
        ));
        assert!(matches!(
            r.listing("EL", None, Some("87 FR 77505"), day("2022-12-20")),
            Listing::Listed(_)
        ));
        assert!(matches!(
            r.listing("EL", None, Some("87 FR 77505"), day("2022-12-15")),
            Listing::NotYet(_)
        ));
        // The earliest exact citation decides when an entry cites several.
        assert!(matches!(
            r.listing("EL", None, Some("84 FR 22963; 85 FR 29853"), day("2019-05-21")),
            Listing::Listed(_)
        ));
        assert!(matches!(
            r.listing("EL", None, None, day("2019-05-21")),
            Listing::Unknown(_)
        ));
        assert!(matches!(
            r.listing("SDN", None, Some("84 FR 22963"), day("2010-01-01")),
            Listing::Unknown(_)
        ));
    }

    #[test]
    fn owners_parse_and_refuse_bad_shares() {
        let o = Ownership::parse_owner("Acme Holdings=60").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((o.owner.as_str(), o.percent), ("Acme Holdings", Some(60.0)));
        assert_eq!(Ownership::parse_owner("X=?").map(|o| o.percent).ok(), Some(None));
        for bad in ["Acme", "=50", "Acme=0", "Acme=101", "Acme=ten", "Acme=NaN"] {
            let e = Ownership::parse_owner(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("owner"), "{bad}: {e}");
        }
        let edges = parse_parties_file("p.csv", "party,owner,percent,source\nY,H,60,registry\nH,A,?,\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(edges.len(), 2);
        assert_eq!(edges[1].percent, None);
        let e = parse_parties_file("p.csv", "party,owner,percent,source\nY,H,150,x\n")
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("p.csv:2")));
    }
}
