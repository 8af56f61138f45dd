//! The delivery dispatcher: claims due rows of the outbox, hands each to the notifier, and
//! records the outcome. Every `paylink serve` runs one; `FOR UPDATE SKIP LOCKED` and leases let
//! any number share a database without sending a delivery twice.

mod retry;

use std::sync::Arc;
use std::time::Duration;

use paylink_notify::{EmailMessage, Notifier, SendError, SmsMessage};
use paylink_store::Store;
use paylink_store::deliveries::{AttemptResult, DeliveryRow};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use retry::RetryPolicy;

use crate::domain::link_sending::Channel;
use crate::domain::timestamps;
use crate::receipts::Receipts;
use crate::telemetry::redact_contact_details;

/// How the dispatcher works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchSettings {
    /// Most deliveries being sent at once by one server.
    pub batch: i64,
    /// How long a claim holds before another server may take the delivery over; longer than a
    /// send attempt may take.
    pub lease: Duration,
    /// How often to look for due deliveries when nothing wakes the dispatcher.
    pub poll: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
}

/// Most deliveries one server sends at once: enough to keep a provider busy without one server
/// taking every due delivery while others are idle.
pub const CLAIM_BATCH: i64 = 16;

/// Sends queued deliveries.
pub struct Dispatcher {
    store: Store,
    notifier: Notifier,
    settings: DispatchSettings,
    receipts: Option<Receipts>,
    wake: Arc<Notify>,
}

impl Dispatcher {
    /// A dispatcher that `wake` prompts whenever a delivery is queued; text messages ask for
    /// receipts when `receipts` says where.
    pub fn new(
        store: Store,
        notifier: Notifier,
        settings: DispatchSettings,
        receipts: Option<Receipts>,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            notifier,
            settings,
            receipts,
            wake,
        }
    }

    /// Runs until `stop` holds a deadline: from then on nothing more is claimed, and the
    /// deliveries being sent may finish until the deadline, and are abandoned then.
    /// Claims as many deliveries as there are free sending slots, so one slow provider answer
    /// does not hold up deliveries queued after it.
    pub async fn run(self, mut stop: watch::Receiver<Option<Instant>>) {
        let this = Arc::new(self);
        let slots = usize::try_from(this.settings.batch).unwrap_or(1).max(1);
        let mut sending = JoinSet::new();
        let deadline = loop {
            while sending.try_join_next().is_some() {}
            if let Some(deadline) = *stop.borrow() {
                break deadline;
            }
            let free = slots.saturating_sub(sending.len());
            let mut claimed_any = false;
            if free > 0 {
                let lease = this.settings.lease;
                let limit = i64::try_from(free).unwrap_or(1);
                match this.store.claim_deliveries(limit, lease).await {
                    Ok(claimed) => {
                        claimed_any = !claimed.is_empty();
                        for row in claimed {
                            let this = Arc::clone(&this);
                            sending.spawn(async move { this.deliver(row).await });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "claiming deliveries failed; will retry"),
                }
            }
            if claimed_any && sending.len() < slots {
                // More may be due right away.
                continue;
            }
            tokio::select! {
                () = this.wake.notified() => {}
                () = tokio::time::sleep(this.settings.poll) => {}
                Some(_) = sending.join_next(), if !sending.is_empty() => {}
                _ = stop.changed() => {}
            }
        };
        finish_sending(sending, deadline).await;
        tracing::info!("delivery dispatcher stopped");
    }

    /// One attempt at one claimed delivery, and its outcome recorded.
    async fn deliver(&self, row: DeliveryRow) {
        let result = match Channel::from_stored(&row.channel) {
            Some(Channel::Email) => {
                self.notifier
                    .send_email(&EmailMessage {
                        to: row.recipient.clone(),
                        subject: row.subject.clone(),
                        text: row.body_text.clone(),
                        html: row.body_html.clone(),
                        idempotency_key: row.id.clone(),
                    })
                    .await
            }
            Some(Channel::Phone) => {
                self.notifier
                    .send_sms(&SmsMessage {
                        to: row.recipient.clone(),
                        body: row.body_text.clone(),
                        idempotency_key: row.id.clone(),
                        status_callback: self
                            .receipts
                            .as_ref()
                            .map(|receipts| receipts.twilio_status_callback(&row.id)),
                    })
                    .await
            }
            None => Err(SendError::Permanent(format!(
                "unknown channel {:?}",
                row.channel
            ))),
        };
        let (id, attempt) = (row.id.clone(), row.attempts);
        let outcome = match result {
            Ok(delivered) => {
                tracing::info!(delivery = %id, channel = %row.channel, attempt, "delivery sent");
                AttemptResult::Sent(delivered.provider_message_id)
            }
            Err(error) if error.is_transient() => {
                let next = self.settings.retry.next_attempt(
                    attempt,
                    row.created_at,
                    timestamps::now(),
                    rand::random::<f64>(),
                );
                match next {
                    Some(at) => {
                        tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(error.reason()), retry_at = %at, "delivery failed; will retry");
                        AttemptResult::Retry(error.reason().to_owned(), at)
                    }
                    None => {
                        tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(error.reason()), "delivery failed; retries exhausted");
                        AttemptResult::Failed(format!(
                            "{} (gave up after {attempt} attempts)",
                            error.reason()
                        ))
                    }
                }
            }
            Err(error) => {
                tracing::warn!(delivery = %id, attempt, reason = %redact_contact_details(error.reason()), "delivery refused by the provider");
                AttemptResult::Failed(error.reason().to_owned())
            }
        };
        let recorded = self.store.record_attempt(&id, attempt, outcome).await;
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(delivery = %row.id, "the claim ran out before the outcome was recorded")
            }
            // The lease runs out and another attempt is made: better twice than never.
            Err(error) => {
                tracing::error!(delivery = %row.id, %error, "recording a delivery outcome failed")
            }
        }
    }
}

/// Lets the deliveries being sent finish until `deadline`, then abandons the rest without
/// recording anything: marking them Failed or Queued would misstate what the provider did with
/// them. Their rows stay Sending until the lease runs out, and then another dispatcher (or this
/// server's next start) tries again, as after a crash; the same idempotency key goes with the
/// retry, so a provider that had accepted the first attempt can tell the duplicate.
async fn finish_sending(mut sending: JoinSet<()>, deadline: Instant) {
    if sending.is_empty() {
        return;
    }
    tracing::info!(
        in_flight = sending.len(),
        "stopping: waiting for the deliveries being sent"
    );
    let drained = tokio::time::timeout_at(deadline, async {
        while sending.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            abandoned = sending.len(),
            "deliveries still being sent at the end of the grace period; they are tried again when their lease runs out"
        );
        sending.shutdown().await;
    }
}
