//! Encoded-query building: equality filters written with ServiceNow's `^^` escape so a
//! value can never add operators, joined with the model's own free-form query.

/// A column name, optionally dot-walked (`caller_id.name`): letters, digits, `_`.
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 160
        && name.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// One `field=value` condition. An empty value matches empty fields (`fieldISEMPTY`).
pub fn equality_condition(field: &str, value: &str) -> Result<String, String> {
    if !is_field_name(field) {
        return Err(format!("`{field}` is not a valid field name to filter on"));
    }
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "the filter value for `{field}` contains a line break, which an encoded query cannot carry; \
             pass a single-line value (use the `query` argument with LIKE for partial matches)"
        ));
    }
    if value.is_empty() {
        return Ok(format!("{field}ISEMPTY"));
    }
    // `^` separates conditions; ServiceNow reads `^^` as a literal caret.
    Ok(format!("{field}={}", value.replace('^', "^^")))
}

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

/// Whether `query` could reach past the conditions joined before it: `^NQ` anywhere
/// starts a new OR-ed block, and a leading `OR`/`NQ` (after any `^`, which
/// [`join_query`] trims) would join the last fixed condition. `ORDERBY` only orders.
pub fn opens_new_query_block(query: &str) -> bool {
    let head = query.trim().trim_start_matches('^').trim_start();
    query.to_ascii_uppercase().contains("^NQ")
        || head.starts_with("NQ")
        || (head.starts_with("OR") && !head.starts_with("ORDERBY"))
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
    fn equality_conditions_escape_operators_in_values() {
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("state", "1", Ok("state=1")),
            (
                "short_description",
                "ORA-01033 on db^prod",
                Ok("short_description=ORA-01033 on db^^prod"),
            ),
            ("state", "1^ORstate=2", Ok("state=1^^ORstate=2")),
            ("state", "1^NQactive=false", Ok("state=1^^NQactive=false")),
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
}
