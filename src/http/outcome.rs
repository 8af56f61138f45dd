//! What a GraphQL request did, as the endpoint returns it beside its response: the router logs
//! and counts it from this value, never from the response.

use crate::error_code::ErrorCode;

/// What a handled request did.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outcome {
    /// Names of the operations run (`-` for anonymous ones), in order.
    pub(crate) operations: Vec<String>,
    /// The merchant of the API key, once it was known.
    pub(crate) merchant_uid: Option<String>,
    /// The `extensions.code` of every error the response carries.
    pub(crate) error_codes: Vec<ErrorCode>,
    /// Whether it never ran: refused, with this code.
    pub(crate) refused: Option<ErrorCode>,
    /// Whether it was answered with an earlier request's response (`Idempotency-Key`).
    pub(crate) replayed: bool,
    /// Whether it was no GraphQL request: GraphiQL's page, a preflight, health, metrics.
    pub(crate) not_graphql: bool,
}

impl Outcome {
    /// The outcome label of `paylink_graphql_requests_total`, or `None` for a page.
    pub(crate) fn result(&self) -> Option<&'static str> {
        if self.not_graphql {
            None
        } else if self.replayed {
            Some("replayed")
        } else if self.refused.is_some() {
            Some("rejected")
        } else if self.error_codes.is_empty() {
            Some("ok")
        } else {
            Some("error")
        }
    }

    /// The operation names to count under: `-` for a request that named none or never ran.
    pub(crate) fn counted_operations(&self) -> Vec<String> {
        if self.operations.is_empty() || self.replayed || self.refused.is_some() {
            vec!["-".to_owned()]
        } else {
            self.operations.clone()
        }
    }

    /// Every code to count: the errors', and the refusal's.
    pub(crate) fn counted_codes(&self) -> impl Iterator<Item = ErrorCode> + '_ {
        self.error_codes.iter().copied().chain(self.refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_follow_what_happened() {
        let mut outcome = Outcome::default();
        assert_eq!(outcome.result(), Some("ok"));
        outcome.error_codes.push(ErrorCode::BadUserInput);
        assert_eq!(outcome.result(), Some("error"));
        outcome.refused = Some(ErrorCode::RateLimited);
        assert_eq!(outcome.result(), Some("rejected"));
        assert_eq!(outcome.counted_operations(), ["-"]);
        outcome.replayed = true;
        assert_eq!(outcome.result(), Some("replayed"));
        let page = Outcome {
            not_graphql: true,
            ..Outcome::default()
        };
        assert_eq!(page.result(), None);
    }
}
