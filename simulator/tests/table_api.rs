//! Table API behaviour through `Simulator::handle` (no sockets, fixed clock), against
//! the fixture specs and the demo seed.

mod common;

use common::{json, results, str_field, Harness, NOW};
use serde_json::{json, Value};
use servicenow_simulator::ratelimit::RateLimit;
use servicenow_simulator::{seed_id, Request, SeedKind, Settings};

const INCIDENTS: &str = "/api/now/table/incident";

fn alice() -> String {
    seed_id("sys_user", "alice.johnson")
}

#[test]
fn list_pages_with_total_count_and_link_header() {
    let mut h = Harness::demo();
    let first = h.get(
        "admin",
        "/api/now/table/incident?sysparm_limit=10&sysparm_query=ORDERBYnumber",
    );
    assert_eq!(first.status, 200);
    let total: usize = first
        .header("X-Total-Count")
        .and_then(|t| t.parse().ok())
        .expect("X-Total-Count");
    assert!(total >= 25, "demo seed has {total} incidents");
    let rows = results(&first);
    assert_eq!(rows.len(), 10);
    assert_eq!(str_field(&rows[0], "number"), "INC0010001");
    let link = first.header("Link").expect("Link header");
    let last_offset = (total - 1) / 10 * 10;
    assert!(link.contains("sysparm_offset=0>;rel=\"first\""), "{link}");
    assert!(link.contains("sysparm_offset=10>;rel=\"next\""), "{link}");
    assert!(
        link.contains(&format!("sysparm_offset={last_offset}>;rel=\"last\"")),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""), "{link}");
    assert!(
        link.starts_with(
            "<http://sim.test/api/now/table/incident?sysparm_limit=10&sysparm_query=ORDERBYnumber&"
        ),
        "{link}"
    );

    let last = h.get("admin", &format!("/api/now/table/incident?sysparm_limit=10&sysparm_offset={last_offset}&sysparm_query=ORDERBYnumber"));
    assert_eq!(results(&last).len(), total - last_offset);
    let link = last.header("Link").expect("Link header");
    assert!(
        link.contains("rel=\"prev\"") && !link.contains("rel=\"next\""),
        "{link}"
    );

    let quiet = h.get("admin", "/api/now/table/incident?sysparm_limit=5&sysparm_no_count=true&sysparm_suppress_pagination_header=true");
    assert_eq!(quiet.header("X-Total-Count"), None);
    assert_eq!(quiet.header("Link"), None);
    assert_eq!(results(&quiet).len(), 5);
}

#[test]
fn negative_offset_is_a_400() {
    let mut h = Harness::demo();
    let response = h.get("admin", "/api/now/table/incident?sysparm_offset=-1");
    assert_eq!(response.status, 400);
    assert_eq!(
        json(&response),
        json!({"error": {"message": "Negative offset is not supported", "detail": null}, "status": "failure"})
    );
}

#[test]
fn encoded_queries_filter_and_sort() {
    let mut h = Harness::demo();
    type Check = Box<dyn Fn(&[Value]) -> bool>;
    let cases: [(&str, Check); 8] = [
        (
            "active=true^priority=1",
            Box::new(|rows| {
                !rows.is_empty()
                    && rows.iter().all(|r| {
                        str_field(r, "priority") == "1" && str_field(r, "active") == "true"
                    })
            }),
        ),
        (
            "caller_id.name=Alice Johnson",
            Box::new(|rows| {
                rows.len() >= 5 && rows.iter().all(|r| str_field(r, "caller_id") == alice())
            }),
        ),
        ("short_descriptionLIKEvpn", Box::new(|rows| rows.len() == 2)),
        (
            "stateIN6,7^ORDERBYDESCnumber",
            Box::new(|rows| {
                rows.len() >= 4
                    && rows
                        .windows(2)
                        .all(|w| str_field(&w[0], "number") > str_field(&w[1], "number"))
            }),
        ),
        (
            "assigned_toISEMPTY^active=true",
            Box::new(|rows| {
                !rows.is_empty() && rows.iter().all(|r| str_field(r, "assigned_to").is_empty())
            }),
        ),
        ("123TEXTQUERY321=payment", Box::new(|rows| rows.len() >= 3)),
        (
            "u_not_a_field=1^numberSTARTSWITHINC001000",
            Box::new(|rows| rows.len() == 9),
        ),
        (
            "state=1^NQstate=3",
            Box::new(|rows| {
                rows.iter()
                    .all(|r| ["1", "3"].contains(&str_field(r, "state")))
                    && !rows.is_empty()
            }),
        ),
    ];
    for (query, check) in cases {
        let encoded: String = form_encode(query);
        let response = h.get(
            "admin",
            &format!("{INCIDENTS}?sysparm_exclude_reference_link=true&sysparm_query={encoded}"),
        );
        assert_eq!(response.status, 200, "{query}");
        let rows = results(&response);
        assert!(
            check(&rows),
            "query {query} returned {} rows: {:?}",
            rows.len(),
            rows.iter()
                .map(|r| str_field(r, "number"))
                .collect::<Vec<_>>()
        );
    }
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[test]
fn references_and_display_values_render_per_parameters() {
    let mut h = Harness::demo();
    let url = format!("{INCIDENTS}?sysparm_limit=1&sysparm_query=number%3DINC0010001&sysparm_fields=number,caller_id,caller_id.name,state");
    let plain = results(&h.get("admin", &url)).remove(0);
    assert_eq!(
        plain["caller_id"],
        json!({"link": format!("http://sim.test/api/now/table/sys_user/{}", alice()), "value": alice()})
    );
    assert_eq!(plain["caller_id.name"], "Alice Johnson");
    assert_eq!(plain["state"], "2");
    assert_eq!(plain.as_object().map(|o| o.len()), Some(4));

    let display = results(&h.get(
        "admin",
        &format!("{url}&sysparm_display_value=true&sysparm_exclude_reference_link=true"),
    ))
    .remove(0);
    assert_eq!(display["caller_id"], "Alice Johnson");
    assert_eq!(display["state"], "In Progress");

    let all = results(&h.get("admin", &format!("{url}&sysparm_display_value=all"))).remove(0);
    assert_eq!(
        all["state"],
        json!({"display_value": "In Progress", "value": "2"})
    );
    assert_eq!(all["caller_id"]["display_value"], "Alice Johnson");
    assert_eq!(all["caller_id"]["value"], Value::String(alice()));
}

#[test]
fn create_fills_platform_defaults_and_returns_201_with_location() {
    let mut h = Harness::demo();
    let body = json!({"short_description": "Core Database Cluster Unreachable", "caller_id": alice(), "impact": 1, "urgency": "1", "sys_id": "ffffffffffffffffffffffffffffffff", "number": ""});
    let response = h.call("itil", "POST", INCIDENTS, Some(&body.to_string()));
    assert_eq!(response.status, 201);
    let record = json(&response)["result"].clone();
    let sys_id = str_field(&record, "sys_id").to_string();
    assert_eq!(sys_id.len(), 32);
    assert_ne!(
        sys_id, "ffffffffffffffffffffffffffffffff",
        "sys_* fields in the body are ignored"
    );
    assert_eq!(
        response.header("Location"),
        Some(format!("http://sim.test/api/now/table/incident/{sys_id}").as_str())
    );
    let itil = seed_id("sys_user", "itil");
    for (field, expected) in [
        ("number", json!("INC0010029")),
        ("state", json!("1")),
        ("priority", json!("1")),
        ("impact", json!("1")),
        ("active", json!("true")),
        ("sys_mod_count", json!("0")),
        ("sys_created_by", json!("itil")),
        ("sys_created_on", json!("2025-06-10 12:00:00")),
        ("opened_at", json!("2025-06-10 12:00:00")),
        ("sys_class_name", json!("incident")),
        (
            "opened_by",
            json!({"link": format!("http://sim.test/api/now/table/sys_user/{itil}"), "value": itil}),
        ),
    ] {
        assert_eq!(record.get(field), Some(&expected), "{field}");
    }
    assert!(
        record.get("close_notes").is_none(),
        "itil may not read close_notes"
    );
}

#[test]
fn update_recomputes_priority_counts_mods_and_appends_journal() {
    let mut h = Harness::demo();
    let id = seed_id("incident", "inc02");
    h.now = NOW + 60;
    let body = json!({"urgency": 1, "impact": 1, "work_notes": "Rebooted the secondary cluster, monitoring telemetry", "state": "2", "u_unknown": "x"});
    let response = h.call(
        "itil",
        "PATCH",
        &format!("{INCIDENTS}/{id}"),
        Some(&body.to_string()),
    );
    assert_eq!(response.status, 200);
    let record = json(&response)["result"].clone();
    assert_eq!(record["priority"], "1");
    assert_eq!(record["sys_mod_count"], "1");
    assert_eq!(record["sys_updated_by"], "itil");
    assert_eq!(record["sys_updated_on"], "2025-06-10 12:01:00");
    assert_eq!(record["work_notes"], "", "journal fields read as empty");
    assert!(record.get("u_unknown").is_none());

    let journal = json(&h.send(Request::new("GET", "/__sim/tables/sys_journal_field")));
    let entry = journal["result"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["element_id"] == Value::String(id.clone()))
        })
        .cloned()
        .expect("journal entry for the update");
    assert_eq!(entry["element"], "work_notes");
    assert_eq!(entry["name"], "incident");
    assert_eq!(
        entry["value"],
        "Rebooted the secondary cluster, monitoring telemetry"
    );
    assert_eq!(entry["sys_created_by"], "itil");

    let shown = h.get(
        "admin",
        &format!("{INCIDENTS}/{id}?sysparm_fields=work_notes&sysparm_display_value=true"),
    );
    let history = json(&shown)["result"]["work_notes"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        history.contains("ITIL User (Work notes)\nRebooted the secondary cluster"),
        "{history}"
    );

    let log = json(&h.send(Request::new("GET", "/__sim/requests")));
    let notes = log[0]["notes"].to_string();
    assert!(notes.contains("u_unknown"), "{notes}");

    let unchanged = h.call(
        "admin",
        "PUT",
        &format!("{INCIDENTS}/{id}"),
        Some(&json!({"state": "2"}).to_string()),
    );
    assert_eq!(
        json(&unchanged)["result"]["sys_mod_count"],
        "1",
        "a no-op update is not written"
    );
}

#[test]
fn resolving_needs_resolution_code_and_notes() {
    let mut h = Harness::demo();
    let id = seed_id("incident", "inc01");
    let url = format!("{INCIDENTS}/{id}");
    let refused = h.call(
        "admin",
        "PATCH",
        &url,
        Some(r#"{"state": "6", "close_code": "Solution provided"}"#),
    );
    assert_eq!(refused.status, 403);
    assert_eq!(
        json(&refused),
        json!({"error": {"message": "Operation Failed", "detail": "Data Policy Exception: The following fields are mandatory: Resolution notes"}, "status": "failure"})
    );
    let resolved = h.call("admin", "PATCH", &url, Some(r#"{"state": 6, "close_code": "Solution provided", "close_notes": "Reset the VPN profile"}"#));
    assert_eq!(resolved.status, 200);
    let record = json(&resolved)["result"].clone();
    assert_eq!(record["resolved_at"], "2025-06-10 12:00:00");
    assert_eq!(record["active"], "true");
    let closed = h.call("admin", "PATCH", &url, Some(r#"{"state": "7"}"#));
    assert_eq!(json(&closed)["result"]["active"], "false");
}

#[test]
fn acls_drop_fields_hide_rows_and_refuse_writes() {
    let mut h = Harness::demo();
    let user = h.get("itil", &format!("/api/now/table/sys_user/{}", alice()));
    let record = json(&user)["result"].clone();
    assert_eq!(record["name"], "Alice Johnson");
    assert!(
        record.get("phone").is_none() && record.get("mobile_phone").is_none(),
        "{record}"
    );
    let as_admin =
        json(&h.get("admin", &format!("/api/now/table/sys_user/{}", alice())))["result"].clone();
    assert!(as_admin.get("phone").is_some_and(|p| p != ""));

    let admin_security = results(&h.get(
        "admin",
        &format!("{INCIDENTS}?sysparm_query=category%3Dsecurity"),
    ));
    assert!(admin_security.len() >= 2);
    let itil_page = h.get(
        "itil",
        &format!("{INCIDENTS}?sysparm_query=category%3Dsecurity"),
    );
    assert_eq!(results(&itil_page).len(), 0, "row ACL hides them");
    assert_eq!(
        itil_page.header("X-Total-Count"),
        Some(admin_security.len().to_string().as_str()),
        "the count includes hidden rows"
    );
    let hidden_id = str_field(&admin_security[0], "sys_id").to_string();
    let hidden = h.get("itil", &format!("{INCIDENTS}/{hidden_id}"));
    assert_eq!(hidden.status, 404);
    assert_eq!(
        json(&hidden),
        json!({"error": {"message": "No Record found", "detail": "Record doesn't exist or ACL restricts the record retrieval"}, "status": "failure"})
    );

    let visible_id = seed_id("incident", "inc02");
    let cases = [
        ("itil", "DELETE", "Delete"),
        ("readonly", "PATCH", "Update"),
        ("readonly", "DELETE", "Delete"),
    ];
    for (user, method, op) in cases {
        let response = h.call(
            user,
            method,
            &format!("{INCIDENTS}/{visible_id}"),
            Some("{\"state\":\"2\"}"),
        );
        assert_eq!(response.status, 403, "{user} {method}");
        assert_eq!(
            json(&response)["error"]["detail"],
            format!("ACL Exception {op} Failed due to security constraints")
        );
    }
    let insert = h.call(
        "readonly",
        "POST",
        INCIDENTS,
        Some("{\"short_description\":\"x\"}"),
    );
    assert_eq!(
        json(&insert)["error"]["detail"],
        "ACL Exception Insert Failed due to security constraints"
    );
}

#[test]
fn short_pages_when_row_acls_hide_rows_after_the_limit() {
    let mut h = Harness::demo();
    let all = results(&h.get(
        "admin",
        &format!("{INCIDENTS}?sysparm_query=ORDERBYnumber&sysparm_limit=100"),
    ));
    let first_security = all
        .iter()
        .position(|r| str_field(r, "category") == "security")
        .expect("a security incident");
    let page = h.get(
        "itil",
        &format!(
            "{INCIDENTS}?sysparm_query=ORDERBYnumber&sysparm_limit={}",
            first_security + 1
        ),
    );
    assert_eq!(
        results(&page).len(),
        first_security,
        "limit applies before the row ACL"
    );
}

#[test]
fn unknown_table_missing_record_and_wrong_verbs() {
    let mut h = Harness::demo();
    let cases = [
        (
            "GET",
            "/api/now/table/foo",
            400,
            json!({"error": {"message": "Invalid table foo", "detail": null}, "status": "failure"}),
        ),
        (
            "GET",
            "/api/now/v2/table/incident/0123456789abcdef0123456789abcdef",
            404,
            json!({"error": {"message": "No Record found", "detail": "Record doesn't exist or ACL restricts the record retrieval"}, "status": "failure"}),
        ),
        (
            "DELETE",
            "/api/now/table/incident",
            405,
            json!({"error": {"message": "Method not Supported", "detail": "Requested method is not supported by this API"}, "status": "failure"}),
        ),
        (
            "GET",
            "/api/now/table/incident/a/b",
            400,
            json!({"error": {"message": "Requested URI does not represent any resource", "detail": null}, "status": "failure"}),
        ),
    ];
    for (method, url, status, body) in cases {
        let response = h.call("admin", method, url, None);
        assert_eq!(response.status, status, "{method} {url}");
        assert_eq!(json(&response), body, "{method} {url}");
    }
}

#[test]
fn unauthenticated_requests_get_401_with_basic_challenge() {
    let mut h = Harness::demo();
    let cases = [
        Request::new("GET", INCIDENTS),
        Request::new("GET", INCIDENTS)
            .with_header("Authorization", &common::basic("admin", "wrong")),
        Request::new("GET", INCIDENTS).with_header("Authorization", "Bearer not-a-token"),
        Request::new("GET", "/api/now/table/foo").with_header("x-sn-apikey", "wrong"),
    ];
    for request in cases {
        let response = h.send(request);
        assert_eq!(response.status, 401);
        assert_eq!(
            response.header("WWW-Authenticate"),
            Some("Basic realm=\"Service-now\"")
        );
        assert_eq!(
            json(&response),
            json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
        );
    }
    let by_key = h.send(
        Request::new("GET", "/api/now/table/sys_user?sysparm_limit=1")
            .with_header("x-sn-apikey", "sim-api-key-admin"),
    );
    assert_eq!(by_key.status, 200);
}

#[test]
fn oauth_tokens_authenticate_until_they_expire() {
    let mut h = Harness::with(
        SeedKind::Demo,
        Settings {
            token_ttl_secs: 60,
            ..Settings::default()
        },
    );
    let form = "grant_type=password&client_id=mcp-demo-client&client_secret=mcp-demo-secret&username=itil&password=itil";
    let token = h.send(
        Request::new("POST", "/oauth_token.do")
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body(form),
    );
    assert_eq!(token.status, 200);
    let body = json(&token);
    assert_eq!(body["expires_in"], 60);
    let access = format!("Bearer {}", str_field(&body, "access_token"));
    let ok =
        h.send(Request::new("GET", "/api/now/table/problem").with_header("Authorization", &access));
    assert_eq!(ok.status, 200);
    h.now += 60;
    let expired =
        h.send(Request::new("GET", "/api/now/table/problem").with_header("Authorization", &access));
    assert_eq!(expired.status, 401);

    let refused =
        h.send(Request::new("POST", "/oauth_token.do").with_body(
            "grant_type=client_credentials&client_id=mcp-demo-client&client_secret=nope",
        ));
    assert_eq!(refused.status, 401);
    assert_eq!(
        json(&refused),
        json!({"error_description": "access_denied", "error": "server_error"})
    );
}

#[test]
fn rate_limit_answers_429_with_servicenow_headers() {
    let mut h = Harness::with(
        SeedKind::Demo,
        Settings {
            rate_limit: Some(RateLimit {
                limit: 2,
                window_secs: 3600,
            }),
            ..Settings::default()
        },
    );
    let reset = (NOW / 3600 + 1) * 3600;
    for _ in 0..2 {
        let ok = h.get("admin", "/api/now/table/problem");
        assert_eq!(ok.status, 200);
        assert_eq!(ok.header("X-RateLimit-Limit"), Some("2"));
        assert_eq!(
            ok.header("X-RateLimit-Reset"),
            Some(reset.to_string().as_str())
        );
        assert_eq!(ok.header("X-RateLimit-Rule").map(str::len), Some(32));
        assert_eq!(ok.header("X-RateLimit-Remaining"), None);
    }
    let limited = h.get("admin", "/api/now/table/problem");
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.header("Retry-After"),
        Some((reset - NOW).to_string().as_str())
    );
    assert_eq!(
        json(&limited),
        json!({"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 2 requests per hour for Table API exceeded"}, "status": "failure"})
    );
    assert_eq!(
        h.get("itil", "/api/now/table/problem").status,
        200,
        "limits are per user"
    );

    let off = h.send(Request::new("POST", "/__sim/config").with_body(r#"{"rate_limit": null}"#));
    assert_eq!(off.status, 200);
    let free = h.get("admin", "/api/now/table/problem");
    assert_eq!(free.status, 200);
    assert_eq!(free.header("X-RateLimit-Limit"), None);
}

#[test]
fn delete_then_reset_restores_the_seed() {
    let mut h = Harness::demo();
    let id = seed_id("problem", "memory_leak");
    let url = format!("/api/now/table/problem/{id}");
    let problem = json(&h.get("admin", &url))["result"].clone();
    assert_eq!(
        problem["short_description"],
        "Memory Leak in payment service"
    );
    assert_eq!(problem["state"], "102");
    assert_eq!(problem["active"], "true");
    let deleted = h.call("admin", "DELETE", &url, None);
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert_eq!(h.get("admin", &url).status, 404);
    assert_eq!(h.send(Request::new("POST", "/__sim/reset")).status, 200);
    assert_eq!(h.get("admin", &url).status, 200);
}

#[test]
fn no_response_body_header_and_input_display_values() {
    let mut h = Harness::demo();
    let request = Request::new("POST", &format!("{INCIDENTS}?sysparm_input_display_value=true"))
        .with_header("Authorization", &common::basic("admin", "admin"))
        .with_header("X-no-response-body", "true")
        .with_body(r#"{"short_description": "By name", "caller_id": "Alice Johnson", "state": "In Progress", "assigned_to": "Nobody Known"}"#);
    let response = h.send(request);
    assert_eq!(response.status, 201);
    assert!(response.body.is_empty());
    let location = response.header("Location").unwrap_or("").to_string();
    let sys_id = location.rsplit('/').next().unwrap_or("").to_string();
    let record = json(&h.get(
        "admin",
        &format!("{INCIDENTS}/{sys_id}?sysparm_exclude_reference_link=true"),
    ))["result"]
        .clone();
    assert_eq!(record["caller_id"], Value::String(alice()));
    assert_eq!(record["state"], "2");
    assert_eq!(
        record["assigned_to"], "Nobody Known",
        "unresolvable references are stored as given"
    );
}

#[test]
fn child_classes_show_in_parent_tables() {
    let mut h = Harness::demo();
    let servers = results(&h.get(
        "admin",
        "/api/now/table/cmdb_ci_server?sysparm_fields=name,sys_class_name",
    ));
    let names: Vec<&str> = servers.iter().map(|s| str_field(s, "name")).collect();
    assert!(
        names.contains(&"sd-app-01") && names.contains(&"sd-db-01"),
        "{names:?}"
    );
    assert!(!names.contains(&"Payment Service"));
    let all = results(&h.get("admin", "/api/now/table/cmdb_ci?sysparm_fields=name"));
    assert!(all.len() > servers.len());
}

#[test]
fn the_request_log_records_calls_without_secrets() {
    let mut h = Harness::demo();
    h.get(
        "itil",
        "/api/now/table/incident?sysparm_limit=1&sysparm_query=active%3Dtrue",
    );
    let log = json(&h.send(Request::new("GET", "/__sim/requests")));
    let entry = &log[0];
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["path"], "/api/now/table/incident");
    assert_eq!(
        entry["query"],
        "sysparm_limit=1&sysparm_query=active%3Dtrue"
    );
    assert_eq!(entry["params"]["sysparm_query"], "active=true");
    assert_eq!(entry["user"], "itil");
    assert_eq!(entry["auth"], "basic");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["headers"]["authorization"], "Basic [redacted]");
    assert_eq!(
        h.send(Request::new("DELETE", "/__sim/requests")).status,
        204
    );
    assert_eq!(
        json(&h.send(Request::new("GET", "/__sim/requests"))),
        json!([])
    );
}

#[test]
fn the_demo_seed_has_the_articles_people_and_records() {
    let mut h = Harness::demo();
    let cases = [
        ("sys_user", "sysparm_query=name%3DDavid+Smith", 1),
        ("sys_user", "sysparm_query=name%3DSarah+Connor", 1),
        (
            "sys_user_group",
            "sysparm_query=nameINNetwork+Ops,Network+Security",
            2,
        ),
        (
            "kb_knowledge",
            "sysparm_query=123TEXTQUERY321%3DORA-01033",
            1,
        ),
        ("kb_knowledge", "sysparm_query=short_descriptionLIKEVPN", 1),
        (
            "problem",
            "sysparm_query=active%3Dtrue%5Eshort_descriptionLIKEMemory+Leak",
            1,
        ),
        ("problem", "sysparm_query=active%3Dfalse", 1),
        ("problem", "sysparm_query=123TEXTQUERY321%3DORA-01033", 0),
    ];
    for (table, query, expected) in cases {
        let rows = results(&h.get("admin", &format!("/api/now/table/{table}?{query}")));
        assert_eq!(rows.len(), expected, "{table}?{query}");
    }
    let vpn = h.get(
        "admin",
        "/api/now/table/kb_knowledge/8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d",
    );
    assert_eq!(
        json(&vpn)["result"]["short_description"],
        "How to reset your VPN connection"
    );
}

#[test]
fn empty_seed_starts_with_no_rows_but_accounts_work() {
    let mut h = Harness::with(SeedKind::Empty, Settings::default());
    let response = h.get("admin", INCIDENTS);
    assert_eq!(response.status, 200);
    assert_eq!(json(&response), json!({"result": []}));
    assert_eq!(response.header("X-Total-Count"), Some("0"));
    let created = h.call(
        "admin",
        "POST",
        INCIDENTS,
        Some(r#"{"short_description": "first"}"#),
    );
    assert_eq!(json(&created)["result"]["number"], "INC0010001");
}
