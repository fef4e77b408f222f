//! Fault injection for the end-to-end tests (`/__sim/faults`): the next N Table API
//! requests fail in a chosen way (an HTML 500, invalid JSON, an oversized body, a
//! redirect to another host, a dropped connection, a 401), then the simulator answers
//! normally again. Faulted requests are logged like any other (`notes` names the fault),
//! so a test can prove a write was not sent twice.

use crate::http::{Request, Response};
use serde_json::{json, Value};

/// Header on a response the server shell must not send: it breaks the connection instead.
pub const RESET_MARKER: &str = "x-sim-reset-connection";
/// What a broken connection carries instead of an answer: not HTTP.
pub const RESET_BYTES: &[u8] = b"\x00\x00 connection reset by fault injection\r\n\r\n";

/// How the faulted requests fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultMode {
    /// 500 with an HTML error page (scripts, styles, no JSON).
    Html500,
    /// 200 with `application/json` that does not parse.
    InvalidJson,
    /// 200 with a valid JSON body of `oversized_bytes` (default 5 MiB).
    Oversized,
    /// 302 to `http://redirect-target.invalid/...`, another host.
    Redirect,
    /// The connection breaks: bytes that are not HTTP instead of an answer.
    Reset,
    /// 401 as if the access token had been revoked (the request is not applied).
    Unauthorized,
}

impl FaultMode {
    const NAMES: [(&'static str, FaultMode); 6] = [
        ("html_500", FaultMode::Html500),
        ("invalid_json", FaultMode::InvalidJson),
        ("oversized", FaultMode::Oversized),
        ("redirect", FaultMode::Redirect),
        ("reset", FaultMode::Reset),
        ("unauthorized", FaultMode::Unauthorized),
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("?", |(n, _)| n)
    }
}

/// An armed fault: `mode` for the next `remaining` Table API requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub mode: FaultMode,
    pub remaining: u32,
    pub oversized_bytes: usize,
}

impl Fault {
    pub fn to_json(self) -> Value {
        json!({"mode": self.mode.name(), "remaining": self.remaining, "oversized_bytes": self.oversized_bytes})
    }
}

/// Parses `{"mode": "...", "count": N?, "oversized_bytes": N?}`.
pub fn parse(body: &[u8]) -> Result<Fault, String> {
    let names: Vec<&str> = FaultMode::NAMES.iter().map(|(n, _)| *n).collect();
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!("fault body is not JSON ({e}); send e.g. {{\"mode\":\"html_500\",\"count\":1}}")
    })?;
    let mode_name = value
        .get("mode")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`mode` is required: one of {}", names.join(", ")))?;
    let mode = FaultMode::NAMES
        .iter()
        .find(|(n, _)| *n == mode_name)
        .map(|(_, m)| *m)
        .ok_or_else(|| format!("unknown mode {mode_name}; known: {}", names.join(", ")))?;
    let remaining = match value.get("count") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or("`count` must be a positive whole number")?,
    };
    let oversized_bytes = match value.get("oversized_bytes") {
        None | Some(Value::Null) => 5 * 1024 * 1024,
        Some(v) => {
            v.as_u64()
                .filter(|n| (64..=64 * 1024 * 1024).contains(n))
                .ok_or("`oversized_bytes` must be between 64 and 67108864")? as usize
        }
    };
    Ok(Fault {
        mode,
        remaining,
        oversized_bytes,
    })
}

/// The faulty answer to `request` (a Table API request).
pub fn answer(fault: Fault, request: &Request) -> Response {
    match fault.mode {
        FaultMode::Html500 => Response {
            status: 500,
            headers: vec![("Content-Type".into(), "text/html;charset=UTF-8".into())],
            body: format!(
                "<html><head><style>body{{color:red}}</style><script>var t={};</script></head>\
                 <body><h1>Internal Server Error</h1><p>The instance could not complete the request.</p></body></html>",
                "1".repeat(64)
            )
            .into_bytes(),
        },
        FaultMode::InvalidJson => Response {
            status: 200,
            headers: vec![("Content-Type".into(), crate::http::JSON_CONTENT_TYPE.into())],
            body: br#"{"result": [{"sys_id": "0123", "number": "INC00"#.to_vec(),
        },
        FaultMode::Oversized => {
            let filler = "x".repeat(fault.oversized_bytes);
            Response::json(200, &json!({"result": [{"sys_id": "0", "filler": filler}]}))
        }
        FaultMode::Redirect => Response::empty(302).with_header(
            "Location",
            &format!("http://redirect-target.invalid{}", request.url),
        ),
        FaultMode::Reset => Response::empty(502).with_header(RESET_MARKER, "1"),
        FaultMode::Unauthorized => Response::error(
            401,
            "User Not Authenticated",
            Some("Required to provide Auth information"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_bodies_parse_with_defaults_and_refuse_unknown_modes() {
        let fault = parse(br#"{"mode": "redirect"}"#).unwrap();
        assert_eq!((fault.mode, fault.remaining), (FaultMode::Redirect, 1));
        let fault = parse(br#"{"mode": "oversized", "count": 3, "oversized_bytes": 100}"#).unwrap();
        assert_eq!((fault.remaining, fault.oversized_bytes), (3, 100));
        for bad in [
            &br#"{"mode": "meteor"}"#[..],
            br#"{"count": 1}"#,
            br#"{"mode": "reset", "count": 0}"#,
            b"nope",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn each_mode_answers_as_documented() {
        let request = Request::new("GET", "/api/now/table/incident?sysparm_limit=1");
        let fault = |mode| Fault {
            mode,
            remaining: 1,
            oversized_bytes: 1000,
        };
        let html = answer(fault(FaultMode::Html500), &request);
        assert_eq!(html.status, 500);
        assert!(html.body_json().is_none());
        assert!(answer(fault(FaultMode::InvalidJson), &request)
            .body_json()
            .is_none());
        assert!(answer(fault(FaultMode::Oversized), &request).body.len() > 1000);
        let redirect = answer(fault(FaultMode::Redirect), &request);
        assert_eq!(
            redirect.header("location"),
            Some("http://redirect-target.invalid/api/now/table/incident?sysparm_limit=1")
        );
        assert!(answer(fault(FaultMode::Reset), &request)
            .header(RESET_MARKER)
            .is_some());
        assert_eq!(answer(fault(FaultMode::Unauthorized), &request).status, 401);
    }
}
