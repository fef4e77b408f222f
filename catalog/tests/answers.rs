//! The answer tools' definitions (OpenAI's fixed names and shapes, limits, annotations,
//! schemas that compile) and the filter truth table that decides their visibility.

use serde_json::json;
use snmcp_catalog::answers::{AnswerTool, AGGREGATE, FETCH, SEARCH};
use snmcp_catalog::{is_valid_tool_name, Catalog, ToolFilter};

fn filter(methods: Option<&[&str]>, tags: Option<&[&str]>) -> ToolFilter {
    ToolFilter {
        methods: methods.map(|m| m.iter().map(|s| s.to_string()).collect()),
        tags: tags.map(|t| t.iter().map(|s| s.to_string()).collect()),
        ..ToolFilter::default()
    }
}

#[test]
fn definitions_follow_the_fixed_contract_and_the_client_limits() {
    for tool in AnswerTool::ALL {
        let d = tool.definition();
        let name = d["name"].as_str().unwrap();
        assert_eq!(name, tool.name());
        assert!(is_valid_tool_name(name), "{name}");
        let description = d["description"].as_str().unwrap();
        assert!(
            description.len() <= 1024,
            "{name}: {} chars",
            description.len()
        );
        assert_eq!(d["annotations"]["readOnlyHint"], true, "{name}");
        assert_eq!(d["annotations"]["destructiveHint"], false, "{name}");
        assert_eq!(d["annotations"]["idempotentHint"], true, "{name}");
        assert_eq!(d["annotations"]["openWorldHint"], true, "{name}");
        assert!(d["title"].is_string());
        jsonschema::validator_for(&d["inputSchema"])
            .unwrap_or_else(|e| panic!("{name} input: {e}"));
        jsonschema::validator_for(&d["outputSchema"])
            .unwrap_or_else(|e| panic!("{name} output: {e}"));
        assert_eq!(d["outputSchema"]["type"], "object");
        assert_eq!(AnswerTool::from_name(name), Some(tool));
    }
    assert_eq!(SEARCH, "search");
    assert_eq!(FETCH, "fetch");
    assert_eq!(AGGREGATE, "aggregate_service_now_records");
    // OpenAI's shapes, exactly.
    let search = AnswerTool::Search.definition();
    assert_eq!(search["inputSchema"]["required"], json!(["query"]));
    assert_eq!(search["outputSchema"]["required"], json!(["results"]));
    assert_eq!(
        search["outputSchema"]["properties"]["results"]["items"]["required"],
        json!(["id", "title", "url"])
    );
    assert_eq!(
        search["inputSchema"]["properties"]["query"]["maxLength"],
        json!(snmcp_catalog::answers::QUERY_MAX_CHARS)
    );
    let aggregate = AnswerTool::Aggregate.definition();
    assert_eq!(
        aggregate["inputSchema"]["properties"]["group_by"]["maxItems"],
        json!(snmcp_catalog::answers::AGGREGATE_FIELDS_MAX)
    );
    let fetch = AnswerTool::Fetch.definition();
    assert_eq!(fetch["inputSchema"]["required"], json!(["id"]));
    assert_eq!(
        fetch["outputSchema"]["required"],
        json!(["id", "title", "text", "url"])
    );
}

#[test]
fn outputs_of_the_documented_shapes_validate() {
    let check = |tool: AnswerTool, value: serde_json::Value, ok: bool| {
        let validator = jsonschema::validator_for(&tool.definition()["outputSchema"]).unwrap();
        assert_eq!(validator.is_valid(&value), ok, "{} {value}", tool.name());
    };
    check(AnswerTool::Search, json!({"results": []}), true);
    check(
        AnswerTool::Search,
        json!({"results": [{"id": "incident:x", "title": "t", "url": "https://i/x"}]}),
        true,
    );
    check(
        AnswerTool::Search,
        json!({"results": [{"id": "incident:x", "title": "t"}]}),
        false,
    );
    check(
        AnswerTool::Fetch,
        json!({"id": "a", "title": "t", "text": "x", "url": "u", "metadata": {"state": "New"}}),
        true,
    );
    check(
        AnswerTool::Fetch,
        json!({"id": "a", "title": "t", "url": "u"}),
        false,
    );
    check(
        AnswerTool::Aggregate,
        json!({"table": "incident", "stats": {"count": 3, "max": {"opened_at": "2026-01-01 00:00:00"}}}),
        true,
    );
    check(
        AnswerTool::Aggregate,
        json!({"table": "incident", "groups": [{"group": {"assignment_group": "g"}, "labels": {"assignment_group": "G"}, "stats": {"count": 1}}]}),
        true,
    );
    check(
        AnswerTool::Aggregate,
        json!({"table": "incident", "stats": {"count": "3"}}),
        false,
    );
}

#[test]
fn visibility_follows_the_read_filters_of_the_tables_touched() {
    let catalog = Catalog::builtin().unwrap();
    let visible = |f: &ToolFilter| -> Vec<&str> {
        catalog
            .answer_tools(f)
            .into_iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect()
    };
    let all = ["search", "fetch", "aggregate_service_now_records"];
    let cases: Vec<(ToolFilter, Vec<&str>)> = vec![
        (filter(None, None), all.to_vec()),
        (filter(Some(&["read"]), None), all.to_vec()),
        (filter(Some(&["list"]), None), all.to_vec()),
        (filter(Some(&["get"]), Some(&["knowledge"])), all.to_vec()),
        (filter(None, Some(&["itsm"])), all.to_vec()),
        (
            filter(None, Some(&["cmdb"])),
            vec!["aggregate_service_now_records"],
        ),
        (filter(Some(&["write"]), None), vec![]),
        (filter(Some(&["create", "update"]), None), vec![]),
        (filter(Some(&["resolve"]), Some(&["incident"])), vec![]),
    ];
    for (f, expected) in cases {
        assert_eq!(visible(&f), expected, "{f:?}");
        for tool in AnswerTool::ALL {
            assert_eq!(
                catalog.answer_tool(tool.name(), &f).is_some(),
                expected.contains(&tool.name()),
                "{f:?} {}",
                tool.name()
            );
        }
    }
    // Knowledge hidden by tags: search stays (records) but kb_knowledge is not readable.
    let itsm = filter(None, Some(&["incident"]));
    assert!(catalog.readable("incident", &itsm));
    assert!(!catalog.readable("kb_knowledge", &itsm));
    assert!(!catalog.readable("sys_journal_field", &itsm));
    assert!(catalog.readable("sys_journal_field", &filter(None, Some(&["itsm"]))));
    assert!(!catalog.readable("no_such_table", &filter(None, None)));
    assert_eq!(
        catalog.readable_tables(&itsm),
        vec!["incident", "incident_task"]
    );
    assert_eq!(
        catalog
            .readable_by_prefix("inc", &itsm)
            .map(|r| r.table.as_str()),
        Some("incident")
    );
    assert!(catalog.readable_by_prefix("KB", &itsm).is_none());
    assert!(catalog
        .answer_tool("no_such_tool", &filter(None, None))
        .is_none());
}
