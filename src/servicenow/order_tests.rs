//! Orders, forms and catalog search through `call_tool` over `ScriptedUpstream`, with the
//! builtin catalog's own sc_cat_item tools: the requests sent, in order, and the results.

use super::super::{call_tool, CallOutcome, UpstreamContext};
use crate::ports::{ManualClock, MemoryKv, ScriptedUpstream};
use crate::store::{AccountAuth, IntegratedAccount};
use futures::executor::block_on;
use serde_json::{json, Value};
use snmcp_catalog::{Catalog, ToolFilter};

const INSTANCE: &str = "https://dev1.service-now.com";
const ITEM: &str = "0123456789abcdef0123456789abcdef";
const REQUEST: &str = "fedcba9876543210fedcba9876543210";

struct Run {
    upstream: ScriptedUpstream,
}

impl Run {
    fn new(replies: &[(u16, Value)]) -> Run {
        let upstream = ScriptedUpstream::new();
        for (status, body) in replies {
            upstream.push_json(*status, body.clone());
        }
        Run { upstream }
    }

    fn call(&self, tool: &str, args: Value) -> CallOutcome {
        let clock = ManualClock::at_secs(1_700_000_000);
        let kv = MemoryKv::new(&clock);
        let ctx = UpstreamContext {
            kv: &kv,
            upstream: &self.upstream,
            clock: &clock,
            sealing_key: None,
            timeout_ms: 25_000,
            upload_max_bytes: crate::limits::DEFAULT_UPLOAD_MAX_BYTES,
        };
        let account = IntegratedAccount {
            id: "acc_1".into(),
            instance_url: INSTANCE.into(),
            auth: AccountAuth::Basic {
                username: "svc".into(),
                password: "secret-password".into(),
            },
            generation: "gen_1".into(),
        };
        let catalog = Catalog::builtin().unwrap();
        let tool = catalog.find(tool, &ToolFilter::default()).unwrap();
        let call = catalog.check_call(tool, Some(&args)).unwrap();
        let everything = snmcp_catalog::ToolFilter::default();
        let scope =
            crate::servicenow::Scope::new(snmcp_catalog::Catalog::builtin().unwrap(), &everything);
        block_on(call_tool(&ctx, &account, &scope, tool, call))
    }

    fn lines(&self) -> Vec<String> {
        self.upstream
            .requests
            .borrow()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }

    fn body(&self, i: usize) -> Value {
        serde_json::from_slice(&self.upstream.requests.borrow()[i].body).unwrap()
    }
}

fn item() -> Value {
    json!({"result": {"sys_id": ITEM, "name": "Request VPN access", "variables": [
        {"name": "access_level", "label": "Access level", "type": 5, "mandatory": true,
         "choices": [{"value": "standard", "label": "Standard"}, {"value": "admin", "label": "Administrator"}]},
        {"name": "business_justification", "label": "Business justification", "type": 6, "mandatory": true},
        {"name": "hardware_token", "label": "Hardware token", "type": 7, "mandatory": false}
    ]}})
}

fn ordered() -> Value {
    json!({"result": {"sys_id": REQUEST, "number": "REQ0010001", "request_number": "REQ0010001",
                      "request_id": REQUEST, "table": "sc_request"}})
}

fn items() -> Value {
    json!({"result": [{"sys_id": "aa", "number": {"value": "RITM0010001", "display_value": "RITM0010001"},
                       "state": {"value": "1", "display_value": "Open"},
                       "quantity": {"value": "1", "display_value": "1"}}]})
}

const ORDER: &str = "order_now_service_now_sc_cat_item";

fn failure_text(outcome: CallOutcome) -> String {
    match outcome {
        CallOutcome::Failure { message, .. } => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_valid_order_reads_the_form_posts_then_lists_the_requested_items() {
    let run = Run::new(&[(200, item()), (200, ordered()), (200, items())]);
    let outcome = run.call(
        ORDER,
        json!({"id": ITEM, "quantity": 2, "variables": {
            "access_level": "admin", "business_justification": "On call", "hardware_token": true}}),
    );
    let lines = run.lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(
        lines[0],
        format!("GET {INSTANCE}/api/sn_sc/servicecatalog/items/{ITEM}")
    );
    assert_eq!(
        lines[1],
        format!("POST {INSTANCE}/api/sn_sc/servicecatalog/items/{ITEM}/order_now")
    );
    assert_eq!(
        run.body(1),
        json!({"sysparm_quantity": "2", "variables": {
            "access_level": "admin", "business_justification": "On call", "hardware_token": "true"}})
    );
    assert!(
        lines[2].starts_with(&format!(
            "GET {INSTANCE}/api/now/table/sc_req_item?sysparm_query=request%3D{REQUEST}&sysparm_fields=sys_id%2Cnumber%2Ccat_item%2Cquantity%2Cstate%2Cstage"
        )),
        "{}",
        lines[2]
    );
    let CallOutcome::Success {
        structured, link, ..
    } = outcome
    else {
        panic!("order failed: {outcome:?}");
    };
    assert_eq!(structured["result"]["number"], json!("REQ0010001"));
    assert_eq!(
        structured["result"]["items"],
        json!([{"sys_id": "aa", "number": "RITM0010001", "state": "1", "quantity": "1",
                "display_values": {"state": "Open"}}])
    );
    let link = link.expect("a link to the request");
    assert_eq!(link.name, "REQ0010001");
    assert!(
        link.uri
            .ends_with(&format!("sc_request.do%3Fsys_id%3D{REQUEST}")),
        "{}",
        link.uri
    );
}

#[test]
fn an_order_that_does_not_match_the_form_posts_nothing() {
    let cases = [
        (
            "missing mandatory",
            json!({"access_level": "standard"}),
            "missing mandatory variable 'business_justification' (Business justification)",
        ),
        (
            "wrong type",
            json!({"access_level": "standard", "business_justification": "x", "hardware_token": "maybe"}),
            "variable 'hardware_token' (Hardware token) must be true or false, got \"maybe\"",
        ),
        (
            "not a choice",
            json!({"access_level": "root", "business_justification": "x"}),
            "variable 'access_level' (Access level) must be one of \"standard\" (Standard), \"admin\" (Administrator), got \"root\"",
        ),
        (
            "unknown",
            json!({"access_level": "standard", "business_justification": "x", "colour": "red"}),
            "unknown variable 'colour'",
        ),
    ];
    for (case, variables, expected) in cases {
        let run = Run::new(&[(200, item())]);
        let message = failure_text(run.call(ORDER, json!({"id": ITEM, "variables": variables})));
        assert!(
            message.starts_with("Nothing was ordered"),
            "{case}: {message}"
        );
        assert!(message.contains(expected), "{case}: {message}");
        assert_eq!(run.lines().len(), 1, "{case}: only the form was read");
    }
}

#[test]
fn an_unknown_item_is_reported_from_the_form_read_and_nothing_is_posted() {
    let run = Run::new(&[(
        404,
        json!({"error": {"message": "No Record found", "detail": ""}, "status": "failure"}),
    )]);
    let message = failure_text(run.call(ORDER, json!({"id": ITEM, "variables": {}})));
    assert!(message.contains("HTTP 404"), "{message}");
    assert_eq!(run.lines().len(), 1);
}

#[test]
fn a_failed_follow_up_read_keeps_the_order_and_says_so() {
    let run = Run::new(&[
        (200, item()),
        (200, ordered()),
        (403, json!({"error": {"message": "Operation Failed"}})),
    ]);
    let outcome = run.call(
        ORDER,
        json!({"id": ITEM, "variables": {"access_level": "admin", "business_justification": "x"}}),
    );
    let CallOutcome::Success { structured, .. } = outcome else {
        panic!("the order happened: {outcome:?}");
    };
    assert_eq!(structured["result"]["number"], json!("REQ0010001"));
    assert!(structured["result"].get("items").is_none());
    assert!(structured["result"]["items_note"]
        .as_str()
        .unwrap()
        .contains("HTTP 403"));
}

#[test]
fn show_variables_returns_the_schema_an_order_is_checked_against() {
    let run = Run::new(&[(200, item())]);
    let outcome = run.call(
        "show_variables_service_now_sc_cat_item",
        json!({"id": ITEM}),
    );
    assert_eq!(
        run.lines(),
        vec![format!(
            "GET {INSTANCE}/api/sn_sc/servicecatalog/items/{ITEM}"
        )]
    );
    let CallOutcome::Success { structured, .. } = outcome else {
        panic!("{outcome:?}");
    };
    let result = &structured["result"];
    assert!(result.get("variables").is_none());
    assert_eq!(result["name"], json!("Request VPN access"));
    let schema = &result["variables_schema"];
    assert_eq!(
        schema["required"],
        json!(["access_level", "business_justification"])
    );
    assert_eq!(
        schema["properties"]["hardware_token"]["type"],
        json!("boolean")
    );
    // The same schema the order's check compiles.
    let form =
        snmcp_catalog::VariableForm::from_answer(item().pointer("/result/variables")).unwrap();
    assert_eq!(schema, &form.schema());
}

#[test]
fn search_sends_the_text_and_paging_only() {
    let run = Run::new(&[(
        200,
        json!({"result": [{"sys_id": ITEM, "name": "Request VPN access"}]}),
    )]);
    let outcome = run.call(
        "search_service_now_sc_cat_item",
        json!({"text": "vpn access", "limit": 5}),
    );
    assert_eq!(
        run.lines(),
        vec![format!(
            "GET {INSTANCE}/api/sn_sc/servicecatalog/items?sysparm_limit=5&sysparm_offset=0&sysparm_text=vpn%20access"
        )]
    );
    let CallOutcome::Success { structured, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(structured["result"][0]["name"], json!("Request VPN access"));
}

#[test]
fn the_order_tool_is_a_write_a_read_only_server_never_keeps() {
    let catalog = Catalog::builtin().unwrap();
    let read_only = ToolFilter {
        methods: Some(vec!["read".into()]),
        ..ToolFilter::default()
    };
    assert!(catalog.find(ORDER, &read_only).is_none());
    for read in [
        "search_service_now_sc_cat_item",
        "show_variables_service_now_sc_cat_item",
    ] {
        let tool = catalog.find(read, &read_only).expect(read);
        assert_eq!(tool.definition["annotations"]["readOnlyHint"], json!(true));
    }
    let order = catalog.find(ORDER, &ToolFilter::default()).unwrap();
    assert_eq!(
        order.definition["annotations"],
        json!({"readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": true})
    );
    let schema = &order.definition["inputSchema"];
    assert_eq!(schema["required"], json!(["id"]));
    // {name, value} pairs: strict function schemas cannot express an open object.
    assert_eq!(schema["properties"]["variables"]["type"], json!("array"));
    let pairs = catalog
        .check_call(
            order,
            Some(&json!({"id": ITEM, "variables": [{"name": "hardware_token", "value": "true"}]})),
        )
        .unwrap();
    let object = catalog
        .check_call(
            order,
            Some(&json!({"id": ITEM, "variables": {"hardware_token": true}})),
        )
        .unwrap();
    assert_eq!(
        pairs.variables, object.variables,
        "the object form still works"
    );
    assert_eq!(pairs.variables.unwrap()["hardware_token"], json!("true"));
    assert_eq!(schema["properties"]["quantity"]["minimum"], json!(1));
    assert!(schema.get("minProperties").is_none());
    // A quantity outside 1-100 is refused before any request.
    let refused = catalog.check_call(order, Some(&json!({"id": ITEM, "quantity": 0})));
    assert!(refused.is_err());
}

const ALICE: &str = "62826bf03710200044e0bfc8bcbe5df1";

fn alice() -> Value {
    json!({"result": [{"sys_id": ALICE, "name": "Alice Johnson", "user_name": "alice.johnson"}]})
}

#[test]
fn requested_for_given_by_name_is_looked_up_first_and_sent_as_its_sys_id() {
    let run = Run::new(&[
        (200, alice()),
        (200, item()),
        (200, ordered()),
        (200, items()),
    ]);
    let outcome = run.call(
        ORDER,
        json!({"id": ITEM, "requested_for": " alice.johnson ", "variables": {
            "access_level": "standard", "business_justification": "New starter"}}),
    );
    assert!(
        matches!(outcome, CallOutcome::Success { .. }),
        "{outcome:?}"
    );
    let lines = run.lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert_eq!(
        lines[0],
        format!("GET {INSTANCE}/api/now/table/sys_user?sysparm_query=user_name%3Dalice.johnson%5EORemail%3Dalice.johnson%5EORname%3Dalice.johnson&sysparm_fields=sys_id%2Cname%2Cuser_name%2Cemail&sysparm_limit=6")
    );
    assert_eq!(
        run.body(2),
        json!({"sysparm_quantity": "1", "sysparm_requested_for": ALICE, "variables": {
            "access_level": "standard", "business_justification": "New starter"}})
    );
}

#[test]
fn requested_for_given_as_a_sys_id_is_sent_without_a_lookup() {
    let run = Run::new(&[(200, item()), (200, ordered()), (200, items())]);
    let outcome = run.call(
        ORDER,
        json!({"id": ITEM, "requested_for": ALICE.to_uppercase(), "variables": {
            "access_level": "standard", "business_justification": "x"}}),
    );
    assert!(
        matches!(outcome, CallOutcome::Success { .. }),
        "{outcome:?}"
    );
    let lines = run.lines();
    assert_eq!(lines.len(), 3, "no lookup: {lines:#?}");
    assert_eq!(run.body(1)["sysparm_requested_for"], json!(ALICE));
}

#[test]
fn without_requested_for_the_order_leaves_servicenow_s_default() {
    let run = Run::new(&[(200, item()), (200, ordered()), (200, items())]);
    run.call(
        ORDER,
        json!({"id": ITEM, "variables": {"access_level": "standard", "business_justification": "x"}}),
    );
    assert!(run.body(1).get("sysparm_requested_for").is_none());
}

#[test]
fn an_ambiguous_unknown_or_blank_requested_for_orders_nothing() {
    let two = json!({"result": [
        {"sys_id": ALICE, "name": "Alice Johnson", "user_name": "alice.johnson"},
        {"sys_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "name": "Alice Johnson", "user_name": "alice.j2"}]});
    let cases = [
        (
            "ambiguous",
            "Alice Johnson",
            Some(two),
            "requested_for is ambiguous: 2 sys_user records",
        ),
        (
            "unknown",
            "Nobody Here",
            Some(json!({"result": []})),
            "requested_for: no sys_user records whose user_name, email or name is \"Nobody Here\"",
        ),
        // Spaces are not "not given" (that is "" or null): refused before anything.
        ("blank", "  ", None, "requested_for is empty"),
    ];
    for (case, value, lookup, expected) in cases {
        let replies: Vec<(u16, Value)> = lookup.into_iter().map(|l| (200, l)).collect();
        let run = Run::new(&replies);
        let message = failure_text(run.call(
            ORDER,
            json!({"id": ITEM, "requested_for": value, "variables": {
                "access_level": "standard", "business_justification": "x"}}),
        ));
        assert!(message.contains(expected), "{case}: {message}");
        let lines = run.lines();
        assert_eq!(
            lines.len(),
            replies.len(),
            "{case}: only the lookup: {lines:#?}"
        );
        assert!(
            lines.iter().all(|l| l.starts_with("GET ")),
            "{case}: {lines:#?}"
        );
    }
}
