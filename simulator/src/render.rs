//! How a stored row reads through the Table API: dot-walked values, display values
//! (reference targets' display fields, choice labels, journal history) and the JSON a
//! record renders as for `sysparm_display_value` / `sysparm_exclude_reference_link` /
//! `sysparm_fields`, with fields the caller may not read dropped (ServiceNow docs
//! "Table API"; reference rendering table in SERVICENOW.md).

use crate::access::AccessRules;
use crate::platform::journal_label;
use crate::query::RecordView;
use crate::schema::{Field, FieldType, Schema, Table};
use crate::store::{Row, Store};
use serde_json::{json, Map, Value};

/// `sysparm_display_value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayMode {
    /// `false` (default): stored values.
    #[default]
    Value,
    /// `true`: display values.
    Display,
    /// `all`: `{display_value, value}` for every field.
    All,
}

impl DisplayMode {
    pub fn from_param(value: Option<&str>) -> DisplayMode {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Some("true") => DisplayMode::Display,
            Some("all") => DisplayMode::All,
            _ => DisplayMode::Value,
        }
    }
}

/// How records render for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderOptions {
    pub display: DisplayMode,
    pub exclude_reference_link: bool,
    /// `sysparm_fields`; `None` renders every column.
    pub fields: Option<Vec<String>>,
}

/// How deep display values follow references whose display field is itself a reference.
const MAX_DISPLAY_DEPTH: usize = 3;

/// Reads rows for one caller: the schema, the data, the instance URL for links and
/// the caller's ACLs.
pub struct Renderer<'a> {
    pub schema: &'a Schema,
    pub store: &'a Store,
    /// `http://127.0.0.1:PORT`, the base of reference links.
    pub base_url: &'a str,
    pub access: &'a AccessRules,
}

impl<'a> Renderer<'a> {
    pub fn link(&self, table: &str, sys_id: &str) -> String {
        format!("{}/api/now/table/{table}/{sys_id}", self.base_url)
    }

    /// The row a reference column points at, if it exists.
    /// The row a reference column points at, read as its own class (a `task`
    /// reference to an incident displays the incident's number even without a `task`
    /// spec; a `cmdb_ci` reference to a server reads it as a server).
    fn target(&self, field: &Field, value: &str) -> Option<(&'a Table, &'a Row)> {
        let target = field.reference.as_deref()?;
        let row = self.store.get(target, value)?;
        let class = row
            .get("sys_class_name")
            .map(String::as_str)
            .unwrap_or(target);
        let table = self
            .schema
            .table(class)
            .or_else(|| self.schema.table(target))?;
        Some((table, row))
    }

    /// A record's display value: its table's display field, shown as displayed.
    pub fn record_display(&self, table: &Table, row: &Row) -> String {
        self.display_at_depth(table, row, &table.display_field, 0)
    }

    /// The display value of one column.
    pub fn column_display(&self, table: &Table, row: &Row, column: &str) -> String {
        self.display_at_depth(table, row, column, 0)
    }

    fn display_at_depth(&self, table: &Table, row: &Row, column: &str, depth: usize) -> String {
        let value = row.get(column).map(String::as_str).unwrap_or("");
        let Some(field) = table.field(column) else {
            return value.to_string();
        };
        match field.field_type {
            FieldType::Reference => {
                if value.is_empty() || depth >= MAX_DISPLAY_DEPTH {
                    return String::new();
                }
                match self.target(field, value) {
                    Some((t, r)) => self.display_at_depth(t, r, &t.display_field, depth + 1),
                    // `global` is the domain every record sits in without domain separation.
                    None if value == "global" => value.to_string(),
                    None => String::new(),
                }
            }
            FieldType::Choice => field.choice_label(value).unwrap_or(value).to_string(),
            FieldType::Journal => self.journal_history(table, row, column),
            _ if column == "sys_class_name" => self
                .schema
                .table(value)
                .map_or_else(|| value.to_string(), |t| t.title.clone()),
            _ => value.to_string(),
        }
    }

    /// Journal entries of a record's column, newest first, the way a display value shows
    /// them: `<created> - <user's name> (<label>)\n<text>\n\n`.
    pub fn journal_history(&self, table: &Table, row: &Row, column: &str) -> String {
        let sys_id = row.get("sys_id").map(String::as_str).unwrap_or("");
        let field = |r: &'a Row, name: &str| r.get(name).map(String::as_str).unwrap_or("");
        let mut entries: Vec<(usize, &Row)> = self
            .store
            .rows("sys_journal_field")
            .into_iter()
            .enumerate()
            .filter(|(_, r)| {
                field(r, "element_id") == sys_id
                    && field(r, "element") == column
                    && field(r, "name") == table.name
            })
            .collect();
        entries.sort_by(|(ia, a), (ib, b)| {
            field(b, "sys_created_on")
                .cmp(field(a, "sys_created_on"))
                .then(ib.cmp(ia))
        });
        let label = journal_label(column);
        entries
            .into_iter()
            .map(|(_, entry)| {
                let user_name = field(entry, "sys_created_by");
                let who = self
                    .store
                    .find_by("sys_user", "user_name", user_name)
                    .and_then(|u| u.get("name"))
                    .filter(|n| !n.is_empty())
                    .map_or(user_name, String::as_str);
                format!(
                    "{} - {who} ({label})\n{}\n\n",
                    field(entry, "sys_created_on"),
                    field(entry, "value")
                )
            })
            .collect()
    }

    /// Follows a dot-walked path to the table, row and column it ends on. The row is
    /// `None` when a hop's reference is empty or dangling.
    pub fn walk(
        &self,
        table: &'a Table,
        row: &'a Row,
        path: &str,
    ) -> Option<(&'a Table, Option<&'a Row>, String)> {
        let mut current_table = table;
        let mut current_row = Some(row);
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let field = current_table.field(part)?;
            if parts.peek().is_none() {
                return Some((current_table, current_row, part.to_string()));
            }
            let target_table = self.schema.table(field.reference.as_deref()?)?;
            current_row = current_row
                .and_then(|r| r.get(part))
                .and_then(|id| self.store.get(&target_table.name, id));
            current_table = target_table;
        }
        None
    }

    /// True when every table/column on the path is readable by the caller.
    fn path_readable(&self, table: &Table, path: &str) -> bool {
        let mut current = Some(table);
        for part in path.split('.') {
            let Some(t) = current else {
                return false;
            };
            if !self.access.can_read_field(&t.name, part) {
                return false;
            }
            current = t
                .field(part)
                .and_then(|f| f.reference.as_deref())
                .and_then(|target| self.schema.table(target));
        }
        true
    }

    /// The record as the Table API returns it.
    pub fn record(&self, table: &Table, row: &Row, options: &RenderOptions) -> Value {
        let mut out = Map::new();
        match &options.fields {
            Some(requested) => {
                for name in requested {
                    let name = name.trim();
                    if name.is_empty() || out.contains_key(name) || !self.path_readable(table, name)
                    {
                        continue;
                    }
                    if name.contains('.') {
                        if let Some((t, r, column)) = self.walk(table, row, name) {
                            out.insert(
                                name.to_string(),
                                self.render_column(t, r, &column, options),
                            );
                        }
                    } else if table.has_field(name) || row.contains_key(name) {
                        out.insert(
                            name.to_string(),
                            self.render_column(table, Some(row), name, options),
                        );
                    }
                }
            }
            None => {
                let columns = table.fields.keys().chain(row.keys());
                for column in columns {
                    if out.contains_key(column) || !self.access.can_read_field(&table.name, column)
                    {
                        continue;
                    }
                    out.insert(
                        column.clone(),
                        self.render_column(table, Some(row), column, options),
                    );
                }
            }
        }
        Value::Object(out)
    }

    fn render_column(
        &self,
        table: &Table,
        row: Option<&Row>,
        column: &str,
        options: &RenderOptions,
    ) -> Value {
        let value = row
            .and_then(|r| r.get(column))
            .map(String::as_str)
            .unwrap_or("");
        let field = table.field(column);
        let field_type = field.map(|f| f.field_type);
        let display = || {
            row.map(|r| self.column_display(table, r, column))
                .unwrap_or_default()
        };
        if field_type == Some(FieldType::Reference) {
            let target = field.and_then(|f| f.reference.as_deref()).unwrap_or("");
            if value.is_empty() {
                return match options.display {
                    DisplayMode::All => json!({"display_value": "", "value": ""}),
                    _ => Value::String(String::new()),
                };
            }
            let link = self.link(target, value);
            return match (options.display, options.exclude_reference_link) {
                (DisplayMode::Value, false) => json!({"link": link, "value": value}),
                (DisplayMode::Value, true) => Value::String(value.to_string()),
                (DisplayMode::Display, false) => json!({"display_value": display(), "link": link}),
                (DisplayMode::Display, true) => Value::String(display()),
                (DisplayMode::All, false) => {
                    json!({"display_value": display(), "link": link, "value": value})
                }
                (DisplayMode::All, true) => json!({"display_value": display(), "value": value}),
            };
        }
        // Journal columns are write-only: their value always reads as "".
        let value = if field_type == Some(FieldType::Journal) {
            ""
        } else {
            value
        };
        match options.display {
            DisplayMode::Value => Value::String(value.to_string()),
            DisplayMode::Display => Value::String(display()),
            DisplayMode::All => json!({"display_value": display(), "value": value}),
        }
    }

    /// A row as the query evaluator sees it.
    pub fn view<'r>(&'r self, table: &'a Table, row: &'a Row) -> RowView<'r, 'a> {
        RowView {
            renderer: self,
            table,
            row,
        }
    }

    /// The value a sort key orders by: references sort by their display value, as on
    /// an instance; everything else by the stored value.
    pub fn sort_value(&self, table: &'a Table, row: &'a Row, path: &str) -> String {
        match self.walk(table, row, path) {
            Some((t, Some(r), column)) => match t.field(&column).map(|f| f.field_type) {
                Some(FieldType::Reference) => self.column_display(t, r, &column),
                _ => r.get(&column).cloned().unwrap_or_default(),
            },
            _ => String::new(),
        }
    }
}

/// A row read through a [`Renderer`], for [`crate::query::EncodedQuery::matches`].
pub struct RowView<'r, 'a> {
    renderer: &'r Renderer<'a>,
    table: &'a Table,
    row: &'a Row,
}

impl RecordView for RowView<'_, '_> {
    fn value(&self, path: &str) -> String {
        match self.renderer.walk(self.table, self.row, path) {
            Some((_, Some(row), column)) => row.get(&column).cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn keyword_text(&self) -> Vec<String> {
        let mut texts: Vec<String> = self
            .table
            .fields
            .iter()
            .filter(|(name, f)| f.field_type.is_text() && !name.starts_with("sys_"))
            .filter_map(|(name, _)| self.row.get(name).cloned())
            .filter(|v| !v.is_empty())
            .collect();
        if let Some(number) = self.row.get("number") {
            texts.push(number.clone());
        }
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: [(&str, &str); 2] = [
        (
            "incident.json",
            r#"{"table": "incident", "title": "Incident", "number_prefix": "INC", "display_field": "number",
                "fields": {
                  "caller_id": {"type": "reference", "reference": "sys_user", "description": ""},
                  "state": {"type": "choice", "description": "", "choices": [{"value": "1", "label": "New"}]},
                  "short_description": {"type": "string", "description": ""},
                  "close_notes": {"type": "string", "description": ""},
                  "work_notes": {"type": "journal", "description": ""}
                }}"#,
        ),
        (
            "sys_user.json",
            r#"{"table": "sys_user", "title": "User", "display_field": "name",
                "fields": {"name": {"type": "string", "description": ""},
                           "phone": {"type": "string", "description": ""},
                           "manager": {"type": "reference", "reference": "sys_user", "description": ""}}}"#,
        ),
    ];

    const FRED: &str = "5137153cc611227c000bbd1bd8cd2005";
    const INC: &str = "1c741bd70b2322007518478d83673af3";

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn fixture() -> (Schema, Store) {
        let schema = Schema::from_sources(SPECS).expect("specs");
        let mut store = Store::default();
        store.insert(
            "sys_user",
            row(&[
                ("sys_id", FRED),
                ("name", "Fred Johnson"),
                ("phone", "555-0100"),
                ("manager", ""),
            ]),
        );
        store.insert(
            "incident",
            row(&[
                ("sys_id", INC),
                ("number", "INC0010001"),
                ("caller_id", FRED),
                ("state", "1"),
                ("short_description", "VPN down"),
                ("close_notes", "n"),
                ("work_notes", ""),
            ]),
        );
        store.insert(
            "sys_journal_field",
            row(&[
                ("sys_id", "j1"),
                ("element", "work_notes"),
                ("element_id", INC),
                ("name", "incident"),
                ("value", "Rebooted the VPN concentrator"),
                ("sys_created_by", "unknown.user"),
                ("sys_created_on", "2025-01-02 03:04:05"),
            ]),
        );
        (schema, store)
    }

    fn render(fields: &str, display: DisplayMode, exclude: bool, access: &AccessRules) -> Value {
        let (schema, store) = fixture();
        let renderer = Renderer {
            schema: &schema,
            store: &store,
            base_url: "http://sim",
            access,
        };
        let table = schema.table("incident").expect("incident");
        let row = store.get("incident", INC).expect("row");
        let options = RenderOptions {
            display,
            exclude_reference_link: exclude,
            fields: Some(fields.split(',').map(str::to_string).collect()),
        };
        renderer.record(table, row, &options)
    }

    #[test]
    fn reference_fields_render_per_the_rendering_table() {
        use DisplayMode::*;
        let link = format!("http://sim/api/now/table/sys_user/{FRED}");
        let open = AccessRules::default();
        let cases = [
            (
                "value, links",
                Value,
                false,
                json!({"link": link, "value": FRED}),
            ),
            ("value, no links", Value, true, json!(FRED)),
            (
                "display, links",
                Display,
                false,
                json!({"display_value": "Fred Johnson", "link": link}),
            ),
            ("display, no links", Display, true, json!("Fred Johnson")),
            (
                "all, links",
                All,
                false,
                json!({"display_value": "Fred Johnson", "link": link, "value": FRED}),
            ),
            (
                "all, no links",
                All,
                true,
                json!({"display_value": "Fred Johnson", "value": FRED}),
            ),
        ];
        for (name, display, exclude, expected) in cases {
            let got = render("caller_id", display, exclude, &open);
            assert_eq!(got, json!({"caller_id": expected}), "{name}");
        }
    }

    #[test]
    fn empty_references_and_plain_fields_render_per_mode() {
        use DisplayMode::*;
        let open = AccessRules::default();
        let cases = [
            ("caller_id.manager", Value, json!("")),
            ("caller_id.manager", Display, json!("")),
            (
                "caller_id.manager",
                All,
                json!({"display_value": "", "value": ""}),
            ),
            ("state", Value, json!("1")),
            ("state", Display, json!("New")),
            ("state", All, json!({"display_value": "New", "value": "1"})),
            ("caller_id.name", Value, json!("Fred Johnson")),
            ("work_notes", Value, json!("")),
            (
                "work_notes",
                All,
                json!({"display_value": "2025-01-02 03:04:05 - unknown.user (Work notes)\nRebooted the VPN concentrator\n\n", "value": ""}),
            ),
            ("sys_class_name", Display, json!("Incident")),
        ];
        for (field, display, expected) in cases {
            let got = render(field, display, false, &open);
            assert_eq!(
                got.get(field),
                Some(&expected),
                "{field} in {display:?}: {got}"
            );
        }
    }

    #[test]
    fn unknown_and_unreadable_fields_are_dropped() {
        let itil = AccessRules {
            hidden_fields: vec![
                ("incident".into(), "close_notes".into()),
                ("sys_user".into(), "phone".into()),
            ],
            ..AccessRules::default()
        };
        let got = render(
            "number,close_notes,caller_id.phone,caller_id.name,bogus,state.name",
            DisplayMode::Value,
            false,
            &itil,
        );
        assert_eq!(
            got,
            json!({"number": "INC0010001", "caller_id.name": "Fred Johnson"})
        );
        let open = render(
            "close_notes,caller_id.phone",
            DisplayMode::Value,
            false,
            &AccessRules::default(),
        );
        assert_eq!(
            open,
            json!({"close_notes": "n", "caller_id.phone": "555-0100"})
        );
    }

    #[test]
    fn a_full_record_has_every_column_and_no_hidden_ones() {
        let (schema, store) = fixture();
        let itil = AccessRules {
            hidden_fields: vec![("incident".into(), "close_notes".into())],
            ..AccessRules::default()
        };
        let renderer = Renderer {
            schema: &schema,
            store: &store,
            base_url: "http://sim",
            access: &itil,
        };
        let table = schema.table("incident").expect("incident");
        let row = store.get("incident", INC).expect("row");
        let record = renderer.record(table, row, &RenderOptions::default());
        let object = record.as_object().expect("object");
        for column in [
            "sys_id",
            "number",
            "caller_id",
            "opened_by",
            "active",
            "sys_domain",
            "work_notes",
        ] {
            assert!(object.contains_key(column), "missing {column}");
        }
        assert!(!object.contains_key("close_notes"));
        assert_eq!(object.get("opened_by"), Some(&json!("")));
    }

    #[test]
    fn row_views_walk_references_and_search_text() {
        let (schema, store) = fixture();
        let open = AccessRules::default();
        let renderer = Renderer {
            schema: &schema,
            store: &store,
            base_url: "http://sim",
            access: &open,
        };
        let table = schema.table("incident").expect("incident");
        let row = store.get("incident", INC).expect("row");
        let view = renderer.view(table, row);
        assert_eq!(view.value("caller_id.name"), "Fred Johnson");
        assert_eq!(view.value("caller_id.manager.name"), "");
        assert_eq!(view.value("state"), "1");
        assert!(view.keyword_text().contains(&"VPN down".to_string()));
        assert_eq!(renderer.sort_value(table, row, "caller_id"), "Fred Johnson");
        assert_eq!(renderer.record_display(table, row), "INC0010001");
    }
}
