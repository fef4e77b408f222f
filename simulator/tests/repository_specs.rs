//! The simulator against the repository's real `tool-specs/servicenow/`: every spec
//! loads, the demo seed fills every table it knows, and its values agree with the specs
//! (choice values are documented choices, references point at seeded rows).

use servicenow_simulator::schema::FieldType;

mod common;
use common::Harness;

/// Demo values that are deliberately outside a spec's choice list: ServiceNow stores
/// any value in a choice column, and itil's row ACL in the demo hides this category.
const UNDOCUMENTED_CHOICES: &[(&str, &str, &str)] = &[("incident", "category", "security")];

#[test]
fn every_demo_table_has_a_spec() {
    let sim = Harness::repository().sim;
    assert!(
        sim.unseeded_tables().is_empty(),
        "demo tables without a spec: {:?}",
        sim.unseeded_tables()
    );
    for table in [
        "sys_user",
        "sys_user_group",
        "incident",
        "problem",
        "kb_knowledge",
        "change_request",
        "cmdb_ci_server",
    ] {
        assert!(
            !sim.store().rows(table).is_empty(),
            "{table} has no demo rows"
        );
    }
}

#[test]
fn demo_choice_values_are_documented_choices() {
    let sim = Harness::repository().sim;
    let mut problems = Vec::new();
    let mut checked = 0;
    for table in sim.schema().tables() {
        for row in sim.store().rows(&table.name) {
            for (column, field) in &table.fields {
                let value = row.get(column).map(String::as_str).unwrap_or("");
                let exempt =
                    UNDOCUMENTED_CHOICES.contains(&(table.name.as_str(), column.as_str(), value));
                if field.field_type != FieldType::Choice
                    || field.choices.is_empty()
                    || value.is_empty()
                    || exempt
                {
                    continue;
                }
                checked += 1;
                if field.choice_label(value).is_none() {
                    problems.push(format!("{}.{column} = {value:?}", table.name));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "undocumented choice values in the demo seed: {problems:?}"
    );
    assert!(checked > 100, "only {checked} choice values checked");
}

#[test]
fn demo_references_point_at_seeded_rows() {
    let sim = Harness::repository().sim;
    let mut dangling = Vec::new();
    let mut checked = 0;
    for table in sim.schema().tables() {
        for row in sim.store().rows(&table.name) {
            for (column, field) in &table.fields {
                let value = row.get(column).map(String::as_str).unwrap_or("");
                let Some(target) = field.reference.as_deref() else {
                    continue;
                };
                if field.field_type != FieldType::Reference || value.is_empty() || value == "global"
                {
                    continue;
                }
                checked += 1;
                if !sim.store().contains(target, value) {
                    dangling.push(format!("{}.{column} -> {target}/{value}", table.name));
                }
            }
        }
    }
    dangling.sort();
    dangling.dedup();
    assert!(
        dangling.is_empty(),
        "dangling references in the demo seed: {dangling:?}"
    );
    assert!(checked > 100, "only {checked} references checked");
}
