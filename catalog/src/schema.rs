//! JSON Schemas of tool inputs: one property per documented field (typed the lenient
//! way models send ServiceNow values) plus the standard parameters of each method kind.
//! Also owns the wording that tells a model how to resolve a sys_id.

use crate::naming::{example_number, list_tool_of};
use crate::spec::{FieldSpec, FieldType, MethodKind, MethodSpec, ResourceSpec};
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
const INTEGER_PATTERN: &str = "^-?[0-9]+$";
const DECIMAL_PATTERN: &str = "^-?[0-9]+([.][0-9]+)?$";
/// Field names in `fields`, dot-walks included (`caller_id.name`).
pub const FIELD_NAME_PATTERN: &str = "^[a-z0-9_.]+$";

/// Bounds of the list `limit` parameter.
pub const LIMIT_MIN: u64 = 1;
pub const LIMIT_MAX: u64 = 100;
pub const LIMIT_DEFAULT: u64 = 20;
/// Most field names `fields` may list.
pub const FIELDS_MAX_ITEMS: u64 = 50;
/// Longest encoded query accepted (ServiceNow URLs must stay reasonable).
pub const QUERY_MAX_LENGTH: u64 = 4000;
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

/// `1 = New, 2 = In Progress` (labels equal to their value are not repeated).
pub fn choice_list(field: &FieldSpec, separator: &str) -> String {
    field
        .choices
        .iter()
        .map(|c| {
            if c.value == c.label {
                c.value.clone()
            } else {
                format!("{}{separator}{}", c.value, c.label)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The schema of one field as an input property.
pub fn field_property(
    name: &str,
    field: &FieldSpec,
    usage: FieldUse,
    lookup: &ResourceLookup<'_>,
) -> Value {
    // Filters repeat on every list tool: their first sentence says enough.
    let mut description = match usage {
        FieldUse::Filter => format!(
            "Exact match on {name}: {}.",
            first_sentence(&field.description)
        ),
        FieldUse::Create | FieldUse::Update => field.description.trim().to_string(),
    };
    let clears = usage == FieldUse::Update;
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
                description.push_str(&format!(" At most {max} characters."));
            }
            match field.field_type {
                FieldType::Html => description.push_str(" HTML is allowed."),
                FieldType::Journal => description.push_str(
                    " Journal field: each value adds a new entry; reads return an empty string.",
                ),
                FieldType::Email => description.push_str(" An email address."),
                FieldType::Url => description.push_str(" A URL."),
                _ => {}
            }
        }
        FieldType::Integer => {
            schema.insert("type".into(), json!(["integer", "string"]));
            schema.insert("pattern".into(), json!(INTEGER_PATTERN));
            description.push_str(" An integer.");
        }
        FieldType::Decimal => {
            schema.insert("type".into(), json!(["number", "string"]));
            schema.insert("pattern".into(), json!(DECIMAL_PATTERN));
            description.push_str(" A number.");
        }
        FieldType::Boolean => {
            schema.insert("type".into(), json!(["boolean", "string"]));
            schema.insert("enum".into(), json!([true, false, "true", "false"]));
            description.push_str(" true or false.");
        }
        FieldType::Date => {
            schema.insert("type".into(), json!("string"));
            let pattern = if clears {
                DATE_OR_EMPTY_PATTERN
            } else {
                DATE_PATTERN
            };
            schema.insert("pattern".into(), json!(pattern));
            description.push_str(" A date, format YYYY-MM-DD.");
            if clears {
                description.push_str(" An empty string clears it.");
            }
        }
        FieldType::Datetime => {
            schema.insert("type".into(), json!("string"));
            let pattern = if clears {
                DATETIME_OR_EMPTY_PATTERN
            } else {
                DATETIME_PATTERN
            };
            schema.insert("pattern".into(), json!(pattern));
            description.push_str(" Date and time in UTC, format YYYY-MM-DD HH:MM:SS.");
            if clears {
                description.push_str(" An empty string clears it.");
            }
        }
        FieldType::Reference => {
            schema.insert("type".into(), json!("string"));
            let pattern = if clears {
                SYS_ID_OR_EMPTY_PATTERN
            } else {
                SYS_ID_PATTERN
            };
            schema.insert("pattern".into(), json!(pattern));
            let table = field.reference.as_deref().unwrap_or_default();
            description.push_str(&format!(
                " sys_id (32 hex characters) of {} record, not a name; {}.",
                with_article(table),
                resolve_hint(table, lookup)
            ));
            if clears {
                description.push_str(" An empty string clears it.");
            }
        }
        FieldType::Choice => {
            let mut options = Vec::new();
            let mut numeric = false;
            for choice in &field.choices {
                options.push(json!(choice.value));
                if let Some(n) = choice_integer(&choice.value) {
                    options.push(json!(n));
                    numeric = true;
                }
            }
            let types = if numeric {
                json!(["string", "integer"])
            } else {
                json!("string")
            };
            schema.insert("type".into(), types);
            if field.open_choices {
                description.push_str(&format!(
                    " ServiceNow code; documented: {}. This instance may define others.",
                    choice_list(field, " = ")
                ));
            } else {
                schema.insert("enum".into(), Value::Array(options));
                description.push_str(&format!(
                    " ServiceNow code, one of: {}.",
                    choice_list(field, " = ")
                ));
            }
        }
    }
    schema.insert("description".into(), Value::String(description));
    Value::Object(schema)
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
    let mut min_properties = None;

    let id = object([
        ("type", json!("string")),
        ("pattern", Value::String(id_pattern(resource))),
        ("description", Value::String(id_description(resource))),
    ]);

    match kind {
        MethodKind::List => {
            properties.insert("query".into(), query_property(resource, method, lookup));
            for name in &method.filters {
                if let Some(field) = field_spec(resource, name) {
                    properties.insert(
                        name.clone(),
                        field_property(name, &field, FieldUse::Filter, lookup),
                    );
                }
            }
            properties.insert("fields".into(), fields_property(resource));
            properties.insert(
                "limit".into(),
                json!({
                    "type": "integer",
                    "minimum": LIMIT_MIN,
                    "maximum": LIMIT_MAX,
                    "default": LIMIT_DEFAULT,
                    "description": format!(
                        "How many records to return, {LIMIT_MIN}-{LIMIT_MAX} (default {LIMIT_DEFAULT})."
                    ),
                }),
            );
            properties.insert(
                "next_cursor".into(),
                json!({
                    "type": "string",
                    "minLength": 1,
                    "description": "The next_cursor of a previous result of this tool, to get the \
                        next page; repeat the same query and filters with it.",
                }),
            );
            properties.insert("display_value".into(), display_value_property());
        }
        MethodKind::Get => {
            properties.insert("id".into(), id);
            properties.insert("fields".into(), fields_property(resource));
            properties.insert("display_value".into(), display_value_property());
            required.push("id".into());
        }
        MethodKind::Create | MethodKind::Update => {
            let usage = if kind == MethodKind::Update {
                properties.insert("id".into(), id);
                required.push("id".into());
                if method.set.is_empty() {
                    // Nothing to change without at least one body field besides `id`.
                    min_properties = Some(2);
                }
                FieldUse::Update
            } else {
                FieldUse::Create
            };
            for name in &method.body {
                if let Some(field) = resource.fields.get(name) {
                    properties.insert(name.clone(), field_property(name, field, usage, lookup));
                }
            }
            required.extend(method.required.iter().cloned());
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
    if let Some(min) = min_properties {
        schema.insert("minProperties".into(), json!(min));
    }
    schema.insert("additionalProperties".into(), json!(false));
    Value::Object(schema)
}

fn display_value_property() -> Value {
    json!({
        "type": "string",
        "enum": DISPLAY_VALUES,
        "default": "false",
        "description": "\"false\" (default): codes and sys_ids. \"true\": labels and names \
            instead (state \"In Progress\", caller_id \"Alice Johnson\"). \"all\": both.",
    })
}

fn fields_property(resource: &ResourceSpec) -> Value {
    let mut names: Vec<&str> = vec!["sys_id"];
    names.extend(resource.fields.keys().map(String::as_str));
    object([
        ("type", json!("array")),
        (
            "items",
            json!({ "type": "string", "pattern": FIELD_NAME_PATTERN }),
        ),
        ("minItems", json!(1)),
        ("maxItems", json!(FIELDS_MAX_ITEMS)),
        (
            "description",
            Value::String(format!(
                "Return only these fields (reduces the payload; dot-walk references, e.g. \
                 caller_id.name). Documented fields: {}.",
                names.join(", ")
            )),
        ),
    ])
}

fn query_property(
    resource: &ResourceSpec,
    method: &MethodSpec,
    lookup: &ResourceLookup<'_>,
) -> Value {
    object([
        ("type", json!("string")),
        ("maxLength", json!(QUERY_MAX_LENGTH)),
        (
            "description",
            Value::String(format!(
                "ServiceNow encoded query. Conditions are field, operator, value: = (equals), != , \
                 LIKE (contains), STARTSWITH, IN (comma list), ISEMPTY; join them with ^ (AND) or \
                 ^OR (OR); sort with ^ORDERBY<field> or ^ORDERBYDESC<field>. Reference fields \
                 hold sys_ids; dot-walk to match names (e.g. {}). Example: {}",
                dot_walk_example(resource, lookup),
                query_example(resource, method)
            )),
        ),
    ])
}

/// `caller_id.nameLIKEsmith`: a dot-walk through this resource's first reference to a
/// documented table, matching on that table's display field.
fn dot_walk_example(resource: &ResourceSpec, lookup: &ResourceLookup<'_>) -> String {
    resource
        .fields
        .iter()
        .filter(|(_, f)| f.field_type == FieldType::Reference)
        .find_map(|(name, f)| {
            let target = lookup(f.reference.as_deref()?)?;
            Some(format!("{name}.{}LIKEsmith", target.display_field))
        })
        .unwrap_or_else(|| "assigned_to.nameLIKEsmith".to_string())
}

/// An encoded query built from this resource's own fields.
fn query_example(resource: &ResourceSpec, method: &MethodSpec) -> String {
    let mut parts = Vec::new();
    if let Some((name, _)) = resource
        .fields
        .iter()
        .find(|(_, f)| f.field_type == FieldType::Boolean)
    {
        parts.push(format!("{name}=true"));
    }
    let choice = method
        .filters
        .iter()
        .filter_map(|n| resource.fields.get(n).map(|f| (n, f)))
        .chain(resource.fields.iter())
        .find(|(_, f)| f.field_type == FieldType::Choice && !f.choices.is_empty());
    if let Some((name, field)) = choice {
        if let Some(choice) = field.choices.first() {
            parts.push(format!("{name}={}", choice.value));
        }
    }
    let text = ["short_description", "name", resource.display_field.as_str()]
        .into_iter()
        .find(|n| {
            resource
                .fields
                .get(*n)
                .is_some_and(|f| f.field_type == FieldType::String)
        })
        .or_else(|| {
            resource
                .fields
                .iter()
                .find(|(_, f)| f.field_type == FieldType::String)
                .map(|(n, _)| n.as_str())
        });
    if let Some(name) = text {
        parts.push(format!("{name}LIKEemail"));
    }
    parts.push("ORDERBYDESCsys_updated_on".into());
    parts.join("^")
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
