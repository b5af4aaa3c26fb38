//! A small, fast, non-cryptographic hasher (the Fx hash of rustc) for the index's maps.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fx hasher state.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// HashMap with the Fx hasher.
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// FNV-1a hash of `b` without the byte at `skip` (pass `usize::MAX` to hash all of it): the
/// key of the deletion-neighbourhood index, computed without building the shortened string.
pub(crate) fn del_hash(b: &[u8], skip: usize) -> u64 {
    let mut h: u64 = FNV_START;
    for (i, &c) in b.iter().enumerate() {
        if i != skip {
            h = fnv_step(h, c);
        }
    }
    fnv_mix(h)
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

#[inline]
fn fnv_step(h: u64, c: u8) -> u64 {
    (h ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// Final mix so that the high bits (used to bucket) depend on every byte.
#[inline]
fn fnv_mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// The keys a query word looks up in the deletion index, in order: [`del_hash`] of the whole
/// word, then of each deletion at the first byte of each run of equal bytes. Written to
/// `out` (the count is returned; `out` must have room for `b.len() + 1` of them, the rest are
/// dropped), sharing the hash of each prefix.
pub(crate) fn del_hashes(b: &[u8], out: &mut [u64]) -> usize {
    // Hash states of every prefix of b (at most 64 bytes; longer words hash each deletion
    // on its own).
    let mut pre = [0u64; 65];
    if b.len() >= pre.len() {
        let mut n = 0;
        let keys = std::iter::once(usize::MAX).chain((0..b.len()).filter(|&i| i == 0 || b[i] != b[i - 1]));
        for (slot, skip) in out.iter_mut().zip(keys) {
            *slot = del_hash(b, skip);
            n += 1;
        }
        return n;
    }
    let mut h = FNV_START;
    pre[0] = h;
    for (i, &c) in b.iter().enumerate() {
        h = fnv_step(h, c);
        pre[i + 1] = h;
    }
    let mut n = 0;
    if let Some(slot) = out.get_mut(0) {
        *slot = fnv_mix(h);
        n = 1;
    }
    for i in 0..b.len() {
        if i > 0 && b[i] == b[i - 1] {
            continue;
        }
        let mut h = pre[i];
        for &c in &b[i + 1..] {
            h = fnv_step(h, c);
        }
        let Some(slot) = out.get_mut(n) else {
            break;
        };
        *slot = fnv_mix(h);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::{del_hash, del_hashes};

    /// The shared-prefix keys equal [`del_hash`] of the whole word, then of each deletion at
    /// the first byte of each run of equal bytes.
    #[test]
    fn del_hashes_match_del_hash() {
        for w in [
            "abc",
            "mohammed",
            "aabbba",
            "xxxxxxxxxxxxxxxxxxxxxxxx",
            "vladimir",
            "a",
            "",
        ] {
            let b = w.as_bytes();
            let mut want = vec![del_hash(b, usize::MAX)];
            want.extend(
                (0..b.len())
                    .filter(|&i| i == 0 || b[i] != b[i - 1])
                    .map(|i| del_hash(b, i)),
            );
            let mut got = vec![0u64; b.len() + 1];
            let n = del_hashes(b, &mut got);
            got.truncate(n);
            assert_eq!(got, want, "{w}");
        }
        let long = "ab".repeat(40);
        let b = long.as_bytes();
        let mut want = vec![del_hash(b, usize::MAX)];
        want.extend((0..b.len()).map(|i| del_hash(b, i)));
        let mut got = vec![0u64; b.len() + 1];
        let n = del_hashes(b, &mut got);
        got.truncate(n);
        assert_eq!(got, want);
    }
}
