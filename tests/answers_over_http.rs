//! search / fetch / aggregate_service_now_records through the whole request path
//! (transport, token lookup, dispatch, the answers module) with in-memory KV and a
//! scripted ServiceNow: which requests go out, which never do, and that every result
//! validates against the tool's own outputSchema.
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use servicenow_mcp::http::HttpResponse;

mod common;
use common::*;

const KB_ID: &str = "8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d";
const INC_ID: &str = "46d44a5fa9fe198101cd4bc3a2ae2b7a";

/// What these tests ask of the world beyond the common requests.
trait AnswersWorld {
    fn answers_server(&self, config: Value) -> String;
    fn server_with_auth(&self, config: Value, auth: Value) -> String;
    fn call(&self, path: &str, name: &str, arguments: Value) -> Value;
    fn push_json(&self, status: u16, body: Value) -> &Self;
    fn request_paths(&self) -> Vec<String>;
    fn query_of(&self, index: usize, key: &str) -> Option<String>;
}

impl AnswersWorld for World {
    /// A server with `config`; returns its MCP path.
    fn answers_server(&self, config: Value) -> String {
        self.server_with_auth(
            config,
            json!({"type": "basic", "username": "mcp", "password": "s3cret-pw"}),
        )
    }

    fn server_with_auth(&self, config: Value, auth: Value) -> String {
        self.account(INSTANCE, auth);
        self.server(json!({"name": "answers", "config": config}))
    }

    fn call(&self, path: &str, name: &str, arguments: Value) -> Value {
        self.rpc(
            path,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        )
    }

    /// Queues ServiceNow's next answer.
    fn push_json(&self, status: u16, body: Value) -> &Self {
        self.upstream.push_json(status, body);
        self
    }

    fn request_paths(&self) -> Vec<String> {
        self.upstream
            .requests
            .borrow()
            .iter()
            .map(|r| r.path().to_string())
            .collect()
    }

    fn query_of(&self, index: usize, key: &str) -> Option<String> {
        let requests = self.upstream.requests.borrow();
        requests
            .get(index)?
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// The result of a successful call, checked like the SDK clients check it: the
/// structuredContent validates against the tool's outputSchema and the text item holds
/// the same JSON.
fn success(world: &World, path: &str, name: &str, body: &Value) -> Value {
    let result = &body["result"];
    assert_eq!(result["isError"], false, "{body}");
    let structured = result["structuredContent"].clone();
    let text = result["content"][0]["text"].as_str().expect("text item");
    assert_eq!(
        serde_json::from_str::<Value>(text).expect("JSON text"),
        structured
    );
    let tool = world
        .tools(path)
        .into_iter()
        .find(|t| t["name"] == name)
        .expect("tool listed");
    let validator =
        jsonschema::validator_for(&tool["outputSchema"]).expect("outputSchema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&structured)
        .map(|e| e.to_string())
        .collect();
    assert!(
        problems.is_empty(),
        "{name} output does not match its outputSchema: {problems:?}\n{structured}"
    );
    structured
}

fn tool_error(body: &Value) -> String {
    assert_eq!(body["result"]["isError"], true, "{body}");
    body["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn names(tools: &[Value]) -> Vec<&str> {
    tools.iter().filter_map(|t| t["name"].as_str()).collect()
}

#[test]
fn answer_tools_follow_the_server_filters() {
    let world = World::new();
    let cases: [(Value, &[&str]); 6] = [
        (
            json!({}),
            &["search", "fetch", "aggregate_service_now_records"],
        ),
        (
            json!({"methods": ["read"], "tags": ["itsm"]}),
            &["search", "fetch", "aggregate_service_now_records"],
        ),
        (
            json!({"tags": ["cmdb"]}),
            &["aggregate_service_now_records"],
        ),
        (json!({"methods": ["write"]}), &[]),
        (json!({"methods": ["create"], "tags": ["knowledge"]}), &[]),
        // Discovery mode lists its own three tools only (docs/answers.md).
        (json!({"tool_mode": "discovery"}), &[]),
    ];
    for (config, expected) in cases {
        let path = world.answers_server(config.clone());
        let tools = world.tools(&path);
        let listed = names(&tools);
        let answers: Vec<&str> = listed
            .iter()
            .copied()
            .filter(|n| ["search", "fetch", "aggregate_service_now_records"].contains(n))
            .collect();
        assert_eq!(answers, expected, "{config}");
        for tool in tools
            .iter()
            .filter(|t| expected.contains(&t["name"].as_str().unwrap_or("")))
        {
            assert_eq!(tool["annotations"]["readOnlyHint"], true);
            assert_eq!(tool["annotations"]["destructiveHint"], false);
            assert!(tool["description"].as_str().unwrap_or("").len() <= 1024);
            jsonschema::validator_for(&tool["inputSchema"]).expect("inputSchema compiles");
        }
        // A hidden answer tool is indistinguishable from an unknown one.
        if !expected.contains(&"search") {
            let body = world.call(&path, "search", json!({"query": "vpn"}));
            assert_eq!(body["error"]["code"], -32602, "{config}: {body}");
        }
    }
    assert!(world.upstream.requests.borrow().is_empty());
}

#[test]
fn bad_input_is_a_clear_tool_error_and_never_reaches_servicenow() {
    let world = World::new();
    let path = world.answers_server(json!({"methods": ["read"], "tags": ["incident", "itsm"]}));
    let cases = [
        ("search", json!({"query": ""}), "empty"),
        ("search", json!({"query": "   "}), "empty"),
        (
            "search",
            json!({"query": "x".repeat(301)}),
            "301 characters",
        ),
        ("search", json!({}), "needs a query"),
        (
            "search",
            json!({"query": "vpn", "limit": 3}),
            "unknown argument limit",
        ),
        ("fetch", json!({"id": "hello"}), "Unknown id"),
        (
            "fetch",
            json!({"id": "kb_knowledge:8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"}),
            "cannot read the table",
        ),
        (
            "fetch",
            json!({"id": "KB0010002"}),
            "No table this server reads",
        ),
        ("fetch", json!({}), "needs an id"),
        (
            "aggregate_service_now_records",
            json!({"table": "kb_knowledge"}),
            "cannot read the table",
        ),
        (
            "aggregate_service_now_records",
            json!({"table": "incident", "group_by": ["nope"]}),
            "no field \"nope\"",
        ),
        (
            "aggregate_service_now_records",
            json!({"table": "incident", "having": "count^priority"}),
            "four ^-separated parts",
        ),
        (
            "aggregate_service_now_records",
            json!({"table": "incident", "having": "count^priority^>^lots"}),
            "not a number",
        ),
    ];
    for (name, arguments, fragment) in cases {
        let message = tool_error(&world.call(&path, name, arguments.clone()));
        assert!(message.contains(fragment), "{name} {arguments}: {message}");
    }
    assert!(
        world.upstream.requests.borrow().is_empty(),
        "{:?}",
        world.request_paths()
    );
}

#[test]
fn search_ranks_numbers_then_articles_then_open_records_and_falls_back_without_the_plugin() {
    let world = World::new();
    let path = world.answers_server(json!({}));
    world
        // INC0010001 by number.
        .push_json(200, json!({"result": [{"sys_id": INC_ID, "number": "INC0010001", "short_description": "VPN drops", "sys_updated_on": "2026-11-01 10:00:00"}]}))
        // Knowledge API absent.
        .push_json(404, json!({"error": {"message": "Requested URI does not represent any resource", "detail": null}, "status": "failure"}))
        // Table API fallback on kb_knowledge.
        .push_json(200, json!({"result": [
            {"sys_id": "11111111111111111111111111111111", "number": "KB0010009", "short_description": "Unrelated title", "sys_updated_on": "2026-11-03 00:00:00"},
            {"sys_id": KB_ID, "number": "KB0010002", "short_description": "How to reset your VPN connection", "sys_updated_on": "2026-10-01 00:00:00"}
        ]}))
        // Open incidents: the number's incident again (deduplicated) and another.
        .push_json(200, json!({"result": [
            {"sys_id": INC_ID, "number": "INC0010001", "short_description": "VPN drops", "sys_updated_on": "2026-11-01 10:00:00"},
            {"sys_id": "22222222222222222222222222222222", "number": "INC0010025", "short_description": "VPN certificate warning", "sys_updated_on": "2026-11-05 00:00:00"}
        ]}))
        .push_json(200, json!({"result": []}))
        .push_json(200, json!({"result": []}));
    let body = world.call(&path, "search", json!({"query": "reset VPN INC0010001"}));
    let result = success(&world, &path, "search", &body);
    let ids: Vec<&str> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            format!("incident:{INC_ID}").as_str(),
            format!("kb_knowledge:{KB_ID}").as_str(),
            "kb_knowledge:11111111111111111111111111111111",
            "incident:22222222222222222222222222222222",
        ]
    );
    assert_eq!(
        result["results"][1]["url"],
        format!("{INSTANCE}/nav_to.do?uri=kb_knowledge.do%3Fsys_id%3D{KB_ID}")
    );
    assert_eq!(
        result["results"][1]["title"],
        "KB0010002: How to reset your VPN connection"
    );
    assert_eq!(
        world.request_paths(),
        [
            "/api/now/table/incident",
            "/api/sn_km_api/knowledge/articles",
            "/api/now/table/kb_knowledge",
            "/api/now/table/incident",
            "/api/now/table/problem",
            "/api/now/table/change_request",
        ]
    );
    assert_eq!(
        world.query_of(0, "sysparm_query").as_deref(),
        Some("number=INC0010001")
    );
    assert_eq!(
        world.query_of(1, "query").as_deref(),
        Some("reset VPN INC0010001")
    );
    let fallback = world.query_of(2, "sysparm_query").unwrap_or_default();
    assert!(fallback.starts_with("workflow_state=published^short_descriptionLIKEreset^ORtextLIKEreset^ORshort_descriptionLIKEvpn"), "{fallback}");
    let open = world.query_of(3, "sysparm_query").unwrap_or_default();
    assert_eq!(open, "active=true^short_descriptionLIKEreset^ORshort_descriptionLIKEvpn^ORDERBYDESCsys_updated_on");
}

#[test]
fn a_server_whose_tags_hide_knowledge_never_queries_it() {
    let world = World::new();
    let path = world.answers_server(json!({"tags": ["incident"]}));
    world.push_json(200, json!({"result": []}));
    let body = world.call(&path, "search", json!({"query": "printer jam"}));
    let result = success(&world, &path, "search", &body);
    assert_eq!(result, json!({"results": []}));
    assert_eq!(world.request_paths(), ["/api/now/table/incident"]);
}

#[test]
fn search_uses_the_knowledge_api_score() {
    let world = World::new();
    let path = world.answers_server(json!({"tags": ["knowledge"]}));
    world.push_json(200, json!({"result": {"meta": {"count": 2}, "articles": [
        {"id": "11111111111111111111111111111111", "number": "KB0010001", "title": "Low", "score": 2.5, "fields": {"sys_updated_on": {"value": "2026-12-01 00:00:00"}}},
        {"id": KB_ID, "number": "KB0010002", "title": "High", "score": 19.0, "fields": {"sys_updated_on": {"value": "2020-01-01 00:00:00"}}}
    ]}}));
    let body = world.call(&path, "search", json!({"query": "reset saved credentials"}));
    let result = success(&world, &path, "search", &body);
    assert_eq!(result["results"][0]["id"], format!("kb_knowledge:{KB_ID}"));
    assert_eq!(result["results"][0]["title"], "KB0010002: High");
    assert_eq!(world.request_paths(), ["/api/sn_km_api/knowledge/articles"]);
}

#[test]
fn fetch_reads_an_article_as_text_and_a_record_with_its_journal() {
    let world = World::new();
    let path = world.answers_server(json!({"methods": ["read"]}));
    let dv = |v: &str, d: &str| json!({"value": v, "display_value": d});
    world.push_json(200, json!({"result": {
        "sys_id": dv(KB_ID, KB_ID), "number": dv("KB0010002", "KB0010002"),
        "short_description": dv("How to reset your VPN connection", "How to reset your VPN connection"),
        "text": dv("<p>Quit the client.</p><script>track()</script><ul><li>Reset saved credentials</li></ul>", ""),
        "workflow_state": dv("published", "Published")
    }}));
    let body = world.call(
        &path,
        "fetch",
        json!({"id": format!("kb_knowledge:{KB_ID}")}),
    );
    let article = success(&world, &path, "fetch", &body);
    assert_eq!(article["id"], format!("kb_knowledge:{KB_ID}"));
    assert_eq!(article["title"], "How to reset your VPN connection");
    assert_eq!(article["text"], "KB0010002: How to reset your VPN connection\n\nQuit the client.\n\n- Reset saved credentials");
    assert_eq!(article["metadata"]["workflow_state"], "Published");
    assert_eq!(
        world.request_paths(),
        [format!("/api/now/table/kb_knowledge/{KB_ID}")]
    );
    assert_eq!(
        world.query_of(0, "sysparm_display_value").as_deref(),
        Some("all")
    );

    world.upstream.requests.borrow_mut().clear();
    world
        .push_json(200, json!({"result": [{
            "sys_id": dv(INC_ID, INC_ID), "number": dv("INC0010001", "INC0010001"),
            "short_description": dv("VPN drops", "VPN drops"), "state": dv("2", "In Progress"),
            "priority": dv("3", "3 - Moderate"), "assignment_group": dv("g", "Network Operations")
        }]}))
        .push_json(200, json!({"result": [
            {"element": "comments", "value": "Could you send the log?", "sys_created_on": "2026-11-02 11:00:00", "sys_created_by": "sarah.connor"},
            {"element": "work_notes", "value": "IKE rekey failures.", "sys_created_on": "2026-11-02 10:00:00", "sys_created_by": "sarah.connor"}
        ]}));
    let body = world.call(&path, "fetch", json!({"id": "INC0010001"}));
    let record = success(&world, &path, "fetch", &body);
    let text = record["text"].as_str().unwrap();
    for line in [
        "INC0010001: VPN drops",
        "State: In Progress",
        "Priority: 3 - Moderate",
        "Assignment group: Network Operations",
        "(Comment): Could you send the log?",
        "(Work note): IKE rekey failures.",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    assert_eq!(record["id"], format!("incident:{INC_ID}"));
    assert_eq!(
        world.request_paths(),
        [
            "/api/now/table/incident",
            "/api/now/table/sys_journal_field"
        ]
    );
    assert_eq!(
        world.query_of(1, "sysparm_query").as_deref(),
        Some(format!("element_id={INC_ID}^ORDERBYDESCsys_created_on").as_str())
    );
}

#[test]
fn fetch_without_journal_access_says_so_and_a_missing_record_is_an_error() {
    let world = World::new();
    let path = world.answers_server(json!({"tags": ["incident"]}));
    world.push_json(200, json!({"result": {"sys_id": INC_ID, "number": "INC0010001", "short_description": "VPN drops"}}));
    let body = world.call(&path, "fetch", json!({"id": format!("incident:{INC_ID}")}));
    let record = success(&world, &path, "fetch", &body);
    assert!(record["text"]
        .as_str()
        .unwrap()
        .ends_with("this server does not expose sys_journal_field."));
    assert_eq!(
        world.request_paths().len(),
        1,
        "sys_journal_field is hidden: never read"
    );

    world.push_json(404, json!({"error": {"message": "No Record found", "detail": "Record doesn't exist or ACL restricts the record retrieval"}, "status": "failure"}));
    let message =
        tool_error(&world.call(&path, "fetch", json!({"id": format!("incident:{INC_ID}")})));
    assert!(message.contains("No Incident with sys_id"), "{message}");
}

#[test]
fn aggregate_turns_string_numbers_into_numbers_and_groups_into_a_list() {
    let world = World::new();
    let path = world.answers_server(json!({"methods": ["list"]}));
    world.push_json(200, json!({"result": [
        {"stats": {"count": "4", "avg": {"reopen_count": "0.5000"}}, "groupby_fields": [{"field": "assignment_group", "value": "g1", "display_value": "Network Operations"}]},
        {"stats": {"count": "2", "avg": {"reopen_count": "0"}}, "groupby_fields": [{"field": "assignment_group", "value": "g2", "display_value": "Service Desk"}]}
    ]}));
    let body = world.call(&path, "aggregate_service_now_records", json!({
        "table": "incident", "query": "active=true", "group_by": ["assignment_group"], "count": true,
        "avg_fields": ["reopen_count"], "order_by": "COUNT^DESC"
    }));
    let result = success(&world, &path, "aggregate_service_now_records", &body);
    assert_eq!(
        result["groups"][0],
        json!({"group": {"assignment_group": "g1"}, "labels": {"assignment_group": "Network Operations"}, "stats": {"count": 4, "avg": {"reopen_count": 0.5}}})
    );
    assert_eq!(result["groups"][1]["stats"]["count"], 2);
    assert_eq!(world.request_paths(), ["/api/now/stats/incident"]);
    assert_eq!(
        world.query_of(0, "sysparm_group_by").as_deref(),
        Some("assignment_group")
    );
    assert_eq!(world.query_of(0, "sysparm_count").as_deref(), Some("true"));

    world.push_json(200, json!({"result": {"stats": {"count": "28"}}}));
    let body = world.call(
        &path,
        "aggregate_service_now_records",
        json!({"table": "incident"}),
    );
    assert_eq!(
        success(&world, &path, "aggregate_service_now_records", &body),
        json!({"table": "incident", "stats": {"count": 28}})
    );

    world.push_json(403, json!({"error": {"message": "Operation Failed", "detail": "ACL restricts"}, "status": "failure"}));
    let message = tool_error(&world.call(
        &path,
        "aggregate_service_now_records",
        json!({"table": "incident"}),
    ));
    assert!(
        message.contains("HTTP 403") && message.contains("read access"),
        "{message}"
    );
}

#[test]
fn oauth_tokens_are_cached_replaced_once_when_revoked_and_a_429_ends_the_search() {
    let world = World::new();
    let path = world.server_with_auth(json!({"tags": ["incident"]}),
        json!({"type": "oauth2_client_credentials", "client_id": "mcp-client", "client_secret": "client-s3cret"}),
    );
    world
        .push_json(
            200,
            json!({"access_token": "tok-123456", "token_type": "Bearer", "expires_in": 1799}),
        )
        .push_json(200, json!({"result": []}));
    let body = world.call(&path, "search", json!({"query": "vpn"}));
    success(&world, &path, "search", &body);
    assert_eq!(
        world.request_paths(),
        ["/oauth_token.do", "/api/now/table/incident"]
    );
    {
        let requests = world.upstream.requests.borrow();
        assert_eq!(
            requests[1].header("authorization"),
            Some("Bearer tok-123456")
        );
    }
    // A cached token revoked early (401) is replaced once, and the request sent again.
    world.upstream.requests.borrow_mut().clear();
    world
        .push_json(401, json!({"error": {"message": "User Not Authenticated", "detail": null}, "status": "failure"}))
        .push_json(200, json!({"access_token": "tok-789012", "token_type": "Bearer", "expires_in": 1799}))
        .push_json(200, json!({"result": []}));
    let body = world.call(&path, "search", json!({"query": "vpn"}));
    success(&world, &path, "search", &body);
    assert_eq!(
        world.request_paths(),
        [
            "/api/now/table/incident",
            "/oauth_token.do",
            "/api/now/table/incident"
        ]
    );
    assert_eq!(
        world.upstream.requests.borrow()[2].header("authorization"),
        Some("Bearer tok-789012")
    );
    // The cached token serves the next call; ServiceNow's 429 becomes HTTP 429.
    world.upstream.requests.borrow_mut().clear();
    world.upstream.push(Ok(HttpResponse::json(
        429,
        &json!({"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 5 requests per hour for Table API exceeded"}, "status": "failure"}),
    )
    .with_header("retry-after", "120")));
    let body = world.call(&path, "search", json!({"query": "vpn"}));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("retry after 120 seconds"),
        "{body}"
    );
    assert_eq!(world.request_paths(), ["/api/now/table/incident"]);
    assert_eq!(
        world.upstream.requests.borrow()[0].header("authorization"),
        Some("Bearer tok-789012")
    );
}
