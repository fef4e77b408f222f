//! Serde model of one `tool-specs/servicenow/<resource>.json` file (format: docs/tool-specs.md).
//! Pure data: no tool derivation here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One documented ServiceNow resource (one table).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub resource: String,
    pub table: String,
    pub title: String,
    pub tags: Vec<String>,
    pub description: String,
    pub docs: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_prefix: Option<String>,
    pub display_field: String,
    /// Fields that identify a record the way a person would (`user_name`, `email`,
    /// `name`, `number`): a reference to this table given as text is resolved to a sys_id
    /// by an exact match on any of them. Empty: references to this table take sys_ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lookup: Vec<String>,
    pub fields: BTreeMap<String, FieldSpec>,
    pub methods: BTreeMap<String, MethodSpec>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Integer,
    Decimal,
    Boolean,
    Date,
    Datetime,
    Reference,
    Choice,
    Html,
    Journal,
    Url,
    Email,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Choice lists instances commonly extend (category, close_code, ...): the documented
    /// values are listed, others are accepted rather than refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open_choices: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// The standard method a (possibly custom) method runs as.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    List,
    Get,
    Create,
    Update,
    Delete,
}

impl MethodKind {
    pub const ALL: [MethodKind; 5] = [
        MethodKind::List,
        MethodKind::Get,
        MethodKind::Create,
        MethodKind::Update,
        MethodKind::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::List => "list",
            MethodKind::Get => "get",
            MethodKind::Create => "create",
            MethodKind::Update => "update",
            MethodKind::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<MethodKind> {
        MethodKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// get and list only read; `config.methods: ["read"]` keeps exactly these.
    pub fn is_read(self) -> bool {
        matches!(self, MethodKind::List | MethodKind::Get)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MethodSpec {
    pub description: String,
    /// Only on custom methods: which standard method this one runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MethodKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub set: Map<String, Value>,
    /// Only on custom methods (required there): the MCP behaviour hints. Standard
    /// methods take theirs from their kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hints: Option<Hints>,
}

/// MCP tool behaviour hints a custom method declares (`readOnlyHint`, ...).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Hints {
    /// Changes nothing (must match a read kind).
    pub read_only: bool,
    /// May remove or irreversibly overwrite data.
    pub destructive: bool,
    /// Calling it twice with the same arguments has no further effect.
    pub idempotent: bool,
}

impl Hints {
    /// The hints of a standard method: reads are read-only, only delete destroys,
    /// everything but create can be repeated safely.
    pub fn of_kind(kind: MethodKind) -> Hints {
        Hints {
            read_only: kind.is_read(),
            destructive: kind == MethodKind::Delete,
            idempotent: kind != MethodKind::Create,
        }
    }
}

/// System fields every record has; read-only, usable as filters, never listed in specs.
pub const SYSTEM_FIELDS: [&str; 6] = [
    "sys_id",
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
];
