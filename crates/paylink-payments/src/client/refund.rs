//! Giving a payment back: `POST /v1/refunds`.

use super::{Stripe, check_key, unreadable};
use crate::{CreatedRefund, PaymentError, RefundRequest, RefundStatus, refund::form_fields};

impl Stripe {
    /// Refunds all or part of a payment: `POST {base_url}/v1/refunds` with `payment_intent`,
    /// `amount` (when given), `reason` (when given) and `metadata[k]`, with the same
    /// authentication, attempts, waits and error classes as [`Stripe::create_checkout`], every
    /// attempt under the request's idempotency key, so that Stripe refunds once however many
    /// attempts reach it.
    ///
    /// Stripe refuses ([`PaymentError::Permanent`], with its message) an unknown
    /// PaymentIntent, a payment that did not succeed (a bank debit still settling), one
    /// already refunded in full, and an amount above what is left to refund; each refund,
    /// through the API or the Dashboard, lowers what is left. Stripe then sends
    /// `charge.refunded` ([`EventKind::ChargeRefunded`](crate::EventKind::ChargeRefunded))
    /// and, from API version 2024-10-28.acacia on, `refund.created` and the refund's later
    /// changes ([`EventKind::RefundUpdated`](crate::EventKind::RefundUpdated)).
    pub async fn create_refund(
        &self,
        request: &RefundRequest,
    ) -> Result<CreatedRefund, PaymentError> {
        let key = request.idempotency_key.as_str();
        check_key(key)?;
        if request.payment_intent.trim().is_empty() {
            return Err(PaymentError::Permanent(
                "no PaymentIntent was given to refund".into(),
            ));
        }
        let url = self.endpoint(&["refunds"])?;
        let reply = self
            .post_idempotent(url, key, &form_fields(request), "refund")
            .await?;
        let status = reply.status.as_deref().and_then(RefundStatus::from_stripe);
        match (reply.id, status, reply.amount) {
            (Some(id), Some(status), Some(amount_minor)) => {
                tracing::debug!(idempotency_key = key, refund = %id, ?status, "refund created");
                Ok(CreatedRefund {
                    id,
                    status,
                    amount_minor,
                })
            }
            // A replay would bring back the same answer.
            _ => Err(unreadable()),
        }
    }
}
