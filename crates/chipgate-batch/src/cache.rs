//! A bounded memo shared by the workers: a sharded hash map, each shard cleared when full, with
//! hit and miss counts.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Hits and misses of a cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    /// Look-ups answered from the cache.
    pub hits: u64,
    /// Look-ups that had to compute.
    pub misses: u64,
    /// Times a shard was full and cleared.
    pub clears: u64,
}

impl CacheStats {
    /// Hits per look-up, 0 when there were none.
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

const SHARDS: usize = 16;

/// String-keyed memo of at most about `capacity` entries, shared by threads. Values are computed
/// outside the lock (two threads may compute the same value once each; both get equal values).
/// A full shard is cleared: order books repeat parties and routes heavily, so a clear costs
/// little and bounds memory.
#[derive(Debug)]
pub struct BoundedCache<V> {
    shards: Vec<Mutex<HashMap<Box<str>, V>>>,
    hasher: RandomState,
    per_shard: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    clears: AtomicU64,
}

impl<V: Clone> BoundedCache<V> {
    /// A cache of at most about `capacity` entries (0 disables it).
    pub fn new(capacity: usize) -> Self {
        BoundedCache {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            per_shard: capacity.div_ceil(SHARDS),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            clears: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &str) -> Option<&Mutex<HashMap<Box<str>, V>>> {
        let i = (self.hasher.hash_one(key) % SHARDS as u64) as usize;
        self.shards.get(i)
    }

    /// The value for `key`, computed by `make` on a miss. Errors are not cached.
    pub fn get_or_try<E>(&self, key: &str, make: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        let shard = self.shard(key).filter(|_| self.per_shard > 0);
        if let Some(found) = shard.and_then(|s| s.lock().ok()?.get(key).cloned()) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let v = make()?;
        if let Some(mut map) = shard.and_then(|s| s.lock().ok()) {
            if map.len() >= self.per_shard {
                map.clear();
                self.clears.fetch_add(1, Ordering::Relaxed);
            }
            map.insert(key.into(), v.clone());
        }
        Ok(v)
    }

    /// Counts so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            clears: self.clears.load(Ordering::Relaxed),
        }
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.shards.iter().filter_map(|s| s.lock().ok().map(|m| m.len())).sum()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn bounded_and_counted() {
        let c = BoundedCache::new(SHARDS * 2);
        let mut calls = 0;
        for k in ["a", "a", "b", "a"] {
            let v: Result<String, ()> = c.get_or_try(k, || {
                calls += 1;
                Ok(k.to_uppercase())
            });
            assert_eq!(v.unwrap(), k.to_uppercase());
        }
        assert_eq!(calls, 2);
        assert_eq!(c.stats().hits, 2);
        assert!(c.get_or_try("z", || Err::<String, _>("no")).is_err());
        for i in 0..1_000 {
            let _: Result<String, ()> = c.get_or_try(&i.to_string(), || Ok(String::new()));
        }
        assert!(c.len() <= SHARDS * 2);
        assert!(c.stats().clears > 0);
        let off = BoundedCache::new(0);
        let _: Result<u8, ()> = off.get_or_try("a", || Ok(1));
        let _: Result<u8, ()> = off.get_or_try("a", || Ok(1));
        assert_eq!((off.stats().hits, off.len()), (0, 0));
    }
}
