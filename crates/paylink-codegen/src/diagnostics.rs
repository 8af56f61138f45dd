//! Errors that point at the SDL: file, line and column, plus apollo-compiler's source snippet.

use std::fmt;

use apollo_compiler::diagnostic::{CliReport, Color, ToCliReport};
use apollo_compiler::parser::{SourceMap, SourceSpan};
use apollo_compiler::validation::DiagnosticList;

/// A position in an SDL file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceLocation {
    /// The path given in [`crate::SchemaSource::path`].
    pub path: String,
    /// Line, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub column: usize,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// One problem in the SDL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one line.
    pub message: String,
    /// Where, when the problem has a place in a file.
    pub location: Option<SourceLocation>,
    /// apollo-compiler's rendering with the offending source lines (no colours).
    pub report: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The `file:line:col: message` line comes first so that editors and `grep` find it;
        // the snippet below it is for humans.
        match &self.location {
            Some(location) => writeln!(f, "{location}: {}", self.message)?,
            None => writeln!(f, "{}", self.message)?,
        }
        if !self.report.is_empty() {
            write!(f, "{}", self.report.trim_end())?;
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Why code generation or schema comparison failed.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The SDL does not parse or validate, or uses something the generator cannot serve.
    #[error("{}", DiagnosticsDisplay(.0))]
    Schema(Vec<Diagnostic>),
    /// A Rust path in [`crate::Options`] does not parse.
    #[error("option `{option}` is not a Rust type path: {value:?}")]
    InvalidOption {
        /// Name of the option field.
        option: String,
        /// The value given.
        value: String,
    },
    /// The generator produced tokens that are not a Rust file: a bug in this crate.
    #[error("internal error in paylink-codegen: the generated code does not parse as Rust: {0}")]
    Internal(String),
}

impl CodegenError {
    /// The SDL diagnostics, if the error is about the SDL.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Schema(diagnostics) => diagnostics,
            Self::InvalidOption { .. } | Self::Internal(_) => &[],
        }
    }
}

struct DiagnosticsDisplay<'a>(&'a [Diagnostic]);

impl fmt::Display for DiagnosticsDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "the GraphQL schema has {count} problem{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for diagnostic in self.0 {
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

fn location(sources: &SourceMap, span: Option<SourceSpan>) -> Option<SourceLocation> {
    let span = span?;
    let start = span.line_column(sources)?;
    let file = sources.get(&span.file_id())?;
    Some(SourceLocation {
        path: file.path().display().to_string(),
        line: start.line,
        column: start.column,
    })
}

/// Converts apollo-compiler's parse and validation errors.
pub(crate) fn from_apollo(list: &DiagnosticList) -> CodegenError {
    let diagnostics = list
        .iter()
        .map(|d| Diagnostic {
            message: d.error.to_string(),
            location: location(d.sources, d.error.location()),
            report: d.to_string(),
        })
        .collect();
    CodegenError::Schema(diagnostics)
}

/// Collects the generator's own complaints so that one run reports all of them.
pub(crate) struct Problems {
    sources: SourceMap,
    found: Vec<Diagnostic>,
}

impl Problems {
    pub(crate) fn new(sources: SourceMap) -> Self {
        Self {
            sources,
            found: Vec::new(),
        }
    }

    /// Records a problem at `span` (the SDL node it is about).
    pub(crate) fn push(&mut self, span: Option<SourceSpan>, message: impl Into<String>) {
        let message = message.into();
        let mut report = CliReport::builder(&self.sources, span, Color::Never);
        report.with_message(&message);
        report.with_label_opt(span, "here");
        let report = if span.is_some() {
            report.into_string()
        } else {
            String::new()
        };
        self.found.push(Diagnostic {
            message,
            location: location(&self.sources, span),
            report,
        });
    }

    /// `Ok(value)` when nothing was recorded, otherwise every problem, in file order.
    pub(crate) fn into_result<T>(mut self, value: T) -> Result<T, CodegenError> {
        if self.found.is_empty() {
            return Ok(value);
        }
        // Unlocated problems (none expected today) go last; the sort is stable otherwise.
        self.found.sort_by(|a, b| match (&a.location, &b.location) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        Err(CodegenError::Schema(self.found))
    }
}
