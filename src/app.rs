//! The request router: one plain HTTP request in, one response out. `/mcp/<token>` goes
//! to `mcp::endpoint`, the provisioning routes to `admin`; nothing here decides more.

use crate::admin;
use crate::body_cap;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::mcp::{self, lifecycle, Services};
use crate::ports::{Clock, KvStore, RequestKv, Upstream};
use serde_json::json;

pub async fn handle<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: HttpRequest,
) -> HttpResponse {
    let kv = RequestKv::new(services.kv);
    let services = &Services {
        config: services.config,
        kv: &kv,
        upstream: services.upstream,
        clock: services.clock,
    };
    let path = request.path().to_string();
    if path == "/mcp" || path.starts_with("/mcp/") {
        return mcp::endpoint::serve(services, &request, path.strip_prefix("/mcp/")).await;
    }
    if admin::is_admin_path(&path) {
        return admin::handle(&request, services.config, services.kv, services.clock).await;
    }
    match (request.method.as_str(), path.as_str()) {
        ("GET", "/" | "/health") => HttpResponse::json(
            200,
            &json!({ "name": lifecycle::SERVER_NAME, "version": lifecycle::SERVER_VERSION, "status": "ok" }),
        ),
        _ => HttpError::not_found(
            "not_found",
            format!("no route for {} {path}", request.method),
        )
        .into_response(),
    }
}

/// The body cap of `head` (a request whose body is not read yet): its route's cap
/// ([`body_cap::request_cap`]), raised for a POST to `/mcp/<token>` when that server
/// takes uploads and the caller may use it (`mcp::endpoint::request_cap`). The shell
/// asks before reading, so a body is never read past what its request may carry.
pub async fn request_cap<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    head: &HttpRequest,
) -> usize {
    let cap = body_cap::request_cap(head.path());
    match head.path().strip_prefix("/mcp/") {
        Some(token) if head.method == "POST" && !token.is_empty() => {
            mcp::endpoint::request_cap(services, head, token)
                .await
                .max(cap)
        }
        _ => cap,
    }
}
