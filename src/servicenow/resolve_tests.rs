//! Reference resolution rules, one test per rule: what is looked up, how it is
//! escaped, and what one, none or several matches become.

use super::*;
use crate::servicenow::request::tests::{args, incident_spec, tool, INSTANCE, SYS_ID};
use serde_json::json;
use serde_json::Map;

const NOW: u64 = 1_700_000_000;

/// Where an incident's caller_id points: users, found by user_name, email or name.
pub(crate) fn users() -> ReferenceTarget {
    ReferenceTarget {
        table: "sys_user".into(),
        lookup: vec!["user_name".into(), "email".into(), "name".into()],
        display_field: Some("name".into()),
        title: Some("User".into()),
        list_tool: Some("list_all_service_now_sys_users".into()),
    }
}

fn with_caller(method: &str, target: ReferenceTarget) -> Tool {
    let mut t = tool(&incident_spec(), method);
    t.references.insert("caller_id".into(), target);
    t
}

/// The plan of arguments valid against the tool's schema.
fn plan_of(t: &Tool, a: &Map<String, Value>) -> Result<Plan, String> {
    plan(t, ToolCall::from_valid(t, a)).map_err(String::from)
}

fn sent<'a>(p: &'a Plan, field: &str) -> Option<&'a str> {
    p.call
        .body
        .iter()
        .chain(p.call.filters.iter())
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.as_str())
}

fn pending(value: &str) -> Pending {
    Pending {
        field: "caller_id".into(),
        value: value.into(),
        target: users(),
    }
}

#[test]
fn sys_ids_are_used_as_given_and_names_are_planned_for_lookup() {
    let t = with_caller("create", users());
    let upper = SYS_ID.to_uppercase();
    let cases: Vec<(&str, Value, Option<&str>, Option<&str>)> = vec![
        ("sys_id", json!(SYS_ID), Some(SYS_ID), None),
        (
            "upper-case sys_id is normalized",
            json!(upper),
            Some(SYS_ID),
            None,
        ),
        (
            "name",
            json!("Alice Johnson"),
            Some("Alice Johnson"),
            Some("Alice Johnson"),
        ),
        (
            "name is trimmed for the lookup",
            json!("  bob  "),
            Some("  bob  "),
            Some("bob"),
        ),
        (
            "email",
            json!("alice@example.com"),
            Some("alice@example.com"),
            Some("alice@example.com"),
        ),
        ("no reference given", Value::Null, None, None),
    ];
    for (case, value, expected, looked_up) in cases {
        let mut a = args(json!({"short_description": "x"}));
        if !value.is_null() {
            a.insert("caller_id".into(), value);
        }
        let plan = plan_of(&t, &a).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(sent(&plan, "caller_id"), expected, "{case}");
        assert_eq!(
            plan.pending.first().map(|p| p.value.as_str()),
            looked_up,
            "{case}"
        );
        assert!(plan.pending.len() <= 1, "{case}");
    }
}

#[test]
fn implausible_values_are_refused_before_any_request() {
    let t = with_caller("create", users());
    let long = "x".repeat(256);
    let cases = [
        ("empty", "", "is empty"),
        ("only spaces", "   ", "is empty"),
        ("line break", "Alice\nJohnson", "control characters"),
        ("tab", "Alice\tJohnson", "control characters"),
        ("nul", "Alice\u{0}", "control characters"),
        ("too long", long.as_str(), "longer than 255"),
    ];
    for (case, value, expected) in cases {
        let a = args(json!({"short_description": "x", "caller_id": value}));
        let message = plan_of(&t, &a).expect_err(case);
        assert!(message.contains(expected), "{case}: {message}");
        assert!(message.contains("Nothing was sent"), "{case}: {message}");
        assert!(
            message.contains("user_name, email or name"),
            "{case}: {message}"
        );
    }
    // 255 characters is still a plausible identifier.
    let a = args(json!({"short_description": "x", "caller_id": "y".repeat(255)}));
    assert_eq!(plan_of(&t, &a).map(|p| p.pending.len()), Ok(1));
}

#[test]
fn an_empty_value_clears_on_update_only() {
    let update = with_caller("update", users());
    let a = args(json!({"id": SYS_ID, "caller_id": ""}));
    let plan_ok = plan_of(&update, &a).unwrap();
    assert!(plan_ok.pending.is_empty());
    assert_eq!(sent(&plan_ok, "caller_id"), Some(""));
    let create = with_caller("create", users());
    assert!(plan_of(
        &create,
        &args(json!({"short_description": "x", "caller_id": ""}))
    )
    .is_err());
}

#[test]
fn tables_without_lookup_fields_take_sys_ids_only() {
    let target = ReferenceTarget {
        table: "task".into(),
        lookup: Vec::new(),
        display_field: None,
        title: None,
        list_tool: None,
    };
    let t = with_caller("create", target);
    let message = plan_of(
        &t,
        &args(json!({"short_description": "x", "caller_id": "TASK001"})),
    )
    .expect_err("a name for a table without lookup");
    assert!(
        message.contains("must be a 32-character sys_id"),
        "{message}"
    );
    assert!(plan_of(
        &t,
        &args(json!({"short_description": "x", "caller_id": SYS_ID}))
    )
    .is_ok());
}

#[test]
fn lookups_escape_values_like_list_filters() {
    let cases = [(
        "plain name",
        "Alice Johnson",
        "user_name%3DAlice%20Johnson%5EORemail%3DAlice%20Johnson%5EORname%3DAlice%20Johnson",
    )];
    for (case, value, query) in cases {
        let http = lookup_request(INSTANCE, &pending(value)).unwrap();
        assert_eq!(http.method, "GET", "{case}");
        assert_eq!(
            http.url,
            format!("{INSTANCE}/api/now/table/sys_user?sysparm_query={query}&sysparm_fields=sys_id%2Cname%2Cuser_name%2Cemail&sysparm_limit=6"),
            "{case}"
        );
        assert!(http.body.is_empty(), "{case}");
    }
}

fn rows(n: usize) -> HttpResponse {
    let rows: Vec<Value> = (0..n)
        .map(|i| json!({"sys_id": format!("{i:032x}"), "name": format!("Alice {i}")}))
        .collect();
    HttpResponse::json(200, &json!({ "result": rows }))
}

#[test]
fn exactly_one_match_gives_its_sys_id() {
    let found = map_lookup(&pending("Alice 0"), &rows(1), NOW, true);
    assert_eq!(
        found.map(|id| id.as_str().to_string()),
        Ok(format!("{:032x}", 0))
    );
}

#[test]
fn none_or_several_matches_name_the_field_the_search_and_candidates() {
    let cases: Vec<(&str, HttpResponse, Vec<&str>, Vec<&str>)> = vec![
        (
            "none",
            rows(0),
            vec![
                "caller_id: no sys_user records whose user_name, email or name is \"Alice\"",
                "nothing was written",
                "list_all_service_now_sys_users (e.g. query nameLIKEAlice)",
            ],
            vec![],
        ),
        (
            "two",
            rows(2),
            vec![
                "caller_id is ambiguous: 2 sys_user records",
                "Alice 0 (sys_id 00000000000000000000000000000000)",
                "Alice 1 (sys_id",
                "Nothing was written",
            ],
            vec![],
        ),
        (
            "six: five shown, more than five said",
            rows(6),
            vec!["more than 5", "Alice 4 (sys_id"],
            vec!["Alice 5"],
        ),
        (
            "upstream error",
            HttpResponse::json(403, &json!({"error": {"message": "ACL denied"}})),
            vec![
                "HTTP 403",
                "looking up caller_id \"Alice\" in sys_user (ACL denied)",
                "nothing was written",
            ],
            vec![],
        ),
        (
            "not table api json",
            HttpResponse::json(200, &json!({"odd": true})),
            vec!["without Table API JSON", "nothing was written"],
            vec![],
        ),
    ];
    for (case, response, present, absent) in cases {
        let message = match map_lookup(&pending("Alice"), &response, NOW, true) {
            Err(CallOutcome::Failure { message, .. }) => message,
            other => panic!("{case}: {other:?}"),
        };
        for part in present {
            assert!(message.contains(part), "{case}: {message}");
        }
        for part in absent {
            assert!(!message.contains(part), "{case}: {message}");
        }
    }
}

#[test]
fn a_rate_limited_lookup_becomes_the_rate_limit_answer() {
    let response = HttpResponse::json(429, &json!({})).with_header("Retry-After", "3");
    assert!(matches!(
        map_lookup(&pending("Alice"), &response, NOW, true),
        Err(CallOutcome::RateLimited {
            retry_after_secs: Some(3),
            ..
        })
    ));
}

#[test]
fn candidates_of_a_hidden_table_are_sys_ids_only() {
    let message = match map_lookup(&pending("Alice"), &rows(2), NOW, false) {
        Err(CallOutcome::Failure { message, .. }) => message,
        other => panic!("{other:?}"),
    };
    assert!(
        message.contains("sys_id 00000000000000000000000000000000; sys_id 0000"),
        "{message}"
    );
    assert!(message.contains("names withheld"), "{message}");
    assert!(!message.contains("Alice 0"), "{message}");
}

#[test]
fn names_with_carets_or_script_are_refused_before_a_lookup() {
    for value in ["Bob^ORactive=true", "javascript:gs.getUserID()"] {
        let refused = lookup_request(INSTANCE, &pending(value)).unwrap_err();
        assert!(
            refused.contains('^') || refused.contains("javascript:"),
            "{value}: {refused}"
        );
    }
}
