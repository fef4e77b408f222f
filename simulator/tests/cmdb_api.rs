//! The CMDB Instance API of the simulator on the repository's specs and demo seed: a CI
//! read with its relationships from cmdb_rel_ci (outbound where it is the parent,
//! inbound where it is the child), the CIs of a class as sys_id and name.

use base64::Engine;
use serde_json::{json, Value};
use servicenow_simulator::http::Request;
use servicenow_simulator::seed_id;

mod common;
use common::Harness;

fn admin(method: &str, url: &str, body: &str) -> Request {
    let credentials = base64::engine::general_purpose::STANDARD.encode("admin:admin");
    Request::new(method, url)
        .with_header("Authorization", &format!("Basic {credentials}"))
        .with_body(body)
}

fn json_of(sim: &mut Harness, request: Request) -> (u16, Value) {
    let response = sim.raw(&request);
    (response.status, response.body_json().unwrap_or(Value::Null))
}

#[test]
fn a_ci_carries_its_relationships_both_ways() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let db = seed_id("cmdb_ci", "sd-db-01");
    let ora = seed_id("cmdb_ci", "oraprod");
    let (status, rel) = json_of(
        &mut sim,
        admin(
            "POST",
            "/api/now/table/cmdb_rel_ci",
            &json!({"parent": ora, "child": db, "type": "0123456789abcdef0123456789abcdef"})
                .to_string(),
        ),
    );
    assert_eq!(status, 201, "{rel}");
    let (status, body) = json_of(
        &mut sim,
        admin("GET", &format!("/api/now/cmdb/instance/cmdb_ci/{db}"), ""),
    );
    assert_eq!(status, 200, "{body}");
    let result = &body["result"];
    assert_eq!(result["attributes"]["sys_id"], db.as_str());
    assert_eq!(result["outbound_relations"], json!([]));
    // The demo seed already relates ORAPROD to its host (Runs on::Runs); the new
    // relationship comes beside it.
    let all_inbound = result["inbound_relations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(all_inbound.len(), 2, "{result}");
    let inbound = all_inbound
        .iter()
        .find(|r| r["sys_id"] == rel["result"]["sys_id"])
        .unwrap_or_else(|| panic!("the new relationship is inbound: {result}"));
    assert_eq!(inbound["target"]["value"], ora.as_str());
    assert_eq!(inbound["target"]["display_value"], "ORAPROD");

    let (status, _) = json_of(
        &mut sim,
        admin(
            "GET",
            &format!("/api/now/cmdb/instance/cmdb_ci_service/{db}"),
            "",
        ),
    );
    assert_eq!(status, 404, "a server is not a service");
    let (status, _) = json_of(
        &mut sim,
        admin("GET", "/api/now/cmdb/instance/incident", ""),
    );
    assert_eq!(status, 400, "not a CI class");
}

#[test]
fn a_class_lists_its_cis_as_sys_id_and_name() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let (status, body) = json_of(
        &mut sim,
        admin("GET", "/api/now/cmdb/instance/cmdb_ci_server", ""),
    );
    assert_eq!(status, 200);
    let mut names: Vec<&str> = body["result"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    names.sort();
    assert_eq!(names, ["sd-app-01", "sd-db-01", "sd-sql-01"]);
    assert_eq!(body["result"][0].as_object().map(|o| o.len()), Some(2));
}
