//! Takes payments through Stripe Checkout: creates a Checkout Session over Stripe's REST API,
//! closes it early, sets when (or cancels now) a subscription it started, refunds payments,
//! and verifies and reads the webhooks that say how a session, a refund and a plan's
//! subscription fared.
//!
//! The crate knows nothing about GraphQL or the database. The caller makes one idempotency key
//! per paylink checkout and keeps it; [`Stripe::create_checkout`] sends the session's form
//! (`application/x-www-form-urlencoded`, Stripe's bracket notation) with that key and retries
//! within the call, up to three attempts, since the key makes every attempt create the same
//! one session. The answer is the Stripe-hosted page's URL, or a [`PaymentError`] that says
//! whether trying later may help ([`PaymentError::Transient`]), cannot
//! ([`PaymentError::Permanent`]), or whether Stripe may have created the session although no
//! answer said so ([`PaymentError::Unknown`]; the same key within 24 hours gets it back).
//! Every other call retries and classes its errors the same way, each POST under an
//! idempotency key of its own (a DELETE carries none: Stripe ignores keys there).
//!
//! A payment's session has one line item, or two when the payer pays a fee on top
//! ([`FeeLine`], e.g. a merchant's service fee): Stripe shows each on its page and charges
//! their sum, the session's `amount_total`, which is what the caller should expect back.
//!
//! A session takes payment until its [`CheckoutRequest::expires_at`] (30 minutes to 24 hours
//! after creation; 24 hours by default), or until [`Stripe::expire_checkout`] closes it. The
//! payer may finish the page while the expire is on its way: the call then answers
//! [`ExpireOutcome::AlreadyClosed`] with `completed: true`, and the caller refunds.
//!
//! A payment plan (a number of payments from a start date) is a subscription-mode session
//! ([`CheckoutLine::Subscription`]) whose `trial_end` puts the first charge at the start date
//! (Stripe requires it at least 48 hours ahead), and, once `checkout.session.completed` names
//! its subscription, [`Stripe::end_subscription_at`] with the end of the last period: Checkout
//! cannot set an end itself. Stripe then charges each period on its own and reports it with
//! `invoice.paid` or `invoice.payment_failed` ([`EventKind::InvoicePaid`],
//! [`EventKind::InvoicePaymentFailed`]); [`Stripe::cancel_subscription`] ends a plan at once
//! (no final invoice, no proration), and is Ok for a subscription already ended.
//!
//! [`Stripe::create_refund`] gives back all or part of a payment, named by its PaymentIntent
//! (a session's, or an invoice's). Refunds made in Stripe's Dashboard count against the same
//! payment, and every refund is reported by `charge.refunded` ([`EventKind::ChargeRefunded`],
//! the total refunded so far) and, from API version 2024-10-28.acacia on, by `refund.*`
//! events ([`EventKind::RefundUpdated`]).
//!
//! Payments are reported by webhook: the caller's endpoint passes the raw body and the
//! `Stripe-Signature` header to [`Stripe::verify_event`], which checks the signature and its
//! age and returns an [`Event`]. Stripe delivers an event at least once and in no promised
//! order, so the caller de-duplicates on [`Event::id`] and lets each object's state only move
//! forward. An event's object takes the shape of the webhook endpoint's API version; where
//! the versions differ in what is read here (a Charge's refunds list, where an invoice names
//! its subscription and payment), every shape is read.
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
//!             service_fee: None,
//!         },
//!         payment_method_types: vec![PaymentMethodType::Card],
//!         success_url: "https://pay.example.com/done?session={CHECKOUT_SESSION_ID}".into(),
//!         cancel_url: "https://pay.example.com/pt_link_x".into(),
//!         expires_at: None,
//!         customer_email: None,
//!         receipt_email: None,
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
mod refund;
mod webhook;

pub use checkout::{
    CheckoutLine, CheckoutRequest, CreatedCheckout, ExpireOutcome, FeeLine, Interval,
    PaymentMethodType,
};
pub use client::Stripe;
pub use config::{
    DEFAULT_STRIPE_BASE_URL, DEFAULT_TIMEOUT, DEFAULT_WEBHOOK_TOLERANCE, StripeSettings,
};
pub use error::{ConfigError, Field, PaymentError, WebhookError};
pub use paylink_provider_kit::Secret;
pub use refund::{CreatedRefund, RefundReason, RefundRequest, RefundStatus};
pub use webhook::{
    ChargeObject, CheckoutObject, Event, EventKind, InvoiceObject, RefundObject, SubscriptionObject,
};

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
            expires_at: None,
            customer_email: None,
            receipt_email: None,
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
        assert_eq!(get("expires_at"), None);
    }

    #[test]
    fn an_expiry_is_sent_as_expires_at() {
        let request = CheckoutRequest {
            idempotency_key: "k".into(),
            client_reference_id: "chk_1".into(),
            line: CheckoutLine::Payment {
                amount_minor: 1250,
                currency: "usd".into(),
                name: "Books".into(),
                description: None,
                service_fee: None,
            },
            payment_method_types: Vec::new(),
            success_url: "https://x/s".into(),
            cancel_url: "https://x/c".into(),
            expires_at: Some(1_900_003_600),
            customer_email: None,
            receipt_email: None,
            metadata: Vec::new(),
        };
        let form = checkout::form_fields(&request);
        assert!(
            form.contains(&("expires_at".into(), "1900003600".into())),
            "{form:?}"
        );
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
            expires_at: None,
            customer_email: None,
            receipt_email: None,
            metadata: Vec::new(),
        };
        let form = checkout::form_fields(&request);
        assert!(
            form.contains(&("subscription_data[trial_end]".into(), "1900000000".into())),
            "{form:?}"
        );
    }
}
