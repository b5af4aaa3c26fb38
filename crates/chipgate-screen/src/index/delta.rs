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
//! 1. *Affected entries*: entries added or removed, entries whose content changed, entries
//!    whose position relative to the other unchanged entries moved (ties between candidates
//!    are broken by position), entries whose "may be named in part" flag flipped (it comes
//!    from evidence summed over the whole list), and entries holding a token whose weight or
//!    information changed (compared bit for bit; both depend on the list only through the
//!    coarse grid of `scoring::coarse`, so a small change usually leaves them identical).
//! 2. *Changed tokens* `T`: every token of an affected entry, old and new versions. A token
//!    outside `T` is held by unaffected entries only: its postings, document frequency,
//!    weight, skeleton-bucket neighbours and their order are the same in both indexes.
//! 3. A query *can differ* when one of its words has a changed weight, or when the
//!    vocabulary it examines (the exact word, its one-edit neighbours, its phonetic and
//!    consonant skeleton buckets, split halves and joined pairs: everything
//!    `ScreeningIndex::candidates` looks up) meets `T` — or meets a capped skeleton bucket
//!    that holds a token of `T` —, or its text is an affected entry's number. Otherwise
//!    every record it touches is unaffected, with the same weights, in the same relative
//!    order, so candidate generation, the top-64 cut, scoring and the hits are identical.
//!
//! The answer may be "can differ" for a query whose result does not change (it is screened
//! again, at the cost of one screening); it is never "cannot differ" for one whose result
//! changes. The property test `delta_finds_every_changed_result` checks it on random list
//! changes.

use std::collections::HashMap;

use super::{delete_positions, HashTable, ScreeningIndex, MAX_ABJAD_BUCKET, MAX_BUCKET, MAX_DEL_LEN, MAX_JOINED_LEN};
use crate::hash::{del_hash, del_hashes, FxHashMap};
use crate::model::{EntryId, ListEntry};
use crate::normalize::{normalize_variants, validate_name, TokenKind};
use crate::scoring::{letter_mask, prepare, tok_sim_ref, token_weights, PTok, NO_ID};

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

/// What a list change means for screening: the affected entries and the changed tokens,
/// indexed so that a query can be checked against them ([`DeltaScreen::may_differ`]).
pub struct DeltaScreen {
    /// Entries of the new snapshot that are affected (added, changed, moved, re-weighted).
    affected: usize,
    /// Entries of the old snapshot without an unaffected counterpart (removed, changed, ...).
    affected_old: usize,
    /// Entries of the new snapshot.
    entries: usize,
    /// The indexes differ in a way this module does not analyse (their cleared-party lists):
    /// every query may differ.
    everything: bool,
    /// Tokens whose (weight, information) differ for some class.
    reweighted: FxHashMap<Box<str>, ()>,
    /// The changed tokens `T`, by text.
    exact: FxHashMap<Box<str>, ()>,
    /// The changed tokens as each index knows them (class, script, skeletons).
    toks: Vec<PTok>,
    /// Deletion neighbourhood of the changed name words (as the index builds it).
    dels: HashTable,
    skel: FxHashMap<Box<str>, Vec<u32>>,
    wskel: FxHashMap<Box<str>, Vec<u32>>,
    /// Skeleton buckets longer than their cap in either index that hold a changed token:
    /// which of their tokens a query checks may differ.
    skel_capped: FxHashMap<Box<str>, ()>,
    wskel_capped: FxHashMap<Box<str>, ()>,
    /// Affected entries' own numbers (a query equal to one hits it).
    numbers: FxHashMap<String, ()>,
    /// Affected entries' identifiers ([`EntryId::normalized`]).
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

impl DeltaScreen {
    /// Compares the index of the old snapshot with that of the new one.
    pub fn new(old: &ScreeningIndex, new: &ScreeningIndex) -> DeltaScreen {
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
        // 2. Pairs out of relative order are affected.
        let olds: Vec<usize> = pairs.iter().map(|&(i, _)| i).collect();
        let mut in_order = vec![false; pairs.len()];
        for k in longest_increasing(&olds) {
            if let Some(s) = in_order.get_mut(k) {
                *s = true;
            }
        }
        // 3. Tokens whose weight or information changed.
        let (n_old, n_new) = (old.records.len() as u32, new.records.len() as u32);
        let df_in = |ix: &ScreeningIndex, t: &str| ix.token_frequency(t);
        let mut reweighted: FxHashMap<Box<str>, ()> = FxHashMap::default();
        let differs = |a: u32, b: u32| {
            KINDS.iter().any(|&k| {
                let (wa, ia) = token_weights(k, a, n_old);
                let (wb, ib) = token_weights(k, b, n_new);
                wa.to_bits() != wb.to_bits() || ia.to_bits() != ib.to_bits()
            })
        };
        for t in old.vocab.keys() {
            if differs(df_in(old, t), df_in(new, t)) {
                reweighted.insert(t.clone(), ());
            }
        }
        for t in new.vocab.keys() {
            if !old.vocab.contains_key(t) && differs(0, df_in(new, t)) {
                reweighted.insert(t.clone(), ());
            }
        }
        let holds_reweighted = |ix: &ScreeningIndex| -> Vec<bool> {
            let ids: Vec<bool> = {
                let mut v = vec![false; ix.df.len()];
                for t in reweighted.keys() {
                    if let Some(&id) = ix.vocab.get(t) {
                        if let Some(s) = v.get_mut(id as usize) {
                            *s = true;
                        }
                    }
                }
                v
            };
            let mut out = vec![false; ix.entries.len()];
            for r in &ix.records {
                if r.tids.iter().any(|&t| ids.get(t as usize).copied().unwrap_or(false)) {
                    if let Some(s) = out.get_mut(r.entry as usize) {
                        *s = true;
                    }
                }
            }
            out
        };
        let (rw_old, rw_new) = (holds_reweighted(old), holds_reweighted(new));
        let (part_old, part_new) = (old.entry_partial(), new.entry_partial());
        // 4. The affected entries on each side: all but the unaffected pairs.
        let mut aff_old = vec![true; old.entries.len()];
        let mut aff_new = vec![true; new.entries.len()];
        for (k, &(i, j)) in pairs.iter().enumerate() {
            let moved = !in_order.get(k).copied().unwrap_or(false);
            let flipped = part_old.get(i) != part_new.get(j);
            let rw = rw_old.get(i).copied().unwrap_or(true) || rw_new.get(j).copied().unwrap_or(true);
            if !(moved || flipped || rw) {
                if let Some(s) = aff_old.get_mut(i) {
                    *s = false;
                }
                if let Some(s) = aff_new.get_mut(j) {
                    *s = false;
                }
            }
        }
        // 5. The changed tokens: every token of an affected entry, as each index knows it.
        let mut exact: FxHashMap<Box<str>, ()> = FxHashMap::default();
        let mut toks: Vec<PTok> = Vec::new();
        let mut numbers: FxHashMap<String, ()> = FxHashMap::default();
        let mut ids: FxHashMap<String, ()> = FxHashMap::default();
        for (ix, aff) in [(old, &aff_old), (new, &aff_new)] {
            let mut seen = vec![false; ix.df.len()];
            for r in &ix.records {
                if !aff.get(r.entry as usize).copied().unwrap_or(true) {
                    continue;
                }
                for &t in r.tids.iter() {
                    match seen.get_mut(t as usize) {
                        Some(s) if !*s => *s = true,
                        _ => continue,
                    }
                    if let Some(p) = ix.vocab_token(t) {
                        exact.insert(p.text.clone(), ());
                        toks.push(p);
                    }
                }
            }
            for (e, _) in ix.entries.iter().zip(aff.iter()).filter(|(_, &a)| a) {
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
        // 6. Their look-up keys, as the index builds them for name words.
        let mut dels: Vec<(u64, u32)> = Vec::new();
        let mut skel: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut wskel: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut skel_capped: FxHashMap<Box<str>, ()> = FxHashMap::default();
        let mut wskel_capped: FxHashMap<Box<str>, ()> = FxHashMap::default();
        let bucket = |m: &FxHashMap<Box<str>, Vec<u32>>, k: &str| m.get(k).map_or(0, Vec::len);
        for (id, t) in toks.iter().enumerate() {
            if t.kind != TokenKind::Word {
                continue;
            }
            let id = id as u32;
            let b = t.text.as_bytes();
            if (3..=MAX_DEL_LEN).contains(&b.len()) {
                dels.push((del_hash(b, usize::MAX), id));
            }
            if (4..=MAX_DEL_LEN).contains(&b.len()) {
                for i in delete_positions(b) {
                    dels.push((del_hash(b, i), id));
                }
            }
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
        DeltaScreen {
            affected: aff_new.iter().filter(|&&a| a).count(),
            affected_old: aff_old.iter().filter(|&&a| a).count(),
            entries: new.entries.len(),
            everything,
            reweighted,
            exact,
            toks,
            dels: HashTable::new(dels),
            skel,
            wskel,
            skel_capped,
            wskel_capped,
            numbers,
            ids,
        }
    }

    /// Entries of the new snapshot whose hits may differ from the old snapshot's (added,
    /// changed, moved, or holding a re-weighted word).
    pub fn affected_entries(&self) -> usize {
        if self.everything {
            self.entries
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
        self.entries
    }

    /// Words whose weight or information differs between the two snapshots.
    pub fn reweighted_tokens(&self) -> usize {
        self.reweighted.len()
    }

    /// Whether screening `name` (any country, options as given to both indexes) on the new
    /// index can give other hits than on the old one. `false` means the hits are identical:
    /// same entries, scores and matched names.
    pub fn may_differ(&self, name: &str) -> bool {
        if self.everything || validate_name(name).is_err() {
            return true;
        }
        if self.numbers.contains_key(&name.trim().to_ascii_uppercase()) {
            return true;
        }
        let mut hs = [0u64; MAX_DEL_LEN + 1];
        let mut found: Vec<u32> = Vec::new();
        for v in normalize_variants(name) {
            if v.tokens.is_empty() {
                continue;
            }
            let q = prepare(&v, |_, _| (0.0, 0.0));
            if q.toks.iter().any(|t| self.reweighted.contains_key(&t.text)) {
                return true;
            }
            let has_word = q.toks.iter().any(|t| t.kind == TokenKind::Word);
            for t in &q.toks {
                if has_word && !matches!(t.kind, TokenKind::Word | TokenKind::Number) {
                    continue;
                }
                if self.reaches(t, true, &mut hs, &mut found) {
                    return true;
                }
                // A long word may be looked up as two list words written together.
                if t.text.len() >= 6 {
                    for k in 2..t.text.len() - 1 {
                        let (Some(a), Some(b)) = (t.text.get(..k), t.text.get(k..)) else {
                            continue;
                        };
                        if self.exact.contains_key(a) || self.exact.contains_key(b) {
                            return true;
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
                let jt = PTok {
                    id: NO_ID,
                    mask: letter_mask(&joined),
                    skel: Box::from(""),
                    wskel: Box::from(""),
                    text: joined.into_boxed_str(),
                    kind: TokenKind::Word,
                    script: x.script,
                    weight: 0.0,
                    info: 0.0,
                };
                if self.reaches(&jt, false, &mut hs, &mut found) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether matching the identifier `id` exactly can differ (an affected entry gives it).
    pub fn id_may_differ(&self, id: &str) -> bool {
        self.everything || self.ids.contains_key(&EntryId::normalized(id))
    }

    /// Whether the vocabulary a query token examines (as `ScreeningIndex::similar_tokens_with`
    /// looks it up) holds a changed token similar to it, or a capped bucket with one.
    fn reaches(&self, q: &PTok, phonetic: bool, hs: &mut [u64; MAX_DEL_LEN + 1], found: &mut Vec<u32>) -> bool {
        if self.exact.contains_key(&*q.text) {
            return true;
        }
        if q.kind != TokenKind::Word {
            return false;
        }
        let qr = q.as_ref();
        let similar = |id: &u32| {
            self.toks
                .get(*id as usize)
                .is_some_and(|v| tok_sim_ref(&qr, &v.as_ref()).0 > 0.0)
        };
        let b = q.text.as_bytes();
        if (3..=MAX_DEL_LEN).contains(&b.len()) {
            let n = del_hashes(b, hs);
            found.clear();
            self.dels.lookup_many(hs.get(..n).unwrap_or(&[]), found);
            if found.iter().any(similar) {
                return true;
            }
        }
        if phonetic && q.skel.len() >= 3 {
            if self.skel_capped.contains_key(&q.skel) {
                return true;
            }
            if self.skel.get(&q.skel).is_some_and(|v| v.iter().any(similar)) {
                return true;
            }
        }
        if phonetic && q.script.vowels_unreliable() && !q.wskel.is_empty() {
            if self.wskel_capped.contains_key(&q.wskel) {
                return true;
            }
            if self.wskel.get(&q.wskel).is_some_and(|v| v.iter().any(similar)) {
                return true;
            }
        }
        false
    }
}
