//! Integrated accounts in D1 (`accounts`): the stored form (credentials sealed), its
//! version, and whether its KV copy is written.

use super::{integer, json, parsed, text, Versioned, WriteError};
use crate::ports::{query, Database, DbError, SqlValue, Statement};
use crate::store::StoredAccount;

/// The live account `id`, if any.
pub async fn get(db: &dyn Database, id: &str) -> Result<Option<Versioned<StoredAccount>>, DbError> {
    let rows = query(
        db,
        Statement::new(
            "SELECT record, version FROM accounts WHERE id = ? AND state = 'live'",
            vec![id.into()],
        ),
    )
    .await?;
    rows.rows
        .first()
        .map(|row| {
            Ok(Versioned {
                record: parsed(row)?,
                version: integer(row, "version")?,
            })
        })
        .transpose()
}

/// Creates the account (or re-creates one deleted earlier); `Conflict` when a live
/// account of that id appeared meanwhile. Returns the new version (1).
pub async fn insert(db: &dyn Database, stored: &StoredAccount) -> Result<i64, WriteError> {
    let changed = query(
        db,
        Statement::new(
            "INSERT INTO accounts (id, record, instance_url, auth_type, state, version, edge_synced, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'live', 1, 0, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, instance_url = excluded.instance_url, \
             auth_type = excluded.auth_type, state = 'live', version = accounts.version + 1, edge_synced = 0, \
             created_at = excluded.created_at, updated_at = excluded.updated_at \
             WHERE accounts.state = 'deleted'",
            vec![
                stored.id.as_str().into(),
                json(stored)?,
                stored.instance_url.as_str().into(),
                stored.auth_type.as_str().into(),
                stored.created_at.as_str().into(),
                stored.updated_at.as_str().into(),
            ],
        ),
    )
    .await?
    .changes;
    if changed == 0 {
        return Err(WriteError::Conflict);
    }
    current_version(db, &stored.id).await
}

/// Replaces the account if it is still at `version`; returns the new version.
pub async fn update(
    db: &dyn Database,
    stored: &StoredAccount,
    version: i64,
) -> Result<i64, WriteError> {
    let statement = Statement::new(
        "UPDATE accounts SET record = ?, instance_url = ?, auth_type = ?, updated_at = ?, \
         version = version + 1, edge_synced = 0 WHERE id = ? AND version = ? AND state = 'live'",
        vec![
            json(stored)?,
            stored.instance_url.as_str().into(),
            stored.auth_type.as_str().into(),
            stored.updated_at.as_str().into(),
            stored.id.as_str().into(),
            SqlValue::Integer(version),
        ],
    );
    super::conditional(db, statement, version).await
}

async fn current_version(db: &dyn Database, id: &str) -> Result<i64, WriteError> {
    let rows = query(
        db,
        Statement::new("SELECT version FROM accounts WHERE id = ?", vec![id.into()]),
    )
    .await?;
    Ok(rows
        .rows
        .first()
        .map(|r| integer(r, "version"))
        .transpose()?
        .unwrap_or(1))
}

/// Marks the account deleted and revokes its live servers, in one transaction, if it is
/// still at `version`. Returns the servers revoked.
pub async fn delete(db: &dyn Database, id: &str, version: i64) -> Result<u64, WriteError> {
    let answers = db
        .batch(vec![
            Statement::new(
                "UPDATE accounts SET state = 'deleted', version = version + 1, edge_synced = 0 \
                 WHERE id = ? AND version = ? AND state = 'live'",
                vec![id.into(), SqlValue::Integer(version)],
            ),
            // Revokes only if this batch deleted the account (it is now at version + 1,
            // deleted): a lost race revokes nothing.
            Statement::new(
                "UPDATE mcp_servers SET state = 'revoked', version = version + 1, edge_synced = 0 \
                 WHERE account_id = ? AND state = 'live' AND EXISTS (SELECT 1 FROM accounts \
                 WHERE id = ? AND state = 'deleted' AND version = ?)",
                vec![id.into(), id.into(), SqlValue::Integer(version + 1)],
            ),
        ])
        .await?;
    if answers.first().map_or(0, |a| a.changes) == 0 {
        return Err(WriteError::Conflict);
    }
    Ok(answers.get(1).map_or(0, |a| a.changes))
}

/// Records that the KV copy of `id` at `version` is written.
pub async fn mark_synced(db: &dyn Database, id: &str, version: i64) -> Result<(), DbError> {
    super::mark_synced(db, "accounts", id, version).await
}

/// One page of live accounts in id order after `after`, optionally those whose id,
/// instance URL or auth type contains `search`.
pub async fn list(
    db: &dyn Database,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Versioned<StoredAccount>>, DbError> {
    let mut sql = String::from("SELECT record, version FROM accounts WHERE state = 'live'");
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(term) = search {
        sql.push_str(
            " AND (instr(lower(id), lower(?)) > 0 OR instr(lower(instance_url), lower(?)) > 0)",
        );
        params.push(term.into());
        params.push(term.into());
    }
    if let Some(after) = after {
        sql.push_str(" AND id > ?");
        params.push(after.into());
    }
    sql.push_str(" ORDER BY id LIMIT ?");
    params.push(SqlValue::Integer(i64::from(limit)));
    let rows = query(db, Statement::new(sql, params)).await?;
    rows.rows
        .iter()
        .map(|row| {
            Ok(Versioned {
                record: parsed(row)?,
                version: integer(row, "version")?,
            })
        })
        .collect()
}

/// Accounts whose KV copy is not written (or whose deletion has not reached KV).
pub async fn unsynced(
    db: &dyn Database,
    limit: u32,
) -> Result<Vec<(String, String, i64, Option<StoredAccount>)>, DbError> {
    let rows = query(
        db,
        Statement::new(
            "SELECT id, state, version, record FROM accounts WHERE edge_synced = 0 ORDER BY id LIMIT ?",
            vec![SqlValue::Integer(i64::from(limit))],
        ),
    )
    .await?;
    rows.rows
        .iter()
        .map(|row| {
            let state = text(row, "state")?;
            let record = (state == "live").then(|| parsed(row)).transpose()?;
            Ok((text(row, "id")?, state, integer(row, "version")?, record))
        })
        .collect()
}
