//! What tests can make go wrong: canned answers and faults of the API, spoilt webhook deliveries.

use std::time::Duration;

use super::stripe_error;

/// An answer served instead of the normal one, in front of the API: nothing is created and,
/// unless it is a [`Fault::FailAfterStart`], nothing saved under the idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    /// HTTP status, e.g. 429.
    pub status: u16,
    /// Response body, sent as `application/json`.
    pub body: String,
    /// A `Retry-After` header, in seconds.
    pub retry_after: Option<u64>,
    /// A `Stripe-Should-Retry` header.
    pub should_retry: Option<bool>,
}

impl CannedResponse {
    /// This status and JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        CannedResponse {
            status,
            body: body.into(),
            retry_after: None,
            should_retry: None,
        }
    }

    /// Stripe's error body `{"error":{"message","type"}}` with this status.
    pub fn error(status: u16, error_type: &str, message: &str) -> Self {
        Self::json(
            status,
            stripe_error::error_json(error_type, None, None, message),
        )
    }

    /// Stripe's 429 (`code` `rate_limit`), with `Retry-After` when given.
    pub fn too_many_requests(retry_after_secs: Option<u64>) -> Self {
        let body = stripe_error::error_json(
            "invalid_request_error",
            Some("rate_limit"),
            None,
            "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        );
        CannedResponse {
            retry_after: retry_after_secs,
            ..Self::json(429, body)
        }
    }

    /// A 5xx (500, 502, 503, ...) with Stripe's `api_error` body.
    pub fn server_error(status: u16) -> Self {
        Self::error(
            status,
            "api_error",
            "An unknown error occurred while processing your request.",
        )
    }

    /// The same answer with `Stripe-Should-Retry`.
    pub fn with_should_retry(mut self, should_retry: bool) -> Self {
        self.should_retry = Some(should_retry);
        self
    }
}

/// Something going wrong with one API request, served before any normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This answer to the next API request, before authentication and idempotency (a rate
    /// limiter or load balancer): nothing created or saved.
    Answer(CannedResponse),
    /// The next request to an endpoint that acts (a session create or expire, a subscription
    /// update or cancellation, a refund) passes validation, the endpoint runs and fails with
    /// this answer (nothing created or changed), which is saved under the idempotency key and
    /// replayed to retries, as Stripe replays a 500.
    FailAfterStart(CannedResponse),
    /// The next such request does what it asks (its events sent) and saves the answer under
    /// the key, and the connection is closed without a word (the answer lost on the way back).
    CreateThenDrop,
    /// The next such request runs this long (its key held, so a retry meanwhile gets 409; a
    /// DELETE has no key to hold); then it does what it asks, the answer saved and sent, to a
    /// client that may have gone.
    Stall(Duration),
}

/// How [`StripeServer::deliver_with`](super::StripeServer::deliver_with) spoils a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookTweak {
    /// Signed now, with a timestamp this far in the past (a replayed delivery).
    Stale(Duration),
    /// Signed with another endpoint's secret.
    WrongSecret,
    /// No `Stripe-Signature` header.
    NoSignature,
    /// Delivered twice, as Stripe may.
    Twice,
}
