//! The request router: one plain HTTP request in, one response out. `/mcp/<token>` is
//! served by `transport` + `mcp`, the provisioning routes by `admin`.

use crate::admin;
use crate::http::{HttpRequest, HttpResponse};
use crate::mcp::jsonrpc::Incoming;
use crate::mcp::{self, lifecycle, Services};
use crate::ports::{Clock, KvStore, RequestKv, Upstream};
use crate::store;
use crate::transport::{self, http_error, OriginPolicy};
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
    if let Some(token) = path.strip_prefix("/mcp/") {
        let response = mcp_endpoint(services, &request, token).await;
        return transport::with_cors(&request, response);
    }
    if path == "/mcp" {
        return transport::with_cors(
            &request,
            http_error(
                404,
                "unknown_mcp_server",
                "MCP URLs look like /mcp/<token>; ask your administrator for yours",
            ),
        );
    }
    if admin::is_admin_path(&path) {
        return admin::handle(&request, services.config, services.kv, services.clock).await;
    }
    match (request.method.as_str(), path.as_str()) {
        ("GET", "/" | "/health") => HttpResponse::json(
            200,
            &json!({ "name": lifecycle::SERVER_NAME, "version": lifecycle::SERVER_VERSION, "status": "ok" }),
        ),
        _ => http_error(
            404,
            "not_found",
            &format!("no route for {} {path}", request.method),
        ),
    }
}

/// URL tokens are base64url; anything else cannot be one and costs no KV read.
fn plausible_token(token: &str) -> bool {
    (20..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn unknown_server() -> HttpResponse {
    // 404, not 401: a 401 would make clients such as Claude start an OAuth flow.
    http_error(
        404,
        "unknown_mcp_server",
        "This MCP URL is unknown, revoked or expired; ask your administrator for a new one.",
    )
}

async fn mcp_endpoint<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: &HttpRequest,
    token: &str,
) -> HttpResponse {
    if request.method == "OPTIONS" {
        return transport::preflight(request);
    }
    let origins = OriginPolicy {
        allowed: &services.config.allowed_origins,
        own_origin: request.origin(),
    };
    if let Err(response) = transport::precheck(request, &origins) {
        return response;
    }
    if !plausible_token(token) {
        return unknown_server();
    }
    let server =
        match store::find_server_by_token(services.kv, token, services.clock.now_secs()).await {
            Ok(Some(server)) => server,
            Ok(None) => return unknown_server(),
            Err(e) => {
                return http_error(
                    503,
                    "store_unavailable",
                    &format!("could not read the server record: {e}; retry shortly"),
                )
            }
        };
    if server.require_api_token_auth {
        let live = match admin::bearer_token(request) {
            Some(api_token) => {
                store::api_token_is_live(services.kv, api_token, services.clock.now_secs()).await
            }
            None => Ok(false),
        };
        match live {
            Ok(true) => {}
            Ok(false) => return http_error(
                401,
                "api_token_required",
                "This MCP server requires Authorization: Bearer <API token> with a live API token.",
            )
            .with_header("www-authenticate", "Bearer realm=\"servicenow-mcp\""),
            Err(e) => {
                return http_error(
                    503,
                    "store_unavailable",
                    &format!("could not check the API token: {e}; retry shortly"),
                )
            }
        }
    }
    match transport::classify_body(&request.body) {
        Err(response) => response,
        Ok(Incoming::Notification { .. } | Incoming::Response) => transport::accepted(),
        Ok(Incoming::Request(rpc)) => {
            let reply = mcp::dispatch(services, &server, rpc).await;
            let mut response = transport::render(request, reply.status, &reply.response);
            for (name, value) in reply.headers {
                response.set_header(&name, value);
            }
            response
        }
    }
}
