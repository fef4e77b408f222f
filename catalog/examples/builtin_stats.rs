//! Measures the per-isolate start-up cost of the builtin catalog and prints a summary:
//! parsing the embedded specs, checking them and planning the tools (what
//! `Catalog::builtin()` does), building one tool definition (a tools/call on a fresh
//! isolate), building all of them (an unfiltered tools/list), and compiling validators.
//! Native figures; wasm under V8 runs these paths roughly 5-10x slower.
//! Run: `cargo run --release -p snmcp-catalog --example builtin_stats`.

use snmcp_catalog::{builtin_spec_sources, parse_spec_sources, Catalog, ToolFilter};
use std::time::{Duration, Instant};

const ROUNDS: u32 = 50;

fn main() {
    if let Err(e) = run() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

/// Average time of `ROUNDS` runs of `f` on a freshly built catalog.
fn per_fresh_catalog(mut f: impl FnMut(&Catalog)) -> Result<Duration, snmcp_catalog::CatalogError> {
    let mut total = Duration::ZERO;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let catalog = Catalog::from_specs(parse_spec_sources(builtin_spec_sources())?)?;
        f(&catalog);
        total += start.elapsed();
    }
    Ok(total / ROUNDS)
}

fn run() -> Result<(), snmcp_catalog::CatalogError> {
    let sources = builtin_spec_sources();
    let bytes: usize = sources.iter().map(|(_, text)| text.len()).sum();
    println!("{} spec files, {bytes} bytes of JSON", sources.len());

    let start = Instant::now();
    for _ in 0..ROUNDS {
        parse_spec_sources(sources)?;
    }
    let parse = start.elapsed() / ROUNDS;
    let all = ToolFilter::default();
    let builtin = per_fresh_catalog(|_| {})?;
    let one = per_fresh_catalog(|c| {
        c.find("create_a_service_now_incident", &all);
    })?;
    let every = per_fresh_catalog(|c| {
        c.tools();
    })?;
    println!("parse specs: {parse:?}");
    println!("parse + check + plan (Catalog::builtin): {builtin:?}");
    println!("... + build one tool (tools/call): {one:?}");
    println!("... + build every tool (unfiltered tools/list): {every:?}");

    let catalog = Catalog::builtin()?;
    let definitions: usize = catalog
        .tools()
        .iter()
        .map(|t| t.definition.to_string().len())
        .sum();
    let first_page = catalog.list_page(&all, None).map_or(0, |p| p.tools.len());
    println!(
        "{} resources, {} tools, {definitions} bytes of tool definitions; the first \
         tools/list page holds {first_page}",
        catalog.resources().len(),
        catalog.tools().len(),
    );

    let n = u32::try_from(catalog.tools().len())
        .unwrap_or(u32::MAX)
        .max(1);
    let start = Instant::now();
    for tool in catalog.tools() {
        // The first call compiles and caches the tool's validator.
        let _ = catalog.validate_arguments(tool, None);
    }
    let first = start.elapsed() / n;
    let start = Instant::now();
    for tool in catalog.tools() {
        let _ = catalog.validate_arguments(tool, None);
    }
    let cached = start.elapsed() / n;
    println!("validate_arguments per tool: first call (compiles) {first:?}, cached {cached:?}");

    let longest = catalog
        .tools()
        .iter()
        .map(|t| {
            let d = t.definition["description"].as_str().unwrap_or_default();
            (d.len(), t.name.as_str())
        })
        .max();
    if let Some((len, name)) = longest {
        println!("longest description: {len} characters ({name})");
    }
    Ok(())
}
