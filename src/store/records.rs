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
    /// How an upstream 429 reaches the client (absent in records before the choice).
    #[serde(default, skip_serializing_if = "RateLimitResponse::is_default")]
    pub rate_limit_response: RateLimitResponse,
    /// What the audit log keeps of this server's requests (absent in older records).
    #[serde(default, skip_serializing_if = "AuditMode::is_default")]
    pub audit: AuditMode,
    pub created_at: String,
    /// The [`StoredAccount::generation`] the server was minted under: a server never
    /// outlives its account, even when the same account id is registered again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_generation: Option<String>,
    /// A tombstone: the server was revoked. Written over its KV copy on revocation, so
    /// a reader whose cached copy expires reads "revoked", never an older live copy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

/// How a server answers a tool call that ServiceNow refused with 429.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitResponse {
    /// HTTP 429 with a JSON-RPC error, `Retry-After` and `ratelimit-*` (the contract).
    #[default]
    Http429,
    /// HTTP 200 with an `isError` tool result naming the limit and the delay, the same
    /// headers, and the figures in `_meta`: for clients whose HTTP layer raises on a
    /// non-2xx answer without reading it (Python MCP SDK 1.x, LangChain's adapters).
    ToolError,
}

impl RateLimitResponse {
    pub const NAMES: [&'static str; 2] = ["http_429", "tool_error"];

    pub fn is_default(&self) -> bool {
        *self == RateLimitResponse::Http429
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RateLimitResponse::Http429 => "http_429",
            RateLimitResponse::ToolError => "tool_error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "http_429" => Some(RateLimitResponse::Http429),
            "tool_error" => Some(RateLimitResponse::ToolError),
            _ => None,
        }
    }
}

/// What the audit log keeps of a server's requests.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AuditMode {
    /// Method, tool, argument names, client and outcome (the default).
    #[default]
    Metadata,
    /// The same and argument values (secret-looking names and file contents redacted).
    Arguments,
    /// Nothing.
    Off,
}

impl AuditMode {
    pub const NAMES: [&'static str; 3] = ["metadata", "arguments", "off"];

    pub fn is_default(&self) -> bool {
        *self == AuditMode::Metadata
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditMode::Metadata => "metadata",
            AuditMode::Arguments => "arguments",
            AuditMode::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "metadata" => Some(AuditMode::Metadata),
            "arguments" => Some(AuditMode::Arguments),
            "off" => Some(AuditMode::Off),
            _ => None,
        }
    }
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
    /// The stored account's generation (empty before it is stored): cached OAuth tokens
    /// are keyed on it so a re-created account never reuses its predecessor's.
    pub generation: String,
}

impl AccountAuth {
    /// The fields an API response may show: the type and the non-secret identifiers.
    pub fn summary(&self) -> AuthSummary {
        let (username, client_id) = match self {
            AccountAuth::Basic { username, .. } => (Some(username.clone()), None),
            AccountAuth::Oauth2ClientCredentials { client_id, .. } => {
                (None, Some(client_id.clone()))
            }
            AccountAuth::Oauth2Password {
                client_id,
                username,
                ..
            } => (Some(username.clone()), Some(client_id.clone())),
            AccountAuth::Bearer { .. } | AccountAuth::ApiKey { .. } => (None, None),
        };
        AuthSummary {
            kind: self.kind(),
            username,
            client_id,
        }
    }
}

/// [`AccountAuth`] without its secrets: what responses and listings show.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuthSummary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// An integrated account as stored under `account:<id>`: the credentials are sealed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredAccount {
    pub id: String,
    pub instance_url: String,
    /// [`AccountAuth::kind`], in clear so listings need not open the seal.
    pub auth_type: String,
    /// `SealingKey::seal(serde_json(auth), "account:<id>")`.
    pub auth_sealed: String,
    pub created_at: String,
    pub updated_at: String,
    /// Random, set when the account id is registered and kept when it is replaced; servers
    /// carry it so a deleted and re-registered account does not revive old servers.
    #[serde(default)]
    pub generation: String,
}

/// Value of an index key (`account-server:...`, `api-token-id:...`): which token-hash
/// keyed record it points at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenHashRef {
    pub token_hash: String,
}

/// An API token for `require_api_token_auth` servers. Stored under
/// `api-token:<sha256(token)>`; the token itself is never stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiTokenRecord {
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// RFC 3339, or `None` for a token that does not expire.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// `expires_at` as UNIX seconds, checked on every use (KV purges lazily).
    #[serde(default)]
    pub expires_at_unix: Option<u64>,
    /// Which servers the token opens. Absent on tokens minted before tokens were scoped:
    /// those open every `require_api_token_auth` server, as they always did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<TokenScope>,
}

/// One registration of an account (its id and generation): a token scoped to it does
/// not open the servers of a later account registered under the same id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccountRef {
    pub id: String,
    pub generation: String,
}

impl From<&StoredAccount> for AccountRef {
    fn from(account: &StoredAccount) -> Self {
        AccountRef {
            id: account.id.clone(),
            generation: account.generation.clone(),
        }
    }
}

/// The servers an API token opens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenScope {
    /// Every server of every account (asked for explicitly).
    AllAccounts,
    /// Every server of these accounts.
    Accounts { accounts: Vec<AccountRef> },
    /// These servers of one account.
    Servers {
        account: AccountRef,
        servers: Vec<String>,
    },
}

impl ApiTokenRecord {
    pub fn is_expired(&self, now_secs: u64) -> bool {
        self.expires_at_unix.is_some_and(|e| e <= now_secs)
    }

    /// Whether this token opens `server` (expiry is checked apart).
    pub fn opens(&self, server: &McpServerRecord) -> bool {
        let of_account = |account: &AccountRef| {
            account.id == server.account_id
                && server.account_generation.as_deref() == Some(account.generation.as_str())
        };
        match &self.scope {
            None | Some(TokenScope::AllAccounts) => true,
            Some(TokenScope::Accounts { accounts }) => accounts.iter().any(of_account),
            Some(TokenScope::Servers { account, servers }) => {
                of_account(account) && servers.contains(&server.id)
            }
        }
    }
}
