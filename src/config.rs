//! Deployment settings read from Worker vars and secrets, as plain data.

use crate::crypto::SealingKey;

/// Default time a ServiceNow call may take before the tool call fails.
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = 25_000;

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Extra browser origins allowed to call `/mcp` (var `ALLOWED_ORIGINS`, comma-separated).
    pub allowed_origins: Vec<String>,
    /// Base of minted URLs (var `PUBLIC_URL`); else the request's origin.
    pub public_url: Option<String>,
    /// Bearer token for the admin API (secret `ADMIN_TOKEN`); admin API is off without it.
    pub admin_token: Option<String>,
    /// Seals credentials at rest (secret `CREDENTIALS_KEY`).
    pub sealing_key: Option<SealingKey>,
    /// Allows `http://` instance URLs (var `ALLOW_HTTP_UPSTREAM=true`): local demo and tests only.
    pub allow_http_upstream: bool,
    /// Upstream timeout in ms (var `UPSTREAM_TIMEOUT_MS`).
    pub upstream_timeout_ms: u64,
}

impl Config {
    /// Builds the config from a variable lookup (Worker env, or a map in tests).
    /// Problems are returned as messages for the operator, never panics.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> (Config, Vec<String>) {
        let mut problems = Vec::new();
        let non_empty = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let sealing_key =
            non_empty("CREDENTIALS_KEY").and_then(|s| match SealingKey::from_secret(&s) {
                Ok(k) => Some(k),
                Err(e) => {
                    problems.push(e.to_string());
                    None
                }
            });
        let upstream_timeout_ms = match non_empty("UPSTREAM_TIMEOUT_MS").map(|v| v.parse::<u64>()) {
            None => DEFAULT_UPSTREAM_TIMEOUT_MS,
            Some(Ok(ms)) if (100..=120_000).contains(&ms) => ms,
            Some(_) => {
                problems
                    .push("UPSTREAM_TIMEOUT_MS must be an integer between 100 and 120000".into());
                DEFAULT_UPSTREAM_TIMEOUT_MS
            }
        };
        let config = Config {
            allowed_origins: non_empty("ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            public_url: non_empty("PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            admin_token: non_empty("ADMIN_TOKEN"),
            sealing_key,
            allow_http_upstream: non_empty("ALLOW_HTTP_UPSTREAM").is_some_and(|v| v == "true"),
            upstream_timeout_ms,
        };
        (config, problems)
    }
}
