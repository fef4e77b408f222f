//! Structure-aware fuzzing of the whole request router (`app::handle`) over in-memory KV
//! and a fake ServiceNow answering random statuses, headers and bodies.
//!
//! Properties checked on every input: no panic; every answer is well-formed HTTP whose
//! body is a JSON-RPC message or a JSON error (or empty for 202/204); a read-only server
//! never sends ServiceNow anything but GET (OAuth token requests aside); no answer
//! carries a stored secret. `cargo test` runs a short run; `make fuzz` runs
//! `fuzz_router_long` (`FUZZ_INPUTS`, default 1,000,000; `FUZZ_SEED`; `FUZZ_SECONDS`
//! bounds the time, default 1800).
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use futures::executor::block_on;
use serde_json::{json, Map, Value};
use servicenow_mcp::app;
use servicenow_mcp::config::Config;
use servicenow_mcp::http::{HttpRequest, HttpResponse};
use servicenow_mcp::ports::{Clock, ManualClock, MemoryKv, Upstream, UpstreamError};
use servicenow_mcp::services::Services;
use servicenow_mcp::store::cache::{CachedKv, IsolateCache};
use snmcp_catalog::Catalog;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

const ADMIN: &str = "fuzz-admin-token-0123456789abcdefghijklmnop";
const KEY: &str = "8f0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e77";
const PASSWORD: &str = "fuzz-basic-password-Zq8";
const CLIENT_SECRET: &str = "fuzz-oauth-client-secret-Kx3";
const OAUTH_PASSWORD: &str = "fuzz-oauth-user-password-Wm5";
const ACCESS_TOKEN: &str = "fuzz-access-token-Hb2";
const NOW: u64 = 1_790_000_000;
const BASE: &str = "https://mcp.fuzz.example";
const SYS_ID: &str = "0123456789abcdef0123456789abcdef";
/// MCP bodies past 1 MiB are served only for a call of this tool on a server exposing it.
const UPLOAD: &str = "attach_file_service_now_sys_attachment";
const SMALL_CAP: usize = 1024 * 1024;
/// The upload body limit for the default 5 MiB `UPLOAD_MAX_BYTES`.
const UPLOAD_CAP: usize = 7_492_950;

/// xorshift64*: small, deterministic, good enough to explore.
struct Rng(Cell<u64>);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(Cell::new(seed.max(1)))
    }
    fn next(&self) -> u64 {
        let mut x = self.0.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&self, max: usize) -> Vec<u8> {
        (0..self.below(max + 1))
            .map(|_| self.next() as u8)
            .collect()
    }
    fn text(&self, max: usize) -> String {
        const PIECES: [&str; 24] = [
            "a",
            "Z",
            "0",
            "9",
            " ",
            "^",
            "=",
            "OR",
            "NQ",
            "é",
            "€",
            "😀",
            "\"",
            "\\",
            "<",
            ">",
            "/",
            ":",
            ",",
            "\u{0}",
            "\n",
            "%",
            "INC0010001",
            SYS_ID,
        ];
        (0..self.below(max + 1))
            .map(|_| *self.pick(&PIECES))
            .collect()
    }
}

/// ServiceNow as a random process: any status, headers and body, or a transport error.
struct FakeUpstream {
    rng: Rng,
    sent: RefCell<Vec<(String, String)>>,
}

impl FakeUpstream {
    fn record(&self, rng: &Rng) -> Value {
        let mut record = Map::new();
        for field in [
            "sys_id",
            "number",
            "short_description",
            "state",
            "caller_id",
        ] {
            if rng.chance(80) {
                let value = match rng.below(5) {
                    0 => json!(SYS_ID),
                    1 => json!({"link": "https://x/api", "value": SYS_ID}),
                    2 => json!({"display_value": rng.text(8), "value": rng.text(8)}),
                    3 => Value::Null,
                    _ => json!(rng.text(12)),
                };
                record.insert(field.into(), value);
            }
        }
        Value::Object(record)
    }

    /// A random body; the access token only ever comes from the token endpoint (any
    /// other body that held it would be ServiceNow echoing it, not the worker leaking).
    fn body(&self, token_endpoint: bool) -> Vec<u8> {
        let rng = &self.rng;
        let access_token = if token_endpoint {
            ACCESS_TOKEN
        } else {
            "not-a-token"
        };
        match rng.below(10) {
            0 => Vec::new(),
            1 => rng.bytes(64),
            2 => format!("<html><script>{}</script><body>{}</body>", rng.text(8), rng.text(20))
                .into_bytes(),
            3 => json!({"error": {"message": rng.text(20), "detail": rng.text(40)}, "status": "failure"})
                .to_string()
                .into_bytes(),
            4 => json!({"result": self.record(rng)}).to_string().into_bytes(),
            5 => json!({"access_token": access_token, "expires_in": rng.pick(&[json!(1800), json!("x"), json!(u64::MAX), json!(-1)])})
                .to_string()
                .into_bytes(),
            6 => json!({"result": rng.text(5)}).to_string().into_bytes(),
            _ => {
                let rows: Vec<Value> = (0..rng.below(4)).map(|_| self.record(rng)).collect();
                json!({ "result": rows }).to_string().into_bytes()
            }
        }
    }
}

impl Upstream for FakeUpstream {
    async fn send(
        &self,
        request: HttpRequest,
        _timeout_ms: u64,
    ) -> Result<HttpResponse, UpstreamError> {
        self.sent
            .borrow_mut()
            .push((request.method.clone(), request.url.clone()));
        let rng = &self.rng;
        let token_endpoint = request.url.ends_with("/oauth_token.do");
        match rng.below(40) {
            0 => return Err(UpstreamError::Timeout { after_ms: 25_000 }),
            1 => return Err(UpstreamError::Network("connection reset".into())),
            2 => {
                return Err(UpstreamError::TooLarge {
                    limit_bytes: 4 << 20,
                })
            }
            _ => {}
        }
        let status = *rng.pick(&[
            200, 200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 405, 429, 500, 502,
            503, 999, 100,
        ]);
        let mut response = HttpResponse::new(status);
        response.body = self.body(token_endpoint);
        for _ in 0..rng.below(4) {
            let name = *rng.pick(&[
                "content-type",
                "retry-after",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
                "location",
                "x-total-count",
                "link",
            ]);
            let value = match rng.below(4) {
                0 => (rng.next() % 100_000).to_string(),
                1 => "Sun, 06 Nov 1994 08:49:37 GMT".to_string(),
                2 => "https://elsewhere.example/x".to_string(),
                _ => rng.text(12),
            };
            response.headers.push((name.to_string(), value));
        }
        Ok(response)
    }
}

struct World {
    config: Config,
    clock: ManualClock,
    upstream: FakeUpstream,
    tools: Vec<(String, Vec<String>)>,
    cache: IsolateCache,
    db: servicenow_mcp::ports::SqliteDb,
    recorder: servicenow_mcp::audit::Recorder,
}

impl World {
    fn handle(&self, kv: &MemoryKv<'_>, request: HttpRequest) -> HttpResponse {
        // Through the isolate cache, as on Workers.
        let kv = CachedKv::new(kv, &self.cache, self.clock.now_ms());
        let services = Services {
            config: &self.config,
            kv: &kv,
            upstream: &self.upstream,
            clock: &self.clock,
            db: &self.db,
            audit: &self.recorder,
        };
        let response = block_on(app::handle(&services, request));
        // What the audit log would keep of this input: never a stored secret, and SQL
        // for every entry (the shell writes it after the answer).
        for entry in self.recorder.take() {
            let text = serde_json::to_string(&entry).unwrap_or_default();
            for secret in secrets() {
                assert!(
                    !text.contains(secret),
                    "a stored secret reached an audit entry: {text}"
                );
            }
            assert_eq!(servicenow_mcp::audit::log::insert(&[entry]).len(), 1);
        }
        response
    }

    fn admin(&self, kv: &MemoryKv<'_>, method: &str, path: &str, body: Value) -> Value {
        let request = HttpRequest::new(method, format!("{BASE}{path}"))
            .with_header("authorization", format!("Bearer {ADMIN}"))
            .with_header("content-type", "application/json")
            .with_body(body.to_string());
        let response = self.handle(kv, request);
        assert!(
            response.status < 300,
            "provisioning {method} {path}: {response:?}"
        );
        serde_json::from_slice(&response.body).unwrap_or(Value::Null)
    }

    fn server(&self, kv: &MemoryKv<'_>, account: &str, methods: Value) -> String {
        let body = self.admin(
            kv,
            "POST",
            &format!("/integrated-account/{account}/mcp"),
            json!({"name": "fuzz", "config": {"methods": methods}}),
        );
        let url = body["url"].as_str().unwrap_or_default();
        url.strip_prefix(BASE).unwrap_or_default().to_string()
    }
}

/// What one generated input targets.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    ReadOnly,
    ReadWrite,
    OAuth,
    Other,
}

struct Paths {
    read_only: String,
    read_write: String,
    oauth: String,
}

fn setup(kv: &MemoryKv<'_>, world: &World) -> Paths {
    world.admin(
        kv,
        "PUT",
        "/integrated-account/basic",
        json!({"instance_url": "https://basic.service-now.com", "auth": {"type": "basic", "username": "svc", "password": PASSWORD}}),
    );
    world.admin(
        kv,
        "PUT",
        "/integrated-account/oauth",
        json!({"instance_url": "https://oauth.service-now.com", "auth": {"type": "oauth2_password", "client_id": "cid", "client_secret": CLIENT_SECRET, "username": "u", "password": OAUTH_PASSWORD}}),
    );
    Paths {
        read_only: world.server(kv, "basic", json!(["read"])),
        read_write: world.server(kv, "basic", json!(["read", "write"])),
        oauth: world.server(kv, "oauth", json!(["read", "write"])),
    }
}

fn random_json(rng: &Rng, depth: u32) -> Value {
    match rng.below(if depth == 0 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.next() as i64 >> rng.below(60)),
        3 => json!(rng.text(16)),
        4 => json!(*rng.pick(&[SYS_ID, "INC0010001", "1", "", "2026-01-01 00:00:00", "true"])),
        5 => json!(f64::from(rng.next() as u32) / 7.0),
        6 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(4) {
                map.insert(rng.text(6), random_json(rng, depth - 1));
            }
            Value::Object(map)
        }
    }
}

fn arguments(rng: &Rng, fields: &[String]) -> Value {
    if rng.chance(5) {
        return random_json(rng, 2);
    }
    let mut args = Map::new();
    // Often a call that validates (an id where one is taken, a small page), so inputs
    // reach ServiceNow rather than stopping at argument validation.
    if rng.chance(50) {
        if fields.iter().any(|f| f == "id") {
            args.insert("id".into(), json!(*rng.pick(&[SYS_ID, "INC0010001"])));
        }
        if fields.iter().any(|f| f == "limit") && rng.chance(50) {
            args.insert("limit".into(), json!(1 + rng.below(20)));
        }
        if fields.iter().any(|f| f == "query") && rng.chance(30) {
            args.insert(
                "query".into(),
                json!(*rng.pick(&["active=true", "ORactive=false", "^NQx=1", "ORDERBYnumber"])),
            );
        }
        return Value::Object(args);
    }
    for _ in 0..rng.below(5) {
        let key = if !fields.is_empty() && rng.chance(80) {
            rng.pick(fields).clone()
        } else {
            rng.text(8)
        };
        let value = match key.as_str() {
            "id" if rng.chance(70) => json!(*rng.pick(&[SYS_ID, "INC0010001", "CHG0000001"])),
            "limit" if rng.chance(70) => json!(rng.below(2_000) as i64 - 5),
            "query" if rng.chance(70) => json!(*rng.pick(&[
                "active=true",
                "ORactive=false",
                "^NQx=1",
                "ORDERBYnumber",
                "a=1^ORb=2"
            ])),
            "fields" if rng.chance(70) => json!(["number", "sys_id", rng.text(5)]),
            _ => random_json(rng, 2),
        };
        args.insert(key, value);
    }
    Value::Object(args)
}

const METHODS: [&str; 16] = [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "tools/call",
    "tools/call",
    "tools/call",
    "tools/call",
    "tools/call",
    "tools/call",
    "notifications/initialized",
    "resources/list",
    "prompts/list",
    "logging/setLevel",
    "completion/complete",
    "server/discover",
];

/// One JSON-RPC envelope: random method, id, params and tool arguments; in the modern
/// era (`2026-07-28`) `_meta` carries the protocol version and headers mirror it.
fn envelope(rng: &Rng, world: &World, modern: bool) -> (Value, Vec<(String, String)>) {
    let method = if rng.chance(90) {
        rng.pick(&METHODS).to_string()
    } else {
        rng.text(12)
    };
    let mut params = Map::new();
    let mut tool_name = None;
    match method.as_str() {
        "initialize" => {
            params.insert(
                "protocolVersion".into(),
                json!(*rng.pick(&[
                    "2025-11-25",
                    "2025-06-18",
                    "2024-11-05",
                    "1999-01-01",
                    "2026-07-28"
                ])),
            );
            params.insert("capabilities".into(), json!({}));
            params.insert("clientInfo".into(), json!({"name": "fuzz", "version": "1"}));
        }
        "tools/call" => {
            let (name, fields) = if rng.chance(90) {
                rng.pick(&world.tools).clone()
            } else {
                (rng.text(10), Vec::new())
            };
            params.insert("name".into(), json!(name));
            params.insert("arguments".into(), arguments(rng, &fields));
            tool_name = Some(name);
        }
        "tools/list" if rng.chance(30) => {
            params.insert("cursor".into(), random_json(rng, 0));
        }
        _ => {}
    }
    let mut headers = Vec::new();
    if modern {
        params.insert(
            "_meta".into(),
            json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"}),
        );
        headers.push(("mcp-protocol-version".to_string(), "2026-07-28".to_string()));
        headers.push(("mcp-method".to_string(), method.clone()));
        if let Some(name) = &tool_name {
            headers.push(("mcp-name".to_string(), name.clone()));
        }
    } else if rng.chance(30) {
        headers.push((
            "mcp-protocol-version".to_string(),
            rng.pick(&[
                "2025-11-25",
                "2025-06-18",
                "2025-03-26",
                "2024-11-05",
                "bogus",
            ])
            .to_string(),
        ));
    }
    let mut message = Map::new();
    message.insert(
        "jsonrpc".into(),
        json!(if rng.chance(95) { "2.0" } else { "1.0" }),
    );
    if !method.starts_with("notifications/") || rng.chance(10) {
        let id = match rng.below(20) {
            0..=3 => json!(rng.text(6)),
            4 => Value::Null,
            5 => json!({"x": 1}),
            _ => json!(rng.below(1_000_000)),
        };
        message.insert("id".into(), id);
    }
    message.insert("method".into(), json!(method));
    if !params.is_empty() || rng.chance(20) {
        message.insert("params".into(), Value::Object(params));
    }
    (Value::Object(message), headers)
}

/// One generated HTTP request and what it targets.
fn input(rng: &Rng, world: &World, paths: &Paths) -> (HttpRequest, Target) {
    let (path, target) = match rng.below(20) {
        0..=5 => (paths.read_only.clone(), Target::ReadOnly),
        6..=11 => (paths.read_write.clone(), Target::ReadWrite),
        12..=14 => (paths.oauth.clone(), Target::OAuth),
        15 => (format!("/mcp/{}", rng.text(30)), Target::Other),
        16 => (
            rng.pick(&[
                "/integrated-account/fz",
                "/integrated-account/fz/mcp",
                "/api-tokens",
                "/integrated-account/basic/api-tokens",
                "/integrated-account/basic/mcp",
                "/integrated-account/fz/mcp/mcp_0123",
            ])
            .to_string(),
            Target::Other,
        ),
        17 => (
            rng.pick(&["/", "/health", "/mcp", "/mcp/", "/dashboard"])
                .to_string(),
            Target::Other,
        ),
        _ => (format!("/{}", rng.text(10)), Target::Other),
    };
    let method = if rng.chance(90) {
        "POST"
    } else {
        *rng.pick(&["GET", "DELETE", "OPTIONS", "PUT", "PATCH", "HEAD", "BREW"])
    };
    let mut request = HttpRequest::new(method, format!("{BASE}{path}"));
    let modern = rng.chance(30);
    let body = match rng.below(20) {
        0 => rng.bytes(128),
        1 => b"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]".to_vec(),
        2 => Vec::new(),
        3 => {
            // A mutated valid envelope: a few bytes flipped or cut.
            let mut bytes = envelope(rng, world, modern).0.to_string().into_bytes();
            for _ in 0..=rng.below(3) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.below(bytes.len());
                if rng.chance(50) {
                    bytes[at] = rng.next() as u8;
                } else {
                    bytes.truncate(at);
                }
            }
            bytes
        }
        4 if target == Target::Other => random_json(rng, 3).to_string().into_bytes(),
        _ => {
            let (message, headers) = envelope(rng, world, modern);
            request.headers.extend(headers);
            message.to_string().into_bytes()
        }
    };
    request.body = body.into();
    // Now and then a body past 1 MiB: an upload call, or any message padded out.
    if rng.chance(2) {
        let size = SMALL_CAP + rng.below(SMALL_CAP);
        request.body = if rng.chance(50) {
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": UPLOAD,
                "arguments": {"table_name": "incident", "table_sys_id": SYS_ID, "file_name": "f.zip",
                    "content_type": "application/octet-stream", "encoding": "base64",
                    "content": "A".repeat(size / 4 * 4)}}})
            .to_string()
            .into_bytes()
            .into()
        } else {
            let mut message = serde_json::from_slice::<Value>(&request.body)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({"jsonrpc": "2.0", "id": 8, "method": "ping"}));
            message["params"] = json!({"_meta": {"pad": "x".repeat(size)}});
            message.to_string().into_bytes().into()
        };
    }
    if rng.chance(90) {
        request = request.with_header(
            "content-type",
            *rng.pick(&[
                "application/json",
                "text/plain",
                "application/json; charset=utf-8",
            ]),
        );
    }
    if rng.chance(90) {
        request = request.with_header(
            "accept",
            *rng.pick(&[
                "application/json, text/event-stream",
                "text/event-stream",
                "application/json",
                "*/*",
            ]),
        );
    }
    if rng.chance(10) {
        request = request.with_header(
            "origin",
            *rng.pick(&[
                "http://localhost:6274",
                "https://evil.example",
                BASE,
                "null",
            ]),
        );
    }
    if rng.chance(15) {
        let value = match rng.below(4) {
            0 => format!("Bearer {ADMIN}"),
            1 => "Bearer not-a-token".to_string(),
            2 => format!("Basic {}", rng.text(10)),
            _ => rng.text(20),
        };
        request = request.with_header("authorization", value);
    }
    if rng.chance(5) {
        let value = match rng.below(3) {
            0 => (rng.next() % 3_000_000).to_string(),
            1 => request.body.len().to_string(),
            _ => rng.text(5),
        };
        request = request.with_header("content-length", value);
    }
    (request, target)
}

/// The body-limit rule for an answer to `request`: `Err` says how it was broken. Past
/// 1 MiB (body or declared length) a POST to `/mcp/<token>` is 413 unless its Origin is
/// refused first, or it is a call of the upload tool, within the upload limit, to a server
/// exposing that tool; that call is never 413.
fn check_body_limit(request: &HttpRequest, target: Target, status: u16) -> Result<(), String> {
    if request.method != "POST" || !request.path().starts_with("/mcp/") || status == 403 {
        return Ok(());
    }
    let declared = request
        .header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let size = declared.max(request.body.len());
    let message = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
    let upload_call = message["method"] == "tools/call"
        && message["params"]["name"] == UPLOAD
        && message
            .get("id")
            .is_some_and(|id| id.is_string() || id.is_number())
        && matches!(target, Target::ReadWrite | Target::OAuth);
    match (size > SMALL_CAP, upload_call && size <= UPLOAD_CAP) {
        (true, false) if status != 413 => Err(format!("{size} bytes answered {status}, not 413")),
        (_, true) if status == 413 => Err(format!("an upload call of {size} bytes answered 413")),
        _ => Ok(()),
    }
}

/// Every secret provisioned in this world: none may appear in any answer.
fn secrets() -> [&'static str; 6] {
    [
        ADMIN,
        KEY,
        PASSWORD,
        CLIENT_SECRET,
        OAUTH_PASSWORD,
        ACCESS_TOKEN,
    ]
}

fn is_header_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks one answer; `Err` says which property failed.
fn check_answer(response: &HttpResponse) -> Result<(), String> {
    if !(100..=599).contains(&response.status) {
        return Err(format!("status {}", response.status));
    }
    for (name, value) in &response.headers {
        if !is_header_token(name) || value.contains(['\r', '\n', '\0']) {
            return Err(format!("malformed header {name:?}: {value:?}"));
        }
    }
    for secret in secrets() {
        let in_headers = response.headers.iter().any(|(_, v)| v.contains(secret));
        if in_headers || String::from_utf8_lossy(&response.body).contains(secret) {
            return Err(format!("a stored secret ({}...) leaked", &secret[..8]));
        }
    }
    if response.body.is_empty() {
        return match response.status {
            202 | 204 => Ok(()),
            s => Err(format!("empty body with status {s}")),
        };
    }
    let content_type = response.header("content-type").unwrap_or_default();
    let json: Value = if content_type.starts_with("text/event-stream") {
        let text = String::from_utf8_lossy(&response.body);
        let data = text
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .ok_or("SSE answer without a data line")?;
        serde_json::from_str(data).map_err(|e| format!("SSE data is not JSON: {e}"))?
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice(&response.body).map_err(|e| format!("body is not JSON: {e}"))?
    } else {
        return Err(format!("content-type {content_type:?} with a body"));
    };
    let rpc = json.get("jsonrpc") == Some(&json!("2.0"))
        && json.get("id").is_some()
        && (json.get("result").is_some() != json.get("error").is_some());
    let error = json
        .get("error")
        .and_then(Value::as_object)
        .is_some_and(|e| e.contains_key("message") || e.contains_key("code"));
    let health = json.get("status") == Some(&json!("ok"));
    if rpc || error || health || (response.status < 300 && json.is_object()) {
        Ok(())
    } else {
        Err(format!("neither JSON-RPC nor a JSON error: {json}"))
    }
}

struct Report {
    inputs: u64,
    elapsed: Duration,
    by_status: std::collections::BTreeMap<u16, u64>,
    upstream_requests: u64,
}

fn run(inputs: u64, seed: u64, budget: Duration) -> Report {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("builtin catalog: {e}"));
    let tools: Vec<(String, Vec<String>)> = catalog
        .tools()
        .iter()
        .map(|tool| {
            let fields = tool
                .definition
                .pointer("/inputSchema/properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            (tool.name.clone(), fields)
        })
        .collect();
    let (config, problems) = Config::from_lookup(|name| match name {
        "ADMIN_TOKEN" => Some(ADMIN.into()),
        "CREDENTIALS_KEY" => Some(KEY.into()),
        _ => None,
    });
    assert!(problems.is_empty(), "{problems:?}");
    let world = World {
        config,
        clock: ManualClock::at_secs(NOW),
        upstream: FakeUpstream {
            rng: Rng::new(seed ^ 0x5555_aaaa_5555_aaaa),
            sent: RefCell::new(Vec::new()),
        },
        tools,
        cache: IsolateCache::default(),
        db: servicenow_mcp::ports::SqliteDb::migrated(),
        recorder: Default::default(),
    };
    let kv = MemoryKv::new(&world.clock);
    let paths = setup(&kv, &world);
    let rng = Rng::new(seed);
    let started = Instant::now();
    let mut report = Report {
        inputs: 0,
        elapsed: Duration::ZERO,
        by_status: Default::default(),
        upstream_requests: 0,
    };
    while report.inputs < inputs && started.elapsed() < budget {
        let (request, target) = input(&rng, &world, &paths);
        let shown = format!(
            "{} {} {:?} body={:?}",
            request.method,
            request.url,
            request.headers,
            String::from_utf8_lossy(&request.body)
        );
        world.upstream.sent.borrow_mut().clear();
        let sent_request = request.clone();
        let answer = catch_unwind(AssertUnwindSafe(|| world.handle(&kv, sent_request)));
        let response = match answer {
            Ok(response) => response,
            Err(_) => panic!("input #{} panicked: {shown}", report.inputs),
        };
        if let Err(problem) = check_answer(&response) {
            panic!(
                "input #{}: {problem}\n  request: {shown}\n  answer: {} {:?} {}",
                report.inputs,
                response.status,
                response.headers,
                String::from_utf8_lossy(&response.body)
            );
        }
        if let Err(problem) = check_body_limit(&request, target, response.status) {
            panic!(
                "input #{}: body limit: {problem}\n  request: {}",
                report.inputs,
                shown.chars().take(400).collect::<String>()
            );
        }
        let sent = world.upstream.sent.borrow();
        if target == Target::ReadOnly {
            if let Some((method, url)) = sent
                .iter()
                .find(|(m, u)| m != "GET" && !u.ends_with("/oauth_token.do"))
            {
                panic!(
                    "input #{}: the read-only server sent {method} {url}\n  request: {shown}",
                    report.inputs
                );
            }
        }
        report.upstream_requests += sent.len() as u64;
        *report.by_status.entry(response.status).or_default() += 1;
        report.inputs += 1;
        // Time moves so cached tokens and expiries are exercised too.
        if rng.chance(1) {
            world.clock.advance_secs(rng.next() % 600);
        }
    }
    report.elapsed = started.elapsed();
    report
}

fn print(report: &Report, seed: u64) {
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    println!(
        "fuzz_router: {} inputs in {:.1} s = {:.0} inputs/s (seed {seed}); {} upstream requests; answers by status: {:?}",
        report.inputs,
        secs,
        report.inputs as f64 / secs,
        report.upstream_requests,
        report.by_status
    );
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[test]
fn fuzz_router_short() {
    let seed = env_u64("FUZZ_SEED", 0x00c0_ffee);
    let report = run(20_000, seed, Duration::from_secs(300));
    print(&report, seed);
    assert_eq!(report.inputs, 20_000, "the run ran out of time");
    // The generator must reach past the transport into tool calls and ServiceNow.
    assert!(
        report.upstream_requests > 400,
        "{}",
        report.upstream_requests
    );
    assert!(report.by_status.get(&200).copied().unwrap_or(0) > 4_000);
}

#[test]
#[ignore = "a million inputs: run with `make fuzz`"]
fn fuzz_router_long() {
    let inputs = env_u64("FUZZ_INPUTS", 1_000_000);
    let seed = env_u64("FUZZ_SEED", 0x5eed_0001);
    let budget = Duration::from_secs(env_u64("FUZZ_SECONDS", 1_800));
    let report = run(inputs, seed, budget);
    print(&report, seed);
    assert_eq!(
        report.inputs,
        inputs,
        "stopped by FUZZ_SECONDS={} before FUZZ_INPUTS={inputs}",
        budget.as_secs()
    );
}
