//! When KV fails: a clear 503 to retry, and nothing half-written left behind.

use super::*;
use crate::ports::{FaultyKv, KvStore};

fn send(kv: &impl KvStore, clock: &ManualClock, request: HttpRequest) -> (u16, Value) {
    let response = block_on(crate::admin::handle(
        &request,
        &config(),
        kv,
        clock,
        &crate::ports::SqliteDb::migrated(),
    ));
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

#[test]
fn a_kv_outage_is_a_503_that_says_to_retry() {
    let clock = ManualClock::at_secs(T0);
    let memory = MemoryKv::new(&clock);
    let kv = FaultyKv::new(&memory)
        .failing_puts("")
        .with_error("KV PUT failed: 503 Service Unavailable");
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
    let kv = FaultyKv::new(&world.kv)
        .failing_puts("server:")
        .with_error("KV PUT failed: 503 Service Unavailable");
    let request = admin_request(
        "POST",
        "/integrated-account/acme/mcp",
        Some(json!({"name": "x"})),
    );
    let (status, _) = send(&kv, &clock, request);
    assert_eq!(status, 503);
    assert_eq!(world.kv.keys(), ["account:acme"]);
    let kv = FaultyKv::new(&world.kv)
        .failing_puts("api-token:")
        .with_error("KV PUT failed: 503 Service Unavailable");
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
