//! An in-memory ServiceNow Table API for the demo and the end-to-end tests: tables come
//! from the tool specs, behaviour follows ServiceNow's documentation (docs/simulator.md).
//! Pure core (`Simulator::handle`) plus a thin tiny_http shell (`server`).

pub mod access;
pub mod attachment_api;
pub mod auth;
pub mod catalog_api;
pub mod cli;
pub mod cmdb_api;
pub mod control;
pub mod dictionary;
pub mod faults;
pub mod http;
pub mod knowledge_api;
pub mod multipart;
pub mod platform;
pub mod query;
pub mod ratelimit;
pub mod render;
pub mod request_log;
pub mod schema;
pub mod seed;
pub mod server;
pub mod simulator;
pub mod stats_api;
pub mod store;
pub mod table_api;

pub use http::{Request, Response};
pub use schema::Schema;
pub use seed::{seed_id, SeedKind};
pub use server::{start, ServerHandle};
pub use simulator::{Settings, Simulator};
