//! tools/call argument validation: each bad argument becomes one sentence naming the
//! field and the fix; good arguments in the forms models send pass.

mod common;

use common::fixture_catalog;
use serde_json::{json, Value};
use snmcp_catalog::{ArgumentErrors, Catalog};

const SYS_ID: &str = "0123456789abcdef0123456789abcdef";

fn check(catalog: &Catalog, tool: &str, args: Option<Value>) -> Result<(), ArgumentErrors> {
    let tool = catalog
        .find(tool, &common::all())
        .unwrap_or_else(|| panic!("no tool {tool}"));
    catalog.validate_arguments(tool, args.as_ref())
}

#[test]
fn arguments_in_the_forms_models_send_are_accepted() {
    let catalog = fixture_catalog();
    let cases: Vec<(&str, &str, Option<Value>)> = vec![
        (
            "no arguments for a list",
            "list_all_service_now_incident",
            None,
        ),
        (
            "empty object for a list",
            "list_all_service_now_incident",
            Some(json!({})),
        ),
        (
            "null arguments as no arguments",
            "list_all_service_now_incident",
            Some(Value::Null),
        ),
        (
            "every list parameter",
            "list_all_service_now_incident",
            Some(json!({
                "query": "active=true^short_descriptionLIKEvpn",
                "active": true, "state": 2, "caller_id": SYS_ID,
                "sys_created_on": "2024-05-01 10:00:00",
                "fields": ["number", "caller_id.name"], "limit": 100,
                "next_cursor": "abc", "display_value": "all"
            })),
        ),
        (
            "boolean as a string, choice as a string",
            "list_all_service_now_incident",
            Some(json!({"active": "false", "state": "6"})),
        ),
        (
            "get by sys_id",
            "get_single_service_now_incident_by_id",
            Some(json!({"id": SYS_ID})),
        ),
        (
            "get by number",
            "get_single_service_now_incident_by_id",
            Some(json!({"id": "INC0010001"})),
        ),
        (
            "create with required fields and typed values",
            "create_a_service_now_incident",
            Some(json!({
                "short_description": "VPN down", "caller_id": SYS_ID, "impact": 1,
                "due_date": "2026-01-31", "u_effort_hours": "12", "u_cost": 10.5,
                "work_notes": "Investigating"
            })),
        ),
        (
            "integer field as an integer",
            "create_a_service_now_incident",
            Some(json!({"short_description": "x", "caller_id": SYS_ID, "u_effort_hours": 3})),
        ),
        (
            "update one field",
            "update_a_service_now_incident_by_id",
            Some(json!({"id": SYS_ID, "state": "2"})),
        ),
        (
            "update clears a reference",
            "update_a_service_now_incident_by_id",
            Some(json!({"id": "INC0010001", "assignment_group": ""})),
        ),
        (
            "custom update needs only its own fields",
            "resolve_service_now_incident",
            Some(
                json!({"id": SYS_ID, "close_code": "Solution provided", "close_notes": "Rebooted"}),
            ),
        ),
        (
            "delete",
            "delete_a_service_now_incident_by_id",
            Some(json!({"id": SYS_ID})),
        ),
    ];
    for (case, tool, args) in cases {
        if let Err(e) = check(&catalog, tool, args) {
            panic!("{case}: rejected:\n{e}");
        }
    }
}

#[test]
fn each_problem_is_named_with_what_to_do() {
    let catalog = fixture_catalog();
    let cases: Vec<(&str, &str, Value, Vec<&str>)> = vec![
        (
            "missing required fields",
            "create_a_service_now_incident",
            json!({}),
            vec![
                "missing required field 'short_description': One-line summary of the issue",
                "missing required field 'caller_id': Person who reported the issue (a sys_user: sys_id, user_name, email or name)",
            ],
        ),
        (
            "missing id",
            "get_single_service_now_incident_by_id",
            json!({}),
            vec!["missing required field 'id': the sys_id (32 hex characters) or record number (e.g. INC0010001) of the Incident; find it with list_all_service_now_incident"],
        ),
        (
            "a bad sys_id on update says it may be cleared",
            "update_a_service_now_incident_by_id",
            json!({"id": SYS_ID, "assignment_group": "ABC"}),
            vec!["assignment_group must be a 32-character sys_id (or \"\" to clear it), got \"ABC\"; no tool here lists sys_user_group records; ask the user for the sys_id"],
        ),
        (
            "a reference to an undocumented table",
            "create_a_service_now_incident",
            json!({"short_description": "x", "caller_id": SYS_ID, "assignment_group": "Network"}),
            vec!["assignment_group must be a 32-character sys_id, got \"Network\"; no tool here lists sys_user_group records; ask the user for the sys_id"],
        ),
        (
            "a bad id with a number prefix",
            "get_single_service_now_incident_by_id",
            json!({"id": "PRB0040001"}),
            vec!["id must be a sys_id or a record number like INC0010001, got \"PRB0040001\"; find it with list_all_service_now_incident"],
        ),
        (
            "a bad id without a number prefix",
            "get_single_service_now_sys_users_by_id",
            json!({"id": "alice"}),
            vec!["id must be a 32-character sys_id, got \"alice\"; find it with list_all_service_now_sys_users"],
        ),
        (
            "an unknown property",
            "delete_a_service_now_incident_by_id",
            json!({"id": SYS_ID, "foo": 1}),
            vec!["unknown field 'foo'; this tool accepts: id"],
        ),
        (
            "sys_id instead of id",
            "get_single_service_now_sys_users_by_id",
            json!({"sys_id": SYS_ID}),
            vec![
                "missing required field 'id'",
                "unknown field 'sys_id' (pass the sys_id as 'id'); this tool accepts: display_value, fields, id",
            ],
        ),
        (
            "number instead of id",
            "delete_a_service_now_incident_by_id",
            json!({"number": "INC0010001"}),
            vec![
                "missing required field 'id'",
                "unknown field 'number' (pass the record number as 'id'); this tool accepts: id",
            ],
        ),
        (
            "a documented field that is not a filter",
            "list_all_service_now_sys_users",
            json!({"name": "Alice"}),
            vec!["unknown field 'name' (it is not an exact-match filter here; put it in query, e.g. name=<value>); this tool accepts: active, display_value, email, fields, limit, next_cursor, query, user_name"],
        ),
        (
            "a read-only field in a write",
            "create_a_service_now_incident",
            json!({"short_description": "x", "caller_id": SYS_ID, "number": "INC1"}),
            vec!["unknown field 'number' (number is read-only: ServiceNow sets it); this tool accepts:"],
        ),
        (
            "a label instead of a choice code",
            "update_a_service_now_incident_by_id",
            json!({"id": SYS_ID, "state": "In Progress"}),
            vec!["state must be one of 1 (New), 2 (In Progress), 6 (Resolved); got \"In Progress\""],
        ),
        (
            "an object for a choice",
            "create_a_service_now_incident",
            json!({"short_description": "x", "caller_id": SYS_ID, "impact": {"value": 1}}),
            vec!["impact must be one of 1 (High), 2 (Medium), 3 (Low); got an object"],
        ),
        (
            "a wrong type for a string",
            "create_a_service_now_incident",
            json!({"short_description": 42, "caller_id": SYS_ID}),
            vec!["short_description must be a string, got 42"],
        ),
        (
            "yes for a boolean",
            "list_all_service_now_incident",
            json!({"active": "yes"}),
            vec!["active must be true or false, got \"yes\""],
        ),
        (
            "limit above the maximum",
            "list_all_service_now_incident",
            json!({"limit": 500}),
            vec!["limit must be between 1 and 100, got 500"],
        ),
        (
            "limit below the minimum",
            "list_all_service_now_incident",
            json!({"limit": 0}),
            vec!["limit must be between 1 and 100, got 0"],
        ),
        (
            "limit as text",
            "list_all_service_now_incident",
            json!({"limit": "ten"}),
            vec!["limit must be an integer, got \"ten\""],
        ),
        (
            "display_value outside its values",
            "list_all_service_now_incident",
            json!({"display_value": "labels"}),
            vec!["display_value must be one of \"true\", \"false\", \"all\"; got \"labels\""],
        ),
        (
            "display_value as a boolean",
            "list_all_service_now_incident",
            json!({"display_value": true}),
            vec!["display_value must be one of \"true\", \"false\", \"all\"; got true"],
        ),
        (
            "a too long string",
            "create_a_service_now_incident",
            json!({"short_description": "x".repeat(161), "caller_id": SYS_ID}),
            vec!["short_description must be at most 160 characters, got 161"],
        ),
        (
            "a date in another format",
            "create_a_service_now_incident",
            json!({"short_description": "x", "caller_id": SYS_ID, "due_date": "31/01/2026"}),
            vec!["due_date must be a date in the format YYYY-MM-DD, got \"31/01/2026\""],
        ),
        (
            "a datetime without time",
            "list_all_service_now_incident",
            json!({"sys_created_on": "2024-05-01"}),
            vec!["sys_created_on must be a date and time in UTC in the format YYYY-MM-DD HH:MM:SS, got \"2024-05-01\""],
        ),
        (
            "words in an integer field",
            "create_a_service_now_incident",
            json!({"short_description": "x", "caller_id": SYS_ID, "u_effort_hours": "twelve"}),
            vec!["u_effort_hours must be an integer, got \"twelve\""],
        ),
        (
            "fields as a string",
            "list_all_service_now_incident",
            json!({"fields": "number,state"}),
            vec!["fields must be an array of field names, got \"number,state\""],
        ),
        (
            "arguments that are not an object",
            "list_all_service_now_incident",
            json!(["active=true"]),
            vec!["arguments must be a JSON object of named fields, got an array; this tool accepts: active, caller_id, display_value, fields, limit, next_cursor, query, state, sys_created_on"],
        ),
    ];
    for (case, tool, args, expected) in cases {
        let errors = match check(&catalog, tool, Some(args)) {
            Err(e) => e,
            Ok(()) => panic!("{case}: accepted"),
        };
        assert_eq!(errors.0.len(), expected.len(), "{case}: {:#?}", errors.0);
        for (got, want) in errors.0.iter().zip(&expected) {
            assert!(got.starts_with(want), "{case}:\n got: {got}\nwant: {want}");
        }
    }
}

#[test]
fn one_message_per_bad_field_and_all_fields_reported() {
    let catalog = fixture_catalog();
    let errors = check(
        &catalog,
        "create_a_service_now_incident",
        Some(json!({"caller_id": 7, "state": "Open", "bogus": true})),
    )
    .err()
    .unwrap_or_else(|| panic!("accepted"));
    let text = errors.to_string();
    assert_eq!(errors.0.len(), 4, "{text}");
    assert_eq!(text.lines().count(), 4, "one problem per line: {text}");
    for phrase in [
        "missing required field 'short_description'",
        "caller_id must be a string (a sys_id, or a name the server looks up), got 7",
        "state must be one of 1 (New)",
        "unknown field 'bogus'",
    ] {
        assert!(text.contains(phrase), "{text} lacks {phrase}");
    }
}

#[test]
fn long_values_are_shortened_in_messages() {
    let catalog = fixture_catalog();
    let long = "A".repeat(500);
    let errors = check(
        &catalog,
        "get_single_service_now_sys_users_by_id",
        Some(json!({ "id": long })),
    )
    .err()
    .unwrap_or_else(|| panic!("accepted"));
    assert!(errors.0[0].len() < 200, "{}", errors.0[0]);
    assert!(errors.0[0].contains("AAAA..."), "{}", errors.0[0]);
}

#[test]
fn validators_are_cached_per_tool_and_foreign_tools_still_validate() {
    let catalog = fixture_catalog();
    let other = fixture_catalog();
    let name = "delete_a_service_now_incident_by_id";
    let foreign = other
        .find(name, &common::all())
        .unwrap_or_else(|| panic!("{name}"));
    let good = json!({"id": SYS_ID});
    let bad = json!({"id": "x"});
    for _ in 0..2 {
        assert!(catalog.validate_arguments(foreign, Some(&good)).is_ok());
        assert!(catalog.validate_arguments(foreign, Some(&bad)).is_err());
        assert!(check(&catalog, name, Some(good.clone())).is_ok());
        assert!(check(&catalog, name, Some(bad.clone())).is_err());
    }
}

#[test]
fn open_choice_lists_accept_instance_values_and_closed_ones_refuse_them() {
    let catalog = Catalog::builtin().expect("builtin catalog");
    let tool = catalog
        .find("create_a_service_now_incident", &common::all())
        .expect("create incident");
    let base = json!({"short_description": "Badge reader down", "caller_id": SYS_ID});
    let with = |field: &str, value: Value| {
        let mut args = base.clone();
        args[field] = value;
        catalog.validate_arguments(tool, Some(&args))
    };
    // category is documented as extensible: a value the instance added must pass.
    assert!(with("category", json!("facilities")).is_ok());
    assert!(with("category", json!("network")).is_ok());
    let schema = &tool.definition["inputSchema"]["properties"]["category"];
    assert!(schema.get("enum").is_none(), "{schema}");
    assert!(schema["description"]
        .as_str()
        .unwrap()
        .contains("inquiry=Inquiry / Help"));
    // impact codes are fixed by the platform: anything else is refused with the list.
    let err = with("impact", json!("9")).expect_err("impact 9");
    assert!(err.to_string().contains("impact"), "{err}");
    // An integer code is its text: 1 is the code "1".
    assert!(with("impact", json!(1)).is_ok());
    assert!(with("impact", json!(9)).is_err());
}

/// Field-value pairs of a checked call, as text.
fn pairs(list: &[(snmcp_catalog::FieldName, String)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, v)| (f.to_string(), v.clone()))
        .collect()
}

#[test]
fn text_forms_are_read_as_the_declared_types() {
    let catalog = fixture_catalog();
    let list = catalog
        .find("list_all_service_now_incident", &common::all())
        .expect("list");
    let call = catalog
        .check_call(
            list,
            Some(&json!({"active": "false", "state": 6, "limit": 5})),
        )
        .expect("valid");
    assert_eq!(
        pairs(&call.filters),
        vec![
            ("active".to_string(), "false".to_string()),
            ("state".to_string(), "6".to_string())
        ]
    );
    assert_eq!(call.limit, 5);
    let create = catalog
        .find("create_a_service_now_incident", &common::all())
        .expect("create");
    let call = catalog
        .check_call(
            create,
            Some(&json!({"short_description": "x", "caller_id": "Alice Johnson", "u_effort_hours": "12", "u_cost": "10.5"})),
        )
        .expect("valid");
    assert!(pairs(&call.body).contains(&("u_effort_hours".to_string(), "12".to_string())));
    assert!(pairs(&call.body).contains(&("u_cost".to_string(), "10.5".to_string())));
    assert!(pairs(&call.body).contains(&("caller_id".to_string(), "Alice Johnson".to_string())));
    // get: a sys_id or a number, as the id pattern admits them.
    let get = catalog
        .find("get_single_service_now_incident_by_id", &common::all())
        .expect("get");
    let by_number = catalog
        .check_call(
            get,
            Some(&json!({"id": "INC0010001", "display_value": "true"})),
        )
        .expect("valid");
    assert_eq!(
        by_number.record,
        snmcp_catalog::RecordNumber::parse("INC", "INC0010001")
            .map(snmcp_catalog::RecordId::Number)
    );
    assert_eq!(
        by_number.display_value,
        Some(snmcp_catalog::DisplayValue::Labels)
    );
}

#[test]
fn a_checked_call_names_only_documented_fields() {
    let catalog = fixture_catalog();
    let incident = catalog.resource_for_table("incident").expect("incident");
    assert_eq!(
        snmcp_catalog::FieldName::documented(incident, "short_description").map(|f| f.to_string()),
        Some("short_description".to_string())
    );
    assert_eq!(
        snmcp_catalog::FieldName::documented(incident, "short_description^ORactive=true"),
        None
    );
    assert_eq!(
        snmcp_catalog::FieldName::documented(incident, "sys_nope"),
        None
    );
    let list = catalog
        .find("list_all_service_now_incident", &common::all())
        .expect("list");
    let call = catalog
        .check_call(
            list,
            Some(&json!({"fields": ["number", "number", "state"]})),
        )
        .expect("valid");
    for field in &call.fields {
        assert!(
            snmcp_catalog::FieldName::documented(incident, field).is_some(),
            "{field}"
        );
    }
    assert_eq!(call.fields.len(), 2, "each field once");
}

#[test]
fn a_record_number_past_40_characters_is_refused_with_the_arguments() {
    let catalog = fixture_catalog();
    let get = catalog
        .find("get_single_service_now_incident_by_id", &common::all())
        .expect("get");
    let long = format!("INC{}", "0".repeat(38));
    let refused = catalog
        .check_call(get, Some(&json!({ "id": long })))
        .expect_err("41 characters");
    assert!(
        refused.to_string().contains("at most 40 characters"),
        "{refused}"
    );
    let longest = format!("INC{}", "0".repeat(37));
    assert!(catalog
        .check_call(get, Some(&json!({ "id": longest })))
        .is_ok_and(|call| call.record.is_some()));
}
