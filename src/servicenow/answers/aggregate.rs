//! `aggregate_service_now_records`: arguments checked against the table's spec (fields,
//! `having`, `order_by`) before anything is sent, one `GET /api/now/stats/{table}`, and
//! ServiceNow's string numbers turned into JSON numbers, groups into `{group, stats}`.

use super::super::query::{escapes_fixed_conditions, ANCHOR};
use super::super::scope::Scope;
use super::super::CallOutcome;
use super::session::Session;
use crate::ports::{Clock, KvStore, Upstream};
use crate::servicenow::refusal::ArgumentError;
use serde_json::{json, Map, Value};
use snmcp_catalog::answers::AGGREGATE_FIELDS_MAX;
use snmcp_catalog::spec::SYSTEM_FIELDS;
use snmcp_catalog::{Catalog, ResourceSpec, ToolFilter};

/// The aggregate functions ServiceNow's stats API computes per field.
const FUNCTIONS: [&str; 4] = ["avg", "min", "max", "sum"];
const HAVING_OPERATORS: [&str; 6] = ["=", "!=", ">", ">=", "<", "<="];
const KNOWN_ARGUMENTS: [&str; 10] = [
    "table",
    "query",
    "group_by",
    "count",
    "avg_fields",
    "min_fields",
    "max_fields",
    "sum_fields",
    "having",
    "order_by",
];

/// A checked aggregate request: the stats API parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateRequest {
    pub table: String,
    pub params: Vec<(&'static str, String)>,
    pub grouped: bool,
}

/// Checks every argument against the server's filter and the table's spec; the error is
/// the isError text (nothing is sent).
pub fn plan(
    catalog: &Catalog,
    filter: &ToolFilter,
    args: &Map<String, Value>,
) -> Result<AggregateRequest, ArgumentError> {
    if let Some(unknown) = args.keys().find(|k| !KNOWN_ARGUMENTS.contains(&k.as_str())) {
        return Err(ArgumentError(format!(
            "Unknown argument {unknown}; aggregate_service_now_records takes {}.",
            KNOWN_ARGUMENTS.join(", ")
        )));
    }
    let table = match args.get("table") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_string(),
        _ => return Err("table is required: the table to aggregate, e.g. \"incident\".".into()),
    };
    let resource = match catalog.resource_for_table(&table) {
        Some(r) if catalog.readable(&table, filter) => r,
        _ => {
            let tables = catalog.readable_tables(filter);
            return Err(ArgumentError(format!(
                "This server cannot read the table \"{}\"; tables it can aggregate: {}.",
                table.chars().take(80).collect::<String>(),
                tables.join(", ")
            )));
        }
    };
    let mut params: Vec<(&'static str, String)> = Vec::new();
    let scope = Scope::new(catalog, filter);
    // Attachments and journal entries: only rows of tables this server exposes.
    let fixed = scope.row_condition(resource)?;
    let query = match args.get("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(q)) if q.chars().count() <= 4000 => {
            Some(q.trim()).filter(|q| !q.is_empty())
        }
        Some(_) => return Err("query must be an encoded query string of at most 4000 characters, e.g. \"priority=1^active=true\".".into()),
    };
    if let Some(q) = query {
        scope.check_query(&table, q, "query")?;
    }
    match (fixed, query) {
        (Some(fixed), Some(q)) => {
            if escapes_fixed_conditions(q) {
                return Err(ArgumentError(format!("query must not start with OR, NQ or ^ nor contain ^NQ on {table}: the server always limits it to the tables it exposes, and a new OR block would escape that.")));
            }
            params.push(("sysparm_query", format!("{fixed}^{ANCHOR}^{q}")));
        }
        (Some(fixed), None) => params.push(("sysparm_query", fixed)),
        (None, Some(q)) => params.push(("sysparm_query", q.to_string())),
        (None, None) => {}
    }
    let group_by = field_list(resource, args, "group_by")?;
    let mut any_function = false;
    let mut lists = Vec::new();
    for function in FUNCTIONS {
        let key = format!("{function}_fields");
        let fields = field_list(resource, args, &key)?;
        any_function |= !fields.is_empty();
        lists.push((function, fields));
    }
    let count = match args.get("count") {
        None | Some(Value::Null) => !any_function,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("count must be true or false.".into()),
    };
    if !count && !any_function {
        return Err("Nothing to compute: set count to true or name fields in avg_fields, min_fields, max_fields or sum_fields.".into());
    }
    if count {
        params.push(("sysparm_count", "true".into()));
    }
    for (function, fields) in lists {
        if !fields.is_empty() {
            let key = match function {
                "avg" => "sysparm_avg_fields",
                "min" => "sysparm_min_fields",
                "max" => "sysparm_max_fields",
                _ => "sysparm_sum_fields",
            };
            params.push((key, fields.join(",")));
        }
    }
    if !group_by.is_empty() {
        params.push(("sysparm_group_by", group_by.join(",")));
    }
    match args.get("having") {
        None | Some(Value::Null) => {}
        Some(Value::String(h)) if h.trim().is_empty() => {}
        Some(Value::String(h)) => params.push(("sysparm_having", parse_having(resource, h)?)),
        Some(_) => return Err(ArgumentError(having_help("having must be a string"))),
    }
    match args.get("order_by") {
        None | Some(Value::Null) => {}
        Some(Value::String(o)) if o.trim().is_empty() => {}
        Some(Value::String(o)) => params.push(("sysparm_order_by", parse_order_by(o, &group_by)?)),
        Some(_) => return Err(
            "order_by must be a string: a group_by field or COUNT, optionally followed by ^DESC."
                .into(),
        ),
    }
    if !group_by.is_empty() {
        // Group values as both stored value and label (sys_id and group name).
        params.push(("sysparm_display_value", "all".into()));
    }
    Ok(AggregateRequest {
        table,
        params,
        grouped: !group_by.is_empty(),
    })
}

fn known_field(resource: &ResourceSpec, field: &str) -> bool {
    resource.fields.contains_key(field) || SYSTEM_FIELDS.contains(&field)
}

fn unknown_field(resource: &ResourceSpec, argument: &str, field: &str) -> String {
    let mut fields: Vec<&str> = resource.fields.keys().map(String::as_str).collect();
    fields.extend(SYSTEM_FIELDS);
    fields.sort_unstable();
    format!(
        "{argument}: {} has no field \"{}\". Its fields: {}.",
        resource.table,
        field.chars().take(80).collect::<String>(),
        fields.join(", ")
    )
}

fn field_list(
    resource: &ResourceSpec,
    args: &Map<String, Value>,
    key: &str,
) -> Result<Vec<String>, ArgumentError> {
    let items = match args.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        // A single name is accepted as a list of one.
        Some(Value::String(s)) => {
            return field_list_from(resource, key, &[Value::String(s.clone())])
        }
        Some(_) => {
            return Err(ArgumentError(format!(
                "{key} must be a list of field names, e.g. [\"assignment_group\"]."
            )))
        }
    };
    field_list_from(resource, key, items)
}

fn field_list_from(
    resource: &ResourceSpec,
    key: &str,
    items: &[Value],
) -> Result<Vec<String>, ArgumentError> {
    if items.len() > AGGREGATE_FIELDS_MAX {
        return Err(ArgumentError(format!(
            "{key} names {} fields; at most {AGGREGATE_FIELDS_MAX}.",
            items.len()
        )));
    }
    let mut fields = Vec::new();
    for item in items {
        let Some(field) = item.as_str().map(str::trim) else {
            return Err(ArgumentError(format!(
                "{key} must be a list of field names (strings)."
            )));
        };
        if !known_field(resource, field) {
            return Err(ArgumentError(unknown_field(resource, key, field)));
        }
        if !fields.iter().any(|f: &String| f == field) {
            fields.push(field.to_string());
        }
    }
    Ok(fields)
}

fn having_help(problem: &str) -> String {
    format!("{problem}; having is aggregate^field^operator^value with aggregate one of count, avg, min, max, sum and operator one of {}, e.g. count^assignment_group^>^2.", HAVING_OPERATORS.join(" "))
}

/// Checks `aggregate^field^operator^value` and returns it normalized.
pub fn parse_having(resource: &ResourceSpec, raw: &str) -> Result<String, ArgumentError> {
    let parts: Vec<&str> = raw.trim().split('^').map(str::trim).collect();
    let [aggregate, field, operator, value] = parts.as_slice() else {
        return Err(ArgumentError(having_help(&format!(
            "having \"{}\" does not have four ^-separated parts",
            raw.chars().take(80).collect::<String>()
        ))));
    };
    let aggregate = aggregate.to_ascii_lowercase();
    if aggregate != "count" && !FUNCTIONS.contains(&aggregate.as_str()) {
        return Err(ArgumentError(having_help(&format!(
            "\"{aggregate}\" is not an aggregate"
        ))));
    }
    if !known_field(resource, field) {
        return Err(ArgumentError(unknown_field(resource, "having", field)));
    }
    if !HAVING_OPERATORS.contains(operator) {
        return Err(ArgumentError(having_help(&format!(
            "\"{operator}\" is not an operator"
        ))));
    }
    if serde_json::from_str::<serde_json::Number>(value).is_err() {
        return Err(ArgumentError(having_help(&format!(
            "\"{value}\" is not a number"
        ))));
    }
    Ok(format!("{aggregate}^{field}^{operator}^{value}"))
}

/// `COUNT` or a group_by field, optionally `^DESC`.
pub fn parse_order_by(raw: &str, group_by: &[String]) -> Result<String, ArgumentError> {
    let raw = raw.trim();
    let (target, descending) = match raw.rsplit_once('^') {
        Some((t, d)) if d.eq_ignore_ascii_case("DESC") => (t.trim(), true),
        Some((t, d)) if d.eq_ignore_ascii_case("ASC") => (t.trim(), false),
        Some(_) => return Err(ArgumentError(format!("order_by \"{raw}\" is not understood: use COUNT or a group_by field, optionally followed by ^DESC."))),
        None => (raw, false),
    };
    let target = if target.eq_ignore_ascii_case("count") {
        "COUNT".to_string()
    } else if group_by.iter().any(|g| g == target) {
        target.to_string()
    } else {
        return Err(ArgumentError(format!(
            "order_by \"{target}\" is neither COUNT nor one of the group_by fields ({}).",
            group_by.join(", ")
        )));
    };
    Ok(if descending {
        format!("{target}^DESC")
    } else {
        target
    })
}

/// A stats value: ServiceNow sends numbers as strings; dates and text stay strings.
/// Parsed by serde_json (already in the bundle; `str::parse::<f64>` would add core's
/// float parser to the wasm).
pub fn number(value: &Value) -> Value {
    let Value::String(text) = value else {
        return value.clone();
    };
    let text = text.trim();
    match serde_json::from_str::<serde_json::Number>(text) {
        Ok(n) => Value::Number(n),
        Err(_) => Value::String(text.to_string()),
    }
}

/// `{"count": "3", "avg": {"f": "1.5"}}` → numbers.
pub fn convert_stats(stats: &Value) -> Value {
    let mut out = Map::new();
    if let Some(stats) = stats.as_object() {
        for (key, value) in stats {
            let converted = match value {
                Value::Object(per_field) => Value::Object(
                    per_field
                        .iter()
                        .map(|(f, v)| (f.clone(), number(v)))
                        .collect(),
                ),
                other => number(other),
            };
            out.insert(key.clone(), converted);
        }
    }
    Value::Object(out)
}

/// The tool's structured result from the stats API's `result`.
pub fn shape(table: &str, grouped: bool, result: &Value) -> Result<Value, ArgumentError> {
    if !grouped {
        let stats = result.get("stats").ok_or("the answer has no stats")?;
        return Ok(json!({"table": table, "stats": convert_stats(stats)}));
    }
    let rows = result.as_array().ok_or("a grouped answer is not a list")?;
    let groups: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut group = Map::new();
            let mut labels = Map::new();
            for entry in row
                .get("groupby_fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(field) = entry.get("field").and_then(Value::as_str) else {
                    continue;
                };
                let value = entry.get("value").and_then(Value::as_str).unwrap_or("");
                group.insert(field.to_string(), Value::String(value.to_string()));
                if let Some(display) = entry.get("display_value").and_then(Value::as_str) {
                    if display != value {
                        labels.insert(field.to_string(), Value::String(display.to_string()));
                    }
                }
            }
            let mut item = json!({
                "group": group,
                "stats": convert_stats(row.get("stats").unwrap_or(&Value::Null)),
            });
            if !labels.is_empty() {
                item["labels"] = Value::Object(labels);
            }
            item
        })
        .collect();
    Ok(json!({"table": table, "groups": groups}))
}

pub async fn aggregate<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    request: AggregateRequest,
) -> CallOutcome {
    let url = session.url(
        &format!("/api/now/stats/{}", request.table),
        &request.params,
    );
    let what = format!("the aggregate over {}", request.table);
    let response = match session.get(url, &what).await {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let result = match session.result(&response, &what) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    match shape(&request.table, request.grouped, &result) {
        Ok(structured) => session.success(structured),
        Err(problem) => session.failure(
            format!("ServiceNow answered {what} in an unexpected shape ({problem})."),
            Some(response.status),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn incident() -> std::sync::Arc<ResourceSpec> {
        Catalog::builtin()
            .unwrap()
            .resource_for_table("incident")
            .unwrap()
            .clone()
    }

    #[test]
    fn having_is_parsed_or_refused_with_the_format() {
        let r = incident();
        assert_eq!(
            parse_having(&r, "COUNT^assignment_group^>^2"),
            Ok("count^assignment_group^>^2".into())
        );
        assert_eq!(
            parse_having(&r, " avg ^ reopen_count ^ >= ^ 1.5 "),
            Ok("avg^reopen_count^>=^1.5".into())
        );
        for bad in [
            "count^assignment_group^>",
            "median^priority^>^1",
            "count^no_field^>^1",
            "count^priority^~^1",
            "count^priority^>^many",
            "count^priority^>^1^x",
            "",
            "count^priority^>^NaN",
        ] {
            let message = parse_having(&r, bad).expect_err(bad);
            assert!(message.contains("having"), "{bad}: {message}");
        }
    }

    #[test]
    fn order_by_names_count_or_a_group_field() {
        let groups = vec!["assignment_group".to_string()];
        assert_eq!(
            parse_order_by("count^desc", &groups),
            Ok("COUNT^DESC".into())
        );
        assert_eq!(
            parse_order_by("assignment_group", &groups),
            Ok("assignment_group".into())
        );
        assert_eq!(
            parse_order_by("assignment_group^ASC", &groups),
            Ok("assignment_group".into())
        );
        assert!(parse_order_by("priority", &groups).is_err());
        assert!(parse_order_by("COUNT^SIDEWAYS", &groups).is_err());
    }

    #[test]
    fn string_numbers_become_numbers() {
        let cases = [
            (json!("42"), json!(42)),
            (json!("1.5000"), json!(1.5)),
            (json!("-3"), json!(-3)),
            (json!(""), json!("")),
            (json!("2026-11-02 10:00:00"), json!("2026-11-02 10:00:00")),
            (json!("NaN"), json!("NaN")),
            (json!(7), json!(7)),
        ];
        for (raw, want) in cases {
            assert_eq!(number(&raw), want, "{raw}");
        }
        assert_eq!(
            convert_stats(
                &json!({"count": "3", "avg": {"reopen_count": "0.6667"}, "max": {"opened_at": "2026-11-02 10:00:00"}})
            ),
            json!({"count": 3, "avg": {"reopen_count": 0.6667}, "max": {"opened_at": "2026-11-02 10:00:00"}})
        );
    }

    #[test]
    fn groups_become_a_list_of_group_and_stats() {
        let result = json!([
            {"stats": {"count": "4"}, "groupby_fields": [{"field": "assignment_group", "value": "g1", "display_value": "Network"}]},
            {"stats": {"count": "1"}, "groupby_fields": [{"field": "assignment_group", "value": ""}]}
        ]);
        assert_eq!(
            shape("incident", true, &result).unwrap(),
            json!({"table": "incident", "groups": [
                {"group": {"assignment_group": "g1"}, "labels": {"assignment_group": "Network"}, "stats": {"count": 4}},
                {"group": {"assignment_group": ""}, "stats": {"count": 1}}
            ]})
        );
        assert_eq!(
            shape("incident", false, &json!({"stats": {"count": "28"}})).unwrap(),
            json!({"table": "incident", "stats": {"count": 28}})
        );
        assert!(shape("incident", true, &json!({"stats": {}})).is_err());
    }

    #[test]
    fn plans_check_tables_fields_and_filters_before_any_request() {
        let catalog = Catalog::builtin().unwrap();
        let all = ToolFilter::default();
        let planned = plan(
            catalog,
            &all,
            &args(json!({"table": "incident", "query": "active=true", "group_by": ["assignment_group"], "having": "count^assignment_group^>^1", "order_by": "COUNT^DESC", "avg_fields": ["reopen_count"], "count": true})),
        )
        .unwrap();
        assert_eq!(
            planned.params,
            vec![
                ("sysparm_query", "active=true".to_string()),
                ("sysparm_count", "true".to_string()),
                ("sysparm_avg_fields", "reopen_count".to_string()),
                ("sysparm_group_by", "assignment_group".to_string()),
                ("sysparm_having", "count^assignment_group^>^1".to_string()),
                ("sysparm_order_by", "COUNT^DESC".to_string()),
                ("sysparm_display_value", "all".to_string()),
            ]
        );
        assert!(planned.grouped);
        // count defaults to true only when nothing else is asked.
        let plain = plan(catalog, &all, &args(json!({"table": "problem"}))).unwrap();
        assert_eq!(plain.params, vec![("sysparm_count", "true".to_string())]);
        let sums = plan(
            catalog,
            &all,
            &args(json!({"table": "incident", "sum_fields": "reopen_count"})),
        )
        .unwrap();
        assert_eq!(
            sums.params,
            vec![("sysparm_sum_fields", "reopen_count".to_string())]
        );

        let only_incidents = ToolFilter {
            methods: Some(vec!["read".into()]),
            tags: Some(vec!["incident".into()]),
            ..ToolFilter::default()
        };
        let cases = [
            (
                json!({"table": "problem"}),
                &only_incidents,
                "cannot read the table",
            ),
            (json!({"table": "no_table"}), &all, "cannot read the table"),
            (json!({}), &all, "table is required"),
            (
                json!({"table": "incident", "group_by": ["no_field"]}),
                &all,
                "has no field \"no_field\"",
            ),
            (
                json!({"table": "incident", "avg_fields": ["sys_id", 3]}),
                &all,
                "field names",
            ),
            (
                json!({"table": "incident", "having": "count^priority^>"}),
                &all,
                "four ^-separated parts",
            ),
            (
                json!({"table": "incident", "count": false}),
                &all,
                "Nothing to compute",
            ),
            (
                json!({"table": "incident", "order_by": "priority"}),
                &all,
                "neither COUNT",
            ),
            (
                json!({"table": "incident", "limit": 3}),
                &all,
                "Unknown argument limit",
            ),
        ];
        for (arguments, filter, fragment) in cases {
            let message =
                plan(catalog, filter, &args(arguments.clone())).expect_err(&arguments.to_string());
            assert!(message.contains(fragment), "{arguments}: {message}");
        }
        let write_only = ToolFilter {
            methods: Some(vec!["write".into()]),
            tags: None,
            ..ToolFilter::default()
        };
        assert!(plan(catalog, &write_only, &args(json!({"table": "incident"}))).is_err());
    }

    #[test]
    fn aggregates_of_attachments_and_journals_count_only_exposed_tables() {
        let catalog = Catalog::builtin().unwrap();
        let filter = ToolFilter {
            tags: Some(vec!["incident".into(), "journal".into()]),
            ..ToolFilter::default()
        };
        let planned = plan(
            catalog,
            &filter,
            &args(json!({"table": "sys_journal_field", "group_by": ["name"], "query": "element=work_notes"})),
        )
        .unwrap();
        assert_eq!(
            planned.params[0],
            (
                "sysparm_query",
                "nameINincident,incident_task^sys_idISNOTEMPTY^element=work_notes".to_string()
            )
        );
        for (query, why) in [
            ("NQname=hr_case", "new OR block"),
            ("element=javascript:gs.getUser()", "javascript:"),
            ("element_id.caller_id=x", "not a documented reference"),
        ] {
            let refused = plan(
                catalog,
                &filter,
                &args(json!({"table": "sys_journal_field", "query": query})),
            )
            .unwrap_err();
            assert!(refused.contains(why), "{query}: {refused}");
        }
        let script = plan(
            catalog,
            &ToolFilter::default(),
            &args(json!({"table": "incident", "query": "opened_at>javascript:gs.daysAgo(1)"})),
        )
        .unwrap_err();
        assert!(script.contains("javascript:"), "{script}");
    }
}
