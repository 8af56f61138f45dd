//! Takes payments through Stripe Checkout: creates a Checkout Session over Stripe's REST API,
//! sets when a subscription it started ends, and verifies and reads the webhooks that say how
//! a session ended.
//!
//! The crate knows nothing about GraphQL or the database. The caller makes one idempotency key
//! per paylink checkout and keeps it; [`Stripe::create_checkout`] sends the session's form
//! (`application/x-www-form-urlencoded`, Stripe's bracket notation) with that key and retries
//! within the call, up to three attempts, since the key makes every attempt create the same
//! one session. The answer is the Stripe-hosted page's URL, or a [`PaymentError`] that says
//! whether trying later may help ([`PaymentError::Transient`]), cannot
//! ([`PaymentError::Permanent`]), or whether Stripe may have created the session although no
//! answer said so ([`PaymentError::Unknown`]; the same key within 24 hours gets it back).
//!
//! A payment plan (a number of payments from a start date) is a subscription-mode session
//! ([`CheckoutLine::Subscription`]) whose `trial_end` puts the first charge at the start date
//! (Stripe requires it at least 48 hours ahead), and, once `checkout.session.completed` names
//! its subscription, [`Stripe::end_subscription_at`] with the end of the last period: Checkout
//! cannot set an end itself. That call retries and classifies errors as creating a session
//! does, under its own idempotency key.
//!
//! The payment itself is reported by webhook: the caller's endpoint passes the raw body and
//! the `Stripe-Signature` header to [`Stripe::verify_event`], which checks the signature and
//! its age and returns an [`Event`]. Stripe delivers an event at least once and in no promised
//! order, so the caller de-duplicates on [`Event::id`] and lets a session's state only move
//! forward.
//!
//! Settings come in as values ([`StripeSettings`]); the secrets are [`Secret`]s, which print as
//! `***`, and no error's Display carries them. Requests go out with reqwest (rustls).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use paylink_payments::{
//!     CheckoutLine, CheckoutRequest, EventKind, PaymentMethodType, Secret, Stripe,
//!     StripeSettings,
//! };
//!
//! let stripe = Stripe::new(StripeSettings {
//!     base_url: paylink_payments::DEFAULT_STRIPE_BASE_URL.parse()?,
//!     secret_key: Secret::new("sk_test_..."),
//!     webhook_secret: Secret::new("whsec_..."),
//!     timeout: paylink_payments::DEFAULT_TIMEOUT,
//!     webhook_tolerance: paylink_payments::DEFAULT_WEBHOOK_TOLERANCE,
//! })?;
//! let created = stripe
//!     .create_checkout(&CheckoutRequest {
//!         idempotency_key: "chk_42-create".into(),
//!         client_reference_id: "chk_42".into(),
//!         line: CheckoutLine::Payment {
//!             amount_minor: 12_50,
//!             currency: "usd".into(),
//!             name: "Tuition, spring term".into(),
//!             description: None,
//!         },
//!         payment_method_types: vec![PaymentMethodType::Card],
//!         success_url: "https://pay.example.com/done?session={CHECKOUT_SESSION_ID}".into(),
//!         cancel_url: "https://pay.example.com/pt_link_x".into(),
//!         customer_email: None,
//!         metadata: vec![("checkout".into(), "chk_42".into())],
//!     })
//!     .await?;
//! println!("send the payer to {}", created.url);
//!
//! // In the webhook handler:
//! # let (body, header): (Vec<u8>, Option<&str>) = (Vec::new(), None);
//! match stripe.verify_event(&body, header, std::time::SystemTime::now()) {
//!     Ok(event) => match event.kind {
//!         EventKind::CheckoutCompleted(session) if session.payment_status == "paid" => {
//!             println!("{:?} paid", session.client_reference_id)
//!         }
//!         _ => {} // answer 2xx and ignore
//!     },
//!     Err(error) => println!("answer 400: {error}"),
//! }
//! # Ok(())
//! # }
//! ```

mod checkout;
mod client;
mod config;
mod error;
mod webhook;

pub use checkout::{CheckoutLine, CheckoutRequest, CreatedCheckout, Interval, PaymentMethodType};
pub use client::Stripe;
pub use config::{
    DEFAULT_STRIPE_BASE_URL, DEFAULT_TIMEOUT, DEFAULT_WEBHOOK_TOLERANCE, StripeSettings,
};
pub use error::{ConfigError, Field, PaymentError, WebhookError};
pub use paylink_provider_kit::Secret;
pub use webhook::{CheckoutObject, Event, EventKind};

#[cfg(test)]
mod tests {
    use super::*;

    /// The caller shares one client across tokio tasks.
    #[test]
    fn stripe_is_shareable_across_tasks() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<Stripe>();
    }

    #[test]
    fn the_default_base_url_parses() {
        let url: url::Url = DEFAULT_STRIPE_BASE_URL.parse().unwrap();
        assert_eq!(url.scheme(), "https");
    }

    #[test]
    fn a_subscription_carries_its_metadata_twice_and_its_interval() {
        let request = CheckoutRequest {
            idempotency_key: "k".into(),
            client_reference_id: "chk_1".into(),
            line: CheckoutLine::Subscription {
                amount_minor: 900,
                currency: "EUR".into(),
                name: "Membership".into(),
                interval: Interval::Month,
                interval_count: 3,
                trial_end: None,
            },
            payment_method_types: vec![PaymentMethodType::Card, PaymentMethodType::UsBankAccount],
            success_url: "https://x/s".into(),
            cancel_url: "https://x/c".into(),
            customer_email: None,
            metadata: vec![("checkout".into(), "chk_1".into())],
        };
        let form = checkout::form_fields(&request);
        let get = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(get("mode"), Some("subscription"));
        assert_eq!(get("line_items[0][price_data][currency]"), Some("eur"));
        assert_eq!(
            get("line_items[0][price_data][recurring][interval]"),
            Some("month")
        );
        assert_eq!(
            get("line_items[0][price_data][recurring][interval_count]"),
            Some("3")
        );
        assert_eq!(get("payment_method_types[1]"), Some("us_bank_account"));
        assert_eq!(get("metadata[checkout]"), Some("chk_1"));
        assert_eq!(get("subscription_data[metadata][checkout]"), Some("chk_1"));
        assert_eq!(get("customer_email"), None);
        assert_eq!(get("subscription_data[trial_end]"), None);
    }

    #[test]
    fn a_trial_end_is_sent_in_subscription_data() {
        let request = CheckoutRequest {
            idempotency_key: "k".into(),
            client_reference_id: "chk_1".into(),
            line: CheckoutLine::Subscription {
                amount_minor: 900,
                currency: "usd".into(),
                name: "Plan".into(),
                interval: Interval::Week,
                interval_count: 2,
                trial_end: Some(1_900_000_000),
            },
            payment_method_types: Vec::new(),
            success_url: "https://x/s".into(),
            cancel_url: "https://x/c".into(),
            customer_email: None,
            metadata: Vec::new(),
        };
        let form = checkout::form_fields(&request);
        assert!(
            form.contains(&("subscription_data[trial_end]".into(), "1900000000".into())),
            "{form:?}"
        );
    }
}
