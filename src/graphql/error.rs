//! The one error policy of the API.
//!
//! - A client-fixable problem is an [`ApiError`] variant with a clear message and a stable
//!   `extensions.code`: `BAD_USER_INPUT` (with `extensions.field`), `NOT_FOUND`, `FORBIDDEN`,
//!   `UNAUTHENTICATED`; a change its object's lifecycle refuses is `INVALID_STATUS_TRANSITION`,
//!   with `extensions.from` and `extensions.to`.
//! - The database being unreachable is `SERVICE_UNAVAILABLE`: the client may retry.
//! - Anything else is [`ApiError::Internal`]: its detail is logged here, once, and the client sees
//!   only "internal error" with code `INTERNAL`.
//!
//! `ApiError` deliberately has no `Display` impl, and resolvers return it rather than juniper's
//! `FieldError`, so juniper's blanket `From<impl Display> for FieldError` can never carry SQL or
//! other internal text to a client through `?`.

use juniper::{FieldError, IntoFieldError, ScalarValue, graphql_value};
use paylink_store::StoreError;

use crate::domain::InvalidField;
use crate::error_code::ErrorCode;

/// An error a resolver returns.
#[derive(Debug)]
pub enum ApiError {
    /// An input field breaks a rule.
    BadUserInput(InvalidField),
    /// The thing asked for does not exist for this merchant.
    NotFound(String),
    /// The caller may not do this.
    Forbidden(String),
    /// The change asks for a status the lifecycle does not allow.
    Transition(paylink_store::lifecycle::Refused),
    /// The database cannot be reached right now.
    Unavailable,
    /// A bug or broken invariant; the detail is for the log only.
    Internal(String),
}

impl ApiError {
    /// A bad value in `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput(InvalidField::new(field, message))
    }

    /// An internal failure; logs `detail` now, so the cause is recorded where it happened.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let detail = detail.to_string();
        tracing::error!(error = %detail, "internal error");
        Self::Internal(detail)
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput(_) => ErrorCode::BadUserInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Transition(_) => ErrorCode::InvalidStatusTransition,
            Self::Unavailable => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<InvalidField> for ApiError {
    fn from(error: InvalidField) -> Self {
        Self::BadUserInput(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("not found".into()),
            StoreError::Refused(refused) => Self::Transition(refused),
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}

impl<S: ScalarValue> IntoFieldError<S> for ApiError {
    fn into_field_error(self) -> FieldError<S> {
        let code = self.code().as_str();
        match self {
            Self::BadUserInput(InvalidField { field, message }) => FieldError::new(
                format!("{field} {message}"),
                graphql_value!({ "code": code, "field": field }),
            ),
            Self::NotFound(message) | Self::Forbidden(message) => {
                FieldError::new(message, graphql_value!({ "code": code }))
            }
            Self::Transition(refused) => FieldError::new(
                capitalized(&refused.to_string()),
                graphql_value!({ "code": code, "from": (refused.from), "to": (refused.to) }),
            ),
            Self::Unavailable => FieldError::new(
                "the service is temporarily unavailable; try again shortly",
                graphql_value!({ "code": code }),
            ),
            Self::Internal(_) => {
                FieldError::new("internal error", graphql_value!({ "code": code }))
            }
        }
    }
}

/// `text` with its first letter in upper case, for a message that opens a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
