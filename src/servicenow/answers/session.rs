//! The answer tools' link to ServiceNow: authenticated GETs (Basic, bearer, API key or
//! OAuth with the shared sealed token cache), several per tool call, never retried.
//! Failures become the texts a model reads; no secret ever reaches one.

use super::super::auth::{
    account_secrets, parse_token_response, read_cached_token, static_auth_header, store_token,
    OAuthGrant,
};
use super::super::errors::{excerpt, is_html, redirect_note};
use super::super::rate_limit::normalize_rate_limit_headers;
use super::super::response::rate_limited;
use super::super::{CallOutcome, UpstreamContext};
use crate::http::{percent_encode, HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore, Upstream, UpstreamError};
use crate::store::IntegratedAccount;
use serde_json::Value;

/// One answer tool call's connection state.
pub struct Session<'s, 'a, K, U, C> {
    ctx: &'s UpstreamContext<'a, K, U, C>,
    pub account: &'s IntegratedAccount,
    bearer: Option<(String, bool)>,
    reauthenticated: bool,
    secrets: Vec<String>,
    /// Normalized rate-limit headers of the last answer (passed on to the client).
    pub rate_limit: Vec<(String, String)>,
}

impl<'s, 'a, K: KvStore, U: Upstream, C: Clock> Session<'s, 'a, K, U, C> {
    pub fn new(ctx: &'s UpstreamContext<'a, K, U, C>, account: &'s IntegratedAccount) -> Self {
        Session {
            ctx,
            account,
            bearer: None,
            reauthenticated: false,
            secrets: account_secrets(&account.auth),
            rate_limit: Vec::new(),
        }
    }

    /// `https://<instance>` without a trailing slash.
    pub fn instance(&self) -> &str {
        self.account.instance_url.trim_end_matches('/')
    }

    /// A GET of `path` (starting with `/api/`) with these query parameters.
    pub fn url(&self, path: &str, params: &[(&str, String)]) -> String {
        let mut url = format!("{}{path}", self.instance());
        for (i, (key, value)) in params.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.push_str(&percent_encode(value));
        }
        url
    }

    /// Sends an authenticated GET; 429 and transport failures are `Err` (the call
    /// stops), every other status is for the caller to judge.
    pub async fn get(&mut self, url: String, what: &str) -> Result<HttpResponse, CallOutcome> {
        let http = HttpRequest::new("GET", url).with_header("accept", "application/json");
        let (name, value) = self.auth_header().await?;
        let mut response = self
            .transmit(http.clone().with_header(name, value), what)
            .await?;
        let cached_token_rejected =
            response.status == 401 && self.bearer.as_ref().is_some_and(|b| b.1);
        if cached_token_rejected && !self.reauthenticated {
            self.reauthenticated = true;
            self.bearer = None;
            if let Some(grant) = OAuthGrant::from_auth(&self.account.auth) {
                // Best effort: a stale entry expires on its own.
                let _ = self
                    .ctx
                    .kv
                    .delete(&grant.cache_key(
                        &self.account.id,
                        &self.account.instance_url,
                        &self.account.generation,
                    ))
                    .await;
            }
            let token = self.fetch_token().await?;
            response = self
                .transmit(
                    http.with_header("authorization", format!("Bearer {token}")),
                    what,
                )
                .await?;
        }
        let now = self.ctx.clock.now_secs();
        if response.status == 429 {
            return Err(self.redact(rate_limited(&response, now)));
        }
        self.rate_limit = normalize_rate_limit_headers(&response.headers, now);
        Ok(response)
    }

    /// The `result` of a 2xx JSON answer, or the failure a model reads.
    pub fn result(&self, response: &HttpResponse, what: &str) -> Result<Value, CallOutcome> {
        if !(200..300).contains(&response.status) {
            return Err(self.failure(status_message(response, what), Some(response.status)));
        }
        serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|mut v| v.get_mut("result").map(Value::take))
            .ok_or_else(|| {
                self.failure(
                    format!(
                        "ServiceNow answered {what} with HTTP {} but not with the expected JSON (\"{}\"); the instance may be behind a proxy or asleep. Try again later.",
                        response.status,
                        excerpt(&response.body)
                    ),
                    Some(response.status),
                )
            })
    }

    /// A successful outcome: the structured result and the last rate-limit headers.
    /// One text item only (OpenAI's contract for search and fetch), so no record link.
    pub fn success(&self, structured: Value) -> CallOutcome {
        CallOutcome::Success {
            structured,
            rate_limit: self.rate_limit.clone(),
            link: None,
            file: None,
        }
    }

    /// An isError outcome, with every secret of the account redacted.
    pub fn failure(&self, message: String, status: Option<u16>) -> CallOutcome {
        self.redact(CallOutcome::Failure {
            message,
            upstream_status: status,
            rate_limit: self.rate_limit.clone(),
        })
    }

    async fn auth_header(&mut self) -> Result<(&'static str, String), CallOutcome> {
        if let Some(header) = static_auth_header(&self.account.auth) {
            return Ok(header);
        }
        if let Some((token, _)) = &self.bearer {
            return Ok(("authorization", format!("Bearer {token}")));
        }
        let cached = match OAuthGrant::from_auth(&self.account.auth) {
            Some(grant) => {
                let key = grant.cache_key(
                    &self.account.id,
                    &self.account.instance_url,
                    &self.account.generation,
                );
                read_cached_token(
                    self.ctx.kv,
                    &key,
                    self.ctx.sealing_key,
                    self.ctx.clock.now_secs(),
                )
                .await
            }
            None => None,
        };
        let token = match cached {
            Some(token) => {
                self.secrets.push(token.clone());
                self.bearer = Some((token.clone(), true));
                token
            }
            None => self.fetch_token().await?,
        };
        Ok(("authorization", format!("Bearer {token}")))
    }

    async fn fetch_token(&mut self) -> Result<String, CallOutcome> {
        let account = self.account;
        let Some(grant) = OAuthGrant::from_auth(&account.auth) else {
            return Err(self.failure(
                format!(
                    "the integrated account uses {} authentication, which has no OAuth token",
                    account.auth.kind()
                ),
                None,
            ));
        };
        let response = self
            .transmit(
                grant.token_request(&account.instance_url),
                "the OAuth token request",
            )
            .await?;
        let now = self.ctx.clock.now_secs();
        if response.status == 429 {
            return Err(self.redact(rate_limited(&response, now)));
        }
        let token = parse_token_response(&response, &grant)
            .map_err(|message| self.failure(message, Some(response.status)))?;
        self.secrets.push(token.value.clone());
        store_token(
            self.ctx.kv,
            &grant.cache_key(&account.id, &account.instance_url, &account.generation),
            self.ctx.sealing_key,
            &token,
            now,
        )
        .await;
        self.bearer = Some((token.value.clone(), false));
        Ok(token.value)
    }

    async fn transmit(&self, http: HttpRequest, what: &str) -> Result<HttpResponse, CallOutcome> {
        match self.ctx.upstream.send(http, self.ctx.timeout_ms).await {
            // Redirects are never followed (they would carry credentials elsewhere).
            Ok(response) if (300..400).contains(&response.status) => Err(self.failure(
                redirect_note(&response, &self.account.instance_url, what),
                None,
            )),
            Ok(response) => Ok(response),
            Err(UpstreamError::TooLarge { limit_bytes }) => Err(self.failure(
                format!(
                    "ServiceNow's answer for {what} is larger than {limit_bytes} bytes, more than this server reads. Ask for less (a narrower query or a smaller limit), then call again."
                ),
                None,
            )),
            Err(UpstreamError::Timeout { after_ms }) => Err(self.failure(
                format!("ServiceNow did not answer {what} within {after_ms} ms. Try again, or ask for less (a narrower query)."),
                None,
            )),
            Err(UpstreamError::Network(error)) => Err(self.failure(
                format!(
                    "Could not reach ServiceNow at {} for {what} ({error}). The instance may be down or its URL in the integrated account wrong; try again later.",
                    self.account.instance_url
                ),
                None,
            )),
        }
    }

    /// Last line of defence: no credential or token of this call in any text (the same
    /// redaction as every catalog tool call).
    fn redact(&self, outcome: CallOutcome) -> CallOutcome {
        crate::servicenow::call::redact(outcome, &self.secrets)
    }
}

/// What a non-2xx answer means for the model, with ServiceNow's own explanation.
pub fn status_message(response: &HttpResponse, what: &str) -> String {
    let explanation = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| {
            let error = v.get("error")?;
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            let detail = error.get("detail").and_then(Value::as_str).unwrap_or("");
            let joined = match (message.trim(), detail.trim()) {
                ("", "") => return None,
                (m, "") => m.to_string(),
                ("", d) => d.to_string(),
                (m, d) if m == d => m.to_string(),
                (m, d) => format!("{m}: {d}"),
            };
            Some(joined)
        })
        .unwrap_or_else(|| {
            if is_html(response) {
                format!(
                    "an HTML page instead of JSON: \"{}\"",
                    excerpt(&response.body)
                )
            } else {
                excerpt(&response.body)
            }
        });
    let advice = match response.status {
        401 => "The integrated account's credentials were rejected; an administrator must update them.",
        403 => "The integrated account may not read this; ask a ServiceNow administrator for read access (an ACL or role).",
        404 => "It does not exist or access controls hide it.",
        400 => "Check the query and field names.",
        500..=599 => "ServiceNow failed; try again later.",
        _ => "",
    };
    format!(
        "ServiceNow answered {what} with HTTP {} ({explanation}). {advice}",
        response.status
    )
    .trim_end()
    .to_string()
}
