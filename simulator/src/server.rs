//! The HTTP shell: a tiny_http listener on 127.0.0.1 that hands each request to
//! `Simulator::handle` on its own thread (shared state behind a Mutex) and writes the
//! response back. Moves bytes only; every decision is in the simulator.

use crate::http::{Request, Response};
use crate::simulator::Simulator;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

/// Request bodies above this are refused with 413.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// A running server; dropping it (or calling `stop`) shuts the listener down.
pub struct ServerHandle {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    state: Arc<Mutex<Simulator>>,
}

impl ServerHandle {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://<host>:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state, for in-process tests.
    pub fn state(&self) -> Arc<Mutex<Simulator>> {
        Arc::clone(&self.state)
    }

    /// Blocks until the server stops (it runs until the process is signalled).
    pub fn wait(mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            // A panicked acceptor has nothing left to clean up.
            let _ = acceptor.join();
        }
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// tiny_http writes a response in several small writes; on a kept-alive connection
/// Nagle's algorithm then meets the client's delayed ACK and adds ~40 ms to every other
/// request. Linux copies TCP_NODELAY from the listening socket to accepted ones.
fn disable_nagle(listener: &std::net::TcpListener) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket fd and a correctly sized option value.
    let rc = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        eprintln!("servicenow-sim: could not set TCP_NODELAY; responses may be delayed");
    }
}

/// Binds `host:port` (port 0 picks a free one) and serves `simulator` until stopped.
pub fn start(host: &str, port: u16, simulator: Simulator) -> Result<ServerHandle, String> {
    let listener = std::net::TcpListener::bind((host, port))
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    disable_nagle(&listener);
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| format!("listener on {host}:{port} has no IP address"))?;
    let server = Arc::new(server);
    let stopping = Arc::new(AtomicBool::new(false));
    let state = Arc::new(Mutex::new(simulator));
    let acceptor = {
        let server = Arc::clone(&server);
        let stopping = Arc::clone(&stopping);
        let state = Arc::clone(&state);
        std::thread::Builder::new()
            .name("servicenow-sim-accept".to_string())
            .spawn(move || accept_loop(&server, &stopping, &state))
            .map_err(|e| format!("cannot start the accept thread: {e}"))?
    };
    Ok(ServerHandle {
        addr,
        server,
        stopping,
        acceptor: Some(acceptor),
        state,
    })
}

fn accept_loop(server: &tiny_http::Server, stopping: &AtomicBool, state: &Arc<Mutex<Simulator>>) {
    while !stopping.load(Ordering::SeqCst) {
        let Ok(request) = server.recv() else {
            continue;
        };
        let state = Arc::clone(state);
        let spawned = std::thread::Builder::new()
            .name("servicenow-sim-request".to_string())
            .spawn(move || serve(request, &state));
        if let Err(e) = spawned {
            eprintln!("servicenow-sim: cannot start a request thread: {e}");
        }
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn serve(mut raw: tiny_http::Request, state: &Mutex<Simulator>) {
    let response = match read_request(&mut raw) {
        Ok(request) => {
            let (response, delay) = {
                // A poisoned lock means a request thread panicked; the data is still
                // consistent (every mutation is a whole-row replace), so keep serving.
                let mut simulator = state.lock().unwrap_or_else(|e| e.into_inner());
                let response = simulator.handle(&request, now_secs());
                (response, simulator.delay_for(&request))
            };
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            response
        }
        Err(response) => response,
    };
    if response.header(crate::faults::RESET_MARKER).is_some() {
        // Fault injection: bytes that are not HTTP, then nothing: the client's parser
        // fails at once, as on a connection a middlebox broke (tiny_http keeps the socket
        // of a kept-alive connection open, so closing alone would only look slow).
        let mut writer = raw.into_writer();
        let _ = writer.write_all(crate::faults::RESET_BYTES);
        let _ = writer.flush();
        return;
    }
    let mut out = tiny_http::Response::from_data(response.body).with_status_code(response.status);
    for (name, value) in &response.headers {
        match tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            Ok(header) => out.add_header(header),
            Err(()) => eprintln!("servicenow-sim: dropped an invalid response header {name}"),
        }
    }
    if let Err(e) = raw.respond(out) {
        eprintln!("servicenow-sim: could not send a response: {e}");
    }
}

fn read_request(raw: &mut tiny_http::Request) -> Result<Request, Response> {
    let headers = raw
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let mut body = Vec::new();
    raw.as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            Response::error(
                400,
                "Exception while reading request",
                Some(&format!("could not read the body: {e}")),
            )
        })?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(Response::error(
            413,
            "Request entity too large",
            Some("Bodies are limited to 16 MiB"),
        ));
    }
    Ok(Request {
        method: raw.method().as_str().to_string(),
        url: raw.url().to_string(),
        headers,
        body,
    })
}
