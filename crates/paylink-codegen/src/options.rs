//! What the generator reads: SDL files and the Rust paths the generated code refers to.

use std::collections::BTreeMap;

/// One SDL file: its path (used in diagnostics) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaSource {
    /// Path shown in diagnostics, e.g. `schema/payment_links.graphql`.
    pub path: String,
    /// The SDL text.
    pub text: String,
}

impl SchemaSource {
    /// Pairs a path with its SDL text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }
}

/// The hand-written Rust items that the generated code plugs into.
///
/// Paths are absolute from the including crate (`crate::...`) because the generated file is
/// `include!`d into an arbitrary module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Rust path of the juniper context type, e.g. "crate::graphql::Context"
    pub context_type: String,
    /// Rust path of the error type every root resolver returns, e.g. "crate::graphql::ApiError" (it implements juniper::IntoFieldError)
    pub error_type: String,
    /// Rust path of the type that implements the generated resolver traits, e.g. "crate::graphql::Resolvers"
    pub resolvers_type: String,
    /// custom scalar name -> Rust type path (hand-written types that implement juniper's scalar traits)
    pub scalars: BTreeMap<String, String>,
}
