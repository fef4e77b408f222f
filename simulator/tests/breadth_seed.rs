//! The demo seed of the tables issue 11 documented, against the repository's specs:
//! every seeded table has a spec, sys_choice mirrors the specs' choice lists plus the
//! instance's own values, and the new CIs, relationships and catalog rows hang together.

use servicenow_simulator::seed_id;
use std::collections::BTreeSet;

mod common;
use common::Harness;

fn field<'a>(row: &'a std::collections::BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name).map(String::as_str).unwrap_or_default()
}

#[test]
fn every_demo_table_has_a_spec() {
    let sim = Harness::repository().sim;
    assert!(
        sim.unseeded_tables().is_empty(),
        "seed tables without a spec: {:?}",
        sim.unseeded_tables()
    );
}

#[test]
fn sys_choice_holds_the_incident_categories_including_the_instances_own() {
    let sim = Harness::repository().sim;
    let rows = sim.store().rows("sys_choice");
    let categories: BTreeSet<&str> = rows
        .iter()
        .filter(|r| field(r, "name") == "incident" && field(r, "element") == "category")
        .map(|r| field(r, "value"))
        .collect();
    let expected: BTreeSet<&str> = [
        "inquiry", "software", "hardware", "network", "database", "security",
    ]
    .into_iter()
    .collect();
    assert_eq!(categories, expected);
    // Subcategories carry the category they depend on.
    let vpn: Vec<&str> = rows
        .iter()
        .filter(|r| field(r, "element") == "subcategory" && field(r, "value") == "vpn")
        .map(|r| field(r, "dependent_value"))
        .collect();
    assert_eq!(vpn, vec!["network"]);
    // A server's operational_status choices live on cmdb_ci, where the field is defined.
    assert!(rows
        .iter()
        .any(|r| field(r, "name") == "cmdb_ci" && field(r, "element") == "operational_status"));
    assert!(!rows.iter().any(
        |r| field(r, "name") == "cmdb_ci_server" && field(r, "element") == "operational_status"
    ));
    // Every seeded incident's category is a listed value.
    for incident in sim.store().rows("incident") {
        let category = field(incident, "category");
        assert!(
            category.is_empty() || categories.contains(category),
            "{category}"
        );
    }
}

#[test]
fn computers_include_laptops_and_servers_and_relationships_point_at_real_cis() {
    let sim = Harness::repository().sim;
    let store = sim.store();
    let classes: BTreeSet<&str> = store
        .rows("cmdb_ci_computer")
        .iter()
        .map(|r| field(r, "sys_class_name"))
        .collect();
    assert!(classes.contains("cmdb_ci_computer"), "{classes:?}");
    assert!(classes.contains("cmdb_ci_linux_server"), "{classes:?}");
    let netgear: Vec<&str> = store
        .rows("cmdb_ci_netgear")
        .iter()
        .map(|r| field(r, "name"))
        .collect();
    assert!(netgear.contains(&"core-sw-01"), "{netgear:?}");
    assert!(netgear.contains(&"FW-CORE-01"), "{netgear:?}");
    let databases: Vec<&str> = store
        .rows("cmdb_ci_db_instance")
        .iter()
        .map(|r| field(r, "name"))
        .collect();
    assert!(databases.contains(&"HRDB") && databases.contains(&"ORAPROD"));
    let relationships = store.rows("cmdb_rel_ci");
    assert!(relationships.len() >= 5);
    for rel in relationships {
        for end in ["parent", "child"] {
            assert!(
                store.get("cmdb_ci", field(rel, end)).is_some(),
                "{end} of {rel:?}"
            );
        }
        assert!(store.get("cmdb_rel_type", field(rel, "type")).is_some());
    }
    let payroll = store
        .get(
            "cmdb_ci_business_app",
            &seed_id("cmdb_ci_business_app", "payroll"),
        )
        .expect("payroll business app");
    assert_eq!(
        field(payroll, "number"),
        "APM0010001",
        "docs/simulator.md names it"
    );
}

#[test]
fn catalog_variables_belong_to_a_seeded_item() {
    let sim = Harness::repository().sim;
    let store = sim.store();
    let items = ["standard_laptop", "vpn_access", "external_monitor"]
        .map(|key| seed_id("sc_cat_item", key));
    let variables = store.rows("item_option_new");
    assert_eq!(variables.len(), 9, "docs/simulator.md lists them");
    assert!(variables
        .iter()
        .all(|v| items.contains(&field(v, "cat_item").to_string())));
    // Every choice belongs to a seeded choice variable (Select Box 5, Multiple Choice 3).
    let choices = store.rows("question_choice");
    assert_eq!(choices.len(), 7);
    for choice in choices {
        let question = variables
            .iter()
            .find(|v| field(v, "sys_id") == field(choice, "question"))
            .expect("the choice's variable");
        assert!(["3", "5"].contains(&field(question, "type")));
    }
    // The record producer is a catalog item too (it extends sc_cat_item).
    assert!(store
        .rows("sc_cat_item")
        .iter()
        .any(|r| field(r, "sys_class_name") == "sc_cat_item_producer"));
}
