//! tools/call argument validation: compiles a tool's inputSchema (`schema_check`) and
//! turns each violation into one sentence that names the field and says how to fix
//! it, so a model can correct its call without a human.

use crate::naming::example_number;
use crate::schema::{
    choice_integer, field_spec, first_sentence, id_description, id_hint, reference_words,
    resolve_hint, ResourceLookup, DISPLAY_VALUES, FIELDS_MAX_ITEMS, LIMIT_MAX, LIMIT_MIN,
};
use crate::schema_check::{Schema, Violation, ViolationKind};
use crate::spec::{FieldSpec, FieldType, MethodKind};
use crate::Tool;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Violations read per call (see [`check`]).
const MAX_VIOLATIONS: usize = 100;

/// Every problem found in a tools/call `arguments`, one sentence each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentErrors(pub Vec<String>);

impl fmt::Display for ArgumentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for ArgumentErrors {}

/// Keywords an inputSchema may use: they mean the same in JSON Schema draft 7 and
/// 2020-12 (what MCP clients assume), so either draft validates identically.
pub const SCHEMA_KEYWORDS: [&str; 16] = [
    "type",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "items",
    "minItems",
    "maxItems",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "default",
    "description",
];

/// Compiles a tool's inputSchema. Its keywords are [`SCHEMA_KEYWORDS`], whose meaning is
/// the same in draft 7 and 2020-12 (a test checks every builtin tool).
pub fn compile(tool: &Tool) -> Result<Schema, BrokenTool> {
    let schema = tool.definition.get("inputSchema").unwrap_or(&Value::Null);
    Schema::compile(schema).map_err(|problem| BrokenTool {
        tool: tool.name.clone(),
        problem,
    })
}

/// A tool whose inputSchema does not compile: a server bug, told to the caller as such.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the definition of tool {tool} is broken ({problem}); this is a server bug: report it to \
     the server operator"
)]
pub struct BrokenTool {
    pub tool: String,
    pub problem: crate::schema_check::SchemaError,
}

/// Validates `args` against `validator` (compiled from `tool`'s inputSchema).
pub fn check(
    tool: &Tool,
    validator: &Schema,
    args: &Value,
    lookup: &ResourceLookup<'_>,
) -> Result<(), ArgumentErrors> {
    // Some clients send `"arguments": null` for a call without arguments.
    let empty = Value::Object(serde_json::Map::new());
    let args = if args.is_null() { &empty } else { args };
    if !args.is_object() {
        return Err(ArgumentErrors(vec![format!(
            "arguments must be a JSON object of named fields, got {}; this tool accepts: {}",
            describe_value(args),
            accepted(tool)
        )]));
    }
    // One message per field: a wrong type also fails enum/pattern; the type says most.
    let mut found: Vec<Found> = Vec::new();
    // Sets, not scans of `found`: a huge argument object must not cost quadratic work.
    let mut root_messages: HashSet<String> = HashSet::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    // Past this many violations a model has plenty to fix; the rest is not even read.
    for error in validator.violations(args).into_iter().take(MAX_VIOLATIONS) {
        let path = error.instance_path.clone();
        let is_type = matches!(error.kind, ViolationKind::Type { .. });
        let rank = match error.kind {
            ViolationKind::Required { .. } => 0,
            ViolationKind::AdditionalProperties { .. } => 2,
            ViolationKind::MinProperties { .. } => 3,
            _ => 1,
        };
        for message in messages(tool, &error, lookup) {
            let new = Found {
                rank,
                is_type,
                message,
            };
            if path.is_empty() {
                if root_messages.insert(new.message.clone()) {
                    found.push(new);
                }
                continue;
            }
            match by_path.get(&path).and_then(|&i| found.get_mut(i)) {
                Some(slot) if is_type && !slot.is_type => *slot = new,
                Some(_) => {}
                None => {
                    by_path.insert(path.clone(), found.len());
                    found.push(new);
                }
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    // Missing fields first, then bad values, then unknown fields: the order a model
    // fixes its call in.
    found.sort_by_key(|f| f.rank);
    Err(ArgumentErrors(
        found.into_iter().map(|f| f.message).collect(),
    ))
}

/// One message and where it came from.
struct Found {
    rank: u8,
    is_type: bool,
    message: String,
}

/// What a property of the tool is, to word its messages.
enum Prop<'r> {
    Id,
    Query,
    Fields,
    FieldsItem,
    Limit,
    Cursor,
    DisplayValue,
    Field(Cow<'r, FieldSpec>),
    Other,
}

fn prop<'r>(tool: &'r Tool, segments: &[String]) -> Prop<'r> {
    match segments {
        [name] => match name.as_str() {
            "id" => Prop::Id,
            "query" => Prop::Query,
            "fields" => Prop::Fields,
            "limit" => Prop::Limit,
            "next_cursor" => Prop::Cursor,
            "display_value" => Prop::DisplayValue,
            field => field_spec(&tool.resource, field).map_or(Prop::Other, Prop::Field),
        },
        [fields, index] if fields == "fields" => index
            .parse::<usize>()
            .map_or(Prop::Other, |_| Prop::FieldsItem),
        _ => Prop::Other,
    }
}

fn messages(tool: &Tool, error: &Violation<'_>, lookup: &ResourceLookup<'_>) -> Vec<String> {
    let segments: Vec<String> = error
        .instance_path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let name = match segments.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first}[{}]", rest.join("][")),
    };
    let instance = error.instance;
    let got = describe_value(instance);
    let prop = prop(tool, &segments);

    let message = match &error.kind {
        ViolationKind::Required { property } => {
            let field = property.as_str();
            format!(
                "missing required field '{field}': {}",
                what_it_is(tool, field, lookup)
            )
        }
        ViolationKind::AdditionalProperties { unexpected } => {
            return unknown_fields(tool, unexpected);
        }
        ViolationKind::MinProperties { .. } if segments.is_empty() => format!(
            "give at least one field to change besides id: {}",
            body_fields(tool).join(", ")
        ),
        ViolationKind::Type { .. } => {
            format!("{name} must be {}, got {got}", expected_type(&prop))
        }
        ViolationKind::Enum { options } => match &prop {
            Prop::Field(field) if field.field_type == FieldType::Choice => format!(
                "{name} must be one of {}; got {got}",
                field
                    .choices
                    .iter()
                    .map(|c| if c.value == c.label {
                        c.value.clone()
                    } else {
                        format!("{} ({})", c.value, c.label)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Prop::Field(field) if field.field_type == FieldType::Boolean => {
                format!("{name} must be true or false, got {got}")
            }
            Prop::DisplayValue => format!(
                "display_value must be one of {}; got {got}",
                DISPLAY_VALUES.map(|v| format!("\"{v}\"")).join(", ")
            ),
            _ => format!("{name} must be one of {options}; got {got}"),
        },
        ViolationKind::Pattern { pattern } => {
            pattern_message(tool, &name, &prop, &got, pattern, lookup)
        }
        ViolationKind::Minimum { .. } | ViolationKind::Maximum { .. }
            if matches!(prop, Prop::Limit) =>
        {
            format!("limit must be between {LIMIT_MIN} and {LIMIT_MAX}, got {got}")
        }
        ViolationKind::Minimum { limit } => {
            format!("{name} must be at least {limit}, got {got}")
        }
        ViolationKind::Maximum { limit } => {
            format!("{name} must be at most {limit}, got {got}")
        }
        ViolationKind::MaxLength { limit } => format!(
            "{name} must be at most {limit} characters, got {}",
            instance.as_str().map_or(0, |s| s.chars().count())
        ),
        ViolationKind::MinLength { .. } => format!("{name} must not be empty"),
        ViolationKind::MaxItems { .. } => format!(
            "{name} may list at most {FIELDS_MAX_ITEMS} field names, got {}",
            instance.as_array().map_or(0, Vec::len)
        ),
        ViolationKind::MinItems { .. } => {
            format!("{name} must list at least one field name; leave it out to get every field")
        }
        _ if name.is_empty() => format!("arguments: {error}"),
        _ => format!("{name}: {error}"),
    };
    vec![message]
}

fn pattern_message(
    tool: &Tool,
    name: &str,
    prop: &Prop<'_>,
    got: &str,
    pattern: &str,
    lookup: &ResourceLookup<'_>,
) -> String {
    let resource = &tool.resource;
    match prop {
        Prop::Id => {
            let what = match &resource.number_prefix {
                Some(prefix) => format!(
                    "a sys_id or a record number like {}",
                    example_number(prefix)
                ),
                None => "a 32-character sys_id".to_string(),
            };
            let find = id_hint(resource)
                .map(|hint| format!("; {hint}"))
                .unwrap_or_default();
            format!("id must be {what}, got {got}{find}")
        }
        Prop::FieldsItem => format!(
            "{name} must be a field name (lowercase letters, digits and _, with . to dot-walk, \
             e.g. caller_id.name), got {got}"
        ),
        Prop::Field(field) => match field.field_type {
            FieldType::Reference => {
                let table = field.reference.as_deref().unwrap_or_default();
                let clear = if tool.kind == MethodKind::Update {
                    " (or \"\" to clear it)"
                } else {
                    ""
                };
                format!(
                    "{name} must be a 32-character sys_id{clear}, got {got}; {}",
                    resolve_hint(table, lookup)
                )
            }
            FieldType::Date => format!("{name} must be a date in the format YYYY-MM-DD, got {got}"),
            FieldType::Datetime => format!(
                "{name} must be a date and time in UTC in the format YYYY-MM-DD HH:MM:SS, got {got}"
            ),
            FieldType::Integer => format!("{name} must be an integer, got {got}"),
            FieldType::Decimal => format!("{name} must be a number, got {got}"),
            _ => format!("{name} must match the pattern {pattern}, got {got}"),
        },
        _ => format!("{name} must match the pattern {pattern}, got {got}"),
    }
}

fn expected_type(prop: &Prop<'_>) -> &'static str {
    match prop {
        Prop::Id => "a string (a sys_id)",
        Prop::Query => "a string (an encoded query)",
        Prop::Fields => "an array of field names",
        Prop::FieldsItem => "a string (a field name)",
        Prop::Limit => "an integer",
        Prop::Cursor => "a string (the next_cursor of a previous result)",
        Prop::DisplayValue => "the string \"true\", \"false\" or \"all\"",
        Prop::Field(field) => match field.field_type {
            FieldType::Choice
                if field
                    .choices
                    .iter()
                    .any(|c| choice_integer(&c.value).is_some()) =>
            {
                "an integer or string code"
            }
            FieldType::Choice => "a string code",
            FieldType::Integer => "an integer",
            FieldType::Decimal => "a number",
            FieldType::Boolean => "true or false",
            FieldType::Reference => "a string (a sys_id, or a name the server looks up)",
            _ => "a string",
        },
        Prop::Other => "of another type",
    }
}

/// For "missing required field": what the field is, from the schema's own words.
fn what_it_is(tool: &Tool, field: &str, lookup: &ResourceLookup<'_>) -> String {
    if field == "id" {
        return format!("the {}", id_description(&tool.resource));
    }
    let Some(spec) = field_spec(&tool.resource, field) else {
        return "see the tool's inputSchema".to_string();
    };
    let summary = first_sentence(&spec.description).to_string();
    match spec.field_type {
        FieldType::Reference => {
            let table = spec.reference.as_deref().unwrap_or_default();
            format!("{summary} ({})", reference_words(table, lookup))
        }
        FieldType::Choice => format!(
            "{summary} (one of {})",
            crate::schema::choice_list(&spec, " = ")
        ),
        FieldType::Date => format!("{summary} (YYYY-MM-DD)"),
        FieldType::Datetime => format!("{summary} (YYYY-MM-DD HH:MM:SS, UTC)"),
        _ => summary,
    }
}

/// At most this many unknown keys are named; the rest are counted.
const MAX_UNKNOWN_NAMED: usize = 10;
/// Characters of an unknown key shown in a message.
const MAX_KEY_CHARS: usize = 64;

/// One message per named unknown key (at most [`MAX_UNKNOWN_NAMED`]), the last one
/// counting the others and listing the accepted fields once: an argument object of a
/// million unknown keys still costs a few short sentences.
fn unknown_fields(tool: &Tool, unexpected: &[String]) -> Vec<String> {
    let named = unexpected.len().min(MAX_UNKNOWN_NAMED);
    let mut messages: Vec<String> = unexpected[..named]
        .iter()
        .map(|field| unknown_field(tool, field))
        .collect();
    let more = unexpected.len() - named;
    if let Some(last) = messages.last_mut() {
        if more > 0 {
            last.push_str(&format!(
                "; and {more} more unknown field{}",
                if more == 1 { "" } else { "s" }
            ));
        }
        last.push_str(&format!("; this tool accepts: {}", accepted(tool)));
    }
    messages
}

fn unknown_field(tool: &Tool, field: &str) -> String {
    let has_id = tool.kind != MethodKind::Create && tool.kind != MethodKind::List;
    let documented = tool.resource.fields.get(field);
    let numbered = tool.resource.number_prefix.is_some();
    let hint = if field == "sys_id" && has_id {
        " (pass the sys_id as 'id')".to_string()
    } else if field == "number" && has_id && numbered {
        " (pass the record number as 'id')".to_string()
    } else if tool.kind == MethodKind::List && (documented.is_some() || field == "sys_id") {
        format!(" (it is not an exact-match filter here; put it in query, e.g. {field}=<value>)")
    } else if documented.is_some_and(|f| f.read_only) {
        format!(" ({field} is read-only: ServiceNow sets it)")
    } else {
        String::new()
    };
    let shown: String = field.chars().take(MAX_KEY_CHARS).collect();
    let ellipsis = if shown.len() < field.len() { "…" } else { "" };
    format!("unknown field '{shown}{ellipsis}'{hint}")
}

/// The tool's property names, comma-separated.
fn accepted(tool: &Tool) -> String {
    tool.definition
        .pointer("/inputSchema/properties")
        .and_then(Value::as_object)
        .map(|props| props.keys().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

fn body_fields(tool: &Tool) -> Vec<String> {
    tool.definition
        .pointer("/inputSchema/properties")
        .and_then(Value::as_object)
        .map(|props| props.keys().filter(|k| *k != "id").cloned().collect())
        .unwrap_or_default()
}

/// A short rendering of a JSON value for "got ...".
fn describe_value(value: &Value) -> String {
    match value {
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "an array".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            const MAX: usize = 60;
            let shown = if s.chars().count() > MAX {
                let cut: String = s.chars().take(MAX).collect();
                format!("{cut}...")
            } else {
                s.clone()
            };
            Value::String(shown).to_string()
        }
    }
}
