//! Records kept in KV: MCP servers, integrated ServiceNow accounts, API tokens.
//! Shared by the worker and the CLI; (de)serialized with serde_json, never `{}` by accident.

use serde::{Deserialize, Serialize};
use snmcp_catalog::ToolFilter;

/// An MCP server: what a URL token grants. Stored under `server:<sha256(token)>`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpServerRecord {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub config: ToolFilter,
    /// RFC 3339, or `None` for a server that does not expire.
    pub expires_at: Option<String>,
    /// `expires_at` as UNIX seconds, checked on every request (KV purges lazily).
    pub expires_at_unix: Option<u64>,
    pub require_api_token_auth: bool,
    pub created_at: String,
}

impl McpServerRecord {
    pub fn is_expired(&self, now_secs: u64) -> bool {
        self.expires_at_unix.is_some_and(|e| e <= now_secs)
    }
}

/// How the worker authenticates to ServiceNow. Serialized with a `type` tag, exactly
/// as the admin API accepts it.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountAuth {
    Basic {
        username: String,
        password: String,
    },
    Oauth2ClientCredentials {
        client_id: String,
        client_secret: String,
    },
    Oauth2Password {
        client_id: String,
        client_secret: String,
        username: String,
        password: String,
    },
    Bearer {
        token: String,
    },
    ApiKey {
        key: String,
    },
}

impl AccountAuth {
    pub fn kind(&self) -> &'static str {
        match self {
            AccountAuth::Basic { .. } => "basic",
            AccountAuth::Oauth2ClientCredentials { .. } => "oauth2_client_credentials",
            AccountAuth::Oauth2Password { .. } => "oauth2_password",
            AccountAuth::Bearer { .. } => "bearer",
            AccountAuth::ApiKey { .. } => "api_key",
        }
    }
}

// Secrets must never reach a log line through `{:?}`.
impl std::fmt::Debug for AccountAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountAuth::{}(..)", self.kind())
    }
}

/// A ServiceNow account with its credentials opened: only ever in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegratedAccount {
    pub id: String,
    /// `https://<instance>.service-now.com`, no trailing slash.
    pub instance_url: String,
    pub auth: AccountAuth,
}
