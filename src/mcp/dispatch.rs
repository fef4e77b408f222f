//! Method dispatch for one JSON-RPC request, by era: legacy (initialize, ping,
//! tools/list, tools/call) and 2026-07-28 (server/discover, tools/list, tools/call, each
//! result in the modern envelope). No HTTP framing, no worker types.

use super::model::ClientRequest;
use super::reply::Reply;
use super::tools::{tools_call, tools_list};
use super::version::Era;
use super::{jsonrpc, lifecycle};
use crate::ports::{Clock, KvStore, Upstream};
use crate::services::Services;
use crate::store::{McpServerRecord, ServerGrant};
use jsonrpc::{ResponseBody, RpcError, RpcRequest};
use serde_json::json;
use snmcp_catalog::Catalog;

/// Answers one request by the rules of `era` (chosen by `era::select`).
pub async fn dispatch<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    grant: &ServerGrant,
    era: Era,
    request: RpcRequest,
) -> Reply {
    let server = &*grant.server;
    let RpcRequest { id, method, params } = request;
    if params.as_ref().is_some_and(|params| !params.is_object()) {
        return Reply::error(id, RpcError::invalid_params("params must be an object"));
    }
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            return Reply::error(
                id,
                RpcError::internal(format!("tool catalog unavailable: {e}")),
            )
        }
    };
    let request = match ClientRequest::parse(&method, params) {
        Ok(request) => request,
        Err(error) => return Reply::error(id, error),
    };
    let visible = |name: &str| catalog.find(name, &server.config).is_some();
    match (era, request) {
        (Era::Legacy, ClientRequest::Initialize(params)) => Reply::ok(
            id,
            lifecycle::initialize_result(params.as_ref(), &server.name, visible),
        ),
        (Era::Legacy, ClientRequest::Ping) => Reply::ok(id, json!({})),
        (Era::Legacy, ClientRequest::ListTools { cursor }) => {
            tools_list(catalog, server, id, cursor.as_deref())
        }
        (Era::Legacy, ClientRequest::CallTool(call)) => {
            tools_call(services, catalog, grant, id, call).await
        }
        (Era::Legacy, other) => Reply::error(
            id,
            RpcError::method_not_found(format!("Method not found: {}", other.method())),
        ),
        (Era::Modern, ClientRequest::Discover) => {
            modern(Reply::ok(id, lifecycle::discover_result(visible)), server)
        }
        (Era::Modern, ClientRequest::ListTools { cursor }) => {
            let mut reply = modern(tools_list(catalog, server, id, cursor.as_deref()), server);
            if let ResponseBody::Result(result) = &mut reply.response.body {
                result["ttlMs"] = json!(lifecycle::CACHE_TTL_MS);
                result["cacheScope"] = json!("private");
            }
            reply
        }
        (Era::Modern, ClientRequest::CallTool(call)) => {
            modern(tools_call(services, catalog, grant, id, call).await, server)
        }
        (Era::Modern, other) => Reply {
            // 2026-07-28 over HTTP: an unknown method is a 404 whose JSON-RPC body tells a
            // modern client this is not a legacy server's missing endpoint.
            status: 404,
            ..Reply::error(
                id,
                RpcError::method_not_found(modern_method_not_found(other.method())),
            )
        },
    }
}

fn modern_method_not_found(method: &str) -> String {
    match method {
        "ping" | "logging/setLevel" | "initialize" | "notifications/initialized" => format!(
            "Method not found: {method} (removed in 2026-07-28; this server speaks server/discover, tools/list and tools/call)"
        ),
        "subscriptions/listen" => "Method not found: subscriptions/listen (this server sends no change notifications: a URL's tools change only when an administrator edits it)".into(),
        other => format!("Method not found: {other}"),
    }
}

/// A 2026-07-28 answer: results carry `resultType` and the server's identity.
fn modern(mut reply: Reply, server: &McpServerRecord) -> Reply {
    match &mut reply.response.body {
        ResponseBody::Result(result) => lifecycle::modern_envelope(result, &server.name),
        ResponseBody::ToolResult(result) => {
            result.result_type = Some("complete");
            result.meta.insert(
                super::era::SERVER_INFO_KEY.into(),
                lifecycle::server_info(&server.name),
            );
        }
        ResponseBody::Error(_) => {}
    }
    reply
}
