//! Errors of building a catalog from spec files (`CatalogError`). Filter, cursor and
//! argument errors live beside the code that raises them.

/// Why the catalog could not be built: the specs are missing, unparsable or break a
/// cross-field rule. Every problem found is reported, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// No spec was given (or none was embedded at build time).
    #[error(
        "no tool specs: add documented resources to tool-specs/servicenow/*.json \
         (format: docs/tool-specs.md) and rebuild"
    )]
    NoSpecs,
    /// A spec file is not valid JSON or does not match the spec model.
    #[error(
        "tool spec {file} cannot be read: {message}; fix it against \
         tool-specs/spec.schema.json (format: docs/tool-specs.md)"
    )]
    Parse { file: String, message: String },
    /// Specs that parse but break rules of docs/tool-specs.md; one line per problem,
    /// each starting with the resource it concerns.
    #[error("{}", listed(.0))]
    Invalid(Vec<String>),
}

/// The problems under one heading line, one per line.
fn listed(problems: &[String]) -> String {
    let mut text = format!(
        "{} problem(s) in the tool specs (format: docs/tool-specs.md):",
        problems.len()
    );
    for problem in problems {
        text.push_str("\n- ");
        text.push_str(problem);
    }
    text
}
