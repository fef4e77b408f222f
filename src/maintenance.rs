//! What the cron trigger runs (`[triggers] crons` in wrangler.toml): today the audit
//! log's retention. Returns one line for the Worker's log; a failure is reported in it,
//! never raised (the next run tries again).

use crate::audit::retention;
use crate::config::Config;
use crate::ports::{Clock, Database};

pub async fn run<C: Clock>(config: &Config, db: &dyn Database, clock: &C) -> String {
    let days = config.audit_retention_days;
    match retention::purge(db, clock.now_ms(), days).await {
        Ok(deleted) => format!("scheduled: audit retention {days} days, {deleted} row(s) deleted"),
        Err(e) => format!("scheduled: audit retention failed: {e}"),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::audit::{capture, log};
    use crate::http::{HttpRequest, HttpResponse};
    use crate::ports::{query, ManualClock, SqliteDb, Statement};
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
        let config = Config::default();
        let line = block_on(run(&config, &db, &clock));
        assert_eq!(
            line,
            "scheduled: audit retention 30 days, 2500 row(s) deleted"
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
        assert!(block_on(run(&config, &db, &clock)).ends_with(" 0 row(s) deleted"));
        db.set_down(true);
        assert!(block_on(run(&config, &db, &clock)).contains("failed"));
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
        let line = block_on(run(&Config::default(), &db, &clock));
        assert!(
            line.ends_with(&format!(" {} row(s) deleted", rows - 10)),
            "{line}"
        );
        assert_eq!(db.batches() - before, u64::from(retention::MAX_BATCHES));
        assert!(block_on(run(&Config::default(), &db, &clock)).ends_with(" 10 row(s) deleted"));
    }
}
