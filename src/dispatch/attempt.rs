//! One send attempt: the message a delivery row makes, handed to the notifier, and what the
//! answer means for the delivery.

use paylink_notify::{
    Delivered, EmailMessage, Notifier, Secret, SendError, SmsMessage, WebhookMessage,
};
use paylink_store::deliveries::{AttemptResult, CALLBACK_CHANNEL, DeliveryRow, RECEIPT_CHANNEL};

use super::DispatchSettings;
use crate::domain::link_sending::Channel;
use crate::domain::timestamps;
use crate::receipts::Receipts;
use crate::telemetry::redact_contact_details;

/// The text message a Phone delivery sends; with receipts on, it asks for status callbacks.
pub(super) fn sms(row: &DeliveryRow, receipts: Option<&Receipts>) -> SmsMessage {
    SmsMessage {
        to: row.recipient.clone(),
        body: row.body_text.clone(),
        idempotency_key: row.id.clone(),
        status_callback: receipts.map(|receipts| receipts.twilio_status_callback(&row.id)),
    }
}

/// Sends `row` once over its channel; a callback is signed with `callback_secret`.
pub(super) async fn send(
    notifier: &Notifier,
    receipts: Option<&Receipts>,
    row: &DeliveryRow,
    callback_secret: Option<String>,
) -> Result<Delivered, SendError> {
    if row.channel == CALLBACK_CHANNEL {
        let Some(secret) = callback_secret else {
            return Err(SendError::Permanent(
                "the merchant has no callback secret".into(),
            ));
        };
        return notifier
            .send_webhook(&WebhookMessage {
                url: row.recipient.clone(),
                body: row.body_text.clone(),
                secret: Secret::new(secret),
            })
            .await;
    }
    // A payer's receipt is an email like a link's.
    if row.channel == RECEIPT_CHANNEL {
        return email(notifier, row).await;
    }
    match Channel::from_stored(&row.channel) {
        Some(Channel::Email) => email(notifier, row).await,
        Some(Channel::Phone) => notifier.send_sms(&sms(row, receipts)).await,
        None => Err(SendError::Permanent(format!(
            "unknown channel {:?}",
            row.channel
        ))),
    }
}

async fn email(notifier: &Notifier, row: &DeliveryRow) -> Result<Delivered, SendError> {
    notifier
        .send_email(&EmailMessage {
            to: row.recipient.clone(),
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            html: row.body_html.clone(),
            // The Message-ID: the same on every attempt, so that a receiver can tell a second
            // copy after an attempt whose outcome was unknown.
            idempotency_key: row.id.clone(),
        })
        .await
}

/// What an attempt's result means for the delivery: sent; retried later when it certainly
/// was not sent; settled later when it may have been; failed for good otherwise.
pub(super) fn outcome(
    settings: &DispatchSettings,
    row: &DeliveryRow,
    result: Result<Delivered, SendError>,
) -> AttemptResult {
    let (id, attempt) = (&row.id, row.attempts);
    match result {
        Ok(delivered) => {
            tracing::info!(delivery = %id, channel = %row.channel, attempt, "delivery sent");
            AttemptResult::Sent(delivered.provider_message_id)
        }
        Err(SendError::Unknown(reason)) => {
            let at = timestamps::now()
                + chrono::Duration::from_std(settings.settle_after).unwrap_or_default();
            tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(&reason), settle_at = %at, "delivery outcome unknown; the provider will be asked before any new attempt");
            AttemptResult::Unknown(reason, at)
        }
        Err(error) if error.is_transient() => {
            let now = timestamps::now();
            let policy = if row.channel == CALLBACK_CHANNEL {
                &settings.callback_retry
            } else {
                &settings.retry
            };
            let next = policy
                .next_attempt(attempt, row.created_at, now, rand::random::<f64>())
                // Not before the provider asked (429 with Retry-After).
                .map(|at| match error.retry_after() {
                    Some(wait) => {
                        at.max(now + chrono::Duration::from_std(wait).unwrap_or_default())
                    }
                    None => at,
                });
            match next {
                Some(at) => {
                    tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(error.reason()), retry_at = %at, "delivery failed; will retry");
                    AttemptResult::Retry(error.reason().to_owned(), at)
                }
                None => {
                    tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(error.reason()), "delivery failed; retries exhausted");
                    AttemptResult::Failed(format!(
                        "{} (gave up after {attempt} attempts)",
                        error.reason()
                    ))
                }
            }
        }
        Err(error) => {
            tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(error.reason()), "delivery refused by the provider");
            AttemptResult::Failed(error.reason().to_owned())
        }
    }
}
