//! Stripe's webhooks: the `Stripe-Signature` check and the events a checkout, a refund and a
//! plan's subscription produce.
//!
//! Stripe signs each delivery with `Stripe-Signature: t=<unix time>,v1=<hex>`: the HMAC-SHA256,
//! keyed by the endpoint's signing secret, of the timestamp, a dot and the body as sent. While
//! a rolled secret is still active the header carries one `v1` per secret, and test-mode
//! deliveries add a `v0` that means nothing. The timestamp is signed too, so an old delivery
//! cannot be replayed with a new one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac as _};
use paylink_provider_kit::tidy;
use serde::Deserialize;
use sha2::Sha256;

use crate::WebhookError;

#[cfg(test)]
mod event_fixtures;
mod objects;

pub use objects::{ChargeObject, CheckoutObject, InvoiceObject, RefundObject, SubscriptionObject};

/// One Stripe event, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `evt_…`; Stripe may deliver one event several times, so this is the key to
    /// de-duplicate on.
    pub id: String,
    /// When Stripe created the event, in Unix seconds. Deliveries come in no promised order,
    /// but the session's own state (`payment_status`) is the reliable guide.
    pub created: i64,
    /// What happened.
    pub kind: EventKind,
    /// Whether the event comes from live mode (false for test mode).
    pub livemode: bool,
}

/// What an event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `checkout.session.completed`: the payer finished the page. `payment_status` is `paid`
    /// for cards; `unpaid` for a bank debit still settling (one of the next two events
    /// follows); `no_payment_required` for a free subscription trial.
    CheckoutCompleted(CheckoutObject),
    /// `checkout.session.async_payment_succeeded`: a delayed payment (bank debit) settled.
    AsyncPaymentSucceeded(CheckoutObject),
    /// `checkout.session.async_payment_failed`: a delayed payment (bank debit) failed.
    AsyncPaymentFailed(CheckoutObject),
    /// `checkout.session.expired`: the session ended unpaid (at its `expires_at`, 24 hours
    /// by default, or expired through the API); its URL no longer works.
    CheckoutExpired(CheckoutObject),
    /// `charge.refunded`: a refund (through the API or the Dashboard) took back part or all
    /// of a payment; `amount_refunded` is the total so far. One per refund.
    ChargeRefunded(ChargeObject),
    /// A refund as it now stands: `refund.created`, `refund.updated` and `refund.failed`
    /// (sent for refunds of charges from API version 2024-10-28.acacia on), and
    /// `charge.refund.updated` (a refund's change, in every version).
    RefundUpdated(RefundObject),
    /// `invoice.paid`: a subscription's invoice was paid, such as a plan's period after the
    /// first (`billing_reason` `subscription_cycle`).
    InvoicePaid(InvoiceObject),
    /// `invoice.payment_failed`: a subscription's invoice could not be charged; Stripe
    /// retries as the account's settings say, and the subscription is `past_due` meanwhile.
    InvoicePaymentFailed(InvoiceObject),
    /// `customer.subscription.deleted`: the subscription ended (cancelled, its `cancel_at`
    /// reached, or given up after failed payments); nothing more is charged.
    SubscriptionDeleted(SubscriptionObject),
    /// Any other event type, named: acknowledge it (2xx) and ignore it.
    Other(String),
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    livemode: bool,
    data: Option<RawData>,
}

#[derive(Deserialize)]
struct RawData {
    object: serde_json::Value,
}

pub(crate) fn verify(
    secret: &str,
    tolerance: Duration,
    payload: &[u8],
    signature_header: Option<&str>,
    now: SystemTime,
) -> Result<Event, WebhookError> {
    let header = signature_header
        .map(str::trim)
        .filter(|header| !header.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for element in header.split(',') {
        match element.split_once('=') {
            Some((name, value)) if name.trim() == "t" => timestamp = Some(value.trim()),
            Some((name, value)) if name.trim() == "v1" => signatures.push(value.trim()),
            // Other schemes (v0) are ignored, so that none can stand in for v1.
            _ => {}
        }
    }
    let timestamp_text = timestamp.ok_or(WebhookError::BadSignature)?;
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| WebhookError::BadSignature)?;

    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| WebhookError::BadSignature)?;
    mac.update(timestamp_text.as_bytes());
    mac.update(b".");
    mac.update(payload);
    // `verify_slice` compares in constant time.
    let genuine = signatures
        .iter()
        .filter_map(|signature| decode_hex(signature))
        .any(|signature| mac.clone().verify_slice(&signature).is_ok());
    if !genuine {
        return Err(WebhookError::BadSignature);
    }

    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    if now.abs_diff(timestamp) > tolerance.as_secs() {
        return Err(WebhookError::Stale);
    }
    parse_event(payload)
}

fn parse_event(payload: &[u8]) -> Result<Event, WebhookError> {
    let raw: RawEvent = serde_json::from_slice(payload)
        .map_err(|error| WebhookError::Malformed(tidy(&error.to_string())))?;
    let object = || {
        raw.data
            .as_ref()
            .map(|data| &data.object)
            .ok_or_else(|| WebhookError::Malformed("the event has no data.object".into()))
    };
    let kind = match raw.kind.as_str() {
        "checkout.session.completed" => EventKind::CheckoutCompleted(objects::checkout(object()?)?),
        "checkout.session.async_payment_succeeded" => {
            EventKind::AsyncPaymentSucceeded(objects::checkout(object()?)?)
        }
        "checkout.session.async_payment_failed" => {
            EventKind::AsyncPaymentFailed(objects::checkout(object()?)?)
        }
        "checkout.session.expired" => EventKind::CheckoutExpired(objects::checkout(object()?)?),
        "charge.refunded" => EventKind::ChargeRefunded(objects::charge(object()?)?),
        "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
            EventKind::RefundUpdated(objects::refund(object()?)?)
        }
        "invoice.paid" => EventKind::InvoicePaid(objects::invoice(object()?)?),
        "invoice.payment_failed" => EventKind::InvoicePaymentFailed(objects::invoice(object()?)?),
        "customer.subscription.deleted" => {
            EventKind::SubscriptionDeleted(objects::subscription(object()?)?)
        }
        other => EventKind::Other(other.to_owned()),
    };
    Ok(Event {
        id: raw.id,
        created: raw.created,
        kind,
        livemode: raw.livemode,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_decoded_strictly() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("+f"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn a_header_without_v1_is_a_bad_signature() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let verify = |header: &str| {
            verify(
                "whsec_x",
                Duration::from_secs(300),
                b"{}",
                Some(header),
                now,
            )
        };
        assert_eq!(verify("t=1700000000"), Err(WebhookError::BadSignature));
        assert_eq!(
            verify("t=1700000000,v0=abcd"),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(verify("v1=abcd"), Err(WebhookError::BadSignature));
        assert_eq!(verify("  "), Err(WebhookError::MissingSignature));
    }
}
