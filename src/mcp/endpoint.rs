//! `POST /mcp/<token>`: one HTTP request through the transport rules, the server
//! record behind the token, the era that serves it, and dispatch. The router hands
//! requests here; everything MCP-specific about HTTP happens in this file or below it.

use super::dispatch::{dispatch, Services};
use super::era;
use super::jsonrpc::{Incoming, RpcResponse};
use crate::diagnostics;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore, Upstream};
use crate::store;
use crate::transport::{self, OriginPolicy};

fn unknown_server() -> HttpResponse {
    // 404, not 401: a 401 would make clients such as Claude start an OAuth flow.
    HttpError::not_found(
        "unknown_mcp_server",
        "This MCP URL is unknown, revoked or expired; ask your administrator for a new one.",
    )
    .into_response()
}

fn store_unavailable(what_failed: &str, detail: &dyn std::fmt::Display) -> HttpResponse {
    HttpError::new(
        503,
        "storage_unavailable",
        diagnostics::withheld(what_failed, detail),
    )
    .into_response()
}

/// The answer to one request on `/mcp/<token>` (CORS headers are the router's).
pub async fn serve<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: &HttpRequest,
    token: &str,
) -> HttpResponse {
    if request.method == "OPTIONS" {
        return transport::preflight(request);
    }
    let origins = OriginPolicy {
        allowed: &services.config.allowed_origins,
        public_url: services.config.public_url.as_deref(),
    };
    if let Err(response) = transport::precheck(request, &origins) {
        return response;
    }
    let now = services.clock.now_secs();
    let server = match store::find_server_by_token(services.kv, token, now).await {
        Ok(Some(server)) => server,
        Ok(None) => return unknown_server(),
        Err(e) => return store_unavailable("read this MCP server's record", &e),
    };
    if server.require_api_token_auth {
        let live = match request.bearer_token() {
            Some(api_token) => store::api_token_is_live(services.kv, api_token, now).await,
            None => Ok(false),
        };
        match live {
            Ok(true) => {}
            Ok(false) => {
                let mut response = HttpError::unauthorized(
                    "This MCP server requires Authorization: Bearer <API token> with a live API token.",
                )
                .into_response();
                response.set_header("www-authenticate", "Bearer realm=\"servicenow-mcp\"");
                return response;
            }
            Err(e) => return store_unavailable("check the API token", &e),
        }
    }
    let rpc = match transport::classify_body(&request.body) {
        Err(response) => return response,
        Ok(Incoming::Notification { .. } | Incoming::Response) => return transport::accepted(),
        Ok(Incoming::Request(rpc)) => rpc,
    };
    let era = match era::select(request, &rpc) {
        Ok(era) => era,
        Err(rejection) => {
            return transport::render(
                request,
                rejection.status,
                &RpcResponse::error(rpc.id, rejection.error),
            )
        }
    };
    let reply = dispatch(services, &server, era, rpc).await;
    let mut response = transport::render(request, reply.status, &reply.response);
    for (name, value) in reply.headers {
        response.set_header(&name, value);
    }
    response
}
