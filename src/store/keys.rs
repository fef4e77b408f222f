//! The KV key layout (documented in docs/admin-api.md, "KV layout"). Only hashes of
//! tokens ever appear in a key; account ids are validated `[A-Za-z0-9_-]` so the `:`
//! separators below are unambiguous.

/// `server:<sha256(token)>` → [`McpServerRecord`](super::McpServerRecord).
pub fn server(token_hash: &str) -> String {
    format!("server:{token_hash}")
}

/// Prefix of an account's server index keys.
pub fn account_servers_prefix(account_id: &str) -> String {
    format!("account-server:{account_id}:")
}

/// `account-server:<account_id>:<server_id>` → [`TokenHashRef`](super::TokenHashRef).
pub fn account_server(account_id: &str, server_id: &str) -> String {
    format!("account-server:{account_id}:{server_id}")
}

/// `account:<id>` → [`StoredAccount`](super::StoredAccount); also the sealing context.
pub fn account(account_id: &str) -> String {
    format!("account:{account_id}")
}

/// `api-token:<sha256(token)>` → [`ApiTokenRecord`](super::ApiTokenRecord).
pub fn api_token(token_hash: &str) -> String {
    format!("api-token:{token_hash}")
}

/// Prefix of the API token index keys.
pub const API_TOKEN_IDS_PREFIX: &str = "api-token-id:";

/// `api-token-id:<id>` → [`TokenHashRef`](super::TokenHashRef).
pub fn api_token_id(token_id: &str) -> String {
    format!("{API_TOKEN_IDS_PREFIX}{token_id}")
}

/// Prefix of an account's cached OAuth tokens, `oauth:<account_id>:<sha256(..)>` (sealed
/// access tokens, written by `servicenow::auth`, dropped on every write of the account).
pub fn oauth_tokens_prefix(account_id: &str) -> String {
    format!("oauth:{account_id}:")
}
