//! Answers to GraphQL requests that never ran: the document did not parse or validate, named no
//! operation it holds, or came with variables its operation refuses. juniper's messages and
//! locations are kept, and each error gets the `extensions.code` that every other client error
//! has, so clients can branch on the code instead of the wording.

use juniper::GraphQLError;
use serde_json::{Value, json};

use crate::error_code::ErrorCode;

/// Where the request stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// Parsing and validating the document, or picking its operation.
    Document,
    /// Checking the variables against the operation's definitions.
    Variables,
}

/// The `extensions.code` for `error`.
pub(super) fn code(error: &GraphQLError, stage: Stage) -> ErrorCode {
    match (error, stage) {
        (GraphQLError::ParseError(_), _) => ErrorCode::GraphqlParseFailed,
        (GraphQLError::ValidationError(_), Stage::Document) => ErrorCode::GraphqlValidationFailed,
        (GraphQLError::ValidationError(_), Stage::Variables) => ErrorCode::BadUserInput,
        (
            GraphQLError::NoOperationProvided
            | GraphQLError::MultipleOperationsProvided
            | GraphQLError::UnknownOperationName,
            _,
        ) => ErrorCode::OperationResolutionFailure,
        _ => ErrorCode::BadRequest,
    }
}

/// The response body (`{"errors": [...]}`) for `error`.
pub(super) fn body(error: &GraphQLError, stage: Stage) -> Value {
    let code = code(error, stage);
    let mut errors = match serde_json::to_value(error) {
        Ok(Value::Array(errors)) => errors,
        // juniper serialises every GraphQLError as a list; anything else still gets a message.
        _ => vec![json!({ "message": error.to_string() })],
    };
    for error in &mut errors {
        if let Value::Object(fields) = error {
            fields.insert("extensions".to_owned(), json!({ "code": code.as_str() }));
        }
    }
    json!({ "errors": errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_keeps_its_message_and_gets_the_code() {
        let body = body(&GraphQLError::UnknownOperationName, Stage::Document);
        assert_eq!(
            body,
            json!({ "errors": [{
                "message": "Unknown operation",
                "extensions": { "code": "OPERATION_RESOLUTION_FAILURE" },
            }] })
        );
        let validation = GraphQLError::ValidationError(Vec::new());
        assert_eq!(
            code(&validation, Stage::Document),
            ErrorCode::GraphqlValidationFailed
        );
        assert_eq!(code(&validation, Stage::Variables), ErrorCode::BadUserInput);
    }
}
