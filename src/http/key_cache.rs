//! A short-lived cache of resolved API keys, so that a busy client does not cost a database
//! round trip per request for its key. Only keys that resolved are kept (unknown keys would let
//! anyone fill the cache), by digest, never in clear. A revoked key keeps working for at most
//! the cache's time to live on each server.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Most keys kept; past it the cache starts over, which costs one lookup per key.
const MAX_ENTRIES: usize = 10_000;

/// What a key resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResolvedKey {
    /// The key's row id.
    pub(crate) key_id: i64,
    /// Its merchant.
    pub(crate) merchant_uid: String,
}

/// Resolved keys by SHA-256 digest.
pub struct KeyCache {
    ttl: Duration,
    entries: RwLock<HashMap<[u8; 32], (ResolvedKey, Instant)>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl KeyCache {
    /// A cache keeping entries for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The cached resolution of the key with this digest, if still fresh.
    pub(crate) fn get(&self, digest: &[u8; 32]) -> Option<ResolvedKey> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(digest)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(key, _)| key.clone())
    }

    /// Remembers a resolved key.
    pub(crate) fn put(&self, digest: [u8; 32], key: ResolvedKey) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, at)| at.elapsed() < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(digest, (key, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ResolvedKey {
        ResolvedKey {
            key_id: 1,
            merchant_uid: "mer_1".into(),
        }
    }

    #[test]
    fn keeps_resolved_keys_for_the_ttl() {
        let cache = KeyCache::new(Duration::from_secs(60));
        assert_eq!(cache.get(&[1; 32]), None);
        cache.put([1; 32], key());
        assert_eq!(cache.get(&[1; 32]), Some(key()));
        assert_eq!(cache.get(&[2; 32]), None);
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let cache = KeyCache::new(Duration::ZERO);
        cache.put([1; 32], key());
        assert_eq!(cache.get(&[1; 32]), None);
    }
}
