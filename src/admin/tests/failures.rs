//! When KV fails: a clear 503 to retry, and nothing half-written left behind.

use super::*;
use crate::ports::{KeyPage, KvStore, StoreError};

/// A KV whose writes under `failing_prefix` fail, like a KV outage for those keys.
struct FailingWrites<'a> {
    inner: &'a MemoryKv<'a>,
    failing_prefix: &'static str,
}

impl KvStore for FailingWrites<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        if key.starts_with(self.failing_prefix) {
            return Err(StoreError("KV PUT failed: 503 Service Unavailable".into()));
        }
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

fn send(kv: &impl KvStore, clock: &ManualClock, request: HttpRequest) -> (u16, Value) {
    let response = block_on(crate::admin::handle(&request, &config(), kv, clock));
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

#[test]
fn a_kv_outage_is_a_503_that_says_to_retry() {
    let clock = ManualClock::at_secs(T0);
    let memory = MemoryKv::new(&clock);
    let kv = FailingWrites {
        inner: &memory,
        failing_prefix: "",
    };
    let (status, body) = send(
        &kv,
        &clock,
        admin_request(
            "POST",
            "/api-tokens",
            Some(json!({"name": "ci", "all_accounts": true})),
        ),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("storage_unavailable"))
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("503 Service Unavailable") && message.contains("retry"),
        "{message}"
    );
}

#[test]
fn a_failed_server_write_leaves_no_index_entry_behind() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let kv = FailingWrites {
        inner: &world.kv,
        failing_prefix: "server:",
    };
    let request = admin_request(
        "POST",
        "/integrated-account/acme/mcp",
        Some(json!({"name": "x"})),
    );
    let (status, _) = send(&kv, &clock, request);
    assert_eq!(status, 503);
    assert_eq!(world.kv.keys(), ["account:acme"]);
    let kv = FailingWrites {
        inner: &world.kv,
        failing_prefix: "api-token:",
    };
    let (status, _) = send(
        &kv,
        &clock,
        admin_request(
            "POST",
            "/api-tokens",
            Some(json!({"name": "ci", "all_accounts": true})),
        ),
    );
    assert_eq!(status, 503);
    assert_eq!(world.kv.keys(), ["account:acme"]);
}
