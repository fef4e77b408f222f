//! The specs embedded from tool-specs/servicenow/: they validate against the spec
//! schema, build a catalog, and yield the contract's tool names and valid schemas.

mod common;

use common::{all, spec_schema, FIXTURE_SOURCES};
use serde_json::{json, Value};
use snmcp_catalog::{
    builtin_spec_sources, is_valid_tool_name, Catalog, DESCRIPTION_BUDGET, MAX_TOOL_NAME_LEN,
    PAGE_SIZE, SCHEMA_KEYWORDS,
};
use std::collections::BTreeSet;

fn builtin() -> &'static Catalog {
    match Catalog::builtin() {
        Ok(catalog) => catalog,
        Err(e) => panic!("the builtin specs must build a catalog:\n{e}"),
    }
}

#[test]
fn every_builtin_spec_validates_against_the_spec_schema() {
    let validator = match jsonschema::validator_for(&spec_schema()) {
        Ok(v) => v,
        Err(e) => panic!("tool-specs/spec.schema.json does not compile: {e}"),
    };
    assert!(
        !builtin_spec_sources().is_empty(),
        "no spec embedded from tool-specs/servicenow/"
    );
    let mut problems = Vec::new();
    for (file, text) in builtin_spec_sources() {
        let spec: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{file}: not JSON: {e}"));
                continue;
            }
        };
        for error in validator.iter_errors(&spec) {
            problems.push(format!("{file}: {} at {}", error, error.instance_path()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_test_fixtures_also_follow_the_spec_schema() {
    let validator = match jsonschema::validator_for(&spec_schema()) {
        Ok(v) => v,
        Err(e) => panic!("spec schema does not compile: {e}"),
    };
    for (file, text) in FIXTURE_SOURCES {
        let spec: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let errors: Vec<String> = validator
            .iter_errors(&spec)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
}

#[test]
fn builtin_specs_are_embedded_sorted_and_named_after_their_resource() {
    let names: Vec<&str> = builtin_spec_sources().iter().map(|(f, _)| *f).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    let catalog = builtin();
    assert_eq!(catalog.resources().len(), names.len());
    for resource in catalog.resources() {
        assert!(
            names.contains(&format!("{}.json", resource.resource).as_str()),
            "{}",
            resource.resource
        );
    }
}

#[test]
fn the_tools_named_by_the_product_contract_exist() {
    let catalog = builtin();
    let expected = [
        "list_all_service_now_sys_users",
        "list_all_service_now_sys_user_roles",
        "get_single_service_now_kb_knowledge_by_id",
        "list_all_service_now_kb_knowledge",
        "create_a_service_now_incident",
        "update_a_service_now_incident_by_id",
        "list_all_service_now_problem",
        "create_a_service_now_change_request",
    ];
    for name in expected {
        assert!(catalog.find(name, &all()).is_some(), "missing tool {name}");
    }
}

#[test]
fn builtin_tool_names_are_unique_and_match_the_mcp_pattern() {
    let catalog = builtin();
    let mut seen = BTreeSet::new();
    for tool in catalog.tools() {
        assert!(
            is_valid_tool_name(&tool.name),
            "bad tool name {:?}",
            tool.name
        );
        assert!(
            seen.insert(tool.name.clone()),
            "duplicate tool {}",
            tool.name
        );
        assert_eq!(tool.definition["name"], Value::String(tool.name.clone()));
    }
}

#[test]
fn every_builtin_input_schema_is_valid_json_schema_and_compiles() {
    let catalog = builtin();
    for tool in catalog.tools() {
        let schema = &tool.definition["inputSchema"];
        assert_eq!(schema["type"], "object", "{}", tool.name);
        assert_eq!(schema["additionalProperties"], false, "{}", tool.name);
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("{}: inputSchema is not valid JSON Schema: {e}", tool.name);
        }
        if let Err(e) = jsonschema::draft202012::new(schema) {
            panic!("{}: inputSchema does not compile: {e}", tool.name);
        }
        // The catalog's own (cached) compile must succeed too: a broken definition would
        // come back as a single "definition ... is broken" message.
        if let Err(errors) = catalog.validate_arguments(tool, None) {
            assert!(
                !errors.to_string().contains("is broken"),
                "{}: {errors}",
                tool.name
            );
        }
    }
}

/// Every keyword used anywhere in `schema` (property names under `properties` excluded).
fn keywords(schema: &Value, found: &mut BTreeSet<String>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    for (key, value) in object {
        found.insert(key.clone());
        match key.as_str() {
            "properties" => {
                for property in value.as_object().into_iter().flat_map(|p| p.values()) {
                    keywords(property, found);
                }
            }
            "items" => keywords(value, found),
            _ => {}
        }
    }
}

#[test]
fn builtin_input_schemas_use_only_keywords_that_mean_the_same_in_draft_7_and_2020_12() {
    // The catalog validates with draft 7 (cheaper on wasm); clients read 2020-12.
    let catalog = builtin();
    let mut used = BTreeSet::new();
    for tool in catalog.tools() {
        keywords(&tool.definition["inputSchema"], &mut used);
        let items = &tool.definition["inputSchema"]["properties"]["fields"]["items"];
        assert!(
            items.is_null() || items.is_object(),
            "{}: tuple items differ between drafts",
            tool.name
        );
    }
    let allowed: BTreeSet<String> = SCHEMA_KEYWORDS.iter().map(|k| k.to_string()).collect();
    let extra: Vec<&String> = used.difference(&allowed).collect();
    assert!(
        extra.is_empty(),
        "keywords outside SCHEMA_KEYWORDS: {extra:?}"
    );
}

#[test]
fn every_builtin_tool_has_the_mcp_fields_a_short_name_and_a_description_within_budget() {
    let catalog = builtin();
    for tool in catalog.tools() {
        let d = &tool.definition;
        for key in [
            "name",
            "title",
            "description",
            "inputSchema",
            "outputSchema",
            "annotations",
        ] {
            assert!(d.get(key).is_some(), "{}: no {key}", tool.name);
        }
        for hint in [
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
        ] {
            assert!(
                d["annotations"][hint].is_boolean(),
                "{}: no {hint}",
                tool.name
            );
        }
        assert!(
            tool.name.len() <= MAX_TOOL_NAME_LEN,
            "{}: name over {MAX_TOOL_NAME_LEN} characters",
            tool.name
        );
        let description = d["description"].as_str().unwrap_or_default();
        assert!(!description.is_empty(), "{}", tool.name);
        assert!(
            description.chars().count() <= DESCRIPTION_BUDGET,
            "{}: description has {} characters, budget {DESCRIPTION_BUDGET}",
            tool.name,
            description.chars().count()
        );
    }
    // The budget is the strictest client limit.
    const { assert!(DESCRIPTION_BUDGET <= 1024) };
}

/// What the unfiltered tools/list costs a model on every turn: at most 1,000 bytes a
/// tool on average, title, annotations and outputSchema included (issue 9).
#[test]
fn the_unfiltered_tools_list_averages_at_most_1000_bytes_a_tool() {
    let catalog = builtin();
    let tools: Vec<&Value> = catalog.tools().iter().map(|t| &t.definition).collect();
    let bytes = serde_json::to_string(&serde_json::json!({ "tools": tools }))
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    let average = bytes / tools.len();
    assert!(
        average <= 1000,
        "tools/list is {bytes} bytes for {} tools: {average} bytes a tool, over 1,000",
        tools.len()
    );
}

#[test]
fn builtin_reference_fields_name_their_table_and_take_names_where_a_lookup_exists() {
    let catalog = builtin();
    for tool in catalog.tools() {
        let Some(props) = tool.definition["inputSchema"]["properties"].as_object() else {
            continue;
        };
        for (name, prop) in props {
            let Some(field) = tool.resource.fields.get(name) else {
                continue;
            };
            let Some(table) = &field.reference else {
                continue;
            };
            let description = prop["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(table.as_str()),
                "{}.{name}: should name {table}",
                tool.name
            );
            let resolvable = catalog
                .resource_for_table(table)
                .is_some_and(|t| !t.lookup.is_empty());
            // A name can be resolved, or else the schema insists on a sys_id.
            assert_eq!(
                prop.get("pattern").is_none(),
                resolvable,
                "{}.{name}",
                tool.name
            );
        }
    }
}

/// Ordering for someone else: an optional `requested_for` user, offered like a
/// reference field (names accepted, resolved in sys_user) and mapped to its parameter.
#[test]
fn the_order_tool_takes_an_optional_requested_for_user() {
    let catalog = builtin();
    let tool = catalog
        .tools()
        .iter()
        .find(|t| t.name == "order_now_service_now_sc_cat_item")
        .expect("the order tool");
    let schema = &tool.definition["inputSchema"];
    let prop = &schema["properties"]["requested_for"];
    assert_eq!(prop["type"], "string", "{schema}");
    assert!(prop.get("pattern").is_none(), "names are accepted: {prop}");
    assert!(
        prop["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("sys_user")),
        "{prop}"
    );
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    assert!(!required.contains(&json!("requested_for")), "{schema}");
    let target = &tool.references["requested_for"];
    assert_eq!(target.table, "sys_user");
    assert_eq!(target.lookup, ["user_name", "email", "name"]);
    let inputs = &tool
        .method_spec()
        .and_then(|m| m.endpoint.as_ref())
        .unwrap()
        .inputs;
    assert_eq!(inputs["requested_for"].param, "sysparm_requested_for");
}

#[test]
fn the_unfiltered_builtin_catalog_fits_one_tools_list_page() {
    let catalog = builtin();
    assert!(catalog.tools().len() <= PAGE_SIZE);
    let page = match catalog.list_page(&all(), None) {
        Ok(page) => page,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(page.tools.len(), catalog.tools().len());
    assert_eq!(page.next_cursor, None);
}

#[test]
fn builtin_tags_are_all_accepted_as_filters() {
    let catalog = builtin();
    for tag in catalog.tags() {
        let filter = common::filter(None, Some(&[tag]));
        assert!(catalog.check_filter(&filter).is_ok(), "tag {tag}");
    }
    let read = common::filter(Some(&["read"]), None);
    let write = common::filter(Some(&["write"]), None);
    let (Ok(r), Ok(w)) = (catalog.check_filter(&read), catalog.check_filter(&write)) else {
        panic!("read and write must both keep tools");
    };
    assert_eq!(r + w, catalog.tools().len());
}

/// Issue 11's breadth: the catalog covers the ITSM tables teams use, not a handful.
#[test]
fn the_builtin_catalog_has_at_least_150_tools_over_40_resources() {
    let catalog = builtin();
    assert!(
        catalog.tools().len() >= 150,
        "{} tools",
        catalog.tools().len()
    );
    assert!(
        catalog.resources().len() >= 40,
        "{} resources",
        catalog.resources().len()
    );
    for name in [
        "list_all_service_now_sys_choice",
        "list_all_service_now_cmdb_ci_computer",
        "create_a_service_now_sys_user_delegate",
        "list_all_service_now_item_option_new",
    ] {
        assert!(catalog.find(name, &all()).is_some(), "missing tool {name}");
    }
}

#[test]
fn the_upload_tool_is_known_and_kept_only_by_filters_that_keep_it() {
    let catalog = builtin();
    let upload = "attach_file_service_now_sys_attachment";
    assert!(catalog.is_upload_tool(upload));
    assert!(!catalog.is_upload_tool("read_file_service_now_sys_attachment"));
    assert!(!catalog.is_upload_tool("create_a_service_now_incident"));
    assert!(!catalog.is_upload_tool("no_such_tool"));
    assert!(catalog.keeps_upload_tool(&all()));
    let filter = |methods: &[&str], tags: Option<&[&str]>| snmcp_catalog::ToolFilter {
        methods: Some(methods.iter().map(|s| s.to_string()).collect()),
        tags: tags.map(|t| t.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    assert!(!catalog.keeps_upload_tool(&filter(&["read"], None)));
    assert!(catalog.keeps_upload_tool(&filter(&["write"], Some(&["attachments"]))));
    assert!(!catalog.keeps_upload_tool(&filter(&["write"], Some(&["incident"]))));
}
