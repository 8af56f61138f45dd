//! Refunds: money given back from a payment. A refund reserves its amount on the payment when it
//! is asked for (`payments.amount_refunded`, which the database keeps at most the amount paid),
//! so two refunds at once can never give back more than was paid; a failed refund releases it.
//! The processor is told through a processor task queued in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{Cause, PaymentStatus, RefundStatus, Status, Step, step};

use super::payments::{self, PaymentRow};
use crate::StoreError;
use crate::processor_tasks::{self, TaskKind};
use crate::schema::payments::dsl as payment_dsl;
use crate::schema::refunds::{self, dsl};

/// Why money is given back, with Stripe's names for the merchant's reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundReason {
    /// The payment arrived for a checkout that could no longer be paid (its session was
    /// cancelled or expired, its link turned off, or another payment came first).
    NotPayable,
    /// The payer paid twice.
    Duplicate,
    /// The payment was fraudulent.
    Fraudulent,
    /// The payer asked.
    RequestedByCustomer,
}

impl RefundReason {
    /// Its stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotPayable => "not_payable",
            Self::Duplicate => "duplicate",
            Self::Fraudulent => "fraudulent",
            Self::RequestedByCustomer => "requested_by_customer",
        }
    }

    /// The reason of a stored name.
    pub fn of_name(name: &str) -> Option<Self> {
        [
            Self::NotPayable,
            Self::Duplicate,
            Self::Fraudulent,
            Self::RequestedByCustomer,
        ]
        .into_iter()
        .find(|reason| reason.name() == name)
    }
}

/// Who asked for a refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiator {
    /// The merchant, through the API.
    Merchant,
    /// paylink, for a payment it could not keep.
    Paylink,
    /// The processor: a refund made in its dashboard.
    Processor,
}

impl Initiator {
    /// Its stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Merchant => "merchant",
            Self::Paylink => "paylink",
            Self::Processor => "processor",
        }
    }
}

/// A refund row.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = refunds)]
pub struct RefundRow {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The payment it gives back from.
    pub payment_id: String,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// ISO 4217 code, the payment's.
    pub currency: String,
    /// See [`RefundReason`]; `None` when none was given.
    pub reason: Option<String>,
    /// See [`Initiator`].
    pub initiated_by: String,
    /// See [`RefundStatus`].
    pub status: String,
    /// The processor's id of the refund, once it made one.
    pub provider_refund_id: Option<String>,
    /// The processor's reason for a failure.
    pub failure_reason: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A refund asked for that cannot be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundRefusal {
    /// The payment has not been paid (or was given back in full already).
    NotRefundable(PaymentStatus),
    /// More than what is left to refund; the amount left is given.
    TooMuch {
        /// What can still be refunded, in minor units.
        refundable: i64,
        /// The payment's currency.
        currency: String,
    },
}

/// What is asked of a new refund.
#[derive(Clone, Debug)]
pub struct NewRefund {
    /// Its id.
    pub id: String,
    /// How much, in minor units; `None` for the rest of the payment.
    pub amount_minor: Option<i64>,
    /// Why, when given.
    pub reason: Option<RefundReason>,
    /// Who asks.
    pub initiated_by: Initiator,
}

/// Reserves a refund of the locked `payment` and queues it for the processor, inside the
/// caller's transaction.
pub(crate) fn reserve(
    conn: &mut PgConnection,
    payment: &PaymentRow,
    new: &NewRefund,
    now: DateTime<Utc>,
) -> Result<Result<RefundRow, RefundRefusal>, StoreError> {
    let status = PaymentStatus::stored(&payment.status)?;
    if !matches!(status, PaymentStatus::Succeeded | PaymentStatus::Pending) {
        return Ok(Err(RefundRefusal::NotRefundable(status)));
    }
    let refundable = payment.amount_minor - payment.amount_refunded;
    let amount = new.amount_minor.unwrap_or(refundable);
    if amount <= 0 || amount > refundable {
        return Ok(Err(RefundRefusal::TooMuch {
            refundable,
            currency: payment.currency.clone(),
        }));
    }
    // The guard repeats the check in the statement, so that it holds whatever else runs.
    let reserved = diesel::update(
        payment_dsl::payments
            .filter(payment_dsl::id.eq(&payment.id))
            .filter((payment_dsl::amount_refunded + amount).le(payment_dsl::amount_minor)),
    )
    .set(payment_dsl::amount_refunded.eq(payment_dsl::amount_refunded + amount))
    .execute(conn)?;
    if reserved == 0 {
        return Ok(Err(RefundRefusal::TooMuch {
            refundable,
            currency: payment.currency.clone(),
        }));
    }
    let row = diesel::insert_into(refunds::table)
        .values(&RefundRow {
            id: new.id.clone(),
            merchant_uid: payment.merchant_uid.clone(),
            payment_id: payment.id.clone(),
            amount_minor: amount,
            currency: payment.currency.clone(),
            reason: new.reason.map(|reason| reason.name().to_owned()),
            initiated_by: new.initiated_by.name().to_owned(),
            status: RefundStatus::Pending.name().to_owned(),
            provider_refund_id: None,
            failure_reason: None,
            created_at: now,
            updated_at: now,
        })
        .returning(RefundRow::as_returning())
        .get_result(conn)?;
    // A refund the processor made itself needs nothing asked of it.
    if new.initiated_by != Initiator::Processor {
        processor_tasks::queue(conn, &payment.merchant_uid, TaskKind::Refund, &row.id, now)?;
    }
    Ok(Ok(row))
}

/// What the processor said of a refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    /// It took the refund and will say later how it ended; its id is kept.
    Accepted {
        /// The processor's id of the refund.
        provider_refund_id: String,
    },
    /// The money was given back.
    Succeeded {
        /// The processor's id of the refund, when it has one.
        provider_refund_id: Option<String>,
    },
    /// It could not be; the reason is the processor's.
    Failed {
        /// Why.
        reason: String,
    },
}

/// Records what the processor said of refund `id`: a success counts towards the payment being
/// Refunded; a failure releases its amount. A refund already final stays as it is.
pub(crate) fn settle(
    conn: &mut PgConnection,
    id: &str,
    outcome: &RefundOutcome,
    now: DateTime<Utc>,
) -> Result<Option<RefundRow>, StoreError> {
    let Some(refund) = dsl::refunds
        .filter(dsl::id.eq(id))
        .select(RefundRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let to = match outcome {
        RefundOutcome::Accepted { provider_refund_id } => {
            let refund = diesel::update(dsl::refunds.filter(dsl::id.eq(id)))
                .set((
                    dsl::provider_refund_id.eq(provider_refund_id),
                    dsl::updated_at.eq(now),
                ))
                .returning(RefundRow::as_returning())
                .get_result(conn)?;
            return Ok(Some(refund));
        }
        RefundOutcome::Succeeded { .. } => RefundStatus::Succeeded,
        RefundOutcome::Failed { .. } => RefundStatus::Failed,
    };
    let from = RefundStatus::stored(&refund.status)?;
    if step(from, to, Cause::Provider) != Ok(Step::Move) {
        return Ok(None);
    }
    let (provider_refund_id, failure_reason) = match outcome {
        RefundOutcome::Succeeded { provider_refund_id } => (
            provider_refund_id
                .clone()
                .or(refund.provider_refund_id.clone()),
            None,
        ),
        RefundOutcome::Failed { reason } => {
            (refund.provider_refund_id.clone(), Some(reason.clone()))
        }
        RefundOutcome::Accepted { .. } => unreachable!("handled above"),
    };
    let refund = diesel::update(dsl::refunds.filter(dsl::id.eq(id)))
        .set((
            dsl::status.eq(to.name()),
            dsl::provider_refund_id.eq(provider_refund_id),
            dsl::failure_reason.eq(failure_reason),
            dsl::updated_at.eq(now),
        ))
        .returning(RefundRow::as_returning())
        .get_result(conn)?;
    let payment = payments::find_for_update(conn, &refund.payment_id)?;
    match to {
        RefundStatus::Failed => {
            diesel::update(payment_dsl::payments.filter(payment_dsl::id.eq(&payment.id)))
                .set(
                    payment_dsl::amount_refunded
                        .eq(payment_dsl::amount_refunded - refund.amount_minor),
                )
                .execute(conn)?;
        }
        _ => {
            let succeeded: i64 = dsl::refunds
                .filter(dsl::payment_id.eq(&payment.id))
                .filter(dsl::status.eq(RefundStatus::Succeeded.name()))
                .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "COALESCE(SUM(amount_minor), 0)::bigint",
                ))
                .first(conn)?;
            if succeeded >= payment.amount_minor {
                payments::move_to(
                    conn,
                    &payment,
                    PaymentStatus::Refunded,
                    Cause::Provider,
                    None,
                    now,
                )?;
            }
        }
    }
    Ok(Some(refund))
}

/// A refund with the payment it gives back from, for the processor task that carries it out.
#[derive(Clone, Debug)]
pub struct RefundWork {
    /// The refund.
    pub refund: RefundRow,
    /// Its payment.
    pub payment: PaymentRow,
}
