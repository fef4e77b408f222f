//! The three cross-table "answer" tools (`search`, `fetch`, `aggregate_service_now_records`):
//! their fixed definitions and when a server exposes them. They are not derived from a
//! spec: `search`/`fetch` follow OpenAI's fixed contract for ChatGPT, and all three span
//! tables. Visibility follows the server's filters: a table counts as readable when the
//! filter keeps its `list` or `get` tool, so `config.methods` entries `read`, `list` or
//! `get` enable them, and `config.tags` must keep the tables they touch.

use crate::{Catalog, ResourceSpec, ToolFilter};
use serde_json::Value;
use std::sync::OnceLock;

/// OpenAI's fixed name for the search tool (ChatGPT deep research, company knowledge).
pub const SEARCH: &str = "search";
/// OpenAI's fixed name for the fetch tool.
pub const FETCH: &str = "fetch";
/// Counts and statistics over one table through ServiceNow's Aggregate API.
pub const AGGREGATE: &str = "aggregate_service_now_records";

/// The knowledge table `search` covers through the Knowledge API (or the Table API).
pub const KNOWLEDGE_TABLE: &str = "kb_knowledge";
/// The record tables `search` matches free text against (open records only).
pub const RECORD_TABLES: [&str; 3] = ["incident", "problem", "change_request"];
/// Where work notes and comments live; `fetch` reads it when the server exposes it.
pub const JOURNAL_TABLE: &str = "sys_journal_field";

/// The longest `search` query accepted (characters).
pub const QUERY_MAX_CHARS: usize = 300;
/// The most fields one aggregate list (group_by, avg_fields, ...) may name.
pub const AGGREGATE_FIELDS_MAX: usize = 10;

/// One of the answer tools, once the server's filter is known to expose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerTool {
    Search,
    Fetch,
    Aggregate,
}

impl AnswerTool {
    pub const ALL: [AnswerTool; 3] = [AnswerTool::Search, AnswerTool::Fetch, AnswerTool::Aggregate];

    pub fn name(self) -> &'static str {
        match self {
            AnswerTool::Search => SEARCH,
            AnswerTool::Fetch => FETCH,
            AnswerTool::Aggregate => AGGREGATE,
        }
    }

    pub fn from_name(name: &str) -> Option<AnswerTool> {
        AnswerTool::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The MCP `Tool` object (built once per isolate).
    pub fn definition(self) -> &'static Value {
        static DEFINITIONS: OnceLock<[Value; 3]> = OnceLock::new();
        let all = DEFINITIONS.get_or_init(parse_definitions);
        match self {
            AnswerTool::Search => &all[0],
            AnswerTool::Fetch => &all[1],
            AnswerTool::Aggregate => &all[2],
        }
    }
}

impl Catalog {
    /// Whether `filter` exposes reading `table`: the resource documents a `list` or
    /// `get` method and the filter keeps it (methods `read`, `list`, `get`; tags).
    pub fn readable(&self, table: &str, filter: &ToolFilter) -> bool {
        self.resource_for_table(table)
            .is_some_and(|r| resource_readable(r, filter))
    }

    /// Whether `filter` exposes writing `table`: the filter keeps one of its resource's
    /// create, update or delete methods (standard or custom).
    pub fn writable(&self, table: &str, filter: &ToolFilter) -> bool {
        self.resource_for_table(table).is_some_and(|r| {
            r.methods.iter().any(|(key, method)| {
                let kind = crate::MethodKind::parse(key).or(method.kind);
                kind.is_some_and(|kind| {
                    !kind.is_read() && crate::filter::keeps_parts(kind, key, &r.tags, filter)
                })
            })
        })
    }

    /// Tables whose records `filter` lets the server read, in table-name order.
    pub fn readable_tables(&self, filter: &ToolFilter) -> Vec<&str> {
        let mut tables: Vec<&str> = self
            .resources()
            .iter()
            .filter(|r| resource_readable(r, filter))
            .map(|r| r.table.as_str())
            .collect();
        tables.sort_unstable();
        tables
    }

    /// The readable resource whose records are numbered with `prefix` (`INC`, `KB`, ...).
    pub fn readable_by_prefix(&self, prefix: &str, filter: &ToolFilter) -> Option<&ResourceSpec> {
        self.resources()
            .iter()
            .find(|r| {
                r.number_prefix
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
                    && resource_readable(r, filter)
            })
            .map(|r| r.as_ref())
    }

    /// The answer tool called `name`, only if `filter` exposes it (else None, as unknown).
    pub fn answer_tool(&self, name: &str, filter: &ToolFilter) -> Option<AnswerTool> {
        AnswerTool::from_name(name).filter(|tool| self.answer_visible(*tool, filter))
    }

    /// The answer tools `filter` exposes, in the fixed order search, fetch, aggregate.
    pub fn answer_tools(&self, filter: &ToolFilter) -> Vec<&'static Value> {
        AnswerTool::ALL
            .into_iter()
            .filter(|tool| self.answer_visible(*tool, filter))
            .map(AnswerTool::definition)
            .collect()
    }

    /// search/fetch: knowledge or one of the record tables is readable. aggregate: any
    /// table is (which one is checked per call).
    pub fn answer_visible(&self, tool: AnswerTool, filter: &ToolFilter) -> bool {
        if tool.definition().is_null() {
            return false;
        }
        match tool {
            AnswerTool::Search | AnswerTool::Fetch => std::iter::once(KNOWLEDGE_TABLE)
                .chain(RECORD_TABLES)
                .any(|table| self.readable(table, filter)),
            AnswerTool::Aggregate => self
                .resources()
                .iter()
                .any(|r| resource_readable(r, filter)),
        }
    }
}

fn resource_readable(resource: &ResourceSpec, filter: &ToolFilter) -> bool {
    resource.methods.keys().any(|key| {
        let kind = match key.as_str() {
            "list" => crate::MethodKind::List,
            "get" => crate::MethodKind::Get,
            _ => return false,
        };
        crate::filter::keeps_parts(kind, key, &resource.tags, filter)
    })
}

/// The three definitions, in [`AnswerTool::ALL`] order. Kept as JSON text (parsed once
/// per isolate) rather than `json!` code: the text is several times smaller in the wasm.
const DEFINITIONS_JSON: &str = include_str!("answers.json");

fn parse_definitions() -> [Value; 3] {
    let parsed: Vec<Value> = serde_json::from_str(DEFINITIONS_JSON).unwrap_or_default();
    // A definition missing from a broken embedded file stays Null and its tool is never
    // shown (the tests catch it); a request path never panics on it.
    AnswerTool::ALL.map(|tool| {
        parsed
            .iter()
            .find(|d| d["name"] == tool.name())
            .cloned()
            .unwrap_or(Value::Null)
    })
}
