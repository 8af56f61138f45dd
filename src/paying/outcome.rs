//! Applying a provider's word about a checkout: Stripe's events, and the test-mode card page,
//! which goes through the same path after it.

use chrono::Utc;
use paylink_payments::{CheckoutObject, Event, EventKind};
use paylink_store::StoreError;
use paylink_store::checkouts::{
    Applied, CheckoutOutcome, CheckoutRow, OutcomeEvent, OutcomeResult,
};

use super::{Paying, STRIPE, TEST};
use crate::domain::ids;

/// What a provider said about one checkout, before it is applied.
#[derive(Clone, Debug)]
pub struct ProviderOutcome {
    outcome: CheckoutOutcome,
}

impl ProviderOutcome {
    /// What a Stripe event says, when it is about a checkout paylink made; `None` for events
    /// of other types (acknowledged and ignored) and sessions without paylink's reference.
    pub fn of_stripe(event: &Event) -> Option<Self> {
        let (object, result) = match &event.kind {
            EventKind::CheckoutCompleted(object) => (
                object,
                match object.payment_status.as_str() {
                    // A bank debit finishes the page unpaid; its money comes (or not) later.
                    "unpaid" => OutcomeResult::Pending,
                    // A plan whose first payment waits for its start date.
                    "no_payment_required" => OutcomeResult::SetUp,
                    _ => OutcomeResult::Paid,
                },
            ),
            EventKind::AsyncPaymentSucceeded(object) => (object, OutcomeResult::Paid),
            EventKind::AsyncPaymentFailed(object) => (object, OutcomeResult::Failed),
            EventKind::CheckoutExpired(object) => (object, OutcomeResult::Expired),
            _ => return None,
        };
        Self::stripe(event, object, result)
    }

    fn stripe(event: &Event, object: &CheckoutObject, result: OutcomeResult) -> Option<Self> {
        let checkout_id = object.client_reference_id.clone()?;
        Some(Self {
            outcome: CheckoutOutcome {
                event: Some(OutcomeEvent {
                    provider: STRIPE.to_owned(),
                    event_id: event.id.clone(),
                }),
                provider: STRIPE.to_owned(),
                checkout_id,
                provider_checkout_id: Some(object.id.clone()),
                result,
                amount_minor: object.amount_total,
                currency: object.currency.clone(),
                provider_reference: object
                    .payment_intent
                    .clone()
                    .or_else(|| object.subscription.clone()),
                subscription: object.subscription.clone(),
                new_refund_id: ids::new_refund_id(),
                new_payment_id: ids::new_payment_id(),
                now: Utc::now(),
            },
        })
    }

    /// A test-mode card page's success for `checkout`: paid, or, for a plan whose first
    /// payment is due later, set up with nothing charged yet, as Stripe does.
    pub fn test_paid(checkout: &CheckoutRow) -> Self {
        let delayed = checkout.plan_first_charge_at.is_some_and(|first| {
            crate::domain::plan_schedule::is_delayed(first, checkout.created_at)
        });
        Self {
            outcome: CheckoutOutcome {
                event: None,
                provider: TEST.to_owned(),
                checkout_id: checkout.id.clone(),
                provider_checkout_id: None,
                result: if delayed {
                    OutcomeResult::SetUp
                } else {
                    OutcomeResult::Paid
                },
                amount_minor: None,
                currency: None,
                provider_reference: Some(format!("test_{}", ids::new_payment_id())),
                subscription: None,
                new_payment_id: ids::new_payment_id(),
                new_refund_id: ids::new_refund_id(),
                now: Utc::now(),
            },
        }
    }

    /// paylink's id of the checkout.
    pub fn checkout_id(&self) -> &str {
        &self.outcome.checkout_id
    }
}

/// What the test-mode card page makes of a card number, following Stripe's test cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestCard {
    /// 4242 4242 4242 4242: the payment succeeds.
    Succeeds,
    /// 4000 0000 0000 0002: the card is declined.
    Declined,
    /// Any other number: not a test card.
    Unknown,
}

/// Classifies a typed card number; spaces and dashes are ignored.
pub fn test_card(typed: &str) -> TestCard {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    match digits.as_str() {
        "4242424242424242" => TestCard::Succeeds,
        "4000000000000002" => TestCard::Declined,
        _ => TestCard::Unknown,
    }
}

impl Paying {
    /// Applies an outcome once: the payment, the checkout's and session's status, the callback
    /// to the merchant when a session completes and the payer's receipt, in one transaction.
    pub async fn apply(&self, outcome: ProviderOutcome) -> Result<Applied, StoreError> {
        let test_mode = self.provider.is_test();
        let applied = self
            .store
            .apply_checkout_outcome(outcome.outcome, move |completion| {
                [
                    super::callback::for_completion(completion),
                    super::payer_receipt::for_completion(completion, test_mode),
                ]
                .into_iter()
                .flatten()
                .collect()
            })
            .await?;
        if let Applied::Recorded(Some(completion)) = &applied {
            // Whatever was queued (a callback, a receipt), the dispatcher looks at once.
            self.deliveries_queued.notify_one();
            if completion.tasks_queued {
                self.tasks_queued.notify_one();
            }
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_test_cards_are_recognised() {
        assert_eq!(test_card("4242 4242 4242 4242"), TestCard::Succeeds);
        assert_eq!(test_card("4000-0000-0000-0002"), TestCard::Declined);
        assert_eq!(test_card("4111111111111111"), TestCard::Unknown);
        assert_eq!(test_card(""), TestCard::Unknown);
    }
}
