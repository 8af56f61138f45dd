//! Applying what a provider said about a checkout (a webhook event, or the test-mode page through
//! the same path): once per event, monotonic per payment, and with its effects (the checkout's
//! and session's new status, the merchant's callback) in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use paylink_lifecycle::{
    Cause, CheckoutStatus, LinkStatus, PaymentStatus, SessionStatus, Status, step,
};

use super::keeping::{GiveBack, OwnerNow, count_link_payment, give_back, owner_now};
use super::payments::{self, PaymentRow};
use super::refunds::RefundRow;
use super::{CheckoutRow, move_checkout};
use crate::StoreError;
use crate::deliveries::DeliveryRow;
use crate::schema::checkouts::dsl;
use crate::sessions::SessionRow;

/// What the provider said happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutcomeResult {
    /// Paid (or, for a plan, set up and its first payment taken).
    Paid,
    /// The payer finished, but the money has not settled (bank debits).
    Pending,
    /// A plan was set up whose first payment is due later: nothing is charged yet.
    SetUp,
    /// The provider could not collect the payment.
    Failed,
    /// The provider's page timed out unpaid.
    Expired,
}

/// A provider event, applied at most once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeEvent {
    /// `stripe`.
    pub provider: String,
    /// The provider's event id.
    pub event_id: String,
}

/// One provider outcome for one checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutOutcome {
    /// The event that carried it; `None` for the test-mode page, which has none.
    pub event: Option<OutcomeEvent>,
    /// The provider that made the checkout.
    pub provider: String,
    /// paylink's id of the checkout.
    pub checkout_id: String,
    /// The provider's id of the checkout, which must be the one recorded for it.
    pub provider_checkout_id: Option<String>,
    /// What happened.
    pub result: OutcomeResult,
    /// The amount the provider took, in minor units, when it said; it must be the checkout's
    /// `amount_minor` (the whole charge, a service fee included).
    pub amount_minor: Option<i64>,
    /// The provider's currency code (any case), when it said; it must be the checkout's.
    pub currency: Option<String>,
    /// The provider's id of the payment.
    pub provider_reference: Option<String>,
    /// The processor's subscription, for a plan it set up.
    pub subscription: Option<String>,
    /// The new payment's id, used when this outcome records one.
    pub new_payment_id: String,
    /// The id of the refund this outcome makes, when the payment cannot be kept.
    pub new_refund_id: String,
    /// When it is applied.
    pub now: DateTime<Utc>,
}

/// What an applied outcome changed, for the callback its caller may queue.
#[derive(Clone, Debug)]
pub struct Completion {
    /// The payment as recorded now; `None` for a plan set up with its first payment later.
    pub payment: Option<PaymentRow>,
    /// The session the checkout paid, after the outcome; `None` for a link.
    pub session: Option<SessionRow>,
    /// Whether this outcome moved the session to Completed.
    pub session_completed: bool,
    /// The refund made because the checkout could no longer be paid, when one was.
    pub refund: Option<RefundRow>,
    /// The merchant paid, for what the payer is told.
    pub merchant: Option<crate::merchants::Merchant>,
    /// Whether work for the processor was queued (a refund, a plan to end).
    pub tasks_queued: bool,
}

/// How applying an outcome went.
#[derive(Clone, Debug)]
pub enum Applied {
    /// Recorded; what changed. Nothing changed when the outcome was older than what is known.
    Recorded(Option<Box<Completion>>),
    /// The event was applied before.
    Repeated,
    /// No checkout of this provider has that id.
    NoSuchCheckout,
    /// The outcome contradicts the checkout (another provider id, amount or currency); nothing
    /// was written. The text says what differed, for the log.
    Mismatch(String),
}

fn mismatch(checkout: &CheckoutRow, outcome: &CheckoutOutcome) -> Option<String> {
    if checkout.provider != outcome.provider {
        return Some(format!(
            "made by {}, not {}",
            checkout.provider, outcome.provider
        ));
    }
    if outcome.provider_checkout_id.is_some()
        && checkout.provider_checkout_id != outcome.provider_checkout_id
    {
        return Some("the provider's checkout id differs".to_owned());
    }
    // The checkout's amount is the whole charge, a service fee included, as the processor's
    // total is. A plan set up for later has nothing to pay today, and its total says 0.
    if outcome.result != OutcomeResult::SetUp
        && outcome
            .amount_minor
            .is_some_and(|amount| amount != checkout.amount_minor)
    {
        return Some(format!(
            "amount {:?} instead of {}",
            outcome.amount_minor, checkout.amount_minor
        ));
    }
    if outcome
        .currency
        .as_deref()
        .is_some_and(|currency| !currency.eq_ignore_ascii_case(&checkout.currency))
    {
        return Some(format!(
            "currency {:?} instead of {}",
            outcome.currency, checkout.currency
        ));
    }
    None
}

/// Records a provider event as applied, in the caller's transaction; `false` when it was
/// applied before, and must then change nothing.
pub(super) fn record_event(
    conn: &mut PgConnection,
    event: &OutcomeEvent,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use crate::schema::provider_events::dsl as events;
    let fresh = diesel::insert_into(events::provider_events)
        .values((
            events::provider.eq(&event.provider),
            events::event_id.eq(&event.event_id),
            events::received_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(fresh == 1)
}

/// Records the payment an outcome says exists, as the payment's lifecycle allows: the row when
/// it was created or changed, `None` when the outcome told nothing new (a repeat, or news older
/// than what is recorded).
fn record_payment(
    conn: &mut PgConnection,
    checkout: &CheckoutRow,
    outcome: &CheckoutOutcome,
    status: PaymentStatus,
) -> Result<Option<PaymentRow>, StoreError> {
    match payments::for_checkout(conn, &checkout.id)? {
        Some(payment) => {
            let from = PaymentStatus::stored(&payment.status)?;
            if step(from, status, Cause::Provider).is_err() {
                return Ok(None);
            }
            payments::move_to(
                conn,
                &payment,
                status,
                Cause::Provider,
                outcome.provider_reference.as_deref(),
                outcome.now,
            )
        }
        None => Ok(Some(payments::insert(
            conn,
            &PaymentRow {
                id: outcome.new_payment_id.clone(),
                merchant_uid: checkout.merchant_uid.clone(),
                checkout_id: checkout.id.clone(),
                link_id: checkout.link_id.clone(),
                session_id: checkout.session_id.clone(),
                amount_minor: checkout.amount_minor,
                currency: checkout.currency.clone(),
                payment_method: checkout.payment_method.clone(),
                payer_phone: checkout.payer_phone.clone(),
                provider: checkout.provider.clone(),
                provider_reference: outcome.provider_reference.clone(),
                status: status.name().to_owned(),
                created_at: outcome.now,
                updated_at: outcome.now,
                amount_refunded: 0,
                account_code: checkout.account_code.clone(),
                reference: checkout.reference.clone(),
                payer_email: checkout.payer_email.clone(),
                provider_invoice_id: None,
                fee_amount: checkout.fee_amount,
            },
        )?)),
    }
}

fn apply(
    conn: &mut PgConnection,
    outcome: &CheckoutOutcome,
    deliveries: impl FnOnce(&Completion) -> Vec<DeliveryRow>,
) -> Result<Applied, StoreError> {
    let Some(checkout) = super::find(conn, &outcome.checkout_id, true)? else {
        return Ok(Applied::NoSuchCheckout);
    };
    if let Some(reason) = mismatch(&checkout, outcome) {
        return Ok(Applied::Mismatch(reason));
    }
    if let Some(event) = &outcome.event
        && !record_event(conn, event, outcome.now)?
    {
        return Ok(Applied::Repeated);
    }
    let current = CheckoutStatus::stored(&checkout.status)?;
    let payment_status = match outcome.result {
        // An expiry closes a checkout nobody paid; a late one changes nothing.
        OutcomeResult::Expired => {
            if step(current, CheckoutStatus::Expired, Cause::Provider).is_ok() {
                move_checkout(
                    conn,
                    &checkout,
                    CheckoutStatus::Expired,
                    Cause::Provider,
                    outcome.now,
                )?;
            }
            return Ok(Applied::Recorded(None));
        }
        OutcomeResult::Failed => {
            let payment = record_payment(conn, &checkout, outcome, PaymentStatus::Failed)?;
            if step(current, CheckoutStatus::Failed, Cause::Provider).is_ok() {
                move_checkout(
                    conn,
                    &checkout,
                    CheckoutStatus::Failed,
                    Cause::Provider,
                    outcome.now,
                )?;
            }
            return Ok(Applied::Recorded(payment.map(|payment| {
                Box::new(Completion {
                    payment: Some(payment),
                    session: None,
                    session_completed: false,
                    refund: None,
                    merchant: None,
                    tasks_queued: false,
                })
            })));
        }
        OutcomeResult::Paid => Some(PaymentStatus::Succeeded),
        OutcomeResult::Pending => Some(PaymentStatus::Pending),
        OutcomeResult::SetUp => None,
    };
    if let Some(subscription) = &outcome.subscription
        && checkout.provider_subscription_id.is_none()
    {
        diesel::update(dsl::checkouts.filter(dsl::id.eq(&checkout.id)))
            .set(dsl::provider_subscription_id.eq(subscription))
            .execute(conn)?;
    }
    let payment = match payment_status {
        Some(status) => record_payment(conn, &checkout, outcome, status)?,
        None => None,
    };
    // The rest of a payment the checkout already completed with (a bank debit settling), or a
    // repeat: the session and the checkout stay as they are.
    if current == CheckoutStatus::Completed {
        let Some(payment) = payment else {
            return Ok(Applied::Recorded(None));
        };
        let completion = Completion {
            payment: Some(payment),
            session: None,
            session_completed: false,
            refund: None,
            merchant: crate::merchants::find(conn, &checkout.merchant_uid)?,
            tasks_queued: false,
        };
        queue_deliveries(conn, deliveries(&completion))?;
        return Ok(Applied::Recorded(Some(Box::new(completion))));
    }
    let owner = owner_now(conn, &checkout, outcome.now)?;
    let payable = current.is_payable() && owner.payable(outcome.now)?;
    let session = match &owner {
        OwnerNow::Session(session) => Some(session.as_ref().clone()),
        OwnerNow::Link(_) => None,
    };
    if !payable {
        // Paid at the processor for something that can no longer be paid: a race with the
        // processor's page. The money is given back; the session or link keeps its state. A
        // checkout still Open here belongs to a session whose expiry the clock has not recorded
        // yet: recording it closes the checkout.
        if current.is_payable() {
            match &owner {
                // A session stored Active that cannot be paid has run out of time.
                OwnerNow::Session(session)
                    if SessionStatus::parse(&session.status) == Some(SessionStatus::Active) =>
                {
                    crate::sessions::move_locked(
                        conn,
                        session,
                        SessionStatus::Expired,
                        Cause::Clock,
                        outcome.now,
                    )?;
                }
                _ => {
                    let cause = match owner {
                        OwnerNow::Link(LinkStatus::Expired) => Cause::Clock,
                        OwnerNow::Link(LinkStatus::UsedUp) => Cause::Provider,
                        _ => Cause::Merchant,
                    };
                    move_checkout(
                        conn,
                        &checkout,
                        CheckoutStatus::Cancelled,
                        cause,
                        outcome.now,
                    )?;
                }
            }
        }
        let refund = give_back(
            conn,
            &checkout,
            GiveBack {
                payment: payment.as_ref(),
                end_plan: checkout.provider_subscription_id.is_some()
                    || outcome.subscription.is_some(),
                refund_id: &outcome.new_refund_id,
                now: outcome.now,
            },
        )?;
        return Ok(Applied::Recorded(Some(Box::new(Completion {
            payment,
            session,
            session_completed: false,
            refund,
            merchant: None,
            tasks_queued: true,
        }))));
    }
    move_checkout(
        conn,
        &checkout,
        CheckoutStatus::Completed,
        Cause::Provider,
        outcome.now,
    )?;
    if let Some(link_id) = &checkout.link_id {
        count_link_payment(conn, link_id, outcome.now)?;
    }
    let (session, session_completed) = match session {
        Some(session) => {
            let session = crate::sessions::move_locked(
                conn,
                &session,
                SessionStatus::Completed,
                Cause::Provider,
                outcome.now,
            )?;
            (Some(session), true)
        }
        None => (None, false),
    };
    let completion = Completion {
        payment,
        session,
        session_completed,
        refund: None,
        merchant: crate::merchants::find(conn, &checkout.merchant_uid)?,
        tasks_queued: false,
    };
    queue_deliveries(conn, deliveries(&completion))?;
    Ok(Applied::Recorded(Some(Box::new(completion))))
}

/// Puts `rows` in the outbox, in the caller's transaction, and tells the dispatchers.
fn queue_deliveries(conn: &mut PgConnection, rows: Vec<DeliveryRow>) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    for row in &rows {
        crate::deliveries::insert(conn, row)?;
    }
    crate::queue_listener::announce(conn)
}

impl crate::Store {
    /// Applies `outcome` in one transaction: the event is recorded as seen, the payment created
    /// or moved on as its lifecycle allows, the checkout and its session moved through theirs,
    /// and the deliveries `deliveries` makes of what changed (the merchant's callback, the
    /// payer's receipt) queued.
    /// A payment for a checkout, session or link that can no longer be paid is recorded and
    /// given back (a refund, and a plan's subscription ended, queued for the processor).
    pub async fn apply_checkout_outcome(
        &self,
        outcome: CheckoutOutcome,
        deliveries: impl FnOnce(&Completion) -> Vec<DeliveryRow> + Send + 'static,
    ) -> Result<Applied, StoreError> {
        self.run(move |conn| conn.transaction(|conn| apply(conn, &outcome, deliveries)))
            .await
    }
}
