//! The system of record in D1: integrated accounts, MCP servers and API tokens, each row with a
//! `version` (optimistic concurrency: every write is conditional on the version read,
//! and loses nothing silently) and an `edge_synced` flag (the KV copy an MCP request
//! reads is written after the commit; the cron job's `reconcile` repairs a row whose KV
//! write failed, purges expired servers from KV and marks them here). Admin reads come
//! from here, never from KV or an isolate cache. SQL only: KV is `store`'s.

pub mod accounts;
pub mod api_tokens;
pub mod import;
pub mod reconcile;
pub mod servers;

use crate::ports::{query, Database, DbError, SqlValue, Statement};
use serde_json::{Map, Value};

/// A record and the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub record: T,
    pub version: i64,
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Another write changed (or created) the row after it was read.
    #[error("the record was changed by another request after it was read")]
    Conflict,
    #[error("{0}")]
    Db(#[from] DbError),
}

fn text(row: &Map<String, Value>, column: &str) -> Result<String, DbError> {
    row.get(column)
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| DbError(format!("column `{column}` is missing or not text")))
}

fn integer(row: &Map<String, Value>, column: &str) -> Result<i64, DbError> {
    row.get(column)
        .and_then(Value::as_i64)
        .ok_or_else(|| DbError(format!("column `{column}` is missing or not an integer")))
}

/// A `record` column parsed back into its type.
fn parsed<T: serde::de::DeserializeOwned>(row: &Map<String, Value>) -> Result<T, DbError> {
    serde_json::from_str(&text(row, "record")?)
        .map_err(|e| DbError(format!("a stored record does not parse: {e}")))
}

fn json<T: serde::Serialize>(record: &T) -> Result<SqlValue, DbError> {
    serde_json::to_string(record)
        .map(SqlValue::Text)
        .map_err(|e| DbError(format!("cannot serialize a record: {e}")))
}

/// A conditional write's outcome: the next version, or `Conflict` when it changed no row
/// (the row moved on, or is not live).
async fn conditional(
    db: &dyn Database,
    statement: Statement,
    version: i64,
) -> Result<i64, WriteError> {
    match query(db, statement).await?.changes {
        0 => Err(WriteError::Conflict),
        _ => Ok(version + 1),
    }
}

/// Records that the KV copy of row `id` of `table` at `version` is written (or removed).
async fn mark_synced(
    db: &dyn Database,
    table: &str,
    id: &str,
    version: i64,
) -> Result<(), DbError> {
    query(
        db,
        Statement::new(
            format!("UPDATE {table} SET edge_synced = 1 WHERE id = ? AND version = ?"),
            vec![id.into(), SqlValue::Integer(version)],
        ),
    )
    .await
    .map(drop)
}

/// Revokes a live row of `table` (servers, API tokens) if it is still at `version`.
async fn revoke(
    db: &dyn Database,
    table: &str,
    id: &str,
    version: i64,
    now: &str,
) -> Result<i64, WriteError> {
    let statement = Statement::new(
        format!(
            "UPDATE {table} SET state = 'revoked', updated_at = ?, version = version + 1, \
             edge_synced = 0 WHERE id = ? AND version = ? AND state = 'live'"
        ),
        vec![now.into(), id.into(), SqlValue::Integer(version)],
    );
    conditional(db, statement, version).await
}

fn ms(secs: Option<u64>) -> SqlValue {
    secs.map_or(SqlValue::Null, |s| {
        SqlValue::Integer(i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX))
    })
}
