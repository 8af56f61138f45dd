//! Stripe's webhooks: the `Stripe-Signature` check and the events a checkout produces.
//!
//! Stripe signs each delivery with `Stripe-Signature: t=<unix time>,v1=<hex>`: the HMAC-SHA256,
//! keyed by the endpoint's signing secret, of the timestamp, a dot and the body as sent. While
//! a rolled secret is still active the header carries one `v1` per secret, and test-mode
//! deliveries add a `v0` that means nothing. The timestamp is signed too, so an old delivery
//! cannot be replayed with a new one.

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, Mac as _};
use paylink_provider_kit::tidy;
use serde::Deserialize;
use sha2::Sha256;

use crate::WebhookError;

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
    /// `checkout.session.expired`: the session ended unpaid (24 hours by default, or expired
    /// through the API); its URL no longer works.
    CheckoutExpired(CheckoutObject),
    /// Any other event type, named: acknowledge it (2xx) and ignore it.
    Other(String),
}

/// The Checkout Session an event carries, as it was when the event was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutObject {
    /// `cs_…`.
    pub id: String,
    /// paylink's checkout id, as sent when the session was created.
    pub client_reference_id: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    /// Total in minor units, after discounts and taxes.
    pub amount_total: Option<i64>,
    /// Lower-case ISO 4217 code.
    pub currency: Option<String>,
    /// The PaymentIntent (`pi_…`) of a payment-mode session, once there is one.
    pub payment_intent: Option<String>,
    /// The Subscription (`sub_…`) of a subscription-mode session, once there is one.
    pub subscription: Option<String>,
    /// The session's `metadata`.
    pub metadata: BTreeMap<String, String>,
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

#[derive(Deserialize)]
struct RawSession {
    id: String,
    object: Option<String>,
    client_reference_id: Option<String>,
    payment_status: String,
    amount_total: Option<i64>,
    currency: Option<String>,
    payment_intent: Option<serde_json::Value>,
    subscription: Option<serde_json::Value>,
    metadata: Option<BTreeMap<String, String>>,
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
    let malformed = |error: serde_json::Error| WebhookError::Malformed(tidy(&error.to_string()));
    let raw: RawEvent = serde_json::from_slice(payload).map_err(malformed)?;
    let session = || -> Result<CheckoutObject, WebhookError> {
        let object = raw
            .data
            .as_ref()
            .map(|data| data.object.clone())
            .ok_or_else(|| WebhookError::Malformed("the event has no data.object".into()))?;
        let session: RawSession = serde_json::from_value(object).map_err(malformed)?;
        if session
            .object
            .as_deref()
            .is_some_and(|o| o != "checkout.session")
        {
            return Err(WebhookError::Malformed(
                "data.object is not a checkout.session".into(),
            ));
        }
        Ok(CheckoutObject {
            id: session.id,
            client_reference_id: session.client_reference_id,
            payment_status: session.payment_status,
            amount_total: session.amount_total,
            currency: session.currency,
            payment_intent: id_of(session.payment_intent),
            subscription: id_of(session.subscription),
            metadata: session.metadata.unwrap_or_default(),
        })
    };
    let kind = match raw.kind.as_str() {
        "checkout.session.completed" => EventKind::CheckoutCompleted(session()?),
        "checkout.session.async_payment_succeeded" => EventKind::AsyncPaymentSucceeded(session()?),
        "checkout.session.async_payment_failed" => EventKind::AsyncPaymentFailed(session()?),
        "checkout.session.expired" => EventKind::CheckoutExpired(session()?),
        other => EventKind::Other(other.to_owned()),
    };
    Ok(Event {
        id: raw.id,
        created: raw.created,
        kind,
        livemode: raw.livemode,
    })
}

/// An id, or an expanded object's id.
fn id_of(value: Option<serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(id) => Some(id),
        serde_json::Value::Object(object) => object.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
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
