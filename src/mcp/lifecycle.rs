//! `initialize`: protocol version negotiation, capabilities, server info, instructions.

use super::instructions::instructions;
use crate::transport::{LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS};
use serde_json::{json, Value};

pub const SERVER_NAME: &str = "servicenow-mcp";
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The client's version when we speak it, else our latest (the client then decides).
pub fn negotiate(requested: Option<&str>) -> &'static str {
    requested
        .and_then(|r| SUPPORTED_PROTOCOL_VERSIONS.iter().find(|v| **v == r))
        .copied()
        .unwrap_or(LATEST_PROTOCOL_VERSION)
}

/// The `initialize` result. `visible_tool` says whether a tool is exposed by this
/// server, so the instructions only name tools the model can call.
pub fn initialize_result(
    params: Option<&Value>,
    server_name: &str,
    visible_tool: impl Fn(&str) -> bool,
) -> Value {
    let requested = params
        .and_then(|p| p.get("protocolVersion"))
        .and_then(Value::as_str);
    json!({
        "protocolVersion": negotiate(requested),
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": {
            "name": SERVER_NAME,
            "title": format!("ServiceNow: {server_name}"),
            "version": SERVER_VERSION,
        },
        "instructions": instructions(visible_tool),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_negotiation_table() {
        for (requested, expected) in [
            (Some("2025-11-25"), "2025-11-25"),
            (Some("2025-06-18"), "2025-06-18"),
            (Some("2025-03-26"), "2025-03-26"),
            (Some("2024-11-05"), "2024-11-05"),
            (Some("2023-01-01"), LATEST_PROTOCOL_VERSION),
            (Some(""), LATEST_PROTOCOL_VERSION),
            (None, LATEST_PROTOCOL_VERSION),
        ] {
            assert_eq!(negotiate(requested), expected, "{requested:?}");
        }
    }

    #[test]
    fn initialize_declares_tools_without_list_changed_and_teaches_sys_ids() {
        let params = json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}});
        let result = initialize_result(Some(&params), "ITSM Agent", |_| true);
        assert_eq!(result["protocolVersion"], "2025-06-18");
        assert_eq!(
            result["capabilities"],
            json!({"tools": {"listChanged": false}})
        );
        assert_eq!(result["serverInfo"]["name"], SERVER_NAME);
        assert!(result["serverInfo"]["version"].is_string());
        let text = result["instructions"].as_str().unwrap();
        assert!(text.contains("sys_id"));
        assert!(text.contains("list_all_service_now_sys_users"));
    }
}
