//! `config.methods` / `config.tags` semantics: which tools a server exposes, and the
//! checks run when a server is created. The same `keeps` decides tools/list and
//! tools/call, so a hidden tool is indistinguishable from an unknown one.

use crate::spec::MethodKind;
use crate::{Tool, ToolFilter};
use std::collections::BTreeSet;

/// `config.methods` keyword for get + list (and custom methods of those kinds).
pub const READ: &str = "read";
/// `config.methods` keyword for create + update + delete (and custom methods of those kinds).
pub const WRITE: &str = "write";

/// Whether `filter` keeps `tool`: (any methods entry matches) AND (tags intersect);
/// an absent list does not restrict. Unknown entries simply match nothing.
pub fn keeps(tool: &Tool, filter: &ToolFilter) -> bool {
    keeps_parts(tool.kind, &tool.method, &tool.resource.tags, filter)
}

/// [`keeps`] on the parts of a tool that decide it (no definition needed).
pub fn keeps_parts(kind: MethodKind, method: &str, tags: &[String], filter: &ToolFilter) -> bool {
    let method_ok = filter.methods.as_ref().is_none_or(|methods| {
        methods.iter().any(|entry| match entry.as_str() {
            READ => kind.is_read(),
            WRITE => !kind.is_read(),
            other => method == other,
        })
    });
    let tag_ok = filter
        .tags
        .as_ref()
        .is_none_or(|wanted| tags.iter().any(|t| wanted.contains(t)));
    method_ok && tag_ok
}

/// Why a filter cannot be used for a server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// `methods: []` keeps nothing.
    #[error(
        "config.methods is an empty list, which keeps no tool; omit it to allow every \
         method, or list entries such as \"read\" or \"write\""
    )]
    EmptyMethods,
    /// `tags: []` keeps nothing.
    #[error(
        "config.tags is an empty list, which keeps no tool; omit it to allow every tag, \
         or list the tags to keep"
    )]
    EmptyTags,
    /// Entries of `methods` that are neither keywords nor documented method keys.
    #[error(
        "config.methods has unknown entries {}; use \"read\" (get + list), \"write\" \
         (create + update + delete) or a documented method: {}",
        quoted(.unknown),
        .known.join(", ")
    )]
    UnknownMethods {
        unknown: Vec<String>,
        known: Vec<String>,
    },
    /// Entries of `tags` no resource carries.
    #[error("config.tags has unknown tags {}; known tags: {}", quoted(.unknown), .known.join(", "))]
    UnknownTags {
        unknown: Vec<String>,
        known: Vec<String>,
    },
    /// Every entry is known, but no tool has both a kept method and a kept tag.
    /// (`None` = that side was not restricted.)
    #[error(
        "this filter leaves no tool: no documented resource with {} has {}; widen \
         config.methods or config.tags",
        restricted(.tags.as_deref(), "any tag", "tags"),
        restricted(.methods.as_deref(), "any method", "methods")
    )]
    NoTools {
        methods: Option<Vec<String>>,
        tags: Option<Vec<String>>,
    },
}

/// `tags ["a", "b"]`, or `any tag` when that side was not restricted.
fn restricted(items: Option<&[String]>, any: &str, kind: &str) -> String {
    items.map_or(any.to_string(), |items| format!("{kind} {}", quoted(items)))
}

fn quoted(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", inner.join(", "))
}

/// Checks `filter` against the catalog's vocabulary; Ok(number of tools kept), counted
/// by `kept`.
pub fn check(
    method_keys: &BTreeSet<String>,
    tags: &BTreeSet<String>,
    filter: &ToolFilter,
    kept: impl FnOnce(&ToolFilter) -> usize,
) -> Result<usize, FilterError> {
    if let Some(methods) = &filter.methods {
        if methods.is_empty() {
            return Err(FilterError::EmptyMethods);
        }
        let unknown: Vec<String> = methods
            .iter()
            .filter(|m| m.as_str() != READ && m.as_str() != WRITE && !method_keys.contains(*m))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            let mut known = vec![READ.to_string(), WRITE.to_string()];
            known.extend(method_keys.iter().cloned());
            return Err(FilterError::UnknownMethods { unknown, known });
        }
    }
    if let Some(wanted) = &filter.tags {
        if wanted.is_empty() {
            return Err(FilterError::EmptyTags);
        }
        let unknown: Vec<String> = wanted
            .iter()
            .filter(|t| !tags.contains(*t))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(FilterError::UnknownTags {
                unknown,
                known: tags.iter().cloned().collect(),
            });
        }
    }
    match kept(filter) {
        0 => Err(FilterError::NoTools {
            methods: filter.methods.clone(),
            tags: filter.tags.clone(),
        }),
        n => Ok(n),
    }
}
