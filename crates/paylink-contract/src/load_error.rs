//! Why a side of a diff cannot be read.

use crate::introspection::IntrospectionError;
use crate::sdl::SdlError;

/// Why a side cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// A folder (or `schema/` at a git revision) has no top-level `.graphql` file.
    #[error("no .graphql files in {0}")]
    NoSdlFiles(String),
    /// git failed or the revision does not exist.
    #[error("git: {0}")]
    Git(String),
    /// The endpoint cannot be reached or answered with an HTTP error.
    #[error("{0}")]
    Http(String),
    /// The endpoint's introspection result cannot be turned into a schema.
    #[error(transparent)]
    Introspection(#[from] IntrospectionError),
    /// The SDL does not parse or build.
    #[error(transparent)]
    Sdl(#[from] SdlError),
}
