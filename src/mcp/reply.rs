//! What one JSON-RPC request is answered with, before HTTP framing.

use super::jsonrpc::{RequestId, RpcError, RpcResponse};
use super::model::CallToolResult;
use serde_json::Value;

/// What to answer: HTTP status, the JSON-RPC response and extra headers (rate limits).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub response: RpcResponse,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub(super) fn ok(id: RequestId, result: Value) -> Self {
        Reply {
            status: 200,
            response: RpcResponse::result(id, result),
            headers: Vec::new(),
        }
    }
    pub(super) fn tool(id: RequestId, result: CallToolResult) -> Self {
        Reply {
            status: 200,
            response: RpcResponse::tool_result(id, result),
            headers: Vec::new(),
        }
    }
    pub(super) fn error(id: RequestId, error: RpcError) -> Self {
        Reply {
            status: 200,
            response: RpcResponse::error(Some(id), error),
            headers: Vec::new(),
        }
    }
}
