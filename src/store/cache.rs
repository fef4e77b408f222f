//! The isolate cache: server records and accounts read from KV are kept in the isolate's
//! memory, parsed, for [`CACHE_TTL_MS`], so a burst of tool calls costs one KV read and
//! one parse of each, not one per call. Any write through the cached store (an admin
//! write in this isolate) drops everything. A server's `expires_at` is still checked on
//! every request (by `servers::belongs`), so expiry is exact; a revocation made in
//! another isolate reaches this one within the TTL plus KV's own propagation (up to 60 s).
//! Only what the MCP path reads goes through it (`KvStore::cached`/`remember`, used by
//! `store::servers` and `store::accounts`); plain reads (the admin API's) always go to KV.

use super::records::{IntegratedAccount, StoredAccount};
use crate::crypto::SealingKey;
use crate::ports::{KeyPage, KvStore, StoreError};
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How long a cached read is served.
pub const CACHE_TTL_MS: u64 = 5_000;
/// Past this many entries the cache starts over (bounded memory whatever the traffic).
const MAX_ENTRIES: usize = 1_024;

/// A parsed record (or the knowledge that there is none) and when it was read.
type Entry = (Option<Rc<dyn Any>>, u64);

/// Records read from KV, parsed (or their absence), with the time they were read.
#[derive(Default)]
pub struct IsolateCache {
    entries: RefCell<HashMap<String, Entry>>,
}

impl IsolateCache {
    fn fresh<T: Any>(&self, key: &str, now_ms: u64) -> Option<Option<Rc<T>>> {
        let entries = self.entries.borrow();
        let (value, read_at) = entries.get(key)?;
        if now_ms < *read_at || now_ms - read_at >= CACHE_TTL_MS {
            return None;
        }
        match value {
            None => Some(None),
            // A record of another type under the key would be a bug: read it again.
            Some(any) => Rc::clone(any).downcast::<T>().ok().map(Some),
        }
    }

    fn keep<T: Any>(&self, key: &str, value: Option<Rc<T>>, now_ms: u64) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let value = value.map(|v| v as Rc<dyn Any>);
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

/// A KV store with an [`IsolateCache`] of parsed server records and accounts: reads
/// pass through, the store module asks the cache first, and writes clear it.
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
        self.inner.get(key).await
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

    fn cached<T: Any>(&self, key: &str) -> Option<Option<Rc<T>>> {
        if !cacheable(key) {
            return None;
        }
        self.cache.fresh(key, self.now_ms)
    }

    fn remember<T: Any>(&self, key: &str, value: Option<Rc<T>>) {
        if cacheable(key) {
            self.cache.keep(key, value, self.now_ms);
        }
    }
}

/// Opened accounts kept per isolate, keyed by the account id, its sealed credentials and
/// the sealing keys' ids: any change to the stored account or the configured keys is a
/// different key, so nothing here can be stale; it only saves the decryption.
const MAX_OPENED: usize = 256;

thread_local! {
    static OPENED: RefCell<HashMap<String, IntegratedAccount>> = RefCell::new(HashMap::new());
}

/// `open(key, stored)`, or what it gave for the same sealed value and keys before.
pub fn opened(
    key: &SealingKey,
    stored: &StoredAccount,
    open: impl FnOnce(&SealingKey, &StoredAccount) -> Result<IntegratedAccount, super::StoreError>,
) -> Result<IntegratedAccount, super::StoreError> {
    let cache_key = format!(
        "{}\n{}\n{}\n{}\n{}",
        stored.id,
        stored.instance_url,
        stored.generation,
        key.fingerprint(),
        stored.auth_sealed
    );
    if let Some(account) = OPENED.with(|c| c.borrow().get(&cache_key).cloned()) {
        return Ok(account);
    }
    let account = open(key, stored)?;
    OPENED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_OPENED {
            c.clear();
        }
        c.insert(cache_key, account.clone());
    });
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{ManualClock, MemoryKv};
    use futures::executor::block_on;

    /// A record read as the MCP path reads it (parsed, through the cache if any).
    fn read(kv: &impl KvStore, key: &str) -> Option<String> {
        block_on(crate::store::read_cached::<_, String>(kv, key))
            .unwrap()
            .map(|value| (*value).clone())
    }

    #[test]
    fn records_are_served_from_memory_until_the_ttl_or_a_write() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let cache = IsolateCache::default();
        block_on(kv.put("server:h", r#""one""#, None)).unwrap();
        let at = |ms: u64| CachedKv::new(&kv, &cache, 1_000_000 + ms);
        assert_eq!(read(&at(0), "server:h").as_deref(), Some("one"));
        // Changed behind the cache's back (another isolate): still the cached value...
        block_on(kv.put("server:h", r#""two""#, None)).unwrap();
        assert_eq!(
            read(&at(CACHE_TTL_MS - 1), "server:h").as_deref(),
            Some("one")
        );
        // ...until the TTL has passed.
        assert_eq!(read(&at(CACHE_TTL_MS), "server:h").as_deref(), Some("two"));
        // A write through the cache (this isolate's admin API) drops everything at once.
        block_on(at(CACHE_TTL_MS).delete("server:other")).unwrap();
        assert!(cache.is_empty());
        block_on(kv.delete("server:h")).unwrap();
        assert_eq!(read(&at(CACHE_TTL_MS + 1), "server:h"), None);
        // Plain reads (the admin API's) always go to KV.
        block_on(kv.put("server:h", r#""three""#, None)).unwrap();
        assert_eq!(
            block_on(at(CACHE_TTL_MS + 2).get("server:h"))
                .unwrap()
                .as_deref(),
            Some(r#""three""#)
        );
    }

    #[test]
    fn tokens_are_never_cached_and_the_cache_is_bounded() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let cache = IsolateCache::default();
        let cached = CachedKv::new(&kv, &cache, 0);
        block_on(kv.put("api-token:h", r#""live""#, None)).unwrap();
        assert_eq!(read(&cached, "api-token:h").as_deref(), Some("live"));
        block_on(kv.delete("api-token:h")).unwrap();
        assert_eq!(read(&cached, "api-token:h"), None);
        for i in 0..(MAX_ENTRIES * 3) {
            read(&cached, &format!("account:{i}"));
        }
        assert!(cache.len() <= MAX_ENTRIES);
    }

    #[test]
    fn an_opened_account_is_reused_only_for_the_same_sealed_value_and_keys() {
        use crate::store::records::AccountAuth;
        let key = SealingKey::from_secret(&"ab".repeat(32)).unwrap();
        let other = SealingKey::from_secret(&"cd".repeat(32)).unwrap();
        let plain = r#"{"type":"bearer","token":"t-cache"}"#;
        let stored = StoredAccount {
            id: "cache-test".into(),
            instance_url: "https://c.service-now.com".into(),
            auth_type: "bearer".into(),
            auth_sealed: key.seal(plain, "account:cache-test").unwrap(),
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            generation: "gen_c".into(),
        };
        let calls = std::cell::Cell::new(0);
        let open = |k: &SealingKey, s: &StoredAccount| {
            calls.set(calls.get() + 1);
            crate::store::accounts::open(k, s)
        };
        let first = opened(&key, &stored, open).unwrap();
        assert_eq!(
            first.auth,
            AccountAuth::Bearer {
                token: "t-cache".into()
            }
        );
        assert_eq!(first.generation, "gen_c");
        let again = opened(&key, &stored, |_, _| unreachable!("served from the cache")).unwrap();
        assert_eq!(again, first);
        // Another key is another entry: it must still fail to open.
        assert!(opened(&other, &stored, open).is_err());
        let resealed = StoredAccount {
            auth_sealed: key
                .seal(r#"{"type":"bearer","token":"t-new"}"#, "account:cache-test")
                .unwrap(),
            ..stored
        };
        let changed = opened(&key, &resealed, open).unwrap();
        assert_eq!(
            changed.auth,
            AccountAuth::Bearer {
                token: "t-new".into()
            }
        );
        assert!(calls.get() >= 2);
    }
}
