//! The Knowledge API, the Aggregate API and journal entries over the demo seed and the
//! repository's specs, through `Simulator::handle` (ServiceNow's answer shapes, the
//! plugin switch, string numbers, group-by, having, order, ACLs).

use base64::Engine;
use serde_json::{json, Value};
use servicenow_simulator::{Request, Response};
use std::collections::BTreeMap;

mod common;
use common::{Harness, NOW};

fn body(response: &Response) -> Value {
    response.body_json().unwrap_or(Value::Null)
}

#[test]
fn knowledge_search_scores_published_articles_and_a_body_phrase_wins() {
    let mut sim = Harness::repository();
    let r = sim.get("admin", "/api/sn_km_api/knowledge/articles?query=captive%20portal%20certificate&fields=short_description,sys_updated_on");
    assert_eq!(r.status, 200);
    let b = body(&r);
    let articles = b["result"]["articles"].as_array().expect("articles");
    assert_eq!(articles[0]["title"], "Wi-Fi drops in the London office");
    assert_eq!(articles[0]["number"], "KB0010008");
    assert_eq!(articles[0]["rank"], 1);
    assert!(
        articles[0]["score"].as_f64().unwrap() > 10.0,
        "{}",
        articles[0]
    );
    assert!(articles[0]["snippet"]
        .as_str()
        .unwrap()
        .contains("captive portal certificate"));
    assert_eq!(
        articles[0]["fields"]["short_description"]["value"],
        "Wi-Fi drops in the London office"
    );
    assert_eq!(
        articles[0]["fields"]["sys_updated_on"]["name"],
        "sys_updated_on"
    );
    assert_eq!(b["result"]["meta"]["count"], articles.len());
    assert_eq!(b["result"]["meta"]["status"]["code"], 200);
    let id = articles[0]["id"].as_str().unwrap();
    assert_eq!(
        articles[0]["link"],
        format!("?id=kb_article_view&sys_kb_id={id}")
    );

    // Drafts are never found (the heap dump article is a draft).
    let r = sim.get(
        "admin",
        "/api/sn_km_api/knowledge/articles?query=heap%20dump",
    );
    let titles: Vec<Value> = body(&r)["result"]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].clone())
        .collect();
    assert!(
        !titles.contains(&json!("Payment service: collecting a heap dump")),
        "{titles:?}"
    );

    // limit, offset and filter.
    let r = sim.get(
        "admin",
        "/api/sn_km_api/knowledge/articles?limit=2&offset=1",
    );
    let b = body(&r);
    assert_eq!(b["result"]["articles"].as_array().unwrap().len(), 2);
    assert_eq!(b["result"]["meta"]["start"], 1);
    assert_eq!(b["result"]["meta"]["end"], 3);
    assert_eq!(b["result"]["meta"]["count"], 7, "seven published articles");
    let r = sim.get(
        "admin",
        "/api/sn_km_api/knowledge/articles?filter=numberSTARTSWITHKB001000&query=the",
    );
    assert!(body(&r)["result"]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["number"].as_str().unwrap().starts_with("KB001000")));
}

#[test]
fn an_article_reads_with_its_content_by_sys_id_or_number() {
    let mut sim = Harness::repository();
    let r = sim.get("admin", "/api/sn_km_api/knowledge/articles/KB0010007");
    assert_eq!(r.status, 200);
    let b = body(&r);
    assert!(b["result"]["content"]
        .as_str()
        .unwrap()
        .contains("<table class=\"codes\">"));
    let sys_id = b["result"]["sys_id"].as_str().unwrap().to_string();
    let by_id = sim.get(
        "admin",
        &format!("/api/sn_km_api/v1/knowledge/articles/{sys_id}"),
    );
    assert_eq!(body(&by_id)["result"]["number"], "KB0010007");
    assert_eq!(
        sim.get("admin", "/api/sn_km_api/knowledge/articles/KB0010006")
            .status,
        404,
        "draft"
    );
    assert_eq!(
        sim.get("admin", "/api/sn_km_api/knowledge/articles/KB9999999")
            .status,
        404
    );
    assert_eq!(
        sim.get("admin", "/api/sn_km_api/knowledge/featured").status,
        404
    );
}

#[test]
fn the_plugin_switch_makes_every_knowledge_path_404_and_is_logged() {
    let mut sim = Harness::repository();
    let config = |sim: &mut Harness, body: &str| {
        let r = sim
            .sim
            .handle(&Request::new("POST", "/__sim/config").with_body(body), NOW);
        (r.status, r.body_json().unwrap_or(Value::Null))
    };
    let (status, settings) = config(&mut sim, r#"{"knowledge_api": false, "delay_ms": 0}"#);
    assert_eq!(status, 200);
    assert_eq!(settings["knowledge_api"], false);
    let r = sim.get("admin", "/api/sn_km_api/knowledge/articles?query=vpn");
    assert_eq!(r.status, 404);
    assert_eq!(
        body(&r)["error"]["message"],
        "Requested URI does not represent any resource"
    );
    // The Table API is untouched.
    assert_eq!(
        sim.get("admin", "/api/now/table/kb_knowledge?sysparm_limit=1")
            .status,
        200
    );
    assert_eq!(config(&mut sim, r#"{"knowledge_api": "no"}"#).0, 400);
    assert_eq!(
        config(&mut sim, r#"{"knowledge_api": true, "speed": 1}"#).0,
        400
    );
    assert_eq!(
        sim.get("admin", "/api/sn_km_api/knowledge/articles?query=vpn")
            .status,
        404,
        "a refused config changes nothing"
    );
    assert_eq!(config(&mut sim, r#"{"knowledge_api": true}"#).0, 200);
    assert_eq!(
        sim.get("admin", "/api/sn_km_api/knowledge/articles?query=vpn")
            .status,
        200
    );
    let log = sim
        .sim
        .handle(&Request::new("GET", "/__sim/requests"), NOW)
        .body_json()
        .unwrap();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/api/sn_km_api/knowledge/articles" && e["status"] == 404));
    // Unauthenticated requests are refused as on the Table API.
    let anonymous = sim.sim.handle(
        &Request::new("GET", "/api/sn_km_api/knowledge/articles"),
        NOW,
    );
    assert_eq!(anonymous.status, 401);
}

#[test]
fn stats_count_and_group_like_servicenow_with_string_numbers() {
    let mut sim = Harness::repository();
    let incidents: Vec<BTreeMap<String, String>> = sim
        .sim
        .store()
        .rows("incident")
        .into_iter()
        .cloned()
        .collect();
    let r = sim.get("admin", "/api/now/stats/incident?sysparm_count=true&sysparm_sum_fields=reopen_count&sysparm_min_fields=opened_at");
    assert_eq!(r.status, 200);
    let stats = &body(&r)["result"]["stats"];
    assert_eq!(stats["count"], incidents.len().to_string());
    assert_eq!(stats["sum"]["reopen_count"], "0");
    let earliest = incidents
        .iter()
        .filter_map(|i| i.get("opened_at"))
        .filter(|v| !v.is_empty())
        .min()
        .unwrap();
    assert_eq!(stats["min"]["opened_at"], earliest.as_str());

    let r = sim.get("admin", "/api/now/stats/incident?sysparm_query=active%3Dtrue&sysparm_count=true&sysparm_group_by=assignment_group&sysparm_display_value=all&sysparm_order_by=COUNT%5EDESC");
    assert_eq!(r.status, 200);
    let groups = body(&r)["result"].as_array().cloned().unwrap();
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for inc in incidents
        .iter()
        .filter(|i| i.get("active").map(String::as_str) == Some("true"))
    {
        *expected
            .entry(inc.get("assignment_group").cloned().unwrap_or_default())
            .or_default() += 1;
    }
    let got: BTreeMap<String, usize> = groups
        .iter()
        .map(|g| {
            (
                g["groupby_fields"][0]["value"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                g["stats"]["count"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    let counts: Vec<usize> = groups
        .iter()
        .map(|g| g["stats"]["count"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(groups
        .iter()
        .any(|g| g["groupby_fields"][0]["display_value"] == "Network Ops"));
    assert_eq!(groups[0]["groupby_fields"][0]["field"], "assignment_group");

    // having keeps groups with more than three incidents; display_value=true shows names.
    let r = sim.get("admin", "/api/now/stats/incident?sysparm_count=true&sysparm_group_by=assignment_group&sysparm_having=count%5Eassignment_group%5E%3E%5E3&sysparm_display_value=true");
    let groups = body(&r)["result"].as_array().cloned().unwrap();
    assert!(!groups.is_empty());
    assert!(groups.iter().all(|g| g["stats"]["count"]
        .as_str()
        .unwrap()
        .parse::<usize>()
        .unwrap()
        > 3));
    assert!(groups
        .iter()
        .all(|g| g["groupby_fields"][0].get("display_value").is_none()));

    for (url, status) in [
        (
            "/api/now/stats/incident?sysparm_group_by=no_field&sysparm_count=true",
            400,
        ),
        (
            "/api/now/stats/incident?sysparm_having=count%5Epriority",
            400,
        ),
        ("/api/now/stats/no_table?sysparm_count=true", 400),
        ("/api/now/v1/stats/problem?sysparm_count=true", 200),
    ] {
        assert_eq!(sim.get("admin", url).status, status, "{url}");
    }
    // itil may not read security incidents: an aggregate over them is refused.
    assert_eq!(
        sim.get("itil", "/api/now/stats/incident?sysparm_count=true")
            .status,
        403
    );
    assert_eq!(
        sim.get(
            "itil",
            "/api/now/stats/incident?sysparm_count=true&sysparm_query=category!%3Dsecurity"
        )
        .status,
        200
    );
}

#[test]
fn journal_entries_written_through_the_table_api_are_readable_newest_first() {
    let mut sim = Harness::repository();
    let inc = sim.get(
        "admin",
        "/api/now/table/incident?sysparm_query=number%3DINC0010001",
    );
    let sys_id = body(&inc)["result"][0]["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    let auth = base64::engine::general_purpose::STANDARD.encode("admin:admin");
    let update = Request::new("PATCH", &format!("/api/now/table/incident/{sys_id}"))
        .with_header("Authorization", &format!("Basic {auth}"))
        .with_body(r#"{"work_notes": "Gateway patched."}"#);
    assert_eq!(sim.sim.handle(&update, NOW + 3600).status, 200);
    let r = sim.get("admin", &format!("/api/now/table/sys_journal_field?sysparm_query=element_id%3D{sys_id}%5EORDERBYDESCsys_created_on"));
    let entries = body(&r)["result"].as_array().cloned().unwrap();
    assert_eq!(entries.len(), 3, "two seeded entries and the new one");
    assert_eq!(entries[0]["value"], "Gateway patched.");
    assert_eq!(entries[0]["element"], "work_notes");
    assert_eq!(entries[0]["name"], "incident");
    assert_eq!(entries[0]["sys_created_by"], "admin");
}
