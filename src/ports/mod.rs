//! The ports business logic talks through (a key-value store with expiration, a SQL
//! database, an upstream HTTP sender) plus a clock. Their in-memory versions for native tests are in
//! `fakes` (compiled for tests and with the `test-fakes` feature only); the worker
//! implementations live in `shell`, the only module that names `worker::*`.

use crate::http::{HttpRequest, HttpResponse};
use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key-value store error: {0}")]
pub struct StoreError(pub String);

/// One page of keys from [`KvStore::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPage {
    pub keys: Vec<String>,
    /// Opaque; `None` when this is the last page.
    pub cursor: Option<String>,
}

/// Workers KV, reduced to what the product needs. Values are strings (JSON text).
// Workers run single-threaded, so futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait KvStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// `expires_at` is a UNIX time in seconds; KV purges the key some time after it.
    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, StoreError>;

    /// The parsed record an isolate cache holds for `key`: `Some(None)` when it knows the
    /// key is absent, `None` when it knows nothing, as for every store without such a
    /// cache (the default). Only the worker's `store::cache::CachedKv` has one.
    fn cached<T: Any>(&self, _key: &str) -> Option<Option<Rc<T>>> {
        None
    }

    /// Keeps a record parsed from `key` (or its absence) in the isolate cache, if any.
    fn remember<T: Any>(&self, _key: &str, _value: Option<Rc<T>>) {}
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// No answer within the allowed time.
    #[error("no answer within {after_ms} ms")]
    Timeout { after_ms: u64 },
    /// DNS, TLS, connection refused, ...
    #[error("network error: {0}")]
    Network(String),
    /// The answer's body passed the cap on what is read from ServiceNow.
    #[error("answer larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
}

/// Sends one HTTP request to ServiceNow. Never retries.
#[allow(async_fn_in_trait)]
pub trait Upstream {
    async fn send(
        &self,
        request: HttpRequest,
        timeout_ms: u64,
    ) -> Result<HttpResponse, UpstreamError>;
}

/// Wall-clock time, injected so expiry is testable.
pub trait Clock {
    fn now_ms(&self) -> u64;
    fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }
}

/// Remembers what one request read or wrote, so a key read twice in the same request
/// (the account: once to check a server is still live, once to open its credentials)
/// costs one KV read. Lives for one request only, so it never serves stale data longer
/// than KV's own consistency window.
pub struct RequestKv<'a, K> {
    inner: &'a K,
    seen: RefCell<BTreeMap<String, Option<String>>>,
}

impl<'a, K: KvStore> RequestKv<'a, K> {
    pub fn new(inner: &'a K) -> Self {
        RequestKv {
            inner,
            seen: RefCell::new(BTreeMap::new()),
        }
    }
}

impl<K: KvStore> KvStore for RequestKv<'_, K> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        if let Some(value) = self.seen.borrow().get(key) {
            return Ok(value.clone());
        }
        let value = self.inner.get(key).await?;
        self.seen
            .borrow_mut()
            .insert(key.to_string(), value.clone());
        Ok(value)
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        self.seen.borrow_mut().remove(key);
        self.inner.put(key, value, expires_at).await?;
        self.seen
            .borrow_mut()
            .insert(key.to_string(), Some(value.to_string()));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.seen.borrow_mut().remove(key);
        self.inner.delete(key).await?;
        self.seen.borrow_mut().insert(key.to_string(), None);
        Ok(())
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
        self.inner.cached(key)
    }

    fn remember<T: Any>(&self, key: &str, value: Option<Rc<T>>) {
        self.inner.remember(key, value)
    }
}

mod database;
pub use database::{query, Database, DbError, Rows, SqlValue, Statement, Unbound};

#[cfg(any(test, feature = "test-fakes"))]
mod fakes;
#[cfg(all(any(test, feature = "test-fakes"), not(target_arch = "wasm32")))]
mod sqlite;
#[cfg(any(test, feature = "test-fakes"))]
pub use fakes::{FaultyKv, ManualClock, MemoryKv, ScriptedUpstream};
#[cfg(all(any(test, feature = "test-fakes"), not(target_arch = "wasm32")))]
pub use sqlite::SqliteDb;

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn memory_kv_hides_expired_keys_unless_purge_is_lazy() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        block_on(kv.put("a", "1", Some(1_100))).unwrap();
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("1"));
        clock.advance_secs(200);
        assert_eq!(block_on(kv.get("a")).unwrap(), None);
        kv.lazy_purge.set(true);
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("1"));
    }

    #[test]
    fn memory_kv_refuses_expiration_under_60_seconds_like_workers_kv() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        assert!(block_on(kv.put("a", "1", Some(1_059))).is_err());
        assert!(block_on(kv.put("a", "1", Some(1_060))).is_ok());
    }

    #[test]
    fn request_kv_reads_a_key_once_and_sees_its_own_writes() {
        let clock = ManualClock::at_secs(0);
        let memory = MemoryKv::new(&clock);
        let counting = FaultyKv::new(&memory);
        block_on(memory.put("a", "1", None)).unwrap();
        let kv = RequestKv::new(&counting);
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("1"));
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("1"));
        assert_eq!(block_on(kv.get("missing")).unwrap(), None);
        assert_eq!(block_on(kv.get("missing")).unwrap(), None);
        assert_eq!(counting.take_reads().len(), 2);
        block_on(kv.put("a", "2", None)).unwrap();
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("2"));
        block_on(kv.delete("a")).unwrap();
        assert_eq!(block_on(kv.get("a")).unwrap(), None);
        assert_eq!(counting.take_reads().len(), 0);
        assert_eq!(block_on(memory.get("a")).unwrap(), None);
    }

    #[test]
    fn memory_kv_lists_by_prefix_in_pages() {
        let clock = ManualClock::at_secs(0);
        let kv = MemoryKv::new(&clock);
        for k in ["p:1", "p:2", "p:3", "q:1"] {
            block_on(kv.put(k, "v", None)).unwrap();
        }
        let first = block_on(kv.list("p:", None, 2)).unwrap();
        assert_eq!(first.keys, vec!["p:1", "p:2"]);
        let second = block_on(kv.list("p:", first.cursor.as_deref(), 2)).unwrap();
        assert_eq!(second.keys, vec!["p:3"]);
        assert_eq!(second.cursor, None);
    }
}
