//! Delivery receipts: what a provider later says about a message it accepted. A receipt moves a
//! delivery to the state it reports unless one of a higher rank was recorded already, so
//! repeated and out-of-order receipts (which providers do not rule out) change nothing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::deliveries::DeliveryRow;
use crate::schema::link_deliveries::dsl;

/// One receipt, as the service read it from the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The provider's id of the message.
    pub provider_message_id: String,
    /// The provider's word for the state.
    pub provider_status: String,
    /// Its rank: later states rank higher.
    pub rank: i16,
    /// The delivery state it means: one of [`crate::deliveries::status`]'s `SENT`, `DELIVERED`
    /// or `UNDELIVERED`.
    pub status: &'static str,
    /// The provider's error code, with a failure.
    pub error_code: Option<String>,
}

/// What recording a receipt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptRecorded {
    /// The delivery now shows it.
    Applied,
    /// A receipt of the same or a higher rank was recorded before; nothing changed.
    Stale,
    /// There is no such delivery.
    NoSuchDelivery,
}

/// Records `receipt` for delivery `id`, under the row's lock so that two receipts at once are
/// ranked one after the other. A receipt also settles a delivery still Sending, Unknown or
/// Queued: the provider has the message, so it is not sent again.
pub(crate) fn record(
    conn: &mut PgConnection,
    id: &str,
    receipt: &DeliveryReceipt,
    now: DateTime<Utc>,
) -> Result<ReceiptRecorded, StoreError> {
    if !crate::storable(id) {
        return Ok(ReceiptRecorded::NoSuchDelivery);
    }
    conn.transaction(|conn| {
        let Some(row) = dsl::link_deliveries
            .find(id)
            .select(DeliveryRow::as_select())
            .for_update()
            .first(conn)
            .optional()?
        else {
            return Ok(ReceiptRecorded::NoSuchDelivery);
        };
        if receipt.rank <= row.provider_status_rank {
            return Ok(ReceiptRecorded::Stale);
        }
        // A message is one delivery's (a unique index): when settling gave this receipt's
        // message to another delivery (identical texts to one number look alike), the receipt
        // still counts here, and the message stays where it is rather than failing the update.
        let provider_message_id = match row.provider_message_id {
            Some(held) => Some(held),
            None => {
                let held_elsewhere = dsl::link_deliveries
                    .filter(dsl::provider_message_id.eq(&receipt.provider_message_id))
                    .filter(dsl::id.ne(id))
                    .select(dsl::id)
                    .first::<String>(conn)
                    .optional()?
                    .is_some();
                (!held_elsewhere).then(|| receipt.provider_message_id.clone())
            }
        };
        diesel::update(dsl::link_deliveries.find(id))
            .set((
                dsl::status.eq(receipt.status),
                dsl::provider_status.eq(&receipt.provider_status),
                dsl::provider_status_rank.eq(receipt.rank),
                dsl::provider_error_code.eq(&receipt.error_code),
                dsl::receipt_at.eq(now),
                dsl::provider_message_id.eq(provider_message_id),
                dsl::sent_at.eq(row.sent_at.unwrap_or(now)),
                dsl::lease_until.eq(None::<DateTime<Utc>>),
                dsl::unknown_since.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?;
        Ok(ReceiptRecorded::Applied)
    })
}

impl crate::Store {
    /// Records a provider's receipt for delivery `id`: see [`ReceiptRecorded`].
    pub async fn record_receipt(
        &self,
        id: &str,
        receipt: DeliveryReceipt,
    ) -> Result<ReceiptRecorded, StoreError> {
        let id = id.to_owned();
        let now = Utc::now();
        self.run(move |conn| record(conn, &id, &receipt, now)).await
    }
}
