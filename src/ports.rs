//! The two ports business logic talks through (a key-value store with expiration and an
//! upstream HTTP sender) plus a clock, with in-memory implementations for native tests.
//! The worker implementations live in `shell`, the only module that names `worker::*`.

use crate::http::{HttpRequest, HttpResponse};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key-value store error: {}", self.0)
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamError {
    /// No answer within the allowed time.
    Timeout { after_ms: u64 },
    /// DNS, TLS, connection refused, ...
    Network(String),
    /// The answer's body passed the cap on what is read from ServiceNow.
    TooLarge { limit_bytes: usize },
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamError::Timeout { after_ms } => write!(f, "no answer within {after_ms} ms"),
            UpstreamError::Network(m) => write!(f, "network error: {m}"),
            UpstreamError::TooLarge { limit_bytes } => {
                write!(f, "answer larger than {limit_bytes} bytes")
            }
        }
    }
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

/// A clock tests set and advance by hand.
#[derive(Debug, Default)]
pub struct ManualClock(Cell<u64>);

impl ManualClock {
    pub fn at_secs(secs: u64) -> Self {
        ManualClock(Cell::new(secs * 1000))
    }
    pub fn advance_secs(&self, secs: u64) {
        self.0.set(self.0.get() + secs * 1000);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
}

/// In-memory KV honouring expiration against a shared clock, like KV's eventual purge
/// but immediate. Tests can read raw values with [`MemoryKv::raw`].
pub struct MemoryKv<'c> {
    entries: RefCell<BTreeMap<String, (String, Option<u64>)>>,
    clock: &'c dyn Clock,
    /// When true, expired keys are kept (models KV's purge lag) so code must check
    /// `expires_at` itself.
    pub lazy_purge: Cell<bool>,
}

impl<'c> MemoryKv<'c> {
    pub fn new(clock: &'c dyn Clock) -> Self {
        MemoryKv {
            entries: RefCell::new(BTreeMap::new()),
            clock,
            lazy_purge: Cell::new(false),
        }
    }

    /// The stored value and expiration, bypassing expiry: what an operator would see.
    pub fn raw(&self, key: &str) -> Option<(String, Option<u64>)> {
        self.entries.borrow().get(key).cloned()
    }

    pub fn keys(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }

    fn live(&self, expires_at: Option<u64>) -> bool {
        self.lazy_purge.get() || expires_at.is_none_or(|e| e > self.clock.now_secs())
    }
}

impl KvStore for MemoryKv<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let entries = self.entries.borrow();
        Ok(entries
            .get(key)
            .filter(|(_, exp)| self.live(*exp))
            .map(|(v, _)| v.clone()))
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        // Same floor as Workers KV, so tests catch a too-early expiration.
        if let Some(exp) = expires_at {
            if exp < self.clock.now_secs() + 60 {
                return Err(StoreError(format!(
                    "expiration {exp} is less than 60 seconds in the future"
                )));
            }
        }
        self.entries
            .borrow_mut()
            .insert(key.to_string(), (value.to_string(), expires_at));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, StoreError> {
        let entries = self.entries.borrow();
        let mut keys = entries
            .iter()
            .filter(|(k, (_, exp))| k.starts_with(prefix) && self.live(*exp))
            .map(|(k, _)| k.clone())
            .filter(|k| cursor.is_none_or(|c| k.as_str() > c));
        let page: Vec<String> = keys.by_ref().take(limit.max(1) as usize).collect();
        let more = keys.next().is_some();
        Ok(KeyPage {
            cursor: if more { page.last().cloned() } else { None },
            keys: page,
        })
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

/// A scripted upstream for native tests: answers from a queue and records every request.
#[derive(Default)]
pub struct ScriptedUpstream {
    pub responses: RefCell<Vec<Result<HttpResponse, UpstreamError>>>,
    pub requests: RefCell<Vec<HttpRequest>>,
}

impl ScriptedUpstream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues the next answer (answers are given in the order they were pushed).
    pub fn push(&self, response: Result<HttpResponse, UpstreamError>) -> &Self {
        self.responses.borrow_mut().push(response);
        self
    }

    pub fn push_json(&self, status: u16, body: serde_json::Value) -> &Self {
        self.push(Ok(HttpResponse::json(status, &body)))
    }
}

impl Upstream for ScriptedUpstream {
    async fn send(
        &self,
        request: HttpRequest,
        _timeout_ms: u64,
    ) -> Result<HttpResponse, UpstreamError> {
        self.requests.borrow_mut().push(request.clone());
        let mut queue = self.responses.borrow_mut();
        if queue.is_empty() {
            return Err(UpstreamError::Network(format!(
                "scripted upstream has no answer for {} {}",
                request.method, request.url
            )));
        }
        queue.remove(0)
    }
}

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

    /// Counts reads of the wrapped store.
    struct CountingKv<'c> {
        inner: MemoryKv<'c>,
        gets: Cell<u32>,
    }

    impl KvStore for CountingKv<'_> {
        async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.gets.set(self.gets.get() + 1);
            self.inner.get(key).await
        }
        async fn put(
            &self,
            key: &str,
            value: &str,
            expires_at: Option<u64>,
        ) -> Result<(), StoreError> {
            self.inner.put(key, value, expires_at).await
        }
        async fn delete(&self, key: &str) -> Result<(), StoreError> {
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

    #[test]
    fn request_kv_reads_a_key_once_and_sees_its_own_writes() {
        let clock = ManualClock::at_secs(0);
        let counting = CountingKv {
            inner: MemoryKv::new(&clock),
            gets: Cell::new(0),
        };
        block_on(counting.inner.put("a", "1", None)).unwrap();
        let kv = RequestKv::new(&counting);
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("1"));
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("1"));
        assert_eq!(block_on(kv.get("missing")).unwrap(), None);
        assert_eq!(block_on(kv.get("missing")).unwrap(), None);
        assert_eq!(counting.gets.get(), 2);
        block_on(kv.put("a", "2", None)).unwrap();
        assert_eq!(block_on(kv.get("a")).unwrap().as_deref(), Some("2"));
        block_on(kv.delete("a")).unwrap();
        assert_eq!(block_on(kv.get("a")).unwrap(), None);
        assert_eq!(counting.gets.get(), 2);
        assert_eq!(block_on(counting.inner.get("a")).unwrap(), None);
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
