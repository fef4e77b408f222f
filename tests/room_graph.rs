//! The worker's rooms import each other in one direction only: among the top-level
//! modules (`crate::X`), and among the modules of each room (`crate::room::sub` and
//! `super::sub` within it), there is no cycle. Test code is left out (`mod tests`
//! blocks, `*_tests.rs` files and `tests/` folders): tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.to_string_lossy().ends_with("_tests.rs")
        {
            out.push(path);
        }
    }
}

/// The module path of a file under `src`: `["mcp", "endpoint"]`, `["app"]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The identifiers that follow `prefix` in `code` (`crate::` gives `mcp`, `store`, ...).
fn after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .filter(|(at, _)| {
            // Not the tail of a longer path such as `servicenow_mcp::crate::`.
            !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        })
        .filter_map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .collect()
}

fn graphs() -> (Graph, BTreeMap<String, Graph>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut top = Graph::new();
    let mut rooms: BTreeMap<String, Graph> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let module = module_of(&src, &file);
        let Some(room) = module.first().cloned() else {
            continue;
        };
        for target in after(code, "crate::") {
            if target != room {
                top.entry(room.clone())
                    .or_default()
                    .insert(target.to_string());
            }
        }
        if module.len() >= 2 {
            let me = module[1].clone();
            let mut targets = after(code, &format!("crate::{room}::"));
            if module.len() == 2 {
                targets.extend(after(code, "super::"));
            }
            for target in targets {
                if target != me && target != "*" {
                    rooms
                        .entry(room.clone())
                        .or_default()
                        .entry(me.clone())
                        .or_default()
                        .insert(target.to_string());
                }
            }
        }
    }
    (top, rooms)
}

/// One cycle of `graph`, if it has any.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_room_imports_back_into_a_room_that_imports_it() {
    let (top, rooms) = graphs();
    assert!(
        top.contains_key("mcp") && rooms.contains_key("servicenow"),
        "{top:?}"
    );
    assert_eq!(cycle(&top), None, "between top-level modules");
    for (room, graph) in &rooms {
        assert_eq!(cycle(graph), None, "inside {room}");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: Graph = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .into_iter()
        .fold(Graph::new(), |mut g, (from, to)| {
            g.entry(from.into()).or_default().insert(to.into());
            g
        });
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
