//! The audit's admin-side defects: body caps by declared length, weak admin tokens,
//! cached OAuth tokens outliving an account write, and `CREDENTIALS_KEY` rotation.

use super::*;
use crate::limits::ADMIN_MAX_BODY_BYTES;
use crate::store;

#[test]
fn an_oversized_admin_body_is_413_even_when_only_its_length_was_declared() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    // The worker shell stops reading a body once it passes the cap, so the admin API
    // may see the declared length with an empty body; that is still a 413, not a 400.
    let declared = admin_request("PUT", "/integrated-account/acme", None)
        .with_header("content-type", "application/json")
        .with_header("content-length", (ADMIN_MAX_BODY_BYTES + 1).to_string());
    let reply = world.send(declared);
    assert_eq!((reply.status, reply.code()), (413, "payload_too_large"));
}

#[test]
fn an_admin_token_shorter_than_32_bytes_disables_the_admin_api() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let weak = "short-admin-token-31-bytes-long";
    assert_eq!(weak.len(), 31);
    let config = Config {
        admin_token: Some(weak.into()),
        ..config()
    };
    let request = HttpRequest::new("GET", format!("{ORIGIN}/api-tokens"))
        .with_header("authorization", format!("Bearer {weak}"));
    let reply = world.send_with(&config, request);
    assert_eq!((reply.status, reply.code()), (503, "admin_api_disabled"));
    assert!(
        reply.message().contains("32") && reply.message().contains("ADMIN_TOKEN"),
        "{}",
        reply.message()
    );
    assert!(!reply.text().contains(weak));
    let (_, problems) =
        Config::from_lookup(|name| (name == "ADMIN_TOKEN").then(|| weak.to_string()));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ADMIN_TOKEN") && p.contains("32")),
        "{problems:?}"
    );
}

fn oauth_keys(world: &World<'_>) -> Vec<String> {
    world
        .kv
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("oauth:"))
        .collect()
}

#[test]
fn account_writes_drop_the_accounts_cached_oauth_tokens() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let auth =
        json!({"type": "oauth2_client_credentials", "client_id": "c1", "client_secret": "s1"});
    assert_eq!(world.put_account("acme", auth.clone()).status, 201);
    let cached = format!("oauth:acme:{}", "a".repeat(64));
    let other = format!("oauth:acme2:{}", "b".repeat(64));
    for key in [&cached, &other] {
        block_on(crate::ports::KvStore::put(&world.kv, key, "sealed", None)).unwrap();
    }
    let rotated =
        json!({"type": "oauth2_client_credentials", "client_id": "c1", "client_secret": "s2"});
    assert_eq!(world.put_account("acme", rotated).status, 200);
    assert_eq!(oauth_keys(&world), vec![other.clone()]);
    block_on(crate::ports::KvStore::put(
        &world.kv, &cached, "sealed", None,
    ))
    .unwrap();
    assert_eq!(
        world
            .call("DELETE", "/integrated-account/acme", None)
            .status,
        200
    );
    assert_eq!(oauth_keys(&world), vec![other]);
}

#[test]
fn credentials_sealed_under_the_previous_key_open_and_are_resealed_on_the_next_write() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let old = Config {
        sealing_key: SealingKey::from_secret(OTHER_KEY).ok(),
        ..config()
    };
    let body = json!({"instance_url": "https://acme.service-now.com", "auth": {"type": "basic", "username": "u", "password": "pw-rotate"}});
    let put = |config: &Config| {
        world.send_with(
            config,
            admin_request("PUT", "/integrated-account/acme", Some(body.clone())),
        )
    };
    assert_eq!(put(&old).status, 201);
    let (rotated, problems) = Config::from_lookup(|name| match name {
        "CREDENTIALS_KEY" => Some(CREDENTIALS_KEY.into()),
        "CREDENTIALS_KEY_PREVIOUS" => Some(OTHER_KEY.into()),
        "ADMIN_TOKEN" => Some(ADMIN_TOKEN.into()),
        _ => None,
    });
    assert!(problems.is_empty(), "{problems:?}");
    let key = rotated.sealing_key.clone().unwrap();
    let read = world.send_with(
        &rotated,
        admin_request("GET", "/integrated-account/acme", None),
    );
    assert_eq!(read.status, 200, "{}", read.text());
    let loaded = block_on(store::load_account(&world.kv, &key, "acme"))
        .unwrap()
        .unwrap();
    assert_eq!(
        loaded.auth,
        store::AccountAuth::Basic {
            username: "u".into(),
            password: "pw-rotate".into()
        }
    );
    // The next write seals with the current key alone: the previous one can retire.
    assert_eq!(put(&rotated).status, 200);
    let current_only = SealingKey::from_secret(CREDENTIALS_KEY).unwrap();
    assert!(
        block_on(store::load_account(&world.kv, &current_only, "acme"))
            .unwrap()
            .is_some()
    );
    let raw = world.kv.raw("account:acme").unwrap().0;
    assert!(!raw.contains("pw-rotate"));
    assert!(raw.contains(&format!("\"{}.", "v2")), "{raw}");
}
