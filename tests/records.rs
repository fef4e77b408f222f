//! D1 as the system of record, natively over the whole router (SQLite as D1): versions
//! and conflicts, a D1 outage, KV repaired and expired servers purged by the cron job's
//! reconcile, revocation tombstones, listings, and the import of a KV-only deployment.

// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use futures::executor::block_on;
use futures::future::LocalBoxFuture;
use serde_json::{json, Value};
use servicenow_mcp::http::HttpRequest;
use servicenow_mcp::maintenance;
use servicenow_mcp::ports::{Database, DbError, FaultyKv, Rows, SqliteDb, Statement};
use std::cell::RefCell;

fn admin_with(
    world: &World,
    method: &str,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>) {
    let mut request = HttpRequest::new(method, format!("{BASE}{path}"))
        .with_header("authorization", format!("Bearer {ADMIN}"))
        .with_header("content-type", "application/json")
        .with_body(body.to_string().into_bytes());
    for (k, v) in headers {
        request = request.with_header(k, *v);
    }
    let response = world.send(request);
    let etag = response.header("etag").map(String::from);
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap_or(Value::Null),
        etag,
    )
}

fn server_id(world: &World, name: &str) -> String {
    let (_, list) = world.admin("GET", "/integrated-account/acme/mcp", Value::Null);
    list["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_if_match_on_a_stale_version_is_412_and_changes_nothing() {
    let world = World::new();
    world.provision(json!({"name": "first"}));
    let id = server_id(&world, "first");
    let path = format!("/integrated-account/acme/mcp/{id}");
    let (status, _, etag) = admin_with(&world, "GET", &path, Value::Null, &[]);
    assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")));
    let (status, body, etag) = admin_with(
        &world,
        "PATCH",
        &path,
        json!({"name": "second"}),
        &[("if-match", "\"1\"")],
    );
    assert_eq!((status, etag.as_deref()), (200, Some("\"2\"")), "{body}");
    let (status, body, _) = admin_with(
        &world,
        "PATCH",
        &path,
        json!({"name": "third"}),
        &[("if-match", "\"1\"")],
    );
    assert_eq!(status, 412, "{body}");
    assert_eq!(body["error"]["code"], "precondition_failed");
    assert!(body["error"]["message"].as_str().unwrap().contains("\"2\""));
    assert_eq!(world.admin_ok("GET", &path, Value::Null)["name"], "second");
    let (status, _, _) = admin_with(
        &world,
        "PATCH",
        &path,
        json!({"name": "x"}),
        &[("if-match", "2")],
    );
    assert_eq!(status, 400, "an unquoted If-Match is malformed");
    // Accounts carry versions too.
    let (status, _, etag) = admin_with(&world, "GET", "/integrated-account/acme", Value::Null, &[]);
    assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")));
    let again = json!({"instance_url": INSTANCE, "auth": {"type": "basic", "username": "mcp", "password": "new-pw-1"}});
    let (status, _, _) = admin_with(
        &world,
        "PUT",
        "/integrated-account/acme",
        again.clone(),
        &[("if-match", "\"7\"")],
    );
    assert_eq!(status, 412);
    let (status, _, etag) = admin_with(
        &world,
        "PUT",
        "/integrated-account/acme",
        again,
        &[("if-match", "\"1\"")],
    );
    assert_eq!((status, etag.as_deref()), (200, Some("\"2\"")));
}

/// A database that runs `competing` once, just before the first batch whose SQL
/// contains `trigger`: another request's write landing between a handler's read and
/// its conditional write.
struct Interleaving<'a> {
    inner: &'a SqliteDb,
    trigger: &'static str,
    competing: RefCell<Option<Statement>>,
}

impl Database for Interleaving<'_> {
    fn batch<'a>(
        &'a self,
        statements: Vec<Statement>,
    ) -> LocalBoxFuture<'a, Result<Vec<Rows>, DbError>> {
        Box::pin(async move {
            if statements.iter().any(|s| s.sql.contains(self.trigger)) {
                let competing = self.competing.borrow_mut().take();
                if let Some(competing) = competing {
                    self.inner.batch(vec![competing]).await?;
                }
            }
            self.inner.batch(statements).await
        })
    }
}

#[test]
fn a_write_landing_between_read_and_update_is_a_409_and_the_first_write_stands() {
    let world = World::new();
    world.provision(json!({"name": "first"}));
    let id = server_id(&world, "first");
    let db = Interleaving {
        inner: &world.db,
        trigger: "UPDATE mcp_servers SET record",
        competing: RefCell::new(Some(Statement::new(
            "UPDATE mcp_servers SET name = 'by the other request', version = version + 1 WHERE id = ?",
            vec![id.as_str().into()],
        ))),
    };
    let services = servicenow_mcp::services::Services {
        db: &db,
        ..world.services()
    };
    let request = HttpRequest::new("PATCH", format!("{BASE}/integrated-account/acme/mcp/{id}"))
        .with_header("authorization", format!("Bearer {ADMIN}"))
        .with_header("content-type", "application/json")
        .with_body(br#"{"name": "mine"}"#.to_vec());
    let response = block_on(servicenow_mcp::app::handle(&services, request));
    assert_eq!(response.status, 409);
    let body: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["error"]["code"], "conflict");
    let rows = block_on(servicenow_mcp::ports::query(
        &world.db,
        Statement::new(
            "SELECT name, version FROM mcp_servers WHERE id = ?",
            vec![id.as_str().into()],
        ),
    ))
    .unwrap();
    assert_eq!(rows.rows[0]["name"], "by the other request");
    assert_eq!(rows.rows[0]["version"], 2);
}

#[test]
fn with_d1_down_admin_writes_are_503s_that_change_nothing_and_mcp_is_still_served() {
    let world = World::new();
    let path = world.provision(json!({"name": "first"}));
    let keys = world.kv.keys();
    world.db.set_down(true);
    for (method, route, body) in [
        (
            "POST",
            "/integrated-account/acme/mcp",
            json!({"name": "second"}),
        ),
        (
            "PUT",
            "/integrated-account/acme",
            json!({"instance_url": INSTANCE, "auth": {"type": "basic", "username": "u", "password": "p"}}),
        ),
        ("DELETE", "/integrated-account/acme", Value::Null),
        ("GET", "/integrated-accounts", Value::Null),
    ] {
        let (status, body) = world.admin(method, route, body);
        assert_eq!(status, 503, "{method} {route}: {body}");
        assert_eq!(
            body["error"]["code"], "database_unavailable",
            "{method} {route}"
        );
    }
    assert_eq!(world.kv.keys(), keys, "nothing half-written to KV");
    assert_eq!(world.rpc(&path, "ping", json!({}))["result"], json!({}));
    assert!(
        !world.tools(&path).is_empty(),
        "MCP requests are answered from KV"
    );
}

#[test]
fn the_reconcile_purges_expired_servers_from_kv_and_marks_them_in_d1() {
    let world = World::new();
    world.provision(json!({"name": "forever"}));
    let expiring = world.server(json!({"name": "brief", "expires_at": "2026-09-21T15:13:20Z"}));
    assert_eq!(world.rpc(&expiring, "ping", json!({}))["result"], json!({}));
    world.clock.advance_secs(3 * 3600);
    assert_eq!(
        world
            .mcp(
                &expiring,
                json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})
            )
            .status,
        404
    );
    let servers_in_kv = || {
        world
            .kv
            .keys()
            .iter()
            .filter(|k| k.starts_with("server:"))
            .count()
    };
    assert_eq!(
        servers_in_kv(),
        2,
        "KV purges lazily: the expired copy is still there"
    );
    let lines = block_on(maintenance::run(
        &world.config,
        &world.db,
        &world.kv,
        &world.clock,
    ));
    assert!(lines[0].contains("1 expired server(s) purged"), "{lines:?}");
    assert_eq!(servers_in_kv(), 1);
    let (_, listed) = world.admin("GET", "/mcp-servers?expired=true", Value::Null);
    let expired = listed["result"].as_array().unwrap();
    assert_eq!(expired.len(), 1, "{listed}");
    assert_eq!(expired[0]["name"], "brief");
    assert_eq!(
        (expired[0]["expired"].clone(), expired[0]["purged"].clone()),
        (json!(true), json!(true))
    );
    let (_, live) = world.admin("GET", "/mcp-servers?expired=false", Value::Null);
    assert_eq!(live["result"].as_array().unwrap().len(), 1);
    let again = block_on(maintenance::run(
        &world.config,
        &world.db,
        &world.kv,
        &world.clock,
    ));
    assert!(again[0].contains("0 expired server(s) purged"), "{again:?}");
}

#[test]
fn an_account_whose_kv_write_fails_is_saved_and_repaired_by_the_reconcile() {
    let world = World::new();
    let failing = FaultyKv::new(&world.kv).failing_puts("account:");
    let request = HttpRequest::new("PUT", format!("{BASE}/integrated-account/acme"))
        .with_header("authorization", format!("Bearer {ADMIN}"))
        .with_header("content-type", "application/json")
        .with_body(json!({"instance_url": INSTANCE, "auth": {"type": "basic", "username": "u", "password": "pw-123"}}).to_string().into_bytes());
    let response = world.send_via(&failing, request);
    assert_eq!(response.status, 201);
    let body: Value = serde_json::from_slice(&response.body).unwrap();
    assert!(
        body["edge"].as_str().unwrap().starts_with("pending"),
        "{body}"
    );
    assert!(world.kv.keys().is_empty());
    let path = world.server(json!({"name": "s"}));
    assert_eq!(
        world
            .mcp(&path, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .status,
        404,
        "the account is not at the edge yet"
    );
    let lines = block_on(maintenance::run(
        &world.config,
        &world.db,
        &world.kv,
        &world.clock,
    ));
    assert!(lines[0].contains("1 account(s)"), "{lines:?}");
    assert_eq!(world.rpc(&path, "ping", json!({}))["result"], json!({}));
}

#[test]
fn a_revoked_server_leaves_a_tombstone_and_its_url_stops_at_once() {
    let world = World::new();
    let path = world.provision(json!({"name": "doomed"}));
    let id = server_id(&world, "doomed");
    world.admin_ok(
        "DELETE",
        &format!("/integrated-account/acme/mcp/{id}"),
        Value::Null,
    );
    let token = path.trim_start_matches("/mcp/");
    let key = format!("server:{}", servicenow_mcp::crypto::sha256_hex(token));
    let (raw, expiration) = world.kv.raw(&key).expect("a tombstone, not a deletion");
    let tombstone: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(tombstone["revoked"], true);
    assert_eq!(expiration, Some(NOW + 7 * 86_400));
    assert_eq!(
        world
            .mcp(&path, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .status,
        404
    );
    let (status, _) = world.admin(
        "GET",
        &format!("/integrated-account/acme/mcp/{id}"),
        Value::Null,
    );
    assert_eq!(status, 404);
    // Deleting the account tombstones the rest.
    let other = world.server(json!({"name": "other"}));
    let deleted = world.admin_ok("DELETE", "/integrated-account/acme", Value::Null);
    assert_eq!(deleted["revoked_servers"], 1);
    assert_eq!(
        world
            .mcp(&other, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .status,
        404
    );
    assert!(
        !world.kv.keys().iter().any(|k| k.starts_with("account")),
        "{:?}",
        world.kv.keys()
    );
}

#[test]
fn listings_page_over_a_thousand_servers_each_once_and_filter() {
    let world = World::new();
    world.provision(json!({"name": "s-0000", "require_api_token_auth": true}));
    for i in 1..1000 {
        world.server(json!({"name": format!("s-{i:04}")}));
    }
    world.admin_ok("PUT", "/integrated-account/beta", json!({"instance_url": "https://beta.service-now.com", "auth": {"type": "basic", "username": "u", "password": "p"}}));
    world.admin_ok(
        "POST",
        "/integrated-account/beta/mcp",
        json!({"name": "beta-one"}),
    );
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let query = cursor
            .as_ref()
            .map_or("limit=100".to_string(), |c| format!("limit=100&cursor={c}"));
        let (status, page) = world.admin("GET", &format!("/mcp-servers?{query}"), Value::Null);
        assert_eq!(status, 200, "{page}");
        names.extend(
            page["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_string()),
        );
        cursor = page["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(names.len(), 1001);
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 1001, "no server twice");
    let (_, beta) = world.admin("GET", "/mcp-servers?account=beta", Value::Null);
    assert_eq!(beta["result"][0]["name"], "beta-one");
    assert_eq!(beta["result"][0]["account_id"], "beta");
    let (_, tokened) = world.admin("GET", "/mcp-servers?auth_mode=api_token", Value::Null);
    assert_eq!(tokened["result"].as_array().unwrap().len(), 1);
    let (_, named) = world.admin("GET", "/mcp-servers?name=S-099&limit=100", Value::Null);
    assert_eq!(
        named["result"].as_array().unwrap().len(),
        10,
        "s-0990..s-0999"
    );
    for (query, parameter) in [
        ("expired=maybe", "expired"),
        ("auth_mode=oauth", "auth_mode"),
        ("colour=red", "colour"),
        ("cursor=%%%", "cursor"),
    ] {
        let (status, body) = world.admin("GET", &format!("/mcp-servers?{query}"), Value::Null);
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(parameter),
            "{query}: {body}"
        );
    }
    let (_, accounts) = world.admin("GET", "/integrated-accounts", Value::Null);
    let ids: Vec<&str> = accounts["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "beta"]);
    assert_eq!(accounts["result"][0]["auth"], json!({"type": "basic"}));
    let (_, found) = world.admin("GET", "/integrated-accounts?q=BETA.service", Value::Null);
    assert_eq!(found["result"].as_array().unwrap().len(), 1);
    assert!(
        !accounts.to_string().contains("p\""),
        "no credential in a listing"
    );
}

#[test]
fn a_kv_only_deployment_imports_once_and_again_changes_nothing() {
    // A deployment from before D1: records written to KV only.
    let world = World::new();
    let key = world.config.sealing_key.clone().unwrap();
    let account = servicenow_mcp::store::IntegratedAccount {
        id: "legacy".into(),
        instance_url: INSTANCE.into(),
        auth: servicenow_mcp::store::AccountAuth::Basic {
            username: "u".into(),
            password: "p".into(),
        },
        generation: String::new(),
    };
    let (stored, _) = block_on(servicenow_mcp::store::accounts::put(
        &world.kv,
        &key,
        &account,
        "2026-09-01T00:00:00Z",
    ))
    .unwrap();
    let token = "legacy-token-0123456789abcdefghijklmnopqrstuvw";
    let record = servicenow_mcp::store::McpServerRecord {
        id: "mcp_0123456789abcdef0123".into(),
        account_id: "legacy".into(),
        name: "old".into(),
        config: Default::default(),
        expires_at: None,
        expires_at_unix: None,
        require_api_token_auth: false,
        rate_limit_response: Default::default(),
        audit: Default::default(),
        created_at: "2026-09-01T00:00:00Z".into(),
        account_generation: Some(stored.generation.clone()),
        revoked: false,
    };
    block_on(servicenow_mcp::store::servers::save(
        &world.kv,
        &record,
        &servicenow_mcp::crypto::sha256_hex(token),
    ))
    .unwrap();
    let api_token = servicenow_mcp::store::ApiTokenRecord {
        id: "tok_0123456789abcdef0123".into(),
        name: "legacy-ci".into(),
        created_at: "2026-09-01T00:00:00Z".into(),
        expires_at: None,
        expires_at_unix: None,
        scope: Some(servicenow_mcp::store::TokenScope::AllAccounts),
    };
    block_on(servicenow_mcp::store::api_tokens::save(
        &world.kv,
        &api_token,
        &servicenow_mcp::crypto::sha256_hex("legacy-api-token-0123456789abcdefghijklmnopq"),
    ))
    .unwrap();
    let (_, before) = world.admin("GET", "/integrated-accounts", Value::Null);
    assert_eq!(
        before["result"].as_array().unwrap().len(),
        0,
        "not in D1 yet"
    );
    let first = world.admin_ok("POST", "/import/kv", Value::Null);
    assert_eq!(
        (
            first["imported_accounts"].clone(),
            first["imported_servers"].clone()
        ),
        (json!(1), json!(1)),
        "{first}"
    );
    assert_eq!(first["imported_api_tokens"], 1, "{first}");
    assert_eq!(first["next_cursor"], Value::Null);
    let second = world.admin_ok("POST", "/import/kv", Value::Null);
    assert_eq!(
        (
            second["imported_accounts"].clone(),
            second["already_present"].clone()
        ),
        (json!(0), json!(3)),
        "{second}"
    );
    let tokens = world.admin_ok("GET", "/api-tokens", Value::Null);
    assert_eq!(tokens["result"][0]["name"], "legacy-ci");
    let listed = world.admin_ok("GET", "/mcp-servers?account=legacy", Value::Null);
    assert_eq!(listed["result"][0]["name"], "old");
    // Imported records are managed like any other.
    world.admin_ok(
        "PATCH",
        "/integrated-account/legacy/mcp/mcp_0123456789abcdef0123",
        json!({"name": "renamed"}),
    );
    assert_eq!(
        world.rpc(&format!("/mcp/{token}"), "ping", json!({}))["result"],
        json!({})
    );
    let kv_reads = FaultyKv::new(&world.kv).down();
    let response = world.send_via(
        &kv_reads,
        HttpRequest::new("POST", format!("{BASE}/import/kv"))
            .with_header("authorization", format!("Bearer {ADMIN}")),
    );
    assert_eq!(
        response.status, 503,
        "KV down: the import says so and can be retried"
    );
}
