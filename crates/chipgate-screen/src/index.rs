//! The screening index: candidate generation through an inverted token index (with
//! deletion-neighbourhood and phonetic-skeleton keys for typos and transliteration variants),
//! then full scoring of the best candidates.

mod delta;

pub use delta::DeltaScreen;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::country::{is_country_code, CountryTable};
use crate::error::ScreenError;
use crate::hash::{del_hash, del_hashes, FxHashMap};
use crate::loaders::ClearedParties;
use crate::model::{ListEntry, ListSnapshot, SnapshotInfo};
use crate::normalize::{normalize, normalize_variants, validate_name, NormalizedName, TokenKind};
use crate::report::{round4, Hit, HitEntry, PairScore, Reason, ScreenReport};
use crate::scoring::{
    align, align_with, org_evidence, prepare, prepare_list, tok_sim_ref, token_weights, Alignment, Link, PTok,
    Prepared, SimCache, TokRef, PARTIAL_FUZZY_PENALTY, PARTIAL_MIN_INFO, PARTIAL_MIN_QUERY, PARTIAL_SPAN, PARTIAL_TOP,
};

/// The default threshold: a hit needs a score of at least 0.80.
///
/// Chosen on the labelled name pairs (see `docs/screening-quality.md`): at 0.80 the scorer
/// keeps recall on typos, transliterations and reorderings while a different surname or
/// given name on each side (score ≤ ~0.75) stays below it.
pub const DEFAULT_THRESHOLD: f64 = 0.80;

/// Country of the query equals one of the entry's countries: added to the score.
pub const COUNTRY_MATCH_BONUS: f32 = 0.03;
/// The entry has countries and the query's is not among them: taken off the score.
pub const COUNTRY_MISMATCH_PENALTY: f32 = 0.05;

/// How many candidates (by estimated score) are fully scored at most.
const MAX_CANDIDATES: usize = 64;
/// At least this many candidates are scored (when there are so many).
const MIN_SCORED: usize = 24;
/// Past [`MIN_SCORED`], candidates whose estimate is this far below the threshold are not
/// scored. 0.2 (0.3 before): every figure of docs/screening-quality.md unchanged (F1, the
/// cross-validated bands, recalls) but 6 fewer synthetic-negative false positives, and a
/// quarter fewer alignments in the batch; 0.15 moved the cross-validated strong band.
const EST_MARGIN: f32 = 0.2;
/// Candidates whose estimate is below this are not scored.
const MIN_ESTIMATE: f32 = 0.3;
/// Slack on the coverage bound used to prune candidates.
const PRUNE_SLACK: f32 = 0.2;

/// The query weight a candidate must cover to be kept at `threshold` (the score is at most
/// about (coverage + 1) / 2), with [`PRUNE_SLACK`]; `wq` is the query's total weight. The
/// search and the delta check ([`delta`]) share it, so their bounds cannot drift apart.
fn min_cover_for(threshold: f64, wq: f32) -> f32 {
    ((2.0 * threshold - 1.0) as f32 - PRUNE_SLACK).max(0.0) * wq
}

/// Weight of the query's tokens that generate no candidates (legal forms, particles,
/// initials, numbers next to name words) but may still match in the alignment: the bounds
/// count it as matched. Zero when the query has no name word.
fn free_weight(q: &Prepared) -> f32 {
    if !q.toks.iter().any(|t| t.kind == TokenKind::Word) {
        return 0.0;
    }
    q.toks
        .iter()
        .filter(|t| !matches!(t.kind, TokenKind::Word | TokenKind::Number))
        .map(|t| t.weight)
        .sum()
}
/// How much more list-side weight than query-side weight a candidate's links may cover
/// (different spellings have different weights), for the candidate bound.
const RECORD_SIDE_ROOM: f32 = 2.0;
/// Adjacent query words longer than this together are not looked up as one list word.
const MAX_JOINED_LEN: usize = 16;
/// At most this many tokens of one phonetic bucket are checked.
const MAX_BUCKET: usize = 400;
/// At most this many tokens of one consonant-skeleton bucket (abjad queries) are checked,
/// the most frequent first.
const MAX_ABJAD_BUCKET: usize = 64;

/// Options of one screening call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenOptions {
    /// Minimum score of a hit, in [0, 1].
    pub threshold: f64,
    /// At most this many hits are returned.
    pub max_hits: usize,
    /// A lower minimum score for the entries of some lists, searched in the same pass: e.g.
    /// review-band hits on the lists that decide a license, default-threshold hits on all
    /// lists. The hits of those lists are exactly those a screen at the lower threshold would
    /// return; the others those of a screen at `threshold`.
    pub relaxed: Option<Relaxed>,
}

/// A lower threshold for the entries of some lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relaxed {
    /// Minimum score for those lists, at most `threshold`.
    pub threshold: f64,
    /// The lists ([`ScreeningIndex::source_set`]).
    pub sources: SourceSet,
}

/// A set of the index's lists (source codes), as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceSet(u64);

impl SourceSet {
    fn contains(self, id: u8) -> bool {
        id < 64 && self.0 & (1u64 << id) != 0
    }

    /// Every list of `other` is in this set.
    fn covers(self, other: SourceSet) -> bool {
        other.0 & !self.0 == 0
    }
}

/// The postings restricted to the records of some lists ([`ScreeningIndex::with_focus`]): a
/// relaxed search walks only these while the items left can lift an untouched record to the
/// relaxed bound but not to the main one.
struct Focus {
    sources: SourceSet,
    off: Vec<u32>,
    post: Vec<u32>,
}

impl Focus {
    fn postings(&self, tid: u32) -> &[u32] {
        csr_row(&self.off, &self.post, tid)
    }
}

/// The minimum score for an entry of list `source` under these options: the relaxed
/// threshold for the relaxed lists, the main one for the others.
#[inline]
fn source_threshold(source: Option<u8>, options: &ScreenOptions) -> f64 {
    match options.relaxed {
        Some(r) if source.is_some_and(|id| r.sources.contains(id)) => r.threshold.min(options.threshold),
        _ => options.threshold,
    }
}

/// Row `i` of a compressed sparse row table (`off[i]..off[i + 1]` of `values`).
#[inline]
fn csr_row<'a>(off: &[u32], values: &'a [u32], i: u32) -> &'a [u32] {
    let i = i as usize;
    let (Some(&a), Some(&b)) = (off.get(i), off.get(i + 1)) else {
        return &[];
    };
    values.get(a as usize..b as usize).unwrap_or(&[])
}

impl Default for ScreenOptions {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            max_hits: 50,
            relaxed: None,
        }
    }
}

/// One party to screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    /// The party's name.
    pub name: &'a str,
    /// Its country (ISO 3166-1 alpha-2), if known.
    pub country: Option<&'a str>,
}

struct Record {
    entry: u32,
    alias: u32,
    /// The name may be named by part of it (the entry is not an individual: see
    /// [`partial_entries`]).
    partial: bool,
    name: Prepared,
    /// Vocabulary ids of the name's tokens, sorted.
    tids: Box<[u32]>,
}

/// A vocabulary token, compactly: what candidate filtering and [`tok_sim_ref`] need, with
/// the token's text, phonetic skeleton and consonant skeleton stored one after the other in
/// [`ScreeningIndex::vtext`] (so that scoring a candidate word touches this record and one
/// place of the arena instead of three separate heap strings).
#[derive(Debug, Clone, Copy)]
struct VMeta {
    /// [`PTok::mask`].
    mask: u32,
    /// Start of the text in the arena; the skeleton follows it, then the consonant skeleton.
    off: u32,
    /// Length of the text in bytes (names are cut at `4 * MAX_NAME_BYTES` bytes, so it fits;
    /// both skeletons are no longer than the text).
    len: u16,
    /// Length of the phonetic skeleton in bytes.
    skel_len: u16,
    /// Length of the consonant skeleton in bytes.
    wskel_len: u16,
    /// First byte of the text (0 when empty).
    first: u8,
    /// The token is Latin script.
    latin: bool,
    kind: TokenKind,
    script: crate::normalize::Script,
}

impl VMeta {
    /// Appends the token's strings to the arena and describes them.
    fn push(t: &PTok, arena: &mut String) -> Self {
        let off = u32::try_from(arena.len()).unwrap_or(u32::MAX);
        arena.push_str(&t.text);
        arena.push_str(&t.skel);
        arena.push_str(&t.wskel);
        VMeta {
            mask: t.mask,
            off,
            len: u16::try_from(t.text.len()).unwrap_or(u16::MAX),
            skel_len: u16::try_from(t.skel.len()).unwrap_or(u16::MAX),
            wskel_len: u16::try_from(t.wskel.len()).unwrap_or(u16::MAX),
            first: t.text.as_bytes().first().copied().unwrap_or(0),
            latin: t.script == crate::normalize::Script::Latin,
            kind: t.kind,
            script: t.script,
        }
    }

    /// The token's comparison keys, borrowed from the arena.
    #[inline]
    fn tok<'a>(&self, arena: &'a str) -> Option<TokRef<'a>> {
        let a = self.off as usize;
        let b = a + usize::from(self.len);
        let c = b + usize::from(self.skel_len);
        let d = c + usize::from(self.wskel_len);
        Some(TokRef {
            text: arena.get(a..b)?,
            skel: arena.get(b..c)?,
            wskel: arena.get(c..d)?,
            kind: self.kind,
            script: self.script,
            mask: self.mask,
        })
    }
}

struct ClearedRec {
    key: String,
    name: String,
    country: Option<String>,
    note: String,
    entry: Option<String>,
    entry_key: Option<String>,
}

/// An index over a list snapshot, built once and shared (it is `Sync`) by all screening
/// calls.
pub struct ScreeningIndex {
    entries: Vec<ListEntry>,
    /// Source id of each entry (index into `source_codes`; 255 past 64 sources).
    entry_source: Vec<u8>,
    /// The lists' source codes, by id.
    source_codes: Vec<String>,
    info: Arc<SnapshotInfo>,
    records: Vec<Record>,
    vocab: FxHashMap<Box<str>, u32>,
    /// Each vocabulary token, compactly (by vocabulary id).
    vmeta: Vec<VMeta>,
    /// The vocabulary tokens' texts and skeletons, one after the other (see [`VMeta`]).
    vtext: String,
    df: Vec<u32>,
    /// Token weight of each record's name (parallel to `records`), for the candidate bound.
    rec_total: Vec<f32>,
    /// Information weight of each record's name (parallel to `records`; negative when the
    /// name may not be named in part), for the partial-name estimate.
    rec_info: Vec<f32>,
    /// Source id of each record's entry (parallel to `records`; see `entry_source`).
    rec_source: Vec<u8>,
    /// Evidence of each vocabulary token for an organisation's name ([`org_evidence`]).
    org_ev: Vec<f32>,
    post_off: Vec<u32>,
    post: Vec<u32>,
    /// Deletion neighbourhood of the name words: for each word of 3 letters or more its
    /// whole-word hash, and for each of 4 letters or more the hash of every one-byte
    /// deletion (both kinds of key in one table, so that one look-up per deletion of the
    /// query finds list words equal to it and list words sharing it).
    dels: HashTable,
    skel_map: FxHashMap<Box<str>, Vec<u32>>,
    wskel_map: FxHashMap<Box<str>, Vec<u32>>,
    exact_names: FxHashMap<String, Vec<u32>>,
    numbers: FxHashMap<String, Vec<u32>>,
    /// Entries by identifier ([`crate::EntryId::normalized`]: the list's own number and
    /// every id it gives).
    ids: FxHashMap<String, Vec<u32>>,
    cleared: Vec<ClearedRec>,
    /// Postings of the lists searched at a relaxed threshold, if prepared.
    focus: Option<Focus>,
    /// The country table a query's country is checked against (`None`: the embedded one).
    countries: Option<Arc<CountryTable>>,
}

/// Per-record state of one candidate search, kept together so that crediting a record
/// touches one cache line (the record arrays are far larger than the L1/L2 caches).
#[derive(Default, Clone, Copy)]
struct Slot {
    /// Generation ([`Scratch::cur_gen`]) in which `acc` and `credited` were last reset.
    gen: u32,
    /// Item ([`Scratch::cur_seen`]) that last credited the record.
    seen: u32,
    /// Accumulated query weight covered.
    acc: f32,
    /// The query positions already credited in this query (bit i = token i).
    credited: u64,
}

/// Thread-local buffers of the query path, reused across queries so that screening does
/// not allocate per token or per candidate.
#[derive(Default)]
struct Scratch {
    slots: Vec<Slot>,
    cur_gen: u32,
    cur_seen: u32,
    touched: Vec<u32>,
    cands: Vec<Link>,
    links: Vec<Link>,
    sim_cache: SimCache,
    /// Candidate-generation items: (weight, query positions, start, end into `item_sims`).
    items: Vec<(f32, u64, usize, usize)>,
    item_sims: Vec<(u32, f32)>,
    touched_copy: Vec<u32>,
    /// Similar vocabulary tokens of one query token, and the raw candidates behind them.
    sims: Vec<(u32, f32)>,
    cand: Vec<u32>,
    /// Per vocabulary token: (stamp, similarity) of the item being credited to touched
    /// records only (a stamp equal to `cur_seen` marks the item's tokens).
    tok_sims: Vec<(u32, f32)>,
    /// Token weights of the query.
    weights: Vec<f32>,
}

impl Scratch {
    fn begin(&mut self, n: usize, vocab: usize) {
        if self.slots.len() < n {
            self.slots.resize(n, Slot::default());
        }
        if self.tok_sims.len() < vocab {
            self.tok_sims.resize(vocab, (0, 0.0));
        }
        if self.cur_gen >= u32::MAX - 1 || self.cur_seen >= u32::MAX - 1024 {
            self.slots.iter_mut().for_each(|s| {
                s.gen = 0;
                s.seen = 0;
            });
            self.tok_sims.iter_mut().for_each(|t| t.0 = 0);
            self.cur_gen = 0;
            self.cur_seen = 0;
        }
        self.cur_gen += 1;
        self.touched.clear();
    }

    fn next_token(&mut self) {
        self.cur_seen += 1;
    }

    /// Credits query positions `mask` (token weights `w`, similarity `sim`) to a record, once
    /// per item and once per position; `open` false only updates records already touched.
    #[inline]
    fn credit(&mut self, r: u32, mask: u64, flat: f32, sim: f32, w: &[f32], open: bool) {
        let Some(slot) = self.slots.get_mut(r as usize) else {
            return;
        };
        if slot.seen == self.cur_seen {
            return;
        }
        if slot.gen != self.cur_gen {
            if !open {
                return;
            }
            slot.gen = self.cur_gen;
            slot.acc = 0.0;
            slot.credited = 0;
            self.touched.push(r);
        }
        slot.seen = self.cur_seen;
        let v = if mask == 0 {
            flat * sim
        } else {
            let fresh = mask & !slot.credited;
            slot.credited |= mask;
            let mut m = fresh;
            let mut sum = 0.0;
            while m != 0 {
                let p = m.trailing_zeros() as usize;
                sum += w.get(p).copied().unwrap_or(0.0);
                m &= m - 1;
            }
            sum * sim
        };
        slot.acc += v;
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A multimap from 64-bit hashes to token ids: hashes sorted (with their ids in a parallel
/// array), plus a table of where each hash prefix starts, so that a look-up reads one entry
/// of that table and scans a few hashes of one cache line or two.
struct HashTable {
    keys: Vec<u64>,
    ids: Vec<u32>,
    starts: Vec<u32>,
}

impl HashTable {
    const BITS: u32 = 16;

    fn new(mut pairs: Vec<(u64, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut starts = vec![0u32; (1 << Self::BITS) + 1];
        for &(h, _) in &pairs {
            let b = (h >> (64 - Self::BITS)) as usize;
            if let Some(s) = starts.get_mut(b + 1) {
                *s += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        HashTable {
            keys: pairs.iter().map(|p| p.0).collect(),
            ids: pairs.iter().map(|p| p.1).collect(),
            starts,
        }
    }

    /// The ids of each hash in turn (in the order of the sorted pairs), with the memory
    /// reads of all of them started first: the reads are independent, so their cache misses
    /// overlap instead of following one another. At most `MAX_DEL_LEN + 1` hashes.
    fn lookup_many(&self, hs: &[u64], out: &mut Vec<u32>) {
        const N: usize = MAX_DEL_LEN + 1;
        let mut lo_hi = [(0usize, 0usize); N];
        for (r, &h) in lo_hi.iter_mut().zip(hs) {
            let b = (h >> (64 - Self::BITS)) as usize;
            if let (Some(&lo), Some(&hi)) = (self.starts.get(b), self.starts.get(b + 1)) {
                *r = (lo as usize, hi as usize);
            }
        }
        let n = hs.len().min(N);
        let mut touch = 0u64;
        for &(lo, hi) in lo_hi.iter().take(n) {
            if lo < hi {
                touch ^= self.keys.get(lo).copied().unwrap_or(0);
            }
        }
        std::hint::black_box(touch);
        for (&(lo, hi), &h) in lo_hi.iter().zip(hs) {
            let bucket = self.keys.get(lo..hi).unwrap_or(&[]);
            let Some(start) = bucket.iter().position(|&x| x >= h) else {
                continue;
            };
            for (k, &x) in bucket.iter().enumerate().skip(start) {
                if x != h {
                    break;
                }
                if let Some(&id) = self.ids.get(lo + k) {
                    out.push(id);
                }
            }
        }
    }
}

/// Positions whose deletion gives distinct strings (the first of each run of equal bytes).
fn delete_positions(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    (0..b.len()).filter(move |&i| i == 0 || b[i] != b[i - 1])
}

/// Longest token that takes part in the deletion index.
const MAX_DEL_LEN: usize = 24;

/// The deletion-neighbourhood keys of a name word: its whole-word hash (3 letters or more)
/// and the hash of every one-byte deletion (4 or more, up to [`MAX_DEL_LEN`]). The index and
/// the delta check ([`delta`]) use this one function, so their keys cannot drift apart.
fn word_deletion_keys(b: &[u8], mut key: impl FnMut(u64)) {
    if (3..=MAX_DEL_LEN).contains(&b.len()) {
        key(del_hash(b, usize::MAX));
    }
    if (4..=MAX_DEL_LEN).contains(&b.len()) {
        for i in delete_positions(b) {
            key(del_hash(b, i));
        }
    }
}

impl ScreeningIndex {
    /// Builds the index over a snapshot (all names and aliases of all entries).
    pub fn build(snapshot: ListSnapshot) -> Self {
        let info = Arc::new(snapshot.info());
        let entries = snapshot.entries;
        // 1. Normalise every name (on two threads: it is most of the build time).
        let jobs: Vec<(u32, u32, &str)> = entries
            .iter()
            .enumerate()
            .flat_map(|(ei, e)| e.all_names().enumerate().map(move |(ai, n)| (ei as u32, ai as u32, n)))
            .collect();
        let normalize_chunk = |chunk: &[(u32, u32, &str)]| -> Vec<(u32, u32, NormalizedName)> {
            let mut out = Vec::with_capacity(chunk.len());
            for &(ei, ai, n) in chunk {
                for v in normalize_variants(n) {
                    if !v.tokens.is_empty() {
                        out.push((ei, ai, v));
                    }
                }
            }
            out
        };
        let half = jobs.len().div_ceil(2).max(1);
        let mut norm: Vec<(u32, u32, NormalizedName)> = std::thread::scope(|sc| {
            let mut parts = jobs.chunks(half);
            let first = parts.next().unwrap_or(&[]);
            let rest: Vec<&[(u32, u32, &str)]> = parts.collect();
            let handle = sc.spawn(move || rest.iter().flat_map(|c| normalize_chunk(c)).collect::<Vec<_>>());
            let mut a = normalize_chunk(first);
            match handle.join() {
                Ok(b) => a.extend(b),
                Err(_) => {
                    // Normalisation does not panic; if it ever did, redo the rest here.
                    let rest: Vec<(u32, u32, &str)> = jobs.iter().skip(first.len()).copied().collect();
                    a.extend(normalize_chunk(&rest));
                }
            }
            a
        });
        norm.shrink_to_fit();
        let mut exact_names: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut numbers: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (ei, _, v) in &norm {
            let list = exact_names.entry(v.key()).or_default();
            if list.last() != Some(ei) {
                list.push(*ei);
            }
        }
        let mut ids: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (ei, e) in entries.iter().enumerate() {
            if let Some(num) = &e.entity_number {
                numbers
                    .entry(num.trim().to_ascii_uppercase())
                    .or_default()
                    .push(ei as u32);
            }
            let own = e.entity_number.iter().filter(|_| e.source_code != "OWN");
            for value in own.chain(e.ids.iter().map(|i| &i.number)) {
                let key = crate::model::EntryId::normalized(value);
                if key.is_empty() {
                    continue;
                }
                let list = ids.entry(key).or_default();
                if list.last() != Some(&(ei as u32)) {
                    list.push(ei as u32);
                }
            }
        }
        // 2. Vocabulary and document frequencies.
        let mut vocab: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut kinds: Vec<(TokenKind, crate::normalize::Script)> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut rec_tids: Vec<Vec<u32>> = Vec::with_capacity(norm.len());
        for (_, _, n) in &norm {
            let mut tids: Vec<u32> = Vec::with_capacity(n.tokens.len());
            for t in &n.tokens {
                let id = match vocab.get(t.text.as_str()) {
                    Some(&id) => id,
                    None => {
                        let id = df.len() as u32;
                        vocab.insert(t.text.clone().into_boxed_str(), id);
                        df.push(0);
                        kinds.push((t.kind, t.script));
                        id
                    }
                };
                if !tids.contains(&id) {
                    tids.push(id);
                    if let Some(d) = df.get_mut(id as usize) {
                        *d += 1;
                    }
                }
            }
            rec_tids.push(tids);
        }
        let n_rec = norm.len() as u32;
        let (partial_entry, org_ev) = partial_entries(&entries, &norm, &rec_tids, df.len());
        // 3. Prepared records (weights need the frequencies).
        let weight_of = |text: &str, kind: TokenKind| -> (f32, f32) {
            let d = vocab
                .get(text)
                .and_then(|&id| df.get(id as usize))
                .copied()
                .unwrap_or(0);
            token_weights(kind, d, n_rec)
        };
        let prepare = |part: &[(u32, u32, NormalizedName)], tids: &[Vec<u32>]| -> Vec<Record> {
            part.iter()
                .zip(tids)
                .map(|((e, a, n), tids)| {
                    let mut t = tids.clone();
                    t.sort_unstable();
                    Record {
                        entry: *e,
                        alias: *a,
                        partial: partial_entry.get(*e as usize).copied().unwrap_or(true),
                        name: prepare_list(n, weight_of).with_joined(),
                        tids: t.into_boxed_slice(),
                    }
                })
                .collect()
        };
        // On two threads, as the normalisation above.
        let half = norm.len().div_ceil(2);
        let (norm_a, norm_b) = norm.split_at(half.min(norm.len()));
        let (tids_a, tids_b) = rec_tids.split_at(half.min(rec_tids.len()));
        let mut records: Vec<Record> = std::thread::scope(|sc| {
            let handle = sc.spawn(|| prepare(norm_b, tids_b));
            let mut a = prepare(norm_a, tids_a);
            match handle.join() {
                Ok(b) => a.extend(b),
                // Preparation does not panic; if it ever did, redo the rest here.
                Err(_) => a.extend(prepare(norm_b, tids_b)),
            }
            a
        });
        for r in &mut records {
            for t in &mut r.name.toks {
                if let Some(&id) = vocab.get(&*t.text) {
                    t.id = id;
                }
            }
        }
        // Vocabulary tokens, prepared.
        let mut vtoks: Vec<Option<PTok>> = vec![None; df.len()];
        for r in &records {
            for t in &r.name.toks {
                if let Some(&id) = vocab.get(&*t.text) {
                    if let Some(slot) = vtoks.get_mut(id as usize) {
                        if slot.is_none() {
                            *slot = Some(t.clone());
                        }
                    }
                }
            }
        }
        let vtoks: Vec<PTok> = vtoks
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                t.unwrap_or_else(|| {
                    let (kind, script) = kinds
                        .get(i)
                        .copied()
                        .unwrap_or((TokenKind::Word, crate::normalize::Script::Latin));
                    PTok {
                        id: crate::scoring::NO_ID,
                        mask: 0,
                        text: "".into(),
                        skel: "".into(),
                        wskel: "".into(),
                        kind,
                        script,
                        weight: 0.0,
                        info: 0.0,
                    }
                })
            })
            .collect();
        // 4. Postings (CSR).
        let mut counts = vec![0u32; df.len() + 1];
        for tids in &rec_tids {
            for &t in tids {
                counts[t as usize + 1] += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let post_off = counts.clone();
        let mut fill = counts;
        let mut post = vec![0u32; post_off.last().copied().unwrap_or(0) as usize];
        for (r, tids) in rec_tids.iter().enumerate() {
            for &t in tids {
                let slot = &mut fill[t as usize];
                if let Some(p) = post.get_mut(*slot as usize) {
                    *p = r as u32;
                }
                *slot += 1;
            }
        }
        // 5. Deletion neighbourhood and skeleton maps, for name words.
        let mut dels: Vec<(u64, u32)> = Vec::new();
        let mut skel_map: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut wskel_map: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        for (id, t) in vtoks.iter().enumerate() {
            if t.kind != TokenKind::Word {
                continue;
            }
            let id = id as u32;
            word_deletion_keys(t.text.as_bytes(), |key| dels.push((key, id)));
            if t.skel.len() >= 3 {
                skel_map.entry(t.skel.clone()).or_default().push(id);
            }
            if !t.wskel.is_empty() {
                wskel_map.entry(t.wskel.clone()).or_default().push(id);
            }
        }
        for v in skel_map.values_mut().chain(wskel_map.values_mut()) {
            v.sort_by_key(|&id| std::cmp::Reverse(df.get(id as usize).copied().unwrap_or(0)));
        }
        let dels = HashTable::new(dels);
        let mut vtext = String::with_capacity(vtoks.iter().map(|t| t.text.len() + t.skel.len() + t.wskel.len()).sum());
        let vmeta: Vec<VMeta> = vtoks.iter().map(|t| VMeta::push(t, &mut vtext)).collect();
        // The build's scratch (every name's tokens, as strings) is freed on another thread: a
        // fifth of the start-up went to freeing it.
        // (Should no thread be available, it is freed here, as the closure is dropped.)
        let _ = std::thread::Builder::new().spawn(move || drop((vtoks, norm, rec_tids)));
        let rec_total: Vec<f32> = records.iter().map(|r| r.name.total).collect();
        let rec_info: Vec<f32> = records
            .iter()
            .map(|r| if r.partial { r.name.info } else { -1.0 })
            .collect();
        let mut source_codes: Vec<String> = Vec::new();
        let entry_source: Vec<u8> = entries
            .iter()
            .map(|e| {
                let id = match source_codes.iter().position(|c| *c == e.source_code) {
                    Some(id) => id,
                    None => {
                        source_codes.push(e.source_code.clone());
                        source_codes.len() - 1
                    }
                };
                u8::try_from(id).ok().filter(|&i| i < 64).unwrap_or(u8::MAX)
            })
            .collect();
        let rec_source: Vec<u8> = records
            .iter()
            .map(|r| entry_source.get(r.entry as usize).copied().unwrap_or(u8::MAX))
            .collect();
        ScreeningIndex {
            entries,
            entry_source,
            rec_source,
            source_codes,
            info,
            records,
            vocab,
            vmeta,
            vtext,
            df,
            rec_total,
            rec_info,
            org_ev,
            post_off,
            post,
            dels,
            skel_map,
            wskel_map,
            exact_names,
            numbers,
            ids,
            cleared: Vec::new(),
            focus: None,
            countries: None,
        }
    }

    /// Checks a query's country against `countries` (the engine's, from its data source)
    /// instead of the embedded table.
    #[must_use]
    pub fn with_countries(mut self, countries: Arc<CountryTable>) -> Self {
        self.countries = Some(countries);
        self
    }

    fn is_country_code(&self, code: &str) -> bool {
        match &self.countries {
            Some(table) => table.is_code(code),
            None => is_country_code(code),
        }
    }

    /// Prepares the postings of these lists, so that a screen whose [`Relaxed`] lists are
    /// among them walks only their postings where only the relaxed threshold can still be
    /// reached (the hits are those of a screen without it; only faster).
    pub fn with_focus(mut self, sources: SourceSet) -> Self {
        let in_focus = |r: u32| self.rec_source.get(r as usize).is_some_and(|&id| sources.contains(id));
        let mut off = Vec::with_capacity(self.post_off.len());
        let mut post = Vec::new();
        off.push(0u32);
        for w in self.post_off.windows(2) {
            let &[a, b] = w else { continue };
            let (a, b) = (a as usize, b as usize);
            post.extend(
                self.post
                    .get(a..b)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .filter(|&r| in_focus(r)),
            );
            off.push(u32::try_from(post.len()).unwrap_or(u32::MAX));
        }
        self.focus = Some(Focus { sources, off, post });
        self
    }

    /// The set of the given lists (source codes such as `EL`), for [`Relaxed`]; codes the
    /// index does not hold are ignored.
    pub fn source_set(&self, codes: &[&str]) -> SourceSet {
        let mut bits = 0u64;
        for (id, code) in self.source_codes.iter().enumerate().take(64) {
            if codes.iter().any(|c| c == code) {
                bits |= 1u64 << id;
            }
        }
        SourceSet(bits)
    }

    /// The minimum score for a record's entry under these options (from the compact
    /// `rec_source`: the candidate loops run over many records).
    #[inline]
    fn record_threshold(&self, r: u32, options: &ScreenOptions) -> f64 {
        source_threshold(self.rec_source.get(r as usize).copied(), options)
    }

    /// The minimum score for an entry under these options.
    fn threshold_for(&self, entry: u32, options: &ScreenOptions) -> f64 {
        source_threshold(self.entry_source.get(entry as usize).copied(), options)
    }

    /// Adds a cleared-parties list: a hit is suppressed (moved to
    /// [`ScreenReport::suppressed`] with a [`Reason::Cleared`]) when the normalised query equals
    /// a cleared name, the query country equals the cleared country (if one is given) and the
    /// hit's entry is the one named (entity number, or a name or alias of the entry; every
    /// entry when none is named).
    pub fn with_cleared(mut self, cleared: &ClearedParties) -> Self {
        for c in &cleared.parties {
            let key = normalize(&c.name).key();
            if key.is_empty() {
                continue;
            }
            self.cleared.push(ClearedRec {
                key,
                name: c.name.clone(),
                country: c.country.clone(),
                note: c.note.clone(),
                entry: c.entry.clone(),
                entry_key: c.entry.as_deref().map(|e| normalize(e).key()),
            });
        }
        self
    }

    /// The snapshot's provenance.
    pub fn snapshot_info(&self) -> &SnapshotInfo {
        &self.info
    }

    /// All entries.
    pub fn entries(&self) -> &[ListEntry] {
        &self.entries
    }

    /// One entry by its position.
    pub fn entry(&self, index: usize) -> Option<&ListEntry> {
        self.entries.get(index)
    }

    /// Number of indexed names (primary names, aliases and extra readings).
    pub fn name_count(&self) -> usize {
        self.records.len()
    }

    /// Exact lookup: entries whose name or an alias equals `name_or_number` after
    /// normalisation, or whose entity number equals it (case-insensitive). In list order.
    pub fn exact(&self, name_or_number: &str) -> Vec<&ListEntry> {
        let mut idx: Vec<u32> = Vec::new();
        if let Some(v) = self.numbers.get(&name_or_number.trim().to_ascii_uppercase()) {
            idx.extend(v);
        }
        let key = normalize(name_or_number).key();
        if !key.is_empty() {
            if let Some(v) = self.exact_names.get(&key) {
                idx.extend(v);
            }
        }
        idx.sort_unstable();
        idx.dedup();
        idx.iter().filter_map(|&i| self.entries.get(i as usize)).collect()
    }

    /// Search by identifier: the entries whose own number or one of whose identifiers
    /// (registration numbers, unified social credit codes, LEI, passports, … where the list
    /// gives them) equals `value` exactly, compared in [`crate::EntryId::normalized`] form
    /// (letters and digits, upper case). In list order.
    pub fn find_id(&self, value: &str) -> Vec<&ListEntry> {
        let key = crate::model::EntryId::normalized(value);
        self.ids
            .get(&key)
            .map(|v| v.iter().filter_map(|&i| self.entries.get(i as usize)).collect())
            .unwrap_or_default()
    }

    fn weight_of(&self, text: &str, kind: TokenKind) -> (f32, f32) {
        let d = self.token_frequency(text);
        token_weights(kind, d, self.records.len() as u32)
    }

    /// Document frequency of a normalised token: how many indexed names (primary names,
    /// aliases and extra readings, [`Self::name_count`]) hold it; 0 for a token not on the
    /// list. Token weights (rare words weigh more) and partial-name information come from it.
    pub fn token_frequency(&self, token: &str) -> u32 {
        self.vocab
            .get(token)
            .and_then(|&id| self.df.get(id as usize))
            .copied()
            .unwrap_or(0)
    }

    fn postings(&self, tid: u32) -> &[u32] {
        csr_row(&self.post_off, &self.post, tid)
    }

    /// Vocabulary tokens similar to `q` (exact, one edit, phonetic/consonant skeleton), with
    /// their similarity.
    fn similar_tokens(&self, q: &PTok, out: &mut Vec<(u32, f32)>, cand: &mut Vec<u32>) {
        self.similar_tokens_with(q, out, cand, true);
    }

    /// [`Self::similar_tokens`]; `phonetic` false skips the skeleton buckets (joined words,
    /// which must be nearly exact).
    fn similar_tokens_with(&self, q: &PTok, out: &mut Vec<(u32, f32)>, cand: &mut Vec<u32>, phonetic: bool) {
        out.clear();
        cand.clear();
        let exact = self.vocab.get(&*q.text).copied();
        if let Some(id) = exact {
            out.push((id, 1.0));
        }
        if q.kind != TokenKind::Word {
            return;
        }
        let b = q.text.as_bytes();
        if (3..=MAX_DEL_LEN).contains(&b.len()) {
            // q is a deletion of a list word (the table's whole-word key of q is q itself,
            // the exact match, skipped below); a deletion of q is a list word, or a deletion
            // of one.
            let mut hs = [0u64; MAX_DEL_LEN + 1];
            let n = del_hashes(b, &mut hs);
            self.dels.lookup_many(hs.get(..n).unwrap_or(&[]), cand);
        }
        if phonetic && q.skel.len() >= 3 {
            if let Some(v) = self.skel_map.get(&q.skel) {
                let first = b.first().copied().unwrap_or(0);
                for &id in v.iter().take(MAX_BUCKET) {
                    if let Some(m) = self.vmeta.get(id as usize) {
                        if m.len > 0 && m.first == first && usize::from(m.len).abs_diff(b.len()) <= 3 {
                            cand.push(id);
                        }
                    }
                }
            }
        }
        if phonetic && q.script.vowels_unreliable() && !q.wskel.is_empty() {
            if let Some(v) = self.wskel_map.get(&q.wskel) {
                let max_len = 2 * b.len() + 4;
                // Short skeletons have large buckets of weak evidence; longer ones are
                // checked further.
                let cap = match q.wskel.len() {
                    1 => MAX_ABJAD_BUCKET / 3,
                    2 => MAX_ABJAD_BUCKET,
                    _ => MAX_ABJAD_BUCKET * 4,
                };
                for &id in v.iter().take(cap) {
                    if self
                        .vmeta
                        .get(id as usize)
                        .map(|m| usize::from(m.len) <= max_len)
                        .unwrap_or(false)
                    {
                        cand.push(id);
                    }
                }
            }
        }
        cand.sort_unstable();
        cand.dedup();
        let q_latin = q.script == crate::normalize::Script::Latin;
        let qr = q.as_ref();
        // Every candidate is a name word, like q: two Latin words whose letter sets differ in
        // more than six letters are more than three edits apart, and [`tok_sim`] gives them 0
        // (checked on the compact metadata, without reading the strings).
        let skip = |m: &VMeta| q_latin && m.latin && (m.mask ^ q.mask).count_ones() > 6;
        let arena = self.vtext.as_bytes();
        for chunk in cand.chunks(16) {
            // Read the chunk's metadata, then its texts, before scoring: independent reads
            // whose cache misses overlap.
            let mut touch = 0u32;
            for &id in chunk {
                touch ^= self.vmeta.get(id as usize).map(|m| m.mask).unwrap_or(0);
            }
            for &id in chunk {
                if let Some(m) = self.vmeta.get(id as usize) {
                    if !skip(m) {
                        touch ^= u32::from(arena.get(m.off as usize).copied().unwrap_or(0));
                    }
                }
            }
            std::hint::black_box(touch);
            for &id in chunk {
                if Some(id) == exact {
                    continue;
                }
                let Some(m) = self.vmeta.get(id as usize) else {
                    continue;
                };
                if skip(m) {
                    continue;
                }
                if let Some(v) = m.tok(&self.vtext) {
                    let (s, _) = tok_sim_ref(&qr, &v);
                    if s > 0.0 {
                        out.push((id, s));
                    }
                }
            }
        }
        out.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    }

    fn prepare_query(&self, n: &NormalizedName) -> Prepared {
        prepare(n, |t, k| self.weight_of(t, k)).with_joined()
    }

    /// Candidate records for a prepared query, best estimate first.
    fn candidates(&self, q: &Prepared, options: &ScreenOptions, scratch: &mut Scratch) -> Vec<(f32, u32)> {
        scratch.begin(self.records.len(), self.df.len());
        let wq = q.total.max(1e-6);
        // The score is at most about (query coverage + 1) / 2, and the accumulator bounds the
        // query coverage from above: candidates that cannot reach the threshold are dropped.
        // The lowest threshold of the options drives the search; each record is then held to
        // its own list's threshold.
        let lowest = options
            .relaxed
            .map_or(options.threshold, |r| r.threshold.min(options.threshold));
        let min_cover = min_cover_for(lowest, wq);
        let strict_cover = min_cover_for(options.threshold, wq);
        let has_word = q.toks.iter().any(|t| t.kind == TokenKind::Word);
        let free_w = free_weight(q);
        // Items: (weight, [(vocabulary token, similarity)]), one per query word, per adjacent
        // pair written as one word, per half of a word written as two list words.
        let mut items = std::mem::take(&mut scratch.items);
        let mut item_sims = std::mem::take(&mut scratch.item_sims);
        items.clear();
        item_sims.clear();
        let mut sims = std::mem::take(&mut scratch.sims);
        let mut cand = std::mem::take(&mut scratch.cand);
        let mut push_item = |w: f32, mask: u64, s: &[(u32, f32)], items: &mut Vec<(f32, u64, usize, usize)>| {
            let start = item_sims.len();
            item_sims.extend_from_slice(s);
            items.push((w, mask, start, item_sims.len()));
        };
        let pos_bit = |i: usize| if i < 64 { 1u64 << i } else { 0 };
        for (pi, t) in q.toks.iter().enumerate() {
            // Numbers are kept: they tell vessels "FU YUAN YU 7864" and "... 8648" apart.
            if has_word && !matches!(t.kind, TokenKind::Word | TokenKind::Number) {
                continue;
            }
            self.similar_tokens(t, &mut sims, &mut cand);
            if !sims.is_empty() {
                push_item(t.weight, pos_bit(pi), &sims, &mut items);
            } else if t.text.len() >= 6 {
                // A long word missing from the list may be two list words written together.
                for k in 2..t.text.len() - 1 {
                    let (a, b) = t.text.split_at(k);
                    if let (Some(&ia), Some(&ib)) = (self.vocab.get(a), self.vocab.get(b)) {
                        push_item(t.weight * 0.5, 0, &[(ia, 1.0)], &mut items);
                        push_item(t.weight * 0.5, 0, &[(ib, 1.0)], &mut items);
                    }
                }
            }
        }
        // Adjacent query tokens written as one list word ("hua wei" → "huawei").
        for (pi, w) in q.toks.windows(2).enumerate() {
            let (x, y) = (&w[0], &w[1]);
            if matches!(x.kind, TokenKind::LegalForm | TokenKind::Number)
                || matches!(y.kind, TokenKind::LegalForm | TokenKind::Number)
                || x.text.len() + y.text.len() > MAX_JOINED_LEN
            {
                continue;
            }
            let mut joined = String::with_capacity(x.text.len() + y.text.len());
            joined.push_str(&x.text);
            joined.push_str(&y.text);
            // Joined words must be nearly exact: deletion neighbours only, no skeletons.
            let jt = PTok {
                id: crate::scoring::NO_ID,
                mask: crate::scoring::letter_mask(&joined),
                skel: Box::from(""),
                wskel: if x.script.vowels_unreliable() {
                    crate::scoring::weak_skeleton(&joined).into_boxed_str()
                } else {
                    Box::from("")
                },
                text: joined.into_boxed_str(),
                kind: TokenKind::Word,
                script: x.script,
                weight: x.weight + y.weight,
                info: x.info + y.info,
            };
            self.similar_tokens_with(&jt, &mut sims, &mut cand, false);
            sims.retain(|&(_, s)| s >= 0.8);
            if !sims.is_empty() {
                push_item(jt.weight, pos_bit(pi) | pos_bit(pi + 1), &sims, &mut items);
            }
        }
        let mut weights = std::mem::take(&mut scratch.weights);
        weights.clear();
        weights.extend(q.toks.iter().map(|t| t.weight));
        // Heaviest (rarest) first; once the items left cannot lift an untouched record to
        // the bound, only records already touched are updated.
        items.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        let mut remaining: f32 = items.iter().map(|i| i.0).sum();
        let mut touched_copy = std::mem::take(&mut scratch.touched_copy);
        // The focus postings, when they hold every relaxed list.
        let focus = options
            .relaxed
            .filter(|r| r.threshold < options.threshold)
            .and_then(|r| self.focus.as_ref().filter(|f| f.sources.covers(r.sources)));
        for &(w, mask, start, end) in &items {
            let tids = item_sims.get(start..end).unwrap_or(&[]);
            scratch.next_token();
            let open = remaining + free_w >= min_cover || scratch.touched.is_empty();
            let open_strict = remaining + free_w >= strict_cover || scratch.touched.is_empty();
            remaining -= w;
            if let Some(focus) = focus.filter(|_| open && !open_strict) {
                // Only a relaxed list's record can still be lifted to its bound: open the
                // focus postings; the other touched records are updated below.
                for &(tid, s) in tids {
                    for &r in focus.postings(tid) {
                        scratch.credit(r, mask, w, s, &weights, true);
                    }
                }
                self.credit_touched(tids, mask, w, &weights, scratch, &mut touched_copy);
                continue;
            }
            if open {
                self.credit_postings(tids, mask, w, &weights, scratch, true);
            } else {
                self.credit_touched(tids, mask, w, &weights, scratch, &mut touched_copy);
            }
        }
        scratch.items = items;
        scratch.item_sims = item_sims;
        scratch.touched_copy = touched_copy;
        scratch.sims = sims;
        scratch.cand = cand;
        scratch.weights = weights;
        // Partial names: the query's information (non-name words count as matched, as in
        // `free_w`) must be nearly all covered; then the score is at most the partial-name
        // score with the list name's information covered by the query's.
        let free_info: f32 = if has_word {
            q.toks
                .iter()
                .filter(|t| !matches!(t.kind, TokenKind::Word | TokenKind::Number))
                .map(|t| t.info)
                .sum()
        } else {
            0.0
        };
        let min_part_info = PARTIAL_MIN_QUERY * q.info;
        let may_be_partial = q.info > 0.0;
        let mut out: Vec<(f32, u32)> = Vec::with_capacity(scratch.touched.len().min(4096));
        for &r in &scratch.touched {
            let (raw, credited) = scratch
                .slots
                .get(r as usize)
                .map(|s| (s.acc, s.credited))
                .unwrap_or((0.0, 0));
            let raw = raw.min(wq);
            let acc = (raw + free_w).min(wq);
            let part = if may_be_partial {
                self.partial_estimate(q, r, credited, acc / wq, free_info, min_part_info)
            } else {
                None
            };
            let threshold = self.record_threshold(r, options);
            let rec_cover = if threshold < options.threshold {
                min_cover
            } else {
                strict_cover
            };
            if acc < rec_cover && part.is_none() {
                continue;
            }
            let wr = self.rec_total.get(r as usize).copied().unwrap_or(1.0).max(1e-6);
            // Upper bound of the score: query coverage ≤ acc / wq; list-side coverage about
            // the same weight over the list name's weight (with room for fuzzy links).
            let cq = (acc / wq).min(1.0);
            let cc = (RECORD_SIDE_ROOM * acc / wr).min(1.0);
            let bound = (0.5 * (cq + cc))
                .max((acc + RECORD_SIDE_ROOM * acc).min(wq + wr) / (wq + wr))
                .max(part.unwrap_or(0.0));
            if f64::from(bound) < threshold - f64::from(PRUNE_SLACK) {
                continue;
            }
            // Rank by an estimate of the score: the mean of both sides' coverage, as the
            // scorer computes it (a short list name covered by part of the query ranks below
            // a name that covers all of it), or the partial-name estimate.
            let est = (0.5 * ((raw / wq).min(1.0) + (raw / wr).min(1.0))).max(part.unwrap_or(0.0));
            if est >= MIN_ESTIMATE {
                out.push((est, r));
            }
        }
        let by_est = |a: &(f32, u32), b: &(f32, u32)| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.1.cmp(&b.1))
        };
        if out.len() > MAX_CANDIDATES {
            out.select_nth_unstable_by(MAX_CANDIDATES, by_est);
            out.truncate(MAX_CANDIDATES);
        }
        out.sort_by(by_est);
        out
    }

    /// Credits an item to the records of its tokens' postings (`open` false: to those
    /// already touched only).
    #[inline]
    fn credit_postings(
        &self,
        tids: &[(u32, f32)],
        mask: u64,
        w: f32,
        weights: &[f32],
        scratch: &mut Scratch,
        open: bool,
    ) {
        for &(tid, s) in tids {
            for chunk in self.postings(tid).chunks(32) {
                // Read the chunk's records' slots first: independent reads whose cache misses
                // overlap.
                let mut touch = 0u32;
                for &r in chunk {
                    touch ^= scratch.slots.get(r as usize).map(|x| x.gen).unwrap_or(0);
                }
                std::hint::black_box(touch);
                for &r in chunk {
                    scratch.credit(r, mask, w, s, weights, open);
                }
            }
        }
    }

    /// Credits an item to the records already touched: through the postings when they are
    /// few, else by looking each touched record's tokens up in the item (marked in
    /// `tok_sims` with this item's stamp).
    fn credit_touched(
        &self,
        tids: &[(u32, f32)],
        mask: u64,
        w: f32,
        weights: &[f32],
        scratch: &mut Scratch,
        touched_copy: &mut Vec<u32>,
    ) {
        let postings: usize = tids.iter().map(|&(t, _)| self.postings(t).len()).sum();
        if postings <= scratch.touched.len() * 8 {
            self.credit_postings(tids, mask, w, weights, scratch, false);
            return;
        }
        let stamp = scratch.cur_seen;
        for &(t, s) in tids {
            if let Some(slot) = scratch.tok_sims.get_mut(t as usize) {
                *slot = (stamp, s);
            }
        }
        touched_copy.clear();
        touched_copy.extend_from_slice(&scratch.touched);
        for &r in touched_copy.iter() {
            let Some(rec) = self.records.get(r as usize) else {
                continue;
            };
            let best = rec
                .tids
                .iter()
                .filter_map(|&t| scratch.tok_sims.get(t as usize))
                .filter(|&&(st, _)| st == stamp)
                .map(|&(_, s)| s)
                .fold(0.0f32, f32::max);
            if best > 0.0 {
                scratch.credit(r, mask, w, best, weights, false);
            }
        }
    }

    /// Estimate of the partial-name score of record `r` whose query positions `credited`
    /// matched something, covering `cover` of the query's weight (similarity-weighted):
    /// `None` when the record may not be named in part or the match leaves too much of the
    /// query's information out.
    #[inline]
    fn partial_estimate(
        &self,
        q: &Prepared,
        r: u32,
        credited: u64,
        cover: f32,
        free_info: f32,
        min_info: f32,
    ) -> Option<f32> {
        if cover < PARTIAL_MIN_QUERY {
            return None;
        }
        let mut info = free_info;
        let mut m = credited;
        while m != 0 {
            let p = m.trailing_zeros() as usize;
            info += q.toks.get(p).map(|t| t.info).unwrap_or(0.0);
            m &= m - 1;
        }
        if info < min_info || info < PARTIAL_MIN_INFO {
            return None;
        }
        let ri = self.rec_info.get(r as usize).copied().unwrap_or(-1.0);
        if ri <= 0.0 {
            return None;
        }
        Some(
            PARTIAL_TOP
                - PARTIAL_SPAN * (1.0 - (cover * info / ri).min(1.0))
                - PARTIAL_FUZZY_PENALTY * (1.0 - cover.min(1.0)),
        )
    }

    /// Reads the names of the given records (their tokens and the tokens' texts) ahead of
    /// aligning them: independent reads whose cache misses overlap, instead of one miss after
    /// another inside the alignment.
    fn touch_records(&self, rs: impl Iterator<Item = u32> + Clone) {
        let mut touch = 0usize;
        for r in rs.clone() {
            touch ^= self.records.get(r as usize).map(|x| x.name.toks.len()).unwrap_or(0);
        }
        for r in rs {
            if let Some(rec) = self.records.get(r as usize) {
                for t in &rec.name.toks {
                    touch ^= t.id as usize ^ usize::from(t.text.as_bytes().first().copied().unwrap_or(0));
                }
            }
        }
        std::hint::black_box(touch);
    }

    /// Screens one name with the default options.
    pub fn screen_name(&self, name: &str, country: Option<&str>) -> Result<ScreenReport, ScreenError> {
        self.screen(Query { name, country }, ScreenOptions::default())
    }

    /// Screens one party.
    pub fn screen(&self, query: Query<'_>, options: ScreenOptions) -> Result<ScreenReport, ScreenError> {
        validate_name(query.name)?;
        if !(0.0..=1.0).contains(&options.threshold) || options.threshold.is_nan() {
            return Err(ScreenError::BadThreshold(options.threshold.to_string()));
        }
        if let Some(r) = options.relaxed {
            if !(0.0..=1.0).contains(&r.threshold) || r.threshold.is_nan() {
                return Err(ScreenError::BadThreshold(r.threshold.to_string()));
            }
        }
        let country = match query.country.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                let up = c.to_ascii_uppercase();
                if !self.is_country_code(&up) {
                    return Err(ScreenError::BadCountry(c.to_string()));
                }
                Some(up)
            }
        };
        let variants = normalize_variants(query.name);
        let preps: Vec<Prepared> = variants.iter().map(|v| self.prepare_query(v)).collect();
        // Best (score, record, variant) per entry.
        let mut best: BTreeMap<u32, (f32, u32, usize, Option<Alignment>)> = BTreeMap::new();
        let lowest = options
            .relaxed
            .map_or(options.threshold, |r| r.threshold.min(options.threshold));
        let relaxed_some = options.relaxed.is_some();
        // Scores that may still reach the threshold once the country bonus is added keep their
        // alignment for the explanation.
        let keep_from = lowest as f32 - COUNTRY_MATCH_BONUS - 1e-6;
        SCRATCH.with(|cell| {
            let Ok(mut scratch) = cell.try_borrow_mut() else {
                return;
            };
            for (vi, p) in preps.iter().enumerate() {
                if p.toks.is_empty() {
                    continue;
                }
                let cands = self.candidates(p, &options, &mut scratch);
                let mut buf_c = std::mem::take(&mut scratch.cands);
                let mut buf_l = std::mem::take(&mut scratch.links);
                let mut cache = std::mem::take(&mut scratch.sim_cache);
                cache.clear();
                for (i, &(est, r)) in cands.iter().enumerate() {
                    // Candidates come best estimate first: after the first few, stop where
                    // the estimate falls well below the lowest threshold, and pass over those
                    // well below their own list's threshold.
                    if i >= MIN_SCORED && f64::from(est) < lowest - f64::from(EST_MARGIN) {
                        break;
                    }
                    if i >= MIN_SCORED
                        && relaxed_some
                        && f64::from(est) < self.record_threshold(r, &options) - f64::from(EST_MARGIN)
                    {
                        continue;
                    }
                    if i % 8 == 0 {
                        self.touch_records(cands.get(i..).unwrap_or(&[]).iter().take(8).map(|c| c.1));
                    }
                    let Some(rec) = self.records.get(r as usize) else {
                        continue;
                    };
                    let sc = align_with(p, &rec.name, rec.partial, &mut buf_c, &mut buf_l, Some(&mut cache));
                    let score = sc.score;
                    let cur = best.get(&rec.entry).map(|b| b.0).unwrap_or(-1.0);
                    if score > cur {
                        let al = (score >= keep_from).then(|| Alignment {
                            score,
                            links: buf_l.clone(),
                            weak: sc.weak,
                            conflict: sc.conflict,
                            partial: sc.partial,
                        });
                        best.insert(rec.entry, (score, r, vi, al));
                    }
                }
                scratch.cands = buf_c;
                scratch.links = buf_l;
                scratch.sim_cache = cache;
            }
        });
        // Entity number given as the query.
        let num_key = query.name.trim().to_ascii_uppercase();
        let by_number: Vec<u32> = self.numbers.get(&num_key).cloned().unwrap_or_default();
        let mut hits: Vec<(f32, Hit)> = Vec::new();
        for (&ei, (name_score, r, vi, kept)) in &best {
            let (name_score, r, vi) = (*name_score, *r, *vi);
            let Some(entry) = self.entries.get(ei as usize) else {
                continue;
            };
            let (adj, country_reason) = self.country_adjustment(country.as_deref(), entry);
            let score = (name_score + adj).clamp(0.0, 1.0);
            if f64::from(score) < self.threshold_for(ei, &options) {
                continue;
            }
            let Some(rec) = self.records.get(r as usize) else {
                continue;
            };
            let (Some(qv), Some(qp)) = (variants.get(vi), preps.get(vi)) else {
                continue;
            };
            let al = match kept {
                Some(a) => a.clone(),
                None => align(qp, &rec.name, rec.partial),
            };
            let mut reasons = explain(qv, qp, &rec.name, &al);
            if let Some(cr) = country_reason {
                reasons.push(cr);
            }
            let alias = entry
                .all_names()
                .nth(rec.alias as usize)
                .unwrap_or(&entry.name)
                .to_string();
            hits.push((score, make_hit(ei as usize, entry, alias, score, reasons)));
        }
        for ei in by_number {
            if best.contains_key(&ei) {
                continue;
            }
            if let Some(entry) = self.entries.get(ei as usize) {
                let reasons = vec![Reason::EntityNumber {
                    entity_number: num_key.clone(),
                }];
                hits.push((1.0, make_hit(ei as usize, entry, entry.name.clone(), 1.0, reasons)));
            }
        }
        hits.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.1.entry.name.cmp(&b.1.entry.name))
                .then_with(|| a.1.entry.index.cmp(&b.1.entry.index))
        });
        let (hits, suppressed) = self.apply_cleared(variants.first(), country.as_deref(), hits);
        let mut hits: Vec<Hit> = hits;
        hits.truncate(options.max_hits);
        Ok(ScreenReport {
            query: query.name.to_string(),
            country,
            list_snapshot: Arc::clone(&self.info),
            threshold: options.threshold,
            hits,
            suppressed,
        })
    }

    fn country_adjustment(&self, country: Option<&str>, entry: &ListEntry) -> (f32, Option<Reason>) {
        let Some(c) = country else { return (0.0, None) };
        if entry.countries.is_empty() {
            return (0.0, None);
        }
        let adj = if entry.countries.iter().any(|x| x == c) {
            COUNTRY_MATCH_BONUS
        } else {
            -COUNTRY_MISMATCH_PENALTY
        };
        (
            adj,
            Some(Reason::Country {
                query: c.to_string(),
                entry: entry.countries.clone(),
                adjustment: round4(adj),
            }),
        )
    }

    fn apply_cleared(
        &self,
        q: Option<&NormalizedName>,
        country: Option<&str>,
        hits: Vec<(f32, Hit)>,
    ) -> (Vec<Hit>, Vec<Hit>) {
        let key = q.map(NormalizedName::key).unwrap_or_default();
        let matching: Vec<&ClearedRec> = self
            .cleared
            .iter()
            .filter(|c| c.key == key && (c.country.is_none() || c.country.as_deref() == country))
            .collect();
        if matching.is_empty() {
            return (hits.into_iter().map(|h| h.1).collect(), Vec::new());
        }
        let mut kept = Vec::new();
        let mut suppressed = Vec::new();
        for (_, mut hit) in hits {
            let entry = self.entries.get(hit.entry.index);
            let clear = matching.iter().find(|c| match (&c.entry, &c.entry_key, entry) {
                (None, _, _) => true,
                (Some(num), Some(ekey), Some(e)) => {
                    e.entity_number.as_deref().map(str::trim) == Some(num.trim())
                        || e.all_names().any(|n| normalize(n).key() == *ekey)
                }
                _ => false,
            });
            match clear {
                Some(c) => {
                    hit.reasons.push(Reason::Cleared {
                        name: c.name.clone(),
                        note: c.note.clone(),
                        entry: c.entry.clone(),
                    });
                    suppressed.push(hit);
                }
                None => kept.push(hit),
            }
        }
        (kept, suppressed)
    }

    /// Scores two names against each other with this index's token weights.
    pub fn score_pair(&self, a: &str, b: &str) -> Result<PairScore, ScreenError> {
        validate_name(a)?;
        validate_name(b)?;
        let ev = |t: &str| {
            self.vocab
                .get(t)
                .and_then(|&id| self.org_ev.get(id as usize))
                .copied()
                .unwrap_or(0.0)
        };
        Ok(score_pair_with(a, b, |t, k| self.weight_of(t, k), ev, true))
    }
}

/// Which entries may be named by part of their name: those the list types as anything but an
/// individual, and untyped ones whose words are, on the list's typed names, more often
/// organisations' words than individuals' ([`org_evidence`] summed over the entry's distinct
/// words; no evidence either way allows it). Also returns each vocabulary token's evidence.
fn partial_entries(
    entries: &[ListEntry],
    norm: &[(u32, u32, NormalizedName)],
    rec_tids: &[Vec<u32>],
    vocab: usize,
) -> (Vec<bool>, Vec<f32>) {
    let mut n_org = vec![0u32; vocab];
    let mut n_ind = vec![0u32; vocab];
    let (mut tot_org, mut tot_ind) = (0u32, 0u32);
    for ((ei, _, _), tids) in norm.iter().zip(rec_tids) {
        let (count, tot) = match entries.get(*ei as usize).and_then(|e| e.entity_type.as_deref()) {
            None => continue,
            Some("Individual") => (&mut n_ind, &mut tot_ind),
            Some(_) => (&mut n_org, &mut tot_org),
        };
        *tot += 1;
        for &t in tids {
            if let Some(c) = count.get_mut(t as usize) {
                *c += 1;
            }
        }
    }
    let token_ev: Vec<f32> = n_org
        .iter()
        .zip(&n_ind)
        .map(|(&o, &i)| org_evidence(o, i, tot_org, tot_ind))
        .collect();
    // Each distinct word of an entry (over all its names) counts once: `seen[t]` holds the
    // last entry (plus one) that counted word `t`.
    let mut evidence = vec![0.0f32; entries.len()];
    let mut seen = vec![0u32; vocab];
    for ((ei, _, _), tids) in norm.iter().zip(rec_tids) {
        for &t in tids {
            let Some(s) = seen.get_mut(t as usize) else {
                continue;
            };
            if *s == *ei + 1 {
                continue;
            }
            *s = *ei + 1;
            if let Some(e) = evidence.get_mut(*ei as usize) {
                *e += token_ev.get(t as usize).copied().unwrap_or(0.0);
            }
        }
    }
    let partial = entries
        .iter()
        .zip(&evidence)
        .map(|(e, &ev)| match e.entity_type.as_deref() {
            Some("Individual") => false,
            Some(_) => true,
            None => ev >= 0.0,
        })
        .collect();
    (partial, token_ev)
}

/// Whether a list-side name of unknown type may be named in part: the evidence of its
/// distinct words (over all its readings) for an organisation's name is not negative.
pub(crate) fn may_be_named_in_part(variants: &[NormalizedName], evidence: impl Fn(&str) -> f32) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    let mut sum = 0.0f32;
    for v in variants {
        for t in &v.tokens {
            if !seen.contains(&t.text.as_str()) {
                seen.push(&t.text);
                sum += evidence(&t.text);
            }
        }
    }
    sum >= 0.0
}

/// Scores two names with a weight function, trying every reading of each.
///
/// `b` is the list side: it may be named in part (see [`crate::scoring`]) unless its words
/// are, by `evidence` ([`org_evidence`] of each word), an individual's.
pub(crate) fn score_pair_with(
    a: &str,
    b: &str,
    weight: impl Fn(&str, TokenKind) -> (f32, f32),
    evidence: impl Fn(&str) -> f32,
    reasons: bool,
) -> PairScore {
    let va = normalize_variants(a);
    let vb = normalize_variants(b);
    let partial = may_be_named_in_part(&vb, evidence);
    let pa: Vec<Prepared> = va.iter().map(|x| prepare(x, &weight).with_joined()).collect();
    let pb: Vec<Prepared> = vb.iter().map(|y| prepare(y, &weight)).collect();
    let mut best: Option<(f32, usize, usize, Alignment)> = None;
    for (i, px) in pa.iter().enumerate() {
        for (j, py) in pb.iter().enumerate() {
            let al = align(px, py, partial);
            if best.as_ref().map(|b| al.score > b.0).unwrap_or(true) {
                best = Some((al.score, i, j, al));
            }
        }
    }
    let Some((s, i, j, al)) = best else {
        return PairScore {
            score: 0.0,
            is_match: false,
            reasons: Vec::new(),
        };
    };
    let reasons = match (reasons, va.get(i), pa.get(i), pb.get(j)) {
        (true, Some(x), Some(px), Some(py)) => explain(x, px, py, &al),
        _ => Vec::new(),
    };
    let score = round4(s);
    PairScore {
        score,
        is_match: score >= DEFAULT_THRESHOLD,
        reasons,
    }
}

fn mask_tokens(toks: &[PTok], mask: u64) -> (String, f32) {
    let mut s = String::new();
    let mut w = 0.0;
    let mut m = mask;
    while m != 0 {
        let i = m.trailing_zeros() as usize;
        if let Some(t) = toks.get(i) {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&t.text);
            w += t.weight;
        }
        m &= m - 1;
    }
    (s, w)
}

/// Reasons of an alignment.
fn explain(qn: &NormalizedName, q: &Prepared, c: &Prepared, al: &Alignment) -> Vec<Reason> {
    let mut out = Vec::new();
    if qn.reordered {
        out.push(Reason::Reordered { normalized: qn.key() });
    }
    if !qn.transliterated.is_empty() {
        out.push(Reason::Transliterated {
            scripts: qn.transliterated.clone(),
            reading: if qn.reading.is_empty() && qn.transliterated.contains(&crate::normalize::Script::Han) {
                "pinyin".to_string()
            } else {
                qn.reading.to_string()
            },
            normalized: qn.key(),
        });
    }
    let total = (q.total + c.total).max(1e-6);
    let mut used_q = 0u64;
    let mut used_c = 0u64;
    for l in &al.links {
        used_q |= l.qmask;
        used_c |= l.cmask;
        let (qs, qw) = mask_tokens(&q.toks, l.qmask);
        let (cs, cw) = mask_tokens(&c.toks, l.cmask);
        out.push(Reason::TokenMatch {
            query: qs,
            list: cs,
            method: l.how,
            similarity: round4(l.sim),
            weight: round4((qw + cw) / total),
        });
    }
    for (i, t) in q.toks.iter().enumerate().take(63) {
        if used_q & (1 << i) == 0 {
            out.push(Reason::QueryTokenUnmatched {
                token: t.text.to_string(),
                weight: round4(t.weight / q.total.max(1e-6)),
            });
        }
    }
    for (j, t) in c.toks.iter().enumerate().take(63) {
        if used_c & (1 << j) == 0 {
            out.push(Reason::ListTokenUnmatched {
                token: t.text.to_string(),
                weight: round4(t.weight / c.total.max(1e-6)),
            });
        }
    }
    if al.conflict > 0.0 {
        out.push(Reason::Conflict {
            penalty: round4(al.conflict),
        });
    }
    if let Some(left_out) = al.partial {
        out.push(Reason::PartialName {
            information_left_out: round4(left_out),
        });
    }
    if al.weak {
        out.push(Reason::WeakEvidence {
            cap: round4(crate::scoring::WEAK_CAP),
        });
    }
    out
}

fn make_hit(index: usize, e: &ListEntry, alias: String, score: f32, reasons: Vec<Reason>) -> Hit {
    Hit {
        list: e.source_code.clone(),
        source: e.source.clone(),
        entry: HitEntry {
            index,
            name: e.name.clone(),
            entity_number: e.entity_number.clone(),
            entity_type: e.entity_type.clone(),
            countries: e.countries.clone(),
            programs: e.programs.clone(),
            source_url: e.source_url.clone(),
        },
        matched_alias: alias,
        score: round4(score),
        reasons,
        license_requirement: e.license_requirement.clone(),
        license_policy: e.license_policy.clone(),
        federal_register: e.federal_register.clone(),
        start_date: e.start_date.clone(),
        citation: e.citation.clone(),
        effect: e.effect.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn focus_postings_are_the_postings_of_the_focus_lists_only() {
        let index = ScreeningIndex::build(crate::bundled_csl().unwrap());
        let set = index.source_set(&["EL", "MEU"]);
        let index = index.with_focus(set);
        let focus = index.focus.as_ref().expect("prepared");
        let mut kept = 0;
        let mut dropped = 0;
        for tid in 0..u32::try_from(index.df.len()).unwrap() {
            let all = index.postings(tid);
            let want: Vec<u32> = all
                .iter()
                .copied()
                .filter(|&r| {
                    let entry = index.records[r as usize].entry as usize;
                    matches!(index.entries[entry].source_code.as_str(), "EL" | "MEU")
                })
                .collect();
            assert_eq!(focus.postings(tid), want.as_slice(), "token {tid}");
            kept += want.len();
            dropped += all.len() - want.len();
        }
        assert!(kept > 1_000 && dropped > kept, "{kept} kept, {dropped} dropped");
        // A relaxed search over other lists does not use these postings.
        assert!(set.covers(index.source_set(&["EL"])));
        assert!(!set.covers(index.source_set(&["EL", "SDN"])));
    }
}
