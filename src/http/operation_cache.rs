//! Validated operations by document. Clients send the same few documents over and over with
//! different variables; parsing and validating one took 7 % of the server's CPU per listing
//! request (`make bench`, perf), so each document that passes is kept, parsed and validated, and
//! the next request with the same text and operation name only runs it.
//!
//! Only small documents are kept and only so many of them (least recently used goes first), so a
//! client sending ever-new documents costs a bounded amount of memory. Documents that fail are
//! never kept: they are parsed again each time and answer with the same errors.
//!
//! A document is checked against the configured depth (`graphql::document_cost`) before juniper
//! validates it; juniper's parser itself bounds tokens, fields and raw nesting.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use juniper::{DefaultScalarValue, EmptySubscription, GraphQLError, ValidatedOperation};
use lru::LruCache;

use crate::config::QueryLimits;
use crate::graphql::generated::{Mutation, Query};
use crate::graphql::{Context, Schema, document_cost};

/// Most documents kept.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(256).expect("not zero");
/// Largest document kept, in bytes; larger ones are validated on every request.
const MAX_DOCUMENT_BYTES: usize = 8 * 1024;

/// An operation of the served schema that passed parsing and validation.
pub(super) type Operation<'a> =
    ValidatedOperation<'a, Query, Mutation, EmptySubscription<Context>, DefaultScalarValue>;

/// What a validated operation borrows from.
struct Source {
    schema: Arc<Schema>,
    document: String,
    operation_name: Option<String>,
    /// The name of the operation that runs, for logs and metrics: `operation_name`, or the
    /// name in the document of its only operation (`None` when anonymous).
    name: Option<String>,
}

self_cell::self_cell!(
    /// A validated operation together with the document and schema it borrows from.
    pub(super) struct ValidatedDocument {
        owner: Source,
        #[covariant]
        dependent: Operation,
    }
);

impl ValidatedDocument {
    /// Checks the cost of `document`, then parses and validates `operation_name` (or the only
    /// operation) of it.
    fn validate(
        schema: &Arc<Schema>,
        limits: QueryLimits,
        document: &str,
        operation_name: Option<&str>,
    ) -> Result<Self, GraphQLError> {
        document_cost::check(document, limits.depth, limits.tokens)?;
        let source = Source {
            schema: Arc::clone(schema),
            document: document.to_owned(),
            operation_name: operation_name.map(str::to_owned),
            name: match operation_name {
                Some(name) => Some(name.to_owned()),
                None => document_operation_name(document),
            },
        };
        Self::try_new(source, |source| {
            ValidatedOperation::new(
                &source.document,
                source.operation_name.as_deref(),
                &source.schema,
            )
        })
    }

    /// The operation, ready to execute.
    pub(super) fn operation(&self) -> &Operation<'_> {
        self.borrow_dependent()
    }

    /// The name of the operation that runs (`None` when anonymous).
    pub(super) fn name(&self) -> Option<&str> {
        self.borrow_owner().name.as_deref()
    }

    fn is_for(&self, document: &str, operation_name: Option<&str>) -> bool {
        let source = self.borrow_owner();
        source.document == document && source.operation_name.as_deref() == operation_name
    }
}

/// Recently validated documents, shared by all connections.
pub struct OperationCache {
    // Keyed by a hash of the text and name; a hit is confirmed by comparing both, so a
    // collision is a miss, never a wrong operation.
    entries: Mutex<LruCache<u64, Arc<ValidatedDocument>>>,
    limits: QueryLimits,
}

impl std::fmt::Debug for OperationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationCache")
            .field("documents", &self.lock().len())
            .finish()
    }
}

impl OperationCache {
    /// An empty cache whose documents must keep within `limits`.
    pub fn new(limits: QueryLimits) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(CAPACITY)),
            limits,
        }
    }

    /// The validated operation for `document` and `operation_name`: the kept one, or one
    /// parsed and validated now (and kept when it passes and is small enough).
    pub(super) fn validated(
        &self,
        schema: &Arc<Schema>,
        document: &str,
        operation_name: Option<&str>,
    ) -> Result<Arc<ValidatedDocument>, GraphQLError> {
        if document.len() > MAX_DOCUMENT_BYTES {
            return ValidatedDocument::validate(schema, self.limits, document, operation_name)
                .map(Arc::new);
        }
        let key = key(document, operation_name);
        if let Some(kept) = self.lock().get(&key)
            && kept.is_for(document, operation_name)
        {
            return Ok(Arc::clone(kept));
        }
        let validated = Arc::new(ValidatedDocument::validate(
            schema,
            self.limits,
            document,
            operation_name,
        )?);
        self.lock().put(key, Arc::clone(&validated));
        Ok(validated)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<u64, Arc<ValidatedDocument>>> {
        // The map holds no invariant a panic could break halfway.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The name of the only operation of a document that passed validation, or `None` when it is
/// anonymous. Definitions start at nesting level 0, at the start or after the `}` that ends the
/// previous one; a description string may come first.
fn document_operation_name(document: &str) -> Option<String> {
    use juniper::parser::{Lexer, ScalarToken, Token};
    let mut tokens = Lexer::new(document).map_while(Result::ok).map(|t| t.item);
    let mut depth = 0usize;
    let mut at_definition_start = true;
    while let Some(token) = tokens.next() {
        match token {
            Token::Scalar(ScalarToken::String(_)) if at_definition_start => {}
            Token::Name("query" | "mutation" | "subscription") if at_definition_start => {
                return match tokens.next() {
                    Some(Token::Name(name)) => Some(name.to_owned()),
                    _ => None,
                };
            }
            // The `{ ... }` shorthand is an anonymous query.
            Token::CurlyOpen if at_definition_start => return None,
            Token::CurlyOpen | Token::ParenOpen | Token::BracketOpen => {
                depth += 1;
                at_definition_start = false;
            }
            Token::CurlyClose | Token::ParenClose | Token::BracketClose => {
                depth = depth.saturating_sub(1);
                at_definition_start = depth == 0 && token == Token::CurlyClose;
            }
            Token::EndOfFile => return None,
            _ => at_definition_start = false,
        }
    }
    None
}

fn key(document: &str, operation_name: Option<&str>) -> u64 {
    let mut hasher = DefaultHasher::new();
    document.hash(&mut hasher);
    operation_name.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> QueryLimits {
        QueryLimits {
            depth: 15,
            fields: 500,
            tokens: 5000,
        }
    }

    fn schema() -> Arc<Schema> {
        Arc::new(crate::graphql::schema())
    }

    #[test]
    fn a_small_valid_document_is_validated_once() {
        let (cache, schema) = (OperationCache::new(limits()), schema());
        let document = "query Count { paymentLinks { total_row_count } }";
        let first = cache.validated(&schema, document, None).expect("valid");
        let again = cache.validated(&schema, document, None).expect("valid");
        assert!(Arc::ptr_eq(&first, &again));
        // The same text with another operation name is another entry.
        let named = cache
            .validated(&schema, document, Some("Count"))
            .expect("valid");
        assert!(!Arc::ptr_eq(&first, &named));
    }

    #[test]
    fn large_documents_and_failures_are_not_kept() {
        let (cache, schema) = (OperationCache::new(limits()), schema());
        let large = format!(
            "# {}\nquery Count {{ paymentLinks {{ total_row_count }} }}",
            "x".repeat(MAX_DOCUMENT_BYTES)
        );
        let first = cache.validated(&schema, &large, None).expect("valid");
        let again = cache.validated(&schema, &large, None).expect("valid");
        assert!(!Arc::ptr_eq(&first, &again));
        assert!(cache.validated(&schema, "{ nope }", None).is_err());
        assert_eq!(cache.lock().len(), 0);
    }

    #[test]
    fn the_least_recently_used_document_makes_room() {
        let (cache, schema) = (OperationCache::new(limits()), schema());
        let document = |i: usize| format!("query Q{i} {{ paymentLinks {{ total_row_count }} }}");
        let first = cache.validated(&schema, &document(0), None).expect("valid");
        for i in 1..=CAPACITY.get() {
            cache.validated(&schema, &document(i), None).expect("valid");
        }
        assert_eq!(cache.lock().len(), CAPACITY.get());
        let again = cache.validated(&schema, &document(0), None).expect("valid");
        assert!(!Arc::ptr_eq(&first, &again), "the oldest entry was dropped");
    }

    #[test]
    fn the_operation_name_is_read_from_the_document() {
        let name = |document: &str| document_operation_name(document);
        assert_eq!(
            name("query CountLinks { a }").as_deref(),
            Some("CountLinks")
        );
        assert_eq!(
            name("mutation Make($i: In = {a: {b: 1}}, $l: [Int] = [1]) { a }").as_deref(),
            Some("Make")
        );
        assert_eq!(
            name("fragment query on Query { a } \"Counts.\" query Count { ...query }").as_deref(),
            Some("Count")
        );
        assert_eq!(name("# query Commented\n{ a }"), None);
        assert_eq!(name("{ query: a }"), None);
        assert_eq!(name("query { a }"), None);
        assert_eq!(name("query($a: Int) { a }"), None);
    }
}
