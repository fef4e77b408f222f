//! The simulator over real HTTP: the in-process server on 127.0.0.1:0 and the
//! `servicenow-sim` binary (startup line, --port-file, flags). Every server is stopped
//! when its test ends, also on failure (guards stop or kill it on drop).

mod common;

use common::{basic, fixture_schema, fixture_specs};
use serde_json::{json, Value};
use servicenow_simulator::{start, SeedKind, ServerHandle, Settings, Simulator};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status, self.body
            )
        })
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(timeout)
        .redirects(0)
        .build()
}

fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    try_send(&agent(Duration::from_secs(10)), method, url, headers, body)
        .unwrap_or_else(|e| panic!("{method} {url} failed: {e}"))
}

fn try_send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Reply, String> {
    let mut request = agent.request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = match body {
        Some(body) => request
            .set("Content-Type", "application/json")
            .send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(e.to_string()),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
        .collect();
    let body = response.into_string().map_err(|e| e.to_string())?;
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn server(settings: Settings) -> ServerHandle {
    let simulator = Simulator::new(fixture_schema(), SeedKind::Demo, settings);
    start("127.0.0.1", 0, simulator).unwrap_or_else(|e| panic!("server must start: {e}"))
}

#[test]
fn serves_the_table_api_over_http() {
    let sim = server(Settings::default());
    let base = sim.base_url();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let admin = basic("admin", "admin");
    let auth = [("Authorization", admin.as_str())];

    let health = send("GET", &format!("{base}/__sim/health"), &[], None);
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    let list = send(
        "GET",
        &format!("{base}/api/now/table/incident?sysparm_limit=10"),
        &auth,
        None,
    );
    assert_eq!(list.status, 200);
    assert_eq!(
        list.header("Content-Type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(list.json()["result"].as_array().map(Vec::len), Some(10));
    let link = list.header("Link").unwrap_or("");
    assert!(
        link.contains(&format!(
            "<{base}/api/now/table/incident?sysparm_limit=10&sysparm_offset=10>;rel=\"next\""
        )),
        "{link}"
    );

    let created = send(
        "POST",
        &format!("{base}/api/now/v1/table/incident"),
        &auth,
        Some(r#"{"short_description":"Over HTTP","urgency":2,"impact":2}"#),
    );
    assert_eq!(created.status, 201);
    let sys_id = created.json()["result"]["sys_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        created.header("Location"),
        Some(format!("{base}/api/now/v1/table/incident/{sys_id}").as_str())
    );
    assert_eq!(created.json()["result"]["priority"], "3");

    let updated = send(
        "PUT",
        &format!("{base}/api/now/table/incident/{sys_id}"),
        &auth,
        Some(r#"{"state":"2"}"#),
    );
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["result"]["state"], "2");
    let deleted = send(
        "DELETE",
        &format!("{base}/api/now/table/incident/{sys_id}"),
        &auth,
        None,
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, "");
    let gone = send(
        "GET",
        &format!("{base}/api/now/table/incident/{sys_id}"),
        &auth,
        None,
    );
    assert_eq!(gone.status, 404);

    let unauthenticated = send("GET", &format!("{base}/api/now/table/incident"), &[], None);
    assert_eq!(unauthenticated.status, 401);
    assert_eq!(
        unauthenticated.header("WWW-Authenticate"),
        Some("Basic realm=\"Service-now\"")
    );
    let unknown = send("GET", &format!("{base}/api/now/table/foo"), &auth, None);
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"]["message"], "Invalid table foo");

    let log = send("GET", &format!("{base}/__sim/requests"), &[], None).json();
    let statuses: Vec<&Value> = log
        .as_array()
        .map(|a| a.iter().map(|e| &e["status"]).collect())
        .unwrap_or_default();
    assert_eq!(
        statuses,
        [
            &json!(200),
            &json!(201),
            &json!(200),
            &json!(204),
            &json!(404),
            &json!(401),
            &json!(400)
        ]
    );
    assert_eq!(log[0]["headers"]["authorization"], "Basic [redacted]");
    sim.stop();
}

#[test]
fn rate_limit_and_delay_change_at_run_time() {
    let sim = server(Settings::default());
    let base = sim.base_url();
    let itil = basic("itil", "itil");
    let auth = [("Authorization", itil.as_str())];
    let config = send(
        "POST",
        &format!("{base}/__sim/config"),
        &[],
        Some(r#"{"rate_limit":{"limit":1,"window_secs":3600}}"#),
    );
    assert_eq!(config.status, 200);
    assert_eq!(
        config.json()["rate_limit"],
        json!({"limit": 1, "window_secs": 3600})
    );
    let first = send("GET", &format!("{base}/api/now/table/problem"), &auth, None);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("X-RateLimit-Limit"), Some("1"));
    let limited = send("GET", &format!("{base}/api/now/table/problem"), &auth, None);
    assert_eq!(limited.status, 429);
    let retry_after: u64 = limited
        .header("Retry-After")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        (1..=3600).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    let reset: u64 = limited
        .header("X-RateLimit-Reset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert_eq!(reset % 3600, 0, "hourly windows end on the hour");
    assert_eq!(limited.json()["error"]["message"], "Rate limit exceeded");

    let slow = send(
        "POST",
        &format!("{base}/__sim/config"),
        &[],
        Some(r#"{"rate_limit":null,"delay_ms":400}"#),
    );
    assert_eq!(slow.status, 200);
    let impatient = agent(Duration::from_millis(150));
    let timed_out = try_send(
        &impatient,
        "GET",
        &format!("{base}/api/now/table/problem"),
        &auth,
        None,
    );
    assert!(
        timed_out.is_err(),
        "a 150 ms client times out against a 400 ms delay"
    );
    let started = Instant::now();
    let patient = send("GET", &format!("{base}/api/now/table/problem"), &auth, None);
    assert_eq!(patient.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    let control = Instant::now();
    send("GET", &format!("{base}/__sim/health"), &[], None);
    assert!(
        control.elapsed() < Duration::from_millis(400),
        "control endpoints are never delayed"
    );
    sim.stop();
}

#[test]
fn concurrent_clients_are_served() {
    let sim = server(Settings::default());
    let base = sim.base_url();
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let url = format!("{base}/api/now/table/incident");
            std::thread::spawn(move || {
                let auth = basic("admin", "admin");
                let body = format!("{{\"short_description\":\"parallel {i}\"}}");
                send(
                    "POST",
                    &url,
                    &[("Authorization", auth.as_str())],
                    Some(&body),
                )
                .status
            })
        })
        .collect();
    let statuses: Vec<u16> = workers.into_iter().map(|w| w.join().unwrap_or(0)).collect();
    assert_eq!(statuses, vec![201; 8]);
    let numbers = send("GET", &format!("{base}/__sim/tables/incident"), &[], None).json();
    let mut created: Vec<String> = numbers["result"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| {
                    r["short_description"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("parallel"))
                })
                .filter_map(|r| r["number"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    created.sort();
    created.dedup();
    assert_eq!(created.len(), 8, "every parallel insert got its own number");
    sim.stop();
}

/// Kills the child process when dropped, so a failing assertion never leaks it.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_prints_one_line_writes_the_port_file_and_honours_flags() {
    let dir = std::env::temp_dir().join(format!("servicenow-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
    let port_file = dir.join("port");
    let _ = std::fs::remove_file(&port_file);
    let child = Command::new(env!("CARGO_BIN_EXE_servicenow-sim"))
        .args([
            "--port",
            "0",
            "--seed",
            "empty",
            "--rate-limit",
            "1",
            "--rate-window",
            "60",
        ])
        .arg("--specs")
        .arg(fixture_specs())
        .arg("--port-file")
        .arg(&port_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start servicenow-sim: {e}"));
    let mut guard = ChildGuard(child);
    let stdout = guard
        .0
        .stdout
        .take()
        .unwrap_or_else(|| panic!("stdout is piped"));
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("reading the startup line: {e}"));
    let base = line
        .trim_end()
        .strip_prefix("servicenow-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"))
        .to_string();
    let port = std::fs::read_to_string(&port_file).unwrap_or_else(|e| panic!("port file: {e}"));
    assert_eq!(base, format!("http://127.0.0.1:{port}"));

    let auth = basic("admin", "admin");
    let empty = send(
        "GET",
        &format!("{base}/api/now/table/incident"),
        &[("Authorization", auth.as_str())],
        None,
    );
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json(), json!({"result": []}), "--seed empty");
    let limited = send(
        "GET",
        &format!("{base}/api/now/table/incident"),
        &[("Authorization", auth.as_str())],
        None,
    );
    assert_eq!(limited.status, 429, "--rate-limit 1");
    assert_eq!(
        limited.json()["error"]["detail"],
        "Rate limit of 1 requests per minute for Table API exceeded"
    );
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_binary_explains_bad_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_servicenow-sim"))
        .args(["--seed", "everything"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run servicenow-sim: {e}"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--seed takes demo or empty"), "{stderr}");
    let help = Command::new(env!("CARGO_BIN_EXE_servicenow-sim"))
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run servicenow-sim: {e}"));
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--rate-limit N"));
}
