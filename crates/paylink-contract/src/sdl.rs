//! SDL documents and their parsing into one apollo-compiler [`Schema`].

use apollo_compiler::Schema;

/// One SDL document and where it came from (a path, `git:REV:schema/x.graphql`, a URL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdlSource {
    /// Where the text came from, shown in parse errors.
    pub name: String,
    /// The SDL text.
    pub text: String,
}

impl SdlSource {
    /// Pairs a name with its SDL text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// The documents do not form a schema; the message lists apollo-compiler's diagnostics.
#[derive(Debug, thiserror::Error)]
#[error("the SDL does not build a schema:\n{0}")]
pub struct SdlError(pub String);

/// Parses all documents together as one schema (a type may be used in a file other than its
/// own).
///
/// Only parsing and building are required, not full validation: a schema that uses, say, a
/// directive it does not define can still be compared. Redefinitions of built-in scalars and
/// directives are ignored.
pub fn parse(sources: &[SdlSource]) -> Result<Schema, SdlError> {
    let mut builder = Schema::builder().ignore_builtin_redefinitions();
    for source in sources {
        builder = builder.parse(source.text.as_str(), &source.name);
    }
    builder
        .build()
        .map_err(|with_errors| SdlError(with_errors.errors.to_string()))
}
