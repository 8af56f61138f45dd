//! A plan's charges after its first: the processor collects each period's invoice from the
//! subscription the plan's checkout set up, and says so by event. Each invoice collected is a
//! payment of the plan (one per invoice), each failed attempt a Failed payment; the invoice that
//! opened the subscription gives the first payment its processor reference (Stripe's
//! PaymentIntent), so that it can be refunded. A charge collected for a session that can no
//! longer be paid (cancelled before the processor ended the plan) is given back, and the plan
//! ended again.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{PaymentStatus, SessionStatus, Status};

use super::CheckoutRow;
use super::keeping::{GiveBack, give_back};
use super::outcomes::{OutcomeEvent, record_event};
use super::payments::{self, PaymentRow};
use crate::StoreError;
use crate::schema::checkouts::dsl as checkouts;
use crate::schema::payments::dsl;
use crate::sessions::SessionRow;

/// What the processor said of one invoice of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceOutcome {
    /// The event that carried it.
    pub event: OutcomeEvent,
    /// The processor's subscription the invoice belongs to.
    pub subscription: String,
    /// The processor's id of the invoice.
    pub invoice_id: String,
    /// The processor's id of the payment (Stripe's PaymentIntent), when it says.
    pub payment_intent: Option<String>,
    /// Amount in minor units: what was paid, or what was due for a failed attempt.
    pub amount_minor: i64,
    /// The processor's currency code (any case).
    pub currency: String,
    /// Whether it was collected (else the attempt failed).
    pub paid: bool,
    /// Whether this invoice opened the subscription (its first payment, recorded already).
    pub opens_subscription: bool,
    /// The new payment's id, used when this outcome records one.
    pub new_payment_id: String,
    /// The id of the refund this outcome makes, when the payment cannot be kept.
    pub new_refund_id: String,
    /// When it is applied.
    pub now: DateTime<Utc>,
}

/// How applying an invoice went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvoiceApplied {
    /// The event was applied before.
    Repeated,
    /// No plan paylink made has that subscription, yet: the event was not recorded as applied.
    NoSuchPlan,
    /// Recorded; whether work for the processor was queued (a refund and the plan ended).
    Recorded {
        /// Whether processor tasks were queued.
        tasks_queued: bool,
    },
}

fn plan_checkout(
    conn: &mut PgConnection,
    subscription: &str,
) -> Result<Option<CheckoutRow>, StoreError> {
    Ok(checkouts::checkouts
        .filter(checkouts::provider.eq("stripe"))
        .filter(checkouts::provider_subscription_id.eq(subscription))
        .select(CheckoutRow::as_select())
        .for_update()
        .first(conn)
        .optional()?)
}

fn apply(conn: &mut PgConnection, outcome: &InvoiceOutcome) -> Result<InvoiceApplied, StoreError> {
    // An invoice of a plan not known yet (its completion still on the way) is not recorded
    // as applied, so that the processor's next delivery applies it.
    let Some(checkout) = plan_checkout(conn, &outcome.subscription)? else {
        return Ok(InvoiceApplied::NoSuchPlan);
    };
    if !record_event(conn, &outcome.event, outcome.now)? {
        return Ok(InvoiceApplied::Repeated);
    }
    if outcome.opens_subscription {
        // The first payment was recorded with the checkout; it gains its PaymentIntent.
        if let (Some(intent), Some(first), true) = (
            &outcome.payment_intent,
            payments::for_checkout(conn, &checkout.id)?,
            outcome.paid,
        ) {
            diesel::update(dsl::payments.filter(dsl::id.eq(&first.id)))
                .set(dsl::provider_reference.eq(intent))
                .execute(conn)?;
        }
        return Ok(InvoiceApplied::Recorded {
            tasks_queued: false,
        });
    }
    let status = if outcome.paid {
        PaymentStatus::Succeeded
    } else {
        PaymentStatus::Failed
    };
    if outcome.paid {
        let collected = dsl::payments
            .filter(dsl::provider.eq(&checkout.provider))
            .filter(dsl::provider_invoice_id.eq(&outcome.invoice_id))
            .filter(dsl::status.ne(PaymentStatus::Failed.name()))
            .select(PaymentRow::as_select())
            .first(conn)
            .optional()?;
        if collected.is_some() {
            return Ok(InvoiceApplied::Recorded {
                tasks_queued: false,
            });
        }
    }
    let payment = payments::insert(
        conn,
        &PaymentRow {
            id: outcome.new_payment_id.clone(),
            merchant_uid: checkout.merchant_uid.clone(),
            checkout_id: checkout.id.clone(),
            link_id: None,
            session_id: checkout.session_id.clone(),
            amount_minor: outcome.amount_minor,
            currency: outcome.currency.to_ascii_uppercase(),
            payment_method: checkout.payment_method.clone(),
            payer_phone: None,
            provider: checkout.provider.clone(),
            provider_reference: outcome.payment_intent.clone(),
            status: status.name().to_owned(),
            created_at: outcome.now,
            updated_at: outcome.now,
            amount_refunded: 0,
            account_code: checkout.account_code.clone(),
            reference: checkout.reference.clone(),
            payer_email: checkout.payer_email.clone(),
            provider_invoice_id: Some(outcome.invoice_id.clone()),
            // A plan's charges carry no service fee.
            fee_amount: 0,
        },
    )?;
    let tasks_queued = outcome.paid && !plan_kept(conn, &checkout)? && {
        give_back(
            conn,
            &checkout,
            GiveBack {
                payment: Some(&payment),
                end_plan: true,
                refund_id: &outcome.new_refund_id,
                now: outcome.now,
            },
        )?;
        true
    };
    Ok(InvoiceApplied::Recorded { tasks_queued })
}

/// Whether the plan's session still wants its charges: it is Completed. A Cancelled one had
/// its subscription ended, so a charge that still comes is a race with the processor.
fn plan_kept(conn: &mut PgConnection, checkout: &CheckoutRow) -> Result<bool, StoreError> {
    use crate::schema::payment_plan_sessions::dsl as sessions;
    let Some(session_id) = &checkout.session_id else {
        return Ok(true);
    };
    let session: SessionRow = sessions::payment_plan_sessions
        .filter(sessions::id.eq(session_id))
        .select(SessionRow::as_select())
        .first(conn)?;
    Ok(SessionStatus::stored(&session.status)? == SessionStatus::Completed)
}

impl crate::Store {
    /// Applies what the processor said of one of a plan's invoices, once per event, in one
    /// transaction.
    pub async fn apply_invoice(
        &self,
        outcome: InvoiceOutcome,
    ) -> Result<InvoiceApplied, StoreError> {
        self.run(move |conn| conn.transaction(|conn| apply(conn, &outcome)))
            .await
    }
}
