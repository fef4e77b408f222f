//! CPU time of the worker's own work per MCP request, natively (no workerd, no network):
//! `initialize`, a cached `tools/list` and a `tools/call` whose ServiceNow answer is
//! canned, through `app::handle` with in-memory KV behind the isolate cache, as on
//! Workers. Prints medians; `cargo run --release --example router_timing`.

use futures::executor::block_on;
use serde_json::{json, Value};
use servicenow_mcp::app;
use servicenow_mcp::config::Config;
use servicenow_mcp::http::{HttpRequest, HttpResponse};
use servicenow_mcp::ports::{ManualClock, MemoryKv, Upstream, UpstreamError};
use servicenow_mcp::services::Services;
use servicenow_mcp::store::cache::{CachedKv, IsolateCache};
use std::time::Instant;

const ADMIN: &str = "timing-admin-token-0123456789abcdefghij";
const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const NOW: u64 = 1_790_000_000;
const RUNS: usize = 2_000;

/// Answers every request with the same ServiceNow page (what `sysparm_display_value=all`
/// returns for five users of about 25 fields).
struct CannedUpstream(HttpResponse);

impl Upstream for CannedUpstream {
    async fn send(&self, _: HttpRequest, _: u64) -> Result<HttpResponse, UpstreamError> {
        Ok(self.0.clone())
    }
}

fn users_page() -> HttpResponse {
    let fields = [
        "user_name",
        "first_name",
        "last_name",
        "email",
        "title",
        "department",
        "manager",
        "location",
        "company",
        "phone",
        "mobile_phone",
        "active",
        "locked_out",
        "vip",
        "sys_created_on",
        "sys_updated_on",
        "sys_created_by",
        "sys_updated_by",
        "sys_mod_count",
        "time_zone",
        "preferred_language",
        "employee_number",
        "cost_center",
        "building",
    ];
    let rows: Vec<Value> = (0..5)
        .map(|i| {
            let mut row = serde_json::Map::new();
            row.insert(
                "sys_id".into(),
                json!({"display_value": format!("{i:032x}"), "value": format!("{i:032x}")}),
            );
            for f in fields {
                let value = format!("{f}-value-{i}");
                let display = if f == "manager" || f == "department" {
                    format!("Display name of {f} {i}")
                } else {
                    value.clone()
                };
                row.insert(f.into(), json!({"display_value": display, "value": value}));
            }
            Value::Object(row)
        })
        .collect();
    HttpResponse::json(200, &json!({ "result": rows })).with_header("x-total-count", "42")
}

fn median_us(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn main() {
    let (config, problems) = Config::from_lookup(|name| match name {
        "ADMIN_TOKEN" => Some(ADMIN.into()),
        "CREDENTIALS_KEY" => Some(KEY.into()),
        _ => None,
    });
    assert!(problems.is_empty(), "{problems:?}");
    let clock = ManualClock::at_secs(NOW);
    let memory = MemoryKv::new(&clock);
    let cache = IsolateCache::default();
    let upstream = CannedUpstream(users_page());
    let db = servicenow_mcp::ports::Unbound("not used: the MCP path never reads D1");
    let recorder = servicenow_mcp::audit::Recorder::default();
    let handle = |request: HttpRequest| {
        let kv = CachedKv::new(&memory, &cache, NOW * 1000);
        let services = Services {
            config: &config,
            kv: &kv,
            upstream: &upstream,
            clock: &clock,
            db: &db,
            audit: &recorder,
        };
        let response = block_on(app::handle(&services, request));
        // Entries are taken as the shell takes them; writing them is the runtime's
        // waitUntil work, after the answer (not timed here).
        recorder.take();
        response
    };
    let admin = |method: &str, path: &str, body: Value| {
        let response = handle(
            HttpRequest::new(method, format!("https://mcp.example.com{path}"))
                .with_header("authorization", format!("Bearer {ADMIN}"))
                .with_header("content-type", "application/json")
                .with_body(body.to_string().into_bytes()),
        );
        serde_json::from_slice::<Value>(&response.body).expect("admin JSON")
    };
    admin(
        "PUT",
        "/integrated-account/acme",
        json!({"instance_url": "https://acme.service-now.com", "auth": {"type": "basic", "username": "mcp", "password": "s3cret-pw"}}),
    );
    let minted = admin(
        "POST",
        "/integrated-account/acme/mcp",
        json!({"name": "bench"}),
    );
    let url = minted["url"].as_str().expect("url").to_string();
    let mcp = |message: &Value, extra: &[(&str, &str)]| {
        let mut request = HttpRequest::new("POST", url.clone())
            .with_header("content-type", "application/json")
            .with_header("accept", "application/json, text/event-stream")
            .with_body(message.to_string().into_bytes());
        for (name, value) in extra {
            request = request.with_header(name, *value);
        }
        handle(request)
    };
    let time = |label: &str, message: Value, extra: &[(&str, &str)]| {
        let first = mcp(&message, extra);
        assert_eq!(
            first.status,
            200,
            "{label}: {}",
            String::from_utf8_lossy(&first.body)
        );
        let xs: Vec<f64> = (0..RUNS)
            .map(|_| {
                let t0 = Instant::now();
                let response = mcp(&message, extra);
                let us = t0.elapsed().as_secs_f64() * 1e6;
                assert_eq!(response.status, 200);
                us
            })
            .collect();
        println!(
            "{label}: median {:.1} µs ({} bytes answered, n={RUNS})",
            median_us(xs),
            first.body.len()
        );
    };
    time(
        "initialize",
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        &[],
    );
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    time("tools/list (cached)", list.clone(), &[]);
    time(
        "tools/list (cached, accept-encoding gzip)",
        list,
        &[("accept-encoding", "gzip, deflate")],
    );
    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_all_service_now_sys_users", "arguments": {"query": "active=true", "limit": 5}}});
    time(
        "tools/call list_all_service_now_sys_users (canned 5-row answer)",
        call.clone(),
        &[],
    );
    // What writing the structured result costs (`json_text`, as the worker does; it is
    // written twice: as structuredContent and, escaped, as the text item).
    let answer: Value = serde_json::from_slice(&mcp(&call, &[]).body).expect("JSON");
    let structured = &answer["result"]["structuredContent"];
    let xs: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t0 = Instant::now();
            let text = servicenow_mcp::json_text::to_string(structured);
            let us = t0.elapsed().as_secs_f64() * 1e6;
            assert!(!text.is_empty());
            us
        })
        .collect();
    println!(
        "  of which one serialisation of structuredContent ({} bytes): median {:.1} µs",
        structured.to_string().len(),
        median_us(xs)
    );
}
