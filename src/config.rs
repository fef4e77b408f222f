//! Deployment settings read from Worker vars and secrets, as plain data.

use crate::crypto::SealingKey;
use crate::limits::{
    DEFAULT_UPLOAD_MAX_BYTES, DEFAULT_UPSTREAM_MAX_BODY_BYTES, UPLOAD_MAX_BYTES_FLOOR,
    UPLOAD_MAX_BYTES_LIMIT, UPSTREAM_MAX_BODY_BYTES_LIMIT,
};

/// Default time a ServiceNow call may take before the tool call fails.
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = 25_000;

/// Shorter admin tokens are refused (the admin API stays off): they can be guessed.
pub const MIN_ADMIN_TOKEN_BYTES: usize = 32;

#[derive(Debug, Clone)]
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
    /// Largest ServiceNow answer read, in bytes (var `UPSTREAM_MAX_BODY_BYTES`, default
    /// 4 MiB); a larger one becomes an isError asking for fewer fields or a smaller limit.
    pub upstream_max_body_bytes: usize,
    /// Largest file an upload attaches, in bytes after decoding (var `UPLOAD_MAX_BYTES`,
    /// default 5 MiB, at most [`UPLOAD_MAX_BYTES_LIMIT`]). Servers that expose the upload
    /// tool accept request bodies large enough to carry such a file in base64.
    pub upload_max_bytes: usize,
    /// Days an audit row is kept (var `AUDIT_RETENTION_DAYS`, 1 to 3650, default 30); the
    /// cron job deletes older rows.
    pub audit_retention_days: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            allowed_origins: Vec::new(),
            public_url: None,
            admin_token: None,
            sealing_key: None,
            allow_http_upstream: false,
            upstream_timeout_ms: DEFAULT_UPSTREAM_TIMEOUT_MS,
            upstream_max_body_bytes: DEFAULT_UPSTREAM_MAX_BODY_BYTES,
            upload_max_bytes: DEFAULT_UPLOAD_MAX_BYTES,
            audit_retention_days: crate::audit::retention::DEFAULT_RETENTION_DAYS,
        }
    }
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
        // During a key rotation the previous key still opens what it sealed; every
        // account write re-seals with the current key.
        let sealing_key = match (sealing_key, non_empty("CREDENTIALS_KEY_PREVIOUS")) {
            (Some(key), Some(previous)) => match key.clone().with_previous(&previous) {
                Ok(both) => Some(both),
                Err(e) => {
                    problems.push(e.to_string());
                    Some(key)
                }
            },
            (key, _) => key,
        };
        let upstream_timeout_ms = match non_empty("UPSTREAM_TIMEOUT_MS").map(|v| v.parse::<u64>()) {
            None => DEFAULT_UPSTREAM_TIMEOUT_MS,
            Some(Ok(ms)) if (100..=120_000).contains(&ms) => ms,
            Some(_) => {
                problems
                    .push("UPSTREAM_TIMEOUT_MS must be an integer between 100 and 120000".into());
                DEFAULT_UPSTREAM_TIMEOUT_MS
            }
        };
        let upstream_max_body_bytes = match non_empty("UPSTREAM_MAX_BODY_BYTES")
            .map(|v| v.parse::<usize>())
        {
            None => DEFAULT_UPSTREAM_MAX_BODY_BYTES,
            Some(Ok(bytes)) if bytes > UPSTREAM_MAX_BODY_BYTES_LIMIT => {
                problems.push(format!(
                    "UPSTREAM_MAX_BODY_BYTES {bytes} is above the {UPSTREAM_MAX_BODY_BYTES_LIMIT}-byte maximum a Worker can parse safely; using {UPSTREAM_MAX_BODY_BYTES_LIMIT}"
                ));
                UPSTREAM_MAX_BODY_BYTES_LIMIT
            }
            Some(Ok(bytes)) if bytes >= 64 * 1024 => bytes,
            Some(_) => {
                problems.push(format!(
                    "UPSTREAM_MAX_BODY_BYTES must be an integer between 65536 and {UPSTREAM_MAX_BODY_BYTES_LIMIT}"
                ));
                DEFAULT_UPSTREAM_MAX_BODY_BYTES
            }
        };
        let upload_max_bytes = match non_empty("UPLOAD_MAX_BYTES").map(|v| v.parse::<usize>()) {
            None => DEFAULT_UPLOAD_MAX_BYTES,
            Some(Ok(bytes)) if bytes > UPLOAD_MAX_BYTES_LIMIT => {
                problems.push(format!(
                    "UPLOAD_MAX_BYTES {bytes} is above the {UPLOAD_MAX_BYTES_LIMIT}-byte maximum; using {UPLOAD_MAX_BYTES_LIMIT}"
                ));
                UPLOAD_MAX_BYTES_LIMIT
            }
            Some(Ok(bytes)) if bytes >= UPLOAD_MAX_BYTES_FLOOR => bytes,
            Some(_) => {
                problems.push(format!(
                    "UPLOAD_MAX_BYTES must be an integer between {UPLOAD_MAX_BYTES_FLOOR} and {UPLOAD_MAX_BYTES_LIMIT}; using {DEFAULT_UPLOAD_MAX_BYTES}"
                ));
                DEFAULT_UPLOAD_MAX_BYTES
            }
        };
        let default_days = crate::audit::retention::DEFAULT_RETENTION_DAYS;
        let audit_retention_days = match non_empty("AUDIT_RETENTION_DAYS").map(|v| v.parse::<u32>())
        {
            None => default_days,
            Some(Ok(days)) if (1..=3650).contains(&days) => days,
            Some(_) => {
                problems.push(format!(
                    "AUDIT_RETENTION_DAYS must be an integer between 1 and 3650; using {default_days}"
                ));
                default_days
            }
        };
        // A short token is kept (not dropped) so the admin API can answer 503 saying why.
        let admin_token = non_empty("ADMIN_TOKEN");
        if admin_token
            .as_ref()
            .is_some_and(|t| t.len() < MIN_ADMIN_TOKEN_BYTES)
        {
            problems.push(format!(
                "ADMIN_TOKEN is shorter than {} bytes, so the admin API is off: set a long random \
                 one (openssl rand -base64 32)",
                MIN_ADMIN_TOKEN_BYTES
            ));
        }
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
            admin_token,
            sealing_key,
            allow_http_upstream: non_empty("ALLOW_HTTP_UPSTREAM").is_some_and(|v| v == "true"),
            upstream_timeout_ms,
            upstream_max_body_bytes,
            upload_max_bytes,
            audit_retention_days,
        };
        (config, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload_max(value: Option<&str>) -> (usize, usize) {
        let (config, problems) = Config::from_lookup(|name| match name {
            "UPLOAD_MAX_BYTES" => value.map(String::from),
            _ => None,
        });
        (config.upload_max_bytes, problems.len())
    }

    #[test]
    fn the_upload_cap_defaults_to_5_mib_and_is_clamped() {
        assert_eq!(upload_max(None), (5 * 1024 * 1024, 0));
        assert_eq!(Config::default().upload_max_bytes, 5_242_880);
        assert_eq!(upload_max(Some("2097152")), (2_097_152, 0));
        assert_eq!(upload_max(Some("104857600")), (UPLOAD_MAX_BYTES_LIMIT, 1));
        assert_eq!(upload_max(Some("10")), (DEFAULT_UPLOAD_MAX_BYTES, 1));
        assert_eq!(upload_max(Some("5MB")), (DEFAULT_UPLOAD_MAX_BYTES, 1));
    }

    #[test]
    fn the_upstream_answer_cap_is_clamped_at_16_mib() {
        let cap = |value: &str| {
            let (config, problems) = Config::from_lookup(|name| {
                (name == "UPSTREAM_MAX_BODY_BYTES").then(|| value.to_string())
            });
            (config.upstream_max_body_bytes, problems.len())
        };
        assert_eq!(cap("1048576"), (1_048_576, 0));
        assert_eq!(cap("16777216"), (16_777_216, 0));
        assert_eq!(cap("67108864"), (UPSTREAM_MAX_BODY_BYTES_LIMIT, 1));
        assert_eq!(cap("100"), (DEFAULT_UPSTREAM_MAX_BODY_BYTES, 1));
    }
}
