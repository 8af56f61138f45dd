//! The Stripe objects events carry, as far as paylink reads them, and how each is read from an
//! event's `data.object` in the shapes of the API versions a webhook endpoint may be on.

use std::collections::BTreeMap;

use paylink_provider_kit::tidy;
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use crate::WebhookError;

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

/// A Charge (`ch_…`): the money of one payment, and how much of it refunds took back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeObject {
    /// `ch_…`.
    pub id: String,
    /// The payment's PaymentIntent (`pi_…`): a payment-mode session's, or an invoice's.
    pub payment_intent: Option<String>,
    /// What was charged, in minor units.
    pub amount: i64,
    /// What all refunds so far took back, in minor units (a failed refund's money comes
    /// back and no longer counts).
    pub amount_refunded: i64,
    /// Lower-case ISO 4217 code.
    pub currency: String,
    /// Whether the whole amount has been refunded; false after a partial refund.
    pub refunded: bool,
    /// The charge's refunds, when the event lists them. Since API version 2022-11-15 a Charge
    /// no longer does (empty here); from 2024-10-28.acacia on each refund comes in its own
    /// `refund.*` events ([`EventKind::RefundUpdated`](crate::EventKind::RefundUpdated)).
    pub refunds: Vec<RefundObject>,
}

/// A Refund (`re_…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundObject {
    /// `re_…`.
    pub id: String,
    /// The refunded payment's PaymentIntent (`pi_…`).
    pub payment_intent: Option<String>,
    /// What it gives back, in minor units.
    pub amount: i64,
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`
    /// ([`RefundStatus::from_stripe`](crate::RefundStatus::from_stripe) reads it); Stripe
    /// documents it as nullable. Kept as Stripe's word, so that a status added later does not
    /// make a genuine event unreadable.
    pub status: Option<String>,
    /// `duplicate`, `fraudulent`, `requested_by_customer`, or Stripe's own
    /// `expired_uncaptured_charge`; `None` when none was given.
    pub reason: Option<String>,
    /// The refund's `metadata`, as sent when it was created.
    pub metadata: BTreeMap<String, String>,
}

/// An Invoice (`in_…`) of a subscription: one period of a payment plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceObject {
    /// `in_…`.
    pub id: String,
    /// Its subscription (`sub_…`): `subscription` before API version 2025-03-31.basil,
    /// `parent.subscription_details.subscription` from it on; both are read.
    pub subscription: Option<String>,
    /// What was paid, in minor units; 0 after a failed payment.
    pub amount_paid: i64,
    /// What was due, in minor units.
    pub amount_due: i64,
    /// Lower-case ISO 4217 code.
    pub currency: String,
    /// Why it was made: `subscription_create` (the first invoice, 0 during a trial),
    /// `subscription_cycle` (each later period), `subscription_update`, `manual`, ...
    pub billing_reason: Option<String>,
    /// The PaymentIntent (`pi_…`) that paid or tried to pay it: `payment_intent` before
    /// basil; from basil on only the invoice's `payments` list names it, which events carry
    /// only when the endpoint expands it, so it is often `None` there.
    pub payment_intent: Option<String>,
    /// `draft`, `open`, `paid`, `uncollectible` or `void`.
    pub status: Option<String>,
    /// The subscription's metadata as the invoice recorded it when it was finalized
    /// (`subscription_details.metadata`, from basil on
    /// `parent.subscription_details.metadata`): a plan's `subscription_data[metadata]`.
    pub subscription_metadata: BTreeMap<String, String>,
}

/// A Subscription (`sub_…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionObject {
    /// `sub_…`.
    pub id: String,
    /// `canceled` once it ended; before, `trialing`, `active`, `past_due`, `unpaid`, ...
    pub status: String,
}

/// Reads `data.object` as `T` after checking that its `object` names `expected`.
fn read<T: DeserializeOwned>(object: &Value, expected: &str) -> Result<T, WebhookError> {
    if object
        .get("object")
        .and_then(Value::as_str)
        .is_some_and(|named| named != expected)
    {
        return Err(WebhookError::Malformed(format!(
            "data.object is not a {expected}"
        )));
    }
    serde_json::from_value(object.clone())
        .map_err(|error| WebhookError::Malformed(tidy(&error.to_string())))
}

#[derive(Deserialize)]
struct RawSession {
    id: String,
    client_reference_id: Option<String>,
    payment_status: String,
    amount_total: Option<i64>,
    currency: Option<String>,
    payment_intent: Option<Value>,
    subscription: Option<Value>,
    metadata: Option<BTreeMap<String, String>>,
}

pub(super) fn checkout(object: &Value) -> Result<CheckoutObject, WebhookError> {
    let session: RawSession = read(object, "checkout.session")?;
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
}

/// A list object (`{"object": "list", "data": [...]}`), as far as its items go.
#[derive(Deserialize)]
struct RawList<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
struct RawCharge {
    id: String,
    payment_intent: Option<Value>,
    amount: i64,
    amount_refunded: i64,
    currency: String,
    refunded: bool,
    refunds: Option<RawList<RawRefund>>,
}

pub(super) fn charge(object: &Value) -> Result<ChargeObject, WebhookError> {
    let charge: RawCharge = read(object, "charge")?;
    Ok(ChargeObject {
        id: charge.id,
        payment_intent: id_of(charge.payment_intent),
        amount: charge.amount,
        amount_refunded: charge.amount_refunded,
        currency: charge.currency,
        refunded: charge.refunded,
        refunds: charge
            .refunds
            .map(|list| list.data.into_iter().map(RefundObject::from).collect())
            .unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct RawRefund {
    id: String,
    payment_intent: Option<Value>,
    amount: i64,
    status: Option<String>,
    reason: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

impl From<RawRefund> for RefundObject {
    fn from(refund: RawRefund) -> Self {
        RefundObject {
            id: refund.id,
            payment_intent: id_of(refund.payment_intent),
            amount: refund.amount,
            status: refund.status,
            reason: refund.reason,
            metadata: refund.metadata.unwrap_or_default(),
        }
    }
}

pub(super) fn refund(object: &Value) -> Result<RefundObject, WebhookError> {
    read::<RawRefund>(object, "refund").map(RefundObject::from)
}

#[derive(Deserialize)]
struct RawInvoice {
    id: String,
    amount_paid: i64,
    amount_due: i64,
    currency: String,
    billing_reason: Option<String>,
    status: Option<String>,
    /// Before 2025-03-31.basil.
    subscription: Option<Value>,
    /// Before basil: the subscription's metadata only.
    subscription_details: Option<RawSubscriptionDetails>,
    /// Before basil.
    payment_intent: Option<Value>,
    /// From basil on.
    parent: Option<RawParent>,
    /// From basil on, when expanded: `data[].payment.payment_intent`.
    payments: Option<RawList<RawInvoicePayment>>,
}

#[derive(Deserialize)]
struct RawParent {
    subscription_details: Option<RawSubscriptionDetails>,
}

#[derive(Deserialize)]
struct RawSubscriptionDetails {
    subscription: Option<Value>,
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct RawInvoicePayment {
    payment: Option<RawPayment>,
}

#[derive(Deserialize)]
struct RawPayment {
    payment_intent: Option<Value>,
}

pub(super) fn invoice(object: &Value) -> Result<InvoiceObject, WebhookError> {
    let invoice: RawInvoice = read(object, "invoice")?;
    let parent = invoice
        .parent
        .and_then(|parent| parent.subscription_details);
    let (parent_subscription, parent_metadata) = parent
        .map(|details| (details.subscription, details.metadata))
        .unwrap_or_default();
    let paid_by = invoice
        .payments
        .into_iter()
        .flat_map(|list| list.data)
        .find_map(|payment| id_of(payment.payment?.payment_intent));
    Ok(InvoiceObject {
        id: invoice.id,
        subscription: id_of(invoice.subscription).or_else(|| id_of(parent_subscription)),
        amount_paid: invoice.amount_paid,
        amount_due: invoice.amount_due,
        currency: invoice.currency,
        billing_reason: invoice.billing_reason,
        payment_intent: id_of(invoice.payment_intent).or(paid_by),
        status: invoice.status,
        subscription_metadata: parent_metadata
            .or_else(|| invoice.subscription_details.and_then(|d| d.metadata))
            .unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct RawSubscription {
    id: String,
    status: String,
}

pub(super) fn subscription(object: &Value) -> Result<SubscriptionObject, WebhookError> {
    let subscription: RawSubscription = read(object, "subscription")?;
    Ok(SubscriptionObject {
        id: subscription.id,
        status: subscription.status,
    })
}

/// An id, or an expanded object's id.
fn id_of(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id),
        Value::Object(object) => object.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
}
