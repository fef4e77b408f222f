//! `search {query}`: record numbers the query names, published knowledge articles (the
//! Knowledge API, or the Table API on kb_knowledge where the plugin is absent) and open
//! incidents, problems and changes whose short description matches; ranked, deduplicated,
//! at most [`MAX_RESULTS`]. Only tables the server reads are ever queried.

use super::super::query::equality_condition;
use super::super::CallOutcome;
use super::ids::{query_numbers, query_words, record_url, result_id};
use super::session::Session;
use crate::ports::{Clock, KvStore, Upstream};
use crate::servicenow::refusal::ArgumentError;
use serde_json::{json, Value};
use snmcp_catalog::answers::{KNOWLEDGE_TABLE, QUERY_MAX_CHARS, RECORD_TABLES};
use snmcp_catalog::{Catalog, ToolFilter};
use std::cmp::Ordering;

/// OpenAI's contract caps nothing, but a model reads every result: 20 is plenty.
pub const MAX_RESULTS: usize = 20;
const KNOWLEDGE_PATH: &str = "/api/sn_km_api/knowledge/articles";

/// Why a result is in the list; decides its rank.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The query named this record's number.
    Number,
    /// A knowledge article, with the Knowledge API's score (or words matched in the title
    /// for the Table API fallback).
    Article { score: f64 },
    /// An open record whose short description has `matched` of the query's words.
    Record { matched: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub url: String,
    pub reason: Reason,
    /// `sys_updated_on` (`YYYY-MM-DD hh:mm:ss` sorts as text), "" when unknown.
    pub updated: String,
}

/// Numbers first, then articles by score, then records by words matched; ties by
/// recency. Duplicates keep their best rank; at most [`MAX_RESULTS`].
pub fn rank(mut hits: Vec<Hit>) -> Vec<Hit> {
    fn tier(reason: &Reason) -> (u8, f64) {
        match reason {
            Reason::Number => (0, 0.0),
            Reason::Article { score } => (1, -score),
            Reason::Record { matched } => (2, -(*matched as f64)),
        }
    }
    hits.sort_by(|a, b| {
        let (ta, sa) = tier(&a.reason);
        let (tb, sb) = tier(&b.reason);
        ta.cmp(&tb)
            .then(sa.partial_cmp(&sb).unwrap_or(Ordering::Equal))
            .then_with(|| b.updated.cmp(&a.updated))
    });
    let mut seen = std::collections::BTreeSet::new();
    hits.retain(|hit| seen.insert(hit.id.clone()));
    hits.truncate(MAX_RESULTS);
    hits
}

/// Checks the query before any request: non-empty, not too long.
pub fn check_query(query: Option<&Value>) -> Result<String, ArgumentError> {
    let Some(Value::String(query)) = query else {
        return Err("search needs a query: a string of words or a record number, e.g. {\"query\": \"reset VPN token\"}.".into());
    };
    let query = query.trim();
    if query.is_empty() {
        return Err("The search query is empty; pass some words or a record number.".into());
    }
    let chars = query.chars().count();
    if chars > QUERY_MAX_CHARS {
        return Err(ArgumentError(format!(
            "The search query is {chars} characters long; keep it under {QUERY_MAX_CHARS} (a few key words work best)."
        )));
    }
    Ok(query.to_string())
}

pub async fn search<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    catalog: &Catalog,
    filter: &ToolFilter,
    query: &str,
) -> CallOutcome {
    let words = query_words(query);
    let mut hits = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    // A 429 stops the whole search; other failures only lose that part.
    macro_rules! part {
        ($e:expr) => {
            match $e {
                Ok(found) => hits.extend(found),
                Err(CallOutcome::Failure { message, .. }) => problems.push(message),
                Err(other) => return other,
            }
        };
    }
    for (prefix, number) in query_numbers(query) {
        if let Some(resource) = catalog.readable_by_prefix(&prefix, filter) {
            let table = resource.table.clone();
            part!(by_number(session, &table, &number).await);
        }
    }
    if !words.is_empty() {
        if catalog.readable(KNOWLEDGE_TABLE, filter) {
            part!(knowledge(session, query, &words).await);
        }
        for table in RECORD_TABLES {
            if catalog.readable(table, filter) {
                part!(open_records(session, table, &words).await);
            }
        }
    }
    let ranked = rank(hits);
    if ranked.is_empty() && !problems.is_empty() {
        return session.failure(problems.join(" "), None);
    }
    let results: Vec<Value> = ranked
        .into_iter()
        .map(|h| json!({"id": h.id, "title": h.title, "url": h.url}))
        .collect();
    session.success(json!({ "results": results }))
}

fn text(row: &Value, field: &str) -> String {
    match row.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("display_value")
            .or_else(|| o.get("value"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

fn title_of(row: &Value) -> String {
    let number = text(row, "number");
    let short = text(row, "short_description");
    match (number.is_empty(), short.is_empty()) {
        (false, false) => format!("{number}: {short}"),
        (false, true) => number,
        (true, false) => short,
        (true, true) => text(row, "sys_id"),
    }
}

/// Words of `words` that `text` contains (ASCII case-insensitive).
fn matched_words(text: &str, words: &[String]) -> usize {
    let lower = text.to_ascii_lowercase();
    words.iter().filter(|w| lower.contains(w.as_str())).count()
}

fn rows_to_hits(
    session: &Session<'_, '_, impl KvStore, impl Upstream, impl Clock>,
    table: &str,
    rows: &Value,
    reason: impl Fn(&Value) -> Reason,
) -> Vec<Hit> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    let sys_id = text(row, "sys_id");
                    (!sys_id.is_empty()).then(|| Hit {
                        id: result_id(table, &sys_id),
                        title: title_of(row),
                        url: record_url(session.instance(), table, &sys_id),
                        reason: reason(row),
                        updated: text(row, "sys_updated_on"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

const LIST_FIELDS: &str = "sys_id,number,short_description,sys_updated_on";

async fn by_number<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    table: &str,
    number: &str,
) -> Result<Vec<Hit>, CallOutcome> {
    let condition =
        equality_condition("number", number).map_err(|e| session.failure(String::from(e), None))?;
    let url = session.url(
        &format!("/api/now/table/{table}"),
        &[
            ("sysparm_query", condition),
            ("sysparm_fields", LIST_FIELDS.into()),
            ("sysparm_limit", "1".into()),
        ],
    );
    let what = format!("the lookup of {number}");
    let response = session.get(url, &what).await?;
    let rows = session.result(&response, &what)?;
    Ok(rows_to_hits(session, table, &rows, |_| Reason::Number))
}

/// Knowledge API search; where the plugin is absent (404, or 400 on some releases) the
/// Table API on kb_knowledge with the query's words.
async fn knowledge<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    query: &str,
    words: &[String],
) -> Result<Vec<Hit>, CallOutcome> {
    let url = session.url(
        KNOWLEDGE_PATH,
        &[
            ("query", query.to_string()),
            ("limit", MAX_RESULTS.to_string()),
            ("fields", "sys_updated_on".into()),
        ],
    );
    let what = "the knowledge search";
    let response = session.get(url, what).await?;
    if matches!(response.status, 400 | 404) {
        return knowledge_by_table(session, words).await;
    }
    let result = session.result(&response, what)?;
    let articles = result
        .get("articles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(articles
        .iter()
        .filter_map(|article| {
            let sys_id = article.get("id").and_then(Value::as_str)?;
            let number = text(article, "number");
            let title = text(article, "title");
            let score = article.get("score").and_then(Value::as_f64).unwrap_or(0.0);
            let updated = article
                .pointer("/fields/sys_updated_on")
                .map(|f| match f {
                    Value::Object(o) => o.get("value").and_then(Value::as_str).unwrap_or(""),
                    Value::String(s) => s.as_str(),
                    _ => "",
                })
                .unwrap_or("")
                .to_string();
            Some(Hit {
                id: result_id(KNOWLEDGE_TABLE, sys_id),
                title: if number.is_empty() {
                    title
                } else {
                    format!("{number}: {title}")
                },
                url: record_url(session.instance(), KNOWLEDGE_TABLE, sys_id),
                reason: Reason::Article { score },
                updated,
            })
        })
        .collect())
}

/// `field LIKE w1 OR field LIKE w2 ...` (words are query-safe, see `query_words`).
fn any_word(fields: &[&str], words: &[String]) -> String {
    let mut parts = Vec::new();
    for word in words {
        for field in fields {
            parts.push(format!("{field}LIKE{word}"));
        }
    }
    parts.join("^OR")
}

async fn knowledge_by_table<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    words: &[String],
) -> Result<Vec<Hit>, CallOutcome> {
    let query = format!(
        "workflow_state=published^{}^ORDERBYDESCsys_updated_on",
        any_word(&["short_description", "text"], words)
    );
    let url = session.url(
        &format!("/api/now/table/{KNOWLEDGE_TABLE}"),
        &[
            ("sysparm_query", query),
            ("sysparm_fields", LIST_FIELDS.into()),
            ("sysparm_limit", MAX_RESULTS.to_string()),
        ],
    );
    let what = "the knowledge search (Table API; the Knowledge API plugin is not installed)";
    let response = session.get(url, what).await?;
    let rows = session.result(&response, what)?;
    Ok(rows_to_hits(session, KNOWLEDGE_TABLE, &rows, |row| {
        Reason::Article {
            // No relevance score here: words in the title first.
            score: matched_words(&text(row, "short_description"), words) as f64,
        }
    }))
}

async fn open_records<K: KvStore, U: Upstream, C: Clock>(
    session: &mut Session<'_, '_, K, U, C>,
    table: &str,
    words: &[String],
) -> Result<Vec<Hit>, CallOutcome> {
    let query = format!(
        "active=true^{}^ORDERBYDESCsys_updated_on",
        any_word(&["short_description"], words)
    );
    let url = session.url(
        &format!("/api/now/table/{table}"),
        &[
            ("sysparm_query", query),
            ("sysparm_fields", LIST_FIELDS.into()),
            ("sysparm_limit", MAX_RESULTS.to_string()),
        ],
    );
    let what = format!("the search of open {table} records");
    let response = session.get(url, &what).await?;
    let rows = session.result(&response, &what)?;
    Ok(rows_to_hits(session, table, &rows, |row| Reason::Record {
        matched: matched_words(&text(row, "short_description"), words),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, reason: Reason, updated: &str) -> Hit {
        Hit {
            id: id.into(),
            title: id.into(),
            url: String::new(),
            reason,
            updated: updated.into(),
        }
    }

    #[test]
    fn results_rank_numbers_then_articles_by_score_then_records_then_recency() {
        let hits = vec![
            hit(
                "incident:old",
                Reason::Record { matched: 2 },
                "2026-01-01 00:00:00",
            ),
            hit(
                "kb_knowledge:low",
                Reason::Article { score: 3.5 },
                "2026-06-01 00:00:00",
            ),
            hit(
                "incident:new",
                Reason::Record { matched: 2 },
                "2026-05-01 00:00:00",
            ),
            hit(
                "incident:one-word",
                Reason::Record { matched: 1 },
                "2026-12-01 00:00:00",
            ),
            hit(
                "kb_knowledge:high",
                Reason::Article { score: 17.0 },
                "2020-01-01 00:00:00",
            ),
            hit("incident:named", Reason::Number, ""),
            // The same record found twice keeps its best rank.
            hit("incident:named", Reason::Record { matched: 1 }, ""),
            hit(
                "kb_knowledge:tie-new",
                Reason::Article { score: 3.5 },
                "2026-07-01 00:00:00",
            ),
        ];
        let ids: Vec<String> = rank(hits).into_iter().map(|h| h.id).collect();
        assert_eq!(
            ids,
            [
                "incident:named",
                "kb_knowledge:high",
                "kb_knowledge:tie-new",
                "kb_knowledge:low",
                "incident:new",
                "incident:old",
                "incident:one-word"
            ]
        );
    }

    #[test]
    fn at_most_twenty_results() {
        let hits = (0..50)
            .map(|i| hit(&format!("incident:{i}"), Reason::Record { matched: 1 }, ""))
            .collect();
        assert_eq!(rank(hits).len(), MAX_RESULTS);
    }

    #[test]
    fn queries_are_checked_before_any_request() {
        assert_eq!(check_query(Some(&json!("  vpn  "))), Ok("vpn".to_string()));
        for bad in [
            json!(""),
            json!("   "),
            json!(7),
            json!("x".repeat(QUERY_MAX_CHARS + 1)),
        ] {
            assert!(check_query(Some(&bad)).is_err(), "{bad}");
        }
        assert!(check_query(None).is_err());
    }

    #[test]
    fn word_conditions_or_every_word_over_every_field() {
        let words = vec!["vpn".to_string(), "token".to_string()];
        assert_eq!(
            any_word(&["short_description", "text"], &words),
            "short_descriptionLIKEvpn^ORtextLIKEvpn^ORshort_descriptionLIKEtoken^ORtextLIKEtoken"
        );
    }
}
