//! The cross-table answer tools (`search`, `fetch`, `aggregate_service_now_records`;
//! definitions and visibility in `snmcp_catalog::answers`): arguments checked before any
//! request, then the Knowledge, Table and Aggregate APIs over the ports.

mod aggregate;
mod fetch;
mod html;
mod ids;
mod search;
mod session;

pub use html::html_to_text;

use super::{CallOutcome, UpstreamContext};
use crate::ports::{Clock, KvStore, Upstream};
use crate::services::Services;
use crate::store::{self, ServerGrant};
use serde_json::{Map, Value};
use session::Session;
use snmcp_catalog::{AnswerTool, Catalog};

/// Runs one answer tool call for `server` (the tool is one its filter exposes). Bad
/// arguments are refused before the account is even loaded.
pub async fn call_answer_tool<K: KvStore, U: Upstream, C: Clock>(
    services: &Services<'_, K, U, C>,
    catalog: &Catalog,
    grant: &ServerGrant,
    tool: AnswerTool,
    arguments: Option<&Value>,
) -> CallOutcome {
    let server = &*grant.server;
    let empty = Map::new();
    let args = match arguments {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            return CallOutcome::failure(format!(
                "Invalid arguments for {}: arguments must be an object.",
                tool.name()
            ))
        }
    };
    let filter = &server.config;
    enum Planned {
        Search(String),
        Fetch(ids::RecordId),
        Aggregate(aggregate::AggregateRequest),
    }
    let extra = |allowed: &[&str]| {
        args.keys()
            .find(|k| !allowed.contains(&k.as_str()))
            .cloned()
    };
    let planned = match tool {
        AnswerTool::Search => {
            if let Some(key) = extra(&["query"]) {
                return CallOutcome::failure(format!("Invalid arguments for search: unknown argument {key}; search takes only query."));
            }
            match search::check_query(args.get("query")) {
                Ok(query) => Planned::Search(query),
                Err(message) => return CallOutcome::failure(message),
            }
        }
        AnswerTool::Fetch => {
            if let Some(key) = extra(&["id"]) {
                return CallOutcome::failure(format!(
                    "Invalid arguments for fetch: unknown argument {key}; fetch takes only id."
                ));
            }
            let Some(raw) = args.get("id").and_then(Value::as_str) else {
                return CallOutcome::failure("fetch needs an id: one returned by search, or a record number such as INC0010001.");
            };
            match ids::parse_fetch_id(catalog, filter, raw) {
                Ok(id) => Planned::Fetch(id),
                Err(message) => return CallOutcome::failure(message),
            }
        }
        AnswerTool::Aggregate => match aggregate::plan(catalog, filter, args) {
            Ok(request) => Planned::Aggregate(request),
            Err(message) => return CallOutcome::failure(message),
        },
    };
    let Services {
        config,
        kv,
        upstream,
        clock,
        ..
    } = *services;
    let Some(sealing_key) = config.sealing_key.as_ref() else {
        return CallOutcome::failure("This MCP server is not configured to reach ServiceNow (the CREDENTIALS_KEY secret is missing); an administrator must set it.");
    };
    let account = match store::accounts::open(sealing_key, &grant.account) {
        Ok(account) => account,
        Err(e) => {
            return CallOutcome::failure(crate::diagnostics::withheld(
                "open the ServiceNow account behind this MCP server",
                &e,
            ))
        }
    };
    let context = UpstreamContext {
        kv,
        upstream,
        clock,
        sealing_key: Some(sealing_key),
        timeout_ms: config.upstream_timeout_ms,
        upload_max_bytes: config.upload_max_bytes,
    };
    let mut session = Session::new(&context, &account);
    match planned {
        Planned::Search(query) => search::search(&mut session, catalog, filter, &query).await,
        Planned::Fetch(id) => fetch::fetch(&mut session, catalog, filter, id).await,
        Planned::Aggregate(request) => aggregate::aggregate(&mut session, request).await,
    }
}
