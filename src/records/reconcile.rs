//! The cron job's repair of the edge from the system of record: every row whose KV copy
//! lags (a KV write that failed after its D1 commit, a revocation or deletion not yet in
//! KV) is written again, and live servers past their expiry are purged from KV and
//! marked `expired` here, so the seed's "purged from edge KV storage and database
//! records" holds. Bounded per run; a row that fails stays flagged for the next run.

use super::{accounts, api_tokens, servers};
use crate::ports::{Database, DbError, KvStore};
use crate::store;

/// Rows looked at per kind per run (each costs one or two KV writes and one D1 write,
/// far inside a cron invocation's limits).
pub const ROWS_PER_RUN: u32 = 100;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub accounts_repaired: u32,
    pub servers_repaired: u32,
    pub tokens_repaired: u32,
    pub servers_expired: u32,
    /// What could not be repaired this run (a KV failure), as `<kind> <id>: <error>`.
    pub failures: Vec<String>,
}

impl Report {
    pub fn line(&self) -> String {
        let mut line = format!(
            "reconcile: {} account(s), {} server(s) and {} API token(s) written to KV, {} expired server(s) purged",
            self.accounts_repaired, self.servers_repaired, self.tokens_repaired, self.servers_expired
        );
        if !self.failures.is_empty() {
            line.push_str(&format!(
                "; {} left for the next run: {}",
                self.failures.len(),
                self.failures.join("; ")
            ));
        }
        line
    }
}

pub async fn run<K: KvStore>(db: &dyn Database, kv: &K, now_secs: u64) -> Result<Report, DbError> {
    let mut report = Report::default();
    for (id, state, version, record) in accounts::unsynced(db, ROWS_PER_RUN).await? {
        let written = match &record {
            Some(stored) => store::accounts::write_edge(kv, stored, false).await,
            None => store::accounts::delete_edge(kv, &id).await,
        };
        match written {
            Ok(()) => {
                accounts::mark_synced(db, &id, version).await?;
                report.accounts_repaired += 1;
            }
            Err(e) => report.failures.push(format!("account {id} ({state}): {e}")),
        }
    }
    for row in servers::unsynced(db, ROWS_PER_RUN).await? {
        let written = match row.state.as_str() {
            "live" if row.record.is_expired(now_secs) => {
                store::servers::purge_edge(kv, &row.record, &row.token_hash).await
            }
            "live" => store::servers::save(kv, &row.record, &row.token_hash).await,
            "revoked" => {
                store::servers::revoke_edge(kv, &row.record, &row.token_hash, now_secs).await
            }
            _ => store::servers::purge_edge(kv, &row.record, &row.token_hash).await,
        };
        match written {
            Ok(()) => {
                servers::mark_synced(db, &row.record.id, row.version).await?;
                report.servers_repaired += 1;
            }
            Err(e) => report
                .failures
                .push(format!("server {} ({}): {e}", row.record.id, row.state)),
        }
    }
    for row in api_tokens::unsynced(db, ROWS_PER_RUN).await? {
        let written = if row.state == "live" && !row.record.is_expired(now_secs) {
            store::api_tokens::save(kv, &row.record, &row.token_hash).await
        } else {
            store::api_tokens::delete(kv, &row.record.id, &row.token_hash).await
        };
        match written {
            Ok(()) => {
                api_tokens::mark_synced(db, &row.record.id, row.version).await?;
                report.tokens_repaired += 1;
            }
            Err(e) => report
                .failures
                .push(format!("API token {} ({}): {e}", row.record.id, row.state)),
        }
    }
    for row in servers::expired_live(db, now_secs, ROWS_PER_RUN).await? {
        match store::servers::purge_edge(kv, &row.record, &row.token_hash).await {
            Ok(()) => {
                if servers::mark_expired(db, &row.record.id, row.version).await? {
                    report.servers_expired += 1;
                }
            }
            Err(e) => report
                .failures
                .push(format!("server {} (expired): {e}", row.record.id)),
        }
    }
    Ok(report)
}
