//! docs/simulator.md promises sys_ids and numbers of the demo seed; these tests keep the
//! document and the seed in step (run against the repository's specs).

use servicenow_simulator::ratelimit::RateLimiter;
use servicenow_simulator::seed_id;
use std::path::Path;

mod common;
use common::Harness;

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/simulator.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(table, seed key, number or "")` of every record the document names by sys_id.
const DOCUMENTED: &[(&str, &str, &str)] = &[
    ("sys_user", "admin", ""),
    ("sys_user", "itil", ""),
    ("sys_user", "readonly", ""),
    ("sys_user", "alice.johnson", ""),
    ("sys_user", "david.smith", ""),
    ("sys_user", "sarah.connor", ""),
    ("sys_user", "fred.luddy", ""),
    ("sys_user", "beth.anglin", ""),
    ("sys_user", "bob.martinez", ""),
    ("sys_user", "priya.patel", ""),
    ("sys_user", "carol.white", ""),
    ("sys_user", "james.wilson", ""),
    ("sys_user_group", "network_ops", ""),
    ("sys_user_group", "network_security", ""),
    ("sys_user_group", "database_admins", ""),
    ("sys_user_group", "service_desk", ""),
    ("sys_user_role", "admin", ""),
    ("sys_user_role", "itil", ""),
    ("sys_user_role", "knowledge", ""),
    ("core_company", "acme", ""),
    ("cmn_location", "san_diego_hq", ""),
    ("cmn_department", "finance", ""),
    ("cmn_department", "it", ""),
    ("cmdb_ci", "sd-app-01", ""),
    ("cmdb_ci", "sd-db-01", ""),
    ("cmdb_ci", "oraprod", ""),
    ("cmdb_ci", "payment_service", ""),
    ("cmdb_ci", "fw-core-01", ""),
    ("cmdb_ci", "vpn-gw-01", ""),
    ("kb_knowledge_base", "it", ""),
    ("kb_knowledge", "ora-01033", "KB0010001"),
    ("problem", "memory_leak", "PRB0010001"),
    ("incident", "inc01", "INC0010001"),
    ("incident", "inc03", "INC0010003"),
];

#[test]
fn documented_sys_ids_and_numbers_match_the_seed() {
    let doc = doc();
    let sim = Harness::repository().sim;
    for (table, key, number) in DOCUMENTED {
        let sys_id = seed_id(table, key);
        assert!(
            doc.contains(&sys_id),
            "docs/simulator.md lacks {table}:{key} = {sys_id}"
        );
        let row = sim
            .store()
            .get(table, &sys_id)
            .unwrap_or_else(|| panic!("the demo seed has no {table}:{key}"));
        if !number.is_empty() {
            assert_eq!(
                row.get("number").map(String::as_str),
                Some(*number),
                "{table}:{key}"
            );
        }
    }
}

#[test]
fn the_vpn_article_and_the_rate_limit_rule_have_the_documented_ids() {
    let doc = doc();
    assert!(doc.contains(&RateLimiter::rule_sys_id()));
    let sim = Harness::repository().sim;
    let vpn = sim
        .store()
        .get("kb_knowledge", "8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d")
        .unwrap_or_else(|| panic!("the VPN article keeps the article's sys_id"));
    assert_eq!(vpn.get("number").map(String::as_str), Some("KB0010002"));
    let incidents = sim.store().rows("incident").len();
    assert!(
        doc.contains(&format!("INC0010001..INC00100{incidents}")),
        "{incidents} incidents"
    );
}
