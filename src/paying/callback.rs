//! The merchant's callback when a session completes: a JSON event queued in the outbox, in the
//! transaction that completed the session, to the session's `callbackUrl`. The dispatcher signs
//! each attempt (`Paylink-Signature`, see `paylink_notify::webhook`) with the merchant's secret.

use paylink_store::checkouts::Completion;
use paylink_store::deliveries::{CALLBACK_CHANNEL, DeliveryRow, NewDelivery};

use crate::domain::{ids, money, timestamps};

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
                // The session's `Amount` as the API serves it, in hundredths of the major unit.
                "amount": money::hundredths_text(session.amount_minor),
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

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use paylink_store::checkouts::payments::PaymentRow;
    use paylink_store::lifecycle::{PaymentStatus, Status as _};
    use paylink_store::sessions::SessionRow;
    use serde_json::Value;

    use super::*;
    use crate::domain::test_rows;
    use crate::graphql::scalars::Amount;

    /// The callback body of a completed session in `currency` of `hundredths`, paid in full.
    fn body(currency: &str, hundredths: i64, paid_minor: i64) -> Value {
        let session = SessionRow {
            currency: currency.into(),
            amount_minor: hundredths,
            status: "Completed".into(),
            callback_url: Some("https://merchant.test/callback".into()),
            ..test_rows::session()
        };
        let payment = PaymentRow {
            id: "pay_x".into(),
            merchant_uid: session.merchant_uid.clone(),
            checkout_id: "chk_x".into(),
            link_id: None,
            session_id: Some(session.id.clone()),
            amount_minor: paid_minor,
            currency: currency.into(),
            payment_method: "card".into(),
            payer_phone: None,
            provider: "test".into(),
            provider_reference: None,
            status: PaymentStatus::Succeeded.name().into(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            amount_refunded: 0,
            account_code: None,
            reference: None,
            payer_email: None,
            provider_invoice_id: None,
            fee_amount: 0,
        };
        let completion = Completion {
            payment: Some(payment),
            session: Some(session),
            session_completed: true,
            refund: None,
            merchant: None,
            tasks_queued: false,
        };
        let row = for_completion(&completion).expect("a callback");
        serde_json::from_str(&row.body_text).expect("JSON")
    }

    #[test]
    fn the_session_amount_is_served_as_the_apis_amount() {
        for (currency, hundredths, paid_minor, wire) in [
            ("USD", 1_250, 1_250, "12.50"),
            ("JPY", 500_000, 5_000, "5000.00"),
            ("BHD", 150, 1_500, "1.50"),
        ] {
            let body = body(currency, hundredths, paid_minor);
            let session = &body["data"]["session"];
            assert_eq!(session["amount"], wire, "{currency}");
            assert_eq!(
                session["amount"],
                Amount::from_minor(hundredths).to_string(),
                "{currency}: as the GraphQL Amount reads"
            );
            assert_eq!(session["currency"], currency);
            let payment = &body["data"]["payment"];
            assert_eq!(payment["amount"], paid_minor, "{currency}: minor units");
        }
    }
}
