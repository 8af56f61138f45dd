//! Refunds the processor reports: those paylink asked for (settled when the processor says how
//! they ended) and those made in its dashboard (recorded as the processor's, so that payments
//! minus refunds stay what the processor holds). Each event is applied once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::outcomes::{OutcomeEvent, record_event};
use super::payments::PaymentRow;
use super::refunds::{self, Initiator, NewRefund, RefundOutcome, RefundRow};
use crate::StoreError;
use crate::schema::payments::dsl as payments;
use crate::schema::refunds::dsl;

/// What the processor reports of one payment's refunds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundReport {
    /// One refund, with its own id and status (Stripe's `refund.*` events, or the refunds a
    /// Charge listed in older API versions).
    One {
        /// The processor's id of the refund.
        provider_refund_id: String,
        /// paylink's id, when paylink asked for it (Stripe metadata `paylink_refund`).
        paylink_refund_id: Option<String>,
        /// Amount in minor units.
        amount_minor: i64,
        /// `Some(true)` succeeded, `Some(false)` failed or cancelled, `None` still pending.
        succeeded: Option<bool>,
        /// The processor's reason for a failure.
        failure_reason: Option<String>,
    },
    /// Only the total refunded so far (Stripe's `charge.refunded` in current API versions).
    Total {
        /// Minor units refunded in all.
        amount_refunded: i64,
    },
}

/// A report for the payment the processor knows as `payment_intent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessorRefunds {
    /// The event that carried it.
    pub event: OutcomeEvent,
    /// The processor's id of the payment.
    pub payment_intent: String,
    /// What it says.
    pub reports: Vec<RefundReport>,
    /// Ids for refunds this report records as the processor's own.
    pub new_refund_ids: Vec<String>,
    /// When it is applied.
    pub now: DateTime<Utc>,
}

/// How applying a report went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundsApplied {
    /// The event was applied before.
    Repeated,
    /// No payment has that processor id, yet: the event was not recorded as applied.
    NoSuchPayment,
    /// Applied.
    Recorded,
}

fn outcome_of(
    succeeded: Option<bool>,
    provider_refund_id: &str,
    failure: Option<&str>,
) -> RefundOutcome {
    match succeeded {
        Some(true) => RefundOutcome::Succeeded {
            provider_refund_id: Some(provider_refund_id.to_owned()),
        },
        Some(false) => RefundOutcome::Failed {
            reason: failure
                .unwrap_or("the processor could not give the money back")
                .to_owned(),
        },
        None => RefundOutcome::Accepted {
            provider_refund_id: provider_refund_id.to_owned(),
        },
    }
}

fn one(
    conn: &mut PgConnection,
    payment: &PaymentRow,
    report: &RefundReport,
    new_id: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let RefundReport::One {
        provider_refund_id,
        paylink_refund_id,
        amount_minor,
        succeeded,
        failure_reason,
    } = report
    else {
        return Ok(());
    };
    let known = dsl::refunds
        .filter(dsl::payment_id.eq(&payment.id))
        .filter(
            dsl::provider_refund_id
                .eq(provider_refund_id)
                .or(dsl::id.eq(paylink_refund_id.as_deref().unwrap_or_default())),
        )
        .select(RefundRow::as_select())
        .first(conn)
        .optional()?;
    let id = match known {
        Some(known) => known.id,
        None => {
            let reserved = refunds::reserve(
                conn,
                payment,
                &NewRefund {
                    id: new_id,
                    amount_minor: Some(*amount_minor),
                    reason: None,
                    initiated_by: Initiator::Processor,
                },
                now,
            )?;
            match reserved {
                Ok(refund) => refund.id,
                Err(refusal) => {
                    tracing::error!(payment = %payment.id, provider_refund_id, ?refusal, "the processor reports a refund beyond what paylink holds of the payment");
                    return Ok(());
                }
            }
        }
    };
    let outcome = outcome_of(*succeeded, provider_refund_id, failure_reason.as_deref());
    refunds::settle(conn, &id, &outcome, now)?;
    Ok(())
}

/// A total refunded: what it holds beyond the refunds paylink knows of (asked for and not
/// failed, in flight at the processor or done) was made in the processor's dashboard. The total
/// cannot tell which of paylink's own have ended; their own answers and events settle them.
fn total(
    conn: &mut PgConnection,
    payment: &PaymentRow,
    amount_refunded: i64,
    new_id: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let missing = amount_refunded - payment.amount_refunded;
    if missing <= 0 {
        return Ok(());
    }
    let reserved = refunds::reserve(
        conn,
        payment,
        &NewRefund {
            id: new_id,
            amount_minor: Some(missing),
            reason: None,
            initiated_by: Initiator::Processor,
        },
        now,
    )?;
    match reserved {
        Ok(refund) => {
            refunds::settle(
                conn,
                &refund.id,
                &RefundOutcome::Succeeded {
                    provider_refund_id: None,
                },
                now,
            )?;
        }
        Err(refusal) => {
            tracing::error!(payment = %payment.id, missing, ?refusal, "the processor reports more refunded than paylink can record");
        }
    }
    Ok(())
}

fn apply(conn: &mut PgConnection, report: &ProcessorRefunds) -> Result<RefundsApplied, StoreError> {
    // A refund of a payment not known yet (its checkout's completion still on the way) is not
    // recorded as applied, so that the processor's next delivery applies it.
    let Some(payment) = payments::payments
        .filter(payments::provider.eq(&report.event.provider))
        .filter(payments::provider_reference.eq(&report.payment_intent))
        .select(PaymentRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
    else {
        return Ok(RefundsApplied::NoSuchPayment);
    };
    if !record_event(conn, &report.event, report.now)? {
        return Ok(RefundsApplied::Repeated);
    }
    let mut ids = report.new_refund_ids.iter().cloned();
    for item in &report.reports {
        let new_id = ids.next().unwrap_or_default();
        match item {
            RefundReport::One { .. } => one(conn, &payment, item, new_id, report.now)?,
            RefundReport::Total { amount_refunded } => {
                total(conn, &payment, *amount_refunded, new_id, report.now)?;
            }
        }
    }
    Ok(RefundsApplied::Recorded)
}

impl crate::Store {
    /// Applies what the processor reports of a payment's refunds, once per event.
    pub async fn apply_processor_refunds(
        &self,
        report: ProcessorRefunds,
    ) -> Result<RefundsApplied, StoreError> {
        self.run(move |conn| conn.transaction(|conn| apply(conn, &report)))
            .await
    }
}
