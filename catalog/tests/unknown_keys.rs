//! Arguments full of unknown keys: the message names a few of them and lists the
//! accepted ones once, and the work stays linear in the size of the arguments.

mod common;

use common::fixture_catalog;
use serde_json::{Map, Value};

#[test]
fn many_unknown_keys_give_one_bounded_message() {
    let catalog = fixture_catalog();
    let tool = catalog
        .find("delete_a_service_now_incident_by_id", &common::all())
        .unwrap_or_else(|| panic!("no delete tool"));
    let mut args = Map::new();
    args.insert("id".into(), Value::from("0123456789abcdef0123456789abcdef"));
    for i in 0..20_000 {
        args.insert(format!("unknown_key_{i:05}"), Value::from(i));
    }
    let started = std::time::Instant::now();
    let errors = catalog
        .validate_arguments(tool, Some(&Value::Object(args)))
        .expect_err("unknown keys must be refused");
    let text = errors.to_string();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        text.matches("this tool accepts").count(),
        1,
        "{}",
        &text[..text.len().min(2000)]
    );
    assert_eq!(
        text.matches("unknown field '").count(),
        10,
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.contains("and 19990 more unknown fields"), "{text}");
    assert!(text.len() < 2_000, "{} bytes", text.len());
}

#[test]
fn a_very_long_unknown_key_is_clipped_in_the_message() {
    let catalog = fixture_catalog();
    let tool = catalog
        .find("delete_a_service_now_incident_by_id", &common::all())
        .unwrap_or_else(|| panic!("no delete tool"));
    let key = "k".repeat(100_000);
    let mut args = Map::new();
    args.insert("id".into(), Value::from("0123456789abcdef0123456789abcdef"));
    args.insert(key.clone(), Value::from(1));
    let errors = catalog
        .validate_arguments(tool, Some(&Value::Object(args)))
        .expect_err("an unknown key must be refused");
    assert!(
        errors.to_string().len() < 500,
        "{}",
        errors.to_string().len()
    );
}
