//! `call_tool`: sequences one tool call (check references, translate, authenticate,
//! resolve a record number and names, send, map) over the ports. Decisions live in the pure modules; this only orders them.

use super::auth::{
    account_secrets, parse_token_response, read_cached_token, static_auth_header, store_token,
    OAuthGrant,
};
use super::errors::{network_message, redirect_message, timeout_message, too_large_message, Stage};
use super::file::map_download;
use super::rate_limit::normalize_rate_limit_headers;
use super::request::{number_lookup_request, ArgumentError, RecordRef, SysId, TableRequest};
use super::resolve::{self, lookup_request, map_lookup, Plan};
use super::response::{map_call_response, map_number_lookup, rate_limited};
use super::{CallOutcome, RecordLink, UpstreamContext};
use crate::http::{percent_encode, HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore, Upstream, UpstreamError};
use crate::store::IntegratedAccount;
use serde_json::Value;
use snmcp_catalog::{MethodKind, Tool, ToolCall};

/// Runs one validated tool call against the account's instance. Never panics, never
/// retries (a 401 on a cached OAuth token re-authenticates once), and never puts a
/// credential in a message.
pub async fn call_tool<K: KvStore, U: Upstream, C: Clock>(
    ctx: &UpstreamContext<'_, K, U, C>,
    account: &IntegratedAccount,
    tool: &Tool,
    call: &ToolCall,
) -> CallOutcome {
    // Reference values are checked before any request; names are looked up in `run`.
    let plan = match resolve::plan(tool, call) {
        Ok(plan) => plan,
        Err(message) => return failure(message),
    };
    let request = match TableRequest::from_call(tool, &plan.call, ctx.upload_max_bytes) {
        Ok(request) => request,
        Err(ArgumentError(message)) => return failure(message),
    };
    let mut session = Session {
        ctx,
        account,
        request: &request,
        bearer: None,
        reauthenticated: false,
        secrets: account_secrets(&account.auth),
    };
    let outcome = match run(&mut session, tool, plan).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    redact(outcome, &session.secrets)
}

async fn run<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    tool: &Tool,
    plan: Plan,
) -> Result<CallOutcome, CallOutcome> {
    let instance = session.account.instance_url.as_str();
    let mut request = session.request;
    let (sys_id, number): (Option<SysId>, Option<&str>) = match &request.record {
        None => (None, None),
        Some(RecordRef::SysId(id)) => (Some(id.clone()), None),
        Some(RecordRef::Number(number)) => {
            let lookup = number_lookup_request(instance, &request.table, number)
                .map_err(|e| failure(e.0))?;
            let response = session.send(lookup, Stage::NumberLookup).await?;
            let id = map_number_lookup(request, number, &response, session.now_secs())?;
            (Some(id), Some(number))
        }
    };
    // One read-only lookup per reference given as a name; any failure stops the call
    // before the write.
    let mut plan = plan;
    let resolved;
    if !plan.pending.is_empty() {
        for reference in plan.pending.clone() {
            let lookup = lookup_request(instance, &reference).map_err(failure)?;
            let response = session.send(lookup, Stage::NumberLookup).await?;
            let id = map_lookup(&reference, &response, session.now_secs())?;
            plan.resolve(&reference.field, &id);
        }
        resolved = TableRequest::from_call(tool, &plan.call, session.ctx.upload_max_bytes)
            .map_err(|e| failure(e.0))?;
        request = &resolved;
    }
    let http = request
        .to_http(instance, sys_id.as_ref())
        .map_err(|e| failure(e.0))?;
    let file_url = http.url.clone();
    let response = session.send(http, Stage::Call(request.kind)).await?;
    if request.download {
        // The answer is the file itself; its own URL is where a link points.
        return Ok(map_download(
            request,
            sys_id.as_ref(),
            &response,
            session.now_secs(),
            &file_url,
        ));
    }
    let outcome = map_call_response(
        request,
        sys_id.as_ref(),
        number,
        &response,
        session.now_secs(),
    );
    Ok(with_link(outcome, instance, request))
}

/// Adds the record's page on the instance to a get, create or update result.
fn with_link(outcome: CallOutcome, instance: &str, request: &TableRequest) -> CallOutcome {
    let CallOutcome::Success {
        structured,
        rate_limit,
        link: None,
        file,
    } = outcome
    else {
        return outcome;
    };
    let link = match request.kind {
        MethodKind::Get | MethodKind::Create | MethodKind::Update => {
            record_link(instance, request, structured.get("result"))
        }
        MethodKind::List | MethodKind::Delete => None,
    };
    CallOutcome::Success {
        structured,
        rate_limit,
        link,
        file,
    }
}

/// `<instance>/nav_to.do?uri=<table>.do%3Fsys_id%3D<id>`, named by the record's display
/// field. None when the record came back without a usable sys_id.
fn record_link(
    instance: &str,
    request: &TableRequest,
    record: Option<&Value>,
) -> Option<RecordLink> {
    let record = record?;
    let field = |name: &str| {
        record.get(name).and_then(|v| {
            v.as_str()
                .or_else(|| v.get("value").and_then(Value::as_str))
        })
    };
    let sys_id = field("sys_id").and_then(SysId::parse)?;
    let name = field(&request.display_field)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(sys_id.as_str())
        .to_string();
    let target = format!("{}.do?sys_id={}", request.table, sys_id.as_str());
    Some(RecordLink {
        uri: format!(
            "{}/nav_to.do?uri={}",
            instance.trim_end_matches('/'),
            percent_encode(&target)
        ),
        name,
    })
}

/// The OAuth access token in use for this call.
struct Bearer {
    token: String,
    from_cache: bool,
}

/// Per-call state: which token is in use and which secrets must never be shown.
struct Session<'s, 'a, K, U, C> {
    ctx: &'s UpstreamContext<'a, K, U, C>,
    account: &'s IntegratedAccount,
    request: &'s TableRequest,
    bearer: Option<Bearer>,
    reauthenticated: bool,
    secrets: Vec<String>,
}

impl<K: KvStore, U: Upstream, C: Clock> Session<'_, '_, K, U, C> {
    fn now_secs(&self) -> u64 {
        self.ctx.clock.now_secs()
    }

    /// Sends an authenticated Table API request. A 401 on a token that came from the
    /// cache means it was revoked early: drop it, get a fresh one and send once more.
    async fn send(&mut self, http: HttpRequest, stage: Stage) -> Result<HttpResponse, CallOutcome> {
        let (name, value) = self.auth_header().await?;
        let response = self
            .transmit(http.clone().with_header(name, value), stage)
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
        self.transmit(
            http.with_header("authorization", format!("Bearer {token}")),
            stage,
        )
        .await
    }

    async fn auth_header(&mut self) -> Result<(&'static str, String), CallOutcome> {
        if let Some(header) = static_auth_header(&self.account.auth) {
            return Ok(header);
        }
        if let Some(bearer) = &self.bearer {
            return Ok(("authorization", format!("Bearer {}", bearer.token)));
        }
        let token = match self.cached_token().await {
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

    async fn cached_token(&self) -> Option<String> {
        let grant = OAuthGrant::from_auth(&self.account.auth)?;
        let key = grant.cache_key(
            &self.account.id,
            &self.account.instance_url,
            &self.account.generation,
        );
        read_cached_token(self.ctx.kv, &key, self.ctx.sealing_key, self.now_secs()).await
    }

    /// Gets a token from `/oauth_token.do`, caches it and makes it the one in use.
    async fn fetch_token(&mut self) -> Result<String, CallOutcome> {
        let account = self.account;
        let Some(grant) = OAuthGrant::from_auth(&account.auth) else {
            return Err(failure(format!(
                "the integrated account uses {} authentication, which has no OAuth token",
                account.auth.kind()
            )));
        };
        let response = self
            .transmit(grant.token_request(&account.instance_url), Stage::Token)
            .await?;
        let now = self.now_secs();
        if response.status == 429 {
            return Err(rate_limited(&response, now));
        }
        let token =
            parse_token_response(&response, &grant).map_err(|message| CallOutcome::Failure {
                message,
                upstream_status: Some(response.status),
                rate_limit: normalize_rate_limit_headers(&response.headers, now),
            })?;
        self.secrets.push(token.value.clone());
        store_token(
            self.ctx.kv,
            &grant.cache_key(&account.id, &account.instance_url, &account.generation),
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

    /// One request on the wire; a timeout or network error becomes the isError text.
    async fn transmit(&self, http: HttpRequest, stage: Stage) -> Result<HttpResponse, CallOutcome> {
        match self.ctx.upstream.send(http, self.ctx.timeout_ms).await {
            // Redirects are never followed (they would carry credentials elsewhere).
            Ok(response) if (300..400).contains(&response.status) => Err(failure(
                redirect_message(&response, &self.account.instance_url, self.request, stage),
            )),
            Ok(response) => Ok(response),
            Err(UpstreamError::TooLarge { limit_bytes }) => {
                Err(failure(too_large_message(limit_bytes, self.request, stage)))
            }
            Err(UpstreamError::Timeout { after_ms }) => {
                Err(failure(timeout_message(after_ms, self.request, stage)))
            }
            Err(UpstreamError::Network(error)) => Err(failure(network_message(
                &self.account.instance_url,
                &error,
                self.request,
                stage,
            ))),
        }
    }
}

fn failure(message: String) -> CallOutcome {
    CallOutcome::Failure {
        message,
        upstream_status: None,
        rate_limit: Vec::new(),
    }
}

/// Last line of defence: no secret of the account (or token of this call) in any text
/// a model or a log could see, whatever ServiceNow or the network layer echoed.
pub(super) fn redact(outcome: CallOutcome, secrets: &[String]) -> CallOutcome {
    let clean = |mut text: String| {
        // Very short secrets would blank ordinary words; they never come from our own texts.
        for secret in secrets.iter().filter(|s| s.len() >= 4) {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
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

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
