//! The ports and settings one request is served with, handed from the shell (or a test)
//! to the router, the MCP endpoint, the admin API and the ServiceNow calls alike.

use crate::config::Config;

/// The ports and settings a request is served with.
pub struct Services<'a, K, U, C> {
    pub config: &'a Config,
    pub kv: &'a K,
    pub upstream: &'a U,
    pub clock: &'a C,
}
