//! Every successful tools/call result validates against its tool's `outputSchema`, as
//! the official SDK clients check it (they reject a result that does not), through the
//! whole request path with a scripted ServiceNow answering in its real shapes. Also:
//! resource links, display values beside codes, and names resolved before writes.
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use servicenow_mcp::http::HttpResponse;

mod common;
use common::*;

const INC: &str = "9d385017c611228701d22104cc95c371";

/// A POST of `body` to `path` (as an admin when `admin`): the JSON answer.
fn post(world: &World, path: &str, body: Value, admin: bool) -> Value {
    let mut request = mcp_request(path, &body);
    if admin {
        request = request.with_header("authorization", format!("Bearer {ADMIN}"));
    }
    serde_json::from_slice(&world.send(request).body).unwrap_or(Value::Null)
}

fn provision(world: &World) -> String {
    world.provision(json!({"name": "all"}))
}

/// (tool name -> outputSchema) from tools/list.
fn output_schemas(world: &World, path: &str) -> Vec<(String, Value)> {
    let body = post(
        world,
        path,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        false,
    );
    body["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_string(),
                t["outputSchema"].clone(),
            )
        })
        .collect()
}

fn call(world: &World, path: &str, name: &str, arguments: Value) -> Value {
    let body = post(
        world,
        path,
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": arguments}}),
        false,
    );
    body["result"].clone()
}

/// ServiceNow's `sysparm_display_value=all` rendering of one field.
fn pair(value: &str, display: &str) -> Value {
    json!({"value": value, "display_value": display})
}

fn incident_all() -> Value {
    json!({
        "sys_id": pair(INC, INC),
        "number": pair("INC0010001", "INC0010001"),
        "state": pair("2", "In Progress"),
        "caller_id": pair(ALICE, "Alice Johnson"),
        "assignment_group": pair("", ""),
        "short_description": pair("VPN down", "VPN down"),
    })
}

fn incident_plain() -> Value {
    json!({"sys_id": INC, "number": "INC0010001", "state": "2", "caller_id": ALICE, "short_description": "VPN down"})
}

#[test]
fn every_kind_of_result_validates_against_its_output_schema() {
    let world = World::new();
    let path = provision(&world);
    let schemas = output_schemas(&world, &path);
    assert!(schemas.len() > 90, "every tool is listed");
    for (name, schema) in &schemas {
        assert!(schema.is_object(), "{name}: no outputSchema");
        assert!(
            jsonschema::validator_for(schema).is_ok(),
            "{name}: outputSchema does not compile"
        );
    }
    let schema_of = |name: &str| {
        schemas
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("{name} not listed"))
    };
    // (tool, arguments, scripted ServiceNow answers, expect a resource_link)
    type Case<'a> = (&'a str, Value, Vec<(u16, Value)>, bool);
    let cases: Vec<Case> = vec![
        (
            "list_all_service_now_incident",
            json!({"limit": 1}),
            vec![(200, json!({"result": [incident_all()]}))],
            false,
        ),
        (
            "list_all_service_now_incident",
            json!({"fields": ["number", "u_secret"], "display_value": "false"}),
            vec![(
                200,
                json!({"result": [{"number": "INC0010001", "sys_id": INC}]}),
            )],
            false,
        ),
        (
            "list_all_service_now_incident",
            json!({"display_value": "all"}),
            vec![(200, json!({"result": [incident_all()]}))],
            false,
        ),
        (
            "get_single_service_now_incident_by_id",
            json!({"id": INC}),
            vec![(200, json!({"result": incident_all()}))],
            true,
        ),
        (
            "get_single_service_now_incident_by_id",
            json!({"id": "INC0010001", "display_value": "true"}),
            vec![
                (
                    200,
                    json!({"result": [{"sys_id": INC, "number": "INC0010001"}]}),
                ),
                (
                    200,
                    json!({"result": {"sys_id": INC, "number": "INC0010001", "state": "In Progress"}}),
                ),
            ],
            true,
        ),
        (
            "create_a_service_now_incident",
            json!({"short_description": "VPN down", "caller_id": "Alice Johnson"}),
            vec![
                (
                    200,
                    json!({"result": [{"sys_id": ALICE, "name": "Alice Johnson"}]}),
                ),
                (201, json!({"result": incident_plain()})),
            ],
            true,
        ),
        (
            "update_a_service_now_incident_by_id",
            json!({"id": INC, "state": "2"}),
            vec![(200, json!({"result": incident_plain()}))],
            true,
        ),
        (
            "resolve_service_now_incident",
            json!({"id": INC, "close_code": "Solution provided", "close_notes": "Rebooted"}),
            vec![(200, json!({"result": incident_plain()}))],
            true,
        ),
        (
            "delete_a_service_now_cmdb_rel_ci_by_id",
            json!({"id": INC}),
            vec![(204, Value::Null)],
            false,
        ),
    ];
    for (name, arguments, answers, linked) in cases {
        for (status, body) in answers {
            if body.is_null() {
                world.upstream.push(Ok(HttpResponse::new(status)));
            } else {
                world.upstream.push_json(status, body);
            }
        }
        let result = call(&world, &path, name, arguments.clone());
        assert_eq!(result["isError"], false, "{name} {arguments}: {result}");
        let structured = &result["structuredContent"];
        let schema = schema_of(name);
        let validator = jsonschema::validator_for(&schema).expect("compiles");
        let errors: Vec<String> = validator
            .iter_errors(structured)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{name} {arguments}: {errors:?} in {structured}"
        );
        // The same JSON as the first text item.
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Value>(text).ok().as_ref(),
            Some(structured),
            "{name}"
        );
        let link = result["content"]
            .as_array()
            .and_then(|c| c.iter().find(|i| i["type"] == "resource_link"));
        assert_eq!(link.is_some(), linked, "{name}: {result}");
        if let Some(link) = link {
            assert_eq!(link["mimeType"], "text/html", "{name}");
            let uri = link["uri"].as_str().unwrap_or_default();
            assert!(
                uri.starts_with(&format!("{INSTANCE}/nav_to.do?uri=")) && uri.contains(INC),
                "{name}: {uri}"
            );
            assert_eq!(link["name"], "INC0010001", "{name}");
        }
    }
}

#[test]
fn list_and_get_carry_names_and_labels_beside_codes() {
    let world = World::new();
    let path = provision(&world);
    world
        .upstream
        .push_json(200, json!({"result": [incident_all()]}));
    let result = call(
        &world,
        &path,
        "list_all_service_now_incident",
        json!({"limit": 1}),
    );
    let record = &result["structuredContent"]["result"][0];
    assert_eq!(record["caller_id"], ALICE, "the code stays");
    assert_eq!(record["state"], "2");
    assert_eq!(
        record["display_values"],
        json!({"caller_id": "Alice Johnson", "state": "In Progress"}),
        "names and labels only where they differ from the code"
    );
    let sent = world.upstream.requests.borrow()[0].url.clone();
    assert!(sent.contains("sysparm_display_value=all"), "{sent}");

    // display_value asks for one form only: passed through untouched.
    world.upstream.push_json(
        200,
        json!({"result": [{"sys_id": INC, "caller_id": "Alice Johnson", "state": "In Progress"}]}),
    );
    let result = call(
        &world,
        &path,
        "list_all_service_now_incident",
        json!({"display_value": "true"}),
    );
    let record = &result["structuredContent"]["result"][0];
    assert_eq!(record["caller_id"], "Alice Johnson");
    assert!(record.get("display_values").is_none());
}

#[test]
fn errors_stay_text_only() {
    let world = World::new();
    let path = provision(&world);
    world.upstream.push_json(200, json!({"result": []}));
    let result = call(
        &world,
        &path,
        "create_a_service_now_incident",
        json!({"short_description": "x", "caller_id": "Nobody Here"}),
    );
    assert_eq!(result["isError"], true, "{result}");
    assert!(result.get("structuredContent").is_none());
    let content = result["content"].as_array().expect("content");
    assert_eq!(content.len(), 1);
    assert_eq!(content[0]["type"], "text");
    // Only the lookup reached ServiceNow: nothing was written.
    let sent: Vec<String> = world
        .upstream
        .requests
        .borrow()
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(sent, ["GET"]);
}

#[test]
fn discovery_mode_reaches_the_same_tools_through_three() {
    let world = World::new();
    let path = world.provision(
        json!({"name": "d", "config": {"tool_mode": "discovery", "methods": ["read", "create"]}}),
    );
    let listed = post(
        &world,
        &path,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        false,
    );
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        [
            "search_service_now_tools",
            "describe_service_now_tool",
            "call_service_now_tool"
        ]
    );
    assert!(listed["result"].to_string().len() <= 4096);

    let found = call(
        &world,
        &path,
        "search_service_now_tools",
        json!({"query": "create incident", "limit": 3}),
    );
    assert_eq!(
        found["structuredContent"]["tools"][0]["name"], "create_a_service_now_incident",
        "{found}"
    );
    let described = call(
        &world,
        &path,
        "describe_service_now_tool",
        json!({"name": "list_all_service_now_incident"}),
    );
    assert_eq!(
        described["structuredContent"]["tool"]["outputSchema"]["type"],
        "object"
    );

    // The inner call is tools/call itself: validation, upstream, result shape.
    world
        .upstream
        .push_json(200, json!({"result": [incident_all()]}));
    let listed = call(
        &world,
        &path,
        "call_service_now_tool",
        json!({"name": "list_all_service_now_incident", "arguments": {"limit": 1}}),
    );
    assert_eq!(listed["isError"], false, "{listed}");
    assert_eq!(
        listed["structuredContent"]["result"][0]["display_values"]["caller_id"],
        "Alice Johnson"
    );
    let invalid = call(
        &world,
        &path,
        "call_service_now_tool",
        json!({"name": "list_all_service_now_incident", "arguments": {"limit": 500}}),
    );
    assert_eq!(invalid["isError"], true);
    assert!(invalid["content"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("limit must be between 1 and 100")));

    // A tool the filter hides, or a catalog tool called directly: -32602, no request.
    let before = world.upstream.requests.borrow().len();
    for message in [
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "call_service_now_tool", "arguments": {"name": "update_a_service_now_incident_by_id", "arguments": {"id": INC, "state": "2"}}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_all_service_now_incident", "arguments": {}}}),
    ] {
        let body = post(&world, &path, message, false);
        assert_eq!(body["error"]["code"], -32602, "{body}");
    }
    assert_eq!(world.upstream.requests.borrow().len(), before);
}
