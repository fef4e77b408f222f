//! The audit log over HTTP: one row per MCP request that reaches a server and one per
//! admin write, with the right outcome; `GET /audit` filters, pages and exports; the
//! per-server `audit` setting; and a D1 that is down changes no MCP answer.
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use serde_json::{json, Value};
use servicenow_mcp::http::HttpResponse;

fn rows(world: &World, query: &str) -> Vec<Value> {
    let (status, body) = world.audit(query);
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().cloned().unwrap_or_default()
}

/// A server on `acme` whose every kind of request has been sent once.
fn scripted_run(world: &World) -> String {
    let path = world.provision(json!({"name": "RW", "config": {"methods": ["read", "write"]}}));
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "audit-test", "version": "1.2.3"}}});
    assert_eq!(world.mcp(&path, init).status, 200);
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(world.mcp(&path, initialized).status, 202);
    assert!(!world.tools(&path).is_empty());
    world.upstream.push_json(
        201,
        json!({"result": {"sys_id": "1c741bd70b2322007518478d83673af3", "number": "INC0010001"}}),
    );
    let ok = world.tool_call(
        &path,
        "create_a_service_now_incident",
        json!({"short_description": "Core DB down", "caller_id": ALICE, "urgency": "1"}),
    );
    assert_eq!(ok["result"]["isError"], false, "{ok}");
    let bad = world.tool_call(
        &path,
        "create_a_service_now_incident",
        json!({"caller_id": 5}),
    );
    assert_eq!(bad["result"]["isError"], true, "{bad}");
    let unknown = world.rpc(&path, "tools/frobnicate", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    world.upstream.push(Ok(HttpResponse::json(
        429,
        &json!({"error": {"message": "Rate limit exceeded"}}),
    )
    .with_header("Retry-After", "42")
    .with_header("X-RateLimit-Remaining", "0")));
    let limited = world.mcp(
        &path,
        call("list_all_service_now_incident", json!({"limit": 5})),
    );
    assert_eq!(limited.status, 429);
    path
}

#[test]
fn every_request_of_a_scripted_run_has_exactly_one_row_with_its_outcome() {
    let world = World::new();
    scripted_run(&world);
    assert_eq!(world.audit_unwritten.get(), 0);
    let mcp = rows(&world, "kind=mcp&limit=1000");
    // Newest first.
    let seen: Vec<(String, Option<String>, String, u64)> = mcp
        .iter()
        .rev()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["tool"].as_str().map(String::from),
                r["outcome"].as_str().unwrap().to_string(),
                r["http_status"].as_u64().unwrap(),
            )
        })
        .collect();
    let tool = |t: &str| Some(t.to_string());
    let s = |t: &str| t.to_string();
    assert_eq!(
        seen,
        vec![
            (s("initialize"), None, s("ok"), 200),
            (s("notifications/initialized"), None, s("ok"), 202),
            (s("tools/list"), None, s("ok"), 200),
            (
                s("tools/call"),
                tool("create_a_service_now_incident"),
                s("ok"),
                200
            ),
            (
                s("tools/call"),
                tool("create_a_service_now_incident"),
                s("tool_error"),
                200
            ),
            (s("tools/frobnicate"), None, s("rpc_error"), 200),
            (
                s("tools/call"),
                tool("list_all_service_now_incident"),
                s("rpc_error"),
                429
            ),
        ]
    );
    let by_id = |i: usize| &mcp[mcp.len() - 1 - i];
    assert_eq!(by_id(0)["client_name"], "audit-test");
    assert_eq!(by_id(0)["client_version"], "1.2.3");
    assert_eq!(by_id(0)["protocol_version"], "2025-06-18");
    let created = by_id(3);
    assert_eq!(
        created["argument_keys"],
        json!(["caller_id", "short_description", "urgency"])
    );
    assert_eq!(
        created["arguments"],
        Value::Null,
        "metadata mode keeps no values"
    );
    assert_eq!(created["upstream_status"], 201);
    assert_eq!(created["upstream_requests"], 1);
    assert!(created["bytes_out"].as_u64().unwrap() > 100);
    assert_eq!(created["account_id"], "acme");
    assert!(created["server_id"].as_str().unwrap().starts_with("mcp_"));
    assert_eq!(
        by_id(4)["upstream_requests"],
        0,
        "refused before anything was sent"
    );
    assert_eq!(by_id(5)["rpc_code"], -32601);
    let limited = by_id(6);
    assert_eq!(limited["upstream_status"], 429);
    assert_eq!(limited["ratelimit_remaining"], 0);
    // The admin writes of the run: the account and the server.
    let admin = rows(&world, "kind=admin");
    let methods: Vec<&str> = admin
        .iter()
        .rev()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(
        methods,
        [
            "PUT /integrated-account/acme",
            "POST /integrated-account/acme/mcp"
        ]
    );
    assert_eq!(admin[1]["argument_keys"], json!(["auth", "instance_url"]));
    let everything = serde_json::to_string(&rows(&world, "limit=1000")).unwrap();
    assert!(
        !everything.contains("s3cret-pw"),
        "a credential reached the audit log"
    );
}

#[test]
fn filters_and_cursor_paging_cover_every_row_once() {
    let world = World::new();
    let path = scripted_run(&world);
    let tool_errors = rows(&world, "outcome=tool_error");
    assert_eq!(tool_errors.len(), 1);
    let by_tool = rows(&world, "tool=create_a_service_now_incident");
    assert_eq!(by_tool.len(), 2);
    let server_id = by_tool[0]["server_id"].as_str().unwrap().to_string();
    assert_eq!(rows(&world, &format!("server={server_id}")).len(), 7);
    assert_eq!(rows(&world, "account=acme").len(), 9);
    assert_eq!(rows(&world, "account=other").len(), 0);
    // 30 more calls, then pages of 4 over everything: no row twice, none missed.
    for _ in 0..30 {
        world.rpc(&path, "ping", json!({}));
    }
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let query = match &cursor {
            Some(c) => format!("limit=4&cursor={c}"),
            None => "limit=4".into(),
        };
        let (status, body) = world.audit(&query);
        assert_eq!(status, 200, "{body}");
        ids.extend(
            body["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap()),
        );
        cursor = body["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(ids.len(), 39);
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted, ids, "pages are newest first, each row once");
    // Time filters: everything happened at the world's clock.
    let at = NOW * 1000;
    assert_eq!(
        rows(&world, &format!("since={at}&until={}&limit=1000", at + 1)).len(),
        39
    );
    assert_eq!(rows(&world, &format!("since={}", at + 1)).len(), 0);
    assert_eq!(rows(&world, "until=2026-09-21T14:13:20Z").len(), 0);
}

#[test]
fn bad_filters_and_cursors_are_400s_naming_the_parameter() {
    let world = World::new();
    for (query, parameter) in [
        ("cursor=abc", "cursor"),
        ("limit=5000", "limit"),
        ("outcome=great", "outcome"),
        ("since=yesterday", "since"),
        ("servers=x", "servers"),
        ("format=xml", "format"),
    ] {
        let (status, body) = world.audit(query);
        assert_eq!(status, 400, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("`{parameter}`")),
            "{query}: {message}"
        );
    }
    let (status, _) = world.admin("POST", "/audit", json!({}));
    assert_eq!(status, 405);
    let response = world.send(servicenow_mcp::http::HttpRequest::new(
        "GET",
        format!("{BASE}/audit"),
    ));
    assert_eq!(response.status, 401, "the audit log needs the admin token");
    // A write without the admin token leaves no row (anyone could send those); the
    // refused POST above, with it, left one.
    let anonymous = world.send(servicenow_mcp::http::HttpRequest::new(
        "DELETE",
        format!("{BASE}/integrated-account/acme"),
    ));
    assert_eq!(anonymous.status, 401);
    let admin = rows(&world, "kind=admin");
    assert_eq!(admin.len(), 1, "{admin:?}");
    assert_eq!(admin[0]["method"], "POST /audit");
    assert_eq!(admin[0]["http_status"], 405);
}

#[test]
fn exports_are_jsonl_and_csv_with_the_cursor_in_a_header() {
    let world = World::new();
    scripted_run(&world);
    let get = |query: &str| {
        world.send(
            servicenow_mcp::http::HttpRequest::new("GET", format!("{BASE}/audit?{query}"))
                .with_header("authorization", format!("Bearer {ADMIN}")),
        )
    };
    let jsonl = get("format=jsonl&limit=3");
    assert_eq!(jsonl.status, 200);
    assert!(jsonl
        .header("content-type")
        .unwrap()
        .starts_with("application/x-ndjson"));
    let text = String::from_utf8(jsonl.body.clone()).unwrap();
    assert_eq!(text.lines().count(), 3);
    for line in text.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        assert!(row["id"].is_i64() && row["outcome"].is_string(), "{line}");
    }
    let cursor = jsonl
        .header("x-next-cursor")
        .expect("more rows follow")
        .to_string();
    let next = get(&format!("format=jsonl&limit=100&cursor={cursor}"));
    assert_eq!(next.header("x-next-cursor"), None);
    assert_eq!(String::from_utf8(next.body).unwrap().lines().count(), 9 - 3);
    let csv = get("format=csv&limit=100");
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8(csv.body).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 9);
    assert!(lines[0].starts_with("id,at,at_ms,request_id,kind,"));
}

#[test]
fn the_servers_audit_setting_keeps_values_or_nothing() {
    let world = World::new();
    world.provision(json!({"name": "first"}));
    let (status, body) = world.admin(
        "POST",
        "/integrated-account/acme/mcp",
        json!({"name": "x", "audit": "everything"}),
    );
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`audit`"),
        "{body}"
    );
    let with_values = world.server(
        json!({"name": "args", "audit": "arguments", "config": {"methods": ["read", "write"]}}),
    );
    let silent = world.server(json!({"name": "quiet", "audit": "off"}));
    world.upstream.push_json(
        201,
        json!({"result": {"sys_id": "1c741bd70b2322007518478d83673af3", "number": "INC0010001"}}),
    );
    let created = world.tool_call(
        &with_values,
        "create_a_service_now_incident",
        json!({"short_description": "Printer on fire", "caller_id": ALICE}),
    );
    assert_eq!(created["result"]["isError"], false, "{created}");
    world.rpc(&silent, "ping", json!({}));
    world.rpc(&silent, "tools/list", json!({}));
    let mcp = rows(&world, "kind=mcp");
    assert_eq!(
        mcp.len(),
        1,
        "the server with audit off left no row: {mcp:?}"
    );
    assert_eq!(
        mcp[0]["arguments"],
        json!({"short_description": "Printer on fire", "caller_id": ALICE})
    );
    // PATCH turns it on; the view shows it.
    let (_, list) = world.admin("GET", "/integrated-account/acme/mcp", Value::Null);
    let quiet = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "quiet")
        .unwrap()
        .clone();
    assert_eq!(quiet["audit"], "off");
    let patched = world.admin_ok(
        "PATCH",
        &format!(
            "/integrated-account/acme/mcp/{}",
            quiet["id"].as_str().unwrap()
        ),
        json!({"audit": "metadata"}),
    );
    assert_eq!(patched["audit"], "metadata");
    world.rpc(&silent, "ping", json!({}));
    assert_eq!(rows(&world, "kind=mcp").len(), 2);
}

#[test]
fn a_database_that_is_down_changes_no_mcp_answer_and_the_log_says_503() {
    let world = World::new();
    let path = world.provision(json!({"name": "RW"}));
    let before = world.mcp(
        &path,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}),
    );
    world.db.set_down(true);
    let during = world.mcp(
        &path,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}),
    );
    assert_eq!((before.status, &before.body), (during.status, &during.body));
    assert_eq!(world.rpc(&path, "ping", json!({}))["result"], json!({}));
    assert_eq!(
        world.audit_unwritten.get(),
        2,
        "both rows counted as unwritten"
    );
    let (status, body) = world.audit("");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");
    world.db.set_down(false);
    assert_eq!(
        rows(&world, "kind=mcp").len(),
        1,
        "only the row written before D1 went down"
    );
}

#[test]
fn the_series_counts_calls_tool_errors_and_429s_per_server_and_bucket() {
    let world = World::new();
    scripted_run(&world);
    let (status, body) = world.admin("GET", "/audit/series?bucket=60&since=0", Value::Null);
    assert_eq!(status, 200, "{body}");
    let points = body["points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{body}");
    assert_eq!(points[0]["calls"], 7);
    assert_eq!(points[0]["tool_errors"], 1);
    assert_eq!(points[0]["rpc_errors"], 2);
    assert_eq!(points[0]["rate_limited"], 1);
    assert_eq!(points[0]["bucket_ms"], (NOW * 1000 / 60_000) * 60_000);
    let (status, body) = world.admin("GET", "/audit/series?bucket=5", Value::Null);
    assert_eq!(status, 400);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`bucket`"));
}

#[test]
fn a_caller_refused_for_want_of_an_api_token_leaves_a_row() {
    let world = World::new();
    let path = world.provision(json!({"name": "guarded", "require_api_token_auth": true}));
    let refused = world.mcp(&path, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
    assert_eq!(refused.status, 401);
    let refusals = rows(&world, "kind=mcp");
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["method"], "(refused: no valid API token)");
    assert_eq!(refusals[0]["outcome"], "http_error");
    assert_eq!(refusals[0]["http_status"], 401);
    // An unknown token reaches no server: no row (nothing to attribute it to).
    let unknown = world.mcp(
        "/mcp/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(rows_of(&world), 1);
}

fn rows_of(world: &World) -> usize {
    rows(world, "kind=mcp").len()
}

#[test]
fn a_2026_07_28_request_names_its_client_from_meta() {
    let world = World::new();
    let path = world.provision(json!({"name": "modern"}));
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "modern-client", "version": "3.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }}});
    let request = mcp_request(&path, &message)
        .with_header("mcp-protocol-version", "2026-07-28")
        .with_header("mcp-method", "tools/list");
    assert_eq!(world.send(request).status, 200);
    let row = &rows(&world, "kind=mcp")[0];
    assert_eq!(row["client_name"], "modern-client");
    assert_eq!(row["client_version"], "3.0");
    assert_eq!(row["protocol_version"], "2026-07-28");
    assert_eq!(row["outcome"], "ok");
}
