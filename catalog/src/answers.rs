//! The three cross-table "answer" tools (`search`, `fetch`, `aggregate_service_now_records`):
//! their fixed definitions and when a server exposes them. They are not derived from a
//! spec: `search`/`fetch` follow OpenAI's fixed contract for ChatGPT, and all three span
//! tables. Visibility follows the server's filters: a table counts as readable when the
//! filter keeps its `list` or `get` tool, so `config.methods` entries `read`, `list` or
//! `get` enable them, and `config.tags` must keep the tables they touch.

use crate::{Catalog, ResourceSpec, ToolFilter};
use serde_json::{json, Value};
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
        let all = DEFINITIONS.get_or_init(|| {
            [
                search_definition(),
                fetch_definition(),
                aggregate_definition(),
            ]
        });
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

fn read_only_annotations(title: &str) -> Value {
    json!({
        "title": title,
        "readOnlyHint": true,
        "destructiveHint": false,
        "idempotentHint": true,
        "openWorldHint": true,
    })
}

fn search_definition() -> Value {
    json!({
        "name": SEARCH,
        "title": "Search ServiceNow",
        "description": "Search the ServiceNow instance: published knowledge articles (full text, best match first), a record by its number (INC0010001, PRB0040001, CHG0030001, KB0010001, RITM0010001) and open incidents, problems and change requests whose short description matches. Returns up to 20 results, each with an id to pass to fetch, a title and the record's URL. Use plain words or a record number; no encoded query syntax.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": QUERY_MAX_CHARS,
                    "description": "Words to look for (\"reset VPN token\") or a record number (\"INC0010001\")."
                }
            },
            "required": ["query"],
            "additionalProperties": false
        },
        "outputSchema": {
            "type": "object",
            "properties": {
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "title": {"type": "string"},
                            "url": {"type": "string"}
                        },
                        "required": ["id", "title", "url"]
                    }
                }
            },
            "required": ["results"]
        },
        "annotations": read_only_annotations("Search ServiceNow"),
    })
}

fn fetch_definition() -> Value {
    json!({
        "name": FETCH,
        "title": "Fetch a ServiceNow article or record",
        "description": "Read one knowledge article or record in full, as plain text: an article's body, or a record's number, short description, state, priority, assignment, description and latest work notes and comments. Pass an id from search (kb_knowledge:<sys_id>, incident:<sys_id>, ...) or a record number (INC0010001, KB0010001).",
        "inputSchema": {
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 120,
                    "description": "An id returned by search, or a record number."
                }
            },
            "required": ["id"],
            "additionalProperties": false
        },
        "outputSchema": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "text": {"type": "string"},
                "url": {"type": "string"},
                "metadata": {
                    "type": "object",
                    "additionalProperties": {"type": "string"}
                }
            },
            "required": ["id", "title", "text", "url"]
        },
        "annotations": read_only_annotations("Fetch a ServiceNow article or record"),
    })
}

fn field_list(what: &str) -> Value {
    json!({
        "type": "array",
        "items": {"type": "string", "pattern": "^[a-z0-9_]{1,80}$"},
        "maxItems": AGGREGATE_FIELDS_MAX,
        "description": what,
    })
}

fn aggregate_definition() -> Value {
    let number_map = json!({
        "type": "object",
        "additionalProperties": {"type": ["number", "string"]}
    });
    let stats = json!({
        "type": "object",
        "properties": {
            "count": {"type": "number"},
            "avg": number_map, "min": number_map, "max": number_map, "sum": number_map
        }
    });
    json!({
        "name": AGGREGATE,
        "title": "Count and summarize ServiceNow records",
        "description": "Count records of one table and compute avg/min/max/sum of fields, optionally grouped (e.g. incidents by assignment_group), through ServiceNow's Aggregate API, without reading the records. table: a table this server can read (incident, problem, change_request, ...). query: an encoded query (priority=1^active=true). group_by: field names. having: aggregate^field^operator^value (count^assignment_group^>^2). order_by: a group_by field or COUNT, optionally ^DESC. Numbers come back as numbers; groups as a list of {group, stats}.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "table": {"type": "string", "pattern": "^[a-z0-9_]{1,80}$", "description": "Table name, e.g. incident."},
                "query": {"type": "string", "maxLength": 4000, "description": "Encoded query selecting the records, e.g. priority=1^sys_created_on>=javascript:gs.beginningOfThisMonth()."},
                "group_by": field_list("Fields to group by, e.g. [\"assignment_group\"]."),
                "count": {"type": "boolean", "description": "Count the records (default true when no other aggregate is asked for)."},
                "avg_fields": field_list("Numeric fields to average."),
                "min_fields": field_list("Fields to take the minimum of."),
                "max_fields": field_list("Fields to take the maximum of."),
                "sum_fields": field_list("Numeric fields to add up."),
                "having": {"type": "string", "maxLength": 200, "description": "Filter on groups: aggregate^field^operator^value, aggregate one of count, avg, min, max, sum; operator one of =, !=, >, >=, <, <=."},
                "order_by": {"type": "string", "maxLength": 90, "description": "Order of groups: a group_by field or COUNT, with ^DESC for descending."}
            },
            "required": ["table"],
            "additionalProperties": false
        },
        "outputSchema": {
            "type": "object",
            "properties": {
                "table": {"type": "string"},
                "stats": stats,
                "groups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "group": {"type": "object", "additionalProperties": {"type": "string"}},
                            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                            "stats": stats
                        },
                        "required": ["group", "stats"]
                    }
                }
            },
            "required": ["table"]
        },
        "annotations": read_only_annotations("Count and summarize ServiceNow records"),
    })
}
