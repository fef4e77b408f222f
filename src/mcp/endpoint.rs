//! `POST /mcp/<token>`: one HTTP request through the transport rules, the server
//! record behind the token, the era that serves it, and dispatch. The router hands
//! requests here; everything MCP-specific about HTTP happens in this file or below it.

use super::dispatch::dispatch;
use super::era;
use super::jsonrpc::{Incoming, RequestId, ResponseBody, RpcResponse};
use super::list_cache;
use super::measured::Measured;
use super::transport::{self, OriginPolicy, ResultFrame};
use super::upload_limit;
use crate::audit::capture::{self, McpFacts};
use crate::diagnostics;
use crate::gzip;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::limits;
use crate::ports::{Clock, KvStore, Upstream};
use crate::services::Services;
use crate::store::{self, AuditMode, McpServerRecord, ServerGrant, StoreError};
use std::rc::Rc;

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

/// What the head of a request to `/mcp` or `/mcp/<token>` resolves to, before its body
/// is read: an answer already, or the server it reaches and how large its body may be.
pub enum Resolution {
    /// Decided from the head alone: preflight, origin, method, unknown server, missing
    /// API token, storage down, or a declared body over the cap. CORS headers included.
    Answered(HttpResponse),
    Target(Target),
}

/// A request's server, resolved once: the grant (server record and stored account) the
/// rest of the request is served with, and the cap its body is read to.
pub struct Target {
    pub grant: ServerGrant,
    /// [`limits::upload_body_cap`] when the server exposes the upload tool and the
    /// caller passed its API-token check, else [`limits::MCP_MAX_BODY_BYTES`].
    pub body_cap: usize,
}

impl Resolution {
    /// The cap the request's body is read to: an answered request reads none past the
    /// plain MCP cap (its answer does not depend on it).
    pub fn body_cap(&self) -> usize {
        match self {
            Resolution::Answered(_) => limits::MCP_MAX_BODY_BYTES,
            Resolution::Target(target) => target.body_cap,
        }
    }
}

/// Resolves the head of a request on `/mcp` (`token` None) or `/mcp/<token>`: the one
/// place that reads the server record, its account and the API token, in the order a
/// client would want to hear about problems. A body over 1 MiB is refused (413) unless
/// the server takes uploads and the caller may use it, before 404 or 401: an unknown or
/// unauthorised caller learns nothing from a large body but its size.
pub async fn resolve<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    head: &HttpRequest,
    token: Option<&str>,
) -> Resolution {
    let answered = |response| Resolution::Answered(transport::with_cors(head, response));
    let Some(token) = token else {
        return answered(
            HttpError::not_found(
                "unknown_mcp_server",
                "MCP URLs look like /mcp/<token>; ask your administrator for yours",
            )
            .into_response(),
        );
    };
    if head.method == "OPTIONS" {
        return Resolution::Answered(transport::preflight(head));
    }
    let origins = OriginPolicy {
        allowed: &services.config.allowed_origins,
        public_url: services.config.public_url.as_deref(),
    };
    let upload_cap = limits::upload_body_cap(services.config.upload_max_bytes);
    if let Err(response) = transport::precheck(head, &origins, upload_cap) {
        return answered(response);
    }
    let now = services.clock.now_secs();
    let found = store::find_server_by_token(services.kv, token, now).await;
    let allowed = match &found {
        Ok(Some(grant)) => Some(caller_allowed(services, head, &grant.server, now).await),
        _ => None,
    };
    let body_cap = match (&found, &allowed) {
        (Ok(Some(grant)), Some(Ok(true))) if upload_limit::exposes_upload(&grant.server) => {
            upload_cap
        }
        _ => limits::MCP_MAX_BODY_BYTES,
    };
    if transport::body_size(head) > body_cap {
        return answered(transport::body_too_large(body_cap, ""));
    }
    let grant = match found {
        Ok(Some(grant)) => grant,
        Ok(None) => return answered(unknown_server()),
        Err(e) => return answered(store_unavailable("read this MCP server's record", &e)),
    };
    match allowed {
        Some(Ok(true)) => Resolution::Target(Target { grant, body_cap }),
        Some(Err(e)) => answered(store_unavailable("check the API token", &e)),
        _ => {
            let mut response = HttpError::unauthorized(
                "This MCP server requires Authorization: Bearer <API token> with a live API token.",
            )
            .into_response();
            response.set_header("www-authenticate", "Bearer realm=\"servicenow-mcp\"");
            let response = transport::with_cors(head, response);
            // A refused caller of a known server is what a security review looks for
            // first: it gets its row (its body is never read).
            if grant.server.audit != AuditMode::Off {
                let at = services.clock.now_ms();
                let facts = McpFacts {
                    method: Some("(refused: no valid API token)".into()),
                    ..McpFacts::default()
                };
                services.audit.record(capture::mcp_entry(
                    at,
                    at,
                    head,
                    &grant,
                    facts,
                    Default::default(),
                    &response,
                ));
            }
            Resolution::Answered(response)
        }
    }
}

/// The answer to a request whose head resolved to `resolution`, its body now read (to
/// the resolution's cap), CORS headers included.
pub async fn serve<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: &HttpRequest,
    resolution: Resolution,
) -> HttpResponse {
    let target = match resolution {
        Resolution::Answered(response) => return response,
        Resolution::Target(target) => target,
    };
    let started = services.clock.now_ms();
    let mode = target.grant.server.audit;
    // ServiceNow's share of the request (requests, time, last status, rate-limit
    // figures) for the audit row, measured around the upstream the call is made with.
    let measured = Measured::new(services.upstream, services.clock);
    let measuring = Services {
        config: services.config,
        kv: services.kv,
        upstream: &measured,
        clock: services.clock,
        db: services.db,
        audit: services.audit,
    };
    let mut facts = McpFacts::default();
    let response = transport::with_cors(
        request,
        serve_target(&measuring, request, &target, &mut facts).await,
    );
    if mode != AuditMode::Off {
        services.audit.record(capture::mcp_entry(
            started,
            services.clock.now_ms(),
            request,
            &target.grant,
            facts,
            measured.figures(),
            &response,
        ));
    }
    response
}

/// Whether the caller may use `server`: always, unless the server requires a live API
/// token as `Authorization: Bearer` whose scope includes it.
async fn caller_allowed<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: &HttpRequest,
    server: &McpServerRecord,
    now: u64,
) -> Result<bool, StoreError> {
    if !server.require_api_token_auth {
        return Ok(true);
    }
    match request.bearer_token() {
        Some(api_token) => store::api_token_opens(services.kv, api_token, server, now).await,
        None => Ok(false),
    }
}

/// The 413 for a message over 1 MiB that is not a call of the upload tool.
fn over_small_cap() -> HttpResponse {
    transport::body_too_large(
        limits::MCP_MAX_BODY_BYTES,
        "; only a tools/call of the attachment upload tool may be larger",
    )
}

async fn serve_target<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    request: &HttpRequest,
    target: &Target,
    facts: &mut McpFacts,
) -> HttpResponse {
    let server = &*target.grant.server;
    // The body as read (a native caller hands it whole, without a declared length).
    let size = transport::body_size(request);
    if size > target.body_cap {
        return transport::body_too_large(target.body_cap, "");
    }
    // Past 1 MiB only an upload call is served: anything else, a body that does not
    // parse or a notification included, is 413.
    let incoming = transport::classify_body(&request.body);
    if size > limits::MCP_MAX_BODY_BYTES
        && !matches!(&incoming, Ok(Incoming::Request(rpc)) if upload_limit::is_upload_call(server, rpc))
    {
        return over_small_cap();
    }
    let rpc = match incoming {
        Err(response) => return response,
        Ok(Incoming::Notification { method }) => {
            facts.method = Some(method);
            return transport::accepted();
        }
        Ok(Incoming::Response) => {
            facts.method = Some("(response)".into());
            return transport::accepted();
        }
        Ok(Incoming::Request(rpc)) => rpc,
    };
    let meta = rpc.params.as_ref().and_then(|p| p.get("_meta"));
    *facts = McpFacts::of_request(&rpc.method, rpc.params.as_ref(), server.audit).with_meta(
        meta.and_then(|m| m.get(era::CLIENT_INFO_KEY)),
        meta.and_then(|m| m.get(era::PROTOCOL_VERSION_KEY)),
    );
    let era = match era::select(request, &rpc) {
        Ok(era) => era,
        Err(rejection) => {
            facts.rpc_code = Some(rejection.error.code.0);
            return transport::render(
                request,
                rejection.status,
                &RpcResponse::error(Some(rpc.id), rejection.error),
            );
        }
    };
    let list_key = (rpc.method == "tools/list")
        .then(|| list_cache::key(era, server, rpc.params.as_ref()))
        .flatten();
    if let Some(key) = list_key.as_deref() {
        if let Some(result) = list_cache::get(key) {
            return list_answer(request, &rpc.id, key, &result);
        }
    }
    let id = rpc.id.clone();
    let reply = dispatch(services, &target.grant, era, rpc).await;
    match &reply.response.body {
        ResponseBody::Error(error) => facts.rpc_code = Some(error.code.0),
        ResponseBody::ToolResult(result) => facts.tool_error = result.is_error,
        ResponseBody::Result(_) => {}
    }
    if let (Some(key), Some(result), 200, true) = (
        list_key,
        reply.response.result_value(),
        reply.status,
        reply.headers.is_empty(),
    ) {
        let text: Rc<str> = Rc::from(result.to_string());
        list_cache::put(key.clone(), Rc::clone(&text));
        return list_answer(request, &id, &key, &text);
    }
    let mut response = transport::render(request, reply.status, &reply.response);
    for (name, value) in reply.headers {
        response.set_header(&name, value);
    }
    response
}

/// A cached `tools/list` answer: gzip (deflated once per isolate) when the client
/// accepts it, else the plain text. `Vary` either way: the bytes depend on that header.
fn list_answer(request: &HttpRequest, id: &RequestId, key: &str, result: &str) -> HttpResponse {
    let gzip = request
        .header("accept-encoding")
        .is_some_and(gzip::accepted);
    let mut response = if gzip {
        let frame = ResultFrame::new(request, id);
        let tail = list_cache::deflated(key, frame.tail, result);
        let mut response = frame.response(gzip::with_head(frame.head.as_bytes(), &tail));
        response.set_header("content-encoding", "gzip");
        response
    } else {
        transport::render_result_text(request, id, result)
    };
    response.set_header("vary", "accept-encoding");
    response
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ports::{FaultyKv, ManualClock, MemoryKv, ScriptedUpstream};
    use futures::executor::block_on;

    /// A detail only an operator should see.
    const DETAIL: &str = "KV GET server:9f86d081 failed: 503 from namespace 0af1";

    #[test]
    fn a_store_failure_tells_the_caller_a_request_id_and_the_log_the_detail() {
        let config = Config::default();
        let clock = ManualClock::at_secs(1_790_000_000);
        let memory = MemoryKv::new(&clock);
        let down = FaultyKv::new(&memory).down().with_error(DETAIL);
        let upstream = ScriptedUpstream::new();
        let db = crate::ports::SqliteDb::migrated();
        let recorder = crate::audit::Recorder::default();
        let services = Services {
            config: &config,
            kv: &down,
            upstream: &upstream,
            clock: &clock,
            db: &db,
            audit: &recorder,
        };
        let request = HttpRequest::new("POST", "https://w.example/mcp/t")
            .with_body(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.to_vec());
        diagnostics::drain();
        let token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let resolution = block_on(resolve(&services, &request, Some(token)));
        let response = block_on(serve(&services, &request, resolution));
        assert_eq!(response.status, 503);
        let body = String::from_utf8(response.body).unwrap();
        assert!(
            !body.contains("server:") && !body.contains("0af1"),
            "{body}"
        );
        assert!(body.contains("storage_unavailable") && body.contains("request id"));
        let notes = diagnostics::drain();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains(DETAIL), "{notes:?}");
    }
}
