//! Ending a plan's subscription after its last payment. Stripe Checkout cannot be told when a
//! subscription ends, so once the payer has set the plan up, paylink tells Stripe to cancel it
//! at the end of the plan's last period, before the completion is recorded: a failure answers
//! Stripe's event with an error, and Stripe delivers it again later, until both are done.

use paylink_payments::{Event, EventKind};

use super::{Paying, Provider};

/// Why a plan's end could not be set.
#[derive(Debug, thiserror::Error)]
pub enum PlanEndError {
    /// The database could not say when the plan ends.
    #[error("reading the checkout failed: {0}")]
    Store(#[from] paylink_store::StoreError),
    /// Stripe did not take the end.
    #[error("Stripe did not set the subscription's end: {0}")]
    Provider(#[from] paylink_payments::PaymentError),
}

impl Paying {
    /// For a completed subscription checkout that paylink made for a plan: tells Stripe to
    /// end the subscription when the plan ends. Anything else needs nothing. Safe to repeat:
    /// the request carries an idempotency key of its own per checkout.
    pub async fn end_plan_subscription(&self, event: &Event) -> Result<(), PlanEndError> {
        let (Provider::Stripe(stripe), EventKind::CheckoutCompleted(object)) =
            (&self.provider, &event.kind)
        else {
            return Ok(());
        };
        let (Some(subscription), Some(checkout_id)) =
            (&object.subscription, &object.client_reference_id)
        else {
            return Ok(());
        };
        let Some(view) = self.store.checkout_view(checkout_id).await? else {
            return Ok(());
        };
        // Only for the session paylink made this checkout with: anything else is refused when
        // the event is applied.
        if view.checkout.provider_checkout_id.as_deref() != Some(object.id.as_str()) {
            return Ok(());
        }
        let Some(ends) = view.checkout.plan_ends_at else {
            return Ok(());
        };
        stripe
            .end_subscription_at(
                subscription,
                ends.timestamp(),
                &format!("{checkout_id}-plan-end"),
            )
            .await?;
        tracing::info!(checkout = %checkout_id, subscription, ends = %ends, "plan subscription end set");
        Ok(())
    }
}
