//! Settings of the payer's side: which provider takes payments, and how hard the public pages
//! may be used. Without any set, payments are simulated (`test`), so development needs no
//! provider account.

use std::time::Duration;

use paylink_payments::{Secret, StripeSettings};

use super::ConfigError;
use super::settings::{self, Setting};

/// Who takes payments.
#[derive(Clone, Debug)]
pub enum PaymentsProviderConfig {
    /// paylink's own test-mode card page: nothing is charged.
    Test,
    /// Stripe Checkout.
    Stripe(StripeSettings),
}

/// Requests per client address to the pages' forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRateLimit {
    /// Sustained posts per minute; 0 turns the limit off.
    pub per_minute: u32,
    /// Posts allowed in a burst.
    pub burst: u32,
}

/// The payer's side's settings, checked.
#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    /// `PAYLINK_PAYMENTS_PROVIDER` and the provider's own settings.
    pub provider: PaymentsProviderConfig,
    /// `PAYLINK_PAGE_POSTS_PER_MINUTE`, `PAYLINK_PAGE_POSTS_BURST`.
    pub page_rate_limit: PageRateLimit,
    /// `PAYLINK_CHECKOUT_EXPIRES_SECS`.
    pub checkout_lifetime: Duration,
}

impl PaymentsConfig {
    /// Reads the settings through `get`.
    pub(super) fn from_lookup(
        get: &impl Fn(&Setting) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let provider = settings::PAYMENTS_PROVIDER
            .text(get(&settings::PAYMENTS_PROVIDER))
            .unwrap_or_default();
        let provider = match provider.trim() {
            "test" => PaymentsProviderConfig::Test,
            "stripe" => PaymentsProviderConfig::Stripe(stripe(get)?),
            other => {
                return Err(ConfigError {
                    variable: settings::PAYMENTS_PROVIDER.env,
                    message: format!("must be test or stripe, not {other:?}"),
                });
            }
        };
        Ok(Self {
            provider,
            page_rate_limit: PageRateLimit {
                per_minute: settings::PAGE_POSTS_PER_MINUTE
                    .number(get(&settings::PAGE_POSTS_PER_MINUTE))?,
                burst: settings::PAGE_POSTS_BURST.number(get(&settings::PAGE_POSTS_BURST))?,
            },
            checkout_lifetime: Duration::from_secs(
                settings::CHECKOUT_EXPIRES_SECS.number(get(&settings::CHECKOUT_EXPIRES_SECS))?,
            ),
        })
    }
}

fn stripe(get: &impl Fn(&Setting) -> Option<String>) -> Result<StripeSettings, ConfigError> {
    let required = |setting: &Setting| {
        get(setting).ok_or_else(|| ConfigError {
            variable: setting.env,
            message: "is required when PAYLINK_PAYMENTS_PROVIDER is stripe".to_owned(),
        })
    };
    let base_url = settings::STRIPE_BASE_URL
        .text(get(&settings::STRIPE_BASE_URL))
        .unwrap_or_default();
    let settings = StripeSettings {
        base_url: base_url.trim().parse().map_err(|_| ConfigError {
            variable: settings::STRIPE_BASE_URL.env,
            message: format!("must be an absolute http(s) URL, not {base_url:?}"),
        })?,
        secret_key: Secret::new(required(&settings::STRIPE_SECRET_KEY)?.trim()),
        webhook_secret: Secret::new(required(&settings::STRIPE_WEBHOOK_SECRET)?.trim()),
        timeout: Duration::from_millis(
            settings::STRIPE_TIMEOUT_MS.number(get(&settings::STRIPE_TIMEOUT_MS))?,
        ),
        webhook_tolerance: paylink_payments::DEFAULT_WEBHOOK_TOLERANCE,
    };
    // The client checks the rest (the URL's scheme, the keys' shapes) and names the field.
    paylink_payments::Stripe::new(settings.clone()).map_err(|error| ConfigError {
        variable: setting_of(&error.field).env,
        message: error.message,
    })?;
    Ok(settings)
}

/// The setting behind one of the payments client's fields.
fn setting_of(field: &paylink_payments::Field) -> &'static Setting {
    use paylink_payments::Field;
    match field {
        Field::StripeBaseUrl => &settings::STRIPE_BASE_URL,
        Field::StripeSecretKey => &settings::STRIPE_SECRET_KEY,
        Field::StripeWebhookSecret => &settings::STRIPE_WEBHOOK_SECRET,
        // The tolerance is not a setting: Stripe's libraries' five minutes.
        Field::StripeTimeout | Field::StripeWebhookTolerance => &settings::STRIPE_TIMEOUT_MS,
    }
}
