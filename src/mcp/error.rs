//! JSON-RPC errors: the codes this server answers, named, and the error object.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON-RPC error code, with the ones this server answers named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub i64);

impl ErrorCode {
    pub const PARSE_ERROR: Self = Self(-32700);
    pub const INVALID_REQUEST: Self = Self(-32600);
    pub const METHOD_NOT_FOUND: Self = Self(-32601);
    pub const INVALID_PARAMS: Self = Self(-32602);
    pub const INTERNAL_ERROR: Self = Self(-32603);
    /// 2026-07-28: the HTTP headers disagree with the body, or a required one is missing.
    pub const HEADER_MISMATCH: Self = Self(-32020);
    /// 2026-07-28: `UnsupportedProtocolVersionError`, with `data.supported` and
    /// `data.requested`.
    pub const UNSUPPORTED_PROTOCOL_VERSION: Self = Self(-32022);
    /// Implementation-defined (-32000..-32019; MCP reserves -32020..-32099 for its own
    /// codes): ServiceNow answered 429; the caller retries later.
    pub const UPSTREAM_RATE_LIMITED: Self = Self(-32019);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
    pub fn parse_error(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::PARSE_ERROR, message)
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INVALID_REQUEST, message)
    }
    pub fn method_not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::METHOD_NOT_FOUND, message)
    }
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INVALID_PARAMS, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INTERNAL_ERROR, message)
    }
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}
