//! How a client learns about this server: `initialize` (legacy: version negotiation,
//! capabilities, server info, instructions) and `server/discover` (2026-07-28: the
//! versions, capabilities and instructions, cacheable), plus the modern result envelope.

use super::era::SERVER_INFO_KEY;
use super::instructions::instructions;
use super::version::{negotiate_legacy, supported_versions};
use serde_json::{json, Value};

pub const SERVER_NAME: &str = "servicenow-mcp";
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long a client may cache `server/discover` and `tools/list` (ms). A URL's tools
/// change only when an administrator edits its filters or a new version is deployed.
pub const CACHE_TTL_MS: u64 = 300_000;

fn capabilities() -> Value {
    json!({ "tools": { "listChanged": false } })
}

/// `serverInfo` (legacy) / `_meta["io.modelcontextprotocol/serverInfo"]` (modern).
pub fn server_info(server_name: &str) -> Value {
    json!({
        "name": SERVER_NAME,
        "title": format!("ServiceNow: {server_name}"),
        "version": SERVER_VERSION,
    })
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
        "protocolVersion": negotiate_legacy(requested),
        "capabilities": capabilities(),
        "serverInfo": server_info(server_name),
        "instructions": instructions(visible_tool),
    })
}

/// The `server/discover` result (before the modern envelope is added).
pub fn discover_result(visible_tool: impl Fn(&str) -> bool) -> Value {
    json!({
        "supportedVersions": supported_versions(),
        "capabilities": capabilities(),
        "instructions": instructions(visible_tool),
        "ttlMs": CACHE_TTL_MS,
        "cacheScope": "private",
    })
}

/// Adds what every 2026-07-28 result carries: `resultType` and the server's identity
/// in `_meta`, keeping any `_meta` the result already has.
pub fn modern_envelope(result: &mut Value, server_name: &str) {
    let Some(object) = result.as_object_mut() else {
        return;
    };
    object.insert("resultType".into(), json!("complete"));
    let meta = object.entry("_meta").or_insert_with(|| json!({}));
    if let Some(meta) = meta.as_object_mut() {
        meta.insert(SERVER_INFO_KEY.into(), server_info(server_name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn initialize_never_negotiates_the_modern_revision() {
        let params = json!({"protocolVersion": "2026-07-28"});
        let result = initialize_result(Some(&params), "x", |_| true);
        assert_eq!(result["protocolVersion"], "2025-11-25");
    }

    #[test]
    fn discover_lists_every_version_and_is_privately_cacheable() {
        let result = discover_result(|_| true);
        assert_eq!(result["supportedVersions"][0], "2026-07-28");
        assert_eq!(result["supportedVersions"].as_array().unwrap().len(), 5);
        assert_eq!(result["cacheScope"], "private");
        assert_eq!(result["ttlMs"], CACHE_TTL_MS);
        assert!(result["instructions"]
            .as_str()
            .unwrap()
            .contains("ServiceNow"));
    }

    #[test]
    fn modern_envelope_adds_result_type_and_server_info_keeping_meta() {
        let mut result = json!({"tools": [], "_meta": {"x.example/k": 1}});
        modern_envelope(&mut result, "Desk");
        assert_eq!(result["resultType"], "complete");
        assert_eq!(result["_meta"]["x.example/k"], 1);
        assert_eq!(result["_meta"][SERVER_INFO_KEY]["name"], SERVER_NAME);
        assert_eq!(
            result["_meta"][SERVER_INFO_KEY]["title"],
            "ServiceNow: Desk"
        );
    }
}
