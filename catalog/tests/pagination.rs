//! tools/list pagination: every page size walks the same tools once, and cursors are
//! bound to the filter and catalog that issued them.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::{all, filter, fixture_catalog};
use snmcp_catalog::{Catalog, ToolFilter, PAGE_SIZE};

/// Walks every page of `filter` at `size`, returning the names and each page's length.
fn walk(catalog: &Catalog, filter: &ToolFilter, size: usize) -> (Vec<String>, Vec<usize>) {
    let mut names = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match catalog.list_page_sized(filter, cursor.as_deref(), size) {
            Ok(page) => page,
            Err(e) => panic!("size {size}: {e}"),
        };
        sizes.push(page.tools.len());
        names.extend(
            page.tools
                .iter()
                .filter_map(|d| d["name"].as_str())
                .map(String::from),
        );
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(sizes.len() <= 100, "pagination does not end");
    }
    (names, sizes)
}

#[test]
fn every_page_size_lists_each_visible_tool_once_in_order() {
    let catalog = fixture_catalog();
    let expected: Vec<String> = catalog.tools().iter().map(|t| t.name.clone()).collect();
    assert_eq!(expected.len(), 12);
    let cases: [(&str, usize, &[usize]); 6] = [
        ("size 1: one tool per page", 1, &[1; 12]),
        ("size 5: a short last page", 5, &[5, 5, 2]),
        ("size 6: an exact multiple has no empty page", 6, &[6, 6]),
        ("size 12: exactly one page", 12, &[12]),
        ("larger than the set: one page", 500, &[12]),
        ("size 0 is treated as 1", 0, &[1; 12]),
    ];
    for (case, size, sizes) in cases {
        let (names, got) = walk(&catalog, &all(), size);
        assert_eq!(names, expected, "{case}");
        assert_eq!(got, sizes, "{case}");
    }
}

#[test]
fn pages_follow_the_filter() {
    let catalog = fixture_catalog();
    let read = filter(Some(&["read"]), None);
    let expected: Vec<String> = catalog.visible(&read).map(|t| t.name.clone()).collect();
    let (names, sizes) = walk(&catalog, &read, 3);
    assert_eq!(names, expected);
    assert_eq!(sizes, [3, 3, 1]);
}

#[test]
fn the_default_page_size_is_documented_and_used() {
    assert_eq!(PAGE_SIZE, 200);
    let catalog = fixture_catalog();
    let page = catalog
        .list_page(&all(), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.tools.len(), 12);
    assert!(page.next_cursor.is_none());
}

#[test]
fn cursors_are_opaque_base64url() {
    let catalog = fixture_catalog();
    let page = catalog
        .list_page_sized(&all(), None, 4)
        .unwrap_or_else(|e| panic!("{e}"));
    let cursor = page.next_cursor.unwrap_or_default();
    assert!(!cursor.is_empty());
    assert!(cursor
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
}

#[test]
fn bad_cursors_are_rejected() {
    let catalog = fixture_catalog();
    let page = catalog
        .list_page_sized(&all(), None, 4)
        .unwrap_or_else(|e| panic!("{e}"));
    let good = page.next_cursor.unwrap_or_default();
    let decoded =
        String::from_utf8(URL_SAFE_NO_PAD.decode(&good).unwrap_or_default()).unwrap_or_default();
    let tampered_offset = URL_SAFE_NO_PAD.encode(decoded.replacen(".4.", ".99.", 1));
    let mut flipped = good.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap_or_default();
    let cases = [
        ("empty", String::new()),
        ("not base64", "not a cursor!".to_string()),
        ("base64 of garbage", URL_SAFE_NO_PAD.encode("hello")),
        ("offset past the end", tampered_offset),
        ("a flipped character", flipped),
        ("a number", "4".to_string()),
    ];
    for (case, cursor) in cases {
        let result = catalog.list_page_sized(&all(), Some(&cursor), 4);
        let err = match result {
            Err(e) => e,
            Ok(_) => panic!("{case}: {cursor:?} accepted"),
        };
        assert!(
            err.to_string().contains("without a cursor"),
            "{case}: {err}"
        );
    }
    assert!(catalog.list_page_sized(&all(), Some(&good), 4).is_ok());
}

#[test]
fn a_cursor_from_another_filter_is_rejected() {
    let catalog = fixture_catalog();
    let read = filter(Some(&["read"]), None);
    let page = catalog
        .list_page_sized(&read, None, 2)
        .unwrap_or_else(|e| panic!("{e}"));
    let cursor = page.next_cursor.unwrap_or_default();
    for other in [
        all(),
        filter(Some(&["write"]), None),
        filter(Some(&["read"]), Some(&["users"])),
    ] {
        assert!(
            catalog.list_page_sized(&other, Some(&cursor), 2).is_err(),
            "{other:?}"
        );
    }
    // The same filter written differently is the same filter.
    let same = filter(Some(&["read", "read"]), None);
    assert!(catalog.list_page_sized(&same, Some(&cursor), 2).is_ok());
}

#[test]
fn a_cursor_from_another_catalog_is_rejected() {
    let catalog = fixture_catalog();
    let page = catalog
        .list_page_sized(&all(), None, 2)
        .unwrap_or_else(|e| panic!("{e}"));
    let cursor = page.next_cursor.unwrap_or_default();
    let mut specs = common::fixture_specs();
    specs.retain(|s| s.resource != "sys_users");
    let smaller = Catalog::from_specs(specs).unwrap_or_else(|e| panic!("{e}"));
    assert!(smaller.list_page_sized(&all(), Some(&cursor), 2).is_err());
}
