//! Why the endpoint answers without running an operation, and that answer: each step of the
//! request pipeline (negotiate, authenticate, limit, read, resolve the document, idempotency)
//! returns `Result<_, Refusal>`, and [`Refusal::render`] is the one place a refusal becomes a
//! response, in the media type the client accepts, with its status, code and headers.
//!
//! The store's errors follow the error policy here too: an unreachable database is 503
//! `SERVICE_UNAVAILABLE` (retry), anything else is logged with its detail and answered 500
//! `INTERNAL`.

use std::borrow::Cow;

use http::{HeaderValue, StatusCode, header};
use paylink_store::StoreError;

use super::media::ResponseMedia;
use super::responses::{self, Body};
use crate::error_code::ErrorCode;

/// A request refused before, or instead of, running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No usable API key.
    Unauthenticated(&'static str),
    /// Over the key's rate; it may come back after this many seconds.
    RateLimited {
        /// Whole seconds until the next request is allowed.
        retry_after_secs: u64,
    },
    /// The client accepts neither response media type.
    NotAcceptable,
    /// A POST body of a type the endpoint does not take; says which it takes.
    UnsupportedMediaType(&'static str),
    /// A caller that proved no right to this (a webhook without a valid signature).
    Forbidden(&'static str),
    /// Nothing is here.
    NotFound(&'static str),
    /// A method other than those in `allow`.
    MethodNotAllowed {
        /// The `Allow` header.
        allow: &'static str,
        /// Why.
        message: &'static str,
    },
    /// The body or the variables are over their limit.
    PayloadTooLarge {
        /// Why, with the limit.
        message: String,
        /// Whether the connection is closed after the answer (the rest of the body was not read).
        close: bool,
    },
    /// A malformed request, with the reason.
    BadRequest(Cow<'static, str>),
    /// A malformed request with a code of its own (persisted queries).
    Malformed {
        /// Its code.
        code: ErrorCode,
        /// Why.
        message: &'static str,
    },
    /// The `Idempotency-Key` was used with a different request.
    IdempotencyKeyReused,
    /// A request with this `Idempotency-Key` is still running.
    IdempotencyKeyInUse,
    /// The database cannot be reached.
    Unavailable,
    /// A bug, logged where it was found.
    Internal,
}

impl Refusal {
    /// A malformed request.
    pub(crate) fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest(message.into())
    }

    /// The refusal for a store error: logged here, once, with its detail.
    pub(crate) fn from_store(error: StoreError, doing: &'static str) -> Self {
        match error {
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, doing, "database unavailable");
                Self::Unavailable
            }
            other => {
                tracing::error!(error = %other, doing, "internal error");
                Self::Internal
            }
        }
    }

    /// Its `extensions.code`.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::NotAcceptable => ErrorCode::NotAcceptable,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::Malformed { code, .. } => *code,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::IdempotencyKeyInUse => ErrorCode::IdempotencyKeyInUse,
            Self::Unavailable => ErrorCode::ServiceUnavailable,
            Self::Internal => ErrorCode::Internal,
        }
    }

    /// Its HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest(_) | Self::Malformed { .. } => StatusCode::BAD_REQUEST,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::IdempotencyKeyInUse => StatusCode::CONFLICT,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client reads.
    pub(crate) fn message(&self) -> Cow<'_, str> {
        match self {
            Self::Unauthenticated(message) => Cow::Borrowed(message),
            Self::RateLimited { retry_after_secs } => Cow::Owned(format!(
                "too many requests for this API key; retry in {retry_after_secs} s"
            )),
            Self::NotAcceptable => {
                "accept application/graphql-response+json or application/json".into()
            }
            Self::UnsupportedMediaType(message)
            | Self::Forbidden(message)
            | Self::NotFound(message) => Cow::Borrowed(message),
            Self::MethodNotAllowed { message, .. } | Self::Malformed { message, .. } => {
                Cow::Borrowed(message)
            }
            Self::PayloadTooLarge { message, .. } => Cow::Borrowed(message),
            Self::BadRequest(message) => Cow::Borrowed(message),
            Self::IdempotencyKeyReused => {
                "this Idempotency-Key was already used with a different request; use a new key"
                    .into()
            }
            Self::IdempotencyKeyInUse => {
                "a request with this Idempotency-Key is still running; retry later".into()
            }
            Self::Unavailable => "the service is temporarily unavailable; try again shortly".into(),
            Self::Internal => "internal error".into(),
        }
    }

    /// The response: `{"errors": [{"message", "extensions": {"code"}}]}` in `media`, with the
    /// headers the status calls for.
    pub(crate) fn render(&self, media: ResponseMedia) -> http::Response<Body> {
        let mut response =
            responses::graphql_error(self.status(), self.code(), &self.message(), media);
        let headers = response.headers_mut();
        match self {
            Self::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::MethodNotAllowed { allow, .. } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            Self::PayloadTooLarge { close: true, .. } => {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_renders_its_status_code_headers_and_media() {
        let response = Refusal::RateLimited {
            retry_after_secs: 2,
        }
        .render(ResponseMedia::GraphqlResponseJson);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/graphql-response+json")
        );
        let response = Refusal::Unauthenticated("missing API key").render(ResponseMedia::Json);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }

    #[test]
    fn store_errors_follow_the_error_policy() {
        assert_eq!(
            Refusal::from_store(StoreError::Unavailable("gone".into()), "testing"),
            Refusal::Unavailable
        );
        assert_eq!(
            Refusal::from_store(StoreError::NotFound, "testing"),
            Refusal::Internal
        );
    }
}
