//! MCP over JSON-RPC, both eras: protocol versions, the `/mcp/<token>` endpoint, era
//! selection and the 2026-07-28 request checks, the message model, lifecycle
//! (`initialize`, `server/discover`) and method dispatch, and the Streamable HTTP rules
//! (`transport`). One direction: `endpoint` composes the rest; `transport` uses the
//! message model; the model (`jsonrpc`, `version`, `era`, `dispatch`) never uses
//! `transport`.

pub mod dispatch;
pub mod endpoint;
pub mod era;
pub mod error;
pub mod instructions;
pub mod jsonrpc;
pub mod lifecycle;
mod list_cache;
mod measured;
pub mod model;
pub mod reply;
mod tools;
pub mod transport;
mod upload_limit;
pub mod version;
