//! The Knowledge Management REST API (ServiceNow docs "Knowledge Management REST API",
//! plugin sn_km_api): `GET /api/sn_km_api[/v1]/knowledge/articles` (text search over
//! published articles with a relevance score, `filter`, `kb`, `fields`, `limit`,
//! `offset`) and `GET .../articles/{sys_id or number}` (the article with `content`).
//! Switched off (`knowledge_api: false` in `/__sim/config`), it answers like an instance
//! without the plugin: 404 on every path.

use crate::access::Account;
use crate::http::{Params, Request, Response};
use crate::query::EncodedQuery;
use crate::render::Renderer;
use crate::schema::Table;
use crate::store::Row;
use serde_json::{json, Map, Value};

const TABLE: &str = "kb_knowledge";
/// `limit` when none is given (ServiceNow's documented default).
pub const DEFAULT_LIMIT: usize = 30;

/// A Knowledge API path, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnowledgeRoute {
    Articles,
    Article(String),
    /// Under `/api/sn_km_api/` but not a resource the simulator serves.
    Other,
}

/// `Some` for every path under `/api/sn_km_api/`.
pub fn parse_route(path: &str) -> Option<KnowledgeRoute> {
    let rest = path.strip_prefix("/api/sn_km_api/")?;
    let rest = rest.strip_prefix("v1/").unwrap_or(rest);
    let rest = rest.trim_end_matches('/');
    Some(match rest.strip_prefix("knowledge/articles") {
        Some("") => KnowledgeRoute::Articles,
        Some(id) if id.starts_with('/') && id.len() > 1 && !id[1..].contains('/') => {
            KnowledgeRoute::Article(id[1..].to_string())
        }
        _ => KnowledgeRoute::Other,
    })
}

/// The answer of an instance without the plugin.
pub fn plugin_absent() -> Response {
    Response::error(404, "Requested URI does not represent any resource", None)
}

/// Answers one Knowledge API request for `account`.
pub fn handle<'a>(
    renderer: &Renderer<'a>,
    table: &'a Table,
    account: &Account,
    route: &KnowledgeRoute,
    request: &Request,
) -> Response {
    if !request.method.eq_ignore_ascii_case("GET") {
        return Response::error(
            405,
            "Method not Supported",
            Some("Requested method is not supported by this API"),
        )
        .with_header("Allow", "GET");
    }
    let params = request.params();
    let visible = |row: &'a Row| {
        !account
            .access
            .row_filters(TABLE)
            .iter()
            .any(|rule| rule.matches(&renderer.view(table, row)))
    };
    match route {
        KnowledgeRoute::Articles => list(renderer, table, &params, &visible),
        KnowledgeRoute::Article(id) => article(renderer, table, id, &visible),
        KnowledgeRoute::Other => plugin_absent(),
    }
}

fn published(row: &Row) -> bool {
    row.get("workflow_state").is_some_and(|s| s == "published")
        && row.get("active").is_none_or(|a| a != "false")
}

fn list<'a>(
    renderer: &Renderer<'a>,
    table: &'a Table,
    params: &Params,
    visible: &dyn Fn(&'a Row) -> bool,
) -> Response {
    let query = params.get("query").unwrap_or("").trim().to_string();
    let filter_text = params.get("filter").unwrap_or("").to_string();
    let filter = EncodedQuery::parse(&filter_text);
    let kbs: Vec<&str> = params
        .get("kb")
        .map(|k| {
            k.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let fields: Vec<String> = params
        .get("fields")
        .map(|f| {
            f.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let limit = params.limit("limit", DEFAULT_LIMIT);
    let offset = params.offset("offset");
    let words = words(&query);
    let mut scored: Vec<(f64, &Row)> = renderer
        .store
        .rows(TABLE)
        .into_iter()
        .filter(|row| published(row) && visible(row))
        .filter(|row| {
            kbs.is_empty()
                || row
                    .get("kb_knowledge_base")
                    .is_some_and(|kb| kbs.contains(&kb.as_str()))
        })
        .filter(|row| filter_text.trim().is_empty() || filter.matches(&renderer.view(table, row)))
        .map(|row| (score(&query, &words, row), row))
        .filter(|(score, _)| query.is_empty() || *score > 0.0)
        .collect();
    scored.sort_by(|(sa, ra), (sb, rb)| {
        sb.partial_cmp(sa)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| rb.get("sys_updated_on").cmp(&ra.get("sys_updated_on")))
    });
    let count = scored.len();
    let articles: Vec<Value> = scored
        .into_iter()
        .enumerate()
        .skip(offset)
        .take(limit)
        .map(|(i, (score, row))| {
            let sys_id = row.get("sys_id").cloned().unwrap_or_default();
            let mut field_values = Map::new();
            for field in &fields {
                field_values.insert(field.clone(), field_object(renderer, table, row, field));
            }
            json!({
                "link": format!("?id=kb_article_view&sys_kb_id={sys_id}"),
                "rank": i + 1,
                "id": sys_id,
                "title": row.get("short_description").cloned().unwrap_or_default(),
                "snippet": snippet(row, &words),
                "score": score,
                "number": row.get("number").cloned().unwrap_or_default(),
                "fields": field_values,
            })
        })
        .collect();
    let end = offset + articles.len();
    Response::json(
        200,
        &json!({"result": {
            "meta": {
                "start": offset,
                "end": end,
                "fields": fields.join(","),
                "query": query,
                "filter": filter_text,
                "kb": kbs.join(","),
                "language": "en",
                "count": count,
                "status": {"code": 200},
            },
            "articles": articles,
        }}),
    )
}

fn field_object(renderer: &Renderer<'_>, table: &Table, row: &Row, field: &str) -> Value {
    let value = row.get(field).cloned().unwrap_or_default();
    let label = field
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_uppercase().collect::<String>() + c.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "display_value": renderer.column_display(table, row, field),
        "name": field,
        "label": label,
        "type": table.field(field).map_or("string", |f| type_name(f.field_type)),
        "value": value,
    })
}

fn type_name(t: crate::schema::FieldType) -> &'static str {
    use crate::schema::FieldType::*;
    match t {
        String | Url | Email => "string",
        Integer => "integer",
        Decimal => "decimal",
        Boolean => "boolean",
        Date => "glide_date",
        Datetime => "glide_date_time",
        Reference => "reference",
        Choice => "choice",
        Html => "html",
        Journal => "journal",
    }
}

fn article<'a>(
    renderer: &Renderer<'a>,
    table: &'a Table,
    id: &str,
    visible: &dyn Fn(&'a Row) -> bool,
) -> Response {
    let row = renderer
        .store
        .get(TABLE, id)
        .or_else(|| renderer.store.find_by(TABLE, "number", id));
    let Some(row) = row.filter(|r| published(r) && visible(r)) else {
        return Response::error(
            404,
            "Record not found",
            Some(&format!("No published article with id or number {id}")),
        );
    };
    let mut fields = Map::new();
    for field in [
        "short_description",
        "number",
        "kb_category",
        "kb_knowledge_base",
        "author",
        "sys_updated_on",
        "workflow_state",
    ] {
        fields.insert(field.to_string(), field_object(renderer, table, row, field));
    }
    Response::json(
        200,
        &json!({"result": {
            "content": row.get("text").cloned().unwrap_or_default(),
            "template": false,
            "sys_id": row.get("sys_id").cloned().unwrap_or_default(),
            "number": row.get("number").cloned().unwrap_or_default(),
            "short_description": row.get("short_description").cloned().unwrap_or_default(),
            "display_attachments": false,
            "attachments": [],
            "embedded_content": [],
            "fields": fields,
        }}),
    )
}

/// Lower-cased words of a query (two characters or more).
fn words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .map(|w| w.trim_matches(['-', '.']).to_lowercase())
        .filter(|w| w.chars().count() >= 2)
        .collect()
}

/// Tags removed, common entities decoded, whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Relevance: each query word counts 3 per occurrence in the title and 1 in the body;
/// the whole query as a phrase adds 10. Rounded to two decimals, like a search score.
pub fn score(query: &str, words: &[String], row: &Row) -> f64 {
    if words.is_empty() {
        return 0.0;
    }
    let title = row
        .get("short_description")
        .map(|t| t.to_lowercase())
        .unwrap_or_default();
    let body = plain_text(row.get("text").map(String::as_str).unwrap_or("")).to_lowercase();
    let mut total = 0.0;
    for word in words {
        total += 3.0 * title.matches(word.as_str()).count() as f64;
        total += body.matches(word.as_str()).count() as f64;
    }
    let phrase = query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if words.len() > 1 && (title.contains(&phrase) || body.contains(&phrase)) {
        total += 10.0;
    }
    (total * 100.0).round() / 100.0
}

/// About 160 characters of the body around the first matched word.
fn snippet(row: &Row, words: &[String]) -> String {
    let body = plain_text(row.get("text").map(String::as_str).unwrap_or(""));
    let lower = body.to_lowercase();
    let at = words
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .unwrap_or(0);
    // Byte offsets of `lower` match `body` only for ASCII; fall back to the start.
    let start_chars = if body.is_ascii() {
        body[..at].chars().count().saturating_sub(40)
    } else {
        0
    };
    let text: String = body.chars().skip(start_chars).take(160).collect();
    if start_chars > 0 {
        format!("...{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str, text: &str) -> Row {
        [
            ("short_description", title),
            ("text", text),
            ("workflow_state", "published"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn routes_cover_the_knowledge_namespace() {
        assert_eq!(
            parse_route("/api/sn_km_api/knowledge/articles"),
            Some(KnowledgeRoute::Articles)
        );
        assert_eq!(
            parse_route("/api/sn_km_api/v1/knowledge/articles/"),
            Some(KnowledgeRoute::Articles)
        );
        assert_eq!(
            parse_route("/api/sn_km_api/knowledge/articles/KB0010001"),
            Some(KnowledgeRoute::Article("KB0010001".into()))
        );
        assert_eq!(
            parse_route("/api/sn_km_api/knowledge/articles/a/b"),
            Some(KnowledgeRoute::Other)
        );
        assert_eq!(
            parse_route("/api/sn_km_api/knowledge/featured"),
            Some(KnowledgeRoute::Other)
        );
        assert_eq!(parse_route("/api/now/table/kb_knowledge"), None);
    }

    #[test]
    fn scores_weigh_titles_bodies_and_phrases() {
        let words = words("reset VPN");
        let title_hit = row("Reset the VPN", "<p>nothing</p>");
        let body_hit = row("Other", "<p>reset vpn, reset</p>");
        assert_eq!(score("reset VPN", &words, &title_hit), 3.0 + 3.0);
        assert_eq!(score("reset VPN", &words, &body_hit), 2.0 + 1.0 + 10.0);
        assert_eq!(
            score("reset VPN", &words, &row("Printers", "<p>toner</p>")),
            0.0
        );
        assert_eq!(score("", &[], &title_hit), 0.0);
    }

    #[test]
    fn plain_text_drops_tags_and_decodes() {
        assert_eq!(plain_text("<p>a &amp; b</p><ol><li>c</li></ol>"), "a & b c");
    }
}
