//! Native tests of the store's public API over `MemoryKv` and `ManualClock`: expiry,
//! sealing, corrupt values and the raw KV form.

use super::*;
use crate::crypto::{sha256_hex, SealingKey};
use crate::ports::{ManualClock, MemoryKv};
use futures::executor::block_on;
use snmcp_catalog::ToolFilter;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const OTHER_KEY: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
const T0: u64 = 1_798_000_000;
const TOKEN: &str = "Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo";

fn key() -> SealingKey {
    SealingKey::from_secret(KEY).unwrap()
}

fn any_server() -> McpServerRecord {
    server(None)
}

fn server(expires_at_unix: Option<u64>) -> McpServerRecord {
    McpServerRecord {
        id: "mcp_0123456789abcdef0123".into(),
        account_id: "acme".into(),
        name: "agent".into(),
        config: ToolFilter::default(),
        expires_at: expires_at_unix.map(|e| timestamps::format_rfc3339(e).unwrap()),
        expires_at_unix,
        require_api_token_auth: false,
        rate_limit_response: Default::default(),
        audit: Default::default(),
        created_at: timestamps::format_rfc3339(T0).unwrap(),
        account_generation: None,
        revoked: false,
    }
}

/// Registers `acme` and returns a server record minted under that registration.
fn registered_server(kv: &MemoryKv<'_>, expires_at_unix: Option<u64>) -> McpServerRecord {
    let (stored, _) = block_on(accounts::put(
        kv,
        &key(),
        &account("pw"),
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    McpServerRecord {
        account_generation: Some(stored.generation),
        revoked: false,
        ..server(expires_at_unix)
    }
}

fn account(password: &str) -> IntegratedAccount {
    IntegratedAccount {
        id: "acme".into(),
        instance_url: "https://acme.service-now.com".into(),
        auth: AccountAuth::Basic {
            username: "svc".into(),
            password: password.into(),
        },
        generation: String::new(),
    }
}

#[test]
fn find_server_by_token_honours_expiry_even_when_kv_has_not_purged() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    kv.lazy_purge.set(true);
    let record = registered_server(&kv, Some(T0 + 100));
    block_on(servers::save(&kv, &record, &sha256_hex(TOKEN))).unwrap();
    let cases = [
        (T0, true),
        (T0 + 99, true),
        (T0 + 100, false),
        (T0 + 10_000, false),
    ];
    for (now, found) in cases {
        assert_eq!(
            block_on(find_server_by_token(&kv, TOKEN, now))
                .unwrap()
                .is_some(),
            found,
            "at {now}"
        );
    }
}

#[test]
fn find_server_by_token_is_none_for_unknown_and_implausible_tokens() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    let record = registered_server(&kv, None);
    block_on(servers::save(&kv, &record, &sha256_hex(TOKEN))).unwrap();
    for token in [
        "",
        "short",
        "has spaces in it, which tokens never do",
        &"x".repeat(300),
        &sha256_hex(TOKEN),
    ] {
        assert_eq!(
            block_on(find_server_by_token(&kv, token, T0)).unwrap(),
            None,
            "{token}"
        );
    }
    assert_eq!(
        block_on(find_server_by_token(&kv, TOKEN, T0))
            .unwrap()
            .map(|grant| (*grant.server).clone()),
        Some(record)
    );
}

#[test]
fn a_server_dies_with_its_account_even_when_its_keys_survive() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    let record = registered_server(&kv, None);
    block_on(servers::save(&kv, &record, &sha256_hex(TOKEN))).unwrap();
    let find = || {
        block_on(find_server_by_token(&kv, TOKEN, T0))
            .unwrap()
            .map(|grant| (*grant.server).clone())
    };
    assert!(find().is_some());
    // As if a lagging KV list had hidden the server from the account deletion.
    block_on(kv.delete("account:acme")).unwrap();
    assert_eq!(find(), None, "no account, no server");
    let (again, created) = block_on(accounts::put(
        &kv,
        &key(),
        &account("pw"),
        "2026-02-01T00:00:00Z",
    ))
    .unwrap();
    assert!(created);
    assert_ne!(Some(again.generation.clone()), record.account_generation);
    assert_eq!(
        find(),
        None,
        "re-registering the id does not revive the old server"
    );
    assert_eq!(
        kv.keys(),
        ["account:acme"],
        "the fresh registration tidied the orphans away"
    );
    // Replacing (not re-creating) the account keeps its servers.
    let fresh = McpServerRecord {
        account_generation: Some(again.generation),
        revoked: false,
        ..server(None)
    };
    block_on(servers::save(&kv, &fresh, &sha256_hex(TOKEN))).unwrap();
    block_on(accounts::put(
        &kv,
        &key(),
        &account("new-pw"),
        "2026-03-01T00:00:00Z",
    ))
    .unwrap();
    assert_eq!(find(), Some(fresh));
}

#[test]
fn the_server_is_keyed_by_the_token_hash_and_the_token_is_nowhere_in_kv() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    block_on(servers::save(
        &kv,
        &server(Some(T0 + 600)),
        &sha256_hex(TOKEN),
    ))
    .unwrap();
    assert_eq!(
        kv.keys(),
        [
            "account-server:acme:mcp_0123456789abcdef0123".to_string(),
            format!("server:{}", sha256_hex(TOKEN))
        ]
    );
    for key in kv.keys() {
        let (value, expiration) = kv.raw(&key).unwrap();
        assert!(!key.contains(TOKEN) && !value.contains(TOKEN));
        assert_eq!(expiration, Some(T0 + 600), "{key}");
    }
}

#[test]
fn account_credentials_are_sealed_in_kv_and_open_only_with_the_right_key() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    let now = timestamps::format_rfc3339(T0).unwrap();
    let (stored, created) =
        block_on(accounts::put(&kv, &key(), &account("hunter2-secret"), &now)).unwrap();
    assert!(created);
    let (raw, expiration) = kv.raw("account:acme").unwrap();
    assert_eq!(expiration, None);
    assert!(
        !raw.contains("hunter2-secret") && !raw.contains("svc"),
        "{raw}"
    );
    assert_eq!(serde_json::from_str::<StoredAccount>(&raw).unwrap(), stored);

    let loaded = block_on(load_account(&kv, &key(), "acme")).unwrap();
    let expected = IntegratedAccount {
        generation: stored.generation.clone(),
        ..account("hunter2-secret")
    };
    assert_eq!(loaded, Some(expected));
    let other = SealingKey::from_secret(OTHER_KEY).unwrap();
    let err = block_on(load_account(&kv, &other, "acme")).unwrap_err();
    assert_eq!(
        err,
        StoreError::Sealed {
            account_id: "acme".into()
        }
    );
    assert!(err.to_string().contains("CREDENTIALS_KEY"), "{err}");
    assert_eq!(block_on(load_account(&kv, &key(), "ghost")).unwrap(), None);
}

#[test]
fn a_sealed_value_copied_to_another_account_does_not_open() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    block_on(accounts::put(
        &kv,
        &key(),
        &account("pw"),
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    let (raw, _) = kv.raw("account:acme").unwrap();
    let mut copied: StoredAccount = serde_json::from_str(&raw).unwrap();
    copied.id = "mallory".into();
    block_on(kv.put(
        "account:mallory",
        &serde_json::to_string(&copied).unwrap(),
        None,
    ))
    .unwrap();
    assert!(matches!(
        block_on(load_account(&kv, &key(), "mallory")),
        Err(StoreError::Sealed { .. })
    ));
}

#[test]
fn corrupt_records_are_errors_naming_the_key_not_missing_records() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    block_on(kv.put("account:acme", "{}", None)).unwrap();
    block_on(kv.put(&format!("server:{}", sha256_hex(TOKEN)), "not json", None)).unwrap();
    block_on(kv.put(&format!("api-token:{}", sha256_hex(TOKEN)), "[]", None)).unwrap();
    let account = block_on(load_account(&kv, &key(), "acme")).unwrap_err();
    let server = block_on(find_server_by_token(&kv, TOKEN, T0)).unwrap_err();
    let token = block_on(api_token_opens(&kv, TOKEN, &any_server(), T0)).unwrap_err();
    for (err, key) in [
        (account, "account:acme"),
        (server, "server:"),
        (token, "api-token:"),
    ] {
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains(key), "{err}");
    }
}

#[test]
fn kv_failures_surface_as_store_errors() {
    let clock = ManualClock::at_secs(T0);
    let memory = MemoryKv::new(&clock);
    let broken = crate::ports::FaultyKv::new(&memory)
        .down()
        .with_error("namespace unavailable");
    let err = block_on(find_server_by_token(&broken, TOKEN, T0)).unwrap_err();
    assert!(matches!(err, StoreError::Kv(_)));
    assert!(err.to_string().contains("namespace unavailable"));
    assert!(block_on(api_token_opens(&broken, TOKEN, &any_server(), T0)).is_err());
    assert!(block_on(load_account(&broken, &key(), "acme")).is_err());
}

#[test]
fn deleting_an_account_revokes_servers_listed_across_pages() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    block_on(accounts::put(
        &kv,
        &key(),
        &account("pw"),
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    let tokens: Vec<String> = (0..1005).map(|i| format!("{TOKEN}{i:04}")).collect();
    for (i, token) in tokens.iter().enumerate() {
        let record = McpServerRecord {
            id: format!("mcp_{i:020x}"),
            ..server(None)
        };
        block_on(servers::save(&kv, &record, &sha256_hex(token))).unwrap();
    }
    assert_eq!(block_on(accounts::delete(&kv, "acme")).unwrap(), Some(1005));
    assert!(kv.keys().is_empty(), "{} keys left", kv.keys().len());
    assert_eq!(block_on(accounts::delete(&kv, "acme")).unwrap(), None);
}

#[test]
fn a_server_record_without_an_account_generation_grants_nothing() {
    let clock = ManualClock::at_secs(T0);
    let kv = MemoryKv::new(&clock);
    let record = McpServerRecord {
        account_generation: None,
        revoked: false,
        ..registered_server(&kv, None)
    };
    block_on(servers::save(&kv, &record, &sha256_hex(TOKEN))).unwrap();
    assert_eq!(
        block_on(find_server_by_token(&kv, TOKEN, T0)).unwrap(),
        None
    );
}
