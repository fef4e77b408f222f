//! Derives MCP tools from checked specs: the cheap plan of which tools exist (name,
//! method, kind, resource) in a stable order, and the full MCP definition of one tool
//! (name, title, description, inputSchema, annotations), built only when needed.

use crate::describe::tool_description;
use crate::naming::list_tool_of;
use crate::naming::{tool_name, tool_title};
use crate::schema::{
    field_spec, input_schema, object, order_input_field, output_schema, ResourceLookup,
};
use crate::spec::{FieldType, Hints, MethodKind, MethodSpec, ResourceSpec};
use crate::{ReferenceTarget, Tool};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
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
                hints: None,
                endpoint: None,
                where_query: None,
                returns: Vec::new(),
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
        ("outputSchema", output_schema(kind)),
        (
            "annotations",
            annotations(method.hints.unwrap_or(Hints::of_kind(kind))),
        ),
    ]);
    Tool {
        name: entry.name.clone(),
        method: entry.method.clone(),
        kind,
        resource: Arc::clone(resource),
        set: method.set.clone(),
        references: reference_targets(resource, method, kind, lookup),
        definition,
    }
}

/// MCP tool annotations from a method's hints. `openWorldHint` is true for every
/// ServiceNow tool: each call reaches an external system this server does not control,
/// whose data other people and processes change (docs/tool-specs.md, "Annotations").
pub fn annotations(hints: Hints) -> Value {
    json!({
        "readOnlyHint": hints.read_only,
        "destructiveHint": hints.destructive,
        "idempotentHint": hints.idempotent,
        "openWorldHint": true,
    })
}

/// The reference inputs of a tool (body fields of writes, filters of lists, an order's
/// endpoint `inputs`) and where each one points, so the upstream layer can resolve
/// names without knowing specs.
fn reference_targets(
    resource: &ResourceSpec,
    method: &MethodSpec,
    kind: MethodKind,
    lookup: &ResourceLookup<'_>,
) -> BTreeMap<String, ReferenceTarget> {
    let inputs = match kind {
        MethodKind::List => &method.filters,
        MethodKind::Create | MethodKind::Update => &method.body,
        MethodKind::Get | MethodKind::Delete => return BTreeMap::new(),
    };
    let order_inputs = method
        .endpoint
        .iter()
        .flat_map(|e| &e.inputs)
        .map(|(name, input)| (name, Cow::Owned(order_input_field(input))));
    inputs
        .iter()
        .filter_map(|name| Some((name, field_spec(resource, name)?)))
        .chain(order_inputs)
        .filter_map(|(name, field)| {
            let table = match (field.field_type, field.reference.as_deref()) {
                (FieldType::Reference, Some(table)) => table.to_string(),
                _ => return None,
            };
            let target = lookup(&table);
            let reference = ReferenceTarget {
                lookup: target.map(|t| t.lookup.clone()).unwrap_or_default(),
                display_field: target.map(|t| t.display_field.clone()),
                title: target.map(|t| t.title.clone()),
                list_tool: target.and_then(list_tool_of),
                table,
            };
            Some((name.clone(), reference))
        })
        .collect()
}
