//! Records in KV: key layout, reads with expiry checks, writes with KV expiration.

pub mod records;

pub use records::{AccountAuth, IntegratedAccount, McpServerRecord};
