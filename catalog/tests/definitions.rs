//! What a model sees: tool titles, annotations, input schemas and descriptions derived
//! from the fixture specs.

mod common;

use common::{definition, fixture_catalog};
use serde_json::{json, Value};
use snmcp_catalog::MethodKind;

fn props(def: &Value) -> Vec<&str> {
    def["inputSchema"]["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn required(def: &Value) -> Vec<&str> {
    def["inputSchema"]["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn annotations_follow_the_method_kind() {
    // (tool, kind, title, readOnly, destructive, idempotent)
    let cases = [
        (
            "list_all_service_now_incident",
            MethodKind::List,
            "List Incident records",
            true,
            false,
            true,
        ),
        (
            "get_single_service_now_incident_by_id",
            MethodKind::Get,
            "Get Incident",
            true,
            false,
            true,
        ),
        (
            "create_a_service_now_incident",
            MethodKind::Create,
            "Create Incident",
            false,
            false,
            false,
        ),
        (
            "update_a_service_now_incident_by_id",
            MethodKind::Update,
            "Update Incident",
            false,
            false,
            true,
        ),
        (
            "delete_a_service_now_incident_by_id",
            MethodKind::Delete,
            "Delete Incident",
            false,
            true,
            true,
        ),
        (
            "resolve_service_now_incident",
            MethodKind::Update,
            "Resolve Incident",
            false,
            false,
            true,
        ),
        (
            "published_service_now_kb_knowledge",
            MethodKind::List,
            "Published Knowledge article",
            true,
            false,
            true,
        ),
    ];
    let catalog = fixture_catalog();
    for (name, kind, title, read_only, destructive, idempotent) in cases {
        let tool = catalog
            .find(name, &common::all())
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(tool.kind, kind, "{name}");
        assert_eq!(tool.definition["title"], title, "{name}");
        assert_eq!(
            tool.definition["annotations"],
            json!({
                "readOnlyHint": read_only,
                "destructiveHint": destructive,
                "idempotentHint": idempotent,
                "openWorldHint": true,
            }),
            "{name}"
        );
        // One small output shape per kind, whatever the resource.
        assert_eq!(
            tool.definition["outputSchema"],
            snmcp_catalog::output_schema(kind),
            "{name}"
        );
    }
}

#[test]
fn output_schemas_declare_every_key_and_keep_undeclared_fields() {
    // Typed clients (FastMCP) keep only what an object declares: records and the result
    // say additionalProperties: true, and the result names each key it can carry.
    let record = json!({"additionalProperties": true});
    let cases = [
        (
            MethodKind::List,
            json!({"result": {"type": "array", "items": record}, "next_cursor": {}, "total_count": {}, "hidden_fields": {}}),
        ),
        (
            MethodKind::Get,
            json!({"result": record, "hidden_fields": {}}),
        ),
        (MethodKind::Create, json!({"result": record})),
        (MethodKind::Update, json!({"result": record})),
        (
            MethodKind::Delete,
            json!({"deleted": {"type": "boolean"}, "id": {}, "table": {}}),
        ),
    ];
    for (kind, properties) in cases {
        let schema = snmcp_catalog::output_schema(kind);
        assert_eq!(
            schema,
            json!({"type": "object", "properties": properties, "additionalProperties": true}),
            "{kind:?}"
        );
    }
}

#[test]
fn input_properties_follow_the_method_kind() {
    // (tool, properties, required, minProperties)
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], Option<u64>);
    let cases: [Case; 8] = [
        (
            "list_all_service_now_incident",
            &[
                "active",
                "caller_id",
                "display_value",
                "fields",
                "limit",
                "next_cursor",
                "query",
                "state",
                "sys_created_on",
            ],
            &[],
            None,
        ),
        (
            "get_single_service_now_incident_by_id",
            &["display_value", "fields", "id"],
            &["id"],
            None,
        ),
        (
            "create_a_service_now_incident",
            &[
                "assignment_group",
                "caller_id",
                "due_date",
                "impact",
                "short_description",
                "state",
                "u_cost",
                "u_effort_hours",
                "work_notes",
            ],
            &["short_description", "caller_id"],
            None,
        ),
        (
            "update_a_service_now_incident_by_id",
            // `clear` names the fields to empty ("" and null mean "not given").
            &[
                "assignment_group",
                "caller_id",
                "clear",
                "due_date",
                "id",
                "impact",
                "short_description",
                "state",
                "work_notes",
            ],
            &["id"],
            None,
        ),
        (
            "delete_a_service_now_incident_by_id",
            &["id"],
            &["id"],
            None,
        ),
        (
            "resolve_service_now_incident",
            &["close_code", "close_notes", "id"],
            &["id", "close_code", "close_notes"],
            None,
        ),
        (
            "published_service_now_kb_knowledge",
            &["display_value", "fields", "limit", "next_cursor", "query"],
            &[],
            None,
        ),
        (
            "list_all_service_now_sys_users",
            &[
                "active",
                "display_value",
                "email",
                "fields",
                "limit",
                "next_cursor",
                "query",
                "user_name",
            ],
            &[],
            None,
        ),
    ];
    let catalog = fixture_catalog();
    for (name, properties, req, min) in cases {
        let def = definition(&catalog, name);
        assert_eq!(props(def), properties, "{name}");
        assert_eq!(required(def), req, "{name}");
        assert_eq!(def["inputSchema"]["minProperties"].as_u64(), min, "{name}");
        assert_eq!(def["inputSchema"]["type"], "object", "{name}");
        assert_eq!(def["inputSchema"]["additionalProperties"], false, "{name}");
    }
}

#[test]
fn field_schemas_accept_what_models_send() {
    let catalog = fixture_catalog();
    let create = definition(&catalog, "create_a_service_now_incident");
    let update = definition(&catalog, "update_a_service_now_incident_by_id");
    let list = definition(&catalog, "list_all_service_now_incident");
    let p = |def: &Value, field: &str| def["inputSchema"]["properties"][field].clone();
    // (case, schema, expected keys)
    let cases = [
        (
            "choice: its string codes (numbers are turned into text before validation)",
            p(create, "state"),
            json!({"enum": ["1", "2", "6"], "description": "1=New, 2=In Progress, 6=Resolved"}),
        ),
        (
            "choice labels are documented once per resource, not on every tool",
            p(update, "state"),
            json!({"enum": ["1", "2", "6"], "description": null}),
        ),
        (
            "choice with text codes: strings only",
            p(
                definition(&catalog, "resolve_service_now_incident"),
                "close_code",
            ),
            json!({"enum": ["Solution provided", "Workaround provided"]}),
        ),
        (
            "boolean (\"true\" is turned into true before validation)",
            p(list, "active"),
            json!({"type": "boolean"}),
        ),
        (
            "integer",
            p(create, "u_effort_hours"),
            json!({"type": "integer"}),
        ),
        ("decimal", p(create, "u_cost"), json!({"type": "number"})),
        (
            "resolvable reference: its table, any text (names are looked up)",
            p(create, "caller_id"),
            json!({"type": "string", "description": "sys_user", "pattern": null}),
        ),
        (
            "reference to a table without lookup: a sys_id",
            p(create, "assignment_group"),
            json!({"type": "string", "pattern": "^[0-9a-f]{32}$"}),
        ),
        (
            "reference to a table without lookup on update: a sys_id or empty to clear",
            p(update, "assignment_group"),
            json!({"type": "string", "pattern": "^([0-9a-f]{32})?$"}),
        ),
        (
            "date",
            p(create, "due_date"),
            json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
        ),
        (
            "system datetime filter",
            p(list, "sys_created_on"),
            json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"}),
        ),
        (
            "max_length",
            p(create, "short_description"),
            json!({"type": "string", "maxLength": 160}),
        ),
        (
            "id with a number prefix",
            p(update, "id"),
            json!({"type": "string", "pattern": "^([0-9a-f]{32}|INC[0-9]{4,})$"}),
        ),
        (
            "id without a number prefix",
            p(
                definition(&catalog, "get_single_service_now_sys_users_by_id"),
                "id",
            ),
            json!({"type": "string", "pattern": "^[0-9a-f]{32}$"}),
        ),
        (
            "limit",
            p(list, "limit"),
            json!({"type": "integer", "minimum": 1, "maximum": 100}),
        ),
        (
            "display_value",
            p(list, "display_value"),
            json!({"enum": ["true", "false", "all"]}),
        ),
        (
            "fields",
            p(list, "fields"),
            json!({"type": "array", "items": {"type": "string"}}),
        ),
    ];
    for (case, schema, expected) in cases {
        let Some(expected) = expected.as_object() else {
            continue;
        };
        for (key, value) in expected {
            assert_eq!(&schema[key], value, "{case}: {key}");
        }
    }
}

#[test]
fn property_descriptions_tell_how_to_find_values() {
    let catalog = fixture_catalog();
    let create = definition(&catalog, "create_a_service_now_incident");
    let update = definition(&catalog, "update_a_service_now_incident_by_id");
    let list = definition(&catalog, "list_all_service_now_incident");
    let d = |def: &Value, field: &str| {
        def["inputSchema"]["properties"][field]["description"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let cases = [
        (
            "reference names its table once",
            d(create, "caller_id"),
            vec!["sys_user"],
        ),
        (
            "a reference filter and an update reference name their table too",
            format!("{} {}", d(list, "caller_id"), d(update, "caller_id")),
            vec!["sys_user sys_user"],
        ),
        (
            "reference to a table without lookup names it too",
            d(create, "assignment_group"),
            vec!["sys_user_group"],
        ),
        (
            "choice lists codes and labels",
            d(create, "state"),
            vec!["1=New", "2=In Progress", "6=Resolved"],
        ),
    ];
    for (case, description, phrases) in cases {
        for phrase in phrases {
            assert!(
                description.contains(phrase),
                "{case}: {description:?} lacks {phrase:?}"
            );
        }
    }
}

#[test]
fn tool_descriptions_guide_the_model() {
    let catalog = fixture_catalog();
    let d = |name: &str| {
        definition(&catalog, name)["description"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let cases = [
        ("list_all_service_now_incident", vec!["List incidents."]),
        (
            "get_single_service_now_incident_by_id",
            vec!["Get one incident."],
        ),
        ("create_a_service_now_incident", vec!["Open an incident."]),
        (
            "delete_a_service_now_incident_by_id",
            vec!["Permanent", "confirm with the user"],
        ),
        (
            "resolve_service_now_incident",
            vec!["Also sets state = 6 (Resolved)."],
        ),
        (
            "published_service_now_kb_knowledge",
            vec!["Always filters on workflow_state = published (Published)."],
        ),
    ];
    for (name, phrases) in cases {
        let description = d(name);
        for phrase in phrases {
            assert!(
                description.contains(phrase),
                "{name}: {description:?} lacks {phrase:?}"
            );
        }
    }
}

#[test]
fn tools_carry_their_method_and_fixed_values() {
    let catalog = fixture_catalog();
    let resolve = catalog
        .find("resolve_service_now_incident", &common::all())
        .unwrap_or_else(|| panic!("resolve"));
    assert_eq!(resolve.method, "resolve");
    assert_eq!(resolve.resource.table, "incident");
    assert_eq!(resolve.set.get("state"), Some(&json!("6")));
    assert_eq!(
        resolve.method_spec().map(|m| m.required.clone()),
        Some(vec!["close_code".to_string(), "close_notes".to_string()])
    );
    assert_eq!(
        catalog
            .resource_for_table("sys_user")
            .map(|r| r.resource.as_str()),
        Some("sys_users")
    );
    assert!(catalog.resource_for_table("sys_user_group").is_none());
    // Reference inputs carry where they point and how names are found there.
    let create = catalog
        .find("create_a_service_now_incident", &common::all())
        .unwrap_or_else(|| panic!("create"));
    let caller = &create.references["caller_id"];
    assert_eq!(caller.table, "sys_user");
    assert_eq!(caller.lookup, ["user_name", "email", "name"]);
    assert_eq!(caller.display_field.as_deref(), Some("name"));
    assert_eq!(
        caller.list_tool.as_deref(),
        Some("list_all_service_now_sys_users")
    );
    let group = &create.references["assignment_group"];
    assert!(group.lookup.is_empty() && group.list_tool.is_none());
    assert!(!create.references.contains_key("short_description"));
}

#[test]
fn tools_built_alone_equal_tools_built_together() {
    let lazy = fixture_catalog();
    let eager = fixture_catalog();
    let every = eager.tools();
    for tool in every {
        let alone = lazy
            .find(&tool.name, &common::all())
            .unwrap_or_else(|| panic!("{}", tool.name));
        assert_eq!(alone.definition, tool.definition, "{}", tool.name);
    }
    // After tools() exists, find() hands out the same objects.
    let after = lazy.tools();
    for tool in after {
        let found = lazy.find(&tool.name, &common::all());
        assert!(found.is_some_and(|f| std::ptr::eq(f, tool)));
    }
}
