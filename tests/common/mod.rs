//! The world every native request-path test shares: the configuration, a manual clock,
//! a scripted ServiceNow and the KV the world owns, with the requests tests send most
//! (admin calls, provisioning, MCP messages). Each test binary uses part of it. The
//! fuzz router (`fuzz_router.rs`) keeps a world of its own: a ServiceNow that answers at
//! random, and secrets of its own that it looks for in every answer.
#![allow(dead_code)]

use futures::executor::block_on;
use serde_json::{json, Value};
use servicenow_mcp::app;
use servicenow_mcp::audit::{self, Recorder};
use servicenow_mcp::config::Config;
use servicenow_mcp::http::{HttpRequest, HttpResponse};
use servicenow_mcp::ports::{KvStore, ManualClock, MemoryKv, ScriptedUpstream, SqliteDb};
use servicenow_mcp::services::Services;

pub const ADMIN: &str = "test-admin-token-0123456789abcdefghij";
pub const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// 2026-09-21T14:13:20Z.
pub const NOW: u64 = 1_790_000_000;
pub const BASE: &str = "https://mcp.example.com";
pub const INSTANCE: &str = "https://acme.service-now.com";
/// A sys_user sys_id (Abel Tuter's on a demo instance).
pub const ALICE: &str = "0a826bf03710200044e0bfc8bcbe5d7a";

pub struct World {
    pub config: Config,
    pub clock: ManualClock,
    pub upstream: ScriptedUpstream,
    /// The world's own KV, on its clock.
    pub kv: MemoryKv<'static>,
    /// The world's D1: SQLite with the repository's migrations.
    pub db: SqliteDb,
    /// Where requests record audit entries; [`World::send`] writes them to `db` after
    /// each answer, as the shell's `waitUntil` does.
    pub recorder: Recorder,
    /// Audit entries whose write failed (the shell logs and counts them the same way).
    pub audit_unwritten: std::cell::Cell<usize>,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    /// The admin token and sealing key set, nothing else.
    pub fn new() -> Self {
        World::with_env(&[])
    }

    /// With more variables (`ALLOW_HTTP_UPSTREAM`, `UPLOAD_MAX_BYTES`, ...) beside the
    /// admin token and sealing key.
    pub fn with_env(vars: &[(&str, &str)]) -> Self {
        let (config, problems) = Config::from_lookup(|name| match name {
            "ADMIN_TOKEN" => Some(ADMIN.into()),
            "CREDENTIALS_KEY" => Some(KEY.into()),
            _ => vars
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string()),
        });
        assert!(problems.is_empty(), "{problems:?}");
        let clock = ManualClock::at_secs(NOW);
        World {
            config,
            kv: MemoryKv::sharing(&clock),
            clock,
            upstream: ScriptedUpstream::new(),
            db: SqliteDb::migrated(),
            recorder: Recorder::default(),
            audit_unwritten: Default::default(),
        }
    }

    /// One request through the router over the world's KV.
    pub fn send(&self, request: HttpRequest) -> HttpResponse {
        self.send_via(&self.kv, request)
    }

    /// One request through the router over another store (a cache or a fault in front
    /// of the world's KV).
    pub fn send_via(&self, kv: &impl KvStore, request: HttpRequest) -> HttpResponse {
        let services = Services {
            config: &self.config,
            kv,
            upstream: &self.upstream,
            clock: &self.clock,
            db: &self.db,
            audit: &self.recorder,
        };
        let response = block_on(app::handle(&services, request));
        let entries = self.recorder.take();
        if !entries.is_empty() && block_on(audit::write(&self.db, &entries)).is_err() {
            self.audit_unwritten
                .set(self.audit_unwritten.get() + entries.len());
        }
        response
    }

    /// `GET /audit?<query>`: status and JSON body.
    pub fn audit(&self, query: &str) -> (u16, Value) {
        self.admin("GET", &format!("/audit?{query}"), Value::Null)
    }

    /// An admin API call: status and JSON body (null when there is none).
    pub fn admin(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let request = HttpRequest::new(method, format!("{BASE}{path}"))
            .with_header("authorization", format!("Bearer {ADMIN}"))
            .with_header("content-type", "application/json")
            .with_body(body.to_string().into_bytes());
        let response = self.send(request);
        (
            response.status,
            serde_json::from_slice(&response.body).unwrap_or(Value::Null),
        )
    }

    /// An admin API call that must succeed: its JSON body.
    pub fn admin_ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, json) = self.admin(method, path, body);
        assert!(status < 300, "{status} {json}");
        json
    }

    /// Registers (or replaces) account `acme` at `instance` with `auth`.
    pub fn account(&self, instance: &str, auth: Value) {
        self.admin_ok(
            "PUT",
            "/integrated-account/acme",
            json!({"instance_url": instance, "auth": auth}),
        );
    }

    /// Mints a server on `acme` from `body` (name, config, ...); returns its MCP path.
    pub fn server(&self, body: Value) -> String {
        let (status, body) = self.admin("POST", "/integrated-account/acme/mcp", body);
        assert_eq!(status, 201, "{body}");
        let url = body["url"].as_str().expect("url");
        url.strip_prefix(BASE).expect("public base").to_string()
    }

    /// Registers `acme` (basic auth on [`INSTANCE`]) and mints a server from `server`;
    /// returns its MCP path.
    pub fn provision(&self, server: Value) -> String {
        self.account(
            INSTANCE,
            json!({"type": "basic", "username": "mcp", "password": "s3cret-pw"}),
        );
        self.server(server)
    }

    /// One MCP message to `path`, as a client that takes JSON or SSE sends it.
    pub fn mcp(&self, path: &str, message: Value) -> HttpResponse {
        self.send(mcp_request(path, &message))
    }

    /// A `tools/call` of `name` on `path` that must answer 200: its JSON body.
    pub fn tool_call(&self, path: &str, name: &str, arguments: Value) -> Value {
        let response = self.mcp(path, call(name, arguments));
        assert_eq!(response.status, 200);
        serde_json::from_slice(&response.body).unwrap_or(Value::Null)
    }

    /// One JSON-RPC request (id 1) to `path`: the JSON body, whatever the status.
    pub fn rpc(&self, path: &str, method: &str, params: Value) -> Value {
        let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        json_body(&self.mcp(path, message))
    }

    /// Every tool `path` lists, following cursors.
    pub fn tools(&self, path: &str) -> Vec<Value> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..20 {
            let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
            let body = self.rpc(path, "tools/list", params);
            tools.extend(
                body["result"]["tools"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
            cursor = body["result"]["nextCursor"].as_str().map(str::to_string);
            if cursor.is_none() {
                return tools;
            }
        }
        panic!("tools/list never ended");
    }

    /// The ports and settings of the world, over its own KV.
    pub fn services(&self) -> Services<'_, MemoryKv<'static>, ScriptedUpstream, ManualClock> {
        Services {
            config: &self.config,
            kv: &self.kv,
            upstream: &self.upstream,
            clock: &self.clock,
            db: &self.db,
            audit: &self.recorder,
        }
    }

    /// The requests ServiceNow received, as `METHOD url`.
    pub fn sent(&self) -> Vec<String> {
        self.upstream
            .requests
            .borrow()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }
}

/// A POST of `message` to `path` with the headers MCP clients send.
pub fn mcp_request(path: &str, message: &Value) -> HttpRequest {
    mcp_post(path, message.to_string().into_bytes())
}

/// A POST of raw `body` bytes (valid JSON-RPC or not) to `path`, as [`mcp_request`].
pub fn mcp_post(path: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest::new("POST", format!("{BASE}{path}"))
        .with_header("content-type", "application/json")
        .with_header("accept", "application/json, text/event-stream")
        .with_body(body)
}

pub fn json_body(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).expect("JSON body")
}

/// A `tools/call` message (id 9).
pub fn call(name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
}
