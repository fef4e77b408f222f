//! Native tests of the admin API over `MemoryKv` and `ManualClock`: one file per concern.

mod access;
mod accounts;
mod api_tokens;
mod catalog;
mod failures;
mod hardening;
mod secrets;
mod servers;

use crate::config::Config;
use crate::crypto::SealingKey;
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{ManualClock, MemoryKv};
use futures::executor::block_on;
use serde_json::{json, Value};

pub const ADMIN_TOKEN: &str = "admin-token-for-native-tests-0123456789";
pub const CREDENTIALS_KEY: &str =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub const OTHER_KEY: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eff";
/// 2026-12-23T04:33:20Z.
pub const T0: u64 = 1_798_000_400;
pub const ORIGIN: &str = "https://snmcp.example.workers.dev";

/// A config with both secrets set and http upstreams refused.
pub fn config() -> Config {
    Config {
        admin_token: Some(ADMIN_TOKEN.into()),
        sealing_key: SealingKey::from_secret(CREDENTIALS_KEY).ok(),
        ..Config::default()
    }
}

/// An answer, with its body parsed (every admin answer is JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub response: HttpResponse,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or("")
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.response.body).into_owned()
    }
}

/// One test's world: a clock, a KV over it, a config, and every reply seen so far (for
/// the scans that prove no secret ever leaves in a response).
pub struct World<'c> {
    pub clock: &'c ManualClock,
    pub kv: MemoryKv<'c>,
    pub config: Config,
    pub seen: std::cell::RefCell<Vec<String>>,
    pub db: crate::ports::SqliteDb,
}

impl<'c> World<'c> {
    pub fn new(clock: &'c ManualClock) -> Self {
        World {
            clock,
            kv: MemoryKv::new(clock),
            config: config(),
            seen: Default::default(),
            db: crate::ports::SqliteDb::migrated(),
        }
    }

    pub fn send(&self, request: HttpRequest) -> Reply {
        self.send_with(&self.config, request)
    }

    pub fn send_with(&self, config: &Config, request: HttpRequest) -> Reply {
        let response = block_on(super::handle(
            &request, config, &self.kv, self.clock, &self.db,
        ));
        let json = serde_json::from_slice(&response.body).unwrap_or_else(|e| {
            panic!(
                "{} {} answered non-JSON ({e}): {:?}",
                request.method, request.url, response
            )
        });
        self.seen
            .borrow_mut()
            .push(String::from_utf8_lossy(&response.body).into_owned());
        Reply {
            status: response.status,
            response,
            json,
        }
    }

    /// An authenticated admin call with an optional JSON body.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.send(admin_request(method, path, body))
    }

    pub fn put_account(&self, id: &str, auth: Value) -> Reply {
        self.call(
            "PUT",
            &format!("/integrated-account/{id}"),
            Some(json!({ "instance_url": "https://acme.service-now.com", "auth": auth })),
        )
    }

    /// Registers `acme` with basic auth; panics unless it worked.
    pub fn acme(&self) {
        let reply = self.put_account(
            "acme",
            json!({"type": "basic", "username": "svc_mcp", "password": "hunter2-basic"}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }

    pub fn create_server(&self, account: &str, body: Value) -> Reply {
        self.call(
            "POST",
            &format!("/integrated-account/{account}/mcp"),
            Some(body),
        )
    }

    /// Creates a server on `acme`; returns (id, token).
    pub fn server(&self, body: Value) -> (String, String) {
        let reply = self.create_server("acme", body);
        assert_eq!(reply.status, 201, "{}", reply.text());
        (
            reply.json["id"].as_str().unwrap_or_default().to_string(),
            token_of(&reply),
        )
    }

    /// Mints an API token (for every account unless the body scopes it); returns
    /// (id, token).
    pub fn api_token(&self, mut body: Value) -> (String, String) {
        if body.get("accounts").is_none() && body.get("all_accounts").is_none() {
            body["all_accounts"] = json!(true);
        }
        let reply = self.call("POST", "/api-tokens", Some(body));
        assert_eq!(reply.status, 201, "{}", reply.text());
        (
            reply.json["id"].as_str().unwrap_or_default().to_string(),
            reply.json["token"].as_str().unwrap_or_default().to_string(),
        )
    }

    /// Every raw key and value in KV, expired ones included.
    pub fn raw_kv(&self) -> Vec<(String, String)> {
        self.kv
            .keys()
            .into_iter()
            .filter_map(|k| self.kv.raw(&k).map(|(v, _)| (k, v)))
            .collect()
    }
}

pub fn admin_request(method: &str, path: &str, body: Option<Value>) -> HttpRequest {
    let request = HttpRequest::new(method, format!("{ORIGIN}{path}"))
        .with_header("authorization", format!("Bearer {ADMIN_TOKEN}"));
    match body {
        Some(body) => request
            .with_header("content-type", "application/json")
            .with_body(body.to_string()),
        None => request,
    }
}

/// The URL token of a server-creation reply (the last path segment of `url`).
pub fn token_of(reply: &Reply) -> String {
    let url = reply.json["url"].as_str().unwrap_or_default();
    url.rsplit('/').next().unwrap_or_default().to_string()
}

/// RFC 3339 for `T0 + secs`.
pub fn at(secs: u64) -> String {
    crate::store::timestamps::format_rfc3339(T0 + secs).unwrap_or_default()
}
