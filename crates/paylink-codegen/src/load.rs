//! Parses SDL files into one apollo-compiler schema.

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::diagnostics::{CodegenError, from_apollo};
use crate::options::SchemaSource;

/// All files together form one schema, so a type may be used in a file other than its own.
pub(crate) fn load_valid(sources: &[SchemaSource]) -> Result<Valid<Schema>, CodegenError> {
    let mut builder = Schema::builder();
    for source in sources {
        builder = builder.parse(source.text.as_str(), &source.path);
    }
    builder
        .build()
        .map_err(|with_errors| from_apollo(&with_errors.errors))?
        .validate()
        .map_err(|with_errors| from_apollo(&with_errors.errors))
}
