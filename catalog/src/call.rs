//! The typed call: tools/call arguments that passed the tool's inputSchema become one
//! [`ToolCall`] (record id, filters, query, paging, display form, body), the single
//! source of truth the upstream request builder consumes. Nothing downstream re-parses
//! the raw arguments or keeps its own list of parameter names.

use crate::schema::LIMIT_DEFAULT;
use crate::spec::{FileTransfer, MethodKind};
use crate::Tool;
use serde_json::{Map, Value};

/// A record's sys_id: exactly 32 lowercase hex characters, the only text that may become
/// a URL path segment. Checked once, where it enters (an argument, an answer); carried
/// as this type from there to the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SysId(String);

impl SysId {
    /// Accepts 32 hex characters in any case (stored lowercase).
    pub fn parse(raw: &str) -> Option<SysId> {
        (raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| SysId(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A field of the tool's resource, checked: the catalog makes one only from a name the
/// tool's inputSchema admitted (an enum of documented fields, or the method's own lists),
/// or through [`FieldName::documented`]. Reads as the name itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldName(String);

impl FieldName {
    /// `name` when `resource` documents it.
    pub fn documented(resource: &crate::spec::ResourceSpec, name: &str) -> Option<FieldName> {
        resource
            .fields
            .contains_key(name)
            .then(|| FieldName(name.to_string()))
    }

    /// A name the inputSchema already checked.
    fn checked(name: String) -> FieldName {
        FieldName(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for FieldName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FieldName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for FieldName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for FieldName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for FieldName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// A record number with its resource's prefix (`INC0010001`): the prefix, then letters
/// and digits, 40 characters at most. Made only by [`RecordNumber::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordNumber(String);

/// The longest record number accepted.
pub const RECORD_NUMBER_MAX_LENGTH: usize = 40;

impl RecordNumber {
    /// `raw` when it is a number of a resource whose numbers start with `prefix`.
    pub fn parse(prefix: &str, raw: &str) -> Option<RecordNumber> {
        let ok = raw.len() > prefix.len()
            && raw.len() <= RECORD_NUMBER_MAX_LENGTH
            && raw.starts_with(prefix)
            && raw.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| RecordNumber(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How get/update/delete name their record (the `id` pattern admits exactly these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordId {
    /// 32 lowercase hex characters.
    SysId(SysId),
    /// A record number with the resource's prefix (`INC0010001`).
    Number(RecordNumber),
}

impl RecordId {
    /// `id` as the record it names for `resource`: a sys_id (lowercase, as the id
    /// pattern admits) or one of its numbers; None for anything else.
    pub fn parse(resource: &crate::spec::ResourceSpec, id: &str) -> Option<RecordId> {
        let lowercase_hex = id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if let Some(sys_id) = SysId::parse(id).filter(|_| lowercase_hex) {
            return Some(RecordId::SysId(sys_id));
        }
        let prefix = resource.number_prefix.as_deref()?;
        RecordNumber::parse(prefix, id).map(RecordId::Number)
    }
}

/// `display_value`: which form of values ServiceNow returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayValue {
    /// Labels and names instead of codes and sys_ids.
    Labels,
    /// Stored values only.
    Codes,
    /// ServiceNow's `{display_value, value}` pairs.
    Both,
}

impl DisplayValue {
    /// The `sysparm_display_value` parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            DisplayValue::Labels => "true",
            DisplayValue::Codes => "false",
            DisplayValue::Both => "all",
        }
    }
}

/// One validated tool call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolCall {
    /// get, update, delete: the record.
    pub record: Option<RecordId>,
    /// list: exact-match filters the model gave, as ServiceNow text, by field name.
    pub filters: Vec<(FieldName, String)>,
    /// list: the model's encoded query.
    pub query: Option<String>,
    /// get, list: fields to return (empty = all).
    pub fields: Vec<FieldName>,
    /// list: page size.
    pub limit: u64,
    /// list: the next_cursor of a previous page.
    pub cursor: Option<String>,
    /// get, list: the one form asked for, if any.
    pub display_value: Option<DisplayValue>,
    /// create, update: body fields as ServiceNow text (null clears: "").
    pub body: Vec<(FieldName, String)>,
    /// An upload's file (`content`, `encoding`), not yet decoded.
    pub file: Option<FileBody>,
    /// list with an endpoint `text` parameter: the model's free-text search.
    pub text: Option<String>,
    /// An order's answers to the item's variables, checked against its form later.
    pub variables: Option<Map<String, Value>>,
    /// An order's quantity.
    pub quantity: Option<u64>,
    /// An order's further inputs (endpoint `inputs`, `requested_for`), by input name.
    pub inputs: Vec<(String, String)>,
    /// update: the fields to empty, named explicitly (`""` never clears).
    pub clear: Vec<FieldName>,
}

/// The file an upload method sends, as the model gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBody {
    /// Shared: a call is cloned on its way (reference planning, endpoint mapping), and
    /// an upload's content may be megabytes.
    pub content: std::sync::Arc<String>,
    /// `encoding: "base64"`: `content` is the bytes in base64, else UTF-8 text.
    pub base64: bool,
}

impl ToolCall {
    /// Reads arguments that are valid against `tool`'s inputSchema (the catalog checks
    /// that first, see `Catalog::check_call`). Never fails: the schema already
    /// guarantees every type, so a value of another type cannot occur and is skipped.
    pub fn from_valid(tool: &Tool, args: &Map<String, Value>) -> ToolCall {
        let mut call = ToolCall {
            limit: LIMIT_DEFAULT,
            ..ToolCall::default()
        };
        let text = |name: &str| args.get(name).and_then(Value::as_str).map(str::to_string);
        match tool.kind {
            MethodKind::Get | MethodKind::Update | MethodKind::Delete => {
                // Checked before (`Catalog::check_call`): an id it cannot read is none.
                call.record = text("id").and_then(|id| RecordId::parse(&tool.resource, &id));
            }
            MethodKind::List | MethodKind::Create => {}
        }
        if matches!(tool.kind, MethodKind::Get | MethodKind::List) {
            call.fields = names(args, "fields");
            call.display_value = args
                .get("display_value")
                .and_then(Value::as_str)
                .and_then(|v| match v {
                    "true" => Some(DisplayValue::Labels),
                    "false" => Some(DisplayValue::Codes),
                    "all" => Some(DisplayValue::Both),
                    _ => None,
                });
        }
        let method = tool.method_spec();
        match tool.kind {
            MethodKind::List => {
                call.query = text("query");
                call.text = text("text");
                call.cursor = text("next_cursor");
                call.limit = args
                    .get("limit")
                    .and_then(Value::as_u64)
                    .unwrap_or(LIMIT_DEFAULT);
                let filters = method.map_or(&[][..], |m| m.filters.as_slice());
                call.filters = filters
                    .iter()
                    .filter_map(|name| {
                        Some((FieldName::checked(name.clone()), scalar(args.get(name)?)?))
                    })
                    .collect();
            }
            MethodKind::Create | MethodKind::Update => {
                let uploads = method
                    .and_then(|m| m.endpoint.as_ref())
                    .is_some_and(|e| e.content == Some(FileTransfer::Upload));
                let content = method
                    .and_then(|m| m.endpoint.as_ref())
                    .and_then(|e| e.content);
                if content == Some(FileTransfer::Order) {
                    call.variables = args
                        .get("variables")
                        .and_then(Value::as_array)
                        .map(|pairs| {
                            pairs
                                .iter()
                                .filter_map(|pair| {
                                    let name = pair.get("name")?.as_str()?;
                                    Some((name.to_string(), pair.get("value")?.clone()))
                                })
                                .collect()
                        });
                    call.quantity = args.get("quantity").and_then(Value::as_u64);
                    let inputs = method.and_then(|m| m.endpoint.as_ref()).map(|e| &e.inputs);
                    call.inputs = inputs
                        .into_iter()
                        .flatten()
                        .filter_map(|(name, _)| Some((name.clone(), scalar(args.get(name)?)?)))
                        .collect();
                }
                if uploads {
                    call.file = text("content").map(|content| FileBody {
                        content: std::sync::Arc::new(content),
                        base64: text("encoding").as_deref() == Some("base64"),
                    });
                }
                call.clear = names(args, "clear");
                let body = method.map_or(&[][..], |m| m.body.as_slice());
                call.body = body
                    .iter()
                    .filter_map(|name| {
                        let value = match args.get(name)? {
                            // An empty string clears a field in ServiceNow; null too.
                            Value::Null => String::new(),
                            other => scalar(other)?,
                        };
                        Some((FieldName::checked(name.clone()), value))
                    })
                    .collect();
            }
            MethodKind::Get | MethodKind::Delete => {}
        }
        call
    }
}

impl ToolCall {
    /// [`ToolCall::from_valid`] on arguments handed over: an upload's `content` moves
    /// into the call (no copy of the file's text).
    pub fn from_owned(tool: &Tool, mut args: Map<String, Value>) -> ToolCall {
        let content = match args.get_mut("content") {
            Some(Value::String(content)) => Some(std::mem::take(content)),
            _ => None,
        };
        let mut call = ToolCall::from_valid(tool, &args);
        if let (Some(file), Some(content)) = (call.file.as_mut(), content) {
            file.content = std::sync::Arc::new(content);
        }
        call
    }
}

/// The field names an array argument (`fields`, `clear`) lists, each once, in order
/// (the inputSchema admitted only documented fields there).
fn names(args: &Map<String, Value>, argument: &str) -> Vec<FieldName> {
    let mut names: Vec<FieldName> = Vec::new();
    let items = args.get(argument).and_then(Value::as_array);
    for name in items.into_iter().flatten().filter_map(Value::as_str) {
        if !names.iter().any(|n| n == name) {
            names.push(FieldName::checked(name.to_string()));
        }
    }
    names
}

/// ServiceNow stores every value as text: numbers and booleans become their text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}
