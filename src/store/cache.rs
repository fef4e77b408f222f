//! The isolate cache: server records and accounts read from KV are kept in the isolate's
//! memory for [`CACHE_TTL_MS`], so a burst of tool calls costs one KV read of each, not
//! two per call. Any write through the cached store (an admin write in this isolate)
//! drops everything. A server's `expires_at` is still checked on every request (by
//! `servers::belongs`), so expiry is exact; a revocation made in another isolate
//! reaches this one within the TTL plus KV's own propagation (up to 60 s).

use crate::ports::{KeyPage, KvStore, StoreError};
use std::cell::RefCell;
use std::collections::HashMap;

/// How long a cached read is served.
pub const CACHE_TTL_MS: u64 = 5_000;
/// Past this many entries the cache starts over (bounded memory whatever the traffic).
const MAX_ENTRIES: usize = 1_024;

/// Values read from KV (or their absence), with the time they were read.
#[derive(Default)]
pub struct IsolateCache {
    entries: RefCell<HashMap<String, (Option<String>, u64)>>,
}

impl IsolateCache {
    fn fresh(&self, key: &str, now_ms: u64) -> Option<Option<String>> {
        let entries = self.entries.borrow();
        let (value, read_at) = entries.get(key)?;
        (now_ms >= *read_at && now_ms - read_at < CACHE_TTL_MS).then(|| value.clone())
    }

    fn remember(&self, key: &str, value: Option<String>, now_ms: u64) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), (value, now_ms));
    }

    /// Forgets everything (after a write: a record or an account may have changed).
    pub fn clear(&self) {
        self.entries.borrow_mut().clear();
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Only what every MCP request reads: its server record and its account. OAuth tokens
/// and API tokens are read through (a revoked API token must stop at once).
fn cacheable(key: &str) -> bool {
    key.starts_with("server:") || key.starts_with("account:")
}

/// A KV store whose reads of server records and accounts go through an [`IsolateCache`].
pub struct CachedKv<'a, K> {
    inner: &'a K,
    cache: &'a IsolateCache,
    now_ms: u64,
}

impl<'a, K: KvStore> CachedKv<'a, K> {
    pub fn new(inner: &'a K, cache: &'a IsolateCache, now_ms: u64) -> Self {
        CachedKv {
            inner,
            cache,
            now_ms,
        }
    }
}

impl<K: KvStore> KvStore for CachedKv<'_, K> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        if !cacheable(key) {
            return self.inner.get(key).await;
        }
        if let Some(value) = self.cache.fresh(key, self.now_ms) {
            return Ok(value);
        }
        let value = self.inner.get(key).await?;
        self.cache.remember(key, value.clone(), self.now_ms);
        Ok(value)
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        self.cache.clear();
        self.inner.put(key, value, expires_at).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.cache.clear();
        self.inner.delete(key).await
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, StoreError> {
        self.inner.list(prefix, cursor, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{ManualClock, MemoryKv};
    use futures::executor::block_on;

    #[test]
    fn records_are_served_from_memory_until_the_ttl_or_a_write() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let cache = IsolateCache::default();
        block_on(kv.put("server:h", "one", None)).unwrap();
        let at = |ms: u64| CachedKv::new(&kv, &cache, 1_000_000 + ms);
        assert_eq!(
            block_on(at(0).get("server:h")).unwrap().as_deref(),
            Some("one")
        );
        // Changed behind the cache's back (another isolate): still the cached value...
        block_on(kv.put("server:h", "two", None)).unwrap();
        assert_eq!(
            block_on(at(CACHE_TTL_MS - 1).get("server:h"))
                .unwrap()
                .as_deref(),
            Some("one")
        );
        // ...until the TTL has passed.
        assert_eq!(
            block_on(at(CACHE_TTL_MS).get("server:h"))
                .unwrap()
                .as_deref(),
            Some("two")
        );
        // A write through the cache (this isolate's admin API) drops everything at once.
        block_on(at(CACHE_TTL_MS).delete("server:other")).unwrap();
        assert!(cache.is_empty());
        block_on(kv.delete("server:h")).unwrap();
        assert_eq!(
            block_on(at(CACHE_TTL_MS + 1).get("server:h")).unwrap(),
            None
        );
    }

    #[test]
    fn tokens_are_never_cached_and_the_cache_is_bounded() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let cache = IsolateCache::default();
        let cached = CachedKv::new(&kv, &cache, 0);
        block_on(kv.put("api-token:h", "live", None)).unwrap();
        assert_eq!(
            block_on(cached.get("api-token:h")).unwrap().as_deref(),
            Some("live")
        );
        block_on(kv.delete("api-token:h")).unwrap();
        assert_eq!(block_on(cached.get("api-token:h")).unwrap(), None);
        for i in 0..(MAX_ENTRIES * 3) {
            block_on(cached.get(&format!("account:{i}"))).unwrap();
        }
        assert!(cache.len() <= MAX_ENTRIES);
    }
}
