//! Shared fixtures for the catalog's integration tests: three small specs
//! (incident, sys_users, kb_knowledge) that exercise every field type and method shape.

#![allow(dead_code)]

use serde_json::Value;
use snmcp_catalog::{parse_spec_sources, Catalog, ResourceSpec, ToolFilter};

pub const FIXTURE_SOURCES: [(&str, &str); 3] = [
    ("incident.json", include_str!("../fixtures/incident.json")),
    (
        "kb_knowledge.json",
        include_str!("../fixtures/kb_knowledge.json"),
    ),
    ("sys_users.json", include_str!("../fixtures/sys_users.json")),
];

pub fn fixture_specs() -> Vec<ResourceSpec> {
    match parse_spec_sources(&FIXTURE_SOURCES) {
        Ok(specs) => specs,
        Err(e) => panic!("fixture specs must parse: {e}"),
    }
}

pub fn fixture_catalog() -> Catalog {
    match Catalog::from_specs(fixture_specs()) {
        Ok(catalog) => catalog,
        Err(e) => panic!("fixture specs must build a catalog: {e}"),
    }
}

pub fn fixture_spec(resource: &str) -> ResourceSpec {
    fixture_specs()
        .into_iter()
        .find(|s| s.resource == resource)
        .unwrap_or_else(|| panic!("no fixture {resource}"))
}

pub fn filter(methods: Option<&[&str]>, tags: Option<&[&str]>) -> ToolFilter {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    ToolFilter {
        methods: methods.map(owned),
        tags: tags.map(owned),
        ..ToolFilter::default()
    }
}

pub fn all() -> ToolFilter {
    ToolFilter::default()
}

/// The definition of `name` in `catalog` (unfiltered).
pub fn definition<'a>(catalog: &'a Catalog, name: &str) -> &'a Value {
    match catalog.find(name, &ToolFilter::default()) {
        Some(tool) => &tool.definition,
        None => panic!("no tool {name}"),
    }
}

/// The spec schema written for tool-specs/ (JSON Schema 2020-12).
pub fn spec_schema() -> Value {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tool-specs/spec.schema.json"
    ));
    match serde_json::from_str(text) {
        Ok(schema) => schema,
        Err(e) => panic!("tool-specs/spec.schema.json is not JSON: {e}"),
    }
}
