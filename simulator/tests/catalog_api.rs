//! The Service Catalog API of the simulator on the repository's specs and demo seed:
//! items found by text, an item with its variables and choices, order_now writing one
//! sc_request and one sc_req_item (and nothing when a mandatory variable is missing,
//! the item is unknown or the caller may not insert requests).

use base64::Engine;
use serde_json::{json, Value};
use servicenow_simulator::http::Request;
use servicenow_simulator::seed_id;

mod common;
use common::Harness;

fn as_user(user: &str, method: &str, url: &str, body: &str) -> Request {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{user}"));
    Request::new(method, url)
        .with_header("Authorization", &format!("Basic {credentials}"))
        .with_body(body)
}

fn json_of(sim: &mut Harness, request: Request) -> (u16, Value) {
    let response = sim.raw(&request);
    (response.status, response.body_json().unwrap_or(Value::Null))
}

fn count(sim: &Harness, table: &str) -> usize {
    sim.sim.store().rows(table).len()
}

#[test]
fn items_are_found_by_words_of_their_name_or_descriptions() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let cases = [
        ("vpn", vec!["Request VPN access"]),
        ("REMOTE network", vec!["Request VPN access"]),
        ("laptop", vec!["Standard Laptop"]),
        ("nothing-like-this", vec![]),
    ];
    for (text, expected) in cases {
        let url = format!(
            "/api/sn_sc/servicecatalog/items?sysparm_text={}",
            text.replace(' ', "%20")
        );
        let (status, body) = json_of(&mut sim, as_user("itil", "GET", &url, ""));
        assert_eq!(status, 200, "{body}");
        let names: Vec<&str> = body["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, expected, "{text}");
    }
    let (_, all) = json_of(
        &mut sim,
        as_user(
            "itil",
            "GET",
            "/api/sn_sc/servicecatalog/items?sysparm_limit=2",
            "",
        ),
    );
    assert_eq!(all["result"].as_array().unwrap().len(), 2);
    let (status, _) = json_of(
        &mut sim,
        Request::new("GET", "/api/sn_sc/servicecatalog/items"),
    );
    assert_eq!(status, 401, "the API needs a caller");
}

#[test]
fn an_item_carries_its_variables_in_form_order_with_choices() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let vpn = seed_id("sc_cat_item", "vpn_access");
    let (status, body) = json_of(
        &mut sim,
        as_user(
            "itil",
            "GET",
            &format!("/api/sn_sc/servicecatalog/items/{vpn}"),
            "",
        ),
    );
    assert_eq!(status, 200, "{body}");
    let variables = body["result"]["variables"].as_array().unwrap();
    let names: Vec<&str> = variables
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "access_level",
            "business_justification",
            "start_date",
            "hardware_token"
        ]
    );
    assert_eq!(variables[0]["type"], json!(5));
    assert_eq!(variables[0]["mandatory"], json!(true));
    assert_eq!(variables[0]["label"], json!("Access level"));
    assert_eq!(
        variables[0]["choices"],
        json!([{"index": 0, "label": "Standard", "value": "standard"},
               {"index": 1, "label": "Administrator", "value": "admin"}])
    );
    let laptop = seed_id("sc_cat_item", "standard_laptop");
    let (_, body) = json_of(
        &mut sim,
        as_user(
            "itil",
            "GET",
            &format!("/api/sn_sc/servicecatalog/items/{laptop}"),
            "",
        ),
    );
    assert_eq!(
        body["result"]["variables"][0]["reference"],
        json!("sys_user")
    );
    assert_eq!(body["result"]["price"], json!("$1,100.00"));
    let (status, _) = json_of(
        &mut sim,
        as_user(
            "itil",
            "GET",
            "/api/sn_sc/servicecatalog/items/0123456789abcdef0123456789abcdef",
            "",
        ),
    );
    assert_eq!(status, 404);
}

#[test]
fn order_now_writes_one_request_and_its_item() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let vpn = seed_id("sc_cat_item", "vpn_access");
    let (requests, items) = (count(&sim, "sc_request"), count(&sim, "sc_req_item"));
    let body = json!({"sysparm_quantity": "2", "variables": {
        "access_level": "admin", "business_justification": "On-call support"}});
    let (status, answer) = json_of(
        &mut sim,
        as_user(
            "itil",
            "POST",
            &format!("/api/sn_sc/servicecatalog/items/{vpn}/order_now"),
            &body.to_string(),
        ),
    );
    assert_eq!(status, 200, "{answer}");
    let result = &answer["result"];
    assert_eq!(result["table"], json!("sc_request"));
    let number = result["number"].as_str().unwrap();
    assert!(number.starts_with("REQ"), "{number}");
    assert_eq!(result["request_number"], result["number"]);
    assert_eq!(result["request_id"], result["sys_id"]);
    assert_eq!(count(&sim, "sc_request"), requests + 1);
    assert_eq!(count(&sim, "sc_req_item"), items + 1);

    let request_id = result["sys_id"].as_str().unwrap();
    let url = format!("/api/now/table/sc_req_item?sysparm_query=request%3D{request_id}");
    let (status, listed) = json_of(&mut sim, as_user("itil", "GET", &url, ""));
    assert_eq!(status, 200, "{listed}");
    let ritm = &listed["result"][0];
    assert!(ritm["number"].as_str().unwrap().starts_with("RITM"));
    assert_eq!(ritm["cat_item"]["value"], json!(vpn));
    assert_eq!(ritm["quantity"], json!("2"));
    assert_eq!(ritm["state"], json!("1"));
    assert_eq!(
        ritm["requested_for"]["value"],
        json!(seed_id("sys_user", "itil"))
    );
}

#[test]
fn order_now_for_someone_else_stores_them_on_the_request_and_its_item() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let vpn = seed_id("sc_cat_item", "vpn_access");
    let alice = seed_id("sys_user", "alice.johnson");
    let body = json!({"sysparm_requested_for": alice, "variables": {
        "access_level": "standard", "business_justification": "New starter"}});
    let url = format!("/api/sn_sc/servicecatalog/items/{vpn}/order_now");
    let (status, answer) = json_of(&mut sim, as_user("itil", "POST", &url, &body.to_string()));
    assert_eq!(status, 200, "{answer}");
    let request_id = answer["result"]["sys_id"].as_str().unwrap();
    let request = format!("/api/now/table/sc_request/{request_id}");
    let (_, req) = json_of(&mut sim, as_user("itil", "GET", &request, ""));
    assert_eq!(
        req["result"]["requested_for"]["value"],
        json!(alice),
        "{req}"
    );
    let items = format!("/api/now/table/sc_req_item?sysparm_query=request%3D{request_id}");
    let (_, listed) = json_of(&mut sim, as_user("itil", "GET", &items, ""));
    assert_eq!(listed["result"][0]["requested_for"]["value"], json!(alice));
}

#[test]
fn refused_orders_write_nothing() {
    let mut sim = Harness {
        now: 0,
        ..Harness::repository()
    };
    let vpn = seed_id("sc_cat_item", "vpn_access");
    let order = |id: &str| format!("/api/sn_sc/servicecatalog/items/{id}/order_now");
    let cases = [
        (
            "missing mandatory",
            "itil",
            order(&vpn),
            json!({"variables": {"access_level": "admin"}}).to_string(),
            400,
            "Mandatory Variables are required",
        ),
        (
            "blank mandatory",
            "itil",
            order(&vpn),
            json!({"variables": {"access_level": "admin", "business_justification": "  "}}).to_string(),
            400,
            "Mandatory Variables are required",
        ),
        (
            "unknown item",
            "itil",
            order("0123456789abcdef0123456789abcdef"),
            "{}".to_string(),
            404,
            "Catalog item not found",
        ),
        (
            "no insert ACL",
            "readonly",
            order(&vpn),
            json!({"variables": {"access_level": "admin", "business_justification": "x"}}).to_string(),
            403,
            "Operation Failed",
        ),
        (
            "bad quantity",
            "itil",
            order(&vpn),
            json!({"sysparm_quantity": "0", "variables": {"access_level": "admin", "business_justification": "x"}}).to_string(),
            400,
            "sysparm_quantity must be a positive integer",
        ),
        (
            "requested for no user",
            "itil",
            order(&vpn),
            json!({"sysparm_requested_for": "0123456789abcdef0123456789abcdef", "variables": {"access_level": "admin", "business_justification": "x"}}).to_string(),
            400,
            "Invalid sysparm_requested_for",
        ),
    ];
    for (case, user, url, body, status, message) in cases {
        let (requests, items) = (count(&sim, "sc_request"), count(&sim, "sc_req_item"));
        let (got, answer) = json_of(&mut sim, as_user(user, "POST", &url, &body));
        assert_eq!(got, status, "{case}: {answer}");
        assert_eq!(answer["error"]["message"], json!(message), "{case}");
        assert_eq!(count(&sim, "sc_request"), requests, "{case}");
        assert_eq!(count(&sim, "sc_req_item"), items, "{case}");
    }
    let (status, _) = json_of(&mut sim, as_user("itil", "GET", &order(&vpn), ""));
    assert_eq!(status, 405);
}
