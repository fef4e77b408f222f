//! Discovery mode: three small tools stand for the whole catalog; search ranks the
//! exposed tools by the documented score, and the call tool's hints are conservative.

mod common;

use serde_json::Value;
use snmcp_catalog::discovery::{self, CALL_TOOL, DESCRIBE_TOOL, SEARCH_TOOL};
use snmcp_catalog::{Catalog, ToolFilter, ToolMode};

fn builtin() -> &'static Catalog {
    match Catalog::builtin() {
        Ok(catalog) => catalog,
        Err(e) => panic!("{e}"),
    }
}

fn names(catalog: &Catalog, filter: &ToolFilter, query: &str) -> Vec<String> {
    discovery::search(catalog, filter, query, 5)
        .into_iter()
        .map(|hit| hit.tool.name.clone())
        .collect()
}

#[test]
fn search_ranks_the_tool_a_person_means_first() {
    let catalog = builtin();
    let all = common::all();
    let cases = [
        ("create incident", "create_a_service_now_incident"),
        ("Create an Incident", "create_a_service_now_incident"),
        ("update incident", "update_a_service_now_incident_by_id"),
        ("resolve incident", "resolve_service_now_incident"),
        ("list users", "list_all_service_now_sys_users"),
        ("approve", "approve_service_now_sysapproval_approver"),
        (
            "change request create",
            "create_a_service_now_change_request",
        ),
        ("incid", "list_all_service_now_incident"),
    ];
    for (query, first) in cases {
        let found = names(catalog, &all, query);
        assert_eq!(
            found.first().map(String::as_str),
            Some(first),
            "{query}: {found:?}"
        );
    }
    // Deterministic: the same query gives the same order.
    assert_eq!(
        names(catalog, &all, "incident"),
        names(catalog, &all, "incident")
    );
    assert!(names(catalog, &all, "zzzz nothing").is_empty());
    assert!(discovery::search(catalog, &all, "incident", 3).len() <= 3);
}

#[test]
fn search_only_shows_tools_the_filter_keeps() {
    let catalog = builtin();
    let read = common::filter(Some(&["read"]), None);
    let found = names(catalog, &read, "create incident");
    assert!(!found.iter().any(|n| n.starts_with("create_")), "{found:?}");
    assert_eq!(
        found.first().map(String::as_str),
        Some("list_all_service_now_incident")
    );
}

#[test]
fn discovery_lists_three_small_tools_with_honest_hints() {
    let catalog = builtin();
    let cases = [
        (common::all(), false, true),
        (common::filter(Some(&["read"]), None), true, false),
        (
            common::filter(Some(&["read", "create"]), None),
            false,
            false,
        ),
    ];
    for (filter, read_only, destructive) in cases {
        let tools = discovery::definitions(catalog, &filter);
        let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names, [SEARCH_TOOL, DESCRIBE_TOOL, CALL_TOOL]);
        let bytes = serde_json::to_string(&serde_json::json!({ "tools": tools }))
            .map(|s| s.len())
            .unwrap_or(usize::MAX);
        assert!(bytes <= 4096, "{bytes} bytes");
        let call = &tools[2]["annotations"];
        assert_eq!(call["readOnlyHint"], read_only, "{filter:?}");
        assert_eq!(call["destructiveHint"], destructive, "{filter:?}");
        for tool in &tools {
            for hint in [
                "readOnlyHint",
                "destructiveHint",
                "idempotentHint",
                "openWorldHint",
            ] {
                assert!(
                    tool["annotations"][hint].is_boolean(),
                    "{}: {hint}",
                    tool["name"]
                );
            }
            assert!(tool["title"].is_string());
        }
        let limit = &tools[0]["inputSchema"]["properties"]["limit"];
        assert_eq!(limit["maximum"], discovery::SEARCH_LIMIT_MAX);
        assert_eq!(limit["default"], discovery::SEARCH_LIMIT_DEFAULT);
        // Search and describe only read the catalog.
        assert_eq!(tools[0]["annotations"]["readOnlyHint"], true);
        assert_eq!(tools[1]["annotations"]["openWorldHint"], false);
    }
}

#[test]
fn tool_mode_is_part_of_the_config_and_defaults_to_tools() {
    let parsed: ToolFilter = serde_json::from_str(r#"{"tool_mode": "discovery"}"#).expect("parses");
    assert_eq!(parsed.tool_mode, ToolMode::Discovery);
    let default: ToolFilter = serde_json::from_str("{}").expect("parses");
    assert_eq!(default.tool_mode, ToolMode::Tools);
    // The default is not written, so existing records read back unchanged.
    assert_eq!(
        serde_json::to_value(&default).ok(),
        Some(Value::Object(Default::default()))
    );
    assert!(serde_json::from_str::<ToolFilter>(r#"{"tool_mode": "all"}"#).is_err());
    assert_eq!(ToolMode::parse("discovery"), Some(ToolMode::Discovery));
    assert_eq!(ToolMode::parse("Discovery"), None);
}
