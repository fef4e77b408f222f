//! `/catalog` and `/catalog/preview`: the vocabulary of `config` and a dry run of a
//! filter, checked against the catalog's own tools/list paging and server creation.

use super::*;
use crate::admin::catalog::TOOL_MODES;
use crate::http::HttpRequest;
use snmcp_catalog::{Catalog, ToolFilter};

fn preview(world: &World, config: Value) -> Reply {
    world.call(
        "POST",
        "/catalog/preview",
        Some(json!({ "config": config })),
    )
}

/// The tool names tools/list would return for `config`, through its own paging code.
fn tools_list_names(config: &Value) -> Vec<String> {
    let filter: ToolFilter = serde_json::from_value(config.clone()).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let page = catalog.list_page_sized(&filter, None, 10_000).unwrap();
    assert!(page.next_cursor.is_none());
    // tools/list ends with the answer tools the filter exposes.
    page.tools
        .iter()
        .copied()
        .chain(catalog.answer_tools(&filter))
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn catalog_lists_the_real_tags_custom_methods_and_tool_modes() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let reply = world.call("GET", "/catalog", None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let catalog = Catalog::builtin().unwrap();
    let tags: Vec<&str> = catalog.tags().collect();
    assert_eq!(reply.json["tags"], json!(tags));
    assert!(tags.contains(&"incident"), "{tags:?}");
    assert_eq!(
        reply.json["tool_count"],
        json!(catalog.tools().len()),
        "every tool"
    );
    assert_eq!(reply.json["method_keywords"], json!(["read", "write"]));
    assert_eq!(
        reply.json["standard_methods"],
        json!(["list", "get", "create", "update", "delete"])
    );
    assert_eq!(reply.json["tool_modes"], json!(TOOL_MODES));
    let custom = reply.json["custom_methods"].as_array().unwrap();
    let resolve = custom
        .iter()
        .find(|m| m["name"] == "resolve")
        .expect("incident's resolve is a custom method");
    assert_eq!(resolve["kind"], "update");
    assert_eq!(resolve["writes"], true);
    assert!(resolve["resources"]
        .as_array()
        .unwrap()
        .contains(&json!("incident")));
    // Only custom methods: every one is a key some resource documents, none standard.
    for method in custom {
        let name = method["name"].as_str().unwrap();
        assert!(!["list", "get", "create", "update", "delete"].contains(&name));
        let filter = ToolFilter {
            methods: Some(vec![name.to_string()]),
            tags: None,
            ..ToolFilter::default()
        };
        assert!(catalog.check_filter(&filter).is_ok(), "{name}");
    }
    assert_eq!(reply.response.header("cache-control"), Some("no-store"));
}

#[test]
fn preview_names_exactly_the_tools_that_tools_list_pages_through() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let configs = [
        json!({}),
        json!({"methods": ["read"]}),
        json!({"methods": ["write"], "tags": ["incident"]}),
        json!({"methods": ["resolve", "list"], "tags": ["incident", "problem"]}),
        json!({"tags": ["knowledge"]}),
    ];
    for config in configs {
        let reply = preview(&world, config.clone());
        assert_eq!(reply.status, 200, "{config}: {}", reply.text());
        let names: Vec<String> = reply.json["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        let want = tools_list_names(&config);
        assert!(!want.is_empty(), "{config}");
        assert_eq!(names, want, "{config}");
        assert_eq!(reply.json["count"], json!(want.len()), "{config}");
    }
    // A read-only preview shows no tool that writes, and says what each tool is.
    let reply = preview(&world, json!({"methods": ["read"]}));
    for tool in reply.json["tools"].as_array().unwrap() {
        assert_eq!(tool["writes"], false, "{tool}");
        assert!(["list", "get"].contains(&tool["kind"].as_str().unwrap()));
        assert!(tool["title"].as_str().is_some_and(|t| !t.is_empty()));
        let answer = tool["answer"] == true;
        assert!(answer || tool["resource"].as_str().is_some_and(|r| !r.is_empty()));
    }
    // No config at all, or null, is every tool.
    let all = world.call("POST", "/catalog/preview", Some(json!({})));
    let null = world.call("POST", "/catalog/preview", Some(json!({"config": null})));
    let catalog = Catalog::builtin().unwrap();
    let total = catalog.tools().len() + catalog.answer_tools(&ToolFilter::default()).len();
    assert_eq!(
        (all.json["count"].clone(), null.json["count"].clone()),
        (json!(total), json!(total))
    );
}

#[test]
fn preview_refuses_what_server_creation_refuses_and_writes_nothing() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let before = world.raw_kv();
    let cases = [
        (json!({"methods": ["fly"]}), "unknown_method"),
        (json!({"tags": ["nope"]}), "unknown_tag"),
        (json!({"methods": []}), "no_tools"),
        (
            json!({"methods": ["delete"], "tags": ["knowledge"]}),
            "no_tools",
        ),
        (json!({"methods": "read"}), "invalid_config"),
        (json!(["read"]), "invalid_config"),
        (json!({"method": ["read"]}), "unknown_fields"),
    ];
    for (config, code) in cases {
        let previewed = preview(&world, config.clone());
        let created = world.create_server("acme", json!({"name": "x", "config": config}));
        assert_eq!(
            (previewed.status, previewed.code()),
            (400, code),
            "{config}"
        );
        assert_eq!(
            (previewed.code(), previewed.message()),
            (created.code(), created.message()),
            "{config}"
        );
    }
    for (body, code) in [
        ("", "empty_body"),
        ("{", "invalid_json"),
        ("[]", "invalid_body"),
        (r#"{"config": {}, "name": "x"}"#, "unknown_fields"),
    ] {
        let request = admin_request("POST", "/catalog/preview", None).with_body(body);
        let reply = world.send(request);
        assert_eq!((reply.status, reply.code()), (400, code), "{body}");
    }
    assert_eq!(world.raw_kv(), before, "a preview never writes");
}

#[test]
fn catalog_routes_need_the_admin_token_and_their_verbs() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    for (method, path) in [("GET", "/catalog"), ("POST", "/catalog/preview")] {
        let anonymous = world.send(
            HttpRequest::new(method, format!("{ORIGIN}{path}")).with_body(r#"{"config":{}}"#),
        );
        assert_eq!((anonymous.status, anonymous.code()), (401, "unauthorized"));
        assert_eq!(
            anonymous.response.header("www-authenticate"),
            Some("Bearer")
        );
    }
    let wrong = world.call("DELETE", "/catalog", None);
    assert_eq!(
        (wrong.status, wrong.response.header("allow")),
        (405, Some("GET"))
    );
    let wrong = world.call("GET", "/catalog/preview", None);
    assert_eq!(
        (wrong.status, wrong.response.header("allow")),
        (405, Some("POST"))
    );
}
