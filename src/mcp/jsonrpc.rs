//! JSON-RPC 2.0 message model and the classification of one incoming body.

use crate::json_text;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// 2026-07-28: the HTTP headers disagree with the body, or a required one is missing.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: `UnsupportedProtocolVersionError`, with `data.supported` and `data.requested`.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
/// Implementation-defined (-32000..-32019; MCP reserves -32020..-32099 for its own
/// codes): ServiceNow answered 429; the caller retries later.
pub const UPSTREAM_RATE_LIMITED: i64 = -32019;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcResponse {
    pub jsonrpc: &'static str,
    pub id: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
    /// A tool result's `structuredContent` as JSON text, kept out of `result` so that it
    /// is serialised once (its text item holds the same JSON): [`Self::to_json`] writes
    /// it as the result's last member, where a sorted map would have put it.
    #[serde(skip)]
    pub structured_content: Option<String>,
}

impl RpcResponse {
    pub fn result(id: Value, result: Value) -> Self {
        RpcResponse {
            jsonrpc: "2.0",
            id,
            result: Some(result),
            error: None,
            structured_content: None,
        }
    }
    /// A tool result whose `structuredContent` is already JSON text.
    pub fn tool_result(id: Value, result: Value, structured_content: String) -> Self {
        RpcResponse {
            structured_content: Some(structured_content),
            ..RpcResponse::result(id, result)
        }
    }
    pub fn error(id: Value, error: RpcError) -> Self {
        RpcResponse {
            jsonrpc: "2.0",
            id,
            result: None,
            error: Some(error),
            structured_content: None,
        }
    }

    /// The response as JSON text, `structuredContent` included: the bytes
    /// `serde_json::to_string` writes for it (with `structuredContent` in its result),
    /// written by [`json_text`], whose escaper is the faster one.
    pub fn to_json(&self) -> String {
        let (Some(result), None) = (&self.result, &self.error) else {
            return serde_json::to_string(self).unwrap_or_default();
        };
        let structured = self.structured_content.as_deref();
        let mut out = Vec::with_capacity(64 + 2 * structured.map_or(0, str::len));
        out.extend_from_slice(b"{\"jsonrpc\":");
        json_text::write_str(&mut out, self.jsonrpc);
        out.extend_from_slice(b",\"id\":");
        json_text::write_value(&mut out, &self.id);
        out.extend_from_slice(b",\"result\":");
        json_text::write_value(&mut out, result);
        // Into a non-empty object only: its closing brace gives way to the member.
        let has_members = result.as_object().is_some_and(|o| !o.is_empty());
        if let (Some(structured), true) = (structured, has_members) {
            out.pop();
            out.extend_from_slice(b",\"structuredContent\":");
            out.extend_from_slice(structured.as_bytes());
            out.push(b'}');
        }
        out.push(b'}');
        String::from_utf8(out).unwrap_or_default()
    }
}

/// A request: has an id, expects a response.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    /// A string or a number, echoed back verbatim.
    pub id: Value,
    pub method: String,
    pub params: Option<Value>,
}

/// What one POSTed body holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Request(RpcRequest),
    /// No id: nothing is answered (HTTP 202).
    Notification {
        method: String,
    },
    /// A client's answer to a server request; this server sends none, so it is only acknowledged.
    Response,
}

/// Parses and classifies one body; the error is what to answer (with id null).
pub fn classify(body: &[u8]) -> Result<Incoming, RpcError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| RpcError::new(PARSE_ERROR, format!("Parse error: body is not JSON ({e})")))?;
    let mut object =
        match value {
            Value::Object(o) => o,
            Value::Array(_) => return Err(RpcError::new(
                INVALID_REQUEST,
                "Invalid Request: JSON-RPC batches are not supported; send one message per POST",
            )),
            _ => {
                return Err(RpcError::new(
                    INVALID_REQUEST,
                    "Invalid Request: the body must be one JSON-RPC 2.0 object",
                ))
            }
        };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(RpcError::new(
            INVALID_REQUEST,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    let id = object.get("id");
    if let Some(id) = id {
        let valid = match id {
            Value::String(_) => true,
            Value::Number(n) => n.is_i64() || n.is_u64(),
            _ => false,
        };
        if !valid {
            return Err(RpcError::new(
                INVALID_REQUEST,
                "Invalid Request: \"id\" must be a string or an integer (null is not allowed)",
            ));
        }
    }
    match (object.get("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Incoming::Request(RpcRequest {
            id: id.clone(),
            method: method.clone(),
            // Moved, not copied: an upload's params hold the file.
            params: object.remove("params"),
        })),
        (Some(Value::String(method)), None) => Ok(Incoming::Notification {
            method: method.clone(),
        }),
        (Some(_), _) => Err(RpcError::new(
            INVALID_REQUEST,
            "Invalid Request: \"method\" must be a string",
        )),
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => {
            Ok(Incoming::Response)
        }
        (None, _) => Err(RpcError::new(
            INVALID_REQUEST,
            "Invalid Request: a request needs \"method\" and \"id\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tool_result_is_written_as_if_structured_content_were_in_its_result() {
        let structured = json!({"result": [{"number": "INC0010001", "short_description": "VPN \"down\""}], "next_cursor": "x"});
        let base = json!({"content": [{"type": "text", "text": structured.to_string()}], "isError": false});
        let mut modern = base.clone();
        modern["resultType"] = json!("complete");
        modern["_meta"] = json!({"io.example/serverInfo": {"name": "s"}});
        for (id, result) in [(json!(7), base), (json!("a\"}}"), modern)] {
            let mut whole = result.clone();
            whole["structuredContent"] = structured.clone();
            let expected = serde_json::to_string(&RpcResponse::result(id.clone(), whole)).unwrap();
            let written = RpcResponse::tool_result(id, result, structured.to_string()).to_json();
            // Byte for byte: the sorted map puts structuredContent last.
            assert_eq!(written, expected);
        }
        // Without a result to put it in, nothing is spliced.
        let error = RpcResponse {
            structured_content: Some("{}".into()),
            ..RpcResponse::error(json!(1), RpcError::new(INVALID_PARAMS, "no"))
        };
        assert_eq!(error.to_json(), serde_json::to_string(&error).unwrap());
    }

    #[test]
    fn to_json_writes_what_serde_json_writes() {
        let results = [
            json!({}),
            json!({"tools": [{"name": "a", "description": "say \"hi\"\n"}]}),
            json!({"content": [{"type": "text", "text": "{\"a\":1}"}], "isError": true}),
            json!([1, 2]),
            json!(null),
        ];
        for id in [
            json!(1),
            json!("x\"\\y"),
            json!(null),
            json!(-3),
            json!(2.5),
        ] {
            for result in &results {
                let response = RpcResponse::result(id.clone(), result.clone());
                assert_eq!(
                    response.to_json(),
                    serde_json::to_string(&response).unwrap()
                );
            }
            let error = RpcResponse::error(
                id.clone(),
                RpcError::new(INVALID_PARAMS, "bad \"x\"").with_data(json!({"k": [1]})),
            );
            assert_eq!(error.to_json(), serde_json::to_string(&error).unwrap());
        }
    }

    #[test]
    fn classification_table() {
        let cases: &[(&str, &str, Result<&str, i64>)] = &[
            (
                "request",
                r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
                Ok("request"),
            ),
            (
                "string id",
                r#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#,
                Ok("request"),
            ),
            (
                "notification",
                r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                Ok("notification"),
            ),
            (
                "response",
                r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
                Ok("response"),
            ),
            (
                "error response",
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}"#,
                Ok("response"),
            ),
            ("not json", "{nope", Err(PARSE_ERROR)),
            ("empty body", "", Err(PARSE_ERROR)),
            (
                "batch",
                r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
                Err(INVALID_REQUEST),
            ),
            ("scalar", "42", Err(INVALID_REQUEST)),
            (
                "id null",
                r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
                Err(INVALID_REQUEST),
            ),
            (
                "id object",
                r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
                Err(INVALID_REQUEST),
            ),
            (
                "id float",
                r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
                Err(INVALID_REQUEST),
            ),
            (
                "wrong version",
                r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
                Err(INVALID_REQUEST),
            ),
            (
                "method not string",
                r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
                Err(INVALID_REQUEST),
            ),
            ("nothing", r#"{"jsonrpc":"2.0"}"#, Err(INVALID_REQUEST)),
        ];
        for (name, body, expected) in cases {
            let got = classify(body.as_bytes());
            match (got, expected) {
                (Ok(Incoming::Request(_)), Ok("request"))
                | (Ok(Incoming::Notification { .. }), Ok("notification"))
                | (Ok(Incoming::Response), Ok("response")) => {}
                (Err(e), Err(code)) => assert_eq!(e.code, *code, "{name}"),
                (got, _) => panic!("{name}: unexpected {got:?}"),
            }
        }
    }

    #[test]
    fn responses_serialize_without_the_absent_member() {
        let ok = serde_json::to_value(RpcResponse::result(json!("a"), json!({}))).unwrap();
        assert_eq!(ok, json!({"jsonrpc":"2.0","id":"a","result":{}}));
        let err = serde_json::to_value(RpcResponse::error(Value::Null, RpcError::new(-32600, "x")))
            .unwrap();
        assert_eq!(
            err,
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}})
        );
    }
}
