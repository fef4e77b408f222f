//! Cross-field rules of Catalog::from_specs: each broken rule is reported with the
//! resource and what to fix, and every problem is reported at once.

mod common;

use common::{fixture_specs, FIXTURE_SOURCES};
use serde_json::{json, Value};
use snmcp_catalog::{parse_spec_sources, Catalog, CatalogError, ResourceSpec};

/// The fixture specs with `edit` applied to the incident spec's JSON.
fn with_incident(edit: impl FnOnce(&mut Value)) -> Vec<ResourceSpec> {
    let mut specs: Vec<ResourceSpec> = fixture_specs()
        .into_iter()
        .filter(|s| s.resource != "incident")
        .collect();
    let mut incident: Value = serde_json::from_str(FIXTURE_SOURCES[0].1).unwrap_or(Value::Null);
    edit(&mut incident);
    match serde_json::from_value(incident) {
        Ok(spec) => specs.push(spec),
        Err(e) => panic!("edited incident no longer parses: {e}"),
    }
    specs
}

fn problems(specs: Vec<ResourceSpec>) -> Vec<String> {
    match Catalog::from_specs(specs) {
        Err(CatalogError::Invalid(problems)) => problems,
        Err(other) => panic!("expected rule problems, got {other}"),
        Ok(_) => Vec::new(),
    }
}

#[test]
fn the_fixtures_break_no_rule() {
    assert!(Catalog::from_specs(fixture_specs()).is_ok());
}

#[test]
fn each_broken_rule_is_reported() {
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("resource name with a capital", |s| s["resource"] = json!("Incident"),
         "Incident: resource name must match ^[a-z][a-z0-9_]*$"),
        ("resource name too long for 64-character tool names", |s| s["resource"] = json!("a".repeat(36)),
         "at most 35 characters"),
        ("table name with a dash", |s| s["table"] = json!("my-table"),
         "incident: table \"my-table\" must be a ServiceNow table name"),
        ("no tags", |s| s["tags"] = json!([]), "incident: tags must name at least one tag"),
        ("duplicate tag", |s| s["tags"] = json!(["itsm", "itsm"]), "tag \"itsm\" is listed twice"),
        ("number prefix in lowercase", |s| s["number_prefix"] = json!("inc"), "number_prefix \"inc\" must be"),
        ("number prefix without a number field", |s| {
            s["fields"].as_object_mut().map(|f| f.remove("number"));
            s["display_field"] = json!("short_description");
        }, "number_prefix is set but no 'number' field is documented"),
        ("display field not documented", |s| s["display_field"] = json!("title"),
         "display_field \"title\" is not a documented field"),
        ("a system field listed", |s| s["fields"]["sys_id"] = json!({"type": "string", "description": "x"}),
         "field sys_id: system fields are implicit"),
        ("a field named like a tool parameter", |s| s["fields"]["limit"] = json!({"type": "integer", "description": "x"}),
         "field limit: the name is reserved for a tool parameter"),
        ("reference without target", |s| s["fields"]["caller_id"] = json!({"type": "reference", "description": "x"}),
         "field caller_id: a reference field must name its target table"),
        ("target on a non-reference", |s| s["fields"]["close_notes"]["reference"] = json!("sys_user"),
         "field close_notes: 'reference' is only for type reference"),
        ("choice without choices", |s| s["fields"]["state"]["choices"] = json!([]),
         "field state: a choice field must list its choices"),
        ("duplicate choice value", |s| s["fields"]["impact"]["choices"] = json!([{"value": "1", "label": "High"}, {"value": "1", "label": "Top"}]),
         "field impact: choice value \"1\" is listed twice"),
        ("choices on a string", |s| s["fields"]["close_notes"]["choices"] = json!([{"value": "a", "label": "A"}]),
         "field close_notes: 'choices' is only for type choice"),
        ("max_length on a date", |s| s["fields"]["due_date"]["max_length"] = json!(10),
         "field due_date: max_length applies only to string"),
        ("custom method without kind", |s| { s["methods"]["resolve"].as_object_mut().map(|m| m.remove("kind")); },
         "incident: method resolve: a custom method must say which standard method it runs as"),
        ("kind on a standard method", |s| s["methods"]["get"]["kind"] = json!("get"),
         "method get: 'kind' is only for custom methods"),
        ("a method named like a filter keyword", |s| s["methods"]["read"] = json!({"kind": "list", "description": "x"}),
         "method read: 'read' is a config.methods keyword"),
        ("filters on a get", |s| s["methods"]["get"]["filters"] = json!(["state"]),
         "method get: 'filters' applies only to list methods"),
        ("body on a delete", |s| s["methods"]["delete"]["body"] = json!(["state"]),
         "method delete: 'body' applies only to create and update methods"),
        ("set on a standard method", |s| s["methods"]["update"]["set"] = json!({"state": "2"}),
         "method update: 'set' applies only to custom methods"),
        ("an undocumented filter", |s| s["methods"]["list"]["filters"] = json!(["priority"]),
         "method list: filter \"priority\" is neither a documented field nor a system field"),
        ("a journal filter", |s| s["methods"]["list"]["filters"] = json!(["work_notes"]),
         "filter \"work_notes\" is a journal field"),
        ("a read-only body field", |s| s["methods"]["update"]["body"] = json!(["active"]),
         "method update: body field \"active\" is read_only and cannot be written"),
        ("a system body field", |s| s["methods"]["create"]["body"] = json!(["short_description", "caller_id", "sys_id"]),
         "body field \"sys_id\" is a system field"),
        ("an undocumented body field", |s| s["methods"]["create"]["body"] = json!(["short_description", "caller_id", "urgency"]),
         "body field \"urgency\" is not a documented field"),
        ("required outside body", |s| s["methods"]["create"]["required"] = json!(["short_description", "caller_id", "impact", "close_notes"]),
         "method create: required field \"close_notes\" is not in body"),
        ("duplicate body field", |s| s["methods"]["update"]["body"] = json!(["state", "state"]),
         "method update: body lists \"state\" twice"),
        ("an update with nothing to write", |s| s["methods"]["update"]["body"] = json!([]),
         "method update: a create or update method must accept body fields or 'set' values"),
        ("set to an undocumented choice", |s| s["methods"]["resolve"]["set"] = json!({"state": "9"}),
         "set value \"9\" of \"state\" is not one of its documented choices"),
        ("set to a number", |s| s["methods"]["resolve"]["set"] = json!({"state": 6}),
         "set value of \"state\" must be a string"),
        ("set on a read-only field", |s| s["methods"]["resolve"]["set"] = json!({"active": "false"}),
         "set field \"active\" is read_only"),
        ("set and body on the same field", |s| s["methods"]["resolve"]["body"] = json!(["close_code", "close_notes", "state"]),
         "set field \"state\" is fixed by the method and cannot also be an input"),
        ("a custom method whose tool name shadows a standard one", |s| s["methods"]["list_all"] = json!({"kind": "list", "description": "x"}),
         "incident: method list_all: tool name \"list_all_service_now_incident\" is already used by incident.list"),
        ("a tool name over 64 characters", |s| {
            s["methods"]["a_very_long_custom_method_name_that_overflows"] = json!({"kind": "get", "description": "x"});
        }, "must match ^[a-z0-9_]{1,64}$"),
        ("an empty description", |s| s["methods"]["get"]["description"] = json!(" "),
         "method get: description must not be empty"),
        ("where on a standard list", |s| s["methods"]["list"]["where"] = json!("active=true"),
         "method list: 'where' applies only to custom list methods"),
        ("where opening a new block", |s| s["methods"]["list_open"] = json!({"kind": "list", "description": "x",
            "hints": {"read_only": true, "destructive": false, "idempotent": true}, "where": "active=true^NQstate=1"}),
         "method list_open: 'where' \"active=true^NQstate=1\" must be one encoded query block"),
        ("a required list input that is no filter", |s| s["methods"]["list_open"] = json!({"kind": "list", "description": "x",
            "hints": {"read_only": true, "destructive": false, "idempotent": true}, "filters": ["state"], "required": ["impact"]}),
         "method list_open: required filter \"impact\" is not in filters"),
        ("returns naming an undocumented field", |s| s["methods"]["list_open"] = json!({"kind": "list", "description": "x",
            "hints": {"read_only": true, "destructive": false, "idempotent": true}, "returns": ["nope"]}),
         "returns field \"nope\" is neither a documented field nor a system field"),
        ("returns on a custom update", |s| s["methods"]["resolve"]["returns"] = json!(["state"]),
         "method resolve: 'returns' applies only to custom list and get methods"),
        ("download on a list", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x", "content": "download"}),
         "method list: endpoint content \"download\" applies only to get methods"),
        ("upload without a content type", |s| s["methods"]["create"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x", "content": "upload"}),
         "method create: an upload method needs a content_type body field"),
        ("upload with a body field left in the body", |s| s["methods"]["create"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x", "content": "upload"}),
         "upload body field \"short_description\" must be mapped to a query parameter"),
        ("an endpoint outside /api/", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/nav_to.do"}),
         "method list: endpoint path \"/nav_to.do\" must start with /api/"),
        ("an endpoint path with an unknown placeholder", |s| s["methods"]["get"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x/{sys_id}/{number}"}),
         "endpoint path segment \"{number}\" must be"),
        ("a get endpoint without the record", |s| s["methods"]["get"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x"}),
         "method get: endpoint path of a get method must contain {sys_id}"),
        ("a list endpoint naming a record", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x/{sys_id}"}),
         "endpoint path of a list method must not contain {sys_id}"),
        ("an endpoint param that is not standard", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x", "params": ["sysparm_text"]}),
         "endpoint param \"sysparm_text\" is not one of"),
        ("an endpoint query from a field that is no input", |s| s["methods"]["create"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x", "query": {"table_name": "active"}}),
         "endpoint query maps \"table_name\" to \"active\", which is neither a filter nor a body field"),
        ("an endpoint records path with a gap", |s| s["methods"]["get"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x/{sys_id}", "records": "result..attributes"}),
         "endpoint records \"result..attributes\" must be a dot path"),
        ("variables on a list", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x", "content": "variables"}),
         "method list: endpoint content \"variables\" applies only to get methods"),
        ("an order on a create", |s| s["methods"]["create"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x", "content": "order", "form": "/api/now/x/{sys_id}"}),
         "method create: endpoint content \"order\" applies only to update-kind methods"),
        ("an order without a form", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order"}),
         "method update: endpoint content \"order\" needs a form path"),
        ("an order form without the item", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x"}),
         "endpoint form \"/api/now/x\" must contain {sys_id}"),
        ("a form without an order", |s| s["methods"]["get"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x/{sys_id}", "form": "/api/now/x/{sys_id}"}),
         "endpoint form applies only with content \"order\""),
        ("a text search on a get", |s| s["methods"]["get"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x/{sys_id}", "text": "sysparm_text"}),
         "method get: endpoint text applies only to list methods"),
        ("a text search in a standard parameter", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x", "text": "sysparm_query"}),
         "endpoint text \"sysparm_query\" must be a parameter name other than the standard ones"),
        ("a follow-up read on a list", |s| s["methods"]["list"]["endpoint"] = json!({"method": "GET", "path": "/api/now/x", "follow": {"table": "incident", "field": "parent", "fields": ["number"], "as": "children"}}),
         "method list: endpoint follow applies only to create and update kinds"),
        ("a follow-up read of an undocumented table", |s| s["methods"]["create"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x", "follow": {"table": "u_nothing", "field": "parent", "fields": ["number"], "as": "children"}}),
         "endpoint follow reads table \"u_nothing\", which no resource documents"),
        ("a follow-up read of an undocumented field", |s| s["methods"]["create"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x", "follow": {"table": "incident", "field": "u_parent", "fields": ["number"], "as": "children"}}),
         "endpoint follow names field \"u_parent\", which incident does not document"),
        ("order inputs without an order", |s| s["methods"]["update"]["endpoint"] = json!({"method": "PATCH", "path": "/api/now/x/{sys_id}",
            "inputs": {"requested_for": {"param": "sysparm_requested_for", "reference": "incident", "description": "x"}}}),
         "method update: endpoint inputs apply only with content \"order\""),
        ("an order input named like the quantity", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"quantity": {"param": "sysparm_for", "reference": "incident", "description": "x"}}}),
         "endpoint input \"quantity\" must be an identifier other than id, variables, quantity and the body fields"),
        ("an order input named like a body field", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"short_description": {"param": "sysparm_for", "reference": "incident", "description": "x"}}}),
         "endpoint input \"short_description\" must be an identifier other than"),
        ("an order input sent as the quantity", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"for_whom": {"param": "sysparm_quantity", "reference": "incident", "description": "x"}}}),
         "endpoint input \"for_whom\" sends \"sysparm_quantity\", which must be a sysparm_ name other than sysparm_quantity"),
        ("an order input outside sysparm_", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"for_whom": {"param": "variables", "reference": "incident", "description": "x"}}}),
         "endpoint input \"for_whom\" sends \"variables\", which must be a sysparm_ name"),
        ("two order inputs sending one member", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"a_for": {"param": "sysparm_for", "reference": "incident", "description": "x"}, "b_for": {"param": "sysparm_for", "reference": "incident", "description": "x"}}}),
         "endpoint inputs send \"sysparm_for\" twice"),
        ("an order input without a description", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"for_whom": {"param": "sysparm_for", "reference": "incident", "description": " "}}}),
         "endpoint input \"for_whom\" needs a description"),
        ("an order input referencing an undocumented table", |s| s["methods"]["update"]["endpoint"] = json!({"method": "POST", "path": "/api/now/x/{sys_id}", "content": "order", "form": "/api/now/x/{sys_id}",
            "inputs": {"for_whom": {"param": "sysparm_for", "reference": "u_nothing", "description": "x"}}}),
         "incident: method update: endpoint input \"for_whom\" references table \"u_nothing\", which no resource documents"),
    ];
    for (case, edit, expected) in cases {
        let found = problems(with_incident(edit));
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{case}: expected {expected:?} in {found:#?}"
        );
    }
}

#[test]
fn duplicate_resources_and_tables_are_reported() {
    let mut specs = fixture_specs();
    let mut twin = specs[0].clone();
    specs.push(twin.clone());
    twin.resource = "incident_copy".into();
    specs.push(twin);
    let found = problems(specs);
    assert!(
        found
            .iter()
            .any(|p| p == "incident: resource is documented twice"),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|p| p.contains(
            "incident_copy: table \"incident\" is already documented by resource incident"
        )),
        "{found:#?}"
    );
}

#[test]
fn every_problem_is_reported_at_once_in_one_message() {
    let found = problems(with_incident(|s| {
        s["table"] = json!("Bad Table");
        s["methods"]["list"]["filters"] = json!(["nope"]);
    }));
    assert_eq!(found.len(), 2, "{found:#?}");
    let message = CatalogError::Invalid(found).to_string();
    assert!(
        message.starts_with("2 problem(s) in the tool specs"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 3, "{message}");
}

#[test]
fn no_specs_and_unreadable_specs_are_errors_not_panics() {
    assert_eq!(
        Catalog::from_specs(Vec::new()).err(),
        Some(CatalogError::NoSpecs)
    );
    let cases = [
        ("broken.json", "{", "broken.json cannot be read"),
        (
            "incident.json",
            r#"{"resource": "incident"}"#,
            "missing field",
        ),
        (
            "other.json",
            FIXTURE_SOURCES[0].1,
            "documents resource \"incident\", so the file must be named incident.json",
        ),
    ];
    for (file, text, expected) in cases {
        match parse_spec_sources(&[(file, text)]) {
            Err(e) => assert!(e.to_string().contains(expected), "{file}: {e}"),
            Ok(_) => panic!("{file}: parsed"),
        }
    }
}
