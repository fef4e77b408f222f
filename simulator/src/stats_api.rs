//! The Aggregate API (ServiceNow docs "Aggregate API", `GET /api/now[/v1]/stats/{table}`):
//! `sysparm_query`, `sysparm_count`, `sysparm_avg|min|max|sum_fields`,
//! `sysparm_group_by`, `sysparm_having` (`aggregate^field^operator^value`),
//! `sysparm_order_by` (a group-by field or `COUNT`, `^DESC`) and
//! `sysparm_display_value`. Every number is answered as a string, as ServiceNow does.

use crate::access::Account;
use crate::http::{Request, Response};
use crate::query::{compare_values, EncodedQuery};
use crate::render::Renderer;
use crate::schema::{Schema, Table};
use crate::store::Row;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const FUNCTIONS: [&str; 4] = ["avg", "min", "max", "sum"];

/// The table of `/api/now[/v1|/v2]/stats/{table}`.
pub fn parse_route(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/now/")?;
    let rest = rest
        .strip_prefix("v1/")
        .or_else(|| rest.strip_prefix("v2/"))
        .unwrap_or(rest);
    let table = rest.strip_prefix("stats/")?.trim_end_matches('/');
    (!table.is_empty() && !table.contains('/')).then(|| table.to_string())
}

fn bad_request(message: &str) -> Response {
    Response::error(400, message, None)
}

/// Answers one Aggregate API request; `table` exists.
pub fn handle<'a>(
    schema: &Schema,
    renderer: &Renderer<'a>,
    table: &'a Table,
    account: &Account,
    request: &Request,
) -> Response {
    if !request.method.eq_ignore_ascii_case("GET") {
        return Response::error(
            405,
            "Method not Supported",
            Some("Requested method is not supported by this API"),
        )
        .with_header("Allow", "GET");
    }
    let params = request.params();
    let list = |name: &str| -> Vec<String> {
        params
            .get(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let group_by = list("sysparm_group_by");
    let functions: Vec<(&str, Vec<String>)> = FUNCTIONS
        .iter()
        .map(|f| (*f, list(&format!("sysparm_{f}_fields"))))
        .collect();
    for field in group_by.iter().chain(functions.iter().flat_map(|(_, f)| f)) {
        if schema.resolve_path(table, field).is_none() {
            return bad_request(&format!("Invalid field: {field}"));
        }
    }
    let having = match params
        .get("sysparm_having")
        .filter(|h| !h.trim().is_empty())
    {
        None => None,
        Some(h) => match Having::parse(h) {
            Some(having) if schema.resolve_path(table, &having.field).is_some() => Some(having),
            _ => return bad_request(&format!("Invalid sysparm_having: {h}")),
        },
    };
    let mut query = EncodedQuery::parse(params.get("sysparm_query").unwrap_or(""));
    query.drop_unknown_fields(|path| schema.resolve_path(table, path).is_some());
    let matched: Vec<&Row> = renderer
        .store
        .rows(&table.name)
        .into_iter()
        .filter(|row| query.matches(&renderer.view(table, row)))
        .collect();
    // The API needs read access to every record it aggregates.
    let rules = account.access.row_filters(&table.name);
    if matched.iter().any(|row| {
        rules
            .iter()
            .any(|rule| rule.matches(&renderer.view(table, row)))
    }) {
        return Response::error(403, "Operation Failed", Some("ACL restricts the records of this aggregate; read access to every matched record is required"));
    }
    let count = params.flag("sysparm_count");
    let display = params
        .get("sysparm_display_value")
        .unwrap_or("false")
        .to_ascii_lowercase();
    if group_by.is_empty() {
        let stats = stats(&matched, count, &functions);
        return Response::json(200, &json!({"result": {"stats": stats}}));
    }
    let mut groups: BTreeMap<Vec<String>, Vec<&Row>> = BTreeMap::new();
    for row in &matched {
        let key = group_by
            .iter()
            .map(|f| row.get(f).cloned().unwrap_or_default())
            .collect();
        groups.entry(key).or_default().push(row);
    }
    let mut answered: Vec<(Vec<String>, usize, Value)> = Vec::new();
    for (key, rows) in groups {
        if let Some(having) = &having {
            if !having.keeps(&rows) {
                continue;
            }
        }
        let mut fields = Vec::new();
        for (field, value) in group_by.iter().zip(&key) {
            let shown = rows
                .first()
                .map(|row| renderer.column_display(table, row, field))
                .unwrap_or_default();
            let entry = match display.as_str() {
                "true" => json!({"field": field, "value": shown}),
                "all" => json!({"field": field, "value": value, "display_value": shown}),
                _ => json!({"field": field, "value": value}),
            };
            fields.push(entry);
        }
        let stats = stats(&rows, count, &functions);
        answered.push((
            key,
            rows.len(),
            json!({"stats": stats, "groupby_fields": fields}),
        ));
    }
    if let Some(order) = params
        .get("sysparm_order_by")
        .filter(|o| !o.trim().is_empty())
    {
        let (target, descending) = match order.rsplit_once('^') {
            Some((t, d)) if d.eq_ignore_ascii_case("desc") => (t.to_string(), true),
            Some((t, _)) => (t.to_string(), false),
            None => (order.to_string(), false),
        };
        let position = group_by.iter().position(|g| *g == target);
        answered.sort_by(|(ka, ca, _), (kb, cb, _)| {
            let ordering = if target.eq_ignore_ascii_case("count") {
                ca.cmp(cb)
            } else if let Some(i) = position {
                compare_values(&ka[i], &kb[i])
            } else {
                std::cmp::Ordering::Equal
            };
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    let result: Vec<Value> = answered.into_iter().map(|(_, _, v)| v).collect();
    Response::json(200, &json!({"result": result}))
}

fn numbers(rows: &[&Row], field: &str) -> Vec<f64> {
    rows.iter()
        .filter_map(|row| row.get(field))
        .filter_map(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .collect()
}

/// A number the way ServiceNow writes it: integers bare, others with four decimals.
fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n:.4}")
    }
}

fn aggregate(function: &str, rows: &[&Row], field: &str) -> Option<String> {
    let values = numbers(rows, field);
    match function {
        "avg" if !values.is_empty() => Some(format!(
            "{:.4}",
            values.iter().sum::<f64>() / values.len() as f64
        )),
        "sum" => Some(format_number(values.iter().sum())),
        "min" | "max" => {
            let texts = rows
                .iter()
                .filter_map(|row| row.get(field))
                .filter(|v| !v.is_empty());
            let chosen = if function == "min" {
                texts.min_by(|a, b| compare_values(a, b))
            } else {
                texts.max_by(|a, b| compare_values(a, b))
            };
            chosen.cloned()
        }
        _ => None,
    }
}

fn stats(rows: &[&Row], count: bool, functions: &[(&str, Vec<String>)]) -> Value {
    let mut stats = Map::new();
    if count {
        stats.insert("count".into(), Value::String(rows.len().to_string()));
    }
    for (function, fields) in functions {
        if fields.is_empty() {
            continue;
        }
        let per_field: Map<String, Value> = fields
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    Value::String(aggregate(function, rows, f).unwrap_or_default()),
                )
            })
            .collect();
        stats.insert((*function).to_string(), Value::Object(per_field));
    }
    Value::Object(stats)
}

/// `aggregate^field^operator^value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Having {
    pub aggregate: String,
    pub field: String,
    pub operator: String,
    pub value: f64,
}

impl Having {
    pub fn parse(raw: &str) -> Option<Having> {
        let parts: Vec<&str> = raw.split('^').map(str::trim).collect();
        let [aggregate, field, operator, value] = parts.as_slice() else {
            return None;
        };
        let aggregate = aggregate.to_ascii_lowercase();
        let known = aggregate == "count" || FUNCTIONS.contains(&aggregate.as_str());
        let operator_ok = ["=", "!=", ">", ">=", "<", "<="].contains(operator);
        let value = value.parse::<f64>().ok().filter(|v| v.is_finite())?;
        (known && operator_ok && !field.is_empty()).then(|| Having {
            aggregate,
            field: field.to_string(),
            operator: operator.to_string(),
            value,
        })
    }

    fn keeps(&self, rows: &[&Row]) -> bool {
        let actual = if self.aggregate == "count" {
            Some(rows.len() as f64)
        } else {
            aggregate(&self.aggregate, rows, &self.field).and_then(|v| v.parse::<f64>().ok())
        };
        let Some(actual) = actual else {
            return false;
        };
        match self.operator.as_str() {
            "=" => actual == self.value,
            "!=" => actual != self.value,
            ">" => actual > self.value,
            ">=" => actual >= self.value,
            "<" => actual < self.value,
            _ => actual <= self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_the_table() {
        assert_eq!(
            parse_route("/api/now/stats/incident"),
            Some("incident".into())
        );
        assert_eq!(
            parse_route("/api/now/v1/stats/incident/"),
            Some("incident".into())
        );
        assert_eq!(parse_route("/api/now/stats/"), None);
        assert_eq!(parse_route("/api/now/stats/a/b"), None);
        assert_eq!(parse_route("/api/now/table/incident"), None);
    }

    #[test]
    fn having_parses_the_four_parts() {
        assert_eq!(
            Having::parse("COUNT^assignment_group^>^2"),
            Some(Having {
                aggregate: "count".into(),
                field: "assignment_group".into(),
                operator: ">".into(),
                value: 2.0
            })
        );
        for bad in [
            "count^f^>",
            "median^f^>^1",
            "count^f^~^1",
            "count^f^>^x",
            "count^^>^1",
        ] {
            assert_eq!(Having::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn aggregates_are_strings_like_servicenow_sends() {
        let rows: Vec<Row> = ["1", "2", "", "4"]
            .iter()
            .map(|v| {
                [("reopen_count".to_string(), v.to_string())]
                    .into_iter()
                    .collect()
            })
            .collect();
        let refs: Vec<&Row> = rows.iter().collect();
        assert_eq!(
            aggregate("avg", &refs, "reopen_count"),
            Some("2.3333".into())
        );
        assert_eq!(aggregate("sum", &refs, "reopen_count"), Some("7".into()));
        assert_eq!(aggregate("min", &refs, "reopen_count"), Some("1".into()));
        assert_eq!(aggregate("max", &refs, "reopen_count"), Some("4".into()));
        assert_eq!(aggregate("avg", &[], "reopen_count"), None);
    }
}
