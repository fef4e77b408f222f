//! Reference resolution: a reference input given the way a person says it (a user_name,
//! an email, an exact name, a record number) becomes the sys_id ServiceNow needs, with
//! one read-only lookup per value before anything is written. Which fields are matched
//! is data (`lookup` in tool-specs/), not code. Pure planning and mapping: call.rs sends.

use super::query::equality_condition;
use super::rate_limit::normalize_rate_limit_headers;
use super::refusal::ArgumentError;
use super::request::SysId;
use super::response::rate_limited;
use super::CallOutcome;
use crate::http::{percent_encode, HttpRequest, HttpResponse};
use serde_json::Value;
use snmcp_catalog::{MethodKind, ReferenceTarget, Tool, ToolCall, REFERENCE_MAX_LENGTH};

/// How many candidates an ambiguity message shows.
pub const MAX_CANDIDATES: usize = 5;

/// One reference value to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The tool's input field (`caller_id`).
    pub field: String,
    /// What the model gave, trimmed (`Alice Johnson`).
    pub value: String,
    pub target: ReferenceTarget,
}

/// The call with every reference value checked: sys_ids normalized (lower case,
/// trimmed) and usable as given, the rest listed in `pending` for one lookup each.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub call: ToolCall,
    pub pending: Vec<Pending>,
}

impl Plan {
    /// Puts a resolved sys_id in place of the name it was found by.
    pub fn resolve(&mut self, field: &str, sys_id: &SysId) {
        set_value(&mut self.call, field, sys_id.as_str());
    }
}

/// The reference inputs of a call: body fields of writes, filters of lists, and an
/// order's further inputs (`requested_for`), with whether "" clears it (update bodies).
fn values(call: &ToolCall, kind: MethodKind) -> impl Iterator<Item = (&str, &String, bool)> {
    let clears = kind == MethodKind::Update;
    (call.body.iter().map(move |(f, v)| (f.as_str(), v, clears)))
        .chain(call.filters.iter().map(|(f, v)| (f.as_str(), v, false)))
        .chain(call.inputs.iter().map(|(f, v)| (f.as_str(), v, false)))
}

fn set_value(call: &mut ToolCall, field: &str, value: &str) {
    let fields = call.body.iter_mut().chain(call.filters.iter_mut());
    let inputs = call
        .inputs
        .iter_mut()
        .map(|(name, slot)| (name.as_str(), slot));
    for (name, slot) in fields
        .map(|(name, slot)| (name.as_str(), slot))
        .chain(inputs)
    {
        if name == field {
            *slot = value.to_string();
        }
    }
}

/// Checks the reference inputs of `call` before any request. Err is the isError text:
/// a value that is blank, carries control characters, is too long, or is text where
/// only a sys_id can work.
pub fn plan(tool: &Tool, call: ToolCall) -> Result<Plan, ArgumentError> {
    let mut normalized = Vec::new();
    let mut pending = Vec::new();
    for (field, raw, clears) in values(&call, tool.kind) {
        let Some(target) = tool.references.get(field) else {
            continue;
        };
        // On update "" clears the reference: a documented value, not a name.
        if raw.is_empty() && clears {
            continue;
        }
        let value = raw.trim();
        let refused = |why: &str| {
            format!(
                "{field} {why}; give the sys_id of {} record{}. Nothing was sent to ServiceNow.",
                article(&target.table),
                accepted_names(target)
            )
        };
        if value.is_empty() {
            return Err(ArgumentError(refused("is empty")));
        }
        if raw.chars().any(char::is_control) {
            return Err(ArgumentError(refused(
                "contains control characters (line breaks, tabs)",
            )));
        }
        if raw.chars().count() as u64 > REFERENCE_MAX_LENGTH {
            return Err(ArgumentError(refused(&format!(
                "is longer than {REFERENCE_MAX_LENGTH} characters"
            ))));
        }
        if let Some(sys_id) = SysId::parse(value) {
            normalized.push((field.to_string(), sys_id));
            continue;
        }
        if target.lookup.is_empty() {
            return Err(ArgumentError(refused(&format!(
                "must be a 32-character sys_id, got \"{}\" (no lookup by name is documented for {})",
                shorten(value),
                target.table
            ))));
        }
        pending.push(Pending {
            field: field.to_string(),
            value: value.to_string(),
            target: target.clone(),
        });
    }
    let mut plan = Plan { call, pending };
    for (field, sys_id) in normalized {
        plan.resolve(&field, &sys_id);
    }
    Ok(plan)
}

/// The lookup of one value: an exact match on any lookup field, escaped exactly like
/// list filters (`Bob^ORactive=true` is searched as that literal text), asking for one
/// more row than the candidates shown so "more than 5" is known.
pub fn lookup_request(instance_url: &str, pending: &Pending) -> Result<HttpRequest, ArgumentError> {
    let conditions = pending
        .target
        .lookup
        .iter()
        .map(|field| equality_condition(field, &pending.value))
        .collect::<Result<Vec<_>, _>>()?;
    let mut fields = vec!["sys_id".to_string()];
    for field in pending
        .target
        .display_field
        .iter()
        .chain(pending.target.lookup.iter())
    {
        if !fields.contains(field) {
            fields.push(field.clone());
        }
    }
    let url = format!(
        "{}/api/now/table/{}?sysparm_query={}&sysparm_fields={}&sysparm_limit={}",
        instance_url.trim_end_matches('/'),
        pending.target.table,
        percent_encode(&conditions.join("^OR")),
        percent_encode(&fields.join(",")),
        MAX_CANDIDATES + 1
    );
    Ok(HttpRequest::new("GET", url).with_header("accept", "application/json"))
}

/// The sys_id one lookup found, or the isError text (nothing has been written yet).
/// `names_shown`: whether the server exposes the target table; when it does not, an
/// ambiguity lists the candidates' sys_ids only (and says why), never their names.
pub fn map_lookup(
    pending: &Pending,
    response: &HttpResponse,
    now_secs: u64,
    names_shown: bool,
) -> Result<SysId, CallOutcome> {
    if response.status == 429 {
        return Err(rate_limited(response, now_secs));
    }
    let failure = |message: String| CallOutcome::Failure {
        message,
        upstream_status: Some(response.status),
        rate_limit: normalize_rate_limit_headers(&response.headers, now_secs),
    };
    let Pending {
        field,
        value,
        target,
    } = pending;
    let table = &target.table;
    if !(200..300).contains(&response.status) {
        return Err(failure(format!(
            "HTTP {} from ServiceNow while looking up {field} \"{value}\" in {table}{}; nothing was written. Pass the sys_id of the {} instead{}.",
            response.status,
            servicenow_reason(response),
            title(target),
            find_with(target, value)
        )));
    }
    let rows = match serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|mut v| v.get_mut("result").map(Value::take))
    {
        Some(Value::Array(rows)) => rows,
        _ => {
            return Err(failure(format!(
                "ServiceNow answered the lookup of {field} \"{value}\" in {table} without Table API JSON; nothing was written. Pass the sys_id instead."
            )))
        }
    };
    let searched = format!(
        "{table} records whose {} is \"{value}\"",
        or_words(&target.lookup)
    );
    match rows.as_slice() {
        [] => Err(failure(format!(
            "{field}: no {searched} (or access controls hide them); nothing was written. Check the spelling, or find the record{} and pass its sys_id.",
            find_with(target, value)
        ))),
        [row] => text(row, "sys_id").and_then(SysId::parse).ok_or_else(|| {
            failure(format!(
                "{field}: ServiceNow found one {searched} but returned no usable sys_id (access controls may hide it); nothing was written. Pass the sys_id instead."
            ))
        }),
        rows => {
            let shown: Vec<String> = rows
                .iter()
                .take(MAX_CANDIDATES)
                .map(|row| {
                    if names_shown {
                        candidate(row, target)
                    } else {
                        format!("sys_id {}", text(row, "sys_id").unwrap_or("hidden"))
                    }
                })
                .collect();
            let withheld = if names_shown {
                String::new()
            } else {
                format!(
                    " (names withheld: this server does not expose {} records)",
                    title(target)
                )
            };
            let count = if rows.len() > MAX_CANDIDATES {
                format!("more than {MAX_CANDIDATES}")
            } else {
                rows.len().to_string()
            };
            Err(failure(format!(
                "{field} is ambiguous: {count} {searched}: {}{withheld}. Nothing was written; call again with the sys_id of the one you mean.",
                shown.join("; ")
            )))
        }
    }
}

/// `Alice Johnson (sys_id 62826bf0...)`.
fn candidate(row: &Value, target: &ReferenceTarget) -> String {
    let display = target
        .display_field
        .iter()
        .chain(target.lookup.iter())
        .find_map(|f| text(row, f).filter(|t| !t.trim().is_empty()))
        .unwrap_or("(no name)");
    let sys_id = text(row, "sys_id").unwrap_or("hidden");
    format!("{display} (sys_id {sys_id})")
}

/// A field of a record: a plain string, or the `value` of ServiceNow's
/// `{display_value, value}` pair.
pub(super) fn text<'a>(row: &'a Value, field: &str) -> Option<&'a str> {
    let v = row.get(field)?;
    v.as_str()
        .or_else(|| v.get("value").and_then(Value::as_str))
}

/// `: <ServiceNow's message>` when the body is its error JSON.
fn servicenow_reason(response: &HttpResponse) -> String {
    serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .and_then(Value::as_str)
                .map(|s| s.trim().chars().take(200).collect::<String>())
        })
        .filter(|s| !s.is_empty())
        .map(|s| format!(" ({s})"))
        .unwrap_or_default()
}

fn title(target: &ReferenceTarget) -> String {
    target.title.clone().unwrap_or_else(|| target.table.clone())
}

/// ` with list_all_service_now_sys_users (query nameLIKEAlice)`.
fn find_with(target: &ReferenceTarget, value: &str) -> String {
    let Some(tool) = &target.list_tool else {
        return String::new();
    };
    let field = target
        .display_field
        .as_deref()
        .or(target.lookup.first().map(String::as_str))
        .unwrap_or("name");
    let word: String = value
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .replace('^', "")
        .chars()
        .take(40)
        .collect();
    format!(" with {tool} (e.g. query {field}LIKE{word})")
}

/// `, or its user_name, email or name`.
fn accepted_names(target: &ReferenceTarget) -> String {
    if target.lookup.is_empty() {
        String::new()
    } else {
        format!(", or its {}", or_words(&target.lookup))
    }
}

fn or_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn article(table: &str) -> String {
    let vowel = table.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {table}", if vowel { "an" } else { "a" })
}

fn shorten(value: &str) -> String {
    if value.chars().count() > 60 {
        let cut: String = value.chars().take(60).collect();
        format!("{cut}...")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
pub(crate) mod tests;
