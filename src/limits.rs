//! Every byte limit on a body the worker reads or writes, in one place: what a request
//! may carry (by route), how far an oversized one is drained, what a ServiceNow answer may
//! be, and what a file may be on the way up or down. The variables that move some of them
//! (`UPLOAD_MAX_BYTES`, `UPSTREAM_MAX_BODY_BYTES`) are read by `config`, within the bounds
//! stated here.

/// Largest request body on `/mcp/<token>` (1 MiB): far above any tool call but an
/// attachment upload, the one request allowed more ([`upload_body_cap`]). A Worker keeps
/// bodies in memory, so this bounds what one request can make it hold.
pub const MCP_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Largest request body the admin API reads.
pub const ADMIN_MAX_BODY_BYTES: usize = 64 * 1024;

/// Past its cap a request body is still read (and dropped, never kept) up to this many
/// bytes, so the 413 reaches a client that is still sending: a server that answers and
/// closes mid-upload is reported by clients and proxies as a broken connection instead.
pub const DRAIN_LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// How far past `cap` an oversized body is drained: [`DRAIN_LIMIT_BYTES`], or 1 MiB past
/// a larger cap (an upload's).
pub fn drain_limit(cap: usize) -> usize {
    DRAIN_LIMIT_BYTES.max(cap.saturating_add(1024 * 1024))
}

/// Default largest file an upload attaches (5 MiB after base64 decoding).
pub const DEFAULT_UPLOAD_MAX_BYTES: usize = 5 * 1024 * 1024;

/// Highest `UPLOAD_MAX_BYTES` accepted (10 MiB): a Worker holds the request body, its
/// parsed JSON and the decoded file at once in a 128 MB isolate, so larger values are
/// clamped to this.
pub const UPLOAD_MAX_BYTES_LIMIT: usize = 10 * 1024 * 1024;

/// Lowest `UPLOAD_MAX_BYTES` accepted (1 KiB).
pub const UPLOAD_MAX_BYTES_FLOOR: usize = 1024;

/// Room for the JSON-RPC envelope and the other arguments of an upload call.
const UPLOAD_ENVELOPE_BYTES: usize = 64 * 1024;

/// Largest body of a `tools/call` of the upload tool whose file may be `upload_max_bytes`
/// long: the file in base64, a sixteenth more for base64 wrapped in lines (each line
/// break escaped in JSON), and the envelope. 7,492,950 bytes for the default 5 MiB.
pub fn upload_body_cap(upload_max_bytes: usize) -> usize {
    let base64 = upload_max_bytes.div_ceil(3).saturating_mul(4);
    base64
        .saturating_add(base64 / 16)
        .saturating_add(UPLOAD_ENVELOPE_BYTES)
        .max(MCP_MAX_BODY_BYTES)
}

/// Default cap on a ServiceNow answer (var `UPSTREAM_MAX_BODY_BYTES`).
pub const DEFAULT_UPSTREAM_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Highest `UPSTREAM_MAX_BODY_BYTES` accepted (16 MiB). A ServiceNow answer is held as
/// bytes, parsed into a JSON tree (two to three times its size for record lists) and
/// written back out as `structuredContent` and its text copy: about five times the
/// answer at the peak, which at 16 MiB stays inside a Worker isolate's 128 MB with room
/// for the request and the runtime. Larger values are clamped to this, with a warning.
pub const UPSTREAM_MAX_BODY_BYTES_LIMIT: usize = 16 * 1024 * 1024;

/// The largest file a read returns inline (1 MiB): beyond it, a link and the metadata.
pub const DOWNLOAD_MAX_BYTES: usize = 1024 * 1024;
