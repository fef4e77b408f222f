//! `/api-tokens[/:id]`, `/integrated-account/:id/api-tokens` and `api_token_opens`, the
//! check `require_api_token_auth` servers rely on.

use super::*;
use crate::crypto::sha256_hex;
use crate::ports::Clock;
use crate::store::{self, McpServerRecord};

/// A server of `account` minted under `generation`, as the check sees it.
fn server_of(account: &str, generation: &str, id: &str) -> McpServerRecord {
    McpServerRecord {
        id: id.into(),
        account_id: account.into(),
        name: "agent".into(),
        config: Default::default(),
        expires_at: None,
        expires_at_unix: None,
        require_api_token_auth: true,
        rate_limit_response: Default::default(),
        audit: Default::default(),
        created_at: at(0),
        account_generation: Some(generation.into()),
        revoked: false,
    }
}

fn opens(world: &World, token: &str, server: &McpServerRecord) -> bool {
    block_on(store::api_token_opens(
        &world.kv,
        token,
        server,
        world.clock.now_secs(),
    ))
    .unwrap()
}

/// Whether `token` is live, for a token scoped to every account.
fn live(world: &World, token: &str) -> bool {
    opens(
        world,
        token,
        &server_of("any", "g", "mcp_00000000000000000000"),
    )
}

/// The generation `acme` was registered with.
fn generation(world: &World, account: &str) -> String {
    let stored = block_on(store::accounts::get_stored(&world.kv, account))
        .unwrap()
        .unwrap();
    stored.generation
}

#[test]
fn scoped_tokens_open_only_their_accounts_and_servers() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let (server_a, _) = world.server(json!({"name": "a", "require_api_token_auth": true}));
    let (server_b, _) = world.server(json!({"name": "b", "require_api_token_auth": true}));
    let acme = generation(&world, "acme");
    let mint = |path: &str, body: Value| {
        let reply = world.call("POST", path, Some(body));
        assert_eq!(reply.status, 201, "{}", reply.text());
        (
            reply.json["token"].as_str().unwrap().to_string(),
            reply.json["scope"].clone(),
        )
    };
    let (for_acme, scope) = mint(
        "/integrated-account/acme/api-tokens",
        json!({"name": "acme"}),
    );
    assert_eq!(scope, json!({"accounts": ["acme"]}));
    let (for_a, scope) = mint(
        "/integrated-account/acme/api-tokens",
        json!({"name": "only a", "servers": [server_a]}),
    );
    assert_eq!(scope, json!({"accounts": ["acme"], "servers": [server_a]}));
    let (listed, _) = mint(
        "/api-tokens",
        json!({"name": "listed", "accounts": ["acme"]}),
    );
    let (everything, scope) = mint("/api-tokens", json!({"name": "all", "all_accounts": true}));
    assert_eq!(scope, json!({"all_accounts": true}));

    let a = server_of("acme", &acme, &server_a);
    let b = server_of("acme", &acme, &server_b);
    let other = server_of("globex", "g2", "mcp_11111111111111111111");
    let reborn = server_of("acme", "a-later-registration", &server_a);
    for (token, want) in [
        (&for_acme, [true, true, false, false]),
        (&for_a, [true, false, false, false]),
        (&listed, [true, true, false, false]),
        (&everything, [true, true, true, true]),
    ] {
        let got = [&a, &b, &other, &reborn].map(|s| opens(&world, token, s));
        assert_eq!(got, want, "{token}");
    }

    // A token minted before scoping (no scope in its record) still opens every server.
    let legacy = "L".repeat(43);
    let record = json!({"id": "tok_00000000000000000001", "name": "old", "created_at": at(0), "expires_at": null});
    block_on(crate::ports::KvStore::put(
        &world.kv,
        &format!("api-token:{}", sha256_hex(&legacy)),
        &record.to_string(),
        None,
    ))
    .unwrap();
    assert!(opens(&world, &legacy, &other) && opens(&world, &legacy, &a));
}

#[test]
fn unscoped_or_misscoped_tokens_are_refused_and_nothing_is_written() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let before = world.kv.keys();
    let cases = [
        ("/api-tokens", json!({"name": "x"}), 400, "invalid_scope"),
        (
            "/api-tokens",
            json!({"name": "x", "accounts": ["nope"]}),
            400,
            "invalid_scope",
        ),
        (
            "/api-tokens",
            json!({"name": "x", "accounts": ["acme"], "all_accounts": true}),
            400,
            "invalid_scope",
        ),
        (
            "/integrated-account/acme/api-tokens",
            json!({"name": "x", "servers": ["mcp_00000000000000000000"]}),
            400,
            "invalid_scope",
        ),
        (
            "/integrated-account/acme/api-tokens",
            json!({"name": "x", "servers": ["../x"]}),
            400,
            "invalid_scope",
        ),
        (
            "/integrated-account/nope/api-tokens",
            json!({"name": "x"}),
            404,
            "account_not_found",
        ),
        (
            "/integrated-account/acme/api-tokens",
            json!({"name": "x", "accounts": ["acme"]}),
            400,
            "unknown_fields",
        ),
    ];
    for (path, body, status, code) in cases {
        let reply = world.call("POST", path, Some(body.clone()));
        assert_eq!(
            (reply.status, reply.code()),
            (status, code),
            "{path} {body}: {}",
            reply.text()
        );
    }
    assert_eq!(world.kv.keys(), before);
}

#[test]
fn create_shows_the_token_once_and_listings_never_do() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let reply = world.call(
        "POST",
        "/api-tokens",
        Some(json!({"name": "claude-desktop", "all_accounts": true})),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json["id"].as_str().unwrap().to_string();
    let token = reply.json["token"].as_str().unwrap().to_string();
    assert!(id.starts_with("tok_") && token.len() == 43, "{id} {token}");
    assert_eq!(
        reply.json,
        json!({"id": id, "name": "claude-desktop", "created_at": at(0), "expires_at": null,
               "scope": {"all_accounts": true}, "token": token})
    );
    let shown = json!({"id": id, "name": "claude-desktop", "created_at": at(0), "expires_at": null,
                       "scope": {"all_accounts": true}});
    assert_eq!(
        world.call("GET", &format!("/api-tokens/{id}"), None).json,
        shown
    );
    assert_eq!(
        world.call("GET", "/api-tokens", None).json,
        json!({"result": [shown], "next_cursor": null})
    );
    assert!(world
        .kv
        .raw(&format!("api-token:{}", sha256_hex(&token)))
        .is_some());
}

#[test]
fn create_refuses_invalid_bodies() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let cases = [
        (
            "missing name",
            json!({"all_accounts": true}),
            "missing_field",
        ),
        (
            "blank name",
            json!({"name": "", "all_accounts": true}),
            "invalid_name",
        ),
        (
            "expiry too soon",
            json!({"name": "x", "expires_at": at(10), "all_accounts": true}),
            "invalid_expires_at",
        ),
        (
            "unknown field",
            json!({"name": "x", "scopes": ["all"]}),
            "unknown_fields",
        ),
    ];
    for (name, body, code) in cases {
        let reply = world.call("POST", "/api-tokens", Some(body));
        assert_eq!(
            (reply.status, reply.code()),
            (400, code),
            "{name}: {}",
            reply.text()
        );
    }
    assert!(world.kv.keys().is_empty());
}

#[test]
fn api_token_is_live_only_for_a_valid_unexpired_undeleted_token() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.kv.lazy_purge.set(true);
    let (_, valid) = world.api_token(json!({"name": "valid"}));
    let (deleted_id, deleted) = world.api_token(json!({"name": "deleted"}));
    let (_, expiring) = world.api_token(json!({"name": "expiring", "expires_at": at(300)}));
    assert_eq!(
        world
            .call("DELETE", &format!("/api-tokens/{deleted_id}"), None)
            .status,
        200
    );
    clock.advance_secs(300);
    let wrong = format!("{}x", &valid[..valid.len() - 1]);
    let cases = [
        ("none", "", false),
        ("wrong", wrong.as_str(), false),
        (
            "a URL-shaped random token",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            false,
        ),
        ("the hash instead of the token", &*sha256_hex(&valid), false),
        ("deleted", deleted.as_str(), false),
        ("expired but not yet purged", expiring.as_str(), false),
        ("valid", valid.as_str(), true),
    ];
    for (name, token, want) in cases {
        assert_eq!(live(&world, token), want, "{name}");
    }
}

#[test]
fn expired_tokens_are_hidden_and_cannot_be_fetched_or_deleted() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.kv.lazy_purge.set(true);
    let (id, _) = world.api_token(json!({"name": "short", "expires_at": at(60)}));
    world.api_token(json!({"name": "long"}));
    clock.advance_secs(61);
    let names: Vec<Value> = world.call("GET", "/api-tokens", None).json["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("long")]);
    for method in ["GET", "DELETE"] {
        let reply = world.call(method, &format!("/api-tokens/{id}"), None);
        assert_eq!(
            (reply.status, reply.code()),
            (404, "api_token_not_found"),
            "{method}"
        );
    }
}

#[test]
fn deleting_a_token_removes_both_keys_and_a_second_delete_is_404() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let (id, token) = world.api_token(json!({"name": "ci"}));
    assert!(live(&world, &token));
    let reply = world.call("DELETE", &format!("/api-tokens/{id}"), None);
    assert_eq!(
        (reply.status, &reply.json),
        (200, &json!({"id": id, "deleted": true}))
    );
    assert!(!live(&world, &token));
    assert!(world.kv.keys().is_empty(), "{:?}", world.kv.keys());
    assert_eq!(
        world
            .call("DELETE", &format!("/api-tokens/{id}"), None)
            .status,
        404
    );
    assert_eq!(world.call("GET", "/api-tokens/not-an-id", None).status, 404);
}
