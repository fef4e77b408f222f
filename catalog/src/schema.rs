//! JSON Schemas of tool inputs: one property per documented field (typed the lenient
//! way models send ServiceNow values) plus the standard parameters of each method kind.
//! Also owns the wording that tells a model how to resolve a sys_id.

use crate::naming::{example_number, list_tool_of};
use crate::spec::{
    FieldSpec, FieldType, FileTransfer, MethodKind, MethodSpec, OrderInput, ResourceSpec,
};
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// 32 lowercase hex characters: a ServiceNow sys_id.
pub const SYS_ID_PATTERN: &str = "^[0-9a-f]{32}$";
/// A sys_id or an empty string (update: clears the reference).
const SYS_ID_OR_EMPTY_PATTERN: &str = "^([0-9a-f]{32})?$";
const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const DATE_OR_EMPTY_PATTERN: &str = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$";
const DATETIME_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$";
const DATETIME_OR_EMPTY_PATTERN: &str =
    "^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})?$";

/// Bounds of the list `limit` parameter.
pub const LIMIT_MIN: u64 = 1;
pub const LIMIT_MAX: u64 = 100;
pub const LIMIT_DEFAULT: u64 = 20;
/// Most field names `fields` may list.
pub const FIELDS_MAX_ITEMS: u64 = 50;
/// Longest encoded query accepted (ServiceNow URLs must stay reasonable).
pub const QUERY_MAX_LENGTH: u64 = 4000;
/// Longest text accepted for a reference resolved by name (ServiceNow names are
/// shorter; longer text is a mistake, refused before any lookup).
pub const REFERENCE_MAX_LENGTH: u64 = 255;
/// Longest free-text search accepted (`text` of a search endpoint).
pub const TEXT_MAX_LENGTH: u64 = 200;
/// Most units one order may ask for.
pub const ORDER_QUANTITY_MAX: u64 = 100;
/// Allowed `display_value` values.
pub const DISPLAY_VALUES: [&str; 3] = ["true", "false", "all"];

/// Finds the documented resource of a table (for "find it with list_all_..." hints).
pub type ResourceLookup<'a> = dyn Fn(&str) -> Option<&'a ResourceSpec> + 'a;

/// How a field is used in a tool's input: its schema differs slightly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldUse {
    /// Exact-match list filter.
    Filter,
    /// Create body.
    Create,
    /// Update body: references and dates also accept "" (clears the field).
    Update,
}

/// A documented field or one of the implicit system fields.
pub fn field_spec<'r>(resource: &'r ResourceSpec, name: &str) -> Option<Cow<'r, FieldSpec>> {
    if let Some(field) = resource.fields.get(name) {
        return Some(Cow::Borrowed(field));
    }
    let (field_type, description, reference) = match name {
        "sys_id" => (
            FieldType::Reference,
            "Unique identifier of the record.",
            Some(resource.table.clone()),
        ),
        "sys_created_on" => (FieldType::Datetime, "When the record was created.", None),
        "sys_created_by" => (
            FieldType::String,
            "user_name of the user who created the record.",
            None,
        ),
        "sys_updated_on" => (
            FieldType::Datetime,
            "When the record was last updated.",
            None,
        ),
        "sys_updated_by" => (
            FieldType::String,
            "user_name of the user who last updated the record.",
            None,
        ),
        "sys_mod_count" => (
            FieldType::Integer,
            "How many times the record was updated.",
            None,
        ),
        _ => return None,
    };
    Some(Cow::Owned(FieldSpec {
        field_type,
        description: description.into(),
        reference,
        choices: Vec::new(),
        read_only: true,
        max_length: None,
        open_choices: false,
    }))
}

/// "find it with list_all_service_now_sys_users (e.g. query nameLIKE<text>)", or what to
/// do when no documented tool lists `table`.
pub fn resolve_hint(table: &str, lookup: &ResourceLookup<'_>) -> String {
    match lookup(table) {
        Some(target) => match list_tool_of(target) {
            Some(tool) => {
                let example = match &target.number_prefix {
                    Some(prefix) if target.display_field == "number" => {
                        format!("number={}", example_number(prefix))
                    }
                    _ => format!("{}LIKE<text>", target.display_field),
                };
                format!("find it with {tool} (e.g. query {example})")
            }
            None => format!("no tool lists {table} records; ask the user for the sys_id"),
        },
        None => format!("no tool here lists {table} records; ask the user for the sys_id"),
    }
}

/// The `id` parameter's pattern: a sys_id, or also a record number when the resource
/// has a number prefix.
pub fn id_pattern(resource: &ResourceSpec) -> String {
    match &resource.number_prefix {
        Some(prefix) => format!("^([0-9a-f]{{32}}|{prefix}[0-9]{{4,}})$"),
        None => SYS_ID_PATTERN.to_string(),
    }
}

/// What `id` accepts, in words, and where to find one.
pub fn id_description(resource: &ResourceSpec) -> String {
    let what = match &resource.number_prefix {
        Some(prefix) => format!(
            "sys_id (32 hex characters) or record number (e.g. {}) of the {}",
            example_number(prefix),
            resource.title
        ),
        None => format!("sys_id (32 hex characters) of the {}", resource.title),
    };
    match id_hint(resource) {
        Some(hint) => format!("{what}; {hint}"),
        None => what,
    }
}

/// "find it with list_all_service_now_incident", when the resource documents a list.
pub fn id_hint(resource: &ResourceSpec) -> Option<String> {
    list_tool_of(resource).map(|tool| format!("find it with {tool}"))
}

/// A JSON object from owned values (no re-serialization, unlike `json!` with expressions).
pub fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
    )
}

/// "a sys_user", "an incident": the table name with its indefinite article.
pub fn with_article(table: &str) -> String {
    let article = if table.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {table}")
}

/// The first sentence of `text`, without its final period.
pub fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let end = text.find(". ").unwrap_or(text.len());
    text[..end].trim_end_matches('.')
}

/// Whether a choice value also has an integer form (`"1"` -> `1`).
pub fn choice_integer(value: &str) -> Option<i64> {
    value.parse::<i64>().ok().filter(|n| n.to_string() == value)
}

/// `1 = New, 2 = In Progress` (labels equal to their value up to case are not repeated,
/// and a label that starts with its own code, `1 - Critical`, is shown without it).
pub fn choice_list(field: &FieldSpec, separator: &str) -> String {
    field
        .choices
        .iter()
        .map(|c| {
            let label = c
                .label
                .strip_prefix(&format!("{} - ", c.value))
                .unwrap_or(&c.label);
            // `vpn=VPN` says nothing the code does not.
            if c.value.eq_ignore_ascii_case(label) {
                c.value.clone()
            } else {
                format!("{}{separator}{label}", c.value)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The method whose schema documents `field`'s codes and labels: the resource's first
/// write method taking it (create, update, then custom methods by key), else its first
/// list method filtering on it. Labels cost bytes on every turn; one place per resource
/// is enough, and every read result carries them beside the codes.
pub fn labels_home<'r>(resource: &'r ResourceSpec, field: &str) -> Option<&'r MethodSpec> {
    let standard = ["create", "update"]
        .into_iter()
        .filter_map(|k| resource.methods.get(k));
    let custom = resource
        .methods
        .iter()
        .filter(|(k, _)| MethodKind::parse(k).is_none())
        .map(|(_, m)| m);
    let writes = standard
        .chain(custom.clone())
        .find(|m| m.body.iter().any(|b| b == field));
    writes.or_else(|| {
        resource
            .methods
            .get("list")
            .into_iter()
            .chain(custom)
            .find(|m| m.filters.iter().any(|f| f == field))
    })
}

/// How a reference to `table` may be given: "a sys_user: sys_id, user_name, email or
/// name" when the table documents lookup fields, else "sys_id of a task record".
pub fn reference_words(table: &str, lookup: &ResourceLookup<'_>) -> String {
    match lookup(table).filter(|target| !target.lookup.is_empty()) {
        Some(target) => format!(
            "{}: sys_id, {}",
            with_article(table),
            or_list(&target.lookup)
        ),
        None => format!("sys_id of {} record", with_article(table)),
    }
}

/// Whether a reference to `table` can be given as text and resolved by the server.
pub fn resolvable(table: &str, lookup: &ResourceLookup<'_>) -> bool {
    lookup(table).is_some_and(|target| !target.lookup.is_empty())
}

/// `a, b or c`.
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The schema of one field as an input property. Kept lean: every tool definition is
/// context a model pays for on every turn (issue: a quarter of the bytes), so a property
/// carries its constraints (type, fixed-code `enum`, date `pattern`, `maxLength`) and
/// only what a name cannot say: a reference's table, a choice's labels. The field's
/// prose stays in the spec (and the simulator); the shared rules (query syntax, paging,
/// display values, names accepted for references, `""` clearing on update) are said once
/// in the server's instructions. Values models send as text ("true", "2") are accepted
/// by [`coerce`] before validation, not by wider schemas.
pub fn field_property(
    field: &FieldSpec,
    usage: FieldUse,
    labels: bool,
    lookup: &ResourceLookup<'_>,
) -> Value {
    let clears = usage == FieldUse::Update;
    let mut description = String::new();
    let mut schema = Map::new();
    match field.field_type {
        FieldType::String
        | FieldType::Html
        | FieldType::Journal
        | FieldType::Url
        | FieldType::Email => {
            schema.insert("type".into(), json!("string"));
            if let Some(max) = field.max_length {
                schema.insert("maxLength".into(), json!(max));
            }
        }
        FieldType::Integer => {
            schema.insert("type".into(), json!("integer"));
        }
        FieldType::Decimal => {
            schema.insert("type".into(), json!("number"));
        }
        FieldType::Boolean => {
            schema.insert("type".into(), json!("boolean"));
        }
        FieldType::Date => {
            schema.insert("type".into(), json!("string"));
            let pattern = if clears {
                DATE_OR_EMPTY_PATTERN
            } else {
                DATE_PATTERN
            };
            schema.insert("pattern".into(), json!(pattern));
        }
        FieldType::Datetime => {
            schema.insert("type".into(), json!("string"));
            let pattern = if clears {
                DATETIME_OR_EMPTY_PATTERN
            } else {
                DATETIME_PATTERN
            };
            schema.insert("pattern".into(), json!(pattern));
        }
        FieldType::Reference => {
            schema.insert("type".into(), json!("string"));
            let table = field.reference.as_deref().unwrap_or_default();
            // Names are resolved on the server: any text is accepted here and checked
            // (blank, control characters, length) before the lookup.
            if !resolvable(table, lookup) {
                let pattern = if clears {
                    SYS_ID_OR_EMPTY_PATTERN
                } else {
                    SYS_ID_PATTERN
                };
                schema.insert("pattern".into(), json!(pattern));
            }
            // The table, once: the instructions say which identifiers each table takes.
            description = table.to_string();
        }
        FieldType::Choice => {
            let labelled = field
                .choices
                .iter()
                .any(|c| !c.value.eq_ignore_ascii_case(&c.label));
            if field.open_choices {
                schema.insert("type".into(), json!("string"));
                // Documented codes; the instance may define more, so no enum.
                if labels {
                    description = choice_list(field, "=");
                }
            } else {
                // An enum of strings fixes the type too; integer codes sent as numbers
                // are turned into their text before validation.
                let options = field.choices.iter().map(|c| json!(c.value)).collect();
                schema.insert("enum".into(), Value::Array(options));
                if labels && labelled {
                    description = choice_list(field, "=");
                }
            }
        }
    }
    if !description.is_empty() {
        schema.insert("description".into(), Value::String(description));
    }
    Value::Object(schema)
}

/// Turns the text forms models send into the JSON types the schemas declare, before
/// validation: "true"/"false" for booleans, digit strings for integers and numbers,
/// and numbers for choice codes ("2" is the code of state 2). Anything else is left
/// for validation to report.
pub fn coerce(resource: &ResourceSpec, args: &mut Map<String, Value>) {
    for (name, value) in args.iter_mut() {
        let Some(field) = field_spec(resource, name) else {
            continue;
        };
        let replacement = match (field.field_type, &*value) {
            (FieldType::Boolean, Value::String(s)) => match s.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            (FieldType::Integer, Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            (FieldType::Decimal, Value::String(s)) => {
                let t = s.trim();
                let numeric = !t.is_empty()
                    && t.trim_start_matches('-')
                        .split('.')
                        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                    && t.matches('.').count() <= 1;
                // serde_json's own number parser: no second float parser in the bundle.
                if numeric {
                    serde_json::from_str::<serde_json::Number>(t)
                        .ok()
                        .map(Value::Number)
                } else {
                    None
                }
            }
            (FieldType::Choice, Value::Number(n)) => Some(Value::String(n.to_string())),
            _ => None,
        };
        if let Some(replacement) = replacement {
            *value = replacement;
        }
    }
}

/// The `inputSchema` of `method` (running as `kind`) on `resource`.
pub fn input_schema(
    resource: &ResourceSpec,
    method: &MethodSpec,
    kind: MethodKind,
    lookup: &ResourceLookup<'_>,
) -> Value {
    let mut properties = Map::new();
    let mut required: Vec<String> = Vec::new();

    let id = object([
        ("type", json!("string")),
        ("pattern", Value::String(id_pattern(resource))),
    ]);

    match kind {
        MethodKind::List => {
            if method.takes("sysparm_query") {
                properties.insert(
                    "query".into(),
                    json!({ "type": "string", "maxLength": QUERY_MAX_LENGTH }),
                );
            }
            if method.endpoint.as_ref().is_some_and(|e| e.text.is_some()) {
                properties.insert(
                    "text".into(),
                    json!({ "type": "string", "maxLength": TEXT_MAX_LENGTH, "description": "Words to search for." }),
                );
            }
            for name in &method.filters {
                if let Some(field) = field_spec(resource, name) {
                    let labels = is_home(resource, name, method);
                    properties.insert(
                        name.clone(),
                        field_property(&field, FieldUse::Filter, labels, lookup),
                    );
                }
            }
            read_properties(method, &mut properties);
            required.extend(method.required.iter().cloned());
            if method.takes("sysparm_limit") && method.takes("sysparm_offset") {
                properties.insert(
                    "limit".into(),
                    json!({ "type": "integer", "minimum": LIMIT_MIN, "maximum": LIMIT_MAX }),
                );
                properties.insert("next_cursor".into(), json!({ "type": "string" }));
            }
        }
        MethodKind::Get => {
            properties.insert("id".into(), id);
            read_properties(method, &mut properties);
            required.push("id".into());
        }
        MethodKind::Create | MethodKind::Update => {
            let content = method.endpoint.as_ref().and_then(|e| e.content);
            let orders = content == Some(FileTransfer::Order);
            let usage = if kind == MethodKind::Update {
                properties.insert("id".into(), id);
                required.push("id".into());
                if method.set.is_empty() && !orders {
                    // Emptying a field is explicit: "" and null mean "not given" (strict
                    // function calling fills every unused property with them). A call
                    // changing nothing is refused by the server, naming the fields.
                    properties.insert(
                        "clear".into(),
                        json!({ "type": "array", "items": { "type": "string" } }),
                    );
                }
                FieldUse::Update
            } else {
                FieldUse::Create
            };
            for name in &method.body {
                if let Some(field) = resource.fields.get(name) {
                    let labels = is_home(resource, name, method);
                    properties.insert(name.clone(), field_property(field, usage, labels, lookup));
                }
            }
            required.extend(method.required.iter().cloned());
            let uploads = method
                .endpoint
                .as_ref()
                .is_some_and(|e| e.content == Some(FileTransfer::Upload));
            if uploads {
                properties.insert(
                    "content".into(),
                    json!({ "type": "string", "minLength": 1, "description": "The file: its text, or its bytes in base64 with encoding base64." }),
                );
                properties.insert(
                    "encoding".into(),
                    json!({ "enum": ["text", "base64"], "description": "How content is given; default text (UTF-8)." }),
                );
                required.push("content".into());
            }
            if orders {
                // A list of {name, value} pairs rather than an open object: strict
                // function schemas (OpenAI) cannot express an object of any keys.
                properties.insert(
                    "variables".into(),
                    json!({ "type": "array", "items": { "type": "object", "properties": { "name": { "type": "string" }, "value": { "type": "string" } }, "required": ["name", "value"], "additionalProperties": false }, "description": "One {name, value} per variable, as the item's variables_schema says." }),
                );
                properties.insert(
                    "quantity".into(),
                    json!({ "type": "integer", "minimum": 1, "maximum": ORDER_QUANTITY_MAX }),
                );
                // Further inputs (`requested_for`) are references, shaped like a
                // reference body field so names are offered where the target has lookups.
                // Never cleared: an omitted input leaves ServiceNow's default.
                for (name, input) in method.endpoint.iter().flat_map(|e| &e.inputs) {
                    let field = order_input_field(input);
                    let mut property = field_property(&field, FieldUse::Create, false, lookup);
                    property["description"] =
                        json!(format!("{}: {}", input.reference, input.description));
                    properties.insert(name.clone(), property);
                }
            }
        }
        MethodKind::Delete => {
            properties.insert("id".into(), id);
            required.push("id".into());
        }
    }

    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert(
            "required".into(),
            Value::Array(required.into_iter().map(Value::String).collect()),
        );
    }
    schema.insert("additionalProperties".into(), json!(false));
    Value::Object(schema)
}

/// The reference field an order input stands for, to share its schema and lookups.
pub fn order_input_field(input: &OrderInput) -> FieldSpec {
    FieldSpec {
        field_type: FieldType::Reference,
        description: input.description.clone(),
        reference: Some(input.reference.clone()),
        choices: Vec::new(),
        read_only: false,
        max_length: None,
        open_choices: false,
    }
}

/// `fields` and `display_value`, where the method's endpoint takes them.
fn read_properties(method: &MethodSpec, properties: &mut Map<String, Value>) {
    if method.takes("sysparm_fields") {
        properties.insert("fields".into(), fields_property());
    }
    if method.takes("sysparm_display_value") {
        properties.insert("display_value".into(), display_value_property());
    }
}

/// Whether `method` is where `field`'s labels are documented.
fn is_home(resource: &ResourceSpec, field: &str, method: &MethodSpec) -> bool {
    labels_home(resource, field).is_some_and(|home| std::ptr::eq(home, method))
}

fn display_value_property() -> Value {
    json!({ "enum": DISPLAY_VALUES })
}

fn fields_property() -> Value {
    json!({
        "type": "array",
        "items": { "type": "string" },
    })
}

/// The shape of a successful result of a `kind` tool (its `outputSchema`): the same
/// small object for every tool of a kind, because records carry whatever fields the
/// instance returns (ACLs, `fields`, custom columns, and on get/list a `display_values`
/// object of names and labels). Optional members (`next_cursor`, `hidden_fields`) are
/// allowed without being listed: a model pays for these bytes on every turn.
pub fn output_schema(kind: MethodKind) -> Value {
    // Records keep every field ServiceNow returns (and `display_values`, the labels of
    // codes and names of references): typed clients (FastMCP builds classes from this
    // schema) keep only what an object declares, so records and the result say
    // `additionalProperties: true` explicitly, and the result names every key it can
    // carry. Keys whose type a client needs nothing from are declared with `{}`, which
    // keeps the whole list within its byte budget.
    let record = || json!({ "additionalProperties": true });
    let mut properties = Map::new();
    match kind {
        MethodKind::List => {
            properties.insert(
                "result".into(),
                json!({ "type": "array", "items": record() }),
            );
            properties.insert("next_cursor".into(), json!({}));
            properties.insert("total_count".into(), json!({}));
        }
        MethodKind::Get | MethodKind::Create | MethodKind::Update => {
            properties.insert("result".into(), record());
        }
        MethodKind::Delete => {
            properties.insert("deleted".into(), json!({ "type": "boolean" }));
            properties.insert("id".into(), json!({}));
            properties.insert("table".into(), json!({}));
        }
    }
    if kind.is_read() {
        properties.insert("hidden_fields".into(), json!({}));
    }
    // `required` is left out (and with it 22 bytes a tool): a success always has it,
    // and tests/tool_results.rs checks every kind's real results against this.
    json!({ "type": "object", "properties": properties, "additionalProperties": true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SYSTEM_FIELDS;
    use std::collections::BTreeMap;

    fn bare_resource() -> ResourceSpec {
        ResourceSpec {
            schema: None,
            resource: "thing".into(),
            table: "u_thing".into(),
            title: "Thing".into(),
            tags: vec!["itsm".into()],
            description: "Things.".into(),
            docs: "None.".into(),
            number_prefix: None,
            display_field: "sys_id".into(),
            lookup: Vec::new(),
            row_table: None,
            fields: BTreeMap::new(),
            methods: BTreeMap::new(),
        }
    }

    #[test]
    fn every_system_field_has_a_read_only_spec() {
        let resource = bare_resource();
        for name in SYSTEM_FIELDS {
            let field = field_spec(&resource, name);
            assert!(field.as_ref().is_some_and(|f| f.read_only), "{name}");
        }
        assert!(field_spec(&resource, "sys_class_name").is_none());
        assert_eq!(
            field_spec(&resource, "sys_id").and_then(|f| f.reference.clone()),
            Some("u_thing".to_string())
        );
    }

    #[test]
    fn choice_values_have_an_integer_form_only_when_canonical() {
        let cases = [
            ("1", Some(1)),
            ("-5", Some(-5)),
            ("01", None),
            ("1.0", None),
            ("high", None),
        ];
        for (value, expected) in cases {
            assert_eq!(choice_integer(value), expected, "{value}");
        }
    }

    #[test]
    fn tables_get_the_right_article() {
        assert_eq!(with_article("incident"), "an incident");
        assert_eq!(with_article("sys_user"), "a sys_user");
        assert_eq!(with_article("cmdb_ci"), "a cmdb_ci");
    }

    #[test]
    fn first_sentence_stops_at_the_first_full_stop() {
        let cases = [
            ("Lifecycle state. 3 needs a reason.", "Lifecycle state"),
            ("Version 1.2 of it.", "Version 1.2 of it"),
            ("  No period  ", "No period"),
        ];
        for (text, expected) in cases {
            assert_eq!(first_sentence(text), expected, "{text:?}");
        }
    }
}
