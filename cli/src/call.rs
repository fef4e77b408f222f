//! A parsed command → the admin API call it stands for (method, path, JSON body). Secrets
//! come from the environment or standard input here, never from flags.

use crate::args::{AuditFilters, AuthKind, Change, Command, Expiry, PageArgs, TokenScope};
use serde_json::{json, Map, Value};
use servicenow_mcp::http::percent_encode;
use servicenow_mcp::store::timestamps::format_rfc3339;
use std::io::BufRead;

#[derive(Debug, Clone, PartialEq)]
pub struct AdminCall {
    pub method: &'static str,
    /// Path and query, e.g. `/integrated-account/acme/mcp?limit=10`.
    pub path: String,
    pub body: Option<Value>,
}

/// Where secrets and the time come from (injected so tests need no real environment).
pub struct Inputs<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub stdin: &'a mut dyn BufRead,
    pub now_secs: u64,
}

pub fn build(command: &Command, inputs: &mut Inputs<'_>) -> Result<AdminCall, String> {
    let seg = |s: &str| percent_encode(s);
    Ok(match command {
        Command::AccountPut {
            id,
            instance_url,
            auth,
            username,
            client_id,
            secret_stdin,
        } => {
            let mut auth_body = Map::new();
            auth_body.insert("type".into(), json!(auth.api_name()));
            if let Some(client_id) = client_id {
                auth_body.insert("client_id".into(), json!(client_id));
            }
            if let Some(username) = username {
                auth_body.insert("username".into(), json!(username));
            }
            for (field, env_name) in secret_fields(*auth) {
                let secret = if *secret_stdin {
                    read_secret_line(inputs.stdin, field)?
                } else {
                    (inputs.env)(env_name)
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| {
                            format!(
                                "--auth {} needs its {field}: set {env_name} or pass --secret-stdin",
                                auth.api_name().replace('_', "-")
                            )
                        })?
                };
                auth_body.insert((*field).to_string(), json!(secret));
            }
            AdminCall {
                method: "PUT",
                path: format!("/integrated-account/{}", seg(id)),
                body: Some(json!({ "instance_url": instance_url, "auth": auth_body })),
            }
        }
        Command::AccountList { search, page } => {
            let mut pairs = page_pairs(page);
            if let Some(search) = search {
                pairs.push(format!("q={}", percent_encode(search)));
            }
            get(format!("/integrated-accounts{}", joined(&pairs)))
        }
        Command::AuditList { filters, page } => {
            let mut pairs = filter_pairs(filters);
            pairs.extend(page_pairs(page));
            get(format!("/audit{}", joined(&pairs)))
        }
        Command::AuditTail { filters, .. } => audit_page(filters, None, None, 1000),
        Command::AuditExport { filters, format } => {
            audit_page(filters, Some(format.api_name()), None, 1000)
        }
        Command::AccountGet { id } => get(format!("/integrated-account/{}", seg(id))),
        Command::AccountDelete { id } => delete(format!("/integrated-account/{}", seg(id))),
        Command::ServerCreate {
            account,
            name,
            methods,
            tags,
            tool_mode,
            expiry,
            require_api_token,
            rate_limit_response,
            audit,
        } => {
            let config = filter_config(methods, tags, tool_mode);
            let mut body = json!({
                "name": name,
                "config": config,
                "require_api_token_auth": require_api_token,
            });
            if let Some(expiry) = expiry {
                body["expires_at"] = json!(expires_at(expiry, inputs.now_secs)?);
            }
            if let Some(mode) = rate_limit_response {
                body["rate_limit_response"] = json!(mode);
            }
            if let Some(mode) = audit {
                body["audit"] = json!(mode);
            }
            AdminCall {
                method: "POST",
                path: format!("/integrated-account/{}/mcp", seg(account)),
                body: Some(body),
            }
        }
        Command::ServerList { account, page } => get(format!(
            "/integrated-account/{}/mcp{}",
            seg(account),
            query(page)
        )),
        Command::ServerGet { account, id } => get(format!(
            "/integrated-account/{}/mcp/{}",
            seg(account),
            seg(id)
        )),
        Command::ServerPreview {
            methods,
            tags,
            tool_mode,
        } => AdminCall {
            method: "POST",
            path: "/catalog/preview".into(),
            body: Some(json!({ "config": filter_config(methods, tags, tool_mode) })),
        },
        Command::ServerDelete { account, id } => delete(format!(
            "/integrated-account/{}/mcp/{}",
            seg(account),
            seg(id)
        )),
        Command::ServerUpdate {
            account,
            id,
            name,
            methods,
            tags,
            tool_mode,
            expiry,
            require_api_token,
            rate_limit_response,
            audit,
        } => {
            let mut body = Map::new();
            if let Some(name) = name {
                body.insert("name".into(), json!(name));
            }
            // `config` is a JSON merge patch: only the filters named here change.
            let mut config = Map::new();
            for (field, change) in [("methods", methods), ("tags", tags)] {
                match change {
                    Change::Keep => {}
                    Change::Clear => {
                        config.insert(field.into(), Value::Null);
                    }
                    Change::Set(list) => {
                        config.insert(field.into(), json!(list));
                    }
                }
            }
            if let Some(mode) = tool_mode {
                config.insert("tool_mode".into(), json!(mode));
            }
            if !config.is_empty() {
                body.insert("config".into(), Value::Object(config));
            }
            match expiry {
                Change::Keep => {}
                Change::Clear => {
                    body.insert("expires_at".into(), Value::Null);
                }
                Change::Set(expiry) => {
                    body.insert(
                        "expires_at".into(),
                        json!(expires_at(expiry, inputs.now_secs)?),
                    );
                }
            }
            if let Some(required) = require_api_token {
                body.insert("require_api_token_auth".into(), json!(required));
            }
            if let Some(mode) = rate_limit_response {
                body.insert("rate_limit_response".into(), json!(mode));
            }
            if let Some(mode) = audit {
                body.insert("audit".into(), json!(mode));
            }
            AdminCall {
                method: "PATCH",
                path: format!("/integrated-account/{}/mcp/{}", seg(account), seg(id)),
                body: Some(Value::Object(body)),
            }
        }
        Command::TokenCreate {
            name,
            expiry,
            scope,
        } => {
            let mut body = json!({ "name": name });
            if let Some(expiry) = expiry {
                body["expires_at"] = json!(expires_at(expiry, inputs.now_secs)?);
            }
            let path = match scope {
                TokenScope::Account(account) => {
                    format!("/integrated-account/{}/api-tokens", seg(account))
                }
                TokenScope::Servers { account, servers } => {
                    body["servers"] = json!(servers);
                    format!("/integrated-account/{}/api-tokens", seg(account))
                }
                TokenScope::AllAccounts => {
                    body["all_accounts"] = json!(true);
                    "/api-tokens".into()
                }
            };
            AdminCall {
                method: "POST",
                path,
                body: Some(body),
            }
        }
        Command::TokenList { page } => get(format!("/api-tokens{}", query(page))),
        Command::TokenGet { id } => get(format!("/api-tokens/{}", seg(id))),
        Command::TokenDelete { id } => delete(format!("/api-tokens/{}", seg(id))),
    })
}

/// The secret fields of an auth type, in `--secret-stdin` line order, with their env var.
pub fn secret_fields(auth: AuthKind) -> &'static [(&'static str, &'static str)] {
    match auth {
        AuthKind::Basic => &[("password", "SNMCP_PASSWORD")],
        AuthKind::Oauth2ClientCredentials => &[("client_secret", "SNMCP_CLIENT_SECRET")],
        AuthKind::Oauth2Password => &[
            ("client_secret", "SNMCP_CLIENT_SECRET"),
            ("password", "SNMCP_PASSWORD"),
        ],
        AuthKind::Bearer => &[("token", "SNMCP_TOKEN")],
        AuthKind::ApiKey => &[("key", "SNMCP_API_KEY")],
    }
}

fn read_secret_line(stdin: &mut dyn BufRead, field: &str) -> Result<String, String> {
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the {field} from standard input: {e}"))?;
    let secret = line.strip_suffix('\n').unwrap_or(&line);
    let secret = secret.strip_suffix('\r').unwrap_or(secret);
    if secret.is_empty() {
        return Err(format!(
            "standard input has no {field}: --secret-stdin reads one secret per line"
        ));
    }
    Ok(secret.to_string())
}

fn expires_at(expiry: &Expiry, now_secs: u64) -> Result<String, String> {
    match expiry {
        Expiry::At(at) => Ok(at.clone()),
        Expiry::In(secs) => now_secs
            .checked_add(*secs)
            .ok_or_else(|| "--expires-in is too far in the future".to_string())
            .and_then(|at| format_rfc3339(at).map_err(|e| format!("--expires-in: {e}"))),
    }
}

fn query(page: &PageArgs) -> String {
    joined(&page_pairs(page))
}

fn page_pairs(page: &PageArgs) -> Vec<String> {
    let mut pairs = Vec::new();
    if let Some(limit) = page.limit {
        pairs.push(format!("limit={limit}"));
    }
    if let Some(cursor) = &page.cursor {
        pairs.push(format!("cursor={}", percent_encode(cursor)));
    }
    pairs
}

fn joined(pairs: &[String]) -> String {
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

fn filter_pairs(filters: &AuditFilters) -> Vec<String> {
    [
        ("server", &filters.server),
        ("account", &filters.account),
        ("tool", &filters.tool),
        ("outcome", &filters.outcome),
        ("kind", &filters.kind),
        ("since", &filters.since),
        ("until", &filters.until),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        value
            .as_ref()
            .map(|v| format!("{name}={}", percent_encode(v)))
    })
    .collect()
}

/// One page of `GET /audit`: `format` (csv, jsonl; JSON when None), after `cursor`, and
/// (for `tail`) only entries at or after `since_ms`.
pub fn audit_page(
    filters: &AuditFilters,
    format: Option<&str>,
    cursor: Option<&str>,
    limit: u32,
) -> AdminCall {
    let mut pairs = filter_pairs(filters);
    pairs.push(format!("limit={limit}"));
    if let Some(format) = format {
        pairs.push(format!("format={format}"));
    }
    if let Some(cursor) = cursor {
        pairs.push(format!("cursor={}", percent_encode(cursor)));
    }
    get(format!("/audit{}", joined(&pairs)))
}

fn get(path: String) -> AdminCall {
    AdminCall {
        method: "GET",
        path,
        body: None,
    }
}

fn delete(path: String) -> AdminCall {
    AdminCall {
        method: "DELETE",
        path,
        body: None,
    }
}

/// A server's `config` from the filter flags; the worker validates the mode and the
/// names and says which it accepts.
fn filter_config(
    methods: &Option<Vec<String>>,
    tags: &Option<Vec<String>>,
    tool_mode: &Option<String>,
) -> Map<String, Value> {
    let mut config = Map::new();
    if let Some(mode) = tool_mode {
        config.insert("tool_mode".into(), json!(mode));
    }
    if let Some(methods) = methods {
        config.insert("methods".into(), json!(methods));
    }
    if let Some(tags) = tags {
        config.insert("tags".into(), json!(tags));
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const NOW: u64 = 1_798_000_000; // 2026-12-23T04:26:40Z

    fn build_with(
        command: &Command,
        env: &[(&str, &str)],
        stdin: &str,
    ) -> Result<AdminCall, String> {
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        let mut stdin = Cursor::new(stdin.as_bytes().to_vec());
        build(
            command,
            &mut Inputs {
                env: &lookup,
                stdin: &mut stdin,
                now_secs: NOW,
            },
        )
    }

    fn put(
        auth: AuthKind,
        username: Option<&str>,
        client_id: Option<&str>,
        secret_stdin: bool,
    ) -> Command {
        Command::AccountPut {
            id: "acme".into(),
            instance_url: "https://acme.service-now.com".into(),
            auth,
            username: username.map(String::from),
            client_id: client_id.map(String::from),
            secret_stdin,
        }
    }

    #[test]
    fn account_put_takes_secrets_from_the_environment_or_stdin() {
        let env = [
            ("SNMCP_PASSWORD", "pw"),
            ("SNMCP_CLIENT_SECRET", "cs"),
            ("SNMCP_TOKEN", "tk"),
            ("SNMCP_API_KEY", "ak"),
        ];
        let cases = [
            (
                put(AuthKind::Basic, Some("u"), None, false),
                "",
                json!({"type": "basic", "username": "u", "password": "pw"}),
            ),
            (
                put(AuthKind::Oauth2ClientCredentials, None, Some("c"), false),
                "",
                json!({"type": "oauth2_client_credentials", "client_id": "c", "client_secret": "cs"}),
            ),
            (
                put(AuthKind::Oauth2Password, Some("u"), Some("c"), true),
                "from-stdin-secret\r\nfrom-stdin-password\n",
                json!({"type": "oauth2_password", "client_id": "c", "username": "u", "client_secret": "from-stdin-secret", "password": "from-stdin-password"}),
            ),
            (
                put(AuthKind::Bearer, None, None, false),
                "",
                json!({"type": "bearer", "token": "tk"}),
            ),
            (
                put(AuthKind::ApiKey, None, None, true),
                "k with spaces \n",
                json!({"type": "api_key", "key": "k with spaces "}),
            ),
        ];
        for (command, stdin, auth) in cases {
            let call = build_with(&command, &env, stdin).unwrap();
            assert_eq!(
                (call.method, call.path.as_str()),
                ("PUT", "/integrated-account/acme")
            );
            assert_eq!(
                call.body,
                Some(json!({"instance_url": "https://acme.service-now.com", "auth": auth})),
                "{command:?}"
            );
        }
    }

    #[test]
    fn a_missing_secret_names_the_variable_or_stdin() {
        let err = build_with(&put(AuthKind::Basic, Some("u"), None, false), &[], "").unwrap_err();
        assert!(
            err.contains("SNMCP_PASSWORD") && err.contains("--secret-stdin"),
            "{err}"
        );
        let err = build_with(
            &put(AuthKind::Oauth2Password, Some("u"), Some("c"), true),
            &[],
            "only-one\n",
        )
        .unwrap_err();
        assert!(err.contains("no password"), "{err}");
    }

    #[test]
    fn server_calls_carry_the_body_the_admin_api_expects() {
        let create = Command::ServerCreate {
            account: "acme".into(),
            name: "agent".into(),
            methods: Some(vec!["read".into()]),
            tags: None,
            tool_mode: None,
            expiry: Some(Expiry::In(3_600)),
            require_api_token: true,
            rate_limit_response: None,
            audit: None,
        };
        let call = build_with(&create, &[], "").unwrap();
        assert_eq!(
            (call.method, call.path.as_str()),
            ("POST", "/integrated-account/acme/mcp")
        );
        assert_eq!(
            call.body,
            Some(
                json!({"name": "agent", "config": {"methods": ["read"]}, "require_api_token_auth": true, "expires_at": "2026-12-23T05:26:40Z"})
            )
        );
        let update = Command::ServerUpdate {
            account: "acme".into(),
            id: "mcp_1".into(),
            name: None,
            methods: Change::Clear,
            tags: Change::Set(vec!["users".into()]),
            tool_mode: None,
            expiry: Change::Clear,
            require_api_token: Some(false),
            rate_limit_response: None,
            audit: None,
        };
        let call = build_with(&update, &[], "").unwrap();
        assert_eq!(
            (call.method, call.path.as_str()),
            ("PATCH", "/integrated-account/acme/mcp/mcp_1")
        );
        assert_eq!(
            call.body,
            Some(
                json!({"config": {"methods": null, "tags": ["users"]}, "expires_at": null, "require_api_token_auth": false})
            )
        );
    }

    #[test]
    fn paths_encode_their_segments_and_queries() {
        let cases = [
            (
                Command::ServerList {
                    account: "acme".into(),
                    page: PageArgs {
                        limit: Some(5),
                        cursor: Some("a+b/c=".into()),
                    },
                },
                "GET",
                "/integrated-account/acme/mcp?limit=5&cursor=a%2Bb%2Fc%3D",
            ),
            (
                Command::AccountGet { id: "a b".into() },
                "GET",
                "/integrated-account/a%20b",
            ),
            (
                Command::AccountDelete { id: "acme".into() },
                "DELETE",
                "/integrated-account/acme",
            ),
            (
                Command::ServerDelete {
                    account: "acme".into(),
                    id: "mcp_1".into(),
                },
                "DELETE",
                "/integrated-account/acme/mcp/mcp_1",
            ),
            (
                Command::TokenList {
                    page: PageArgs::default(),
                },
                "GET",
                "/api-tokens",
            ),
            (
                Command::TokenDelete { id: "tok_1".into() },
                "DELETE",
                "/api-tokens/tok_1",
            ),
        ];
        for (command, method, path) in cases {
            let call = build_with(&command, &[], "").unwrap();
            assert_eq!(
                (call.method, call.path.as_str(), call.body),
                (method, path, None)
            );
        }
    }
}
