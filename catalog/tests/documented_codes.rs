//! Choice codes the builtin specs take from ServiceNow's documentation
//! (docs/spec-sources.md): the tools accept what the docs say an instance stores, and
//! list nothing the docs contradict.

mod common;

use serde_json::{json, Value};
use snmcp_catalog::Catalog;

fn builtin() -> &'static Catalog {
    match Catalog::builtin() {
        Ok(catalog) => catalog,
        Err(e) => panic!("the builtin specs must build a catalog:\n{e}"),
    }
}

fn accepts(tool: &str, args: Value) -> Result<(), String> {
    let catalog = builtin();
    let Some(found) = catalog.find(tool, &common::all()) else {
        return Err(format!("no tool {tool}"));
    };
    catalog
        .validate_arguments(found, Some(&args))
        .map_err(|e| e.to_string())
}

fn codes(resource: &str, field: &str) -> Vec<(String, String)> {
    let catalog = builtin();
    let tool = catalog
        .tools()
        .iter()
        .find(|t| t.resource.resource == resource)
        .unwrap_or_else(|| panic!("no resource {resource}"));
    let spec = tool
        .resource
        .fields
        .get(field)
        .unwrap_or_else(|| panic!("{resource} has no field {field}"));
    spec.choices
        .iter()
        .map(|c| (c.value.clone(), c.label.clone()))
        .collect()
}

/// APM's business application default filter is `install_status!=2@install_status!=2000`
/// ("Retired or Decommissioned"): 2 is not On Order on this class.
#[test]
fn business_application_status_takes_the_apm_codes() {
    for code in ["2", "2000"] {
        let args = json!({ "install_status": code });
        if let Err(e) = accepts("list_all_service_now_cmdb_ci_business_app", args) {
            panic!("install_status {code} refused: {e}");
        }
    }
    let listed = codes("cmdb_ci_business_app", "install_status");
    assert!(
        listed.contains(&("2".into(), "Retired".into())),
        "2 must read Retired on business applications: {listed:?}"
    );
    assert!(
        !listed.iter().any(|(_, label)| label == "On Order"),
        "{listed:?}"
    );
}

/// Task SLA stage Breached exists with the 2010 engine or in compatibility mode.
#[test]
fn task_sla_stage_breached_is_accepted() {
    let args = json!({ "stage": "breached" });
    if let Err(e) = accepts("list_all_service_now_task_sla", args) {
        panic!("stage breached refused: {e}");
    }
}

/// The incident resolution codes the docs list, and no other.
#[test]
fn incident_close_codes_are_the_documented_ones() {
    let documented = [
        "Duplicate",
        "Known error",
        "No resolution provided",
        "Resolved by caller",
        "Resolved by change",
        "Resolved by problem",
        "Resolved by request",
        "Solution provided",
        "Workaround provided",
    ];
    let listed: Vec<String> = codes("incident", "close_code")
        .into_iter()
        .map(|(value, _)| value)
        .collect();
    assert_eq!(listed, documented, "incident close_code");
}

/// Articles wait in Scheduled for publish (`workflow_state=scheduled_publish` in a
/// documented query) between approval and their publish date.
#[test]
fn knowledge_scheduled_for_publish_is_accepted() {
    let args = json!({ "workflow_state": "scheduled_publish" });
    if let Err(e) = accepts("list_all_service_now_kb_knowledge", args) {
        panic!("workflow_state scheduled_publish refused: {e}");
    }
}

/// The article title takes "up to 100 characters": a longer one is refused before it
/// reaches the instance rather than cut there.
#[test]
fn knowledge_titles_are_limited_to_100_characters() {
    let update = "update_a_service_now_kb_knowledge_by_id";
    let id = "0123456789abcdef0123456789abcdef";
    let fits = json!({ "id": id, "short_description": "a".repeat(100) });
    if let Err(e) = accepts(update, fits) {
        panic!("a 100-character title was refused: {e}");
    }
    let long = json!({ "id": id, "short_description": "a".repeat(101) });
    assert!(
        accepts(update, long).is_err(),
        "a 101-character title was accepted"
    );
}
