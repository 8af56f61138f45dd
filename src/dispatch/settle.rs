//! Settling a delivery whose earlier attempt may have reached the provider without an answer:
//! ask the provider whether it holds the message before anything is sent again.
//!
//! Text messages through Twilio: its Messages list is searched for a message to the same number,
//! from the same sender, with the same body, created since the attempt in doubt began (less
//! [`CLOCK_SKEW`]), that no other delivery holds (identical texts to one number look alike; the
//! oldest free one is taken, and a unique index keeps two deliveries from taking the same).
//! Found: the delivery is Sent with that message's id. Not found: sent again.
//! Email: SMTP has no way to ask, so the message is sent again with the same Message-ID, which
//! lets a receiving system recognise the copy. The development file transports write whole or
//! not at all, so nothing is left in doubt there.

use chrono::{DateTime, Utc};
use paylink_notify::{Notifier, SendError};
use paylink_store::Store;
use paylink_store::deliveries::{AttemptResult, DeliveryRow};

use super::DispatchSettings;
use super::attempt;
use crate::domain::link_sending::Channel;
use crate::domain::timestamps;
use crate::telemetry::redact_contact_details;

/// How far the provider's clock may be behind ours when comparing its creation times with the
/// start of an attempt.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// What the provider said about an attempt in doubt.
pub(super) enum Settled {
    /// It has the message, with this id.
    Found(Option<String>),
    /// It has no such message, or cannot be asked (email): send it.
    Absent,
    /// It could not be asked now.
    CannotTell(SendError),
}

/// Asks the provider about `row`'s attempts since `since`.
pub(super) async fn settle(
    notifier: &Notifier,
    store: &Store,
    row: &DeliveryRow,
    since: DateTime<Utc>,
) -> Settled {
    match Channel::from_stored(&row.channel) {
        Some(Channel::Phone) => {
            // Receipts are not asked for here: the message searched for is the one sent.
            let found = match notifier
                .find_sms(&attempt::sms(row, None), since - CLOCK_SKEW)
                .await
            {
                Ok(found) => found,
                Err(error) => return Settled::CannotTell(error),
            };
            let candidates: Vec<String> = found
                .into_iter()
                .filter_map(|found| found.provider_message_id)
                .collect();
            if candidates.is_empty() {
                tracing::info!(delivery = %row.id, "the provider has no message from the attempt in doubt; sending again");
                return Settled::Absent;
            }
            let held = match store
                .provider_ids_held_by_others(&row.id, candidates.clone())
                .await
            {
                Ok(held) => held,
                Err(error) => {
                    tracing::warn!(delivery = %row.id, %error, "could not read which messages other deliveries hold");
                    return Settled::CannotTell(SendError::Transient(
                        "the database could not be asked".into(),
                    ));
                }
            };
            match candidates.into_iter().find(|sid| !held.contains(sid)) {
                Some(sid) => Settled::Found(Some(sid)),
                None => {
                    tracing::info!(delivery = %row.id, "the provider's matching messages are other deliveries'; sending again");
                    Settled::Absent
                }
            }
        }
        Some(Channel::Email) | None => Settled::Absent,
    }
}

/// The provider could not be asked: ask again later, as a failed attempt would be retried;
/// when retries run out the delivery fails, saying that its fate is not known.
pub(super) fn still_unknown(
    settings: &DispatchSettings,
    row: &DeliveryRow,
    error: &SendError,
) -> AttemptResult {
    let reason = redact_contact_details(error.reason());
    let next = settings.retry.next_attempt(
        row.attempts,
        row.created_at,
        timestamps::now(),
        rand::random::<f64>(),
    );
    match next {
        Some(at) => {
            tracing::warn!(delivery = %row.id, %reason, retry_at = %at, "could not ask the provider about an attempt in doubt; will ask again");
            AttemptResult::Unknown(error.reason().to_owned(), at)
        }
        None => {
            tracing::warn!(delivery = %row.id, %reason, "could not learn from the provider whether it sent the message; giving up");
            AttemptResult::Failed(format!(
                "could not learn from the provider whether it sent the message: {}",
                error.reason()
            ))
        }
    }
}
