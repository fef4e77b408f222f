//! Tool descriptions a model can act on: what the call does and what the schemas cannot
//! say (fixed values, permanence). Wording only; no schemas here.

use crate::schema::ResourceLookup;
use crate::spec::{MethodKind, MethodSpec, ResourceSpec};

/// Descriptions stay within this many characters (the strictest client limit); optional
/// sentences are dropped first.
pub const DESCRIPTION_BUDGET: usize = 1024;

/// What a description aims for: its first sentence and what the schemas cannot say are
/// always kept; the spec's further sentences only while the text stays this short (every
/// tool definition is context a model pays for on every turn).
pub const DESCRIPTION_TARGET: usize = 140;

/// The `description` of `method` (running as `kind`) on `resource`: the spec's own
/// sentence on the method, plus only what a model cannot see in the schemas (fixed
/// values, permanence). The table's description is optional context.
pub fn tool_description(
    resource: &ResourceSpec,
    method: &MethodSpec,
    kind: MethodKind,
    _lookup: &ResourceLookup<'_>,
) -> String {
    // (text, essential): optional parts are kept only while the target allows.
    let text = sentence(&method.description);
    let mut sentences = split_sentences(&text).into_iter();
    let mut parts: Vec<(String, bool)> = Vec::new();
    if let Some(first) = sentences.next() {
        parts.push((first.to_string(), true));
    }
    parts.extend(sentences.map(|s| (s.to_string(), false)));
    match kind {
        MethodKind::List => {
            if let Some(fixed) = fixed_values(resource, method) {
                parts.push((format!("Always filters on {fixed}."), true));
            }
        }
        MethodKind::Get => {}
        MethodKind::Create | MethodKind::Update => {
            if let Some(fixed) = fixed_values(resource, method) {
                parts.push((format!("Also sets {fixed}."), true));
            }
        }
        MethodKind::Delete => {
            parts.push(("Permanent: confirm with the user first.".to_string(), true));
        }
    }
    assemble(parts, DESCRIPTION_TARGET)
}

/// Sentences of `text`: a period followed by a space and a capital letter ends one
/// ("e.g. query" and "(INC0010001), e.g." do not).
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 0..bytes.len().saturating_sub(2) {
        if matches!(bytes[i], b'.' | b'!' | b'?')
            && bytes[i + 1] == b' '
            && bytes[i + 2].is_ascii_uppercase()
        {
            out.push(text[start..=i].trim());
            start = i + 2;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Joins the parts in order, dropping optional ones that would exceed `budget`.
fn assemble(parts: Vec<(String, bool)>, budget: usize) -> String {
    let essential: usize = parts
        .iter()
        .filter(|(_, essential)| *essential)
        .map(|(text, _)| text.len() + 1)
        .sum();
    let mut room = budget.min(DESCRIPTION_BUDGET).saturating_sub(essential);
    let mut kept = Vec::new();
    for (text, essential) in parts {
        if essential {
            kept.push(text);
        } else if text.len() < room {
            room -= text.len() + 1;
            kept.push(text);
        }
    }
    kept.join(" ")
}

/// "state = 6 (Resolved)" for a custom method's fixed values.
fn fixed_values(resource: &ResourceSpec, method: &MethodSpec) -> Option<String> {
    if method.set.is_empty() {
        return None;
    }
    let parts: Vec<String> = method
        .set
        .iter()
        .map(|(name, value)| {
            let text = value.as_str().unwrap_or_default();
            let label = resource.fields.get(name).and_then(|f| {
                f.choices
                    .iter()
                    .find(|c| c.value == text && c.label != text)
                    .map(|c| c.label.clone())
            });
            match label {
                Some(label) => format!("{name} = {text} ({label})"),
                None => format!("{name} = {text:?}"),
            }
        })
        .collect();
    Some(parts.join(", "))
}

/// Trimmed text ending with a period.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_parts_are_dropped_to_fit_the_budget_but_essential_ones_stay() {
        let essential = "e".repeat(DESCRIPTION_BUDGET - 100);
        let cases = [
            (
                "both fit",
                vec![("a".repeat(10), true), ("b".repeat(10), false)],
                21,
            ),
            (
                "an optional part that would overflow is dropped",
                vec![(essential.clone(), true), ("o".repeat(200), false)],
                essential.len(),
            ),
            (
                "a smaller optional part after a dropped one still fits",
                vec![
                    (essential.clone(), true),
                    ("o".repeat(200), false),
                    ("p".repeat(50), false),
                ],
                essential.len() + 51,
            ),
            (
                "essential parts are never dropped",
                vec![("e".repeat(1300), true), ("x".repeat(5), false)],
                1300,
            ),
        ];
        for (case, parts, len) in cases {
            assert_eq!(assemble(parts, DESCRIPTION_BUDGET).len(), len, "{case}");
        }
    }

    #[test]
    fn sentences_split_at_a_period_before_a_capital() {
        let cases = [
            ("One. Two.", vec!["One.", "Two."]),
            (
                "Get it by number (INC0010001), e.g. for a caller. Then act.",
                vec![
                    "Get it by number (INC0010001), e.g. for a caller.",
                    "Then act.",
                ],
            ),
            ("No end", vec!["No end"]),
            ("Ask? Yes.", vec!["Ask?", "Yes."]),
        ];
        for (text, expected) in cases {
            assert_eq!(split_sentences(text), expected, "{text}");
        }
    }

    #[test]
    fn sentences_end_with_a_period() {
        assert_eq!(sentence(" Lists users "), "Lists users.");
        assert_eq!(sentence("Done!"), "Done!");
    }
}
