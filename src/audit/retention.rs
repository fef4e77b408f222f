//! Deleting audit rows older than `AUDIT_RETENTION_DAYS`, in bounded batches: a batch
//! of at most [`BATCH_ROWS`] rows per statement and at most [`MAX_BATCHES`] statements per
//! run, so one cron invocation stays within D1's limits whatever the backlog (the next
//! run goes on where this one stopped).

use crate::ports::{query, Database, DbError, SqlValue, Statement};

pub const BATCH_ROWS: u32 = 1000;
pub const MAX_BATCHES: u32 = 20;
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

const DAY_MS: u64 = 86_400_000;

/// Deletes rows older than `days` before `now_ms`; returns how many went.
pub async fn purge(db: &dyn Database, now_ms: u64, days: u32) -> Result<u64, DbError> {
    let cutoff = now_ms.saturating_sub(u64::from(days) * DAY_MS);
    let mut deleted = 0;
    for _ in 0..MAX_BATCHES {
        let statement = Statement::new(
            "DELETE FROM audit_log WHERE id IN \
             (SELECT id FROM audit_log WHERE at_ms < ? ORDER BY id LIMIT ?)",
            vec![
                SqlValue::Integer(i64::try_from(cutoff).unwrap_or(i64::MAX)),
                SqlValue::Integer(i64::from(BATCH_ROWS)),
            ],
        );
        let changed = query(db, statement).await?.changes;
        deleted += changed;
        if changed < u64::from(BATCH_ROWS) {
            break;
        }
    }
    Ok(deleted)
}
