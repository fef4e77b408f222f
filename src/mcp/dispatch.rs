//! Method dispatch for one JSON-RPC request (initialize, ping, tools/list, tools/call).
//! Tools come from the catalog; calls go to `servicenow`. No HTTP framing, no worker types.

use super::tools::{tools_call, tools_list};
use super::{jsonrpc, lifecycle};
use crate::config::Config;
use crate::ports::{Clock, KvStore, Upstream};
use crate::store::McpServerRecord;
use jsonrpc::{
    RpcError, RpcRequest, RpcResponse, INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND,
};
use serde_json::{json, Value};
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
    pub(super) fn ok(id: Value, result: Value) -> Self {
        Reply {
            status: 200,
            response: RpcResponse::result(id, result),
            headers: Vec::new(),
        }
    }
    pub(super) fn error(id: Value, error: RpcError) -> Self {
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
