//! ServiceNow encoded query strings (`sysparm_query`): parsing into a typed query and
//! evaluating it against a record. Pure: columns are read through [`RecordView`], so the
//! caller decides how dot-walks and keyword search reach the data.
//!
//! Grammar (ServiceNow docs "Encoded query strings", "Operators available for filters
//! and queries"): conditions joined by `^` (AND); `^OR` ORs a condition with the one
//! before it; `^NQ` starts a new query whose result is ORed with the previous ones;
//! `ORDERBY<f>` / `ORDERBYDESC<f>` sort; `^^` is a literal `^`. A part that does not
//! parse is dropped and the rest runs.

use std::cmp::Ordering;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    IsEmpty,
    IsNotEmpty,
    Anything,
    Between,
}

/// Operator tokens, longest-first where one is a prefix of another.
const OPERATORS: &[(&str, Operator)] = &[
    ("ISNOTEMPTY", Operator::IsNotEmpty),
    ("ISEMPTY", Operator::IsEmpty),
    ("EMPTYSTRING", Operator::IsEmpty),
    ("ANYTHING", Operator::Anything),
    ("NOT LIKE", Operator::NotLike),
    ("NOT IN", Operator::NotIn),
    ("STARTSWITH", Operator::StartsWith),
    ("ENDSWITH", Operator::EndsWith),
    ("BETWEEN", Operator::Between),
    ("LIKE", Operator::Like),
    ("IN", Operator::In),
    ("!=", Operator::NotEq),
    ("<=", Operator::Le),
    (">=", Operator::Ge),
    ("=", Operator::Eq),
    ("<", Operator::Lt),
    (">", Operator::Gt),
];

/// The keyword-search pseudo column.
pub const KEYWORD_FIELD: &str = "123TEXTQUERY321";

/// One condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `field OP value`; `field` may be dot-walked (`caller_id.name`).
    Compare {
        field: String,
        op: Operator,
        value: String,
    },
    /// `123TEXTQUERY321=words`: every word appears in some text column.
    Keyword(String),
    /// A part that did not parse or names an unknown column: ignored.
    Dropped(String),
}

/// Conditions ORed together (`a=1^ORb=2`).
pub type OrGroup = Vec<Condition>;

/// A `^NQ`-separated query: its OR-groups are ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    pub groups: Vec<OrGroup>,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub field: String,
    pub descending: bool,
}

/// A parsed encoded query: blocks ORed together, then sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncodedQuery {
    pub blocks: Vec<Block>,
    pub order_by: Vec<OrderBy>,
}

/// How the evaluator reads a record.
pub trait RecordView {
    /// The stored value at a (possibly dot-walked) path; `""` when empty or unreachable.
    fn value(&self, path: &str) -> String;
    /// The values a keyword search looks into.
    fn keyword_text(&self) -> Vec<String>;
}

/// Splits on `^`, turning `^^` into a literal `^`.
fn split_parts(query: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '^' {
            if chars.peek() == Some(&'^') {
                chars.next();
                current.push('^');
            } else {
                parts.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

fn is_field_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
}

/// Parses one condition (`short_descriptionLIKEvpn`). Field names are lowercase, so the
/// operator starts at the first character that cannot belong to a column name.
pub fn parse_condition(part: &str) -> Condition {
    if let Some(rest) = part.strip_prefix(KEYWORD_FIELD) {
        return match rest.strip_prefix('=').or_else(|| rest.strip_prefix("LIKE")) {
            Some(words) if !words.trim().is_empty() => Condition::Keyword(words.to_string()),
            _ => Condition::Dropped(part.to_string()),
        };
    }
    let split = part.find(|c: char| !is_field_char(c)).unwrap_or(part.len());
    let (field, rest) = part.split_at(split);
    let valid_field = !field.is_empty()
        && !field.starts_with('.')
        && !field.ends_with('.')
        && !field.contains("..");
    if !valid_field {
        return Condition::Dropped(part.to_string());
    }
    let Some((token, op)) = OPERATORS.iter().find(|(token, _)| rest.starts_with(token)) else {
        return Condition::Dropped(part.to_string());
    };
    let value = &rest[token.len()..];
    let value = match op {
        Operator::IsEmpty | Operator::IsNotEmpty | Operator::Anything => "",
        Operator::Between if !value.contains('@') => return Condition::Dropped(part.to_string()),
        _ => value,
    };
    Condition::Compare {
        field: field.to_string(),
        op: *op,
        value: value.to_string(),
    }
}

impl EncodedQuery {
    /// Parses a `sysparm_query` value. Never fails: unparseable parts become
    /// [`Condition::Dropped`] and match nothing away.
    pub fn parse(query: &str) -> EncodedQuery {
        let mut parsed = EncodedQuery::default();
        let mut block = Block::default();
        for part in split_parts(query) {
            if part.is_empty() || part == "EQ" {
                continue;
            }
            if let Some(field) = part.strip_prefix("ORDERBYDESC") {
                parsed.push_order(field, true);
                continue;
            }
            if let Some(field) = part.strip_prefix("ORDERBY") {
                parsed.push_order(field, false);
                continue;
            }
            if part.starts_with("GROUPBY") {
                continue;
            }
            if let Some(rest) = part.strip_prefix("NQ") {
                if !block.groups.is_empty() {
                    parsed.blocks.push(std::mem::take(&mut block));
                }
                if !rest.is_empty() {
                    block.groups.push(vec![parse_condition(rest)]);
                }
                continue;
            }
            if let Some(rest) = part.strip_prefix("OR") {
                let condition = parse_condition(rest);
                match block.groups.last_mut() {
                    Some(group) => group.push(condition),
                    None => block.groups.push(vec![condition]),
                }
                continue;
            }
            block.groups.push(vec![parse_condition(&part)]);
        }
        if !block.groups.is_empty() {
            parsed.blocks.push(block);
        }
        parsed
    }

    fn push_order(&mut self, field: &str, descending: bool) {
        if !field.is_empty() && field.chars().all(is_field_char) {
            self.order_by.push(OrderBy {
                field: field.to_string(),
                descending,
            });
        }
    }

    /// Drops conditions and sort keys whose column `known` rejects (ServiceNow ignores
    /// invalid columns in a query and runs the rest).
    pub fn drop_unknown_fields(&mut self, known: impl Fn(&str) -> bool) {
        for block in &mut self.blocks {
            for group in &mut block.groups {
                for condition in group.iter_mut() {
                    if let Condition::Compare { field, .. } = condition {
                        if !known(field) {
                            *condition = Condition::Dropped(field.clone());
                        }
                    }
                }
            }
        }
        self.order_by.retain(|o| known(&o.field));
    }

    /// Conditions ignored as invalid, for the request log.
    pub fn dropped(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .flat_map(|b| b.groups.iter())
            .flatten()
            .filter_map(|c| match c {
                Condition::Dropped(raw) => Some(raw.as_str()),
                _ => None,
            })
            .collect()
    }

    /// True when the record matches: any block matches (no blocks: everything matches).
    pub fn matches(&self, record: &dyn RecordView) -> bool {
        self.blocks.is_empty() || self.blocks.iter().any(|b| b.matches(record))
    }
}

impl Block {
    fn matches(&self, record: &dyn RecordView) -> bool {
        self.groups.iter().all(|group| {
            let live: Vec<&Condition> = group
                .iter()
                .filter(|c| !matches!(c, Condition::Dropped(_)))
                .collect();
            // A group whose every condition was dropped constrains nothing.
            live.is_empty() || live.iter().any(|c| c.matches(record))
        })
    }
}

impl Condition {
    pub fn matches(&self, record: &dyn RecordView) -> bool {
        match self {
            Condition::Dropped(_) => true,
            Condition::Keyword(words) => {
                let texts: Vec<String> = record
                    .keyword_text()
                    .iter()
                    .map(|t| t.to_lowercase())
                    .collect();
                words
                    .split_whitespace()
                    .map(str::to_lowercase)
                    .all(|word| texts.iter().any(|t| t.contains(&word)))
            }
            Condition::Compare { field, op, value } => compare(&record.value(field), *op, value),
        }
    }
}

/// Applies one operator. String matching is case-insensitive (ServiceNow's database
/// collation); `!=`, `NOT LIKE` and `NOT IN` also match empty values; ordering
/// operators never match an empty value.
pub fn compare(actual: &str, op: Operator, expected: &str) -> bool {
    let a = actual.to_lowercase();
    let e = expected.to_lowercase();
    let in_list = || e.split(',').any(|item| item.trim() == a);
    match op {
        Operator::Eq => a == e,
        Operator::NotEq => a != e,
        Operator::Like => a.contains(&e),
        Operator::NotLike => !a.contains(&e),
        Operator::StartsWith => a.starts_with(&e),
        Operator::EndsWith => a.ends_with(&e),
        Operator::In => in_list(),
        Operator::NotIn => !in_list(),
        Operator::IsEmpty => a.is_empty(),
        Operator::IsNotEmpty => !a.is_empty(),
        Operator::Anything => true,
        Operator::Lt => !a.is_empty() && compare_values(actual, expected) == Ordering::Less,
        Operator::Le => !a.is_empty() && compare_values(actual, expected) != Ordering::Greater,
        Operator::Gt => !a.is_empty() && compare_values(actual, expected) == Ordering::Greater,
        Operator::Ge => !a.is_empty() && compare_values(actual, expected) != Ordering::Less,
        Operator::Between => match expected.split_once('@') {
            Some((low, high)) => {
                !a.is_empty()
                    && compare_values(actual, low) != Ordering::Less
                    && compare_values(actual, high) != Ordering::Greater
            }
            None => false,
        },
    }
}

/// Orders two stored values: numerically when both look numeric, otherwise as
/// case-insensitive strings (dates share one format, so they order as strings).
pub fn compare_values(a: &str, b: &str) -> Ordering {
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

fn parse_number(value: &str) -> Option<f64> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    trimmed.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct MapView(BTreeMap<&'static str, &'static str>);

    impl RecordView for MapView {
        fn value(&self, path: &str) -> String {
            self.0.get(path).map(|v| v.to_string()).unwrap_or_default()
        }
        fn keyword_text(&self) -> Vec<String> {
            ["short_description", "description"]
                .iter()
                .filter_map(|c| self.0.get(c).map(|v| v.to_string()))
                .collect()
        }
    }

    fn incident() -> MapView {
        MapView(BTreeMap::from([
            ("number", "INC0010005"),
            ("short_description", "Memory Leak in payment service"),
            ("description", "Heap grows until OOM; see ORA-01033 notes"),
            ("state", "2"),
            ("priority", "10"),
            ("category", "software"),
            ("assigned_to", ""),
            ("caller_id.name", "Alice Johnson"),
            ("opened_at", "2025-03-04 10:00:00"),
            ("note", "a^b"),
        ]))
    }

    fn cmp(field: &str, op: Operator, value: &str) -> Condition {
        Condition::Compare {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn conditions_parse_field_operator_and_value() {
        use Operator::*;
        let cases = [
            ("state=2", cmp("state", Eq, "2")),
            ("state!=2", cmp("state", NotEq, "2")),
            ("priority<=3", cmp("priority", Le, "3")),
            ("priority>=3", cmp("priority", Ge, "3")),
            ("priority<3", cmp("priority", Lt, "3")),
            ("priority>3", cmp("priority", Gt, "3")),
            (
                "short_descriptionLIKEvpn reset",
                cmp("short_description", Like, "vpn reset"),
            ),
            (
                "short_descriptionNOT LIKEvpn",
                cmp("short_description", NotLike, "vpn"),
            ),
            ("numberSTARTSWITHINC", cmp("number", StartsWith, "INC")),
            ("numberENDSWITH05", cmp("number", EndsWith, "05")),
            ("stateIN1,2,3", cmp("state", In, "1,2,3")),
            ("stateNOT IN6,7", cmp("state", NotIn, "6,7")),
            ("assigned_toISEMPTY", cmp("assigned_to", IsEmpty, "")),
            ("assigned_toISNOTEMPTY", cmp("assigned_to", IsNotEmpty, "")),
            ("assigned_toEMPTYSTRING", cmp("assigned_to", IsEmpty, "")),
            ("stateANYTHING", cmp("state", Anything, "")),
            (
                "opened_atBETWEEN2025-01-01@2025-12-31",
                cmp("opened_at", Between, "2025-01-01@2025-12-31"),
            ),
            (
                "caller_id.name=Alice Johnson",
                cmp("caller_id.name", Eq, "Alice Johnson"),
            ),
            ("state=", cmp("state", Eq, "")),
            (
                "123TEXTQUERY321=ORA-01033",
                Condition::Keyword("ORA-01033".into()),
            ),
            (
                "opened_atBETWEEN2025",
                Condition::Dropped("opened_atBETWEEN2025".into()),
            ),
            (
                "stateSAMEASpriority",
                Condition::Dropped("stateSAMEASpriority".into()),
            ),
            ("=2", Condition::Dropped("=2".into())),
            ("justtext", Condition::Dropped("justtext".into())),
            (".name=x", Condition::Dropped(".name=x".into())),
            (
                "123TEXTQUERY321=",
                Condition::Dropped("123TEXTQUERY321=".into()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_condition(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn structure_follows_and_or_and_new_query() {
        use Operator::*;
        let q = EncodedQuery::parse("active=true^stateIN1,2^ORpriority=1^NQcategory=security^ORDERBYDESCopened_at^ORDERBYnumber");
        assert_eq!(
            q.blocks,
            vec![
                Block {
                    groups: vec![
                        vec![cmp("active", Eq, "true")],
                        vec![cmp("state", In, "1,2"), cmp("priority", Eq, "1")],
                    ]
                },
                Block {
                    groups: vec![vec![cmp("category", Eq, "security")]]
                },
            ]
        );
        assert_eq!(
            q.order_by,
            vec![
                OrderBy {
                    field: "opened_at".into(),
                    descending: true
                },
                OrderBy {
                    field: "number".into(),
                    descending: false
                },
            ]
        );
    }

    #[test]
    fn doubled_caret_is_a_literal_caret() {
        let q = EncodedQuery::parse("note=a^^b^state=2");
        assert_eq!(
            q.blocks[0].groups,
            vec![
                vec![cmp("note", Operator::Eq, "a^b")],
                vec![cmp("state", Operator::Eq, "2")]
            ]
        );
        assert!(q.matches(&incident()));
    }

    #[test]
    fn empty_and_noise_parts_parse_to_nothing() {
        for input in ["", "^", "^EQ", "GROUPBYstate", "ORDERBY", "^NQ"] {
            let q = EncodedQuery::parse(input);
            assert!(
                q.blocks.is_empty() && q.order_by.is_empty(),
                "input {input:?} gave {q:?}"
            );
        }
    }

    #[test]
    fn evaluation_matches_like_servicenow() {
        let record = incident();
        let cases = [
            ("state=2", true),
            ("state=3", false),
            ("STATE=2", true), // invalid column (uppercase) is dropped: everything matches
            ("short_description=memory leak in payment service", true),
            ("short_descriptionLIKEleak", true),
            ("short_descriptionNOT LIKEleak", false),
            ("short_descriptionSTARTSWITHmemory", true),
            ("short_descriptionENDSWITHservice", true),
            ("numberSTARTSWITHPRB", false),
            ("stateIN1,2", true),
            ("stateIN1,3", false),
            ("stateNOT IN1,3", true),
            ("assigned_toISEMPTY", true),
            ("assigned_toISNOTEMPTY", false),
            ("assigned_to!=abc", true),
            ("assigned_to<5", false),
            ("priority>9", true), // numeric, not "10" < "9" as strings
            ("priority<9", false),
            ("priority>=10^priority<=10", true),
            ("priorityBETWEEN5@20", true),
            ("opened_at>2025-03-01 00:00:00", true),
            ("opened_at<2025-03-01 00:00:00", false),
            (
                "opened_atBETWEEN2025-03-04 00:00:00@2025-03-04 23:59:59",
                true,
            ),
            ("caller_id.name=Alice Johnson", true),
            ("caller_id.name=David Smith", false),
            ("stateANYTHING", true),
            ("123TEXTQUERY321=ora-01033", true),
            ("123TEXTQUERY321=payment heap", true),
            ("123TEXTQUERY321=payment vpn", false),
            ("state=3^ORcategory=software", true),
            ("state=3^ORcategory=hardware", false),
            ("state=2^category=hardware", false),
            ("state=3^NQcategory=software", true),
            ("state=3^NQcategory=hardware", false),
            ("state=3^ORbogus", false), // the dropped part leaves state=3 alone
            ("bogus^state=2", true),
        ];
        for (query, expected) in cases {
            assert_eq!(
                EncodedQuery::parse(query).matches(&record),
                expected,
                "query {query:?}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_dropped_and_the_rest_runs() {
        let mut q = EncodedQuery::parse("u_missing=1^state=2^ORDERBYu_missing^ORDERBYnumber");
        q.drop_unknown_fields(|f| f != "u_missing");
        assert_eq!(q.dropped(), vec!["u_missing"]);
        assert_eq!(
            q.order_by,
            vec![OrderBy {
                field: "number".into(),
                descending: false
            }]
        );
        assert!(q.matches(&incident()));
        let mut only_unknown = EncodedQuery::parse("u_missing=1");
        only_unknown.drop_unknown_fields(|_| false);
        assert!(
            only_unknown.matches(&incident()),
            "an all-invalid query matches every row"
        );
    }

    #[test]
    fn values_order_numerically_when_both_are_numbers() {
        let cases = [
            ("10", "9", Ordering::Greater),
            ("-5", "1", Ordering::Less),
            ("2.5", "2.50", Ordering::Equal),
            ("abc", "ABD", Ordering::Less),
            (
                "2025-03-04 10:00:00",
                "2025-03-04 09:00:00",
                Ordering::Greater,
            ),
            ("", "1", Ordering::Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare_values(a, b), expected, "{a} vs {b}");
        }
    }
}
