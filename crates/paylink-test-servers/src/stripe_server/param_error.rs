//! How the stand-in refuses a parameter, as Stripe does: 400 `invalid_request_error` naming it.

/// A 400 `invalid_request_error`: the parameter at fault, Stripe's `code`, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParamError {
    pub(super) param: Option<String>,
    pub(super) code: &'static str,
    pub(super) message: String,
}

pub(super) fn invalid(param: &str, message: impl Into<String>) -> ParamError {
    ParamError {
        param: Some(param.to_owned()),
        code: "parameter_invalid",
        message: message.into(),
    }
}

pub(super) fn missing(param: &str) -> ParamError {
    ParamError {
        param: Some(param.to_owned()),
        code: "parameter_missing",
        message: format!("Missing required param: {param}."),
    }
}
