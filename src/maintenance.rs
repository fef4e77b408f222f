//! What the cron trigger runs (`[triggers] crons` in wrangler.toml): the edge repair
//! from the system of record (`records::reconcile`: failed KV writes, revocations,
//! expired servers purged from KV and marked in D1) and the audit log's retention.
//! Returns lines for the Worker's log; a failure is reported there, never raised (the
//! next run tries again).

use crate::audit::retention;
use crate::config::Config;
use crate::ports::{Clock, Database, KvStore};
use crate::records::reconcile;

pub async fn run<K: KvStore, C: Clock>(
    config: &Config,
    db: &dyn Database,
    kv: &K,
    clock: &C,
) -> Vec<String> {
    let reconciled = match reconcile::run(db, kv, clock.now_secs()).await {
        Ok(report) => format!("scheduled: {}", report.line()),
        Err(e) => format!("scheduled: reconcile failed: {e}"),
    };
    let days = config.audit_retention_days;
    let retained = match retention::purge(db, clock.now_ms(), days).await {
        Ok(deleted) => format!("scheduled: audit retention {days} days, {deleted} row(s) deleted"),
        Err(e) => format!("scheduled: audit retention failed: {e}"),
    };
    vec![reconciled, retained]
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::audit::{capture, log};
    use crate::http::{HttpRequest, HttpResponse};
    use crate::ports::{query, ManualClock, MemoryKv, SqliteDb, Statement};
    use futures::executor::block_on;

    const DAY_MS: u64 = 86_400_000;

    #[test]
    fn retention_deletes_only_rows_older_than_the_setting_in_bounded_batches() {
        let db = SqliteDb::migrated();
        let now = 1_800_000_000_000;
        let request = HttpRequest::new("DELETE", "https://w.example/integrated-account/a");
        let at = |ms: u64| capture::admin_entry(ms, ms, &request, &HttpResponse::new(200));
        // 2,500 old rows (more than two batches), 3 young ones.
        let mut entries: Vec<_> = (0..2_500).map(|i| at(now - 31 * DAY_MS - i)).collect();
        entries.extend([at(now - 29 * DAY_MS), at(now - DAY_MS), at(now)]);
        block_on(db.batch(log::insert(&entries))).unwrap();
        let clock = ManualClock::at_secs(now / 1000);
        let kv = MemoryKv::new(&clock);
        let config = Config::default();
        let lines = block_on(run(&config, &db, &kv, &clock));
        assert_eq!(
            lines,
            [
                "scheduled: reconcile: 0 account(s), 0 server(s) and 0 API token(s) written to KV, 0 expired server(s) purged",
                "scheduled: audit retention 30 days, 2500 row(s) deleted"
            ]
        );
        let left = block_on(query(
            &db,
            Statement::new("SELECT at_ms FROM audit_log ORDER BY at_ms", vec![]),
        ))
        .unwrap();
        let kept: Vec<u64> = left
            .rows
            .iter()
            .map(|r| r["at_ms"].as_u64().unwrap())
            .collect();
        assert_eq!(kept, [now - 29 * DAY_MS, now - DAY_MS, now]);
        // Nothing old left: the next run deletes nothing.
        let again = block_on(run(&config, &db, &kv, &clock));
        assert!(again[1].ends_with(" 0 row(s) deleted"), "{again:?}");
        db.set_down(true);
        let down = block_on(run(&config, &db, &kv, &clock));
        assert!(down.iter().all(|l| l.contains("failed")), "{down:?}");
    }

    #[test]
    fn one_run_stops_after_its_batch_budget() {
        let db = SqliteDb::migrated();
        let request = HttpRequest::new("DELETE", "https://w.example/integrated-account/a");
        let rows = retention::BATCH_ROWS * retention::MAX_BATCHES + 10;
        let entries: Vec<_> = (0..rows)
            .map(|i| {
                capture::admin_entry(
                    u64::from(i),
                    u64::from(i),
                    &request,
                    &HttpResponse::new(200),
                )
            })
            .collect();
        block_on(db.batch(log::insert(&entries))).unwrap();
        let clock = ManualClock::at_secs(100 * DAY_MS / 1000);
        let before = db.batches();
        let deleted = block_on(retention::purge(&db, clock.now_ms(), 30)).unwrap();
        assert_eq!(deleted, u64::from(rows - 10));
        assert_eq!(db.batches() - before, u64::from(retention::MAX_BATCHES));
        assert_eq!(
            block_on(retention::purge(&db, clock.now_ms(), 30)).unwrap(),
            10
        );
    }
}
