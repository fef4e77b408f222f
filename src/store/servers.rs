//! MCP server records: `server:<sha256(token)>` plus the per-account index
//! `account-server:<account_id>:<server_id>`, both written with the server's expiration.

use super::index::{self, Page};
use super::records::{McpServerRecord, StoredAccount, TokenHashRef};
use super::{
    accounts, keys, parse_record, plausible_token, read_cached, to_json, ServerGrant, StoreError,
};
use crate::crypto::sha256_hex;
use crate::ports::KvStore;

/// The live server a URL token grants (see [`super::find_server_by_token`]).
pub async fn find_by_token<K: KvStore>(
    kv: &K,
    token: &str,
    now_secs: u64,
) -> Result<Option<ServerGrant>, StoreError> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let key = keys::server(&sha256_hex(token));
    let Some(server) = read_cached::<K, McpServerRecord>(kv, &key).await? else {
        return Ok(None);
    };
    if server.revoked || server.is_expired(now_secs) {
        return Ok(None);
    }
    // Revoked with its account: KV lists lag behind writes, so deleting an account may
    // miss a server minted moments before; the account check closes that gap.
    let Some(account) = accounts::get_stored_cached(kv, &server.account_id).await? else {
        return Ok(None);
    };
    Ok(belongs(&server, &account, now_secs).then_some(ServerGrant { server, account }))
}

/// A live server of an account by id, with its token hash (needed to rewrite or revoke it).
pub async fn get<K: KvStore>(
    kv: &K,
    account: &StoredAccount,
    server_id: &str,
    now_secs: u64,
) -> Result<Option<(McpServerRecord, String)>, StoreError> {
    let index_key = keys::account_server(&account.id, server_id);
    let found = index::follow_with_hash::<K, McpServerRecord>(kv, &index_key, keys::server).await?;
    Ok(found.filter(|(record, _)| record.id == server_id && belongs(record, account, now_secs)))
}

/// Whether `record` is a live server of this registration of `account`.
fn belongs(record: &McpServerRecord, account: &StoredAccount, now_secs: u64) -> bool {
    // A record without a generation cannot prove which registration minted it: it
    // grants nothing (every record this version writes carries one).
    record.account_id == account.id
        && record.account_generation.as_deref() == Some(account.generation.as_str())
        && !record.revoked
        && !record.is_expired(now_secs)
}

/// Writes (creates or rewrites) a server and its index entry with the server's expiration.
/// The index is written first so a server is never live without being revocable.
pub async fn save<K: KvStore>(
    kv: &K,
    record: &McpServerRecord,
    token_hash: &str,
) -> Result<(), StoreError> {
    let reference = TokenHashRef {
        token_hash: token_hash.to_string(),
    };
    kv.put(
        &keys::account_server(&record.account_id, &record.id),
        &to_json(&reference)?,
        record.expires_at_unix,
    )
    .await?;
    kv.put(
        &keys::server(token_hash),
        &to_json(record)?,
        record.expires_at_unix,
    )
    .await?;
    Ok(())
}

/// How long a revocation tombstone stays in KV: longer than any cache of the live copy.
const TOMBSTONE_SECS: u64 = 7 * 86_400;

/// Revokes a server at the edge: its KV copy becomes a tombstone (the record marked
/// revoked, kept a week or until the server would have expired, whichever is first),
/// then the index entry goes.
pub async fn revoke_edge<K: KvStore>(
    kv: &K,
    record: &McpServerRecord,
    token_hash: &str,
    now_secs: u64,
) -> Result<(), StoreError> {
    // KV refuses an expiration under 60 s ahead; a server that would expire sooner is
    // simply deleted (it grants nothing either way).
    let until = now_secs.saturating_add(TOMBSTONE_SECS);
    let until = record.expires_at_unix.map_or(until, |e| e.min(until));
    if until >= now_secs.saturating_add(60) {
        let tombstone = McpServerRecord {
            revoked: true,
            ..record.clone()
        };
        kv.put(
            &keys::server(token_hash),
            &to_json(&tombstone)?,
            Some(until),
        )
        .await?;
    } else {
        kv.delete(&keys::server(token_hash)).await?;
    }
    kv.delete(&keys::account_server(&record.account_id, &record.id))
        .await?;
    Ok(())
}

/// Removes an expired server from KV (its key and index entry).
pub async fn purge_edge<K: KvStore>(
    kv: &K,
    record: &McpServerRecord,
    token_hash: &str,
) -> Result<(), StoreError> {
    delete(kv, &record.account_id, &record.id, token_hash).await
}

/// Revokes a server: the token key first (that is what grants access), then the index.
pub async fn delete<K: KvStore>(
    kv: &K,
    account_id: &str,
    server_id: &str,
    token_hash: &str,
) -> Result<(), StoreError> {
    kv.delete(&keys::server(token_hash)).await?;
    kv.delete(&keys::account_server(account_id, server_id))
        .await?;
    Ok(())
}

/// One page of an account's live servers, in id order.
pub async fn list<K: KvStore>(
    kv: &K,
    account: &StoredAccount,
    cursor: Option<&str>,
    limit: u32,
    now_secs: u64,
) -> Result<Page<McpServerRecord>, StoreError> {
    let prefix = keys::account_servers_prefix(&account.id);
    index::list_page(
        kv,
        &prefix,
        cursor,
        limit,
        keys::server,
        |r: &McpServerRecord| belongs(r, account, now_secs),
    )
    .await
}

/// Every server an account's index names (expired ones included), with its token hash:
/// what the one-shot import into D1 reads.
pub async fn all_of_account<K: KvStore>(
    kv: &K,
    account_id: &str,
) -> Result<Vec<(McpServerRecord, String)>, StoreError> {
    let mut found = Vec::new();
    for index_key in index::all_keys(kv, &keys::account_servers_prefix(account_id)).await? {
        if let Some(pair) =
            index::follow_with_hash::<K, McpServerRecord>(kv, &index_key, keys::server).await?
        {
            found.push(pair);
        }
    }
    Ok(found)
}

/// Revokes every server of an account (expired ones included); returns how many index
/// entries were removed.
pub async fn delete_all_for_account<K: KvStore>(
    kv: &K,
    account_id: &str,
) -> Result<usize, StoreError> {
    let index_keys = index::all_keys(kv, &keys::account_servers_prefix(account_id)).await?;
    for index_key in &index_keys {
        if let Some(raw) = kv.get(index_key).await? {
            // An unreadable entry cannot be followed; removing the account below still
            // makes its servers answer 404 (the MCP layer loads the account on each call).
            if let Ok(reference) = parse_record::<TokenHashRef>(index_key, &raw) {
                kv.delete(&keys::server(&reference.token_hash)).await?;
            }
        }
        kv.delete(index_key).await?;
    }
    Ok(index_keys.len())
}
