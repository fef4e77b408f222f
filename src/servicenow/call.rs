//! `call_tool`: sequences one tool call (check references, translate, authenticate,
//! resolve a record number and names, send, map) over the ports. Decisions live in the pure modules; this only orders them.

use super::download::map_download;
use super::errors::{network_message, redirect_message, timeout_message, too_large_message, Stage};
use super::order;
use super::request::{
    follow_request, number_lookup_request, row_owner_request, Answer, ArgumentError, Payload,
    RecordRef, SysId, TableRequest,
};
use super::resolve::{self, lookup_request, map_lookup, Plan};
use super::response::{map_call_response, map_number_lookup};
use super::scope::Scope;
use super::session::{redact, SendError, Session, Transport};
use super::{CallOutcome, RecordLink, UpstreamContext};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, KvStore, Upstream};
use crate::store::IntegratedAccount;
use serde_json::Value;
use snmcp_catalog::{MethodKind, Tool, ToolCall};

/// Runs one validated tool call against the account's instance. Never panics, never
/// retries (a 401 on a cached OAuth token re-authenticates once), and never puts a
/// credential in a message.
/// `scope` is what the server's filter lets the call reach beyond the tool itself.
pub async fn call_tool<K: KvStore, U: Upstream, C: Clock>(
    ctx: &UpstreamContext<'_, K, U, C>,
    account: &IntegratedAccount,
    scope: &Scope<'_>,
    tool: &Tool,
    call: ToolCall,
) -> CallOutcome {
    // Reference values are checked before any request; names are looked up in `run`.
    let plan = match resolve::plan(tool, call) {
        Ok(plan) => plan,
        Err(message) => return CallOutcome::failure(message),
    };
    let request = match TableRequest::from_call(tool, &plan.call, scope, ctx.upload_max_bytes) {
        Ok(request) => request,
        Err(ArgumentError(message)) => return CallOutcome::failure(message),
    };
    let mut session = TableSession {
        session: Session::new(ctx, account),
        request: &request,
        upload_max_bytes: ctx.upload_max_bytes,
        scope,
    };
    let outcome = match run(&mut session, tool, plan).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    redact(outcome, session.session.secrets())
}

async fn run<K: KvStore, U: Upstream, C: Clock>(
    session: &mut TableSession<'_, '_, '_, K, U, C>,
    tool: &Tool,
    plan: Plan,
) -> Result<CallOutcome, CallOutcome> {
    let instance = session.session.account.instance_url.as_str();
    let mut request = session.request;
    let (sys_id, number): (Option<SysId>, Option<&str>) = match &request.record {
        None => (None, None),
        Some(RecordRef::SysId(id)) => (Some(id.clone()), None),
        Some(RecordRef::Number(number)) => {
            let number = number.as_str();
            let lookup = number_lookup_request(instance, &request.table, number)
                .map_err(|e| CallOutcome::failure(e.0))?;
            let response = session.send(lookup, Stage::NumberLookup).await?;
            let id = map_number_lookup(request, number, &response, session.now_secs())?;
            (Some(id), Some(number))
        }
    };
    if let Some(id) = &sys_id {
        check_row_owner(session, tool, id).await?;
    }
    // One read-only lookup per reference given as a name; any failure stops the call
    // before the write.
    let mut plan = plan;
    let resolved;
    if !plan.pending.is_empty() {
        for reference in std::mem::take(&mut plan.pending) {
            let lookup = lookup_request(instance, &reference).map_err(CallOutcome::failure)?;
            let stage = Stage::NameLookup {
                field: &reference.field,
                value: &reference.value,
                table: &reference.target.table,
            };
            let response = session.send(lookup, stage).await?;
            let names_shown = session.scope.readable(&reference.target.table);
            let id = map_lookup(&reference, &response, session.now_secs(), names_shown)?;
            plan.resolve(&reference.field, &id);
        }
        resolved =
            TableRequest::from_call(tool, &plan.call, session.scope, session.upload_max_bytes)
                .map_err(|e| CallOutcome::failure(e.0))?;
        request = &resolved;
    }
    // An order is checked against the item's form first; a wrong one sends nothing.
    let ordered;
    if let Payload::Order(order) = &request.payload {
        let id = sys_id.as_ref().ok_or_else(|| {
            CallOutcome::failure("an order needs the item's sys_id in `id`; nothing was ordered")
        })?;
        let (form, read) =
            order::form_request(request, instance, id).map_err(|e| CallOutcome::failure(e.0))?;
        let response = session.send(read, Stage::Call(MethodKind::Get)).await?;
        let answer = map_call_response(&form, Some(id), number, &response, session.now_secs());
        let mut checked = request.clone();
        checked.body = Some(order::checked_body(answer, order)?);
        ordered = checked;
        request = &ordered;
    }
    let http = request
        .to_http(instance, sys_id.as_ref())
        .map_err(|e| CallOutcome::failure(e.0))?;
    let file_url = http.url.clone();
    let response = session.send(http, Stage::Call(request.kind)).await?;
    if request.answer == Answer::File {
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
    if request.answer == Answer::VariablesSchema {
        return Ok(with_link(
            order::with_variables_schema(outcome),
            instance,
            request,
        ));
    }
    let follow = request.endpoint.as_ref().and_then(|e| e.follow.as_ref());
    let (Some(follow), Some(written)) = (follow, order::result_sys_id(&outcome)) else {
        return Ok(with_link(outcome, instance, request));
    };
    // The write happened: a failed follow-up read is reported beside it, never instead.
    let read = match follow_request(instance, follow, &written) {
        Ok(http) => session
            .send(http, Stage::Call(MethodKind::List))
            .await
            .map_err(|outcome| match outcome {
                CallOutcome::Failure { message, .. } | CallOutcome::RateLimited { message, .. } => {
                    message
                }
                CallOutcome::Success { .. } => String::new(),
            }),
        Err(e) => Err(e.0),
    };
    let link = order::created_record_link(instance, &outcome);
    let outcome = order::with_follow(
        outcome,
        &follow.name,
        &follow.fields,
        read.as_ref().map_err(Clone::clone),
    );
    match (outcome, link) {
        (
            CallOutcome::Success {
                structured,
                rate_limit,
                file,
                ..
            },
            Some(link),
        ) => Ok(CallOutcome::Success {
            structured,
            rate_limit,
            link: Some(link),
            file,
        }),
        (outcome, _) => Ok(with_link(outcome, instance, request)),
    }
}

/// A record of a resource holding rows of every table (an attachment, a journal entry)
/// is read first for the table it belongs to: a get, download, update or delete goes on
/// only when the server's scope reaches that table (writable for a change).
async fn check_row_owner<K: KvStore, U: Upstream, C: Clock>(
    session: &mut TableSession<'_, '_, '_, K, U, C>,
    tool: &Tool,
    sys_id: &SysId,
) -> Result<(), CallOutcome> {
    let resource = tool.resource.as_ref();
    let Some(field) = &resource.row_table else {
        return Ok(());
    };
    let instance = session.session.account.instance_url.as_str();
    let read = row_owner_request(instance, resource, field, sys_id)
        .map_err(|e| CallOutcome::failure(e.0))?;
    let response = session.send(read, Stage::Call(MethodKind::Get)).await?;
    let now = session.now_secs();
    // A refusal (a 429 included) reads as the call's own would.
    if !(200..300).contains(&response.status) {
        return Err(map_call_response(
            session.request,
            Some(sys_id),
            None,
            &response,
            now,
        ));
    }
    let body = serde_json::from_slice::<Value>(&response.body).ok();
    let owner = body
        .as_ref()
        .and_then(|body| resolve::text(body.get("result")?, field))
        .filter(|table| !table.trim().is_empty());
    let Some(owner) = owner else {
        return Err(CallOutcome::failure(format!(
            "ServiceNow did not say which table the {} {} belongs to ({field} is missing or hidden), so this server cannot tell whether it may reach it; nothing more was sent.",
            resource.title.to_ascii_lowercase(),
            sys_id.as_str()
        )));
    };
    let write = tool.kind != MethodKind::Get;
    session
        .scope
        .check_row_table(resource, owner, write)
        .map_err(CallOutcome::failure)
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
    let field = |name: &str| resolve::text(record, name);
    let sys_id = field("sys_id").and_then(SysId::parse)?;
    let name = field(&request.display_field)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(sys_id.as_str())
        .to_string();
    Some(RecordLink::to_record(
        instance,
        &request.table,
        sys_id.as_str(),
        name,
    ))
}

/// The shared session, with the tool's request for phrasing what went wrong.
struct TableSession<'r, 's, 'a, K, U, C> {
    session: Session<'s, 'a, K, U, C>,
    request: &'r TableRequest,
    /// For rebuilding the request once names are resolved.
    upload_max_bytes: usize,
    scope: &'r Scope<'r>,
}

impl<K: KvStore, U: Upstream, C: Clock> TableSession<'_, '_, '_, K, U, C> {
    fn now_secs(&self) -> u64 {
        self.session.now_secs()
    }

    /// Sends an authenticated request; a failure becomes the isError text for `stage`
    /// (or for the token request, when that was what failed).
    async fn send(
        &mut self,
        http: HttpRequest,
        stage: Stage<'_>,
    ) -> Result<HttpResponse, CallOutcome> {
        let error = match self.session.send(http).await {
            Ok(response) => return Ok(response),
            Err(error) => error,
        };
        let (broken, stage) = match error {
            SendError::Outcome(outcome) => return Err(outcome),
            SendError::Transport { failure, token } => {
                (failure, if token { Stage::Token } else { stage })
            }
        };
        let instance = &self.session.account.instance_url;
        let message = match broken {
            // Redirects are never followed (they would carry credentials elsewhere).
            Transport::Redirect(response) => {
                redirect_message(&response, instance, self.request, stage)
            }
            Transport::TooLarge { limit_bytes } => {
                too_large_message(limit_bytes, self.request, stage)
            }
            Transport::Timeout { after_ms } => timeout_message(after_ms, self.request, stage),
            Transport::Network(error) => network_message(instance, &error, self.request, stage),
        };
        Err(CallOutcome::failure(message))
    }
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
