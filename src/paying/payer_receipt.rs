//! The payer's receipt: an email through the outbox, in the transaction that records a payment
//! as Succeeded, to the payer's email when paylink knows it (a session's contact, or the
//! address the payer gave on a link's page). Test mode always sends one, since no processor
//! does; otherwise paylink sends its own only for merchants who asked for them
//! (`paylink merchant receipts`), and Stripe's own receipt goes to the same address
//! (`receipt_email`) for the others.

use paylink_store::checkouts::Completion;
use paylink_store::deliveries::{DeliveryRow, NewDelivery, RECEIPT_CHANNEL};
use paylink_store::lifecycle::{PaymentStatus, Status as _};

use crate::domain::ids;
use crate::domain::messages::{self, ReceiptFacts};

/// The receipt a completion calls for: one when its payment has just succeeded and the payer
/// has an email; `test_mode` sends it whatever the merchant chose.
pub(super) fn for_completion(completion: &Completion, test_mode: bool) -> Option<DeliveryRow> {
    let payment = completion.payment.as_ref()?;
    if PaymentStatus::parse(&payment.status) != Some(PaymentStatus::Succeeded) {
        return None;
    }
    let recipient = payment.payer_email.clone()?;
    let merchant = completion.merchant.as_ref()?;
    if !(test_mode || merchant.payer_receipts) {
        return None;
    }
    let paid_at = payment.updated_at.format("%-d %B %Y").to_string();
    let message = messages::payment_receipt(&ReceiptFacts {
        merchant: &merchant.name,
        reference: payment.reference.as_deref().unwrap_or("your payment"),
        amount_minor: payment.amount_minor,
        currency: &payment.currency,
        payment_id: &payment.id,
        paid_at: &paid_at,
    });
    Some(DeliveryRow::queued(
        NewDelivery {
            id: ids::new_delivery_id(),
            merchant_uid: payment.merchant_uid.clone(),
            session_id: payment.session_id.clone(),
            link_id: payment.link_id.clone(),
            channel: RECEIPT_CHANNEL.to_owned(),
            recipient,
            subject: message.subject,
            body_text: message.text,
            body_html: message.html,
        },
        payment.updated_at,
    ))
}
