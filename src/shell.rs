//! The Workers shell: `#[event(fetch)]`, and the adapters of the ports over `worker::kv`,
//! `worker::Fetch` and `Date`. The only module that names `worker::*`; it moves bytes
//! in and out and decides nothing.

use crate::app;
use crate::config::Config;
use crate::crypto::sha256_hex;
use crate::http::{HttpRequest, HttpResponse};
use crate::mcp::transport::MAX_BODY_BYTES;
use crate::mcp::Services;
use crate::ports::{Clock, KeyPage, KvStore, StoreError, Upstream, UpstreamError};
use futures::future::{select, Either};
use std::time::Duration;
use worker::{
    console_error, console_log, event, js_sys, AbortController, Context, Date, Delay, Env, Fetch,
    Headers, Method, Request, RequestInit, Response,
};

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

struct WorkerFetch;

fn to_worker_request(request: &HttpRequest) -> worker::Result<Request> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(request.method.clone()))
        .with_headers(headers);
    if !request.body.is_empty() {
        init.with_body(Some(
            js_sys::Uint8Array::from(request.body.as_slice()).into(),
        ));
    }
    Request::new_with_init(&request.url, &init)
}

async fn read_response(mut response: Response) -> worker::Result<HttpResponse> {
    let headers = response
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    Ok(HttpResponse {
        status: response.status_code(),
        headers,
        body: response.bytes().await?,
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
            let response = fetch.send_with_signal(&signal).await?;
            read_response(response).await
        };
        let timer = Delay::from(Duration::from_millis(timeout_ms));
        futures::pin_mut!(call);
        match select(call, timer).await {
            Either::Left((result, _)) => result.map_err(|e| UpstreamError::Network(e.to_string())),
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

async fn read_request(mut request: Request) -> worker::Result<HttpRequest> {
    let headers: Vec<(String, String)> = request
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let declared = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    // A body declared too large is never read: the transport answers 413 from the header.
    let body = if declared > MAX_BODY_BYTES || request.method() == Method::Get {
        Vec::new()
    } else {
        request.bytes().await.unwrap_or_default()
    };
    Ok(HttpRequest {
        method: request.method().to_string(),
        url: request.url()?.to_string(),
        headers,
        body,
    })
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
        Some(token) => format!("/mcp/<{}>", &sha256_hex(token)[..8]),
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
    let http_request = read_request(request).await?;
    let method = http_request.method.clone();
    let path = loggable_path(http_request.path());
    let (config, problems) = Config::from_lookup(|name| env_lookup(&env, name));
    for problem in problems {
        console_error!("configuration: {problem}");
    }
    let response = match env.kv(KV_BINDING) {
        Ok(kv) => {
            let kv = WorkerKv(kv);
            let services = Services {
                config: &config,
                kv: &kv,
                upstream: &WorkerFetch,
                clock: &WorkerClock,
            };
            app::handle(&services, http_request).await
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
    to_worker_response(response)
}
