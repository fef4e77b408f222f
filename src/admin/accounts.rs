//! `/integrated-account/:id`: register or replace (PUT), show (GET) and delete (DELETE)
//! a ServiceNow account. Responses show the auth type and non-secret identifiers only.

use super::body::{self, clip};
use super::error::ApiError;
use super::{json_response, now_rfc3339, sealing_key, validate};
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore};
use crate::store::{self, AccountAuth, AuthSummary, IntegratedAccount, StoredAccount};
use serde_json::{json, Value};

const AUTH_TYPES: &str = "basic, oauth2_client_credentials, oauth2_password, bearer, api_key";

pub async fn put<K: KvStore, C: Clock>(
    request: &HttpRequest,
    config: &Config,
    kv: &K,
    clock: &C,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let key = sealing_key(config)?;
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
    let (stored, created) = store::accounts::put(kv, key, &account, &now).await?;
    let status = if created { 201 } else { 200 };
    Ok(json_response(
        status,
        account_view(&stored, &account.auth.summary()),
    ))
}

pub async fn get<K: KvStore>(
    config: &Config,
    kv: &K,
    account_id: &str,
) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    let key = sealing_key(config)?;
    let stored = existing(kv, account_id).await?;
    let account = store::accounts::open(key, &stored)?;
    Ok(json_response(
        200,
        account_view(&stored, &account.auth.summary()),
    ))
}

pub async fn delete<K: KvStore>(kv: &K, account_id: &str) -> Result<HttpResponse, ApiError> {
    validate::account_id(account_id)?;
    match store::accounts::delete(kv, account_id).await? {
        Some(revoked) => Ok(json_response(
            200,
            json!({ "id": account_id, "deleted": true, "revoked_servers": revoked }),
        )),
        None => Err(not_found(account_id)),
    }
}

/// The stored account, or the 404 that tells how to register it.
pub async fn existing<K: KvStore>(kv: &K, account_id: &str) -> Result<StoredAccount, ApiError> {
    store::accounts::get_stored(kv, account_id)
        .await?
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

fn account_view(stored: &StoredAccount, auth: &AuthSummary) -> Value {
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
