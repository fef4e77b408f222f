//! Which requests may be larger than the 1 MiB MCP body limit: a `tools/call` of the
//! attachment upload tool (directly, or through discovery mode's call tool) on a server
//! whose tool filter keeps that tool. Pure: the server record and the parsed message in,
//! a yes or no out; `endpoint` applies it.

use super::jsonrpc::RpcRequest;
use crate::store::McpServerRecord;
use serde_json::Value;
use snmcp_catalog::{discovery, Catalog, ToolMode};

/// Whether `server` offers a tool that uploads a file (then its requests may carry one).
pub fn exposes_upload(server: &McpServerRecord) -> bool {
    Catalog::builtin().is_ok_and(|catalog| catalog.keeps_upload_tool(&server.config))
}

/// Whether `rpc` is a `tools/call` of an upload tool that `server` exposes.
pub fn is_upload_call(server: &McpServerRecord, rpc: &RpcRequest) -> bool {
    if rpc.method != "tools/call" {
        return false;
    }
    let params = rpc.params.as_ref();
    let mut name = params.and_then(|p| p.get("name")).and_then(Value::as_str);
    if server.config.tool_mode == ToolMode::Discovery {
        // Only the call tool runs a catalog tool there; its `arguments.name` names it.
        name = name
            .filter(|n| *n == discovery::CALL_TOOL)
            .and(params.and_then(|p| p.pointer("/arguments/name")))
            .and_then(Value::as_str);
    }
    let Some(name) = name else {
        return false;
    };
    Catalog::builtin().is_ok_and(|catalog| {
        catalog.is_upload_tool(name) && catalog.find(name, &server.config).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use snmcp_catalog::ToolFilter;

    const UPLOAD: &str = "attach_file_service_now_sys_attachment";

    fn server(config: Value) -> McpServerRecord {
        let config: ToolFilter = serde_json::from_value(config).unwrap();
        McpServerRecord {
            id: "mcp_1".into(),
            account_id: "acme".into(),
            name: "test".into(),
            config,
            expires_at: None,
            expires_at_unix: None,
            require_api_token_auth: false,
            rate_limit_response: Default::default(),
            audit: Default::default(),
            created_at: "2026-01-01T00:00:00Z".into(),
            account_generation: None,
            revoked: false,
        }
    }

    fn call(name: &str, arguments: Value) -> RpcRequest {
        RpcRequest {
            id: 1.into(),
            method: "tools/call".into(),
            params: Some(json!({"name": name, "arguments": arguments})),
        }
    }

    #[test]
    fn only_a_call_of_a_kept_upload_tool_counts() {
        let all = server(json!({}));
        let read_only = server(json!({"methods": ["read"]}));
        let incidents = server(json!({"tags": ["incident"]}));
        assert!(exposes_upload(&all));
        assert!(!exposes_upload(&read_only));
        assert!(!exposes_upload(&incidents));
        assert!(is_upload_call(&all, &call(UPLOAD, json!({}))));
        assert!(!is_upload_call(&read_only, &call(UPLOAD, json!({}))));
        assert!(!is_upload_call(
            &all,
            &call("create_a_service_now_incident", json!({}))
        ));
        let list = RpcRequest {
            method: "tools/list".into(),
            ..call(UPLOAD, json!({}))
        };
        assert!(!is_upload_call(&all, &list));
        let nameless = RpcRequest {
            params: Some(json!({"arguments": {}})),
            ..call(UPLOAD, json!({}))
        };
        assert!(!is_upload_call(&all, &nameless));
    }

    #[test]
    fn in_discovery_mode_the_call_tool_must_name_the_upload_tool() {
        let discovery = server(json!({"tool_mode": "discovery"}));
        assert!(exposes_upload(&discovery));
        assert!(is_upload_call(
            &discovery,
            &call(
                discovery::CALL_TOOL,
                json!({"name": UPLOAD, "arguments": {}})
            )
        ));
        assert!(!is_upload_call(&discovery, &call(UPLOAD, json!({}))));
        assert!(!is_upload_call(
            &discovery,
            &call(
                discovery::CALL_TOOL,
                json!({"name": "create_a_service_now_incident"})
            )
        ));
        assert!(!is_upload_call(
            &discovery,
            &call(discovery::SEARCH_TOOL, json!({"name": UPLOAD}))
        ));
        let read_only = server(json!({"tool_mode": "discovery", "methods": ["read"]}));
        assert!(!exposes_upload(&read_only));
        assert!(!is_upload_call(
            &read_only,
            &call(discovery::CALL_TOOL, json!({"name": UPLOAD}))
        ));
    }
}
