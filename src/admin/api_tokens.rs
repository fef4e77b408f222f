//! `/api-tokens[/:id]`: mint (POST), list, show and revoke (DELETE) the API tokens that
//! `require_api_token_auth` servers demand. The token is shown once, in the 201.

use super::body::{self, clip};
use super::error::ApiError;
use super::{json_response, now_rfc3339, validate};
use crate::crypto::{new_id, new_token, sha256_hex};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore};
use crate::store::{self, ApiTokenRecord};
use serde_json::{json, Value};

pub async fn create<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
) -> Result<HttpResponse, ApiError> {
    let object = body::object(&request.body, &["name", "expires_at"])?;
    let name = validate::name(&body::required::<String>(
        &object,
        "name",
        "a name saying who holds the token",
    )?)?;
    let expiry = body::optional::<String>(&object, "expires_at")?
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
    };
    if let Err(e) = store::api_tokens::save(kv, &record, &token_hash).await {
        let _ = store::api_tokens::delete(kv, &record.id, &token_hash).await;
        return Err(e.into());
    }
    let mut view = token_view(&record);
    view["token"] = Value::String(token);
    Ok(json_response(201, view))
}

pub async fn list<K: KvStore, C: Clock>(
    request: &HttpRequest,
    kv: &K,
    clock: &C,
) -> Result<HttpResponse, ApiError> {
    let (limit, cursor) = validate::page_params(request)?;
    let page = store::api_tokens::list(kv, cursor.as_deref(), limit, clock.now_secs()).await?;
    let result: Vec<Value> = page.items.iter().map(token_view).collect();
    Ok(json_response(
        200,
        json!({ "result": result, "next_cursor": page.cursor.as_deref().map(validate::encode_cursor) }),
    ))
}

pub async fn get<K: KvStore, C: Clock>(
    kv: &K,
    clock: &C,
    token_id: &str,
) -> Result<HttpResponse, ApiError> {
    let (record, _) = live_token(kv, clock, token_id).await?;
    Ok(json_response(200, token_view(&record)))
}

pub async fn delete<K: KvStore, C: Clock>(
    kv: &K,
    clock: &C,
    token_id: &str,
) -> Result<HttpResponse, ApiError> {
    let (_, token_hash) = live_token(kv, clock, token_id).await?;
    store::api_tokens::delete(kv, token_id, &token_hash).await?;
    Ok(json_response(
        200,
        json!({ "id": token_id, "deleted": true }),
    ))
}

async fn live_token<K: KvStore, C: Clock>(
    kv: &K,
    clock: &C,
    token_id: &str,
) -> Result<(ApiTokenRecord, String), ApiError> {
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
    store::api_tokens::get(kv, token_id, clock.now_secs())
        .await?
        .ok_or_else(not_found)
}

fn token_view(record: &ApiTokenRecord) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
    })
}
