//! Applying what a provider said about a checkout (a webhook event, or the test-mode page through
//! the same path): once per event, monotonic per payment, and with its effects (the checkout's
//! and session's new status, the merchant's callback) in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::payments::{self, PaymentRow};
use super::{CheckoutRow, status};
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
    /// The amount the provider took, in minor units, when it said; it must be the checkout's.
    pub amount_minor: Option<i64>,
    /// The provider's currency code (any case), when it said; it must be the checkout's.
    pub currency: Option<String>,
    /// The provider's id of the payment.
    pub provider_reference: Option<String>,
    /// The new payment's id, used when this outcome records one.
    pub new_payment_id: String,
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
    // A plan set up for later has nothing to pay today, and its total says 0.
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

fn set_checkout_status(
    conn: &mut PgConnection,
    id: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(dsl::checkouts.filter(dsl::id.eq(id)))
        .set((dsl::status.eq(status), dsl::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Records the payment an outcome says exists, never moving a final payment back.
fn record_payment(
    conn: &mut PgConnection,
    checkout: &CheckoutRow,
    outcome: &CheckoutOutcome,
    status: &str,
) -> Result<Option<PaymentRow>, StoreError> {
    match payments::for_checkout(conn, &checkout.id)? {
        Some(payment)
            if payments::status::is_final(&payment.status) || payment.status == status =>
        {
            Ok(None)
        }
        Some(payment) => Ok(Some(payments::set_status(
            conn,
            &payment.id,
            status,
            outcome
                .provider_reference
                .as_deref()
                .or(payment.provider_reference.as_deref()),
            outcome.now,
        )?)),
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
                status: status.to_owned(),
                created_at: outcome.now,
                updated_at: outcome.now,
            },
        )?)),
    }
}

/// Marks the checkout's session Completed, unless it already is.
fn complete_session(
    conn: &mut PgConnection,
    session_id: &str,
    now: DateTime<Utc>,
) -> Result<(SessionRow, bool), StoreError> {
    use crate::schema::payment_plan_sessions::dsl as sessions;
    let session: SessionRow = sessions::payment_plan_sessions
        .filter(sessions::id.eq(session_id))
        .select(SessionRow::as_select())
        .for_update()
        .first(conn)?;
    if session.status == crate::sessions::status::COMPLETED {
        return Ok((session, false));
    }
    let session =
        diesel::update(sessions::payment_plan_sessions.filter(sessions::id.eq(session_id)))
            .set((
                sessions::status.eq(crate::sessions::status::COMPLETED),
                sessions::updated_at.eq(now),
            ))
            .returning(SessionRow::as_returning())
            .get_result(conn)?;
    Ok((session, true))
}

fn apply(
    conn: &mut PgConnection,
    outcome: &CheckoutOutcome,
    callback: impl FnOnce(&Completion) -> Option<DeliveryRow>,
) -> Result<Applied, StoreError> {
    let Some(checkout) = super::find(conn, &outcome.checkout_id, true)? else {
        return Ok(Applied::NoSuchCheckout);
    };
    if let Some(reason) = mismatch(&checkout, outcome) {
        return Ok(Applied::Mismatch(reason));
    }
    if let Some(event) = &outcome.event {
        use crate::schema::provider_events::dsl as events;
        let fresh = diesel::insert_into(events::provider_events)
            .values((
                events::provider.eq(&event.provider),
                events::event_id.eq(&event.event_id),
                events::received_at.eq(outcome.now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if fresh == 0 {
            return Ok(Applied::Repeated);
        }
    }
    let (payment_status, checkout_status) = match outcome.result {
        OutcomeResult::Paid => (Some(payments::status::SUCCEEDED), status::COMPLETED),
        OutcomeResult::Pending => (Some(payments::status::PENDING), status::COMPLETED),
        OutcomeResult::Failed => (Some(payments::status::FAILED), status::FAILED),
        OutcomeResult::SetUp | OutcomeResult::Expired => (None, status::COMPLETED),
    };
    let payment = match payment_status {
        Some(payment_status) => match record_payment(conn, &checkout, outcome, payment_status)? {
            Some(payment) => Some(payment),
            None => return Ok(Applied::Recorded(None)),
        },
        // An expiry only closes a checkout nobody paid; a late one changes nothing.
        None if outcome.result == OutcomeResult::Expired => {
            if checkout.status == status::OPEN {
                set_checkout_status(conn, &checkout.id, status::EXPIRED, outcome.now)?;
            }
            return Ok(Applied::Recorded(None));
        }
        // A plan is set up once; a repeat changes nothing.
        None if checkout.status != status::OPEN => return Ok(Applied::Recorded(None)),
        None => None,
    };
    set_checkout_status(conn, &checkout.id, checkout_status, outcome.now)?;
    // A plan is set up once the payer finished with the provider, settled or not.
    let (session, session_completed) = match (&checkout.session_id, &outcome.result) {
        (Some(session_id), OutcomeResult::Paid | OutcomeResult::Pending | OutcomeResult::SetUp) => {
            let (session, completed) = complete_session(conn, session_id, outcome.now)?;
            (Some(session), completed)
        }
        _ => (None, false),
    };
    let completion = Completion {
        payment,
        session,
        session_completed,
    };
    if let Some(delivery) = callback(&completion) {
        crate::deliveries::insert(conn, &delivery)?;
        crate::queue_listener::announce(conn)?;
    }
    Ok(Applied::Recorded(Some(Box::new(completion))))
}

impl crate::Store {
    /// Applies `outcome` in one transaction: the event is recorded as seen, the payment created
    /// or moved on (never back from Succeeded or Failed), the checkout and its session updated,
    /// and the delivery `callback` returns for what changed (the merchant's callback) queued.
    pub async fn apply_checkout_outcome(
        &self,
        outcome: CheckoutOutcome,
        callback: impl FnOnce(&Completion) -> Option<DeliveryRow> + Send + 'static,
    ) -> Result<Applied, StoreError> {
        self.run(move |conn| conn.transaction(|conn| apply(conn, &outcome, callback)))
            .await
    }

    /// paylink's id of the checkout a provider knows as `provider_checkout_id`.
    pub async fn checkout_of_provider(
        &self,
        provider: &str,
        provider_checkout_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let (provider, provider_id) = (provider.to_owned(), provider_checkout_id.to_owned());
        if !crate::storable(&provider_id) {
            return Ok(None);
        }
        self.run(move |conn| {
            Ok(dsl::checkouts
                .filter(dsl::provider.eq(&provider))
                .filter(dsl::provider_checkout_id.eq(&provider_id))
                .select(dsl::id)
                .first(conn)
                .optional()?)
        })
        .await
    }
}
