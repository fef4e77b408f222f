//! The `instructions` a client shows its model: how to work ServiceNow through this
//! server's tools. Names only tools the server actually exposes.

/// Teaches the sys_id discipline that ServiceNow's data model needs.
pub fn instructions(visible_tool: impl Fn(&str) -> bool) -> String {
    let mut text = String::from(
        "This server works one ServiceNow instance through its Table API.\n\
         - Reference fields (caller_id, assigned_to, assignment_group, cmdb_ci, ...) take a 32-character sys_id, never a name. Resolve names first with a list tool, then pass the sys_id.\n",
    );
    let lookups = [
        (
            "list_all_service_now_sys_users",
            "people: query name=Alice Johnson or email=alice@example.com",
        ),
        (
            "list_all_service_now_sys_user_groups",
            "groups: query name=Network Security",
        ),
        (
            "list_all_service_now_cmdb_ci",
            "configuration items: query nameLIKEdb01",
        ),
    ];
    for (tool, how) in lookups {
        if visible_tool(tool) {
            text.push_str(&format!("  - {tool} finds {how}.\n"));
        }
    }
    text.push_str(
        "- get/update tools also accept a record number (INC0010001, PRB0040001, CHG0030001) where the tool says so.\n\
         - Choice fields take ServiceNow codes (incident state: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed); each tool's schema lists them.\n\
         - List tools filter with an encoded query (e.g. active=true^short_descriptionLIKEvpn^ORDERBYDESCsys_updated_on), return at most `limit` rows and a next_cursor for the next page; request only the `fields` you need.\n\
         - Access controls may hide fields or rows: a missing field is not an empty one.\n\
         - If a call fails with a rate limit (HTTP 429), wait for the retry delay it names before calling again; this server never retries on its own.",
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
}
