//! The CMDB Instance API (`/api/now/cmdb/instance/{class}`), read side: the CIs of a
//! class (`sys_id` and `name`, as ServiceNow lists them) and one CI as `attributes`
//! with its `outbound_relations` (it is the parent) and `inbound_relations` (it is the
//! child) read from `cmdb_rel_ci`. Reads the store through the renderer; writes nothing.

use crate::access::Account;
use crate::http::{Params, Request, Response};
use crate::query::EncodedQuery;
use crate::render::{DisplayMode, RenderOptions, Renderer};
use crate::schema::Schema;
use crate::store::{Row, Store};
use serde_json::{json, Value};

const DEFAULT_LIMIT: usize = 1000;

/// `GET /api/now/cmdb/instance/{class}[/{sys_id}]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdbRoute {
    pub class: String,
    pub sys_id: Option<String>,
}

impl CmdbRoute {
    pub fn parse(path: &str) -> Option<CmdbRoute> {
        let rest = path.strip_prefix("/api/now/cmdb/instance/")?;
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        match parts.as_slice() {
            [class] if !class.is_empty() => Some(CmdbRoute {
                class: class.to_string(),
                sys_id: None,
            }),
            [class, id] if !class.is_empty() && !id.is_empty() => Some(CmdbRoute {
                class: class.to_string(),
                sys_id: Some(id.to_string()),
            }),
            _ => None,
        }
    }
}

/// One read of the CMDB Instance API.
pub struct CmdbCall<'a> {
    pub schema: &'a Schema,
    pub store: &'a Store,
    pub account: &'a Account,
    pub base_url: &'a str,
}

impl CmdbCall<'_> {
    pub fn run(&self, route: &CmdbRoute, request: &Request) -> Response {
        if !request.method.eq_ignore_ascii_case("GET") {
            return Response::error(
                405,
                "Method not Supported",
                Some("This simulator serves the read side of the CMDB Instance API"),
            )
            .with_header("Allow", "GET");
        }
        let is_ci_class = route.class == "cmdb_ci" || route.class.starts_with("cmdb_ci_");
        if !is_ci_class || self.schema.table(&route.class).is_none() {
            return Response::error(
                400,
                &format!("Invalid class name {}", route.class),
                Some("The class must be cmdb_ci or one of its documented child classes"),
            );
        }
        match &route.sys_id {
            None => self.list(&route.class, &request.params()),
            Some(id) => self.instance(&route.class, id),
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

    fn list(&self, class: &str, params: &Params) -> Response {
        let Some(table) = self.schema.table(class) else {
            return Response::error(400, &format!("Invalid class name {class}"), None);
        };
        let offset = params.offset("sysparm_offset");
        let limit = params.limit("sysparm_limit", DEFAULT_LIMIT);
        let query = EncodedQuery::parse(params.get("sysparm_query").unwrap_or(""));
        let renderer = self.renderer();
        let result: Vec<Value> = self
            .store
            .rows(class)
            .into_iter()
            .filter(|row| query.matches(&renderer.view(table, row)))
            .skip(offset)
            .take(limit)
            .map(|row| {
                json!({
                    "sys_id": row.get("sys_id").cloned().unwrap_or_default(),
                    "name": row.get("name").cloned().unwrap_or_default(),
                })
            })
            .collect();
        Response::json(200, &json!({ "result": result }))
    }

    fn instance(&self, class: &str, sys_id: &str) -> Response {
        let Some(row) = self.store.get(class, sys_id) else {
            return Response::error(
                404,
                "No Record found",
                Some(&format!(
                    "Record doesn't exist or ACL restricts the record retrieval: {sys_id}"
                )),
            );
        };
        // Attributes are read as the CI's own class, like the platform does.
        let own = row
            .get("sys_class_name")
            .and_then(|c| self.schema.table(c))
            .or_else(|| self.schema.table(class));
        let Some(table) = own else {
            return Response::error(400, &format!("Invalid class name {class}"), None);
        };
        let options = RenderOptions {
            display: DisplayMode::Value,
            exclude_reference_link: true,
            fields: None,
        };
        let attributes = self.renderer().record(table, row, &options);
        let relations = |own_side: &str, other_side: &str| -> Vec<Value> {
            self.store
                .rows("cmdb_rel_ci")
                .into_iter()
                .filter(|rel| rel.get(own_side).map(String::as_str) == Some(sys_id))
                .map(|rel| self.relation(rel, other_side))
                .collect()
        };
        Response::json(
            200,
            &json!({ "result": {
                "attributes": attributes,
                "outbound_relations": relations("parent", "child"),
                "inbound_relations": relations("child", "parent"),
            }}),
        )
    }

    /// `{sys_id, type: {display_value, link, value}, target: {display_value, link, value}}`.
    fn relation(&self, rel: &Row, other_side: &str) -> Value {
        let renderer = self.renderer();
        let pair = |column: &str, table: &str| {
            let value = rel.get(column).cloned().unwrap_or_default();
            let display = self
                .schema
                .table("cmdb_rel_ci")
                .map(|t| renderer.column_display(t, rel, column))
                .unwrap_or_default();
            json!({
                "display_value": display,
                "link": renderer.link(table, &value),
                "value": value,
            })
        };
        json!({
            "sys_id": rel.get("sys_id").cloned().unwrap_or_default(),
            "type": pair("type", "cmdb_rel_type"),
            "target": pair(other_side, "cmdb_ci"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_a_class_and_maybe_a_ci() {
        let id = "0123456789abcdef0123456789abcdef";
        let cases = [
            (
                "/api/now/cmdb/instance/cmdb_ci_server",
                Some(("cmdb_ci_server", None)),
            ),
            (
                &format!("/api/now/cmdb/instance/cmdb_ci/{id}") as &str,
                Some(("cmdb_ci", Some(id))),
            ),
            ("/api/now/cmdb/instance/", None),
            ("/api/now/cmdb/instance/a/b/c", None),
            ("/api/now/table/cmdb_ci", None),
        ];
        for (path, expected) in cases {
            let expected = expected.map(|(class, id)| CmdbRoute {
                class: class.to_string(),
                sys_id: id.map(str::to_string),
            });
            assert_eq!(CmdbRoute::parse(path), expected, "{path}");
        }
    }
}
