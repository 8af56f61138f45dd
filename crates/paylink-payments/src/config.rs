//! Settings the caller hands to [`crate::Stripe::new`], as values: where they came from is its
//! business.

use std::time::Duration;

use paylink_provider_kit::BaseUrlRule;
use url::Url;

use crate::{ConfigError, Field, Secret};

/// Stripe's API host, the usual value of [`StripeSettings::base_url`].
pub const DEFAULT_STRIPE_BASE_URL: &str = "https://api.stripe.com";

/// A per-attempt limit for [`StripeSettings::timeout`]: Stripe answers a Checkout Session
/// create in well under a second, and three attempts plus backoff still fit inside the time a
/// payer waits for a page.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The usual [`StripeSettings::webhook_tolerance`]: five minutes, the default of Stripe's own
/// libraries.
pub const DEFAULT_WEBHOOK_TOLERANCE: Duration = Duration::from_secs(300);

/// How to reach Stripe and check its webhooks.
///
/// Debug prints both secrets as `***`.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// API root, normally [`DEFAULT_STRIPE_BASE_URL`]; `http://` only for a loopback host
    /// (tests), since the secret key travels in every request. A path is kept as a prefix.
    pub base_url: Url,
    /// The secret key (`sk_live_…`, `sk_test_…`) or a restricted key (`rk_…`), sent as
    /// `Authorization: Bearer`.
    pub secret_key: Secret,
    /// The webhook endpoint's signing secret (`whsec_…`), the HMAC key of `Stripe-Signature`.
    pub webhook_secret: Secret,
    /// Upper bound on one attempt: the whole HTTP request, connection included.
    pub timeout: Duration,
    /// How far a webhook's signed timestamp may be from now, either way; normally
    /// [`DEFAULT_WEBHOOK_TOLERANCE`].
    pub webhook_tolerance: Duration,
}

/// The words of the base-URL check: the secret key is the credential in every request.
const BASE_URL_RULE: BaseUrlRule = BaseUrlRule {
    credential: "secret key",
    credentials_elsewhere: "the secret key as its own setting",
    example: DEFAULT_STRIPE_BASE_URL,
};

pub(crate) fn check_base_url(url: &Url) -> Result<(), ConfigError> {
    paylink_provider_kit::check_base_url(url, &BASE_URL_RULE)
        .map_err(|message| ConfigError::new(Field::StripeBaseUrl, message))
}

pub(crate) fn check_secret_key(key: &str) -> Result<(), ConfigError> {
    let fail = |message: &str| Err(ConfigError::new(Field::StripeSecretKey, message));
    if key.starts_with("pk_") {
        return fail("a publishable key (pk_…) cannot create sessions; give the secret key (sk_…)");
    }
    if !(key.starts_with("sk_") || key.starts_with("rk_")) || key.len() <= 3 {
        return fail("must be a Stripe secret key (sk_live_…, sk_test_…) or restricted key (rk_…)");
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("must not contain spaces or control characters");
    }
    Ok(())
}

pub(crate) fn check_webhook_secret(secret: &str) -> Result<(), ConfigError> {
    let fail = |message: &str| Err(ConfigError::new(Field::StripeWebhookSecret, message));
    if !secret.starts_with("whsec_") || secret.len() <= "whsec_".len() {
        return fail(
            "must be the webhook endpoint's signing secret (whsec_…), shown with the endpoint in the Stripe Dashboard",
        );
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("must not contain spaces or control characters");
    }
    Ok(())
}
