//! ServiceNow upstream: a validated tool call becomes one Table API request; the answer
//! becomes an MCP tool result. Owns auth headers, record-number lookup, response and
//! error mapping, and rate-limit header normalization. No worker types.

pub mod answers;
mod auth;
mod call;
mod compact_parse;
mod cursor;
mod download;
mod errors;
mod order;
mod query;
pub(crate) mod rate_limit;
mod refusal;
mod request;
mod resolve;
mod response;
mod scope;
mod session;
mod upload;

pub use call::call_tool;
pub use rate_limit::normalize_rate_limit_headers;
pub use refusal::ArgumentError;
pub use scope::Scope;

use crate::crypto::SealingKey;

/// What a tool call needs from the runtime: the ports, the sealing key and the timeout.
pub struct UpstreamContext<'a, K, U, C> {
    pub kv: &'a K,
    pub upstream: &'a U,
    pub clock: &'a C,
    /// Seals cached OAuth access tokens in KV; without it tokens are not cached.
    pub sealing_key: Option<&'a SealingKey>,
    /// How long one ServiceNow request may take (default 25 s, `UPSTREAM_TIMEOUT_MS`).
    pub timeout_ms: u64,
    /// Largest file an upload sends, after decoding (default 5 MiB, `UPLOAD_MAX_BYTES`).
    pub upload_max_bytes: usize,
}

/// A record's form on the instance: `<instance>/nav_to.do?uri=<table>.do%3Fsys_id%3D<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    pub uri: String,
    /// What the record is called (its number or name, else its sys_id).
    pub name: String,
}

/// A record's page on the instance: `nav_to.do?uri=<table>.do?sys_id=<id>`, the inner
/// part URL-encoded so the whole is one valid URL (tables and sys_ids are `[a-z0-9_]`).
pub fn record_url(instance: &str, table: &str, sys_id: &str) -> String {
    format!(
        "{}/nav_to.do?uri={table}.do%3Fsys_id%3D{sys_id}",
        instance.trim_end_matches('/')
    )
}

impl RecordLink {
    pub fn to_record(instance: &str, table: &str, sys_id: &str, name: String) -> Self {
        RecordLink {
            uri: record_url(instance, table, sys_id),
            name,
        }
    }
}

/// A downloaded attachment, for the MCP layer to render beside the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// An MCP `image` item: the bytes in base64 and their MIME type.
    Image { data: String, mime_type: String },
    /// An MCP `resource_link` to the file on the instance.
    Link {
        uri: String,
        name: String,
        mime_type: String,
    },
}

/// The result of one tool call, for the MCP layer to render.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// Becomes `structuredContent` plus the same JSON as a text block.
    Success {
        structured: serde_json::Value,
        /// Normalized lowercase `ratelimit-*` headers ServiceNow sent, if any.
        rate_limit: Vec<(String, String)>,
        /// The record's page on the instance (get, create, update), for a
        /// `resource_link` content item.
        link: Option<RecordLink>,
        /// A downloaded file shown as more than JSON (an image, or a link to a file
        /// that is not text or too large to read).
        file: Option<Box<FileContent>>,
    },
    /// Becomes a result with `isError: true`; `message` is what the model reads.
    Failure {
        message: String,
        upstream_status: Option<u16>,
        rate_limit: Vec<(String, String)>,
    },
    /// Upstream 429: the MCP layer answers HTTP 429 with these headers (`retry-after`
    /// kept, `ratelimit-limit`, `ratelimit-remaining` only if upstream sent one,
    /// `ratelimit-reset`) and a JSON-RPC error carrying `message`.
    RateLimited {
        message: String,
        retry_after_secs: Option<u64>,
        headers: Vec<(String, String)>,
    },
}

impl CallOutcome {
    /// An isError the model reads, with no upstream status or rate-limit headers.
    pub fn failure(message: impl Into<String>) -> Self {
        CallOutcome::Failure {
            message: message.into(),
            upstream_status: None,
            rate_limit: Vec::new(),
        }
    }
}
