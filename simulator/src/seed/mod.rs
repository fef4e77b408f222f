//! The data sets the simulator starts with: `empty`, or `demo` (the article's people and
//! records: Alice Johnson, David Smith, Sarah Connor in Network Ops, the Network Security
//! group, KB articles for ORA-01033 and VPN reset, an active "Memory Leak" problem, 28
//! incidents, ...). sys_ids are deterministic (`seed_id`), numbers sequential, so the
//! docs and tests can rely on both. Tables no spec documents are skipped.

mod breadth;
mod data;
mod demo;

use crate::access::user_sys_id;
use crate::platform::{self, format_datetime, Actor};
use crate::schema::Schema;
use crate::store::{stable_sys_id, Row, Store};
use std::collections::BTreeSet;

/// Which data set to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedKind {
    Demo,
    Empty,
}

impl SeedKind {
    pub fn parse(value: &str) -> Option<SeedKind> {
        match value {
            "demo" => Some(SeedKind::Demo),
            "empty" => Some(SeedKind::Empty),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SeedKind::Demo => "demo",
            SeedKind::Empty => "empty",
        }
    }
}

/// The seeded store and the seed tables skipped for lack of a spec.
pub struct Seeded {
    pub store: Store,
    pub skipped_tables: Vec<String>,
}

/// The demo sys_id of the record `key` in `table`: the first 32 hex digits of
/// SHA-256 of `"<table>:<key>"` (users are keyed by user_name).
pub fn seed_id(table: &str, key: &str) -> String {
    if table == "sys_user" {
        return user_sys_id(key);
    }
    stable_sys_id(&format!("{table}:{key}"))
}

/// The VPN article keeps the sys_id the source article's example prompt uses.
pub const VPN_ARTICLE_SYS_ID: &str = "8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d";

/// 2025-06-02 08:00:00 UTC: demo records are dated from here.
const BASE_TIME: i64 = 1_748_851_200;
const HOUR: i64 = 3600;

pub fn build(kind: SeedKind, schema: &Schema) -> Seeded {
    let mut builder = Builder {
        schema,
        store: Store::default(),
        skipped: BTreeSet::new(),
    };
    if kind == SeedKind::Demo {
        demo::demo(&mut builder);
        breadth::breadth(&mut builder);
    }
    Seeded {
        store: builder.store,
        skipped_tables: builder.skipped.into_iter().collect(),
    }
}

/// When and by whom a seed record was created and last updated.
#[derive(Clone, Copy)]
struct Meta<'a> {
    created: i64,
    updated: i64,
    created_by: &'a str,
    updated_by: &'a str,
}

fn meta(created_hours: i64, by: &str) -> Meta<'_> {
    Meta {
        created: BASE_TIME + created_hours * HOUR,
        updated: BASE_TIME + created_hours * HOUR,
        created_by: by,
        updated_by: by,
    }
}

struct Builder<'a> {
    schema: &'a Schema,
    store: Store,
    skipped: BTreeSet<String>,
}

impl Builder<'_> {
    /// Adds a record with the deterministic id of `key`.
    fn add(&mut self, table: &str, key: &str, m: Meta<'_>, fields: &[(&str, &str)]) -> String {
        let sys_id = seed_id(table, key);
        self.add_with_id(table, &sys_id, m, fields);
        sys_id
    }

    /// Adds a record the way an insert would: system fields, number, dictionary
    /// defaults and business rules (empty values in `fields` are left unset).
    fn add_with_id(
        &mut self,
        table_name: &str,
        sys_id: &str,
        m: Meta<'_>,
        fields: &[(&str, &str)],
    ) {
        let Some(table) = self.schema.table(table_name) else {
            self.skipped.insert(table_name.to_string());
            return;
        };
        let created = format_datetime(m.created);
        let updated = format_datetime(m.updated);
        let mut row = Row::new();
        for (column, value) in [
            ("sys_id", sys_id),
            ("sys_created_on", created.as_str()),
            ("sys_created_by", m.created_by),
            ("sys_updated_on", updated.as_str()),
            ("sys_updated_by", m.updated_by),
            (
                "sys_mod_count",
                if m.created == m.updated { "0" } else { "2" },
            ),
            ("sys_class_name", table_name),
            ("sys_domain", "global"),
            ("sys_tags", ""),
        ] {
            row.insert(column.to_string(), value.to_string());
        }
        for (column, value) in fields {
            if !value.is_empty() {
                row.insert(column.to_string(), value.to_string());
            }
        }
        if let Some(prefix) = &table.number_prefix {
            if !row.contains_key("number") {
                let number = self.store.next_number(table_name, prefix);
                row.insert("number".to_string(), number);
            }
        }
        let creator_id = user_sys_id(m.created_by);
        let updater_id = user_sys_id(m.updated_by);
        let creator = Actor {
            user_name: m.created_by,
            user_sys_id: &creator_id,
        };
        let updater = Actor {
            user_name: m.updated_by,
            user_sys_id: &updater_id,
        };
        platform::apply_insert_defaults(table, &mut row, creator, &created);
        platform::apply_business_rules(table, None, &mut row, updater, &updated);
        self.store.insert(table_name, row);
    }

    /// A journal entry (work note or comment) on a seeded record.
    fn journal(
        &mut self,
        table: &str,
        record: &str,
        element: &str,
        hours: i64,
        by: &str,
        value: &str,
    ) {
        let key = format!("{table}:{record}:{element}:{hours}");
        let created = format_datetime(BASE_TIME + hours * HOUR);
        let row: Row = [
            (
                "sys_id",
                stable_sys_id(&format!("sys_journal_field:{key}")).as_str(),
            ),
            ("element", element),
            ("element_id", record),
            ("name", table),
            ("value", value),
            ("sys_created_on", created.as_str()),
            ("sys_created_by", by),
            ("sys_updated_on", created.as_str()),
            ("sys_updated_by", by),
            ("sys_mod_count", "0"),
            ("sys_class_name", "sys_journal_field"),
            ("sys_domain", "global"),
            ("sys_tags", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        self.store.insert("sys_journal_field", row);
    }
}

#[cfg(test)]
mod tests {
    use super::data::USERS;
    use super::*;

    #[test]
    fn seed_ids_are_stable_and_users_match_the_directory() {
        assert_eq!(
            seed_id("sys_user", "alice.johnson"),
            user_sys_id("alice.johnson")
        );
        assert_eq!(
            seed_id("problem", "memory_leak"),
            stable_sys_id("problem:memory_leak")
        );
        assert_ne!(
            seed_id("problem", "memory_leak"),
            seed_id("incident", "memory_leak")
        );
    }

    #[test]
    fn seeding_skips_tables_without_a_spec() {
        let schema = Schema::from_sources([(
            "sys_user.json",
            r#"{"table": "sys_user", "title": "User", "display_field": "name", "fields": {"name": {"type": "string", "description": ""}}}"#,
        )])
        .expect("spec");
        let seeded = build(SeedKind::Demo, &schema);
        assert_eq!(seeded.store.rows("sys_user").len(), USERS.len());
        assert!(USERS.len() >= 10, "the demo has a dozen people");
        assert!(seeded.store.rows("incident").is_empty());
        assert!(seeded.skipped_tables.contains(&"incident".to_string()));
        let empty = build(SeedKind::Empty, &schema);
        assert!(empty.store.rows("sys_user").is_empty());
        assert!(empty.skipped_tables.is_empty());
    }
}
