//! The tables the simulator serves, learned from the tool-spec files
//! (`tool-specs/servicenow/*.json`, format in docs/tool-specs.md) plus the columns the
//! platform maintains on every table. Owns loading and lookup; no records, no HTTP.

use crate::platform;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Column types, as the spec format names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

impl FieldType {
    /// Types a keyword search (`123TEXTQUERY321`) looks into.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String | FieldType::Html | FieldType::Url | FieldType::Email
        )
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub field_type: FieldType,
    /// Target table of a reference column.
    pub reference: Option<String>,
    /// `(value, label)` pairs of a choice column.
    pub choices: Vec<(String, String)>,
}

impl Field {
    pub fn plain(field_type: FieldType) -> Field {
        Field {
            field_type,
            reference: None,
            choices: Vec::new(),
        }
    }

    pub fn reference(table: &str) -> Field {
        Field {
            field_type: FieldType::Reference,
            reference: Some(table.to_string()),
            choices: Vec::new(),
        }
    }

    /// The label a choice value displays as, if the spec lists it.
    pub fn choice_label(&self, value: &str) -> Option<&str> {
        self.choices
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, label)| label.as_str())
    }

    /// The stored value of a choice label (for `sysparm_input_display_value`).
    pub fn choice_value(&self, label: &str) -> Option<&str> {
        self.choices
            .iter()
            .find(|(_, l)| l.eq_ignore_ascii_case(label))
            .map(|(value, _)| value.as_str())
    }
}

/// One table: what the specs document plus the platform's implicit columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub title: String,
    pub number_prefix: Option<String>,
    pub display_field: String,
    pub fields: BTreeMap<String, Field>,
}

impl Table {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.get(name)
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
}

/// Every table the simulator knows, by table name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    tables: BTreeMap<String, Table>,
}

/// Why the spec directory could not be loaded; says which file and what to fix.
#[derive(Debug)]
pub enum SchemaError {
    ReadDir(PathBuf, std::io::Error),
    ReadFile(PathBuf, std::io::Error),
    Parse(String, serde_json::Error),
    NoSpecs(PathBuf),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::ReadDir(path, e) => write!(
                f,
                "cannot read the tool-spec directory {}: {e}; pass --specs DIR pointing at tool-specs/servicenow",
                path.display()
            ),
            SchemaError::ReadFile(path, e) => {
                write!(f, "cannot read spec file {}: {e}", path.display())
            }
            SchemaError::Parse(name, e) => write!(
                f,
                "spec file {name} is not a valid tool spec ({e}); see docs/tool-specs.md"
            ),
            SchemaError::NoSpecs(path) => write!(
                f,
                "no *.json tool specs in {}; pass --specs DIR pointing at tool-specs/servicenow",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SchemaError {}

/// The part of a spec file the simulator needs; other keys are ignored on purpose so
/// the simulator keeps working while the spec format grows.
#[derive(Deserialize)]
struct SpecFile {
    table: String,
    title: String,
    #[serde(default)]
    number_prefix: Option<String>,
    display_field: String,
    fields: BTreeMap<String, SpecField>,
}

#[derive(Deserialize)]
struct SpecField {
    #[serde(rename = "type")]
    field_type: FieldType,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    choices: Vec<SpecChoice>,
}

#[derive(Deserialize)]
struct SpecChoice {
    value: String,
    label: String,
}

impl Schema {
    /// Reads every `*.json` file in `dir` (sorted by name, so merges are deterministic).
    pub fn load_dir(dir: &Path) -> Result<Schema, SchemaError> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| SchemaError::ReadDir(dir.to_path_buf(), e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| SchemaError::ReadDir(dir.to_path_buf(), e))?
                .path();
            if path.extension().is_some_and(|ext| ext == "json") {
                paths.push(path);
            }
        }
        paths.sort();
        if paths.is_empty() {
            return Err(SchemaError::NoSpecs(dir.to_path_buf()));
        }
        let mut sources = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| SchemaError::ReadFile(path.clone(), e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            sources.push((name, text));
        }
        Schema::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Builds the schema from `(file name, JSON text)` pairs. Two specs for the same table
    /// merge their fields (the first file's title, prefix and display field win).
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Schema, SchemaError> {
        let mut tables: BTreeMap<String, Table> = BTreeMap::new();
        for (name, text) in sources {
            let spec: SpecFile =
                serde_json::from_str(text).map_err(|e| SchemaError::Parse(name.to_string(), e))?;
            let documented = spec.fields.into_iter().map(|(field_name, f)| {
                let field = Field {
                    field_type: f.field_type,
                    reference: f.reference,
                    choices: f.choices.into_iter().map(|c| (c.value, c.label)).collect(),
                };
                (field_name, field)
            });
            match tables.get_mut(&spec.table) {
                Some(table) => {
                    for (field_name, field) in documented {
                        table.fields.entry(field_name).or_insert(field);
                    }
                }
                None => {
                    let mut table = Table {
                        name: spec.table.clone(),
                        title: spec.title,
                        number_prefix: spec.number_prefix.filter(|p| !p.is_empty()),
                        display_field: spec.display_field,
                        fields: documented.collect(),
                    };
                    platform::add_implicit_fields(&mut table);
                    tables.insert(spec.table, table);
                }
            }
        }
        Ok(Schema { tables })
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Adds (or replaces) a table the specs do not describe (the generated schema
    /// tables, `crate::dictionary`).
    pub fn insert_table(&mut self, table: Table) {
        self.tables.insert(table.name.clone(), table);
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    pub fn len(&self) -> usize {
        self.tables.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Resolves a dot-walked path (`caller_id.department.name`) from `table` to the
    /// table and column it ends on. `None` when a hop is not a reference or a name is
    /// not a column: ServiceNow then drops the query condition or the requested field.
    pub fn resolve_path<'a>(
        &'a self,
        table: &'a Table,
        path: &str,
    ) -> Option<(&'a Table, &'a Field)> {
        let mut current = table;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let field = current.field(part)?;
            if parts.peek().is_none() {
                return Some((current, field));
            }
            let target = field.reference.as_deref()?;
            current = self.table(target)?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCIDENT: &str = r#"{
        "resource": "incident", "table": "incident", "title": "Incident", "tags": ["itsm"],
        "description": "d", "docs": "d", "number_prefix": "INC", "display_field": "number",
        "fields": {
            "caller_id": {"type": "reference", "reference": "sys_user", "description": "c"},
            "state": {"type": "choice", "description": "s",
                      "choices": [{"value": "1", "label": "New"}, {"value": "2", "label": "In Progress"}]},
            "work_notes": {"type": "journal", "description": "w"}
        },
        "methods": {"list": {"description": "l"}}
    }"#;
    const USER: &str = r#"{
        "resource": "sys_users", "table": "sys_user", "title": "User", "tags": ["users"],
        "description": "d", "docs": "d", "display_field": "name",
        "fields": {"name": {"type": "string", "description": "n"},
                   "department": {"type": "reference", "reference": "cmn_department", "description": "d"}},
        "methods": {"list": {"description": "l"}}
    }"#;

    fn schema() -> Schema {
        Schema::from_sources([("incident.json", INCIDENT), ("sys_users.json", USER)])
            .expect("fixture specs parse")
    }

    #[test]
    fn documented_and_platform_fields_are_columns() {
        let schema = schema();
        let incident = schema.table("incident").expect("incident table");
        assert_eq!(incident.number_prefix.as_deref(), Some("INC"));
        for column in [
            "caller_id",
            "state",
            "sys_id",
            "sys_created_on",
            "number",
            "active",
            "opened_by",
        ] {
            assert!(incident.has_field(column), "incident lacks {column}");
        }
        let user = schema.table("sys_user").expect("sys_user table");
        assert!(!user.has_field("number"), "sys_user has no number prefix");
        assert!(!user.has_field("opened_by"), "sys_user is not a task table");
    }

    #[test]
    fn choice_labels_map_both_ways() {
        let schema = schema();
        let state = schema
            .table("incident")
            .and_then(|t| t.field("state"))
            .expect("state");
        assert_eq!(state.choice_label("2"), Some("In Progress"));
        assert_eq!(state.choice_value("in progress"), Some("2"));
        assert_eq!(state.choice_label("9"), None);
    }

    #[test]
    fn dot_walk_paths_resolve_only_through_references() {
        let schema = schema();
        let incident = schema.table("incident").expect("incident");
        let cases = [
            ("caller_id.name", Some(("sys_user", FieldType::String))),
            ("caller_id", Some(("incident", FieldType::Reference))),
            ("state.name", None),
            ("caller_id.nope", None),
            // cmn_department has no spec here, so the walk stops.
            ("caller_id.department.name", None),
            ("nope", None),
        ];
        for (path, expected) in cases {
            let got = schema
                .resolve_path(incident, path)
                .map(|(t, f)| (t.name.as_str(), f.field_type));
            assert_eq!(got, expected, "path {path}");
        }
    }

    #[test]
    fn a_broken_spec_names_its_file() {
        let err = Schema::from_sources([("bad.json", "{\"table\": 1}")]).expect_err("must fail");
        assert!(err.to_string().contains("bad.json"), "{err}");
    }
}
