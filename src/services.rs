//! The ports and settings one request is served with, handed from the shell (or a test)
//! to the router, the MCP endpoint, the admin API and the ServiceNow calls alike.

use crate::audit::Recorder;
use crate::config::Config;
use crate::ports::Database;

/// The ports and settings a request is served with.
pub struct Services<'a, K, U, C> {
    pub config: &'a Config,
    pub kv: &'a K,
    pub upstream: &'a U,
    pub clock: &'a C,
    /// D1: the audit log (and, next, the system of record). Never read on the MCP path.
    pub db: &'a dyn Database,
    /// Where the request's audit entries go; the shell writes them after the answer.
    pub audit: &'a Recorder,
}
