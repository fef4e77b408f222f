//! The Workers shell: `#[event(fetch)]`, and the adapters of the ports over `worker::kv`,
//! the runtime's `fetch` (through `web_sys`) and `Date.now()`. The only module that
//! names `worker::*`; it moves bytes in and out and decides nothing.

use crate::app;
use crate::body_cap;
use crate::config::Config;
use crate::crypto::sha256_hex;
use crate::http::{HttpRequest, HttpResponse};
use crate::isolate_stats;
use crate::limits;
use crate::ports::{
    Clock, Database, DbError, KeyPage, KvStore, Rows, SqlValue, Statement, StoreError, Unbound,
    Upstream, UpstreamError,
};
use crate::services::Services;
use crate::store::cache::{CachedKv, IsolateCache};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{
    console_error, console_log, event, js_sys, web_sys, ByteStream, Context, EncodeBody, Env,
    Headers, Response,
};

thread_local! {
    /// Lives as long as the isolate (one thread): see `store::cache` for what it holds.
    static ISOLATE_CACHE: &'static IsolateCache = Box::leak(Box::default());
    /// Requests this isolate has served, and its random id (see `isolate_stats`).
    static SERVED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The configuration, read from the environment once (see `isolate_config`).
    static CONFIG: std::cell::OnceCell<&'static (Config, Vec<String>)> = const { std::cell::OnceCell::new() };
    static ISOLATE_ID: String = {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_or_else(|_| "unknown".to_string(), |()| {
            crate::crypto::hex(&bytes)
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
/// The D1 database binding named in wrangler.toml.
pub const DB_BINDING: &str = "DB";

thread_local! {
    /// Audit rows this isolate failed to write (each failure is logged with the total).
    static AUDIT_UNWRITTEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The isolate's audit rows waiting for the running flush (see `audit::group`).
    static AUDIT_QUEUE: crate::audit::group::GroupCommit = crate::audit::group::GroupCommit::default();
}

struct WorkerD1(worker::D1Database);

fn d1_error(e: worker::Error) -> DbError {
    DbError(e.to_string())
}

impl Database for WorkerD1 {
    fn batch<'a>(
        &'a self,
        statements: Vec<Statement>,
    ) -> futures::future::LocalBoxFuture<'a, Result<Vec<Rows>, DbError>> {
        Box::pin(async move {
            let mut prepared = Vec::with_capacity(statements.len());
            for statement in &statements {
                let params: Vec<JsValue> = statement
                    .params
                    .iter()
                    .map(|p| match p {
                        SqlValue::Null => JsValue::NULL,
                        // Every bound integer is below 2^53 (see `SqlValue`).
                        SqlValue::Integer(n) => JsValue::from_f64(*n as f64),
                        SqlValue::Text(t) => JsValue::from_str(t),
                    })
                    .collect();
                prepared.push(
                    self.0
                        .prepare(&statement.sql)
                        .bind(&params)
                        .map_err(d1_error)?,
                );
            }
            let results = self.0.batch(prepared).await.map_err(d1_error)?;
            results
                .into_iter()
                .map(|result| {
                    let rows = result
                        .results::<serde_json::Map<String, serde_json::Value>>()
                        .map_err(d1_error)?;
                    let changes = result
                        .meta()
                        .map_err(d1_error)?
                        .and_then(|m| m.changes)
                        .unwrap_or(0);
                    Ok(Rows {
                        rows,
                        changes: changes as u64,
                    })
                })
                .collect()
        })
    }
}

/// The database the request is served with: D1, or one that explains it is not bound.
fn database(env: &Env) -> Box<dyn Database> {
    match env.d1(DB_BINDING) {
        Ok(d1) => Box::new(WorkerD1(d1)),
        Err(_) => Box::new(Unbound(
            "the D1 database is not bound (binding DB): see the README's deploy steps",
        )),
    }
}

/// Writes a request's audit rows after its answer is sent (`waitUntil`), grouped with
/// the rows of the isolate's other requests (`audit::group`): a failure is counted and
/// logged, and never reaches the answer. The flush starts on a zero-delay timer:
/// `waitUntil` begins running its future at once, and D1's `prepare`/`bind`/`batch`
/// calls made before the handler returns delayed the answer by about 0.6 ms under local
/// workerd (measured: `scripts/bench.mjs`'s audit line, docs/performance.md).
fn write_audit(ctx: &Context, env: &Env, entries: Vec<crate::audit::Entry>) {
    if entries.is_empty() || !AUDIT_QUEUE.with(|q| q.enqueue(entries, now_ms())) {
        return;
    }
    let db = database(env);
    ctx.wait_until(async move {
        worker::Delay::from(std::time::Duration::ZERO).await;
        while let Some(round) = AUDIT_QUEUE.with(|q| q.next_round(now_ms())) {
            if let Err(e) = crate::audit::write(db.as_ref(), &round).await {
                let total = AUDIT_UNWRITTEN.with(|n| {
                    n.set(n.get() + round.len() as u64);
                    n.get()
                });
                console_error!(
                    "audit: {} row(s) not written ({total} in this isolate): {e}",
                    round.len()
                );
            }
        }
    });
}

#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    let (config, _) = isolate_config(&env);
    let db = database(&env);
    let kv = match env.kv(KV_BINDING) {
        Ok(kv) => WorkerKv(kv),
        Err(e) => {
            console_error!("scheduled: KV binding {KV_BINDING} is missing: {e}");
            return;
        }
    };
    for line in crate::maintenance::run(config, db.as_ref(), &kv, &WorkerClock).await {
        console_log!("{line}");
    }
}

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
    /// Requests sent to ServiceNow for this request and the time they took, for the log
    /// line: what of a tool call's time was ServiceNow's and what was the worker's.
    sent: std::cell::Cell<u32>,
    waited_ms: std::cell::Cell<u64>,
}

/// The outgoing request as a `web_sys::Request`. Built on `web_sys` directly: the
/// `worker::Request` wrapper reads the request's `cf` object on construction, work no
/// outbound request needs.
fn to_web_request(
    request: &HttpRequest,
    signal: &web_sys::AbortSignal,
) -> Result<web_sys::Request, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(&request.method);
    init.set_headers(&headers);
    // Manual: a redirect would re-send credentials (and on 307/308 the OAuth form) to
    // wherever it points; the 3xx comes back as an answer the caller reports.
    init.set_redirect(web_sys::RequestRedirect::Manual);
    init.set_signal(Some(signal));
    if !request.body.is_empty() {
        init.set_body(&js_sys::Uint8Array::from(&request.body[..]).into());
    }
    web_sys::Request::new_with_str_and_init(&request.url, &init)
}

/// A JS exception as text for an error message.
fn js_error_text(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the runtime gave no reason".to_string())
}

fn header_pairs(headers: web_sys::Headers) -> Vec<(String, String)> {
    Headers(headers)
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

/// A body read whole: one `arrayBuffer()`, one copy into wasm memory. (`worker`'s own
/// `Response::bytes` reads a fetched body through its stream, one promise and several
/// JS calls per chunk.)
async fn array_buffer(promise: Result<js_sys::Promise, JsValue>) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(promise.map_err(|e| js_error_text(&e))?)
        .await
        .map_err(|e| js_error_text(&e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Whether an answer has a content encoding other than identity.
fn encoded(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(k, v)| k == "content-encoding" && !v.trim().eq_ignore_ascii_case("identity"))
}

/// Why an answer could not be read: over the cap, or a failure (the caller tells a
/// timeout from the rest).
enum ReadFailure {
    TooLarge(usize),
    Failed(String),
}

impl From<String> for ReadFailure {
    fn from(error: String) -> Self {
        ReadFailure::Failed(error)
    }
}

async fn read_response(
    response: web_sys::Response,
    max_body_bytes: usize,
) -> Result<HttpResponse, ReadFailure> {
    let headers = header_pairs(response.headers());
    if body_cap::declared_length(&headers).is_some_and(|n| n > max_body_bytes as u64) {
        return Err(ReadFailure::TooLarge(max_body_bytes));
    }
    let status = response.status();
    // A 3xx is reported, not read; a body-less answer has no stream.
    let body = if (300..400).contains(&status) {
        Vec::new()
    } else if body_cap::declared_length(&headers).is_some() && !encoded(&headers) {
        // Within the cap (checked above): one read, as for any answer with a length. Not
        // for an encoded answer: its length is the compressed one, the body is inflated.
        array_buffer(response.array_buffer()).await?
    } else {
        match response.body() {
            Some(stream) => body_cap::read_capped(ByteStream::from(stream), max_body_bytes)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(ReadFailure::TooLarge(max_body_bytes))?,
            None => Vec::new(),
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
        // The runtime's own timeout signal aborts the fetch and the read of its body alike;
        // no timer, closure or race is kept on our side.
        let signal = web_sys::AbortSignal::timeout_with_f64(timeout_ms as f64);
        let started = now_ms();
        let outcome = async {
            let web_request = to_web_request(&request, &signal).map_err(|e| js_error_text(&e))?;
            let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
            let response = JsFuture::from(global.fetch_with_request(&web_request))
                .await
                .map_err(|e| js_error_text(&e))?;
            let response: web_sys::Response = response
                .dyn_into()
                .map_err(|_| "fetch gave no Response".to_string())?;
            read_response(response, self.max_body_bytes).await
        }
        .await;
        self.sent.set(self.sent.get() + 1);
        self.waited_ms
            .set(self.waited_ms.get() + now_ms().saturating_sub(started));
        outcome.map_err(|e| match e {
            ReadFailure::TooLarge(limit_bytes) => UpstreamError::TooLarge { limit_bytes },
            // A failure once the signal fired is the timeout, whatever the runtime called it.
            ReadFailure::Failed(_) if signal.aborted() => UpstreamError::Timeout {
                after_ms: timeout_ms,
            },
            ReadFailure::Failed(error) => UpstreamError::Network(error),
        })
    }
}

/// Milliseconds since the epoch, without the `Date` object `worker::Date::now` builds.
fn now_ms() -> u64 {
    // A clock before 1970 or past u64 is no clock: read as 0.
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

struct WorkerClock;

impl Clock for WorkerClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
}

/// The request line and headers, without the body.
fn read_head(request: &web_sys::Request) -> HttpRequest {
    HttpRequest {
        method: request.method(),
        url: request.url(),
        headers: header_pairs(request.headers()),
        body: bytes::Bytes::new(),
    }
}

/// `head` with its body read up to `prepared`'s cap, or `Err` with the 413 to send as
/// soon as the cap is passed (declared or streamed).
async fn read_body(
    request: web_sys::Request,
    mut head: HttpRequest,
    prepared: &app::Prepared,
) -> Result<HttpRequest, HttpResponse> {
    let cap = prepared.body_cap();
    if body_cap::declared_length(&head.headers).is_some_and(|n| n > cap as u64) {
        return Err(prepared.too_large(&head));
    }
    if matches!(head.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return Ok(head);
    }
    // A declared length within the cap is read in one go (the common case); only a body
    // without one (chunked) is streamed against the cap. No stream means no body; a body
    // that breaks off mid-way is read as far as it got (the JSON parse then names it).
    if body_cap::declared_length(&head.headers).is_some() {
        head.body = array_buffer(request.array_buffer())
            .await
            .unwrap_or_default()
            .into();
    } else if let Some(stream) = request.body() {
        match body_cap::read_capped_draining(
            ByteStream::from(stream),
            cap,
            limits::drain_limit(cap),
        )
        .await
        {
            Ok(Some(body)) => head.body = body.into(),
            Ok(None) => return Err(prepared.too_large(&head)),
            Err(e) => console_error!("request body broke off: {e}"),
        }
    }
    Ok(head)
}

fn to_worker_response(response: HttpResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    // Bytes the app already encoded (a gzip `tools/list`) go out as they are; left on
    // automatic, the runtime would take the header as a request to compress them again.
    let encoding = if response.header("content-encoding").is_some() {
        EncodeBody::Manual
    } else {
        EncodeBody::Automatic
    };
    let out = if response.body.is_empty() {
        Response::empty()?
    } else {
        Response::from_bytes(response.body)?
    };
    Ok(out
        .with_status(response.status)
        .with_headers(headers)
        .with_encode_body(encoding))
}

/// Path for logs: an MCP token is replaced by a short digest of it.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/mcp/") {
        Some(token) => format!("/mcp/<{}>", sha256_hex(token).get(..8).unwrap_or_default()),
        None => path.to_string(),
    }
}

/// The configuration and its problems, read from `env` on the isolate's first request.
/// Bindings and secrets are fixed for an isolate's life (a deployment or a changed secret
/// starts new isolates), and reading them per request cost a sealing-key derivation and
/// a dozen JS calls every time.
fn isolate_config(env: &Env) -> (&'static Config, &'static [String]) {
    let pair = CONFIG.with(|cell| {
        *cell.get_or_init(|| Box::leak(Box::new(Config::from_lookup(|name| env_lookup(env, name)))))
    });
    (&pair.0, &pair.1)
}

fn env_lookup(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .ok()
        .or_else(|| env.var(name).map(|v| v.to_string()).ok())
}

/// Once per isolate, before any request: a panic (none is expected: the fuzz target holds
/// the router to zero over a million inputs) reaches the log with its message.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(request: web_sys::Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let started = now_ms();
    let head = read_head(&request);
    let method = head.method.clone();
    let path = loggable_path(head.path());
    let (config, problems) = isolate_config(&env);
    for problem in problems {
        console_error!("configuration: {problem}");
    }
    let mut upstream_note = String::new();
    let response = match env.kv(KV_BINDING) {
        Ok(kv) => {
            let worker_kv = WorkerKv(kv);
            let cache = ISOLATE_CACHE.with(|cache| *cache);
            let kv = CachedKv::new(&worker_kv, cache, now_ms());
            let upstream = WorkerFetch {
                max_body_bytes: config.upstream_max_body_bytes,
                sent: Default::default(),
                waited_ms: Default::default(),
            };
            let db = database(&env);
            let recorder = crate::audit::Recorder::default();
            let services = Services {
                config,
                kv: &kv,
                upstream: &upstream,
                clock: &WorkerClock,
                db: db.as_ref(),
                audit: &recorder,
            };
            // The head is resolved once (for /mcp/<token>: server, account, API token,
            // body cap), before a byte of the body is read.
            let prepared = app::prepare(&services, &head).await;
            let body = if prepared.is_answered() {
                Ok(head)
            } else {
                read_body(request, head, &prepared).await
            };
            let response = match body {
                Ok(http_request) => app::serve(&services, http_request, prepared).await,
                Err(too_large) => {
                    console_log!("{method} {path} {} body over the cap", too_large.status);
                    return to_worker_response(too_large);
                }
            };
            write_audit(&ctx, &env, recorder.take());
            if upstream.sent.get() > 0 {
                upstream_note = format!(
                    " (ServiceNow {}ms over {} request(s))",
                    upstream.waited_ms.get(),
                    upstream.sent.get()
                );
            }
            response
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
        "{method} {path} {} {}ms{upstream_note}",
        response.status,
        now_ms().saturating_sub(started)
    );
    for note in crate::diagnostics::drain() {
        console_error!("{note}");
    }
    note_served();
    to_worker_response(response)
}
