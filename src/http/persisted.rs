//! Which document a request runs: the one it sends, or one it names by hash or id.
//!
//! - Automatic persisted queries (Apollo's protocol, used unchanged by Apollo Client and urql):
//!   a request may carry `extensions.persistedQuery = {version: 1, sha256Hash}` and leave the
//!   document out. A known hash runs its document; an unknown one answers `PersistedQueryNotFound`
//!   (HTTP 200, as Apollo Server answers, since Apollo Client stops using hashes after a 400),
//!   and the client sends the document with its hash, which is checked and remembered. Documents
//!   are remembered per process, most recently used first, so a client talking to another
//!   replica registers once more there. A hash names only the text of a document, so one merchant
//!   registering it gives no other merchant anything it could not send itself.
//! - With an allow-list (`PAYLINK_PERSISTED_OPERATIONS`) nothing is registered and only listed
//!   documents run, named by hash, by `documentId`, or sent in full.
//!
//! The document found is then parsed and validated once through the operation cache, like any
//! other.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use serde_json::Value;

use super::graphql_request::ClientRequest;
use crate::config::allow_list::{AllowList, DocumentHash, document_hash, parse_hash};
use crate::error_code::ErrorCode;

/// Most documents remembered by hash.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(1024).expect("not zero");
/// Largest document remembered, in bytes; a larger one runs but is not kept, so the memory the
/// registry takes is bounded (here by 16 MiB).
const MAX_DOCUMENT_BYTES: usize = 16 * 1024;

/// Why a request is malformed in what it names as its document: refused whole with HTTP 400,
/// whatever the media type, as a `variables` that is not an object is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Malformed {
    /// Neither a document nor a persisted one's name.
    NoDocument,
    /// A malformed `persistedQuery` extension or `documentId`, with the reason.
    BadExtension(&'static str),
    /// The document's SHA-256 is not the hash it came with.
    HashMismatch,
}

impl Malformed {
    /// The `extensions.code` of the refusal.
    pub(super) fn code(&self) -> ErrorCode {
        match self {
            Self::NoDocument | Self::BadExtension(_) => ErrorCode::BadRequest,
            Self::HashMismatch => ErrorCode::PersistedQueryHashMismatch,
        }
    }

    /// The message (Apollo Server's, for a mismatch).
    pub(super) fn message(&self) -> &'static str {
        match self {
            Self::NoDocument => "send the document as `query`, or name a persisted one",
            Self::BadExtension(reason) => reason,
            Self::HashMismatch => "provided sha does not match query",
        }
    }
}

/// Why a well-formed request names no document that may run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum NotRunnable {
    /// An unknown hash: send the document with it (APQ).
    NotFound,
    /// An allow-list is in force and does not hold the named document.
    NotInList,
    /// An allow-list is in force and does not hold the document sent.
    QueryNotAllowed,
}

impl NotRunnable {
    /// The `extensions.code` of the refusal.
    pub(super) fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::PersistedQueryNotFound,
            Self::NotInList => ErrorCode::PersistedQueryNotInList,
            Self::QueryNotAllowed => ErrorCode::QueryNotInAllowList,
        }
    }

    /// The message. `PersistedQueryNotFound` is matched by that text in Apollo Client.
    pub(super) fn message(&self) -> &'static str {
        match self {
            Self::NotFound => "PersistedQueryNotFound",
            Self::NotInList => {
                "this server runs only the operations of its allow-list, and the one named is not among them"
            }
            Self::QueryNotAllowed => {
                "this server runs only the operations of its allow-list, and the document sent is not among them"
            }
        }
    }

    /// Whether the client is expected to send the document and try again, rather than having
    /// made a mistake: such an answer is not a request error (HTTP 200 in either media type).
    pub(super) fn asks_for_document(&self) -> bool {
        *self == Self::NotFound
    }
}

/// A document to run: borrowed from the request, or a persisted one.
pub(super) enum Document<'r> {
    /// Sent in the request.
    Sent(&'r str),
    /// Found by hash or id.
    Persisted(Arc<str>),
}

impl std::ops::Deref for Document<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Self::Sent(text) => text,
            Self::Persisted(text) => text,
        }
    }
}

/// Persisted documents: registered by clients (APQ), or listed by the operator.
pub struct PersistedDocuments {
    registered: Mutex<LruCache<DocumentHash, Arc<str>>>,
    allow_list: Option<Arc<AllowList>>,
}

impl std::fmt::Debug for PersistedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistedDocuments")
            .field("registered", &self.lock().len())
            .field(
                "allow_list",
                &self.allow_list.as_ref().map(|list| list.len()),
            )
            .finish()
    }
}

impl PersistedDocuments {
    /// Automatic persisted queries, or, with `allow_list`, only the listed documents.
    pub fn new(allow_list: Option<Arc<AllowList>>) -> Self {
        Self {
            registered: Mutex::new(LruCache::new(CAPACITY)),
            allow_list,
        }
    }

    /// The document that what a request `named` stands for, registering a document sent with
    /// its hash.
    pub(super) fn document<'r>(&self, named: Named<'r>) -> Result<Document<'r>, NotRunnable> {
        match (named, &self.allow_list) {
            (Named::Sent(query), Some(list)) => list
                .by_hash(&document_hash(query))
                .map(|_| Document::Sent(query))
                .ok_or(NotRunnable::QueryNotAllowed),
            (Named::Sent(query), None) => Ok(Document::Sent(query)),
            (Named::SentWithHash(query, hash), Some(list)) => list
                .by_hash(&hash)
                .map(|_| Document::Sent(query))
                .ok_or(NotRunnable::NotInList),
            (Named::SentWithHash(query, hash), None) => {
                if query.len() <= MAX_DOCUMENT_BYTES {
                    self.lock().put(hash, query.into());
                }
                Ok(Document::Sent(query))
            }
            (Named::Hash(hash), Some(list)) => list
                .by_hash(&hash)
                .cloned()
                .map(Document::Persisted)
                .ok_or(NotRunnable::NotInList),
            (Named::Hash(hash), None) => self
                .lock()
                .get(&hash)
                .cloned()
                .map(Document::Persisted)
                .ok_or(NotRunnable::NotFound),
            (Named::Id(id), Some(list)) => list
                .by_id(id)
                .cloned()
                .map(Document::Persisted)
                .ok_or(NotRunnable::NotInList),
            (Named::Id(id), None) => id
                .strip_prefix("sha256:")
                .and_then(parse_hash)
                .and_then(|hash| self.lock().get(&hash).cloned())
                .map(Document::Persisted)
                .ok_or(NotRunnable::NotFound),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<DocumentHash, Arc<str>>> {
        // The map holds no invariant a panic could break halfway.
        self.registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a request names as its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Named<'r> {
    /// A document sent as `query`.
    Sent(&'r str),
    /// A document sent with its hash, to be remembered by it (APQ).
    SentWithHash(&'r str, DocumentHash),
    /// A hash alone (APQ).
    Hash(DocumentHash),
    /// A persisted document's id (`documentId`).
    Id(&'r str),
}

/// What `request` names as its document, or why the request is malformed. Cheap, so that a
/// batch is checked whole before any of its operations runs.
pub(super) fn named(request: &ClientRequest) -> Result<Named<'_>, Malformed> {
    let hash = persisted_query_hash(request.extensions.as_ref())?;
    match (
        request.query.as_deref(),
        hash,
        request.document_id.as_deref(),
    ) {
        (Some(query), None, None) => Ok(Named::Sent(query)),
        (Some(query), Some(hash), None) if document_hash(query) == hash => {
            Ok(Named::SentWithHash(query, hash))
        }
        (Some(_), Some(_), None) => Err(Malformed::HashMismatch),
        (None, Some(hash), None) => Ok(Named::Hash(hash)),
        (None, None, Some(id)) => Ok(Named::Id(id)),
        (None, None, None) => Err(Malformed::NoDocument),
        (_, _, Some(_)) => Err(Malformed::BadExtension(
            "name a persisted document by `documentId` alone, without `query` or `extensions.persistedQuery`",
        )),
    }
}

/// The hash of `extensions.persistedQuery`, when the request has one.
fn persisted_query_hash(extensions: Option<&Value>) -> Result<Option<DocumentHash>, Malformed> {
    let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return Ok(None);
    };
    if persisted.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(Malformed::BadExtension(
            "`extensions.persistedQuery.version` must be 1",
        ));
    }
    persisted
        .get("sha256Hash")
        .and_then(Value::as_str)
        .and_then(parse_hash)
        .map(Some)
        .ok_or(Malformed::BadExtension(
            "`extensions.persistedQuery.sha256Hash` must be the SHA-256 of the document in 64 hexadecimal digits",
        ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DOCUMENT: &str = "{ paymentLinks { total_row_count } }";

    fn hex(document: &str) -> String {
        document_hash(document)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn request(query: Option<&str>, hash: Option<&str>) -> ClientRequest {
        ClientRequest {
            query: query.map(str::to_owned),
            extensions: hash
                .map(|hash| json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })),
            ..ClientRequest::default()
        }
    }

    fn text(
        documents: &PersistedDocuments,
        request: &ClientRequest,
    ) -> Result<String, NotRunnable> {
        let named = named(request).expect("a well-formed request");
        documents
            .document(named)
            .map(|document| document.to_owned())
    }

    #[test]
    fn a_hash_runs_once_its_document_was_sent_with_it() {
        let documents = PersistedDocuments::new(None);
        let hash = hex(DOCUMENT);
        let by_hash = request(None, Some(&hash));
        assert_eq!(text(&documents, &by_hash), Err(NotRunnable::NotFound));
        let wrong = request(Some("{ other }"), Some(&hash));
        assert_eq!(named(&wrong), Err(Malformed::HashMismatch));
        let full = request(Some(DOCUMENT), Some(&hash));
        assert_eq!(text(&documents, &full), Ok(DOCUMENT.to_owned()));
        assert_eq!(text(&documents, &by_hash), Ok(DOCUMENT.to_owned()));
        let by_id = ClientRequest {
            document_id: Some(format!("sha256:{hash}")),
            ..ClientRequest::default()
        };
        assert_eq!(text(&documents, &by_id), Ok(DOCUMENT.to_owned()));
    }

    #[test]
    fn malformed_extensions_are_refused() {
        let bad_version = ClientRequest {
            extensions: Some(
                json!({ "persistedQuery": { "version": 2, "sha256Hash": hex(DOCUMENT) } }),
            ),
            ..ClientRequest::default()
        };
        assert!(matches!(
            named(&bad_version),
            Err(Malformed::BadExtension(_))
        ));
        assert!(matches!(
            named(&request(None, Some("abc"))),
            Err(Malformed::BadExtension(_))
        ));
        assert_eq!(named(&ClientRequest::default()), Err(Malformed::NoDocument));
        let both = ClientRequest {
            query: Some(DOCUMENT.to_owned()),
            document_id: Some("id".to_owned()),
            ..ClientRequest::default()
        };
        assert!(matches!(named(&both), Err(Malformed::BadExtension(_))));
    }

    #[test]
    fn an_allow_list_runs_only_its_documents_and_registers_none() {
        let list = AllowList::parse(&json!({ "count": DOCUMENT }).to_string()).unwrap();
        let documents = PersistedDocuments::new(Some(Arc::new(list)));
        assert_eq!(
            text(&documents, &request(Some(DOCUMENT), None)),
            Ok(DOCUMENT.to_owned())
        );
        assert_eq!(
            text(&documents, &request(None, Some(&hex(DOCUMENT)))),
            Ok(DOCUMENT.to_owned())
        );
        let other = "{ paymentLinks { items { link_id } } }";
        assert_eq!(
            text(&documents, &request(Some(other), None)),
            Err(NotRunnable::QueryNotAllowed)
        );
        assert_eq!(
            text(&documents, &request(Some(other), Some(&hex(other)))),
            Err(NotRunnable::NotInList)
        );
        assert_eq!(
            text(&documents, &request(None, Some(&hex(other)))),
            Err(NotRunnable::NotInList)
        );
        let by_id = ClientRequest {
            document_id: Some("count".to_owned()),
            ..ClientRequest::default()
        };
        assert_eq!(text(&documents, &by_id), Ok(DOCUMENT.to_owned()));
    }
}
