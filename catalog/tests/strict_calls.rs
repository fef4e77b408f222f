//! Calls shaped as OpenAI's strict function mode forces them (every declared property
//! present, the unused ones null) do exactly what the same calls without those
//! properties do, for every builtin tool.

use serde_json::{json, Map, Value};
use snmcp_catalog::{Catalog, ToolFilter};

/// A value the property's schema accepts, for the required ones.
fn sample(schema: &Value) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("integer") => json!(schema["minimum"].as_i64().unwrap_or(1)),
        Some("number") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        Some("object") => json!({}),
        // Patterns in the catalog are sys_ids or record numbers, which take a sys_id.
        _ => json!("0123456789abcdef0123456789abcdef"),
    }
}

#[test]
fn null_on_every_optional_property_is_the_same_call_as_leaving_it_out() {
    let catalog = Catalog::builtin().expect("builtin catalog");
    let everything = ToolFilter::default();
    let mut compared = 0;
    let mut skipped: Vec<String> = Vec::new();
    for tool in catalog.visible(&everything) {
        let schema = &tool.definition["inputSchema"];
        let properties = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut minimal = Map::new();
        for name in &required {
            minimal.insert(name.to_string(), sample(&properties[*name]));
        }
        // An update needs one field to change besides its id.
        if catalog
            .check_call(tool, Some(&Value::Object(minimal.clone())))
            .is_err()
        {
            if let Some((name, schema)) = properties.iter().find(|(name, s)| {
                !required.contains(&name.as_str())
                    && s["type"] == "string"
                    && s.get("pattern").is_none()
            }) {
                minimal.insert(name.clone(), sample(schema));
            }
        }
        let Ok(plain) = catalog.check_call(tool, Some(&Value::Object(minimal.clone()))) else {
            skipped.push(tool.name.clone());
            continue;
        };
        let mut strict = minimal.clone();
        for name in properties.keys() {
            strict.entry(name.clone()).or_insert(Value::Null);
        }
        let shaped = catalog
            .check_call(tool, Some(&Value::Object(strict)))
            .unwrap_or_else(|e| panic!("{}: a strict-shaped call was refused: {e}", tool.name));
        assert_eq!(shaped, plain, "{}", tool.name);
        compared += 1;
    }
    assert!(
        compared > 150,
        "only {compared} tools compared; skipped {skipped:?}"
    );
    // A null on a required property is still refused, naming it.
    let get = catalog
        .find("get_single_service_now_incident_by_id", &everything)
        .unwrap();
    let refused = catalog
        .check_call(get, Some(&json!({"id": null})))
        .unwrap_err();
    assert!(refused.to_string().contains("id"), "{refused}");
}
