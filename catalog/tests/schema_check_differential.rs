//! The catalog's own argument validator agrees with the `jsonschema` crate (draft 7, the
//! reference implementation it replaced in the Worker) on every builtin tool's
//! inputSchema, over generated arguments: the same verdict and the same violations
//! (instance path and keyword).

use jsonschema::error::ValidationErrorKind;
use serde_json::{json, Map, Value};
use snmcp_catalog::schema_check::{Schema, ViolationKind};
use snmcp_catalog::Catalog;
use std::collections::BTreeSet;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const STRINGS: [&str; 16] = [
    "",
    " ",
    "0a826bf03710200044e0bfc8bcbe5d7a",
    "0A826BF03710200044E0BFC8BCBE5D7A",
    "INC0010001",
    "inc0010001",
    "2026-12-01",
    "2026-12-01 10:20:30",
    "12",
    "-3.5",
    "1e3",
    "Alice Johnson",
    "caller_id.name",
    "true",
    "all",
    "é漢字\n\t",
];

/// A value for a property: often one that fits its schema, often one that does not.
fn value_for(schema: &Value, rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(null),
        1 => json!(rng.below(300) as i64 - 50),
        2 => json!(1.5),
        3 => json!(rng.below(2) == 1),
        4 => json!([rng.pick(&STRINGS), 7]),
        5 => json!({"k": "v"}),
        6 => json!("x".repeat(rng.below(5000))),
        _ => {
            if let Some(options) = schema.get("enum").and_then(Value::as_array) {
                if !options.is_empty() && rng.below(3) > 0 {
                    return options[rng.below(options.len())].clone();
                }
            }
            match schema.get("type").and_then(Value::as_str) {
                Some("integer") => json!(rng.below(1200) as i64 - 100),
                Some("boolean") => json!(rng.below(2) == 1),
                Some("array") => {
                    let n = rng.below(4) * rng.below(30);
                    Value::Array((0..n).map(|_| json!(rng.pick(&STRINGS))).collect())
                }
                _ => json!(rng.pick(&STRINGS)),
            }
        }
    }
}

fn arguments_for(schema: &Value, rng: &mut Rng) -> Value {
    let mut args = Map::new();
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if rng.below(3) > 0 {
                args.insert(name.clone(), value_for(property, rng));
            }
        }
    }
    if rng.below(4) == 0 {
        args.insert(format!("unknown_{}", rng.below(3)), json!(1));
    }
    Value::Object(args)
}

fn reference_kind(kind: &ValidationErrorKind) -> &'static str {
    match kind {
        ValidationErrorKind::Type { .. } => "type",
        ValidationErrorKind::Enum { .. } => "enum",
        ValidationErrorKind::Pattern { .. } => "pattern",
        ValidationErrorKind::Minimum { .. } => "minimum",
        ValidationErrorKind::Maximum { .. } => "maximum",
        ValidationErrorKind::MinLength { .. } => "minLength",
        ValidationErrorKind::MaxLength { .. } => "maxLength",
        ValidationErrorKind::MinItems { .. } => "minItems",
        ValidationErrorKind::MaxItems { .. } => "maxItems",
        ValidationErrorKind::Required { .. } => "required",
        ValidationErrorKind::AdditionalProperties { .. } => "additionalProperties",
        ValidationErrorKind::MinProperties { .. } => "minProperties",
        _ => "other",
    }
}

fn own_kind(kind: &ViolationKind) -> &'static str {
    match kind {
        ViolationKind::Type { .. } => "type",
        ViolationKind::Enum { .. } => "enum",
        ViolationKind::Pattern { .. } => "pattern",
        ViolationKind::Minimum { .. } => "minimum",
        ViolationKind::Maximum { .. } => "maximum",
        ViolationKind::MinLength { .. } => "minLength",
        ViolationKind::MaxLength { .. } => "maxLength",
        ViolationKind::MinItems { .. } => "minItems",
        ViolationKind::MaxItems { .. } => "maxItems",
        ViolationKind::Required { .. } => "required",
        ViolationKind::AdditionalProperties { .. } => "additionalProperties",
        ViolationKind::MinProperties { .. } => "minProperties",
    }
}

#[test]
fn own_validator_agrees_with_jsonschema_on_every_builtin_tool() {
    let catalog = Catalog::builtin().expect("builtin catalog");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    for tool in catalog.tools() {
        let schema = &tool.definition["inputSchema"];
        let reference = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(schema)
            .expect("reference compiles");
        let own = Schema::compile(schema).expect("own compiles");
        for _ in 0..150 {
            let args = arguments_for(schema, &mut rng);
            let want: BTreeSet<(String, &str)> = reference
                .iter_errors(&args)
                .map(|e| {
                    (
                        e.instance_path().as_str().to_string(),
                        reference_kind(e.kind()),
                    )
                })
                .collect();
            let got: BTreeSet<(String, &str)> = own
                .violations(&args)
                .iter()
                .map(|v| (v.instance_path.clone(), own_kind(&v.kind)))
                .collect();
            assert_eq!(got, want, "{}: {args}", tool.name);
            compared += 1;
        }
    }
    assert!(compared > 10_000, "{compared} comparisons");
}
