//! Method dispatch for one JSON-RPC request (initialize, ping, tools/list, tools/call).
//! Tools come from the catalog; calls go to `servicenow`. No HTTP framing, no worker types.

use super::{jsonrpc, lifecycle};
use crate::config::Config;
use crate::ports::{Clock, KvStore, Upstream};
use crate::servicenow::{self, CallOutcome, UpstreamContext};
use crate::store::{self, McpServerRecord};
use jsonrpc::{
    RpcError, RpcRequest, RpcResponse, INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND,
    UPSTREAM_RATE_LIMITED,
};
use serde_json::{json, Map, Value};
use snmcp_catalog::Catalog;

/// The ports and settings a request is served with.
pub struct Services<'a, K, U, C> {
    pub config: &'a Config,
    pub kv: &'a K,
    pub upstream: &'a U,
    pub clock: &'a C,
}

/// What to answer: HTTP status, the JSON-RPC response and extra headers (rate limits).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub response: RpcResponse,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    fn ok(id: Value, result: Value) -> Self {
        Reply {
            status: 200,
            response: RpcResponse::result(id, result),
            headers: Vec::new(),
        }
    }
    fn error(id: Value, error: RpcError) -> Self {
        Reply {
            status: 200,
            response: RpcResponse::error(id, error),
            headers: Vec::new(),
        }
    }
}

pub async fn dispatch<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    server: &McpServerRecord,
    request: RpcRequest,
) -> Reply {
    let id = request.id.clone();
    if let Some(params) = &request.params {
        if !params.is_object() {
            return Reply::error(
                id,
                RpcError::new(INVALID_PARAMS, "params must be an object"),
            );
        }
    }
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            return Reply::error(
                id,
                RpcError::new(INTERNAL_ERROR, format!("tool catalog unavailable: {e}")),
            )
        }
    };
    match request.method.as_str() {
        "initialize" => Reply::ok(
            id,
            lifecycle::initialize_result(request.params.as_ref(), &server.name, |name| {
                catalog.find(name, &server.config).is_some()
            }),
        ),
        "ping" => Reply::ok(id, json!({})),
        "tools/list" => tools_list(catalog, server, id, request.params.as_ref()),
        "tools/call" => tools_call(services, catalog, server, id, request.params.as_ref()).await,
        other => Reply::error(
            id,
            RpcError::new(METHOD_NOT_FOUND, format!("Method not found: {other}")),
        ),
    }
}

fn tools_list(
    catalog: &Catalog,
    server: &McpServerRecord,
    id: Value,
    params: Option<&Value>,
) -> Reply {
    let cursor = match params.and_then(|p| p.get("cursor")) {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.as_str()),
        Some(_) => {
            return Reply::error(id, RpcError::new(INVALID_PARAMS, "cursor must be a string"))
        }
    };
    match catalog.list_page(&server.config, cursor) {
        Ok(page) => {
            let mut result = json!({ "tools": page.tools });
            if let Some(next) = page.next_cursor {
                result["nextCursor"] = Value::String(next);
            }
            Reply::ok(id, result)
        }
        Err(e) => Reply::error(
            id,
            RpcError::new(INVALID_PARAMS, format!("Invalid cursor: {e}")),
        ),
    }
}

/// A tool result the model reads as a failure it can act on.
fn tool_error(id: Value, message: &str, headers: Vec<(String, String)>) -> Reply {
    Reply {
        status: 200,
        response: RpcResponse::result(
            id,
            json!({ "content": [{ "type": "text", "text": message }], "isError": true }),
        ),
        headers,
    }
}

async fn tools_call<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    catalog: &Catalog,
    server: &McpServerRecord,
    id: Value,
    params: Option<&Value>,
) -> Reply {
    let Some(name) = params.and_then(|p| p.get("name")).and_then(Value::as_str) else {
        return Reply::error(
            id,
            RpcError::new(
                INVALID_PARAMS,
                "tools/call needs params.name (a tool name from tools/list)",
            ),
        );
    };
    // A tool this server does not expose is indistinguishable from an unknown one.
    let Some(tool) = catalog.find(name, &server.config) else {
        return Reply::error(
            id,
            RpcError::new(
                INVALID_PARAMS,
                format!("Unknown tool: {name}. Call tools/list for the tools this server offers."),
            ),
        );
    };
    let arguments = match params.and_then(|p| p.get("arguments")) {
        None | Some(Value::Null) => None,
        Some(a) => Some(a),
    };
    if let Err(problems) = catalog.validate_arguments(tool, arguments) {
        return tool_error(
            id,
            &format!("Invalid arguments for {name}:\n{problems}"),
            Vec::new(),
        );
    }
    let Some(sealing_key) = services.config.sealing_key.as_ref() else {
        return tool_error(id, "This MCP server is not configured to reach ServiceNow (the CREDENTIALS_KEY secret is missing); an administrator must set it.", Vec::new());
    };
    let account = match store::load_account(services.kv, sealing_key, &server.account_id).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            return tool_error(id, "The ServiceNow account behind this MCP server no longer exists; an administrator must register it again.", Vec::new())
        }
        Err(e) => return tool_error(id, &format!("Could not load the ServiceNow account: {e}"), Vec::new()),
    };
    let context = UpstreamContext {
        kv: services.kv,
        upstream: services.upstream,
        clock: services.clock,
        sealing_key: Some(sealing_key),
        timeout_ms: services.config.upstream_timeout_ms,
    };
    let empty = Map::new();
    let args = arguments.and_then(Value::as_object).unwrap_or(&empty);
    match servicenow::call_tool(&context, &account, tool, args).await {
        CallOutcome::Success {
            structured,
            rate_limit,
        } => Reply {
            status: 200,
            response: RpcResponse::result(
                id,
                json!({
                    "content": [{ "type": "text", "text": structured.to_string() }],
                    "structuredContent": structured,
                    "isError": false,
                }),
            ),
            headers: rate_limit,
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
        } => {
            let error = RpcError::new(UPSTREAM_RATE_LIMITED, message)
                .with_data(json!({ "status": 429, "retry_after_seconds": retry_after_secs }));
            Reply {
                status: 429,
                response: RpcResponse::error(id, error),
                headers,
            }
        }
    }
}
