//! The grant tables per-user OAuth writes (migrations/0004_oauth_grants.sql), over
//! SQLite as D1: the properties the design relies on hold in SQL itself. A refresh
//! token is spent once by a conditional UPDATE (the second spend, concurrent or a
//! replay, changes nothing and is seen as reuse); a grant's single-flight refresh of
//! ServiceNow's token is a version check; tokens are unique by hash.

// Native only: SQLite has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use futures::executor::block_on;
use servicenow_mcp::ports::{query, Database, SqlValue, SqliteDb, Statement};

fn run(db: &SqliteDb, sql: &str, params: Vec<SqlValue>) -> u64 {
    block_on(query(db, Statement::new(sql, params)))
        .expect(sql)
        .changes
}

fn grant(db: &SqliteDb) {
    run(db, "INSERT INTO oauth_clients (client_id, source, metadata, created_at_ms) VALUES ('c1', 'dcr', '{}', 1)", vec![]);
    run(
        db,
        "INSERT INTO oauth_grants (id, server_id, account_id, client_id, servicenow_user, upstream_sealed, created_at_ms) \
         VALUES ('g1', 'mcp_1', 'acme', 'c1', 'itil', 'v2.k.sealed', 1)",
        vec![],
    );
    run(db, "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at_ms) VALUES ('r1', 'g1', 'refresh', 100)", vec![]);
}

#[test]
fn a_refresh_token_is_spent_once_and_a_second_spend_is_seen() {
    let db = SqliteDb::migrated();
    grant(&db);
    let spend = "UPDATE oauth_tokens SET used_at_ms = ? WHERE token_hash = ? AND kind = 'refresh' AND used_at_ms IS NULL AND expires_at_ms > ?";
    assert_eq!(
        run(
            &db,
            spend,
            vec![SqlValue::Integer(10), "r1".into(), SqlValue::Integer(10)]
        ),
        1
    );
    assert_eq!(
        run(
            &db,
            spend,
            vec![SqlValue::Integer(11), "r1".into(), SqlValue::Integer(11)]
        ),
        0,
        "reuse: nothing spent"
    );
    // Reuse revokes the grant, atomically with the rotation's other writes.
    let answers = block_on(db.batch(vec![
        Statement::new("UPDATE oauth_grants SET state = 'revoked', version = version + 1 WHERE id = 'g1' AND state = 'live'", vec![]),
        Statement::new("DELETE FROM oauth_tokens WHERE grant_id = 'g1' AND kind = 'access'", vec![]),
    ]))
    .unwrap();
    assert_eq!(answers[0].changes, 1);
}

#[test]
fn the_upstream_refresh_is_single_flight_by_version_and_hashes_are_unique() {
    let db = SqliteDb::migrated();
    grant(&db);
    let refresh = "UPDATE oauth_grants SET upstream_sealed = ?, version = version + 1 WHERE id = 'g1' AND version = ? AND state = 'live'";
    assert_eq!(
        run(&db, refresh, vec!["v2.k.new".into(), SqlValue::Integer(1)]),
        1
    );
    assert_eq!(
        run(
            &db,
            refresh,
            vec!["v2.k.other".into(), SqlValue::Integer(1)]
        ),
        0,
        "the slower refresh loses"
    );
    let duplicate = block_on(query(
        &db,
        Statement::new("INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at_ms) VALUES ('r1', 'g1', 'access', 5)", vec![]),
    ));
    assert!(duplicate.is_err(), "a token hash is unique");
}
