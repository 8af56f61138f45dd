//! The merchant's callback when a session completes: a JSON event queued in the outbox, in the
//! transaction that completed the session, to the session's `callbackUrl`. The dispatcher signs
//! each attempt (`Paylink-Signature`, see `paylink_notify::webhook`) with the merchant's secret.

use paylink_store::checkouts::Completion;
use paylink_store::deliveries::{CALLBACK_CHANNEL, DeliveryRow, NewDelivery};

use crate::domain::ids;
use crate::domain::timestamps;

/// The event type of a completed session.
pub const SESSION_COMPLETED: &str = "payment_plan_session.completed";

/// The callback a completion calls for: one when a session with a `callbackUrl` has just
/// become Completed, none otherwise.
pub(super) fn for_completion(completion: &Completion) -> Option<DeliveryRow> {
    let session = completion.session.as_ref()?;
    if !completion.session_completed {
        return None;
    }
    let url = session.callback_url.clone()?;
    let event_id = ids::new_event_id();
    let payment = completion.payment.as_ref().map(|payment| {
        serde_json::json!({
            "id": payment.id,
            "status": payment.status,
            "amount": payment.amount_minor,
            "currency": payment.currency,
            "method": payment.payment_method,
            "provider": payment.provider,
            "providerReference": payment.provider_reference,
        })
    });
    let body = serde_json::json!({
        "id": event_id,
        "type": SESSION_COMPLETED,
        "created": timestamps::format(session.updated_at),
        "data": {
            "session": {
                "id": session.id,
                "status": session.status,
                "contactId": session.contact_id,
                "amount": crate::domain::messages::decimal(session.amount_minor),
                "currency": session.currency,
                "frequency": session.frequency,
                "occurrences": session.occurrences,
            },
            // Null for a plan whose first payment is due later.
            "payment": payment,
        },
    });
    Some(DeliveryRow::queued(
        NewDelivery {
            id: ids::new_delivery_id(),
            merchant_uid: session.merchant_uid.clone(),
            session_id: Some(session.id.clone()),
            link_id: None,
            channel: CALLBACK_CHANNEL.to_owned(),
            recipient: url,
            subject: SESSION_COMPLETED.to_owned(),
            body_text: body.to_string(),
            body_html: String::new(),
        },
        session.updated_at,
    ))
}
