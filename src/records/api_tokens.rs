//! API tokens in D1 (`api_tokens`): the record KV serves, the token's hash (never the
//! token), state (`live`, `revoked`), version and whether its KV copy is written.

use super::{integer, json, ms, parsed, text, WriteError};
use crate::ports::{query, Database, DbError, SqlValue, Statement};
use crate::store::ApiTokenRecord;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    pub record: ApiTokenRecord,
    pub token_hash: String,
    pub version: i64,
    pub state: String,
}

const COLUMNS: &str = "record, token_hash, version, state";

fn row_of(row: &Map<String, Value>) -> Result<TokenRow, DbError> {
    Ok(TokenRow {
        record: parsed(row)?,
        token_hash: text(row, "token_hash")?,
        version: integer(row, "version")?,
        state: text(row, "state")?,
    })
}

pub async fn insert(
    db: &dyn Database,
    record: &ApiTokenRecord,
    token_hash: &str,
) -> Result<(), DbError> {
    query(
        db,
        Statement::new(
            "INSERT INTO api_tokens (id, token_hash, record, name, expires_at_ms, state, version, edge_synced, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, 'live', 1, 0, ?, ?)",
            vec![
                record.id.as_str().into(),
                token_hash.into(),
                json(record)?,
                record.name.as_str().into(),
                ms(record.expires_at_unix),
                record.created_at.as_str().into(),
                record.created_at.as_str().into(),
            ],
        ),
    )
    .await
    .map(drop)
}

/// The live, unexpired token `id`.
pub async fn get(db: &dyn Database, id: &str, now_secs: u64) -> Result<Option<TokenRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!(
                "SELECT {COLUMNS} FROM api_tokens WHERE id = ? AND state = 'live' \
                 AND (expires_at_ms IS NULL OR expires_at_ms > ?)"
            ),
            vec![id.into(), ms(Some(now_secs))],
        ),
    )
    .await?;
    rows.rows.first().map(row_of).transpose()
}

/// One page of live, unexpired tokens in id order after `after`.
pub async fn list(
    db: &dyn Database,
    after: Option<&str>,
    limit: u32,
    now_secs: u64,
) -> Result<Vec<TokenRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!(
                "SELECT {COLUMNS} FROM api_tokens WHERE state = 'live' \
                 AND (expires_at_ms IS NULL OR expires_at_ms > ?) AND id > ? ORDER BY id LIMIT ?"
            ),
            vec![
                ms(Some(now_secs)),
                after.unwrap_or("").into(),
                SqlValue::Integer(i64::from(limit)),
            ],
        ),
    )
    .await?;
    rows.rows.iter().map(row_of).collect()
}

/// Revokes a live token if it is still at `version`; returns the new version.
pub async fn revoke(
    db: &dyn Database,
    id: &str,
    version: i64,
    now: &str,
) -> Result<i64, WriteError> {
    super::revoke(db, "api_tokens", id, version, now).await
}

pub async fn mark_synced(db: &dyn Database, id: &str, version: i64) -> Result<(), DbError> {
    super::mark_synced(db, "api_tokens", id, version).await
}

/// Tokens whose KV copy lags their row.
pub async fn unsynced(db: &dyn Database, limit: u32) -> Result<Vec<TokenRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!("SELECT {COLUMNS} FROM api_tokens WHERE edge_synced = 0 ORDER BY updated_at, id LIMIT ?"),
            vec![SqlValue::Integer(i64::from(limit))],
        ),
    )
    .await?;
    rows.rows.iter().map(row_of).collect()
}
