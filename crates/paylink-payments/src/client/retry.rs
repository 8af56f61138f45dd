//! One request to Stripe (a POST under one idempotency key, a GET, a DELETE), attempted up
//! to three times, and how each attempt's outcome is classed.

use std::time::Duration;

use paylink_provider_kit::{chain, retry_after};
use reqwest::StatusCode;
use serde::Deserialize;
use url::Url;

use super::{Stripe, unreadable};
use crate::PaymentError;

/// Attempts per call.
const MAX_ATTEMPTS: u32 = 3;

/// The wait after the first failed attempt; it doubles after each further one.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// The longest `Retry-After` obeyed: a payer is waiting for the page, and a longer wait is
/// better spent by the caller, who gets [`PaymentError::Transient`] and may try later.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(2);

/// The fields of a Stripe object, or of an error body, that matter here.
#[derive(Deserialize)]
pub(super) struct Reply {
    /// The object's id: `cs_…`, `sub_…`, `re_…`.
    pub(super) id: Option<String>,
    /// A Checkout Session's page.
    pub(super) url: Option<String>,
    /// A session's, subscription's or refund's `status`.
    pub(super) status: Option<String>,
    /// A refund's `amount`.
    pub(super) amount: Option<i64>,
    error: Option<ErrorBody>,
}

/// A request's method, which says where its parameters go and whether it carries the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// A form body and `Idempotency-Key`: it creates or changes something.
    Post,
    /// Parameters in the query string: it changes nothing, so a lost answer leaves nothing in
    /// doubt.
    Get,
    /// Parameters in the query string (as Stripe's libraries send them), and no key: Stripe's
    /// idempotency page says a key on DELETE has no effect.
    Delete,
}

/// Why a call ended without a 2xx.
pub(super) struct Failure {
    pub(super) error: PaymentError,
    /// Stripe's status when it refused the request outright (a 4xx other than 409 and 429):
    /// the callers that can tell a refusal's cause from the object's state read it.
    pub(super) refused: Option<StatusCode>,
}

impl From<PaymentError> for Failure {
    fn from(error: PaymentError) -> Self {
        Failure {
            error,
            refused: None,
        }
    }
}

/// Stripe's `error` object.
#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

/// How one attempt ended.
enum Attempt {
    /// A 2xx with a JSON object.
    Done(Reply),
    /// Stop: another attempt would end the same way.
    Final(Failure),
    /// Worth another attempt with the same key.
    Again {
        reason: String,
        /// The request may have reached Stripe without an answer saying what it did.
        in_doubt: bool,
        retry_after: Option<Duration>,
    },
}

impl Stripe {
    /// POSTs `form` to `url` with the secret key and `Idempotency-Key: key` until Stripe
    /// answers 2xx, refuses, or three attempts have failed; `what` names the request in logs.
    pub(super) async fn post_idempotent(
        &self,
        url: Url,
        key: &str,
        form: &[(String, String)],
        what: &'static str,
    ) -> Result<Reply, PaymentError> {
        self.send(Method::Post, url, Some(key), form, what)
            .await
            .map_err(|failure| failure.error)
    }

    /// Sends one request with the secret key (and, for a POST, `Idempotency-Key: key`) until
    /// Stripe answers 2xx, refuses, or three attempts have failed; `what` names the request in
    /// logs.
    pub(super) async fn send(
        &self,
        method: Method,
        url: Url,
        key: Option<&str>,
        params: &[(String, String)],
        what: &'static str,
    ) -> Result<Reply, Failure> {
        let mut in_doubt = false;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let (reason, retry_after) = match self.attempt(method, &url, key, params).await {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Final(failure) => {
                    tracing::debug!(idempotency_key = key, attempt, what, "Stripe refused");
                    return Err(failure);
                }
                Attempt::Again {
                    reason,
                    in_doubt: this_in_doubt,
                    retry_after,
                } => {
                    // A GET changes nothing, whatever became of it.
                    in_doubt |= this_in_doubt && method != Method::Get;
                    (reason, retry_after)
                }
            };
            if attempt >= MAX_ATTEMPTS {
                tracing::debug!(
                    idempotency_key = key,
                    attempt,
                    in_doubt,
                    what,
                    "Stripe attempts exhausted"
                );
                return Err(Failure::from(if in_doubt {
                    PaymentError::Unknown(reason)
                } else {
                    PaymentError::Transient(reason)
                }));
            }
            let wait = retry_after.unwrap_or(backoff);
            tracing::debug!(idempotency_key = key, attempt, ?wait, what, "retrying");
            tokio::time::sleep(wait).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        method: Method,
        url: &Url,
        key: Option<&str>,
        params: &[(String, String)],
    ) -> Attempt {
        let request = match method {
            Method::Post => self.http.post(url.clone()).form(params),
            Method::Get => self.http.get(url.clone()).query(params),
            Method::Delete => self.http.delete(url.clone()).query(params),
        };
        let mut request = request.bearer_auth(self.secret_key.expose());
        if let (Method::Post, Some(key)) = (method, key) {
            request = request.header("Idempotency-Key", key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return self.transport_error(error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            // The status came but the body did not: after a 2xx Stripe acted, and the same key
            // brings its answer back.
            Err(error) => return self.transport_error(error),
        };
        let reply = serde_json::from_slice::<Reply>(&body).ok();
        if status.is_success() {
            return match reply {
                Some(reply) => Attempt::Done(reply),
                // A replay would bring back the same answer.
                None => Attempt::Final(unreadable().into()),
            };
        }
        let message = reply
            .and_then(|reply| reply.error)
            .and_then(|error| error.message)
            .filter(|message| !message.trim().is_empty());
        let reason =
            self.clean(&message.unwrap_or_else(|| format!("Stripe answered HTTP {status}")));
        let should_retry = headers
            .get("Stripe-Should-Retry")
            .and_then(|value| value.to_str().ok())
            .is_none_or(|value| !value.trim().eq_ignore_ascii_case("false"));
        if should_retry && is_retryable(status) {
            Attempt::Again {
                reason,
                in_doubt: false,
                retry_after: retry_after(&headers, MAX_RETRY_AFTER),
            }
        } else if is_retryable(status) {
            Attempt::Final(PaymentError::Transient(reason).into())
        } else {
            Attempt::Final(Failure {
                error: PaymentError::Permanent(reason),
                refused: Some(status),
            })
        }
    }

    /// A request that got no (whole) answer. Only one that never connected certainly did not
    /// reach Stripe.
    fn transport_error(&self, error: reqwest::Error) -> Attempt {
        let (timeout, connect, builder) =
            (error.is_timeout(), error.is_connect(), error.is_builder());
        let detail = self.clean(&chain(&error.without_url()));
        tracing::warn!(error = %detail, "Stripe request failed");
        let again = |reason: String, in_doubt: bool| Attempt::Again {
            reason,
            in_doubt,
            retry_after: None,
        };
        if builder {
            Attempt::Final(
                PaymentError::Permanent("the request to Stripe could not be built".into()).into(),
            )
        } else if connect {
            again("could not reach Stripe".into(), false)
        } else if timeout {
            again(
                format!("Stripe did not answer within {:?}", self.timeout),
                true,
            )
        } else {
            again(
                "the connection to Stripe broke before it answered".into(),
                true,
            )
        }
    }
}

/// 409 (the key's first request still in progress), 429 and server trouble pass.
fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}
