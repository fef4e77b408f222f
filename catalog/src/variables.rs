//! A catalog item's variables (the questions its order form asks), as the Service
//! Catalog API describes them (`GET /api/sn_sc/servicecatalog/items/{sys_id}`,
//! `result.variables`), become one JSON Schema; an order's `variables` are checked
//! against that same schema before anything is ordered. One model for both, so what a
//! model is shown is exactly what is enforced.

use crate::schema::{object, SYS_ID_PATTERN};
use crate::schema_check::Schema;
use serde_json::{json, Map, Value};

const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const DATETIME_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$";
const EMAIL_PATTERN: &str = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$";
const SYS_ID_LIST_PATTERN: &str = "^[0-9a-f]{32}(,[0-9a-f]{32})*$";
/// Longest text value sent for a variable without its own `max_length` (ServiceNow
/// stores variable answers in `sc_item_option.value`, a 4,000-character column).
const TEXT_MAX_LENGTH: u64 = 4000;

/// What a variable takes, from its ServiceNow type code (item_option_new.type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 1 Yes / No: "Yes" or "No".
    YesNo,
    /// 7 CheckBox: true or false, sent as "true" / "false".
    CheckBox,
    /// 3 Multiple Choice, 5 Select Box, 18 Lookup Select Box, 22 Lookup Multiple Choice.
    Choice,
    /// 4 Numeric Scale.
    Scale,
    /// 8 Reference, 31 Requested For: a sys_id.
    Reference,
    /// 21 List Collector: comma-separated sys_ids.
    SysIdList,
    /// 9 Date.
    Date,
    /// 10 Date/Time.
    DateTime,
    /// 26 Email.
    Email,
    /// Text and every other type with a value (2, 6, 16, 23, 25, 27, 28, 29, ...).
    Text,
}

impl Kind {
    /// None for layout types that hold no answer (label, break, containers, macros, UI
    /// pages, rich text label) and attachments, which an order cannot carry as text.
    fn of(code: u64) -> Option<Kind> {
        Some(match code {
            1 => Kind::YesNo,
            7 => Kind::CheckBox,
            3 | 5 | 18 | 22 => Kind::Choice,
            4 => Kind::Scale,
            8 | 31 => Kind::Reference,
            21 => Kind::SysIdList,
            9 => Kind::Date,
            10 => Kind::DateTime,
            26 => Kind::Email,
            11 | 12 | 14 | 15 | 17 | 19 | 20 | 24 | 32 | 33 => return None,
            _ => Kind::Text,
        })
    }
}

/// One question of the form.
#[derive(Debug, Clone, PartialEq)]
struct Variable {
    name: String,
    label: String,
    kind: Kind,
    mandatory: bool,
    /// (value, label) of a choice variable.
    choices: Vec<(String, String)>,
    /// The referenced table of a reference variable.
    reference: Option<String>,
    max_length: Option<u64>,
    scale: Option<(i64, i64)>,
}

/// The variables of one catalog item, in form order.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableForm {
    variables: Vec<Variable>,
}

/// Text of a JSON value the API may send as a string, number or boolean.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(true))) || text(value).as_deref() == Some("true")
}

fn number(value: Option<&Value>) -> Option<i64> {
    text(value).and_then(|t| t.trim().parse::<i64>().ok())
}

/// A catalog item answer whose `variables` is not a list (the answer is not an item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the item's `variables` is not a list")]
pub struct NotAVariableList;

impl VariableForm {
    /// Reads the API's `variables` array. Entries without a name, inactive ones and
    /// layout types are left out; a `variables` that is not an array is an error (the
    /// answer is not a catalog item).
    pub fn from_answer(variables: Option<&Value>) -> Result<VariableForm, NotAVariableList> {
        let list = match variables {
            None | Some(Value::Null) => {
                return Ok(VariableForm {
                    variables: Vec::new(),
                })
            }
            Some(Value::Array(list)) => list,
            Some(_) => return Err(NotAVariableList),
        };
        let mut variables = Vec::new();
        for entry in list {
            let Some(name) = text(entry.get("name")).filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            if entry.get("active").is_some() && !flag(entry.get("active")) {
                continue;
            }
            let code = number(entry.get("type")).and_then(|c| u64::try_from(c).ok());
            let Some(kind) = Kind::of(code.unwrap_or(6)) else {
                continue;
            };
            let choices: Vec<(String, String)> = entry
                .get("choices")
                .and_then(Value::as_array)
                .map(|choices| {
                    choices
                        .iter()
                        .filter_map(|c| {
                            let value = text(c.get("value"))?;
                            let label = text(c.get("label")).unwrap_or_else(|| value.clone());
                            Some((value, label))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let max_length = number(entry.get("max_length"))
                .and_then(|n| u64::try_from(n).ok())
                .filter(|n| *n > 0);
            let scale = match (
                number(entry.get("scale_min")),
                number(entry.get("scale_max")),
            ) {
                (Some(min), Some(max)) if min <= max => Some((min, max)),
                _ => None,
            };
            variables.push(Variable {
                label: text(entry.get("label"))
                    .filter(|l| !l.trim().is_empty())
                    .unwrap_or_else(|| name.clone()),
                name,
                kind,
                mandatory: flag(entry.get("mandatory")),
                choices,
                reference: text(entry.get("reference")).filter(|r| !r.is_empty()),
                max_length,
                scale,
            });
        }
        Ok(VariableForm { variables })
    }

    /// The JSON Schema of the `variables` an order of this item takes: one property per
    /// variable, its label as description, mandatory ones required, no other names.
    pub fn schema(&self) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for variable in &self.variables {
            properties.insert(variable.name.clone(), variable.property());
            if variable.mandatory {
                required.push(Value::String(variable.name.clone()));
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        schema.insert("additionalProperties".into(), json!(false));
        Value::Object(schema)
    }

    /// Checks an order's `variables` against [`VariableForm::schema`]: Ok with every
    /// value as the text ServiceNow takes, or one message per variable that is missing,
    /// unknown or of the wrong type, each naming it and what it expects.
    pub fn check(&self, given: &Map<String, Value>) -> Result<Map<String, Value>, Vec<String>> {
        let mut values = given.clone();
        for (name, value) in values.iter_mut() {
            if let Some(variable) = self.variables.iter().find(|v| &v.name == name) {
                variable.coerce(value);
            }
        }
        let values = Value::Object(values);
        let schema = Schema::compile(&self.schema()).map_err(|e| {
            vec![format!(
                "the item's variables could not be read as a schema ({e}); order it on the instance"
            )]
        })?;
        let mut problems: Vec<String> = Vec::new();
        let mut named: Vec<String> = Vec::new();
        for violation in schema.violations(&values) {
            use crate::schema_check::ViolationKind as V;
            match &violation.kind {
                V::Required { property } => {
                    if let Some(variable) = self.find(property) {
                        problems.push(format!(
                            "missing mandatory variable '{}' ({}): {}",
                            variable.name,
                            variable.label,
                            variable.expected()
                        ));
                    }
                }
                V::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        let shown: String = name.chars().take(64).collect();
                        problems.push(format!(
                            "unknown variable '{shown}': this item's variables are {}",
                            self.names()
                        ));
                    }
                }
                _ => {
                    let name = violation
                        .instance_path
                        .trim_start_matches('/')
                        .replace("~1", "/")
                        .replace("~0", "~");
                    let Some(variable) = self.find(&name) else {
                        continue;
                    };
                    // One message per variable: its expectation covers every rule broken.
                    if named.contains(&name) {
                        continue;
                    }
                    named.push(name);
                    problems.push(format!(
                        "variable '{}' ({}) must be {}, got {}",
                        variable.name,
                        variable.label,
                        variable.expected(),
                        shown_value(violation.instance)
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let Value::Object(values) = values else {
            return Ok(Map::new());
        };
        Ok(values
            .into_iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (name, Value::String(text))
            })
            .collect())
    }

    fn find(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    fn names(&self) -> String {
        if self.variables.is_empty() {
            return "none (order it without variables)".into();
        }
        self.variables
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Variable {
    fn property(&self) -> Value {
        let mut description = self.label.clone();
        let schema = match self.kind {
            Kind::YesNo => json!({ "enum": ["Yes", "No"] }),
            Kind::CheckBox => json!({ "type": "boolean" }),
            Kind::Choice if !self.choices.is_empty() => {
                let labels: Vec<String> = self
                    .choices
                    .iter()
                    .filter(|(value, label)| value != label)
                    .map(|(value, label)| format!("{value}={label}"))
                    .collect();
                if !labels.is_empty() {
                    description = format!("{description} ({})", labels.join(", "));
                }
                let values: Vec<Value> = self.choices.iter().map(|(v, _)| json!(v)).collect();
                json!({ "enum": values })
            }
            Kind::Scale => match self.scale {
                Some((min, max)) => json!({ "type": "integer", "minimum": min, "maximum": max }),
                None => json!({ "type": "integer" }),
            },
            Kind::Reference => {
                if let Some(table) = &self.reference {
                    description = format!("{description} (sys_id of a {table})");
                }
                json!({ "type": "string", "pattern": SYS_ID_PATTERN })
            }
            Kind::SysIdList => json!({ "type": "string", "pattern": SYS_ID_LIST_PATTERN }),
            Kind::Date => json!({ "type": "string", "pattern": DATE_PATTERN }),
            Kind::DateTime => json!({ "type": "string", "pattern": DATETIME_PATTERN }),
            Kind::Email => json!({ "type": "string", "pattern": EMAIL_PATTERN }),
            Kind::Choice | Kind::Text => json!({
                "type": "string",
                "maxLength": self.max_length.unwrap_or(TEXT_MAX_LENGTH),
            }),
        };
        let Value::Object(mut schema) = schema else {
            return object([("description", Value::String(description))]);
        };
        // A mandatory text answer must say something.
        if self.mandatory && schema.get("type") == Some(&json!("string")) {
            schema.insert("minLength".into(), json!(1));
        }
        schema.insert("description".into(), Value::String(description));
        Value::Object(schema)
    }

    /// What the variable takes, in words, for messages.
    fn expected(&self) -> String {
        match self.kind {
            Kind::YesNo => "\"Yes\" or \"No\"".into(),
            Kind::CheckBox => "true or false".into(),
            Kind::Choice if !self.choices.is_empty() => format!(
                "one of {}",
                self.choices
                    .iter()
                    .map(|(value, label)| if value == label {
                        format!("\"{value}\"")
                    } else {
                        format!("\"{value}\" ({label})")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Scale => match self.scale {
                Some((min, max)) => format!("an integer from {min} to {max}"),
                None => "an integer".into(),
            },
            Kind::Reference => match &self.reference {
                Some(table) => format!("the 32-character sys_id of a {table} record"),
                None => "a 32-character sys_id".into(),
            },
            Kind::SysIdList => "comma-separated 32-character sys_ids".into(),
            Kind::Date => "a date YYYY-MM-DD".into(),
            Kind::DateTime => "a date and time YYYY-MM-DD HH:MM:SS".into(),
            Kind::Email => "an email address".into(),
            Kind::Choice | Kind::Text => {
                let max = self.max_length.unwrap_or(TEXT_MAX_LENGTH);
                if self.mandatory {
                    format!("non-empty text of at most {max} characters")
                } else {
                    format!("text of at most {max} characters")
                }
            }
        }
    }

    /// The forms models commonly send for a type, turned into the declared one before
    /// the check: "true"/"false" for a checkbox, true/false for Yes / No, digits for a
    /// scale, a number for a choice code.
    fn coerce(&self, value: &mut Value) {
        let replacement = match (self.kind, &*value) {
            (Kind::CheckBox, Value::String(s)) => match s.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            (Kind::YesNo, Value::Bool(b)) => Some(json!(if *b { "Yes" } else { "No" })),
            (Kind::Scale, Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            (Kind::Choice, Value::Number(n)) => Some(Value::String(n.to_string())),
            _ => None,
        };
        if let Some(replacement) = replacement {
            *value = replacement;
        }
    }
}

/// A short rendering of a value for "got ...".
fn shown_value(value: &Value) -> String {
    match value {
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "an array".into(),
        Value::String(s) if s.chars().count() > 60 => {
            format!("{:?}...", s.chars().take(60).collect::<String>())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables of the simulator's "Request VPN access" item, as the API sends them.
    fn vpn() -> VariableForm {
        let answer = json!([
            {"name": "access_level", "label": "Access level", "type": 5, "mandatory": true,
             "choices": [{"value": "standard", "label": "Standard"}, {"value": "admin", "label": "Administrator"}]},
            {"name": "business_justification", "label": "Business justification", "type": 6, "mandatory": true, "max_length": 200},
            {"name": "start_date", "label": "Start date", "type": 9, "mandatory": false},
            {"name": "hardware_token", "label": "Hardware token", "type": "7", "mandatory": "false"},
            {"name": "manager", "label": "Manager", "type": 8, "reference": "sys_user"},
            {"name": "info", "label": "Read this first", "type": 11},
            {"name": "old", "label": "Retired", "type": 6, "active": false},
            {"label": "No name", "type": 6}
        ]);
        VariableForm::from_answer(Some(&answer)).unwrap()
    }

    #[test]
    fn the_schema_types_each_variable_and_requires_the_mandatory_ones() {
        let schema = vpn().schema();
        assert_eq!(
            schema["required"],
            json!(["access_level", "business_justification"])
        );
        assert_eq!(schema["additionalProperties"], json!(false));
        let props = &schema["properties"];
        assert_eq!(props["access_level"]["enum"], json!(["standard", "admin"]));
        assert_eq!(
            props["access_level"]["description"],
            json!("Access level (standard=Standard, admin=Administrator)")
        );
        assert_eq!(props["business_justification"]["maxLength"], json!(200));
        assert_eq!(props["business_justification"]["minLength"], json!(1));
        assert_eq!(props["start_date"]["pattern"], json!(DATE_PATTERN));
        assert_eq!(props["hardware_token"]["type"], json!("boolean"));
        assert_eq!(props["manager"]["pattern"], json!(SYS_ID_PATTERN));
        // Layout types, inactive and nameless variables take no answer.
        let names: Vec<&String> = props.as_object().unwrap().keys().collect();
        assert_eq!(names.len(), 5, "{names:?}");
        // The schema uses only keywords the catalog's own validator compiles.
        assert!(Schema::compile(&schema).is_ok());
    }

    #[test]
    fn a_valid_order_becomes_text_values() {
        let given = json!({"access_level": "admin", "business_justification": "On call",
                           "hardware_token": "true", "start_date": "2026-01-05"});
        let values = vpn().check(given.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(values),
            json!({"access_level": "admin", "business_justification": "On call",
                   "hardware_token": "true", "start_date": "2026-01-05"})
        );
    }

    #[test]
    fn every_problem_names_the_variable_and_what_it_expects() {
        let given = json!({"business_justification": "", "hardware_token": "maybe",
                           "start_date": "tomorrow", "manager": "Bob", "colour": "red"});
        let problems = vpn().check(given.as_object().unwrap()).unwrap_err();
        let expected = [
            "missing mandatory variable 'access_level' (Access level): one of \"standard\" (Standard), \"admin\" (Administrator)",
            "variable 'business_justification' (Business justification) must be non-empty text of at most 200 characters, got \"\"",
            "variable 'start_date' (Start date) must be a date YYYY-MM-DD, got \"tomorrow\"",
            "variable 'hardware_token' (Hardware token) must be true or false, got \"maybe\"",
            "variable 'manager' (Manager) must be the 32-character sys_id of a sys_user record, got \"Bob\"",
            "unknown variable 'colour': this item's variables are access_level, business_justification, start_date, hardware_token, manager",
        ];
        for message in expected {
            assert!(
                problems.contains(&message.to_string()),
                "{message}\nin {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    }

    #[test]
    fn a_value_of_the_wrong_json_type_is_refused() {
        let given = json!({"access_level": "standard", "business_justification": {"why": "x"}});
        let problems = vpn().check(given.as_object().unwrap()).unwrap_err();
        assert_eq!(
            problems,
            vec!["variable 'business_justification' (Business justification) must be non-empty text of at most 200 characters, got an object".to_string()]
        );
    }

    #[test]
    fn an_answer_without_variables_orders_with_none() {
        let form = VariableForm::from_answer(None).unwrap();
        assert!(form.check(&Map::new()).is_ok());
        let problems = form
            .check(json!({"x": "1"}).as_object().unwrap())
            .unwrap_err();
        assert_eq!(
            problems,
            vec![
                "unknown variable 'x': this item's variables are none (order it without variables)"
                    .to_string()
            ]
        );
        assert!(VariableForm::from_answer(Some(&json!("nope"))).is_err());
    }
}
