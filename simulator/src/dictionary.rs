//! The schema tables a real instance answers through the Table API, generated from the
//! simulator's own schema so they always agree with its tables: `sys_db_object` (every
//! table, its label, its parent as `super_class`, whether it is extendable) and
//! `sys_dictionary` (one `collection` row per table, then one row per column with its
//! label, internal type, reference target, max length and flags). As on an instance, a
//! column is listed on the table that defines it: a task child's inherited columns are
//! under `task`. Read-only here (writes answer 403).

use crate::platform::{self, parent_table};
use crate::schema::{Field, FieldType, Schema, Table};
use crate::store::{stable_sys_id, Row, Store};
use std::collections::{BTreeMap, BTreeSet};

pub const DB_OBJECT: &str = "sys_db_object";
pub const DICTIONARY: &str = "sys_dictionary";

/// Whether `table` is one of the generated (read-only) schema tables.
pub fn is_generated(table: &str) -> bool {
    table == DB_OBJECT || table == DICTIONARY
}

/// ServiceNow's `internal_type` of a column type (choice columns are strings with
/// `choice` set).
fn internal_type(field: &Field) -> &'static str {
    match field.field_type {
        FieldType::String | FieldType::Choice => "string",
        FieldType::Integer => "integer",
        FieldType::Decimal => "decimal",
        FieldType::Boolean => "boolean",
        FieldType::Date => "glide_date",
        FieldType::Datetime => "glide_date_time",
        FieldType::Reference => "reference",
        FieldType::Html => "html",
        FieldType::Journal => "journal_input",
        FieldType::Url => "url",
        FieldType::Email => "email",
    }
}

/// `short_description` → `Short description`.
fn label_of(element: &str) -> String {
    let words = element.trim_start_matches("u_").replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn text_field() -> Field {
    Field::plain(FieldType::String)
}

fn generated_table(name: &str, title: &str, display: &str, columns: &[(&str, Field)]) -> Table {
    let mut table = Table {
        name: name.to_string(),
        title: title.to_string(),
        number_prefix: None,
        display_field: display.to_string(),
        fields: columns
            .iter()
            .map(|(n, f)| (n.to_string(), f.clone()))
            .collect(),
    };
    platform::add_implicit_fields(&mut table);
    table
}

/// Adds the schema tables to `schema` and their rows, computed from every other table,
/// to `store`. Runs after seeding (the seed never writes these).
pub fn install(schema: &mut Schema, store: &mut Store) {
    let tables: Vec<Table> = schema.tables().cloned().collect();
    // Every table with a spec, and the ancestors the hierarchy names (`task`, ...).
    let mut names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    for table in &tables {
        let mut current = table.name.as_str();
        while let Some(parent) = parent_table(current) {
            names.insert(parent.to_string());
            current = parent;
        }
    }
    let by_name: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let parents: BTreeSet<&str> = names.iter().filter_map(|n| parent_table(n)).collect();
    for name in &names {
        let title = by_name
            .get(name.as_str())
            .map_or_else(|| label_of(name), |t| t.title.clone());
        let mut row = Row::new();
        row.insert(
            "sys_id".into(),
            stable_sys_id(&format!("{DB_OBJECT}:{name}")),
        );
        row.insert("name".into(), name.clone());
        row.insert("label".into(), title);
        row.insert(
            "super_class".into(),
            parent_table(name)
                .map_or_else(String::new, |p| stable_sys_id(&format!("{DB_OBJECT}:{p}"))),
        );
        row.insert(
            "is_extendable".into(),
            parents.contains(name.as_str()).to_string(),
        );
        store.insert(DB_OBJECT, row);
    }
    // Columns: each on the highest ancestor that has it (inherited ones are not
    // repeated on the child), plus one `collection` row per table.
    let defined_on = |table: &str, element: &str| -> String {
        let mut owner = table.to_string();
        let mut current = table;
        while let Some(parent) = parent_table(current) {
            if by_name.get(parent).is_some_and(|t| t.has_field(element)) {
                owner = parent.to_string();
            }
            current = parent;
        }
        owner
    };
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    for name in &names {
        let mut row = Row::new();
        row.insert("name".into(), name.clone());
        row.insert("element".into(), String::new());
        row.insert("internal_type".into(), "collection".into());
        row.insert(
            "column_label".into(),
            by_name
                .get(name.as_str())
                .map_or_else(|| label_of(name), |t| t.title.clone()),
        );
        rows.insert((name.clone(), String::new()), row);
    }
    for table in &tables {
        for (element, field) in &table.fields {
            let owner = defined_on(&table.name, element);
            let key = (owner.clone(), element.clone());
            if rows.contains_key(&key) {
                continue;
            }
            let mut row = Row::new();
            row.insert("name".into(), owner);
            row.insert("element".into(), element.clone());
            row.insert("column_label".into(), label_of(element));
            row.insert("internal_type".into(), internal_type(field).into());
            row.insert(
                "reference".into(),
                field.reference.clone().unwrap_or_default(),
            );
            let max_length = match field.field_type {
                FieldType::String | FieldType::Choice | FieldType::Url | FieldType::Email => "255",
                FieldType::Html | FieldType::Journal => "4000",
                FieldType::Reference => "32",
                _ => "40",
            };
            row.insert("max_length".into(), max_length.into());
            row.insert("mandatory".into(), "false".into());
            row.insert("read_only".into(), element.starts_with("sys_").to_string());
            row.insert("active".into(), "true".into());
            row.insert("default_value".into(), String::new());
            row.insert(
                "choice".into(),
                if field.choices.is_empty() { "0" } else { "1" }.into(),
            );
            rows.insert(key, row);
        }
    }
    for ((name, element), mut row) in rows {
        row.insert(
            "sys_id".into(),
            stable_sys_id(&format!("{DICTIONARY}:{name}.{element}")),
        );
        store.insert(DICTIONARY, row);
    }
    let reference = Field::reference(DB_OBJECT);
    schema.insert_table(generated_table(
        DB_OBJECT,
        "Table",
        "label",
        &[
            ("name", text_field()),
            ("label", text_field()),
            ("super_class", reference),
            ("is_extendable", Field::plain(FieldType::Boolean)),
        ],
    ));
    schema.insert_table(generated_table(
        DICTIONARY,
        "Dictionary Entry",
        "column_label",
        &[
            ("name", text_field()),
            ("element", text_field()),
            ("column_label", text_field()),
            ("internal_type", text_field()),
            ("reference", text_field()),
            ("max_length", Field::plain(FieldType::Integer)),
            ("mandatory", Field::plain(FieldType::Boolean)),
            ("read_only", Field::plain(FieldType::Boolean)),
            ("active", Field::plain(FieldType::Boolean)),
            ("default_value", text_field()),
            ("choice", Field::plain(FieldType::Integer)),
        ],
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_an_instances() {
        assert_eq!(label_of("short_description"), "Short description");
        assert_eq!(label_of("u_business_impact"), "Business impact");
        assert_eq!(label_of("task"), "Task");
    }
}
