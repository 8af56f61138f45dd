//! Refunding payments with `Stripe::create_refund` against the Stripe stand-in, and the events
//! refunds send, from the API or the Dashboard.

mod common;

use common::{KEY, Receiver, client, payment, server};
use paylink_payments::{
    CreatedRefund, EventKind, PaymentError, RefundReason, RefundRequest, RefundStatus,
};
use paylink_test_servers::stripe_server::{ApiVersion, CannedResponse, Fault, StripeServer};

/// A server with one card payment of 12.50 USD taken, and a receiver at its webhook endpoint
/// that has heard nothing yet; the payment's PaymentIntent.
async fn paid() -> (StripeServer, Receiver, String) {
    let server = server().await;
    let stripe = client(&server);
    let created = stripe
        .create_checkout(&payment("idem-create"))
        .await
        .unwrap();
    server.complete(&created.id).await;
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    let payment_intent = server.session(&created.id).unwrap().payment_intent.unwrap();
    (server, receiver, payment_intent)
}

fn refund(key: &str, payment_intent: &str, amount_minor: Option<i64>) -> RefundRequest {
    RefundRequest {
        idempotency_key: key.into(),
        payment_intent: payment_intent.into(),
        amount_minor,
        reason: None,
        metadata: Vec::new(),
    }
}

/// The requests that reached `/v1/refunds`.
fn refunds_sent(server: &StripeServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/refunds")
        .count()
}

#[tokio::test]
async fn a_refund_without_amount_gives_back_the_whole_payment() {
    let (server, receiver, pi) = paid().await;
    let request = RefundRequest {
        reason: Some(RefundReason::RequestedByCustomer),
        metadata: vec![("paylink_refund".into(), "rf_1".into())],
        ..refund("rf_1-refund", &pi, None)
    };
    let created = client(&server).create_refund(&request).await.unwrap();

    let refunds = server.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        created,
        CreatedRefund {
            id: refunds[0].id.clone(),
            status: RefundStatus::Succeeded,
            amount_minor: 1250,
        }
    );
    assert!(created.id.starts_with("re_"), "{}", created.id);
    let sent = server.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/refunds")
    );
    assert_eq!(sent.idempotency_key(), Some("rf_1-refund"));
    assert_eq!(
        sent.form
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [
            ("payment_intent", pi.as_str()),
            ("reason", "requested_by_customer"),
            ("metadata[paylink_refund]", "rf_1"),
        ]
    );
    assert_eq!(refunds[0].reason.as_deref(), Some("requested_by_customer"));
    assert_eq!(refunds[0].metadata["paylink_refund"], "rf_1");

    // 2024-06-20, the stand-in's default: charge.refunded only, without a refunds list.
    let kinds = receiver.kinds(1).await;
    let EventKind::ChargeRefunded(charge) = &kinds[0] else {
        panic!("expected charge.refunded, got {kinds:?}");
    };
    assert_eq!(charge.payment_intent.as_deref(), Some(pi.as_str()));
    assert_eq!((charge.amount, charge.amount_refunded), (1250, 1250));
    assert!(charge.refunded);
    assert!(charge.refunds.is_empty());
    assert_eq!(charge.currency, "usd");
}

#[tokio::test]
async fn partial_refunds_from_the_api_and_the_dashboard_share_what_is_left() {
    let (server, receiver, pi) = paid().await;
    let stripe = client(&server);
    let first = stripe
        .create_refund(&refund("rf_1", &pi, Some(500)))
        .await
        .unwrap();
    assert_eq!(first.amount_minor, 500);
    let dashboard = server.refund_from_dashboard(&pi, Some(300)).await;
    assert!(dashboard.from_dashboard);

    let error = stripe
        .create_refund(&refund("rf_2", &pi, Some(500)))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(
            "Refund amount ($5.00) is greater than unrefunded amount on charge ($4.50)".into()
        )
    );
    let rest = stripe
        .create_refund(&refund("rf_3", &pi, None))
        .await
        .unwrap();
    assert_eq!(rest.amount_minor, 450);
    let charge_id = server.refunds()[0].charge.clone();
    let error = stripe
        .create_refund(&refund("rf_4", &pi, None))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(format!("Charge {charge_id} has already been refunded."))
    );

    // Deliveries come in no promised order.
    let mut refunded: Vec<(i64, bool)> = receiver
        .kinds(3)
        .await
        .into_iter()
        .map(|kind| match kind {
            EventKind::ChargeRefunded(charge) => (charge.amount_refunded, charge.refunded),
            other => panic!("expected charge.refunded, got {other:?}"),
        })
        .collect();
    refunded.sort();
    assert_eq!(refunded, [(500, false), (800, false), (1250, true)]);
    let events = server.events();
    let dashboard_event: serde_json::Value =
        serde_json::from_str(&events[events.len() - 2].payload).unwrap();
    assert_eq!(
        dashboard_event["request"]["id"],
        serde_json::Value::Null,
        "no API request made the Dashboard's refund"
    );
}

#[tokio::test]
async fn more_than_the_payment_or_an_unknown_payment_is_permanent() {
    let (server, _receiver, pi) = paid().await;
    let stripe = client(&server);
    let error = stripe
        .create_refund(&refund("rf_1", &pi, Some(2000)))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(
            "Refund amount ($20.00) is greater than charge amount ($12.50)".into()
        )
    );
    let error = stripe
        .create_refund(&refund("rf_2", "pi_nope", None))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent("No such payment_intent: 'pi_nope'".into())
    );
    assert_eq!(refunds_sent(&server), 2, "no retry after 400 or 404");
    assert!(server.refunds().is_empty());
}

#[tokio::test]
async fn a_key_is_one_refund_however_often_it_is_sent() {
    let (server, _receiver, pi) = paid().await;
    let stripe = client(&server);
    let first = stripe
        .create_refund(&refund("rf_1", &pi, Some(100)))
        .await
        .unwrap();
    let again = stripe
        .create_refund(&refund("rf_1", &pi, Some(100)))
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(server.refunds().len(), 1);

    let error = stripe
        .create_refund(&refund("rf_1", &pi, Some(200)))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PaymentError::Permanent(reason) if reason.starts_with("Keys for idempotent requests")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_500_and_a_lost_answer_are_retried_into_one_refund() {
    let (server, _receiver, pi) = paid().await;
    let stripe = client(&server);
    server.push_response(CannedResponse::server_error(500));
    stripe
        .create_refund(&refund("rf_1", &pi, Some(100)))
        .await
        .unwrap();
    server.push_fault(Fault::CreateThenDrop);
    let created = stripe
        .create_refund(&refund("rf_2", &pi, Some(200)))
        .await
        .unwrap();
    assert_eq!(created.amount_minor, 200);
    assert_eq!(refunds_sent(&server), 4);
    let amounts: Vec<i64> = server.refunds().iter().map(|r| r.amount).collect();
    assert_eq!(amounts, [100, 200]);
}

#[tokio::test]
async fn from_acacia_on_a_refund_also_sends_its_own_events() {
    let (server, receiver, pi) = paid().await;
    server.set_api_version(ApiVersion::Basil2025_03_31);
    let request = RefundRequest {
        metadata: vec![("paylink_refund".into(), "rf_1".into())],
        ..refund("rf_1", &pi, Some(250))
    };
    let created = client(&server).create_refund(&request).await.unwrap();

    let mut kinds = receiver.kinds(2).await;
    kinds.sort_by_key(|kind| matches!(kind, EventKind::ChargeRefunded(_)));
    let [
        EventKind::RefundUpdated(refund),
        EventKind::ChargeRefunded(charge),
    ] = &kinds[..]
    else {
        panic!("expected refund.created and charge.refunded, got {kinds:?}");
    };
    assert_eq!(refund.id, created.id);
    assert_eq!(refund.payment_intent.as_deref(), Some(pi.as_str()));
    assert_eq!(refund.amount, 250);
    assert_eq!(refund.status.as_deref(), Some("succeeded"));
    assert_eq!(refund.metadata["paylink_refund"], "rf_1");
    assert_eq!(charge.amount_refunded, 250);
    let types: Vec<String> = server.events().into_iter().map(|e| e.event_type).collect();
    assert!(types.contains(&"refund.created".to_owned()), "{types:?}");
}

#[tokio::test]
async fn a_bank_debit_is_refunded_once_settled_and_its_refund_settles_later() {
    let server = server().await;
    let stripe = client(&server);
    let created = stripe.create_checkout(&payment("idem-ach")).await.unwrap();
    server.complete_with_bank_debit(&created.id).await;
    let pi = server.session(&created.id).unwrap().payment_intent.unwrap();

    let error = stripe
        .create_refund(&refund("rf_1", &pi, None))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(format!(
            "This PaymentIntent ({pi}) does not have a successful charge to refund."
        ))
    );
    server.settle_bank_debit(&created.id, true).await;
    let receiver = Receiver::start(stripe.clone()).await;
    server.set_webhook_endpoint(&receiver.url);
    let pending = stripe
        .create_refund(&refund("rf_2", &pi, None))
        .await
        .unwrap();
    assert_eq!(pending.status, RefundStatus::Pending);

    let failed = server.settle_refund(&pending.id, false).await;
    assert_eq!(failed.status, "failed");
    let kinds = receiver.kinds(2).await;
    assert!(
        kinds
            .iter()
            .any(|kind| matches!(kind, EventKind::RefundUpdated(r)
            if r.id == pending.id && r.status.as_deref() == Some("failed"))),
        "{kinds:?}"
    );
    // A failed refund's money is back: the whole payment can be refunded again.
    let again = stripe
        .create_refund(&refund("rf_3", &pi, None))
        .await
        .unwrap();
    assert_eq!(again.amount_minor, 1250);
}

#[tokio::test]
async fn the_stand_in_checks_refunds_as_stripe_does() {
    let (server, _receiver, pi) = paid().await;
    let url = format!("{}/v1/refunds", server.base_url());
    let post = |form: Vec<(&'static str, String)>| {
        let request = reqwest::Client::new()
            .post(&url)
            .bearer_auth(KEY)
            .form(&form);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body)
        }
    };
    let (status, body) = post(vec![("charge", "ch_1".into())]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Received unknown parameter: charge"
    );
    let (_, body) = post(vec![("amount", "100".into())]).await;
    assert_eq!(body["error"]["param"], "payment_intent");
    let (_, body) = post(vec![("payment_intent", pi.clone()), ("amount", "0".into())]).await;
    assert_eq!(body["error"]["code"], "parameter_invalid_integer");
    let (_, body) = post(vec![
        ("payment_intent", pi.clone()),
        ("reason", "changed_mind".into()),
    ])
    .await;
    assert_eq!(body["error"]["param"], "reason");

    let (status, body) = post(vec![("payment_intent", pi.clone())]).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "refund");
    assert_eq!(body["amount"], 1250);
    assert_eq!(body["payment_intent"], pi.as_str());
    assert_eq!(body["status"], "succeeded");
    let (status, body) = post(vec![("payment_intent", pi.clone())]).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, "charge_already_refunded".into())
    );
}
