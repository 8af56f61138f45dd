//! One POST to Stripe under one idempotency key, attempted up to three times, and how each
//! attempt's outcome is classed.

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
    /// The object's id: `cs_…`, `sub_…`.
    pub(super) id: Option<String>,
    /// A Checkout Session's page.
    pub(super) url: Option<String>,
    error: Option<ErrorBody>,
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
    Final(PaymentError),
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
        let mut in_doubt = false;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let (reason, retry_after) = match self.attempt(&url, key, form).await {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Final(error) => {
                    tracing::debug!(idempotency_key = key, attempt, what, "Stripe refused");
                    return Err(error);
                }
                Attempt::Again {
                    reason,
                    in_doubt: this_in_doubt,
                    retry_after,
                } => {
                    in_doubt |= this_in_doubt;
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
                return Err(if in_doubt {
                    PaymentError::Unknown(reason)
                } else {
                    PaymentError::Transient(reason)
                });
            }
            let wait = retry_after.unwrap_or(backoff);
            tracing::debug!(idempotency_key = key, attempt, ?wait, what, "retrying");
            tokio::time::sleep(wait).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    async fn attempt(&self, url: &Url, key: &str, form: &[(String, String)]) -> Attempt {
        let sent = self
            .http
            .post(url.clone())
            .bearer_auth(self.secret_key.expose())
            .header("Idempotency-Key", key)
            .form(form)
            .send()
            .await;
        let response = match sent {
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
                None => Attempt::Final(unreadable()),
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
            Attempt::Final(PaymentError::Transient(reason))
        } else {
            Attempt::Final(PaymentError::Permanent(reason))
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
            Attempt::Final(PaymentError::Permanent(
                "the request to Stripe could not be built".into(),
            ))
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
