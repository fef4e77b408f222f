//! Integrated ServiceNow accounts under `account:<id>`, with credentials sealed by
//! `CREDENTIALS_KEY` (the KV key is the sealing context). Deleting an account revokes
//! its servers.

use super::records::{AccountAuth, IntegratedAccount, StoredAccount};
use super::{index, keys, parse_record, read_cached, servers, to_json, StoreError};
use crate::crypto::{new_id, SealingKey};
use crate::ports::KvStore;
use std::rc::Rc;

/// The stored account (credentials still sealed), if it exists.
pub async fn get_stored<K: KvStore>(
    kv: &K,
    account_id: &str,
) -> Result<Option<StoredAccount>, StoreError> {
    let key = keys::account(account_id);
    match kv.get(&key).await? {
        Some(raw) => parse_record(&key, &raw).map(Some),
        None => Ok(None),
    }
}

/// The stored account through the isolate cache (the MCP path's read; see
/// `store::cache`), if it exists.
pub async fn get_stored_cached<K: KvStore>(
    kv: &K,
    account_id: &str,
) -> Result<Option<Rc<StoredAccount>>, StoreError> {
    read_cached(kv, &keys::account(account_id)).await
}

/// Opens a stored account's credentials; an isolate remembers what it opened (see
/// [`super::cache::opened`]), so a burst of calls decrypts once.
pub fn open(key: &SealingKey, stored: &StoredAccount) -> Result<IntegratedAccount, StoreError> {
    super::cache::opened(key, stored, open_sealed)
}

fn open_sealed(key: &SealingKey, stored: &StoredAccount) -> Result<IntegratedAccount, StoreError> {
    let context = keys::account(&stored.id);
    let plain = key
        .open(&stored.auth_sealed, &context)
        .map_err(|_| StoreError::Sealed {
            account_id: stored.id.clone(),
        })?;
    // Opened plaintext is a secret: never put it (or serde's echo of it) in an error.
    let auth: AccountAuth = serde_json::from_str(&plain).map_err(|_| StoreError::Corrupt {
        key: context.clone(),
        detail: "the sealed credentials are not a known auth type".into(),
    })?;
    Ok(IntegratedAccount {
        id: stored.id.clone(),
        instance_url: stored.instance_url.clone(),
        auth,
        generation: stored.generation.clone(),
    })
}

/// The account with credentials opened in memory (see [`super::load_account`]).
pub async fn load<K: KvStore>(
    kv: &K,
    key: &SealingKey,
    account_id: &str,
) -> Result<Option<IntegratedAccount>, StoreError> {
    match get_stored(kv, account_id).await? {
        Some(stored) => open(key, &stored).map(Some),
        None => Ok(None),
    }
}

/// Registers or replaces an account; `now` is the RFC 3339 time of the write. Returns
/// the stored form and whether it was created (false: replaced, `created_at` kept).
pub async fn put<K: KvStore>(
    kv: &K,
    key: &SealingKey,
    account: &IntegratedAccount,
    now: &str,
) -> Result<(StoredAccount, bool), StoreError> {
    let existing = get_stored(kv, &account.id).await?;
    let created = existing.is_none();
    let stored = seal(key, account, existing.as_ref(), now)?;
    write_edge(kv, &stored, created).await?;
    Ok((stored, created))
}

/// The stored form of `account`: credentials sealed, `created_at` and the generation
/// kept from `existing` (a new generation for a new account).
pub fn seal(
    key: &SealingKey,
    account: &IntegratedAccount,
    existing: Option<&StoredAccount>,
    now: &str,
) -> Result<StoredAccount, StoreError> {
    let context = keys::account(&account.id);
    let plain = serde_json::to_string(&account.auth)
        .map_err(|e| StoreError::Internal(format!("cannot serialize credentials: {e}")))?;
    let auth_sealed = key
        .seal(&plain, &context)
        .map_err(|e| StoreError::Internal(format!("cannot seal credentials: {e}")))?;
    let (created_at, generation) = match existing {
        Some(e) => (e.created_at.clone(), e.generation.clone()),
        None => (
            now.to_string(),
            new_id("gen").map_err(|e| StoreError::Internal(e.to_string()))?,
        ),
    };
    Ok(StoredAccount {
        id: account.id.clone(),
        instance_url: account.instance_url.clone(),
        auth_type: account.auth.kind().to_string(),
        auth_sealed,
        created_at,
        updated_at: now.to_string(),
        generation,
    })
}

/// Writes an account's KV copy (what the MCP path reads). A new account first tidies
/// index entries left under its id by an earlier account of the same id (their servers
/// are already dead); every write drops the cached OAuth tokens.
pub async fn write_edge<K: KvStore>(
    kv: &K,
    stored: &StoredAccount,
    created: bool,
) -> Result<(), StoreError> {
    if created {
        servers::delete_all_for_account(kv, &stored.id).await?;
    }
    kv.put(&keys::account(&stored.id), &to_json(stored)?, None)
        .await?;
    drop_cached_tokens(kv, &stored.id).await
}

/// Deletes the account's cached OAuth tokens: after a write they may belong to old
/// credentials or another instance (their keys also change, so a KV listing that lags
/// cannot bring one back into use).
async fn drop_cached_tokens<K: KvStore>(kv: &K, account_id: &str) -> Result<(), StoreError> {
    for key in index::all_keys(kv, &keys::oauth_tokens_prefix(account_id)).await? {
        kv.delete(&key).await?;
    }
    Ok(())
}

/// Removes an account's KV copy: the servers its index still names, the account key
/// and its cached OAuth tokens (the admin API revokes its servers with tombstones first).
pub async fn delete_edge<K: KvStore>(kv: &K, account_id: &str) -> Result<(), StoreError> {
    servers::delete_all_for_account(kv, account_id).await?;
    kv.delete(&keys::account(account_id)).await?;
    drop_cached_tokens(kv, account_id).await
}

/// Deletes an account after revoking its servers. Returns `None` when there was no such
/// account, else how many servers were revoked.
pub async fn delete<K: KvStore>(kv: &K, account_id: &str) -> Result<Option<usize>, StoreError> {
    if get_stored(kv, account_id).await?.is_none() {
        return Ok(None);
    }
    let revoked = servers::delete_all_for_account(kv, account_id).await?;
    kv.delete(&keys::account(account_id)).await?;
    drop_cached_tokens(kv, account_id).await?;
    Ok(Some(revoked))
}
