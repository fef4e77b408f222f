//! `tools/list` and `tools/call`: the catalog's tools for one server, and a call's
//! journey from validated arguments to a ServiceNow request and back to an MCP result.

use super::jsonrpc::{ErrorCode, RequestId, RpcError};
use super::model::{CallToolParams, CallToolResult, Content};
use super::reply::Reply;
use crate::diagnostics;
use crate::ports::{Clock, KvStore, Upstream};
use crate::servicenow::{
    self, ArgumentError, CallOutcome, FileContent, RecordLink, UpstreamContext,
};
use crate::services::Services;
use crate::store::{self, McpServerRecord, RateLimitResponse, ServerGrant};

/// The `_meta` key of a rate-limit tool error's figures.
pub const RATE_LIMIT_META: &str = "io.snmcp/rate_limit";
use serde_json::{json, Map, Value};
use snmcp_catalog::{discovery, Catalog, ToolMode};

pub(super) fn tools_list(
    catalog: &Catalog,
    server: &McpServerRecord,
    id: RequestId,
    cursor: Option<&str>,
) -> Reply {
    if server.config.tool_mode == ToolMode::Discovery {
        // Three small tools whatever the catalog's size: one page, no cursor.
        if cursor.is_some() {
            return Reply::error(id, RpcError::invalid_params("Invalid cursor: this server lists three tools on one page; call tools/list without a cursor"));
        }
        return Reply::ok(
            id,
            json!({ "tools": discovery::definitions(catalog, &server.config) }),
        );
    }
    match catalog.list_page(&server.config, cursor) {
        Ok(page) => {
            let mut result = json!({ "tools": page.tools });
            if let Some(next) = page.next_cursor {
                result["nextCursor"] = Value::String(next);
            } else if let Some(tools) = result["tools"].as_array_mut() {
                // search, fetch and aggregate (snmcp_catalog::answers) end the last page.
                tools.extend(catalog.answer_tools(&server.config).into_iter().cloned());
            }
            Reply::ok(id, result)
        }
        Err(e) => Reply::error(id, RpcError::invalid_params(format!("Invalid cursor: {e}"))),
    }
}

/// A successful tool result: `structuredContent` (matching the tool's outputSchema),
/// the same JSON as one text item for clients that ignore structured output, and the
/// record's page on the instance as a `resource_link` when there is one record. The
/// structured JSON is serialised once and used for both.
pub(super) fn success_result(
    structured: &Value,
    link: Option<RecordLink>,
    file: Option<FileContent>,
) -> CallToolResult {
    let text = crate::json_text::to_string(structured);
    let mut content = vec![Content::Text(text.clone())];
    match file {
        Some(FileContent::Image { data, mime_type }) => {
            content.push(Content::Image { data, mime_type })
        }
        Some(FileContent::Link {
            uri,
            name,
            mime_type,
        }) => content.push(Content::ResourceLink {
            uri,
            name,
            mime_type,
        }),
        None => {}
    }
    if let Some(link) = link {
        content.push(Content::ResourceLink {
            uri: link.uri,
            name: link.name,
            mime_type: "text/html".into(),
        });
    }
    CallToolResult {
        content,
        is_error: false,
        structured_content: Some(text),
        ..CallToolResult::default()
    }
}

/// A tool result the model reads as a failure it can act on.
fn tool_error(id: RequestId, message: &str, headers: Vec<(String, String)>) -> Reply {
    Reply {
        headers,
        ..Reply::tool(id, CallToolResult::error(message))
    }
}

pub(super) async fn tools_call<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    catalog: &Catalog,
    grant: &ServerGrant,
    id: RequestId,
    call: CallToolParams,
) -> Reply {
    let server = &*grant.server;
    let CallToolParams { name, arguments } = call;
    if server.config.tool_mode == ToolMode::Discovery {
        return discovery_call(services, catalog, grant, id, &name, arguments).await;
    }
    // search, fetch, aggregate_service_now_records (docs/answers.md); tools mode only.
    if let Some(answer) = catalog.answer_tool(&name, &server.config) {
        let outcome = servicenow::answers::call_answer_tool(
            services,
            catalog,
            grant,
            answer,
            arguments.as_ref(),
        )
        .await;
        return outcome_reply(id, outcome, server);
    }
    call_catalog_tool(services, catalog, grant, id, &name, arguments).await
}

/// The three discovery-mode tools. A catalog tool is reached only through
/// `call_service_now_tool`, which runs it exactly as tools/call would.
async fn discovery_call<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    catalog: &Catalog,
    grant: &ServerGrant,
    id: RequestId,
    name: &str,
    arguments: Option<Value>,
) -> Reply {
    let server = &*grant.server;
    let mut args = match arguments {
        None => Map::new(),
        Some(Value::Object(args)) => args,
        Some(_) => {
            return tool_error(
                id,
                &format!("Invalid arguments for {name}: arguments must be a JSON object"),
                Vec::new(),
            )
        }
    };
    let filter = &server.config;
    match name {
        discovery::SEARCH_TOOL => match search_arguments(&args) {
            Ok((query, limit)) => {
                let tools: Vec<Value> = discovery::search(catalog, filter, query, limit)
                    .into_iter()
                    .map(|hit| {
                        json!({
                            "name": hit.tool.name,
                            "title": hit.tool.definition["title"],
                            "description": discovery::one_line(hit.tool),
                        })
                    })
                    .collect();
                ok(id, json!({ "tools": tools }))
            }
            Err(problem) => tool_error(
                id,
                &format!("Invalid arguments for {name}: {problem}"),
                Vec::new(),
            ),
        },
        discovery::DESCRIBE_TOOL => {
            let extra = args.keys().find(|k| k.as_str() != "name");
            match (args.get("name").and_then(Value::as_str), extra) {
                (Some(tool_name), None) => match catalog.find(tool_name, filter) {
                    Some(tool) => ok(id, json!({ "tool": tool.definition })),
                    None => tool_error(
                        id,
                        &format!(
                            "Unknown tool: {tool_name}. Find tool names with {}.",
                            discovery::SEARCH_TOOL
                        ),
                        Vec::new(),
                    ),
                },
                _ => tool_error(
                    id,
                    &format!(
                        "Invalid arguments for {name}: give only name, a tool name from {}",
                        discovery::SEARCH_TOOL
                    ),
                    Vec::new(),
                ),
            }
        }
        discovery::CALL_TOOL => {
            let extra = args
                .keys()
                .any(|k| !matches!(k.as_str(), "name" | "arguments"));
            let inner_arguments = match args.remove("arguments") {
                None | Some(Value::Null) => None,
                Some(a) => Some(a),
            };
            match (args.get("name").and_then(Value::as_str), extra) {
                (Some(tool_name), false) => {
                    call_catalog_tool(services, catalog, grant, id, tool_name, inner_arguments)
                        .await
                }
                _ => tool_error(
                    id,
                    &format!("Invalid arguments for {name}: give name (a tool name from {}) and arguments (an object matching its input schema)", discovery::SEARCH_TOOL),
                    Vec::new(),
                ),
            }
        }
        _ => Reply::error(
            id,
            RpcError::invalid_params(format!(
                "Unknown tool: {name}. This server works in discovery mode: use {}, {} and {}.",
                discovery::SEARCH_TOOL,
                discovery::DESCRIBE_TOOL,
                discovery::CALL_TOOL
            )),
        ),
    }
}

/// `query` (1-200 characters) and `limit` (1-50, default 10) of a search.
fn search_arguments(args: &Map<String, Value>) -> Result<(&str, usize), ArgumentError> {
    if let Some(extra) = args
        .keys()
        .find(|k| !matches!(k.as_str(), "query" | "limit"))
    {
        return Err(format!("unknown field '{extra}'; this tool accepts: query, limit").into());
    }
    let query = match args.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() && q.chars().count() <= 200 => q.as_str(),
        _ => {
            return Err("query must be 1-200 characters of words, e.g. \"create incident\"".into())
        }
    };
    let limit = match args.get("limit") {
        None | Some(Value::Null) => discovery::SEARCH_LIMIT_DEFAULT,
        Some(v) => v
            .as_u64()
            .filter(|l| (1..=discovery::SEARCH_LIMIT_MAX).contains(l))
            .ok_or_else(|| {
                ArgumentError::from(format!(
                    "limit must be an integer from 1 to {}",
                    discovery::SEARCH_LIMIT_MAX
                ))
            })?,
    };
    Ok((query, usize::try_from(limit).unwrap_or(10)))
}

fn ok(id: RequestId, structured: Value) -> Reply {
    Reply::tool(id, success_result(&structured, None, None))
}

/// One catalog tool, by name: the same filter, validation and upstream path whether it
/// came from tools/call or from call_service_now_tool.
async fn call_catalog_tool<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    catalog: &Catalog,
    grant: &ServerGrant,
    id: RequestId,
    name: &str,
    arguments: Option<Value>,
) -> Reply {
    let server = &*grant.server;
    // A tool this server does not expose is indistinguishable from an unknown one.
    let Some(tool) = catalog.find(name, &server.config) else {
        return Reply::error(
            id,
            RpcError::invalid_params(format!(
                "Unknown tool: {name}. Call tools/list for the tools this server offers."
            )),
        );
    };
    let call = match catalog.check_owned_call(tool, arguments) {
        Ok(call) => call,
        Err(problems) => {
            return tool_error(
                id,
                &format!("Invalid arguments for {name}:\n{problems}"),
                Vec::new(),
            )
        }
    };
    let Some(sealing_key) = services.config.sealing_key.as_ref() else {
        return tool_error(id, "This MCP server is not configured to reach ServiceNow (the CREDENTIALS_KEY secret is missing); an administrator must set it.", Vec::new());
    };
    let account = match store::accounts::open(sealing_key, &grant.account) {
        Ok(account) => account,
        Err(e) => {
            return tool_error(
                id,
                &diagnostics::withheld("open the ServiceNow account behind this MCP server", &e),
                Vec::new(),
            )
        }
    };
    let context = UpstreamContext {
        kv: services.kv,
        upstream: services.upstream,
        clock: services.clock,
        sealing_key: Some(sealing_key),
        timeout_ms: services.config.upstream_timeout_ms,
        upload_max_bytes: services.config.upload_max_bytes,
    };
    outcome_reply(
        id,
        servicenow::call_tool(
            &context,
            &account,
            &servicenow::Scope::new(catalog, &server.config),
            tool,
            call,
        )
        .await,
        server,
    )
}

/// A call's outcome as the JSON-RPC reply: a result, an isError result or a 429 (as the
/// server's `rate_limit_response` says: HTTP 429, or an isError result with the same
/// headers and the figures in `_meta`).
fn outcome_reply(id: RequestId, outcome: CallOutcome, server: &McpServerRecord) -> Reply {
    match outcome {
        CallOutcome::Success {
            structured,
            rate_limit,
            link,
            file,
        } => Reply {
            headers: rate_limit,
            ..Reply::tool(id, success_result(&structured, link, file.map(|f| *f)))
        },
        CallOutcome::Failure {
            message,
            rate_limit,
            ..
        } => tool_error(id, &message, rate_limit),
        CallOutcome::RateLimited {
            message,
            retry_after_secs,
            headers,
        } if server.rate_limit_response == RateLimitResponse::ToolError => {
            let figure = |name: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse::<u64>().ok())
            };
            let mut result = CallToolResult::error(message);
            result.meta.insert(
                RATE_LIMIT_META.into(),
                json!({
                    "status": 429,
                    "retry_after_seconds": retry_after_secs,
                    "limit": figure("ratelimit-limit"),
                    "remaining": figure("ratelimit-remaining"),
                    "reset_seconds": figure("ratelimit-reset"),
                }),
            );
            Reply {
                headers,
                ..Reply::tool(id, result)
            }
        }
        CallOutcome::RateLimited {
            message,
            retry_after_secs,
            headers,
        } => {
            let error = RpcError::new(ErrorCode::UPSTREAM_RATE_LIMITED, message)
                .with_data(json!({ "status": 429, "retry_after_seconds": retry_after_secs }));
            Reply {
                status: 429,
                headers,
                ..Reply::error(id, error)
            }
        }
    }
}
