//! In-memory versions of the ports for native tests (feature `test-fakes`, on for this
//! crate's own tests, integration tests and examples): a clock set by hand, a KV that
//! honours expiry against it, a KV wrapper that injects failures and logs reads, and a
//! scripted ServiceNow.

use super::{Clock, KeyPage, KvStore, StoreError, Upstream, UpstreamError};
use crate::http::{HttpRequest, HttpResponse};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A clock tests set and advance by hand. Clones share one time, so a test world can
/// hand one to the KV it owns and keep advancing it.
#[derive(Debug, Default, Clone)]
pub struct ManualClock(Rc<Cell<u64>>);

impl ManualClock {
    pub fn at_secs(secs: u64) -> Self {
        ManualClock(Rc::new(Cell::new(secs * 1000)))
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

/// The clock a [`MemoryKv`] reads: any clock it borrows, or a manual one it shares.
enum KvClock<'c> {
    Borrowed(&'c dyn Clock),
    Shared(ManualClock),
}

/// In-memory KV honouring expiration against a shared clock, like KV's eventual purge
/// but immediate. Tests can read raw values with [`MemoryKv::raw`].
pub struct MemoryKv<'c> {
    entries: RefCell<BTreeMap<String, (String, Option<u64>)>>,
    clock: KvClock<'c>,
    /// When true, expired keys are kept (models KV's purge lag) so code must check
    /// `expires_at` itself.
    pub lazy_purge: Cell<bool>,
}

impl<'c> MemoryKv<'c> {
    pub fn new(clock: &'c dyn Clock) -> Self {
        Self::with_clock(KvClock::Borrowed(clock))
    }

    fn with_clock(clock: KvClock<'c>) -> Self {
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

    fn now_secs(&self) -> u64 {
        match &self.clock {
            KvClock::Borrowed(clock) => clock.now_secs(),
            KvClock::Shared(clock) => clock.now_secs(),
        }
    }

    fn live(&self, expires_at: Option<u64>) -> bool {
        self.lazy_purge.get() || expires_at.is_none_or(|e| e > self.now_secs())
    }
}

impl MemoryKv<'static> {
    /// A KV that keeps (a handle to) `clock` itself, for a test world that owns both.
    pub fn sharing(clock: &ManualClock) -> Self {
        Self::with_clock(KvClock::Shared(clock.clone()))
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
            if exp < self.now_secs() + 60 {
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

/// A KV wrapper for tests: fails the operations named (on keys under a prefix) with an
/// error text an operator would see, and logs every key read, the one fault-injecting
/// store the tests share.
pub struct FaultyKv<'a, K> {
    inner: &'a K,
    failing_reads: Option<&'static str>,
    failing_puts: Option<&'static str>,
    failing_deletes: Option<&'static str>,
    error: String,
    reads: RefCell<Vec<String>>,
}

impl<'a, K: KvStore> FaultyKv<'a, K> {
    /// Passes everything through until told to fail.
    pub fn new(inner: &'a K) -> Self {
        FaultyKv {
            inner,
            failing_reads: None,
            failing_puts: None,
            failing_deletes: None,
            error: "KV unavailable: 503 Service Unavailable".into(),
            reads: RefCell::new(Vec::new()),
        }
    }

    /// Reads (get, list) of keys under `prefix` fail ("" for all).
    pub fn failing_reads(mut self, prefix: &'static str) -> Self {
        self.failing_reads = Some(prefix);
        self
    }

    /// Puts of keys under `prefix` fail ("" for all); deletes still work.
    pub fn failing_puts(mut self, prefix: &'static str) -> Self {
        self.failing_puts = Some(prefix);
        self
    }

    /// Deletes of keys under `prefix` fail ("" for all).
    pub fn failing_deletes(mut self, prefix: &'static str) -> Self {
        self.failing_deletes = Some(prefix);
        self
    }

    /// Every operation fails: the namespace is down.
    pub fn down(self) -> Self {
        self.failing_reads("").failing_puts("").failing_deletes("")
    }

    /// The error text a failed operation carries.
    pub fn with_error(mut self, error: &str) -> Self {
        self.error = error.to_string();
        self
    }

    /// The keys read since the last call, in order.
    pub fn take_reads(&self) -> Vec<String> {
        std::mem::take(&mut *self.reads.borrow_mut())
    }

    fn check(&self, failing: Option<&str>, key: &str) -> Result<(), StoreError> {
        match failing {
            Some(prefix) if key.starts_with(prefix) => Err(StoreError(self.error.clone())),
            _ => Ok(()),
        }
    }
}

impl<K: KvStore> KvStore for FaultyKv<'_, K> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.reads.borrow_mut().push(key.to_string());
        self.check(self.failing_reads, key)?;
        self.inner.get(key).await
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        self.check(self.failing_puts, key)?;
        self.inner.put(key, value, expires_at).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check(self.failing_deletes, key)?;
        self.inner.delete(key).await
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, StoreError> {
        self.check(self.failing_reads, prefix)?;
        self.inner.list(prefix, cursor, limit).await
    }
}
