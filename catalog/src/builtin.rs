//! The specs compiled into the binary at build time (see build.rs): their sources and
//! the once-per-isolate parse into the builtin catalog.

use crate::error::CatalogError;
use crate::spec::ResourceSpec;

include!(concat!(env!("OUT_DIR"), "/builtin_specs.rs"));

/// Every embedded `tool-specs/servicenow/*.json` as (file name, JSON text), sorted by
/// file name.
pub fn builtin_spec_sources() -> &'static [(&'static str, &'static str)] {
    BUILTIN_SPEC_SOURCES
}

/// Parses the embedded specs; each file must be named after its resource.
pub fn parse_builtin_specs() -> Result<Vec<ResourceSpec>, CatalogError> {
    parse_spec_sources(BUILTIN_SPEC_SOURCES)
}

/// Parses (file name, JSON text) pairs into specs, failing on the first unreadable one.
pub fn parse_spec_sources(sources: &[(&str, &str)]) -> Result<Vec<ResourceSpec>, CatalogError> {
    sources
        .iter()
        .map(|(file, text)| {
            let spec: ResourceSpec =
                serde_json::from_str(text).map_err(|e| CatalogError::Parse {
                    file: (*file).to_string(),
                    message: e.to_string(),
                })?;
            let expected = format!("{}.json", spec.resource);
            if *file != expected {
                return Err(CatalogError::Parse {
                    file: (*file).to_string(),
                    message: format!(
                        "documents resource {:?}, so the file must be named {expected}",
                        spec.resource
                    ),
                });
            }
            Ok(spec)
        })
        .collect()
}
