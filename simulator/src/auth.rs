//! Authentication the way a ServiceNow instance does it: Basic, OAuth 2.0 bearer tokens
//! issued by `POST /oauth_token.do`, and API keys in `x-sn-apikey` (ServiceNow docs
//! "OAuth authentication", "API key authentication"). Holds issued tokens; no HTTP I/O.

use crate::access::Directory;
use crate::http::{Params, Request};
use crate::store::IdGenerator;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt;

/// ServiceNow's default access-token lifetime in seconds.
pub const DEFAULT_ACCESS_TTL: u64 = 1799;
/// ServiceNow's default refresh-token lifetime (100 days).
pub const REFRESH_TTL: u64 = 8_640_000;
/// Length of issued tokens (ServiceNow's are 86 characters).
const TOKEN_LEN: usize = 86;

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    Basic,
    Bearer,
    ApiKey,
}

impl AuthScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Basic => "basic",
            AuthScheme::Bearer => "bearer",
            AuthScheme::ApiKey => "apikey",
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_name: String,
    pub scheme: AuthScheme,
}

/// Why a Table API request is not authenticated (both answer the same 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No usable credentials were sent.
    Missing,
    /// Credentials were sent and are wrong, expired or unknown.
    Rejected,
}

#[derive(Clone)]
struct Grant {
    user_name: String,
    client_id: String,
    expires_at: i64,
}

/// Issued access and refresh tokens.
#[derive(Clone, Default)]
pub struct TokenStore {
    access: HashMap<String, Grant>,
    refresh: HashMap<String, Grant>,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("access_tokens", &self.access.len())
            .field("refresh_tokens", &self.refresh.len())
            .finish()
    }
}

impl TokenStore {
    fn prune(&mut self, now: i64) {
        self.access.retain(|_, g| g.expires_at > now);
        self.refresh.retain(|_, g| g.expires_at > now);
    }

    fn access_user(&self, token: &str, now: i64) -> Option<&str> {
        self.access
            .get(token)
            .filter(|g| g.expires_at > now)
            .map(|g| g.user_name.as_str())
    }
}

fn decode_basic(value: &str) -> Option<(String, String)> {
    let encoded = strip_scheme(value, "basic")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (name, rest) = value.trim().split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then_some(rest.trim())
}

/// Authenticates a Table API request: `x-sn-apikey`, else `Authorization` Basic or Bearer.
pub fn authenticate(
    request: &Request,
    directory: &Directory,
    tokens: &TokenStore,
    now: i64,
) -> Result<Principal, AuthError> {
    if let Some(key) = request.header("x-sn-apikey") {
        return directory
            .api_key_user(key.trim())
            .map(|a| Principal {
                user_name: a.user_name.clone(),
                scheme: AuthScheme::ApiKey,
            })
            .ok_or(AuthError::Rejected);
    }
    let Some(authorization) = request.header("authorization") else {
        return Err(AuthError::Missing);
    };
    if let Some(token) = strip_scheme(authorization, "bearer") {
        return tokens
            .access_user(token, now)
            .and_then(|user| directory.account(user))
            .map(|a| Principal {
                user_name: a.user_name.clone(),
                scheme: AuthScheme::Bearer,
            })
            .ok_or(AuthError::Rejected);
    }
    if strip_scheme(authorization, "basic").is_some() {
        let (user, password) = decode_basic(authorization).ok_or(AuthError::Rejected)?;
        return directory
            .check_password(&user, &password)
            .map(|a| Principal {
                user_name: a.user_name.clone(),
                scheme: AuthScheme::Basic,
            })
            .ok_or(AuthError::Rejected);
    }
    Err(AuthError::Missing)
}

/// The body ServiceNow answers every failed token request with (status 401).
pub fn oauth_failure_body() -> Value {
    json!({"error_description": "access_denied", "error": "server_error"})
}

/// Handles a `POST /oauth_token.do` form. Client credentials come from the form
/// (`client_id`, `client_secret`) or an `Authorization: Basic` header.
pub fn issue_token(
    form: &Params,
    basic_client: Option<(String, String)>,
    directory: &Directory,
    tokens: &mut TokenStore,
    ids: &mut IdGenerator,
    access_ttl: u64,
    now: i64,
) -> Option<(Value, String)> {
    tokens.prune(now);
    let (client_id, client_secret) = match (form.get("client_id"), form.get("client_secret")) {
        (Some(id), Some(secret)) => (id.to_string(), secret.to_string()),
        _ => basic_client?,
    };
    let client = directory.client(&client_id, &client_secret)?;
    let ttl = i64::try_from(access_ttl).unwrap_or(i64::MAX);
    let (user_name, with_refresh, reuse_refresh) = match form.get("grant_type")? {
        "password" => {
            let account = directory.check_password(form.get("username")?, form.get("password")?)?;
            (account.user_name.clone(), true, None)
        }
        "client_credentials" => (client.client_credentials_user.clone()?, false, None),
        "refresh_token" => {
            let presented = form.get("refresh_token")?;
            let grant = tokens
                .refresh
                .get(presented)
                .filter(|g| g.expires_at > now && g.client_id == client.client_id)?;
            (grant.user_name.clone(), true, Some(presented.to_string()))
        }
        _ => return None,
    };
    directory.account(&user_name)?;
    let access_token = ids.next_token(TOKEN_LEN);
    tokens.access.insert(
        access_token.clone(),
        Grant {
            user_name: user_name.clone(),
            client_id: client.client_id.clone(),
            expires_at: now.saturating_add(ttl),
        },
    );
    let mut body = json!({
        "access_token": access_token,
        "scope": "useraccount",
        "token_type": "Bearer",
        "expires_in": access_ttl,
    });
    if with_refresh {
        let refresh_token = match reuse_refresh {
            Some(existing) => existing,
            None => {
                let fresh = ids.next_token(TOKEN_LEN);
                let lifetime = i64::try_from(REFRESH_TTL).unwrap_or(i64::MAX);
                tokens.refresh.insert(
                    fresh.clone(),
                    Grant {
                        user_name: user_name.clone(),
                        client_id: client.client_id.clone(),
                        expires_at: now.saturating_add(lifetime),
                    },
                );
                fresh
            }
        };
        body["refresh_token"] = Value::String(refresh_token);
    }
    Some((body, user_name))
}

/// Client credentials sent as `Authorization: Basic base64(client_id:client_secret)`.
pub fn basic_credentials(request: &Request) -> Option<(String, String)> {
    decode_basic(request.header("authorization")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, password: &str) -> String {
        let raw = format!("{user}:{password}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    fn form(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn issue(pairs: &[(&str, &str)], tokens: &mut TokenStore, now: i64) -> Option<Value> {
        let directory = Directory::demo();
        let mut ids = IdGenerator::random();
        issue_token(
            &form(pairs),
            None,
            &directory,
            tokens,
            &mut ids,
            DEFAULT_ACCESS_TTL,
            now,
        )
        .map(|(body, _)| body)
    }

    const CLIENT: [(&str, &str); 2] = [
        ("client_id", "mcp-demo-client"),
        ("client_secret", "mcp-demo-secret"),
    ];

    #[test]
    fn basic_and_api_key_authenticate_known_users_only() {
        let d = Directory::demo();
        let tokens = TokenStore::default();
        type Expected = Result<(&'static str, AuthScheme), AuthError>;
        let cases: [(Request, Expected); 7] = [
            (
                Request::new("GET", "/").with_header("Authorization", &basic("itil", "itil")),
                Ok(("itil", AuthScheme::Basic)),
            ),
            (
                Request::new("GET", "/").with_header("authorization", &basic("itil", "wrong")),
                Err(AuthError::Rejected),
            ),
            (
                Request::new("GET", "/").with_header("authorization", "Basic !!notbase64"),
                Err(AuthError::Rejected),
            ),
            (
                Request::new("GET", "/").with_header("x-sn-apikey", "sim-api-key-admin"),
                Ok(("admin", AuthScheme::ApiKey)),
            ),
            (
                Request::new("GET", "/").with_header("x-sn-apikey", "nope"),
                Err(AuthError::Rejected),
            ),
            (
                Request::new("GET", "/").with_header("authorization", "Bearer unknown"),
                Err(AuthError::Rejected),
            ),
            (Request::new("GET", "/"), Err(AuthError::Missing)),
        ];
        for (request, expected) in cases {
            let got = authenticate(&request, &d, &tokens, 0);
            let got = got
                .as_ref()
                .map(|p| (p.user_name.as_str(), p.scheme))
                .map_err(|e| *e);
            assert_eq!(got, expected, "{:?}", request.headers.first().map(|h| &h.0));
        }
    }

    #[test]
    fn password_grant_issues_a_bearer_token_that_expires() {
        let mut tokens = TokenStore::default();
        let mut pairs = CLIENT.to_vec();
        pairs.extend([
            ("grant_type", "password"),
            ("username", "itil"),
            ("password", "itil"),
        ]);
        let body = issue(&pairs, &mut tokens, 1000).expect("token issued");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "useraccount");
        assert_eq!(body["expires_in"], 1799);
        assert!(body["refresh_token"].is_string());
        let token = body["access_token"]
            .as_str()
            .expect("access token")
            .to_string();
        let request =
            Request::new("GET", "/").with_header("authorization", &format!("Bearer {token}"));
        let d = Directory::demo();
        assert_eq!(
            authenticate(&request, &d, &tokens, 1000 + 1798).map(|p| p.user_name),
            Ok("itil".to_string())
        );
        assert_eq!(
            authenticate(&request, &d, &tokens, 1000 + 1799),
            Err(AuthError::Rejected)
        );
    }

    #[test]
    fn client_credentials_act_as_admin_without_refresh_token() {
        let mut tokens = TokenStore::default();
        let mut pairs = CLIENT.to_vec();
        pairs.push(("grant_type", "client_credentials"));
        let body = issue(&pairs, &mut tokens, 0).expect("token issued");
        assert!(body.get("refresh_token").is_none());
        let token = body["access_token"].as_str().expect("token");
        let request =
            Request::new("GET", "/").with_header("Authorization", &format!("bearer {token}"));
        assert_eq!(
            authenticate(&request, &Directory::demo(), &tokens, 1).map(|p| p.user_name),
            Ok("admin".to_string())
        );
    }

    #[test]
    fn refresh_grant_needs_a_live_refresh_token_of_the_same_client() {
        let mut tokens = TokenStore::default();
        let mut pairs = CLIENT.to_vec();
        pairs.extend([
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "admin"),
        ]);
        let first = issue(&pairs, &mut tokens, 0).expect("token issued");
        let refresh = first["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_string();
        let mut again = CLIENT.to_vec();
        again.extend([
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ]);
        let second = issue(&again, &mut tokens, 10).expect("refreshed");
        assert_ne!(second["access_token"], first["access_token"]);
        assert_eq!(second["refresh_token"], first["refresh_token"]);
        let expired = i64::try_from(REFRESH_TTL).expect("fits") + 1;
        assert!(issue(&again, &mut tokens, expired).is_none());
    }

    #[test]
    fn bad_token_requests_are_refused() {
        let cases: [&[(&str, &str)]; 6] = [
            &[
                ("client_id", "mcp-demo-client"),
                ("client_secret", "x"),
                ("grant_type", "client_credentials"),
            ],
            &[
                ("client_id", "mcp-demo-client"),
                ("client_secret", "mcp-demo-secret"),
                ("grant_type", "password"),
                ("username", "itil"),
                ("password", "x"),
            ],
            &[
                ("client_id", "mcp-demo-client"),
                ("client_secret", "mcp-demo-secret"),
                ("grant_type", "password"),
                ("username", "itil"),
            ],
            &[
                ("client_id", "mcp-demo-client"),
                ("client_secret", "mcp-demo-secret"),
                ("grant_type", "refresh_token"),
                ("refresh_token", "nope"),
            ],
            &[
                ("client_id", "mcp-demo-client"),
                ("client_secret", "mcp-demo-secret"),
                ("grant_type", "authorization_code"),
            ],
            &[("grant_type", "client_credentials")],
        ];
        for pairs in cases {
            let mut tokens = TokenStore::default();
            assert!(issue(pairs, &mut tokens, 0).is_none(), "{pairs:?}");
        }
    }
}
