//! `/integrated-account/:id`: register or replace (PUT), show (GET) and delete (DELETE)
//! a ServiceNow account. Responses show the auth type and non-secret identifiers only.

use super::body::{self, clip};
use super::error::ApiError;
use super::{concurrency, json_response, now_rfc3339, sealing_key, validate};
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, Database, KvStore};
use crate::records::{self, Versioned};
use crate::store::{self, AccountAuth, AuthSummary, IntegratedAccount, StoreError, StoredAccount};
use serde_json::{json, Value};

const AUTH_TYPES: &str = "basic, oauth2_client_credentials, oauth2_password, bearer, api_key";

pub async fn put<K: KvStore, C: Clock>(
    request: &HttpRequest,
    config: &Config,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let key = sealing_key(config)?;
    let wanted = concurrency::if_match(request)?;
    let object = body::object(&request.body, &["instance_url", "auth"])?;
    let raw_url: String = body::required(
        &object,
        "instance_url",
        "the ServiceNow instance root, like https://acme.service-now.com",
    )?;
    let instance_url = validate::instance_url(&raw_url, config.allow_http_upstream)?;
    let auth = parse_auth(object.get("auth"))?;
    let account = IntegratedAccount {
        id: account_id.to_string(),
        instance_url,
        auth,
        generation: String::new(),
    };
    let now = now_rfc3339(clock)?;
    let existing = records::accounts::get(db, account_id)
        .await
        .map_err(concurrency::unavailable)?;
    if let Some(current) = &existing {
        concurrency::check(wanted, current.version)?;
    } else if wanted.is_some() {
        return Err(not_found(account_id));
    }
    let stored = store::accounts::seal(key, &account, existing.as_ref().map(|e| &e.record), &now)?;
    let version = match &existing {
        None => records::accounts::insert(db, &stored).await,
        Some(current) => records::accounts::update(db, &stored, current.version).await,
    }
    .map_err(|e| concurrency::write_failed(e, wanted))?;
    let created = existing.is_none();
    let mut view = account_view(&stored, &account.auth.summary());
    // The KV copy (what MCP requests read) after the commit; if it fails the record
    // stands and the cron job writes it (the answer says so).
    let edge = store::accounts::write_edge(kv, &stored, created).await;
    note_edge(&mut view, edge, || {
        records::accounts::mark_synced(db, account_id, version)
    })
    .await;
    let status = if created { 201 } else { 200 };
    Ok(concurrency::with_etag(json_response(status, view), version))
}

/// Marks the row synced when the KV write worked; else says in `view` that the edge copy
/// is pending (the cron job's reconcile writes it) and logs why for the operator.
pub async fn note_edge<F, Fut>(view: &mut Value, edge: Result<(), StoreError>, mark: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), crate::ports::DbError>>,
{
    match edge {
        Ok(()) => {
            // A failed mark only makes the cron job write the same copy again.
            if let Err(e) = mark().await {
                crate::diagnostics::record(format!("edge sync not marked in D1: {e}"));
            }
        }
        Err(e) => {
            crate::diagnostics::record(format!("edge copy not written to KV: {e}"));
            view["edge"] = Value::String(
                "pending: saved, but not yet at the edge; the scheduled reconcile writes it within the hour"
                    .into(),
            );
        }
    }
}

pub async fn get(
    config: &Config,
    db: &dyn Database,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let key = sealing_key(config)?;
    let current = existing(db, account_id).await?;
    let account = store::accounts::open(key, &current.record)?;
    Ok(concurrency::with_etag(
        json_response(200, account_view(&current.record, &account.auth.summary())),
        current.version,
    ))
}

pub async fn delete<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let wanted = concurrency::if_match(request)?;
    let current = existing(db, account_id).await?;
    concurrency::check(wanted, current.version)?;
    let revoked = records::accounts::delete(db, account_id, current.version)
        .await
        .map_err(|e| concurrency::write_failed(e, wanted))?;
    let mut view = json!({ "id": account_id, "deleted": true, "revoked_servers": revoked });
    let edge = revoke_at_edge(kv, db, account_id, clock.now_secs()).await;
    note_edge(&mut view, edge, || {
        records::accounts::mark_synced(db, account_id, current.version + 1)
    })
    .await;
    Ok(json_response(200, view))
}

/// Tombstones the account's revoked servers in KV, then removes the account's KV copy.
async fn revoke_at_edge<K: KvStore>(
    kv: &K,
    db: &dyn Database,
    account_id: &str,
    now_secs: u64,
) -> Result<(), StoreError> {
    let rows = records::servers::unsynced_of_account(db, account_id)
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    for row in rows {
        store::servers::revoke_edge(kv, &row.record, &row.token_hash, now_secs).await?;
        if let Err(e) = records::servers::mark_synced(db, &row.record.id, row.version).await {
            crate::diagnostics::record(format!("edge sync not marked in D1: {e}"));
        }
    }
    store::accounts::delete_edge(kv, account_id).await
}

/// The live account and its version from D1, or the 404 that tells how to register it.
pub async fn existing(
    db: &dyn Database,
    account_id: &str,
) -> Result<Versioned<StoredAccount>, ApiError> {
    records::accounts::get(db, account_id)
        .await
        .map_err(concurrency::unavailable)?
        .ok_or_else(|| not_found(account_id))
}

fn not_found(account_id: &str) -> ApiError {
    ApiError::not_found(
        "account_not_found",
        format!(
            "no integrated account `{}`: register it first with PUT /integrated-account/{}",
            clip(account_id),
            clip(account_id)
        ),
    )
}

pub fn account_view(stored: &StoredAccount, auth: &AuthSummary) -> Value {
    json!({
        "id": stored.id,
        "instance_url": stored.instance_url,
        "auth": auth,
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
    })
}

/// Reads `auth` by hand rather than through serde: serde's type errors quote the value,
/// and the values here are secrets.
fn parse_auth(value: Option<&Value>) -> Result<AccountAuth, ApiError> {
    let invalid = |message: String| ApiError::bad_request("invalid_auth", message);
    let Some(Value::Object(object)) = value else {
        return Err(invalid(format!(
            "`auth` is required: an object with a `type` ({AUTH_TYPES}) and that type's credentials"
        )));
    };
    let Some(kind) = object.get("type").and_then(Value::as_str) else {
        return Err(invalid(format!(
            "`auth.type` is required: one of {AUTH_TYPES}"
        )));
    };
    let fields: &[&str] = match kind {
        "basic" => &["username", "password"],
        "oauth2_client_credentials" => &["client_id", "client_secret"],
        "oauth2_password" => &["client_id", "client_secret", "username", "password"],
        "bearer" => &["token"],
        "api_key" => &["key"],
        other => {
            return Err(invalid(format!(
                "`auth.type` `{}` is not supported: use one of {AUTH_TYPES}",
                clip(other)
            )))
        }
    };
    let mut allowed = vec!["type"];
    allowed.extend_from_slice(fields);
    body::reject_unknown(object, &allowed, &format!("`auth` of type {kind}"))?;
    let text = |name: &str| -> Result<String, ApiError> {
        match object.get(name) {
            None | Some(Value::Null) => Err(invalid(format!(
                "`auth.{name}` is required for type {kind} (fields: {})",
                fields.join(", ")
            ))),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::String(_)) => Err(invalid(format!("`auth.{name}` must not be empty"))),
            Some(_) => Err(invalid(format!("`auth.{name}` must be a string"))),
        }
    };
    Ok(match kind {
        "basic" => AccountAuth::Basic {
            username: text("username")?,
            password: text("password")?,
        },
        "oauth2_client_credentials" => AccountAuth::Oauth2ClientCredentials {
            client_id: text("client_id")?,
            client_secret: text("client_secret")?,
        },
        "oauth2_password" => AccountAuth::Oauth2Password {
            client_id: text("client_id")?,
            client_secret: text("client_secret")?,
            username: text("username")?,
            password: text("password")?,
        },
        "bearer" => AccountAuth::Bearer {
            token: text("token")?,
        },
        _ => AccountAuth::ApiKey { key: text("key")? },
    })
}
