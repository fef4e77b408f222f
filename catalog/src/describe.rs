//! Tool descriptions a model can act on: what the call does, which fields matter, how
//! to find sys_ids first, and what values look like. Wording only; no schemas here.

use crate::naming::list_tool_of;
use crate::schema::{id_description, ResourceLookup, LIMIT_DEFAULT, LIMIT_MAX};
use crate::spec::{FieldType, MethodKind, MethodSpec, ResourceSpec};

/// Descriptions stay under this many characters; optional sentences are dropped first.
pub const DESCRIPTION_BUDGET: usize = 1200;

/// The `description` of `method` (running as `kind`) on `resource`.
pub fn tool_description(
    resource: &ResourceSpec,
    method: &MethodSpec,
    kind: MethodKind,
    lookup: &ResourceLookup<'_>,
) -> String {
    // (text, essential): optional parts are kept only while the budget allows.
    let mut parts: Vec<(String, bool)> = vec![(sentence(&method.description), true)];
    parts.push((
        format!(
            "{} records live in the ServiceNow table {}: {}",
            resource.title,
            resource.table,
            sentence(&resource.description)
        ),
        false,
    ));

    match kind {
        MethodKind::List => {
            let mut how = String::from("Narrow results with query (an encoded query)");
            if !method.filters.is_empty() {
                how.push_str(&format!(
                    " and the exact-match filters {}",
                    method.filters.join(", ")
                ));
            }
            how.push_str(&format!(
                ". Returns at most limit records (1-{LIMIT_MAX}, default {LIMIT_DEFAULT}); when \
                 more match, the result carries next_cursor: call again with it for the next page."
            ));
            parts.push((how, true));
            if let Some(fixed) = fixed_values(resource, method) {
                parts.push((format!("Always filters on {fixed}."), true));
            }
            parts.push((
                "Use fields to return only what you need. Fields the account may not read are \
                 left out of records, so a missing field does not mean an empty one."
                    .into(),
                false,
            ));
        }
        MethodKind::Get => {
            parts.push((format!("id: the {}.", id_description(resource)), true));
            parts.push((
                "Fields the account may not read are left out of the record.".into(),
                false,
            ));
        }
        MethodKind::Create | MethodKind::Update => {
            if kind == MethodKind::Update {
                parts.push((format!("id: the {}.", id_description(resource)), true));
                parts.push((
                    "Only the fields given change; the others keep their values.".into(),
                    true,
                ));
            }
            if !method.required.is_empty() {
                parts.push((format!("Required: {}.", method.required.join(", ")), true));
            }
            if let Some(fixed) = fixed_values(resource, method) {
                parts.push((format!("Also sets {fixed}."), true));
            }
            if let Some(refs) = reference_guide(resource, &method.body, lookup) {
                parts.push((refs, true));
            }
            if let Some(codes) = codes_note(resource, &method.body) {
                parts.push((codes, true));
            }
        }
        MethodKind::Delete => {
            parts.push((format!("id: the {}.", id_description(resource)), true));
            parts.push((
                "Permanent: the record cannot be restored through this API; confirm with the \
                 user first."
                    .into(),
                true,
            ));
        }
    }
    if kind == MethodKind::List {
        if let Some(refs) = reference_guide(resource, &method.filters, lookup) {
            parts.push((refs, true));
        }
    }
    assemble(parts)
}

/// Joins the parts in order, dropping optional ones that would exceed the budget.
fn assemble(parts: Vec<(String, bool)>) -> String {
    let essential: usize = parts
        .iter()
        .filter(|(_, essential)| *essential)
        .map(|(text, _)| text.len() + 1)
        .sum();
    let mut room = DESCRIPTION_BUDGET.saturating_sub(essential);
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

/// "Reference fields take sys_ids, not names; look them up first: caller_id,
/// assigned_to with list_all_service_now_sys_users; ...", grouped by target table.
fn reference_guide(
    resource: &ResourceSpec,
    names: &[String],
    lookup: &ResourceLookup<'_>,
) -> Option<String> {
    // (target table, fields referencing it), in order of first appearance.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for name in names {
        let Some(field) = resource.fields.get(name) else {
            continue;
        };
        let (FieldType::Reference, Some(table)) = (field.field_type, field.reference.as_deref())
        else {
            continue;
        };
        match groups.iter_mut().find(|(t, _)| *t == table) {
            Some((_, fields)) => fields.push(name),
            None => groups.push((table, vec![name])),
        }
    }
    if groups.is_empty() {
        return None;
    }
    let lines: Vec<String> = groups
        .into_iter()
        .map(|(table, fields)| {
            let fields = fields.join(", ");
            match lookup(table).and_then(list_tool_of) {
                Some(tool) => format!("{fields} with {tool}"),
                None => format!("{fields} ({table}): no tool lists them, ask the user"),
            }
        })
        .collect();
    Some(format!(
        "Reference fields take 32-character sys_ids, not names; look them up first: {}.",
        lines.join("; ")
    ))
}

/// For writes with choice fields: values are ServiceNow codes, with one example.
fn codes_note(resource: &ResourceSpec, body: &[String]) -> Option<String> {
    let (name, field) = body.iter().find_map(|name| {
        let field = resource.fields.get(name)?;
        (field.field_type == FieldType::Choice && !field.choices.is_empty())
            .then_some((name, field))
    })?;
    let first = field.choices.first()?;
    let example = if first.value == first.label {
        format!("{name} \"{}\"", first.value)
    } else {
        format!("{name} \"{}\" means {}", first.value, first.label)
    };
    Some(format!(
        "Choice fields take ServiceNow codes, not labels (e.g. {example}); each field's \
         description lists its codes."
    ))
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
            assert_eq!(assemble(parts).len(), len, "{case}");
        }
    }

    #[test]
    fn sentences_end_with_a_period() {
        assert_eq!(sentence(" Lists users "), "Lists users.");
        assert_eq!(sentence("Done!"), "Done!");
    }
}
