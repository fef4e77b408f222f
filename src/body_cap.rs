//! Byte caps on bodies read from a stream: a request body is read only up to its route's
//! cap (1 MiB for MCP, 64 KiB for the admin API) and an upstream answer up to
//! `UPSTREAM_MAX_BODY_BYTES`, so a chunked body costs at most the cap, never its size.

use crate::admin;
use crate::http::{HttpRequest, HttpResponse};
use crate::mcp::transport;
use futures::{Stream, StreamExt};

/// Default cap on a ServiceNow answer (var `UPSTREAM_MAX_BODY_BYTES`).
pub const DEFAULT_UPSTREAM_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Reads `stream` to its end, or stops at the first chunk that takes the total past
/// `cap` and answers `Ok(None)` without pulling another chunk.
pub async fn read_capped<S, E>(stream: S, cap: usize) -> Result<Option<Vec<u8>>, E>
where
    S: Stream<Item = Result<Vec<u8>, E>>,
{
    futures::pin_mut!(stream);
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len().saturating_add(chunk.len()) > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// Past the cap a request body is still read (and dropped, never kept) up to this many
/// bytes, so the 413 reaches a client that is still sending: a server that answers and
/// closes mid-upload is reported by clients and proxies as a broken connection instead.
pub const DRAIN_LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// Like [`read_capped`], but a body over `cap` is read on (discarded) up to
/// `drain_limit` bytes in all before `Ok(None)`; memory stays bounded by `cap`.
pub async fn read_capped_draining<S, E>(
    stream: S,
    cap: usize,
    drain_limit: usize,
) -> Result<Option<Vec<u8>>, E>
where
    S: Stream<Item = Result<Vec<u8>, E>>,
{
    futures::pin_mut!(stream);
    let mut body = Vec::new();
    let mut total: usize = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        total = total.saturating_add(chunk.len());
        if total > drain_limit {
            return Ok(None);
        }
        if total <= cap {
            body.extend_from_slice(&chunk);
        } else {
            body = Vec::new();
        }
    }
    Ok((total <= cap).then_some(body))
}

/// The body cap of a request to `path`.
pub fn request_cap(path: &str) -> usize {
    if admin::is_admin_path(path) {
        admin::MAX_BODY_BYTES
    } else {
        transport::MAX_BODY_BYTES
    }
}

/// `Content-Length` when it is a plain number (header names lowercase).
pub fn declared_length(headers: &[(String, String)]) -> Option<u64> {
    headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
}

/// How far past `cap` an oversized body is drained: [`DRAIN_LIMIT_BYTES`], or 1 MiB past
/// a larger cap (an upload's).
pub fn drain_limit(cap: usize) -> usize {
    DRAIN_LIMIT_BYTES.max(cap.saturating_add(1024 * 1024))
}

/// The 413 for a request whose body passed `cap` (its route's, or an upload server's):
/// the admin API's JSON error (no-store, like all its answers) or the MCP transport's,
/// with CORS headers.
pub fn request_too_large(request: &HttpRequest, cap: usize) -> HttpResponse {
    let path = request.path();
    if admin::is_admin_path(path) {
        let mut response = admin::body_too_large(cap as u64 + 1).into_response();
        response.set_header("cache-control", "no-store");
        return response;
    }
    transport::with_cors(request, transport::body_too_large(cap, ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use std::cell::Cell;

    /// An endless chunked body that counts how many chunks were pulled.
    fn endless(pulled: &Cell<usize>, chunk: usize) -> impl Stream<Item = Result<Vec<u8>, ()>> + '_ {
        futures::stream::repeat_with(move || {
            pulled.set(pulled.get() + 1);
            Ok(vec![b'x'; chunk])
        })
        .take(100_000)
    }

    #[test]
    fn an_endless_body_is_dropped_right_after_the_cap() {
        let pulled = Cell::new(0);
        let got = block_on(read_capped(endless(&pulled, 16 * 1024), 1024 * 1024));
        assert_eq!(got, Ok(None));
        assert_eq!(
            pulled.get(),
            65,
            "64 chunks fill the cap, the 65th passes it"
        );
    }

    #[test]
    fn an_oversized_body_is_drained_up_to_the_limit_without_being_kept() {
        let pulled = Cell::new(0);
        let got = block_on(read_capped_draining(
            endless(&pulled, 16 * 1024),
            1024,
            64 * 1024,
        ));
        assert_eq!(got, Ok(None));
        assert_eq!(
            pulled.get(),
            5,
            "4 chunks reach the drain limit, the 5th passes it"
        );
        let finite = vec![Ok(vec![1u8; 600]), Ok(vec![2u8; 600]), Ok(vec![3u8; 600])];
        let got = block_on(read_capped_draining(
            futures::stream::iter(finite),
            1024,
            1 << 20,
        ));
        assert_eq!(got, Ok::<_, ()>(None));
        let fits = vec![Ok(vec![1u8; 600]), Ok(vec![2u8; 400])];
        let got = block_on(read_capped_draining(
            futures::stream::iter(fits),
            1024,
            1 << 20,
        ));
        assert_eq!(got.map(|b| b.map(|b| b.len())), Ok::<_, ()>(Some(1000)));
    }

    #[test]
    fn a_body_at_the_cap_is_read_whole_and_errors_pass_through() {
        let chunks = vec![Ok(vec![1u8; 10]), Ok(vec![2u8; 6])];
        let got = block_on(read_capped(futures::stream::iter(chunks), 16));
        assert_eq!(got.map(|b| b.map(|b| b.len())), Ok::<_, ()>(Some(16)));
        let failing = vec![Ok(vec![1u8; 3]), Err("reset")];
        assert_eq!(
            block_on(read_capped(futures::stream::iter(failing), 16)),
            Err("reset")
        );
    }

    #[test]
    fn the_413_follows_the_route() {
        let admin = HttpRequest::new("PUT", "https://w.example/integrated-account/acme");
        let response = request_too_large(&admin, request_cap(admin.path()));
        assert_eq!(response.status, 413);
        assert_eq!(response.header("cache-control"), Some("no-store"));
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");
        assert_eq!(request_cap(admin.path()), 64 * 1024);
        let mcp = HttpRequest::new("POST", "https://w.example/mcp/abc")
            .with_header("origin", "http://localhost:6274");
        let response = request_too_large(&mcp, 7_492_950);
        assert_eq!(response.status, 413);
        assert!(String::from_utf8_lossy(&response.body).contains("exceeds 7492950 bytes"));
        assert!(response.header("access-control-allow-origin").is_some());
        assert_eq!(request_cap(mcp.path()), 1024 * 1024);
        assert_eq!(drain_limit(1024 * 1024), DRAIN_LIMIT_BYTES);
        assert_eq!(drain_limit(14_000_000), 15_048_576);
    }
}
