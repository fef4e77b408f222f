//! `/api-tokens[/:id]` and `api_token_is_live`, the check `require_api_token_auth`
//! servers rely on.

use super::*;
use crate::crypto::sha256_hex;
use crate::ports::Clock;
use crate::store;

fn live(world: &World, token: &str) -> bool {
    block_on(store::api_token_is_live(
        &world.kv,
        token,
        world.clock.now_secs(),
    ))
    .unwrap()
}

#[test]
fn create_shows_the_token_once_and_listings_never_do() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let reply = world.call(
        "POST",
        "/api-tokens",
        Some(json!({"name": "claude-desktop"})),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json["id"].as_str().unwrap().to_string();
    let token = reply.json["token"].as_str().unwrap().to_string();
    assert!(id.starts_with("tok_") && token.len() == 43, "{id} {token}");
    assert_eq!(
        reply.json,
        json!({"id": id, "name": "claude-desktop", "created_at": at(0), "expires_at": null, "token": token})
    );
    let shown =
        json!({"id": id, "name": "claude-desktop", "created_at": at(0), "expires_at": null});
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
        ("missing name", json!({}), "missing_field"),
        ("blank name", json!({"name": ""}), "invalid_name"),
        (
            "expiry too soon",
            json!({"name": "x", "expires_at": at(10)}),
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
