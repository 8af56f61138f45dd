//! Delivers one notification over one channel and says whether a failure is worth retrying.
//!
//! The crate knows nothing about GraphQL or the database: the dispatcher in the binary claims
//! outbox rows, calls [`Notifier::send_email`] or [`Notifier::send_sms`] once per attempt, and
//! decides about retries and backoff from [`SendError::is_transient`]. Nothing here retries, so
//! one call is exactly one attempt and the dispatcher's bookkeeping stays truthful.
//!
//! Email goes over SMTP (lettre, rustls with *ring*) or, for development, into `.eml` files; text
//! messages go to Twilio's Messages API (reqwest, rustls with *ring*) or, for development, into a
//! JSON-lines file. The process should call [`install_crypto_provider`] once at start.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use paylink_notify::{
//!     EmailMessage, EmailSettings, EmailTransport, Notifier, Secret, SmsSettings, SmsTransport,
//!     TwilioSender,
//! };
//!
//! paylink_notify::install_crypto_provider();
//! let notifier = Notifier::new(
//!     EmailSettings {
//!         transport: EmailTransport::Smtp {
//!             url: Secret::new("smtp://mailer:secret@mail.example.com?tls=required"),
//!         },
//!         from: "Paylink <no-reply@example.com>".into(),
//!         timeout: paylink_notify::DEFAULT_TIMEOUT,
//!     },
//!     SmsSettings {
//!         transport: SmsTransport::Twilio {
//!             base_url: paylink_notify::DEFAULT_TWILIO_BASE_URL.parse()?,
//!             account_sid: "AC0123456789abcdef0123456789abcdef".into(),
//!             auth_token: Secret::new("token"),
//!             sender: TwilioSender::From("+15005550006".into()),
//!         },
//!         timeout: Duration::from_secs(10),
//!     },
//!     // Merchants' callbacks: https only, no private or loopback addresses.
//!     paylink_notify::OutboundPolicy::default(),
//! )?;
//! let message = EmailMessage {
//!     to: "bob@example.com".into(),
//!     subject: "Your payment link".into(),
//!     text: "Pay here: https://pay.example.com/pt_link_x".into(),
//!     html: "<a href=\"https://pay.example.com/pt_link_x\">Pay</a>".into(),
//!     idempotency_key: "delivery-42".into(),
//! };
//! match notifier.send_email(&message).await {
//!     Ok(delivered) => println!("sent as {:?}", delivered.provider_message_id),
//!     Err(error) if error.is_transient() => println!("retry later: {error}"),
//!     Err(error) => println!("give up: {error}"),
//! }
//! # Ok(())
//! # }
//! ```

mod config;
mod email;
mod error;
mod message;
mod notifier;
mod receipts;
mod sms;
pub mod webhook;

pub use config::{
    DEFAULT_TIMEOUT, DEFAULT_TWILIO_BASE_URL, EmailSettings, EmailTransport, SmsSettings,
    SmsTransport, TwilioSender,
};
pub use error::{ConfigError, Field, SendError};
pub use message::{Delivered, EmailMessage, SmsMessage};
pub use notifier::Notifier;
pub use paylink_outbound::OutboundPolicy;
pub use paylink_provider_kit::Secret;
pub use receipts::{Receipt, ReceiptError, ReceiptState, TwilioWebhooks};
pub use webhook::WebhookMessage;

/// Makes *ring* the process-wide rustls crypto provider; safe to call any number of times.
///
/// lettre and reqwest would fall back to *ring* on their own, but anything else in the process
/// that asks rustls for "the default provider" needs one installed, and installing it once at
/// start keeps every TLS client in the process on the same, known provider. When a provider is
/// already installed (by an earlier call or by the host program) that one is kept.
pub fn install_crypto_provider() {
    // An Err only says a provider is already installed, which is the state we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    /// The dispatcher shares one notifier across tokio tasks.
    #[test]
    fn notifier_is_shareable_across_tasks() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<crate::Notifier>();
    }
}
