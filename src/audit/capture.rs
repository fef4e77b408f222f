//! What an MCP request tells the audit log: its method, tool and argument names (values
//! only under `audit: "arguments"`, secrets and file contents removed), the client that
//! sent it, and how it ended. Pure: the endpoint hands the facts in, an [`Entry`] comes
//! out.

use super::{Entry, Outcome};
use crate::http::{HttpRequest, HttpResponse};
use crate::store::{AuditMode, ServerGrant};
use serde_json::{Map, Value};

/// An argument whose name contains one of these is never logged by value.
const SECRET_NAME_PARTS: [&str; 6] = [
    "password",
    "secret",
    "token",
    "credential",
    "content",
    "base64",
];
/// A logged string value is cut to this many characters.
const VALUE_MAX_CHARS: usize = 200;
/// Logged arguments over this many bytes of JSON are replaced by a note saying so.
const ARGUMENTS_MAX_BYTES: usize = 4096;

/// What the endpoint learnt of one request while serving it.
#[derive(Debug, Default)]
pub struct McpFacts {
    pub method: Option<String>,
    pub tool: Option<String>,
    pub argument_keys: Vec<String>,
    pub arguments: Option<Value>,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub protocol_version: Option<String>,
    /// The JSON-RPC error code answered, if any.
    pub rpc_code: Option<i64>,
    /// Whether the tool result had `isError: true`.
    pub tool_error: bool,
}

impl McpFacts {
    /// The facts of a parsed request: its method, and for `tools/call` the tool and its
    /// argument names (and values, under [`AuditMode::Arguments`]); `initialize` names the
    /// client and protocol version.
    pub fn of_request(method: &str, params: Option<&Value>, mode: AuditMode) -> Self {
        let mut facts = McpFacts {
            method: Some(clip(method, 100)),
            ..McpFacts::default()
        };
        let params = params.and_then(Value::as_object);
        match method {
            "tools/call" => {
                facts.tool = params
                    .and_then(|p| p.get("name"))
                    .and_then(Value::as_str)
                    .map(|n| clip(n, 100));
                if let Some(arguments) = params
                    .and_then(|p| p.get("arguments"))
                    .and_then(Value::as_object)
                {
                    let mut keys: Vec<String> =
                        arguments.keys().take(100).map(|k| clip(k, 100)).collect();
                    keys.sort();
                    facts.argument_keys = keys;
                    if mode == AuditMode::Arguments {
                        facts.arguments = Some(redacted(arguments));
                    }
                }
            }
            "initialize" => {
                let info = params.and_then(|p| p.get("clientInfo"));
                facts.set_client(info);
                facts.protocol_version = params
                    .and_then(|p| p.get("protocolVersion"))
                    .and_then(Value::as_str)
                    .map(|s| clip(s, 40));
            }
            _ => {}
        }
        facts
    }

    /// The client and protocol version a 2026-07-28 request names in its `_meta` (the
    /// endpoint knows the keys), where `initialize` did not already.
    pub fn with_meta(
        mut self,
        client_info: Option<&Value>,
        protocol_version: Option<&Value>,
    ) -> Self {
        if self.client_name.is_none() {
            self.set_client(client_info);
        }
        if self.protocol_version.is_none() {
            self.protocol_version = protocol_version
                .and_then(Value::as_str)
                .map(|s| clip(s, 40));
        }
        self
    }

    fn set_client(&mut self, info: Option<&Value>) {
        let text = |key: &str| {
            info.and_then(|i| i.get(key))
                .and_then(Value::as_str)
                .map(|s| clip(s, 100))
        };
        self.client_name = text("name");
        self.client_version = text("version");
    }
}

/// Argument values as the log may keep them: secret-looking names and file contents
/// replaced, long strings cut, the whole bounded.
fn redacted(arguments: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (name, value) in arguments.iter().take(100) {
        let lower = name.to_ascii_lowercase();
        let kept = if SECRET_NAME_PARTS.iter().any(|part| lower.contains(part)) {
            Value::String("[redacted]".into())
        } else {
            bounded(value)
        };
        out.insert(clip(name, 100), kept);
    }
    let value = Value::Object(out);
    if value.to_string().len() > ARGUMENTS_MAX_BYTES {
        return serde_json::json!({ "_note": format!("arguments over {ARGUMENTS_MAX_BYTES} bytes, not kept") });
    }
    value
}

fn bounded(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(clip(s, VALUE_MAX_CHARS)),
        Value::Array(items) => Value::Array(items.iter().take(50).map(bounded).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .take(50)
                .map(|(k, v)| (clip(k, 100), bounded(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The ServiceNow side of one request (measured by `mcp::measured`): how many requests,
/// how long they took, the last status and the last `ratelimit-remaining` reported.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpstreamFigures {
    pub requests: u32,
    pub waited_ms: u64,
    pub last_status: Option<u16>,
    pub remaining: Option<u64>,
}

/// The client as its `User-Agent` names it: the first product token, `name/version`.
fn user_agent_client(request: &HttpRequest) -> (Option<String>, Option<String>) {
    let Some(agent) = request
        .header("user-agent")
        .map(str::trim)
        .filter(|a| !a.is_empty())
    else {
        return (None, None);
    };
    let product = agent.split_whitespace().next().unwrap_or(agent);
    match product.split_once('/') {
        Some((name, version)) => (Some(clip(name, 100)), Some(clip(version, 40))),
        None => (Some(clip(product, 100)), None),
    }
}

/// The outcome of an answer, from what the endpoint saw, else from the answer itself (a
/// transport refusal carries a JSON-RPC error body).
fn outcome(facts: &McpFacts, response: &HttpResponse) -> (Outcome, Option<i64>) {
    if let Some(code) = facts.rpc_code {
        return (Outcome::RpcError, Some(code));
    }
    if facts.tool_error {
        return (Outcome::ToolError, None);
    }
    if response.status < 400 {
        return (Outcome::Ok, None);
    }
    let code = (response.body.len() <= 16 * 1024)
        .then(|| serde_json::from_slice::<Value>(&response.body).ok())
        .flatten()
        .and_then(|body| body.pointer("/error/code").and_then(Value::as_i64));
    match code {
        Some(code) => (Outcome::RpcError, Some(code)),
        None => (Outcome::HttpError, None),
    }
}

/// The audit entry of one MCP request that reached `grant`'s server.
pub fn mcp_entry(
    started_ms: u64,
    now_ms: u64,
    request: &HttpRequest,
    grant: &ServerGrant,
    facts: McpFacts,
    upstream: UpstreamFigures,
    response: &HttpResponse,
) -> Entry {
    let (agent_name, agent_version) = user_agent_client(request);
    let (outcome, rpc_code) = outcome(&facts, response);
    let protocol_version = request
        .header("mcp-protocol-version")
        .map(|v| clip(v.trim(), 40))
        .or(facts.protocol_version);
    let (client_name, client_version) = match facts.client_name {
        Some(name) => (Some(name), facts.client_version),
        None => (agent_name, agent_version),
    };
    let upstream_requests = upstream.requests;
    Entry {
        at_ms: started_ms,
        request_id: crate::diagnostics::new_request_id(),
        kind: "mcp",
        server_id: Some(grant.server.id.clone()),
        account_id: Some(grant.server.account_id.clone()),
        user_id: None,
        client_name,
        client_version,
        protocol_version,
        method: facts.method.unwrap_or_else(|| "(unreadable)".into()),
        tool: facts.tool,
        argument_keys: facts.argument_keys,
        arguments: facts.arguments,
        outcome,
        rpc_code,
        http_status: response.status,
        upstream_status: upstream.last_status,
        upstream_ms: (upstream_requests > 0).then_some(upstream.waited_ms),
        upstream_requests,
        total_ms: now_ms.saturating_sub(started_ms),
        ratelimit_remaining: upstream.remaining,
        bytes_out: response.body.len() as u64,
    }
}

/// The audit entry of an admin write (`POST`, `PUT`, `PATCH`, `DELETE`): the route, the
/// account and server it names, the body's top-level field names (never their values:
/// they carry credentials), and the status.
pub fn admin_entry(
    started_ms: u64,
    now_ms: u64,
    request: &HttpRequest,
    response: &HttpResponse,
) -> Entry {
    let path = request.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let account_id = match segments.as_slice() {
        ["integrated-account", id, ..] => Some(clip(id, 100)),
        _ => None,
    };
    let server_id = match segments.as_slice() {
        ["integrated-account", _, "mcp", id, ..] => Some(clip(id, 100)),
        _ => None,
    };
    let mut argument_keys: Vec<String> =
        serde_json::from_slice::<Map<String, Value>>(&request.body)
            .map(|body| body.keys().take(50).map(|k| clip(k, 100)).collect())
            .unwrap_or_default();
    argument_keys.sort();
    let (client_name, client_version) = user_agent_client(request);
    let outcome = if response.status < 400 {
        Outcome::Ok
    } else {
        Outcome::HttpError
    };
    Entry {
        at_ms: started_ms,
        request_id: crate::diagnostics::new_request_id(),
        kind: "admin",
        server_id,
        account_id,
        user_id: None,
        client_name,
        client_version,
        protocol_version: None,
        method: clip(
            &format!("{} {path}", request.method.to_ascii_uppercase()),
            300,
        ),
        tool: None,
        argument_keys,
        arguments: None,
        outcome,
        rpc_code: None,
        http_status: response.status,
        upstream_status: None,
        upstream_ms: None,
        upstream_requests: 0,
        total_ms: now_ms.saturating_sub(started_ms),
        ratelimit_remaining: None,
        bytes_out: response.body.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tool_call_keeps_argument_names_and_values_only_when_asked_without_secrets() {
        let params = json!({"name": "create_a_service_now_incident", "arguments": {
            "short_description": "Printer on fire", "urgency": 1,
            "user_password": "hunter2", "content": "SGVsbG8=", "x_token": "t"
        }});
        let metadata = McpFacts::of_request("tools/call", Some(&params), AuditMode::Metadata);
        assert_eq!(
            metadata.tool.as_deref(),
            Some("create_a_service_now_incident")
        );
        assert_eq!(
            metadata.argument_keys,
            [
                "content",
                "short_description",
                "urgency",
                "user_password",
                "x_token"
            ]
        );
        assert_eq!(metadata.arguments, None);
        let full = McpFacts::of_request("tools/call", Some(&params), AuditMode::Arguments);
        let kept = full.arguments.unwrap();
        assert_eq!(kept["short_description"], "Printer on fire");
        assert_eq!(kept["urgency"], 1);
        for secret in ["user_password", "content", "x_token"] {
            assert_eq!(kept[secret], "[redacted]", "{secret}");
        }
        let text = kept.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("SGVsbG8="),
            "{text}"
        );
    }

    #[test]
    fn long_or_huge_argument_values_are_cut_or_dropped() {
        let long = "x".repeat(1000);
        let params = json!({"name": "t", "arguments": {"a": long}});
        let facts = McpFacts::of_request("tools/call", Some(&params), AuditMode::Arguments);
        let kept = facts.arguments.unwrap();
        assert_eq!(
            kept["a"].as_str().unwrap().chars().count(),
            VALUE_MAX_CHARS + 1
        );
        let many: Map<String, Value> = (0..60)
            .map(|i| (format!("f{i}"), json!("y".repeat(150))))
            .collect();
        let params = json!({"name": "t", "arguments": many});
        let facts = McpFacts::of_request("tools/call", Some(&params), AuditMode::Arguments);
        assert!(facts.arguments.unwrap()["_note"]
            .as_str()
            .unwrap()
            .contains("not kept"));
    }

    #[test]
    fn initialize_names_the_client_and_the_user_agent_is_the_fallback() {
        let params = json!({"protocolVersion": "2025-06-18", "clientInfo": {"name": "claude-ai", "version": "0.1.0"}});
        let facts = McpFacts::of_request("initialize", Some(&params), AuditMode::Metadata);
        assert_eq!(facts.client_name.as_deref(), Some("claude-ai"));
        assert_eq!(facts.protocol_version.as_deref(), Some("2025-06-18"));
        let request = HttpRequest::new("POST", "https://w.example/mcp/t")
            .with_header("user-agent", "python-httpx/0.28.1 extra");
        assert_eq!(
            user_agent_client(&request),
            (Some("python-httpx".into()), Some("0.28.1".into()))
        );
    }

    #[test]
    fn a_2026_request_names_its_client_and_version_in_meta() {
        let params = json!({"name": "t", "arguments": {}});
        let facts = McpFacts::of_request("tools/call", Some(&params), AuditMode::Metadata)
            .with_meta(
                Some(&json!({"name": "chatgpt", "version": "2.1"})),
                Some(&json!("2026-07-28")),
            );
        assert_eq!(facts.client_name.as_deref(), Some("chatgpt"));
        assert_eq!(facts.client_version.as_deref(), Some("2.1"));
        assert_eq!(facts.protocol_version.as_deref(), Some("2026-07-28"));
        assert_eq!(facts.argument_keys, Vec::<String>::new());
    }

    #[test]
    fn the_outcome_comes_from_the_reply_else_from_the_answer() {
        let ok = HttpResponse::new(200);
        let mut facts = McpFacts::default();
        assert_eq!(outcome(&facts, &ok), (Outcome::Ok, None));
        facts.tool_error = true;
        assert_eq!(outcome(&facts, &ok).0, Outcome::ToolError);
        facts.rpc_code = Some(-32602);
        assert_eq!(outcome(&facts, &ok), (Outcome::RpcError, Some(-32602)));
        let refused = HttpResponse::json(
            400,
            &json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "x"}}),
        );
        assert_eq!(
            outcome(&McpFacts::default(), &refused),
            (Outcome::RpcError, Some(-32700))
        );
        let plain = HttpResponse::json(415, &json!({"error": "nope"}));
        assert_eq!(
            outcome(&McpFacts::default(), &plain),
            (Outcome::HttpError, None)
        );
    }

    #[test]
    fn an_admin_write_names_its_account_server_and_field_names_never_values() {
        let request =
            HttpRequest::new("PUT", "https://w.example/integrated-account/acme/mcp/mcp_1")
                .with_body(
                    br#"{"auth":{"password":"hunter2"},"instance_url":"https://x"}"#.to_vec(),
                );
        let entry = admin_entry(1000, 1012, &request, &HttpResponse::new(200));
        assert_eq!(entry.account_id.as_deref(), Some("acme"));
        assert_eq!(entry.server_id.as_deref(), Some("mcp_1"));
        assert_eq!(entry.argument_keys, ["auth", "instance_url"]);
        assert_eq!(entry.method, "PUT /integrated-account/acme/mcp/mcp_1");
        assert_eq!(entry.total_ms, 12);
        assert!(!format!("{entry:?}").contains("hunter2"));
    }
}
