//! The MCP messages this server reads and writes, as types (after rmcp's `model.rs`):
//! a client request by method with typed params, and a tool result whose structured
//! content is raw JSON text written in place. The JSON-RPC envelope around them is
//! `jsonrpc`'s.

use super::error::RpcError;
use crate::json_text;
use serde_json::{Map, Value};

/// One client request this server understands, or the name of one it does not.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientRequest {
    /// Legacy handshake; its params (the client's protocol version) shape the answer.
    Initialize(Option<Value>),
    Ping,
    /// 2026-07-28: what the server speaks and offers.
    Discover,
    ListTools {
        cursor: Option<String>,
    },
    CallTool(CallToolParams),
    Other(String),
}

/// `tools/call` params: the tool's name and its arguments, owned (an upload's file moves
/// into the call, never copied).
#[derive(Debug, Clone, PartialEq)]
pub struct CallToolParams {
    pub name: String,
    pub arguments: Option<Value>,
}

impl ClientRequest {
    /// The typed request for `method` with `params` (an object or absent: the caller
    /// refuses anything else first), or the `invalid params` error to answer.
    pub fn parse(method: &str, params: Option<Value>) -> Result<Self, RpcError> {
        Ok(match method {
            "initialize" => ClientRequest::Initialize(params),
            "ping" => ClientRequest::Ping,
            "server/discover" => ClientRequest::Discover,
            "tools/list" => ClientRequest::ListTools {
                cursor: match params.as_ref().and_then(|p| p.get("cursor")) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(cursor)) => Some(cursor.clone()),
                    Some(_) => return Err(RpcError::invalid_params("cursor must be a string")),
                },
            },
            "tools/call" => ClientRequest::CallTool(CallToolParams::parse(params)?),
            other => ClientRequest::Other(other.to_string()),
        })
    }

    /// The method this request was sent as.
    pub fn method(&self) -> &str {
        match self {
            ClientRequest::Initialize(_) => "initialize",
            ClientRequest::Ping => "ping",
            ClientRequest::Discover => "server/discover",
            ClientRequest::ListTools { .. } => "tools/list",
            ClientRequest::CallTool(_) => "tools/call",
            ClientRequest::Other(method) => method,
        }
    }
}

impl CallToolParams {
    fn parse(params: Option<Value>) -> Result<Self, RpcError> {
        let mut params = match params {
            Some(Value::Object(params)) => params,
            _ => Map::new(),
        };
        let Some(Value::String(name)) = params.remove("name") else {
            return Err(RpcError::invalid_params(
                "tools/call needs params.name (a tool name from tools/list)",
            ));
        };
        let arguments = match params.remove("arguments") {
            None | Some(Value::Null) => None,
            Some(arguments) => Some(arguments),
        };
        Ok(CallToolParams { name, arguments })
    }
}

/// One item of a tool result's `content`.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    Image {
        data: String,
        mime_type: String,
    },
    ResourceLink {
        uri: String,
        name: String,
        mime_type: String,
    },
}

impl Content {
    /// As JSON, its members in the order a sorted map writes them.
    fn write_json(&self, out: &mut Vec<u8>) {
        let member = |out: &mut Vec<u8>, first: bool, name: &str, value: &str| {
            if !first {
                out.push(b',');
            }
            json_text::write_str(out, name);
            out.push(b':');
            json_text::write_str(out, value);
        };
        out.push(b'{');
        match self {
            Content::Text(text) => {
                member(out, true, "text", text);
                member(out, false, "type", "text");
            }
            Content::Image { data, mime_type } => {
                member(out, true, "data", data);
                member(out, false, "mimeType", mime_type);
                member(out, false, "type", "image");
            }
            Content::ResourceLink {
                uri,
                name,
                mime_type,
            } => {
                member(out, true, "mimeType", mime_type);
                member(out, false, "name", name);
                member(out, false, "type", "resource_link");
                member(out, false, "uri", uri);
            }
        }
        out.push(b'}');
    }
}

/// A `tools/call` result. `structured_content` is JSON text, written in place (the text
/// item usually holds the same text, so the JSON is serialised once).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallToolResult {
    pub content: Vec<Content>,
    pub is_error: bool,
    pub structured_content: Option<String>,
    /// `_meta` members (the modern era's server identity, a rate limit's figures).
    pub meta: Map<String, Value>,
    /// 2026-07-28: `"complete"`.
    pub result_type: Option<&'static str>,
}

impl CallToolResult {
    /// A result the model reads as a failure it can act on.
    pub fn error(message: impl Into<String>) -> Self {
        CallToolResult {
            content: vec![Content::Text(message.into())],
            is_error: true,
            ..CallToolResult::default()
        }
    }

    /// As JSON, its members in the order a sorted map writes them: `_meta`, `content`,
    /// `isError`, `resultType`, `structuredContent`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        if !self.meta.is_empty() {
            // Member by member (a sorted map, as serde_json writes it): no copy of the map.
            out.extend_from_slice(b"\"_meta\":{");
            for (i, (name, value)) in self.meta.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_text::write_str(out, name);
                out.push(b':');
                json_text::write_value(out, value);
            }
            out.extend_from_slice(b"},");
        }
        out.extend_from_slice(b"\"content\":[");
        for (i, item) in self.content.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write_json(out);
        }
        out.extend_from_slice(b"],\"isError\":");
        out.extend_from_slice(if self.is_error { b"true" } else { b"false" });
        if let Some(result_type) = self.result_type {
            out.extend_from_slice(b",\"resultType\":");
            json_text::write_str(out, result_type);
        }
        if let Some(structured) = &self.structured_content {
            out.extend_from_slice(b",\"structuredContent\":");
            out.extend_from_slice(structured.as_bytes());
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tool_result_is_written_as_serde_writes_the_same_json() {
        let structured = json!({"result": [{"number": "INC0010001", "short_description": "VPN \"down\""}], "next_cursor": "x"});
        let text = structured.to_string();
        let mut result = CallToolResult {
            content: vec![
                Content::Text(text.clone()),
                Content::Image {
                    data: "aGk=".into(),
                    mime_type: "image/png".into(),
                },
                Content::ResourceLink {
                    uri: "https://i.example/incident.do?sys_id=1".into(),
                    name: "INC0010001 \"x\"".into(),
                    mime_type: "text/html".into(),
                },
            ],
            is_error: false,
            structured_content: Some(text.clone()),
            ..CallToolResult::default()
        };
        let base = json!({"content": [
            {"type": "text", "text": text},
            {"type": "image", "data": "aGk=", "mimeType": "image/png"},
            {"type": "resource_link", "uri": "https://i.example/incident.do?sys_id=1", "name": "INC0010001 \"x\"", "mimeType": "text/html"},
        ], "isError": false, "structuredContent": structured});
        let written = |result: &CallToolResult| {
            let mut out = Vec::new();
            result.write_json(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written(&result), serde_json::to_string(&base).unwrap());
        result.result_type = Some("complete");
        result
            .meta
            .insert("io.example/serverInfo".into(), json!({"name": "s"}));
        let mut modern = base;
        modern["resultType"] = json!("complete");
        modern["_meta"] = json!({"io.example/serverInfo": {"name": "s"}});
        assert_eq!(written(&result), serde_json::to_string(&modern).unwrap());
        let error = CallToolResult::error("no \"such\" record");
        assert_eq!(
            written(&error),
            serde_json::to_string(
                &json!({"content": [{"type": "text", "text": "no \"such\" record"}], "isError": true})
            )
            .unwrap()
        );
    }

    #[test]
    fn requests_parse_by_method_and_refuse_bad_params() {
        let call = ClientRequest::parse(
            "tools/call",
            Some(json!({"name": "t", "arguments": {"a": 1}})),
        )
        .unwrap();
        assert_eq!(
            call,
            ClientRequest::CallTool(CallToolParams {
                name: "t".into(),
                arguments: Some(json!({"a": 1}))
            })
        );
        assert_eq!(call.method(), "tools/call");
        let no_arguments =
            ClientRequest::parse("tools/call", Some(json!({"name": "t", "arguments": null})));
        assert!(matches!(no_arguments, Ok(ClientRequest::CallTool(p)) if p.arguments.is_none()));
        let nameless = ClientRequest::parse("tools/call", Some(json!({"arguments": {}})));
        assert_eq!(
            nameless.unwrap_err().code,
            super::super::error::ErrorCode::INVALID_PARAMS
        );
        assert_eq!(
            ClientRequest::parse("tools/list", Some(json!({"cursor": 3})))
                .unwrap_err()
                .message,
            "cursor must be a string"
        );
        assert_eq!(
            ClientRequest::parse("tools/list", None).unwrap(),
            ClientRequest::ListTools { cursor: None }
        );
        assert_eq!(
            ClientRequest::parse("resources/list", None).unwrap(),
            ClientRequest::Other("resources/list".into())
        );
    }
}
