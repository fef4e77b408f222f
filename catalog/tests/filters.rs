//! config.methods / config.tags: the truth table, the errors raised when a server is
//! created, and the rule that a hidden tool cannot be called.

mod common;

use common::{all, filter, fixture_catalog};
use snmcp_catalog::FilterError;

const INCIDENT: [&str; 6] = [
    "list_all_service_now_incident",
    "get_single_service_now_incident_by_id",
    "create_a_service_now_incident",
    "update_a_service_now_incident_by_id",
    "delete_a_service_now_incident_by_id",
    "resolve_service_now_incident",
];
const KB: [&str; 4] = [
    "list_all_service_now_kb_knowledge",
    "get_single_service_now_kb_knowledge_by_id",
    "create_a_service_now_kb_knowledge",
    "published_service_now_kb_knowledge",
];
const USERS: [&str; 2] = [
    "list_all_service_now_sys_users",
    "get_single_service_now_sys_users_by_id",
];

#[test]
fn tools_come_in_a_stable_documented_order() {
    let catalog = fixture_catalog();
    let names: Vec<&str> = catalog.tools().iter().map(|t| t.name.as_str()).collect();
    let expected: Vec<&str> = INCIDENT.iter().chain(&KB).chain(&USERS).copied().collect();
    assert_eq!(names, expected);
}

#[test]
fn filter_truth_table() {
    type Case<'a> = (
        &'a str,
        Option<&'a [&'a str]>,
        Option<&'a [&'a str]>,
        Vec<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "no filter keeps everything",
            None,
            None,
            [&INCIDENT[..], &KB, &USERS].concat(),
        ),
        (
            "read keeps get, list and custom list methods",
            Some(&["read"]),
            None,
            vec![
                INCIDENT[0],
                INCIDENT[1],
                KB[0],
                KB[1],
                KB[3],
                USERS[0],
                USERS[1],
            ],
        ),
        (
            "write keeps create, update, delete and custom writes",
            Some(&["write"]),
            None,
            vec![INCIDENT[2], INCIDENT[3], INCIDENT[4], INCIDENT[5], KB[2]],
        ),
        (
            "read and write together keep everything",
            Some(&["read", "write"]),
            None,
            [&INCIDENT[..], &KB, &USERS].concat(),
        ),
        (
            "a single method keeps exactly that method key",
            Some(&["list"]),
            None,
            vec![INCIDENT[0], KB[0], USERS[0]],
        ),
        ("delete alone", Some(&["delete"]), None, vec![INCIDENT[4]]),
        (
            "a custom method by its key",
            Some(&["resolve"]),
            None,
            vec![INCIDENT[5]],
        ),
        (
            "single methods are a union",
            Some(&["create", "delete"]),
            None,
            vec![INCIDENT[2], INCIDENT[4], KB[2]],
        ),
        ("one tag", None, Some(&["users"]), USERS.to_vec()),
        (
            "a tag shared by one resource",
            None,
            Some(&["itsm"]),
            INCIDENT.to_vec(),
        ),
        (
            "tags are a union",
            None,
            Some(&["incident", "knowledge"]),
            [&INCIDENT[..], &KB].concat(),
        ),
        (
            "methods AND tags",
            Some(&["read"]),
            Some(&["incident"]),
            vec![INCIDENT[0], INCIDENT[1]],
        ),
        (
            "single method AND tags",
            Some(&["get", "published"]),
            Some(&["knowledge", "users"]),
            vec![KB[1], KB[3], USERS[1]],
        ),
    ];
    let catalog = fixture_catalog();
    for (case, methods, tags, expected) in cases {
        let f = filter(methods, tags);
        let visible: Vec<&str> = catalog.visible(&f).map(|t| t.name.as_str()).collect();
        assert_eq!(visible, expected, "{case}");
        assert_eq!(catalog.check_filter(&f), Ok(expected.len()), "{case}");
        for tool in catalog.tools() {
            let kept = expected.contains(&tool.name.as_str());
            assert_eq!(
                catalog.find(&tool.name, &f).is_some(),
                kept,
                "{case}: {}",
                tool.name
            );
            assert_eq!(f.keeps(tool), kept, "{case}: {}", tool.name);
        }
        let page = catalog
            .list_page(&f, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let listed: Vec<&str> = page
            .tools
            .iter()
            .filter_map(|d| d["name"].as_str())
            .collect();
        assert_eq!(listed, expected, "{case}: tools/list");
    }
}

#[test]
fn filters_that_cannot_work_are_refused_with_the_valid_choices() {
    let catalog = fixture_catalog();
    // (case, methods, tags, error, phrases its message must contain)
    type Case<'a> = (
        &'a str,
        Option<&'a [&'a str]>,
        Option<&'a [&'a str]>,
        FilterError,
        &'a [&'a str],
    );
    let cases: Vec<Case> = vec![
        (
            "empty methods keep nothing",
            Some(&[]),
            None,
            FilterError::EmptyMethods,
            &["config.methods is an empty list"],
        ),
        (
            "empty tags keep nothing",
            None,
            Some(&[]),
            FilterError::EmptyTags,
            &["config.tags is an empty list"],
        ),
        (
            "methods are case-sensitive and must be known",
            Some(&["Read", "list", "archive"]),
            None,
            FilterError::UnknownMethods {
                unknown: vec!["Read".into(), "archive".into()],
                known: [
                    "read",
                    "write",
                    "create",
                    "delete",
                    "get",
                    "list",
                    "published",
                    "resolve",
                    "update",
                ]
                .map(String::from)
                .to_vec(),
            },
            &[
                "\"Read\"",
                "\"archive\"",
                "read",
                "write",
                "published, resolve",
            ],
        ),
        (
            "tags must be used by some resource",
            Some(&["read"]),
            Some(&["users", "hr"]),
            FilterError::UnknownTags {
                unknown: vec!["hr".into()],
                known: [
                    "incident",
                    "incident_management",
                    "itsm",
                    "knowledge",
                    "users",
                ]
                .map(String::from)
                .to_vec(),
            },
            &[
                "\"hr\"",
                "known tags: incident, incident_management, itsm, knowledge, users",
            ],
        ),
        (
            "known entries with nothing in common leave no tool",
            Some(&["write"]),
            Some(&["users"]),
            FilterError::NoTools {
                methods: Some(vec!["write".into()]),
                tags: Some(vec!["users".into()]),
            },
            &["leaves no tool", "tags [\"users\"]", "methods [\"write\"]"],
        ),
        (
            "a custom method under a tag that lacks it leaves no tool",
            Some(&["resolve"]),
            Some(&["knowledge"]),
            FilterError::NoTools {
                methods: Some(vec!["resolve".into()]),
                tags: Some(vec!["knowledge".into()]),
            },
            &["leaves no tool"],
        ),
    ];
    for (case, methods, tags, expected, phrases) in cases {
        let f = filter(methods, tags);
        let err = match catalog.check_filter(&f) {
            Err(e) => e,
            Ok(n) => panic!("{case}: accepted with {n} tools"),
        };
        assert_eq!(err, expected, "{case}");
        let message = err.to_string();
        for phrase in phrases {
            assert!(
                message.contains(phrase),
                "{case}: {message:?} lacks {phrase:?}"
            );
        }
    }
}

#[test]
fn a_filtered_out_tool_is_not_found_exactly_like_an_unknown_one() {
    let catalog = fixture_catalog();
    let read_only = filter(Some(&["read"]), None);
    assert!(catalog
        .find("delete_a_service_now_incident_by_id", &all())
        .is_some());
    assert!(catalog
        .find("delete_a_service_now_incident_by_id", &read_only)
        .is_none());
    assert!(catalog
        .find("delete_a_service_now_nothing_by_id", &read_only)
        .is_none());
    assert!(catalog.find("", &all()).is_none());
}

#[test]
fn unknown_entries_match_nothing_outside_check_filter() {
    // A server record is checked at creation; at call time an unknown entry (e.g. a
    // method removed from the specs since) just keeps no tool.
    let catalog = fixture_catalog();
    let f = filter(Some(&["archive"]), None);
    assert_eq!(catalog.visible(&f).count(), 0);
    let f = filter(Some(&["archive", "get"]), None);
    assert_eq!(catalog.visible(&f).count(), 3);
}
