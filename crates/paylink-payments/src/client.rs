//! Stripe's REST API: creating and expiring Checkout Sessions, ending and cancelling
//! subscriptions, refunding payments. Each call is one request retried within the call, a
//! POST under one idempotency key; expiring and cancelling read the object back when Stripe
//! refuses, to tell a request that came too late from one that failed.

use std::{fmt, time::Duration};

use paylink_provider_kit::{clean, http_client};
use url::Url;

use crate::{
    CheckoutRequest, ConfigError, CreatedCheckout, Event, Field, PaymentError, Secret,
    StripeSettings, WebhookError, checkout::form_fields, config,
};

mod cancel;
mod expire;
mod refund;
mod retry;

/// Stripe's limit on an `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// Creates and expires Checkout Sessions, ends and cancels subscriptions, refunds payments and
/// verifies webhooks for one Stripe account.
///
/// Built once at start by [`Stripe::new`], which checks every setting. Cloning is cheap (the
/// HTTP client shares its connection pool), and Debug shows where requests go without either
/// secret.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    /// `{base_url}/v1`.
    api_url: Url,
    secret_key: Secret,
    webhook_secret: Secret,
    timeout: Duration,
    webhook_tolerance: Duration,
}

impl Stripe {
    /// Checks the settings and builds the HTTP client (no network I/O).
    ///
    /// Errors name the setting to fix, e.g. `Stripe secret key: a publishable key (pk_…)
    /// cannot create sessions; give the secret key (sk_…)`. Both secrets are trimmed.
    pub fn new(settings: StripeSettings) -> Result<Stripe, ConfigError> {
        let StripeSettings {
            base_url,
            secret_key,
            webhook_secret,
            timeout,
            webhook_tolerance,
        } = settings;
        config::check_base_url(&base_url)?;
        let secret_key = Secret::new(secret_key.expose().trim());
        config::check_secret_key(secret_key.expose())?;
        let webhook_secret = Secret::new(webhook_secret.expose().trim());
        config::check_webhook_secret(webhook_secret.expose())?;
        if timeout.is_zero() {
            return Err(ConfigError::new(Field::StripeTimeout, "must be above zero"));
        }
        if webhook_tolerance.is_zero() {
            return Err(ConfigError::new(
                Field::StripeWebhookTolerance,
                "must be above zero (Stripe's libraries use 300 seconds)",
            ));
        }

        let mut api_url = base_url;
        api_url
            .path_segments_mut()
            .map_err(|()| ConfigError::new(Field::StripeBaseUrl, "must be an http(s) URL"))?
            .pop_if_empty()
            .push("v1");
        let http = http_client(
            concat!("paylink-payments/", env!("CARGO_PKG_VERSION")),
            timeout,
        )
        .map_err(|error| ConfigError::new(Field::StripeBaseUrl, error.to_string()))?;
        Ok(Stripe {
            http,
            api_url,
            secret_key,
            webhook_secret,
            timeout,
            webhook_tolerance,
        })
    }

    /// Creates a Checkout Session: `POST {base_url}/v1/checkout/sessions` with the form of
    /// [`CheckoutRequest`], `Authorization: Bearer` and `Idempotency-Key`.
    ///
    /// Up to three attempts, all with the request's idempotency key, so that Stripe creates
    /// one session however many reach it (an attempt after a lost answer gets the first
    /// answer replayed). Another attempt follows a connection error, a timeout or cut
    /// connection, 409 (another request with the key still in progress), 429 and 5xx, after
    /// 250 ms and then 500 ms, or after `Retry-After` (at most 2 s) when Stripe gives one;
    /// none follows any other 4xx, nor an answer carrying `Stripe-Should-Retry: false`.
    ///
    /// No `Stripe-Version` header is sent, by this call or any other: requests run under the
    /// account's default API version, like the webhooks of an endpoint without its own. The
    /// fields read from answers have had the same shape in every version; where webhook
    /// objects differ between versions, [`Stripe::verify_event`] reads each shape; and pinning
    /// the requests' version alone would not pin the webhooks'.
    pub async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CreatedCheckout, PaymentError> {
        let key = request.idempotency_key.as_str();
        check_key(key)?;
        let url = self.endpoint(&["checkout", "sessions"])?;
        let reply = self
            .post_idempotent(url, key, &form_fields(request), "Checkout Session")
            .await?;
        match reply.id.zip(reply.url) {
            Some((id, url)) => {
                tracing::debug!(idempotency_key = key, session = %id, "Checkout Session created");
                Ok(CreatedCheckout { id, url })
            }
            // A replay would bring back the same answer.
            None => Err(unreadable()),
        }
    }

    /// Sets when a subscription ends: `POST {base_url}/v1/subscriptions/{subscription_id}`
    /// with `cancel_at=<cancel_at>` (Unix seconds) and `proration_behavior=none`, with the
    /// same authentication, attempts, waits and error classes as [`Stripe::create_checkout`],
    /// every attempt under `idempotency_key` (1 to 255 characters; the caller makes one per
    /// subscription and end, and keeps it). Ok once Stripe has recorded the end.
    ///
    /// Stripe then cancels the subscription at `cancel_at`, and charges no invoice after it.
    /// Setting it again replaces it. A refused request (an unknown subscription, one already
    /// cancelled, a `cancel_at` in the past, a restricted key without write access to
    /// subscriptions) is [`PaymentError::Permanent`].
    ///
    /// Choose `cancel_at` at the end of the last period to be paid, that is the moment the
    /// next charge would otherwise fall (the first charge, or the trial end, plus `n` periods
    /// on Stripe's calendar): `proration_behavior=none` keeps Stripe from crediting a period
    /// the end cuts short before it is over, but Stripe documents that an end falling inside
    /// a future period always prorates that period's invoice, so an end in the middle of the
    /// last period would charge only part of it.
    pub async fn end_subscription_at(
        &self,
        subscription_id: &str,
        cancel_at: i64,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        check_key(idempotency_key)?;
        let subscription_id = subscription_id.trim();
        if subscription_id.is_empty() {
            return Err(PaymentError::Permanent(
                "no subscription id was given".into(),
            ));
        }
        // One path segment, percent-encoded: an id cannot reach another endpoint.
        let url = self.endpoint(&["subscriptions", subscription_id])?;
        let form = [
            ("cancel_at".to_owned(), cancel_at.to_string()),
            ("proration_behavior".to_owned(), "none".to_owned()),
        ];
        let reply = self
            .post_idempotent(url, idempotency_key, &form, "subscription update")
            .await?;
        if reply.id.is_none() {
            return Err(unreadable());
        }
        tracing::debug!(
            idempotency_key,
            subscription = subscription_id,
            cancel_at,
            "subscription end set"
        );
        Ok(())
    }

    /// Verifies a webhook request and reads its event.
    ///
    /// `payload` is the request body exactly as received; `signature_header` the
    /// `Stripe-Signature` header, `t=<unix time>,v1=<hex>[,v1=<hex>…]` (other schemes, such as
    /// the `v0` of test mode, are ignored). The event is genuine when some `v1` is the
    /// HMAC-SHA256, keyed by the webhook secret, of `"{t}.{payload}"`, compared in constant
    /// time, and fresh when `t` is within the tolerance of `now`. Stripe may send an event more
    /// than once and in any order: the caller de-duplicates on [`Event::id`].
    pub fn verify_event(
        &self,
        payload: &[u8],
        signature_header: Option<&str>,
        now: std::time::SystemTime,
    ) -> Result<Event, WebhookError> {
        crate::webhook::verify(
            self.webhook_secret.expose(),
            self.webhook_tolerance,
            payload,
            signature_header,
            now,
        )
    }

    /// `{base_url}/v1/` and these segments, each percent-encoded as one segment.
    fn endpoint(&self, segments: &[&str]) -> Result<Url, PaymentError> {
        let mut url = self.api_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                PaymentError::Permanent("the request to Stripe could not be built".into())
            })?
            .extend(segments);
        Ok(url)
    }

    /// One line, bounded, and never a secret, whatever a server or library put in the text.
    fn clean(&self, text: &str) -> String {
        clean(
            text,
            &[self.secret_key.expose(), self.webhook_secret.expose()],
        )
    }
}

/// Refuses a key Stripe would refuse, before any request.
fn check_key(key: &str) -> Result<(), PaymentError> {
    if key.trim().is_empty() {
        return Err(PaymentError::Permanent(
            "the request has no idempotency key".into(),
        ));
    }
    if key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(PaymentError::Permanent(
            "the idempotency key is longer than Stripe's 255 characters".into(),
        ));
    }
    Ok(())
}

/// A 2xx whose body lacks what it should carry: Stripe acted, and a replay of the key would
/// bring back the same body.
fn unreadable() -> PaymentError {
    PaymentError::Unknown("Stripe accepted the request but its answer could not be read".into())
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("api_url", &self.api_url.as_str())
            .field("secret_key", &self.secret_key)
            .field("webhook_secret", &self.webhook_secret)
            .field("timeout", &self.timeout)
            .field("webhook_tolerance", &self.webhook_tolerance)
            .finish()
    }
}
