//! Shared helpers for the simulator's integration tests: the fixture specs, a
//! simulator driven through `handle` with a fixed clock, and Basic auth headers.
#![allow(dead_code)] // each test binary uses its own subset

use base64::Engine;
use serde_json::Value;
use servicenow_simulator::{Request, Response, Schema, SeedKind, Settings, Simulator};
use std::path::PathBuf;

/// 2025-06-10 12:00:00 UTC.
pub const NOW: i64 = 1_749_556_800;

pub fn fixture_specs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs")
}

pub fn fixture_schema() -> Schema {
    match Schema::load_dir(&fixture_specs()) {
        Ok(schema) => schema,
        Err(e) => panic!("fixture specs must load: {e}"),
    }
}

/// The repository's own specs (`tool-specs/servicenow`), the ones the worker's tools
/// are built from.
pub fn repository_schema() -> Schema {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tool-specs/servicenow");
    Schema::load_dir(&dir).unwrap_or_else(|e| panic!("repository specs must load: {e}"))
}

pub fn basic(user: &str, password: &str) -> String {
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A simulator answering through `handle` at a controllable time.
pub struct Harness {
    pub sim: Simulator,
    pub now: i64,
}

impl Harness {
    pub fn demo() -> Harness {
        Harness::with(SeedKind::Demo, Settings::default())
    }

    pub fn with(seed: SeedKind, settings: Settings) -> Harness {
        Harness {
            sim: Simulator::new(fixture_schema(), seed, settings),
            now: NOW,
        }
    }

    /// The demo seed over the repository's specs.
    pub fn repository() -> Harness {
        Harness::over(Simulator::new(
            repository_schema(),
            SeedKind::Demo,
            Settings::default(),
        ))
    }

    /// A harness around `sim`, at [`NOW`].
    pub fn over(sim: Simulator) -> Harness {
        Harness { sim, now: NOW }
    }

    /// `request` exactly as given (no headers added), at the harness's time.
    pub fn raw(&mut self, request: &Request) -> Response {
        self.sim.handle(request, self.now)
    }

    /// `request` with the Host header and `user`'s Basic credentials (password = user
    /// name, as the demo accounts have).
    pub fn send_as(&mut self, user: &str, request: Request) -> Response {
        self.send(request.with_header("Authorization", &basic(user, user)))
    }

    pub fn send(&mut self, request: Request) -> Response {
        let request = request.with_header("Host", "sim.test");
        self.sim.handle(&request, self.now)
    }

    /// A request as `user` (password = user name, as the demo accounts have).
    pub fn call(&mut self, user: &str, method: &str, url: &str, body: Option<&str>) -> Response {
        let mut request =
            Request::new(method, url).with_header("Authorization", &basic(user, user));
        if let Some(body) = body {
            request = request
                .with_header("Content-Type", "application/json")
                .with_body(body);
        }
        self.send(request)
    }

    pub fn get(&mut self, user: &str, url: &str) -> Response {
        self.call(user, "GET", url, None)
    }
}

pub fn json(response: &Response) -> Value {
    match response.body_json() {
        Some(value) => value,
        None => panic!(
            "status {} body is not JSON: {:?}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ),
    }
}

/// `result` of a list response as an array.
pub fn results(response: &Response) -> Vec<Value> {
    match json(response).get("result") {
        Some(Value::Array(items)) => items.clone(),
        other => panic!("expected a result array, got {other:?}"),
    }
}

pub fn str_field<'a>(value: &'a Value, field: &str) -> &'a str {
    value.get(field).and_then(Value::as_str).unwrap_or("")
}
