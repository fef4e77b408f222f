//! `call_tool` scenarios over `ScriptedUpstream`, `MemoryKv` and `ManualClock`: the exact
//! requests sent and the outcome, for every kind, auth scheme and failure path.

use super::*;
use crate::crypto::SealingKey;
use crate::ports::{ManualClock, MemoryKv, ScriptedUpstream, UpstreamError};
use crate::servicenow::cursor::{query_scope, ListCursor};
use crate::servicenow::request::tests::{incident_spec, tool, SYS_ID};
use crate::store::AccountAuth;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::executor::block_on;
use serde_json::json;

const NOW: u64 = 1_700_000_000;
const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const INSTANCE: &str = "https://dev1.service-now.com";
const TABLE: &str = "https://dev1.service-now.com/api/now/table/incident";
const PASSWORD: &str = "hunter2-secret";
const CLIENT_SECRET: &str = "client-secret-42";

struct Harness {
    clock: &'static ManualClock,
    kv: MemoryKv<'static>,
    upstream: ScriptedUpstream,
    key: SealingKey,
    timeout_ms: u64,
    upload_max_bytes: usize,
    with_key: bool,
    /// The server's filter, for what the call may reach (default: everything).
    filter: snmcp_catalog::ToolFilter,
}

impl Harness {
    fn new() -> Harness {
        // Leaked so the KV can borrow the clock for the whole test.
        let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::at_secs(NOW)));
        Harness {
            clock,
            kv: MemoryKv::new(clock),
            upstream: ScriptedUpstream::new(),
            key: SealingKey::from_secret(KEY).unwrap(),
            timeout_ms: 25_000,
            upload_max_bytes: crate::limits::DEFAULT_UPLOAD_MAX_BYTES,
            with_key: true,
            filter: snmcp_catalog::ToolFilter::default(),
        }
    }

    fn call(&self, auth: &AccountAuth, method: &str, args: serde_json::Value) -> CallOutcome {
        self.call_tool(auth, &tool(&incident_spec(), method), args)
    }

    fn call_tool(&self, auth: &AccountAuth, tool: &Tool, args: serde_json::Value) -> CallOutcome {
        let ctx = UpstreamContext {
            kv: &self.kv,
            upstream: &self.upstream,
            clock: self.clock,
            sealing_key: self.with_key.then_some(&self.key),
            timeout_ms: self.timeout_ms,
            upload_max_bytes: self.upload_max_bytes,
        };
        let account = IntegratedAccount {
            id: "acc_1".into(),
            instance_url: INSTANCE.into(),
            auth: auth.clone(),
            generation: "gen_1".into(),
        };
        let args = args.as_object().cloned().unwrap();
        let catalog = snmcp_catalog::Catalog::builtin().unwrap();
        block_on(call_tool(
            &ctx,
            &account,
            &Scope::new(catalog, &self.filter),
            tool,
            ToolCall::from_valid(tool, &args),
        ))
    }

    fn reply(&self, status: u16, body: serde_json::Value) -> &Self {
        self.upstream.push_json(status, body);
        self
    }

    fn reply_with(&self, response: HttpResponse) -> &Self {
        self.upstream.push(Ok(response));
        self
    }

    /// `METHOD URL` of every request sent so far.
    fn lines(&self) -> Vec<String> {
        self.upstream
            .requests
            .borrow()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }

    fn request(&self, i: usize) -> HttpRequest {
        self.upstream.requests.borrow()[i].clone()
    }
}

fn basic() -> AccountAuth {
    AccountAuth::Basic {
        username: "svc.mcp".into(),
        password: PASSWORD.into(),
    }
}

fn client_credentials() -> AccountAuth {
    AccountAuth::Oauth2ClientCredentials {
        client_id: "mcp-client".into(),
        client_secret: CLIENT_SECRET.into(),
    }
}

fn token(access_token: &str, expires_in: u64) -> serde_json::Value {
    json!({"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer", "scope": "useraccount"})
}

fn record() -> serde_json::Value {
    json!({"sys_id": SYS_ID, "number": "INC0010203", "short_description": "Email down", "state": "2"})
}

fn success(outcome: CallOutcome) -> (serde_json::Value, Vec<(String, String)>) {
    match outcome {
        CallOutcome::Success {
            structured,
            rate_limit,
            ..
        } => (structured, rate_limit),
        other => panic!("expected success, got {other:?}"),
    }
}

fn failure_text(outcome: CallOutcome) -> (String, Option<u16>) {
    match outcome {
        CallOutcome::Failure {
            message,
            upstream_status,
            ..
        } => (message, upstream_status),
        other => panic!("expected failure, got {other:?}"),
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn list_sends_basic_auth_and_pages_with_a_cursor() {
    let h = Harness::new();
    let rows: Vec<_> = (0..2).map(|_| record()).collect();
    h.reply_with(
        HttpResponse::json(200, &json!({"result": rows})).with_header("X-Total-Count", "5"),
    );
    let (out, _) = success(h.call(&basic(), "list", json!({"state": "2", "limit": 2})));

    assert_eq!(
        h.lines(),
        vec![format!(
            "GET {TABLE}?sysparm_query=state%3D2&sysparm_limit=2&sysparm_offset=0&sysparm_display_value=all&sysparm_exclude_reference_link=true"
        )]
    );
    let sent = h.request(0);
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Basic {}", STANDARD.encode(format!("svc.mcp:{PASSWORD}"))).as_str())
    );
    assert_eq!(sent.header("content-type"), None);
    assert_eq!(out["total_count"], 5);
    assert_eq!(out["result"].as_array().map(Vec::len), Some(2));

    // The cursor continues the same query at offset 2.
    h.reply_with(
        HttpResponse::json(200, &json!({"result": [record()]})).with_header("X-Total-Count", "5"),
    );
    let cursor = out["next_cursor"].as_str().unwrap();
    let (second, _) = success(h.call(
        &basic(),
        "list",
        json!({"state": "2", "limit": 2, "next_cursor": cursor}),
    ));
    assert!(
        h.lines()[1].contains("&sysparm_offset=2&"),
        "{}",
        h.lines()[1]
    );
    assert_eq!(
        ListCursor::decode(
            second["next_cursor"].as_str().unwrap(),
            &query_scope("incident", "state=2")
        )
        .map(|c| c.offset),
        Ok(4)
    );

    // Reusing it with another query is refused before anything is sent.
    let (message, status) = failure_text(h.call(
        &basic(),
        "list",
        json!({"state": "3", "next_cursor": cursor}),
    ));
    assert!(message.contains("different query"), "{message}");
    assert_eq!(status, None);
    assert_eq!(h.lines().len(), 2);
}

#[test]
fn get_with_an_api_key_reports_hidden_fields() {
    let h = Harness::new();
    h.reply(
        200,
        json!({"result": {"sys_id": SYS_ID, "number": "INC0010203"}}),
    );
    let auth = AccountAuth::ApiKey {
        key: "sn-api-key-1".into(),
    };
    let (out, _) = success(h.call(
        &auth,
        "get",
        json!({"id": SYS_ID, "fields": ["number", "work_notes"]}),
    ));
    assert_eq!(
        h.lines(),
        vec![format!(
            "GET {TABLE}/{SYS_ID}?sysparm_fields=number%2Cwork_notes%2Csys_id&sysparm_display_value=all&sysparm_exclude_reference_link=true"
        )]
    );
    assert_eq!(h.request(0).header("x-sn-apikey"), Some("sn-api-key-1"));
    assert_eq!(h.request(0).header("authorization"), None);
    assert_eq!(out["hidden_fields"], json!(["work_notes"]));
    assert_eq!(out["result"]["number"], "INC0010203");
}

#[test]
fn create_posts_a_json_body_with_a_static_bearer() {
    let h = Harness::new();
    h.reply(201, json!({"result": record()}));
    let auth = AccountAuth::Bearer {
        token: "static-bearer-token".into(),
    };
    let (out, _) = success(h.call(
        &auth,
        "create",
        json!({"short_description": "Email down", "priority": 2}),
    ));
    assert_eq!(
        h.lines(),
        vec![format!("POST {TABLE}?sysparm_exclude_reference_link=true")]
    );
    let sent = h.request(0);
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer static-bearer-token")
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&sent.body).unwrap(),
        json!({"short_description": "Email down", "priority": "2"})
    );
    assert_eq!(out, json!({"result": record()}));
}

#[test]
fn update_by_number_resolves_the_sys_id_first() {
    let h = Harness::new();
    h.reply(
        200,
        json!({"result": [{"sys_id": SYS_ID, "number": "INC0010203"}]}),
    )
    .reply(200, json!({"result": record()}));
    let (out, _) = success(h.call(&basic(), "update", json!({"id": "INC0010203", "state": 2})));
    assert_eq!(
        h.lines(),
        vec![
            format!("GET {TABLE}?sysparm_query=number%3DINC0010203&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1"),
            format!("PATCH {TABLE}/{SYS_ID}?sysparm_exclude_reference_link=true"),
        ]
    );
    assert!(
        h.request(0).header("authorization").is_some()
            && h.request(1).header("authorization").is_some()
    );
    assert_eq!(
        String::from_utf8(h.request(1).body.to_vec()).unwrap(),
        r#"{"state":"2"}"#
    );
    assert_eq!(out, json!({"result": record()}));
}

#[test]
fn custom_update_sends_its_fixed_values() {
    let h = Harness::new();
    h.reply(200, json!({"result": record()}));
    success(h.call(
        &basic(),
        "resolve",
        json!({"id": SYS_ID, "close_code": "Solution provided", "close_notes": "Rebooted"}),
    ));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&h.request(0).body).unwrap(),
        json!({"close_code": "Solution provided", "close_notes": "Rebooted", "state": "6"})
    );
}

#[test]
fn delete_by_number_answers_deleted_with_the_sys_id() {
    let h = Harness::new();
    h.reply(
        200,
        json!({"result": [{"sys_id": SYS_ID, "number": "INC0010203"}]}),
    )
    .reply_with(HttpResponse::new(204));
    let (out, _) = success(h.call(&basic(), "delete", json!({"id": "INC0010203"})));
    assert_eq!(h.lines()[1], format!("DELETE {TABLE}/{SYS_ID}"));
    assert!(h.request(1).body.is_empty());
    assert_eq!(h.request(1).header("x-no-response-body"), None);
    assert_eq!(
        out,
        json!({"deleted": true, "id": SYS_ID, "table": "incident"})
    );
}

#[test]
fn unknown_number_stops_after_the_lookup() {
    let h = Harness::new();
    h.reply(200, json!({"result": []}));
    let (message, status) = failure_text(h.call(&basic(), "delete", json!({"id": "INC0099999"})));
    assert_eq!(
        message,
        "No Incident with number INC0099999 (or access controls hide it); use list_all_service_now_incident to search."
    );
    assert_eq!(status, Some(200));
    assert_eq!(h.lines().len(), 1);
}

#[test]
fn rate_limit_on_the_number_lookup_is_passed_on_without_the_main_call() {
    let h = Harness::new();
    h.reply_with(
        HttpResponse::json(429, &json!({"error": {"message": "Rate limit exceeded"}}))
            .with_header("Retry-After", "30")
            .with_header("X-RateLimit-Limit", "100"),
    );
    match h.call(
        &basic(),
        "update",
        json!({"id": "INC0010203", "state": "2"}),
    ) {
        CallOutcome::RateLimited {
            retry_after_secs,
            headers,
            ..
        } => {
            assert_eq!(retry_after_secs, Some(30));
            assert_eq!(
                headers,
                pairs(&[
                    ("ratelimit-limit", "100"),
                    ("ratelimit-reset", "30"),
                    ("retry-after", "30")
                ])
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.lines().len(), 1);
}

#[test]
fn oauth_token_is_fetched_sealed_in_kv_and_reused() {
    let h = Harness::new();
    h.reply(200, token("access-1", 1_800))
        .reply(200, json!({"result": record()}));
    success(h.call(&client_credentials(), "get", json!({"id": SYS_ID})));

    assert_eq!(h.lines()[0], format!("POST {INSTANCE}/oauth_token.do"));
    let token_request = h.request(0);
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8(token_request.body.to_vec()).unwrap(),
        format!("grant_type=client_credentials&client_id=mcp-client&client_secret={CLIENT_SECRET}")
    );
    assert_eq!(
        h.request(1).header("authorization"),
        Some("Bearer access-1")
    );

    let keys = h.kv.keys();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].starts_with("oauth:acc_1:"), "{keys:?}");
    let (stored, expiration) = h.kv.raw(&keys[0]).unwrap();
    assert!(!stored.contains("access-1") && !stored.contains(CLIENT_SECRET));
    assert_eq!(expiration, Some(NOW + 1_800 - 60));

    // Second call: cache hit, one request.
    h.clock.advance_secs(600);
    h.reply(200, json!({"result": record()}));
    success(h.call(&client_credentials(), "get", json!({"id": SYS_ID})));
    assert_eq!(h.lines().len(), 3);
    assert_eq!(
        h.request(2).header("authorization"),
        Some("Bearer access-1")
    );
}

#[test]
fn expired_cached_token_is_not_used_even_before_kv_purges_it() {
    let h = Harness::new();
    h.kv.lazy_purge.set(true);
    h.reply(200, token("access-1", 1_800))
        .reply(200, json!({"result": record()}));
    success(h.call(&client_credentials(), "get", json!({"id": SYS_ID})));
    h.clock.advance_secs(1_800 - 60);
    h.reply(200, token("access-2", 1_800))
        .reply(200, json!({"result": record()}));
    success(h.call(&client_credentials(), "get", json!({"id": SYS_ID})));
    assert_eq!(h.lines()[2], format!("POST {INSTANCE}/oauth_token.do"));
    assert_eq!(
        h.request(3).header("authorization"),
        Some("Bearer access-2")
    );
}

#[test]
fn revoked_cached_token_is_replaced_once_on_401() {
    let h = Harness::new();
    let password_grant = AccountAuth::Oauth2Password {
        client_id: "mcp-client".into(),
        client_secret: CLIENT_SECRET.into(),
        username: "svc.mcp".into(),
        password: PASSWORD.into(),
    };
    h.reply(200, token("access-1", 1_800))
        .reply(200, json!({"result": record()}));
    success(h.call(&password_grant, "get", json!({"id": SYS_ID})));
    assert!(String::from_utf8(h.request(0).body.to_vec())
        .unwrap()
        .starts_with("grant_type=password&"));

    h.reply(401, json!({"error": {"message": "User Not Authenticated"}}))
        .reply(200, token("access-2", 1_800))
        .reply(200, json!({"result": record()}));
    success(h.call(&password_grant, "get", json!({"id": SYS_ID})));
    let lines = h.lines();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        h.request(2).header("authorization"),
        Some("Bearer access-1")
    );
    assert_eq!(lines[3], format!("POST {INSTANCE}/oauth_token.do"));
    assert_eq!(
        h.request(4).header("authorization"),
        Some("Bearer access-2")
    );
    assert_eq!(lines[4], lines[2]);

    // The new token replaced the old one in the cache.
    h.reply(200, json!({"result": record()}));
    success(h.call(&password_grant, "get", json!({"id": SYS_ID})));
    assert_eq!(
        h.request(5).header("authorization"),
        Some("Bearer access-2")
    );
}

#[test]
fn a_401_with_a_fresh_token_is_final() {
    let h = Harness::new();
    h.reply(200, token("access-1", 1_800))
        .reply(401, json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}}));
    let (message, status) =
        failure_text(h.call(&client_credentials(), "get", json!({"id": SYS_ID})));
    assert_eq!(status, Some(401));
    assert!(
        message.starts_with("HTTP 401") && message.contains("retrying will not help"),
        "{message}"
    );
    assert_eq!(h.lines().len(), 2);
}

#[test]
fn basic_auth_401_is_not_retried() {
    let h = Harness::new();
    h.reply(401, json!({"error": {"message": "User Not Authenticated"}}));
    let (message, status) = failure_text(h.call(&basic(), "list", json!({})));
    assert_eq!(status, Some(401));
    assert!(message.contains("administrator must fix"), "{message}");
    assert!(!message.contains(PASSWORD));
    assert_eq!(h.lines().len(), 1);
}

#[test]
fn tokens_are_not_cached_without_a_sealing_key() {
    let mut h = Harness::new();
    h.with_key = false;
    for _ in 0..2 {
        h.reply(200, token("access-1", 1_800))
            .reply(200, json!({"result": record()}));
        success(h.call(&client_credentials(), "get", json!({"id": SYS_ID})));
    }
    assert!(h.kv.keys().is_empty());
    assert_eq!(
        h.lines()
            .iter()
            .filter(|l| l.ends_with("/oauth_token.do"))
            .count(),
        2
    );
}

#[test]
fn oauth_endpoint_failures_name_the_grant_without_secrets() {
    let h = Harness::new();
    h.reply(
        401,
        json!({"error_description": "access_denied", "error": "server_error"}),
    );
    let (message, status) = failure_text(h.call(&client_credentials(), "list", json!({})));
    assert_eq!(status, Some(401));
    assert!(
        message.contains("client_credentials grant") && message.contains("access_denied"),
        "{message}"
    );
    assert!(!message.contains(CLIENT_SECRET));
    assert_eq!(h.lines().len(), 1, "no Table API call without a token");

    h.reply_with(HttpResponse::new(429).with_header("Retry-After", "9"));
    match h.call(&client_credentials(), "list", json!({})) {
        CallOutcome::RateLimited {
            retry_after_secs, ..
        } => assert_eq!(retry_after_secs, Some(9)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn timeouts_and_network_errors_become_is_error_results() {
    // (case, method, args, upstream error, expected fragment)
    let cases = [
        (
            "create timeout",
            "create",
            json!({"short_description": "x"}),
            UpstreamError::Timeout { after_ms: 25_000 },
            "did not answer within 25 s; the create may or may not have been applied",
        ),
        (
            "list timeout",
            "list",
            json!({}),
            UpstreamError::Timeout { after_ms: 25_000 },
            "did not answer within 25 s. Try again",
        ),
        (
            "network error on delete",
            "delete",
            json!({"id": SYS_ID}),
            UpstreamError::Network("connection refused".into()),
            "Could not reach ServiceNow at https://dev1.service-now.com (connection refused)",
        ),
    ];
    for (case, method, args, error, expected) in cases {
        let h = Harness::new();
        h.upstream.push(Err(error));
        let (message, status) = failure_text(h.call(&basic(), method, args));
        assert!(message.contains(expected), "{case}: {message}");
        assert_eq!(status, None, "{case}");
    }
}

#[test]
fn oauth_timeout_says_nothing_was_sent() {
    let h = Harness::new();
    h.upstream
        .push(Err(UpstreamError::Timeout { after_ms: 25_000 }));
    let (message, _) = failure_text(h.call(&client_credentials(), "delete", json!({"id": SYS_ID})));
    assert!(
        message.contains("OAuth token endpoint did not answer within 25 s"),
        "{message}"
    );
    assert_eq!(h.lines().len(), 1);
}

#[test]
fn servicenow_error_statuses_become_is_error_results() {
    let error = |status: u16, message: &str, detail: &str| {
        HttpResponse::json(
            status,
            &json!({"error": {"message": message, "detail": detail}, "status": "failure"}),
        )
    };
    // (method, args, response, expected fragment)
    let cases = [
        (
            "list",
            json!({}),
            error(400, "Invalid table incident", ""),
            "HTTP 400 from ServiceNow: Invalid table incident.",
        ),
        (
            "update",
            json!({"id": SYS_ID, "state": "6"}),
            error(
                403,
                "Operation Failed",
                "Data Policy Exception: The following fields are mandatory: Resolution code",
            ),
            "mandatory: Resolution code",
        ),
        (
            "delete",
            json!({"id": SYS_ID}),
            error(
                403,
                "Operation Failed",
                "ACL Exception Delete Failed due to security constraints",
            ),
            "do not repeat",
        ),
        (
            "get",
            json!({"id": SYS_ID}),
            error(404, "No Record found", ""),
            "no Incident with sys_id 46d44a5fa9fe198101cd4bc3a2ae2b7a",
        ),
        (
            "list",
            json!({}),
            error(500, "Internal error", ""),
            "HTTP 500",
        ),
        (
            "list",
            json!({}),
            error(503, "Service unavailable", ""),
            "may retry later",
        ),
    ];
    for (method, args, response, expected) in cases {
        let h = Harness::new();
        let status = response.status;
        h.reply_with(response);
        let (message, upstream_status) = failure_text(h.call(&basic(), method, args));
        assert!(message.contains(expected), "{status}: {message}");
        assert_eq!(upstream_status, Some(status));
    }
}

#[test]
fn upstream_429_is_passed_on_with_normalized_headers() {
    let h = Harness::new();
    h.reply_with(
        HttpResponse::json(
            429,
            &json!({"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 10 requests per hour for Table API exceeded"}, "status": "failure"}),
        )
        .with_header("Retry-After", "120")
        .with_header("X-RateLimit-Limit", "10")
        .with_header("X-RateLimit-Reset", (NOW + 3_000).to_string())
        .with_header("X-RateLimit-Rule", "f1d1b3c1db002010e1d8e3c2ca9619a5"),
    );
    match h.call(&basic(), "create", json!({"short_description": "x"})) {
        CallOutcome::RateLimited {
            message,
            retry_after_secs,
            headers,
        } => {
            assert_eq!(retry_after_secs, Some(120));
            assert!(message.contains("retry after 120 seconds"), "{message}");
            assert_eq!(
                headers,
                pairs(&[
                    ("ratelimit-limit", "10"),
                    ("ratelimit-reset", "120"),
                    ("retry-after", "120")
                ])
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.lines().len(), 1, "a 429 is never retried");
}

#[test]
fn rate_limit_headers_of_a_success_are_normalized() {
    let h = Harness::new();
    h.reply_with(
        HttpResponse::json(200, &json!({"result": []}))
            .with_header("X-RateLimit-Limit", "1000")
            .with_header("X-RateLimit-Reset", (NOW + 1_200).to_string()),
    );
    let (out, rate_limit) = success(h.call(&basic(), "list", json!({})));
    assert_eq!(
        rate_limit,
        pairs(&[("ratelimit-limit", "1000"), ("ratelimit-reset", "1200")])
    );
    assert_eq!(out, json!({"result": []}));
}

#[test]
fn invalid_arguments_send_nothing() {
    let h = Harness::new();
    let (message, status) = failure_text(h.call(&basic(), "get", json!({"id": "Sarah Connor"})));
    assert!(message.contains("32-character sys_id"), "{message}");
    assert_eq!(status, None);
    assert!(h.lines().is_empty());
}

#[test]
fn secrets_echoed_by_the_network_layer_are_redacted() {
    let h = Harness::new();
    h.upstream.push(Err(UpstreamError::Network(format!(
        "TLS failure for svc.mcp:{PASSWORD}@dev1"
    ))));
    let (message, _) = failure_text(h.call(&basic(), "list", json!({})));
    assert!(!message.contains(PASSWORD), "{message}");
    assert!(message.contains("[redacted]"), "{message}");
}

/// The incident tool of `method` with its caller_id resolvable among users.
fn tool_with_caller(method: &str) -> Tool {
    let mut t = tool(&incident_spec(), method);
    t.references.insert(
        "caller_id".into(),
        crate::servicenow::resolve::tests::users(),
    );
    t
}

const USERS: &str = "https://dev1.service-now.com/api/now/table/sys_user";
const ALICE: &str = "62826bf03710200044e0bfc8bcbe5df1";

#[test]
fn a_name_is_resolved_with_one_lookup_before_the_write() {
    let h = Harness::new();
    h.reply(200, json!({"result": [{"sys_id": ALICE, "name": "Alice Johnson", "user_name": "alice.johnson"}]}))
        .reply(201, json!({"result": record()}));
    let outcome = h.call_tool(
        &basic(),
        &tool_with_caller("create"),
        json!({"short_description": "VPN down", "caller_id": " Alice Johnson "}),
    );
    let (structured, _) = success(outcome.clone());
    assert_eq!(structured["result"]["number"], "INC0010203");
    assert_eq!(
        h.lines(),
        vec![
            format!("GET {USERS}?sysparm_query=user_name%3DAlice%20Johnson%5EORemail%3DAlice%20Johnson%5EORname%3DAlice%20Johnson&sysparm_fields=sys_id%2Cname%2Cuser_name%2Cemail&sysparm_limit=6"),
            format!("POST {TABLE}?sysparm_exclude_reference_link=true"),
        ]
    );
    let body: serde_json::Value = serde_json::from_slice(&h.request(1).body).unwrap();
    assert_eq!(body["caller_id"], ALICE);
    // The created record links to its form on the instance.
    match outcome {
        CallOutcome::Success {
            link: Some(link), ..
        } => {
            assert_eq!(
                link.uri,
                format!("{INSTANCE}/nav_to.do?uri=incident.do%3Fsys_id%3D{SYS_ID}")
            );
            assert_eq!(link.name, "INC0010203");
        }
        other => panic!("no link: {other:?}"),
    }
}

#[test]
fn a_name_lookup_that_times_out_says_what_it_was_looking_up() {
    let h = Harness::new();
    h.upstream
        .push(Err(UpstreamError::Timeout { after_ms: 25_000 }));
    let (message, _) = failure_text(h.call_tool(
        &basic(),
        &tool_with_caller("create"),
        json!({"short_description": "VPN down", "caller_id": "Alice Johnson"}),
    ));
    assert!(
        message.contains(
            "while looking up caller_id \"Alice Johnson\" in sys_user; nothing was changed"
        ),
        "{message}"
    );
    assert!(!message.contains("record number"), "{message}");
    assert_eq!(h.lines().len(), 1, "the write was not sent");
}

#[test]
fn an_ambiguous_or_unknown_name_writes_nothing() {
    let cases = [
        (
            "ambiguous",
            json!({"result": [
                {"sys_id": ALICE, "name": "Alice Johnson"},
                {"sys_id": SYS_ID, "name": "Alice Johnson"}
            ]}),
            vec!["caller_id is ambiguous", "2 sys_user records", "\"Alice Johnson\"", ALICE, SYS_ID, "Nothing was written"],
        ),
        (
            "unknown",
            json!({"result": []}),
            vec!["caller_id: no sys_user records whose user_name, email or name is \"Alice Johnson\"", "nothing was written", "list_all_service_now_sys_users"],
        ),
    ];
    for (case, lookup, expected) in cases {
        let h = Harness::new();
        h.reply(200, lookup);
        let (message, _) = failure_text(h.call_tool(
            &basic(),
            &tool_with_caller("create"),
            json!({"short_description": "x", "caller_id": "Alice Johnson"}),
        ));
        for part in expected {
            assert!(message.contains(part), "{case}: {message}");
        }
        assert_eq!(h.lines().len(), 1, "{case}: only the lookup was sent");
        assert!(h.lines()[0].starts_with("GET "), "{case}");
    }
}

#[test]
fn sys_ids_and_bad_values_send_no_lookup() {
    // A sys_id goes straight into the write.
    let h = Harness::new();
    h.reply(201, json!({"result": record()}));
    success(h.call_tool(
        &basic(),
        &tool_with_caller("create"),
        json!({"short_description": "x", "caller_id": ALICE.to_uppercase()}),
    ));
    assert_eq!(h.lines().len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&h.request(0).body).unwrap();
    assert_eq!(body["caller_id"], ALICE);
    // Refused values reach nothing at all.
    for bad in ["", "   ", "Alice\nJohnson", &"x".repeat(256)] {
        let h = Harness::new();
        let (message, status) = failure_text(h.call_tool(
            &basic(),
            &tool_with_caller("create"),
            json!({"short_description": "x", "caller_id": bad}),
        ));
        assert!(message.starts_with("caller_id "), "{bad:?}: {message}");
        assert_eq!(status, None);
        assert!(h.lines().is_empty(), "{bad:?}");
    }
}

#[test]
fn a_rate_limited_lookup_is_passed_through_and_writes_nothing() {
    let h = Harness::new();
    h.reply_with(
        HttpResponse::json(429, &json!({"error": {"message": "Too many"}}))
            .with_header("Retry-After", "7"),
    );
    let outcome = h.call_tool(
        &basic(),
        &tool_with_caller("create"),
        json!({"short_description": "x", "caller_id": "alice.johnson"}),
    );
    assert!(
        matches!(
            outcome,
            CallOutcome::RateLimited {
                retry_after_secs: Some(7),
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(h.lines().len(), 1);
}

#[test]
fn a_list_filter_by_name_is_resolved_then_filters_by_sys_id() {
    let h = Harness::new();
    h.reply(
        200,
        json!({"result": [{"sys_id": ALICE, "name": "Alice Johnson"}]}),
    )
    .reply(200, json!({"result": [record()]}));
    success(h.call_tool(
        &basic(),
        &tool_with_caller("list"),
        json!({"caller_id": "alice.johnson", "limit": 5}),
    ));
    let lines = h.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(&format!(
        "GET {USERS}?sysparm_query=user_name%3Dalice.johnson"
    )));
    assert!(
        lines[1].starts_with(&format!("GET {TABLE}?sysparm_query=caller_id%3D{ALICE}&")),
        "{}",
        lines[1]
    );
}

fn attach_tool() -> Tool {
    tool(
        &crate::servicenow::request::tests::attachment_spec(),
        "attach_file",
    )
}

fn attach_args(file_name: &str, bytes: &[u8]) -> serde_json::Value {
    json!({"table_name": "incident", "table_sys_id": SYS_ID, "file_name": file_name,
           "content_type": "application/octet-stream", "content": STANDARD.encode(bytes),
           "encoding": "base64"})
}

#[test]
fn an_upload_of_exactly_the_cap_is_sent_and_one_byte_more_is_not() {
    let h = Harness::new();
    let cap = crate::limits::DEFAULT_UPLOAD_MAX_BYTES;
    assert_eq!(cap, 5 * 1024 * 1024);
    let (message, status) = failure_text(h.call_tool(
        &basic(),
        &attach_tool(),
        attach_args("big.zip", &vec![7u8; cap + 1]),
    ));
    assert!(message.contains("up to 5242880 bytes (5 MiB)"), "{message}");
    assert_eq!(status, None);
    assert!(h.lines().is_empty(), "nothing may be sent: {:?}", h.lines());

    h.reply(
        201,
        json!({"result": {"sys_id": SYS_ID, "size_bytes": cap.to_string()}}),
    );
    success(h.call_tool(
        &basic(),
        &attach_tool(),
        attach_args("big.zip", &vec![7u8; cap]),
    ));
    let sent = h.request(0);
    assert_eq!(sent.method, "POST");
    assert!(
        sent.url.contains("/api/now/attachment/file?"),
        "{}",
        sent.url
    );
    assert_eq!(sent.body.len(), cap);
}

#[test]
fn a_smaller_configured_cap_is_the_one_enforced() {
    let mut h = Harness::new();
    h.upload_max_bytes = 2048;
    let (message, _) =
        failure_text(h.call_tool(&basic(), &attach_tool(), attach_args("a.zip", &[1u8; 2049])));
    assert!(message.contains("up to 2048 bytes (2 KiB)"), "{message}");
    assert!(h.lines().is_empty());
}

#[test]
fn an_instance_refusing_the_extension_or_the_size_is_named() {
    let h = Harness::new();
    let refusal =
        |message: &str| json!({"error": {"message": message, "detail": null}, "status": "failure"});
    h.reply(400, refusal("Attachment file extension zip is not allowed"));
    let (message, status) =
        failure_text(h.call_tool(&basic(), &attach_tool(), attach_args("logs.zip", b"PK")));
    assert_eq!(status, Some(400));
    for words in [
        "extension .zip",
        "glide.attachment.extensions",
        "nothing was written",
    ] {
        assert!(message.contains(words), "{words}: {message}");
    }
    h.reply(400, refusal("Attachment size exceeds the maximum allowed"));
    let (message, _) =
        failure_text(h.call_tool(&basic(), &attach_tool(), attach_args("a.txt", b"hello")));
    for words in ["com.glide.attachment.max_size", "nothing was written"] {
        assert!(message.contains(words), "{words}: {message}");
    }
    h.reply(400, refusal("Invalid table name or table sys id"));
    let (message, _) =
        failure_text(h.call_tool(&basic(), &attach_tool(), attach_args("a.txt", b"hello")));
    assert!(!message.contains("glide.attachment"), "{message}");
}

fn builtin_tool(name: &str) -> Tool {
    let everything = snmcp_catalog::ToolFilter::default();
    snmcp_catalog::Catalog::builtin()
        .unwrap()
        .find(name, &everything)
        .unwrap_or_else(|| panic!("{name}"))
        .clone()
}

fn tagged(tags: &[&str]) -> snmcp_catalog::ToolFilter {
    snmcp_catalog::ToolFilter {
        tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..Default::default()
    }
}

const ATTACHMENTS: &str = "https://dev1.service-now.com/api/now/attachment";

#[test]
fn attachment_lists_reach_only_the_tables_the_server_exposes() {
    let mut h = Harness::new();
    h.filter = tagged(&["incident", "attachments"]);
    let list = builtin_tool("list_all_service_now_sys_attachment");
    h.reply(200, json!({"result": []}));
    success(h.call_tool(&basic(), &list, json!({"table_sys_id": SYS_ID})));
    let lines = h.lines();
    assert!(
        lines[0].starts_with(&format!(
            "GET {ATTACHMENTS}?sysparm_query=table_nameINincident%2Cincident_task%5Etable_sys_id%3D{SYS_ID}&"
        )),
        "{lines:?}"
    );
    // A filter naming another table is refused before anything is sent.
    let (message, _) = failure_text(h.call_tool(
        &basic(),
        &list,
        json!({"table_name": "hr_case", "table_sys_id": SYS_ID}),
    ));
    assert!(message.contains("\"hr_case\""), "{message}");
    assert_eq!(h.lines().len(), 1);
}

#[test]
fn an_attachment_of_a_foreign_table_is_read_for_its_table_then_refused() {
    let mut h = Harness::new();
    h.filter = tagged(&["incident", "attachments"]);
    for (tool, kind) in [
        ("get_single_service_now_sys_attachment_by_id", "read"),
        ("read_file_service_now_sys_attachment", "read"),
        ("delete_a_service_now_sys_attachment_by_id", "write"),
    ] {
        let before = h.lines().len();
        h.reply(
            200,
            json!({"result": {"sys_id": SYS_ID, "table_name": "hr_case"}}),
        );
        let (message, _) =
            failure_text(h.call_tool(&basic(), &builtin_tool(tool), json!({"id": SYS_ID})));
        assert!(
            message.contains("\"hr_case\"") && message.contains(&format!("may not {kind}")),
            "{tool}: {message}"
        );
        let lines = h.lines();
        assert_eq!(
            lines.len(),
            before + 1,
            "{tool}: only the metadata read: {lines:?}"
        );
        assert_eq!(
            lines[before],
            format!("GET {ATTACHMENTS}/{SYS_ID}"),
            "{tool}"
        );
    }
    // An incident's attachment goes through: the metadata read, then the call.
    h.reply(
        200,
        json!({"result": {"sys_id": SYS_ID, "table_name": "incident"}}),
    );
    h.reply_with(HttpResponse {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    });
    let outcome = h.call_tool(
        &basic(),
        &builtin_tool("delete_a_service_now_sys_attachment_by_id"),
        json!({"id": SYS_ID}),
    );
    assert!(
        matches!(outcome, CallOutcome::Success { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        h.lines().last().unwrap(),
        &format!("DELETE {ATTACHMENTS}/{SYS_ID}")
    );
}

#[test]
fn an_upload_to_a_table_the_server_cannot_write_sends_nothing() {
    let mut h = Harness::new();
    h.filter = snmcp_catalog::ToolFilter {
        tags: Some(vec!["incident".into(), "attachments".into()]),
        methods: Some(vec!["read".into(), "attach_file".into()]),
        ..Default::default()
    };
    let mut args = attach_args("notes.txt", b"hello");
    let (message, _) = failure_text(h.call_tool(&basic(), &attach_tool(), args.clone()));
    assert!(message.contains("may not write"), "{message}");
    h.filter = tagged(&["incident", "attachments"]);
    args["table_name"] = json!("sys_user");
    let (message, _) = failure_text(h.call_tool(&basic(), &attach_tool(), args));
    assert!(message.contains("\"sys_user\""), "{message}");
    assert!(h.lines().is_empty(), "{:?}", h.lines());
}

#[test]
fn journal_reads_reach_only_the_tables_the_server_exposes() {
    let mut h = Harness::new();
    h.filter = tagged(&["incident", "journal"]);
    h.reply(200, json!({"result": []}));
    success(h.call_tool(
        &basic(),
        &builtin_tool("read_notes_service_now_sys_journal_field"),
        json!({"element_id": SYS_ID}),
    ));
    let line = &h.lines()[0];
    assert!(
        line.contains("sysparm_query=nameINincident%2Cincident_task%5EelementINwork_notes"),
        "{line}"
    );
    // A journal entry of another table, by sys_id: read for its table, then refused.
    h.reply(200, json!({"result": {"name": "hr_case"}}));
    let (message, _) = failure_text(h.call_tool(
        &basic(),
        &builtin_tool("get_single_service_now_sys_journal_field_by_id"),
        json!({"id": SYS_ID}),
    ));
    assert!(message.contains("\"hr_case\""), "{message}");
    assert_eq!(
        h.lines()[1],
        format!("GET {INSTANCE}/api/now/table/sys_journal_field/{SYS_ID}?sysparm_fields=name")
    );
    assert_eq!(h.lines().len(), 2);
}

#[test]
fn hidden_tables_stay_hidden_through_fields_queries_and_lookups() {
    let mut h = Harness::new();
    h.filter = tagged(&["incident"]);
    let list = builtin_tool("list_all_service_now_incident");
    for args in [
        json!({"fields": ["number", "caller_id.email"]}),
        json!({"query": "caller_id.email=ceo@example.com"}),
        json!({"query": "RLQUERYsys_user_grmember.user,>=1^ENDRLQUERY"}),
        json!({"query": "active=true^ORDERBYcaller_id.name"}),
    ] {
        let (message, _) = failure_text(h.call_tool(&basic(), &list, args.clone()));
        assert!(message.contains("does not expose"), "{args}: {message}");
    }
    assert!(h.lines().is_empty(), "{:?}", h.lines());
    // A name lookup in the hidden user table: candidates by sys_id only.
    h.reply(
        200,
        json!({"result": [
            {"sys_id": SYS_ID, "name": "Alice Johnson", "user_name": "alice", "email": "a@x"},
            {"sys_id": "0123456789abcdef0123456789abcdef", "name": "Alice Jones", "user_name": "ajones", "email": "b@x"}
        ]}),
    );
    let create = builtin_tool("create_a_service_now_incident");
    let (message, _) = failure_text(h.call_tool(
        &basic(),
        &create,
        json!({"short_description": "x", "caller_id": "Alice"}),
    ));
    assert!(message.contains("names withheld"), "{message}");
    assert!(!message.contains("Alice Jo"), "{message}");
}
