//! One tool call's authenticated link to an account's instance, shared by the catalog
//! tools (`call.rs`) and the answer tools (`answers/`): the auth header (Basic, bearer,
//! API key, or OAuth with the sealed token cache), one re-authentication when a cached
//! OAuth token is rejected, and the secrets no text may show. Callers phrase failures
//! in their own terms; this only says what went wrong.

use super::auth::{
    account_secrets, parse_token_response, read_cached_token, static_auth_header, store_token,
    OAuthGrant,
};
use super::rate_limit::normalize_rate_limit_headers;
use super::response::rate_limited;
use super::{CallOutcome, UpstreamContext};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore, Upstream, UpstreamError};
use crate::store::IntegratedAccount;

/// Why a request got no answer to judge.
#[derive(Debug)]
pub enum SendError {
    /// The request on the wire failed; `token` when it was the OAuth token request.
    Transport { failure: Transport, token: bool },
    /// The token endpoint answered without a token (or with 429): the outcome to return.
    Outcome(CallOutcome),
}

/// A request that did not come back with an answer to read.
#[derive(Debug)]
pub enum Transport {
    /// A 3xx: never followed (it would carry credentials elsewhere).
    Redirect(HttpResponse),
    TooLarge {
        limit_bytes: usize,
    },
    Timeout {
        after_ms: u64,
    },
    Network(String),
}

/// The OAuth access token in use for this call.
struct Bearer {
    token: String,
    from_cache: bool,
}

/// Per-call state: which token is in use, whether it was replaced once already, and
/// which secrets must never be shown.
pub struct Session<'s, 'a, K, U, C> {
    ctx: &'s UpstreamContext<'a, K, U, C>,
    pub account: &'s IntegratedAccount,
    bearer: Option<Bearer>,
    reauthenticated: bool,
    secrets: Vec<String>,
}

impl<'s, 'a, K: KvStore, U: Upstream, C: Clock> Session<'s, 'a, K, U, C> {
    pub fn new(ctx: &'s UpstreamContext<'a, K, U, C>, account: &'s IntegratedAccount) -> Self {
        Session {
            ctx,
            account,
            bearer: None,
            reauthenticated: false,
            secrets: account_secrets(&account.auth),
        }
    }

    pub fn now_secs(&self) -> u64 {
        self.ctx.clock.now_secs()
    }

    /// The account's credentials and every token this call used.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Sends `http` with the account's credentials. A 401 on a token that came from the
    /// cache means it was revoked early: drop it, get a fresh one and send once more.
    /// Every other status is the caller's to judge.
    pub async fn send(&mut self, http: HttpRequest) -> Result<HttpResponse, SendError> {
        let (name, value) = self.auth_header().await?;
        let response = self
            .transmit(http.clone().with_header(name, value), false)
            .await?;
        let cached_token_rejected =
            response.status == 401 && self.bearer.as_ref().is_some_and(|b| b.from_cache);
        if !cached_token_rejected || self.reauthenticated {
            return Ok(response);
        }
        self.reauthenticated = true;
        self.bearer = None;
        if let Some(grant) = OAuthGrant::from_auth(&self.account.auth) {
            // Deleting is best effort: a stale entry expires on its own.
            let _ = self.ctx.kv.delete(&self.cache_key(&grant)).await;
        }
        let token = self.fetch_token().await?;
        self.transmit(
            http.with_header("authorization", format!("Bearer {token}")),
            false,
        )
        .await
    }

    fn cache_key(&self, grant: &OAuthGrant) -> String {
        grant.cache_key(
            &self.account.id,
            &self.account.instance_url,
            &self.account.generation,
        )
    }

    async fn auth_header(&mut self) -> Result<(&'static str, String), SendError> {
        if let Some(header) = static_auth_header(&self.account.auth) {
            return Ok(header);
        }
        if let Some(bearer) = &self.bearer {
            return Ok(("authorization", format!("Bearer {}", bearer.token)));
        }
        let cached = match OAuthGrant::from_auth(&self.account.auth) {
            Some(grant) => {
                let key = self.cache_key(&grant);
                read_cached_token(self.ctx.kv, &key, self.ctx.sealing_key, self.now_secs()).await
            }
            None => None,
        };
        let token = match cached {
            Some(token) => {
                self.secrets.push(token.clone());
                self.bearer = Some(Bearer {
                    token: token.clone(),
                    from_cache: true,
                });
                token
            }
            None => self.fetch_token().await?,
        };
        Ok(("authorization", format!("Bearer {token}")))
    }

    /// Gets a token from `/oauth_token.do`, caches it and makes it the one in use.
    async fn fetch_token(&mut self) -> Result<String, SendError> {
        let account = self.account;
        let Some(grant) = OAuthGrant::from_auth(&account.auth) else {
            return Err(SendError::Outcome(CallOutcome::Failure {
                message: format!(
                    "the integrated account uses {} authentication, which has no OAuth token",
                    account.auth.kind()
                ),
                upstream_status: None,
                rate_limit: Vec::new(),
            }));
        };
        let response = self
            .transmit(grant.token_request(&account.instance_url), true)
            .await?;
        let now = self.now_secs();
        if response.status == 429 {
            return Err(SendError::Outcome(rate_limited(&response, now)));
        }
        let token = parse_token_response(&response, &grant).map_err(|refused| {
            SendError::Outcome(CallOutcome::Failure {
                message: refused.0,
                upstream_status: Some(response.status),
                rate_limit: normalize_rate_limit_headers(&response.headers, now),
            })
        })?;
        self.secrets.push(token.value.clone());
        store_token(
            self.ctx.kv,
            &self.cache_key(&grant),
            self.ctx.sealing_key,
            &token,
            now,
        )
        .await;
        self.bearer = Some(Bearer {
            token: token.value.clone(),
            from_cache: false,
        });
        Ok(token.value)
    }

    /// One request on the wire.
    async fn transmit(&self, http: HttpRequest, token: bool) -> Result<HttpResponse, SendError> {
        let failure = match self.ctx.upstream.send(http, self.ctx.timeout_ms).await {
            Ok(response) if (300..400).contains(&response.status) => Transport::Redirect(response),
            Ok(response) => return Ok(response),
            Err(UpstreamError::TooLarge { limit_bytes }) => Transport::TooLarge { limit_bytes },
            Err(UpstreamError::Timeout { after_ms }) => Transport::Timeout { after_ms },
            Err(UpstreamError::Network(error)) => Transport::Network(error),
        };
        Err(SendError::Transport { failure, token })
    }
}

/// Last line of defence: no secret of the account (or token of this call) in any text
/// a model or a log could see, whatever ServiceNow or the network layer echoed.
/// Each secret is also looked for as it travels: percent-encoded (a form body or query
/// string echoed back, hex in either case, spaces as `%20` or `+`), JSON-escaped, and in
/// base64 (standard and URL-safe, with and without padding).
pub fn redact(outcome: CallOutcome, secrets: &[String]) -> CallOutcome {
    // Only failures carry text from elsewhere; a success (the hot path) is left as it is,
    // without encoding every secret.
    if matches!(outcome, CallOutcome::Success { .. }) {
        return outcome;
    }
    // Very short secrets would blank ordinary words; they never come from our own texts.
    let forms: Vec<String> = secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .flat_map(|s| secret_forms(s))
        .collect();
    let clean = |mut text: String| {
        for form in &forms {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), "[redacted]");
            }
        }
        text
    };
    match outcome {
        CallOutcome::Failure {
            message,
            upstream_status,
            rate_limit,
        } => CallOutcome::Failure {
            message: clean(message),
            upstream_status,
            rate_limit,
        },
        CallOutcome::RateLimited {
            message,
            retry_after_secs,
            headers,
        } => CallOutcome::RateLimited {
            message: clean(message),
            retry_after_secs,
            headers,
        },
        success @ CallOutcome::Success { .. } => success,
    }
}

/// The ways `secret` can appear in text a server echoes, longest first so a longer
/// form is replaced before a shorter one inside it.
fn secret_forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let upper = crate::http::percent_encode(secret);
    let lower = lowercase_escapes(&upper);
    let mut forms = vec![
        secret.to_string(),
        upper.replace("%20", "+"),
        lower.replace("%20", "+"),
        upper,
        lower,
        serde_json::to_string(secret)
            .map(|quoted| quoted.trim_matches('"').to_string())
            .unwrap_or_default(),
    ];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        forms.push(engine.encode(secret));
    }
    forms.retain(|form| form.len() >= 4);
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    forms.dedup();
    forms
}

/// `%2F` -> `%2f`: the hex digits of percent escapes in lower case.
fn lowercase_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut escape = 0;
    for c in encoded.chars() {
        if c == '%' {
            escape = 2;
            out.push(c);
        } else if escape > 0 {
            escape -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SealingKey;
    use crate::ports::{ManualClock, MemoryKv, ScriptedUpstream};
    use crate::store::AccountAuth;
    use futures::executor::block_on;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;
    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const URL: &str = "https://dev1.service-now.com/api/now/table/incident";

    struct World {
        clock: ManualClock,
        upstream: ScriptedUpstream,
        key: SealingKey,
    }

    impl World {
        fn new() -> Self {
            World {
                clock: ManualClock::at_secs(NOW),
                upstream: ScriptedUpstream::new(),
                key: SealingKey::from_secret(KEY).unwrap(),
            }
        }
    }

    fn account(auth: AccountAuth) -> IntegratedAccount {
        IntegratedAccount {
            id: "acc_1".into(),
            instance_url: "https://dev1.service-now.com".into(),
            auth,
            generation: "gen_1".into(),
        }
    }

    fn oauth() -> AccountAuth {
        AccountAuth::Oauth2ClientCredentials {
            client_id: "mcp-client".into(),
            client_secret: "client-secret-42".into(),
        }
    }

    fn token(value: &str) -> serde_json::Value {
        json!({"access_token": value, "expires_in": 1800, "token_type": "Bearer"})
    }

    /// Runs `send` of GET `URL` `times` times in one session; the statuses and the
    /// session's secrets.
    fn run(
        world: &World,
        kv: &MemoryKv<'_>,
        auth: AccountAuth,
        times: usize,
    ) -> (Vec<Result<u16, SendError>>, Vec<String>) {
        let ctx = UpstreamContext {
            kv,
            upstream: &world.upstream,
            clock: &world.clock,
            sealing_key: Some(&world.key),
            timeout_ms: 1_000,
            upload_max_bytes: crate::limits::DEFAULT_UPLOAD_MAX_BYTES,
        };
        let account = account(auth);
        let mut session = Session::new(&ctx, &account);
        let results = (0..times)
            .map(|_| block_on(session.send(HttpRequest::new("GET", URL))).map(|r| r.status))
            .collect();
        (results, session.secrets().to_vec())
    }

    fn authorizations(world: &World) -> Vec<String> {
        world
            .upstream
            .requests
            .borrow()
            .iter()
            .map(|r| {
                let auth = r.header("authorization").unwrap_or("-");
                format!("{} {auth}", r.url.rsplit('/').next().unwrap_or(""))
            })
            .collect()
    }

    #[test]
    fn static_credentials_go_on_every_request_and_a_401_is_the_callers() {
        let world = World::new();
        let kv = MemoryKv::new(&world.clock);
        world.upstream.push_json(401, json!({}));
        let auth = AccountAuth::Bearer {
            token: "static-bearer-1".into(),
        };
        let (results, secrets) = run(&world, &kv, auth, 1);
        assert!(matches!(results[..], [Ok(401)]));
        assert_eq!(authorizations(&world), ["incident Bearer static-bearer-1"]);
        assert!(secrets.contains(&"static-bearer-1".to_string()));
    }

    #[test]
    fn a_token_is_fetched_once_per_session_then_reused_from_the_cache() {
        let world = World::new();
        let kv = MemoryKv::new(&world.clock);
        world.upstream.push_json(200, token("tok-1"));
        world.upstream.push_json(200, json!({"result": []}));
        world.upstream.push_json(200, json!({"result": []}));
        let (results, secrets) = run(&world, &kv, oauth(), 2);
        assert!(matches!(results[..], [Ok(200), Ok(200)]));
        assert_eq!(
            authorizations(&world),
            [
                "oauth_token.do -",
                "incident Bearer tok-1",
                "incident Bearer tok-1"
            ]
        );
        assert!(secrets.contains(&"tok-1".to_string()));
        // A new session (the next tool call) reads the sealed token from KV.
        world.upstream.push_json(200, json!({"result": []}));
        let (results, _) = run(&world, &kv, oauth(), 1);
        assert!(matches!(results[..], [Ok(200)]));
        assert_eq!(authorizations(&world).len(), 4, "no second token request");
    }

    #[test]
    fn a_rejected_cached_token_is_dropped_and_replaced_once() {
        let world = World::new();
        let kv = MemoryKv::new(&world.clock);
        world.upstream.push_json(200, token("tok-old"));
        world.upstream.push_json(200, json!({"result": []}));
        run(&world, &kv, oauth(), 1);
        let cached = |kv: &MemoryKv<'_>| kv.keys().iter().any(|k| k.starts_with("oauth"));
        assert!(cached(&kv));
        // Revoked early: 401, then a fresh token, then the request again; then a 401 on
        // the fresh token is final (no loop).
        world.upstream.push_json(401, json!({}));
        world.upstream.push_json(200, token("tok-new"));
        world.upstream.push_json(200, json!({"result": []}));
        world.upstream.push_json(401, json!({}));
        let (results, secrets) = run(&world, &kv, oauth(), 2);
        assert!(matches!(results[..], [Ok(200), Ok(401)]), "{results:?}");
        assert_eq!(
            authorizations(&world)[2..],
            [
                "incident Bearer tok-old",
                "oauth_token.do -",
                "incident Bearer tok-new",
                "incident Bearer tok-new"
            ]
        );
        assert!(
            secrets.contains(&"tok-old".to_string()) && secrets.contains(&"tok-new".to_string())
        );
    }

    #[test]
    fn transport_failures_say_which_request_failed() {
        let world = World::new();
        let kv = MemoryKv::new(&world.clock);
        world
            .upstream
            .push(Err(UpstreamError::Timeout { after_ms: 1_000 }));
        let (results, _) = run(&world, &kv, oauth(), 1);
        assert!(
            matches!(
                results[..],
                [Err(SendError::Transport {
                    failure: Transport::Timeout { after_ms: 1_000 },
                    token: true
                })]
            ),
            "{results:?}"
        );
        world.upstream.push_json(200, token("tok-1"));
        world
            .upstream
            .push(Ok(HttpResponse::new(302).with_header("location", "/sso")));
        let (results, _) = run(&world, &kv, oauth(), 1);
        assert!(
            matches!(
                results[..],
                [Err(SendError::Transport {
                    failure: Transport::Redirect(_),
                    token: false
                })]
            ),
            "{results:?}"
        );
        world.upstream.push_json(429, json!({}));
        let (results, _) = run(
            &world,
            &kv,
            AccountAuth::Oauth2ClientCredentials {
                client_id: "other".into(),
                client_secret: "client-secret-43".into(),
            },
            1,
        );
        assert!(
            matches!(
                results[..],
                [Err(SendError::Outcome(CallOutcome::RateLimited { .. }))]
            ),
            "{results:?}"
        );
    }

    #[test]
    fn redaction_blanks_every_secret_but_not_short_ones() {
        let secrets = vec!["hunter2-secret".to_string(), "ab".to_string()];
        let outcome = CallOutcome::Failure {
            message: "bad password hunter2-secret for ab".into(),
            upstream_status: Some(401),
            rate_limit: Vec::new(),
        };
        match redact(outcome, &secrets) {
            CallOutcome::Failure { message, .. } => {
                assert_eq!(message, "bad password [redacted] for ab")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn encoded_forms_of_secrets_are_redacted() {
        use base64::Engine;
        let secret = "p@ss w/rd+1\"x";
        let echoed = [
            secret.to_string(),
            "p%40ss%20w%2Frd%2B1%22x".to_string(),
            "p%40ss+w%2frd%2b1%22x".to_string(),
            "p@ss w/rd+1\\\"x".to_string(),
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        ];
        for text in echoed {
            let outcome = redact(
                CallOutcome::failure(format!(
                    "upstream said: grant_type=password&password={text}&x=1"
                )),
                &[secret.to_string()],
            );
            let CallOutcome::Failure { message, .. } = outcome else {
                panic!("{outcome:?}")
            };
            assert!(message.contains("[redacted]"), "{text}: {message}");
            assert!(!message.contains(&text), "{text}: {message}");
        }
    }
}
