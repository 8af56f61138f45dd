//! Verifying Stripe's webhooks, as delivered (and spoilt) by the stand-in.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Receiver, WEBHOOK_SECRET, client, payment, server, subscription};
use paylink_payments::{EventKind, WebhookError};
use paylink_test_servers::stripe_server::{StripeServer, WebhookTweak, sign_payload};

/// A server with one open payment session and a receiver at its webhook endpoint.
async fn set_up() -> (StripeServer, Receiver, String) {
    let server = server().await;
    let stripe = client(&server);
    let created = stripe
        .create_checkout(&payment("idem-1"))
        .await
        .expect("created");
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    (server, receiver, created.id)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn a_paid_session_is_reported_by_a_verified_event() {
    let (server, receiver, id) = set_up().await;
    let sent = server.complete(&id).await;

    let event = receiver.only().expect("verified");
    assert_eq!(event.id, sent.id);
    assert!(event.id.starts_with("evt_"));
    assert!(!event.livemode);
    assert_eq!(event.created, sent.created);
    let EventKind::CheckoutCompleted(session) = event.kind else {
        panic!("expected checkout.session.completed, got {:?}", event.kind);
    };
    assert_eq!(session.id, id);
    assert_eq!(session.client_reference_id.as_deref(), Some("chk_0001"));
    assert_eq!(session.payment_status, "paid");
    assert_eq!(session.amount_total, Some(1250));
    assert_eq!(session.currency.as_deref(), Some("usd"));
    assert!(
        session
            .payment_intent
            .as_deref()
            .is_some_and(|pi| pi.starts_with("pi_"))
    );
    assert_eq!(session.subscription, None);
    assert_eq!(
        session.metadata.get("merchant").map(String::as_str),
        Some("mer_1")
    );
    let deliveries = server.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, 200);
    let signature = deliveries[0].signature.as_deref().unwrap();
    assert!(
        signature.contains(",v1=") && signature.contains(",v0="),
        "{signature}"
    );
}

#[tokio::test]
async fn a_delivery_without_signature_is_refused() {
    let (server, receiver, id) = set_up().await;
    server.hold_webhooks(true);
    let event = server.complete(&id).await;
    assert_eq!(
        server.deliver_with(&event, WebhookTweak::NoSignature).await,
        400
    );
    assert_eq!(receiver.only(), Err(WebhookError::MissingSignature));
}

#[tokio::test]
async fn a_delivery_signed_with_another_secret_is_refused() {
    let (server, receiver, id) = set_up().await;
    server.hold_webhooks(true);
    let event = server.complete(&id).await;
    assert_eq!(
        server.deliver_with(&event, WebhookTweak::WrongSecret).await,
        400
    );
    assert_eq!(receiver.only(), Err(WebhookError::BadSignature));
}

#[tokio::test]
async fn a_stale_delivery_is_refused() {
    let (server, receiver, id) = set_up().await;
    server.hold_webhooks(true);
    let event = server.complete(&id).await;
    let stale = WebhookTweak::Stale(Duration::from_secs(301));
    assert_eq!(server.deliver_with(&event, stale).await, 400);
    assert_eq!(receiver.only(), Err(WebhookError::Stale));
}

#[tokio::test]
async fn a_timestamp_from_the_future_is_stale_too() {
    let server = server().await;
    let stripe = client(&server);
    let payload = br#"{"id":"evt_1","object":"event","type":"customer.created","created":1,"livemode":false}"#;
    let t = unix_now();
    let header = sign_payload(WEBHOOK_SECRET, t, payload);
    let an_hour_earlier = SystemTime::now() - Duration::from_secs(3600);
    let outcome = stripe.verify_event(payload, Some(&header), an_hour_earlier);
    assert_eq!(outcome, Err(WebhookError::Stale));
}

#[tokio::test]
async fn one_valid_v1_among_several_is_enough() {
    let (server, _receiver, id) = set_up().await;
    server.hold_webhooks(true);
    let event = server.complete(&id).await;
    let stripe = client(&server);
    let payload = event.payload.as_bytes();
    let t = unix_now();
    let valid = sign_payload(WEBHOOK_SECRET, t, payload);
    let other = sign_payload("whsec_rolledAwaySecret", t, payload);
    let v1 = |header: &str| header.split(",v1=").nth(1).unwrap().to_owned();
    let header = format!("t={t},v1={},v1={},v0=deadbeef", v1(&other), v1(&valid));
    let verified = stripe.verify_event(payload, Some(&header), SystemTime::now());
    assert_eq!(verified.map(|event| event.id), Ok(event.id.clone()));

    let only_v0 = format!("t={t},v0={}", v1(&valid));
    let outcome = stripe.verify_event(payload, Some(&only_v0), SystemTime::now());
    assert_eq!(
        outcome,
        Err(WebhookError::BadSignature),
        "v0 never stands in for v1"
    );

    let tampered = event.payload.replace("\"paid\"", "\"unpaid\"");
    let outcome = stripe.verify_event(tampered.as_bytes(), Some(&valid), SystemTime::now());
    assert_eq!(outcome, Err(WebhookError::BadSignature));
}

#[tokio::test]
async fn a_signed_payload_that_is_not_an_event_is_malformed() {
    let server = server().await;
    let stripe = client(&server);
    let payload = b"{\"id\": \"evt_1\", oops";
    let header = sign_payload(WEBHOOK_SECRET, unix_now(), payload);
    let outcome = stripe.verify_event(payload, Some(&header), SystemTime::now());
    assert!(
        matches!(outcome, Err(WebhookError::Malformed(_))),
        "{outcome:?}"
    );

    let payload = br#"{"id":"evt_2","object":"event","type":"checkout.session.completed","created":1,"livemode":false,"data":{"object":{"object":"checkout.session"}}}"#;
    let header = sign_payload(WEBHOOK_SECRET, unix_now(), payload);
    let outcome = stripe.verify_event(payload, Some(&header), SystemTime::now());
    assert!(
        matches!(outcome, Err(WebhookError::Malformed(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unknown_event_type_is_other() {
    let server = server().await;
    let stripe = client(&server);
    let payload = br#"{"id":"evt_3","object":"event","api_version":"2024-06-20","type":"customer.created","created":1700000000,"livemode":true,"data":{"object":{"id":"cus_1","object":"customer"}}}"#;
    let header = sign_payload(WEBHOOK_SECRET, unix_now(), payload);
    let event = stripe
        .verify_event(payload, Some(&header), SystemTime::now())
        .unwrap();
    assert_eq!(event.kind, EventKind::Other("customer.created".into()));
    assert_eq!(event.id, "evt_3");
    assert!(event.livemode);
}

#[tokio::test]
async fn an_event_may_come_twice_and_out_of_order() {
    let (server, receiver, id) = set_up().await;
    server.hold_webhooks(true);
    let completed = server.complete(&id).await;
    let created = client(&server)
        .create_checkout(&payment("idem-2"))
        .await
        .unwrap();
    let expired = server.expire(&created.id).await;
    assert!(server.deliveries().is_empty(), "held");

    assert_eq!(server.deliver(&expired).await, 200);
    assert_eq!(
        server.deliver_with(&completed, WebhookTweak::Twice).await,
        200
    );
    let ids: Vec<String> = receiver
        .outcomes()
        .into_iter()
        .map(|outcome| outcome.unwrap().id)
        .collect();
    assert_eq!(
        ids,
        [expired.id.clone(), completed.id.clone(), completed.id]
    );
    let kinds = receiver.outcomes();
    assert!(
        matches!(&kinds[0], Ok(e) if matches!(&e.kind, EventKind::CheckoutExpired(s) if s.payment_status == "unpaid"))
    );
}

#[tokio::test]
async fn a_subscription_reports_its_subscription() {
    let server = server().await;
    let stripe = client(&server);
    let created = stripe
        .create_checkout(&subscription("idem-sub"))
        .await
        .unwrap();
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    server.complete(&created.id).await;

    let EventKind::CheckoutCompleted(session) = receiver.only().unwrap().kind else {
        panic!("expected checkout.session.completed");
    };
    assert!(
        session
            .subscription
            .as_deref()
            .is_some_and(|s| s.starts_with("sub_"))
    );
    assert_eq!(session.payment_intent, None);
    assert_eq!(session.currency.as_deref(), Some("eur"));
}

#[tokio::test]
async fn a_bank_debit_completes_unpaid_and_settles_later() {
    let (server, receiver, id) = set_up().await;
    server.complete_with_bank_debit(&id).await;
    server.settle_bank_debit(&id, true).await;
    let created = client(&server)
        .create_checkout(&payment("idem-2"))
        .await
        .unwrap();
    server.complete_with_bank_debit(&created.id).await;
    server.settle_bank_debit(&created.id, false).await;

    let kinds: Vec<EventKind> = receiver
        .outcomes()
        .into_iter()
        .map(|o| o.unwrap().kind)
        .collect();
    assert!(matches!(&kinds[0], EventKind::CheckoutCompleted(s) if s.payment_status == "unpaid"));
    assert!(matches!(&kinds[1], EventKind::AsyncPaymentSucceeded(s) if s.payment_status == "paid"));
    assert!(matches!(&kinds[3], EventKind::AsyncPaymentFailed(s) if s.payment_status == "unpaid"));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_only_when_asked() {
    let (server, _receiver, id) = set_up().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}/webhooks", listener.local_addr().unwrap());
    drop(listener);
    server.set_webhook_endpoint(&gone);
    server.complete(&id).await;
    assert_eq!(server.deliveries().len(), 1);

    server.set_webhook_retries(2);
    let created = client(&server)
        .create_checkout(&payment("idem-2"))
        .await
        .unwrap();
    server.complete(&created.id).await;
    let statuses: Vec<u16> = server.deliveries().iter().map(|d| d.status).collect();
    assert_eq!(statuses, [0, 0, 0, 0]);
}
