//! The audit's request-path defects, natively over the whole router: redirects are
//! errors naming the target host, oversized upstream bodies suggest asking for less,
//! and a re-pointed OAuth account never receives the old instance's token.
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use futures::executor::block_on;
use serde_json::{json, Value};
use servicenow_mcp::app;
use servicenow_mcp::http::{HttpRequest, HttpResponse};
use servicenow_mcp::ports::{Clock, UpstreamError};

mod common;
use common::*;

/// Mints a read+write server on `acme`; returns its MCP path.
fn rw_server(world: &World) -> String {
    world.server(json!({"name": "hardening", "config": {"methods": ["read", "write"]}}))
}

fn error_text(reply: &Value) -> String {
    assert_eq!(reply["result"]["isError"], true, "{reply}");
    reply["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const BASIC: &str = r#"{"type": "basic", "username": "svc", "password": "pw-hardening"}"#;

#[test]
fn a_redirect_is_an_error_naming_its_target_and_is_not_followed() {
    let world = World::new();
    world.account(
        "https://acme.service-now.com",
        serde_json::from_str(BASIC).unwrap(),
    );
    let path = rw_server(&world);
    for status in [301, 302, 307, 308] {
        world.upstream.requests.borrow_mut().clear();
        world.upstream.push(Ok(HttpResponse::new(status)
            .with_header("location", "https://login.evil.example:8443/sso?next=/api")));
        let reply = world.tool_call(&path,
            "create_a_service_now_incident",
            json!({"short_description": "printer on fire", "caller_id": "0a826bf03710200044e0bfc8bcbe5d7a"}),
        );
        let text = error_text(&reply);
        assert!(text.contains("login.evil.example"), "{status}: {text}");
        assert!(text.contains("redirect"), "{status}: {text}");
        assert!(!text.contains("/sso?next"), "{status}: {text}");
        assert_eq!(world.sent().len(), 1, "{status}: {:?}", world.sent());
    }
}

#[test]
fn an_oversized_upstream_body_suggests_fields_or_a_smaller_limit() {
    let world = World::new();
    world.account(
        "https://acme.service-now.com",
        serde_json::from_str(BASIC).unwrap(),
    );
    let path = rw_server(&world);
    world.upstream.push(Err(UpstreamError::TooLarge {
        limit_bytes: 4 * 1024 * 1024,
    }));
    let text = error_text(&world.tool_call(
        &path,
        "list_all_service_now_incident",
        json!({"limit": 100}),
    ));
    for fragment in ["4 MiB", "fields", "limit"] {
        assert!(text.contains(fragment), "{text}");
    }
}

#[test]
fn a_repointed_oauth_account_never_receives_the_old_instances_token() {
    let world = World::new();
    let auth =
        json!({"type": "oauth2_client_credentials", "client_id": "cid", "client_secret": "cs-1"});
    world.account("https://old.service-now.com", auth.clone());
    let path = rw_server(&world);
    let token =
        |value: &str| HttpResponse::json(200, &json!({"access_token": value, "expires_in": 1800}));
    let list = || HttpResponse::json(200, &json!({"result": []}));
    world
        .upstream
        .push(Ok(token("old-instance-token")))
        .push(Ok(list()));
    let reply = world.tool_call(&path, "list_all_service_now_incident", json!({}));
    assert!(
        reply["result"].is_object() && reply["result"]["isError"] != true,
        "{reply}"
    );
    world.account("https://new.service-now.com", auth);
    world.upstream.requests.borrow_mut().clear();
    world
        .upstream
        .push(Ok(token("new-instance-token")))
        .push(Ok(list()));
    let reply = world.tool_call(&path, "list_all_service_now_incident", json!({}));
    assert!(
        reply["result"].is_object() && reply["result"]["isError"] != true,
        "{reply}"
    );
    let sent = world.upstream.requests.borrow();
    assert_eq!(sent[0].url, "https://new.service-now.com/oauth_token.do");
    for request in sent.iter() {
        assert!(
            request.header("authorization") != Some("Bearer old-instance-token"),
            "{} {}",
            request.method,
            request.url
        );
    }
}

#[test]
fn the_isolate_cache_still_checks_expiry_and_forgets_on_this_isolates_revocation() {
    use servicenow_mcp::store::cache::{CachedKv, IsolateCache};
    let world = World::new();
    world.account(
        "https://acme.service-now.com",
        serde_json::from_str(BASIC).unwrap(),
    );
    let cache = IsolateCache::default();
    let ping = |path: &str| {
        let cached = CachedKv::new(&world.kv, &cache, world.clock.now_ms());
        let request = HttpRequest::new("POST", format!("{BASE}{path}"))
            .with_header("content-type", "application/json")
            .with_header("accept", "application/json")
            .with_body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
        world.send_via(&cached, request).status
    };
    // A server that expires in 2 minutes, then revoked through the same isolate.
    let body = world.admin_ok("POST",
        "/integrated-account/acme/mcp",
        json!({"name": "short", "config": {"methods": ["read"]}, "expires_at": servicenow_mcp::civil_time::format_rfc3339(NOW + 120)}),
    );
    let path = body["url"]
        .as_str()
        .unwrap_or_default()
        .strip_prefix(BASE)
        .unwrap_or_default()
        .to_string();
    assert_eq!(ping(&path), 200);
    assert!(
        !cache.is_empty(),
        "the server record and account are cached"
    );
    world.clock.advance_secs(121);
    assert_eq!(
        ping(&path),
        404,
        "expires_at is checked on every request, cached or not"
    );

    let path = rw_server(&world);
    assert_eq!(ping(&path), 200);
    let id = {
        let cached = CachedKv::new(&world.kv, &cache, world.clock.now_ms());
        let list = HttpRequest::new("GET", format!("{BASE}/integrated-account/acme/mcp"))
            .with_header("authorization", format!("Bearer {ADMIN}"));
        let listed: Value =
            serde_json::from_slice(&world.send_via(&cached, list).body).unwrap_or(Value::Null);
        let id = listed["result"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let delete = HttpRequest::new("DELETE", format!("{BASE}/integrated-account/acme/mcp/{id}"))
            .with_header("authorization", format!("Bearer {ADMIN}"));
        assert_eq!(world.send_via(&cached, delete).status, 200);
        id
    };
    assert!(!id.is_empty());
    assert_eq!(
        ping(&path),
        404,
        "a revocation in this isolate is seen at once"
    );
}

#[test]
fn a_request_resolves_its_server_and_account_once_and_an_isolate_reads_them_once_per_ttl() {
    use servicenow_mcp::store::cache::{CachedKv, IsolateCache};
    let world = World::new();
    world.account(
        "https://acme.service-now.com",
        serde_json::from_str(BASIC).unwrap(),
    );
    let path = rw_server(&world);
    let log = servicenow_mcp::ports::FaultyKv::new(&world.kv);
    let cache = IsolateCache::default();
    let post = |body: &str| {
        let cached = CachedKv::new(&log, &cache, world.clock.now_ms());
        let request = HttpRequest::new("POST", format!("{BASE}{path}"))
            .with_header("content-type", "application/json")
            .with_header("accept", "application/json")
            .with_body(body.to_string());
        let status = world.send_via(&cached, request).status;
        (status, log.take_reads())
    };
    let call = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_service_now_incidents","arguments":{"limit":1}}}"#;
    world.upstream.push_json(200, json!({"result": []}));
    let (status, reads) = post(call);
    assert_eq!(status, 200);
    assert_eq!(
        reads.iter().filter(|k| k.starts_with("server:")).count(),
        1,
        "{reads:?}"
    );
    assert_eq!(reads, [reads[0].clone(), "account:acme".to_string()]);
    world.upstream.push_json(200, json!({"result": []}));
    let (status, reads) = post(call);
    assert_eq!(status, 200);
    assert!(reads.is_empty(), "served from the isolate cache: {reads:?}");
}

// Body limits: 1 MiB for every MCP request but a tools/call of the upload tool on a
// server that exposes it (then the upload cap, 7,492,950 bytes for the 5 MiB default).

const UPLOAD: &str = "attach_file_service_now_sys_attachment";
const UPLOAD_CAP: usize = 7_492_950;

/// The cap a request's body would be read to, from its head.
fn cap(world: &World, request: &HttpRequest) -> usize {
    block_on(app::prepare(&world.services(), request)).body_cap()
}

/// A tools/call of `name` whose arguments carry `padding` bytes of base64 content.
fn padded_call(name: &str, padding: usize) -> Vec<u8> {
    let arguments = json!({"table_name": "incident", "table_sys_id": "0a826bf03710200044e0bfc8bcbe5d7a",
        "file_name": "big.zip", "content_type": "application/octet-stream", "encoding": "base64",
        "content": "A".repeat(padding / 4 * 4)});
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
        .to_string()
        .into_bytes()
}

#[test]
fn only_an_upload_server_and_its_callers_get_the_larger_body_limit() {
    let world = World::new();
    world.account(
        "https://acme.service-now.com",
        serde_json::from_str(BASIC).unwrap(),
    );
    let upload = rw_server(&world);
    let read_only = world.server(json!({"name": "ro", "config": {"methods": ["read"]}}));
    let discovery = world.server(json!({"name": "d", "config": {"tool_mode": "discovery"}}));
    let guarded = world.server(json!({"name": "g", "require_api_token_auth": true}));
    let token = world.admin_ok(
        "POST",
        "/integrated-account/acme/api-tokens",
        json!({"name": "uploads"}),
    )["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let head = |path: &str| HttpRequest::new("POST", format!("{BASE}{path}"));
    assert_eq!(cap(&world, &head(&upload)), UPLOAD_CAP);
    assert_eq!(cap(&world, &head(&discovery)), UPLOAD_CAP);
    assert_eq!(cap(&world, &head(&read_only)), 1024 * 1024);
    assert_eq!(cap(&world, &head("/mcp/unknown-token")), 1024 * 1024);
    assert_eq!(cap(&world, &head(&guarded)), 1024 * 1024, "no API token");
    assert_eq!(
        cap(
            &world,
            &head(&guarded).with_header("authorization", "Bearer not-a-live-token")
        ),
        1024 * 1024
    );
    assert_eq!(
        cap(
            &world,
            &head(&guarded).with_header("authorization", format!("Bearer {token}"))
        ),
        UPLOAD_CAP
    );
    let get = HttpRequest::new("GET", format!("{BASE}{upload}"));
    assert_eq!(cap(&world, &get), 1024 * 1024);
    let admin = HttpRequest::new("PUT", format!("{BASE}/integrated-account/acme"));
    assert_eq!(cap(&world, &admin), 64 * 1024);
}

#[test]
fn past_1_mib_only_a_call_of_the_upload_tool_is_served() {
    let world = World::new();
    world.account(
        "https://acme.service-now.com",
        serde_json::from_str(BASIC).unwrap(),
    );
    let upload = rw_server(&world);
    let read_only = world.server(json!({"name": "ro", "config": {"methods": ["read"]}}));
    let two_mib = 2 * 1024 * 1024;
    let status_and_text = |response: HttpResponse| {
        (
            response.status,
            String::from_utf8_lossy(&response.body).to_string(),
        )
    };
    // A 2 MiB tools/list (padded params) and a 2 MiB call of another tool: 413.
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                      "params": {"_meta": {"pad": "x".repeat(two_mib)}}});
    let (status, text) =
        status_and_text(world.send(mcp_post(&upload, list.to_string().into_bytes())));
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("body_too_large") && text.contains("upload tool"),
        "{text}"
    );
    let other = padded_call("create_a_service_now_incident", two_mib);
    assert_eq!(world.send(mcp_post(&upload, other)).status, 413);
    // The upload tool on a server that does not expose it: 413 as well.
    let (status, text) =
        status_and_text(world.send(mcp_post(&read_only, padded_call(UPLOAD, two_mib))));
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("exceeds 1048576 bytes"), "{text}");
    // Past 1 MiB, a body that is not JSON or is a notification is 413 too, not 400/202.
    let blank = mcp_post(&upload, vec![b' '; two_mib]);
    assert_eq!(world.send(blank).status, 413);
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized",
                      "params": {"pad": "x".repeat(two_mib)}});
    assert_eq!(
        world
            .send(mcp_post(&upload, note.to_string().into_bytes()))
            .status,
        413
    );
    // An unknown token past 1 MiB: 413, not 404.
    let unknown = mcp_post("/mcp/unknown-token", padded_call(UPLOAD, two_mib));
    assert_eq!(world.send(unknown).status, 413);
    // Past the upload cap, even the upload tool: 413, and nothing reached ServiceNow.
    let (status, text) =
        status_and_text(world.send(mcp_post(&upload, padded_call(UPLOAD, UPLOAD_CAP + 4))));
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("exceeds 7492950 bytes"), "{text}");
    assert!(world.sent().is_empty(), "{:?}", world.sent());
    // A 2 MiB upload call is served: it reaches ServiceNow with the decoded file.
    world.upstream.push(Ok(HttpResponse::json(
        201,
        &json!({"result": {"sys_id": "a".repeat(32), "file_name": "big.zip", "size_bytes": "1572864"}}),
    )));
    let response = world.send(mcp_post(&upload, padded_call(UPLOAD, two_mib)));
    assert_eq!(response.status, 200);
    let reply: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let sent = world.upstream.requests.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body.len(), two_mib / 4 * 3);
}

#[test]
fn a_rebound_page_cannot_drive_the_admin_api_even_with_the_token() {
    let world = World::new();
    let put = |origin: &str| {
        HttpRequest::new("PUT", "http://evil.example:8787/integrated-account/acme")
            .with_header("authorization", format!("Bearer {ADMIN}"))
            .with_header("content-type", "application/json")
            .with_header("origin", origin)
            .with_body(
                json!({"instance_url": "https://acme.service-now.com",
                       "auth": serde_json::from_str::<Value>(BASIC).unwrap()})
                .to_string(),
            )
    };
    let response = world.send(put("http://evil.example:8787"));
    assert_eq!(response.status, 403);
    assert!(String::from_utf8_lossy(&response.body).contains("origin_not_allowed"));
    let read = HttpRequest::new("GET", format!("{BASE}/integrated-account/acme"))
        .with_header("authorization", format!("Bearer {ADMIN}"));
    assert_eq!(world.send(read.clone()).status, 404, "nothing was written");
    // The worker's own loopback page is served.
    assert_eq!(world.send(put("http://127.0.0.1:8787")).status, 201);
    assert_eq!(world.send(read).status, 200);
}
