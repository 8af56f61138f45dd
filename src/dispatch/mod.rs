//! The delivery dispatcher: claims due rows of the outbox, hands each to the notifier, and
//! records the outcome. Every `paylink serve` runs one; `FOR UPDATE SKIP LOCKED` and leases let
//! any number share a database without sending a delivery twice.

mod announcements;
mod attempt;
mod retry;
mod settle;

use std::sync::Arc;
use std::time::Duration;

use paylink_notify::Notifier;
use paylink_store::deliveries::{AttemptResult, DeliveryRow};
use paylink_store::{Store, StoreError};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use retry::RetryPolicy;

use crate::receipts::Receipts;
use settle::Settled;

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
    /// Retries of a merchant's callbacks: longer, as a receiver may be down for a deploy.
    pub callback_retry: RetryPolicy,
    /// How long after an attempt whose outcome is unknown the provider is asked about it: time
    /// for its status callback to settle it first, and for its records to show the message.
    pub settle_after: Duration,
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
    /// Where to listen for deliveries queued by other servers.
    database_url: String,
}

impl Dispatcher {
    /// A dispatcher that `wake` prompts whenever this server queues a delivery, and that
    /// listens at `database_url` for those other servers queue; text messages ask for receipts
    /// when `receipts` says where.
    pub fn new(
        store: Store,
        notifier: Notifier,
        settings: DispatchSettings,
        receipts: Option<Receipts>,
        wake: Arc<Notify>,
        database_url: String,
    ) -> Self {
        Self {
            store,
            notifier,
            settings,
            receipts,
            wake,
            database_url,
        }
    }

    /// Runs until `stop` holds a deadline: from then on nothing more is claimed, and the
    /// deliveries being sent may finish until the deadline, and are abandoned then.
    /// Claims as many deliveries as there are free sending slots, so one slow provider answer
    /// does not hold up deliveries queued after it.
    pub async fn run(self, mut stop: watch::Receiver<Option<Instant>>) {
        let listening = tokio::spawn(announcements::relay(
            self.database_url.clone(),
            Arc::clone(&self.wake),
        ));
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
        listening.abort();
        finish_sending(sending, deadline).await;
        tracing::info!("delivery dispatcher stopped");
    }

    /// One claimed delivery: settled first when an earlier attempt's outcome is unknown, else
    /// (or when the provider has no message from it) sent; the outcome recorded.
    async fn deliver(&self, row: DeliveryRow) {
        let outcome = match row.unknown_since {
            Some(since) => {
                tracing::info!(delivery = %row.id, attempt = row.attempts, "settling a delivery whose earlier attempt is in doubt");
                match settle::settle(&self.notifier, &self.store, &row, since).await {
                    Settled::Found(provider_message_id) => {
                        tracing::info!(delivery = %row.id, attempt = row.attempts, "the provider had the message; not sent again");
                        AttemptResult::Sent(provider_message_id)
                    }
                    Settled::Absent => self.attempt(&row).await,
                    Settled::CannotTell(error) => {
                        settle::still_unknown(&self.settings, &row, &error)
                    }
                }
            }
            None => self.attempt(&row).await,
        };
        let recorded = self
            .store
            .record_attempt(&row.id, row.attempts, outcome)
            .await;
        match recorded {
            Ok(true) => {}
            // Another delivery took the message found for this one at the same moment: look
            // again at once, without it.
            Err(StoreError::Conflict(_)) => {
                let again = AttemptResult::Unknown(
                    "the provider's message was another delivery's; checking again".into(),
                    crate::domain::timestamps::now(),
                );
                if let Err(error) = self
                    .store
                    .record_attempt(&row.id, row.attempts, again)
                    .await
                {
                    tracing::error!(delivery = %row.id, %error, "recording a delivery outcome failed");
                }
            }
            Ok(false) => tracing::warn!(
                delivery = %row.id,
                "the delivery changed before the outcome was recorded (its claim ran out, or a receipt settled it)"
            ),
            // The lease runs out and the delivery is settled before anything is sent again.
            Err(error) => {
                tracing::error!(delivery = %row.id, %error, "recording a delivery outcome failed")
            }
        }
    }

    /// Sends `row` once and says what became of it.
    async fn attempt(&self, row: &DeliveryRow) -> AttemptResult {
        let callback_secret = if row.channel == paylink_store::deliveries::CALLBACK_CHANNEL {
            match self.store.callback_secret(&row.merchant_uid).await {
                Ok(secret) => secret,
                // Not sent: the attempt is retried like any transient failure.
                Err(error) => {
                    tracing::warn!(delivery = %row.id, %error, "reading a callback secret failed");
                    return attempt::outcome(
                        &self.settings,
                        row,
                        Err(paylink_notify::SendError::Transient(
                            "paylink could not prepare the callback; it will try again".into(),
                        )),
                    );
                }
            }
        } else {
            None
        };
        let result =
            attempt::send(&self.notifier, self.receipts.as_ref(), row, callback_secret).await;
        attempt::outcome(&self.settings, row, result)
    }
}

/// Lets the deliveries being sent finish until `deadline`, then abandons the rest without
/// recording anything: marking them Failed or Queued would misstate what the provider did with
/// them. Their rows stay Sending until the lease runs out; then another dispatcher (or this
/// server's next start) takes them over, as after a crash, with their outcome unknown: it asks
/// the provider whether it has the message before sending anything again.
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
