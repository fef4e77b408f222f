//! JSON Schema validation of tool arguments, for exactly the keywords the catalog emits
//! ([`crate::SCHEMA_KEYWORDS`]; they mean the same in draft 7 and 2020-12). A schema that
//! uses anything else is refused when it is compiled, so a new keyword can never be
//! silently ignored at call time.
//!
//! Why not the `jsonschema` crate: it and the regex engines it brings were over half of
//! the Worker's bundle, which must stay under 1 MiB gzip. A differential test checks this
//! module against `jsonschema` (a dev-dependency) over every builtin tool.

use crate::pattern::Pattern;
use serde_json::{Map, Value};
use std::fmt;

/// Annotation keywords that validate nothing and are accepted anywhere.
const ANNOTATIONS: [&str; 6] = [
    "description",
    "default",
    "title",
    "examples",
    "$comment",
    "format",
];

/// One violation: where, the offending value, and which rule it broke.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation<'a> {
    /// JSON Pointer into the arguments (`/fields/0`), empty for the root.
    pub instance_path: String,
    pub instance: &'a Value,
    pub kind: ViolationKind,
}

/// The rule broken, with what the message needs.
#[derive(Debug, Clone, PartialEq)]
pub enum ViolationKind {
    Type { expected: Vec<String> },
    Enum { options: Value },
    Pattern { pattern: String },
    Minimum { limit: Value },
    Maximum { limit: Value },
    MinLength { limit: u64 },
    MaxLength { limit: u64 },
    MinItems { limit: u64 },
    MaxItems { limit: u64 },
    Required { property: String },
    AdditionalProperties { unexpected: Vec<String> },
    MinProperties { limit: u64 },
}

impl fmt::Display for Violation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let got = self.instance;
        match &self.kind {
            ViolationKind::Type { expected } => {
                write!(f, "{got} is not of type {}", expected.join(" or "))
            }
            ViolationKind::Enum { options } => write!(f, "{got} is not one of {options}"),
            ViolationKind::Pattern { pattern } => {
                write!(f, "{got} does not match {pattern:?}")
            }
            ViolationKind::Minimum { limit } => write!(f, "{got} is less than {limit}"),
            ViolationKind::Maximum { limit } => write!(f, "{got} is greater than {limit}"),
            ViolationKind::MinLength { limit } => {
                write!(f, "{got} is shorter than {limit} characters")
            }
            ViolationKind::MaxLength { limit } => {
                write!(f, "{got} is longer than {limit} characters")
            }
            ViolationKind::MinItems { limit } => write!(f, "{got} has fewer than {limit} items"),
            ViolationKind::MaxItems { limit } => write!(f, "{got} has more than {limit} items"),
            ViolationKind::Required { property } => {
                write!(f, "{property:?} is a required property")
            }
            ViolationKind::AdditionalProperties { unexpected } => write!(
                f,
                "additional properties are not allowed ({} unexpected)",
                unexpected.join(", ")
            ),
            ViolationKind::MinProperties { limit } => {
                write!(f, "{got} has fewer than {limit} properties")
            }
        }
    }
}

/// A compiled schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    types: Option<Vec<String>>,
    enumeration: Option<Value>,
    pattern: Option<Pattern>,
    minimum: Option<Value>,
    maximum: Option<Value>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    items: Option<Box<Schema>>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    properties: Vec<(String, Schema)>,
    required: Vec<String>,
    additional: Additional,
    min_properties: Option<u64>,
}

#[derive(Debug, Clone, Default)]
enum Additional {
    #[default]
    Allowed,
    Forbidden,
    Schema(Box<Schema>),
}

const TYPES: [&str; 7] = [
    "string", "integer", "number", "boolean", "object", "array", "null",
];

/// Why a schema does not compile: where in it (a JSON pointer from `#`) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {problem}")]
pub struct SchemaError {
    pub at: String,
    pub problem: String,
}

impl Schema {
    /// Compiles `schema`, refusing keywords outside the supported set and bad values.
    pub fn compile(schema: &Value) -> Result<Schema, SchemaError> {
        compile_at(schema, "#")
    }

    /// Every violation of `instance`, in schema order.
    pub fn violations<'a>(&self, instance: &'a Value) -> Vec<Violation<'a>> {
        let mut out = Vec::new();
        self.check(instance, &mut String::new(), &mut out);
        out
    }

    pub fn is_valid(&self, instance: &Value) -> bool {
        self.violations(instance).is_empty()
    }

    fn check<'a>(&self, instance: &'a Value, path: &mut String, out: &mut Vec<Violation<'a>>) {
        let mut push = |kind| {
            out.push(Violation {
                instance_path: path.clone(),
                instance,
                kind,
            })
        };
        if let Some(types) = &self.types {
            if !types.iter().any(|t| is_of_type(instance, t)) {
                push(ViolationKind::Type {
                    expected: types.clone(),
                });
            }
        }
        if let Some(options) = &self.enumeration {
            let listed = options
                .as_array()
                .is_some_and(|o| o.iter().any(|v| json_equal(v, instance)));
            if !listed {
                push(ViolationKind::Enum {
                    options: options.clone(),
                });
            }
        }
        match instance {
            Value::String(s) => {
                if let Some(pattern) = &self.pattern {
                    if !pattern.is_match(s) {
                        push(ViolationKind::Pattern {
                            pattern: pattern.as_str().to_string(),
                        });
                    }
                }
                let len = s.chars().count() as u64;
                if let Some(limit) = self.min_length.filter(|l| len < *l) {
                    push(ViolationKind::MinLength { limit });
                }
                if let Some(limit) = self.max_length.filter(|l| len > *l) {
                    push(ViolationKind::MaxLength { limit });
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if let Some(limit) = &self.minimum {
                    if limit.as_f64().is_some_and(|l| x < l) {
                        push(ViolationKind::Minimum {
                            limit: limit.clone(),
                        });
                    }
                }
                if let Some(limit) = &self.maximum {
                    if limit.as_f64().is_some_and(|l| x > l) {
                        push(ViolationKind::Maximum {
                            limit: limit.clone(),
                        });
                    }
                }
            }
            Value::Array(items) => {
                let len = items.len() as u64;
                if let Some(limit) = self.min_items.filter(|l| len < *l) {
                    push(ViolationKind::MinItems { limit });
                }
                if let Some(limit) = self.max_items.filter(|l| len > *l) {
                    push(ViolationKind::MaxItems { limit });
                }
                if let Some(item_schema) = &self.items {
                    for (i, item) in items.iter().enumerate() {
                        let mark = path.len();
                        path.push('/');
                        path.push_str(&i.to_string());
                        item_schema.check(item, path, out);
                        path.truncate(mark);
                    }
                }
            }
            Value::Object(object) => self.check_object(instance, object, path, out),
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn check_object<'a>(
        &self,
        instance: &'a Value,
        object: &'a Map<String, Value>,
        path: &mut String,
        out: &mut Vec<Violation<'a>>,
    ) {
        for property in &self.required {
            if !object.contains_key(property) {
                out.push(Violation {
                    instance_path: path.clone(),
                    instance,
                    kind: ViolationKind::Required {
                        property: property.clone(),
                    },
                });
            }
        }
        if let Some(limit) = self.min_properties.filter(|l| (object.len() as u64) < *l) {
            out.push(Violation {
                instance_path: path.clone(),
                instance,
                kind: ViolationKind::MinProperties { limit },
            });
        }
        let mut unexpected = Vec::new();
        for (key, value) in object {
            let declared = self.properties.iter().find(|(name, _)| name == key);
            let schema = match (declared, &self.additional) {
                (Some((_, schema)), _) => schema,
                (None, Additional::Schema(schema)) => schema,
                (None, Additional::Allowed) => continue,
                (None, Additional::Forbidden) => {
                    unexpected.push(key.clone());
                    continue;
                }
            };
            let mark = path.len();
            path.push('/');
            path.push_str(&key.replace('~', "~0").replace('/', "~1"));
            schema.check(value, path, out);
            path.truncate(mark);
        }
        if !unexpected.is_empty() {
            out.push(Violation {
                instance_path: path.clone(),
                instance,
                kind: ViolationKind::AdditionalProperties { unexpected },
            });
        }
    }
}

fn compile_at(schema: &Value, at: &str) -> Result<Schema, SchemaError> {
    let Some(object) = schema.as_object() else {
        return Err(SchemaError {
            at: at.to_string(),
            problem: "a schema must be an object".into(),
        });
    };
    let mut compiled = Schema::default();
    for (keyword, value) in object {
        let bad = |what: &str| SchemaError {
            at: format!("{at}/{keyword}"),
            problem: what.to_string(),
        };
        match keyword.as_str() {
            "type" => {
                let types: Vec<String> = match value {
                    Value::String(t) => vec![t.clone()],
                    Value::Array(ts) => ts
                        .iter()
                        .map(|t| t.as_str().map(String::from))
                        .collect::<Option<_>>()
                        .ok_or_else(|| bad("types must be strings"))?,
                    _ => return Err(bad("must be a string or a list of strings")),
                };
                if let Some(unknown) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
                    return Err(bad(&format!("unknown type {unknown:?}")));
                }
                compiled.types = Some(types);
            }
            "enum" => {
                if !value.is_array() {
                    return Err(bad("must be a list"));
                }
                compiled.enumeration = Some(value.clone());
            }
            "pattern" => {
                let source = value.as_str().ok_or_else(|| bad("must be a string"))?;
                compiled.pattern = Some(Pattern::new(source).map_err(|e| bad(&e.0))?);
            }
            "minimum" | "maximum" => {
                if !value.is_number() {
                    return Err(bad("must be a number"));
                }
                if keyword == "minimum" {
                    compiled.minimum = Some(value.clone());
                } else {
                    compiled.maximum = Some(value.clone());
                }
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" => {
                let n = value
                    .as_u64()
                    .ok_or_else(|| bad("must be a non-negative integer"))?;
                let slot = match keyword.as_str() {
                    "minLength" => &mut compiled.min_length,
                    "maxLength" => &mut compiled.max_length,
                    "minItems" => &mut compiled.min_items,
                    "maxItems" => &mut compiled.max_items,
                    _ => &mut compiled.min_properties,
                };
                *slot = Some(n);
            }
            "items" => {
                compiled.items = Some(Box::new(compile_at(value, &format!("{at}/items"))?));
            }
            "properties" => {
                let properties = value.as_object().ok_or_else(|| bad("must be an object"))?;
                for (name, property) in properties {
                    let schema = compile_at(property, &format!("{at}/properties/{name}"))?;
                    compiled.properties.push((name.clone(), schema));
                }
            }
            "required" => {
                compiled.required = value
                    .as_array()
                    .and_then(|r| r.iter().map(|p| p.as_str().map(String::from)).collect())
                    .ok_or_else(|| bad("must be a list of property names"))?;
            }
            "additionalProperties" => {
                compiled.additional = match value {
                    Value::Bool(true) => Additional::Allowed,
                    Value::Bool(false) => Additional::Forbidden,
                    other => Additional::Schema(Box::new(compile_at(
                        other,
                        &format!("{at}/additionalProperties"),
                    )?)),
                };
            }
            annotation if ANNOTATIONS.contains(&annotation) => {}
            other => {
                return Err(SchemaError {
                    at: at.to_string(),
                    problem: format!("keyword {other:?} is not supported"),
                })
            }
        }
    }
    Ok(compiled)
}

fn is_of_type(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "number" => value.is_number(),
        // Draft 6 and later: a number with a zero fractional part is an integer.
        "integer" => value.as_f64().is_some_and(|f| f.fract() == 0.0) && value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    }
}

/// JSON equality as JSON Schema means it: numbers by value (`1` equals `1.0`).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(schema: Value, instance: Value) -> Vec<(String, ViolationKind)> {
        Schema::compile(&schema)
            .unwrap()
            .violations(&instance)
            .into_iter()
            .map(|v| (v.instance_path, v.kind))
            .collect()
    }

    #[test]
    fn each_keyword_reports_its_violation_at_its_path() {
        let schema = json!({
            "type": "object",
            "properties": {
                "state": {"type": "string", "enum": ["1", "2"]},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                "fields": {"type": "array", "maxItems": 2, "minItems": 1, "items": {"type": "string", "pattern": "^[a-z_.]+$"}},
                "short": {"type": "string", "maxLength": 3, "minLength": 1}
            },
            "required": ["state"],
            "additionalProperties": false,
            "minProperties": 2
        });
        assert_eq!(
            kinds(schema.clone(), json!({"state": "1", "limit": 5})),
            vec![]
        );
        let got = kinds(
            schema.clone(),
            json!({"limit": 0, "fields": ["a", "B", "c"], "short": "", "x": 1, "y": 2}),
        );
        let want = vec![
            (
                "".to_string(),
                ViolationKind::Required {
                    property: "state".into(),
                },
            ),
            ("/limit".into(), ViolationKind::Minimum { limit: json!(1) }),
            ("/fields".into(), ViolationKind::MaxItems { limit: 2 }),
            (
                "/fields/1".into(),
                ViolationKind::Pattern {
                    pattern: "^[a-z_.]+$".into(),
                },
            ),
            ("/short".into(), ViolationKind::MinLength { limit: 1 }),
            (
                "".into(),
                ViolationKind::AdditionalProperties {
                    unexpected: vec!["x".into(), "y".into()],
                },
            ),
        ];
        for w in &want {
            assert!(got.contains(w), "missing {w:?} in {got:?}");
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
        let wrong_types = kinds(schema, json!({"state": 1, "limit": 1.5}));
        assert!(wrong_types.contains(&(
            "/state".into(),
            ViolationKind::Type {
                expected: vec!["string".into()]
            }
        )));
        assert!(wrong_types.contains(&(
            "/limit".into(),
            ViolationKind::Type {
                expected: vec!["integer".into()]
            }
        )));
    }

    #[test]
    fn integers_numbers_and_enum_equality_follow_json_schema() {
        assert!(kinds(json!({"type": "integer"}), json!(3.0)).is_empty());
        assert!(!kinds(json!({"type": "integer"}), json!("3")).is_empty());
        assert!(kinds(json!({"enum": [1, "a"]}), json!(1.0)).is_empty());
        assert!(kinds(json!({"type": ["string", "null"]}), json!(null)).is_empty());
        assert_eq!(
            kinds(json!({"maxLength": 2}), json!("éé")),
            vec![],
            "length counts characters, not bytes"
        );
    }

    #[test]
    fn unsupported_keywords_and_bad_values_are_refused_at_compile() {
        for bad in [
            json!({"oneOf": []}),
            json!({"type": "str"}),
            json!({"pattern": "(?=x)"}),
            json!({"maxLength": -1}),
            json!({"properties": {"a": {"anyOf": []}}}),
            json!("not an object"),
        ] {
            assert!(Schema::compile(&bad).is_err(), "{bad}");
        }
        assert!(
            Schema::compile(&json!({"description": "x", "default": 1, "format": "date-time"}))
                .is_ok()
        );
    }

    #[test]
    fn property_names_are_escaped_in_paths() {
        let got = kinds(
            json!({"properties": {"a/b~c": {"type": "string"}}}),
            json!({"a/b~c": 1}),
        );
        assert_eq!(got[0].0, "/a~1b~0c");
    }
}
