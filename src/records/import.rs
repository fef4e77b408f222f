//! The one-shot import of a KV-only deployment (before D1 was the system of record):
//! every `account:<id>` and the servers its index names, and every API token, become
//! rows, marked in sync with KV. Idempotent (`INSERT OR IGNORE`: a row already in D1 is left as it is) and
//! paged (at most [`ACCOUNTS_PER_CALL`] accounts per call, resumed with the returned
//! cursor), so a large namespace imports within a request's limits.

use super::{json, ms};
use crate::ports::{Database, DbError, KvStore, Statement};
use crate::store::{self, ApiTokenRecord, McpServerRecord, StoreError, StoredAccount};

pub const ACCOUNTS_PER_CALL: u32 = 50;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub accounts: u64,
    pub servers: u64,
    pub tokens: u64,
    /// Rows that were already in D1 (left unchanged).
    pub skipped: u64,
    /// KV's cursor for the next call; `None` when every account was read.
    pub cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Kv(#[from] StoreError),
    #[error("{0}")]
    Db(#[from] DbError),
}

pub async fn run<K: KvStore>(
    db: &dyn Database,
    kv: &K,
    cursor: Option<&str>,
    now_secs: u64,
) -> Result<Imported, ImportError> {
    let page = kv
        .list("account:", cursor, ACCOUNTS_PER_CALL)
        .await
        .map_err(StoreError::from)?;
    let mut imported = Imported {
        cursor: page.cursor.clone(),
        ..Imported::default()
    };
    for key in &page.keys {
        let Some(id) = key.strip_prefix("account:") else {
            continue;
        };
        let Some(stored) = store::accounts::get_stored(kv, id).await? else {
            continue;
        };
        let statement = account_row(&stored)?;
        let mut batch = vec![statement];
        let servers = store::servers::all_of_account(kv, id).await?;
        for (record, token_hash) in &servers {
            batch.push(server_row(record, token_hash, now_secs)?);
        }
        let answers = db.batch(batch).await?;
        for (i, answer) in answers.iter().enumerate() {
            match (i, answer.changes) {
                (_, 0) => imported.skipped += 1,
                (0, _) => imported.accounts += 1,
                _ => imported.servers += 1,
            }
        }
    }
    // API tokens belong to no account: the first call imports them all.
    if cursor.is_none() {
        for (record, token_hash) in store::api_tokens::all(kv).await? {
            let state = if record.is_expired(now_secs) {
                "revoked"
            } else {
                "live"
            };
            let changed = query_one(db, token_row(&record, &token_hash, state)?).await?;
            if changed == 0 {
                imported.skipped += 1;
            } else {
                imported.tokens += 1;
            }
        }
    }
    Ok(imported)
}

async fn query_one(db: &dyn Database, statement: Statement) -> Result<u64, DbError> {
    crate::ports::query(db, statement)
        .await
        .map(|rows| rows.changes)
}

fn token_row(record: &ApiTokenRecord, token_hash: &str, state: &str) -> Result<Statement, DbError> {
    Ok(Statement::new(
        "INSERT OR IGNORE INTO api_tokens (id, token_hash, record, name, expires_at_ms, state, version, edge_synced, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
        vec![
            record.id.as_str().into(),
            token_hash.into(),
            json(record)?,
            record.name.as_str().into(),
            ms(record.expires_at_unix),
            state.into(),
            record.created_at.as_str().into(),
            record.created_at.as_str().into(),
        ],
    ))
}

fn account_row(stored: &StoredAccount) -> Result<Statement, DbError> {
    Ok(Statement::new(
            "INSERT OR IGNORE INTO accounts (id, record, instance_url, auth_type, state, version, edge_synced, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'live', 1, 1, ?, ?)",
            vec![
                stored.id.as_str().into(),
                json(stored)?,
                stored.instance_url.as_str().into(),
                stored.auth_type.as_str().into(),
                stored.created_at.as_str().into(),
                stored.updated_at.as_str().into(),
            ],
    ))
}

fn server_row(
    record: &McpServerRecord,
    token_hash: &str,
    now_secs: u64,
) -> Result<Statement, DbError> {
    let state = if record.revoked {
        "revoked"
    } else if record.is_expired(now_secs) {
        "expired"
    } else {
        "live"
    };
    Ok(Statement::new(
        "INSERT OR IGNORE INTO mcp_servers (id, account_id, token_hash, record, name, auth_mode, expires_at_ms, state, version, edge_synced, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
        vec![
            record.id.as_str().into(),
            record.account_id.as_str().into(),
            token_hash.into(),
            json(record)?,
            record.name.as_str().into(),
            if record.require_api_token_auth { "api_token" } else { "url" }.into(),
            ms(record.expires_at_unix),
            state.into(),
            record.created_at.as_str().into(),
            record.created_at.as_str().into(),
        ],
    ))
}
