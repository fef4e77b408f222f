//! Derives MCP tools from checked specs: one tool per documented method, in a stable
//! order, each with its full MCP definition (name, title, description, inputSchema,
//! annotations).

use crate::describe::tool_description;
use crate::naming::{tool_name, tool_title};
use crate::schema::{input_schema, ResourceLookup};
use crate::spec::{MethodKind, ResourceSpec};
use crate::Tool;
use serde_json::{json, Value};
use std::sync::Arc;

/// Every tool of `resources` (already sorted and checked): per resource the standard
/// methods in list, get, create, update, delete order, then custom methods by key.
pub fn derive_tools(resources: &[Arc<ResourceSpec>], lookup: &ResourceLookup<'_>) -> Vec<Tool> {
    let mut tools = Vec::new();
    for resource in resources {
        for kind in MethodKind::ALL {
            if resource.methods.contains_key(kind.as_str()) {
                tools.extend(derive_tool(resource, kind.as_str(), lookup));
            }
        }
        for key in resource.methods.keys() {
            if MethodKind::parse(key).is_none() {
                tools.extend(derive_tool(resource, key, lookup));
            }
        }
    }
    tools
}

fn derive_tool(
    resource: &Arc<ResourceSpec>,
    key: &str,
    lookup: &ResourceLookup<'_>,
) -> Option<Tool> {
    let method = resource.methods.get(key)?;
    let kind = MethodKind::parse(key).or(method.kind)?;
    let name = tool_name(&resource.resource, key);
    let title = tool_title(resource, key);
    let definition = json!({
        "name": name,
        "title": title,
        "description": tool_description(resource, method, kind, lookup),
        "inputSchema": input_schema(resource, method, kind, lookup),
        "annotations": annotations(kind, &title),
    });
    Some(Tool {
        name,
        method: key.to_string(),
        kind,
        resource: Arc::clone(resource),
        set: method.set.clone(),
        definition,
    })
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
