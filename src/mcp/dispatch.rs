//! Method dispatch for one JSON-RPC request, by era: legacy (initialize, ping,
//! tools/list, tools/call) and 2026-07-28 (server/discover, tools/list, tools/call, each
//! result in the modern envelope). No HTTP framing, no worker types.

use super::reply::Reply;
use super::tools::{tools_call, tools_list};
use super::version::Era;
use super::{jsonrpc, lifecycle};
use crate::ports::{Clock, KvStore, Upstream};
use crate::services::Services;
use crate::store::{McpServerRecord, ServerGrant};
use jsonrpc::{RpcError, RpcRequest, INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND};
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
    let visible = |name: &str| catalog.find(name, &server.config).is_some();
    let params = request.params.as_ref();
    match (era, request.method.as_str()) {
        (Era::Legacy, "initialize") => Reply::ok(
            id,
            lifecycle::initialize_result(params, &server.name, visible),
        ),
        (Era::Legacy, "ping") => Reply::ok(id, json!({})),
        (Era::Legacy, "tools/list") => tools_list(catalog, server, id, params),
        (Era::Legacy, "tools/call") => {
            tools_call(services, catalog, grant, id, request.params).await
        }
        (Era::Legacy, other) => Reply::error(
            id,
            RpcError::new(METHOD_NOT_FOUND, format!("Method not found: {other}")),
        ),
        (Era::Modern, "server/discover") => {
            modern(Reply::ok(id, lifecycle::discover_result(visible)), server)
        }
        (Era::Modern, "tools/list") => {
            let mut reply = modern(tools_list(catalog, server, id, params), server);
            if let Some(result) = reply.response.result.as_mut() {
                result["ttlMs"] = json!(lifecycle::CACHE_TTL_MS);
                result["cacheScope"] = json!("private");
            }
            reply
        }
        (Era::Modern, "tools/call") => modern(
            tools_call(services, catalog, grant, id, request.params).await,
            server,
        ),
        (Era::Modern, other) => Reply {
            // 2026-07-28 over HTTP: an unknown method is a 404 whose JSON-RPC body tells a
            // modern client this is not a legacy server's missing endpoint.
            status: 404,
            ..Reply::error(
                id,
                RpcError::new(METHOD_NOT_FOUND, modern_method_not_found(other)),
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
    if let Some(result) = reply.response.result.as_mut() {
        lifecycle::modern_envelope(result, &server.name);
    }
    reply
}
