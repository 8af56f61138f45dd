//! What a processor's events say of money after a checkout: a plan's invoices (its later
//! charges, and the PaymentIntent of its first) and refunds (paylink's own settling, and those
//! made in the processor's dashboard). Each becomes one store operation, applied once.

use chrono::Utc;
use paylink_payments::{Event, EventKind, InvoiceObject, RefundObject, RefundStatus};
use paylink_store::StoreError;
use paylink_store::checkouts::OutcomeEvent;
use paylink_store::checkouts::invoices::{InvoiceApplied, InvoiceOutcome};
use paylink_store::checkouts::processor_refunds::{ProcessorRefunds, RefundReport, RefundsApplied};

use super::{Paying, STRIPE};
use crate::domain::ids;

/// What applying such an event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoneyEvent {
    /// The event is of no such kind.
    NotMine,
    /// Applied, or known already; the text says what, for the log.
    Applied(&'static str),
    /// About a payment or plan paylink does not know yet: its own completion may still be on
    /// the way, so the event is to be delivered again.
    NotYetKnown(&'static str),
}

fn event_of(event: &Event) -> OutcomeEvent {
    OutcomeEvent {
        provider: STRIPE.to_owned(),
        event_id: event.id.clone(),
    }
}

fn report_of(refund: &RefundObject) -> RefundReport {
    let status = refund.status.as_deref().and_then(RefundStatus::from_stripe);
    RefundReport::One {
        provider_refund_id: refund.id.clone(),
        paylink_refund_id: refund.metadata.get("paylink_refund").cloned(),
        amount_minor: refund.amount,
        succeeded: match status {
            Some(RefundStatus::Succeeded) => Some(true),
            Some(RefundStatus::Failed | RefundStatus::Canceled) => Some(false),
            _ => None,
        },
        failure_reason: None,
    }
}

impl Paying {
    /// Applies a plan's invoice or a refund the processor reports.
    pub async fn apply_money_event(&self, event: &Event) -> Result<MoneyEvent, StoreError> {
        match &event.kind {
            EventKind::InvoicePaid(invoice) => self.invoice(event, invoice, true).await,
            EventKind::InvoicePaymentFailed(invoice) => self.invoice(event, invoice, false).await,
            EventKind::RefundUpdated(refund) => {
                let Some(intent) = &refund.payment_intent else {
                    return Ok(MoneyEvent::Applied("a refund of no payment of paylink's"));
                };
                self.refunds(event, intent, vec![report_of(refund)]).await
            }
            EventKind::ChargeRefunded(charge) => {
                let Some(intent) = &charge.payment_intent else {
                    return Ok(MoneyEvent::Applied("a refund of no payment of paylink's"));
                };
                // Older API versions list the charge's refunds; current ones give the total.
                let reports = if charge.refunds.is_empty() {
                    vec![RefundReport::Total {
                        amount_refunded: charge.amount_refunded,
                    }]
                } else {
                    charge.refunds.iter().map(report_of).collect()
                };
                self.refunds(event, intent, reports).await
            }
            _ => Ok(MoneyEvent::NotMine),
        }
    }

    async fn invoice(
        &self,
        event: &Event,
        invoice: &InvoiceObject,
        paid: bool,
    ) -> Result<MoneyEvent, StoreError> {
        let Some(subscription) = &invoice.subscription else {
            return Ok(MoneyEvent::Applied("an invoice of no subscription"));
        };
        let opens = invoice.billing_reason.as_deref() == Some("subscription_create");
        // A plan that starts later opens with an invoice of nothing.
        if opens && invoice.amount_paid == 0 {
            return Ok(MoneyEvent::Applied("a plan's opening invoice of nothing"));
        }
        let outcome = InvoiceOutcome {
            event: event_of(event),
            subscription: subscription.clone(),
            invoice_id: invoice.id.clone(),
            payment_intent: invoice.payment_intent.clone(),
            amount_minor: if paid {
                invoice.amount_paid
            } else {
                invoice.amount_due
            },
            currency: invoice.currency.clone(),
            paid,
            opens_subscription: opens,
            new_payment_id: ids::new_payment_id(),
            new_refund_id: ids::new_refund_id(),
            now: Utc::now(),
        };
        Ok(match self.store.apply_invoice(outcome).await? {
            InvoiceApplied::Repeated => MoneyEvent::Applied("an invoice event delivered again"),
            InvoiceApplied::NoSuchPlan => {
                MoneyEvent::NotYetKnown("an invoice of no plan known yet")
            }
            InvoiceApplied::Recorded { tasks_queued, .. } => {
                if tasks_queued {
                    self.tasks_queued.notify_one();
                }
                MoneyEvent::Applied("a plan's invoice recorded")
            }
        })
    }

    async fn refunds(
        &self,
        event: &Event,
        payment_intent: &str,
        reports: Vec<RefundReport>,
    ) -> Result<MoneyEvent, StoreError> {
        let report = ProcessorRefunds {
            event: event_of(event),
            payment_intent: payment_intent.to_owned(),
            new_refund_ids: reports.iter().map(|_| ids::new_refund_id()).collect(),
            reports,
            now: Utc::now(),
        };
        Ok(match self.store.apply_processor_refunds(report).await? {
            RefundsApplied::Repeated => MoneyEvent::Applied("a refund event delivered again"),
            RefundsApplied::NoSuchPayment => {
                MoneyEvent::NotYetKnown("a refund of no payment known yet")
            }
            RefundsApplied::Recorded => MoneyEvent::Applied("refunds recorded"),
        })
    }
}
