//! The audit log: who did what through which server, with what outcome. One [`Entry`]
//! per MCP request that reaches a server (`capture`) and one per admin write; the
//! request path only *records* entries in its [`Recorder`], and the shell writes them to
//! D1 off the response path (`waitUntil`), so a failed write never changes an answer.
//! `log` turns entries into SQL and `GET /audit` filters into queries; `export` writes
//! pages as JSON, JSONL or CSV; `retention` is the cron job's bounded delete.

pub mod capture;
pub mod export;
pub mod group;
pub mod log;
pub mod retention;

use serde::Serialize;
use std::cell::RefCell;

/// How a request ended, as one word the log can be filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A result (a tool result without `isError`), or an accepted notification.
    Ok,
    /// A tool result with `isError: true` (ServiceNow refused, bad arguments, ...).
    ToolError,
    /// A JSON-RPC error (unknown method, bad params, a 429 passed through, ...).
    RpcError,
    /// An HTTP error without a JSON-RPC body (transport refusals, admin errors).
    HttpError,
}

impl Outcome {
    pub const NAMES: [&'static str; 4] = ["ok", "tool_error", "rpc_error", "http_error"];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ToolError => "tool_error",
            Outcome::RpcError => "rpc_error",
            Outcome::HttpError => "http_error",
        }
    }
}

/// What the log keeps of one request. Never a credential, a token or file contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub at_ms: u64,
    pub request_id: String,
    /// `mcp` or `admin`.
    pub kind: &'static str,
    pub server_id: Option<String>,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub protocol_version: Option<String>,
    /// The JSON-RPC method, or `<METHOD> <path>` of an admin write.
    pub method: String,
    pub tool: Option<String>,
    /// Argument names, sorted (values only in `arguments`, and only when asked for).
    pub argument_keys: Vec<String>,
    pub arguments: Option<serde_json::Value>,
    pub outcome: Outcome,
    pub rpc_code: Option<i64>,
    pub http_status: u16,
    pub upstream_status: Option<u16>,
    pub upstream_ms: Option<u64>,
    pub upstream_requests: u32,
    pub total_ms: u64,
    pub ratelimit_remaining: Option<u64>,
    pub bytes_out: u64,
}

/// Writes entries as one batch (all or none).
pub async fn write(
    db: &dyn crate::ports::Database,
    entries: &[Entry],
) -> Result<(), crate::ports::DbError> {
    db.batch(log::insert(entries)).await.map(drop)
}

/// The entries one request produced, taken by the shell (or a test) after the answer.
#[derive(Debug, Default)]
pub struct Recorder {
    entries: RefCell<Vec<Entry>>,
}

impl Recorder {
    pub fn record(&self, entry: Entry) {
        self.entries.borrow_mut().push(entry);
    }

    pub fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.entries.borrow_mut())
    }
}
