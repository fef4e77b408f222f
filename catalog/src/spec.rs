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
    /// The field naming the table of the record each row belongs to (`table_name` of
    /// an attachment, `name` of a journal entry): rows of every table live here, so a
    /// server reaches only the rows of tables its own filter exposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_table: Option<String>,
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
    /// Only on custom list methods: a fixed encoded query AND-ed before the model's
    /// (`elementINwork_notes,comments^ORDERBYDESCsys_created_on`): conditions equality
    /// `set` values cannot say, and a fixed order.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub where_query: Option<String>,
    /// Only on custom list and get methods: the fields returned when the model names
    /// none (a readable shape).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<String>,
    /// Where the method is served when it is not the Table API (Attachment, CMDB
    /// Instance, Service Catalog APIs): HTTP method, path, accepted parameters, where the
    /// records are in the answer. Absent: the Table API of the resource's table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
}

impl MethodSpec {
    /// Whether the method's endpoint takes the standard parameter `param`
    /// (`sysparm_query`, `sysparm_fields`, ...); the Table API takes them all.
    pub fn takes(&self, param: &str) -> bool {
        self.endpoint
            .as_ref()
            .is_none_or(|e| e.params.iter().any(|p| p == param))
    }
}

/// HTTP methods an endpoint may use.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum HttpMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// A non-Table-API endpoint of a method (format: docs/tool-specs.md, "Endpoints").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub method: HttpMethod,
    /// Path template under the instance URL: literal segments and the placeholders
    /// `{sys_id}` (the record's resolved sys_id) and `{table}` (the resource's table).
    pub path: String,
    /// The standard parameters this endpoint takes (`sysparm_query`, `sysparm_limit`,
    /// `sysparm_offset`, `sysparm_fields`, `sysparm_display_value`,
    /// `sysparm_exclude_reference_link`); the others are neither offered nor sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
    /// Query parameters filled from arguments: parameter name -> filter or body field.
    /// A mapped field is sent in the URL, not in the encoded query or the JSON body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Dot path of the record(s) in the JSON answer (`result`, `result.attributes`).
    #[serde(default = "default_records")]
    pub records: String,
    /// The body or the answer is not plain records: a file's bytes (Attachment API), an
    /// item's variables read as a JSON Schema, or an order checked against them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<FileTransfer>,
    /// Only on list methods: the query parameter that takes a free-text search
    /// (`sysparm_text`), given by the model as the `text` input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Only with content `order`: the GET path (with `{sys_id}`) whose answer's
    /// `result.variables` the order is checked against before anything is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Only on writes: the Table API records read after a success (those of `table`
    /// whose `field` is the answer's sys_id), returned beside the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow: Option<Follow>,
    /// Only with content `order`: further optional inputs by name (`requested_for`),
    /// each a reference sent as one member of the order's JSON body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, OrderInput>,
}

/// An order input beyond `variables` and `quantity` (format: docs/tool-specs.md,
/// "Orders"): a reference resolved like a body field's, then sent as `param`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The member of the order's body it fills (`sysparm_requested_for`).
    pub param: String,
    /// The table it references, a documented resource's (`sys_user`).
    pub reference: String,
    pub description: String,
}

/// A read after a successful write (format: docs/tool-specs.md, "Orders").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Follow {
    /// The table read, a documented resource's table (`sc_req_item`).
    pub table: String,
    /// Its field that references the written record (`request`).
    pub field: String,
    /// The fields returned (`sysparm_fields`).
    pub fields: Vec<String>,
    /// The member of `result` that holds the records (`items`).
    #[serde(rename = "as")]
    pub name: String,
}

/// How an endpoint moves a file (format: docs/tool-specs.md, "Files").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FileTransfer {
    /// get: the answer is the file, typed by its `Content-Type`.
    Download,
    /// create: the body is the file from the `content` input (text or base64), sent with
    /// the `Content-Type` the `content_type` body field names.
    Upload,
    /// get: the answer's `variables` (a catalog item's questions) become one JSON Schema,
    /// `result.variables_schema`.
    Variables,
    /// update-kind write on `{sys_id}`: the `variables` input is checked against the
    /// schema of the `form` read first; only a valid order is sent, with `quantity`.
    Order,
}

/// Input properties an order method adds.
pub const ORDER_PROPERTIES: [&str; 2] = ["variables", "quantity"];

/// Input properties an upload method adds for the file itself.
pub const UPLOAD_PROPERTIES: [&str; 2] = ["content", "encoding"];

fn default_records() -> String {
    "result".into()
}

/// Standard parameters an endpoint may declare in `params`.
pub const ENDPOINT_PARAMS: [&str; 6] = [
    "sysparm_query",
    "sysparm_limit",
    "sysparm_offset",
    "sysparm_fields",
    "sysparm_display_value",
    "sysparm_exclude_reference_link",
];

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
