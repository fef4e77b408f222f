//! Encoded-query building and reading: equality filters whose values cannot add
//! operators or script, joined with the model's own free-form query, and the reading of
//! a free query into the clauses the server's scope checks (`scope.rs`).

use super::refusal::ArgumentError;
use crate::http::percent_decode;

/// A column name, optionally dot-walked (`caller_id.name`): letters, digits, `_`.
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 160
        && name.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// Whether ServiceNow could run `value` as server-side script: it evaluates a value
/// starting with `javascript:` (after any operator, in any case, also inside `IN` lists
/// and `BETWEEN`/`ON` ranges). Any occurrence is refused, raw or percent-decoded once,
/// so no operator, separator or encoding places one where the instance reads it.
pub fn is_script(value: &str) -> bool {
    const NEEDLE: &str = "javascript:";
    let has = |text: &str| text.to_ascii_lowercase().contains(NEEDLE);
    has(value) || (value.contains('%') && has(&percent_decode(value)))
}

/// The isError text for a value refused by [`is_script`].
pub fn script_refusal(what: &str) -> String {
    format!(
        "{what} contains `javascript:`, which ServiceNow would run as script on the instance; this server never sends it. \
         Filter on literal values instead: an explicit date (`sys_created_on>=2026-01-01 00:00:00`) or a relative one \
         (`sys_created_onRELATIVEGE@dayofweek@ago@7`), a sys_id, or text. Nothing was sent to ServiceNow."
    )
}

/// One `field=value` condition. An empty value matches empty fields (`fieldISEMPTY`).
/// A value may not carry `^` (the condition separator: its escape `^^` is not verified
/// against real instances), line breaks, or script.
pub fn equality_condition(field: &str, value: &str) -> Result<String, ArgumentError> {
    if !is_field_name(field) {
        return Err(ArgumentError(format!(
            "`{field}` is not a valid field name to filter on"
        )));
    }
    if value.contains(['\n', '\r']) {
        return Err(ArgumentError(format!(
            "the filter value for `{field}` contains a line break, which an encoded query cannot carry; \
             pass a single-line value (use the `query` argument with LIKE for partial matches)"
        )));
    }
    if value.contains('^') {
        return Err(ArgumentError(format!(
            "the value for `{field}` contains `^`, which separates conditions in an encoded query; \
             exact matches cannot carry it. Use the `query` argument instead, e.g. {field}LIKE<the text before the ^>. \
             Nothing was sent to ServiceNow."
        )));
    }
    if is_script(value) {
        return Err(ArgumentError(script_refusal(&format!(
            "the value for `{field}`"
        ))));
    }
    if value.is_empty() {
        return Ok(format!("{field}ISEMPTY"));
    }
    Ok(format!("{field}={value}"))
}

/// A condition true of every record, placed after a list's fixed conditions: an `OR`
/// the model's query starts (even behind an `ORDERBY`) binds to it, never to them.
pub const ANCHOR: &str = "sys_idISNOTEMPTY";

/// `<filters>^<query>`: the conditions (already escaped) AND-ed, then the model's own
/// encoded query with leading `^` and surrounding blanks trimmed. Empty when both are.
pub fn join_query(conditions: &[String], query: Option<&str>) -> String {
    let query = query
        .map(|q| q.trim().trim_start_matches('^').trim())
        .filter(|q| !q.is_empty());
    let mut parts: Vec<&str> = conditions.iter().map(String::as_str).collect();
    parts.extend(query);
    parts.join("^")
}

/// A query that could escape fixed conditions joined before it: one starting with `^`
/// (after blanks), or with the OR/NQ operators, or opening a new OR block anywhere
/// (`^NQ`). `ORDERBY` (ordering) and lowercase field names such as `order` are not
/// operators. Lists and aggregates refuse such a query next to their fixed conditions.
pub fn escapes_fixed_conditions(query: &str) -> bool {
    query.trim_start().starts_with('^') || opens_new_query_block(query)
}

/// Whether `query` could reach past the conditions joined before it: `^NQ` anywhere
/// starts a new OR-ed block, and a leading `OR`/`NQ` (after any `^`, which
/// [`join_query`] trims) would join the last fixed condition. `ORDERBY` only orders.
fn opens_new_query_block(query: &str) -> bool {
    let head = query.trim().trim_start_matches('^').trim_start();
    query.to_ascii_uppercase().contains("^NQ")
        || head.starts_with("NQ")
        || (head.starts_with("OR") && !head.starts_with("ORDERBY"))
}

/// One clause of a free encoded query, as far as scope checks need to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause<'q> {
    /// `field<operator><value>`; the field may be dot-walked. `rest` is operator + value.
    Condition { field: &'q str, rest: &'q str },
    /// `ORDERBY<field>` / `ORDERBYDESC<field>` / `GROUPBY<field>`.
    Order { field: &'q str },
    /// `RLQUERY<table>.<field>,...`: conditions up to `ENDRLQUERY` apply to `table`.
    Related { table: &'q str },
    /// `SUBQUERY<field>,<field>,<table>`: conditions up to `ENDSUBQUERY` apply to `table`.
    Sub { table: &'q str },
    /// `JOIN<table>.<field>=<table>.<field>!<condition>`: reads both tables.
    Join {
        tables: Vec<&'q str>,
        condition: Option<&'q str>,
    },
    /// `ENDRLQUERY` / `ENDSUBQUERY`.
    End,
    /// `EQ`, `123TEXTQUERY321=...` and other clauses that read no field of another
    /// table (their text is still checked for script).
    Other(&'q str),
    /// A clause starting with something this reader does not know (refused).
    Unknown(&'q str),
}

/// The clauses of `query`, split at every `^` (a `^^` is read as two separators, the
/// stricter reading: whatever ServiceNow makes of it, each piece was checked), `OR` and
/// `NQ` prefixes removed.
pub fn clauses(query: &str) -> Vec<Clause<'_>> {
    query
        .split('^')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(clause)
        .collect()
}

fn clause(piece: &str) -> Clause<'_> {
    let upper_len = piece.bytes().take_while(u8::is_ascii_uppercase).count();
    let keyword = &piece[..upper_len];
    let after = |n: usize| piece[n..].trim();
    let ci = |word: &str| {
        piece.len() >= word.len()
            && piece.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    };
    if ci("ENDRLQUERY") || ci("ENDSUBQUERY") {
        return Clause::End;
    }
    if ci("RLQUERY") {
        let rest = after("RLQUERY".len());
        let table = rest.split(['.', ',']).next().unwrap_or_default();
        return Clause::Related { table };
    }
    if ci("SUBQUERY") {
        let rest = after("SUBQUERY".len());
        let table = rest.split(',').nth(2).map(str::trim).unwrap_or_default();
        return Clause::Sub { table };
    }
    if keyword.starts_with("JOIN") {
        let rest = after("JOIN".len());
        let (join, condition) = match rest.split_once('!') {
            Some((join, condition)) => (join, Some(condition)),
            None => (rest, None),
        };
        let tables = join
            .split('=')
            .map(|side| side.split('.').next().unwrap_or_default().trim())
            .collect();
        return Clause::Join { tables, condition };
    }
    for order in ["ORDERBYDESC", "ORDERBY", "GROUPBY"] {
        if keyword.starts_with(order) {
            return Clause::Order {
                field: after(order.len()),
            };
        }
    }
    if keyword == "EQ" && after(2).is_empty() {
        return Clause::Other(piece);
    }
    if piece.starts_with("123TEXTQUERY321") {
        return Clause::Other(piece);
    }
    // `OR`/`NQ` before a (lowercase) field name.
    let body = match keyword {
        "OR" | "NQ" => after(2),
        "" => piece,
        _ => return Clause::Unknown(piece),
    };
    let field_len = body
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'.')
        .count();
    if field_len == 0 {
        return Clause::Unknown(piece);
    }
    Clause::Condition {
        field: &body[..field_len],
        rest: &body[field_len..],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_allow_dot_walks_only() {
        let cases = [
            ("state", true),
            ("caller_id.name", true),
            ("u_custom_1", true),
            ("", false),
            ("caller_id.", false),
            (".name", false),
            ("state=1", false),
            ("state^ORactive", false),
            ("na me", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_field_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn equality_conditions_refuse_operators_and_script_in_values() {
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("state", "1", Ok("state=1")),
            (
                "short_description",
                "ORA-01033 on db^prod",
                Err("contains `^`"),
            ),
            ("state", "1^ORstate=2", Err("contains `^`")),
            ("state", "1^NQactive=false", Err("contains `^`")),
            (
                "short_description",
                "javascript:gs.sleep(1)",
                Err("javascript:"),
            ),
            (
                "short_description",
                "  JavaScript:gs.sleep(1)",
                Err("javascript:"),
            ),
            (
                "short_description",
                "javascript%3Ags.sleep(1)",
                Err("javascript:"),
            ),
            (
                "short_description",
                "a javascript lesson",
                Ok("short_description=a javascript lesson"),
            ),
            ("assigned_to", "", Ok("assigned_toISEMPTY")),
            ("short_description", "a\nb", Err("line break")),
            ("short_description", "a\rb", Err("line break")),
            ("state=1^active", "x", Err("not a valid field name")),
        ];
        for (field, value, expected) in cases {
            match (equality_condition(field, value), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, *want, "{field}={value:?}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{field}={value:?}: {got}"),
                (got, want) => panic!("{field}={value:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn filters_come_first_then_the_trimmed_query() {
        let conds = vec!["active=true".to_string(), "state=1".to_string()];
        let cases: &[(&[String], Option<&str>, &str)] = &[
            (&conds, None, "active=true^state=1"),
            (
                &conds,
                Some("priority<=2"),
                "active=true^state=1^priority<=2",
            ),
            (
                &conds,
                Some("^^ORDERBYDESCsys_created_on "),
                "active=true^state=1^ORDERBYDESCsys_created_on",
            ),
            (&conds, Some("  "), "active=true^state=1"),
            (&[], Some("numberSTARTSWITHINC"), "numberSTARTSWITHINC"),
            (&[], None, ""),
        ];
        for (conditions, query, expected) in cases {
            assert_eq!(join_query(conditions, *query), *expected, "{query:?}");
        }
    }

    #[test]
    fn new_query_blocks_are_detected_in_any_case() {
        assert!(opens_new_query_block("active=true^NQstate=7"));
        assert!(opens_new_query_block("active=true^nqstate=7"));
        assert!(!opens_new_query_block("active=true^ORstate=7"));
    }

    #[test]
    fn clauses_name_fields_tables_and_unknown_heads() {
        use Clause::*;
        let got =
            clauses("active=true^ORcaller_id.email=a@b.c^NQstate!=7^ORDERBYDESCsys_created_on^EQ");
        assert_eq!(
            got,
            vec![
                Condition {
                    field: "active",
                    rest: "=true"
                },
                Condition {
                    field: "caller_id.email",
                    rest: "=a@b.c"
                },
                Condition {
                    field: "state",
                    rest: "!=7"
                },
                Order {
                    field: "sys_created_on"
                },
                Other("EQ"),
            ]
        );
        assert_eq!(
            clauses("RLQUERYsys_user_grmember.user,>=1^group.name=CAB^ENDRLQUERY"),
            vec![
                Related {
                    table: "sys_user_grmember"
                },
                Condition {
                    field: "group.name",
                    rest: "=CAB"
                },
                End,
            ]
        );
        assert_eq!(
            clauses("SUBQUERYsys_id,user,sys_user_grmember^ENDSUBQUERY")[0],
            Sub {
                table: "sys_user_grmember"
            }
        );
        assert_eq!(
            clauses("JOINincident.caller_id=sys_user.sys_id!active=true")[0],
            Join {
                tables: vec!["incident", "sys_user"],
                condition: Some("active=true")
            }
        );
        assert_eq!(
            clauses("rlquerysys_user.x,>0")[0],
            Related { table: "sys_user" }
        );
        assert_eq!(clauses("GOTOnumber=1")[0], Unknown("GOTOnumber=1"));
        // `^^` is read as two separators: the piece after it is a clause of its own.
        assert_eq!(
            clauses("short_descriptionLIKEa^^ORcaller_id.name=x")[1],
            Condition {
                field: "caller_id.name",
                rest: "=x"
            }
        );
    }

    #[test]
    fn script_is_found_in_any_case_and_encoding() {
        for text in [
            "javascript:x",
            "=JAVASCRIPT:x",
            "INa,javascript:x",
            "BETWEENa@ javascript:x",
            "javascript%3ax",
        ] {
            assert!(is_script(text), "{text}");
        }
        for text in ["javascript", "java script:x", "LIKEscript:"] {
            assert!(!is_script(text), "{text}");
        }
    }
}
