//! A bounded cache of serialized determinations (`POST /v1/classify`, `/v1/decide`).
//!
//! Sound because determinations are pure: the engine's data (rules, catalog, countries,
//! license rules, list snapshot) is loaded once and never changes while the server runs
//! (the store's clearances do: a review action through the API reloads them and empties
//! the cache), and
//! the same inputs on the same date give byte-identical JSON (ARCHITECTURE.md). The key is the
//! whole request body, re-serialized with its date resolved (a request without a date is keyed
//! on today's date, so the cache never serves yesterday's "today"). Nothing that writes (order
//! checks, releases, licenses) is cached.
//!
//! Bounded: when it holds [`CAPACITY`] entries it is emptied and starts again (reports are
//! 5–50 KiB, so at most a few tens of MiB). Hits and misses are counted in `/metrics`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Bytes;

/// Most entries held.
pub const CAPACITY: usize = 1024;

/// The cache.
#[derive(Debug, Default)]
pub struct ReportCache {
    entries: Mutex<HashMap<String, Bytes>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ReportCache {
    /// The stored report for `key`, counting the hit or miss.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let found = self.entries.lock().ok().and_then(|e| e.get(key).cloned());
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Stores a report.
    pub fn insert(&self, key: String, report: Bytes) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, report);
        }
    }

    /// Drops every entry (the store's clearances changed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Hits and misses so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_hits_and_stays_bounded() {
        let cache = ReportCache::default();
        assert_eq!(cache.get("a"), None);
        cache.insert("a".into(), Bytes::from_static(b"{}"));
        assert_eq!(cache.get("a"), Some(Bytes::from_static(b"{}")));
        assert_eq!(cache.counts(), (1, 1));
        for i in 0..CAPACITY + 10 {
            cache.insert(format!("k{i}"), Bytes::new());
        }
        assert!(cache.len() <= CAPACITY);
    }
}
