//! `/catalog` and `/catalog/preview`: what a server's `config` can name (methods, tags,
//! tool modes) and which tools a given `config` would expose, without creating anything.
//! The preview runs the catalog's own filter, so its count is what tools/list returns.

use super::body;
use super::error::ApiError;
use super::{json_response, servers};
use crate::http::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use snmcp_catalog::{Catalog, MethodKind, ToolFilter, ToolMode, READ, WRITE};
use std::collections::BTreeMap;

/// The `config.tool_mode` values a server accepts, the default first (the dashboard
/// hides its selector when there is only one).
pub const TOOL_MODES: [&str; 2] = ToolMode::NAMES;

/// `GET /catalog`: the vocabulary of `config`, from the built-in catalog.
pub fn info() -> Result<HttpResponse, ApiError> {
    let catalog = builtin()?;
    // Custom methods: every method key that is not a standard one, with its kind and
    // the resources that have it (a dashboard labels the checkbox with them).
    let mut custom: BTreeMap<&str, (MethodKind, Vec<&str>)> = BTreeMap::new();
    for resource in catalog.resources() {
        for (key, spec) in &resource.methods {
            // The catalog refuses custom methods without a kind, so `None` is standard.
            let (None, Some(kind)) = (MethodKind::parse(key), spec.kind) else {
                continue;
            };
            custom
                .entry(key.as_str())
                .or_insert_with(|| (kind, Vec::new()))
                .1
                .push(resource.resource.as_str());
        }
    }
    let custom_methods: Vec<Value> = custom
        .into_iter()
        .map(|(name, (kind, resources))| {
            json!({ "name": name, "kind": kind.as_str(), "writes": !kind.is_read(), "resources": resources })
        })
        .collect();
    let standard: Vec<&str> = MethodKind::ALL.iter().map(|k| k.as_str()).collect();
    Ok(json_response(
        200,
        json!({
            "tool_count": catalog.check_filter(&ToolFilter::default()).unwrap_or(0),
            "method_keywords": [READ, WRITE],
            "standard_methods": standard,
            "custom_methods": custom_methods,
            "tags": catalog.tags().collect::<Vec<_>>(),
            "tool_modes": TOOL_MODES,
        }),
    ))
}

/// `POST /catalog/preview` with `{"config": {...}}` (the shape servers take): the tools
/// that config keeps, or the same 400 that creating a server with it would answer.
pub fn preview(request: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let object = body::object(&request.body, &["config"])?;
    let filter = match object.get("config") {
        None | Some(Value::Null) => ToolFilter::default(),
        Some(value) => servers::parse_config(value)?,
    };
    servers::check_filter(&filter)?;
    let catalog = builtin()?;
    let mut tools: Vec<Value> = catalog
        .visible(&filter)
        .map(|tool| {
            json!({
                "name": tool.name,
                "title": tool.definition.get("title").cloned().unwrap_or(Value::Null),
                "resource": tool.resource.resource,
                "method": tool.method,
                "kind": tool.kind.as_str(),
                "writes": !tool.kind.is_read(),
            })
        })
        .collect();
    // search, fetch and aggregate span tables (docs/answers.md): no resource or method.
    tools.extend(catalog.answer_tools(&filter).into_iter().map(|definition| {
        let kind = if definition["name"] == snmcp_catalog::answers::FETCH {
            MethodKind::Get
        } else {
            MethodKind::List
        };
        json!({
            "name": definition["name"],
            "title": definition["title"],
            "resource": Value::Null,
            "method": Value::Null,
            "kind": kind.as_str(),
            "writes": false,
            "answer": true,
        })
    }));
    let warnings = tool_count_warnings(tools.len(), filter.tool_mode);
    Ok(json_response(
        200,
        json!({ "count": tools.len(), "tools": tools, "warnings": warnings }),
    ))
}

/// Clients that use only so many of a server's tools: (client, limit, what happens).
pub const CLIENT_TOOL_LIMITS: [(&str, usize, &str); 2] = [
    (
        "OpenAI API (Agents SDK, Responses and Chat Completions)",
        128,
        "a request with more functions is refused",
    ),
    ("Cursor", 40, "only the first 40 tools are used"),
];

/// One warning per known client limit that `count` listed tools exceed, with what to do
/// about it. None in discovery mode: such a server lists three tools whatever it keeps.
pub fn tool_count_warnings(count: usize, mode: ToolMode) -> Vec<Value> {
    if mode == ToolMode::Discovery {
        return Vec::new();
    }
    CLIENT_TOOL_LIMITS
        .iter()
        .filter(|(_, limit, _)| count > *limit)
        .map(|(client, limit, effect)| {
            json!({
                "client": client,
                "limit": limit,
                "message": format!(
                    "{count} tools is more than {client} takes ({limit}: {effect}); narrow the server with tags or methods, or use discovery mode (three tools that reach all of them)"
                ),
            })
        })
        .collect()
}

fn builtin() -> Result<&'static Catalog, ApiError> {
    Catalog::builtin().map_err(|e| {
        ApiError::new(
            500,
            "catalog_unavailable",
            format!("the built-in tool catalog cannot be loaded: {e}"),
        )
    })
}
