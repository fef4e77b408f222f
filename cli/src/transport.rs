//! Sending an [`AdminCall`]: over HTTP to the admin API, or offline through the same
//! `servicenow_mcp::admin::handle` in this process, with KV reached through wrangler.

use crate::call::AdminCall;
use crate::wrangler::WranglerKv;
use futures::executor::block_on;
use serde_json::Value;
use servicenow_mcp::admin;
use servicenow_mcp::config::Config;
use servicenow_mcp::http::HttpRequest;
use servicenow_mcp::ports::{Clock, Database};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The admin API's answer: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

/// The admin API's answer as sent: status, the next page's cursor of an export
/// (`x-next-cursor`) and the text (CSV and JSONL are not JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct RawReply {
    pub status: u16,
    pub next_cursor: Option<String>,
    pub text: String,
}

impl RawReply {
    /// The JSON answer every route but an export gives.
    pub fn json(self, source: &str) -> Result<Reply, String> {
        let body = serde_json::from_str(&self.text).map_err(|_| {
            let start: String = self.text.chars().take(200).collect();
            format!(
                "{source} answered HTTP {} without JSON (is this the worker?): {}",
                self.status,
                start.trim()
            )
        })?;
        Ok(Reply {
            status: self.status,
            body,
        })
    }
}

/// Sends `call` to the admin API at `admin_url` (the JSON answer; tests).
#[cfg(test)]
pub fn online(admin_url: &str, admin_token: &str, call: &AdminCall) -> Result<Reply, String> {
    online_raw(admin_url, admin_token, call)?.json(&format!("the admin API at {admin_url}"))
}

/// Sends `call` to the admin API at `admin_url`; the answer as sent.
pub fn online_raw(
    admin_url: &str,
    admin_token: &str,
    call: &AdminCall,
) -> Result<RawReply, String> {
    let url = format!("{}{}", admin_url.trim_end_matches('/'), call.path);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let request = agent
        .request(call.method, &url)
        .set("authorization", &format!("Bearer {admin_token}"))
        .set("accept", "application/json");
    let result = match &call.body {
        Some(body) => request.send_json(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(ureq::Error::Transport(e)) => {
            return Err(format!("cannot reach the admin API at {admin_url}: {e}"))
        }
    };
    let status = response.status();
    let next_cursor = response.header("x-next-cursor").map(String::from);
    let text = response
        .into_string()
        .map_err(|e| format!("cannot read the admin API's answer: {e}"))?;
    Ok(RawReply {
        status,
        next_cursor,
        text,
    })
}

/// Runs `call` through the worker's own admin logic; the answer as sent.
pub fn offline_raw(
    call: &AdminCall,
    config: &Config,
    kv: &WranglerKv,
    db: &dyn Database,
    base_url: &str,
) -> Result<RawReply, String> {
    // The in-process handler still checks its bearer token; a fresh one per run.
    let token = config
        .admin_token
        .clone()
        .ok_or("offline mode needs an admin token in its config")?;
    let mut request = HttpRequest::new(call.method, format!("{base_url}{}", call.path))
        .with_header("authorization", format!("Bearer {token}"));
    if let Some(body) = &call.body {
        request = request
            .with_header("content-type", "application/json")
            .with_body(body.to_string());
    }
    let response = block_on(admin::handle(&request, config, kv, &SystemClock, db));
    Ok(RawReply {
        status: response.status,
        next_cursor: response.header("x-next-cursor").map(String::from),
        text: String::from_utf8_lossy(&response.body).into_owned(),
    })
}

/// The machine's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    /// A one-request HTTP server on a free local port; yields the raw request it read.
    fn serve_once(status: &'static str, body: &'static str) -> (String, JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("a connection");
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut content_length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("a request line");
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    content_length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut request_body = vec![0; content_length];
            reader
                .read_exact(&mut request_body)
                .expect("the request body");
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            reader
                .get_mut()
                .write_all(answer.as_bytes())
                .expect("the answer");
            head + &String::from_utf8_lossy(&request_body)
        });
        (base, handle)
    }

    #[test]
    fn online_sends_the_admin_token_and_json_body_and_reads_error_answers() {
        let (base, server) = serve_once(
            "400 Bad Request",
            r#"{"error":{"code":"invalid_name","message":"bad name"}}"#,
        );
        let call = AdminCall {
            method: "POST",
            path: "/api-tokens".into(),
            body: Some(json!({"name": "x"})),
        };
        let reply = online(&format!("{base}/"), "adm-token", &call).expect("an answer");
        assert_eq!(reply.status, 400);
        assert_eq!(reply.body["error"]["code"], "invalid_name");
        let request = server.join().expect("the server thread");
        assert!(
            request.starts_with("POST /api-tokens HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(
            request
                .to_ascii_lowercase()
                .contains("authorization: bearer adm-token\r\n"),
            "{request}"
        );
        assert!(request.ends_with(r#"{"name":"x"}"#), "{request}");
    }

    #[test]
    fn online_refuses_a_non_json_answer_with_a_clear_message() {
        let (base, server) = serve_once("502 Bad Gateway", "<html>bad gateway</html>");
        let call = AdminCall {
            method: "GET",
            path: "/api-tokens".into(),
            body: None,
        };
        let err = online(&base, "t", &call).unwrap_err();
        assert!(
            err.contains("HTTP 502 without JSON") && err.contains("bad gateway"),
            "{err}"
        );
        server.join().expect("the server thread");
    }

    #[test]
    fn online_says_which_url_it_could_not_reach() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        drop(listener);
        let call = AdminCall {
            method: "GET",
            path: "/api-tokens".into(),
            body: None,
        };
        let err = online(&base, "t", &call).unwrap_err();
        assert!(
            err.starts_with(&format!("cannot reach the admin API at {base}")),
            "{err}"
        );
    }
}
