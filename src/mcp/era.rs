//! Which era serves a request, and the 2026-07-28 request checks: per-request `_meta`
//! and the `MCP-Protocol-Version` / `Mcp-Method` / `Mcp-Name` headers that mirror it.
//! An `initialize` or a request without modern `_meta` is legacy; everything else must
//! carry a consistent modern envelope or is refused with HTTP 400 before dispatch.

use super::jsonrpc::{ErrorCode, RpcError, RpcRequest};
use super::version::{era_of, supported_versions, Era};
use crate::http::HttpRequest;
use base64::Engine;
use serde_json::{json, Map, Value};

pub const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
pub const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// A request refused before dispatch: the HTTP status and the JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub status: u16,
    pub error: RpcError,
}

impl Rejection {
    fn header_mismatch(message: String) -> Self {
        Rejection {
            status: 400,
            error: RpcError::new(ErrorCode::HEADER_MISMATCH, message),
        }
    }

    fn invalid_meta(message: String) -> Self {
        Rejection {
            status: 400,
            error: RpcError::new(ErrorCode::INVALID_PARAMS, message),
        }
    }
}

/// The `UnsupportedProtocolVersionError` for `requested`, listing what we speak.
pub fn unsupported_version(requested: &str) -> Rejection {
    let supported = supported_versions();
    Rejection {
        status: 400,
        error: RpcError::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            format!(
                "Unsupported protocol version {requested:?}; this server speaks {}",
                supported.join(", ")
            ),
        )
        .with_data(json!({ "supported": supported, "requested": requested })),
    }
}

/// The era `rpc` is served by, or why it is refused.
pub fn select(request: &HttpRequest, rpc: &RpcRequest) -> Result<Era, Rejection> {
    let header_version = request.header("mcp-protocol-version").map(str::trim);
    let meta = rpc.params.as_ref().and_then(|p| p.get("_meta"));
    let modern_meta = match meta {
        Some(Value::Object(m)) if m.contains_key(PROTOCOL_VERSION_KEY) => Some(m),
        _ => None,
    };
    match modern_meta {
        Some(meta) if rpc.method != "initialize" => check_modern(request, rpc, meta),
        _ => legacy(header_version, meta.is_some_and(|m| !m.is_object())),
    }
}

/// Legacy rules: the header, when sent, must name a revision we speak; a header that
/// names the modern revision over a body without modern `_meta` is a mismatch.
fn legacy(header_version: Option<&str>, meta_not_object: bool) -> Result<Era, Rejection> {
    match header_version.map(|v| (v, era_of(v))) {
        None | Some((_, Some(Era::Legacy))) => Ok(Era::Legacy),
        Some((_, Some(Era::Modern))) if meta_not_object => Err(Rejection::invalid_meta(
            "params._meta must be an object carrying io.modelcontextprotocol/protocolVersion, clientInfo and clientCapabilities".into(),
        )),
        Some((v, Some(Era::Modern))) => Err(Rejection::header_mismatch(format!(
            "Header mismatch: MCP-Protocol-Version is {v} but params._meta[\"{PROTOCOL_VERSION_KEY}\"] is missing; send the same version in both"
        ))),
        Some((v, None)) => Err(unsupported_version(v)),
    }
}

fn check_modern(
    request: &HttpRequest,
    rpc: &RpcRequest,
    meta: &Map<String, Value>,
) -> Result<Era, Rejection> {
    let Some(version) = meta.get(PROTOCOL_VERSION_KEY).and_then(Value::as_str) else {
        return Err(Rejection::invalid_meta(format!(
            "params._meta[\"{PROTOCOL_VERSION_KEY}\"] must be a string such as \"2026-07-28\""
        )));
    };
    match request.header("mcp-protocol-version").map(str::trim) {
        None => {
            return Err(Rejection::header_mismatch(format!(
                "Header mismatch: the MCP-Protocol-Version header is missing; it must equal params._meta[\"{PROTOCOL_VERSION_KEY}\"] ({version})"
            )))
        }
        Some(header) if header != version => {
            return Err(Rejection::header_mismatch(format!(
                "Header mismatch: MCP-Protocol-Version header value {header:?} does not match body value {version:?}"
            )))
        }
        Some(_) => {}
    }
    match era_of(version) {
        None => return Err(unsupported_version(version)),
        // The client chose a handshake-era revision: serve it by that revision's rules.
        Some(Era::Legacy) => return Ok(Era::Legacy),
        Some(Era::Modern) => {}
    }
    check_client_info(meta.get(CLIENT_INFO_KEY))?;
    if !meta
        .get(CLIENT_CAPABILITIES_KEY)
        .is_some_and(Value::is_object)
    {
        return Err(Rejection::invalid_meta(format!(
            "params._meta[\"{CLIENT_CAPABILITIES_KEY}\"] must be an object (empty when the client declares no optional capability)"
        )));
    }
    check_mirrored_header(request, "Mcp-Method", "method", Some(&rpc.method))?;
    if rpc.method == "tools/call" {
        let name = rpc
            .params
            .as_ref()
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str);
        check_mirrored_header(request, "Mcp-Name", "params.name", name)?;
    }
    Ok(Era::Modern)
}

fn check_client_info(info: Option<&Value>) -> Result<(), Rejection> {
    let field = format!("params._meta[\"{CLIENT_INFO_KEY}\"]");
    let Some(info) = info else {
        return Err(Rejection::invalid_meta(format!(
            "{field} is missing; send {{\"name\": \"<client>\", \"version\": \"<version>\"}}"
        )));
    };
    let Some(info) = info.as_object() else {
        return Err(Rejection::invalid_meta(format!(
            "{field} must be an object with string name and version"
        )));
    };
    for key in ["name", "version"] {
        if !info.get(key).is_some_and(Value::is_string) {
            return Err(Rejection::invalid_meta(format!(
                "{field}.{key} must be a string"
            )));
        }
    }
    Ok(())
}

/// A header that mirrors a body value must be present, well-formed and equal to it.
fn check_mirrored_header(
    request: &HttpRequest,
    header: &str,
    body_field: &str,
    body_value: Option<&str>,
) -> Result<(), Rejection> {
    let Some(raw) = request.header(header) else {
        return Err(Rejection::header_mismatch(format!(
            "Header mismatch: the {header} header is required and must equal {body_field}"
        )));
    };
    let Some(value) = decode_header_value(raw) else {
        return Err(Rejection::header_mismatch(format!(
            "Header mismatch: the {header} header holds invalid characters or a malformed =?base64?…?= value"
        )));
    };
    match body_value {
        Some(body) if body == value => Ok(()),
        Some(body) => Err(Rejection::header_mismatch(format!(
            "Header mismatch: {header} header value {value:?} does not match body value {body:?}"
        ))),
        None => Err(Rejection::header_mismatch(format!(
            "Header mismatch: {header} is {value:?} but the body has no string {body_field}"
        ))),
    }
}

/// A plain header value (visible ASCII, space, tab) or the `=?base64?…?=` sentinel form
/// decoded to UTF-8. `None` when neither holds.
pub fn decode_header_value(raw: &str) -> Option<String> {
    if !raw
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
    {
        return None;
    }
    match raw
        .strip_prefix("=?base64?")
        .and_then(|r| r.strip_suffix("?="))
    {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok()),
        None => Some(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Value {
        json!({
            PROTOCOL_VERSION_KEY: "2026-07-28",
            CLIENT_INFO_KEY: {"name": "t", "version": "1"},
            CLIENT_CAPABILITIES_KEY: {}
        })
    }

    fn rpc(method: &str, params: Value) -> RpcRequest {
        RpcRequest {
            id: 1.into(),
            method: method.into(),
            params: Some(params),
        }
    }

    fn modern_http(method: &str) -> HttpRequest {
        HttpRequest::new("POST", "http://127.0.0.1/mcp/t")
            .with_header("mcp-protocol-version", "2026-07-28")
            .with_header("mcp-method", method)
    }

    fn code(r: Result<Era, Rejection>) -> (u16, ErrorCode) {
        let r = r.unwrap_err();
        (r.status, r.error.code)
    }

    #[test]
    fn initialize_and_requests_without_modern_meta_are_legacy() {
        let plain = HttpRequest::new("POST", "http://h/mcp/t");
        assert_eq!(
            select(&plain, &rpc("initialize", json!({"_meta": meta()}))),
            Ok(Era::Legacy)
        );
        assert_eq!(
            select(&plain, &rpc("tools/list", json!({}))),
            Ok(Era::Legacy)
        );
        // A legacy client's progress token is not modern metadata.
        let progress = rpc(
            "tools/call",
            json!({"name": "x", "_meta": {"progressToken": 1}}),
        );
        assert_eq!(select(&plain, &progress), Ok(Era::Legacy));
        let with_header = plain
            .clone()
            .with_header("mcp-protocol-version", "2025-06-18");
        assert_eq!(
            select(&with_header, &rpc("tools/list", json!({}))),
            Ok(Era::Legacy)
        );
    }

    #[test]
    fn a_complete_modern_envelope_is_modern() {
        let list = rpc("tools/list", json!({"_meta": meta()}));
        assert_eq!(select(&modern_http("tools/list"), &list), Ok(Era::Modern));
        let call = rpc("tools/call", json!({"name": "get_x", "_meta": meta()}));
        let http = modern_http("tools/call").with_header("mcp-name", "get_x");
        assert_eq!(select(&http, &call), Ok(Era::Modern));
        let encoded = modern_http("tools/call").with_header("mcp-name", "=?base64?Z2V0X3g=?=");
        assert_eq!(select(&encoded, &call), Ok(Era::Modern));
    }

    #[test]
    fn modern_request_errors_table() {
        let list = |m: Value| rpc("tools/list", json!({"_meta": m}));
        let mut wrong_version_type = meta();
        wrong_version_type[PROTOCOL_VERSION_KEY] = json!(20260728);
        let mut no_client_info = meta();
        no_client_info
            .as_object_mut()
            .unwrap()
            .remove(CLIENT_INFO_KEY);
        let mut bad_client_info = meta();
        bad_client_info[CLIENT_INFO_KEY] = json!({"name": 1, "version": "1"});
        let mut bad_caps = meta();
        bad_caps[CLIENT_CAPABILITIES_KEY] = json!([]);
        let mut future = meta();
        future[PROTOCOL_VERSION_KEY] = json!("2099-01-01");
        let future_http = HttpRequest::new("POST", "http://h/mcp/t")
            .with_header("mcp-protocol-version", "2099-01-01")
            .with_header("mcp-method", "tools/list");
        let no_version_header =
            HttpRequest::new("POST", "http://h/mcp/t").with_header("mcp-method", "tools/list");
        let no_method_header = HttpRequest::new("POST", "http://h/mcp/t")
            .with_header("mcp-protocol-version", "2026-07-28");
        let call = rpc("tools/call", json!({"name": "get_x", "_meta": meta()}));
        let cases: Vec<(&str, HttpRequest, RpcRequest, (u16, ErrorCode))> = vec![
            (
                "version not a string",
                modern_http("tools/list"),
                list(wrong_version_type),
                (400, ErrorCode::INVALID_PARAMS),
            ),
            (
                "clientInfo missing",
                modern_http("tools/list"),
                list(no_client_info),
                (400, ErrorCode::INVALID_PARAMS),
            ),
            (
                "clientInfo.name not a string",
                modern_http("tools/list"),
                list(bad_client_info),
                (400, ErrorCode::INVALID_PARAMS),
            ),
            (
                "capabilities not an object",
                modern_http("tools/list"),
                list(bad_caps),
                (400, ErrorCode::INVALID_PARAMS),
            ),
            (
                "version header missing",
                no_version_header,
                list(meta()),
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "version header differs",
                HttpRequest::new("POST", "http://h/mcp/t")
                    .with_header("mcp-protocol-version", "2025-11-25")
                    .with_header("mcp-method", "tools/list"),
                list(meta()),
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "method header missing",
                no_method_header,
                list(meta()),
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "method header differs",
                modern_http("tools/call"),
                list(meta()),
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "name header missing",
                modern_http("tools/call"),
                call.clone(),
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "name header differs",
                modern_http("tools/call").with_header("mcp-name", "get_y"),
                call.clone(),
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "name header bad base64",
                modern_http("tools/call").with_header("mcp-name", "=?base64?!!?="),
                call,
                (400, ErrorCode::HEADER_MISMATCH),
            ),
            (
                "unsupported version",
                future_http,
                list(future),
                (400, ErrorCode::UNSUPPORTED_PROTOCOL_VERSION),
            ),
        ];
        for (name, http, request, want) in cases {
            assert_eq!(code(select(&http, &request)), want, "{name}");
        }
    }

    #[test]
    fn errors_name_the_field_at_fault() {
        let mut m = meta();
        m.as_object_mut().unwrap().remove(CLIENT_INFO_KEY);
        let r = select(
            &modern_http("tools/list"),
            &rpc("tools/list", json!({"_meta": m})),
        )
        .unwrap_err();
        assert!(
            r.error.message.contains(CLIENT_INFO_KEY),
            "{}",
            r.error.message
        );
    }

    #[test]
    fn unsupported_version_lists_supported_and_requested() {
        let r = unsupported_version("1900-01-01");
        assert_eq!(r.status, 400);
        let data = r.error.data.unwrap();
        assert_eq!(data["requested"], "1900-01-01");
        assert_eq!(data["supported"][0], "2026-07-28");
        assert!(data["supported"]
            .as_array()
            .unwrap()
            .contains(&json!("2024-11-05")));
    }

    #[test]
    fn legacy_header_rules() {
        let with = |v: &str| {
            HttpRequest::new("POST", "http://h/mcp/t").with_header("mcp-protocol-version", v)
        };
        let plain = rpc("tools/list", json!({}));
        assert_eq!(
            code(select(&with("2099-01-01"), &plain)),
            (400, ErrorCode::UNSUPPORTED_PROTOCOL_VERSION)
        );
        // The modern version in the header over a body without modern _meta.
        assert_eq!(
            code(select(&with("2026-07-28"), &plain)),
            (400, ErrorCode::HEADER_MISMATCH)
        );
        let bad_meta = rpc("tools/list", json!({"_meta": "x"}));
        assert_eq!(
            code(select(&with("2026-07-28"), &bad_meta)),
            (400, ErrorCode::INVALID_PARAMS)
        );
    }

    #[test]
    fn a_legacy_version_in_modern_meta_is_served_by_legacy_rules() {
        let mut m = meta();
        m[PROTOCOL_VERSION_KEY] = json!("2025-11-25");
        let http = HttpRequest::new("POST", "http://h/mcp/t")
            .with_header("mcp-protocol-version", "2025-11-25");
        assert_eq!(
            select(&http, &rpc("tools/list", json!({"_meta": m}))),
            Ok(Era::Legacy)
        );
    }

    #[test]
    fn header_values_decode_plain_and_sentinel_forms() {
        assert_eq!(
            decode_header_value("tools/call").as_deref(),
            Some("tools/call")
        );
        assert_eq!(
            decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(decode_header_value("a\nb"), None);
        assert_eq!(decode_header_value("=?base64?not base64?="), None);
        assert_eq!(decode_header_value("é"), None);
    }
}
