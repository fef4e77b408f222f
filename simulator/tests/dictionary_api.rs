//! The schema tables an instance answers through the Table API, generated from the
//! simulator's own tables: `sys_db_object` (tables, labels, parents) and `sys_dictionary`
//! (a collection row per table, one row per column on the table that defines it), read
//! with the usual query, fields and paging; read-only; denied to a user without the
//! dictionary role.

mod common;

use common::*;

#[test]
fn sys_db_object_names_every_table_and_its_parent() {
    let mut h = Harness::repository();
    let response = h.get(
        "admin",
        "/api/now/table/sys_db_object?sysparm_query=nameINincident,task,cmdb_ci_server&sysparm_fields=name,label,super_class,is_extendable",
    );
    assert_eq!(response.status, 200);
    let rows = results(&response);
    let by_name = |n: &str| {
        rows.iter()
            .find(|r| r["name"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n}: {rows:?}"))
    };
    assert_eq!(rows.len(), 3, "{rows:?}");
    let task = by_name("task");
    assert_eq!(task["is_extendable"], "true");
    assert_eq!(task["super_class"], "");
    let incident = by_name("incident");
    assert_eq!(incident["label"], "Incident");
    assert_eq!(incident["is_extendable"], "false");
    // super_class is a reference to the parent's sys_db_object row.
    let parent = incident["super_class"]["value"]
        .as_str()
        .or(incident["super_class"].as_str())
        .unwrap()
        .to_string();
    let task_row = h.get(
        "admin",
        &format!("/api/now/table/sys_db_object/{parent}?sysparm_fields=name"),
    );
    assert_eq!(json(&task_row)["result"]["name"], "task");
    assert!(!by_name("cmdb_ci_server")["super_class"]
        .to_string()
        .is_empty());
}

#[test]
fn sys_dictionary_lists_columns_on_the_table_that_defines_them() {
    let mut h = Harness::repository();
    let response = h.get(
        "admin",
        "/api/now/table/sys_dictionary?sysparm_query=name=incident^elementINcaller_id,category,&sysparm_fields=name,element,internal_type,reference,choice,column_label&sysparm_limit=100",
    );
    assert_eq!(response.status, 200);
    let rows = results(&response);
    let element = |e: &str| rows.iter().find(|r| r["element"] == e).cloned();
    let caller = element("caller_id").expect("caller_id on incident");
    assert_eq!(caller["internal_type"], "reference");
    assert_eq!(caller["reference"], "sys_user");
    assert_eq!(caller["column_label"], "Caller id");
    assert_eq!(element("category").expect("category")["choice"], "1");
    // Every column of every table: a dictionary page is paged like any table.
    let page = h.get(
        "admin",
        "/api/now/table/sys_dictionary?sysparm_limit=50&sysparm_fields=name,element",
    );
    assert_eq!(results(&page).len(), 50);
    assert!(page
        .header("Link")
        .is_some_and(|l| l.contains("rel=\"next\"")));
    let collection = h.get(
        "admin",
        "/api/now/table/sys_dictionary?sysparm_query=name=incident^internal_type=collection",
    );
    assert_eq!(results(&collection).len(), 1);
}

#[test]
fn the_schema_tables_are_read_only_and_the_itil_user_may_not_read_the_dictionary() {
    let mut h = Harness::repository();
    let write = h.call(
        "admin",
        "POST",
        "/api/now/table/sys_dictionary",
        Some(r#"{"name":"incident","element":"u_x"}"#),
    );
    assert_eq!(write.status, 403);
    let denied = h.get("itil", "/api/now/table/sys_dictionary?sysparm_limit=1");
    assert_eq!(denied.status, 403);
    assert_eq!(json(&denied)["error"]["message"], "User Not Authorized");
    // The table list stays readable to them.
    assert_eq!(
        h.get("itil", "/api/now/table/sys_db_object?sysparm_limit=1")
            .status,
        200
    );
}
