//! Errors of building a catalog from spec files (`CatalogError`). Filter, cursor and
//! argument errors live beside the code that raises them.

use std::fmt;

/// Why the catalog could not be built: the specs are missing, unparsable or break a
/// cross-field rule. Every problem found is reported, not just the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// No spec was given (or none was embedded at build time).
    NoSpecs,
    /// A spec file is not valid JSON or does not match the spec model.
    Parse { file: String, message: String },
    /// Specs that parse but break rules of docs/tool-specs.md; one line per problem,
    /// each starting with the resource it concerns.
    Invalid(Vec<String>),
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::NoSpecs => f.write_str(
                "no tool specs: add documented resources to tool-specs/servicenow/*.json \
                 (format: docs/tool-specs.md) and rebuild",
            ),
            CatalogError::Parse { file, message } => write!(
                f,
                "tool spec {file} cannot be read: {message}; fix it against \
                 tool-specs/spec.schema.json (format: docs/tool-specs.md)"
            ),
            CatalogError::Invalid(problems) => {
                write!(
                    f,
                    "{} problem(s) in the tool specs (format: docs/tool-specs.md):",
                    problems.len()
                )?;
                for problem in problems {
                    write!(f, "\n- {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for CatalogError {}
