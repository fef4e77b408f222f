//! Discovery mode (`config.tool_mode: "discovery"`): three small tools stand in for a
//! large catalog. `search_service_now_tools` ranks the tools a server exposes by a
//! deterministic score, `describe_service_now_tool` returns one full definition and
//! `call_service_now_tool` runs one (the MCP layer routes that call exactly like
//! tools/call). Definitions and scoring only; no I/O.

use crate::{Catalog, Tool, ToolFilter};
use serde_json::Value;

pub const SEARCH_TOOL: &str = "search_service_now_tools";
pub const DESCRIBE_TOOL: &str = "describe_service_now_tool";
pub const CALL_TOOL: &str = "call_service_now_tool";

/// Default and largest number of search hits.
pub const SEARCH_LIMIT_DEFAULT: u64 = 10;
pub const SEARCH_LIMIT_MAX: u64 = 50;

/// Points per query word found in each part of a tool (see [`score`]).
const NAME_POINTS: u32 = 4;
const TITLE_POINTS: u32 = 3;
const TAG_POINTS: u32 = 2;
const DESCRIPTION_POINTS: u32 = 1;

/// One search hit.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub tool: &'a Tool,
    pub score: u32,
}

/// Lower-case words of `text`: runs of ASCII letters and digits (`_` separates, so tool
/// names split into their parts).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    // ASCII only: tool names, titles and tags are ASCII, and Unicode tables would cost
    // the Worker's bundle for nothing.
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
}

/// Whether a query word matches a tool word: equal, or (for query words of 3+
/// characters) a prefix of it, so "incid" finds "incident" and "user" finds "users".
fn matches(query: &str, word: &str) -> bool {
    word == query || (query.chars().count() >= 3 && word.starts_with(query))
}

/// The documented score: for each distinct query word, 4 points if it matches a word of
/// the tool's name, 3 if one of its title, 2 if one of its resource's tags, and 1 if one
/// of its description only when neither name nor title matched it (the description is a
/// fallback, not a multiplier). A word matches when equal, or when the query word has 3+
/// characters and starts the tool's word ("incid" finds "incident").
pub fn score(tool: &Tool, query_words: &[String]) -> u32 {
    let name: Vec<String> = words(&tool.name).collect();
    let title: Vec<String> = tool
        .definition
        .get("title")
        .and_then(Value::as_str)
        .map(|t| words(t).collect())
        .unwrap_or_default();
    let tags: Vec<String> = tool.resource.tags.iter().flat_map(|t| words(t)).collect();
    let description: Vec<String> = tool
        .definition
        .get("description")
        .and_then(Value::as_str)
        .map(|d| words(d).collect())
        .unwrap_or_default();
    let found = |part: &[String], q: &str| part.iter().any(|w| matches(q, w));
    query_words
        .iter()
        .map(|q| {
            let mut points = 0;
            if found(&name, q) {
                points += NAME_POINTS;
            }
            if found(&title, q) {
                points += TITLE_POINTS;
            }
            if found(&tags, q) {
                points += TAG_POINTS;
            }
            if points < TITLE_POINTS && found(&description, q) {
                points += DESCRIPTION_POINTS;
            }
            points
        })
        .sum()
}

/// Words of the tool's resource name no query word matches: among equal scores the
/// more specific tool ranks first ("create incident" prefers incident to incident_task).
fn unmatched(tool: &Tool, query_words: &[String]) -> usize {
    words(&tool.resource.resource)
        .filter(|w| !query_words.iter().any(|q| matches(q, w)))
        .count()
}

/// The tools `filter` keeps that score above zero for `query`: best score first, then
/// fewest unmatched resource-name words, then catalog order; at most `limit`.
pub fn search<'a>(
    catalog: &'a Catalog,
    filter: &'a ToolFilter,
    query: &str,
    limit: usize,
) -> Vec<Hit<'a>> {
    let mut query_words: Vec<String> = Vec::new();
    for w in words(query) {
        if !query_words.contains(&w) {
            query_words.push(w);
        }
    }
    let mut hits: Vec<(Hit<'a>, usize)> = catalog
        .visible(filter)
        .map(|tool| {
            (
                Hit {
                    score: score(tool, &query_words),
                    tool,
                },
                unmatched(tool, &query_words),
            )
        })
        .filter(|(hit, _)| hit.score > 0)
        .collect();
    // Stable sort: full ties keep the catalog's order.
    hits.sort_by_key(|(hit, unmatched)| (std::cmp::Reverse(hit.score), *unmatched));
    hits.truncate(limit);
    hits.into_iter().map(|(hit, _)| hit).collect()
}

/// The first sentence of a tool's description, for search hits.
pub fn one_line(tool: &Tool) -> String {
    let description = tool
        .definition
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match description.find(". ") {
        Some(end) => description[..=end].to_string(),
        None => description.to_string(),
    }
}

/// The hints of `call_service_now_tool`: those of the tools it can reach, combined the
/// conservative way (read-only only if every reachable tool is, destructive if any is,
/// idempotent only if all are).
fn call_hints<'a>(tools: impl Iterator<Item = &'a Tool>) -> (bool, bool, bool) {
    let mut read_only = true;
    let mut destructive = false;
    let mut idempotent = true;
    for tool in tools {
        let hint = |name: &str| tool.definition["annotations"][name].as_bool();
        read_only &= hint("readOnlyHint").unwrap_or(false);
        destructive |= hint("destructiveHint").unwrap_or(true);
        idempotent &= hint("idempotentHint").unwrap_or(false);
    }
    (read_only, destructive, idempotent)
}

/// The three definitions as data: parsed at run time, because `json!` literals this
/// size compile to kilobytes of wasm. The call tool's hints are filled in per server.
const DEFINITIONS: &str = r#"[
{"name":"search_service_now_tools","title":"Search ServiceNow tools",
 "description":"Find the ServiceNow tools this server offers (incidents, problems, changes, users, groups, CMDB, knowledge, catalog requests...). Returns the best matches with name, title and a one-line description; then describe_service_now_tool for the input schema and call_service_now_tool to run one.",
 "inputSchema":{"type":"object","properties":{"query":{"type":"string","minLength":1,"maxLength":200,"description":"Words, e.g. \"create incident\" or \"user email\"."},"limit":{"type":"integer","minimum":1,"maximum":50,"default":10}},"required":["query"],"additionalProperties":false},
 "outputSchema":{"type":"object","properties":{"tools":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"title":{"type":"string"},"description":{"type":"string"}}}}},"required":["tools"]},
 "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false}},
{"name":"describe_service_now_tool","title":"Describe a ServiceNow tool",
 "description":"The full definition of one tool found with search_service_now_tools: its input and output schemas and annotations. Call it before call_service_now_tool.",
 "inputSchema":{"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":64,"description":"A tool name from search_service_now_tools."}},"required":["name"],"additionalProperties":false},
 "outputSchema":{"type":"object","properties":{"tool":{"type":"object"}},"required":["tool"]},
 "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false}},
{"name":"call_service_now_tool","title":"Call a ServiceNow tool",
 "description":"Run one tool found with search_service_now_tools, with arguments matching its input schema (describe_service_now_tool). Returns exactly what that tool returns.",
 "inputSchema":{"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":64,"description":"The tool to run."},"arguments":{"type":"object","description":"Its arguments."}},"required":["name"],"additionalProperties":false},
 "annotations":{"openWorldHint":true}}
]"#;

/// The three tool definitions discovery mode lists, for the tools `filter` keeps.
/// Search and describe only read this server's own catalog: a closed world.
pub fn definitions(catalog: &Catalog, filter: &ToolFilter) -> Vec<Value> {
    let (read_only, destructive, idempotent) = call_hints(catalog.visible(filter));
    let mut tools: Vec<Value> = serde_json::from_str(DEFINITIONS).unwrap_or_default();
    if let Some(hints) = tools
        .get_mut(2)
        .and_then(|call| call.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        hints.insert("readOnlyHint".into(), Value::Bool(read_only));
        hints.insert("destructiveHint".into(), Value::Bool(destructive));
        hints.insert("idempotentHint".into(), Value::Bool(idempotent));
    }
    tools
}
