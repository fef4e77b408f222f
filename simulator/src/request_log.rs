//! The request log tests read through `GET /__sim/requests`: every API request the
//! simulator answered, with credentials redacted. Bounded so a long demo cannot exhaust
//! memory.

use crate::auth::Principal;
use crate::http::{Params, Request};
use serde_json::{json, Value};
use std::collections::VecDeque;

/// Oldest entries are dropped beyond this many.
const MAX_ENTRIES: usize = 10_000;

const REDACTED: &str = "[redacted]";

/// Header values that carry credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-sn-apikey",
    "cookie",
    "proxy-authorization",
];

/// Form fields of `/oauth_token.do` that carry credentials.
const SECRET_FORM_FIELDS: &[&str] = &["password", "client_secret", "refresh_token"];

#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: VecDeque<Value>,
    next_seq: u64,
}

/// What one answered request adds to the log.
pub struct LogRecord<'a> {
    pub request: &'a Request,
    pub principal: Option<&'a Principal>,
    pub status: u16,
    pub time: &'a str,
    /// Things a test may want to know the simulator did quietly (ignored columns,
    /// dangling references stored as given, dropped query parts).
    pub notes: &'a [String],
}

impl RequestLog {
    pub fn push(&mut self, record: LogRecord<'_>) {
        self.next_seq += 1;
        let request = record.request;
        let headers: serde_json::Map<String, Value> = request
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.to_ascii_lowercase(),
                    Value::String(redact_header(name, value)),
                )
            })
            .collect();
        let entry = json!({
            "seq": self.next_seq,
            "time": record.time,
            "method": request.method,
            "path": request.path(),
            "query": request.query(),
            "params": request.params().to_json(),
            "user": record.principal.map(|p| p.user_name.clone()),
            "auth": record.principal.map(|p| p.scheme.as_str()),
            "headers": headers,
            "body": body_json(request),
            "status": record.status,
            "notes": record.notes,
        });
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn entries(&self) -> Value {
        Value::Array(self.entries.iter().cloned().collect())
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Keeps the scheme of an Authorization header (tests assert on it), never the secret.
fn redact_header(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if !SECRET_HEADERS.contains(&lower.as_str()) {
        return value.to_string();
    }
    if lower.ends_with("authorization") {
        if let Some((scheme, _)) = value.trim().split_once(' ') {
            return format!("{scheme} {REDACTED}");
        }
    }
    REDACTED.to_string()
}

/// The body as JSON: parsed JSON, a form (secrets redacted), other text as a string,
/// or null when empty.
fn body_json(request: &Request) -> Value {
    if request.body.is_empty() {
        return Value::Null;
    }
    if let Ok(value) = serde_json::from_slice::<Value>(&request.body) {
        return value;
    }
    let text = String::from_utf8_lossy(&request.body).into_owned();
    let is_form = request.header("content-type").is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        let form = Params::parse(&text);
        let mut map = serde_json::Map::new();
        for (k, v) in form.0 {
            let shown = if SECRET_FORM_FIELDS.contains(&k.as_str()) {
                REDACTED.to_string()
            } else {
                v
            };
            map.entry(k).or_insert(Value::String(shown));
        }
        return Value::Object(map);
    }
    Value::String(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthScheme;

    #[test]
    fn credentials_never_reach_the_log() {
        let mut log = RequestLog::default();
        let request = Request::new("POST", "/oauth_token.do?x=1")
            .with_header("Authorization", "Basic YWRtaW46YWRtaW4=")
            .with_header("x-sn-apikey", "sim-api-key-admin")
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body("grant_type=password&username=admin&password=hunter2&client_secret=s3cret&client_id=c");
        let principal = Principal {
            user_name: "admin".into(),
            scheme: AuthScheme::Basic,
        };
        log.push(LogRecord {
            request: &request,
            principal: Some(&principal),
            status: 200,
            time: "t",
            notes: &[],
        });
        let text = log.entries().to_string();
        for secret in ["YWRtaW46YWRtaW4=", "sim-api-key-admin", "hunter2", "s3cret"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let entry = &log.entries()[0];
        assert_eq!(entry["headers"]["authorization"], "Basic [redacted]");
        assert_eq!(entry["body"]["username"], "admin");
        assert_eq!(entry["user"], "admin");
        assert_eq!(entry["auth"], "basic");
        assert_eq!(entry["params"]["x"], "1");
    }

    #[test]
    fn json_bodies_are_kept_as_json_and_the_log_is_bounded() {
        let mut log = RequestLog::default();
        let request = Request::new("POST", "/api/now/table/incident")
            .with_body("{\"short_description\":\"x\"}");
        for _ in 0..(MAX_ENTRIES + 5) {
            log.push(LogRecord {
                request: &request,
                principal: None,
                status: 201,
                time: "t",
                notes: &[],
            });
        }
        assert_eq!(log.len(), MAX_ENTRIES);
        assert_eq!(log.entries()[0]["seq"], 6);
        assert_eq!(log.entries()[0]["body"]["short_description"], "x");
        log.clear();
        assert!(log.is_empty());
    }
}
