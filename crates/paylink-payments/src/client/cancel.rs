//! Ending a subscription now: `DELETE /v1/subscriptions/{id}`.

use reqwest::StatusCode;

use super::{
    Stripe,
    retry::{Failure, Method},
    unreadable,
};
use crate::PaymentError;

/// Cancel now without a final invoice (`invoice_now`) or a credit for the unused part of the
/// period (`prorate`): Stripe documents both for this endpoint, both `false` by default, and
/// pending prorations are dropped only when both are `false`.
const PARAMS: [(&str, &str); 2] = [("invoice_now", "false"), ("prorate", "false")];

impl Stripe {
    /// Cancels a subscription at once, so that nothing more is charged for it: `DELETE
    /// {base_url}/v1/subscriptions/{subscription_id}?invoice_now=false&prorate=false`, with the
    /// same authentication, attempts, waits and error classes as [`Stripe::create_checkout`].
    /// Stripe sends `customer.subscription.deleted`
    /// ([`EventKind::SubscriptionDeleted`](crate::EventKind::SubscriptionDeleted)).
    ///
    /// Ok also when the subscription was already over: Stripe answers a DELETE of a cancelled
    /// subscription as it answers an unknown id (404 "No such subscription"), so after a 404
    /// the call reads the subscription (`GET /v1/subscriptions/{id}`) and is Ok when its
    /// status is `canceled` or `incomplete_expired`, which charge nothing more. That also makes
    /// a repeat after [`PaymentError::Unknown`] safe. An id Stripe does not know is
    /// [`PaymentError::Permanent`].
    ///
    /// Stripe's idempotency page says a key on a DELETE has no effect, so `idempotency_key` is
    /// not sent: it only labels the call in logs.
    pub async fn cancel_subscription(
        &self,
        subscription_id: &str,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let id = subscription_id.trim();
        if id.is_empty() {
            return Err(PaymentError::Permanent(
                "no subscription id was given".into(),
            ));
        }
        // One path segment, percent-encoded: an id cannot reach another endpoint.
        let url = self.endpoint(&["subscriptions", id])?;
        let params = PARAMS.map(|(k, v)| (k.to_owned(), v.to_owned()));
        let sent = self
            .send(
                Method::Delete,
                url,
                None,
                &params,
                "subscription cancellation",
            )
            .await;
        match sent {
            Ok(reply) if reply.id.is_some() => {
                tracing::debug!(idempotency_key, subscription = id, "subscription cancelled");
                Ok(())
            }
            Ok(_) => Err(unreadable()),
            Err(Failure {
                error,
                refused: Some(StatusCode::NOT_FOUND),
            }) => self.ended_before(id, idempotency_key, error).await,
            Err(failure) => Err(failure.error),
        }
    }

    /// After Stripe answered a cancellation of `id` with 404 (`refusal`): Ok when the
    /// subscription exists and had already ended.
    async fn ended_before(
        &self,
        id: &str,
        idempotency_key: &str,
        refusal: PaymentError,
    ) -> Result<(), PaymentError> {
        let url = self.endpoint(&["subscriptions", id])?;
        let subscription = match self.send(Method::Get, url, None, &[], "subscription").await {
            Ok(subscription) => subscription,
            Err(Failure {
                refused: Some(_), ..
            }) => return Err(refusal),
            Err(failure) => return Err(failure.error),
        };
        match subscription.status.as_deref() {
            Some("canceled" | "incomplete_expired") => {
                tracing::debug!(
                    idempotency_key,
                    subscription = id,
                    "subscription had already ended"
                );
                Ok(())
            }
            _ => Err(refusal),
        }
    }
}
