//! `/integrated-account/:id`: register, replace, show, delete; validation of each field.

use super::*;
use crate::store;

#[test]
fn put_registers_an_account_then_replaces_it_keeping_created_at() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let created = world.put_account(
        "acme",
        json!({"type": "basic", "username": "svc_mcp", "password": "pw-one"}),
    );
    assert_eq!(created.status, 201);
    assert_eq!(
        created.json,
        json!({
            "id": "acme",
            "instance_url": "https://acme.service-now.com",
            "auth": {"type": "basic", "username": "svc_mcp"},
            "created_at": at(0),
            "updated_at": at(0),
        })
    );
    clock.advance_secs(30);
    let replaced = world.put_account("acme", json!({"type": "api_key", "key": "key-two"}));
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.json["auth"], json!({"type": "api_key"}));
    assert_eq!(replaced.json["created_at"], json!(at(0)));
    assert_eq!(replaced.json["updated_at"], json!(at(30)));
    let key = world.config.sealing_key.clone().unwrap();
    let loaded = block_on(store::load_account(&world.kv, &key, "acme"))
        .unwrap()
        .unwrap();
    assert_eq!(
        loaded.auth,
        store::AccountAuth::ApiKey {
            key: "key-two".into()
        }
    );
}

#[test]
fn every_auth_type_is_accepted_and_shown_without_its_secrets() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let cases = [
        (
            json!({"type": "basic", "username": "u1", "password": "p1"}),
            json!({"type": "basic", "username": "u1"}),
        ),
        (
            json!({"type": "oauth2_client_credentials", "client_id": "c2", "client_secret": "s2"}),
            json!({"type": "oauth2_client_credentials", "client_id": "c2"}),
        ),
        (
            json!({"type": "oauth2_password", "client_id": "c3", "client_secret": "s3", "username": "u3", "password": "p3"}),
            json!({"type": "oauth2_password", "client_id": "c3", "username": "u3"}),
        ),
        (
            json!({"type": "bearer", "token": "t4"}),
            json!({"type": "bearer"}),
        ),
        (
            json!({"type": "api_key", "key": "k5"}),
            json!({"type": "api_key"}),
        ),
    ];
    for (i, (auth, shown)) in cases.into_iter().enumerate() {
        let id = format!("acct{i}");
        let put = world.put_account(&id, auth);
        assert_eq!((put.status, &put.json["auth"]), (201, &shown), "{id}");
        let get = world.call("GET", &format!("/integrated-account/{id}"), None);
        assert_eq!((get.status, &get.json["auth"]), (200, &shown), "{id}");
    }
}

#[test]
fn put_refuses_each_invalid_body_with_a_clear_400() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let basic = json!({"type": "basic", "username": "u", "password": "p"});
    let url = "https://acme.service-now.com";
    let cases = [
        ("not json", None, "invalid_json", "not valid JSON"),
        (
            "unknown top-level fields",
            Some(json!({"instance_url": url, "auth": basic, "region": "eu", "tier": 1})),
            "unknown_fields",
            "`region`, `tier`",
        ),
        (
            "missing instance_url",
            Some(json!({"auth": basic})),
            "missing_field",
            "instance_url",
        ),
        (
            "instance_url not a string",
            Some(json!({"instance_url": 5, "auth": basic})),
            "invalid_field",
            "`instance_url`: invalid type",
        ),
        (
            "plain http",
            Some(json!({"instance_url": "http://acme.service-now.com", "auth": basic})),
            "invalid_instance_url",
            "ALLOW_HTTP_UPSTREAM",
        ),
        (
            "instance path",
            Some(json!({"instance_url": "https://acme.service-now.com/now", "auth": basic})),
            "invalid_instance_url",
            "path",
        ),
        (
            "missing auth",
            Some(json!({"instance_url": url})),
            "invalid_auth",
            "`auth` is required",
        ),
        (
            "auth not an object",
            Some(json!({"instance_url": url, "auth": "basic"})),
            "invalid_auth",
            "`auth` is required",
        ),
        (
            "missing type",
            Some(json!({"instance_url": url, "auth": {"username": "u"}})),
            "invalid_auth",
            "auth.type",
        ),
        (
            "unknown type",
            Some(json!({"instance_url": url, "auth": {"type": "ntlm"}})),
            "invalid_auth",
            "`ntlm` is not supported",
        ),
        (
            "missing password",
            Some(json!({"instance_url": url, "auth": {"type": "basic", "username": "u"}})),
            "invalid_auth",
            "`auth.password` is required",
        ),
        (
            "empty secret",
            Some(json!({"instance_url": url, "auth": {"type": "bearer", "token": " "}})),
            "invalid_auth",
            "must not be empty",
        ),
        (
            "secret not a string",
            Some(json!({"instance_url": url, "auth": {"type": "api_key", "key": 12345}})),
            "invalid_auth",
            "must be a string",
        ),
        (
            "field of another type",
            Some(
                json!({"instance_url": url, "auth": {"type": "bearer", "token": "t", "password": "p"}}),
            ),
            "unknown_fields",
            "`password`",
        ),
    ];
    for (name, body, code, fragment) in cases {
        let request = match body {
            Some(body) => admin_request("PUT", "/integrated-account/acme", Some(body)),
            None => {
                admin_request("PUT", "/integrated-account/acme", None).with_body("{instance_url:")
            }
        };
        let reply = world.send(request);
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
    // The non-string secret is not echoed back.
    assert!(world
        .seen
        .borrow()
        .iter()
        .all(|body| !body.contains("12345")));
    assert!(world.kv.keys().is_empty());
}

#[test]
fn http_instance_urls_are_accepted_only_when_allowed() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let body =
        json!({"instance_url": "http://127.0.0.1:9000/", "auth": {"type": "bearer", "token": "t"}});
    let config = Config {
        allow_http_upstream: true,
        ..config()
    };
    let reply = world.send_with(
        &config,
        admin_request("PUT", "/integrated-account/demo", Some(body)),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json["instance_url"], "http://127.0.0.1:9000");
}

#[test]
fn account_ids_outside_the_pattern_are_400_on_every_account_route() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    for (method, path) in [
        ("PUT", "/integrated-account/a:b"),
        ("GET", "/integrated-account/a%20b"),
        ("DELETE", "/integrated-account/a.b"),
        ("POST", "/integrated-account/a.b/mcp"),
        ("GET", "/integrated-account/a.b/mcp"),
    ] {
        let reply = world.call(method, path, Some(json!({})));
        assert_eq!(
            (reply.status, reply.code()),
            (400, "invalid_account_id"),
            "{method} {path}"
        );
    }
}

#[test]
fn unknown_accounts_are_404_on_get_delete_and_server_routes() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    for (method, path, body) in [
        ("GET", "/integrated-account/ghost", None),
        ("DELETE", "/integrated-account/ghost", None),
        ("GET", "/integrated-account/ghost/mcp", None),
        (
            "POST",
            "/integrated-account/ghost/mcp",
            Some(json!({"name": "x"})),
        ),
    ] {
        let reply = world.call(method, path, body);
        assert_eq!(
            (reply.status, reply.code()),
            (404, "account_not_found"),
            "{method} {path}"
        );
        assert!(reply.message().contains("PUT /integrated-account/ghost"));
    }
}

#[test]
fn deleting_an_account_revokes_every_one_of_its_servers() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    world.put_account("other", json!({"type": "bearer", "token": "t"}));
    let kept = token_of(&world.create_server("other", json!({"name": "other"})));
    let tokens: Vec<String> = (0..3)
        .map(|i| {
            world
                .server(json!({"name": format!("s{i}"), "expires_at": at(3600)}))
                .1
        })
        .collect();
    let reply = world.call("DELETE", "/integrated-account/acme", None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json,
        json!({"id": "acme", "deleted": true, "revoked_servers": 3})
    );
    for token in &tokens {
        assert_eq!(
            block_on(store::find_server_by_token(&world.kv, token, T0)).unwrap(),
            None
        );
    }
    assert!(
        world.kv.keys().iter().all(|k| !k.contains("acme")),
        "{:?}",
        world.kv.keys()
    );
    assert!(block_on(store::find_server_by_token(&world.kv, &kept, T0))
        .unwrap()
        .is_some());
    assert_eq!(
        world.call("GET", "/integrated-account/acme", None).status,
        404
    );
}

#[test]
fn an_account_sealed_under_another_key_is_a_500_that_names_credentials_key() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let rotated = Config {
        sealing_key: SealingKey::from_secret(OTHER_KEY).ok(),
        ..config()
    };
    let reply = world.send_with(
        &rotated,
        admin_request("GET", "/integrated-account/acme", None),
    );
    assert_eq!(
        (reply.status, reply.code()),
        (500, "credentials_unreadable")
    );
    assert!(
        reply.message().contains("CREDENTIALS_KEY"),
        "{}",
        reply.message()
    );
    // Registering again under the new key repairs it.
    let body = json!({"instance_url": "https://acme.service-now.com", "auth": {"type": "bearer", "token": "t"}});
    assert_eq!(
        world
            .send_with(
                &rotated,
                admin_request("PUT", "/integrated-account/acme", Some(body))
            )
            .status,
        200
    );
    assert_eq!(
        world
            .send_with(
                &rotated,
                admin_request("GET", "/integrated-account/acme", None)
            )
            .status,
        200
    );
}
