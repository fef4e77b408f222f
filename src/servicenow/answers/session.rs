//! The answer tools' link to ServiceNow: authenticated GETs over the shared
//! [`session::Session`](crate::servicenow::session::Session) (the same auth, token cache
//! and single re-authentication as every catalog tool call), several per tool call,
//! never retried. Failures become the texts a model reads; no secret ever reaches one.

use super::super::errors::{excerpt, is_html, redirect_note};
use super::super::rate_limit::normalize_rate_limit_headers;
use super::super::response::rate_limited;
use super::super::session::{self, SendError, Transport};
use super::super::{CallOutcome, UpstreamContext};
use crate::http::{percent_encode, HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore, Upstream};
use crate::store::IntegratedAccount;
use serde_json::Value;

/// One answer tool call's connection state.
pub struct Session<'s, 'a, K, U, C> {
    inner: session::Session<'s, 'a, K, U, C>,
    pub account: &'s IntegratedAccount,
    /// Normalized rate-limit headers of the last answer (passed on to the client).
    pub rate_limit: Vec<(String, String)>,
}

impl<'s, 'a, K: KvStore, U: Upstream, C: Clock> Session<'s, 'a, K, U, C> {
    pub fn new(ctx: &'s UpstreamContext<'a, K, U, C>, account: &'s IntegratedAccount) -> Self {
        Session {
            inner: session::Session::new(ctx, account),
            account,
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
        let response = match self.inner.send(http).await {
            Ok(response) => response,
            Err(SendError::Outcome(outcome)) => return Err(self.redact(outcome)),
            Err(SendError::Transport { failure, token }) => {
                let what = if token {
                    "the OAuth token request"
                } else {
                    what
                };
                return Err(self.failure(self.transport_message(failure, what), None));
            }
        };
        let now = self.inner.now_secs();
        if response.status == 429 {
            return Err(self.redact(rate_limited(&response, now)));
        }
        self.rate_limit = normalize_rate_limit_headers(&response.headers, now);
        Ok(response)
    }

    fn transport_message(&self, failure: Transport, what: &str) -> String {
        match failure {
            // Redirects are never followed (they would carry credentials elsewhere).
            Transport::Redirect(response) => {
                redirect_note(&response, &self.account.instance_url, what)
            }
            Transport::TooLarge { limit_bytes } => format!(
                "ServiceNow's answer for {what} is larger than {limit_bytes} bytes, more than this server reads. Ask for less (a narrower query or a smaller limit), then call again."
            ),
            Transport::Timeout { after_ms } => format!(
                "ServiceNow did not answer {what} within {after_ms} ms. Try again, or ask for less (a narrower query)."
            ),
            Transport::Network(error) => format!(
                "Could not reach ServiceNow at {} for {what} ({error}). The instance may be down or its URL in the integrated account wrong; try again later.",
                self.account.instance_url
            ),
        }
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

    /// Last line of defence: no credential or token of this call in any text (the same
    /// redaction as every catalog tool call).
    fn redact(&self, outcome: CallOutcome) -> CallOutcome {
        session::redact(outcome, self.inner.secrets())
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
