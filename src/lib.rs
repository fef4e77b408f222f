//! A managed MCP server for ServiceNow, as a Cloudflare Worker.
//!
//! Pure core (everything but `shell`) over plain data and two ports (`ports::KvStore`,
//! `ports::Upstream`); `shell` is the only module that names `worker::*`.

pub mod admin;
pub mod app;
pub mod body_cap;
pub mod civil_time;
pub mod config;
pub mod crypto;
pub mod diagnostics;
pub mod gzip;
pub mod http;
pub mod isolate_stats;
pub mod json_text;
pub mod mcp;
pub mod ports;
pub mod servicenow;
#[cfg(target_arch = "wasm32")]
mod shell;
pub mod store;
#[cfg(test)]
mod test_rng;
