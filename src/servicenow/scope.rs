//! What a server's filter lets one call reach. The filter decides which tools exist;
//! this decides which tables those tools touch: rows of the cross-table resources
//! (attachments, journal entries: spec `row_table`) only for tables the server exposes,
//! dot-walks only along documented references into exposed tables, query joins
//! (`RLQUERY`, `SUBQUERY`, `JOIN`) only of exposed tables, and no value ServiceNow would
//! run as script. Pure: every refusal happens before anything is sent.

use super::query::{clauses, is_script, script_refusal, Clause};
use super::refusal::ArgumentError;
use snmcp_catalog::{Catalog, FieldType, ResourceSpec, ToolFilter};

/// The catalog and the server's filter, asked about tables.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub catalog: &'a Catalog,
    pub filter: &'a ToolFilter,
}

impl<'a> Scope<'a> {
    pub fn new(catalog: &'a Catalog, filter: &'a ToolFilter) -> Self {
        Scope { catalog, filter }
    }

    /// Whether the server may read `table`'s records (its list or get tool is kept).
    pub fn readable(&self, table: &str) -> bool {
        self.catalog.readable(table, self.filter)
    }

    /// Whether the server may write `table`'s records (a create, update or delete tool
    /// of it is kept).
    pub fn writable(&self, table: &str) -> bool {
        self.catalog.writable(table, self.filter)
    }

    /// The tables whose rows a row-table resource may show: readable tables of records
    /// (attachments and journal entries themselves excluded), in name order.
    pub fn row_tables(&self) -> Vec<&'a str> {
        self.catalog
            .readable_tables(self.filter)
            .into_iter()
            .filter(|table| {
                self.catalog
                    .resource_for_table(table)
                    .is_some_and(|r| r.row_table.is_none())
            })
            .collect()
    }

    /// The fixed first condition of a list of `resource` (`table_nameINincident,problem`)
    /// when it holds rows of every table; None for ordinary tables. Err (the isError
    /// text) when the server exposes no table whose rows it could show.
    pub fn row_condition(&self, resource: &ResourceSpec) -> Result<Option<String>, ArgumentError> {
        let Some(field) = &resource.row_table else {
            return Ok(None);
        };
        let tables = self.row_tables();
        if tables.is_empty() {
            return Err(ArgumentError(format!(
                "This server exposes no table whose {} records it may read ({} holds rows of every table, and it shows only those of tables the server exposes); \
                 an administrator can add the tables' tags to the server. Nothing was sent to ServiceNow.",
                resource.title.to_ascii_lowercase(),
                resource.table
            )));
        }
        Ok(Some(format!("{field}IN{}", tables.join(","))))
    }

    /// Checks that a row of `resource` belonging to `table` is within reach: readable
    /// for a read, writable for a write (attaching a file to a record, or deleting one,
    /// changes that record).
    pub fn check_row_table(
        &self,
        resource: &ResourceSpec,
        table: &str,
        write: bool,
    ) -> Result<(), ArgumentError> {
        let table = table.trim();
        let allowed = if write {
            self.writable(table)
        } else {
            self.readable(table)
        } && self
            .catalog
            .resource_for_table(table)
            .is_some_and(|r| r.row_table.is_none());
        if allowed {
            return Ok(());
        }
        let what = resource.title.to_ascii_lowercase();
        let shown: String = table.chars().take(80).collect();
        let reach = if write { "write" } else { "read" };
        let tables = if write {
            self.row_tables()
                .into_iter()
                .filter(|t| self.writable(t))
                .collect::<Vec<_>>()
        } else {
            self.row_tables()
        };
        let listed = if tables.is_empty() {
            "none".to_string()
        } else {
            tables.join(", ")
        };
        Err(ArgumentError(format!(
            "This {what} belongs to a record of the table \"{shown}\", which this server may not {reach}; it reaches only {what}s of the tables it exposes ({reach}: {listed}). \
             Nothing was sent to ServiceNow."
        )))
    }

    /// Checks a field name an argument gives for `table`: a dot-walk (`caller_id.email`)
    /// must follow documented reference fields into tables the server reads.
    pub fn check_field(
        &self,
        table: &str,
        field: &str,
        argument: &str,
    ) -> Result<(), ArgumentError> {
        let Some((path, _)) = field.rsplit_once('.') else {
            return Ok(());
        };
        let mut current = table;
        for step in path.split('.') {
            let target = self
                .catalog
                .resource_for_table(current)
                .and_then(|r| r.fields.get(step))
                .filter(|f| f.field_type == FieldType::Reference)
                .and_then(|f| f.reference.as_deref());
            let Some(target) = target else {
                return Err(ArgumentError(format!(
                    "`{}` in {argument} walks through `{step}`, which is not a documented reference field of {current}: this server follows dot-walks \
                     only along documented references into tables it exposes. Use `{step}` itself: ask for it in fields (its sys_id, with the name beside it), \
                     or filter on it, where the tool takes it, with a name or email that the server resolves. Nothing was sent to ServiceNow.",
                    shorten(field)
                )));
            };
            if !self.readable(target) {
                return Err(ArgumentError(format!(
                    "`{}` in {argument} reads {} records ({target}) through `{step}`, and this server does not expose that table. \
                     Use `{step}` itself: ask for it in fields (its sys_id, with the name beside it), or filter on it, where the tool takes it, \
                     with a name or email that the server resolves. Nothing was sent to ServiceNow.",
                    shorten(field),
                    self.title(target)
                )));
            }
            current = target;
        }
        Ok(())
    }

    /// Checks a free encoded query on `table`: no script, dot-walks as [`Self::check_field`],
    /// `RLQUERY`/`SUBQUERY`/`JOIN` only of readable tables, and no clause this reader
    /// does not know.
    pub fn check_query(
        &self,
        table: &str,
        query: &str,
        argument: &str,
    ) -> Result<(), ArgumentError> {
        if is_script(query) {
            return Err(ArgumentError(script_refusal(&format!("`{argument}`"))));
        }
        let mut tables = vec![table];
        for clause in clauses(query) {
            let current = tables.last().copied().unwrap_or(table);
            match clause {
                Clause::Condition { field, .. } | Clause::Order { field } => {
                    self.check_field(current, field, argument)?
                }
                Clause::Related { table: joined } | Clause::Sub { table: joined } => {
                    self.check_joined(joined, argument)?;
                    tables.push(joined);
                }
                Clause::End => {
                    if tables.len() > 1 {
                        tables.pop();
                    }
                }
                Clause::Join {
                    tables: joined,
                    condition,
                } => {
                    for name in &joined {
                        self.check_joined(name, argument)?;
                    }
                    let on = joined.last().copied().unwrap_or(current);
                    for inner in condition.map(clauses).unwrap_or_default() {
                        if let Clause::Condition { field, .. } | Clause::Order { field } = inner
                        {
                            self.check_field(on, field, argument)?;
                        }
                    }
                }
                Clause::Other(_) => {}
                Clause::Unknown(text) => {
                    return Err(ArgumentError(format!(
                        "{argument} has a clause this server cannot check: `{}`. Write conditions as field<operator>value joined by ^ \
                         (state=1^priority<=2^short_descriptionLIKEvpn), with ^OR, ^NQ and ORDERBY/ORDERBYDESC. Nothing was sent to ServiceNow.",
                        shorten(text)
                    )))
                }
            }
        }
        Ok(())
    }

    fn check_joined(&self, joined: &str, argument: &str) -> Result<(), ArgumentError> {
        if self.readable(joined) {
            return Ok(());
        }
        Err(ArgumentError(format!(
            "{argument} joins the table \"{}\" (RLQUERY, SUBQUERY or JOIN), which this server does not expose; \
             a query may join only tables whose records the server reads. Nothing was sent to ServiceNow.",
            shorten(joined)
        )))
    }

    fn title(&self, table: &str) -> String {
        self.catalog
            .resource_for_table(table)
            .map_or_else(|| table.to_string(), |r| r.title.clone())
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(80).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(tags: &[&str], methods: Option<&[&str]>) -> ToolFilter {
        ToolFilter {
            tags: Some(tags.iter().map(|t| t.to_string()).collect()),
            methods: methods.map(|m| m.iter().map(|t| t.to_string()).collect()),
            ..ToolFilter::default()
        }
    }

    fn catalog() -> &'static Catalog {
        Catalog::builtin().expect("builtin catalog")
    }

    #[test]
    fn row_tables_are_the_exposed_record_tables() {
        let f = filter(&["incident", "attachments"], None);
        let scope = Scope::new(catalog(), &f);
        assert_eq!(scope.row_tables(), vec!["incident", "incident_task"]);
        let attachments = catalog().resource_for_table("sys_attachment").unwrap();
        assert_eq!(
            scope.row_condition(attachments).unwrap().as_deref(),
            Some("table_nameINincident,incident_task")
        );
        let incident = catalog().resource_for_table("incident").unwrap();
        assert_eq!(scope.row_condition(incident).unwrap(), None);
        assert!(scope
            .check_row_table(attachments, "incident", false)
            .is_ok());
        let refused = scope
            .check_row_table(attachments, "hr_case", false)
            .unwrap_err();
        assert!(
            refused.contains("\"hr_case\"") && refused.contains("read: incident, incident_task"),
            "{refused}"
        );
        assert!(scope
            .check_row_table(attachments, "sys_user", true)
            .is_err());
        assert!(scope
            .check_row_table(attachments, "sys_attachment", false)
            .is_err());

        let only = filter(&["attachments"], None);
        let none = Scope::new(catalog(), &only);
        assert!(none
            .row_condition(attachments)
            .unwrap_err()
            .contains("no table"));
    }

    #[test]
    fn writes_need_a_kept_write_method_on_the_row_table() {
        let read_only = filter(&["incident", "attachments"], Some(&["read", "attach_file"]));
        let scope = Scope::new(catalog(), &read_only);
        let attachments = catalog().resource_for_table("sys_attachment").unwrap();
        assert!(scope
            .check_row_table(attachments, "incident", false)
            .is_ok());
        let refused = scope
            .check_row_table(attachments, "incident", true)
            .unwrap_err();
        assert!(refused.contains("may not write"), "{refused}");
        let writer = filter(&["incident", "attachments"], None);
        assert!(Scope::new(catalog(), &writer)
            .check_row_table(attachments, "incident", true)
            .is_ok());
    }

    #[test]
    fn dot_walks_follow_documented_references_into_exposed_tables() {
        let incidents = filter(&["incident"], None);
        let scope = Scope::new(catalog(), &incidents);
        assert!(scope
            .check_field("incident", "short_description", "fields")
            .is_ok());
        let hidden = scope
            .check_field("incident", "caller_id.email", "fields")
            .unwrap_err();
        assert!(
            hidden.contains("sys_user") && hidden.contains("does not expose"),
            "{hidden}"
        );
        let undocumented = scope
            .check_field("incident", "u_thing.name", "fields")
            .unwrap_err();
        assert!(
            undocumented.contains("not a documented reference"),
            "{undocumented}"
        );
        let all = ToolFilter::default();
        let open = Scope::new(catalog(), &all);
        assert!(open
            .check_field("incident", "caller_id.email", "fields")
            .is_ok());
        assert!(open
            .check_field("incident", "caller_id.manager.email", "fields")
            .is_ok());
    }

    #[test]
    fn queries_are_checked_for_script_walks_and_joins() {
        let incidents = filter(&["incident"], None);
        let scope = Scope::new(catalog(), &incidents);
        let ok = [
            "active=true^priority<=2",
            "short_descriptionLIKEvpn^ORDERBYDESCnumber",
            "123TEXTQUERY321=printer",
        ];
        for query in ok {
            assert!(
                scope.check_query("incident", query, "query").is_ok(),
                "{query}"
            );
        }
        let refused = [
            ("active=true^caller_id.email=a@b.c", "sys_user"),
            ("ORDERBYcaller_id.name", "sys_user"),
            ("RLQUERYsys_user_grmember.user,>=1^ENDRLQUERY", "RLQUERY"),
            ("SUBQUERYcaller_id,sys_id,sys_user^ENDSUBQUERY", "SUBQUERY"),
            ("JOINincident.caller_id=sys_user.sys_id!active=true", "JOIN"),
            ("sys_created_on>=javascript:gs.daysAgo(7)", "javascript:"),
            ("stateINjavascript:x", "javascript:"),
            ("GOTOnumber=INC1", "cannot check"),
        ];
        for (query, why) in refused {
            let message = scope.check_query("incident", query, "query").unwrap_err();
            assert!(message.contains(why), "{query}: {message}");
        }
        // A related table the server reads may be joined; walks inside are relative to it.
        let all = ToolFilter::default();
        let open = Scope::new(catalog(), &all);
        assert!(open
            .check_query(
                "sys_user_group",
                "RLQUERYsys_user_grmember.group,>=1^user.name=Ann^ENDRLQUERY",
                "query"
            )
            .is_ok());
    }
}
