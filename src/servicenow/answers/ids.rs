//! Ids of the answer tools: `<table>:<sys_id>` (what search returns) or a record number
//! (`INC0010001`), checked against what the server may read; the record page URL; and
//! the words of a search query. Pure functions.

use super::super::request::SysId;
use crate::servicenow::refusal::ArgumentError;
use snmcp_catalog::{Catalog, ToolFilter};

/// A record `fetch` (or a number in a search) points at, on a table the server reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordId {
    SysId { table: String, sys_id: String },
    Number { table: String, number: String },
}

impl RecordId {
    pub fn table(&self) -> &str {
        match self {
            RecordId::SysId { table, .. } | RecordId::Number { table, .. } => table,
        }
    }
}

/// `<table>:<sys_id>` as search returns it.
pub fn result_id(table: &str, sys_id: &str) -> String {
    format!("{table}:{sys_id}")
}

pub use crate::servicenow::record_url;

/// `(prefix, number)` when `token` looks like a record number: letters then at least
/// four digits (`INC0010001`, `KB0010002`, `RITM0010001`), upper-cased.
pub fn split_number(token: &str) -> Option<(String, String)> {
    let token = token.trim();
    let letters = token.bytes().take_while(u8::is_ascii_alphabetic).count();
    let digits = &token[letters..];
    let valid = (1..=8).contains(&letters)
        && digits.len() >= 4
        && digits.len() <= 12
        && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| {
        let upper = token.to_ascii_uppercase();
        (upper[..letters].to_string(), upper)
    })
}

/// Parses a `fetch` id. The table must be one the server reads; a hidden table answers
/// exactly like an unknown one.
pub fn parse_fetch_id(
    catalog: &Catalog,
    filter: &ToolFilter,
    raw: &str,
) -> Result<RecordId, ArgumentError> {
    let raw = raw.trim();
    let unknown = || {
        format!(
            "Unknown id \"{}\": pass an id exactly as search returned it (kb_knowledge:<32-character sys_id>, incident:<sys_id>) or a record number such as INC0010001 or KB0010001.",
            raw.chars().take(80).collect::<String>()
        )
    };
    if let Some((table, rest)) = raw.split_once(':') {
        let table = table.trim();
        // Attachments and journal entries hold rows of every table: never fetched by id.
        let row_table = catalog
            .resource_for_table(table)
            .is_some_and(|r| r.row_table.is_some());
        if row_table || !catalog.readable(table, filter) {
            return Err(ArgumentError(format!(
                "This server cannot read the table \"{}\"; fetch works on ids from search and record numbers of the tables it exposes.",
                table.chars().take(80).collect::<String>()
            )));
        }
        let rest = rest.trim();
        if let Some(id) = SysId::parse(rest) {
            return Ok(RecordId::SysId {
                table: table.to_string(),
                sys_id: id.as_str().to_string(),
            });
        }
        return match split_number(rest) {
            Some((_, number)) => Ok(RecordId::Number {
                table: table.to_string(),
                number,
            }),
            None => Err(ArgumentError(unknown())),
        };
    }
    let Some((prefix, number)) = split_number(raw) else {
        return Err(ArgumentError(unknown()));
    };
    match catalog.readable_by_prefix(&prefix, filter) {
        Some(resource) => Ok(RecordId::Number {
            table: resource.table.clone(),
            number,
        }),
        None => Err(ArgumentError(format!(
            "No table this server reads numbers its records {prefix}…; pass an id from search, or a number such as INC0010001 of a table the server exposes."
        ))),
    }
}

/// Words that carry no meaning in a search ("how do I reset the VPN token?").
const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
    "has", "have", "how", "i", "in", "is", "it", "know", "me", "my", "of", "on", "or", "our",
    "the", "this", "to", "we", "what", "when", "where", "which", "who", "why", "with", "you",
    "your", "any", "there", "get", "did", "was",
];

/// The most words a text search sends.
pub const MAX_WORDS: usize = 8;

/// The meaningful words of a query, ASCII-lower-cased and deduplicated, without record
/// numbers: letters, digits, `-`, `_` and `.` only, so they are safe inside an encoded
/// query (no `^`, `=` or `,`).
pub fn query_words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    // ASCII rules only (non-ASCII characters stay inside words): Unicode case and
    // class tables would cost the bundle more than they give a LIKE search.
    let in_word =
        |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    for token in query.split(|c: char| !in_word(c)) {
        let word = token.trim_matches(['-', '_', '.']).to_ascii_lowercase();
        if word.chars().count() < 2
            || STOPWORDS.contains(&word.as_str())
            || split_number(&word).is_some()
            || words.contains(&word)
        {
            continue;
        }
        words.push(word);
        if words.len() == MAX_WORDS {
            break;
        }
    }
    words
}

/// The record numbers a query mentions, upper-cased, in order, deduplicated.
pub fn query_numbers(query: &str) -> Vec<(String, String)> {
    let mut numbers: Vec<(String, String)> = Vec::new();
    for token in query.split(|c: char| !c.is_ascii_alphanumeric()) {
        if let Some(found) = split_number(token) {
            if !numbers.iter().any(|(_, n)| *n == found.1) {
                numbers.push(found);
            }
        }
        if numbers.len() == 5 {
            break;
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(methods: Option<&[&str]>, tags: Option<&[&str]>) -> ToolFilter {
        ToolFilter {
            methods: methods.map(|m| m.iter().map(|s| s.to_string()).collect()),
            tags: tags.map(|t| t.iter().map(|s| s.to_string()).collect()),
            ..ToolFilter::default()
        }
    }

    #[test]
    fn fetch_ids_are_parsed_against_the_readable_tables() {
        let catalog = Catalog::builtin().unwrap();
        let all = ToolFilter::default();
        let sys_id = "46d44a5fa9fe198101cd4bc3a2ae2b7a";
        let cases: Vec<(&str, Result<RecordId, &str>)> = vec![
            (
                "kb_knowledge:46d44a5fa9fe198101cd4bc3a2ae2b7a",
                Ok(RecordId::SysId {
                    table: "kb_knowledge".into(),
                    sys_id: sys_id.into(),
                }),
            ),
            (
                " incident:46D44A5FA9FE198101CD4BC3A2AE2B7A ",
                Ok(RecordId::SysId {
                    table: "incident".into(),
                    sys_id: sys_id.into(),
                }),
            ),
            (
                "INC0010001",
                Ok(RecordId::Number {
                    table: "incident".into(),
                    number: "INC0010001".into(),
                }),
            ),
            (
                "kb0010002",
                Ok(RecordId::Number {
                    table: "kb_knowledge".into(),
                    number: "KB0010002".into(),
                }),
            ),
            (
                "RITM0010001",
                Ok(RecordId::Number {
                    table: "sc_req_item".into(),
                    number: "RITM0010001".into(),
                }),
            ),
            (
                "CHG0030001",
                Ok(RecordId::Number {
                    table: "change_request".into(),
                    number: "CHG0030001".into(),
                }),
            ),
            (
                "incident:INC0010001",
                Ok(RecordId::Number {
                    table: "incident".into(),
                    number: "INC0010001".into(),
                }),
            ),
            ("hello", Err("Unknown id")),
            ("", Err("Unknown id")),
            ("incident:123", Err("Unknown id")),
            (
                "no_such_table:46d44a5fa9fe198101cd4bc3a2ae2b7a",
                Err("cannot read the table"),
            ),
            // Rows of every table: never fetched by id, even on an unrestricted server.
            (
                "sys_journal_field:46d44a5fa9fe198101cd4bc3a2ae2b7a",
                Err("cannot read the table"),
            ),
            (
                "sys_attachment:46d44a5fa9fe198101cd4bc3a2ae2b7a",
                Err("cannot read the table"),
            ),
            ("ZZZ0010001", Err("No table this server reads")),
            ("INC12", Err("Unknown id")),
        ];
        for (raw, want) in cases {
            let got = parse_fetch_id(catalog, &all, raw);
            match want {
                Ok(id) => assert_eq!(got, Ok(id), "{raw}"),
                Err(fragment) => {
                    let message = got.expect_err(raw);
                    assert!(message.contains(fragment), "{raw}: {message}");
                }
            }
        }
        // A server whose tags hide knowledge cannot fetch an article, by id or number.
        let itsm = filter(None, Some(&["incident"]));
        assert!(parse_fetch_id(
            catalog,
            &itsm,
            "kb_knowledge:46d44a5fa9fe198101cd4bc3a2ae2b7a"
        )
        .is_err());
        assert!(parse_fetch_id(catalog, &itsm, "KB0010001").is_err());
        assert!(parse_fetch_id(catalog, &itsm, "INC0010001").is_ok());
        // Write-only servers read nothing.
        let write = filter(Some(&["write"]), None);
        assert!(parse_fetch_id(catalog, &write, "INC0010001").is_err());
    }

    #[test]
    fn numbers_and_words_are_split_from_a_query() {
        assert_eq!(
            split_number("inc0010001"),
            Some(("INC".into(), "INC0010001".into()))
        );
        assert_eq!(split_number("ORA-01033"), None);
        assert_eq!(split_number("2024"), None);
        assert_eq!(split_number("INC12"), None);
        assert_eq!(
            query_numbers("see INC0010001, and PRB0040001 (INC0010001)"),
            vec![
                ("INC".into(), "INC0010001".into()),
                ("PRB".into(), "PRB0040001".into())
            ]
        );
        assert_eq!(
            query_words("How do I reset the VPN token?"),
            vec!["reset", "vpn", "token"]
        );
        assert_eq!(
            query_words("ORA-01033 after INC0010001"),
            vec!["ora-01033", "after"]
        );
        // `^` and `=` never reach an encoded query.
        assert_eq!(
            query_words("x^ORshort_descriptionLIKEy=z"),
            vec!["orshort_descriptionlikey"]
        );
        assert!(query_words("the a of").is_empty());
        assert_eq!(
            query_words("a b c d e f g h i j k l m n o p q r s t u v w").len(),
            0
        );
        assert_eq!(
            query_words("one two three four five six seven eight nine ten").len(),
            MAX_WORDS
        );
    }

    #[test]
    fn record_urls_encode_the_inner_uri() {
        assert_eq!(
            record_url("https://dev1.service-now.com/", "incident", "abc"),
            "https://dev1.service-now.com/nav_to.do?uri=incident.do%3Fsys_id%3Dabc"
        );
    }
}
