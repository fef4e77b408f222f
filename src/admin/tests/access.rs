//! Who may call the admin API, and the answers every route shares (401, 503, 404, 405,
//! 413, JSON content type, no caching).

use super::*;
use crate::http::HttpRequest;
use crate::limits::ADMIN_MAX_BODY_BYTES;

#[test]
fn missing_or_wrong_admin_token_is_401_with_www_authenticate_on_every_route() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    world.acme();
    let routes = [
        ("PUT", "/integrated-account/acme"),
        ("GET", "/integrated-account/acme"),
        ("DELETE", "/integrated-account/acme"),
        ("POST", "/integrated-account/acme/mcp"),
        ("GET", "/integrated-account/acme/mcp"),
        (
            "GET",
            "/integrated-account/acme/mcp/mcp_0123456789abcdef0123",
        ),
        (
            "PATCH",
            "/integrated-account/acme/mcp/mcp_0123456789abcdef0123",
        ),
        (
            "DELETE",
            "/integrated-account/acme/mcp/mcp_0123456789abcdef0123",
        ),
        ("POST", "/api-tokens"),
        ("GET", "/api-tokens"),
        ("GET", "/api-tokens/tok_0123456789abcdef0123"),
        ("DELETE", "/api-tokens/tok_0123456789abcdef0123"),
        ("OPTIONS", "/api-tokens"),
    ];
    let credentials = [
        ("none", None),
        ("wrong token", Some(format!("Bearer {ADMIN_TOKEN}x"))),
        (
            "prefix of token",
            Some(format!("Bearer {}", &ADMIN_TOKEN[..10])),
        ),
        ("basic scheme", Some(format!("Basic {ADMIN_TOKEN}"))),
        ("empty bearer", Some("Bearer ".to_string())),
    ];
    for (method, path) in routes {
        for (name, header) in &credentials {
            let mut request = HttpRequest::new(method, format!("{ORIGIN}{path}")).with_body("{}");
            if let Some(h) = header {
                request = request.with_header("authorization", h.clone());
            }
            let reply = world.send(request);
            assert_eq!(reply.status, 401, "{method} {path} with {name}");
            assert_eq!(reply.code(), "unauthorized");
            assert_eq!(reply.response.header("www-authenticate"), Some("Bearer"));
        }
    }
    // Nothing was changed by the refused calls.
    assert_eq!(
        world.call("GET", "/integrated-account/acme", None).status,
        200
    );
}

#[test]
fn admin_api_is_503_naming_admin_token_when_it_is_not_configured() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let config = Config {
        admin_token: None,
        ..config()
    };
    let reply = world.send_with(&config, admin_request("GET", "/api-tokens", None));
    assert_eq!((reply.status, reply.code()), (503, "admin_api_disabled"));
    assert!(
        reply.message().contains("ADMIN_TOKEN"),
        "{}",
        reply.message()
    );
}

#[test]
fn account_routes_are_503_naming_credentials_key_when_it_is_not_configured() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let config = Config {
        sealing_key: None,
        ..config()
    };
    let body = json!({"instance_url": "https://acme.service-now.com", "auth": {"type": "bearer", "token": "t0k3n-value"}});
    for (method, body) in [("PUT", Some(body)), ("GET", None)] {
        let reply = world.send_with(
            &config,
            admin_request(method, "/integrated-account/acme", body),
        );
        assert_eq!(
            (reply.status, reply.code()),
            (503, "credentials_key_missing"),
            "{method}"
        );
        assert!(reply.message().contains("CREDENTIALS_KEY"));
    }
    assert!(world.kv.keys().is_empty());
}

#[test]
fn wrong_verbs_are_405_with_allow_after_authentication() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let cases = [
        ("POST", "/integrated-account/acme", "GET, PUT, DELETE"),
        ("DELETE", "/integrated-account/acme/mcp", "GET, POST"),
        (
            "PUT",
            "/integrated-account/acme/mcp/mcp_0123456789abcdef0123",
            "GET, PATCH, DELETE",
        ),
        ("PUT", "/api-tokens", "GET, POST"),
        (
            "POST",
            "/api-tokens/tok_0123456789abcdef0123",
            "GET, DELETE",
        ),
    ];
    for (method, path, allow) in cases {
        let reply = world.call(method, path, None);
        assert_eq!(
            (reply.status, reply.code()),
            (405, "method_not_allowed"),
            "{method} {path}"
        );
        assert_eq!(reply.response.header("allow"), Some(allow));
    }
}

#[test]
fn unknown_paths_are_404_json() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    for path in [
        "/integrated-account",
        "/integrated-account/acme/servers",
        "/api-tokens/a/b",
        "/mcp/abc",
        "/",
    ] {
        let reply = world.call("GET", path, None);
        assert_eq!(
            (reply.status, reply.code()),
            (404, "route_not_found"),
            "{path}"
        );
    }
}

#[test]
fn bodies_over_64_kib_are_413() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let big = json!({"name": "n".repeat(ADMIN_MAX_BODY_BYTES)});
    let reply = world.call("POST", "/api-tokens", Some(big));
    assert_eq!((reply.status, reply.code()), (413, "payload_too_large"));
    let fits = json!({"name": "ok", "expires_at": null, "all_accounts": true});
    assert_eq!(world.call("POST", "/api-tokens", Some(fits)).status, 201);
}

#[test]
fn every_answer_is_json_and_not_cacheable() {
    let clock = ManualClock::at_secs(T0);
    let world = World::new(&clock);
    let replies = [
        world.call("GET", "/api-tokens", None),
        world.call(
            "POST",
            "/api-tokens",
            Some(json!({"name": "ci", "all_accounts": true})),
        ),
        world.call("GET", "/integrated-account/nope", None),
        world.call("PATCH", "/api-tokens", None),
        world.send(HttpRequest::new("GET", format!("{ORIGIN}/api-tokens"))),
    ];
    for reply in replies {
        assert_eq!(
            reply.response.header("content-type"),
            Some("application/json"),
            "{}",
            reply.status
        );
        assert_eq!(reply.response.header("cache-control"), Some("no-store"));
    }
}
