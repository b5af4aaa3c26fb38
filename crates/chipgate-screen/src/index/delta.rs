//! Re-screening after a list change against the changed entries only: which queries can
//! screen differently on the new snapshot than on the old one.
//!
//! A screening result is not a function of the hit entries alone: token weights come from the
//! whole list's document frequencies and size, candidates compete for a fixed number of
//! scoring slots (the best 64 estimates, the first 24 always scored), skeleton buckets are
//! capped, and which query words generate candidates at all depends on the vocabulary. So an
//! index of the changed entries alone does not give the hits the full index gives. Instead,
//! [`DeltaScreen`] compares the two indexes and answers, per query, whether the full screening
//! on the new index **can** differ from the one on the old; the caller screens those queries
//! on the full new index and keeps the others' stored results. That is exact, not an
//! approximation:
//!
//! 1. *Changed entries*: entries added or removed, entries whose content changed, entries
//!    whose position relative to the other unchanged entries moved (ties between candidates
//!    are broken by position), and entries whose "may be named in part" flag flipped (it
//!    comes from evidence summed over the whole list). *Re-weighted entries*: the other
//!    entries holding a token whose weight or information changed (compared bit for bit;
//!    both depend on the list only through the coarse grid of `scoring::coarse`, so a change
//!    of the list's size seldom moves them, but a rare word's frequency does).
//! 2. *Changed tokens* `T`: every token of a changed entry, old and new versions. A token
//!    outside `T` is held by the same entries, in the same order, in both indexes: its
//!    postings, document frequency, skeleton-bucket neighbours and their order are the same.
//! 3. A query *can differ* when one of its words has a changed weight; when the vocabulary
//!    it examines (the exact word, its one-edit neighbours, its phonetic and consonant
//!    skeleton buckets, split halves and joined pairs: everything
//!    `ScreeningIndex::candidates` looks up) meets `T` — or meets a capped skeleton bucket
//!    that holds a token of `T` —; when its text is a changed entry's number; or when it
//!    reaches a re-weighted entry's name that could become a candidate: the query weight
//!    its words can cover of that name (each word's weight times its best similarity to a
//!    word of the name, an upper bound of what the candidate search credits) reaches the
//!    search's lowest bound (`PRUNE_SLACK` below the threshold's coverage, or the
//!    partial-name share). Otherwise every record it touches is the same in both indexes,
//!    and those whose weights changed are pruned in both before scoring, so candidate
//!    generation, the top-64 cut, scoring and the hits are identical.
//!
//! The answer may be "can differ" for a query whose result does not change (it is screened
//! again, at the cost of one screening); it is never "cannot differ" for one whose result
//! changes. The property test `delta_finds_every_changed_result` checks it on random list
//! changes.

use std::collections::HashMap;

use super::{
    free_weight, min_cover_for, word_deletion_keys, HashTable, ScreenOptions, ScreeningIndex, MAX_ABJAD_BUCKET,
    MAX_BUCKET, MAX_DEL_LEN, MAX_JOINED_LEN,
};
use crate::hash::{del_hashes, FxHashMap};
use crate::model::{EntryId, ListEntry};
use crate::normalize::{normalize_variants, validate_name, TokenKind};
use crate::scoring::{letter_mask, prepare, tok_sim_ref, token_weights, PTok, NO_ID, PARTIAL_MIN_QUERY};

/// Every token class: a token's weight is compared for each (a text may be a name word in
/// one name and a legal form in another).
const KINDS: [TokenKind; 6] = [
    TokenKind::Word,
    TokenKind::LegalForm,
    TokenKind::Particle,
    TokenKind::Title,
    TokenKind::Initial,
    TokenKind::Number,
];

/// A set of tokens with the look-up keys the index builds for its name words, so that the
/// tokens a query word examines among them can be listed.
struct TokenSet {
    /// By text.
    exact: FxHashMap<Box<str>, Vec<u32>>,
    /// The tokens as each index knows them (class, script, skeletons).
    toks: Vec<PTok>,
    dels: HashTable,
    skel: FxHashMap<Box<str>, Vec<u32>>,
    wskel: FxHashMap<Box<str>, Vec<u32>>,
    /// Skeleton buckets longer than their cap in either index that hold one of the tokens:
    /// which of their tokens a query checks may differ.
    skel_capped: FxHashMap<Box<str>, ()>,
    wskel_capped: FxHashMap<Box<str>, ()>,
}

impl TokenSet {
    fn new(toks: Vec<PTok>, old: &ScreeningIndex, new: &ScreeningIndex) -> TokenSet {
        let mut exact: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut dels: Vec<(u64, u32)> = Vec::new();
        let mut skel: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut wskel: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut skel_capped: FxHashMap<Box<str>, ()> = FxHashMap::default();
        let mut wskel_capped: FxHashMap<Box<str>, ()> = FxHashMap::default();
        let bucket = |m: &FxHashMap<Box<str>, Vec<u32>>, k: &str| m.get(k).map_or(0, Vec::len);
        for (id, t) in toks.iter().enumerate() {
            let id = id as u32;
            exact.entry(t.text.clone()).or_default().push(id);
            if t.kind != TokenKind::Word {
                continue;
            }
            word_deletion_keys(t.text.as_bytes(), |key| dels.push((key, id)));
            if t.skel.len() >= 3 {
                skel.entry(t.skel.clone()).or_default().push(id);
                if bucket(&old.skel_map, &t.skel).max(bucket(&new.skel_map, &t.skel)) > MAX_BUCKET {
                    skel_capped.insert(t.skel.clone(), ());
                }
            }
            if !t.wskel.is_empty() {
                wskel.entry(t.wskel.clone()).or_default().push(id);
                let cap = wskel_cap(t.wskel.len());
                if bucket(&old.wskel_map, &t.wskel).max(bucket(&new.wskel_map, &t.wskel)) > cap {
                    wskel_capped.insert(t.wskel.clone(), ());
                }
            }
        }
        TokenSet {
            exact,
            toks,
            dels: HashTable::new(dels),
            skel,
            wskel,
            skel_capped,
            wskel_capped,
        }
    }

    fn contains(&self, text: &str) -> bool {
        self.exact.contains_key(text)
    }

    /// Calls `f(token, similarity)` for each token of the set that the query token examines
    /// (as `ScreeningIndex::similar_tokens_with` looks it up, without the buckets' caps) and
    /// that is similar to it; returns true when it reaches a capped bucket holding a token of
    /// the set (which of them the index examines may differ).
    fn similar(
        &self,
        q: &PTok,
        phonetic: bool,
        scratch: &mut (Vec<u32>, [u64; MAX_DEL_LEN + 1]),
        mut f: impl FnMut(u32, f32),
    ) -> bool {
        if let Some(ids) = self.exact.get(&*q.text) {
            for &id in ids {
                f(id, 1.0);
            }
        }
        if q.kind != TokenKind::Word {
            return false;
        }
        let qr = q.as_ref();
        let mut visit = |id: u32| {
            if let Some(v) = self.toks.get(id as usize) {
                if v.text != q.text {
                    let s = tok_sim_ref(&qr, &v.as_ref()).0;
                    if s > 0.0 {
                        f(id, s);
                    }
                }
            }
        };
        let b = q.text.as_bytes();
        let (found, hs) = scratch;
        if (3..=MAX_DEL_LEN).contains(&b.len()) {
            let n = del_hashes(b, hs);
            found.clear();
            self.dels.lookup_many(hs.get(..n).unwrap_or(&[]), found);
            found.sort_unstable();
            found.dedup();
            for &id in found.iter() {
                visit(id);
            }
        }
        let mut capped = false;
        if phonetic && q.skel.len() >= 3 {
            capped |= self.skel_capped.contains_key(&q.skel);
            for &id in self.skel.get(&q.skel).map_or(&[][..], Vec::as_slice) {
                visit(id);
            }
        }
        if phonetic && q.script.vowels_unreliable() && !q.wskel.is_empty() {
            capped |= self.wskel_capped.contains_key(&q.wskel);
            for &id in self.wskel.get(&q.wskel).map_or(&[][..], Vec::as_slice) {
                visit(id);
            }
        }
        capped
    }
}

/// One item of a query's candidate search (as `ScreeningIndex::candidates` forms them): a
/// token (a query word, a joined pair), its weight, and whether the phonetic buckets are
/// looked up; or a split half (`half` true), looked up exactly.
struct Item {
    tok: PTok,
    weight: f32,
    phonetic: bool,
    half: bool,
}

/// What a list change means for screening: the changed entries and tokens and the
/// re-weighted entries, indexed so that a query can be checked against them
/// ([`DeltaScreen::may_differ`]).
pub struct DeltaScreen<'a> {
    new: &'a ScreeningIndex,
    /// Entries of the new snapshot that are changed or re-weighted.
    affected: usize,
    /// Entries of the old snapshot without an unaffected counterpart.
    affected_old: usize,
    /// The indexes differ in a way this module does not analyse (their cleared-party lists):
    /// every query may differ.
    everything: bool,
    /// Tokens whose (weight, information) differ, with the classes they differ for.
    reweighted: FxHashMap<Box<str>, Vec<TokenKind>>,
    /// The changed tokens `T`.
    changed: TokenSet,
    /// The tokens of re-weighted entries' names, and for each the names (indexes into
    /// `weak_names`) holding it.
    weak: TokenSet,
    weak_post: Vec<Vec<u32>>,
    weak_names: usize,
    /// Changed entries' own numbers (a query equal to one hits it).
    numbers: FxHashMap<String, ()>,
    /// Changed entries' identifiers ([`EntryId::normalized`]).
    ids: FxHashMap<String, ()>,
}

/// Cap of a consonant-skeleton bucket for a skeleton of `len` bytes (as
/// `ScreeningIndex::similar_tokens` applies it).
fn wskel_cap(len: usize) -> usize {
    match len {
        1 => MAX_ABJAD_BUCKET / 3,
        2 => MAX_ABJAD_BUCKET,
        _ => MAX_ABJAD_BUCKET * 4,
    }
}

/// Positions (in `seq`) of one longest strictly increasing subsequence.
fn longest_increasing(seq: &[usize]) -> Vec<usize> {
    // tails[k]: position in `seq` of the smallest tail of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (i, &x) in seq.iter().enumerate() {
        let k = tails.partition_point(|&t| seq.get(t).is_some_and(|&v| v < x));
        if k > 0 {
            prev[i] = tails.get(k - 1).copied();
        }
        if k == tails.len() {
            tails.push(i);
        } else if let Some(t) = tails.get_mut(k) {
            *t = i;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(i) = at {
        out.push(i);
        at = prev.get(i).copied().flatten();
    }
    out.reverse();
    out
}

impl ScreeningIndex {
    /// Whether each entry may be named in part (from its records; `None` without records).
    fn entry_partial(&self) -> Vec<Option<bool>> {
        let mut out = vec![None; self.entries.len()];
        for r in &self.records {
            if let Some(slot) = out.get_mut(r.entry as usize) {
                *slot = Some(r.partial);
            }
        }
        out
    }

    /// The vocabulary token `id` as a prepared token (class, script, skeletons, letter set).
    fn vocab_token(&self, id: u32) -> Option<PTok> {
        let m = self.vmeta.get(id as usize)?;
        let t = m.tok(&self.vtext)?;
        Some(PTok {
            text: t.text.into(),
            skel: t.skel.into(),
            wskel: t.wskel.into(),
            kind: t.kind,
            script: t.script,
            weight: 0.0,
            info: 0.0,
            mask: t.mask,
            id: NO_ID,
        })
    }
}

/// What an entry is to the change.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Same,
    Reweighted,
    Changed,
}

impl<'a> DeltaScreen<'a> {
    /// Compares the index of the old snapshot with that of the new one.
    pub fn new(old: &ScreeningIndex, new: &'a ScreeningIndex) -> DeltaScreen<'a> {
        let everything = !old.cleared.is_empty() || !new.cleared.is_empty();
        // 1. Pair equal entries (the k-th copy of an entry with the k-th copy: a list may
        // hold the same entry twice).
        let mut by_content: HashMap<&ListEntry, (Vec<usize>, Vec<usize>)> = HashMap::new();
        for (i, e) in old.entries.iter().enumerate() {
            by_content.entry(e).or_default().0.push(i);
        }
        for (j, e) in new.entries.iter().enumerate() {
            by_content.entry(e).or_default().1.push(j);
        }
        let mut pairs: Vec<(usize, usize)> = by_content
            .values()
            .flat_map(|(a, b)| a.iter().copied().zip(b.iter().copied()))
            .collect();
        pairs.sort_unstable_by_key(|&(_, j)| j);
        // 2. Pairs out of relative order are changed.
        let olds: Vec<usize> = pairs.iter().map(|&(i, _)| i).collect();
        let mut in_order = vec![false; pairs.len()];
        for k in longest_increasing(&olds) {
            if let Some(s) = in_order.get_mut(k) {
                *s = true;
            }
        }
        // 3. Tokens whose weight or information changed.
        let (n_old, n_new) = (old.records.len() as u32, new.records.len() as u32);
        let mut reweighted: FxHashMap<Box<str>, Vec<TokenKind>> = FxHashMap::default();
        let differs = |a: u32, b: u32| -> Vec<TokenKind> {
            KINDS
                .iter()
                .copied()
                .filter(|&k| {
                    let (wa, ia) = token_weights(k, a, n_old);
                    let (wb, ib) = token_weights(k, b, n_new);
                    wa.to_bits() != wb.to_bits() || ia.to_bits() != ib.to_bits()
                })
                .collect()
        };
        for t in old.vocab.keys() {
            let kinds = differs(old.token_frequency(t), new.token_frequency(t));
            if !kinds.is_empty() {
                reweighted.insert(t.clone(), kinds);
            }
        }
        for t in new.vocab.keys() {
            if !old.vocab.contains_key(t) {
                let kinds = differs(0, new.token_frequency(t));
                if !kinds.is_empty() {
                    reweighted.insert(t.clone(), kinds);
                }
            }
        }
        // An entry is re-weighted when one of its names holds a re-weighted token in a class
        // whose weight changed (the prepared name carries each token's class).
        let holds_reweighted = |ix: &ScreeningIndex| -> Vec<bool> {
            let mut out = vec![false; ix.entries.len()];
            for r in &ix.records {
                let hit = r
                    .name
                    .toks
                    .iter()
                    .any(|t| reweighted.get(&t.text).is_some_and(|k| k.contains(&t.kind)));
                if hit {
                    if let Some(s) = out.get_mut(r.entry as usize) {
                        *s = true;
                    }
                }
            }
            out
        };
        let (rw_old, rw_new) = (holds_reweighted(old), holds_reweighted(new));
        let (part_old, part_new) = (old.entry_partial(), new.entry_partial());
        // 4. Each entry's fate: changed unless paired; a pair is changed when moved or its
        // partial flag flipped, re-weighted when it holds a re-weighted token.
        let mut fate_old = vec![Fate::Changed; old.entries.len()];
        let mut fate_new = vec![Fate::Changed; new.entries.len()];
        for (k, &(i, j)) in pairs.iter().enumerate() {
            let moved = !in_order.get(k).copied().unwrap_or(false);
            let flipped = part_old.get(i) != part_new.get(j);
            let rw = rw_old.get(i).copied().unwrap_or(true) || rw_new.get(j).copied().unwrap_or(true);
            let fate = if moved || flipped {
                Fate::Changed
            } else if rw {
                Fate::Reweighted
            } else {
                Fate::Same
            };
            if let Some(s) = fate_old.get_mut(i) {
                *s = fate;
            }
            if let Some(s) = fate_new.get_mut(j) {
                *s = fate;
            }
        }
        // 5. The changed tokens (every token of a changed entry, as each index knows it),
        // and the re-weighted entries' names (from the new index: a pair's names are equal).
        let mut changed: Vec<PTok> = Vec::new();
        let mut numbers: FxHashMap<String, ()> = FxHashMap::default();
        let mut ids: FxHashMap<String, ()> = FxHashMap::default();
        for (ix, fate) in [(old, &fate_old), (new, &fate_new)] {
            let mut seen = vec![false; ix.df.len()];
            for r in &ix.records {
                if fate.get(r.entry as usize) != Some(&Fate::Changed) {
                    continue;
                }
                for &t in r.tids.iter() {
                    match seen.get_mut(t as usize) {
                        Some(s) if !*s => *s = true,
                        _ => continue,
                    }
                    changed.extend(ix.vocab_token(t));
                }
            }
            for (e, _) in ix.entries.iter().zip(fate.iter()).filter(|(_, f)| **f == Fate::Changed) {
                if let Some(num) = &e.entity_number {
                    numbers.insert(num.trim().to_ascii_uppercase(), ());
                    // `find_id` also finds an entry by its own number (except an own list's).
                    ids.insert(EntryId::normalized(num), ());
                }
                for id in &e.ids {
                    ids.insert(EntryId::normalized(&id.number), ());
                }
            }
        }
        let mut weak_toks: Vec<PTok> = Vec::new();
        let mut weak_post: Vec<Vec<u32>> = Vec::new();
        let mut weak_id: Vec<Option<u32>> = vec![None; new.df.len()];
        let mut weak_names = 0u32;
        for r in &new.records {
            if fate_new.get(r.entry as usize) != Some(&Fate::Reweighted) {
                continue;
            }
            for &t in r.tids.iter() {
                let Some(slot) = weak_id.get_mut(t as usize) else {
                    continue;
                };
                let local = match *slot {
                    Some(l) => l,
                    None => {
                        let Some(p) = new.vocab_token(t) else { continue };
                        let l = weak_toks.len() as u32;
                        weak_toks.push(p);
                        weak_post.push(Vec::new());
                        *slot = Some(l);
                        l
                    }
                };
                if let Some(post) = weak_post.get_mut(local as usize) {
                    post.push(weak_names);
                }
            }
            weak_names += 1;
        }
        DeltaScreen {
            new,
            affected: fate_new.iter().filter(|f| **f != Fate::Same).count(),
            affected_old: fate_old.iter().filter(|f| **f != Fate::Same).count(),
            everything,
            reweighted,
            changed: TokenSet::new(changed, old, new),
            weak: TokenSet::new(weak_toks, old, new),
            weak_post,
            weak_names: weak_names as usize,
            numbers,
            ids,
        }
    }

    /// Entries of the new snapshot whose hits may differ from the old snapshot's (added,
    /// changed, moved, or holding a re-weighted word).
    pub fn affected_entries(&self) -> usize {
        if self.everything {
            self.new.entries.len()
        } else {
            self.affected
        }
    }

    /// Entries of the old snapshot without an unaffected counterpart in the new one (removed,
    /// changed, moved, re-weighted).
    pub fn affected_old_entries(&self) -> usize {
        self.affected_old
    }

    /// Entries of the new snapshot.
    pub fn entries(&self) -> usize {
        self.new.entries.len()
    }

    /// Words whose weight or information differs between the two snapshots.
    pub fn reweighted_tokens(&self) -> usize {
        self.reweighted.len()
    }

    /// Whether screening `name` (any country) with `options` on the new index can give other
    /// hits than on the old one. `false` means the hits are identical: same entries, scores
    /// and matched names.
    pub fn may_differ(&self, name: &str, options: &ScreenOptions) -> bool {
        if self.everything || validate_name(name).is_err() {
            return true;
        }
        if self.numbers.contains_key(&name.trim().to_ascii_uppercase()) {
            return true;
        }
        let lowest = options
            .relaxed
            .map_or(options.threshold, |r| r.threshold.min(options.threshold));
        let mut scratch = (Vec::new(), [0u64; MAX_DEL_LEN + 1]);
        let mut cover: FxHashMap<u32, f32> = FxHashMap::default();
        let mut best: FxHashMap<u32, f32> = FxHashMap::default();
        for v in normalize_variants(name) {
            if v.tokens.is_empty() {
                continue;
            }
            let q = prepare(&v, |t, k| self.new.weight_of(t, k));
            if q.toks
                .iter()
                .any(|t| self.reweighted.get(&t.text).is_some_and(|k| k.contains(&t.kind)))
            {
                return true;
            }
            // A word's split halves are looked up only when the index has no word similar
            // to it; a word the new index holds that is not a changed token is in both
            // indexes, so its halves are looked up in neither.
            let items = items(&q, |t| self.new.vocab.contains_key(t) && !self.changed.contains(t));
            cover.clear();
            for item in &items {
                if item.half {
                    if self.changed.contains(&item.tok.text) {
                        return true;
                    }
                } else {
                    let mut hit = false;
                    if self
                        .changed
                        .similar(&item.tok, item.phonetic, &mut scratch, |_, _| hit = true)
                    {
                        return true;
                    }
                    if hit {
                        return true;
                    }
                }
                // The re-weighted names this item can credit, each with its best similarity.
                best.clear();
                let capped = self
                    .weak
                    .similar(&item.tok, item.phonetic && !item.half, &mut scratch, |id, s| {
                        let s = if item.half { 1.0 } else { s };
                        for &n in self.weak_post.get(id as usize).map_or(&[][..], Vec::as_slice) {
                            let b = best.entry(n).or_insert(0.0);
                            *b = b.max(s);
                        }
                    });
                // A capped bucket of re-weighted words does not matter: the bound assumes
                // every word of it is examined.
                let _ = capped;
                for (&n, &s) in &best {
                    *cover.entry(n).or_insert(0.0) += item.weight * s;
                }
            }
            if cover.is_empty() {
                continue;
            }
            // The bound of `ScreeningIndex::candidates`: a name is kept when the covered
            // query weight (with the words that generate no candidates counted as matched)
            // reaches the lowest threshold's coverage, or could make a partial name.
            let wq = q.total.max(1e-6);
            let free_w = free_weight(&q);
            let min_cover = min_cover_for(lowest, wq);
            for &raw in cover.values() {
                let acc = (raw.min(wq) + free_w).min(wq);
                // A margin for rounding: the search sums the same terms in another order.
                let acc = acc * (1.0 + 1e-4) + 1e-5;
                if acc >= min_cover || acc / wq >= PARTIAL_MIN_QUERY {
                    return true;
                }
            }
        }
        false
    }

    /// Number of re-weighted entries' names (for reports).
    pub fn reweighted_names(&self) -> usize {
        self.weak_names
    }

    /// Whether matching the identifier `id` exactly can differ (a changed entry gives it).
    pub fn id_may_differ(&self, id: &str) -> bool {
        self.everything || self.ids.contains_key(&EntryId::normalized(id))
    }
}

/// The items of a query's candidate search (`ScreeningIndex::candidates`): each query word
/// (every token when the query has no word; numbers always), its split halves (looked up when
/// the list has no word similar to it; here unless `known`, a superset), and adjacent pairs
/// written as one word.
fn items(q: &crate::scoring::Prepared, known: impl Fn(&str) -> bool) -> Vec<Item> {
    let has_word = q.toks.iter().any(|t| t.kind == TokenKind::Word);
    let mut out = Vec::new();
    for t in &q.toks {
        if has_word && !matches!(t.kind, TokenKind::Word | TokenKind::Number) {
            continue;
        }
        out.push(Item {
            tok: t.clone(),
            weight: t.weight,
            phonetic: true,
            half: false,
        });
        if t.text.len() >= 6 && !known(&t.text) {
            for k in 2..t.text.len() - 1 {
                for part in [t.text.get(..k), t.text.get(k..)].into_iter().flatten() {
                    out.push(Item {
                        tok: PTok {
                            text: part.into(),
                            ..t.clone()
                        },
                        weight: t.weight * 0.5,
                        phonetic: false,
                        half: true,
                    });
                }
            }
        }
    }
    for w in q.toks.windows(2) {
        let (x, y) = (&w[0], &w[1]);
        if matches!(x.kind, TokenKind::LegalForm | TokenKind::Number)
            || matches!(y.kind, TokenKind::LegalForm | TokenKind::Number)
            || x.text.len() + y.text.len() > MAX_JOINED_LEN
        {
            continue;
        }
        let joined = format!("{}{}", x.text, y.text);
        out.push(Item {
            tok: PTok {
                id: NO_ID,
                mask: letter_mask(&joined),
                skel: Box::from(""),
                wskel: Box::from(""),
                text: joined.into_boxed_str(),
                kind: TokenKind::Word,
                script: x.script,
                weight: x.weight + y.weight,
                info: x.info + y.info,
            },
            weight: x.weight + y.weight,
            phonetic: false,
            half: false,
        });
    }
    out
}
