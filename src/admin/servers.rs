//! `/integrated-account/:id/mcp[/:mcp_id]`: mint (POST), list, show, update (PATCH) and
//! revoke (DELETE) MCP servers. The URL token is shown once, in the 201 of creation.

use super::body::{self, clip, Field, Object};
use super::error::ApiError;
use super::{accounts, concurrency, json_response, now_rfc3339, validate};
use crate::config::Config;
use crate::crypto::{new_id, new_token, sha256_hex};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, Database, KvStore};
use crate::records::{
    self,
    servers::{Selection, ServerRow},
};
use crate::store::{self, AuditMode, McpServerRecord, RateLimitResponse};
use serde_json::{json, Value};
use snmcp_catalog::{Catalog, FilterError, ToolFilter, ToolMode};

const FIELDS: [&str; 6] = [
    "name",
    "config",
    "expires_at",
    "require_api_token_auth",
    "rate_limit_response",
    "audit",
];

pub async fn create<K: KvStore, C: Clock>(
    request: &HttpRequest,
    config: &Config,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let account = accounts::existing(db, account_id).await?.record;
    let now = clock.now_secs();
    let object = body::object(&request.body, &FIELDS)?;
    let name = validate::name(&body::required::<String>(
        &object,
        "name",
        "a display name for the server",
    )?)?;
    let filter = match object.get("config") {
        None | Some(Value::Null) => ToolFilter::default(),
        Some(value) => parse_config(value)?,
    };
    check_filter(&filter)?;
    let expiry = body::optional::<String>(&object, "expires_at")?
        .map(|raw| validate::expires_at(&raw, now))
        .transpose()?;
    let require_api_token_auth =
        body::optional::<bool>(&object, "require_api_token_auth")?.unwrap_or(false);
    let rate_limit_response = match body::optional::<String>(&object, "rate_limit_response")? {
        None => RateLimitResponse::default(),
        Some(raw) => rate_limit_response(&raw)?,
    };
    let audit = match body::optional::<String>(&object, "audit")? {
        None => AuditMode::default(),
        Some(raw) => audit_mode(&raw)?,
    };

    let token = new_token().map_err(internal)?;
    let token_hash = sha256_hex(&token);
    let (expires_at, expires_at_unix) = expiry.unzip();
    let record = McpServerRecord {
        id: new_id("mcp").map_err(internal)?,
        account_id: account_id.to_string(),
        name,
        config: filter,
        expires_at,
        expires_at_unix,
        require_api_token_auth,
        rate_limit_response,
        audit,
        created_at: now_rfc3339(clock)?,
        account_generation: Some(account.generation),
        revoked: false,
    };
    records::servers::insert(db, &record, &token_hash)
        .await
        .map_err(concurrency::unavailable)?;
    let base = config
        .public_url
        .as_deref()
        .unwrap_or_else(|| request.origin());
    let mut view = with_warnings(server_view(&record), &record.config);
    view["url"] = Value::String(format!("{}/mcp/{token}", base.trim_end_matches('/')));
    let edge = store::servers::save(kv, &record, &token_hash).await;
    accounts::note_edge(&mut view, edge, || {
        records::servers::mark_synced(db, &record.id, 1)
    })
    .await;
    Ok(concurrency::with_etag(json_response(201, view), 1))
}

pub async fn list<C: Clock>(
    request: &HttpRequest,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let (limit, after) = validate::page_params(request)?;
    accounts::existing(db, account_id).await?;
    let selection = Selection {
        account: Some(account_id.to_string()),
        expired: Some(false),
        after,
        limit,
        ..Selection::default()
    };
    let rows = records::servers::list(db, &selection, clock.now_secs())
        .await
        .map_err(concurrency::unavailable)?;
    let next = validate::next_cursor(rows.iter().map(|r| r.record.id.as_str()), limit);
    let result: Vec<Value> = rows.iter().map(|r| server_view(&r.record)).collect();
    Ok(json_response(
        200,
        json!({ "result": result, "next_cursor": next }),
    ))
}

pub async fn get<C: Clock>(
    clock: &C,
    db: &dyn Database,
    account_id: &str,
    server_id: &str,
) -> Result<HttpResponse, ApiError> {
    let row = live_server(clock, db, account_id, server_id).await?;
    Ok(concurrency::with_etag(
        json_response(200, server_view(&row.record)),
        row.version,
    ))
}

pub async fn update<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
    server_id: &str,
) -> Result<HttpResponse, ApiError> {
    let wanted = concurrency::if_match(request)?;
    let row = live_server(clock, db, account_id, server_id).await?;
    concurrency::check(wanted, row.version)?;
    let mut record = row.record;
    let now = clock.now_secs();
    let object = body::object(&request.body, &FIELDS)?;
    if object.is_empty() {
        return Err(ApiError::bad_request(
            "empty_update",
            format!(
                "nothing to update: send at least one of {}",
                FIELDS.join(", ")
            ),
        ));
    }
    match body::field::<String>(&object, "name")? {
        Field::Absent => {}
        Field::Null => return Err(not_nullable("name")),
        Field::Value(raw) => record.name = validate::name(&raw)?,
    }
    match object.get("config") {
        None => {}
        // Merge-patch semantics: removing `config` removes every restriction.
        Some(Value::Null) => record.config = ToolFilter::default(),
        Some(value) => record.config = merge_config(&record.config, value)?,
    }
    match body::field::<String>(&object, "expires_at")? {
        Field::Absent => {}
        Field::Null => {
            record.expires_at = None;
            record.expires_at_unix = None;
        }
        Field::Value(raw) => {
            let (normalized, unix) = validate::expires_at(&raw, now)?;
            record.expires_at = Some(normalized);
            record.expires_at_unix = Some(unix);
        }
    }
    match body::field::<bool>(&object, "require_api_token_auth")? {
        Field::Absent => {}
        Field::Null => return Err(not_nullable("require_api_token_auth")),
        Field::Value(required) => record.require_api_token_auth = required,
    }
    match body::field::<String>(&object, "rate_limit_response")? {
        Field::Absent => {}
        Field::Null => record.rate_limit_response = RateLimitResponse::default(),
        Field::Value(raw) => record.rate_limit_response = rate_limit_response(&raw)?,
    }
    match body::field::<String>(&object, "audit")? {
        Field::Absent => {}
        Field::Null => record.audit = AuditMode::default(),
        Field::Value(raw) => record.audit = audit_mode(&raw)?,
    }
    // Re-validate the merged record, including what the PATCH did not touch.
    check_filter(&record.config)?;
    if let Some(unix) = record.expires_at_unix {
        validate::check_lifetime(unix, now)?;
    }
    let version = records::servers::update(db, &record, row.version, &now_rfc3339(clock)?)
        .await
        .map_err(|e| concurrency::write_failed(e, wanted))?;
    let mut view = with_warnings(server_view(&record), &record.config);
    let edge = store::servers::save(kv, &record, &row.token_hash).await;
    accounts::note_edge(&mut view, edge, || {
        records::servers::mark_synced(db, &record.id, version)
    })
    .await;
    Ok(concurrency::with_etag(json_response(200, view), version))
}

pub async fn delete<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
    server_id: &str,
) -> Result<HttpResponse, ApiError> {
    let wanted = concurrency::if_match(request)?;
    let row = live_server(clock, db, account_id, server_id).await?;
    concurrency::check(wanted, row.version)?;
    let version = records::servers::revoke(db, server_id, row.version, &now_rfc3339(clock)?)
        .await
        .map_err(|e| concurrency::write_failed(e, wanted))?;
    let mut view = json!({ "id": server_id, "deleted": true });
    let edge =
        store::servers::revoke_edge(kv, &row.record, &row.token_hash, clock.now_secs()).await;
    accounts::note_edge(&mut view, edge, || {
        records::servers::mark_synced(db, server_id, version)
    })
    .await;
    Ok(json_response(200, view))
}

/// The live (unexpired) server of this account from D1, or a 404.
async fn live_server<C: Clock>(
    clock: &C,
    db: &dyn Database,
    account_id: &str,
    server_id: &str,
) -> Result<ServerRow, ApiError> {
    validate::account_id(account_id)?;
    let not_found = || {
        ApiError::not_found(
            "server_not_found",
            format!(
                "no live MCP server `{}` on account `{account_id}`: it never existed, was deleted or has expired",
                clip(server_id)
            ),
        )
    };
    if !validate::is_generated_id(server_id, "mcp") {
        return Err(not_found());
    }
    accounts::existing(db, account_id).await?;
    records::servers::get(db, account_id, server_id, clock.now_secs())
        .await
        .map_err(concurrency::unavailable)?
        .ok_or_else(not_found)
}

/// A created or changed server's view with the warnings of its tool count (clients that
/// use only so many tools), so the person setting it up hears of them at once.
fn with_warnings(mut view: Value, filter: &ToolFilter) -> Value {
    if let Ok(catalog) = Catalog::builtin() {
        let count = catalog.visible(filter).count() + catalog.answer_tools(filter).len();
        let warnings = super::catalog::tool_count_warnings(count, filter.tool_mode);
        if !warnings.is_empty() {
            view["warnings"] = Value::Array(warnings);
        }
    }
    view
}

/// What responses show of a server; the token is never part of it.
pub fn server_view(record: &McpServerRecord) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "config": record.config,
        "expires_at": record.expires_at,
        "require_api_token_auth": record.require_api_token_auth,
        "rate_limit_response": record.rate_limit_response.as_str(),
        "audit": record.audit.as_str(),
        "created_at": record.created_at,
    })
}

fn audit_mode(raw: &str) -> Result<AuditMode, ApiError> {
    AuditMode::parse(raw).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_audit",
            format!(
                "`audit` must be one of {}: metadata logs each request's tool, argument names, client and outcome \
                 (the default), arguments also the argument values (secrets and file contents redacted), off nothing \
                 (got `{}`)",
                AuditMode::NAMES.join(", "),
                clip(raw)
            ),
        )
    })
}

fn rate_limit_response(raw: &str) -> Result<RateLimitResponse, ApiError> {
    RateLimitResponse::parse(raw).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_rate_limit_response",
            format!(
                "`rate_limit_response` must be one of {}: http_429 answers a ServiceNow 429 with HTTP 429 (the default), \
                 tool_error with an isError tool result for clients that fail on HTTP errors (got `{}`)",
                RateLimitResponse::NAMES.join(", "),
                clip(raw)
            ),
        )
    })
}

fn config_object(value: &Value) -> Result<&Object, ApiError> {
    let Value::Object(object) = value else {
        return Err(ApiError::bad_request(
            "invalid_config",
            "`config` must be an object like {\"methods\": [\"read\"], \"tags\": [\"incident\"]}",
        ));
    };
    body::reject_unknown(object, &["methods", "tags", "tool_mode"], "`config`")?;
    Ok(object)
}

fn string_list(object: &Object, name: &str) -> Result<Field<Vec<String>>, ApiError> {
    body::field::<Vec<String>>(object, name).map_err(|_| {
        ApiError::bad_request(
            "invalid_config",
            format!("`config.{name}` must be an array of strings"),
        )
    })
}

pub(super) fn parse_config(value: &Value) -> Result<ToolFilter, ApiError> {
    merge_config(&ToolFilter::default(), value)
}

/// Applies `patch` (JSON merge patch: a member set to null is removed) to `current`.
fn merge_config(current: &ToolFilter, patch: &Value) -> Result<ToolFilter, ApiError> {
    let object = config_object(patch)?;
    let mut merged = current.clone();
    for (name, slot) in [("methods", &mut merged.methods), ("tags", &mut merged.tags)] {
        match string_list(object, name)? {
            Field::Absent => {}
            Field::Null => *slot = None,
            Field::Value(list) => *slot = Some(list),
        }
    }
    match object.get("tool_mode") {
        None => {}
        Some(Value::Null) => merged.tool_mode = ToolMode::default(),
        Some(value) => {
            merged.tool_mode = value.as_str().and_then(ToolMode::parse).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_config",
                    format!(
                        "`config.tool_mode` must be one of {}: \"tools\" lists every tool, \"discovery\" lists three tools that search, describe and call them",
                        ToolMode::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                    ),
                )
            })?
        }
    }
    Ok(merged)
}

/// The catalog decides which filters are usable (unknown entries, no tool left).
pub(super) fn check_filter(filter: &ToolFilter) -> Result<(), ApiError> {
    let catalog = Catalog::builtin().map_err(|e| {
        ApiError::new(
            500,
            "catalog_unavailable",
            format!("the built-in tool catalog cannot be loaded: {e}"),
        )
    })?;
    catalog.check_filter(filter).map(|_| ()).map_err(|e| {
        let code = match &e {
            FilterError::UnknownMethods { .. } => "unknown_method",
            FilterError::UnknownTags { .. } => "unknown_tag",
            FilterError::EmptyMethods | FilterError::EmptyTags | FilterError::NoTools { .. } => {
                "no_tools"
            }
        };
        ApiError::bad_request(code, e.to_string())
    })
}

fn not_nullable(name: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_field",
        format!("`{name}` cannot be null; leave it out to keep its value"),
    )
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(500, "internal_error", e.to_string())
}
