//! The one handle the dispatcher holds.

use std::{fmt, sync::Arc};

use paylink_outbound::OutboundPolicy;

use crate::{
    ConfigError, Delivered, EmailMessage, EmailSettings, SendError, SmsMessage, SmsSettings,
    TwilioWebhooks, WebhookMessage, email::EmailSender, sms::SmsSender, webhook::WebhookSender,
};

/// Sends email and text messages, one attempt per call.
///
/// Built once at start by [`Notifier::new`], which checks every setting so that a bad one stops
/// start-up instead of failing each delivery. Cloning is cheap (the transports sit behind an
/// `Arc`), and Debug shows where messages go without any credential.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    email: EmailSender,
    sms: SmsSender,
    webhooks: WebhookSender,
}

impl Notifier {
    /// Checks settings and builds the transports (no network I/O).
    ///
    /// Errors name the setting to fix as a [`Field`](crate::Field), e.g. `SMTP URL: unsupported
    /// scheme ftp (use smtp:// or smtps://)` or `email sender: not a valid mailbox`.
    ///
    /// Merchants' callbacks go through the outbound guard under `callbacks`
    /// ([`OutboundPolicy::default`] is the safe one: https only, no private addresses).
    pub fn new(
        email: EmailSettings,
        sms: SmsSettings,
        callbacks: OutboundPolicy,
    ) -> Result<Self, ConfigError> {
        // Callbacks wait as long as a text message does.
        let webhooks = WebhookSender::new(sms.timeout, callbacks).map_err(|error| {
            ConfigError::new(
                crate::Field::CallbackClient,
                format!("no HTTP client: {}", paylink_provider_kit::chain(&error)),
            )
        })?;
        Ok(Notifier {
            inner: Arc::new(Inner {
                email: EmailSender::new(email)?,
                sms: SmsSender::new(sms)?,
                webhooks,
            }),
        })
    }

    /// One attempt: multipart/alternative (text + HTML) email.
    ///
    /// The Message-ID is derived from the idempotency key, so a retry after a lost answer
    /// carries the same id and receivers can recognise the duplicate.
    pub async fn send_email(&self, message: &EmailMessage) -> Result<Delivered, SendError> {
        let result = self.inner.email.send(message).await;
        log_outcome("email", &message.idempotency_key, &result);
        result
    }

    /// One attempt: for Twilio, POST `{base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`
    /// with `To`, `From` or `MessagingServiceSid`, `Body` and, when given, `StatusCallback`, with
    /// basic auth. Success is a 2xx whose JSON `sid` becomes the provider message id; 429 and
    /// 5xx are transient, other 4xx permanent, and no answer once connected is
    /// [`SendError::Unknown`]: Twilio may have created the message ([`Notifier::find_sms`]).
    pub async fn send_sms(&self, message: &SmsMessage) -> Result<Delivered, SendError> {
        let result = self.inner.sms.send(message).await;
        log_outcome("sms", &message.idempotency_key, &result);
        result
    }

    /// One attempt: the callback POSTed to the merchant's URL, signed at this moment
    /// ([`crate::webhook`]). No answer is transient, not unknown: the receiver de-duplicates.
    pub async fn send_webhook(&self, message: &WebhookMessage) -> Result<Delivered, SendError> {
        self.inner.webhooks.send(message).await
    }

    /// After an attempt whose outcome is unknown: the messages the provider created like
    /// `message` at or after `since`, oldest first (for Twilio: its Messages list, matched on
    /// recipient, sender and body; identical texts to one number match alike, so the caller
    /// skips those it knows to be another delivery's). None means the provider has no such
    /// message, so sending again sends it once. An error means the provider could not be asked.
    pub async fn find_sms(
        &self,
        message: &SmsMessage,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Delivered>, SendError> {
        self.inner.sms.find(message, since).await
    }

    /// The checker of Twilio's webhooks (status callbacks), when text messages go to Twilio.
    pub fn twilio_webhooks(&self) -> Option<TwilioWebhooks> {
        self.inner.sms.twilio_webhooks()
    }
}

fn log_outcome(channel: &str, key: &str, result: &Result<Delivered, SendError>) {
    match result {
        Ok(delivered) => tracing::debug!(
            channel,
            idempotency_key = key,
            provider_message_id = delivered.provider_message_id.as_deref(),
            "notification handed over"
        ),
        // No reason here: a provider's reason can echo the recipient's number or address (Twilio
        // 21211, SMTP 550), and the caller logs it with contact details redacted.
        Err(error) => tracing::debug!(
            channel,
            idempotency_key = key,
            transient = error.is_transient(),
            "notification attempt failed"
        ),
    }
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.inner.email)
            .field("sms", &self.inner.sms)
            .finish()
    }
}
