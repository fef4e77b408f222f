//! The Workers shell: `#[event(fetch)]`, and the adapters of the ports over `worker::kv`,
//! `worker::Fetch` and `Date`. The only module that names `worker::*`; it moves bytes
//! in and out and decides nothing.

use crate::app;
use crate::body_cap;
use crate::config::Config;
use crate::crypto::sha256_hex;
use crate::http::{HttpRequest, HttpResponse};
use crate::isolate_stats;
use crate::mcp::Services;
use crate::ports::{Clock, KeyPage, KvStore, StoreError, Upstream, UpstreamError};
use crate::store::cache::{CachedKv, IsolateCache};
use futures::future::{select, Either};
use std::time::Duration;
use worker::{
    console_error, console_log, event, js_sys, AbortController, Context, Date, Delay, Env, Fetch,
    Headers, Method, Request, RequestInit, RequestRedirect, Response,
};

thread_local! {
    /// Lives as long as the isolate (one thread): see `store::cache` for what it holds.
    static ISOLATE_CACHE: &'static IsolateCache = Box::leak(Box::default());
    /// Requests this isolate has served, and its random id (see `isolate_stats`).
    static SERVED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static ISOLATE_ID: String = {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_or_else(|_| "unknown".to_string(), |()| {
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
    };
}

/// Counts the request and writes the isolate's line when one is due.
fn note_served() {
    let served = SERVED.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    if isolate_stats::report_due(served) {
        let memory = core::arch::wasm32::memory_size(0) as u64 * 65_536;
        let js_refs = wasm_bindgen::externref_heap_live_count();
        ISOLATE_ID.with(|id| {
            console_log!("{}", isolate_stats::line(id, served, memory, js_refs));
        });
    }
}

/// The KV namespace binding named in wrangler.toml.
pub const KV_BINDING: &str = "MCP_STATE";

struct WorkerKv(worker::kv::KvStore);

impl KvStore for WorkerKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0
            .get(key)
            .text()
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        let mut put = self
            .0
            .put(key, value)
            .map_err(|e| StoreError(e.to_string()))?;
        if let Some(expiration) = expires_at {
            put = put.expiration(expiration);
        }
        put.execute().await.map_err(|e| StoreError(e.to_string()))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0
            .delete(key)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, StoreError> {
        let mut list = self
            .0
            .list()
            .prefix(prefix.to_string())
            .limit(u64::from(limit.clamp(1, 1000)));
        if let Some(c) = cursor {
            list = list.cursor(c.to_string());
        }
        let page = list
            .execute()
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(KeyPage {
            keys: page.keys.into_iter().map(|k| k.name).collect(),
            cursor: if page.list_complete {
                None
            } else {
                page.cursor
            },
        })
    }
}

struct WorkerFetch {
    max_body_bytes: usize,
}

fn to_worker_request(request: &HttpRequest) -> worker::Result<Request> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    let mut init = RequestInit::new();
    // Manual: a redirect would re-send credentials (and on 307/308 the OAuth form) to
    // wherever it points; the 3xx comes back as an answer the caller reports.
    init.with_method(Method::from(request.method.clone()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !request.body.is_empty() {
        init.with_body(Some(
            js_sys::Uint8Array::from(request.body.as_slice()).into(),
        ));
    }
    Request::new_with_init(&request.url, &init)
}

/// Whether an answer has a content encoding other than identity.
fn encoded(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(k, v)| k == "content-encoding" && !v.trim().eq_ignore_ascii_case("identity"))
}

async fn read_response(
    mut response: Response,
    max_body_bytes: usize,
) -> Result<HttpResponse, UpstreamError> {
    let network = |e: worker::Error| UpstreamError::Network(e.to_string());
    let headers: Vec<(String, String)> = response
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let too_large = UpstreamError::TooLarge {
        limit_bytes: max_body_bytes,
    };
    if body_cap::declared_length(&headers).is_some_and(|n| n > max_body_bytes as u64) {
        return Err(too_large);
    }
    let status = response.status_code();
    // A 3xx is reported, not read; a body-less answer has no stream.
    let body = if (300..400).contains(&status) {
        Vec::new()
    } else if body_cap::declared_length(&headers).is_some() && !encoded(&headers) {
        // Within the cap (checked above): one read, as for any answer with a length. Not
        // for an encoded answer: its length is the compressed one, the body is inflated.
        response.bytes().await.map_err(network)?
    } else {
        match response.stream() {
            Ok(stream) => body_cap::read_capped(stream, max_body_bytes)
                .await
                .map_err(network)?
                .ok_or(too_large)?,
            Err(_) => Vec::new(),
        }
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

impl Upstream for WorkerFetch {
    async fn send(
        &self,
        request: HttpRequest,
        timeout_ms: u64,
    ) -> Result<HttpResponse, UpstreamError> {
        let worker_request =
            to_worker_request(&request).map_err(|e| UpstreamError::Network(e.to_string()))?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let call = async {
            let fetch = Fetch::Request(worker_request);
            let response = fetch
                .send_with_signal(&signal)
                .await
                .map_err(|e| UpstreamError::Network(e.to_string()))?;
            read_response(response, self.max_body_bytes).await
        };
        let timer = Delay::from(Duration::from_millis(timeout_ms));
        futures::pin_mut!(call);
        match select(call, timer).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => {
                controller.abort();
                Err(UpstreamError::Timeout {
                    after_ms: timeout_ms,
                })
            }
        }
    }
}

struct WorkerClock;

impl Clock for WorkerClock {
    fn now_ms(&self) -> u64 {
        Date::now().as_millis()
    }
}

/// The request line and headers, without the body.
fn read_head(request: &Request) -> worker::Result<HttpRequest> {
    let headers: Vec<(String, String)> = request
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    Ok(HttpRequest {
        method: request.method().to_string(),
        url: request.url()?.to_string(),
        headers,
        body: Vec::new(),
    })
}

/// `head` with its body read up to `cap`, or `Err` with the 413 to send as soon as the
/// cap is passed (declared or streamed), before auth or anything else.
async fn read_body(
    mut request: Request,
    mut head: HttpRequest,
    cap: usize,
) -> Result<HttpRequest, HttpResponse> {
    if body_cap::declared_length(&head.headers).is_some_and(|n| n > cap as u64) {
        return Err(body_cap::request_too_large(&head, cap));
    }
    if matches!(
        request.method(),
        Method::Get | Method::Head | Method::Options
    ) {
        return Ok(head);
    }
    // A declared length within the cap is read in one go (the common case); only a body
    // without one (chunked) is streamed against the cap. No stream means no body; a body
    // that breaks off mid-way is read as far as it got (the JSON parse then names it).
    if body_cap::declared_length(&head.headers).is_some() {
        head.body = request.bytes().await.unwrap_or_default();
    } else if let Ok(stream) = request.stream() {
        match body_cap::read_capped_draining(stream, cap, body_cap::drain_limit(cap)).await {
            Ok(Some(body)) => head.body = body,
            Ok(None) => return Err(body_cap::request_too_large(&head, cap)),
            Err(e) => console_error!("request body broke off: {e}"),
        }
    }
    Ok(head)
}

/// The cap `head`'s body is read to: its route's, unless it is a POST that declares
/// more (or no length) to a `/mcp/<token>` whose server takes uploads (`app::request_cap`
/// reads the server record, cached per isolate, before a byte of the body).
async fn body_cap_for<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    head: &HttpRequest,
) -> usize {
    let cap = body_cap::request_cap(head.path());
    let may_be_larger = head.method == "POST"
        && head.path().starts_with("/mcp/")
        && body_cap::declared_length(&head.headers).is_none_or(|n| n > cap as u64);
    if may_be_larger {
        app::request_cap(services, head).await
    } else {
        cap
    }
}

fn to_worker_response(response: HttpResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let out = if response.body.is_empty() {
        Response::empty()?
    } else {
        Response::from_bytes(response.body)?
    };
    Ok(out.with_status(response.status).with_headers(headers))
}

/// Path for logs: an MCP token is replaced by a short digest of it.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/mcp/") {
        Some(token) => format!("/mcp/<{}>", sha256_hex(token).get(..8).unwrap_or_default()),
        None => path.to_string(),
    }
}

fn env_lookup(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .ok()
        .or_else(|| env.var(name).map(|v| v.to_string()).ok())
}

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let started = Date::now().as_millis();
    let method = request.method().to_string();
    let path = loggable_path(&request.path());
    let (config, problems) = Config::from_lookup(|name| env_lookup(&env, name));
    for problem in problems {
        console_error!("configuration: {problem}");
    }
    let head = read_head(&request)?;
    let response = match env.kv(KV_BINDING) {
        Ok(kv) => {
            let worker_kv = WorkerKv(kv);
            let cache = ISOLATE_CACHE.with(|cache| *cache);
            let kv = CachedKv::new(&worker_kv, cache, Date::now().as_millis());
            let upstream = WorkerFetch {
                max_body_bytes: config.upstream_max_body_bytes,
            };
            let services = Services {
                config: &config,
                kv: &kv,
                upstream: &upstream,
                clock: &WorkerClock,
            };
            let cap = body_cap_for(&services, &head).await;
            match read_body(request, head, cap).await {
                Ok(http_request) => app::handle(&services, http_request).await,
                Err(too_large) => {
                    console_log!("{method} {path} {} body over the cap", too_large.status);
                    return to_worker_response(too_large);
                }
            }
        }
        Err(e) => {
            console_error!("KV binding {KV_BINDING} is missing: {e}");
            crate::http::HttpError::new(
                503,
                "misconfigured",
                "the worker's KV namespace is not bound; see the README",
            )
            .into_response()
        }
    };
    console_log!(
        "{method} {path} {} {}ms",
        response.status,
        Date::now().as_millis().saturating_sub(started)
    );
    for note in crate::diagnostics::drain() {
        console_error!("{note}");
    }
    note_served();
    to_worker_response(response)
}
