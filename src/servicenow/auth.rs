//! Authentication to ServiceNow: the header each account kind sends, OAuth token requests
//! to `/oauth_token.do`, and the sealed KV cache of access tokens. Never puts a secret in
//! a message or in KV in clear.

use super::errors::excerpt;
use crate::crypto::{sha256_hex, SealingKey};
use crate::http::{percent_encode, HttpRequest, HttpResponse};
use crate::ports::KvStore;
use crate::store::AccountAuth;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A cached token is dropped this long before ServiceNow says it expires.
const EXPIRY_MARGIN_SECS: u64 = 60;
/// Workers KV refuses expirations closer than this.
const KV_MIN_TTL_SECS: u64 = 60;

/// Tokens are cached at most this long whatever ServiceNow says (`expires_in` is
/// untrusted: a huge value must neither overflow nor pin a token for years).
pub const MAX_TOKEN_CACHE_SECS: u64 = 24 * 3600;

/// Prefix of every cached token of an account (all are dropped on an account write).
pub fn cache_prefix(account_id: &str) -> String {
    crate::store::keys::oauth_tokens_prefix(account_id)
}

/// The header of a non-OAuth account: Basic, static bearer or API key.
pub fn static_auth_header(auth: &AccountAuth) -> Option<(&'static str, String)> {
    match auth {
        AccountAuth::Basic { username, password } => Some((
            "authorization",
            format!(
                "Basic {}",
                STANDARD.encode(format!("{username}:{password}"))
            ),
        )),
        AccountAuth::Bearer { token } => Some(("authorization", format!("Bearer {token}"))),
        AccountAuth::ApiKey { key } => Some(("x-sn-apikey", key.clone())),
        AccountAuth::Oauth2ClientCredentials { .. } | AccountAuth::Oauth2Password { .. } => None,
    }
}

/// Every secret an account could leak, including derived ones, for redaction.
pub fn account_secrets(auth: &AccountAuth) -> Vec<String> {
    let mut secrets = Vec::new();
    match auth {
        AccountAuth::Basic { password, .. } => {
            secrets.push(password.clone());
            if let Some((_, header)) = static_auth_header(auth) {
                secrets.push(header.trim_start_matches("Basic ").to_string());
            }
        }
        AccountAuth::Oauth2ClientCredentials { client_secret, .. } => {
            secrets.push(client_secret.clone())
        }
        AccountAuth::Oauth2Password {
            client_secret,
            password,
            ..
        } => {
            secrets.push(client_secret.clone());
            secrets.push(password.clone());
        }
        AccountAuth::Bearer { token } => secrets.push(token.clone()),
        AccountAuth::ApiKey { key } => secrets.push(key.clone()),
    }
    secrets
}

/// An OAuth 2.0 grant against the instance's `/oauth_token.do`.
pub struct OAuthGrant<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    /// Username and password of the password grant; `None` for client credentials.
    user: Option<(&'a str, &'a str)>,
}

impl<'a> OAuthGrant<'a> {
    pub fn from_auth(auth: &'a AccountAuth) -> Option<OAuthGrant<'a>> {
        match auth {
            AccountAuth::Oauth2ClientCredentials {
                client_id,
                client_secret,
            } => Some(OAuthGrant {
                client_id,
                client_secret,
                user: None,
            }),
            AccountAuth::Oauth2Password {
                client_id,
                client_secret,
                username,
                password,
            } => Some(OAuthGrant {
                client_id,
                client_secret,
                user: Some((username, password)),
            }),
            _ => None,
        }
    }

    /// `client_credentials` or `password`, as in `grant_type`.
    pub fn grant_type(&self) -> &'static str {
        match self.user {
            None => "client_credentials",
            Some(_) => "password",
        }
    }

    /// `POST {instance}/oauth_token.do`, form-encoded.
    pub fn token_request(&self, instance_url: &str) -> HttpRequest {
        let mut form = vec![
            ("grant_type", self.grant_type()),
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
        ];
        if let Some((username, password)) = self.user {
            form.push(("username", username));
            form.push(("password", password));
        }
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        HttpRequest::new(
            "POST",
            format!("{}/oauth_token.do", instance_url.trim_end_matches('/')),
        )
        .with_header("accept", "application/json")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(body.join("&"))
    }

    /// KV key of the cached token: `oauth:<account id>:<sha256(...)>` over the instance
    /// URL, the account's generation and every credential of the grant, so a re-pointed,
    /// re-created or re-keyed account never finds a token minted for its old settings.
    /// The hash keeps the identifiers out of key listings; the secrets in it are the
    /// high-entropy client secret together with the password, never one alone.
    pub fn cache_key(&self, account_id: &str, instance_url: &str, generation: &str) -> String {
        let (username, password) = self.user.unwrap_or(("", ""));
        let material = [
            instance_url.trim_end_matches('/'),
            generation,
            self.client_id,
            self.client_secret,
            username,
            password,
        ]
        // Lengths first so no two different tuples hash the same text.
        .iter()
        .map(|part| format!("{}:{part}", part.len()))
        .collect::<Vec<_>>()
        .join("\n");
        format!("{}{}", cache_prefix(account_id), sha256_hex(&material))
    }

    fn what_to_check(&self) -> &'static str {
        match self.user {
            None => "OAuth client id and client secret (and that the client-credentials grant is enabled for this OAuth application)",
            Some(_) => "OAuth client id, client secret, username and password",
        }
    }
}

/// An access token; `Debug` never shows it.
#[derive(Clone, PartialEq)]
pub struct AccessToken {
    pub value: String,
    /// Seconds from issue, when ServiceNow said.
    pub expires_in: Option<u64>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessToken(.., expires_in: {:?})", self.expires_in)
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<Value>,
}

/// Reads the token endpoint's answer (not 429: the caller handles rate limits); the
/// error is the isError text, naming the grant and ServiceNow's `error_description`.
pub fn parse_token_response(
    response: &HttpResponse,
    grant: &OAuthGrant<'_>,
) -> Result<AccessToken, TokenRefused> {
    let status = response.status;
    let json: Option<Value> = serde_json::from_slice(&response.body).ok();
    if (200..300).contains(&status) {
        let answer = json
            .clone()
            .and_then(|v| serde_json::from_value::<TokenAnswer>(v).ok());
        if let Some(TokenAnswer {
            access_token: Some(value),
            expires_in,
        }) = answer
        {
            if !value.trim().is_empty() {
                let expires_in = expires_in.and_then(|v| match v {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                });
                return Ok(AccessToken { value, expires_in });
            }
        }
        return Err(TokenRefused(format!(
            "ServiceNow's OAuth endpoint answered HTTP {status} to the {} grant without an access_token (\"{}\"). An administrator must check the integrated account's instance URL (a single sign-on proxy in front of it answers with HTML) and its OAuth settings.",
            grant.grant_type(),
            quoted_body(json.as_ref(), &response.body)
        )));
    }
    let text = |key: &str| {
        json.as_ref()
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let why = match (text("error_description"), text("error")) {
        (Some(d), Some(e)) if d != e => format!("{d}, {e}"),
        (Some(d), _) => d.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => format!("\"{}\"", quoted_body(json.as_ref(), &response.body)),
    };
    if status >= 500 {
        Err(TokenRefused(format!(
            "ServiceNow's OAuth endpoint failed (HTTP {status}: {why}) for the {} grant; you may retry later.",
            grant.grant_type()
        )))
    } else {
        Err(TokenRefused(format!(
            "ServiceNow refused the OAuth {} grant (HTTP {status}: {why}). An administrator must check the integrated account's {}; retrying will not help.",
            grant.grant_type(),
            grant.what_to_check()
        )))
    }
}

/// The token endpoint gave no access token; the text is the isError the model reads
/// (never quoting a credential).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenRefused(pub String);

impl std::ops::Deref for TokenRefused {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// What a message may quote of a token endpoint's answer: an excerpt, unless the answer
/// carries a token (whatever its status) or echoes the form that was posted to it
/// (credentials, percent-encoded), which are never shown.
fn quoted_body(json: Option<&Value>, body: &[u8]) -> String {
    let carries_token = json.is_some_and(|v| {
        ["access_token", "refresh_token", "id_token"]
            .iter()
            .any(|k| v.get(k).is_some())
    });
    let lower = String::from_utf8_lossy(body).to_ascii_lowercase();
    let echoes_form = [
        "grant_type",
        "client_secret",
        "password",
        "refresh_token",
        "client_id=",
    ]
    .iter()
    .any(|field| lower.contains(field));
    if carries_token {
        "an answer carrying a token, not shown".to_string()
    } else if echoes_form {
        "an answer echoing the credentials form, not shown".to_string()
    } else {
        excerpt(body)
    }
}

/// The KV value of a cached token (sealed before it is stored).
#[derive(Serialize, Deserialize)]
struct CachedToken {
    access_token: String,
    /// UNIX seconds after which the token is not used, checked on every read.
    expires_at: u64,
}

/// A cached, unexpired token, or `None` (also when the cache cannot be read or opened:
/// a fresh token is then fetched, so a cache problem never fails a tool call).
pub async fn read_cached_token<K: KvStore>(
    kv: &K,
    key: &str,
    sealing_key: Option<&SealingKey>,
    now_secs: u64,
) -> Option<String> {
    let sealing_key = sealing_key?;
    let sealed = kv.get(key).await.ok()??;
    let plain = sealing_key.open(&sealed, key).ok()?;
    let cached: CachedToken = serde_json::from_str(&plain).ok()?;
    (cached.expires_at > now_secs && !cached.access_token.is_empty()).then_some(cached.access_token)
}

/// Caches `token` sealed under `key` until shortly before it expires. Skipped without a
/// sealing key or when the token lives too briefly for KV; a failed write only means
/// the next call fetches a new token.
pub async fn store_token<K: KvStore>(
    kv: &K,
    key: &str,
    sealing_key: Option<&SealingKey>,
    token: &AccessToken,
    now_secs: u64,
) {
    let (Some(sealing_key), Some(expires_in)) = (sealing_key, token.expires_in) else {
        return;
    };
    if expires_in < EXPIRY_MARGIN_SECS + KV_MIN_TTL_SECS {
        return;
    }
    let lifetime = (expires_in - EXPIRY_MARGIN_SECS).min(MAX_TOKEN_CACHE_SECS);
    let expires_at = now_secs.saturating_add(lifetime);
    let cached = CachedToken {
        access_token: token.value.clone(),
        expires_at,
    };
    let Ok(plain) = serde_json::to_string(&cached) else {
        return;
    };
    let Ok(sealed) = sealing_key.seal(&plain, key) else {
        return;
    };
    let _ = kv.put(key, &sealed, Some(expires_at)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{ManualClock, MemoryKv};
    use crate::servicenow::request::tests::raw_response;
    use futures::executor::block_on;
    use serde_json::json;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn password_auth() -> AccountAuth {
        AccountAuth::Oauth2Password {
            client_id: "cid".into(),
            client_secret: "s3cret-client".into(),
            username: "svc.mcp".into(),
            password: "pa ss&word".into(),
        }
    }

    #[test]
    fn static_headers_per_account_kind() {
        let cases = [
            (
                AccountAuth::Basic {
                    username: "admin".into(),
                    password: "pw:1".into(),
                },
                Some((
                    "authorization",
                    format!("Basic {}", STANDARD.encode("admin:pw:1")),
                )),
            ),
            (
                AccountAuth::Bearer {
                    token: "tok".into(),
                },
                Some(("authorization", "Bearer tok".to_string())),
            ),
            (
                AccountAuth::ApiKey { key: "k-1".into() },
                Some(("x-sn-apikey", "k-1".to_string())),
            ),
            (password_auth(), None),
        ];
        for (auth, expected) in cases {
            assert_eq!(static_auth_header(&auth), expected, "{auth:?}");
        }
    }

    #[test]
    fn token_requests_are_form_encoded_per_grant() {
        let password = password_auth();
        let client = AccountAuth::Oauth2ClientCredentials {
            client_id: "cid".into(),
            client_secret: "cs".into(),
        };
        let cases = [
            (
                &password,
                "grant_type=password&client_id=cid&client_secret=s3cret-client&username=svc.mcp&password=pa%20ss%26word",
            ),
            (&client, "grant_type=client_credentials&client_id=cid&client_secret=cs"),
        ];
        for (auth, body) in cases {
            let request = OAuthGrant::from_auth(auth)
                .unwrap()
                .token_request("https://dev1.service-now.com/");
            assert_eq!(request.method, "POST");
            assert_eq!(request.url, "https://dev1.service-now.com/oauth_token.do");
            assert_eq!(
                request.header("content-type"),
                Some("application/x-www-form-urlencoded")
            );
            assert_eq!(String::from_utf8(request.body.to_vec()).unwrap(), body);
        }
    }

    #[test]
    fn cache_keys_differ_per_client_and_user_and_hide_them() {
        let a = password_auth();
        let b = AccountAuth::Oauth2ClientCredentials {
            client_id: "cid".into(),
            client_secret: "x".into(),
        };
        let key_a =
            OAuthGrant::from_auth(&a)
                .unwrap()
                .cache_key("acc_1", "https://i.service-now.com", "g");
        let key_b =
            OAuthGrant::from_auth(&b)
                .unwrap()
                .cache_key("acc_1", "https://i.service-now.com", "g");
        assert!(key_a.starts_with("oauth:acc_1:") && key_a.len() == "oauth:acc_1:".len() + 64);
        assert_ne!(key_a, key_b);
        assert!(!key_a.contains("svc.mcp") && !key_a.contains("cid"));
    }

    #[test]
    fn token_answers_are_parsed_or_explained_without_secrets() {
        let auth = password_auth();
        let grant = OAuthGrant::from_auth(&auth).unwrap();
        let ok = HttpResponse::json(
            200,
            &json!({"access_token": "at-1", "expires_in": 1799, "token_type": "Bearer"}),
        );
        assert_eq!(
            parse_token_response(&ok, &grant),
            Ok(AccessToken {
                value: "at-1".into(),
                expires_in: Some(1799)
            })
        );
        let string_expiry =
            HttpResponse::json(200, &json!({"access_token": "at-1", "expires_in": "600"}));
        assert_eq!(
            parse_token_response(&string_expiry, &grant).map(|t| t.expires_in),
            Ok(Some(600))
        );
        let cases = [
            (
                HttpResponse::json(
                    401,
                    &json!({"error_description": "access_denied", "error": "server_error"}),
                ),
                vec![
                    "refused the OAuth password grant (HTTP 401: access_denied, server_error)",
                    "retrying will not help",
                    "username and password",
                ],
            ),
            (
                HttpResponse::json(400, &json!({"error": "unsupported_grant_type"})),
                vec!["HTTP 400: unsupported_grant_type"],
            ),
            (
                raw_response(503, "<h1>Down</h1>"),
                vec!["failed (HTTP 503: \"Down\")", "retry later"],
            ),
            (
                HttpResponse::json(200, &json!({"token_type": "Bearer"})),
                vec!["without an access_token"],
            ),
            (
                raw_response(200, "<html>Sign in</html>"),
                vec!["single sign-on"],
            ),
        ];
        for (response, fragments) in cases {
            let message = parse_token_response(&response, &grant).unwrap_err();
            for fragment in fragments {
                assert!(message.contains(fragment), "{message}");
            }
            for secret in account_secrets(&auth) {
                assert!(!message.contains(&secret), "{message}");
            }
        }
    }

    #[test]
    fn cached_tokens_are_sealed_and_expire_early() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let key = SealingKey::from_secret(KEY).unwrap();
        let token = AccessToken {
            value: "at-secret".into(),
            expires_in: Some(1_800),
        };
        block_on(store_token(&kv, "oauth:a:h", Some(&key), &token, 1_000));
        let (raw, expiration) = kv.raw("oauth:a:h").unwrap();
        assert!(!raw.contains("at-secret"));
        assert_eq!(expiration, Some(1_000 + 1_800 - 60));
        assert_eq!(
            block_on(read_cached_token(&kv, "oauth:a:h", Some(&key), 1_000)).as_deref(),
            Some("at-secret")
        );
        // KV purges lazily: the expiry stored in the value decides.
        kv.lazy_purge.set(true);
        assert_eq!(
            block_on(read_cached_token(&kv, "oauth:a:h", Some(&key), 2_740)),
            None
        );
        // A value copied under another key does not open.
        block_on(kv.put("oauth:b:h", &raw, None)).unwrap();
        assert_eq!(
            block_on(read_cached_token(&kv, "oauth:b:h", Some(&key), 1_000)),
            None
        );
    }

    #[test]
    fn tokens_are_not_cached_without_a_key_or_when_short_lived() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let key = SealingKey::from_secret(KEY).unwrap();
        let cases = [
            (None, Some(1_800)),
            (Some(&key), Some(119)),
            (Some(&key), None),
        ];
        for (sealing_key, expires_in) in cases {
            let token = AccessToken {
                value: "t".into(),
                expires_in,
            };
            block_on(store_token(&kv, "oauth:a:h", sealing_key, &token, 1_000));
            assert!(kv.keys().is_empty(), "{expires_in:?}");
        }
        let token = AccessToken {
            value: "t".into(),
            expires_in: Some(120),
        };
        block_on(store_token(&kv, "oauth:a:h", Some(&key), &token, 1_000));
        assert_eq!(kv.raw("oauth:a:h").map(|(_, e)| e), Some(Some(1_060)));
    }

    #[test]
    fn a_huge_expires_in_is_clamped_not_overflowed() {
        let clock = ManualClock::at_secs(1_000);
        let kv = MemoryKv::new(&clock);
        let key = SealingKey::from_secret(KEY).unwrap();
        for expires_in in [u64::MAX, u64::MAX - 30, 1 << 62] {
            let token = AccessToken {
                value: "t-huge".into(),
                expires_in: Some(expires_in),
            };
            block_on(store_token(&kv, "oauth:a:h", Some(&key), &token, 1_000));
            let (_, expiration) = kv.raw("oauth:a:h").unwrap();
            assert_eq!(expiration, Some(1_000 + MAX_TOKEN_CACHE_SECS));
        }
        let answer = HttpResponse::json(
            200,
            &json!({"access_token": "at-1", "expires_in": "18446744073709551615"}),
        );
        let auth = password_auth();
        let grant = OAuthGrant::from_auth(&auth).unwrap();
        assert!(parse_token_response(&answer, &grant).is_ok());
    }

    #[test]
    fn cache_keys_change_with_the_instance_the_secret_and_the_generation() {
        let auth = password_auth();
        let grant = OAuthGrant::from_auth(&auth).unwrap();
        let base = grant.cache_key("acc_1", "https://a.service-now.com", "gen_1");
        let rotated = AccountAuth::Oauth2Password {
            client_id: "cid".into(),
            client_secret: "a-new-client-secret".into(),
            username: "svc.mcp".into(),
            password: "pa ss&word".into(),
        };
        let rotated_grant = OAuthGrant::from_auth(&rotated).unwrap();
        let changed = [
            grant.cache_key("acc_1", "https://b.service-now.com", "gen_1"),
            grant.cache_key("acc_1", "https://a.service-now.com", "gen_2"),
            rotated_grant.cache_key("acc_1", "https://a.service-now.com", "gen_1"),
        ];
        for other in changed {
            assert_ne!(base, other);
            assert!(other.starts_with("oauth:acc_1:"), "{other}");
        }
        assert!(base.starts_with(&cache_prefix("acc_1")));
        for secret in ["s3cret-client", "pa ss&word", "svc.mcp", "service-now"] {
            assert!(!base.contains(secret));
        }
    }

    #[test]
    fn a_failed_token_answer_that_carries_a_token_is_never_quoted() {
        let auth = password_auth();
        let grant = OAuthGrant::from_auth(&auth).unwrap();
        for status in [200, 400, 503] {
            let answer = HttpResponse::json(
                status,
                &json!({"access_token": "leaky-token-value", "expires_in": -1, "refresh_token": "r-t"}),
            );
            let answer = if status == 200 {
                HttpResponse::json(
                    200,
                    &json!({"access_token": "", "refresh_token": "leaky-token-value"}),
                )
            } else {
                answer
            };
            let message = parse_token_response(&answer, &grant).unwrap_err();
            assert!(!message.contains("leaky-token-value"), "{message}");
        }
    }

    #[test]
    fn a_token_answer_echoing_the_posted_form_is_never_quoted() {
        let auth = password_auth();
        let grant = OAuthGrant::from_auth(&auth).unwrap();
        for status in [200, 401, 502] {
            let mut answer = HttpResponse::new(status);
            answer.body = b"<html>bad request: grant_type=password&client_id=c&client_secret=s%2Fx&username=u&password=p%40ss</html>".to_vec();
            let message = parse_token_response(&answer, &grant).unwrap_err();
            assert!(
                message.contains("echoing the credentials form, not shown"),
                "{message}"
            );
            assert!(
                !message.contains("s%2Fx") && !message.contains("p%40ss"),
                "{message}"
            );
        }
    }
}
