//! A managed MCP server for ServiceNow, as a Cloudflare Worker.
//!
//! Pure core (everything but `shell`) over plain data and two ports (`ports::KvStore`,
//! `ports::Upstream`); `shell` is the only module that names `worker::*`.

pub mod admin;
pub mod app;
pub mod audit;
pub mod body_cap;
pub mod civil_time;
pub mod config;
pub mod crypto;
pub mod diagnostics;
pub mod gzip;
pub mod http;
pub mod isolate_stats;
pub mod json_text;
pub mod limits;
pub mod maintenance;
pub mod mcp;
pub mod origin;
pub mod ports;
pub mod records;
pub mod servicenow;
pub mod services;
#[cfg(target_arch = "wasm32")]
mod shell;
pub mod store;
#[cfg(test)]
mod test_rng;

/// The shell is compiled for wasm32 only, so its panic hook is checked from its source:
/// a `#[event(start)]` function (run when an isolate starts, before any request) must
/// install `console_error_panic_hook`, or a panic would reach `wrangler tail` as a bare
/// "unreachable executed".
#[cfg(test)]
mod panic_hook {
    #[test]
    fn the_isolate_start_installs_the_panic_hook() {
        let shell = include_str!("shell.rs");
        let start = shell
            .find("#[event(start)]")
            .expect("the shell has a start event");
        let body = &shell[start..];
        let end = body.find("\n}\n").expect("the start function ends");
        assert!(
            body[..end].contains("console_error_panic_hook::set_once()"),
            "{}",
            &body[..end]
        );
    }
}
