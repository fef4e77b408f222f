//! Records in KV: key layout, reads with expiry checks, writes with KV expiration.
//! Owns the keys of servers, accounts and API tokens (the OAuth token cache is
//! `servicenow::auth`'s); knows nothing about HTTP (see `admin` and `mcp`).
//!
//! Tokens reach KV only as SHA-256 hashes; account credentials only sealed.

pub mod accounts;
pub mod api_tokens;
pub mod cache;
mod index;
pub mod keys;
pub mod records;
pub mod servers;
pub mod timestamps;

#[cfg(test)]
mod tests;

pub use records::{
    AccountAuth, AccountRef, ApiTokenRecord, AuditMode, AuthSummary, IntegratedAccount,
    McpServerRecord, RateLimitResponse, StoredAccount, TokenHashRef, TokenScope,
};

use crate::crypto::SealingKey;
use crate::ports::KvStore;
use std::rc::Rc;

/// What can go wrong reading or writing records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The key-value store itself failed (usually transient).
    #[error("{0}")]
    Kv(crate::ports::StoreError),
    /// A stored value is not a record this version understands.
    #[error("the stored record `{key}` is not valid ({detail}); delete it and provision it again")]
    Corrupt { key: String, detail: String },
    /// The account's sealed credentials do not open with the configured key.
    #[error(
        "the stored credentials of account `{account_id}` cannot be opened with the configured \
         CREDENTIALS_KEY: restore the key they were sealed with, or register the account again \
         (PUT /integrated-account/{account_id})"
    )]
    Sealed { account_id: String },
    /// No randomness or a clock outside the supported range.
    #[error("{0}")]
    Internal(String),
}

impl From<crate::ports::StoreError> for StoreError {
    fn from(e: crate::ports::StoreError) -> Self {
        StoreError::Kv(e)
    }
}

/// A live server and the stored account it belongs to: what the MCP endpoint resolves a
/// URL token to, once per request, and hands on (the account's credentials still sealed).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerGrant {
    pub server: Rc<McpServerRecord>,
    pub account: Rc<StoredAccount>,
}

/// The live server a URL token grants, or None (unknown, revoked, expired: expires_at
/// is checked here on every call since KV purges lazily).
pub async fn find_server_by_token<K: KvStore>(
    kv: &K,
    token: &str,
    now_secs: u64,
) -> Result<Option<ServerGrant>, StoreError> {
    servers::find_by_token(kv, token, now_secs).await
}

/// The account with credentials opened in memory; None if it does not exist.
pub async fn load_account<K: KvStore>(
    kv: &K,
    key: &SealingKey,
    account_id: &str,
) -> Result<Option<IntegratedAccount>, StoreError> {
    accounts::load(kv, key, account_id).await
}

/// True when `token` is a live API token that opens `server` (require_api_token_auth).
pub async fn api_token_opens<K: KvStore>(
    kv: &K,
    token: &str,
    server: &McpServerRecord,
    now_secs: u64,
) -> Result<bool, StoreError> {
    api_tokens::opens(kv, token, server, now_secs).await
}

/// Parses a stored JSON value, naming the key when it is not the expected record.
fn parse_record<T: serde::de::DeserializeOwned>(key: &str, raw: &str) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        detail: e.to_string(),
    })
}

/// The record under `key`, parsed, from the isolate cache when the store has one
/// (`store::cache`), else read and parsed (and kept there).
async fn read_cached<K: KvStore, T: serde::de::DeserializeOwned + 'static>(
    kv: &K,
    key: &str,
) -> Result<Option<Rc<T>>, StoreError> {
    if let Some(known) = kv.cached::<T>(key) {
        return Ok(known);
    }
    let record = match kv.get(key).await? {
        Some(raw) => Some(Rc::new(parse_record::<T>(key, &raw)?)),
        None => None,
    };
    kv.remember(key, record.clone());
    Ok(record)
}

/// Serializes a record for KV: always JSON text, never `{}` by accident.
fn to_json<T: serde::Serialize>(record: &T) -> Result<String, StoreError> {
    serde_json::to_string(record)
        .map_err(|e| StoreError::Internal(format!("cannot serialize a record: {e}")))
}

/// Whether a token is worth a KV lookup: tokens are 43 base64url characters; anything
/// far off is refused without touching KV. The one check of a token's shape.
pub fn plausible_token(token: &str) -> bool {
    (16..=256).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}
