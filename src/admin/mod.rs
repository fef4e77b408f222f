//! Provisioning API: integrated accounts, MCP servers and API tokens over JSON/HTTP.
//! Every route needs `Authorization: Bearer <ADMIN_TOKEN>`; every answer is JSON.
//! Reads and writes records only through `crate::store`; never names a runtime type.

mod accounts;
mod api_tokens;
mod audit;
mod auth;
mod body;
mod catalog;
mod concurrency;
mod error;
mod listing;
mod routes;
mod servers;
mod validate;

// Native only: the tests' D1 is SQLite, which has no wasm build.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use routes::is_admin_path;

use error::ApiError;

use crate::config::{Config, MIN_ADMIN_TOKEN_BYTES};
use crate::crypto::SealingKey;
use crate::http::{HttpRequest, HttpResponse};
use crate::limits::ADMIN_MAX_BODY_BYTES;
use crate::ports::{Clock, Database, KvStore};
use crate::store::timestamps::format_rfc3339;
use routes::Route;
use serde_json::Value;

/// Every admin route; returns a JSON response for every input (never panics).
pub async fn handle<K: KvStore, C: Clock>(
    request: &HttpRequest,
    config: &Config,
    kv: &K,
    clock: &C,
    db: &dyn Database,
) -> HttpResponse {
    let mut response = match dispatch(request, config, kv, clock, db).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    // Creation answers carry a secret shown once: no cache may keep any answer.
    response.set_header("cache-control", "no-store");
    response
}

async fn dispatch<K: KvStore, C: Clock>(
    request: &HttpRequest,
    config: &Config,
    kv: &K,
    clock: &C,
    db: &dyn Database,
) -> Result<HttpResponse, ApiError> {
    let path = request.path();
    if !is_admin_path(path) {
        return Err(ApiError::not_found(
            "route_not_found",
            format!("{path} is not an admin route"),
        ));
    }
    auth::check_origin(request, config.public_url.as_deref())?;
    let Some(admin_token) = config.admin_token.as_deref() else {
        return Err(ApiError::new(
            503,
            "admin_api_disabled",
            "the admin API is off because the ADMIN_TOKEN secret is not set: set it with \
             `wrangler secret put ADMIN_TOKEN` (or in .dev.vars for local runs)",
        ));
    };
    if admin_token.len() < MIN_ADMIN_TOKEN_BYTES {
        return Err(ApiError::new(
            503,
            "admin_api_disabled",
            format!(
                "the admin API is off because the ADMIN_TOKEN secret is shorter than \
                 {MIN_ADMIN_TOKEN_BYTES} bytes: set a long random one with `openssl rand -base64 32 | \
                 wrangler secret put ADMIN_TOKEN` (or in .dev.vars for local runs)"
            ),
        ));
    }
    auth::require_admin(request, admin_token)?;
    let declared = request
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if declared > ADMIN_MAX_BODY_BYTES as u64 {
        return Err(body_too_large(declared));
    }
    let route = routes::resolve(&request.method, path)?;
    if request.body.len() > ADMIN_MAX_BODY_BYTES {
        return Err(body_too_large(request.body.len() as u64));
    }
    match route {
        Route::PutAccount(id) => accounts::put(request, config, kv, clock, db, &id).await,
        Route::GetAccount(id) => accounts::get(config, db, &id).await,
        Route::DeleteAccount(id) => accounts::delete(request, kv, clock, db, &id).await,
        Route::CreateServer(id) => servers::create(request, config, kv, clock, db, &id).await,
        Route::ListServers(id) => servers::list(request, clock, db, &id).await,
        Route::GetServer(id, mcp_id) => servers::get(clock, db, &id, &mcp_id).await,
        Route::UpdateServer(id, mcp_id) => {
            servers::update(request, kv, clock, db, &id, &mcp_id).await
        }
        Route::DeleteServer(id, mcp_id) => {
            servers::delete(request, kv, clock, db, &id, &mcp_id).await
        }
        Route::CreateApiToken => api_tokens::create(request, kv, clock, db).await,
        Route::CreateAccountApiToken(id) => {
            api_tokens::create_for_account(request, kv, clock, db, &id).await
        }
        Route::ListApiTokens => api_tokens::list(request, clock, db).await,
        Route::GetApiToken(id) => api_tokens::get(clock, db, &id).await,
        Route::DeleteApiToken(id) => api_tokens::delete(kv, clock, db, &id).await,
        Route::Catalog => catalog::info(),
        Route::PreviewTools => catalog::preview(request),
        Route::Audit => audit::list(request, db).await,
        Route::ListAccounts => listing::accounts(request, db).await,
        Route::ListAllServers => listing::servers(request, db, clock).await,
        Route::ImportKv => listing::import_kv(request, kv, db, clock).await,
        Route::AuditSeries => audit::series(request, db, clock).await,
    }
}

/// The 413 of a body over [`ADMIN_MAX_BODY_BYTES`] (also what the worker shell answers when
/// it stops reading a streamed body at the cap).
pub fn body_too_large(size: u64) -> ApiError {
    ApiError::new(
        413,
        "payload_too_large",
        format!("the request body is {size} bytes or more; the limit is {ADMIN_MAX_BODY_BYTES}"),
    )
}

/// The key that seals credentials, or the 503 that says which secret to set.
fn sealing_key(config: &Config) -> Result<&SealingKey, ApiError> {
    config.sealing_key.as_ref().ok_or_else(|| {
        ApiError::new(
            503,
            "credentials_key_missing",
            "accounts cannot be stored or read because the CREDENTIALS_KEY secret is not set or is not \
             32 bytes (base64 or 64 hex characters): create one with `openssl rand -base64 32` and set it \
             with `wrangler secret put CREDENTIALS_KEY` (or in .dev.vars for local runs)",
        )
    })
}

fn now_rfc3339<C: Clock>(clock: &C) -> Result<String, ApiError> {
    format_rfc3339(clock.now_secs())
        .map_err(|e| ApiError::new(500, "internal_error", format!("the clock is off: {e}")))
}

fn json_response(status: u16, body: Value) -> HttpResponse {
    HttpResponse::json(status, &body)
}
