//! Human-readable summaries of admin API answers (the default; `--json` prints the raw
//! answer instead). A minted URL or token is printed alone on the last line.

use crate::args::Command;
use serde_json::Value;
use std::fmt::Write;

/// The summary of a successful answer to `command`.
pub fn summary(command: &Command, status: u16, body: &Value) -> String {
    let mut out = String::new();
    match command {
        Command::AccountPut { .. } => {
            let verb = if status == 201 {
                "registered"
            } else {
                "replaced"
            };
            let _ = writeln!(out, "{verb} account {}", s(&body["id"]));
            account(&mut out, body);
        }
        Command::AccountGet { .. } => {
            let _ = writeln!(out, "account {}", s(&body["id"]));
            account(&mut out, body);
        }
        Command::AccountDelete { .. } => {
            let _ = writeln!(
                out,
                "deleted account {}; revoked {} MCP server(s)",
                s(&body["id"]),
                body["revoked_servers"]
            );
        }
        Command::ServerCreate { account, .. } => {
            let _ = writeln!(
                out,
                "created MCP server {} on account {account}",
                s(&body["id"])
            );
            server(&mut out, body);
            let _ = writeln!(
                out,
                "The URL below grants access and is shown only this once; keep it as a secret:"
            );
            let _ = writeln!(out, "{}", s(&body["url"]));
        }
        Command::ServerGet { .. } | Command::ServerUpdate { .. } => {
            let verb = if matches!(command, Command::ServerUpdate { .. }) {
                "updated MCP server"
            } else {
                "MCP server"
            };
            let _ = writeln!(out, "{verb} {}", s(&body["id"]));
            server(&mut out, body);
        }
        Command::ServerList { account, .. } => {
            let servers = body["result"].as_array().map_or(&[][..], Vec::as_slice);
            if servers.is_empty() {
                let _ = writeln!(out, "no live MCP servers on account {account}");
            }
            for item in servers {
                let _ = writeln!(
                    out,
                    "{}  {}  [{}]  expires {}{}",
                    s(&item["id"]),
                    s(&item["name"]),
                    tools(&item["config"]),
                    expiry(&item["expires_at"]),
                    if item["require_api_token_auth"] == Value::Bool(true) {
                        "  api-token required"
                    } else {
                        ""
                    }
                );
            }
            next_page(&mut out, body, &format!("snmcp server list {account}"));
        }
        Command::ServerPreview { .. } => {
            let tools = body["tools"].as_array().map_or(&[][..], Vec::as_slice);
            let writes = tools
                .iter()
                .filter(|t| t["writes"] == Value::Bool(true))
                .count();
            let _ = writeln!(
                out,
                "{} tools: {} read, {writes} write",
                tools.len(),
                tools.len() - writes
            );
            warnings(&mut out, body);
            for tool in tools {
                let _ = writeln!(out, "  {}", s(&tool["name"]));
            }
        }
        Command::ServerDelete { account, .. } => {
            let _ = writeln!(
                out,
                "deleted MCP server {} of account {account}; its URL no longer works",
                s(&body["id"])
            );
        }
        Command::TokenCreate { .. } => {
            let _ = writeln!(
                out,
                "created API token {} ({})",
                s(&body["id"]),
                s(&body["name"])
            );
            let _ = writeln!(out, "  expires  {}", expiry(&body["expires_at"]));
            let _ = writeln!(
                out,
                "The token below is shown only this once; keep it as a secret:"
            );
            let _ = writeln!(out, "{}", s(&body["token"]));
        }
        Command::AccountList { search, .. } => {
            let accounts = body["result"].as_array().map_or(&[][..], Vec::as_slice);
            if accounts.is_empty() {
                let _ = writeln!(out, "no registered accounts");
            }
            for item in accounts {
                let _ = writeln!(
                    out,
                    "{}  {}  {}",
                    s(&item["id"]),
                    s(&item["instance_url"]),
                    s(&item["auth"]["type"])
                );
            }
            let command = match search {
                Some(q) => format!("snmcp account list --search {q}"),
                None => "snmcp account list".into(),
            };
            next_page(&mut out, body, &command);
        }
        Command::AuditList { .. } => {
            let entries = body["entries"].as_array().map_or(&[][..], Vec::as_slice);
            if entries.is_empty() {
                let _ = writeln!(out, "no audit entries match");
            }
            for entry in entries {
                let _ = writeln!(out, "{}", audit_line(entry));
            }
            next_page(&mut out, body, "snmcp audit list [same filters]");
        }
        // Streamed by `main`: never summarised from one answer.
        Command::AuditTail { .. } | Command::AuditExport { .. } => {}
        Command::TokenList { .. } => {
            let tokens = body["result"].as_array().map_or(&[][..], Vec::as_slice);
            if tokens.is_empty() {
                let _ = writeln!(out, "no live API tokens");
            }
            for item in tokens {
                let _ = writeln!(
                    out,
                    "{}  {}  created {}  expires {}",
                    s(&item["id"]),
                    s(&item["name"]),
                    s(&item["created_at"]),
                    expiry(&item["expires_at"])
                );
            }
            next_page(&mut out, body, "snmcp token list");
        }
        Command::TokenGet { .. } => {
            let _ = writeln!(out, "API token {} ({})", s(&body["id"]), s(&body["name"]));
            let _ = writeln!(out, "  created  {}", s(&body["created_at"]));
            let _ = writeln!(out, "  expires  {}", expiry(&body["expires_at"]));
        }
        Command::TokenDelete { .. } => {
            let _ = writeln!(out, "deleted API token {}", s(&body["id"]));
        }
    }
    out
}

/// The one-line error for a failed answer.
pub fn error_line(status: u16, body: &Value) -> String {
    let message = body["error"]["message"]
        .as_str()
        .map_or_else(|| body.to_string(), str::to_string);
    match body["error"]["code"].as_str() {
        Some(code) => format!("{message} (HTTP {status}, {code})"),
        None => format!("{message} (HTTP {status})"),
    }
}

fn account(out: &mut String, body: &Value) {
    let auth = &body["auth"];
    let mut detail = Vec::new();
    for field in ["username", "client_id"] {
        if let Some(v) = auth[field].as_str() {
            detail.push(format!("{field} {v}"));
        }
    }
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", detail.join(", "))
    };
    let _ = writeln!(out, "  instance_url  {}", s(&body["instance_url"]));
    let _ = writeln!(out, "  auth          {}{detail}", s(&auth["type"]));
    let _ = writeln!(out, "  created_at    {}", s(&body["created_at"]));
    let _ = writeln!(out, "  updated_at    {}", s(&body["updated_at"]));
}

fn server(out: &mut String, body: &Value) {
    let _ = writeln!(out, "  name                    {}", s(&body["name"]));
    let _ = writeln!(out, "  tools                   {}", tools(&body["config"]));
    let _ = writeln!(
        out,
        "  expires                 {}",
        expiry(&body["expires_at"])
    );
    let _ = writeln!(
        out,
        "  require_api_token_auth  {}",
        body["require_api_token_auth"] == Value::Bool(true)
    );
    if let Some(mode) = body["rate_limit_response"].as_str() {
        let _ = writeln!(out, "  rate_limit_response     {mode}");
    }
    warnings(out, body);
    let _ = writeln!(out, "  created_at              {}", s(&body["created_at"]));
}

/// Tool counts past what some clients use (the preview, creation and update answers
/// say so), one line each.
fn warnings(out: &mut String, body: &Value) {
    for warning in body["warnings"].as_array().map_or(&[][..], Vec::as_slice) {
        let _ = writeln!(out, "  warning: {}", s(&warning["message"]));
    }
}

fn tools(config: &Value) -> String {
    let list = |name: &str| {
        config[name].as_array().map(|items| {
            items
                .iter()
                .map(|i| i.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    let kept = match (list("methods"), list("tags")) {
        (None, None) => "every tool".into(),
        (Some(m), None) => format!("methods {m}"),
        (None, Some(t)) => format!("tags {t}"),
        (Some(m), Some(t)) => format!("methods {m}; tags {t}"),
    };
    match config["tool_mode"].as_str() {
        Some("discovery") => format!("{kept} (discovery mode: search, describe, call)"),
        _ => kept,
    }
}

fn expiry(value: &Value) -> String {
    value.as_str().unwrap_or("never").to_string()
}

/// One audit entry on one line: time, server, client, method, tool, outcome, status, ms.
pub fn audit_line(entry: &Value) -> String {
    let client = [&entry["client_name"], &entry["client_version"]]
        .iter()
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join("/");
    let code = entry["rpc_code"]
        .as_i64()
        .map_or(String::new(), |c| format!(" ({c})"));
    format!(
        "{}  {}  {}  {}  {}  {}{code}  HTTP {}  {} ms",
        s(&entry["at"]),
        s(&entry["server_id"]),
        if client.is_empty() {
            "-".into()
        } else {
            client
        },
        s(&entry["method"]),
        s(&entry["tool"]),
        s(&entry["outcome"]),
        s(&entry["http_status"]),
        s(&entry["total_ms"]),
    )
}

fn next_page(out: &mut String, body: &Value, command: &str) {
    if let Some(cursor) = body["next_cursor"].as_str() {
        let _ = writeln!(out, "more: {command} --cursor {cursor}");
    }
}

fn s(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Expiry, PageArgs};
    use serde_json::json;

    #[test]
    fn server_create_prints_the_url_alone_on_the_last_line() {
        let command = Command::ServerCreate {
            account: "acme".into(),
            name: "agent".into(),
            methods: None,
            tags: None,
            tool_mode: None,
            expiry: Some(Expiry::In(60)),
            require_api_token: false,
            rate_limit_response: None,
            audit: None,
        };
        let body = json!({
            "id": "mcp_1", "name": "agent", "config": {"methods": ["read"], "tags": ["incident"]},
            "expires_at": null, "require_api_token_auth": false, "created_at": "2026-01-01T00:00:00Z",
            "url": "https://w.example/mcp/TOKEN",
            "warnings": [{"client": "Cursor", "limit": 40, "message": "42 tools is more than Cursor takes"}]
        });
        let text = summary(&command, 201, &body);
        assert_eq!(text.lines().last(), Some("https://w.example/mcp/TOKEN"));
        assert!(
            text.contains("  warning: 42 tools is more than Cursor takes"),
            "{text}"
        );
        assert!(
            text.contains("methods read; tags incident") && text.contains("never"),
            "{text}"
        );
    }

    #[test]
    fn listings_print_one_line_per_item_and_the_next_page_command() {
        let command = Command::ServerList {
            account: "acme".into(),
            page: PageArgs::default(),
        };
        let body = json!({"result": [
            {"id": "mcp_1", "name": "a", "config": {}, "expires_at": "2027-01-01T00:00:00Z", "require_api_token_auth": true},
            {"id": "mcp_2", "name": "b", "config": {"tags": ["users"]}, "expires_at": null, "require_api_token_auth": false}
        ], "next_cursor": "Y3Vy"});
        let text = summary(&command, 200, &body);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("mcp_1  a  [every tool]")
                && lines[0].ends_with("api-token required")
        );
        assert_eq!(lines[2], "more: snmcp server list acme --cursor Y3Vy");
        let empty = summary(&command, 200, &json!({"result": [], "next_cursor": null}));
        assert_eq!(empty.trim(), "no live MCP servers on account acme");
    }

    #[test]
    fn errors_are_one_line_with_status_and_code() {
        let body = json!({"error": {"code": "no_tools", "message": "this filter leaves no tool"}});
        assert_eq!(
            error_line(400, &body),
            "this filter leaves no tool (HTTP 400, no_tools)"
        );
        assert_eq!(error_line(502, &json!({"x": 1})), "{\"x\":1} (HTTP 502)");
    }

    #[test]
    fn a_preview_prints_the_count_the_warnings_and_the_tools() {
        let command = Command::ServerPreview {
            methods: None,
            tags: None,
            tool_mode: None,
        };
        let body = json!({"count": 2, "tools": [
            {"name": "list_all_service_now_incident", "writes": false},
            {"name": "create_a_service_now_incident", "writes": true}],
            "warnings": [{"client": "Cursor", "limit": 40, "message": "many tools"}]});
        let text = summary(&command, 200, &body);
        assert!(
            text.starts_with("2 tools: 1 read, 1 write\n  warning: many tools\n"),
            "{text}"
        );
        assert!(text.contains("  create_a_service_now_incident"), "{text}");
    }
}
