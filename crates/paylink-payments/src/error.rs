//! What goes wrong: at start (configuration), in a request to Stripe (a Checkout Session to
//! create or expire, a subscription to end or cancel, a refund), reading a webhook.
//!
//! Policy: Display of every error here is safe to store and to show to a merchant. It is Stripe's
//! own `error.message` or a short neutral sentence of ours, on one line, bounded, and with the
//! secret key and webhook secret removed should a server ever echo them. A transport library's
//! words (DNS, TLS, sockets) go only to the log, at `warn`, redacted the same way.

/// Why a request to Stripe (a Checkout Session to create or expire, a subscription's end to
/// set or the subscription to cancel, a refund) did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// Stripe certainly did nothing under this idempotency key, and trying later may work:
    /// Stripe could not be reached, or its last answer was 409, 429 or 5xx, after every attempt.
    #[error("{0}")]
    Transient(String),
    /// Stripe refused the request and will refuse it again: a 4xx other than 409 and 429
    /// (invalid parameters, an unknown object, a bad or revoked key, a replayed earlier
    /// refusal).
    #[error("{0}")]
    Permanent(String),
    /// The attempts ran out after one of them may have reached Stripe (a timeout once
    /// connected, a connection cut before the answer, an answer that could not be read): the
    /// session may exist, the subscription's end may be set, the refund may be made. Calling
    /// again with the same idempotency key and parameters within 24 hours returns the first
    /// outcome if there was one, and otherwise makes the request.
    #[error("{0}")]
    Unknown(String),
}

impl PaymentError {
    /// Whether trying later (with the same idempotency key) may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, PaymentError::Transient(_))
    }

    /// Whether Stripe may have acted (created the session, set the end, made the refund)
    /// although no answer said so.
    pub fn is_unknown(&self) -> bool {
        matches!(self, PaymentError::Unknown(_))
    }

    /// The reason, as Display gives it.
    pub fn reason(&self) -> &str {
        match self {
            PaymentError::Transient(reason)
            | PaymentError::Permanent(reason)
            | PaymentError::Unknown(reason) => reason,
        }
    }
}

/// Why a webhook request is not an event to act on. Answer 400 to all of them: Stripe retries a
/// failed delivery, and a forged or stale one is not worth more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `Stripe-Signature` header, or an empty one.
    #[error("the request has no Stripe-Signature header")]
    MissingSignature,
    /// The header has no timestamp or no `v1` signature, or no `v1` signature matches the
    /// payload under the webhook secret.
    #[error("the Stripe-Signature header does not match the payload")]
    BadSignature,
    /// The signature matches, but its timestamp is further from now than the tolerance: a
    /// replay of an old delivery (or a clock far off).
    #[error("the Stripe-Signature timestamp is outside the tolerance")]
    Stale,
    /// Signed by Stripe, but not an event this crate can read (not JSON, or an event of a
    /// type read here without the object it should carry).
    #[error("the event cannot be read: {0}")]
    Malformed(String),
}

/// A setting that cannot be used; start-up should stop and print it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// The setting to fix. The crate knows its settings as values only: the caller knows where
    /// each came from (an environment variable, a file) and names it so.
    pub field: Field,
    /// What is wrong with it; never the value of a secret.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(field: Field, message: impl Into<String>) -> Self {
        ConfigError {
            field,
            message: message.into(),
        }
    }
}

/// A field of [`StripeSettings`](crate::StripeSettings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// [`StripeSettings::base_url`](crate::StripeSettings::base_url).
    StripeBaseUrl,
    /// [`StripeSettings::secret_key`](crate::StripeSettings::secret_key).
    StripeSecretKey,
    /// [`StripeSettings::webhook_secret`](crate::StripeSettings::webhook_secret).
    StripeWebhookSecret,
    /// [`StripeSettings::timeout`](crate::StripeSettings::timeout).
    StripeTimeout,
    /// [`StripeSettings::webhook_tolerance`](crate::StripeSettings::webhook_tolerance).
    StripeWebhookTolerance,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::StripeBaseUrl => "Stripe base URL",
            Self::StripeSecretKey => "Stripe secret key",
            Self::StripeWebhookSecret => "Stripe webhook secret",
            Self::StripeTimeout => "Stripe timeout",
            Self::StripeWebhookTolerance => "Stripe webhook tolerance",
        })
    }
}
