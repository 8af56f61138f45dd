//! A plan's later periods: the invoices Stripe charges on its own, as the stand-in makes them,
//! their events in both invoice shapes, and refunds of their payments.

mod common;

use common::{Receiver, client, plan, server, unix_now};
use paylink_payments::{EventKind, InvoiceObject, PaymentError, RefundRequest};
use paylink_test_servers::stripe_server::{ApiVersion, StripeServer};

const DAY: i64 = 86_400;

/// A plan's completed session's subscription (9.00 EUR every 3 months, metadata `checkout`),
/// with a receiver at the webhook endpoint that has heard nothing yet.
async fn subscribed(server: &StripeServer) -> (String, Receiver) {
    let stripe = client(server);
    let created = stripe
        .create_checkout(&plan("plan-create", unix_now() + 3 * DAY))
        .await
        .unwrap();
    server.complete(&created.id).await;
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    let subscription = server.session(&created.id).unwrap().subscription.unwrap();
    (subscription, receiver)
}

/// The one invoice event among `kinds`, the other being `invoice.payment_succeeded`.
fn invoice_paid(kinds: Vec<EventKind>) -> InvoiceObject {
    let mut paid = None;
    for kind in kinds {
        match kind {
            EventKind::InvoicePaid(invoice) => paid = Some(invoice),
            EventKind::Other(name) => assert_eq!(name, "invoice.payment_succeeded"),
            other => panic!("unexpected {other:?}"),
        }
    }
    paid.expect("invoice.paid")
}

#[tokio::test]
async fn a_paid_period_names_its_subscription_payment_and_metadata() {
    let server = server().await;
    let (sub, receiver) = subscribed(&server).await;
    assert_eq!(
        server.subscription_status(&sub).as_deref(),
        Some("trialing")
    );

    let sent = server.invoice_paid(&sub).await;
    assert_eq!(sent.event_type, "invoice.paid");
    let made = &server.invoices()[0];
    let invoice = invoice_paid(receiver.kinds(2).await);
    assert_eq!(
        invoice,
        InvoiceObject {
            id: made.id.clone(),
            subscription: Some(sub.clone()),
            amount_paid: 900,
            amount_due: 900,
            currency: "eur".into(),
            billing_reason: Some("subscription_cycle".into()),
            payment_intent: Some(made.payment_intent.clone()),
            status: Some("paid".into()),
            subscription_metadata: [
                ("checkout".to_owned(), "chk_0001".to_owned()),
                ("merchant".to_owned(), "mer_1".to_owned()),
            ]
            .into(),
        }
    );
    assert_eq!(
        server.subscription_status(&sub).as_deref(),
        Some("active"),
        "the invoice ended the trial"
    );

    // Each period is its own payment, with its own PaymentIntent.
    server.invoice_paid(&sub).await;
    let invoices = server.invoices();
    assert_ne!(invoices[0].payment_intent, invoices[1].payment_intent);
}

#[tokio::test]
async fn from_basil_on_the_subscription_is_read_from_parent() {
    let server = server().await;
    let (sub, receiver) = subscribed(&server).await;
    server.set_api_version(ApiVersion::Basil2025_03_31);
    server.invoice_paid(&sub).await;

    let invoice = invoice_paid(receiver.kinds(2).await);
    assert_eq!(invoice.subscription.as_deref(), Some(sub.as_str()));
    assert_eq!(
        invoice.payment_intent, None,
        "basil's invoice does not name it"
    );
    assert_eq!(invoice.subscription_metadata["checkout"], "chk_0001");
    let payload: serde_json::Value = serde_json::from_str(&server.events()[1].payload).unwrap();
    assert_eq!(payload["api_version"], "2025-03-31.basil");
    assert_eq!(payload["data"]["object"].get("subscription"), None);
}

#[tokio::test]
async fn a_failed_period_is_reported_and_leaves_the_subscription_past_due() {
    let server = server().await;
    let (sub, receiver) = subscribed(&server).await;
    server.invoice_failed(&sub).await;

    let kinds = receiver.kinds(1).await;
    let EventKind::InvoicePaymentFailed(invoice) = &kinds[0] else {
        panic!("expected invoice.payment_failed, got {kinds:?}");
    };
    assert_eq!(invoice.subscription.as_deref(), Some(sub.as_str()));
    assert_eq!((invoice.amount_paid, invoice.amount_due), (0, 900));
    assert_eq!(invoice.status.as_deref(), Some("open"));
    assert_eq!(
        server.subscription_status(&sub).as_deref(),
        Some("past_due")
    );

    let pi = invoice.payment_intent.clone().unwrap();
    let error = client(&server)
        .create_refund(&RefundRequest {
            idempotency_key: "rf_1".into(),
            payment_intent: pi.clone(),
            amount_minor: None,
            reason: None,
            metadata: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(format!(
            "This PaymentIntent ({pi}) does not have a successful charge to refund."
        ))
    );
}

#[tokio::test]
async fn a_periods_payment_can_be_refunded() {
    let server = server().await;
    let (sub, receiver) = subscribed(&server).await;
    server.invoice_paid(&sub).await;
    let pi = server.invoices()[0].payment_intent.clone();

    let created = client(&server)
        .create_refund(&RefundRequest {
            idempotency_key: "rf_1".into(),
            payment_intent: pi.clone(),
            amount_minor: Some(300),
            reason: None,
            metadata: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(created.amount_minor, 300);
    let kinds = receiver.kinds(3).await;
    assert!(
        kinds
            .iter()
            .any(|kind| matches!(kind, EventKind::ChargeRefunded(c)
            if c.payment_intent.as_deref() == Some(pi.as_str()) && c.amount_refunded == 300)),
        "{kinds:?}"
    );
}

#[tokio::test]
#[should_panic(expected = "is canceled")]
async fn a_cancelled_subscription_is_not_invoiced() {
    let server = server().await;
    let (sub, _receiver) = subscribed(&server).await;
    client(&server)
        .cancel_subscription(&sub, "plan-cancel")
        .await
        .unwrap();
    // The stand-in's helpers panic when asked for what Stripe would not do.
    server.invoice_paid(&sub).await;
}
