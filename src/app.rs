//! The request router: one plain HTTP request in, one response out. The shell asks
//! [`prepare`] about a request's head before it reads the body (`/mcp/<token>` is resolved
//! there, once: server, account, API token, body cap), then hands the request with its
//! body to [`serve`]. `/mcp/<token>` goes to `mcp::endpoint`, the provisioning routes to
//! `admin`; nothing here decides more.

use crate::admin;
use crate::audit;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::limits;
use crate::mcp::endpoint::{self, Resolution};
use crate::mcp::{lifecycle, transport};
use crate::ports::{Clock, KvStore, RequestKv, Upstream};
use crate::services::Services;
use serde_json::json;

/// Where a request goes, from its path alone.
enum Route<'a> {
    /// `/mcp` (no token) or `/mcp/<token>`.
    Mcp(Option<&'a str>),
    Admin,
    Other,
}

fn route(path: &str) -> Route<'_> {
    if path == "/mcp" || path.starts_with("/mcp/") {
        Route::Mcp(path.strip_prefix("/mcp/"))
    } else if admin::is_admin_path(path) {
        Route::Admin
    } else {
        Route::Other
    }
}

/// A request's head, resolved before its body is read.
pub enum Prepared {
    Mcp(Resolution),
    Admin,
    Other,
}

impl Prepared {
    /// Whether the answer is decided from the head alone (its body is not read: a body
    /// over the cap is part of what was decided).
    pub fn is_answered(&self) -> bool {
        matches!(self, Prepared::Mcp(Resolution::Answered(_)))
    }

    /// The most bytes the request's body is read to.
    pub fn body_cap(&self) -> usize {
        match self {
            Prepared::Mcp(resolution) => resolution.body_cap(),
            Prepared::Admin => limits::ADMIN_MAX_BODY_BYTES,
            Prepared::Other => limits::MCP_MAX_BODY_BYTES,
        }
    }

    /// The 413 for a body that passed [`Self::body_cap`]: the admin API's JSON error
    /// (no-store, like all its answers) or the MCP transport's, with CORS headers.
    pub fn too_large(&self, head: &HttpRequest) -> HttpResponse {
        let cap = self.body_cap();
        if let Prepared::Admin = self {
            let mut response = admin::body_too_large(cap as u64 + 1).into_response();
            response.set_header("cache-control", "no-store");
            return response;
        }
        transport::with_cors(head, transport::body_too_large(cap, ""))
    }
}

/// Resolves `head` (a request whose body is not read yet): for `/mcp/<token>` the one
/// lookup of its server, account and API token, which also decides its body cap (an
/// upload server's is larger).
pub async fn prepare<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    head: &HttpRequest,
) -> Prepared {
    match route(head.path()) {
        Route::Mcp(token) => Prepared::Mcp(endpoint::resolve(services, head, token).await),
        Route::Admin => Prepared::Admin,
        Route::Other => Prepared::Other,
    }
}

/// The answer to `request` (its body read to `prepared`'s cap).
pub async fn serve<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: HttpRequest,
    prepared: Prepared,
) -> HttpResponse {
    let kv = RequestKv::new(services.kv);
    let services = &Services {
        config: services.config,
        kv: &kv,
        upstream: services.upstream,
        clock: services.clock,
        db: services.db,
        audit: services.audit,
    };
    match prepared {
        Prepared::Mcp(resolution) => endpoint::serve(services, &request, resolution).await,
        Prepared::Admin => {
            let started = services.clock.now_ms();
            let response = admin::handle(
                &request,
                services.config,
                services.kv,
                services.clock,
                services.db,
            )
            .await;
            // Every write by an admin is audited (reads are not: the log would mostly log
            // itself). A request without the admin token is not: anyone could otherwise
            // fill D1 with rows; the Worker's log line records it.
            let read = ["GET", "HEAD", "OPTIONS"]
                .iter()
                .any(|m| request.method.eq_ignore_ascii_case(m));
            if !read && response.status != 401 {
                services.audit.record(audit::capture::admin_entry(
                    started,
                    services.clock.now_ms(),
                    &request,
                    &response,
                ));
            }
            response
        }
        Prepared::Other => match (request.method.as_str(), request.path()) {
            ("GET", "/" | "/health") => HttpResponse::json(
                200,
                &json!({ "name": lifecycle::SERVER_NAME, "version": lifecycle::SERVER_VERSION, "status": "ok" }),
            ),
            (method, path) => {
                HttpError::not_found("not_found", format!("no route for {method} {path}"))
                    .into_response()
            }
        },
    }
}

/// The answer to a request whose body is already read (tests, benchmarks): [`prepare`]
/// then [`serve`], as the shell does around its read of the body.
pub async fn handle<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: HttpRequest,
) -> HttpResponse {
    let prepared = prepare(services, &request).await;
    serve(services, request, prepared).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_413_follows_the_route() {
        let admin = HttpRequest::new("PUT", "https://w.example/integrated-account/acme");
        let prepared = Prepared::Admin;
        let response = prepared.too_large(&admin);
        assert_eq!(response.status, 413);
        assert_eq!(response.header("cache-control"), Some("no-store"));
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");
        assert_eq!(prepared.body_cap(), 64 * 1024);
        let mcp = HttpRequest::new("POST", "https://w.example/mcp/abc")
            .with_header("origin", "http://localhost:6274");
        let upload_server = Prepared::Mcp(Resolution::Answered(HttpResponse::new(200)));
        assert_eq!(upload_server.body_cap(), 1024 * 1024);
        let response = transport::with_cors(&mcp, transport::body_too_large(7_492_950, ""));
        assert_eq!(response.status, 413);
        assert!(String::from_utf8_lossy(&response.body).contains("exceeds 7492950 bytes"));
        assert!(response.header("access-control-allow-origin").is_some());
        let response = upload_server.too_large(&mcp);
        assert!(String::from_utf8_lossy(&response.body).contains("exceeds 1048576 bytes"));
        assert!(response.header("access-control-allow-origin").is_some());
        assert_eq!(limits::drain_limit(1024 * 1024), limits::DRAIN_LIMIT_BYTES);
        assert_eq!(limits::drain_limit(14_000_000), 15_048_576);
    }
}
