//! The Table API operations for one authenticated caller (ServiceNow docs "Table API",
//! "REST API response codes"): list with encoded query, paging headers and row ACLs;
//! get; create/update with defaults, business rules, data policies and journal
//! entries; delete. Authentication and rate limiting happen before this module.

use crate::access::{Account, WriteOp};
use crate::http::{Params, Request, Response};
use crate::platform::{self, Actor};
use crate::query::{compare_values, EncodedQuery};
use crate::render::{DisplayMode, RenderOptions, Renderer};
use crate::schema::{FieldType, Schema, Table};
use crate::store::{IdGenerator, Row, Store};
use serde_json::{json, Map, Value};

/// `sysparm_limit` when none is given.
pub const DEFAULT_LIMIT: usize = 10_000;

/// A parsed Table API path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRoute {
    /// `/api/now/table`, `/api/now/v1/table` or `/api/now/v2/table`.
    pub prefix: String,
    pub table: String,
    pub sys_id: Option<String>,
}

/// Parses `/api/now[/v1|/v2]/table/{table}[/{sys_id}]` (a trailing slash is tolerated).
pub fn parse_route(path: &str) -> Option<TableRoute> {
    let rest = path.strip_prefix("/api/now/")?;
    let (version, rest) = match rest.split_once('/') {
        Some((v @ ("v1" | "v2"), rest)) => (Some(v), rest),
        _ => (None, rest),
    };
    let rest = rest.strip_prefix("table/")?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let prefix = match version {
        Some(v) => format!("/api/now/{v}/table"),
        None => "/api/now/table".to_string(),
    };
    match segments.as_slice() {
        [table] if !table.is_empty() => Some(TableRoute {
            prefix,
            table: percent_decode(table),
            sys_id: None,
        }),
        [table, sys_id] if !table.is_empty() && !sys_id.is_empty() => Some(TableRoute {
            prefix,
            table: percent_decode(table),
            sys_id: Some(percent_decode(sys_id)),
        }),
        _ => None,
    }
}

fn percent_decode(segment: &str) -> String {
    // Path segments use %XX only; `+` stays a plus.
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// The verbs a route answers; anything else is 405.
pub fn allowed_methods(route: &TableRoute) -> &'static [&'static str] {
    match route.sys_id {
        None => &["GET", "HEAD", "POST"],
        Some(_) => &["GET", "HEAD", "PUT", "PATCH", "DELETE"],
    }
}

fn not_found() -> Response {
    Response::error(
        404,
        "No Record found",
        Some("Record doesn't exist or ACL restricts the record retrieval"),
    )
}

fn acl_denied(op: WriteOp) -> Response {
    Response::error(
        403,
        "Operation Failed",
        Some(&format!(
            "ACL Exception {} Failed due to security constraints",
            op.label()
        )),
    )
}

fn bad_body(detail: &str) -> Response {
    Response::error(400, "Exception while reading request", Some(detail))
}

/// One Table API call by one caller.
pub struct TableCall<'a> {
    pub schema: &'a Schema,
    pub store: &'a mut Store,
    pub ids: &'a mut IdGenerator,
    pub account: &'a Account,
    /// `http://host:port`: base of links and `Location`.
    pub base_url: &'a str,
    /// The request time in ServiceNow's format.
    pub now: &'a str,
    /// Quiet decisions worth logging (see [`crate::request_log::LogRecord::notes`]).
    pub notes: &'a mut Vec<String>,
}

fn render_options(params: &Params) -> RenderOptions {
    RenderOptions {
        display: DisplayMode::from_param(params.get("sysparm_display_value")),
        exclude_reference_link: params.flag("sysparm_exclude_reference_link"),
        fields: params
            .get("sysparm_fields")
            .filter(|f| !f.trim().is_empty())
            .map(|f| f.split(',').map(|s| s.trim().to_string()).collect()),
    }
}

/// A journal entry a write adds to `sys_journal_field`.
struct JournalEntry {
    element: String,
    value: String,
}

impl TableCall<'_> {
    /// Runs the call; the table exists and the method is allowed for the route.
    pub fn run(&mut self, table: &Table, route: &TableRoute, request: &Request) -> Response {
        let params = request.params();
        let method = request.method.to_ascii_uppercase();
        match (method.as_str(), route.sys_id.as_deref()) {
            ("GET" | "HEAD", None) => self.list(table, request, &params),
            ("GET" | "HEAD", Some(id)) => self.get(table, id, &params),
            ("POST", None) => self.create(table, route, request, &params),
            ("PUT" | "PATCH", Some(id)) => self.update(table, id, request, &params),
            ("DELETE", Some(id)) => self.delete(table, id),
            _ => Response::error(
                405,
                "Method not Supported",
                Some("Requested method is not supported by this API"),
            ),
        }
    }

    fn renderer(&self) -> Renderer<'_> {
        Renderer {
            schema: self.schema,
            store: self.store,
            base_url: self.base_url,
            access: &self.account.access,
        }
    }

    fn actor(&self) -> Actor<'_> {
        Actor {
            user_name: &self.account.user_name,
            user_sys_id: &self.account.sys_id,
        }
    }

    /// True when a row ACL hides the row from this caller.
    fn hidden(&self, table: &Table, row: &Row) -> bool {
        let renderer = self.renderer();
        self.account
            .access
            .row_filters(&table.name)
            .iter()
            .any(|rule| rule.matches(&renderer.view(table, row)))
    }

    fn list(&mut self, table: &Table, request: &Request, params: &Params) -> Response {
        let offset = match params
            .get("sysparm_offset")
            .map(|v| v.trim().parse::<i64>())
        {
            Some(Ok(n)) if n < 0 => {
                return Response::error(400, "Negative offset is not supported", None)
            }
            Some(Ok(n)) => usize::try_from(n).unwrap_or(usize::MAX),
            _ => 0,
        };
        let limit = params.limit("sysparm_limit", DEFAULT_LIMIT);
        let mut query = EncodedQuery::parse(params.get("sysparm_query").unwrap_or(""));
        query.drop_unknown_fields(|path| self.schema.resolve_path(table, path).is_some());
        for dropped in query.dropped() {
            self.notes
                .push(format!("sysparm_query part ignored as invalid: {dropped}"));
        }
        let renderer = self.renderer();
        let mut matched: Vec<&Row> = self
            .store
            .rows(&table.name)
            .into_iter()
            .filter(|row| query.matches(&renderer.view(table, row)))
            .collect();
        if !query.order_by.is_empty() {
            let mut keyed: Vec<(Vec<String>, &Row)> = matched
                .into_iter()
                .map(|row| {
                    let keys = query
                        .order_by
                        .iter()
                        .map(|o| renderer.sort_value(table, row, &o.field))
                        .collect();
                    (keys, row)
                })
                .collect();
            keyed.sort_by(|(a, _), (b, _)| {
                query
                    .order_by
                    .iter()
                    .zip(a.iter().zip(b.iter()))
                    .map(|(order, (x, y))| {
                        let ordering = compare_values(x, y);
                        if order.descending {
                            ordering.reverse()
                        } else {
                            ordering
                        }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            matched = keyed.into_iter().map(|(_, row)| row).collect();
        }
        let total = matched.len();
        let options = render_options(params);
        let row_rules = self.account.access.row_filters(&table.name);
        // sysparm_limit applies before row ACLs: hidden rows leave a short page.
        let result: Vec<Value> = matched
            .into_iter()
            .skip(offset)
            .take(limit)
            .filter(|row| {
                !row_rules
                    .iter()
                    .any(|rule| rule.matches(&renderer.view(table, row)))
            })
            .map(|row| renderer.record(table, row, &options))
            .collect();
        let mut response = Response::json(200, &json!({ "result": result }));
        let no_count = params.flag("sysparm_no_count");
        if !no_count {
            response = response.with_header("X-Total-Count", &total.to_string());
        }
        if !params.flag("sysparm_suppress_pagination_header") {
            let url = format!("{}{}", self.base_url, request.path());
            let links = pagination_links(&url, request.query(), offset, limit, total, !no_count);
            response = response.with_header("Link", &links);
        }
        response
    }

    fn get(&mut self, table: &Table, sys_id: &str, params: &Params) -> Response {
        let Some(row) = self.store.get(&table.name, sys_id) else {
            return not_found();
        };
        if self.hidden(table, row) {
            return not_found();
        }
        let record = self.renderer().record(table, row, &render_options(params));
        Response::json(200, &json!({ "result": record }))
    }

    fn create(
        &mut self,
        table: &Table,
        route: &TableRoute,
        request: &Request,
        params: &Params,
    ) -> Response {
        if !self.account.access.can_write(&table.name, WriteOp::Insert) {
            return acl_denied(WriteOp::Insert);
        }
        let body = match parse_body(request) {
            Ok(body) => body,
            Err(response) => return response,
        };
        let sys_id = self.ids.next_sys_id();
        let mut row = Row::new();
        for (column, value) in [
            ("sys_id", sys_id.as_str()),
            ("sys_created_on", self.now),
            ("sys_created_by", self.account.user_name.as_str()),
            ("sys_updated_on", self.now),
            ("sys_updated_by", self.account.user_name.as_str()),
            ("sys_mod_count", "0"),
            ("sys_class_name", table.name.as_str()),
            ("sys_domain", "global"),
            ("sys_tags", ""),
        ] {
            row.insert(column.to_string(), value.to_string());
        }
        let journal = self.apply_body(
            table,
            &mut row,
            &body,
            params.flag("sysparm_input_display_value"),
        );
        if let Some(prefix) = &table.number_prefix {
            if row.get("number").is_none_or(|n| n.is_empty()) {
                let number = self.store.next_number(&table.name, prefix);
                row.insert("number".to_string(), number);
            }
        }
        platform::apply_insert_defaults(table, &mut row, self.actor(), self.now);
        platform::apply_business_rules(table, None, &mut row, self.actor(), self.now);
        if let Some(detail) = platform::data_policy_violation(&table.name, &row) {
            return Response::error(403, "Operation Failed", Some(&detail));
        }
        self.store.insert(&table.name, row);
        self.add_journal(table, &sys_id, journal);
        let location = format!(
            "{}{}/{}/{}",
            self.base_url, route.prefix, table.name, sys_id
        );
        self.write_response(201, table, &sys_id, request, params)
            .with_header("Location", &location)
    }

    fn update(
        &mut self,
        table: &Table,
        sys_id: &str,
        request: &Request,
        params: &Params,
    ) -> Response {
        let Some(before) = self.store.get(&table.name, sys_id).cloned() else {
            return not_found();
        };
        if self.hidden(table, &before) {
            return not_found();
        }
        if !self.account.access.can_write(&table.name, WriteOp::Update) {
            return acl_denied(WriteOp::Update);
        }
        let body = match parse_body(request) {
            Ok(body) => body,
            Err(response) => return response,
        };
        let mut row = before.clone();
        let journal = self.apply_body(
            table,
            &mut row,
            &body,
            params.flag("sysparm_input_display_value"),
        );
        platform::apply_business_rules(table, Some(&before), &mut row, self.actor(), self.now);
        if let Some(detail) = platform::data_policy_violation(&table.name, &row) {
            return Response::error(403, "Operation Failed", Some(&detail));
        }
        // An update that changes nothing is not written (sys_mod_count stays).
        if row != before || !journal.is_empty() {
            let count = before
                .get("sys_mod_count")
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(0);
            row.insert("sys_mod_count".to_string(), (count + 1).to_string());
            row.insert("sys_updated_on".to_string(), self.now.to_string());
            row.insert("sys_updated_by".to_string(), self.account.user_name.clone());
            self.store.replace(&table.name, row);
            self.add_journal(table, sys_id, journal);
        }
        self.write_response(200, table, sys_id, request, params)
    }

    fn delete(&mut self, table: &Table, sys_id: &str) -> Response {
        let Some(row) = self.store.get(&table.name, sys_id) else {
            return not_found();
        };
        if self.hidden(table, row) {
            return not_found();
        }
        if !self.account.access.can_write(&table.name, WriteOp::Delete) {
            return acl_denied(WriteOp::Delete);
        }
        self.store.delete(&table.name, sys_id);
        Response::empty(204)
    }

    /// The body of a successful write: the full record, or nothing when the caller
    /// sent `X-no-response-body: true`.
    fn write_response(
        &self,
        status: u16,
        table: &Table,
        sys_id: &str,
        request: &Request,
        params: &Params,
    ) -> Response {
        let suppress = request
            .header("x-no-response-body")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if suppress {
            return Response::empty(status);
        }
        let record = self
            .store
            .get(&table.name, sys_id)
            .map(|row| self.renderer().record(table, row, &render_options(params)))
            .unwrap_or_else(|| Value::Object(Map::new()));
        Response::json(status, &json!({ "result": record }))
    }

    /// Copies body values onto the row: `sys_*` and unknown columns are ignored, values
    /// become strings, journal columns turn into journal entries, and with
    /// `sysparm_input_display_value=true` reference display names and choice labels
    /// resolve to stored values.
    fn apply_body(
        &mut self,
        table: &Table,
        row: &mut Row,
        body: &Map<String, Value>,
        input_display: bool,
    ) -> Vec<JournalEntry> {
        let mut journal = Vec::new();
        for (column, raw) in body {
            if column.starts_with("sys_") {
                self.notes.push(format!(
                    "ignored system field {column}: the platform sets it"
                ));
                continue;
            }
            let Some(field) = table.field(column) else {
                self.notes
                    .push(format!("ignored {column}: not a column of {}", table.name));
                continue;
            };
            let mut value = string_value(raw);
            match field.field_type {
                FieldType::Journal => {
                    if !value.trim().is_empty() {
                        journal.push(JournalEntry {
                            element: column.clone(),
                            value,
                        });
                    }
                    row.insert(column.clone(), String::new());
                    continue;
                }
                FieldType::Reference => {
                    value = self.resolve_reference(table, column, value, input_display);
                }
                FieldType::Choice if input_display => {
                    if let Some(stored) = field.choice_value(&value) {
                        value = stored.to_string();
                    }
                }
                _ => {}
            }
            row.insert(column.clone(), value);
        }
        journal
    }

    /// A reference value is stored as given, as ServiceNow does; with input display
    /// values a display name is looked up first. Dangling values are noted in the log.
    fn resolve_reference(
        &mut self,
        table: &Table,
        column: &str,
        value: String,
        input_display: bool,
    ) -> String {
        let target = table
            .field(column)
            .and_then(|f| f.reference.clone())
            .unwrap_or_default();
        if value.is_empty() || self.store.contains(&target, &value) {
            return value;
        }
        if input_display {
            if let Some(target_table) = self.schema.table(&target) {
                let renderer = self.renderer();
                let found = self
                    .store
                    .rows(&target)
                    .iter()
                    .find(|r| {
                        renderer
                            .record_display(target_table, r)
                            .eq_ignore_ascii_case(&value)
                    })
                    .and_then(|r| r.get("sys_id").cloned());
                if let Some(sys_id) = found {
                    return sys_id;
                }
            }
        }
        self.notes.push(format!(
            "{}.{column}: '{value}' is not the sys_id of a {target} record; stored as given",
            table.name
        ));
        value
    }

    fn add_journal(&mut self, table: &Table, element_id: &str, entries: Vec<JournalEntry>) {
        for entry in entries {
            let sys_id = self.ids.next_sys_id();
            let row: Row = [
                ("sys_id", sys_id.as_str()),
                ("element", entry.element.as_str()),
                ("element_id", element_id),
                ("name", table.name.as_str()),
                ("value", entry.value.as_str()),
                ("sys_created_on", self.now),
                ("sys_created_by", self.account.user_name.as_str()),
                ("sys_updated_on", self.now),
                ("sys_updated_by", self.account.user_name.as_str()),
                ("sys_mod_count", "0"),
                ("sys_class_name", "sys_journal_field"),
                ("sys_domain", "global"),
                ("sys_tags", ""),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            self.store.insert("sys_journal_field", row);
        }
    }
}

/// Request bodies are JSON objects; anything else is a 400.
fn parse_body(request: &Request) -> Result<Map<String, Value>, Response> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_body(
            "Empty request body: send a JSON object of field values",
        ));
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_body(
            "The payload must be a JSON object of field values",
        )),
        Err(_) => Err(bad_body("The payload is not valid JSON")),
    }
}

/// Table API values are strings: numbers and booleans keep their JSON text, null clears.
fn string_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// The `Link` header: `<url>;rel="first"`, `rel="prev"` (not on the first page),
/// `rel="next"` (not on the last page), `rel="last"` (offset
/// `floor((total-1)/limit)*limit`), every original parameter echoed with
/// `sysparm_offset` (and `sysparm_limit` when absent) set.
pub fn pagination_links(
    url: &str,
    query: &str,
    offset: usize,
    limit: usize,
    total: usize,
    with_last: bool,
) -> String {
    let link =
        |at: usize, rel: &str| format!("<{url}?{}>;rel=\"{rel}\"", with_offset(query, at, limit));
    let mut links = vec![link(0, "first")];
    if offset > 0 {
        links.push(link(offset.saturating_sub(limit), "prev"));
    }
    if offset.saturating_add(limit) < total {
        links.push(link(offset + limit, "next"));
    }
    if with_last {
        let last = total.saturating_sub(1) / limit * limit;
        links.push(link(last, "last"));
    }
    links.join(",")
}

fn with_offset(query: &str, offset: usize, limit: usize) -> String {
    let key = |piece: &str| {
        let raw = piece.split_once('=').map_or(piece, |(k, _)| k);
        form_urlencoded::parse(format!("{raw}=").as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default()
    };
    let mut pieces: Vec<String> = Vec::new();
    let mut saw_offset = false;
    let mut saw_limit = false;
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        match key(piece).as_str() {
            "sysparm_offset" if !saw_offset => {
                saw_offset = true;
                pieces.push(format!("sysparm_offset={offset}"));
            }
            "sysparm_offset" => {}
            name => {
                saw_limit |= name == "sysparm_limit";
                pieces.push(piece.to_string());
            }
        }
    }
    if !saw_limit {
        pieces.push(format!("sysparm_limit={limit}"));
    }
    if !saw_offset {
        pieces.push(format!("sysparm_offset={offset}"));
    }
    pieces.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_cover_plain_and_versioned_paths() {
        let route = |prefix: &str, table: &str, id: Option<&str>| {
            Some(TableRoute {
                prefix: prefix.into(),
                table: table.into(),
                sys_id: id.map(str::to_string),
            })
        };
        let cases = [
            (
                "/api/now/table/incident",
                route("/api/now/table", "incident", None),
            ),
            (
                "/api/now/table/incident/",
                route("/api/now/table", "incident", None),
            ),
            (
                "/api/now/v1/table/incident/abc",
                route("/api/now/v1/table", "incident", Some("abc")),
            ),
            (
                "/api/now/v2/table/sys_user",
                route("/api/now/v2/table", "sys_user", None),
            ),
            (
                "/api/now/table/in%63ident",
                route("/api/now/table", "incident", None),
            ),
            ("/api/now/v3/table/incident", None),
            ("/api/now/table/", None),
            ("/api/now/table/incident/abc/def", None),
            ("/api/now/stats/incident", None),
            ("/api/now/table", None),
        ];
        for (path, expected) in cases {
            assert_eq!(parse_route(path), expected, "{path}");
        }
    }

    #[test]
    fn link_header_pages_through_the_result() {
        let url = "http://sim/api/now/table/incident";
        let cases = [
            (
                "first page",
                "sysparm_limit=10&sysparm_query=active%3Dtrue",
                0,
                10,
                25,
                true,
                "<http://sim/api/now/table/incident?sysparm_limit=10&sysparm_query=active%3Dtrue&sysparm_offset=0>;rel=\"first\",\
                 <http://sim/api/now/table/incident?sysparm_limit=10&sysparm_query=active%3Dtrue&sysparm_offset=10>;rel=\"next\",\
                 <http://sim/api/now/table/incident?sysparm_limit=10&sysparm_query=active%3Dtrue&sysparm_offset=20>;rel=\"last\"",
            ),
            (
                "middle page",
                "sysparm_offset=10&sysparm_limit=10",
                10,
                10,
                25,
                true,
                "<http://sim/api/now/table/incident?sysparm_offset=0&sysparm_limit=10>;rel=\"first\",\
                 <http://sim/api/now/table/incident?sysparm_offset=0&sysparm_limit=10>;rel=\"prev\",\
                 <http://sim/api/now/table/incident?sysparm_offset=20&sysparm_limit=10>;rel=\"next\",\
                 <http://sim/api/now/table/incident?sysparm_offset=20&sysparm_limit=10>;rel=\"last\"",
            ),
            (
                "last page, exact multiple",
                "sysparm_offset=10&sysparm_limit=10",
                10,
                10,
                20,
                true,
                "<http://sim/api/now/table/incident?sysparm_offset=0&sysparm_limit=10>;rel=\"first\",\
                 <http://sim/api/now/table/incident?sysparm_offset=0&sysparm_limit=10>;rel=\"prev\",\
                 <http://sim/api/now/table/incident?sysparm_offset=10&sysparm_limit=10>;rel=\"last\"",
            ),
            (
                "no limit given, nothing matched",
                "",
                0,
                DEFAULT_LIMIT,
                0,
                true,
                "<http://sim/api/now/table/incident?sysparm_limit=10000&sysparm_offset=0>;rel=\"first\",\
                 <http://sim/api/now/table/incident?sysparm_limit=10000&sysparm_offset=0>;rel=\"last\"",
            ),
            (
                "no count: no last",
                "sysparm_limit=5&sysparm_no_count=true",
                0,
                5,
                6,
                false,
                "<http://sim/api/now/table/incident?sysparm_limit=5&sysparm_no_count=true&sysparm_offset=0>;rel=\"first\",\
                 <http://sim/api/now/table/incident?sysparm_limit=5&sysparm_no_count=true&sysparm_offset=5>;rel=\"next\"",
            ),
        ];
        for (name, query, offset, limit, total, with_last, expected) in cases {
            let expected = expected.replace(' ', "");
            assert_eq!(
                pagination_links(url, query, offset, limit, total, with_last),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn body_values_become_strings() {
        let cases = [
            (json!("x"), "x"),
            (json!(1), "1"),
            (json!(2.5), "2.5"),
            (json!(true), "true"),
            (json!(null), ""),
            (json!(["a"]), "[\"a\"]"),
        ];
        for (value, expected) in cases {
            assert_eq!(string_value(&value), expected, "{value}");
        }
    }

    #[test]
    fn bodies_must_be_json_objects() {
        let cases = [
            ("", false),
            ("  ", false),
            ("[1]", false),
            ("{", false),
            ("{}", true),
            ("{\"a\":1}", true),
        ];
        for (body, ok) in cases {
            let request = Request::new("POST", "/").with_body(body);
            assert_eq!(parse_body(&request).is_ok(), ok, "{body:?}");
        }
    }
}
