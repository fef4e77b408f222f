//! When KV fails: a clear 503 to retry, and nothing half-written left behind.

use super::*;
use crate::ports::{FaultyKv, KvStore};

fn send_with(
    kv: &impl KvStore,
    clock: &ManualClock,
    db: &crate::ports::SqliteDb,
    request: HttpRequest,
) -> (u16, Value) {
    let response = block_on(crate::admin::handle(&request, &config(), kv, clock, db));
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

#[test]
fn a_kv_outage_leaves_the_record_saved_and_its_edge_copy_pending_for_the_reconcile() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let kv = FaultyKv::new(&world.kv)
        .failing_puts("")
        .with_error("KV PUT failed: 503 Service Unavailable");
    let (status, body) = send_with(
        &kv,
        &clock,
        &world.db,
        admin_request(
            "POST",
            "/api-tokens",
            Some(json!({"name": "ci", "all_accounts": true})),
        ),
    );
    assert_eq!(status, 201, "{body}");
    assert!(
        body["edge"].as_str().unwrap().starts_with("pending"),
        "{body}"
    );
    // The KV detail goes to the operator's log, never into the answer.
    assert!(!body.to_string().contains("503 Service Unavailable"));
    assert!(world.kv.keys().is_empty());
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        world.call("GET", &format!("/api-tokens/{id}"), None).status,
        200
    );
    let report = block_on(crate::records::reconcile::run(&world.db, &world.kv, T0)).unwrap();
    assert_eq!(report.tokens_repaired, 1, "{report:?}");
    assert_eq!(world.kv.keys().len(), 2, "the token and its id index");
}

#[test]
fn a_server_whose_kv_write_fails_is_saved_and_its_edge_copy_left_to_the_reconcile() {
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
    let (status, body) = send_with(&kv, &clock, &world.db, request);
    assert_eq!(status, 201, "{body}");
    assert!(
        body["edge"].as_str().unwrap().starts_with("pending"),
        "{body}"
    );
    // The record is in D1 (the system of record), its KV copy not yet.
    let id = body["id"].as_str().unwrap();
    let shown = world.call("GET", &format!("/integrated-account/acme/mcp/{id}"), None);
    assert_eq!(shown.status, 200);
    assert!(!world.kv.keys().iter().any(|k| k.starts_with("server:")));
    let report = block_on(crate::records::reconcile::run(&world.db, &world.kv, T0)).unwrap();
    assert_eq!(report.servers_repaired, 1, "{report:?}");
    assert!(world.kv.keys().iter().any(|k| k.starts_with("server:")));
    let again = block_on(crate::records::reconcile::run(&world.db, &world.kv, T0)).unwrap();
    assert_eq!(again.servers_repaired, 0, "repaired once");
    let keys_before = world.kv.keys();
    world.db.set_down(true);
    let (status, body) = send_with(
        &world.kv,
        &clock,
        &world.db,
        admin_request(
            "POST",
            "/api-tokens",
            Some(json!({"name": "ci", "all_accounts": true})),
        ),
    );
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");
    assert_eq!(
        world.kv.keys(),
        keys_before,
        "D1 down: nothing half-written"
    );
}
