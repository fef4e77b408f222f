//! Fault injection over real HTTP: `reset` breaks the connection (no HTTP answer, even on
//! a kept-alive connection), then the simulator is itself again.

mod common;

use common::{basic, fixture_schema};
use servicenow_simulator::{start, SeedKind, Settings, Simulator};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One raw HTTP/1.1 exchange: what the server wrote before closing (bounded in time).
fn exchange(addr: &str, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            // A kept-alive connection stays open after the bytes: stop once some came.
            Err(e)
                if !out.is_empty()
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
            {
                break
            }
            Err(e) => panic!("read: {e} after {} bytes", out.len()),
        }
        if out.len() > 1 << 20 {
            break;
        }
    }
    out
}

#[test]
fn reset_closes_the_connection_without_an_answer_then_service_resumes() {
    let simulator = Simulator::new(fixture_schema(), SeedKind::Demo, Settings::default());
    let sim = start("127.0.0.1", 0, simulator).unwrap_or_else(|e| panic!("{e}"));
    let addr = sim.base_url().trim_start_matches("http://").to_string();
    let body = r#"{"mode": "reset"}"#;
    let armed = exchange(
        &addr,
        &format!(
            "POST /__sim/faults HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(String::from_utf8_lossy(&armed).starts_with("HTTP/1.1 200"));
    let auth = basic("admin", "admin");
    let get = format!(
        "GET /api/now/table/incident?sysparm_limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n"
    );
    let broken = exchange(&addr, &get);
    assert!(
        !broken.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&broken)
    );
    let get = get.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    let again = exchange(&addr, &get);
    assert!(
        String::from_utf8_lossy(&again).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&again)
    );
    sim.stop();
}
