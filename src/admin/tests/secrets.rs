//! Secrets stay secret: URL tokens, API tokens and ServiceNow credentials never appear in
//! clear in any KV key or value, nor in any response body but the one 201 that mints them.

use super::*;
use crate::store;

const SECRETS: [&str; 7] = [
    "basic-password-7f3a",
    "cc-client-secret-91be",
    "pw-client-secret-c04d",
    "pw-user-password-5e62",
    "bearer-token-a8d1",
    "api-key-value-3b9f",
    "replaced-password-d2e7",
];

#[test]
fn no_secret_or_token_is_stored_in_clear_or_echoed_in_any_response() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.put_account(
        "a1",
        json!({"type": "basic", "username": "svc", "password": SECRETS[0]}),
    );
    world.put_account("a2", json!({"type": "oauth2_client_credentials", "client_id": "cid", "client_secret": SECRETS[1]}));
    world.put_account(
        "a3",
        json!({"type": "oauth2_password", "client_id": "cid", "client_secret": SECRETS[2], "username": "svc", "password": SECRETS[3]}),
    );
    world.put_account("a4", json!({"type": "bearer", "token": SECRETS[4]}));
    world.put_account("a5", json!({"type": "api_key", "key": SECRETS[5]}));
    world.put_account(
        "a1",
        json!({"type": "basic", "username": "svc", "password": SECRETS[6]}),
    );
    // Refused bodies carrying secrets must not echo them either.
    world.put_account(
        "a6",
        json!({"type": "basic", "username": "svc", "password": SECRETS[0], "extra": 1}),
    );
    world.call(
        "PUT",
        "/integrated-account/a7",
        Some(json!({"instance_url": "http://x", "auth": {"type": "api_key", "key": SECRETS[5]}})),
    );

    let mut minted = Vec::new();
    for account in ["a1", "a2", "a3", "a4", "a5"] {
        let reply = world.create_server(account, json!({"name": "s", "expires_at": at(3600)}));
        assert_eq!(reply.status, 201);
        minted.push(token_of(&reply));
        let path = format!("/integrated-account/{account}/api-tokens");
        let reply = world.call("POST", &path, Some(json!({"name": account})));
        minted.push(reply.json["token"].as_str().unwrap().to_string());
    }
    // Exercise every read path.
    for account in ["a1", "a2", "a3", "a4", "a5"] {
        world.call("GET", &format!("/integrated-account/{account}"), None);
        world.call("GET", &format!("/integrated-account/{account}/mcp"), None);
    }
    world.call("GET", "/api-tokens", None);

    let raw = world.raw_kv();
    assert!(!raw.is_empty());
    for secret in SECRETS
        .iter()
        .copied()
        .chain(minted.iter().map(String::as_str))
    {
        for (key, value) in &raw {
            assert!(
                !key.contains(secret) && !value.contains(secret),
                "`{secret}` in clear under {key}"
            );
        }
    }
    let seen = world.seen.borrow();
    for secret in SECRETS {
        assert!(
            seen.iter().all(|body| !body.contains(secret)),
            "`{secret}` in a response"
        );
    }
    // Each minted token appears in exactly one response: its own 201.
    for token in &minted {
        assert_eq!(
            seen.iter()
                .filter(|body| body.contains(token.as_str()))
                .count(),
            1
        );
    }
    // The credentials are sealed, and open back to what was registered.
    let (stored, _) = world.kv.raw("account:a3").unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert!(stored["auth_sealed"].as_str().unwrap().starts_with("v2."));
    assert_eq!(stored["auth_type"], "oauth2_password");
    let key = world.config.sealing_key.clone().unwrap();
    let account = block_on(store::load_account(&world.kv, &key, "a3"))
        .unwrap()
        .unwrap();
    assert_eq!(
        account.auth,
        store::AccountAuth::Oauth2Password {
            client_id: "cid".into(),
            client_secret: SECRETS[2].into(),
            username: "svc".into(),
            password: SECRETS[3].into(),
        }
    );
    assert!(
        !format!("{account:?}").contains(SECRETS[3]),
        "Debug hides secrets"
    );
}
