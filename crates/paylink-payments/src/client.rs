//! Stripe's Checkout Sessions API: one create, retried under one idempotency key.

use std::{fmt, time::Duration};

use reqwest::{StatusCode, header::HeaderMap, redirect};
use serde::Deserialize;
use url::Url;

use crate::{
    CheckoutRequest, ConfigError, CreatedCheckout, Event, Field, PaymentError, Secret,
    StripeSettings, WebhookError,
    checkout::form_fields,
    config,
    error::{chain, redact, tidy},
};

/// Attempts per [`Stripe::create_checkout`] call.
const MAX_ATTEMPTS: u32 = 3;

/// The wait after the first failed attempt; it doubles after each further one.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// The longest `Retry-After` obeyed: a payer is waiting for the page, and a longer wait is
/// better spent by the caller, who gets [`PaymentError::Transient`] and may try later.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Stripe's limit on an `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// Creates Checkout Sessions and verifies webhooks for one Stripe account.
///
/// Built once at start by [`Stripe::new`], which checks every setting. Cloning is cheap (the
/// HTTP client shares its connection pool), and Debug shows where requests go without either
/// secret.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    sessions_url: Url,
    secret_key: Secret,
    webhook_secret: Secret,
    timeout: Duration,
    webhook_tolerance: Duration,
}

/// The fields of a session or of an error body that matter here.
#[derive(Deserialize)]
struct Reply {
    id: Option<String>,
    url: Option<String>,
    error: Option<ErrorBody>,
}

/// Stripe's `error` object.
#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

/// How one attempt ended.
enum Attempt {
    Created(CreatedCheckout),
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

        let mut sessions_url = base_url;
        sessions_url
            .path_segments_mut()
            .map_err(|()| ConfigError::new(Field::StripeBaseUrl, "must be an http(s) URL"))?
            .pop_if_empty()
            .extend(["v1", "checkout", "sessions"]);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would be a misconfigured base URL; following it could carry the key
            // somewhere else.
            .redirect(redirect::Policy::none())
            .user_agent(concat!("paylink-payments/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                ConfigError::new(
                    Field::StripeBaseUrl,
                    format!("no HTTP client: {}", chain(&error)),
                )
            })?;
        Ok(Stripe {
            http,
            sessions_url,
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
    /// No `Stripe-Version` header is sent: the session is created under the account's default
    /// API version, like the webhooks of an endpoint without its own. The fields read here (and
    /// in [`Stripe::verify_event`]) have had the same shape in every version, and pinning the
    /// requests' version alone would not pin the webhooks'.
    pub async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CreatedCheckout, PaymentError> {
        let key = request.idempotency_key.as_str();
        if key.trim().is_empty() {
            return Err(PaymentError::Permanent(
                "the checkout has no idempotency key".into(),
            ));
        }
        if key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
            return Err(PaymentError::Permanent(
                "the idempotency key is longer than Stripe's 255 characters".into(),
            ));
        }
        let form = form_fields(request);
        let mut in_doubt = false;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let (reason, retry_after) = match self.attempt(key, &form).await {
                Attempt::Created(created) => {
                    tracing::debug!(idempotency_key = key, attempt, session = %created.id, "Checkout Session created");
                    return Ok(created);
                }
                Attempt::Final(error) => {
                    tracing::debug!(
                        idempotency_key = key,
                        attempt,
                        "Stripe refused the Checkout Session"
                    );
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
                    "Stripe attempts exhausted"
                );
                return Err(if in_doubt {
                    PaymentError::Unknown(reason)
                } else {
                    PaymentError::Transient(reason)
                });
            }
            let wait = retry_after.map_or(backoff, |asked| asked.min(MAX_RETRY_AFTER));
            tracing::debug!(
                idempotency_key = key,
                attempt,
                ?wait,
                "retrying the Checkout Session"
            );
            tokio::time::sleep(wait).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    async fn attempt(&self, key: &str, form: &[(String, String)]) -> Attempt {
        let sent = self
            .http
            .post(self.sessions_url.clone())
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
            // The status came but the body did not: after a 2xx the session exists, and the
            // same key brings its answer back.
            Err(error) => return self.transport_error(error),
        };
        let reply = serde_json::from_slice::<Reply>(&body).ok();
        if status.is_success() {
            return match reply.and_then(|reply| reply.id.zip(reply.url)) {
                Some((id, url)) => Attempt::Created(CreatedCheckout { id, url }),
                // A replay would bring back the same answer.
                None => Attempt::Final(PaymentError::Unknown(
                    "Stripe accepted the request but its answer could not be read".into(),
                )),
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
                retry_after: retry_after(&headers),
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

    /// One line, bounded, and never a secret, whatever a server or library put in the text.
    fn clean(&self, text: &str) -> String {
        redact(
            tidy(text),
            &[self.secret_key.expose(), self.webhook_secret.expose()],
        )
    }
}

/// 409 (the key's first request still in progress), 429 and server trouble pass.
fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// `Retry-After` in seconds.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("sessions_url", &self.sessions_url.as_str())
            .field("secret_key", &self.secret_key)
            .field("webhook_secret", &self.webhook_secret)
            .field("timeout", &self.timeout)
            .field("webhook_tolerance", &self.webhook_tolerance)
            .finish()
    }
}
