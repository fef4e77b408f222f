//! MCP over JSON-RPC: message model, lifecycle, and method dispatch for one request
//! (initialize, ping, tools/list, tools/call). No HTTP framing here (see `transport`).

pub mod dispatch;
pub mod jsonrpc;
pub mod lifecycle;

pub use dispatch::{dispatch, Reply, Services};
