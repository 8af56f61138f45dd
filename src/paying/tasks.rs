//! Carrying out what paylink must tell the payment processor (the store's processor tasks):
//! refunds, plans to end, checkouts to expire. Every `paylink serve` runs one runner; tasks are
//! claimed with a lease, so replicas share them and a task a dead server held is taken over.
//! Each request to the processor carries an idempotency key made from the task's subject, so a
//! retry after a lost answer never refunds or cancels twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use paylink_payments::{
    ExpireOutcome, PaymentError, RefundReason as StripeReason, RefundRequest, RefundStatus,
};
use paylink_store::checkouts::CheckoutRow;
use paylink_store::checkouts::refunds::{RefundOutcome, RefundReason};
use paylink_store::lifecycle::{PaymentStatus, RefundStatus as Stored, Status as _};
use paylink_store::processor_tasks::{TaskKind, TaskResult, TaskRow};
use tokio::sync::watch;
use tokio::time::Instant;

use super::{Paying, Provider};

/// Most tasks one server works on at once.
const CLAIM_BATCH: i64 = 8;
/// How long a claim holds: longer than the processor client's attempts at one request.
const LEASE: Duration = Duration::from_secs(120);
/// How often an idle runner looks for due retries and for tasks other servers queued.
const POLL: Duration = Duration::from_secs(5);
/// The first retry's delay; each further one doubles, up to [`RETRY_MAX`].
const RETRY_BASE: chrono::Duration = chrono::Duration::seconds(5);
/// The longest wait between two attempts.
const RETRY_MAX: chrono::Duration = chrono::Duration::hours(1);
/// After this long a task that keeps failing is given up, as Stripe gives up a webhook.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::days(3);
/// How long a refund of a payment still settling waits before it looks again.
const SETTLING_WAIT: chrono::Duration = chrono::Duration::hours(1);

/// Works through processor tasks until stopped.
#[derive(Debug)]
pub struct TaskRunner {
    paying: Paying,
}

impl TaskRunner {
    /// A runner that `paying.tasks_queued` wakes.
    pub fn new(paying: Paying) -> Self {
        Self { paying }
    }

    /// Runs until `stop` holds a deadline; a task under way when it comes finishes or is left
    /// to its lease.
    pub async fn run(self, mut stop: watch::Receiver<Option<Instant>>) {
        loop {
            if stop.borrow().is_some() {
                break;
            }
            let claimed = match self
                .paying
                .store
                .claim_processor_tasks(CLAIM_BATCH, LEASE)
                .await
            {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "claiming processor tasks failed; will retry");
                    Vec::new()
                }
            };
            let busy = !claimed.is_empty();
            for task in claimed {
                self.work(task).await;
            }
            if busy {
                continue;
            }
            tokio::select! {
                () = self.paying.tasks_queued.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!("processor task runner stopped");
    }

    async fn work(&self, task: TaskRow) {
        let now = Utc::now();
        let mut result = match task.task_kind() {
            Some(TaskKind::Refund) => self.refund(&task, now).await,
            Some(TaskKind::CancelSubscription) => self.cancel_subscription(&task, now).await,
            Some(TaskKind::ExpireCheckout) => self.expire_checkout(&task, now).await,
            None => TaskResult::Abandoned(format!("unknown task kind {:?}", task.kind)),
        };
        if let TaskResult::Retry(reason, _) = &result
            && now - task.created_at > GIVE_UP_AFTER
        {
            result = self.give_up(&task, reason, now).await;
        }
        match &result {
            TaskResult::Done => tracing::info!(task = %task.id, "processor task done"),
            TaskResult::Retry(reason, at) => {
                tracing::warn!(task = %task.id, attempt = task.attempts, reason, next = %at, "processor task will be retried")
            }
            TaskResult::Abandoned(reason) => {
                tracing::error!(task = %task.id, reason, "processor task abandoned")
            }
        }
        if let Err(error) = self
            .paying
            .store
            .record_processor_task(&task.id, task.attempts, result, now)
            .await
        {
            tracing::error!(task = %task.id, %error, "recording a processor task failed; its lease will run out and it is tried again");
        }
    }

    /// Closes a task that kept failing; a refund that could not be made is recorded Failed,
    /// which gives its amount back to what can be refunded.
    async fn give_up(&self, task: &TaskRow, reason: &str, now: DateTime<Utc>) -> TaskResult {
        let reason = format!("the processor could not be reached for 3 days: {reason}");
        if task.task_kind() == Some(TaskKind::Refund)
            && let Err(error) = self
                .paying
                .store
                .settle_refund(
                    &task.subject_id,
                    RefundOutcome::Failed {
                        reason: reason.clone(),
                    },
                    now,
                )
                .await
        {
            return retry(task, &error.to_string(), now);
        }
        TaskResult::Abandoned(reason)
    }

    async fn settle(
        &self,
        task: &TaskRow,
        outcome: RefundOutcome,
        now: DateTime<Utc>,
    ) -> TaskResult {
        match self
            .paying
            .store
            .settle_refund(&task.subject_id, outcome, now)
            .await
        {
            Ok(_) => TaskResult::Done,
            Err(error) => retry(task, &error.to_string(), now),
        }
    }

    async fn refund(&self, task: &TaskRow, now: DateTime<Utc>) -> TaskResult {
        let work = match self.paying.store.refund_work(&task.subject_id).await {
            Ok(Some(work)) => work,
            Ok(None) => return TaskResult::Abandoned("the refund no longer exists".into()),
            Err(error) => return retry(task, &error.to_string(), now),
        };
        if Stored::parse(&work.refund.status) != Some(Stored::Pending) {
            return TaskResult::Done;
        }
        match PaymentStatus::parse(&work.payment.status) {
            Some(PaymentStatus::Pending) => {
                return TaskResult::Retry(
                    "waiting for the payment to settle before refunding it".into(),
                    now + SETTLING_WAIT,
                );
            }
            Some(PaymentStatus::Failed) => {
                let failed = RefundOutcome::Failed {
                    reason: "the payment failed: nothing was taken to give back".into(),
                };
                return self.settle(task, failed, now).await;
            }
            _ => {}
        }
        let stripe = match (&self.paying.provider, work.payment.provider.as_str()) {
            (_, super::TEST) => {
                // Test mode took nothing, so it gives back at once.
                let done = RefundOutcome::Succeeded {
                    provider_refund_id: Some(format!("test_{}", work.refund.id)),
                };
                return self.settle(task, done, now).await;
            }
            (Provider::Stripe(stripe), super::STRIPE) => stripe,
            _ => {
                return retry(
                    task,
                    "this server does not take payments through the processor that took this one",
                    now,
                );
            }
        };
        let Some(payment_intent) = work
            .payment
            .provider_reference
            .as_deref()
            .filter(|reference| reference.starts_with("pi_"))
        else {
            let failed = RefundOutcome::Failed {
                reason: "the processor has no payment to refund for this one; refund it in the processor's dashboard".into(),
            };
            return self.settle(task, failed, now).await;
        };
        // paylink's own refund of a payment it could not keep gives back whatever the processor
        // still holds of it (a refund made in its dashboard may have come first); a merchant's
        // is for the amount asked.
        let whole = work.refund.reason.as_deref() == Some(RefundReason::NotPayable.name());
        let request = RefundRequest {
            idempotency_key: work.refund.id.clone(),
            payment_intent: payment_intent.to_owned(),
            amount_minor: (!whole).then_some(work.refund.amount_minor),
            reason: work.refund.reason.as_deref().and_then(stripe_reason),
            metadata: vec![
                ("paylink_refund".to_owned(), work.refund.id.clone()),
                ("paylink_payment".to_owned(), work.payment.id.clone()),
            ],
        };
        match stripe.create_refund(&request).await {
            Ok(created) => {
                if created.amount_minor < work.refund.amount_minor
                    && let Err(error) = self
                        .paying
                        .store
                        .shrink_refund(&work.refund.id, created.amount_minor, now)
                        .await
                {
                    return retry(task, &error.to_string(), now);
                }
                let outcome = match created.status {
                    RefundStatus::Succeeded => RefundOutcome::Succeeded {
                        provider_refund_id: Some(created.id),
                    },
                    RefundStatus::Failed | RefundStatus::Canceled => RefundOutcome::Failed {
                        reason: "the processor could not give the money back".into(),
                    },
                    // Its webhook says how it ends.
                    _ => RefundOutcome::Accepted {
                        provider_refund_id: created.id,
                    },
                };
                self.settle(task, outcome, now).await
            }
            Err(error) => self.failed_request(task, &error, now, true).await,
        }
    }

    /// A processor's refusal or silence: retried when trying again may help (the same
    /// idempotency key keeps it from acting twice); a refused refund is recorded Failed.
    async fn failed_request(
        &self,
        task: &TaskRow,
        error: &PaymentError,
        now: DateTime<Utc>,
        is_refund: bool,
    ) -> TaskResult {
        if error.is_transient() || error.is_unknown() {
            return retry(task, error.reason(), now);
        }
        if is_refund {
            let failed = RefundOutcome::Failed {
                reason: error.reason().to_owned(),
            };
            if let TaskResult::Retry(reason, at) = self.settle(task, failed, now).await {
                return TaskResult::Retry(reason, at);
            }
        }
        TaskResult::Abandoned(error.reason().to_owned())
    }

    /// A Stripe checkout a task acts on, with the client to act through; the task's result
    /// instead when there is nothing to do or it cannot be done now.
    async fn stripe_checkout(
        &self,
        task: &TaskRow,
        now: DateTime<Utc>,
    ) -> Result<(CheckoutRow, &paylink_payments::Stripe), TaskResult> {
        let checkout = match self.paying.store.checkout_view(&task.subject_id).await {
            Ok(Some(view)) => view.checkout,
            Ok(None) => {
                return Err(TaskResult::Abandoned(
                    "the checkout no longer exists".into(),
                ));
            }
            Err(error) => return Err(retry(task, &error.to_string(), now)),
        };
        // Test mode has nothing at a processor to act on.
        if checkout.provider == super::TEST {
            return Err(TaskResult::Done);
        }
        match &self.paying.provider {
            Provider::Stripe(stripe) => Ok((checkout, stripe)),
            Provider::Test => Err(retry(
                task,
                "this server does not take payments through Stripe",
                now,
            )),
        }
    }

    async fn cancel_subscription(&self, task: &TaskRow, now: DateTime<Utc>) -> TaskResult {
        let (checkout, stripe) = match self.stripe_checkout(task, now).await {
            Ok(found) => found,
            Err(result) => return result,
        };
        let Some(subscription) = checkout.provider_subscription_id.as_deref() else {
            return TaskResult::Done;
        };
        let key = format!("{}-cancel", checkout.id);
        match stripe.cancel_subscription(subscription, &key).await {
            Ok(()) => TaskResult::Done,
            Err(error) => self.failed_request(task, &error, now, false).await,
        }
    }

    async fn expire_checkout(&self, task: &TaskRow, now: DateTime<Utc>) -> TaskResult {
        let (checkout, stripe) = match self.stripe_checkout(task, now).await {
            Ok(found) => found,
            Err(result) => return result,
        };
        let Some(provider_id) = checkout.provider_checkout_id.as_deref() else {
            return TaskResult::Done;
        };
        let key = format!("{}-expire", checkout.id);
        match stripe.expire_checkout(provider_id, &key).await {
            // A checkout the payer completed first is paid: its event is applied, and the
            // payment refunded, when it arrives.
            Ok(ExpireOutcome::Expired | ExpireOutcome::AlreadyClosed { .. }) => TaskResult::Done,
            Err(error) => self.failed_request(task, &error, now, false).await,
        }
    }
}

/// The next attempt of `task`: the delay doubles with each attempt, up to [`RETRY_MAX`].
fn retry(task: &TaskRow, reason: &str, now: DateTime<Utc>) -> TaskResult {
    let doublings = u32::try_from(task.attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let delay = RETRY_BASE
        .checked_mul(2_i32.saturating_pow(doublings))
        .unwrap_or(RETRY_MAX)
        .min(RETRY_MAX);
    TaskResult::Retry(reason.to_owned(), now + delay)
}

/// Stripe's reason for a stored one; paylink's own (a payment it could not keep) has none.
fn stripe_reason(stored: &str) -> Option<StripeReason> {
    match RefundReason::of_name(stored)? {
        RefundReason::Duplicate => Some(StripeReason::Duplicate),
        RefundReason::Fraudulent => Some(StripeReason::Fraudulent),
        RefundReason::RequestedByCustomer => Some(StripeReason::RequestedByCustomer),
        RefundReason::NotPayable => None,
    }
}
