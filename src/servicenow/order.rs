//! Catalog orders and forms (spec `endpoint.content` `variables` / `order`, and
//! `endpoint.follow`): the item's form read before an order, the check of the order's
//! variables against it (no request is built for an order that fails it), the schema
//! a form read returns, and the records read after a write. Pure: `call.rs` sends.

use super::request::{ArgumentError, Order, Payload, SysId, TableRequest};
use super::response::compact;
use super::{CallOutcome, RecordLink};
use crate::http::{HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use snmcp_catalog::{MethodKind, VariableForm};

/// The read of the item's form before an order: the order's own request turned into
/// a plain GET of `endpoint.form` (a checked template; only the sys_id is filled in).
pub fn form_request(
    request: &TableRequest,
    instance_url: &str,
    sys_id: &SysId,
) -> Result<(TableRequest, HttpRequest), ArgumentError> {
    let form = request
        .endpoint
        .as_ref()
        .and_then(|e| e.form.clone())
        .ok_or_else(|| {
            ArgumentError(
                "this order names no form to check its variables against; the server's tool specs need fixing"
                    .into(),
            )
        })?;
    let mut read = request.clone();
    read.kind = MethodKind::Get;
    read.body = None;
    read.payload = Payload::Json;
    read.params.clear();
    read.mapped.clear();
    read.records = "result".into();
    if let Some(endpoint) = read.endpoint.as_mut() {
        endpoint.method = snmcp_catalog::spec::HttpMethod::Get;
        endpoint.path = form;
        endpoint.content = None;
        endpoint.follow = None;
    }
    let http = read.to_http(instance_url, Some(sys_id))?;
    Ok((read, http))
}

/// The body of an order whose variables pass the item's form, or the isError result
/// naming every variable that does not (then nothing is ordered). `form` is the mapped
/// answer of the form read: a failure (404, ACL) is passed through as it is.
pub fn checked_body(form: CallOutcome, order: &Order) -> Result<Map<String, Value>, CallOutcome> {
    let item = match form {
        CallOutcome::Success { structured, .. } => structured,
        failure => return Err(failure),
    };
    let variables = item.pointer("/result/variables");
    let form = VariableForm::from_answer(variables).map_err(|e| {
        CallOutcome::failure(format!(
            "the item's order form could not be read ({e}); nothing was ordered"
        ))
    })?;
    let values = form.check(&order.variables).map_err(|problems| {
        CallOutcome::failure(format!(
            "Nothing was ordered: the variables do not match the item's form (its variables_schema):\n{}",
            problems.join("\n")
        ))
    })?;
    let mut body = Map::new();
    body.insert(
        "sysparm_quantity".into(),
        Value::String(order.quantity.to_string()),
    );
    body.insert("variables".into(), Value::Object(values));
    for (param, value) in &order.params {
        body.insert(param.clone(), Value::String(value.clone()));
    }
    Ok(body)
}

/// A form read's result: the item's own fields, with its `variables` replaced by the
/// JSON Schema an order's variables must match.
pub fn with_variables_schema(mut outcome: CallOutcome) -> CallOutcome {
    let CallOutcome::Success { structured, .. } = &mut outcome else {
        return outcome;
    };
    let Some(record) = structured.get_mut("result").and_then(Value::as_object_mut) else {
        return CallOutcome::failure("the item came back without its fields");
    };
    let variables = record.remove("variables");
    match VariableForm::from_answer(variables.as_ref()) {
        Ok(form) => {
            record.insert("variables_schema".into(), form.schema());
        }
        Err(e) => {
            return CallOutcome::failure(format!("the item's order form could not be read ({e})"))
        }
    }
    outcome
}

/// The written record's sys_id in a write's result, for the follow-up read.
pub fn result_sys_id(outcome: &CallOutcome) -> Option<SysId> {
    match outcome {
        CallOutcome::Success { structured, .. } => structured
            .pointer("/result/sys_id")
            .and_then(Value::as_str)
            .and_then(SysId::parse),
        _ => None,
    }
}

/// Adds the follow-up records (`result.<name>`) to a successful write; when they could
/// not be read, `result.<name>_note` says so (the write itself happened).
pub fn with_follow(
    mut outcome: CallOutcome,
    name: &str,
    fields: &[String],
    read: Result<&HttpResponse, String>,
) -> CallOutcome {
    let CallOutcome::Success { structured, .. } = &mut outcome else {
        return outcome;
    };
    if let Some(result) = structured.get_mut("result").and_then(Value::as_object_mut) {
        let rows = read.and_then(|response| {
            let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
            match (response.status, body.get("result")) {
                (200..=299, Some(Value::Array(rows))) => {
                    Ok(compact(Value::Array(rows.clone()), fields))
                }
                (status, _) => Err(format!("HTTP {status} from ServiceNow")),
            }
        });
        match rows {
            Ok(rows) => {
                result.insert(name.to_string(), rows);
            }
            Err(why) => {
                result.insert(
                    format!("{name}_note"),
                    json!(format!("written, but its {name} could not be read: {why}")),
                );
            }
        }
    }
    outcome
}

/// The page of the record an order created: the answer names its `table` (order_now:
/// `sc_request`) and `number`; without a table name the link is left out.
pub fn created_record_link(instance: &str, outcome: &CallOutcome) -> Option<RecordLink> {
    let CallOutcome::Success { structured, .. } = outcome else {
        return None;
    };
    let result = structured.get("result")?;
    let table = result.get("table").and_then(Value::as_str).filter(|t| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })?;
    let sys_id = result
        .get("sys_id")
        .and_then(Value::as_str)
        .and_then(SysId::parse)?;
    let name = result
        .get("number")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(sys_id.as_str())
        .to_string();
    Some(RecordLink::to_record(
        instance,
        table,
        sys_id.as_str(),
        name,
    ))
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
