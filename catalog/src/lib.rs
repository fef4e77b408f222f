//! The tool catalog: documented ServiceNow resources (tool-specs/) become MCP tools.
//! Owns spec parsing, tool naming, input schemas, annotations, filters and argument
//! validation. Pure Rust: no I/O, no HTTP, no worker types.

pub mod answers;
pub mod spec;

mod builtin;
mod call;
mod describe;
pub mod discovery;
mod error;
mod filter;
mod naming;
mod page;
mod pattern;
mod rules;
mod schema;
pub mod schema_check;
mod tools;
mod validate;
pub mod variables;

pub use answers::AnswerTool;
pub use builtin::{builtin_spec_sources, parse_spec_sources};
pub use call::{DisplayValue, FieldName, RecordId, RecordNumber, SysId, ToolCall};
pub use describe::DESCRIPTION_BUDGET;
pub use error::CatalogError;
pub use filter::{FilterError, READ, WRITE};
pub use naming::{is_valid_tool_name, tool_name, MAX_TOOL_NAME_LEN};
pub use page::{InvalidCursor, ToolPage, PAGE_SIZE};
pub use schema::{output_schema, FIELDS_MAX_ITEMS, LIMIT_DEFAULT, LIMIT_MAX, REFERENCE_MAX_LENGTH};
pub use spec::{
    Choice, Endpoint, FieldSpec, FieldType, FileTransfer, Follow, Hints, MethodKind, MethodSpec,
    OrderInput, ResourceSpec,
};
pub use validate::{ArgumentErrors, BrokenTool, SCHEMA_KEYWORDS};
pub use variables::{NotAVariableList, VariableForm};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A server's `config`: which tools it exposes. `None` means no restriction.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolFilter {
    /// `read` = get + list, `write` = create + update + delete, any other entry names
    /// one method exactly (`list`, `delete`, a custom method). Union of entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// Keep tools whose resource tags intersect these. Methods AND tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// How the kept tools are offered: each as its own tool (default), or behind the
    /// three discovery tools (search, describe, call) for large catalogs.
    #[serde(default, skip_serializing_if = "ToolMode::is_default")]
    pub tool_mode: ToolMode,
}

/// `config.tool_mode`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToolMode {
    /// tools/list lists every kept tool (today's behaviour).
    #[default]
    Tools,
    /// tools/list lists search_service_now_tools, describe_service_now_tool and
    /// call_service_now_tool; the kept tools are reached through them.
    Discovery,
}

impl ToolMode {
    pub const NAMES: [&'static str; 2] = ["tools", "discovery"];

    pub fn is_default(&self) -> bool {
        *self == ToolMode::Tools
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ToolMode::Tools => "tools",
            ToolMode::Discovery => "discovery",
        }
    }

    pub fn parse(s: &str) -> Option<ToolMode> {
        match s {
            "tools" => Some(ToolMode::Tools),
            "discovery" => Some(ToolMode::Discovery),
            _ => None,
        }
    }
}

/// One MCP tool derived from a documented resource method.
#[derive(Debug, Clone)]
pub struct Tool {
    /// `list_all_service_now_incident`, ...
    pub name: String,
    /// The spec's method key: `list`, `resolve`, ...
    pub method: String,
    /// The standard method it runs as.
    pub kind: MethodKind,
    pub resource: Arc<ResourceSpec>,
    /// Fixed values a custom method always sends (`{"state": "6"}`).
    pub set: Map<String, Value>,
    /// Reference inputs (write body fields, list filters) by field name: where each
    /// points and how a name is resolved there.
    pub references: BTreeMap<String, ReferenceTarget>,
    /// The MCP `Tool` object: name, title, description, inputSchema, annotations.
    pub definition: Value,
}

/// Where a reference input points, and how a value given as text is found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceTarget {
    /// The referenced table (`sys_user`).
    pub table: String,
    /// Fields matched exactly when the value is not a sys_id (`user_name`, `email`,
    /// `name`); empty when the table documents none (then only sys_ids are accepted).
    pub lookup: Vec<String>,
    /// The target's display field, shown beside candidates' sys_ids.
    pub display_field: Option<String>,
    /// The target's human title ("User"), for messages.
    pub title: Option<String>,
    /// The tool that lists the target's records, for "find it with ..." hints.
    pub list_tool: Option<String>,
}

impl ToolFilter {
    /// Whether this filter keeps `tool` (the rule behind `visible` and `find`).
    pub fn keeps(&self, tool: &Tool) -> bool {
        filter::keeps(tool, self)
    }
}

impl Tool {
    /// The spec entry this tool was derived from (body, filters, required, set).
    pub fn method_spec(&self) -> Option<&MethodSpec> {
        self.resource.methods.get(&self.method)
    }
}

/// `null` or `""` on an optional argument means "not given": clients that follow
/// OpenAI's strict function schemas send every property and fill the unused ones with
/// null or "", and such a call must do exactly what the same call without them does (an
/// update empties a field only when `clear` names it). A null or "" on a required
/// property, or on a key the tool does not declare, is left for validation to refuse.
fn drop_null_optionals(tool: &Tool, args: &mut Map<String, Value>) {
    let schema = &tool.definition["inputSchema"];
    let declared = |name: &str| schema["properties"].get(name).is_some();
    let required = |name: &str| {
        schema["required"]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == name))
    };
    args.retain(|name, value| {
        let unset = value.is_null() || value.as_str() == Some("");
        !(unset && declared(name) && !required(name))
    });
}

/// An order's `variables` given as an object (`{"access_level": "standard"}`, the form
/// documented before strict-mode clients) becomes the `[{name, value}]` list the schema
/// declares; values become their text, as the item's form reads them.
fn variables_as_pairs(args: &mut Map<String, Value>) {
    let Some(Value::Object(answers)) = args.get("variables") else {
        return;
    };
    let pairs = answers
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            serde_json::json!({ "name": name, "value": text })
        })
        .collect();
    args.insert("variables".into(), Value::Array(pairs));
}

/// Every tool derived from a set of checked resource specs, with the lookups the MCP
/// layer needs: filtering, paging, argument validation.
///
/// Tool definitions are built lazily, one tool at a time: a tools/call on a fresh
/// Workers isolate builds only the tool it calls, and tools/list only the tools its
/// filter keeps. Definitions are never rebuilt once made.
pub struct Catalog {
    resources: Vec<Arc<ResourceSpec>>,
    entries: Vec<tools::ToolEntry>,
    by_name: BTreeMap<String, usize>,
    by_table: BTreeMap<String, usize>,
    method_keys: BTreeSet<String>,
    tags: BTreeSet<String>,
    /// Changes whenever the tool set does; binds tools/list cursors to this catalog.
    fingerprint: u64,
    /// Tools built one by one (same index as `entries`), for find/visible/list_page.
    built: Vec<OnceLock<Tool>>,
    /// Every tool in one slice, built on the first call of `tools()`.
    all: OnceLock<Vec<Tool>>,
    /// One lazily compiled validator per tool (same index), kept for the isolate's life.
    validators: Vec<OnceLock<Result<schema_check::Schema, validate::BrokenTool>>>,
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("resources", &self.resources.len())
            .field("tools", &self.entries.len())
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// Built once per isolate (OnceLock) from the specs embedded at build time.
    /// Costs a parse of the embedded specs and the cross-field checks; tool
    /// definitions are built on demand.
    pub fn builtin() -> Result<&'static Catalog, CatalogError> {
        static BUILTIN: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| builtin::parse_builtin_specs().and_then(Catalog::from_specs))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Checks every cross-field rule (filters/body/required name documented or system
    /// fields, required within body, no read_only in body, custom methods have a kind,
    /// resource name pattern and length, unique tool names matching ^[a-z0-9_]{1,64}$)
    /// and plans the tools. Resources are ordered by name whatever the input order.
    pub fn from_specs(mut specs: Vec<ResourceSpec>) -> Result<Catalog, CatalogError> {
        if specs.is_empty() {
            return Err(CatalogError::NoSpecs);
        }
        specs.sort_by(|a, b| a.resource.cmp(&b.resource));
        let problems = rules::check_specs(&specs);
        if !problems.is_empty() {
            return Err(CatalogError::Invalid(problems));
        }
        let resources: Vec<Arc<ResourceSpec>> = specs.into_iter().map(Arc::new).collect();
        let by_table = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.table.clone(), i))
            .collect();
        let entries = tools::plan(&resources);
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let method_keys = resources
            .iter()
            .flat_map(|r| r.methods.keys().cloned())
            .collect();
        let tags = resources
            .iter()
            .flat_map(|r| r.tags.iter().cloned())
            .collect();
        // Cursors hold offsets into the tool order, which the names alone determine.
        let fingerprint = entries
            .iter()
            .fold(0, |hash, e| page::fnv1a(hash, e.name.as_bytes()));
        Ok(Catalog {
            built: entries.iter().map(|_| OnceLock::new()).collect(),
            validators: entries.iter().map(|_| OnceLock::new()).collect(),
            resources,
            entries,
            by_name,
            by_table,
            method_keys,
            tags,
            fingerprint,
            all: OnceLock::new(),
        })
    }

    /// The documented resources, ordered by resource name.
    pub fn resources(&self) -> &[Arc<ResourceSpec>] {
        &self.resources
    }

    /// Every tool, in a stable order: resources by name; per resource list, get,
    /// create, update, delete, then custom methods by key. Builds every definition on
    /// first call; request paths should prefer `visible`, `find` and `list_page`.
    pub fn tools(&self) -> &[Tool] {
        self.all.get_or_init(|| {
            (0..self.entries.len())
                .map(|i| match self.built[i].get() {
                    Some(tool) => tool.clone(),
                    None => self.derive(i),
                })
                .collect()
        })
    }

    /// The tools `filter` keeps, in catalog order.
    pub fn visible<'a>(&'a self, filter: &'a ToolFilter) -> impl Iterator<Item = &'a Tool> + 'a {
        (0..self.entries.len())
            .filter(move |i| self.entry_kept(*i, filter))
            .map(move |i| self.tool_at(i))
    }

    /// A tool by name, only if the filter keeps it (else None, same as unknown).
    pub fn find(&self, name: &str, filter: &ToolFilter) -> Option<&Tool> {
        let index = *self.by_name.get(name)?;
        self.entry_kept(index, filter).then(|| self.tool_at(index))
    }

    /// Ok(number of tools kept); Err for an unknown method or tag (the message lists the
    /// known ones), an empty list, or a filter that leaves no tool.
    pub fn check_filter(&self, filter: &ToolFilter) -> Result<usize, FilterError> {
        filter::check(&self.method_keys, &self.tags, filter, |filter| {
            (0..self.entries.len())
                .filter(|i| self.entry_kept(*i, filter))
                .count()
        })
    }

    /// Every tag some resource carries (the `config.tags` vocabulary), sorted.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(String::as_str)
    }

    /// One page of tool definitions for tools/list, [`PAGE_SIZE`] long.
    pub fn list_page(
        &self,
        filter: &ToolFilter,
        cursor: Option<&str>,
    ) -> Result<ToolPage<'_>, InvalidCursor> {
        self.list_page_sized(filter, cursor, PAGE_SIZE)
    }

    /// One page of `page_size` (at least 1) tool definitions; the cursor must come from a
    /// previous page of the same filter over this catalog.
    pub fn list_page_sized(
        &self,
        filter: &ToolFilter,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<ToolPage<'_>, InvalidCursor> {
        let kept: Vec<usize> = (0..self.entries.len())
            .filter(|i| self.entry_kept(*i, filter))
            .collect();
        let fingerprint = page::filter_fingerprint(self.fingerprint, filter);
        let (range, next_cursor) = page::page(kept.len(), cursor, page_size, fingerprint)?;
        let tools = kept[range]
            .iter()
            .map(|i| &self.tool_at(*i).definition)
            .collect();
        Ok(ToolPage { tools, next_cursor })
    }

    /// Validates tools/call `arguments` (None = {}) against the tool's inputSchema.
    /// Validators are compiled on first use per tool and cached for the isolate's life.
    pub fn validate_arguments(
        &self,
        tool: &Tool,
        args: Option<&Value>,
    ) -> Result<(), ArgumentErrors> {
        self.check_call(tool, args).map(|_| ())
    }

    /// Validates tools/call `arguments` and reads them into the typed call the upstream
    /// layer consumes: the one place arguments are interpreted. Text forms of booleans,
    /// numbers and choice codes are turned into the declared types first.
    pub fn check_call(
        &self,
        tool: &Tool,
        args: Option<&Value>,
    ) -> Result<ToolCall, ArgumentErrors> {
        self.check_owned_call(tool, args.cloned())
    }

    /// [`Self::check_call`] on arguments the caller hands over: an upload's `content`
    /// (megabytes of base64) moves into the call instead of being copied.
    pub fn check_owned_call(
        &self,
        tool: &Tool,
        args: Option<Value>,
    ) -> Result<ToolCall, ArgumentErrors> {
        let mut args = match args {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(args) => args,
        };
        if let Value::Object(fields) = &mut args {
            drop_null_optionals(tool, fields);
            variables_as_pairs(fields);
            schema::coerce(&tool.resource, fields);
        }
        let lookup = |table: &str| self.resource_for_table(table).map(Arc::as_ref);
        // Cache only for this catalog's own tools; a foreign Tool is compiled afresh.
        let own = self
            .by_name
            .get(&tool.name)
            .copied()
            .filter(|i| self.is_own(*i, tool));
        let fresh;
        let compiled = match own {
            Some(i) => self.validators[i].get_or_init(|| validate::compile(tool)),
            None => {
                fresh = validate::compile(tool);
                &fresh
            }
        };
        match compiled {
            Ok(validator) => validate::check(tool, validator, &args, &lookup)?,
            Err(broken) => return Err(ArgumentErrors(vec![broken.to_string()])),
        }
        // The pattern admits any length of digits after the prefix; a record number is
        // at most 40 characters, so the call carries a checked `RecordId`.
        let names_a_record = matches!(
            tool.kind,
            spec::MethodKind::Get | spec::MethodKind::Update | spec::MethodKind::Delete
        );
        if let Some(id) = args
            .get("id")
            .and_then(Value::as_str)
            .filter(|_| names_a_record)
        {
            if RecordId::parse(&tool.resource, id).is_none() {
                return Err(ArgumentErrors(vec![format!(
                    "id: `{}` is neither a sys_id nor a record number of at most {} characters",
                    id.chars().take(64).collect::<String>(),
                    call::RECORD_NUMBER_MAX_LENGTH
                )]));
            }
        }
        match args {
            Value::Object(args) => Ok(ToolCall::from_owned(tool, args)),
            _ => Ok(ToolCall::from_valid(tool, &Map::new())),
        }
    }

    /// The resource whose table is `table`, for "find it with list_all_..." hints.
    pub fn resource_for_table(&self, table: &str) -> Option<&Arc<ResourceSpec>> {
        self.by_table.get(table).map(|i| &self.resources[*i])
    }

    /// Whether `name` is a tool whose endpoint uploads a file (`content: "upload"`).
    pub fn is_upload_tool(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|index| self.entry_uploads(*index))
    }

    /// Whether `filter` keeps a tool that uploads a file: such a server's requests may
    /// carry a file, so its transport body limit is larger.
    pub fn keeps_upload_tool(&self, filter: &ToolFilter) -> bool {
        (0..self.entries.len()).any(|i| self.entry_uploads(i) && self.entry_kept(i, filter))
    }

    fn entry_uploads(&self, index: usize) -> bool {
        let entry = &self.entries[index];
        self.resources[entry.resource]
            .methods
            .get(&entry.method)
            .and_then(|m| m.endpoint.as_ref())
            .is_some_and(|e| e.content == Some(FileTransfer::Upload))
    }

    fn entry_kept(&self, index: usize, filter: &ToolFilter) -> bool {
        let entry = &self.entries[index];
        let tags = &self.resources[entry.resource].tags;
        filter::keeps_parts(entry.kind, &entry.method, tags, filter)
    }

    /// The tool at `index`, from `tools()` when that exists, else built alone.
    fn tool_at(&self, index: usize) -> &Tool {
        match self.all.get() {
            Some(all) => &all[index],
            None => self.built[index].get_or_init(|| self.derive(index)),
        }
    }

    fn derive(&self, index: usize) -> Tool {
        let entry = &self.entries[index];
        let lookup = |table: &str| self.resource_for_table(table).map(Arc::as_ref);
        tools::derive_tool(entry, &self.resources[entry.resource], &lookup)
    }

    /// Whether `tool` is this catalog's tool at `index` (either copy of it).
    fn is_own(&self, index: usize, tool: &Tool) -> bool {
        let in_all = self
            .all
            .get()
            .is_some_and(|all| std::ptr::eq(&all[index], tool));
        let alone = self.built[index]
            .get()
            .is_some_and(|t| std::ptr::eq(t, tool));
        in_all || alone
    }
}
