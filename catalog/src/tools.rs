//! Derives MCP tools from checked specs: the cheap plan of which tools exist (name,
//! method, kind, resource) in a stable order, and the full MCP definition of one tool
//! (name, title, description, inputSchema, annotations), built only when needed.

use crate::describe::tool_description;
use crate::naming::{tool_name, tool_title};
use crate::schema::{input_schema, object, ResourceLookup};
use crate::spec::{MethodKind, MethodSpec, ResourceSpec};
use crate::Tool;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// One tool the specs document, before its definition is built.
#[derive(Debug, Clone)]
pub struct ToolEntry {
    pub name: String,
    pub method: String,
    pub kind: MethodKind,
    /// Index into the catalog's resources.
    pub resource: usize,
}

/// Every tool of `resources` (already sorted and checked): per resource the standard
/// methods in list, get, create, update, delete order, then custom methods by key.
pub fn plan(resources: &[Arc<ResourceSpec>]) -> Vec<ToolEntry> {
    let mut entries = Vec::new();
    for (index, resource) in resources.iter().enumerate() {
        let mut add = |key: &str, kind: MethodKind| {
            entries.push(ToolEntry {
                name: tool_name(&resource.resource, key),
                method: key.to_string(),
                kind,
                resource: index,
            })
        };
        for kind in MethodKind::ALL {
            if resource.methods.contains_key(kind.as_str()) {
                add(kind.as_str(), kind);
            }
        }
        for (key, method) in &resource.methods {
            // The rules guarantee every custom method has a kind.
            if let (None, Some(kind)) = (MethodKind::parse(key), method.kind) {
                add(key, kind);
            }
        }
    }
    entries
}

/// The tool of `entry`, with its MCP definition.
pub fn derive_tool(
    entry: &ToolEntry,
    resource: &Arc<ResourceSpec>,
    lookup: &ResourceLookup<'_>,
) -> Tool {
    let fallback;
    let method = match resource.methods.get(&entry.method) {
        Some(method) => method,
        // Unreachable for a planned entry; an empty method still yields a usable tool.
        None => {
            fallback = MethodSpec {
                description: String::new(),
                kind: Some(entry.kind),
                filters: Vec::new(),
                body: Vec::new(),
                required: Vec::new(),
                set: Map::new(),
            };
            &fallback
        }
    };
    let kind = entry.kind;
    let title = tool_title(resource, &entry.method);
    // Built by moving values in: `json!` would re-serialize the whole inputSchema.
    let definition = object([
        ("name", Value::String(entry.name.clone())),
        ("title", Value::String(title.clone())),
        (
            "description",
            Value::String(tool_description(resource, method, kind, lookup)),
        ),
        ("inputSchema", input_schema(resource, method, kind, lookup)),
        ("annotations", annotations(kind, &title)),
    ]);
    Tool {
        name: entry.name.clone(),
        method: entry.method.clone(),
        kind,
        resource: Arc::clone(resource),
        set: method.set.clone(),
        definition,
    }
}

/// MCP tool annotations for a method kind: reads are read-only, only delete is
/// destructive, everything but create is idempotent, and ServiceNow is a closed world.
pub fn annotations(kind: MethodKind, title: &str) -> Value {
    json!({
        "title": title,
        "readOnlyHint": kind.is_read(),
        "destructiveHint": kind == MethodKind::Delete,
        "idempotentHint": kind != MethodKind::Create,
        "openWorldHint": false,
    })
}
