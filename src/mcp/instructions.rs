//! The `instructions` a client shows its model: how to work ServiceNow through this
//! server's tools. Said once here rather than in every tool definition (the schemas
//! stay lean); names only tools the server actually exposes.

use snmcp_catalog::{tool_name, MethodKind};

/// The rules every tool shares: names are resolved by the server, ambiguity is
/// reported, results carry labels, and the encoded-query and paging conventions.
pub fn instructions(visible_tool: impl Fn(&str) -> bool) -> String {
    let mut text = String::from(
        "This server works one ServiceNow instance through its Table API.\n\
         - Reference fields (caller_id, assigned_to, assignment_group, cmdb_ci, ...) accept what a person would say: a user's user_name, email or full name; a group's, CI's, location's or company's exact name; a task's number (INC0010001). The server looks each one up before writing. If no record or several match, the call fails naming the field and up to 5 candidates with their sys_ids, and nothing is written: ask the user or pass the sys_id. A 32-character sys_id is used as given.\n\
         - get/update/delete tools take a sys_id or, where the tool says so, a record number (INC0010001, PRB0040001, CHG0030001) as id. \"\" and null mean \"not given\" on every optional argument; to empty fields on update, name them in clear.\n\
         - Choice fields take ServiceNow codes (incident state: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed); each field's schema lists its codes and labels.\n\
         - Results are structured JSON: records keep codes and sys_ids, and a record's display_values object gives the label or name beside each reference and choice field (state \"In Progress\", caller_id \"Alice Johnson\"). display_value \"true\" returns only labels, \"false\" only codes, \"all\" ServiceNow's own pairs.\n\
         - List tools filter with an encoded query: field, operator, value (= != LIKE STARTSWITH IN ISEMPTY < <= > >=), joined with ^ (AND) or ^OR; sort with ^ORDERBY<field> or ^ORDERBYDESC<field>; dot-walk references into tables this server exposes (caller_id.nameLIKEsmith); no javascript: values (dates: sys_created_on>=2026-01-01 00:00:00 or sys_created_onRELATIVEGE@dayofweek@ago@7). They return at most `limit` records (1-100, default 20) and a next_cursor while more match: call again with the same arguments and that cursor. Ask only for the `fields` you need.\n\
         - Access controls may hide fields or rows: a missing field is not an empty one (hidden_fields names requested fields that did not come back: hidden by access controls, or not a field of that table).\n",
    );
    // (resource, what its list tool finds); names come from the catalog's naming rule.
    let lookups = [
        ("sys_users", "people by partial name: query nameLIKEjohn"),
        ("sys_user_groups", "groups: query nameLIKEnetwork"),
        ("cmdb_ci", "configuration items: query nameLIKEdb01"),
    ];
    for (resource, how) in lookups {
        let tool = tool_name(resource, MethodKind::List.as_str());
        if visible_tool(&tool) {
            text.push_str(&format!("  - {tool} searches {how}.\n"));
        }
    }
    text.push_str(
        "- If a call fails with a rate limit (HTTP 429), wait for the retry delay it names before calling again; this server never retries on its own.",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_name_only_visible_lookup_tools() {
        let text = instructions(|t| t != "list_all_service_now_sys_users");
        assert!(!text.contains("list_all_service_now_sys_users"));
        assert!(text.contains("list_all_service_now_sys_user_groups"));
    }

    #[test]
    fn instructions_teach_names_ambiguity_and_labels() {
        let text = instructions(|_| true);
        for part in [
            "user_name, email or full name",
            "nothing is written",
            "up to 5 candidates",
            "display_values",
            "next_cursor",
        ] {
            assert!(text.contains(part), "{part}");
        }
    }
}
