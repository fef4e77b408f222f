//! ServiceNow platform behaviour the tool specs do not carry, kept as data tables:
//! implicit columns, dictionary defaults, state side effects (business rules), the
//! incident priority lookup and data policies. Pure functions over rows; no I/O.

use crate::schema::{Field, FieldType, Table};
use crate::store::Row;

/// ServiceNow's stored date-time format (`YYYY-MM-DD HH:MM:SS`, UTC) of a UNIX time.
pub fn format_datetime(epoch_secs: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(epoch_secs)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01 00:00:00".to_string())
}

/// ServiceNow's table hierarchy, `(table, the table it extends)`. A record of a child
/// class is also a record of every ancestor (a Linux server shows in `cmdb_ci_server`
/// and `cmdb_ci`; an incident is a `task`).
const TABLE_PARENTS: &[(&str, &str)] = &[
    ("incident", "task"),
    ("incident_task", "task"),
    ("problem", "task"),
    ("problem_task", "task"),
    ("change_request", "task"),
    ("change_task", "task"),
    ("sc_request", "task"),
    ("sc_req_item", "task"),
    ("sc_task", "task"),
    ("sysapproval_group", "task"),
    ("cmdb_ci_hardware", "cmdb_ci"),
    ("cmdb_ci_computer", "cmdb_ci_hardware"),
    ("cmdb_ci_server", "cmdb_ci_computer"),
    ("cmdb_ci_linux_server", "cmdb_ci_server"),
    ("cmdb_ci_unix_server", "cmdb_ci_server"),
    ("cmdb_ci_win_server", "cmdb_ci_server"),
    ("cmdb_ci_netgear", "cmdb_ci_hardware"),
    ("cmdb_ci_ip_router", "cmdb_ci_netgear"),
    ("cmdb_ci_ip_switch", "cmdb_ci_netgear"),
    ("cmdb_ci_ip_firewall", "cmdb_ci_netgear"),
    ("cmdb_ci_appl", "cmdb_ci"),
    ("cmdb_ci_db_instance", "cmdb_ci_appl"),
    ("cmdb_ci_db_ora_instance", "cmdb_ci_db_instance"),
    ("cmdb_ci_db_mssql_instance", "cmdb_ci_db_instance"),
    ("cmdb_ci_service", "cmdb_ci"),
    ("cmdb_ci_business_app", "cmdb_ci"),
    ("alm_hardware", "alm_asset"),
    ("sc_cat_item_producer", "sc_cat_item"),
];

pub fn parent_table(table: &str) -> Option<&'static str> {
    TABLE_PARENTS
        .iter()
        .find(|(child, _)| *child == table)
        .map(|(_, parent)| *parent)
}

/// The top of a table's hierarchy, where its records are stored.
pub fn root_table(table: &str) -> &str {
    let mut current = table;
    while let Some(parent) = parent_table(current) {
        current = parent;
    }
    current
}

/// True when a record of class `class` is a record of `table` (same table or a child).
pub fn extends(class: &str, table: &str) -> bool {
    let mut current = Some(class);
    while let Some(c) = current {
        if c == table {
            return true;
        }
        current = parent_table(c);
    }
    false
}

/// Tables that are `task` or extend it: their records carry active/opened_at/opened_by.
pub fn is_task_table(table: &str) -> bool {
    extends(table, "task")
}

/// System columns every table has (ServiceNow: "Table API", every record carries them).
/// `sys_domain` is a reference to `sys_user_group` holding `global` outside domain
/// separation, so it renders as a reference like on a real instance.
const SYSTEM_COLUMNS: &[(&str, FieldType)] = &[
    ("sys_id", FieldType::String),
    ("sys_created_on", FieldType::Datetime),
    ("sys_created_by", FieldType::String),
    ("sys_updated_on", FieldType::Datetime),
    ("sys_updated_by", FieldType::String),
    ("sys_mod_count", FieldType::Integer),
    ("sys_class_name", FieldType::String),
    ("sys_tags", FieldType::String),
];

/// Columns the task business rules stamp; `(table, column, type, reference target)`.
const STAMPED_COLUMNS: &[(&str, &str, FieldType, Option<&str>)] = &[
    ("incident", "resolved_at", FieldType::Datetime, None),
    (
        "incident",
        "resolved_by",
        FieldType::Reference,
        Some("sys_user"),
    ),
    ("incident", "closed_at", FieldType::Datetime, None),
    (
        "incident",
        "closed_by",
        FieldType::Reference,
        Some("sys_user"),
    ),
    ("problem", "resolved_at", FieldType::Datetime, None),
    (
        "problem",
        "resolved_by",
        FieldType::Reference,
        Some("sys_user"),
    ),
    ("problem", "closed_at", FieldType::Datetime, None),
    (
        "problem",
        "closed_by",
        FieldType::Reference,
        Some("sys_user"),
    ),
    ("change_request", "closed_at", FieldType::Datetime, None),
    (
        "change_request",
        "closed_by",
        FieldType::Reference,
        Some("sys_user"),
    ),
];

/// Adds the columns the platform maintains but a spec need not document. A documented
/// column keeps its documented definition.
pub fn add_implicit_fields(table: &mut Table) {
    let mut implicit: Vec<(&str, Field)> = SYSTEM_COLUMNS
        .iter()
        .map(|(name, ty)| (*name, Field::plain(*ty)))
        .collect();
    implicit.push(("sys_domain", Field::reference("sys_user_group")));
    if table.number_prefix.is_some() {
        implicit.push(("number", Field::plain(FieldType::String)));
    }
    if is_task_table(&table.name) {
        implicit.push(("active", Field::plain(FieldType::Boolean)));
        implicit.push(("opened_at", Field::plain(FieldType::Datetime)));
        implicit.push(("opened_by", Field::reference("sys_user")));
    }
    for (t, name, ty, target) in STAMPED_COLUMNS {
        if *t == table.name {
            let field = match target {
                Some(target) => Field::reference(target),
                None => Field::plain(*ty),
            };
            implicit.push((name, field));
        }
    }
    for (name, field) in implicit {
        table.fields.entry(name.to_string()).or_insert(field);
    }
}

/// Dictionary defaults ServiceNow applies on insert when the body leaves a column unset.
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("incident", "state", "1"),
    ("incident", "impact", "3"),
    ("incident", "urgency", "3"),
    ("problem", "state", "101"),
    ("problem", "impact", "3"),
    ("problem", "urgency", "3"),
    ("change_request", "state", "-5"),
    ("change_request", "type", "normal"),
    ("change_request", "risk", "3"),
    ("change_request", "approval", "not requested"),
    ("kb_knowledge", "workflow_state", "draft"),
    ("kb_knowledge", "active", "true"),
    ("sys_user", "active", "true"),
    ("sys_user", "locked_out", "false"),
    ("sys_user_group", "active", "true"),
];

/// Who is writing: recorded in `sys_created_by` (user name) and `opened_by` (sys_id).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_name: &'a str,
    pub user_sys_id: &'a str,
}

/// Insert defaults: dictionary defaults, then the task fields ServiceNow fills.
pub fn apply_insert_defaults(table: &Table, row: &mut Row, actor: Actor<'_>, now: &str) {
    for (t, column, value) in DEFAULTS {
        if *t == table.name {
            set_if_empty(row, column, value);
        }
    }
    if is_task_table(&table.name) {
        set_if_empty(row, "active", "true");
        set_if_empty(row, "opened_at", now);
        set_if_empty(row, "opened_by", actor.user_sys_id);
    }
}

fn set_if_empty(row: &mut Row, column: &str, value: &str) {
    let empty = row.get(column).is_none_or(|v| v.is_empty());
    if empty {
        row.insert(column.to_string(), value.to_string());
    }
}

/// What entering a state does (ServiceNow's task state business rules).
struct StateEffect {
    table: &'static str,
    state: &'static str,
    /// `(timestamp column, user column)` stamped on entering the state.
    stamp: Option<(&'static str, &'static str)>,
    active: bool,
}

const STATE_EFFECTS: &[StateEffect] = &[
    StateEffect {
        table: "incident",
        state: "6",
        stamp: Some(("resolved_at", "resolved_by")),
        active: true,
    },
    StateEffect {
        table: "incident",
        state: "7",
        stamp: Some(("closed_at", "closed_by")),
        active: false,
    },
    StateEffect {
        table: "incident",
        state: "8",
        stamp: None,
        active: false,
    },
    StateEffect {
        table: "problem",
        state: "106",
        stamp: Some(("resolved_at", "resolved_by")),
        active: true,
    },
    StateEffect {
        table: "problem",
        state: "107",
        stamp: Some(("closed_at", "closed_by")),
        active: false,
    },
    StateEffect {
        table: "change_request",
        state: "3",
        stamp: Some(("closed_at", "closed_by")),
        active: false,
    },
    StateEffect {
        table: "change_request",
        state: "4",
        stamp: None,
        active: false,
    },
];

/// Incident priority lookup (impact, urgency) -> priority (SERVICENOW.md).
const PRIORITY_LOOKUP: &[(&str, &str, &str)] = &[
    ("1", "1", "1"),
    ("1", "2", "2"),
    ("1", "3", "3"),
    ("2", "1", "2"),
    ("2", "2", "3"),
    ("2", "3", "4"),
    ("3", "1", "3"),
    ("3", "2", "4"),
    ("3", "3", "5"),
];

pub fn incident_priority(impact: &str, urgency: &str) -> Option<&'static str> {
    PRIORITY_LOOKUP
        .iter()
        .find(|(i, u, _)| *i == impact && *u == urgency)
        .map(|(_, _, p)| *p)
}

/// Business rules run on every insert (`before` is `None`) and update: the priority
/// lookup, and the stamps and `active` flag a state change implies.
pub fn apply_business_rules(
    table: &Table,
    before: Option<&Row>,
    row: &mut Row,
    actor: Actor<'_>,
    now: &str,
) {
    if table.name == "incident" {
        let impact = row.get("impact").cloned().unwrap_or_default();
        let urgency = row.get("urgency").cloned().unwrap_or_default();
        if let Some(priority) = incident_priority(&impact, &urgency) {
            row.insert("priority".to_string(), priority.to_string());
        }
    }
    let state = row.get("state").cloned().unwrap_or_default();
    let previous = before.and_then(|b| b.get("state")).cloned();
    if previous.as_deref() == Some(state.as_str()) {
        return;
    }
    let effects: Vec<&StateEffect> = STATE_EFFECTS
        .iter()
        .filter(|e| e.table == table.name)
        .collect();
    if effects.is_empty() {
        return;
    }
    match effects.iter().find(|e| e.state == state) {
        Some(effect) => {
            if let Some((at, by)) = effect.stamp {
                row.insert(at.to_string(), now.to_string());
                row.insert(by.to_string(), actor.user_sys_id.to_string());
            }
            row.insert("active".to_string(), effect.active.to_string());
        }
        // Leaving a closing state (reopening) makes the record active again.
        None => {
            row.insert("active".to_string(), "true".to_string());
        }
    }
}

/// A data policy: while the condition holds, the listed columns are mandatory.
struct DataPolicy {
    table: &'static str,
    column: &'static str,
    values: &'static [&'static str],
    mandatory: &'static [(&'static str, &'static str)],
}

const DATA_POLICIES: &[DataPolicy] = &[DataPolicy {
    table: "incident",
    column: "state",
    values: &["6", "7"],
    mandatory: &[
        ("close_code", "Resolution code"),
        ("close_notes", "Resolution notes"),
    ],
}];

/// The 403 detail when the row (as it would be saved) breaks a data policy.
pub fn data_policy_violation(table: &str, row: &Row) -> Option<String> {
    for policy in DATA_POLICIES.iter().filter(|p| p.table == table) {
        let value = row.get(policy.column).map(String::as_str).unwrap_or("");
        if !policy.values.contains(&value) {
            continue;
        }
        let missing: Vec<&str> = policy
            .mandatory
            .iter()
            .filter(|(column, _)| row.get(*column).is_none_or(|v| v.trim().is_empty()))
            .map(|(_, label)| *label)
            .collect();
        if !missing.is_empty() {
            return Some(format!(
                "Data Policy Exception: The following fields are mandatory: {}",
                missing.join(", ")
            ));
        }
    }
    None
}

/// The label a journal entry shows under in display values.
pub fn journal_label(column: &str) -> String {
    match column {
        "work_notes" => "Work notes".to_string(),
        "comments" => "Additional comments".to_string(),
        other => {
            let spaced = other.replace('_', " ");
            let mut chars = spaced.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn table(name: &str) -> Table {
        let mut t = Table {
            name: name.to_string(),
            title: name.to_string(),
            number_prefix: None,
            display_field: "number".to_string(),
            fields: BTreeMap::new(),
        };
        add_implicit_fields(&mut t);
        t
    }

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const ACTOR: Actor<'static> = Actor {
        user_name: "itil",
        user_sys_id: "u1",
    };

    #[test]
    fn priority_follows_the_impact_urgency_matrix() {
        let cases = [
            ("1", "1", Some("1")),
            ("1", "3", Some("3")),
            ("2", "2", Some("3")),
            ("3", "2", Some("4")),
            ("3", "3", Some("5")),
            ("4", "1", None),
            ("", "", None),
        ];
        for (impact, urgency, expected) in cases {
            assert_eq!(
                incident_priority(impact, urgency),
                expected,
                "{impact}x{urgency}"
            );
        }
    }

    #[test]
    fn incident_insert_gets_new_state_low_priority_and_opener() {
        let t = table("incident");
        let mut r = row(&[("short_description", "x")]);
        apply_insert_defaults(&t, &mut r, ACTOR, "2025-01-01 00:00:00");
        apply_business_rules(&t, None, &mut r, ACTOR, "2025-01-01 00:00:00");
        for (column, value) in [
            ("state", "1"),
            ("impact", "3"),
            ("urgency", "3"),
            ("priority", "5"),
            ("active", "true"),
            ("opened_by", "u1"),
            ("opened_at", "2025-01-01 00:00:00"),
        ] {
            assert_eq!(r.get(column).map(String::as_str), Some(value), "{column}");
        }
    }

    #[test]
    fn state_changes_stamp_and_toggle_active() {
        let t = table("incident");
        let before = row(&[("state", "2"), ("active", "true")]);
        let cases = [
            ("6", "true", Some("resolved_at")),
            ("7", "false", Some("closed_at")),
            ("8", "false", None),
            ("2", "true", None),
        ];
        for (state, active, stamped) in cases {
            let mut r = before.clone();
            r.insert("state".into(), state.into());
            apply_business_rules(&t, Some(&before), &mut r, ACTOR, "2025-02-02 10:00:00");
            assert_eq!(
                r.get("active").map(String::as_str),
                Some(active),
                "state {state}"
            );
            if let Some(column) = stamped {
                assert_eq!(
                    r.get(column).map(String::as_str),
                    Some("2025-02-02 10:00:00"),
                    "{column}"
                );
            }
        }
        let mut reopened = row(&[("state", "2"), ("active", "false")]);
        apply_business_rules(
            &t,
            Some(&row(&[("state", "7")])),
            &mut reopened,
            ACTOR,
            "now",
        );
        assert_eq!(reopened.get("active").map(String::as_str), Some("true"));
    }

    #[test]
    fn resolving_without_resolution_fields_breaks_the_data_policy() {
        let cases = [
            (
                row(&[("state", "6")]),
                Some("Resolution code, Resolution notes"),
            ),
            (
                row(&[("state", "7"), ("close_code", "Solution provided")]),
                Some("Resolution notes"),
            ),
            (
                row(&[("state", "6"), ("close_code", "x"), ("close_notes", "y")]),
                None,
            ),
            (row(&[("state", "2")]), None),
        ];
        for (r, missing) in cases {
            let got = data_policy_violation("incident", &r);
            match missing {
                Some(m) => assert_eq!(
                    got.as_deref(),
                    Some(
                        format!("Data Policy Exception: The following fields are mandatory: {m}")
                            .as_str()
                    )
                ),
                None => assert_eq!(got, None),
            }
        }
        assert_eq!(
            data_policy_violation("problem", &row(&[("state", "6")])),
            None
        );
    }

    #[test]
    fn child_classes_are_records_of_their_ancestors() {
        let cases = [
            ("cmdb_ci_linux_server", "cmdb_ci_server", true),
            ("cmdb_ci_linux_server", "cmdb_ci", true),
            ("cmdb_ci_server", "cmdb_ci_linux_server", false),
            ("cmdb_ci_service", "cmdb_ci_server", false),
            ("incident", "task", true),
            ("incident", "incident", true),
            ("sys_user", "sys_user", true),
            ("sys_user", "task", false),
        ];
        for (class, table, expected) in cases {
            assert_eq!(extends(class, table), expected, "{class} in {table}");
        }
        assert_eq!(root_table("cmdb_ci_db_ora_instance"), "cmdb_ci");
        assert_eq!(root_table("sys_user"), "sys_user");
    }

    #[test]
    fn datetimes_use_servicenows_format() {
        assert_eq!(format_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(format_datetime(1_748_851_200), "2025-06-02 08:00:00");
    }

    #[test]
    fn journal_columns_have_their_form_labels() {
        assert_eq!(journal_label("work_notes"), "Work notes");
        assert_eq!(journal_label("comments"), "Additional comments");
        assert_eq!(journal_label("u_vendor_notes"), "U vendor notes");
    }
}
