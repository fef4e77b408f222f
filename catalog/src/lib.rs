//! The tool catalog: documented ServiceNow resources (tool-specs/) become MCP tools.
//! Owns spec parsing, tool naming, input schemas, annotations, filters and argument
//! validation. Pure Rust: no I/O, no HTTP, no worker types.

pub mod spec;

pub use spec::{Choice, FieldSpec, FieldType, MethodKind, MethodSpec, ResourceSpec, SYSTEM_FIELDS};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A server's `config`: which tools it exposes. `None` means no restriction.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolFilter {
    /// `read` = get + list, `write` = create + update + delete, any other entry names
    /// one method exactly (`list`, `delete`, a custom method). Union of entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// Keep tools whose resource tags intersect these. Methods AND tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// One MCP tool derived from a documented resource method.
#[derive(Debug, Clone)]
pub struct Tool {
    /// `list_all_service_now_incident`, ...
    pub name: String,
    /// The spec's method key: `list`, `resolve`, ...
    pub method: String,
    /// The standard method it runs as.
    pub kind: MethodKind,
    pub resource: Arc<ResourceSpec>,
    /// Fixed values a custom method always sends (`{"state": "6"}`).
    pub set: Map<String, Value>,
    /// The MCP `Tool` object: name, title, description, inputSchema, annotations.
    pub definition: Value,
}
