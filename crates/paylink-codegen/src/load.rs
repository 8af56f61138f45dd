//! Parses SDL files into one apollo-compiler schema.

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::diagnostics::{CodegenError, from_apollo};
use crate::options::SchemaSource;

fn build(sources: &[SchemaSource], lenient: bool) -> Result<Schema, CodegenError> {
    let mut builder = Schema::builder();
    if lenient {
        builder = builder.ignore_builtin_redefinitions();
    }
    for source in sources {
        builder = builder.parse(source.text.as_str(), &source.path);
    }
    builder
        .build()
        .map_err(|with_errors| from_apollo(&with_errors.errors))
}

/// All files together form one schema, so a type may be used in a file other than its own.
pub(crate) fn load_valid(sources: &[SchemaSource]) -> Result<Valid<Schema>, CodegenError> {
    build(sources, false)?
        .validate()
        .map_err(|with_errors| from_apollo(&with_errors.errors))
}

/// For SDL printed by a server: it only has to parse and build, since any validation quirk of
/// the printer should show up as a difference, not hide all of them behind one error.
pub(crate) fn load_lenient(sources: &[SchemaSource]) -> Result<Schema, CodegenError> {
    build(sources, true)
}
