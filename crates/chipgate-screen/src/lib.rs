//! Restricted-party screening for chipgate: fast, explainable fuzzy matching of party names
//! against the US restricted-party lists.
//!
//! # What it owns
//!
//! * **Lists.** The list model ([`ListEntry`], [`ListSnapshot`] with a content-hash id,
//!   source date and per-source counts) and loaders for the compacted trade.gov CSL JSON
//!   (bundled through `chipgate-data`: [`bundled_list`], [`bundled_csl`]), the trade.gov CSL CSV (both
//!   layouts), OFAC's legacy CSV (`sdn/alt/add`, `cons_*`), the UN consolidated XML and a
//!   simple `name,country,note` CSV for a company's own block list and its cleared parties.
//!   [`check_against_previous`] refuses a snapshot in which a source is empty or shrank by
//!   more than the data's `import.max_shrink` ([`ListSettings`]) unless forced.
//! * **Normalisation** ([`normalize`]): Unicode folding, accents, punctuation, "LAST, First"
//!   order, legal forms (`LTD`, `GMBH`, `有限公司`, `ООО`, ...) kept as low-weight tokens, and
//!   transliteration of Cyrillic, Greek, Arabic/Persian/Hebrew, Hangul, kana and Han (pinyin,
//!   plus a business-term dictionary, so `华为技术有限公司` reads `hua wei technology co ltd`
//!   and finds `HUAWEI TECHNOLOGIES CO., LTD.`).
//! * **Matching** ([`ScreeningIndex`]): candidates come from an inverted token index with
//!   deletion-neighbourhood (one edit) and phonetic-skeleton keys, never from a scan of every
//!   name; the best candidates are scored by token alignment (edit distance, phonetic and
//!   consonant skeletons, initials, joined words, acronyms; rare words weigh more) into a score
//!   in [0, 1]. Every hit carries its [`Reason`]s. The default threshold is
//!   [`DEFAULT_THRESHOLD`] (0.80). A query may name an organisation by part of its name
//!   (`Huawei`, `Hikvision`): the partial-name score ([`PARTIAL_TOP`] less up to
//!   [`PARTIAL_SPAN`]) falls with the share of the list name's information the query leaves
//!   out, information being inverse document frequency on the list above that of its common
//!   words (`technology`, `co`, `ltd` carry none; see [`COMMON_SHARE`]).
//! * **Reports**: [`ScreenReport`] / [`Hit`] are the stable JSON of `chipgate screen`.
//! * **Batch and evaluation**: [`screen_batch`] streams a CSV with a progress callback,
//!   [`screen_many`] screens on several threads, [`score_pair`] / [`run_pairs`] are the
//!   `screen pairs` evaluation interface.
//!
//! # What it does not own
//!
//! The command line (`chipgate screen`), reading files, clocks and printing belong to the
//! binary: this crate takes bytes and readers, and dates as strings. Licence determination
//! (what a hit means for an order) belongs to the rules crates; they can use
//! [`ScreeningIndex::exact`] for exact look-ups.
//!
//! # Key design decision
//!
//! Scoring is an explicit token alignment, not an opaque similarity of whole strings: each
//! accepted link between query and list tokens is a reason a compliance officer can read
//! ("`hua wei` joined ~ `huawei`, 0.25 of the weight"), unmatched words are listed, and a word
//! on *each* side that matches nothing (a different surname) costs much more than an extra
//! word on one side (a middle name, a legal form). Transliteration happens once, in
//! normalisation, into ASCII tokens tagged with their script, so the same scorer compares
//! every script.

// A pure crate: no clock, no file system (the methods `clippy.toml` disallows; allowed in
// the front-ends by the workspace lints, denied here).
#![deny(clippy::disallowed_methods)]

mod batch;
mod country;
mod diff;
mod error;
mod hash;
mod index;
mod loaders;
mod model;
mod normalize;
mod report;
mod scoring;
mod token;
mod translit;

pub use batch::{
    parse_pairs_csv, run_pairs, score_pair, screen_batch, screen_many, try_score_pair, BatchProgress, BatchReader,
    BatchRow,
};
pub use country::{country_code, is_country_code, CountryTable};
pub use diff::{
    content_id, diff_digests, entry_digests, normalized_entry, DiffEntry, EntryDigest, ListDiff, SourceChanges,
};
pub use error::ScreenError;
pub use index::{
    DeltaScreen, Query, Relaxed, ScreenOptions, ScreeningIndex, SourceSet, COUNTRY_MATCH_BONUS,
    COUNTRY_MISMATCH_PENALTY, DEFAULT_THRESHOLD,
};
pub use loaders::{
    bundled_csl, bundled_list, detect_format, load_block_list_csv, load_cleared_csv, load_csl_csv, load_csl_json,
    load_list, load_ofac_legacy, load_un_xml, BundledFile, ClearedParties, ClearedParty, ListFormat, ListLoader,
    ListSettings, OfacFiles, OfacList, LIST_SETTINGS_FILE,
};
pub use model::{check_against_previous, integrity_findings, EntryId, ListEntry, ListSnapshot, SnapshotInfo};
pub use normalize::{
    normalize, normalize_variants, skeleton, validate_name, NormalizedName, Script, Token, TokenKind, MAX_NAME_BYTES,
    MAX_TOKENS,
};
pub use report::{Hit, HitEntry, PairScore, Reason, ScreenReport};
pub use scoring::{MatchMethod, COMMON_SHARE, CONFLICT_PENALTY, PARTIAL_SPAN, PARTIAL_TOP, WEAK_CAP};
