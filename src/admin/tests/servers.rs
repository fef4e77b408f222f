//! `/integrated-account/:id/mcp[/:mcp_id]`: minting, validation, listing, expiry,
//! PATCH re-validation and revocation.

use super::*;
use crate::admin::validate;
use crate::crypto::sha256_hex;
use crate::ports::Clock;
use crate::store;

fn find(world: &World, token: &str) -> Option<store::McpServerRecord> {
    block_on(store::find_server_by_token(
        &world.kv,
        token,
        world.clock.now_secs(),
    ))
    .unwrap()
    .map(|grant| (*grant.server).clone())
}

#[test]
fn create_answers_201_with_the_server_and_a_url_shown_once() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let reply = world.create_server(
        "acme",
        json!({
            "name": "ServiceNow ITSM Agent",
            "config": {"methods": ["read", "write"], "tags": ["incident", "problem", "users"]},
            "expires_at": "2027-01-01T01:59:59+02:00",
            "require_api_token_auth": true,
        }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json["id"].as_str().unwrap();
    assert!(validate::is_generated_id(id, "mcp"), "{id}");
    let token = token_of(&reply);
    assert_eq!(token.len(), 43);
    assert_eq!(reply.json["url"], json!(format!("{ORIGIN}/mcp/{token}")));
    let mut expected = json!({
        "id": id,
        "name": "ServiceNow ITSM Agent",
        "config": {"methods": ["read", "write"], "tags": ["incident", "problem", "users"]},
        "expires_at": "2026-12-31T23:59:59Z",
        "require_api_token_auth": true,
        "rate_limit_response": "http_429",
        "audit": "metadata",
        "created_at": at(0),
    });
    assert_eq!(
        world
            .call("GET", &format!("/integrated-account/acme/mcp/{id}"), None)
            .json,
        expected
    );
    expected["url"] = reply.json["url"].clone();
    // 42 tools: over what Cursor uses, so the creation answer says so (the view does not).
    expected["warnings"] = json!([{"client": "Cursor", "limit": 40,
        "message": "42 tools is more than Cursor takes (40: only the first 40 tools are used); narrow the server with tags or methods, or use discovery mode (three tools that reach all of them)"}]);
    assert_eq!(reply.json, expected);

    let record = find(&world, &token).expect("the token grants the server");
    assert_eq!(
        (record.account_id.as_str(), record.expires_at_unix),
        ("acme", Some(1_798_761_599))
    );
    // Both keys carry the KV expiration, so KV purges them on its own.
    let (_, server_exp) = world
        .kv
        .raw(&format!("server:{}", sha256_hex(&token)))
        .unwrap();
    let (_, index_exp) = world.kv.raw(&format!("account-server:acme:{id}")).unwrap();
    assert_eq!(
        (server_exp, index_exp),
        (Some(1_798_761_599), Some(1_798_761_599))
    );
}

#[test]
fn create_defaults_to_every_tool_no_expiry_and_no_api_token() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let reply = world.create_server("acme", json!({"name": "all"}));
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json["config"], json!({}));
    assert_eq!(reply.json["expires_at"], Value::Null);
    assert_eq!(reply.json["require_api_token_auth"], json!(false));
    let (_, exp) = world
        .kv
        .raw(&format!("server:{}", sha256_hex(&token_of(&reply))))
        .unwrap();
    assert_eq!(exp, None);
}

#[test]
fn discovery_mode_is_stored_and_shown() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let reply = world.create_server(
        "acme",
        json!({"name": "big", "config": {"tool_mode": "discovery", "methods": ["read"]}}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(
        reply.json["config"],
        json!({"methods": ["read"], "tool_mode": "discovery"})
    );
    let stored = find(&world, &token_of(&reply)).expect("stored");
    assert_eq!(stored.config.tool_mode, snmcp_catalog::ToolMode::Discovery);
}

#[test]
fn the_url_base_is_public_url_when_set() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let config = Config {
        public_url: Some("https://mcp.acme.example".into()),
        ..config()
    };
    let reply = world.send_with(
        &config,
        admin_request(
            "POST",
            "/integrated-account/acme/mcp",
            Some(json!({"name": "x"})),
        ),
    );
    let url = reply.json["url"].as_str().unwrap();
    assert!(url.starts_with("https://mcp.acme.example/mcp/"), "{url}");
}

#[test]
fn every_server_gets_a_different_token_and_id() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let minted: Vec<(String, String)> = (0..5)
        .map(|i| world.server(json!({"name": format!("s{i}")})))
        .collect();
    for (i, a) in minted.iter().enumerate() {
        for b in &minted[i + 1..] {
            assert_ne!(a.0, b.0);
            assert_ne!(a.1, b.1);
        }
    }
}

#[test]
fn create_refuses_each_invalid_body_with_a_clear_400() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let cases = [
        (
            "filters leave no tool",
            json!({"name": "x", "config": {"methods": ["delete"], "tags": ["knowledge"]}}),
            "no_tools",
            "leaves no tool",
        ),
        (
            "empty methods",
            json!({"name": "x", "config": {"methods": []}}),
            "no_tools",
            "empty list",
        ),
        (
            "unknown method",
            json!({"name": "x", "config": {"methods": ["read", "purge"]}}),
            "unknown_method",
            "purge",
        ),
        (
            "unknown tag",
            json!({"name": "x", "config": {"tags": ["incident", "payroll"]}}),
            "unknown_tag",
            "payroll",
        ),
        (
            "unknown config field",
            json!({"name": "x", "config": {"method": ["read"]}}),
            "unknown_fields",
            "`method`",
        ),
        (
            "config not an object",
            json!({"name": "x", "config": ["read"]}),
            "invalid_config",
            "must be an object",
        ),
        (
            "methods not strings",
            json!({"name": "x", "config": {"methods": [1]}}),
            "invalid_config",
            "array of strings",
        ),
        (
            "unknown tool_mode",
            json!({"name": "x", "config": {"tool_mode": "lazy"}}),
            "invalid_config",
            "\"tools\", \"discovery\"",
        ),
        (
            "tool_mode not a string",
            json!({"name": "x", "config": {"tool_mode": true}}),
            "invalid_config",
            "config.tool_mode",
        ),
        (
            "expires_at not RFC 3339",
            json!({"name": "x", "expires_at": "2027-01-01"}),
            "invalid_expires_at",
            "RFC 3339",
        ),
        (
            "expires_at in the past",
            json!({"name": "x", "expires_at": at(0)}),
            "invalid_expires_at",
            "at least 60 seconds",
        ),
        (
            "expires_at 59 s ahead",
            json!({"name": "x", "expires_at": at(59)}),
            "invalid_expires_at",
            "at least 60 seconds",
        ),
        (
            "expires_at not a string",
            json!({"name": "x", "expires_at": 1_900_000_000}),
            "invalid_field",
            "`expires_at`",
        ),
        (
            "missing name",
            json!({"config": {}}),
            "missing_field",
            "`name` is required",
        ),
        (
            "blank name",
            json!({"name": "  "}),
            "invalid_name",
            "1 to 200",
        ),
        (
            "long name",
            json!({"name": "n".repeat(201)}),
            "invalid_name",
            "1 to 200",
        ),
        (
            "require flag not a bool",
            json!({"name": "x", "require_api_token_auth": "yes"}),
            "invalid_field",
            "require_api_token_auth",
        ),
        (
            "unknown field",
            json!({"name": "x", "url": "https://evil"}),
            "unknown_fields",
            "`url`",
        ),
    ];
    for (name, body, code, fragment) in cases {
        let reply = world.create_server("acme", body);
        assert_eq!(
            (reply.status, reply.code()),
            (400, code),
            "{name}: {}",
            reply.text()
        );
        assert!(
            reply.message().contains(fragment),
            "{name}: {}",
            reply.message()
        );
    }
    assert!(
        world.kv.keys().iter().all(|k| k.starts_with("account:")),
        "{:?}",
        world.kv.keys()
    );
    // Exactly 60 s ahead is the floor that is accepted.
    assert_eq!(
        world
            .create_server("acme", json!({"name": "x", "expires_at": at(60)}))
            .status,
        201
    );
}

#[test]
fn an_expired_server_is_404_before_kv_purges_it_and_hidden_from_listings() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.kv.lazy_purge.set(true);
    world.acme();
    let (short_id, short) = world.server(json!({"name": "short", "expires_at": at(120)}));
    let (_, long) = world.server(json!({"name": "long", "expires_at": at(7200)}));
    assert!(find(&world, &short).is_some());
    clock.advance_secs(120);
    // Still in KV (lazy purge), but no longer granted or shown.
    assert!(world
        .kv
        .raw(&format!("server:{}", sha256_hex(&short)))
        .is_some());
    assert_eq!(find(&world, &short), None);
    assert!(find(&world, &long).is_some());
    let listed = world.call("GET", "/integrated-account/acme/mcp", None);
    let names: Vec<&str> = listed.json["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["long"]);
    for method in ["GET", "DELETE"] {
        let reply = world.call(
            method,
            &format!("/integrated-account/acme/mcp/{short_id}"),
            None,
        );
        assert_eq!(
            (reply.status, reply.code()),
            (404, "server_not_found"),
            "{method}"
        );
    }
    let patched = world.call(
        "PATCH",
        &format!("/integrated-account/acme/mcp/{short_id}"),
        Some(json!({"expires_at": null})),
    );
    assert_eq!(patched.status, 404, "an expired server cannot be revived");
}

#[test]
fn listing_pages_with_an_opaque_cursor() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let mut ids: Vec<String> = (0..5)
        .map(|i| world.server(json!({"name": format!("s{i}")})).0)
        .collect();
    ids.sort();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let query = cursor
            .as_ref()
            .map_or(String::new(), |c| format!("&cursor={c}"));
        let page = world.call(
            "GET",
            &format!("/integrated-account/acme/mcp?limit=2{query}"),
            None,
        );
        assert_eq!(page.status, 200, "{}", page.text());
        let result = page.json["result"].as_array().unwrap();
        assert!(result.len() <= 2);
        seen.extend(result.iter().map(|s| s["id"].as_str().unwrap().to_string()));
        assert!(
            result.iter().all(|s| s.get("url").is_none()),
            "listings never show a URL"
        );
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    for query in ["?limit=0", "?limit=101", "?cursor=%%"] {
        let reply = world.call("GET", &format!("/integrated-account/acme/mcp{query}"), None);
        assert_eq!(reply.status, 400, "{query}");
    }
}

#[test]
fn servers_are_scoped_to_their_account() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    world.put_account("other", json!({"type": "bearer", "token": "t"}));
    let (id, _) = world.server(json!({"name": "mine"}));
    for method in ["GET", "DELETE"] {
        let reply = world.call(method, &format!("/integrated-account/other/mcp/{id}"), None);
        assert_eq!(reply.status, 404, "{method}");
    }
    assert_eq!(
        world
            .call("GET", "/integrated-account/other/mcp", None)
            .json["result"],
        json!([])
    );
}

#[test]
fn unknown_or_malformed_server_ids_are_404() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    for id in [
        "mcp_0123456789abcdef0123",
        "mcp_1",
        "srv_0123456789abcdef0123",
        "mcp_0123456789abcdef0123%3Ax",
    ] {
        for method in ["GET", "PATCH", "DELETE"] {
            let reply = world.call(
                method,
                &format!("/integrated-account/acme/mcp/{id}"),
                Some(json!({"name": "x"})),
            );
            assert_eq!(
                (reply.status, reply.code()),
                (404, "server_not_found"),
                "{method} {id}"
            );
        }
    }
}

#[test]
fn patch_updates_fields_and_rewrites_both_keys_with_the_new_expiration() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let (id, token) = world.server(json!({"name": "old", "config": {"methods": ["read"], "tags": ["incident"]}, "expires_at": at(600)}));
    let path = format!("/integrated-account/acme/mcp/{id}");
    let server_key = format!("server:{}", sha256_hex(&token));
    let index_key = format!("account-server:acme:{id}");

    let reply = world.call(
        "PATCH",
        &path,
        Some(json!({"name": "new", "config": {"tags": ["problem"]}, "expires_at": at(7200), "require_api_token_auth": true})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json["name"], "new");
    // config is a JSON merge patch: methods kept, tags replaced.
    assert_eq!(
        reply.json["config"],
        json!({"methods": ["read"], "tags": ["problem"]})
    );
    assert_eq!(reply.json["expires_at"], json!(at(7200)));
    assert_eq!(reply.json["require_api_token_auth"], json!(true));
    assert!(reply.json.get("url").is_none());
    assert_eq!(world.kv.raw(&server_key).unwrap().1, Some(T0 + 7200));
    assert_eq!(world.kv.raw(&index_key).unwrap().1, Some(T0 + 7200));
    assert_eq!(
        find(&world, &token).unwrap().name,
        "new",
        "the same URL keeps working"
    );

    // null removes: tags (every tag again) and expires_at (no expiry, no KV expiration).
    let reply = world.call(
        "PATCH",
        &path,
        Some(json!({"config": {"tags": null}, "expires_at": null})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json["config"], json!({"methods": ["read"]}));
    assert_eq!(reply.json["expires_at"], Value::Null);
    assert_eq!(world.kv.raw(&server_key).unwrap().1, None);
    assert_eq!(world.kv.raw(&index_key).unwrap().1, None);
    assert_eq!(find(&world, &token).unwrap().expires_at_unix, None);

    // A null config removes every restriction.
    let reply = world.call("PATCH", &path, Some(json!({"config": null})));
    assert_eq!(reply.json["config"], json!({}));
}

#[test]
fn patch_revalidates_the_merged_record_and_changes_nothing_when_refused() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let (id, token) = world
        .server(json!({"name": "s", "config": {"tags": ["knowledge"]}, "expires_at": at(100)}));
    let path = format!("/integrated-account/acme/mcp/{id}");
    let before = find(&world, &token);
    let cases = [
        (
            "merged filter leaves no tool",
            json!({"config": {"methods": ["delete"]}}),
            "no_tools",
        ),
        (
            "unknown method",
            json!({"config": {"methods": ["purge"]}}),
            "unknown_method",
        ),
        (
            "unknown tag",
            json!({"config": {"tags": ["payroll"]}}),
            "unknown_tag",
        ),
        (
            "expiry too soon",
            json!({"expires_at": at(30)}),
            "invalid_expires_at",
        ),
        (
            "expiry not RFC 3339",
            json!({"expires_at": "soon"}),
            "invalid_expires_at",
        ),
        ("null name", json!({"name": null}), "invalid_field"),
        (
            "null flag",
            json!({"require_api_token_auth": null}),
            "invalid_field",
        ),
        ("blank name", json!({"name": ""}), "invalid_name"),
        ("unknown field", json!({"token": "x"}), "unknown_fields"),
        ("nothing to update", json!({}), "empty_update"),
    ];
    for (name, body, code) in cases {
        let reply = world.call("PATCH", &path, Some(body));
        assert_eq!(
            (reply.status, reply.code()),
            (400, code),
            "{name}: {}",
            reply.text()
        );
    }
    assert_eq!(find(&world, &token), before);
    // A kept expiry now under a minute away must be moved or cleared with the change.
    clock.advance_secs(50);
    let reply = world.call("PATCH", &path, Some(json!({"name": "renamed"})));
    assert_eq!(
        (reply.status, reply.code()),
        (400, "invalid_expires_at"),
        "{}",
        reply.text()
    );
    let reply = world.call(
        "PATCH",
        &path,
        Some(json!({"name": "renamed", "expires_at": null})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn deleting_a_server_revokes_its_url_at_once() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let (id, token) = world.server(json!({"name": "s"}));
    let (_, other) = world.server(json!({"name": "t"}));
    let path = format!("/integrated-account/acme/mcp/{id}");
    let reply = world.call("DELETE", &path, None);
    assert_eq!(
        (reply.status, &reply.json),
        (200, &json!({"id": id, "deleted": true}))
    );
    assert_eq!(find(&world, &token), None);
    assert!(find(&world, &other).is_some());
    assert_eq!(world.call("GET", &path, None).status, 404);
    assert_eq!(world.call("DELETE", &path, None).status, 404);
    assert!(world.kv.keys().iter().all(|k| !k.contains(&id)));
}

#[test]
fn the_rate_limit_response_is_chosen_changed_and_refused_when_unknown() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let reply = world.create_server(
        "acme",
        json!({"name": "python agents", "rate_limit_response": "tool_error"}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json["rate_limit_response"], "tool_error");
    let id = reply.json["id"].as_str().unwrap().to_string();
    let path = format!("/integrated-account/acme/mcp/{id}");
    let patched = world.call("PATCH", &path, Some(json!({"rate_limit_response": null})));
    assert_eq!(
        patched.json["rate_limit_response"],
        "http_429",
        "{}",
        patched.text()
    );
    let refused = world.call(
        "PATCH",
        &path,
        Some(json!({"rate_limit_response": "retry"})),
    );
    assert_eq!(
        (refused.status, refused.code()),
        (400, "invalid_rate_limit_response")
    );
    assert_eq!(
        world.call("GET", &path, None).json["rate_limit_response"],
        "http_429"
    );
}

#[test]
fn tool_counts_over_known_client_limits_are_warned_about_in_the_preview_and_on_creation() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let preview = |config: Value| {
        world
            .call("POST", "/catalog/preview", Some(json!({"config": config})))
            .json
    };
    let all = preview(Value::Null);
    let clients: Vec<&str> = all["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["client"].as_str().unwrap())
        .collect();
    assert!(all["count"].as_u64().unwrap() > 128, "{all}");
    assert_eq!(clients.len(), 2, "{clients:?}");
    assert!(clients[0].starts_with("OpenAI API") && clients[1] == "Cursor");
    assert!(all["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("discovery mode"));
    assert_eq!(
        preview(json!({"tags": ["incident"]}))["warnings"],
        json!([])
    );
    assert_eq!(
        preview(json!({"tool_mode": "discovery"}))["warnings"],
        json!([])
    );
    let created = world.create_server("acme", json!({"name": "everything"}));
    assert_eq!(created.json["warnings"].as_array().map(Vec::len), Some(2));
    let small = world.create_server(
        "acme",
        json!({"name": "small", "config": {"tags": ["incident"]}}),
    );
    assert_eq!(small.json.get("warnings"), None);
}
