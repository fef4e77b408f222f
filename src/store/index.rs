//! Paged listing over an index prefix whose keys point at token-hash keyed records,
//! skipping entries whose record is gone (revoked, purged) or already expired.

use super::records::TokenHashRef;
use super::{parse_record, StoreError};
use crate::ports::KvStore;
use serde::de::DeserializeOwned;

/// One page of records; `cursor` is the KV cursor for the next page, `None` when done.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub cursor: Option<String>,
}

/// Lists one page of the index under `prefix`; `target_key` builds the record key from a
/// token hash and `is_live` drops expired records. A page may hold fewer than `limit`
/// items when entries were skipped.
pub(super) async fn list_page<K, T>(
    kv: &K,
    prefix: &str,
    cursor: Option<&str>,
    limit: u32,
    target_key: fn(&str) -> String,
    is_live: impl Fn(&T) -> bool,
) -> Result<Page<T>, StoreError>
where
    K: KvStore,
    T: DeserializeOwned,
{
    let page = kv.list(prefix, cursor, limit).await?;
    let mut items = Vec::with_capacity(page.keys.len());
    for index_key in &page.keys {
        let Some(record) = follow::<K, T>(kv, index_key, target_key).await? else {
            continue;
        };
        if is_live(&record) {
            items.push(record);
        }
    }
    Ok(Page {
        items,
        cursor: page.cursor,
    })
}

/// Reads an index entry and the record it points at, returning both the record and the
/// token hash; `None` when either is missing.
pub(super) async fn follow_with_hash<K, T>(
    kv: &K,
    index_key: &str,
    target_key: fn(&str) -> String,
) -> Result<Option<(T, String)>, StoreError>
where
    K: KvStore,
    T: DeserializeOwned,
{
    let Some(raw_ref) = kv.get(index_key).await? else {
        return Ok(None);
    };
    let reference: TokenHashRef = parse_record(index_key, &raw_ref)?;
    let record_key = target_key(&reference.token_hash);
    let Some(raw) = kv.get(&record_key).await? else {
        return Ok(None);
    };
    Ok(Some((
        parse_record(&record_key, &raw)?,
        reference.token_hash,
    )))
}

async fn follow<K, T>(
    kv: &K,
    index_key: &str,
    target_key: fn(&str) -> String,
) -> Result<Option<T>, StoreError>
where
    K: KvStore,
    T: DeserializeOwned,
{
    Ok(follow_with_hash(kv, index_key, target_key)
        .await?
        .map(|(record, _)| record))
}

/// Every key under `prefix`, all pages.
pub(super) async fn all_keys<K: KvStore>(kv: &K, prefix: &str) -> Result<Vec<String>, StoreError> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = kv.list(prefix, cursor.as_deref(), 1000).await?;
        keys.extend(page.keys);
        match page.cursor {
            // A cursor that does not move would loop forever.
            Some(next) if cursor.as_deref() == Some(next.as_str()) => {
                return Err(StoreError::Internal(format!(
                    "listing `{prefix}` returned the same cursor twice"
                )))
            }
            Some(next) => cursor = Some(next),
            None => return Ok(keys),
        }
    }
}
