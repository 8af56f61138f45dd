//! Every `extensions.code` paylink answers with: the one list of them. Clients branch on these
//! strings, so they are written here and nowhere else; the README's error tables list the same
//! (a test checks that each appears there).

use std::fmt;

/// An `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A field or variable breaks a rule.
    BadUserInput,
    /// The thing asked for does not exist for this merchant.
    NotFound,
    /// The caller may not do this.
    Forbidden,
    /// No API key, or not a valid one.
    Unauthenticated,
    /// The database cannot be reached; retry.
    ServiceUnavailable,
    /// A bug; details are in the server log only.
    Internal,
    /// Over the API key's request rate.
    RateLimited,
    /// The `Idempotency-Key` was used with a different request.
    IdempotencyKeyReused,
    /// A request with this `Idempotency-Key` is still running.
    IdempotencyKeyInUse,
    /// The HTTP request is malformed.
    BadRequest,
    /// The method is not GET or POST (or a mutation came over GET).
    MethodNotAllowed,
    /// The client accepts no media type the server speaks.
    NotAcceptable,
    /// The body or the variables are over their limits.
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The document does not parse, or is over a document limit.
    GraphqlParseFailed,
    /// The document does not validate against the schema.
    GraphqlValidationFailed,
    /// `operationName` names no operation of the document.
    OperationResolutionFailure,
    /// A persisted-query hash the server does not know yet.
    PersistedQueryNotFound,
    /// A document's SHA-256 is not the hash sent with it.
    PersistedQueryHashMismatch,
    /// The named persisted document is not on the allow-list.
    PersistedQueryNotInList,
    /// The document sent is not on the allow-list.
    QueryNotInAllowList,
    /// The change asks for a status its object's lifecycle does not allow from where it is.
    InvalidStatusTransition,
}

impl ErrorCode {
    /// Every code, for lookups and the README check.
    pub const ALL: [Self; 22] = [
        Self::BadUserInput,
        Self::NotFound,
        Self::Forbidden,
        Self::Unauthenticated,
        Self::ServiceUnavailable,
        Self::Internal,
        Self::RateLimited,
        Self::IdempotencyKeyReused,
        Self::IdempotencyKeyInUse,
        Self::BadRequest,
        Self::MethodNotAllowed,
        Self::NotAcceptable,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::OperationResolutionFailure,
        Self::PersistedQueryNotFound,
        Self::PersistedQueryHashMismatch,
        Self::PersistedQueryNotInList,
        Self::QueryNotInAllowList,
        Self::InvalidStatusTransition,
    ];

    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Forbidden => "FORBIDDEN",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::Internal => "INTERNAL",
            Self::RateLimited => "RATE_LIMITED",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::IdempotencyKeyInUse => "IDEMPOTENCY_KEY_IN_USE",
            Self::BadRequest => "BAD_REQUEST",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::OperationResolutionFailure => "OPERATION_RESOLUTION_FAILURE",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            Self::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            Self::QueryNotInAllowList => "QUERY_NOT_IN_ALLOW_LIST",
            Self::InvalidStatusTransition => "INVALID_STATUS_TRANSITION",
        }
    }

    /// The code with this text, as read back from a field error's extensions.
    pub fn from_text(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_in_the_readme() {
        let readme = include_str!("../README.md");
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_text(code.as_str()), Some(code));
            assert!(
                readme.contains(&format!("`{code}`")),
                "the README's error tables do not list {code}"
            );
        }
        assert_eq!(ErrorCode::from_text("NOPE"), None);
    }
}
