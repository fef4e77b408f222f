//! MCP Streamable HTTP rules for `/mcp/<token>` (stateless, POST only): methods, CORS,
//! Origin (DNS-rebinding protection), body limit, body classification and response
//! framing (JSON or a single SSE event). Protocol versions and eras are `mcp`'s; this
//! module knows nothing of tools, KV or ServiceNow.

use super::jsonrpc::{self, Incoming, RequestId, RpcError, RpcResponse};
use crate::http::{HttpError, HttpRequest, HttpResponse};
pub use crate::origin::OriginPolicy;

/// The 413 for a body over `cap` bytes.
pub fn body_too_large(cap: usize, why: &str) -> HttpResponse {
    HttpError::new(
        413,
        "body_too_large",
        format!("request body exceeds {cap} bytes{why}"),
    )
    .into_response()
}

/// The body size a request claims or has, whichever is larger.
pub fn body_size(request: &HttpRequest) -> usize {
    let declared = request
        .header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    declared.max(request.body.len())
}

const ALLOW_HEADERS: &str = "content-type, accept, authorization, mcp-protocol-version, mcp-method, mcp-name, mcp-session-id, last-event-id";
const EXPOSE_HEADERS: &str = "mcp-session-id, mcp-protocol-version, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, www-authenticate";

/// CORS headers for an `/mcp` answer: on every response, errors included.
pub fn cors_headers(request: &HttpRequest) -> Vec<(String, String)> {
    let origin = request.header("origin").unwrap_or("*").to_string();
    let mut headers = vec![
        ("access-control-allow-origin".to_string(), origin.clone()),
        (
            "access-control-allow-methods".into(),
            "POST, OPTIONS".into(),
        ),
        ("access-control-allow-headers".into(), ALLOW_HEADERS.into()),
        (
            "access-control-expose-headers".into(),
            EXPOSE_HEADERS.into(),
        ),
        ("access-control-max-age".into(), "86400".into()),
    ];
    if origin != "*" {
        headers.push(("vary".into(), "Origin".into()));
    }
    headers
}

/// Adds the CORS headers to an answer for `request`.
pub fn with_cors(request: &HttpRequest, mut response: HttpResponse) -> HttpResponse {
    for (k, v) in cors_headers(request) {
        // A `Vary` already there (accept-encoding on a list answer) is kept beside Origin.
        let value = match response.header(&k) {
            Some(old) if k == "vary" => format!("{old}, {v}"),
            _ => v,
        };
        response.set_header(&k, value);
    }
    response
}

/// The checks that need neither KV nor the body's meaning, in the order a client would
/// want to hear about them; `cap` is the largest body any request may have (the server's
/// own, smaller limit is checked once its record is read).
pub fn precheck(
    request: &HttpRequest,
    origins: &OriginPolicy<'_>,
    cap: usize,
) -> Result<(), HttpResponse> {
    if let Some(origin) = request.header("origin") {
        if !origins.allows(origin) {
            return Err(HttpError::new(
                403,
                "origin_not_allowed",
                format!("Origin {origin} may not call this MCP server; an operator can add it to ALLOWED_ORIGINS"),
            )
            .into_response());
        }
    }
    match request.method.as_str() {
        "POST" => {}
        "GET" | "DELETE" => {
            return Err(HttpError {
                allow: Some("POST"),
                ..HttpError::new(
                    405,
                    "method_not_allowed",
                    "this MCP server is stateless: POST JSON-RPC messages; it offers no SSE stream (GET) and no session to end (DELETE)",
                )
            }
            .into_response())
        }
        other => return Err(HttpError::method_not_allowed(other, "POST").into_response()),
    }
    if body_size(request) > cap {
        return Err(body_too_large(cap, ""));
    }
    Ok(())
}

/// Answer to a CORS preflight.
pub fn preflight(request: &HttpRequest) -> HttpResponse {
    with_cors(request, HttpResponse::new(204))
}

/// What the body holds, or the HTTP answer for a body that is not one JSON-RPC message.
pub fn classify_body(body: &[u8]) -> Result<Incoming, HttpResponse> {
    jsonrpc::classify(body).map_err(invalid_request)
}

/// True when the client accepts only an event stream (then the answer is one SSE event).
pub fn wants_event_stream(request: &HttpRequest) -> bool {
    let Some(accept) = request.header("accept") else {
        return false;
    };
    let types: Vec<String> = accept
        .split(',')
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    types.iter().any(|t| t == "text/event-stream")
        && !types
            .iter()
            .any(|t| t == "application/json" || t == "application/*" || t == "*/*")
}

/// Frames a JSON-RPC response as JSON, or, for a 200 to a client that accepts only an
/// event stream, as a single SSE `message` event.
pub fn render(request: &HttpRequest, status: u16, response: &RpcResponse) -> HttpResponse {
    frame(request, status, response.to_json())
}

/// Frames a success whose `result` is already JSON text (a cached `tools/list`).
pub fn render_result_text(request: &HttpRequest, id: &RequestId, result: &str) -> HttpResponse {
    let parts = ResultFrame::new(request, id);
    let mut body = String::with_capacity(parts.head.len() + result.len() + parts.tail.len());
    body.push_str(&parts.head);
    body.push_str(result);
    body.push_str(parts.tail);
    parts.response(body.into_bytes())
}

/// The bytes around a successful result's JSON text, split so that the result and what
/// follows it (`tail`, the same for every request) can be compressed once and reused.
pub struct ResultFrame {
    /// Everything before the result: the SSE prefix, if any, through `"result":`.
    pub head: String,
    /// Everything after it.
    pub tail: &'static str,
    pub event_stream: bool,
}

impl ResultFrame {
    pub fn new(request: &HttpRequest, id: &RequestId) -> Self {
        let id = id.to_json();
        let event_stream = wants_event_stream(request);
        let json_head = format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":");
        if event_stream {
            ResultFrame {
                head: format!("event: message\ndata: {json_head}"),
                tail: "}\n\n",
                event_stream,
            }
        } else {
            ResultFrame {
                head: json_head,
                tail: "}",
                event_stream,
            }
        }
    }

    /// A 200 carrying `body` (the framed bytes, or their gzip with the header set after).
    pub fn response(&self, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: content_headers(self.event_stream),
            body,
        }
    }
}

fn content_headers(event_stream: bool) -> Vec<(String, String)> {
    if event_stream {
        vec![
            ("content-type".into(), "text/event-stream".into()),
            ("cache-control".into(), "no-cache".into()),
        ]
    } else {
        vec![("content-type".into(), "application/json".into())]
    }
}

fn frame(request: &HttpRequest, status: u16, json: String) -> HttpResponse {
    if status == 200 && wants_event_stream(request) {
        HttpResponse {
            status,
            headers: content_headers(true),
            body: format!("event: message\ndata: {json}\n\n").into_bytes(),
        }
    } else {
        HttpResponse {
            status,
            headers: content_headers(false),
            body: json.into_bytes(),
        }
    }
}

/// Answer to a notification or a client's response: accepted, nothing to say.
pub fn accepted() -> HttpResponse {
    HttpResponse::new(202)
}

/// A message rejected before dispatch: HTTP 400 with the JSON-RPC error and id null.
fn invalid_request(error: RpcError) -> HttpResponse {
    HttpResponse {
        status: 400,
        headers: content_headers(false),
        body: RpcResponse::error(None, error).to_json().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{upload_body_cap, MCP_MAX_BODY_BYTES as MAX_BODY_BYTES};

    fn post(body: &str) -> HttpRequest {
        HttpRequest::new("POST", "https://w.example.com/mcp/tok")
            .with_header("content-type", "application/json")
            .with_body(body.as_bytes().to_vec())
    }

    const NONE: &[String] = &[];
    fn policy() -> OriginPolicy<'static> {
        OriginPolicy {
            allowed: NONE,
            public_url: Some("https://w.example.com"),
        }
    }

    #[test]
    fn a_rebound_host_is_not_its_own_origin() {
        // DNS rebinding: Host and Origin both name the attacker's domain.
        let r = HttpRequest::new("POST", "http://evil.example.com/mcp/tok")
            .with_header("host", "evil.example.com")
            .with_header("origin", "http://evil.example.com");
        for public_url in [None, Some("https://w.example.com")] {
            let p = OriginPolicy {
                allowed: NONE,
                public_url,
            };
            assert_eq!(precheck(&r, &p, MAX_BODY_BYTES).unwrap_err().status, 403);
        }
    }

    #[test]
    fn foreign_origin_is_403() {
        let r = post("{}").with_header("origin", "https://evil.example");
        assert_eq!(
            precheck(&r, &policy(), MAX_BODY_BYTES).unwrap_err().status,
            403
        );
    }

    #[test]
    fn absent_origin_is_fine() {
        assert!(precheck(&post("{}"), &policy(), MAX_BODY_BYTES).is_ok());
    }

    #[test]
    fn get_and_delete_are_405_with_allow_post() {
        for m in ["GET", "DELETE", "PUT"] {
            let r = HttpRequest::new(m, "https://w.example.com/mcp/tok");
            let resp = precheck(&r, &policy(), MAX_BODY_BYTES).unwrap_err();
            assert_eq!(resp.status, 405, "{m}");
            assert_eq!(resp.header("allow"), Some("POST"));
        }
    }

    #[test]
    fn oversized_body_is_413_by_length_or_declared_length() {
        let big =
            HttpRequest::new("POST", "https://w/mcp/t").with_body(vec![b' '; MAX_BODY_BYTES + 1]);
        assert_eq!(
            precheck(&big, &policy(), MAX_BODY_BYTES)
                .unwrap_err()
                .status,
            413
        );
        let declared = post("{}").with_header("content-length", (MAX_BODY_BYTES + 1).to_string());
        assert_eq!(
            precheck(&declared, &policy(), MAX_BODY_BYTES)
                .unwrap_err()
                .status,
            413
        );
        let exact =
            HttpRequest::new("POST", "https://w/mcp/t").with_body(vec![b' '; MAX_BODY_BYTES]);
        assert!(precheck(&exact, &policy(), MAX_BODY_BYTES).is_ok());
    }

    #[test]
    fn the_upload_body_cap_carries_a_wrapped_base64_file_and_its_envelope() {
        let five_mib = 5 * 1024 * 1024;
        assert_eq!(upload_body_cap(five_mib), 7_492_950);
        let base64 = five_mib.div_ceil(3) * 4;
        let wrapped = base64 + base64 / 76 * 4;
        assert!(upload_body_cap(five_mib) > wrapped + 8 * 1024);
        assert_eq!(upload_body_cap(1024), MAX_BODY_BYTES, "never below 1 MiB");
        assert_eq!(upload_body_cap(usize::MAX), usize::MAX, "saturates");
        let at = HttpRequest::new("POST", "https://w/mcp/t")
            .with_header("content-length", upload_body_cap(five_mib).to_string());
        assert!(precheck(&at, &policy(), upload_body_cap(five_mib)).is_ok());
        let over = HttpRequest::new("POST", "https://w/mcp/t").with_header(
            "content-length",
            (upload_body_cap(five_mib) + 1).to_string(),
        );
        assert_eq!(
            precheck(&over, &policy(), upload_body_cap(five_mib))
                .unwrap_err()
                .status,
            413
        );
    }

    #[test]
    fn cors_headers_echo_the_origin_and_list_mcp_headers() {
        let r = post("{}").with_header("origin", "http://localhost:6274");
        let resp = with_cors(&r, HttpResponse::new(200));
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("http://localhost:6274")
        );
        assert_eq!(resp.header("vary"), Some("Origin"));
        let allow = resp.header("access-control-allow-headers").unwrap();
        for h in [
            "content-type",
            "accept",
            "authorization",
            "mcp-protocol-version",
            "mcp-method",
            "mcp-name",
            "mcp-session-id",
            "last-event-id",
        ] {
            assert!(allow.contains(h), "{h}");
        }
        assert!(resp
            .header("access-control-expose-headers")
            .unwrap()
            .contains("mcp-session-id"));
        let no_origin = with_cors(&post("{}"), HttpResponse::new(200));
        assert_eq!(no_origin.header("access-control-allow-origin"), Some("*"));
    }

    #[test]
    fn preflight_is_204_with_cors() {
        let r = HttpRequest::new("OPTIONS", "https://w/mcp/t")
            .with_header("origin", "http://localhost:1");
        let resp = preflight(&r);
        assert_eq!(resp.status, 204);
        assert!(resp
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST"));
    }

    #[test]
    fn accept_is_lenient_and_sse_only_when_json_is_not_accepted() {
        for (accept, sse) in [
            (None, false),
            (Some("application/json"), false),
            (Some("application/json, text/event-stream"), false),
            (Some("*/*"), false),
            (Some("text/event-stream"), true),
            (Some("text/event-stream;q=1"), true),
            (Some("text/html"), false),
        ] {
            let mut r = post("{}");
            if let Some(a) = accept {
                r = r.with_header("accept", a);
            }
            assert_eq!(wants_event_stream(&r), sse, "{accept:?}");
        }
    }

    #[test]
    fn prebuilt_results_frame_like_built_ones() {
        for accept in ["application/json", "text/event-stream"] {
            let r = post("{}").with_header("accept", accept);
            let built = render(
                &r,
                200,
                &RpcResponse::result("a\"1".into(), serde_json::json!({"tools": []})),
            );
            let text = render_result_text(&r, &"a\"1".into(), "{\"tools\":[]}");
            assert_eq!(built, text, "{accept}");
        }
    }

    #[test]
    fn sse_answer_is_one_message_event() {
        let r = post("{}").with_header("accept", "text/event-stream");
        let resp = render(
            &r,
            200,
            &RpcResponse::result(1.into(), serde_json::json!({})),
        );
        assert_eq!(resp.header("content-type"), Some("text/event-stream"));
        let body = String::from_utf8(resp.body).unwrap();
        assert_eq!(
            body,
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
        );
    }
}
