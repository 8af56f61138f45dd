//! The GraphQL contract of paylink, as clients see it: what changed between two schemas,
//! and whether each change breaks them.
//!
//! - [`diff()`] compares two apollo-compiler schemas and returns one [`Change`] per
//!   difference, with its [`Criticality`] (`BREAKING`, `DANGEROUS`, `NON_BREAKING`), its schema
//!   coordinate and a one-line reason. The classification follows graphql-js's
//!   `findBreakingChanges` / `findDangerousChanges` and graphql-inspector.
//! - [`Side`] reads a schema from an SDL file, a folder of `.graphql` files, `git:REV` or a
//!   live endpoint (by [`introspection`]).
//! - [`AcceptList`] acknowledges deliberate breaking changes; [`Report`] renders the result
//!   as text or JSON.
//!
//! `paylink schema diff` is the command-line front end.

pub mod accept;
pub mod change;
mod diff;
mod endpoint;
mod header;
pub mod introspection;
mod load_error;
pub mod report;
pub mod sdl;
pub mod source;

pub use accept::AcceptList;
pub use change::{Change, ChangeKind, Criticality};
pub use diff::diff;
pub use report::{Report, Summary};
pub use sdl::{SdlError, SdlSource};
pub use source::{Header, LoadError, Side};

/// Compares two SDL documents (each one whole schema): a convenience for [`diff()`].
pub fn diff_sdl(old: &str, new: &str) -> Result<Vec<Change>, SdlError> {
    let old = sdl::parse(&[SdlSource::new("old.graphql", old)])?;
    let new = sdl::parse(&[SdlSource::new("new.graphql", new)])?;
    Ok(diff(&old, &new))
}
