//! Tool names and titles derived from a resource and a method key (the naming contract
//! of docs/tool-specs.md), and the character rules names must follow.

use crate::spec::{MethodKind, ResourceSpec};

/// Longest tool name MCP clients accept (`^[a-z0-9_]{1,64}$`).
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// Longest resource name, so that every derived tool name fits in 64 characters.
pub const MAX_RESOURCE_NAME_LEN: usize = 35;

/// The tool name of `method` on `resource`: the five standard forms, or
/// `<method>_service_now_<resource>` for a custom method.
pub fn tool_name(resource: &str, method: &str) -> String {
    match MethodKind::parse(method) {
        Some(MethodKind::List) => format!("list_all_service_now_{resource}"),
        Some(MethodKind::Get) => format!("get_single_service_now_{resource}_by_id"),
        Some(MethodKind::Create) => format!("create_a_service_now_{resource}"),
        Some(MethodKind::Update) => format!("update_a_service_now_{resource}_by_id"),
        Some(MethodKind::Delete) => format!("delete_a_service_now_{resource}_by_id"),
        None => format!("{method}_service_now_{resource}"),
    }
}

/// `^[a-z0-9_]{1,64}$`, the MCP tool-name rule this server promises.
pub fn is_valid_tool_name(name: &str) -> bool {
    (1..=MAX_TOOL_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `^[a-z][a-z0-9_]*$`: resource, method, field and tag identifiers.
pub fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The tool that lists `resource`'s records: its standard `list`, else its first custom
/// method of kind list. `None` when the resource documents no list at all.
pub fn list_tool_of(resource: &ResourceSpec) -> Option<String> {
    if resource.methods.contains_key("list") {
        return Some(tool_name(&resource.resource, "list"));
    }
    resource
        .methods
        .iter()
        .find(|(_, m)| m.kind == Some(MethodKind::List))
        .map(|(key, _)| tool_name(&resource.resource, key))
}

/// Human title shown by clients: "List Incident records", "Resolve Incident".
pub fn tool_title(resource: &ResourceSpec, method: &str) -> String {
    let title = &resource.title;
    match MethodKind::parse(method) {
        Some(MethodKind::List) => format!("List {title} records"),
        Some(MethodKind::Get) => format!("Get {title}"),
        Some(MethodKind::Create) => format!("Create {title}"),
        Some(MethodKind::Update) => format!("Update {title}"),
        Some(MethodKind::Delete) => format!("Delete {title}"),
        None => format!("{} {title}", humanize(method)),
    }
}

/// `close_task` -> `Close task`.
fn humanize(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An example record number for a prefix: `INC` -> `INC0010001`.
pub fn example_number(prefix: &str) -> String {
    format!("{prefix}0010001")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_follow_the_contract_for_each_method() {
        let cases = [
            ("sys_users", "list", "list_all_service_now_sys_users"),
            (
                "kb_knowledge",
                "get",
                "get_single_service_now_kb_knowledge_by_id",
            ),
            ("incident", "create", "create_a_service_now_incident"),
            ("incident", "update", "update_a_service_now_incident_by_id"),
            ("problem", "delete", "delete_a_service_now_problem_by_id"),
            ("incident", "resolve", "resolve_service_now_incident"),
        ];
        for (resource, method, expected) in cases {
            assert_eq!(tool_name(resource, method), expected, "{resource}.{method}");
        }
    }

    #[test]
    fn tool_name_rule_accepts_only_lowercase_digits_underscore_up_to_64() {
        let cases = [
            ("list_all_service_now_incident", true),
            ("a", true),
            (&"a".repeat(64), true),
            (&"a".repeat(65), false),
            ("", false),
            ("List_all", false),
            ("list-all", false),
            ("list all", false),
            ("liste_é", false),
        ];
        for (name, ok) in cases {
            assert_eq!(is_valid_tool_name(name), ok, "{name:?}");
        }
    }

    #[test]
    fn identifiers_start_with_a_letter() {
        let cases = [
            ("incident", true),
            ("u_custom_2", true),
            ("2fa", false),
            ("_x", false),
            ("Incident", false),
            ("", false),
            ("a.b", false),
        ];
        for (s, ok) in cases {
            assert_eq!(is_identifier(s), ok, "{s:?}");
        }
    }

    #[test]
    fn custom_method_titles_are_humanized() {
        assert_eq!(humanize("close_task"), "Close task");
        assert_eq!(humanize("resolve"), "Resolve");
    }
}
