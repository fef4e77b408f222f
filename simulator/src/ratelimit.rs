//! Inbound REST API rate limiting (ServiceNow docs "Inbound REST API rate limiting"):
//! one rule, a fixed number of requests per user per window; the headers a matching
//! rule adds and the 429 an exceeded one answers. Pure: the caller passes the time.

use crate::store::stable_sys_id;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A rate-limit rule: `limit` Table API requests per user per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub limit: u32,
    pub window_secs: u64,
}

/// The hour ServiceNow's rules count in.
pub const DEFAULT_WINDOW_SECS: u64 = 3600;

/// What a request gets from the limiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateDecision {
    /// No rule configured: no headers.
    NoRule,
    /// Within the limit: add these headers.
    Allowed(Vec<(String, String)>),
    /// Over the limit: answer 429 with these headers (including `Retry-After`).
    Exceeded {
        headers: Vec<(String, String)>,
        detail: String,
    },
}

/// Counts requests per user in fixed windows aligned to the epoch (so an hourly rule
/// resets at the top of the hour, as `X-RateLimit-Reset` then says).
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    rule: Option<RateLimit>,
    counts: HashMap<String, (i64, u32)>,
}

impl RateLimiter {
    pub fn new(rule: Option<RateLimit>) -> RateLimiter {
        RateLimiter {
            rule,
            counts: HashMap::new(),
        }
    }

    pub fn rule(&self) -> Option<RateLimit> {
        self.rule
    }

    /// Replaces the rule and forgets every count.
    pub fn set_rule(&mut self, rule: Option<RateLimit>) {
        self.rule = rule.filter(|r| r.window_secs > 0);
        self.counts.clear();
    }

    pub fn reset_counts(&mut self) {
        self.counts.clear();
    }

    /// The rule's fixed sys_id, sent as `X-RateLimit-Rule`.
    pub fn rule_sys_id() -> String {
        stable_sys_id("sys_rate_limit_rules:table-api-per-user")
    }

    /// Counts one request by `user` at `now` (UNIX seconds).
    pub fn check(&mut self, user: &str, now: i64) -> RateDecision {
        let Some(rule) = self.rule else {
            return RateDecision::NoRule;
        };
        let window = i64::try_from(rule.window_secs).unwrap_or(i64::MAX).max(1);
        let window_start = now - now.rem_euclid(window);
        let reset = window_start.saturating_add(window);
        let entry = self
            .counts
            .entry(user.to_string())
            .or_insert((window_start, 0));
        if entry.0 != window_start {
            *entry = (window_start, 0);
        }
        let mut headers = vec![
            ("X-RateLimit-Limit".to_string(), rule.limit.to_string()),
            ("X-RateLimit-Reset".to_string(), reset.to_string()),
            ("X-RateLimit-Rule".to_string(), Self::rule_sys_id()),
        ];
        if entry.1 >= rule.limit {
            let retry_after = (reset - now).max(1);
            headers.push(("Retry-After".to_string(), retry_after.to_string()));
            return RateDecision::Exceeded {
                headers,
                detail: format!(
                    "Rate limit of {} requests per {} for Table API exceeded",
                    rule.limit,
                    window_name(rule.window_secs)
                ),
            };
        }
        entry.1 += 1;
        RateDecision::Allowed(headers)
    }
}

fn window_name(secs: u64) -> String {
    match secs {
        3600 => "hour".to_string(),
        60 => "minute".to_string(),
        1 => "second".to_string(),
        n => format!("{n} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn no_rule_means_no_headers() {
        assert_eq!(
            RateLimiter::new(None).check("admin", 0),
            RateDecision::NoRule
        );
    }

    #[test]
    fn requests_over_the_limit_get_429_until_the_window_ends() {
        let mut limiter = RateLimiter::new(Some(RateLimit {
            limit: 2,
            window_secs: 3600,
        }));
        let now = 7200 + 100;
        for _ in 0..2 {
            match limiter.check("itil", now) {
                RateDecision::Allowed(h) => {
                    assert_eq!(header(&h, "X-RateLimit-Limit"), Some("2"));
                    assert_eq!(header(&h, "X-RateLimit-Reset"), Some("10800"));
                    assert_eq!(header(&h, "X-RateLimit-Rule").map(str::len), Some(32));
                    assert_eq!(header(&h, "Retry-After"), None);
                }
                other => panic!("expected allowed, got {other:?}"),
            }
        }
        match limiter.check("itil", now) {
            RateDecision::Exceeded { headers, detail } => {
                assert_eq!(header(&headers, "Retry-After"), Some("3500"));
                assert_eq!(header(&headers, "X-RateLimit-Reset"), Some("10800"));
                assert_eq!(
                    detail,
                    "Rate limit of 2 requests per hour for Table API exceeded"
                );
            }
            other => panic!("expected exceeded, got {other:?}"),
        }
        assert!(
            matches!(limiter.check("admin", now), RateDecision::Allowed(_)),
            "counted per user"
        );
        assert!(
            matches!(limiter.check("itil", 10800), RateDecision::Allowed(_)),
            "new window"
        );
    }

    #[test]
    fn window_names_read_naturally() {
        let cases = [
            (3600, "hour"),
            (60, "minute"),
            (1, "second"),
            (30, "30 seconds"),
        ];
        for (secs, name) in cases {
            assert_eq!(window_name(secs), name);
        }
    }
}
