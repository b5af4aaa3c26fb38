//! The stable JSON of screening results: [`ScreenReport`], [`Hit`], [`Reason`].

use std::sync::Arc;

use serde::Serialize;

use crate::model::SnapshotInfo;
use crate::normalize::Script;
use crate::scoring::MatchMethod;

/// Why a hit scored as it did. Serialised with a `kind` tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "HitReason"))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Query token(s) matched list token(s).
    TokenMatch {
        /// The query token(s), space-separated when two were joined.
        query: String,
        /// The list token(s).
        list: String,
        /// How they matched.
        method: MatchMethod,
        /// Similarity in [0, 1].
        similarity: f64,
        /// Share of the pair's total token weight this match carries (rare words weigh more,
        /// legal forms and particles little).
        weight: f64,
    },
    /// A query token that matched nothing in the list name.
    QueryTokenUnmatched {
        /// The token.
        token: String,
        /// Its share of the query's weight.
        weight: f64,
    },
    /// A list-name token that matched nothing in the query.
    ListTokenUnmatched {
        /// The token.
        token: String,
        /// Its share of the list name's weight.
        weight: f64,
    },
    /// Words on both sides matched nothing: the penalty taken.
    Conflict {
        /// Points taken off the score.
        penalty: f64,
    },
    /// The query names the list party by part of its name: its distinctive words are all in
    /// the list name, and the score is the partial-name score, lower the more of the list
    /// name's information (rare words; common words such as `technology` or `ltd` carry
    /// almost none) the query leaves out.
    PartialName {
        /// Share of the list name's information that the query leaves out, in [0, 1].
        information_left_out: f64,
    },
    /// Only initials, particles, legal forms or numbers matched: the score was capped.
    WeakEvidence {
        /// The cap.
        cap: f64,
    },
    /// The query was written "LAST, First" and read as "First LAST".
    Reordered {
        /// The normalised query.
        normalized: String,
    },
    /// The query was transliterated from another script.
    Transliterated {
        /// Scripts found.
        scripts: Vec<Script>,
        /// Which reading of Han characters matched ("pinyin", "japanese", "korean"), if any.
        #[serde(skip_serializing_if = "str::is_empty")]
        reading: String,
        /// The normalised query.
        normalized: String,
    },
    /// The query's country was compared with the entry's countries.
    Country {
        /// Query country.
        query: String,
        /// Entry countries.
        entry: Vec<String>,
        /// Added to the score (positive: same country, negative: different countries).
        adjustment: f64,
    },
    /// The query equals the entity number of the entry.
    EntityNumber {
        /// The number.
        entity_number: String,
    },
    /// The hit was suppressed by a cleared-party record.
    Cleared {
        /// The cleared party name.
        name: String,
        /// The clearance note.
        note: String,
        /// The entry it was cleared against, if restricted.
        #[serde(skip_serializing_if = "Option::is_none")]
        entry: Option<String>,
    },
}

/// The list entry of a hit (the fields a reviewer needs; the full entry is available through
/// [`crate::ScreeningIndex::entry`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HitEntry {
    /// Position of the entry in the snapshot.
    pub index: usize,
    /// Primary name.
    pub name: String,
    /// Entity number on its list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_number: Option<String>,
    /// Entity type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    /// ISO-2 countries.
    pub countries: Vec<String>,
    /// Programmes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    /// Source URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
}

/// One hit: a list entry whose name or alias matched the query at or above the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Hit {
    /// Source code of the list ("EL", "SDN", ...).
    pub list: String,
    /// Full source name.
    pub source: String,
    /// The entry.
    pub entry: HitEntry,
    /// The entry name or alias that matched best.
    pub matched_alias: String,
    /// Score in [0, 1] (name score plus the country adjustment).
    pub score: f64,
    /// Why.
    pub reasons: Vec<Reason>,
    /// Entity List licence requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    /// Entity List licence review policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    /// Federal Register notice(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federal_register: Option<String>,
    /// The date the entry was listed, where the list gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Legal citation of the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Legal effect of the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
}

/// The result of screening one name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreenReport {
    /// The name as given.
    pub query: String,
    /// The country as given (ISO-2, uppercase).
    pub country: Option<String>,
    /// The list snapshot screened against (shared by all reports of one index).
    pub list_snapshot: Arc<SnapshotInfo>,
    /// The threshold applied.
    pub threshold: f64,
    /// Hits, best first (score descending, then entry name, then entry index); empty when
    /// nothing reached the threshold.
    pub hits: Vec<Hit>,
    /// Hits that reached the threshold but were suppressed by a cleared-party record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Hit>,
}

/// Score of one pair of names, with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PairScore {
    /// Score in [0, 1].
    pub score: f64,
    /// Whether it reaches the default threshold.
    pub is_match: bool,
    /// Why.
    pub reasons: Vec<Reason>,
}

/// Rounds to four decimals so that the JSON is stable across platforms.
pub(crate) fn round4(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}
