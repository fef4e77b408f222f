//! MCP over JSON-RPC: message model, lifecycle, and method dispatch for one request
//! (initialize, ping, tools/list, tools/call). No HTTP framing here (see `transport`).

pub mod dispatch;
pub mod instructions;
pub mod jsonrpc;
pub mod lifecycle;
mod tools;

pub use dispatch::{dispatch, Reply, Services};
