//! The Service Catalog API (`/api/sn_sc/servicecatalog`), the part an order needs:
//! `GET /items` (active items matching `sysparm_text`), `GET /items/{sys_id}` (the item
//! with its `variables` from `item_option_new` and their choices from
//! `question_choice`) and `POST /items/{sys_id}/order_now`, which writes one
//! `sc_request` (REQ number) and `quantity`-many units as one `sc_req_item` (RITM
//! number). Owns no auth; the caller's write ACL on `sc_request` decides an order.

use crate::access::{Account, WriteOp};
use crate::http::{Params, Request, Response};
use crate::platform::{self, Actor};
use crate::schema::Schema;
use crate::store::{is_sys_id, IdGenerator, Row, Store};
use serde_json::{json, Map, Value};

const ITEM_TABLE: &str = "sc_cat_item";
/// ServiceNow's default page of `GET /items` (inferred: the docs give no default).
const DEFAULT_LIMIT: usize = 20;
/// Variable types that pick one of their `question_choice` rows.
const CHOICE_TYPES: [&str; 4] = ["3", "5", "18", "22"];
/// Variable types that reference a table (`item_option_new.reference`).
const REFERENCE_TYPES: [&str; 2] = ["8", "31"];

/// One Service Catalog API route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogRoute {
    /// `GET /api/sn_sc/servicecatalog/items`
    Items,
    /// `GET /api/sn_sc/servicecatalog/items/{sys_id}`
    Item(String),
    /// `POST /api/sn_sc/servicecatalog/items/{sys_id}/order_now`
    OrderNow(String),
}

impl CatalogRoute {
    pub fn parse(path: &str) -> Option<CatalogRoute> {
        let rest = path
            .strip_prefix("/api/sn_sc/v1/servicecatalog/items")
            .or_else(|| path.strip_prefix("/api/sn_sc/servicecatalog/items"))?;
        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            [""] => Some(CatalogRoute::Items),
            [id] => Some(CatalogRoute::Item(id.to_string())),
            [id, "order_now"] => Some(CatalogRoute::OrderNow(id.to_string())),
            _ => None,
        }
    }

    fn allowed(&self) -> &'static str {
        match self {
            CatalogRoute::Items | CatalogRoute::Item(_) => "GET",
            CatalogRoute::OrderNow(_) => "POST",
        }
    }
}

/// What one Service Catalog API call works on.
pub struct CatalogCall<'a> {
    pub schema: &'a Schema,
    pub store: &'a mut Store,
    pub ids: &'a mut IdGenerator,
    pub account: &'a Account,
    pub now: &'a str,
}

fn column<'r>(row: &'r Row, name: &str) -> &'r str {
    row.get(name).map(String::as_str).unwrap_or("")
}

fn item_not_found(id: &str) -> Response {
    Response::error(
        404,
        "Catalog item not found",
        Some(&format!("No active catalog item with sys_id {id}")),
    )
}

impl CatalogCall<'_> {
    pub fn run(&mut self, route: &CatalogRoute, request: &Request) -> Response {
        let allowed = route.allowed();
        if !request.method.eq_ignore_ascii_case(allowed) {
            return Response::error(
                405,
                "Method not Supported",
                Some("Requested method is not supported by this API"),
            )
            .with_header("Allow", allowed);
        }
        match route {
            CatalogRoute::Items => self.items(&request.params()),
            CatalogRoute::Item(id) => match self.orderable(id) {
                Some(row) => Response::json(200, &json!({ "result": self.detail(row) })),
                None => item_not_found(id),
            },
            CatalogRoute::OrderNow(id) => self.order_now(id, request),
        }
    }

    /// An active item (or a subclass) by sys_id.
    fn orderable(&self, id: &str) -> Option<&Row> {
        self.store
            .get(ITEM_TABLE, id)
            .filter(|row| column(row, "active") == "true")
    }

    /// Active items whose name, short description or description contains every word of
    /// `sysparm_text` (case-insensitive), in catalog order.
    fn items(&self, params: &Params) -> Response {
        let words: Vec<String> = params
            .get("sysparm_text")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let offset = params.offset("sysparm_offset");
        let limit = params.limit("sysparm_limit", DEFAULT_LIMIT);
        let mut matched: Vec<&Row> = self
            .store
            .rows(ITEM_TABLE)
            .into_iter()
            .filter(|row| column(row, "active") == "true")
            .filter(|row| {
                let text = ["name", "short_description", "description"]
                    .map(|c| column(row, c).to_lowercase())
                    .join(" ");
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .collect();
        matched.sort_by_key(|row| {
            (
                column(row, "order").parse::<i64>().unwrap_or(0),
                column(row, "name").to_string(),
            )
        });
        let result: Vec<Value> = matched
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|row| Value::Object(self.summary(row)))
            .collect();
        Response::json(200, &json!({ "result": result }))
    }

    /// The fields the API shows for an item in lists.
    fn summary(&self, row: &Row) -> Map<String, Value> {
        let category = column(row, "category");
        let title = self
            .store
            .get("sc_category", category)
            .map(|c| column(c, "title").to_string())
            .unwrap_or_default();
        let class = column(row, "sys_class_name");
        let mut out = Map::new();
        for name in ["sys_id", "name", "short_description", "description"] {
            out.insert(name.into(), json!(column(row, name)));
        }
        out.insert("sys_class_name".into(), json!(class));
        out.insert(
            "type".into(),
            json!(if class == "sc_cat_item_producer" {
                "record_producer"
            } else {
                "item"
            }),
        );
        out.insert(
            "category".into(),
            json!({ "sys_id": category, "title": title }),
        );
        out.insert("price".into(), json!(price_display(column(row, "price"))));
        out
    }

    /// An item with its variables, in form order.
    fn detail(&self, row: &Row) -> Value {
        let mut out = self.summary(row);
        let id = column(row, "sys_id");
        let mut variables: Vec<&Row> = self
            .store
            .rows("item_option_new")
            .into_iter()
            .filter(|v| column(v, "cat_item") == id && column(v, "active") != "false")
            .collect();
        variables.sort_by_key(|v| column(v, "order").parse::<i64>().unwrap_or(0));
        let variables: Vec<Value> = variables.into_iter().map(|v| self.variable(v)).collect();
        out.insert("variables".into(), Value::Array(variables));
        Value::Object(out)
    }

    fn variable(&self, row: &Row) -> Value {
        let kind = column(row, "type");
        let id = column(row, "sys_id");
        let mut out = json!({
            "id": id,
            "name": column(row, "name"),
            "label": column(row, "question_text"),
            "type": kind.parse::<u64>().map_or(json!(kind), |n| json!(n)),
            "mandatory": column(row, "mandatory") == "true",
            "active": true,
            "read_only": false,
            "value": column(row, "default_value"),
            "displayvalue": column(row, "default_value"),
            "help_text": column(row, "help_text"),
        });
        if REFERENCE_TYPES.contains(&kind) {
            out["reference"] = json!(column(row, "reference"));
        }
        if CHOICE_TYPES.contains(&kind) {
            let mut choices: Vec<&Row> = self
                .store
                .rows("question_choice")
                .into_iter()
                .filter(|c| column(c, "question") == id && column(c, "inactive") != "true")
                .collect();
            choices.sort_by_key(|c| column(c, "order").parse::<i64>().unwrap_or(0));
            out["choices"] = choices
                .iter()
                .enumerate()
                .map(|(index, c)| {
                    json!({"index": index, "label": column(c, "text"), "value": column(c, "value")})
                })
                .collect();
        }
        out
    }

    /// Orders `quantity` of the item: one REQ holding one RITM. Refused (nothing
    /// written) without the insert ACL on sc_request, for an unknown or inactive item,
    /// a record producer, a bad quantity or a mandatory variable left out or blank.
    fn order_now(&mut self, id: &str, request: &Request) -> Response {
        if !self.account.access.can_write("sc_request", WriteOp::Insert) {
            return Response::error(
                403,
                "Operation Failed",
                Some("ACL Exception Insert Failed due to security constraints"),
            );
        }
        let Some(item) = self.orderable(id).cloned() else {
            return item_not_found(id);
        };
        if column(&item, "sys_class_name") == "sc_cat_item_producer" {
            return Response::error(
                400,
                "Record producers are submitted with submit_producer, not ordered",
                None,
            );
        }
        let body = match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(body)) => body,
            _ => {
                return Response::error(
                    400,
                    "Request body must be a JSON object",
                    Some("{\"sysparm_quantity\": \"1\", \"variables\": {...}}"),
                )
            }
        };
        let quantity = match body.get("sysparm_quantity") {
            None => Some(1),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            Some(_) => None,
        }
        .filter(|q| *q > 0);
        let Some(quantity) = quantity else {
            return Response::error(400, "sysparm_quantity must be a positive integer", None);
        };
        let given = body
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let missing: Vec<String> = self
            .store
            .rows("item_option_new")
            .into_iter()
            .filter(|v| {
                column(v, "cat_item") == id
                    && column(v, "active") != "false"
                    && column(v, "mandatory") == "true"
            })
            .map(|v| column(v, "name").to_string())
            .filter(|name| {
                given.get(name).is_none_or(|value| match value {
                    Value::String(s) => s.trim().is_empty(),
                    Value::Null => true,
                    _ => false,
                })
            })
            .collect();
        if !missing.is_empty() {
            return Response::error(
                400,
                "Mandatory Variables are required",
                Some(&missing.join(", ")),
            );
        }
        let requested_for = match body.get("sysparm_requested_for").and_then(Value::as_str) {
            Some(user) if is_sys_id(user) && self.store.contains("sys_user", user) => {
                user.to_string()
            }
            Some(user) => {
                return Response::error(
                    400,
                    "Invalid sysparm_requested_for",
                    Some(&format!("No sys_user with sys_id {user}")),
                )
            }
            None => self.account.sys_id.clone(),
        };
        let price = column(&item, "price").parse::<f64>().unwrap_or(0.0);
        let total = format!("{:.2}", price * quantity as f64);
        let request_id = self.insert(
            "sc_request",
            &[
                ("requested_for", requested_for.as_str()),
                ("short_description", column(&item, "name")),
                ("request_state", "requested"),
                ("state", "1"),
                ("approval", "requested"),
                ("stage", "requested"),
                ("price", &total),
            ],
        );
        let Some(request_id) = request_id else {
            return Response::error(500, "sc_request is not documented in this simulator", None);
        };
        let quantity = quantity.to_string();
        self.insert(
            "sc_req_item",
            &[
                ("request", request_id.as_str()),
                ("cat_item", id),
                ("requested_for", requested_for.as_str()),
                ("short_description", column(&item, "short_description")),
                ("quantity", quantity.as_str()),
                ("price", column(&item, "price")),
                ("state", "1"),
                ("approval", "requested"),
                ("stage", "waiting_for_approval"),
            ],
        );
        let number = self
            .store
            .get("sc_request", &request_id)
            .map(|row| column(row, "number").to_string())
            .unwrap_or_default();
        Response::json(
            200,
            &json!({ "result": {
                "sys_id": request_id,
                "number": number,
                "request_number": number,
                "request_id": request_id,
                "table": "sc_request",
            }}),
        )
    }

    /// Inserts a task record the way the Table API does (system columns, number,
    /// insert defaults, business rules); None when no spec documents the table.
    fn insert(&mut self, table_name: &str, fields: &[(&str, &str)]) -> Option<String> {
        let table = self.schema.table(table_name)?;
        let sys_id = self.ids.next_sys_id();
        let user = self.account.user_name.as_str();
        let mut row = Row::new();
        for (name, value) in [
            ("sys_id", sys_id.as_str()),
            ("sys_created_on", self.now),
            ("sys_created_by", user),
            ("sys_updated_on", self.now),
            ("sys_updated_by", user),
            ("sys_mod_count", "0"),
            ("sys_class_name", table_name),
            ("opened_by", self.account.sys_id.as_str()),
        ]
        .into_iter()
        .chain(fields.iter().copied())
        {
            row.insert(name.to_string(), value.to_string());
        }
        if let Some(prefix) = &table.number_prefix {
            let number = self.store.next_number(table_name, prefix);
            row.insert("number".into(), number);
        }
        let actor = Actor {
            user_name: user,
            user_sys_id: &self.account.sys_id,
        };
        platform::apply_insert_defaults(table, &mut row, actor, self.now);
        platform::apply_business_rules(table, None, &mut row, actor, self.now);
        self.store.insert(table_name, row);
        Some(sys_id)
    }
}

/// `1100.00` -> `$1,100.00`, the way the API displays a price (inferred from the
/// docs' examples, which show a currency symbol and grouping).
fn price_display(price: &str) -> String {
    let value = price.trim().parse::<f64>().unwrap_or(0.0);
    let cents = (value * 100.0).round() as i64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_cover_items_one_item_and_order_now() {
        let id = "0123456789abcdef0123456789abcdef";
        let cases = [
            ("/api/sn_sc/servicecatalog/items", Some(CatalogRoute::Items)),
            (
                "/api/sn_sc/v1/servicecatalog/items/",
                Some(CatalogRoute::Items),
            ),
            (
                &format!("/api/sn_sc/servicecatalog/items/{id}") as &str,
                Some(CatalogRoute::Item(id.into())),
            ),
            (
                &format!("/api/sn_sc/servicecatalog/items/{id}/order_now") as &str,
                Some(CatalogRoute::OrderNow(id.into())),
            ),
            ("/api/sn_sc/servicecatalog/items/a/b/c", None),
            ("/api/sn_sc/servicecatalog/cart", None),
        ];
        for (path, expected) in cases {
            assert_eq!(CatalogRoute::parse(path), expected, "{path}");
        }
    }

    #[test]
    fn prices_are_shown_with_currency_and_grouping() {
        let cases = [
            ("1100.00", "$1,100.00"),
            ("0", "$0.00"),
            ("", "$0.00"),
            ("25.5", "$25.50"),
            ("1234567.891", "$1,234,567.89"),
        ];
        for (price, shown) in cases {
            assert_eq!(price_display(price), shown, "{price}");
        }
    }
}
