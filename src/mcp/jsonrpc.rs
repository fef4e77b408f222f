//! JSON-RPC 2.0 envelope: request ids, error codes, errors, the response and the
//! classification of one incoming body. What a message means to MCP (its method and
//! typed params, a tool result) is `model`'s.

pub use super::error::{ErrorCode, RpcError};
use super::model::CallToolResult;
use crate::json_text;
use serde::Serialize;
use serde_json::{Number, Value};

/// A request's id: a string or an integer (JSON-RPC allows no other in this server),
/// echoed back verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum RequestId {
    Number(Number),
    String(String),
}

impl RequestId {
    /// The id `value` is, if it is one this server accepts.
    pub fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(RequestId::String(s.clone())),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(RequestId::Number(n.clone())),
            _ => None,
        }
    }

    /// The id as JSON text.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            RequestId::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
            RequestId::String(s) => json_text::write_str(out, s),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        RequestId::Number(n.into())
    }
}

impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        RequestId::String(s.to_string())
    }
}

/// What a response carries: a result (as a JSON value, or a typed tool result) or an
/// error.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    Result(Value),
    ToolResult(CallToolResult),
    Error(RpcError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RpcResponse {
    /// None (written `null`) only for a message whose id could not be read.
    pub id: Option<RequestId>,
    pub body: ResponseBody,
}

impl RpcResponse {
    pub fn result(id: RequestId, result: Value) -> Self {
        RpcResponse {
            id: Some(id),
            body: ResponseBody::Result(result),
        }
    }
    pub fn tool_result(id: RequestId, result: CallToolResult) -> Self {
        RpcResponse {
            id: Some(id),
            body: ResponseBody::ToolResult(result),
        }
    }
    pub fn error(id: Option<RequestId>, error: RpcError) -> Self {
        RpcResponse {
            id,
            body: ResponseBody::Error(error),
        }
    }

    /// The result, when it is a plain JSON value (what the `tools/list` cache keeps).
    pub fn result_value(&self) -> Option<&Value> {
        match &self.body {
            ResponseBody::Result(result) => Some(result),
            _ => None,
        }
    }

    /// The response as JSON text, written by [`json_text`] (the faster escaper), in the
    /// member order `serde_json` gives a sorted map.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
        match &self.id {
            Some(id) => id.write(&mut out),
            None => out.extend_from_slice(b"null"),
        }
        match &self.body {
            ResponseBody::Result(result) => {
                out.extend_from_slice(b",\"result\":");
                json_text::write_value(&mut out, result);
            }
            ResponseBody::ToolResult(result) => {
                out.extend_from_slice(b",\"result\":");
                result.write_json(&mut out);
            }
            ResponseBody::Error(error) => {
                out.extend_from_slice(b",\"error\":");
                let error = serde_json::to_value(error).unwrap_or_default();
                json_text::write_value(&mut out, &error);
            }
        }
        out.push(b'}');
        String::from_utf8(out).unwrap_or_default()
    }
}

/// A request: has an id, expects a response.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    pub id: RequestId,
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
        .map_err(|e| RpcError::parse_error(format!("Parse error: body is not JSON ({e})")))?;
    let mut object =
        match value {
            Value::Object(o) => o,
            Value::Array(_) => return Err(RpcError::invalid_request(
                "Invalid Request: JSON-RPC batches are not supported; send one message per POST",
            )),
            _ => {
                return Err(RpcError::invalid_request(
                    "Invalid Request: the body must be one JSON-RPC 2.0 object",
                ))
            }
        };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(RpcError::invalid_request(
            "Invalid Request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    let id = match object.get("id") {
        None => None,
        Some(id) => Some(RequestId::from_value(id).ok_or_else(|| {
            RpcError::invalid_request(
                "Invalid Request: \"id\" must be a string or an integer (null is not allowed)",
            )
        })?),
    };
    match (object.get("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Incoming::Request(RpcRequest {
            id,
            method: method.clone(),
            // Moved, not copied: an upload's params hold the file.
            params: object.remove("params"),
        })),
        (Some(Value::String(method)), None) => Ok(Incoming::Notification {
            method: method.clone(),
        }),
        (Some(_), _) => Err(RpcError::invalid_request(
            "Invalid Request: \"method\" must be a string",
        )),
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => {
            Ok(Incoming::Response)
        }
        (None, _) => Err(RpcError::invalid_request(
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
        let typed = |modern: bool| CallToolResult {
            content: vec![super::super::model::Content::Text(structured.to_string())],
            structured_content: Some(structured.to_string()),
            result_type: modern.then_some("complete"),
            meta: if modern {
                json!({"io.example/serverInfo": {"name": "s"}})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            } else {
                Default::default()
            },
            ..CallToolResult::default()
        };
        for (id, result, is_modern) in [(json!(7), base, false), (json!("a\"}}"), modern, true)] {
            let mut whole = result.clone();
            whole["structuredContent"] = structured.clone();
            let expected = serde_written(&id, "result", &whole);
            let id = RequestId::from_value(&id).unwrap();
            let written = RpcResponse::tool_result(id, typed(is_modern)).to_json();
            // Byte for byte: the sorted map puts structuredContent last.
            assert_eq!(written, expected);
        }
    }

    /// What serde_json writes for a response with these members, in the envelope's
    /// order (`jsonrpc`, `id`, then `result` or `error`).
    fn serde_written(id: &Value, member: &str, value: &Value) -> String {
        format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{},\"{member}\":{}}}",
            serde_json::to_string(id).unwrap(),
            serde_json::to_string(value).unwrap()
        )
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
        for id in [json!(1), json!("x\"\\y"), json!(-3), json!(u64::MAX)] {
            let request_id = RequestId::from_value(&id).unwrap();
            for result in &results {
                let response = RpcResponse::result(request_id.clone(), result.clone());
                assert_eq!(response.to_json(), serde_written(&id, "result", result));
            }
            let error = RpcError::invalid_params("bad \"x\"").with_data(json!({"k": [1]}));
            let response = RpcResponse::error(Some(request_id), error.clone());
            assert_eq!(
                response.to_json(),
                serde_written(&id, "error", &serde_json::to_value(&error).unwrap())
            );
        }
        let anonymous = RpcResponse::error(None, RpcError::invalid_request("x"));
        assert_eq!(
            anonymous.to_json(),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}}"#
        );
        // Ids this server does not accept are no ids.
        for id in [json!(2.5), json!(null), json!({}), json!([1])] {
            assert_eq!(RequestId::from_value(&id), None, "{id}");
        }
    }

    #[test]
    fn classification_table() {
        let cases: &[(&str, &str, Result<&str, ErrorCode>)] = &[
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
            ("not json", "{nope", Err(ErrorCode::PARSE_ERROR)),
            ("empty body", "", Err(ErrorCode::PARSE_ERROR)),
            (
                "batch",
                r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
            ("scalar", "42", Err(ErrorCode::INVALID_REQUEST)),
            (
                "id null",
                r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
            (
                "id object",
                r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
            (
                "id float",
                r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
            (
                "wrong version",
                r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
            (
                "method not string",
                r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
            (
                "nothing",
                r#"{"jsonrpc":"2.0"}"#,
                Err(ErrorCode::INVALID_REQUEST),
            ),
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
        let ok: Value =
            serde_json::from_str(&RpcResponse::result("a".into(), json!({})).to_json()).unwrap();
        assert_eq!(ok, json!({"jsonrpc":"2.0","id":"a","result":{}}));
        let err: Value = serde_json::from_str(
            &RpcResponse::error(None, RpcError::invalid_request("x")).to_json(),
        )
        .unwrap();
        assert_eq!(
            err,
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}})
        );
    }
}
