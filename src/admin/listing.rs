//! Listing from the system of record: `GET /integrated-accounts` (search by id or
//! instance) and `GET /mcp-servers` across accounts (filters: account, expired, auth
//! mode, name; expired servers stay visible until purged from D1), both paged by id;
//! and `POST /import/kv`, the one-shot import of a KV-only deployment.

use super::body::clip;
use super::concurrency;
use super::error::ApiError;
use super::servers::server_view;
use super::{json_response, validate};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, Database, KvStore};
use crate::records::{self, import, servers::Selection};
use serde_json::{json, Value};

fn bad(parameter: &str, why: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_parameter",
        format!("query parameter `{parameter}`: {why}"),
    )
}

/// A listing's page: `limit` and `cursor` (validated as the other listings do) and the
/// other query pairs (its filters).
struct Paging {
    limit: u32,
    after: Option<String>,
    filters: Vec<(String, String)>,
}

fn paging(request: &HttpRequest) -> Result<Paging, ApiError> {
    let (limit, after) = validate::page_params(request)?;
    let filters = request
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| k != "limit" && k != "cursor")
        .collect();
    Ok(Paging {
        limit,
        after,
        filters,
    })
}

fn text_filter(parameter: &str, raw: &str) -> Result<String, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > 200 || raw.chars().any(char::is_control) {
        return Err(bad(
            parameter,
            "1 to 200 characters without control characters",
        ));
    }
    Ok(raw.to_string())
}

pub async fn accounts(request: &HttpRequest, db: &dyn Database) -> Result<HttpResponse, ApiError> {
    let Paging {
        limit,
        after,
        filters,
    } = paging(request)?;
    let mut search = None;
    for (name, raw) in &filters {
        match name.as_str() {
            "q" => search = Some(text_filter(name, raw)?),
            other => return Err(bad(other, "unknown; filters are q, limit, cursor")),
        }
    }
    let rows = records::accounts::list(db, search.as_deref(), after.as_deref(), limit)
        .await
        .map_err(concurrency::unavailable)?;
    let next = validate::next_cursor(rows.iter().map(|r| r.record.id.as_str()), limit);
    let result: Vec<Value> = rows
        .iter()
        .map(|r| {
            // The auth type only: the summary's identifiers would need the sealed
            // credentials opened for every row of a listing.
            json!({
                "id": r.record.id,
                "instance_url": r.record.instance_url,
                "auth": {"type": r.record.auth_type},
                "created_at": r.record.created_at,
                "updated_at": r.record.updated_at,
                "version": r.version,
            })
        })
        .collect();
    Ok(json_response(
        200,
        json!({ "result": result, "next_cursor": next }),
    ))
}

pub async fn servers<C: Clock>(
    request: &HttpRequest,
    db: &dyn Database,
    clock: &C,
) -> Result<HttpResponse, ApiError> {
    let Paging {
        limit,
        after,
        filters,
    } = paging(request)?;
    let mut selection = Selection {
        after,
        limit,
        ..Selection::default()
    };
    for (name, raw) in &filters {
        match name.as_str() {
            "account" => {
                let id = text_filter(name, raw)?;
                validate::account_id(&id)?;
                selection.account = Some(id);
            }
            "expired" => {
                selection.expired = Some(match raw.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(name, "true or false")),
                })
            }
            "auth_mode" => {
                selection.auth_mode = Some(match raw.trim() {
                    "url" => "url",
                    "api_token" => "api_token",
                    _ => return Err(bad(name, "url or api_token")),
                })
            }
            "name" => selection.name = Some(text_filter(name, raw)?),
            other => {
                return Err(bad(
                    other,
                    "unknown; filters are account, expired, auth_mode, name, limit, cursor",
                ))
            }
        }
    }
    let now = clock.now_secs();
    let rows = records::servers::list(db, &selection, now)
        .await
        .map_err(concurrency::unavailable)?;
    let next = validate::next_cursor(rows.iter().map(|r| r.record.id.as_str()), limit);
    let result: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut view = server_view(&r.record);
            view["account_id"] = json!(r.record.account_id);
            view["expired"] = json!(r.state == "expired" || r.record.is_expired(now));
            view["purged"] = json!(r.state == "expired");
            view["version"] = json!(r.version);
            view
        })
        .collect();
    Ok(json_response(
        200,
        json!({ "result": result, "next_cursor": next }),
    ))
}

/// `POST /import/kv[?cursor=...]`: imports one page of a KV-only deployment's accounts
/// and their servers; call again with `next_cursor` until it is null.
pub async fn import_kv<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    db: &dyn Database,
    clock: &C,
) -> Result<HttpResponse, ApiError> {
    let mut cursor = None;
    for (name, raw) in request.query_pairs() {
        match name.as_str() {
            "cursor" if !raw.is_empty() => cursor = Some(raw),
            other => return Err(bad(other, "unknown; this route takes only `cursor`")),
        }
    }
    if cursor.as_ref().is_some_and(|c| c.len() > 2048) {
        return Err(bad("cursor", "not a cursor this route returned"));
    }
    match import::run(db, kv, cursor.as_deref(), clock.now_secs()).await {
        Ok(done) => Ok(json_response(
            200,
            json!({
                "imported_accounts": done.accounts,
                "imported_servers": done.servers,
                "imported_api_tokens": done.tokens,
                "already_present": done.skipped,
                "next_cursor": done.cursor,
            }),
        )),
        Err(import::ImportError::Db(e)) => Err(concurrency::unavailable(e)),
        Err(import::ImportError::Kv(e)) => Err(ApiError::new(
            503,
            "storage_unavailable",
            format!(
                "KV could not be read ({}); nothing more was imported: retry with the same cursor",
                clip(&e.to_string())
            ),
        )),
    }
}
