//! `tools/list` and `tools/call`: the catalog's tools for one server, and a call's
//! journey from validated arguments to a ServiceNow request and back to an MCP result.

use super::dispatch::{Reply, Services};
use super::jsonrpc::{RpcError, RpcResponse, INVALID_PARAMS, UPSTREAM_RATE_LIMITED};
use crate::diagnostics;
use crate::ports::{Clock, KvStore, Upstream};
use crate::servicenow::{self, CallOutcome, UpstreamContext};
use crate::store::{self, McpServerRecord};
use serde_json::{json, Map, Value};
use snmcp_catalog::Catalog;

pub(super) fn tools_list(
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

pub(super) async fn tools_call<K: KvStore, U: Upstream, C: Clock>(
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
        Err(e) => return tool_error(id, &diagnostics::withheld("load the ServiceNow account behind this MCP server", &e), Vec::new()),
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
