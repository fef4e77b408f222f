//! API tokens for `require_api_token_auth` servers: `api-token:<sha256(token)>` plus the
//! id index `api-token-id:<id>`, both written with the token's expiration.

use super::index::{self, Page};
use super::records::{ApiTokenRecord, McpServerRecord, TokenHashRef};
use super::{keys, plausible_token, to_json, StoreError};
use crate::crypto::sha256_hex;
use crate::ports::KvStore;

/// True when `token` is a live API token whose scope includes `server`.
pub async fn opens<K: KvStore>(
    kv: &K,
    token: &str,
    server: &McpServerRecord,
    now_secs: u64,
) -> Result<bool, StoreError> {
    if !plausible_token(token) {
        return Ok(false);
    }
    let key = keys::api_token(&sha256_hex(token));
    let Some(raw) = kv.get(&key).await? else {
        return Ok(false);
    };
    let record: ApiTokenRecord = super::parse_record(&key, &raw)?;
    Ok(!record.is_expired(now_secs) && record.opens(server))
}

/// Stores a new token's record and index entry (index first, so it is always revocable).
pub async fn save<K: KvStore>(
    kv: &K,
    record: &ApiTokenRecord,
    token_hash: &str,
) -> Result<(), StoreError> {
    let reference = TokenHashRef {
        token_hash: token_hash.to_string(),
    };
    kv.put(
        &keys::api_token_id(&record.id),
        &to_json(&reference)?,
        record.expires_at_unix,
    )
    .await?;
    kv.put(
        &keys::api_token(token_hash),
        &to_json(record)?,
        record.expires_at_unix,
    )
    .await?;
    Ok(())
}

/// A live token by id, with its hash.
pub async fn get<K: KvStore>(
    kv: &K,
    token_id: &str,
    now_secs: u64,
) -> Result<Option<(ApiTokenRecord, String)>, StoreError> {
    let found = index::follow_with_hash::<K, ApiTokenRecord>(
        kv,
        &keys::api_token_id(token_id),
        keys::api_token,
    )
    .await?;
    Ok(found.filter(|(record, _)| record.id == token_id && !record.is_expired(now_secs)))
}

/// Revokes a token: the hash key first (that is what authenticates), then the index.
pub async fn delete<K: KvStore>(
    kv: &K,
    token_id: &str,
    token_hash: &str,
) -> Result<(), StoreError> {
    kv.delete(&keys::api_token(token_hash)).await?;
    kv.delete(&keys::api_token_id(token_id)).await?;
    Ok(())
}

/// Every token the id index names, with its hash (expired ones included): what the
/// one-shot import into D1 reads.
pub async fn all<K: KvStore>(kv: &K) -> Result<Vec<(ApiTokenRecord, String)>, StoreError> {
    let mut found = Vec::new();
    for index_key in index::all_keys(kv, keys::API_TOKEN_IDS_PREFIX).await? {
        if let Some(pair) =
            index::follow_with_hash::<K, ApiTokenRecord>(kv, &index_key, keys::api_token).await?
        {
            found.push(pair);
        }
    }
    Ok(found)
}

/// One page of live tokens, in id order.
pub async fn list<K: KvStore>(
    kv: &K,
    cursor: Option<&str>,
    limit: u32,
    now_secs: u64,
) -> Result<Page<ApiTokenRecord>, StoreError> {
    index::list_page(
        kv,
        keys::API_TOKEN_IDS_PREFIX,
        cursor,
        limit,
        keys::api_token,
        |r: &ApiTokenRecord| !r.is_expired(now_secs),
    )
    .await
}
