//! Response mapping: a Table API answer becomes a [`CallOutcome`]: records with paging
//! and hidden-field hints, `{deleted: true}`, an isError text, or a rate-limit answer.

use super::compact_parse::compact_result_of;
use super::cursor::ListCursor;
use super::errors::{
    error_message, no_record_with_number, unexpected_success_message, Stage, Subject,
};
use super::rate_limit::{normalize_rate_limit_headers, retry_delay_secs};
use super::request::{SysId, TableRequest};
use super::CallOutcome;
use crate::http::HttpResponse;
use serde_json::{json, Map, Value};
use snmcp_catalog::MethodKind;

/// The answer to a 429: never retried here; the MCP layer passes the delay on.
pub fn rate_limited(response: &HttpResponse, now_secs: u64) -> CallOutcome {
    let headers = normalize_rate_limit_headers(&response.headers, now_secs);
    let retry_after_secs = retry_delay_secs(&headers);
    let detail = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| {
            let error = v.get("error")?;
            error
                .get("detail")
                .and_then(Value::as_str)
                .or_else(|| error.get("message").and_then(Value::as_str))
                .map(str::to_string)
        })
        .filter(|d| !d.trim().is_empty());
    let mut message = String::from("ServiceNow rate limit exceeded (HTTP 429");
    if let Some(d) = detail {
        message.push_str(&format!(": {}", d.trim()));
    }
    message.push(')');
    match retry_after_secs {
        Some(secs) => message.push_str(&format!("; retry after {secs} seconds.")),
        None => message
            .push_str("; ServiceNow did not say when to retry, so wait before calling again."),
    }
    message.push_str(" This server does not retry for you.");
    CallOutcome::RateLimited {
        message,
        retry_after_secs,
        headers,
    }
}

/// Maps the answer to the tool's own call. `sys_id` is the record it addressed, if any;
/// `number` the record number the model gave, if it was resolved from one.
pub fn map_call_response(
    request: &TableRequest,
    sys_id: Option<&SysId>,
    number: Option<&str>,
    response: &HttpResponse,
    now_secs: u64,
) -> CallOutcome {
    if response.status == 429 {
        return rate_limited(response, now_secs);
    }
    let rate_limit = normalize_rate_limit_headers(&response.headers, now_secs);
    let stage = Stage::Call(request.kind);
    if !(200..300).contains(&response.status) {
        let subject = match sys_id {
            Some(id) => Subject::Record {
                sys_id: id.as_str(),
                number,
            },
            None => Subject::Collection,
        };
        return CallOutcome::Failure {
            message: error_message(response, request, stage, subject),
            upstream_status: Some(response.status),
            rate_limit,
        };
    }
    if request.kind == MethodKind::Delete {
        let id = sys_id.map(SysId::as_str).unwrap_or_default();
        return CallOutcome::Success {
            structured: json!({"deleted": true, "id": id, "table": request.table}),
            rate_limit,
            link: None,
            file: None,
        };
    }
    let unexpected = || CallOutcome::Failure {
        message: unexpected_success_message(response, request, stage),
        upstream_status: Some(response.status),
        rate_limit: rate_limit.clone(),
    };
    let result = if request.compact_display {
        compact_result_of(&response.body, &request.records, &request.labelled)
    } else {
        result_of(response, &request.records)
    };
    let Some(result) = result else {
        return unexpected();
    };
    let structured = match (request.kind, result) {
        (MethodKind::List, Value::Array(rows)) => list_result(request, rows, response),
        (MethodKind::List, _) | (_, Value::Array(_)) => return unexpected(),
        (MethodKind::Get, Value::Object(record)) => {
            let hidden = hidden_fields(&request.requested_fields, std::slice::from_ref(&record));
            let mut out = Map::new();
            out.insert("result".into(), Value::Object(record));
            add_hidden_fields(&mut out, hidden);
            Value::Object(out)
        }
        (_, Value::Object(record)) => json!({"result": record}),
        _ => return unexpected(),
    };
    CallOutcome::Success {
        structured,
        rate_limit,
        link: None,
        file: None,
    }
}

/// What a record-number lookup found: its sys_id, or the isError text.
pub fn map_number_lookup(
    request: &TableRequest,
    number: &str,
    response: &HttpResponse,
    now_secs: u64,
) -> Result<SysId, CallOutcome> {
    if response.status == 429 {
        return Err(rate_limited(response, now_secs));
    }
    let rate_limit = normalize_rate_limit_headers(&response.headers, now_secs);
    let failure = |message: String| CallOutcome::Failure {
        message,
        upstream_status: Some(response.status),
        rate_limit: rate_limit.clone(),
    };
    if !(200..300).contains(&response.status) {
        return Err(failure(error_message(
            response,
            request,
            Stage::NumberLookup,
            Subject::Number(number),
        )));
    }
    let Some(Value::Array(rows)) = result_of(response, "result") else {
        return Err(failure(unexpected_success_message(
            response,
            request,
            Stage::NumberLookup,
        )));
    };
    let Some(row) = rows.first() else {
        return Err(failure(no_record_with_number(request, number)));
    };
    // `sys_id` is a plain string here; `{value: ...}` only if display values were forced.
    let raw = row.get("sys_id").and_then(|v| {
        v.as_str()
            .or_else(|| v.get("value").and_then(Value::as_str))
    });
    raw.and_then(SysId::parse).ok_or_else(|| {
        failure(format!(
            "ServiceNow found {} {number} but returned no usable sys_id for it (access controls may hide the sys_id field); use {} to look at the record.",
            request.title,
            request.list_tool()
        ))
    })
}

/// Records asked for with `sysparm_display_value=all` (every field a `{display_value,
/// value}` pair) made compact: each field keeps its stored value, and a record's
/// `display_values` object carries the name or label of each reference and choice field
/// whose display differs from its code. About 1.3x the bytes of codes alone, instead of
/// the 2x-3x of ServiceNow's own `all` shape.
pub fn compact(result: Value, labelled: &[String]) -> Value {
    match result {
        Value::Array(rows) => Value::Array(
            rows.into_iter()
                .map(|row| compact_record(row, labelled))
                .collect(),
        ),
        record => compact_record(record, labelled),
    }
}

fn compact_record(record: Value, labelled: &[String]) -> Value {
    let Value::Object(fields) = record else {
        return record;
    };
    let mut out = Map::with_capacity(fields.len() + 1);
    let mut labels = Map::new();
    for (name, value) in fields {
        let Value::Object(mut pair) = value else {
            out.insert(name, value);
            continue;
        };
        let stored = pair.remove("value").unwrap_or(Value::String(String::new()));
        let display = pair.remove("display_value");
        if labelled.contains(&name) {
            if let Some(Value::String(display)) = display {
                let differs = stored.as_str() != Some(display.as_str());
                if differs && !display.is_empty() {
                    labels.insert(name.clone(), Value::String(display));
                }
            }
        }
        out.insert(name, stored);
    }
    if !labels.is_empty() {
        out.insert("display_values".into(), Value::Object(labels));
    }
    Value::Object(out)
}

/// The record(s) of a JSON answer, at `path` (`result` on the Table API,
/// `result.attributes` on the CMDB Instance API).
pub(super) fn result_of(response: &HttpResponse, path: &str) -> Option<Value> {
    let mut value = serde_json::from_slice::<Value>(&response.body).ok()?;
    for part in path.split('.') {
        value = match value {
            Value::Object(mut body) => body.remove(part)?,
            _ => return None,
        };
    }
    Some(value)
}

fn list_result(request: &TableRequest, rows: Vec<Value>, response: &HttpResponse) -> Value {
    let mut out = Map::new();
    let total = response
        .header("x-total-count")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok());
    if let Some(page) = &request.page {
        // Row ACLs filter after paging: a short page can still have more rows behind it.
        let end = page.offset.saturating_add(page.limit);
        let more = match total {
            Some(total) => total > end,
            None => link_has_next(response.header("link")) || rows.len() as u64 >= page.limit,
        };
        if more {
            let cursor = ListCursor {
                offset: end,
                scope: page.scope.clone(),
            };
            out.insert("next_cursor".into(), Value::String(cursor.encode()));
        }
    }
    if let Some(total) = total {
        out.insert("total_count".into(), Value::from(total));
    }
    // Borrowed, not copied: the rows are moved into the answer below.
    let records: Vec<&Map<String, Value>> = rows.iter().filter_map(Value::as_object).collect();
    let hidden = hidden_fields(&request.requested_fields, &records);
    add_hidden_fields(&mut out, hidden);
    out.insert("result".into(), Value::Array(rows));
    Value::Object(out)
}

/// Requested fields absent from every returned record (ACLs drop unreadable fields
/// silently). Nothing to say when nothing was requested or nothing came back.
pub fn hidden_fields<M: std::borrow::Borrow<Map<String, Value>>>(
    requested: &[String],
    records: &[M],
) -> Vec<String> {
    if records.is_empty() {
        return Vec::new();
    }
    requested
        .iter()
        .filter(|field| {
            records
                .iter()
                .all(|r| !r.borrow().contains_key(field.as_str()))
        })
        .cloned()
        .collect()
}

/// `hidden_fields`: what it means (hidden by access controls, or not a field of the
/// table) is said once in the server's instructions, not in every result.
fn add_hidden_fields(out: &mut Map<String, Value>, hidden: Vec<String>) {
    if !hidden.is_empty() {
        out.insert("hidden_fields".into(), json!(hidden));
    }
}

/// True when a `Link` header has an entry with `rel="next"`.
fn link_has_next(link: Option<&str>) -> bool {
    let Some(link) = link else { return false };
    // Entries look like `<url>; rel="next"`; URLs may contain commas, so split on `<`.
    link.split('<')
        .filter_map(|entry| entry.split_once('>'))
        .any(|(_, params)| {
            params.split([';', ',']).any(|p| {
                let p = p.trim().to_ascii_lowercase();
                p.strip_prefix("rel=")
                    .map(|v| v.trim_matches('"').split_whitespace().any(|r| r == "next"))
                    .unwrap_or(false)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::cursor::query_scope;
    use crate::servicenow::request::tests::{args, incident_spec, raw_response, tool, SYS_ID};

    const NOW: u64 = 1_700_000_000;

    fn list_request(arguments: Value) -> TableRequest {
        TableRequest::from_tool(&tool(&incident_spec(), "list"), &args(arguments)).unwrap()
    }

    fn rows(n: usize) -> Value {
        Value::Array(
            (0..n)
                .map(|i| json!({"number": format!("INC{i:07}")}))
                .collect(),
        )
    }

    fn page(n: usize, headers: &[(&str, &str)]) -> HttpResponse {
        let mut response = HttpResponse::json(200, &json!({"result": rows(n)}));
        for (k, v) in headers {
            response = response.with_header(k, *v);
        }
        response
    }

    fn structured(outcome: CallOutcome) -> Value {
        match outcome {
            CallOutcome::Success { structured, .. } => structured,
            other => panic!("not a success: {other:?}"),
        }
    }

    #[test]
    fn records_are_read_where_the_endpoint_puts_them() {
        let mut request = TableRequest::from_tool(
            &tool(&incident_spec(), "get"),
            &args(json!({"id": SYS_ID, "display_value": "false"})),
        )
        .unwrap();
        request.records = "result.attributes".into();
        let id = SysId::parse(SYS_ID).unwrap();
        let answer = json!({"result": {"attributes": {"sys_id": SYS_ID, "name": "web01"},
                                       "outbound_relations": []}});
        let out = structured(map_call_response(
            &request,
            Some(&id),
            None,
            &HttpResponse::json(200, &answer),
            NOW,
        ));
        assert_eq!(out, json!({"result": {"sys_id": SYS_ID, "name": "web01"}}));
        // An answer without that member is reported, not taken for an empty record.
        let missing = map_call_response(
            &request,
            Some(&id),
            None,
            &HttpResponse::json(200, &json!({"result": {"sys_id": SYS_ID}})),
            NOW,
        );
        assert!(
            matches!(missing, CallOutcome::Failure { .. }),
            "{missing:?}"
        );
    }

    #[test]
    fn list_pages_know_when_more_rows_exist() {
        // (case, limit, rows returned, headers, next offset expected, total_count expected)
        let cases = vec![
            ("total says more", 10, 10, vec![("X-Total-Count", "25")], Some(10), Some(25)),
            ("total says this is the end", 10, 5, vec![("X-Total-Count", "5")], None, Some(5)),
            ("short page from row ACLs while total says more", 10, 3, vec![("X-Total-Count", "40")], Some(10), Some(40)),
            ("total wins over a full page", 10, 10, vec![("X-Total-Count", "10")], None, Some(10)),
            (
                "link rel next without total",
                10,
                4,
                vec![("Link", "<https://x/api/now/table/incident?sysparm_offset=10&sysparm_fields=a,b>;rel=\"next\",<https://x>;rel=\"last\"")],
                Some(10),
                None,
            ),
            ("link without next", 10, 4, vec![("Link", "<https://x>;rel=\"first\",<https://x>;rel=\"last\"")], None, None),
            ("full page without headers", 10, 10, vec![], Some(10), None),
            ("short page without headers", 10, 9, vec![], None, None),
            ("garbage total falls back to page size", 10, 10, vec![("X-Total-Count", "many")], Some(10), None),
        ];
        for (case, limit, n, headers, next_offset, total) in cases {
            let request = list_request(json!({"limit": limit}));
            let out = structured(map_call_response(
                &request,
                None,
                None,
                &page(n, &headers),
                NOW,
            ));
            let cursor = out.get("next_cursor").and_then(Value::as_str);
            let scope = query_scope("incident", "");
            assert_eq!(
                cursor.map(|c| ListCursor::decode(c, &scope).unwrap().offset),
                next_offset,
                "{case}"
            );
            assert_eq!(
                out.get("total_count").and_then(Value::as_u64),
                total,
                "{case}"
            );
            assert_eq!(out["result"].as_array().map(Vec::len), Some(n), "{case}");
        }
    }

    #[test]
    fn both_forms_become_codes_with_labels_beside_them() {
        let labelled = vec![
            "caller_id".to_string(),
            "state".to_string(),
            "assigned_to".to_string(),
        ];
        let pair = |v: &str, d: &str| json!({"value": v, "display_value": d});
        let cases = vec![
            (
                "reference and choice get their display; plain fields keep their value",
                json!({"sys_id": pair(SYS_ID, SYS_ID), "caller_id": pair(SYS_ID, "Alice Johnson"),
                       "state": pair("2", "In Progress"), "short_description": pair("VPN", "VPN")}),
                json!({"sys_id": SYS_ID, "caller_id": SYS_ID, "state": "2", "short_description": "VPN",
                       "display_values": {"caller_id": "Alice Johnson", "state": "In Progress"}}),
            ),
            (
                "empty references and equal labels add nothing",
                json!({"assigned_to": pair("", ""), "state": pair("New", "New")}),
                json!({"assigned_to": "", "state": "New"}),
            ),
            (
                "fields that are not labelled (dates, dot-walks) keep the value only",
                json!({"opened_at": pair("2025-01-02 03:04:05", "01/02/2025 03:04:05"), "caller_id.name": pair("Alice Johnson", "Alice Johnson")}),
                json!({"opened_at": "2025-01-02 03:04:05", "caller_id.name": "Alice Johnson"}),
            ),
            (
                "plain values (display_value given by the model) pass through",
                json!({"state": "In Progress"}),
                json!({"state": "In Progress"}),
            ),
        ];
        for (case, record, expected) in cases {
            assert_eq!(compact(record.clone(), &labelled), expected, "{case}");
            assert_eq!(
                compact(json!([record]), &labelled),
                json!([expected]),
                "{case}: lists too"
            );
        }
    }

    #[test]
    fn list_and_get_without_display_value_are_made_compact() {
        let request = list_request(json!({"limit": 1}));
        assert!(request.compact_display);
        let answer = HttpResponse::json(
            200,
            &json!({"result": [{"sys_id": {"value": SYS_ID, "display_value": SYS_ID},
                                 "caller_id": {"value": SYS_ID, "display_value": "Alice Johnson"}}]}),
        );
        let out = structured(map_call_response(&request, None, None, &answer, NOW));
        assert_eq!(out["result"][0]["caller_id"], SYS_ID);
        assert_eq!(
            out["result"][0]["display_values"]["caller_id"],
            "Alice Johnson"
        );
        // display_value given: one form, as ServiceNow sent it.
        let request = list_request(json!({"display_value": "all"}));
        assert!(!request.compact_display);
        let out = structured(map_call_response(&request, None, None, &answer, NOW));
        assert_eq!(
            out["result"][0]["caller_id"]["display_value"],
            "Alice Johnson"
        );
    }

    #[test]
    fn second_page_cursor_advances_by_the_limit() {
        let first = list_request(json!({"limit": 10}));
        let out = structured(map_call_response(
            &first,
            None,
            None,
            &page(10, &[("X-Total-Count", "35")]),
            NOW,
        ));
        let cursor = out["next_cursor"].as_str().unwrap().to_string();
        let second = list_request(json!({"limit": 10, "next_cursor": cursor}));
        assert_eq!(second.page.as_ref().map(|p| p.offset), Some(10));
        let out = structured(map_call_response(
            &second,
            None,
            None,
            &page(10, &[("X-Total-Count", "35")]),
            NOW,
        ));
        let third = list_request(json!({"limit": 10, "next_cursor": out["next_cursor"]}));
        assert_eq!(third.page.as_ref().map(|p| p.offset), Some(20));
    }

    #[test]
    fn hidden_fields_are_requested_fields_missing_from_every_record() {
        let record = |v: Value| v.as_object().cloned().unwrap();
        let requested: Vec<String> = ["number", "work_notes", "caller_id.name", "state"]
            .map(String::from)
            .to_vec();
        let cases = vec![
            (
                "acl-dropped and dot-walked fields absent everywhere",
                vec![record(json!({"number": "INC1", "state": "1"}))],
                vec!["work_notes", "caller_id.name"],
            ),
            (
                "a field present in one record is not hidden",
                vec![
                    record(json!({"number": "INC1"})),
                    record(
                        json!({"number": "INC2", "state": "2", "work_notes": "", "caller_id.name": "Ann"}),
                    ),
                ],
                vec![],
            ),
            ("nothing returned says nothing", vec![], vec![]),
        ];
        for (case, records, expected) in cases {
            assert_eq!(hidden_fields(&requested, &records), expected, "{case}");
        }
        assert!(hidden_fields(&[], &[record(json!({"a": 1}))]).is_empty());
    }

    #[test]
    fn list_result_says_which_requested_fields_did_not_come_back() {
        let request = list_request(json!({"fields": ["number", "work_notes"]}));
        let response = HttpResponse::json(
            200,
            &json!({"result": [{"number": "INC1", "sys_id": SYS_ID}]}),
        );
        let out = structured(map_call_response(&request, None, None, &response, NOW));
        assert_eq!(out["hidden_fields"], json!(["work_notes"]));
        assert_eq!(out.get("hidden_fields_note"), None);
    }

    #[test]
    fn success_shapes_per_kind() {
        let spec = incident_spec();
        let id = SysId::parse(SYS_ID).unwrap();
        let record = json!({"sys_id": SYS_ID, "number": "INC0010203"});
        // (method, arguments, response, expected structured)
        let cases: Vec<(&str, Value, HttpResponse, Value)> = vec![
            (
                "get",
                json!({"id": SYS_ID, "fields": ["number", "close_notes"]}),
                HttpResponse::json(200, &json!({"result": record})),
                json!({"result": record, "hidden_fields": ["close_notes"]}),
            ),
            (
                "get without fields",
                json!({"id": SYS_ID}),
                HttpResponse::json(200, &json!({"result": record})),
                json!({"result": record}),
            ),
            (
                "create",
                json!({"short_description": "x"}),
                HttpResponse::json(201, &json!({"result": record})),
                json!({"result": record}),
            ),
            (
                "update",
                json!({"id": SYS_ID, "state": "2"}),
                HttpResponse::json(200, &json!({"result": record})),
                json!({"result": record}),
            ),
            (
                "delete",
                json!({"id": SYS_ID}),
                HttpResponse::new(204),
                json!({"deleted": true, "id": SYS_ID, "table": "incident"}),
            ),
        ];
        for (method, arguments, response, expected) in cases {
            let tool_method = method.split(' ').next().unwrap();
            let request =
                TableRequest::from_tool(&tool(&spec, tool_method), &args(arguments)).unwrap();
            let sys_id = request.record.as_ref().map(|_| &id);
            assert_eq!(
                structured(map_call_response(&request, sys_id, None, &response, NOW)),
                expected,
                "{method}"
            );
        }
    }

    #[test]
    fn unexpected_success_bodies_are_failures() {
        let list = list_request(json!({}));
        let cases = [
            (
                "html sso page",
                raw_response(200, "<html><body>Sign in with SSO</body></html>"),
                "HTML page",
            ),
            (
                "json without result",
                HttpResponse::json(200, &json!({"records": []})),
                "without the expected",
            ),
            (
                "object where a list was expected",
                HttpResponse::json(200, &json!({"result": {}})),
                "without the expected",
            ),
            ("empty body", HttpResponse::new(200), "without the expected"),
        ];
        for (case, response, expected) in cases {
            match map_call_response(&list, None, None, &response, NOW) {
                CallOutcome::Failure {
                    message,
                    upstream_status,
                    ..
                } => {
                    assert!(message.contains(expected), "{case}: {message}");
                    assert_eq!(upstream_status, Some(200), "{case}");
                }
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn rate_limited_answers_carry_the_delay() {
        let response = HttpResponse::json(
            429,
            &json!({"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 10 requests per hour for Table API exceeded"}, "status": "failure"}),
        )
        .with_header("Retry-After", "120")
        .with_header("X-RateLimit-Limit", "10")
        .with_header("X-RateLimit-Reset", "1700003600");
        match map_call_response(&list_request(json!({})), None, None, &response, NOW) {
            CallOutcome::RateLimited {
                message,
                retry_after_secs,
                headers,
            } => {
                assert_eq!(retry_after_secs, Some(120));
                assert!(
                    message.contains("Rate limit of 10 requests per hour")
                        && message.contains("retry after 120 seconds"),
                    "{message}"
                );
                assert_eq!(
                    headers,
                    vec![
                        ("ratelimit-limit".to_string(), "10".to_string()),
                        ("ratelimit-reset".to_string(), "120".to_string()),
                        ("retry-after".to_string(), "120".to_string()),
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        match rate_limited(&HttpResponse::new(429), NOW) {
            CallOutcome::RateLimited {
                message,
                retry_after_secs: None,
                headers,
            } => {
                assert!(headers.is_empty());
                assert!(message.contains("did not say when"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn number_lookup_answers_map_to_a_sys_id_or_a_hint() {
        let request = TableRequest::from_tool(
            &tool(&incident_spec(), "get"),
            &args(json!({"id": "INC0010203"})),
        )
        .unwrap();
        let found = HttpResponse::json(
            200,
            &json!({"result": [{"sys_id": SYS_ID, "number": "INC0010203"}]}),
        );
        assert_eq!(
            map_number_lookup(&request, "INC0010203", &found, NOW),
            Ok(SysId::parse(SYS_ID).unwrap())
        );
        let cases = [
            (HttpResponse::json(200, &json!({"result": []})), "No Incident with number INC0010203 (or access controls hide it); use list_all_service_now_incident to search."),
            (HttpResponse::json(200, &json!({"result": [{"number": "INC0010203"}]})), "no usable sys_id"),
            (HttpResponse::json(200, &json!({"result": [{"sys_id": "../x"}]})), "no usable sys_id"),
            (HttpResponse::json(401, &json!({"error": {"message": "User Not Authenticated"}})), "HTTP 401"),
        ];
        for (response, expected) in cases {
            match map_number_lookup(&request, "INC0010203", &response, NOW) {
                Err(CallOutcome::Failure { message, .. }) => {
                    assert!(message.contains(expected), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
