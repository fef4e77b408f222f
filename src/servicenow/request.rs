//! Request translation: a catalog tool plus its (already schema-checked) arguments becomes
//! a [`TableRequest`], and a `TableRequest` becomes the Table API `HttpRequest` (without
//! auth). Pure; re-checks everything that ends up in a URL.

use super::cursor::{query_scope, ListCursor};
use super::query::{
    equality_condition, is_field_name, join_query, opens_new_query_block, scalar_to_string,
};
use crate::http::{percent_encode, HttpRequest};
use serde_json::{Map, Value};
use snmcp_catalog::{MethodKind, MethodSpec, ResourceSpec, Tool};
use std::collections::BTreeMap;

/// Rows per page when the model gives no `limit`.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page a list tool asks for.
pub const MAX_LIMIT: u64 = 100;

/// List arguments that steer the call rather than filter on a field.
const LIST_CONTROLS: [&str; 5] = ["query", "fields", "limit", "next_cursor", "display_value"];

/// A problem with the tool arguments; the text tells the model what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentError(pub String);

/// A record's sys_id: exactly 32 lowercase hex characters, the only text that may become
/// a URL path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysId(String);

impl SysId {
    /// Accepts 32 hex characters in any case (stored lowercase).
    pub fn parse(raw: &str) -> Option<SysId> {
        (raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| SysId(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How the model named the record for get/update/delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    SysId(SysId),
    /// A record number (`INC0010203`), upper case; resolved with one list query.
    Number(String),
}

/// Paging of a list call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub offset: u64,
    pub limit: u64,
    /// Identifies table + encoded query, so a cursor is only reused with its own query.
    pub scope: String,
}

/// One Table API call, decided but not yet sent.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRequest {
    pub kind: MethodKind,
    pub table: String,
    /// Human name of the record type ("Incident"), for messages.
    pub title: String,
    /// The resource name in tool names (`incident`), for messages naming tools.
    pub resource: String,
    pub record: Option<RecordRef>,
    /// `sysparm_*` parameters in send order, not yet percent-encoded.
    pub params: Vec<(&'static str, String)>,
    pub body: Option<Map<String, Value>>,
    pub page: Option<ListPage>,
    /// The `fields` the model asked for (get/list), to report ones that did not come back.
    pub requested_fields: Vec<String>,
}

impl TableRequest {
    pub fn from_tool(
        tool: &Tool,
        args: &Map<String, Value>,
    ) -> Result<TableRequest, ArgumentError> {
        let resource = tool.resource.as_ref();
        if !is_table_name(&resource.table) {
            return Err(ArgumentError(format!(
                "the tool {} names an invalid ServiceNow table `{}`; the server's tool specs need fixing",
                tool.name, resource.table
            )));
        }
        let method = resource.methods.get(&tool.method);
        let mut request = TableRequest {
            kind: tool.kind,
            table: resource.table.clone(),
            title: resource.title.clone(),
            resource: resource.resource.clone(),
            record: None,
            params: Vec::new(),
            body: None,
            page: None,
            requested_fields: Vec::new(),
        };
        match tool.kind {
            MethodKind::List => {
                let filters = method.map_or(&[][..], |m| m.filters.as_slice());
                reject_unknown(tool, args, |k| {
                    LIST_CONTROLS.contains(&k) || filters.iter().any(|f| f == k)
                })?;
                request.list_params(tool, args)?;
            }
            MethodKind::Get => {
                reject_unknown(tool, args, |k| {
                    matches!(k, "id" | "fields" | "display_value")
                })?;
                request.record = Some(record_ref(tool, resource, args)?);
                request.read_params(args)?;
            }
            MethodKind::Create => {
                request.body = Some(write_body(tool, method, args)?);
                request
                    .params
                    .push(("sysparm_exclude_reference_link", "true".into()));
            }
            MethodKind::Update => {
                request.record = Some(record_ref(tool, resource, args)?);
                let body = write_body(tool, method, args)?;
                if body.is_empty() {
                    return Err(ArgumentError(format!(
                        "nothing to update: give at least one field to change besides `id` (see the input schema of {})",
                        tool.name
                    )));
                }
                request.body = Some(body);
                request
                    .params
                    .push(("sysparm_exclude_reference_link", "true".into()));
            }
            MethodKind::Delete => {
                reject_unknown(tool, args, |k| k == "id")?;
                request.record = Some(record_ref(tool, resource, args)?);
            }
        }
        Ok(request)
    }

    /// The list tool that finds these records.
    pub fn list_tool(&self) -> String {
        format!("list_all_service_now_{}", self.resource)
    }

    /// The get tool that reads one of these records.
    pub fn get_tool(&self) -> String {
        format!("get_single_service_now_{}_by_id", self.resource)
    }

    fn list_params(&mut self, tool: &Tool, args: &Map<String, Value>) -> Result<(), ArgumentError> {
        // Fixed values of a custom list method win over a model-supplied filter.
        let mut filters: BTreeMap<&str, String> = BTreeMap::new();
        for (field, value) in args
            .iter()
            .filter(|(k, _)| !LIST_CONTROLS.contains(&k.as_str()))
        {
            if tool.set.contains_key(field) {
                continue;
            }
            let value = scalar_to_string(value).ok_or_else(|| {
                ArgumentError(format!(
                    "the filter `{field}` must be a string, integer or boolean"
                ))
            })?;
            filters.insert(field, value);
        }
        for (field, value) in &tool.set {
            let value = scalar_to_string(value).ok_or_else(|| spec_error(tool, field))?;
            filters.insert(field, value);
        }
        let conditions = filters
            .iter()
            .map(|(field, value)| equality_condition(field, value).map_err(ArgumentError))
            .collect::<Result<Vec<String>, ArgumentError>>()?;

        let query = optional_str(args, "query")?;
        if let Some(q) = query {
            if !tool.set.is_empty() && opens_new_query_block(q) {
                let fixed: Vec<&str> = tool.set.keys().map(String::as_str).collect();
                return Err(ArgumentError(format!(
                    "`query` must not start with OR or NQ, nor contain ^NQ, here: {} always filters on {}, \
                     and an OR joined to that would escape it; make one call per condition instead",
                    tool.name,
                    fixed.join(", ")
                )));
            }
        }
        let encoded = join_query(&conditions, query);
        let scope = query_scope(&self.table, &encoded);
        let offset = match optional_str(args, "next_cursor")?.filter(|c| !c.trim().is_empty()) {
            Some(raw) => {
                ListCursor::decode(raw, &scope)
                    .map_err(|e| ArgumentError(e.message().to_string()))?
                    .offset
            }
            None => 0,
        };
        let limit = limit_arg(args)?;

        if !encoded.is_empty() {
            self.params.push(("sysparm_query", encoded));
        }
        self.params.push(("sysparm_limit", limit.to_string()));
        self.params.push(("sysparm_offset", offset.to_string()));
        self.page = Some(ListPage {
            offset,
            limit,
            scope,
        });
        self.read_params(args)
    }

    /// `sysparm_fields`, `sysparm_display_value` and plain sys_ids for references.
    fn read_params(&mut self, args: &Map<String, Value>) -> Result<(), ArgumentError> {
        self.requested_fields = fields_arg(args)?;
        if !self.requested_fields.is_empty() {
            // Always bring sys_id back, so the model can act on what it listed.
            let mut fields = self.requested_fields.clone();
            if !fields.iter().any(|f| f == "sys_id") {
                fields.push("sys_id".into());
            }
            self.params.push(("sysparm_fields", fields.join(",")));
        }
        if let Some(display) = display_value_arg(args)? {
            self.params.push(("sysparm_display_value", display.into()));
        }
        self.params
            .push(("sysparm_exclude_reference_link", "true".into()));
        Ok(())
    }

    /// The Table API request, without auth. `sys_id` is required for get/update/delete.
    pub fn to_http(
        &self,
        instance_url: &str,
        sys_id: Option<&SysId>,
    ) -> Result<HttpRequest, ArgumentError> {
        let collection = table_url(instance_url, &self.table);
        let (method, path) = match (self.kind, sys_id) {
            (MethodKind::List, _) => ("GET", collection),
            (MethodKind::Create, _) => ("POST", collection),
            (MethodKind::Get, Some(id)) => ("GET", format!("{collection}/{}", id.as_str())),
            (MethodKind::Update, Some(id)) => ("PATCH", format!("{collection}/{}", id.as_str())),
            (MethodKind::Delete, Some(id)) => ("DELETE", format!("{collection}/{}", id.as_str())),
            (kind, None) => {
                return Err(ArgumentError(format!(
                    "a {} call needs the record's sys_id in `id`",
                    kind.as_str()
                )))
            }
        };
        let mut request = HttpRequest::new(method, with_query(path, &self.params))
            .with_header("accept", "application/json");
        if let Some(body) = &self.body {
            let bytes = serde_json::to_vec(body).map_err(|e| {
                ArgumentError(format!(
                    "the request body could not be encoded as JSON: {e}"
                ))
            })?;
            request = request
                .with_header("content-type", "application/json")
                .with_body(bytes);
        }
        Ok(request)
    }
}

/// The one list query that turns a record number into its sys_id.
pub fn number_lookup_request(
    instance_url: &str,
    table: &str,
    number: &str,
) -> Result<HttpRequest, ArgumentError> {
    let condition = equality_condition("number", number).map_err(ArgumentError)?;
    let params = [
        ("sysparm_query", condition),
        ("sysparm_fields", "sys_id,number".to_string()),
        ("sysparm_limit", "1".to_string()),
    ];
    Ok(
        HttpRequest::new("GET", with_query(table_url(instance_url, table), &params))
            .with_header("accept", "application/json"),
    )
}

fn table_url(instance_url: &str, table: &str) -> String {
    format!(
        "{}/api/now/table/{table}",
        instance_url.trim_end_matches('/')
    )
}

fn with_query(url: String, params: &[(&'static str, String)]) -> String {
    if params.is_empty() {
        return url;
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    format!("{url}?{}", query.join("&"))
}

/// ServiceNow table names: lowercase letters, digits and `_` (`u_`/`x_` scoped ones too).
fn is_table_name(table: &str) -> bool {
    !table.is_empty()
        && table.len() <= 80
        && table
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn reject_unknown(
    tool: &Tool,
    args: &Map<String, Value>,
    known: impl Fn(&str) -> bool,
) -> Result<(), ArgumentError> {
    match args.keys().find(|k| !known(k)) {
        Some(k) => Err(ArgumentError(format!(
            "`{k}` is not an argument of {}; use only the properties of its input schema",
            tool.name
        ))),
        None => Ok(()),
    }
}

fn spec_error(tool: &Tool, field: &str) -> ArgumentError {
    ArgumentError(format!(
        "the fixed value of `{field}` in {} is not a string, number or boolean; the server's tool specs need fixing",
        tool.name
    ))
}

fn optional_str<'a>(
    args: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ArgumentError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ArgumentError(format!("`{name}` must be a string"))),
    }
}

fn limit_arg(args: &Map<String, Value>) -> Result<u64, ArgumentError> {
    let bad = || {
        ArgumentError(format!(
            "`limit` must be an integer from 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"
        ))
    };
    let limit = match args.get("limit") {
        None | Some(Value::Null) => return Ok(DEFAULT_LIMIT),
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Some(_) => None,
    };
    limit
        .filter(|l| (1..=MAX_LIMIT).contains(l))
        .ok_or_else(bad)
}

fn fields_arg(args: &Map<String, Value>) -> Result<Vec<String>, ArgumentError> {
    let bad = || {
        ArgumentError(
            "`fields` must be an array of field names such as [\"number\", \"caller_id.name\"]"
                .into(),
        )
    };
    let items = match args.get("fields") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad()),
    };
    let mut fields: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let name = item.as_str().map(str::trim).ok_or_else(bad)?;
        if !is_field_name(name) {
            return Err(ArgumentError(format!(
                "`{name}` in `fields` is not a field name (letters, digits, `_`, dot-walks like caller_id.name)"
            )));
        }
        if !fields.iter().any(|f| f == name) {
            fields.push(name.to_string());
        }
    }
    Ok(fields)
}

fn display_value_arg(args: &Map<String, Value>) -> Result<Option<&'static str>, ArgumentError> {
    match args.get("display_value") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(true)) => Ok(Some("true")),
        Some(Value::Bool(false)) => Ok(Some("false")),
        Some(Value::String(s)) => match s.as_str() {
            "true" => Ok(Some("true")),
            "false" => Ok(Some("false")),
            "all" => Ok(Some("all")),
            _ => Err(ArgumentError(
                "`display_value` must be \"true\" (labels), \"false\" (stored values) or \"all\" (both)".into(),
            )),
        },
        Some(_) => Err(ArgumentError("`display_value` must be \"true\", \"false\" or \"all\"".into())),
    }
}

/// The body of a create/update: documented body fields as strings, `set` values winning.
fn write_body(
    tool: &Tool,
    method: Option<&MethodSpec>,
    args: &Map<String, Value>,
) -> Result<Map<String, Value>, ArgumentError> {
    let allowed = method.map_or(&[][..], |m| m.body.as_slice());
    let is_update = tool.kind == MethodKind::Update;
    reject_unknown(tool, args, |k| {
        (is_update && k == "id") || allowed.iter().any(|f| f == k)
    })?;
    let mut body = Map::new();
    for (field, value) in args {
        if (is_update && field == "id") || tool.set.contains_key(field) {
            continue;
        }
        // An empty string clears a field in ServiceNow; null means the same here.
        let text = match value {
            Value::Null => String::new(),
            other => scalar_to_string(other).ok_or_else(|| {
                ArgumentError(format!(
                    "`{field}` must be a string, number or boolean, not an array or object"
                ))
            })?,
        };
        body.insert(field.clone(), Value::String(text));
    }
    for (field, value) in &tool.set {
        let text = scalar_to_string(value).ok_or_else(|| spec_error(tool, field))?;
        body.insert(field.clone(), Value::String(text));
    }
    Ok(body)
}

/// Reads `id`: a sys_id, or a record number when the resource has a number prefix.
fn record_ref(
    tool: &Tool,
    resource: &ResourceSpec,
    args: &Map<String, Value>,
) -> Result<RecordRef, ArgumentError> {
    let raw = optional_str(args, "id")?.map(str::trim).unwrap_or("");
    if let Some(sys_id) = SysId::parse(raw) {
        return Ok(RecordRef::SysId(sys_id));
    }
    if let Some(prefix) = resource.number_prefix.as_deref().filter(|p| !p.is_empty()) {
        let number = raw.to_ascii_uppercase();
        if number.len() > prefix.len()
            && number.len() <= 40
            && number.starts_with(&prefix.to_ascii_uppercase())
            && number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Ok(RecordRef::Number(number));
        }
    }
    let shown: String = raw.chars().take(64).collect();
    let number_hint = match resource.number_prefix.as_deref() {
        Some(prefix) => format!(" or its number (like {prefix}0010203)"),
        None => String::new(),
    };
    Err(ArgumentError(format!(
        "`id` must be the 32-character sys_id of the {}{number_hint}, got \"{shown}\"; find it with list_all_service_now_{} (the `{}` of {} is not its id)",
        resource.title, resource.resource, resource.display_field, tool.name
    )))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    pub(crate) const INSTANCE: &str = "https://dev1.service-now.com";
    pub(crate) const SYS_ID: &str = "46d44a5fa9fe198101cd4bc3a2ae2b7a";

    pub(crate) fn incident_spec() -> Arc<ResourceSpec> {
        let spec = json!({
            "resource": "incident", "table": "incident", "title": "Incident",
            "tags": ["itsm", "incident"], "description": "An unplanned interruption.",
            "docs": "Table API", "number_prefix": "INC", "display_field": "number",
            "fields": {
                "short_description": {"type": "string", "description": "Summary."},
                "state": {"type": "choice", "description": "State.", "choices": [{"value": "1", "label": "New"}]},
                "active": {"type": "boolean", "description": "Open.", "read_only": true},
                "priority": {"type": "integer", "description": "Priority."},
                "caller_id": {"type": "reference", "reference": "sys_user", "description": "Caller."},
                "close_code": {"type": "string", "description": "Resolution code."},
                "close_notes": {"type": "string", "description": "Resolution notes."},
                "work_notes": {"type": "journal", "description": "Notes."}
            },
            "methods": {
                "list": {"description": "List.", "filters": ["active", "state", "priority", "caller_id", "short_description"]},
                "get": {"description": "Get."},
                "create": {"description": "Create.", "body": ["short_description", "caller_id", "state", "priority"]},
                "update": {"description": "Update.", "body": ["short_description", "state", "work_notes"]},
                "delete": {"description": "Delete."},
                "resolve": {"kind": "update", "description": "Resolve.", "body": ["close_code", "close_notes", "state"],
                            "set": {"state": "6"}},
                "list_open": {"kind": "list", "description": "Open ones.", "filters": ["priority", "active"],
                              "set": {"active": true}}
            }
        });
        Arc::new(serde_json::from_value(spec).unwrap())
    }

    pub(crate) fn user_spec() -> Arc<ResourceSpec> {
        let spec = json!({
            "resource": "sys_users", "table": "sys_user", "title": "User", "tags": ["users"],
            "description": "People.", "docs": "Table API", "display_field": "name",
            "fields": {"name": {"type": "string", "description": "Name."}},
            "methods": {"get": {"description": "Get."}, "delete": {"description": "Delete."}}
        });
        Arc::new(serde_json::from_value(spec).unwrap())
    }

    /// The tool for `method` of `spec`, named as the catalog names it.
    pub(crate) fn tool(spec: &Arc<ResourceSpec>, method: &str) -> Tool {
        let m = &spec.methods[method];
        let kind = m.kind.or_else(|| MethodKind::parse(method)).unwrap();
        let r = &spec.resource;
        let name = match method {
            "list" => format!("list_all_service_now_{r}"),
            "get" => format!("get_single_service_now_{r}_by_id"),
            "create" => format!("create_a_service_now_{r}"),
            "update" => format!("update_a_service_now_{r}_by_id"),
            "delete" => format!("delete_a_service_now_{r}_by_id"),
            custom => format!("{custom}_service_now_{r}"),
        };
        Tool {
            name,
            method: method.into(),
            kind,
            resource: spec.clone(),
            set: m.set.clone(),
            definition: json!({}),
        }
    }

    /// A response with a non-JSON body (HTML pages, plain text).
    pub(crate) fn raw_response(status: u16, body: &str) -> crate::http::HttpResponse {
        let mut response = crate::http::HttpResponse::new(status);
        response.body = body.as_bytes().to_vec();
        response
    }

    pub(crate) fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn cursor_for(query: &str, offset: u64) -> String {
        ListCursor {
            offset,
            scope: query_scope("incident", query),
        }
        .encode()
    }

    /// (case, method, arguments, expected "METHOD URL" and JSON body)
    #[test]
    fn tool_calls_translate_to_table_api_requests() {
        let id = SysId::parse(SYS_ID).unwrap();
        let base = "https://dev1.service-now.com/api/now/table/incident";
        let cases: Vec<(&str, &str, Value, String, Option<Value>)> = vec![
            (
                "list with defaults",
                "list",
                json!({}),
                format!("GET {base}?sysparm_limit=20&sysparm_offset=0&sysparm_exclude_reference_link=true"),
                None,
            ),
            (
                "list with filters, query, fields and display values",
                "list",
                json!({"state": 2, "active": true, "query": "^priority<=2^ORDERBYDESCsys_created_on",
                       "fields": ["number", "short_description", "caller_id.name"], "limit": 5, "display_value": "all"}),
                format!(
                    "GET {base}?sysparm_query=active%3Dtrue%5Estate%3D2%5Epriority%3C%3D2%5EORDERBYDESCsys_created_on\
                     &sysparm_limit=5&sysparm_offset=0&sysparm_fields=number%2Cshort_description%2Ccaller_id.name%2Csys_id\
                     &sysparm_display_value=all&sysparm_exclude_reference_link=true"
                ),
                None,
            ),
            (
                "list filter values cannot inject operators",
                "list",
                json!({"short_description": "db down^ORactive=false"}),
                format!(
                    "GET {base}?sysparm_query=short_description%3Ddb%20down%5E%5EORactive%3Dfalse\
                     &sysparm_limit=20&sysparm_offset=0&sysparm_exclude_reference_link=true"
                ),
                None,
            ),
            (
                "list continues from its cursor",
                "list",
                json!({"state": "1", "limit": 10, "next_cursor": cursor_for("state=1", 30)}),
                format!("GET {base}?sysparm_query=state%3D1&sysparm_limit=10&sysparm_offset=30&sysparm_exclude_reference_link=true"),
                None,
            ),
            (
                "custom list adds its fixed filter and it wins",
                "list_open",
                json!({"active": false, "priority": 1}),
                format!("GET {base}?sysparm_query=active%3Dtrue%5Epriority%3D1&sysparm_limit=20&sysparm_offset=0&sysparm_exclude_reference_link=true"),
                None,
            ),
            (
                "get by sys_id with fields keeps a requested sys_id once",
                "get",
                json!({"id": SYS_ID, "fields": ["sys_id", "state"], "display_value": true}),
                format!("GET {base}/{SYS_ID}?sysparm_fields=sys_id%2Cstate&sysparm_display_value=true&sysparm_exclude_reference_link=true"),
                None,
            ),
            (
                "create sends strings",
                "create",
                json!({"short_description": "Email down", "priority": 2, "caller_id": SYS_ID}),
                format!("POST {base}?sysparm_exclude_reference_link=true"),
                Some(json!({"short_description": "Email down", "priority": "2", "caller_id": SYS_ID})),
            ),
            (
                "update patches the body fields only",
                "update",
                json!({"id": SYS_ID, "state": 2, "work_notes": "Looking into it"}),
                format!("PATCH {base}/{SYS_ID}?sysparm_exclude_reference_link=true"),
                Some(json!({"state": "2", "work_notes": "Looking into it"})),
            ),
            (
                "custom update merges set values, which win",
                "resolve",
                json!({"id": SYS_ID, "close_code": "Solution provided", "close_notes": "Rebooted", "state": "2"}),
                format!("PATCH {base}/{SYS_ID}?sysparm_exclude_reference_link=true"),
                Some(json!({"close_code": "Solution provided", "close_notes": "Rebooted", "state": "6"})),
            ),
            ("delete by sys_id", "delete", json!({"id": SYS_ID}), format!("DELETE {base}/{SYS_ID}"), None),
        ];
        let spec = incident_spec();
        for (case, method, arguments, expected_line, expected_body) in cases {
            let request = TableRequest::from_tool(&tool(&spec, method), &args(arguments))
                .unwrap_or_else(|e| panic!("{case}: {e:?}"));
            let http = request.to_http(INSTANCE, Some(&id)).unwrap();
            assert_eq!(
                format!("{} {}", http.method, http.url),
                expected_line,
                "{case}"
            );
            assert_eq!(http.header("accept"), Some("application/json"), "{case}");
            match expected_body {
                Some(body) => {
                    assert_eq!(
                        http.header("content-type"),
                        Some("application/json"),
                        "{case}"
                    );
                    assert_eq!(
                        serde_json::from_slice::<Value>(&http.body).unwrap(),
                        body,
                        "{case}"
                    );
                }
                None => {
                    assert_eq!(http.header("content-type"), None, "{case}");
                    assert!(http.body.is_empty(), "{case}");
                }
            }
        }
    }

    #[test]
    fn invalid_arguments_are_refused_with_a_hint() {
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            (
                "limit above the maximum",
                "list",
                json!({"limit": 101}),
                "from 1 to 100",
            ),
            ("limit zero", "list", json!({"limit": 0}), "from 1 to 100"),
            (
                "limit not a number",
                "list",
                json!({"limit": "ten"}),
                "from 1 to 100",
            ),
            (
                "filter with a newline",
                "list",
                json!({"short_description": "a\nb"}),
                "line break",
            ),
            (
                "filter that is an array",
                "list",
                json!({"state": ["1"]}),
                "string, integer or boolean",
            ),
            (
                "undocumented filter",
                "list",
                json!({"sys_class_name": "x"}),
                "not an argument of list_all_service_now_incident",
            ),
            (
                "cursor from another query",
                "list",
                json!({"state": "2", "next_cursor": cursor_for("state=1", 20)}),
                "different query",
            ),
            (
                "garbage cursor",
                "list",
                json!({"next_cursor": "%%%"}),
                "without next_cursor",
            ),
            (
                "bad field name",
                "list",
                json!({"fields": ["number^x"]}),
                "not a field name",
            ),
            (
                "fields not an array",
                "get",
                json!({"id": SYS_ID, "fields": "number"}),
                "array of field names",
            ),
            (
                "bad display value",
                "get",
                json!({"id": SYS_ID, "display_value": "labels"}),
                "display_value",
            ),
            (
                "new OR block escaping a fixed filter",
                "list_open",
                json!({"query": "priority=1^NQactive=false"}),
                "^NQ",
            ),
            (
                "name instead of id",
                "get",
                json!({"id": "Sarah"}),
                "32-character sys_id of the Incident or its number",
            ),
            (
                "number with another prefix",
                "delete",
                json!({"id": "CHG0000001"}),
                "list_all_service_now_incident",
            ),
            (
                "id with path characters",
                "get",
                json!({"id": "../sys_user/46d44a5fa9fe198101cd4bc3a2ae2b7"}),
                "sys_id",
            ),
            ("missing id", "delete", json!({}), "sys_id"),
            (
                "read-only field in a body",
                "create",
                json!({"active": "true"}),
                "not an argument",
            ),
            (
                "object as a body value",
                "create",
                json!({"short_description": {"a": 1}}),
                "not an array or object",
            ),
            (
                "update without fields",
                "update",
                json!({"id": SYS_ID}),
                "nothing to update",
            ),
            (
                "extra delete argument",
                "delete",
                json!({"id": SYS_ID, "force": true}),
                "not an argument",
            ),
        ];
        let spec = incident_spec();
        for (case, method, arguments, expected) in cases {
            match TableRequest::from_tool(&tool(&spec, method), &args(arguments)) {
                Err(ArgumentError(message)) => {
                    assert!(message.contains(expected), "{case}: {message}")
                }
                Ok(r) => panic!("{case}: accepted as {r:?}"),
            }
        }
    }

    #[test]
    fn ids_are_sys_ids_or_numbers_of_the_resource() {
        let incident = incident_spec();
        let users = user_spec();
        let cases: Vec<(&Arc<ResourceSpec>, &str, Option<RecordRef>)> = vec![
            (
                &incident,
                SYS_ID,
                Some(RecordRef::SysId(SysId(SYS_ID.into()))),
            ),
            (
                &incident,
                "46D44A5FA9FE198101CD4BC3A2AE2B7A",
                Some(RecordRef::SysId(SysId(SYS_ID.into()))),
            ),
            (
                &incident,
                "INC0010203",
                Some(RecordRef::Number("INC0010203".into())),
            ),
            (
                &incident,
                " inc0010203 ",
                Some(RecordRef::Number("INC0010203".into())),
            ),
            (&incident, "INC", None),
            (&incident, "INC001^ORx", None),
            (&users, "USR0001", None),
            (&users, "admin", None),
        ];
        for (spec, id, expected) in cases {
            let got = TableRequest::from_tool(&tool(spec, "get"), &args(json!({"id": id})))
                .map(|r| r.record);
            match expected {
                Some(want) => assert_eq!(got, Ok(Some(want)), "{id}"),
                None => assert!(got.is_err(), "{id}: {got:?}"),
            }
        }
    }

    #[test]
    fn number_lookup_asks_for_one_sys_id() {
        let http = number_lookup_request(INSTANCE, "incident", "INC0010203").unwrap();
        assert_eq!(http.method, "GET");
        assert_eq!(
            http.url,
            "https://dev1.service-now.com/api/now/table/incident?sysparm_query=number%3DINC0010203&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1"
        );
    }

    #[test]
    fn record_calls_need_a_resolved_sys_id() {
        let spec = incident_spec();
        let request =
            TableRequest::from_tool(&tool(&spec, "get"), &args(json!({"id": "INC0010203"})))
                .unwrap();
        assert!(request.to_http(INSTANCE, None).is_err());
    }

    #[test]
    fn list_paging_defaults_and_scope() {
        let spec = incident_spec();
        let request =
            TableRequest::from_tool(&tool(&spec, "list"), &args(json!({"state": "1"}))).unwrap();
        assert_eq!(
            request.page,
            Some(ListPage {
                offset: 0,
                limit: DEFAULT_LIMIT,
                scope: query_scope("incident", "state=1")
            })
        );
    }

    #[test]
    fn a_query_cannot_or_its_way_out_of_a_fixed_filter() {
        let spec = incident_spec();
        let open = tool(&spec, "list_open");
        for query in [
            "ORactive=false",
            "NQactive=false",
            "^ORactive=false",
            " ^NQactive=false",
            "^^ORactive=false",
            "priority=1^NQactive=false",
        ] {
            let got = TableRequest::from_tool(&open, &args(json!({ "query": query })));
            let message = got.map(|_| ()).unwrap_err().0;
            assert!(
                message.contains("always filters on active"),
                "{query}: {message}"
            );
        }
        for (query, encoded) in [
            ("ORDERBYnumber", "active=true^ORDERBYnumber"),
            (
                "^priority=1^ORpriority=2",
                "active=true^priority=1^ORpriority=2",
            ),
            (
                "short_descriptionLIKEor",
                "active=true^short_descriptionLIKEor",
            ),
        ] {
            let request = TableRequest::from_tool(&open, &args(json!({ "query": query }))).unwrap();
            let sent: Vec<&String> = request
                .params
                .iter()
                .filter(|(k, _)| *k == "sysparm_query")
                .map(|(_, v)| v)
                .collect();
            assert_eq!(sent, vec![encoded], "{query}");
        }
    }
}
