//! `fetch {id}`: one knowledge article as plain text (its HTML body made readable, cut at
//! [`MAX_TEXT_CHARS`]) or one record as readable text (number, short description, state
//! and priority as labels, assignment, description, latest work notes and comments from
//! sys_journal_field when the server exposes it), with key fields in `metadata`.

use super::super::query::equality_condition;
use super::super::CallOutcome;
use super::html::{cut, html_to_text};
use super::ids::{record_url, result_id, RecordId};
use super::session::Session;
use crate::ports::{Clock, KvStore, Upstream};
use serde_json::{json, Map, Value};
use snmcp_catalog::answers::{JOURNAL_TABLE, KNOWLEDGE_TABLE};
use snmcp_catalog::{Catalog, FieldType, ResourceSpec, ToolFilter};

/// The longest `text` fetch returns (characters); longer bodies end with a note.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Journal entries shown for a record, newest first.
pub const JOURNAL_ENTRIES: usize = 10;

/// Short fields shown as `Label: value` lines, when the record has them.
const SUMMARY_FIELDS: &[(&str, &str)] = &[
    ("State", "state"),
    ("Priority", "priority"),
    ("Impact", "impact"),
    ("Urgency", "urgency"),
    ("Type", "type"),
    ("Risk", "risk"),
    ("Category", "category"),
    ("Assignment group", "assignment_group"),
    ("Assigned to", "assigned_to"),
    ("Caller", "caller_id"),
    ("Requested for", "requested_for"),
    ("Requested by", "requested_by"),
    ("Configuration item", "cmdb_ci"),
    ("Service", "business_service"),
    ("Problem", "problem_id"),
    ("Knowledge base", "kb_knowledge_base"),
    ("Article category", "kb_category"),
    ("Workflow state", "workflow_state"),
    ("Author", "author"),
    ("Published", "published"),
    ("Opened", "opened_at"),
    ("Planned start", "start_date"),
    ("Planned end", "end_date"),
    ("Resolved", "resolved_at"),
    ("Close code", "close_code"),
    ("Updated", "sys_updated_on"),
];

/// Long fields shown as sections.
const SECTIONS: &[(&str, &str)] = &[
    ("Description", "description"),
    ("Workaround", "workaround"),
    ("Cause", "cause_notes"),
    ("Fix", "fix_notes"),
    ("Justification", "justification"),
    ("Implementation plan", "implementation_plan"),
    ("Backout plan", "backout_plan"),
    ("Test plan", "test_plan"),
    ("Close notes", "close_notes"),
];

/// Fields copied into `metadata` (display values), when present.
const METADATA_FIELDS: &[&str] = &[
    "number",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
    "workflow_state",
    "kb_knowledge_base",
    "kb_category",
    "author",
    "published",
    "sys_updated_on",
];

pub async fn fetch<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    catalog: &Catalog,
    filter: &ToolFilter,
    id: RecordId,
) -> CallOutcome {
    match run(session, catalog, filter, id).await {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

async fn run<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    catalog: &Catalog,
    filter: &ToolFilter,
    id: RecordId,
) -> Result<CallOutcome, CallOutcome> {
    let table = id.table().to_string();
    let Some(resource) = catalog.resource_for_table(&table) else {
        return Err(session.failure(format!("This server cannot read the table {table}."), None));
    };
    let display = [
        ("sysparm_display_value", "all".to_string()),
        ("sysparm_exclude_reference_link", "true".to_string()),
    ];
    let record = match &id {
        RecordId::SysId { sys_id, .. } => {
            let url = session.url(&format!("/api/now/table/{table}/{sys_id}"), &display);
            let what = format!("the read of {table} {sys_id}");
            let response = session.get(url, &what).await?;
            if response.status == 404 {
                return Err(session.failure(
                    format!("No {} with sys_id {sys_id} (it does not exist or access controls hide it); search again for a current id.", resource.title),
                    Some(404),
                ));
            }
            session.result(&response, &what)?
        }
        RecordId::Number { number, .. } => {
            let condition = equality_condition("number", number)
                .map_err(|e| session.failure(String::from(e), None))?;
            let mut params = vec![("sysparm_query", condition), ("sysparm_limit", "1".into())];
            params.extend(display.iter().cloned());
            let url = session.url(&format!("/api/now/table/{table}"), &params);
            let what = format!("the lookup of {number}");
            let response = session.get(url, &what).await?;
            let rows = session.result(&response, &what)?;
            match rows.as_array().and_then(|rows| rows.first()) {
                Some(row) => row.clone(),
                None => {
                    return Err(session.failure(
                        format!("No {} has the number {number} (or access controls hide it); check the number, or use search.", resource.title),
                        None,
                    ))
                }
            }
        }
    };
    let Value::Object(record) = record else {
        return Err(session.failure(
            format!("ServiceNow answered the read of {table} without a record."),
            None,
        ));
    };
    let sys_id = value(&record, "sys_id");
    let journal = if table == KNOWLEDGE_TABLE || sys_id.is_empty() {
        None
    } else if catalog.readable(JOURNAL_TABLE, filter) {
        Some(journal(session, &sys_id).await?)
    } else {
        Some(Err(
            "Work notes and comments are not shown: this server does not expose sys_journal_field."
                .to_string(),
        ))
    };
    let document = render(resource, &record, journal);
    Ok(session.success(json!({
        "id": result_id(&table, &sys_id),
        "title": document.title,
        "text": document.text,
        "url": record_url(session.instance(), &table, &sys_id),
        "metadata": document.metadata,
    })))
}

/// One journal entry, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub element: String,
    pub created_on: String,
    pub created_by: String,
    pub value: String,
}

/// The record's latest work notes and comments, or why they could not be read (a
/// failure here does not fail the fetch; a 429 does).
async fn journal<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    sys_id: &str,
) -> Result<Result<Vec<JournalEntry>, String>, CallOutcome> {
    let url = session.url(
        &format!("/api/now/table/{JOURNAL_TABLE}"),
        &[
            (
                "sysparm_query",
                format!("element_id={sys_id}^ORDERBYDESCsys_created_on"),
            ),
            (
                "sysparm_fields",
                "element,value,sys_created_on,sys_created_by".into(),
            ),
            ("sysparm_limit", JOURNAL_ENTRIES.to_string()),
        ],
    );
    let what = "the read of work notes and comments";
    let response = session.get(url, what).await?;
    Ok(match session.result(&response, what) {
        Ok(rows) => Ok(rows
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(Value::as_object)
                    .map(|row| JournalEntry {
                        element: value(row, "element"),
                        created_on: value(row, "sys_created_on"),
                        created_by: value(row, "sys_created_by"),
                        value: value(row, "value"),
                    })
                    .collect()
            })
            .unwrap_or_default()),
        Err(CallOutcome::Failure { message, .. }) => Err(format!(
            "Work notes and comments could not be read: {message}"
        )),
        Err(_) => Err("Work notes and comments could not be read.".to_string()),
    })
}

/// The stored value of a field, whether plain or `{value, display_value}`.
fn value(record: &Map<String, Value>, field: &str) -> String {
    match record.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// What a person sees: the display value (choice label, referenced record's name),
/// else the stored value.
fn label(record: &Map<String, Value>, field: &str) -> String {
    match record.get(field) {
        Some(Value::Object(o)) => o
            .get("display_value")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .or_else(|| o.get("value").and_then(Value::as_str))
            .unwrap_or("")
            .to_string(),
        _ => value(record, field),
    }
}

/// Title, text and metadata of a fetched record.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub text: String,
    pub metadata: Map<String, Value>,
}

pub fn render(
    resource: &ResourceSpec,
    record: &Map<String, Value>,
    journal: Option<Result<Vec<JournalEntry>, String>>,
) -> Document {
    let number = label(record, "number");
    let short = label(record, "short_description");
    let headline = match (number.is_empty(), short.is_empty()) {
        (false, false) => format!("{number}: {short}"),
        (false, true) => number.clone(),
        (true, false) => short.clone(),
        (true, true) => {
            let shown = label(record, &resource.display_field);
            if shown.is_empty() {
                value(record, "sys_id")
            } else {
                shown
            }
        }
    };
    let mut metadata = Map::new();
    metadata.insert("table".into(), Value::String(resource.table.clone()));
    metadata.insert("sys_id".into(), Value::String(value(record, "sys_id")));
    for field in METADATA_FIELDS {
        let shown = label(record, field);
        if !shown.is_empty() {
            metadata.insert((*field).to_string(), Value::String(shown));
        }
    }
    let (text, whole) = if resource.table == KNOWLEDGE_TABLE {
        article_text(&headline, &value(record, "text"))
    } else {
        record_text(resource, record, &headline, journal)
    };
    Document {
        title: if resource.table == KNOWLEDGE_TABLE && !short.is_empty() {
            short
        } else {
            headline
        },
        text: cut(text, MAX_TEXT_CHARS, "Text", whole),
        metadata,
    }
}

/// The article as text, and whether its body converted whole (within the text cap).
fn article_text(headline: &str, body_html: &str) -> (String, bool) {
    let (body, whole) = html_to_text(body_html, MAX_TEXT_CHARS);
    let text = if body.is_empty() {
        format!("{headline}\n\n(The article has no body text.)")
    } else {
        format!("{headline}\n\n{body}")
    };
    (text, whole)
}

fn record_text(
    resource: &ResourceSpec,
    record: &Map<String, Value>,
    headline: &str,
    journal: Option<Result<Vec<JournalEntry>, String>>,
) -> (String, bool) {
    let mut text = format!("{headline}\n{} ({})\n", resource.title, resource.table);
    let mut whole = true;
    for (name, field) in SUMMARY_FIELDS {
        let shown = label(record, field);
        if !shown.is_empty() {
            text.push_str(&format!("{name}: {shown}\n"));
        }
    }
    for (name, field) in SECTIONS {
        let raw = label(record, field);
        if raw.trim().is_empty() {
            continue;
        }
        let is_html = resource
            .fields
            .get(*field)
            .is_some_and(|f| f.field_type == FieldType::Html);
        let body = if is_html {
            let (body, converted) = html_to_text(&raw, MAX_TEXT_CHARS);
            whole &= converted;
            body
        } else {
            raw.trim().to_string()
        };
        text.push_str(&format!("\n{name}:\n{body}\n"));
    }
    match journal {
        None => {}
        Some(Ok(entries)) if entries.is_empty() => {
            text.push_str("\nWork notes and comments: none.\n");
        }
        Some(Ok(entries)) => {
            text.push_str("\nLatest work notes and comments (newest first):\n");
            for entry in entries {
                let kind = match entry.element.as_str() {
                    "work_notes" => "Work note",
                    "comments" => "Comment",
                    other => other,
                };
                text.push_str(&format!(
                    "- {} {} ({kind}): {}\n",
                    entry.created_on,
                    entry.created_by,
                    entry.value.trim()
                ));
            }
        }
        Some(Err(why)) => text.push_str(&format!("\n{why}\n")),
    }
    (text.trim_end().to_string(), whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(table: &str) -> std::sync::Arc<ResourceSpec> {
        Catalog::builtin()
            .unwrap()
            .resource_for_table(table)
            .unwrap()
            .clone()
    }

    fn dv(value: &str, display: &str) -> Value {
        json!({"value": value, "display_value": display})
    }

    #[test]
    fn a_record_reads_as_labelled_text_with_its_journal() {
        let record = json!({
            "sys_id": dv("abc", "abc"),
            "number": dv("INC0010001", "INC0010001"),
            "short_description": dv("VPN drops", "VPN drops"),
            "state": dv("2", "In Progress"),
            "priority": dv("3", "3 - Moderate"),
            "assignment_group": dv("0123", "Network Operations"),
            "assigned_to": dv("", ""),
            "description": dv("Drops every 10 minutes.", "Drops every 10 minutes."),
        });
        let journal = vec![JournalEntry {
            element: "work_notes".into(),
            created_on: "2026-11-02 10:00:00".into(),
            created_by: "sarah.connor".into(),
            value: "Collecting logs.".into(),
        }];
        let doc = render(
            &resource("incident"),
            record.as_object().unwrap(),
            Some(Ok(journal)),
        );
        assert_eq!(doc.title, "INC0010001: VPN drops");
        for line in [
            "INC0010001: VPN drops",
            "State: In Progress",
            "Priority: 3 - Moderate",
            "Assignment group: Network Operations",
            "Description:\nDrops every 10 minutes.",
            "- 2026-11-02 10:00:00 sarah.connor (Work note): Collecting logs.",
        ] {
            assert!(
                doc.text.contains(line),
                "{line} missing from:\n{}",
                doc.text
            );
        }
        assert!(
            !doc.text.contains("Assigned to"),
            "empty fields are left out"
        );
        assert_eq!(doc.metadata["state"], "In Progress");
        assert_eq!(doc.metadata["table"], "incident");
        assert_eq!(doc.metadata["number"], "INC0010001");
    }

    #[test]
    fn an_article_reads_as_its_body_without_html() {
        let record = json!({
            "sys_id": dv("kb1", "kb1"),
            "number": dv("KB0010002", "KB0010002"),
            "short_description": dv("How to reset your VPN connection", "How to reset your VPN connection"),
            "text": dv("<p>Quit the client.</p><ol><li>Reset</li></ol><script>x()</script>", ""),
            "workflow_state": dv("published", "Published"),
        });
        let doc = render(&resource("kb_knowledge"), record.as_object().unwrap(), None);
        assert_eq!(doc.title, "How to reset your VPN connection");
        assert_eq!(
            doc.text,
            "KB0010002: How to reset your VPN connection\n\nQuit the client.\n\n1. Reset"
        );
        assert_eq!(doc.metadata["workflow_state"], "Published");
    }

    #[test]
    fn a_huge_article_is_cut_with_a_note() {
        let body = "<p>".to_string() + &"lorem ipsum ".repeat(300_000) + "</p>";
        let record = json!({"sys_id": "kb1", "short_description": "Big", "text": body});
        let doc = render(&resource("kb_knowledge"), record.as_object().unwrap(), None);
        assert!(doc.text.chars().count() < MAX_TEXT_CHARS + 200);
        assert!(
            doc.text.ends_with("open the url for the rest.]"),
            "{}",
            &doc.text[doc.text.len() - 200..]
        );
    }

    #[test]
    fn an_unreadable_journal_is_said_not_hidden() {
        let record = json!({"sys_id": "abc", "number": "PRB0040001", "short_description": "Leak"});
        let doc = render(
            &resource("problem"),
            record.as_object().unwrap(),
            Some(Err(
                "Work notes and comments could not be read: HTTP 403".into()
            )),
        );
        assert!(doc
            .text
            .ends_with("Work notes and comments could not be read: HTTP 403"));
    }
}
