//! What one JSON-RPC request is answered with, before HTTP framing.

use super::jsonrpc::{RpcError, RpcResponse};
use serde_json::Value;

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
