//! `/api-tokens[/:id]`: mint (POST), list, show and revoke (DELETE) the API tokens that
//! `require_api_token_auth` servers demand. The token is shown once, in the 201.

use super::body::{self, clip};
use super::error::ApiError;
use super::{concurrency, json_response, now_rfc3339, validate};
use crate::crypto::{new_id, new_token, sha256_hex};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, Database, KvStore};
use crate::records::{self, api_tokens::TokenRow};
use crate::store::{self, AccountRef, ApiTokenRecord, TokenScope};
use serde_json::{json, Value};

/// `POST /api-tokens`: a token for the accounts named in `accounts`, or for every
/// account with `all_accounts: true` (asked for explicitly; never the default).
pub async fn create<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
    db: &dyn Database,
) -> Result<HttpResponse, ApiError> {
    let object = body::object(
        &request.body,
        &["name", "expires_at", "accounts", "all_accounts"],
    )?;
    let accounts = body::optional::<Vec<String>>(&object, "accounts")?.unwrap_or_default();
    let all = body::optional::<bool>(&object, "all_accounts")?.unwrap_or(false);
    let scope = match (accounts.is_empty(), all) {
        (true, true) => TokenScope::AllAccounts,
        (false, false) => {
            let mut refs = Vec::new();
            for id in &accounts {
                validate::account_id(id)?;
                let account = records::accounts::get(db, id)
                    .await
                    .map_err(concurrency::unavailable)?
                    .map(|v| v.record)
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_scope",
                            format!("`accounts` names `{}`, which is not a registered account", clip(id)),
                        )
                    })?;
                if !refs.iter().any(|r: &AccountRef| r.id == account.id) {
                    refs.push(AccountRef::from(&account));
                }
            }
            TokenScope::Accounts { accounts: refs }
        }
        (false, true) => {
            return Err(ApiError::bad_request(
                "invalid_scope",
                "give either `accounts` or `all_accounts: true`, not both",
            ))
        }
        (true, false) => {
            return Err(ApiError::bad_request(
                "invalid_scope",
                "an API token opens only the servers it is scoped to: give `accounts` (account ids), mint it for one account with \
                 POST /integrated-account/:id/api-tokens (optionally narrowed to `servers`), or ask for `all_accounts: true`",
            ))
        }
    };
    mint(&object, kv, clock, db, scope).await
}

/// `POST /integrated-account/:id/api-tokens`: a token for that account's servers, or
/// only for the live servers of it named in `servers`.
pub async fn create_for_account<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let account = super::accounts::existing(db, account_id).await?.record;
    let object = body::object(&request.body, &["name", "expires_at", "servers"])?;
    let servers = body::optional::<Vec<String>>(&object, "servers")?.unwrap_or_default();
    let account_ref = AccountRef::from(&account);
    let scope = if servers.is_empty() {
        TokenScope::Accounts {
            accounts: vec![account_ref],
        }
    } else {
        let mut ids: Vec<String> = Vec::new();
        for id in &servers {
            let live = validate::is_generated_id(id, "mcp")
                && crate::records::servers::get(db, account_id, id, clock.now_secs())
                    .await
                    .map_err(super::concurrency::unavailable)?
                    .is_some();
            if !live {
                return Err(ApiError::bad_request(
                    "invalid_scope",
                    format!(
                        "`servers` names `{}`, which is not a live MCP server of account `{account_id}`",
                        clip(id)
                    ),
                ));
            }
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        TokenScope::Servers {
            account: account_ref,
            servers: ids,
        }
    };
    mint(&object, kv, clock, db, scope).await
}

async fn mint<K: KvStore, C: Clock>(
    object: &body::Object,
    kv: &K,
    clock: &C,
    db: &dyn Database,
    scope: TokenScope,
) -> Result<HttpResponse, ApiError> {
    let name = validate::name(&body::required::<String>(
        object,
        "name",
        "a name saying who holds the token",
    )?)?;
    let expiry = body::optional::<String>(object, "expires_at")?
        .map(|raw| validate::expires_at(&raw, clock.now_secs()))
        .transpose()?;
    let (expires_at, expires_at_unix) = expiry.unzip();
    let internal =
        |e: crate::crypto::CryptoError| ApiError::new(500, "internal_error", e.to_string());
    let token = new_token().map_err(internal)?;
    let token_hash = sha256_hex(&token);
    let record = ApiTokenRecord {
        id: new_id("tok").map_err(internal)?,
        name,
        created_at: now_rfc3339(clock)?,
        expires_at,
        expires_at_unix,
        scope: Some(scope),
    };
    records::api_tokens::insert(db, &record, &token_hash)
        .await
        .map_err(concurrency::unavailable)?;
    let mut view = token_view(&record);
    view["token"] = Value::String(token);
    let edge = store::api_tokens::save(kv, &record, &token_hash).await;
    super::accounts::note_edge(&mut view, edge, || {
        records::api_tokens::mark_synced(db, &record.id, 1)
    })
    .await;
    Ok(json_response(201, view))
}

pub async fn list<C: Clock>(
    request: &HttpRequest,
    clock: &C,
    db: &dyn Database,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = validate::page_params(request)?;
    let rows = records::api_tokens::list(db, after.as_deref(), limit, clock.now_secs())
        .await
        .map_err(concurrency::unavailable)?;
    let next = validate::next_cursor(rows.iter().map(|r| r.record.id.as_str()), limit);
    let result: Vec<Value> = rows.iter().map(|r| token_view(&r.record)).collect();
    Ok(json_response(
        200,
        json!({ "result": result, "next_cursor": next }),
    ))
}

pub async fn get<C: Clock>(
    clock: &C,
    db: &dyn Database,
    token_id: &str,
) -> Result<HttpResponse, ApiError> {
    let row = live_token(clock, db, token_id).await?;
    Ok(json_response(200, token_view(&row.record)))
}

pub async fn delete<K: KvStore, C: Clock>(
    kv: &K,
    clock: &C,
    db: &dyn Database,
    token_id: &str,
) -> Result<HttpResponse, ApiError> {
    let row = live_token(clock, db, token_id).await?;
    let version = records::api_tokens::revoke(db, token_id, row.version, &now_rfc3339(clock)?)
        .await
        .map_err(|e| concurrency::write_failed(e, None))?;
    let mut view = json!({ "id": token_id, "deleted": true });
    let edge = store::api_tokens::delete(kv, token_id, &row.token_hash).await;
    super::accounts::note_edge(&mut view, edge, || {
        records::api_tokens::mark_synced(db, token_id, version)
    })
    .await;
    Ok(json_response(200, view))
}

async fn live_token<C: Clock>(
    clock: &C,
    db: &dyn Database,
    token_id: &str,
) -> Result<TokenRow, ApiError> {
    let not_found = || {
        ApiError::not_found(
            "api_token_not_found",
            format!(
                "no live API token `{}`: it never existed, was deleted or has expired",
                clip(token_id)
            ),
        )
    };
    if !validate::is_generated_id(token_id, "tok") {
        return Err(not_found());
    }
    records::api_tokens::get(db, token_id, clock.now_secs())
        .await
        .map_err(concurrency::unavailable)?
        .ok_or_else(not_found)
}

fn token_view(record: &ApiTokenRecord) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "scope": scope_view(record.scope.as_ref()),
    })
}

/// The scope as the API shows it: account ids (generations are internal).
fn scope_view(scope: Option<&TokenScope>) -> Value {
    match scope {
        // Minted before tokens were scoped: opens every server, as it always did.
        None => json!({ "all_accounts": true, "legacy": true }),
        Some(TokenScope::AllAccounts) => json!({ "all_accounts": true }),
        Some(TokenScope::Accounts { accounts }) => {
            json!({ "accounts": accounts.iter().map(|a| a.id.as_str()).collect::<Vec<_>>() })
        }
        Some(TokenScope::Servers { account, servers }) => {
            json!({ "accounts": [account.id], "servers": servers })
        }
    }
}
