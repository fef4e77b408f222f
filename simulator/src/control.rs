//! Test-only control endpoints under `/__sim/` (not part of ServiceNow, no auth):
//! health, the request log, run-time settings, reset to the seed, raw table dumps.

use crate::attachment_api::AttachmentPolicy;
use crate::http::{Request, Response};
use crate::ratelimit::{RateLimit, DEFAULT_WINDOW_SECS};
use crate::simulator::{Settings, Simulator};
use serde_json::{json, Value};

pub const CONTROL_PREFIX: &str = "/__sim";

pub fn is_control_path(path: &str) -> bool {
    path == CONTROL_PREFIX || path.starts_with("/__sim/")
}

fn control_error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"error": message}))
}

pub fn handle(sim: &mut Simulator, request: &Request) -> Response {
    let path = request.path().trim_end_matches('/');
    let method = request.method.to_ascii_uppercase();
    match (method.as_str(), path) {
        ("GET" | "HEAD", "/__sim/health") => Response::json(
            200,
            &json!({
                "status": "ok",
                "tables": sim.schema().len(),
                "seed": sim.seed.as_str(),
                "unseeded_tables": sim.unseeded_tables(),
            }),
        ),
        ("GET", "/__sim/requests") => Response::json(200, &sim.log.entries()),
        ("DELETE", "/__sim/requests") => {
            sim.log.clear();
            Response::empty(204)
        }
        ("GET", "/__sim/config") => Response::json(200, &sim.settings_json()),
        ("POST", "/__sim/config") => match split_knowledge_switch(&request.body)
            .and_then(|(switch, rest)| {
                let (policy, rest) = split_attachment_policy(&rest, &sim.attachment_policy)?;
                Ok((switch, policy, parse_config(&rest, sim.settings())?))
            }) {
            Ok((switch, policy, settings)) => {
                if let Some(on) = switch {
                    sim.knowledge_api = on;
                }
                sim.attachment_policy = policy;
                sim.set_settings(settings);
                Response::json(200, &sim.settings_json())
            }
            Err(message) => control_error(400, &message),
        },
        ("GET", "/__sim/faults") => {
            Response::json(200, &json!({"fault": sim.fault.map(|f| f.to_json())}))
        }
        ("POST", "/__sim/faults") => match crate::faults::parse(&request.body) {
            Ok(fault) => {
                sim.fault = Some(fault);
                Response::json(200, &json!({"fault": fault.to_json()}))
            }
            Err(message) => control_error(400, &message),
        },
        ("DELETE", "/__sim/faults") => {
            sim.fault = None;
            Response::empty(204)
        }
        ("POST", "/__sim/reset") => {
            sim.reset();
            Response::json(200, &json!({"status": "reset", "seed": sim.seed.as_str()}))
        }
        ("GET", "/__sim/tables") => {
            let tables: Vec<Value> = sim
                .schema()
                .tables()
                .map(|t| json!({"table": t.name, "rows": sim.store().rows(&t.name).len()}))
                .collect();
            Response::json(200, &json!({"result": tables}))
        }
        ("GET", _) if path.starts_with("/__sim/tables/") => {
            let table = &path["/__sim/tables/".len()..];
            let known = sim.schema().table(table).is_some() || table == "sys_journal_field";
            if !known {
                return control_error(404, &format!("unknown table {table}: no tool spec documents it"));
            }
            let rows = serde_json::to_value(sim.store().rows(table)).unwrap_or(Value::Array(Vec::new()));
            Response::json(200, &json!({"result": rows}))
        }
        _ => control_error(
            404,
            "unknown control endpoint; see docs/simulator.md (health, requests, config, faults, reset, tables)",
        ),
    }
}

/// Splits `knowledge_api` (true: the Knowledge API plugin is installed, false: its
/// paths answer 404) off a config body; the rest goes to [`parse_config`].
pub fn split_knowledge_switch(body: &[u8]) -> Result<(Option<bool>, Vec<u8>), String> {
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
        return Ok((None, body.to_vec()));
    };
    match map.remove("knowledge_api") {
        None => Ok((None, body.to_vec())),
        Some(Value::Bool(on)) => Ok((Some(on), Value::Object(map).to_string().into_bytes())),
        Some(_) => Err("knowledge_api must be true or false".to_string()),
    }
}

/// Splits the attachment properties off a config body: `attachment_extensions` (the
/// `glide.attachment.extensions` list, "" allows all) and `attachment_max_size_mb`
/// (`com.glide.attachment.max_size`, 1 to 1024); the rest goes to [`parse_config`].
pub fn split_attachment_policy(
    body: &[u8],
    current: &AttachmentPolicy,
) -> Result<(AttachmentPolicy, Vec<u8>), String> {
    let mut policy = current.clone();
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
        return Ok((policy, body.to_vec()));
    };
    let extensions = map.remove("attachment_extensions");
    let max_size = map.remove("attachment_max_size_mb");
    if extensions.is_none() && max_size.is_none() {
        return Ok((policy, body.to_vec()));
    }
    if let Some(value) = extensions {
        let list = value
            .as_str()
            .ok_or("attachment_extensions must be a comma-separated string such as \"txt,pdf\" (\"\" allows all)")?;
        policy.extensions = AttachmentPolicy::parse_extensions(list)?;
    }
    if let Some(value) = max_size {
        let mb = value
            .as_u64()
            .ok_or("attachment_max_size_mb must be a whole number of MB")?;
        policy.max_size_mb = AttachmentPolicy::check_max_size_mb(mb)?;
    }
    Ok((policy, Value::Object(map).to_string().into_bytes()))
}

/// Applies a `POST /__sim/config` body onto the current settings. Keys:
/// `rate_limit` (`{limit, window_secs?}` or null to disable), `delay_ms`, `token_ttl_secs`.
pub fn parse_config(body: &[u8], current: Settings) -> Result<Settings, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("config body is not JSON ({e}); send e.g. {{\"rate_limit\":{{\"limit\":5,\"window_secs\":3600}},\"delay_ms\":0}}"))?;
    let Value::Object(map) = value else {
        return Err("config body must be a JSON object".to_string());
    };
    let mut settings = current;
    for (key, value) in map {
        match key.as_str() {
            "rate_limit" => settings.rate_limit = parse_rate_limit(&value)?,
            "delay_ms" => {
                settings.delay_ms = value
                    .as_u64()
                    .filter(|ms| *ms <= 600_000)
                    .ok_or("delay_ms must be a whole number of milliseconds, at most 600000")?;
            }
            "token_ttl_secs" => {
                settings.token_ttl_secs = value
                    .as_u64()
                    .filter(|s| *s > 0)
                    .ok_or("token_ttl_secs must be a positive whole number of seconds")?;
            }
            other => {
                return Err(format!(
                    "unknown config key {other}; known: rate_limit, delay_ms, token_ttl_secs, knowledge_api, attachment_extensions, attachment_max_size_mb"
                ))
            }
        }
    }
    Ok(settings)
}

fn parse_rate_limit(value: &Value) -> Result<Option<RateLimit>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let limit = value
        .get("limit")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(
            "rate_limit.limit must be a whole number of requests (or rate_limit: null to disable)",
        )?;
    let window_secs = match value.get("window_secs") {
        None | Some(Value::Null) => DEFAULT_WINDOW_SECS,
        Some(w) => w
            .as_u64()
            .filter(|w| *w > 0)
            .ok_or("rate_limit.window_secs must be a positive whole number of seconds")?,
    };
    Ok(Some(RateLimit { limit, window_secs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_bodies_update_only_what_they_name() {
        let base = Settings::default();
        let cases: [(&str, Result<Settings, ()>); 8] = [
            ("{}", Ok(base)),
            (
                r#"{"rate_limit": {"limit": 5}}"#,
                Ok(Settings {
                    rate_limit: Some(RateLimit {
                        limit: 5,
                        window_secs: 3600,
                    }),
                    ..base
                }),
            ),
            (
                r#"{"rate_limit": {"limit": 2, "window_secs": 60}, "delay_ms": 250}"#,
                Ok(Settings {
                    rate_limit: Some(RateLimit {
                        limit: 2,
                        window_secs: 60,
                    }),
                    delay_ms: 250,
                    ..base
                }),
            ),
            (r#"{"rate_limit": null}"#, Ok(base)),
            (
                r#"{"token_ttl_secs": 5}"#,
                Ok(Settings {
                    token_ttl_secs: 5,
                    ..base
                }),
            ),
            (r#"{"rate_limit": {"limit": -1}}"#, Err(())),
            (r#"{"delay_ms": "slow"}"#, Err(())),
            (r#"{"speed": 1}"#, Err(())),
        ];
        for (body, expected) in cases {
            let got = parse_config(body.as_bytes(), base).map_err(|_| ());
            assert_eq!(got, expected, "{body}");
        }
        assert!(parse_config(b"not json", base).is_err());
    }

    #[test]
    fn attachment_properties_are_split_off_and_checked() {
        let base = AttachmentPolicy::default();
        let (policy, rest) = split_attachment_policy(
            br#"{"attachment_extensions": "TXT, .pdf", "delay_ms": 5}"#,
            &base,
        )
        .unwrap();
        assert_eq!(policy.extensions, ["txt", "pdf"]);
        assert_eq!(policy.max_size_mb, 1024);
        assert_eq!(rest, br#"{"delay_ms":5}"#);
        let (policy, _) =
            split_attachment_policy(br#"{"attachment_max_size_mb": 2}"#, &policy).unwrap();
        assert_eq!((policy.extensions.len(), policy.max_size_mb), (2, 2));
        let (policy, _) =
            split_attachment_policy(br#"{"attachment_extensions": ""}"#, &policy).unwrap();
        assert!(policy.extensions.is_empty());
        for bad in [
            r#"{"attachment_extensions": ["txt"]}"#,
            r#"{"attachment_extensions": "t/xt"}"#,
            r#"{"attachment_max_size_mb": 0}"#,
            r#"{"attachment_max_size_mb": 2048}"#,
        ] {
            assert!(
                split_attachment_policy(bad.as_bytes(), &base).is_err(),
                "{bad}"
            );
        }
    }
}
