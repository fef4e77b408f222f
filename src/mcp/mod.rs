//! MCP over JSON-RPC, both eras: protocol versions, the `/mcp/<token>` endpoint, era
//! selection and the 2026-07-28 request checks, the message model, lifecycle
//! (`initialize`, `server/discover`) and method dispatch. HTTP framing rules are
//! `transport`'s, which this module calls; `transport` never calls back.

pub mod dispatch;
pub mod endpoint;
pub mod era;
pub mod instructions;
pub mod jsonrpc;
pub mod lifecycle;
mod tools;
pub mod version;

pub use dispatch::{dispatch, Reply, Services};
