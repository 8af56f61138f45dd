//! Callbacks to a merchant's server: one signed JSON POST per attempt.
//!
//! The signature lets the merchant's server trust a callback: `Paylink-Signature:
//! t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the merchant's secret>`, the
//! scheme Stripe uses for its own webhooks, so that a receiver can check the time as well as the
//! body and refuse replays. A receiver de-duplicates by the event's `id` in the body: an attempt
//! whose answer was lost is sent again.
//!
//! Every callback goes through the outbound guard ([`paylink_outbound`]): the URL is checked,
//! its host resolved once, and the request made to the vetted address, without redirects. What
//! the merchant reads of a failure never tells what lies behind the URL: [`REFUSED_REASON`],
//! [`NO_ANSWER_REASON`], or the status that answered.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use paylink_outbound::{GuardError, OutboundGuard, OutboundPolicy, Prepared, REFUSED_REASON};
use paylink_provider_kit::{chain, tidy};
use reqwest::StatusCode;
use sha2::Sha256;

use crate::{Delivered, Secret, SendError};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Paylink-Signature";

/// One callback.
#[derive(Clone, Debug)]
pub struct WebhookMessage {
    /// The merchant's URL.
    pub url: String,
    /// The JSON body, sent as it is.
    pub body: String,
    /// The merchant's signing key.
    pub secret: Secret,
}

/// The `Paylink-Signature` value of `body` signed at `timestamp` (unix seconds) with `secret`.
pub fn signature(secret: &str, timestamp: u64, body: &str) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// Posts callbacks, each through the outbound guard.
#[derive(Debug)]
pub(crate) struct WebhookSender {
    guard: OutboundGuard,
}

/// What a merchant reads when no answer came: the same words for a refused connection, a
/// timeout, a cut connection or a name without an address, so that `lastError` cannot tell an
/// open port from a closed one.
pub const NO_ANSWER_REASON: &str = "the callback URL gave no answer";

impl WebhookSender {
    pub(crate) fn new(timeout: Duration, policy: OutboundPolicy) -> Result<Self, reqwest::Error> {
        Ok(Self {
            guard: OutboundGuard::new(
                policy,
                concat!("paylink-callbacks/", env!("CARGO_PKG_VERSION")),
                timeout,
            )?,
        })
    }

    /// One attempt. A 2xx is delivered; 410 Gone says the receiver wants no more and fails for
    /// good; any other answer (a 404 while a receiver is being deployed, a redirect, which is
    /// not followed), no connection and no answer are worth another attempt, as Stripe treats
    /// its webhooks (the receiver de-duplicates by event id). A URL the outbound policy refuses
    /// is not called and fails for good.
    pub(crate) async fn send(&self, message: &WebhookMessage) -> Result<Delivered, SendError> {
        let Prepared { url, client } = self
            .guard
            .prepare(&message.url)
            .await
            .map_err(guard_error)?;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let response = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                signature(message.secret.expose(), timestamp, &message.body),
            )
            .body(message.body.clone())
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if status.is_success() {
            return Ok(Delivered {
                provider_message_id: None,
            });
        }
        let retry_after = crate::sms::twilio::retry_after(response.headers());
        let reason = format!("the callback URL answered {status}");
        match retry_after {
            Some(retry_after) if status == StatusCode::TOO_MANY_REQUESTS => {
                Err(SendError::Throttled {
                    reason,
                    retry_after,
                })
            }
            _ if status == StatusCode::GONE => Err(SendError::Permanent(reason)),
            _ => Err(SendError::Transient(reason)),
        }
    }
}

/// The guard's refusal, for the merchant: no rule, address or DNS detail (those go to the log).
fn guard_error(error: GuardError) -> SendError {
    match error {
        GuardError::Refused(refusal) => {
            tracing::warn!(reason = %refusal, "callback refused by the outbound policy");
            SendError::Permanent(REFUSED_REASON.into())
        }
        GuardError::NoAddress | GuardError::LookupTimeout => {
            tracing::warn!(%error, "callback not sent");
            SendError::Transient(NO_ANSWER_REASON.into())
        }
        GuardError::Client(error) => {
            tracing::warn!(error = %tidy(&chain(&error)), "callback client not built");
            SendError::Transient("the callback could not be sent".into())
        }
    }
}

fn transport_error(error: reqwest::Error) -> SendError {
    let builder = error.is_builder();
    tracing::warn!(error = %tidy(&chain(&error.without_url())), "callback request failed");
    if builder {
        SendError::Permanent("the callback URL cannot be called".into())
    } else {
        SendError::Transient(NO_ANSWER_REASON.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_time_and_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
