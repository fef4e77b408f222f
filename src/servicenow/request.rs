//! Request translation: a catalog tool plus its typed call (arguments already checked
//! and read by the catalog, see `snmcp_catalog::ToolCall`) becomes a [`TableRequest`],
//! and a `TableRequest` becomes the Table API `HttpRequest` (without auth). Pure;
//! re-checks everything that ends up in a URL.

use super::cursor::{query_scope, ListCursor};
use super::query::{
    equality_condition, escapes_fixed_conditions, is_field_name, join_query, ANCHOR,
};
use super::scope::Scope;
use super::upload::{self, check_file_name, Upload};
use crate::http::{percent_encode, HttpRequest};
use serde_json::{Map, Value};
use snmcp_catalog::{
    tool_name, Endpoint, FieldType, FileTransfer, Follow, MethodKind, RecordId, ResourceSpec, Tool,
    ToolCall, FIELDS_MAX_ITEMS, LIMIT_MAX,
};
use snmcp_catalog::{FieldName, RecordNumber};
use std::borrow::Cow;
use std::collections::BTreeMap;

pub use super::refusal::ArgumentError;

/// A record's sys_id, typed where it enters (the catalog checks a call's `id`).
pub use snmcp_catalog::SysId;

/// How the model named the record for get/update/delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    SysId(SysId),
    /// A record number (`INC0010203`); resolved with one list query.
    Number(RecordNumber),
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
    /// The field naming a record (`number`, `name`), for resource links.
    pub display_field: String,
    /// True when ServiceNow is asked for both forms (`sysparm_display_value=all`, get
    /// and list without `display_value`) and the result is to be made compact.
    pub compact_display: bool,
    /// Reference and choice fields whose name or label goes beside the code then.
    pub labelled: Vec<String>,
    /// The method's own endpoint when it is not the Table API (spec `endpoint`).
    pub endpoint: Option<Endpoint>,
    /// Query parameters the endpoint fills from arguments, not yet percent-encoded.
    pub mapped: Vec<(String, String)>,
    /// Dot path of the record(s) in the JSON answer (`result` on the Table API).
    pub records: String,
    /// What the request sends beyond its URL.
    pub payload: Payload,
    /// What its answer is read as.
    pub answer: Answer,
}

/// What a request sends beyond its URL.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Payload {
    /// `body` as JSON, when there is one.
    #[default]
    Json,
    /// An upload's file, sent as the raw body with its own Content-Type.
    File(Upload),
    /// An order (content `order`): its JSON body is built after the form is read and
    /// the variables checked, so nothing is sent before.
    Order(Order),
}

/// What a request's answer is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Answer {
    /// JSON holding the record(s) at `records`.
    #[default]
    Records,
    /// A file's bytes (content `download`).
    File,
    /// JSON whose `variables` become `result.variables_schema` (content `variables`).
    VariablesSchema,
}

/// What an order sends once its variables pass the item's form.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub variables: Map<String, Value>,
    pub quantity: u64,
    /// Body members from the endpoint's `inputs` (`sysparm_requested_for`, sys_id),
    /// resolved before the request is built.
    pub params: Vec<(String, String)>,
}

impl TableRequest {
    /// The request of `call`, a typed call of `tool`, within the tables `scope` lets
    /// the server reach; a file an upload sends may be up to `upload_max_bytes` (after
    /// decoding).
    pub fn from_call(
        tool: &Tool,
        call: &ToolCall,
        scope: &Scope<'_>,
        upload_max_bytes: usize,
    ) -> Result<TableRequest, ArgumentError> {
        let resource = tool.resource.as_ref();
        // Table names were checked when the catalog loaded (`rules::check_resource`).
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
            display_field: resource.display_field.clone(),
            compact_display: false,
            labelled: Vec::new(),
            endpoint: None,
            mapped: Vec::new(),
            records: "result".into(),
            payload: Payload::Json,
            answer: Answer::Records,
        };
        if let (MethodKind::Create, Some(field)) = (tool.kind, &resource.row_table) {
            // A row of another table's record (an attachment): that table must be
            // writable here.
            let table = call.body.iter().find(|(name, _)| name == field);
            let Some((_, table)) = table else {
                return Err(ArgumentError(format!(
                    "{} needs `{field}`: the table of the record this belongs to. Nothing was sent to ServiceNow.",
                    tool.name
                )));
            };
            scope.check_row_table(resource, table, true)?;
        }
        let endpoint = tool.method_spec().and_then(|m| m.endpoint.clone());
        let (call, mapped) = split_mapped(endpoint.as_ref(), call)?;
        let call: &ToolCall = &call;
        match tool.kind {
            MethodKind::List => request.list_params(tool, call, scope)?,
            MethodKind::Get => {
                request.record = Some(record_ref(tool, call)?);
                request.read_params(tool, call, scope)?;
            }
            MethodKind::Create => {
                request.body = Some(write_body(tool, call)?);
                request
                    .params
                    .push(("sysparm_exclude_reference_link", "true".into()));
            }
            MethodKind::Update if is_order(endpoint.as_ref()) => {
                request.record = Some(record_ref(tool, call)?);
                let inputs = endpoint.as_ref().map(|e| &e.inputs);
                let params = call
                    .inputs
                    .iter()
                    .filter_map(|(name, value)| {
                        let input = inputs?.get(name)?;
                        Some((input.param.clone(), value.clone()))
                    })
                    .collect();
                request.payload = Payload::Order(Order {
                    variables: call.variables.clone().unwrap_or_default(),
                    quantity: call.quantity.unwrap_or(1),
                    params,
                });
            }
            MethodKind::Update => {
                request.record = Some(record_ref(tool, call)?);
                let body = write_body(tool, call)?;
                if body.is_empty() {
                    let fields = tool.method_spec().map_or(&[][..], |m| m.body.as_slice());
                    return Err(ArgumentError(format!(
                        "nothing to update: give at least one field to change besides `id` ({}), or name fields to empty in `clear`; \
                         \"\" and null mean \"not given\". Nothing was sent to ServiceNow.",
                        fields.join(", ")
                    )));
                }
                request.body = Some(body);
                request
                    .params
                    .push(("sysparm_exclude_reference_link", "true".into()));
            }
            MethodKind::Delete => {
                request.record = Some(record_ref(tool, call)?);
            }
        }
        if let Some(endpoint) = endpoint {
            // Only the parameters the endpoint documents are sent; without
            // sysparm_display_value the answer holds plain values, nothing to compact.
            request
                .params
                .retain(|(name, _)| endpoint.params.iter().any(|p| p == name));
            if !endpoint.params.iter().any(|p| p == "sysparm_display_value") {
                request.compact_display = false;
                request.labelled.clear();
            }
            if request.body.as_ref().is_some_and(Map::is_empty) && !mapped.is_empty() {
                request.body = None;
            }
            request.records = endpoint.records.clone();
            match endpoint.content {
                Some(FileTransfer::Upload) => {
                    request.payload = Payload::File(upload(
                        tool,
                        call,
                        &mut request,
                        &endpoint,
                        &mapped,
                        upload_max_bytes,
                    )?)
                }
                Some(FileTransfer::Download) => request.answer = Answer::File,
                Some(FileTransfer::Variables) => request.answer = Answer::VariablesSchema,
                Some(FileTransfer::Order) | None => {}
            }
            let mut mapped = mapped;
            if let (Some(param), Some(text)) = (&endpoint.text, &call.text) {
                if text.chars().any(char::is_control) {
                    return Err(ArgumentError(
                        "`text` must not contain line breaks or other control characters".into(),
                    ));
                }
                if !text.trim().is_empty() {
                    mapped.push((param.clone(), text.trim().to_string()));
                }
            }
            request.mapped = mapped;
            request.endpoint = Some(endpoint);
        }
        Ok(request)
    }

    /// The request of arguments already valid against `tool`'s inputSchema, for tests
    /// that hold raw arguments; the typed call is read the same way.
    #[cfg(test)]
    pub fn from_tool(
        tool: &Tool,
        args: &Map<String, Value>,
    ) -> Result<TableRequest, ArgumentError> {
        let catalog =
            snmcp_catalog::Catalog::builtin().map_err(|e| ArgumentError(e.to_string()))?;
        let everything = snmcp_catalog::ToolFilter::default();
        TableRequest::from_call(
            tool,
            &ToolCall::from_valid(tool, args),
            &Scope::new(catalog, &everything),
            crate::limits::DEFAULT_UPLOAD_MAX_BYTES,
        )
    }

    /// The list tool that finds these records.
    pub fn list_tool(&self) -> String {
        tool_name(&self.resource, MethodKind::List.as_str())
    }

    /// The get tool that reads one of these records.
    pub fn get_tool(&self) -> String {
        tool_name(&self.resource, MethodKind::Get.as_str())
    }

    fn list_params(
        &mut self,
        tool: &Tool,
        call: &ToolCall,
        scope: &Scope<'_>,
    ) -> Result<(), ArgumentError> {
        let resource = tool.resource.as_ref();
        // The model's filters, then the fixed values of a custom list method, which win.
        let mut filters: BTreeMap<&str, String> = BTreeMap::new();
        for (field, value) in &call.filters {
            if !tool.set.contains_key(field.as_str()) {
                filters.insert(field, value.clone());
            }
        }
        // Rows of every table (attachments, journal entries): only those of tables this
        // server exposes, as the first condition; a filter naming another table is refused.
        let mut fixed: Vec<String> = scope.row_condition(resource)?.into_iter().collect();
        if let Some(field) = &resource.row_table {
            if let Some(table) = filters.get(field.as_str()).filter(|t| !t.is_empty()) {
                scope.check_row_table(resource, table, false)?;
            }
        }
        for (field, value) in &tool.set {
            let value = set_text(tool, field, value)?;
            fixed.push(equality_condition(field, &value)?);
        }
        let method = tool.method_spec();
        let where_query = method.and_then(|m| m.where_query.as_deref());
        // The spec's own encoded query (rules keep it one block without control characters).
        fixed.extend(where_query.map(str::to_string));
        let mut conditions = filters
            .iter()
            .map(|(field, value)| equality_condition(field, value))
            .collect::<Result<Vec<String>, ArgumentError>>()?;

        let query = call.query.as_deref().filter(|q| !q.trim().is_empty());
        if let Some(q) = query {
            scope.check_query(&self.table, q, "`query`")?;
            if !fixed.is_empty() && escapes_fixed_conditions(q) {
                let mut names: Vec<&str> = resource.row_table.iter().map(String::as_str).collect();
                names.extend(tool.set.keys().map(String::as_str));
                names.extend(where_query);
                return Err(ArgumentError(format!(
                    "`query` must not start with OR, NQ or ^ nor contain ^NQ here: {} always filters on {}, and a new OR block would \
                     escape that; make one call per condition instead",
                    tool.name,
                    names.join(", ")
                )));
            }
            // An OR the query starts anyway (behind an ORDERBY) binds to this anchor,
            // true of every record, never to a fixed condition.
            if !fixed.is_empty() {
                fixed.push(ANCHOR.to_string());
            }
        }
        // Fixed conditions come first, AND-ed before the model's own text, which cannot
        // start a new OR block (refused above).
        fixed.append(&mut conditions);
        let encoded = join_query(&fixed, query);
        let page_scope = query_scope(&self.table, &encoded);
        let offset = match call.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(raw) => {
                ListCursor::decode(raw, &page_scope)
                    .map_err(|e| ArgumentError(e.message().to_string()))?
                    .offset
            }
            None => 0,
        };
        let limit = call.limit.clamp(1, LIMIT_MAX);

        if !encoded.is_empty() {
            self.params.push(("sysparm_query", encoded));
        }
        self.params.push(("sysparm_limit", limit.to_string()));
        self.params.push(("sysparm_offset", offset.to_string()));
        self.page = Some(ListPage {
            offset,
            limit,
            scope: page_scope,
        });
        self.read_params(tool, call, scope)
    }

    /// `sysparm_fields`, `sysparm_display_value` and plain sys_ids for references.
    /// Without `display_value` both forms are asked for (`all`) and the response keeps
    /// the codes, with names and labels beside them for reference and choice fields.
    fn read_params(
        &mut self,
        tool: &Tool,
        call: &ToolCall,
        scope: &Scope<'_>,
    ) -> Result<(), ArgumentError> {
        let resource: &ResourceSpec = tool.resource.as_ref();
        if call.fields.len() > FIELDS_MAX_ITEMS as usize {
            return Err(ArgumentError(format!(
                "`fields` may list at most {FIELDS_MAX_ITEMS} field names, got {}; leave it out to get every field",
                call.fields.len()
            )));
        }
        for name in &call.fields {
            if !is_field_name(name) {
                return Err(ArgumentError(format!(
                    "`{name}` in `fields` is not a field name (letters, digits, `_`, dot-walks like caller_id.name)"
                )));
            }
            scope.check_field(&resource.table, name, "`fields`")?;
        }
        self.requested_fields = call.fields.iter().map(FieldName::to_string).collect();
        let returns = tool.method_spec().map_or(&[][..], |m| m.returns.as_slice());
        if self.requested_fields.is_empty() && !returns.is_empty() {
            // The method's readable shape, when the model names no fields.
            self.params.push(("sysparm_fields", returns.join(",")));
        } else if !self.requested_fields.is_empty() {
            // Always bring sys_id back, so the model can act on what it listed.
            let mut fields = self.requested_fields.clone();
            if !fields.iter().any(|f| f == "sys_id") {
                fields.push("sys_id".into());
            }
            self.params.push(("sysparm_fields", fields.join(",")));
        }
        match call.display_value {
            Some(display) => self
                .params
                .push(("sysparm_display_value", display.as_param().into())),
            None => {
                self.params.push(("sysparm_display_value", "all".into()));
                self.compact_display = true;
                self.labelled = resource
                    .fields
                    .iter()
                    .filter(|(_, f)| {
                        matches!(f.field_type, FieldType::Reference | FieldType::Choice)
                    })
                    .map(|(name, _)| name.clone())
                    .collect();
            }
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
        let (method, path) = match (&self.endpoint, self.kind, sys_id) {
            (Some(endpoint), _, _) => (
                endpoint.method.as_str(),
                endpoint_url(instance_url, endpoint, &self.table, self.kind, sys_id)?,
            ),
            (None, kind, sys_id) => table_route(collection, kind, sys_id)?,
        };
        let mut url = with_query(path, &self.params);
        for (name, value) in &self.mapped {
            let separator = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}{name}={}", percent_encode(value));
        }
        let mut request = HttpRequest::new(method, url).with_header("accept", "application/json");
        if let Payload::File(upload) = &self.payload {
            return Ok(request
                .with_header("content-type", upload.content_type.clone())
                .with_body(upload.bytes.clone()));
        }
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

/// The URL of a non-Table endpoint: its path template filled with the record's sys_id
/// (checked hex, the only argument text that may become a path segment) and the
/// resource's table (a checked table name); `kind` names the call in the error.
fn endpoint_url(
    instance_url: &str,
    endpoint: &Endpoint,
    table: &str,
    kind: MethodKind,
    sys_id: Option<&SysId>,
) -> Result<String, ArgumentError> {
    let mut path = String::new();
    for segment in endpoint.path.split('/').skip(1) {
        let filled = match segment {
            "{sys_id}" => sys_id.map(SysId::as_str).ok_or_else(|| {
                ArgumentError(format!(
                    "a {} call needs the record's sys_id in `id`",
                    kind.as_str()
                ))
            })?,
            "{table}" => table,
            literal => literal,
        };
        path.push('/');
        path.push_str(filled);
    }
    Ok(format!("{}{path}", instance_url.trim_end_matches('/')))
}

/// The read of which table a row of `resource` belongs to (spec `row_table`, the field
/// `field`): the resource's own metadata endpoint when its `get` has one (the Attachment
/// API for attachments), else the Table API asking for that one field.
pub fn row_owner_request(
    instance_url: &str,
    resource: &ResourceSpec,
    field: &str,
    sys_id: &SysId,
) -> Result<HttpRequest, ArgumentError> {
    let metadata = resource
        .methods
        .get("get")
        .and_then(|m| m.endpoint.as_ref())
        .filter(|e| e.content.is_none() && e.method == snmcp_catalog::spec::HttpMethod::Get);
    let url = match metadata {
        Some(endpoint) => endpoint_url(
            instance_url,
            endpoint,
            &resource.table,
            MethodKind::Get,
            Some(sys_id),
        )?,
        None => with_query(
            format!(
                "{}/{}",
                table_url(instance_url, &resource.table),
                sys_id.as_str()
            ),
            &[("sysparm_fields", field.to_string())],
        ),
    };
    Ok(HttpRequest::new("GET", url).with_header("accept", "application/json"))
}

/// The Table API method and URL of a call of `kind`.
fn table_route(
    collection: String,
    kind: MethodKind,
    sys_id: Option<&SysId>,
) -> Result<(&'static str, String), ArgumentError> {
    Ok(match (kind, sys_id) {
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
    })
}

/// The checked file of an upload: its Content-Type comes out of the body (it travels as
/// a header), its name is a plain file name, its type allowed, its size within the cap.
/// Any refusal comes before a request is sent, so nothing is written.
fn upload(
    tool: &Tool,
    call: &ToolCall,
    request: &mut TableRequest,
    endpoint: &Endpoint,
    mapped: &[(String, String)],
    max_bytes: usize,
) -> Result<Upload, ArgumentError> {
    let content_type = request
        .body
        .as_mut()
        .and_then(|b| b.remove("content_type"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    request.body = None;
    let mut file_name = "";
    for (param, field) in &endpoint.query {
        if field == "file_name" {
            if let Some((_, name)) = mapped.iter().find(|(p, _)| p == param) {
                check_file_name(name)?;
                file_name = name;
            }
        }
    }
    let Some(file) = &call.file else {
        return Err(ArgumentError(format!(
            "{} needs the file in `content` (its text, or base64 with encoding base64)",
            tool.name
        )));
    };
    upload::upload(
        file_name,
        &content_type,
        &file.content,
        file.base64,
        max_bytes,
    )
}

fn is_order(endpoint: Option<&Endpoint>) -> bool {
    endpoint.is_some_and(|e| e.content == Some(FileTransfer::Order))
}

/// `(parameter, value)` pairs for a URL's query, not yet percent-encoded.
type QueryPairs = Vec<(String, String)>;

/// Takes the fields an endpoint sends as query parameters out of the call's filters and
/// body; they become `(parameter, value)` pairs. Line breaks never reach a URL. A call
/// with nothing to map (every Table API call) is borrowed as it is.
fn split_mapped<'c>(
    endpoint: Option<&Endpoint>,
    call: &'c ToolCall,
) -> Result<(Cow<'c, ToolCall>, QueryPairs), ArgumentError> {
    let mut mapped = Vec::new();
    let Some(endpoint) = endpoint.filter(|e| !e.query.is_empty()) else {
        return Ok((Cow::Borrowed(call), mapped));
    };
    let mut call = call.clone();
    for (param, field) in &endpoint.query {
        let mut taken = None;
        for list in [&mut call.filters, &mut call.body] {
            if let Some(at) = list.iter().position(|(name, _)| name == field) {
                taken = Some(list.remove(at).1);
            }
        }
        if let Some(value) = taken {
            if value.chars().any(char::is_control) {
                return Err(ArgumentError(format!(
                    "`{field}` must not contain line breaks or other control characters"
                )));
            }
            mapped.push((param.clone(), value));
        }
    }
    Ok((Cow::Owned(call), mapped))
}

/// The Table API read after a successful write (spec `endpoint.follow`): the records of
/// `follow.table` whose `follow.field` is the written record's sys_id.
pub fn follow_request(
    instance_url: &str,
    follow: &Follow,
    sys_id: &SysId,
) -> Result<HttpRequest, ArgumentError> {
    let condition = equality_condition(&follow.field, sys_id.as_str())?;
    let params = [
        ("sysparm_query", condition),
        ("sysparm_fields", follow.fields.join(",")),
        ("sysparm_display_value", "all".to_string()),
        ("sysparm_exclude_reference_link", "true".to_string()),
        ("sysparm_limit", LIMIT_MAX.to_string()),
    ];
    Ok(HttpRequest::new(
        "GET",
        with_query(table_url(instance_url, &follow.table), &params),
    )
    .with_header("accept", "application/json"))
}

/// The one list query that turns a record number into its sys_id.
pub fn number_lookup_request(
    instance_url: &str,
    table: &str,
    number: &str,
) -> Result<HttpRequest, ArgumentError> {
    let condition = equality_condition("number", number)?;
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

/// A fixed value of a custom method as ServiceNow text (the spec rules make it a string).
fn set_text(tool: &Tool, field: &str, value: &Value) -> Result<String, ArgumentError> {
    value.as_str().map(str::to_string).ok_or_else(|| {
        ArgumentError(format!(
            "the fixed value of `{field}` in {} is not a string; the server's tool specs need fixing",
            tool.name
        ))
    })
}

/// The body of a create/update: the call's body fields, `set` values winning.
fn write_body(tool: &Tool, call: &ToolCall) -> Result<Map<String, Value>, ArgumentError> {
    let mut body = Map::new();
    for (field, value) in &call.body {
        if !tool.set.contains_key(field.as_str()) {
            body.insert(field.to_string(), Value::String(value.clone()));
        }
    }
    // Emptying is explicit: each name in `clear` must be a field this tool writes, and
    // not also be given a value.
    let writable = tool.method_spec().map_or(&[][..], |m| m.body.as_slice());
    for field in &call.clear {
        if !writable.iter().any(|w| field == w) || tool.set.contains_key(field.as_str()) {
            return Err(ArgumentError(format!(
                "`clear` names `{}`, which {} cannot empty; it can empty: {}. Nothing was sent to ServiceNow.",
                field.chars().take(64).collect::<String>(),
                tool.name,
                writable.join(", ")
            )));
        }
        if body.contains_key(field.as_str()) {
            return Err(ArgumentError(format!(
                "`{field}` is both given a value and named in `clear`; do one or the other. Nothing was sent to ServiceNow."
            )));
        }
        body.insert(field.to_string(), Value::String(String::new()));
    }
    for (field, value) in &tool.set {
        body.insert(field.clone(), Value::String(set_text(tool, field, value)?));
    }
    Ok(body)
}

/// The record of get/update/delete. The catalog's id pattern admits only a lowercase
/// sys_id or a number with this resource's prefix; this re-checks what reaches a URL.
fn record_ref(tool: &Tool, call: &ToolCall) -> Result<RecordRef, ArgumentError> {
    let resource = tool.resource.as_ref();
    // The catalog checked the id (a sys_id, or a number with this resource's prefix);
    // only a call without one is left to refuse.
    match &call.record {
        Some(RecordId::SysId(sys_id)) => Ok(RecordRef::SysId(sys_id.clone())),
        Some(RecordId::Number(number)) => Ok(RecordRef::Number(number.clone())),
        None => Err(ArgumentError(format!(
            "`id` must be the 32-character sys_id of the {} or its number, got \"\"; find it with {}",
            resource.title,
            tool_name(&resource.resource, MethodKind::List.as_str()),
        ))),
    }
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
                "update": {"description": "Update.", "body": ["short_description", "state", "work_notes", "caller_id"]},
                "delete": {"description": "Delete."},
                "resolve": {"kind": "update", "description": "Resolve.", "body": ["close_code", "close_notes", "state"],
                            "set": {"state": "6"}},
                "list_open": {"kind": "list", "description": "Open ones.", "filters": ["priority", "active"],
                              "set": {"active": "true"}}
            }
        });
        Arc::new(serde_json::from_value(spec).unwrap())
    }

    /// The repository's own attachment spec (upload and download endpoints).
    pub(crate) fn attachment_spec() -> Arc<ResourceSpec> {
        let source = include_str!("../../tool-specs/servicenow/sys_attachment.json");
        Arc::new(serde_json::from_str(source).unwrap())
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
        let name = tool_name(r, method);
        Tool {
            name,
            method: method.into(),
            kind,
            resource: spec.clone(),
            set: m.set.clone(),
            references: Default::default(),
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
                format!("GET {base}?sysparm_limit=20&sysparm_offset=0&sysparm_display_value=all&sysparm_exclude_reference_link=true"),
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
                "list continues from its cursor",
                "list",
                json!({"state": "1", "limit": 10, "next_cursor": cursor_for("state=1", 30)}),
                format!("GET {base}?sysparm_query=state%3D1&sysparm_limit=10&sysparm_offset=30&sysparm_display_value=all&sysparm_exclude_reference_link=true"),
                None,
            ),
            (
                "custom list adds its fixed filter and it wins",
                "list_open",
                json!({"active": false, "priority": 1}),
                format!("GET {base}?sysparm_query=active%3Dtrue%5Epriority%3D1&sysparm_limit=20&sysparm_offset=0&sysparm_display_value=all&sysparm_exclude_reference_link=true"),
                None,
            ),
            (
                "get by sys_id with fields keeps a requested sys_id once",
                "get",
                json!({"id": SYS_ID, "fields": ["sys_id", "state"], "display_value": "true"}),
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

    /// Inputs the inputSchema lets through but a Table API URL must not carry.
    #[test]
    fn schema_valid_arguments_that_cannot_become_a_request_are_refused_with_a_hint() {
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            (
                "filter with a newline",
                "list",
                json!({"short_description": "a\nb"}),
                "line break",
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
                "field name with an empty dot-walk part",
                "list",
                json!({"fields": ["caller_id."]}),
                "not a field name",
            ),
            (
                "a field name with spaces",
                "get",
                json!({"id": SYS_ID, "fields": ["number", "Caller Name"]}),
                "not a field name",
            ),
            (
                "too many fields",
                "list",
                json!({"fields": (0..51).map(|i| format!("f{i}")).collect::<Vec<_>>()}),
                "at most 50 field names",
            ),
            (
                "new OR block escaping a fixed filter",
                "list_open",
                json!({"query": "priority=1^NQactive=false"}),
                "^NQ",
            ),
            (
                "query starting with OR next to a fixed filter",
                "list_open",
                json!({"query": "ORactive=false"}),
                "must not start with OR",
            ),
            (
                "query starting with ^NQ next to a fixed filter",
                "list_open",
                json!({"query": " ^NQactive=false"}),
                "must not start with OR",
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

    /// The id pattern admits a lowercase sys_id or a number with the resource's prefix.
    #[test]
    fn ids_are_sys_ids_or_numbers_of_the_resource() {
        let incident = incident_spec();
        let users = user_spec();
        let cases: Vec<(&Arc<ResourceSpec>, &str, RecordRef)> = vec![
            (
                &incident,
                SYS_ID,
                RecordRef::SysId(SysId::parse(SYS_ID).unwrap()),
            ),
            (
                &incident,
                "INC0010203",
                RecordRef::Number(RecordNumber::parse("INC", "INC0010203").unwrap()),
            ),
            (
                &users,
                SYS_ID,
                RecordRef::SysId(SysId::parse(SYS_ID).unwrap()),
            ),
        ];
        for (spec, id, expected) in cases {
            let got = TableRequest::from_tool(&tool(spec, "get"), &args(json!({"id": id})))
                .map(|r| r.record);
            assert_eq!(got, Ok(Some(expected)), "{id}");
        }
        // A number on a resource without numbers never becomes a URL path.
        let got = TableRequest::from_tool(&tool(&users, "get"), &args(json!({"id": "USR0001"})));
        assert!(got.is_err(), "{got:?}");
    }

    fn endpoint_spec() -> Arc<ResourceSpec> {
        let spec = json!({
            "resource": "cmdb_ci_server", "table": "cmdb_ci_server", "title": "Server",
            "tags": ["cmdb"], "description": "Servers.", "docs": "CMDB Instance API",
            "display_field": "name",
            "fields": {
                "name": {"type": "string", "description": "Name."},
                "os": {"type": "string", "description": "OS."},
                "source": {"type": "string", "description": "Discovery source."},
                "status": {"type": "choice", "description": "Status.", "choices": [{"value": "1", "label": "On"}]}
            },
            "methods": {
                "list": {"description": "List.", "filters": ["name", "status"],
                         "endpoint": {"method": "GET", "path": "/api/now/cmdb/instance/{table}",
                                      "params": ["sysparm_query", "sysparm_limit", "sysparm_offset"]}},
                "get": {"description": "Get.",
                        "endpoint": {"method": "GET", "path": "/api/now/cmdb/instance/{table}/{sys_id}",
                                     "records": "result.attributes"}},
                "create": {"description": "Create.", "body": ["name", "os", "source"],
                           "endpoint": {"method": "POST", "path": "/api/now/cmdb/instance/{table}",
                                        "query": {"sysparm_source": "source"}}},
                "delete": {"description": "Delete.",
                           "endpoint": {"method": "DELETE", "path": "/api/now/attachment/{sys_id}"}}
            }
        });
        Arc::new(serde_json::from_value(spec).unwrap())
    }

    /// (case, method, arguments, expected "METHOD URL", JSON body) on spec `endpoint`s.
    #[test]
    fn methods_with_an_endpoint_are_sent_where_the_spec_says() {
        let id = SysId::parse(SYS_ID).unwrap();
        let base = "https://dev1.service-now.com/api/now/cmdb/instance/cmdb_ci_server";
        let cases: Vec<(&str, &str, Value, String, Option<Value>)> = vec![
            (
                "list sends only the parameters the endpoint takes",
                "list",
                json!({"status": "1", "query": "nameSTARTSWITHweb", "limit": 5}),
                format!("GET {base}?sysparm_query=status%3D1%5EnameSTARTSWITHweb&sysparm_limit=5&sysparm_offset=0"),
                None,
            ),
            (
                "get fills {table} and {sys_id} and sends no parameter",
                "get",
                json!({"id": SYS_ID}),
                format!("GET {base}/{SYS_ID}"),
                None,
            ),
            (
                "a body field mapped to the query leaves the body",
                "create",
                json!({"name": "web01", "os": "Linux", "source": "ServiceNow & co"}),
                format!("POST {base}?sysparm_source=ServiceNow%20%26%20co"),
                Some(json!({"name": "web01", "os": "Linux"})),
            ),
            (
                "delete on another API",
                "delete",
                json!({"id": SYS_ID}),
                format!("DELETE https://dev1.service-now.com/api/now/attachment/{SYS_ID}"),
                None,
            ),
        ];
        let spec = endpoint_spec();
        for (case, method, arguments, expected_line, expected_body) in cases {
            let request = TableRequest::from_tool(&tool(&spec, method), &args(arguments))
                .unwrap_or_else(|e| panic!("{case}: {e:?}"));
            assert!(!request.compact_display, "{case}: no display values asked");
            let http = request.to_http(INSTANCE, Some(&id)).unwrap();
            assert_eq!(
                format!("{} {}", http.method, http.url),
                expected_line,
                "{case}"
            );
            let body = (!http.body.is_empty())
                .then(|| serde_json::from_slice::<Value>(&http.body).unwrap());
            assert_eq!(body, expected_body, "{case}");
        }
        let get =
            TableRequest::from_tool(&tool(&spec, "get"), &args(json!({"id": SYS_ID}))).unwrap();
        assert_eq!(get.records, "result.attributes");
        assert!(
            get.to_http(INSTANCE, None).is_err(),
            "{{sys_id}} needs the record"
        );
        let bad = TableRequest::from_tool(
            &tool(&spec, "create"),
            &args(json!({"name": "x", "source": "a\r\nb"})),
        );
        assert!(
            matches!(bad, Err(ArgumentError(m)) if m.contains("control")),
            "line breaks never reach a URL"
        );
    }

    /// A custom list's `where` is AND-ed before the model's text, which cannot escape it,
    /// and its `returns` are the fields unless the model names its own.
    #[test]
    fn a_custom_list_keeps_its_where_and_returns_its_fields() {
        let spec: Arc<ResourceSpec> = Arc::new(
            serde_json::from_value(json!({
                "resource": "sys_journal_field", "table": "sys_journal_field", "title": "Journal entry",
                "tags": ["journal"], "description": "Notes.", "docs": "Journal fields",
                "display_field": "element",
                "fields": {
                    "element": {"type": "choice", "description": "Kind.",
                                "choices": [{"value": "work_notes", "label": "Work notes"}]},
                    "element_id": {"type": "string", "description": "Record."},
                    "value": {"type": "string", "description": "Text."}
                },
                "methods": {
                    "read_notes": {"kind": "list", "description": "Read.",
                                   "hints": {"read_only": true, "destructive": false, "idempotent": true},
                                   "filters": ["element_id"], "required": ["element_id"],
                                   "where": "elementINwork_notes,comments^ORDERBYDESCsys_created_on",
                                   "returns": ["sys_created_on", "element", "value"]}
                }
            }))
            .unwrap(),
        );
        let notes = tool(&spec, "read_notes");
        let base = "https://dev1.service-now.com/api/now/table/sys_journal_field";
        let http = |arguments: Value| {
            TableRequest::from_tool(&notes, &args(arguments))
                .and_then(|r| r.to_http(INSTANCE, None))
                .map(|h| h.url)
        };
        assert_eq!(
            http(json!({"element_id": SYS_ID})),
            Ok(format!(
                "{base}?sysparm_query=elementINwork_notes%2Ccomments%5EORDERBYDESCsys_created_on%5Eelement_id%3D{SYS_ID}\
                 &sysparm_limit=20&sysparm_offset=0&sysparm_fields=sys_created_on%2Celement%2Cvalue\
                 &sysparm_display_value=all&sysparm_exclude_reference_link=true"
            ))
        );
        let own_fields = http(json!({"element_id": SYS_ID, "fields": ["value"]})).unwrap();
        assert!(
            own_fields.contains("sysparm_fields=value%2Csys_id&"),
            "{own_fields}"
        );
        let escape = http(json!({"element_id": SYS_ID, "query": "^NQelement=approval_history"}));
        assert!(
            matches!(&escape, Err(ArgumentError(m)) if m.contains("elementINwork_notes")),
            "{escape:?}"
        );
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
                limit: snmcp_catalog::LIMIT_DEFAULT,
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
        // The neutral anchor after the fixed condition takes any OR the query binds
        // behind an ORDERBY: `active=true` always holds.
        for (query, encoded) in [
            (
                "ORDERBYnumber",
                "active=true^sys_idISNOTEMPTY^ORDERBYnumber",
            ),
            (
                "ORDERBYnumber^ORactive=false",
                "active=true^sys_idISNOTEMPTY^ORDERBYnumber^ORactive=false",
            ),
            (
                "priority=1^ORpriority=2",
                "active=true^sys_idISNOTEMPTY^priority=1^ORpriority=2",
            ),
            ("order=1", "active=true^sys_idISNOTEMPTY^order=1"),
            (
                "short_descriptionLIKEor",
                "active=true^sys_idISNOTEMPTY^short_descriptionLIKEor",
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

    #[test]
    fn filter_values_with_carets_or_script_are_refused() {
        let spec = incident_spec();
        let list = tool(&spec, "list");
        for (value, why) in [
            ("db down^ORactive=false", "contains `^`"),
            ("javascript:gs.getUserID()", "javascript:"),
            (" JAVASCRIPT:gs.sleep(9)", "javascript:"),
        ] {
            let message =
                TableRequest::from_tool(&list, &args(json!({"short_description": value})))
                    .map(|_| ())
                    .unwrap_err()
                    .0;
            assert!(message.contains(why), "{value}: {message}");
        }
        let message = TableRequest::from_tool(
            &list,
            &args(json!({"query": "sys_created_on>=javascript:gs.daysAgoStart(7)"})),
        )
        .map(|_| ())
        .unwrap_err()
        .0;
        assert!(message.contains("javascript:"), "{message}");
    }

    #[test]
    fn emptying_a_field_is_explicit_and_checked() {
        let spec = incident_spec();
        let update = tool(&spec, "update");
        let body = |arguments: Value| {
            TableRequest::from_tool(&update, &args(arguments)).map(|r| r.body.unwrap_or_default())
        };
        assert_eq!(
            body(json!({"id": SYS_ID, "clear": ["caller_id"], "state": "2"})).unwrap(),
            *json!({"state": "2", "caller_id": ""}).as_object().unwrap()
        );
        for (arguments, why) in [
            (json!({"id": SYS_ID}), "nothing to update"),
            (json!({"id": SYS_ID, "clear": ["sys_id"]}), "cannot empty"),
            (
                json!({"id": SYS_ID, "clear": ["state"], "state": "2"}),
                "both given a value",
            ),
        ] {
            let message = body(arguments.clone()).unwrap_err().0;
            assert!(message.contains(why), "{arguments}: {message}");
        }
    }
}
