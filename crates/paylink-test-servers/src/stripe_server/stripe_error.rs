//! Stripe's error answers: the `{"error": {...}}` body and the answers that carry it.

use serde_json::json;

use super::{Answer, param_error::ParamError};

/// Stripe's error body.
pub(super) fn error_json(
    error_type: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> String {
    let mut error = json!({ "message": message, "type": error_type });
    if let Some(code) = code {
        error["code"] = code.into();
        error["doc_url"] = format!(
            "https://stripe.com/docs/error-codes/{}",
            code.replace('_', "-")
        )
        .into();
    }
    if let Some(param) = param {
        error["param"] = param.into();
    }
    json!({ "error": error }).to_string()
}

/// An answer with Stripe's error body.
pub(super) fn error(
    status: u16,
    error_type: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> Answer {
    Answer::json(status, error_json(error_type, code, param, message))
}

/// A 400 `invalid_request_error` naming the parameter.
pub(super) fn refusal(error: ParamError) -> Answer {
    let ParamError {
        param,
        code,
        message,
    } = error;
    self::error(
        400,
        "invalid_request_error",
        Some(code),
        param.as_deref(),
        &message,
    )
}
