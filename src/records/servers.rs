//! MCP servers in D1 (`mcp_servers`): the record KV serves, its token hash (the token
//! itself is never stored), state (`live`, `expired`, `revoked`), version and whether
//! its KV copy is written.

use super::{integer, json, ms, parsed, text, WriteError};
use crate::ports::{query, Database, DbError, SqlValue, Statement};
use crate::store::McpServerRecord;
use serde_json::{Map, Value};

/// A server row: the record, its token hash and version.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRow {
    pub record: McpServerRecord,
    pub token_hash: String,
    pub version: i64,
    pub state: String,
}

const COLUMNS: &str = "record, token_hash, version, state";

fn row_of(row: &Map<String, Value>) -> Result<ServerRow, DbError> {
    Ok(ServerRow {
        record: parsed(row)?,
        token_hash: text(row, "token_hash")?,
        version: integer(row, "version")?,
        state: text(row, "state")?,
    })
}

fn auth_mode(record: &McpServerRecord) -> &'static str {
    if record.require_api_token_auth {
        "api_token"
    } else {
        "url"
    }
}

/// Creates a server (version 1, its KV copy not yet written).
pub async fn insert(
    db: &dyn Database,
    record: &McpServerRecord,
    token_hash: &str,
) -> Result<(), DbError> {
    query(
        db,
        Statement::new(
            "INSERT INTO mcp_servers (id, account_id, token_hash, record, name, auth_mode, expires_at_ms, state, version, edge_synced, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'live', 1, 0, ?, ?)",
            vec![
                record.id.as_str().into(),
                record.account_id.as_str().into(),
                token_hash.into(),
                json(record)?,
                record.name.as_str().into(),
                auth_mode(record).into(),
                ms(record.expires_at_unix),
                record.created_at.as_str().into(),
                record.created_at.as_str().into(),
            ],
        ),
    )
    .await
    .map(drop)
}

/// The live, unexpired server `id` of `account_id`.
pub async fn get(
    db: &dyn Database,
    account_id: &str,
    id: &str,
    now_secs: u64,
) -> Result<Option<ServerRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!(
                "SELECT {COLUMNS} FROM mcp_servers WHERE id = ? AND account_id = ? AND state = 'live' \
                 AND (expires_at_ms IS NULL OR expires_at_ms > ?)"
            ),
            vec![id.into(), account_id.into(), ms(Some(now_secs))],
        ),
    )
    .await?;
    rows.rows.first().map(row_of).transpose()
}

/// Replaces a live server's record if it is still at `version`; returns the new one.
pub async fn update(
    db: &dyn Database,
    record: &McpServerRecord,
    version: i64,
    now: &str,
) -> Result<i64, WriteError> {
    let statement = Statement::new(
        "UPDATE mcp_servers SET record = ?, name = ?, auth_mode = ?, expires_at_ms = ?, updated_at = ?, \
         version = version + 1, edge_synced = 0 WHERE id = ? AND version = ? AND state = 'live'",
        vec![
            json(record)?,
            record.name.as_str().into(),
            auth_mode(record).into(),
            ms(record.expires_at_unix),
            now.into(),
            record.id.as_str().into(),
            SqlValue::Integer(version),
        ],
    );
    super::conditional(db, statement, version).await
}

/// Revokes a live server if it is still at `version`; returns the new version.
pub async fn revoke(
    db: &dyn Database,
    id: &str,
    version: i64,
    now: &str,
) -> Result<i64, WriteError> {
    super::revoke(db, "mcp_servers", id, version, now).await
}

/// Records that the KV copy of `id` at `version` is written (or removed).
pub async fn mark_synced(db: &dyn Database, id: &str, version: i64) -> Result<(), DbError> {
    super::mark_synced(db, "mcp_servers", id, version).await
}

/// Which servers a listing selects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub account: Option<String>,
    /// `Some(true)`: expired ones only (live past their expiry, or purged); `Some(false)`:
    /// unexpired live ones only; `None`: both.
    pub expired: Option<bool>,
    pub auth_mode: Option<&'static str>,
    /// A part of the name, any case.
    pub name: Option<String>,
    pub after: Option<String>,
    pub limit: u32,
}

/// One page of servers (live or expired, never revoked) in id order.
pub async fn list(
    db: &dyn Database,
    selection: &Selection,
    now_secs: u64,
) -> Result<Vec<ServerRow>, DbError> {
    let now = ms(Some(now_secs));
    let mut sql = format!("SELECT {COLUMNS} FROM mcp_servers WHERE state IN ('live', 'expired')");
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(account) = &selection.account {
        sql.push_str(" AND account_id = ?");
        params.push(account.as_str().into());
    }
    match selection.expired {
        Some(true) => {
            sql.push_str(" AND (state = 'expired' OR expires_at_ms <= ?)");
            params.push(now);
        }
        Some(false) => {
            sql.push_str(" AND state = 'live' AND (expires_at_ms IS NULL OR expires_at_ms > ?)");
            params.push(now);
        }
        None => {}
    }
    if let Some(mode) = selection.auth_mode {
        sql.push_str(" AND auth_mode = ?");
        params.push(mode.into());
    }
    if let Some(name) = &selection.name {
        sql.push_str(" AND instr(lower(name), lower(?)) > 0");
        params.push(name.as_str().into());
    }
    if let Some(after) = &selection.after {
        sql.push_str(" AND id > ?");
        params.push(after.as_str().into());
    }
    sql.push_str(" ORDER BY id LIMIT ?");
    params.push(SqlValue::Integer(i64::from(selection.limit)));
    let rows = query(db, Statement::new(sql, params)).await?;
    rows.rows.iter().map(row_of).collect()
}

/// Servers whose KV copy lags their row (a failed KV write, a revocation not yet
/// tombstoned), oldest first.
pub async fn unsynced(db: &dyn Database, limit: u32) -> Result<Vec<ServerRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!("SELECT {COLUMNS} FROM mcp_servers WHERE edge_synced = 0 ORDER BY updated_at, id LIMIT ?"),
            vec![SqlValue::Integer(i64::from(limit))],
        ),
    )
    .await?;
    rows.rows.iter().map(row_of).collect()
}

/// One account's servers whose KV copy lags (after the account's deletion: its servers
/// to tombstone).
pub async fn unsynced_of_account(
    db: &dyn Database,
    account_id: &str,
) -> Result<Vec<ServerRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!("SELECT {COLUMNS} FROM mcp_servers WHERE account_id = ? AND edge_synced = 0 ORDER BY id"),
            vec![account_id.into()],
        ),
    )
    .await?;
    rows.rows.iter().map(row_of).collect()
}

/// Live servers past their expiry, to purge from KV.
pub async fn expired_live(
    db: &dyn Database,
    now_secs: u64,
    limit: u32,
) -> Result<Vec<ServerRow>, DbError> {
    let rows = query(
        db,
        Statement::new(
            format!(
                "SELECT {COLUMNS} FROM mcp_servers WHERE state = 'live' AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?"
            ),
            vec![ms(Some(now_secs)), SqlValue::Integer(i64::from(limit))],
        ),
    )
    .await?;
    rows.rows.iter().map(row_of).collect()
}

/// Marks a server purged from KV after its expiry (if still at `version`).
pub async fn mark_expired(db: &dyn Database, id: &str, version: i64) -> Result<bool, DbError> {
    let changed = query(
        db,
        Statement::new(
            "UPDATE mcp_servers SET state = 'expired', version = version + 1, edge_synced = 1 \
             WHERE id = ? AND version = ? AND state = 'live'",
            vec![id.into(), SqlValue::Integer(version)],
        ),
    )
    .await?
    .changes;
    Ok(changed == 1)
}
