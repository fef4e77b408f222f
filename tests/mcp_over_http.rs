//! The whole request path natively: admin API provisioning, then `/mcp/<token>` through
//! transport, token lookup, dispatch, catalog and the ServiceNow client, with in-memory
//! KV, a manual clock and a scripted ServiceNow.
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use servicenow_mcp::http::{HttpRequest, HttpResponse};

mod common;
use common::*;

#[test]
fn initialize_negotiates_and_issues_no_session() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "ITSM", "config": {"methods": ["read"]}}));
    let response = world.mcp(&path,
        json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.header("mcp-session-id"), None);
    let body = json_body(&response);
    assert_eq!(body["id"], "init");
    assert_eq!(body["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(
        body["result"]["capabilities"]["tools"]["listChanged"],
        false
    );
}

#[test]
fn read_only_server_lists_only_read_tools_and_refuses_writes_like_unknown_tools() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "RO", "config": {"methods": ["read"]}}));
    let listed = json_body(&world.mcp(
        &path,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    ));
    let tools = listed["result"]["tools"].as_array().expect("tools");
    assert!(!tools.is_empty());
    for tool in tools {
        assert_eq!(
            tool["annotations"]["readOnlyHint"], true,
            "{}",
            tool["name"]
        );
    }
    let write = json_body(&world.mcp(
        &path,
        call(
            "create_a_service_now_incident",
            json!({"short_description": "x", "caller_id": ALICE}),
        ),
    ));
    let unknown = json_body(&world.mcp(&path, call("no_such_tool", json!({}))));
    assert_eq!(write["error"]["code"], -32602);
    assert_eq!(unknown["error"]["code"], -32602);
    assert!(
        world.upstream.requests.borrow().is_empty(),
        "nothing may reach ServiceNow"
    );
}

#[test]
fn invalid_arguments_are_a_tool_error_and_never_reach_servicenow() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "RW", "config": {"methods": ["read", "write"]}}));
    let body = json_body(&world.mcp(
        &path,
        call(
            "create_a_service_now_incident",
            // A name would be looked up now; a number is no reference at all.
            json!({"short_description": "VPN down", "caller_id": 42}),
        ),
    ));
    assert_eq!(body["result"]["isError"], true);
    let text = body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("caller_id must be a string"), "{text}");
    assert!(world.upstream.requests.borrow().is_empty());
}

#[test]
fn successful_call_returns_structured_content_and_the_same_json_as_text() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "RW", "config": {"methods": ["read", "write"]}}));
    world.upstream.push_json(201, json!({"result": {"sys_id": "1c741bd70b2322007518478d83673af3", "number": "INC0010001", "state": "1"}}));
    let body = json_body(&world.mcp(&path,
        call(
            "create_a_service_now_incident",
            json!({"short_description": "Core DB unreachable", "caller_id": ALICE, "impact": 1, "urgency": "1"}),
        ),
    ));
    let result = &body["result"];
    assert_eq!(result["isError"], false, "{body}");
    assert_eq!(
        result["structuredContent"]["result"]["number"],
        "INC0010001"
    );
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, result["structuredContent"]);
    let sent = world.upstream.requests.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert!(
        sent[0]
            .url
            .starts_with("https://acme.service-now.com/api/now/table/incident"),
        "{}",
        sent[0].url
    );
    let auth = sent[0].header("authorization").unwrap_or_default();
    assert!(auth.starts_with("Basic "), "{auth}");
}

#[test]
fn upstream_429_becomes_http_429_with_normalized_headers_and_the_same_id() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "RW", "config": {"methods": ["read"]}}));
    world.upstream.push(Ok(HttpResponse::json(
        429,
        &json!({"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 10 requests per hour for Table API exceeded"}, "status": "failure"}),
    )
    .with_header("Retry-After", "42")
    .with_header("X-RateLimit-Limit", "10")
    .with_header("X-RateLimit-Reset", (NOW + 42).to_string())
    .with_header("X-RateLimit-Rule", "8d3e0e1a1b2c3d4e5f60718293a4b5c6")));
    let response = world.mcp(
        &path,
        call("list_all_service_now_incident", json!({"limit": 5})),
    );
    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("42"));
    assert_eq!(response.header("ratelimit-limit"), Some("10"));
    assert_eq!(response.header("ratelimit-reset"), Some("42"));
    assert_eq!(response.header("ratelimit-remaining"), None);
    let body = json_body(&response);
    assert_eq!(body["id"], 9);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("42"),
        "{body}"
    );
    assert_eq!(world.upstream.requests.borrow().len(), 1, "never retried");
}

#[test]
fn a_tool_error_server_answers_upstream_429_with_200_an_is_error_and_the_same_headers() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(
        json!({"name": "py", "config": {"methods": ["read"]}, "rate_limit_response": "tool_error"}),
    );
    world.upstream.push(Ok(HttpResponse::json(
        429,
        &json!({"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 10 requests per hour for Table API exceeded"}, "status": "failure"}),
    )
    .with_header("Retry-After", "42")
    .with_header("X-RateLimit-Limit", "10")
    .with_header("X-RateLimit-Reset", (NOW + 42).to_string())));
    let response = world.mcp(
        &path,
        call("list_all_service_now_incident", json!({"limit": 5})),
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.header("retry-after"), Some("42"));
    assert_eq!(response.header("ratelimit-limit"), Some("10"));
    assert_eq!(response.header("ratelimit-reset"), Some("42"));
    let body = json_body(&response);
    assert_eq!(body["id"], 9);
    assert_eq!(body["result"]["isError"], true, "{body}");
    let text = body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("rate limit") && text.contains("retry after 42 seconds"),
        "{text}"
    );
    assert_eq!(
        body["result"]["_meta"]["io.snmcp/rate_limit"],
        json!({"status": 429, "retry_after_seconds": 42, "limit": 10, "remaining": null, "reset_seconds": 42})
    );
    assert_eq!(world.upstream.requests.borrow().len(), 1, "never retried");
}

#[test]
fn expired_token_is_404_before_kv_purges() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    world.kv.lazy_purge.set(true);
    let path = world.provision(json!({"name": "short", "config": {"methods": ["read"]}, "expires_at": "2026-09-22T00:00:00Z"}),
    );
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(world.mcp(&path, ping.clone()).status, 200);
    world.clock.advance_secs(3 * 86_400);
    let response = world.mcp(&path, ping);
    assert_eq!(response.status, 404);
    assert_eq!(json_body(&response)["error"]["code"], "unknown_mcp_server");
}

#[test]
fn api_token_auth_is_required_when_configured() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(
        json!({"name": "locked", "config": {"methods": ["read"]}, "require_api_token_auth": true}),
    );
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let without = world.mcp(&path, ping.clone());
    assert_eq!(without.status, 401);
    assert!(without
        .header("www-authenticate")
        .unwrap_or_default()
        .starts_with("Bearer"));
    let with = |token: &Value| {
        let request = HttpRequest::new("POST", format!("https://mcp.example.com{path}"))
            .with_header("content-type", "application/json")
            .with_header(
                "authorization",
                format!("Bearer {}", token["token"].as_str().unwrap()),
            )
            .with_body(ping.to_string().into_bytes());
        world.send(request).status
    };
    // A token scoped to another account does not open this server.
    let (status, _) = world.admin("PUT",
        "/integrated-account/globex",
        json!({"instance_url": "https://globex.service-now.com", "auth": {"type": "basic", "username": "mcp", "password": "s3cret-pw2"}}),
    );
    assert_eq!(status, 201);
    let (status, foreign) = world.admin(
        "POST",
        "/integrated-account/globex/api-tokens",
        json!({"name": "globex ci"}),
    );
    assert_eq!(status, 201, "{foreign}");
    assert_eq!(with(&foreign), 401);
    let (status, token) = world.admin(
        "POST",
        "/integrated-account/acme/api-tokens",
        json!({"name": "ci"}),
    );
    assert_eq!(status, 201, "{token}");
    assert_eq!(with(&token), 200);
}

#[test]
fn malformed_bodies_and_notifications_follow_the_transport_rules() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "t", "config": {"methods": ["read"]}}));
    let raw = |body: &str| {
        let request = HttpRequest::new("POST", format!("https://mcp.example.com{path}"))
            .with_header("content-type", "application/json")
            .with_body(body.as_bytes().to_vec());
        world.send(request)
    };
    for (body, status, code) in [
        ("{oops", 400, Some(-32700)),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            400,
            Some(-32600),
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            400,
            Some(-32600),
        ),
        (
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            202,
            None,
        ),
        (r#"{"jsonrpc":"2.0","id":4,"result":{}}"#, 202, None),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"server/discover"}"#,
            200,
            Some(-32601),
        ),
        (
            r#"{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"cursor":"garbage!"}}"#,
            200,
            Some(-32602),
        ),
        (
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":[1]}"#,
            200,
            Some(-32602),
        ),
    ] {
        let response = raw(body);
        assert_eq!(response.status, status, "{body}");
        assert!(
            response.header("access-control-allow-origin").is_some(),
            "CORS on {body}"
        );
        match code {
            Some(code) => assert_eq!(json_body(&response)["error"]["code"], code, "{body}"),
            None => assert!(response.body.is_empty(), "{body}"),
        }
    }
}

#[test]
fn malformed_or_unknown_tokens_are_404_without_revealing_anything() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    for path in [
        "/mcp/short",
        "/mcp/not%20a%20token%20at%20all%20really",
        "/mcp/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/mcp",
    ] {
        let response = world.mcp(path, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
        assert_eq!(response.status, 404, "{path}");
    }
}

#[test]
fn tools_list_answers_are_reused_until_the_filters_change() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let (status, body) = world.admin("PUT",
        "/integrated-account/acme",
        json!({"instance_url": "https://acme.service-now.com", "auth": {"type": "basic", "username": "mcp", "password": "s3cret-pw"}}),
    );
    assert!(status == 200 || status == 201, "{status} {body}");
    let (status, created) = world.admin(
        "POST",
        "/integrated-account/acme/mcp",
        json!({"name": "Cached", "config": {"methods": ["read"]}}),
    );
    assert_eq!(status, 201, "{created}");
    let path = created["url"]
        .as_str()
        .unwrap()
        .strip_prefix("https://mcp.example.com")
        .unwrap()
        .to_string();
    let list = json!({"jsonrpc": "2.0", "id": "L", "method": "tools/list"});
    let first = world.mcp(&path, list.clone());
    let second = world.mcp(&path, list.clone());
    assert_eq!(first, second, "the same answer, byte for byte");
    let read_count = json_body(&first)["result"]["tools"]
        .as_array()
        .unwrap()
        .len();
    let other_id = json_body(&world.mcp(
        &path,
        json!({"jsonrpc": "2.0", "id": 42, "method": "tools/list"}),
    ));
    assert_eq!(
        other_id["id"], 42,
        "the cached answer carries this request's id"
    );
    let server_id = created["id"].as_str().unwrap();
    let (status, body) = world.admin(
        "PATCH",
        &format!("/integrated-account/acme/mcp/{server_id}"),
        json!({"config": {"methods": ["list"]}}),
    );
    assert_eq!(status, 200, "{body}");
    let after = json_body(&world.mcp(&path, list));
    let tools = after["result"]["tools"].as_array().unwrap();
    assert!(tools.len() < read_count, "{} < {read_count}", tools.len());
    // `list` also enables the read-only answer tools (docs/answers.md).
    assert!(tools.iter().all(|t| {
        let name = t["name"].as_str().unwrap();
        name.starts_with("list_all_")
            || ["search", "fetch", "aggregate_service_now_records"].contains(&name)
    }));
}

/// The bytes a gzip member holds, with its CRC-32 and length checked (as clients do).
fn gunzip(gz: &[u8]) -> Vec<u8> {
    assert!(gz.len() > 18 && gz[..3] == [0x1f, 0x8b, 8], "not gzip");
    let plain = miniz_oxide::inflate::decompress_to_vec(&gz[10..gz.len() - 8]).expect("deflate");
    let size = u32::from_le_bytes(gz[gz.len() - 4..].try_into().unwrap());
    assert_eq!(size as usize, plain.len(), "ISIZE");
    let mut crc = !0u32;
    for &b in &plain {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    let stored = u32::from_le_bytes(gz[gz.len() - 8..gz.len() - 4].try_into().unwrap());
    assert_eq!(!crc, stored, "CRC-32");
    plain
}

#[test]
fn tools_list_is_gzip_for_a_client_that_accepts_it_in_both_framings() {
    let world = World::with_env(&[("ALLOW_HTTP_UPSTREAM", "true")]);
    let path = world.provision(json!({"name": "Zipped"}));
    let list = |id: Value, accept: &str, encoding: Option<&str>| {
        let mut request = HttpRequest::new("POST", format!("https://mcp.example.com{path}"))
            .with_header("content-type", "application/json")
            .with_header("accept", accept)
            .with_header("origin", "http://localhost:6274")
            .with_body(json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}).to_string());
        if let Some(encoding) = encoding {
            request = request.with_header("accept-encoding", encoding);
        }
        world.send(request)
    };
    for accept in ["application/json, text/event-stream", "text/event-stream"] {
        // The first answer fills the cache; the next ones come from it.
        let plain = list(json!(1), accept, None);
        assert_eq!(plain.header("content-encoding"), None);
        for id in [json!(7), json!("a \"quoted\" id")] {
            let expected = list(id.clone(), accept, Some("identity")).body;
            let zipped = list(id.clone(), accept, Some("gzip, deflate, br"));
            assert_eq!(zipped.status, 200);
            assert_eq!(zipped.header("content-encoding"), Some("gzip"));
            assert_eq!(zipped.header("vary"), Some("accept-encoding, Origin"));
            assert!(zipped.body.len() * 5 < expected.len(), "compressed");
            assert_eq!(gunzip(&zipped.body), expected, "{accept} {id}");
        }
        let refused = list(json!(8), accept, Some("gzip;q=0, deflate"));
        assert_eq!(refused.header("content-encoding"), None);
    }
}
