//! Refunds as a merchant and the processor make them, and a plan's later charges: through
//! `refundPayment` in test mode and through the Stripe stand-in, refunds made in Stripe's
//! dashboard, and the invoices of a plan's subscription.

use std::time::Duration;

use serde_json::{Value, json};

use super::stripe::{open, with_stripe};
use super::*;
use crate::support::error_code;

const REFUND: &str = "mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) {
    id paymentId amount currency status reason initiatedBy providerReference failureReason
  }
}";

async fn refund(app: &TestApp, merchant: &Merchant, input: Value) -> Value {
    app.gql(merchant, REFUND, json!({ "input": input })).await
}

const PAYMENT_REFUNDS: &str = "query($id: String!) {
  paymentLinkPayments(link_id: $id) {
    id amount status amountRefunded providerReference
    refunds { id amount status reason initiatedBy providerReference }
  }
}";

async fn link_payment(app: &TestApp, merchant: &Merchant, link_id: &str) -> Value {
    let body = app
        .gql(merchant, PAYMENT_REFUNDS, json!({ "id": link_id }))
        .await;
    ok(&body, "paymentLinkPayments")[0].clone()
}

/// The link's payment once `done` holds of it.
async fn link_payment_until(
    app: &TestApp,
    merchant: &Merchant,
    link_id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..600 {
        let payment = link_payment(app, merchant, link_id).await;
        if done(&payment) {
            return payment;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the payment did not reach the state awaited within 30 s");
}

/// A link of 5,000 cents paid in test mode; its id.
async fn paid_link(app: &TestApp, merchant: &Merchant) -> String {
    let (link_id, page) = create_link(app, merchant, json!({ "amount": 5000 })).await;
    pay_in_test_mode(app, &page, &[("method", "card")]).await;
    link_id
}

#[tokio::test]
async fn a_merchant_refunds_part_then_the_rest_and_never_more() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Refunds").await;
    let link_id = paid_link(&app, &merchant).await;
    let payment_id = link_payment(&app, &merchant, &link_id).await["id"].clone();

    let first = refund(
        &app,
        &merchant,
        json!({ "paymentId": payment_id, "amount": 1500, "reason": "RequestedByCustomer" }),
    )
    .await;
    let first = ok(&first, "refundPayment").clone();
    assert_eq!(first["amount"], 1500);
    assert_eq!(first["initiatedBy"], "merchant");
    assert_eq!(first["reason"], "RequestedByCustomer");

    let too_much = refund(
        &app,
        &merchant,
        json!({ "paymentId": payment_id, "amount": 3501 }),
    )
    .await;
    assert_eq!(error_code(&too_much), "BAD_USER_INPUT", "{too_much}");
    assert_eq!(too_much["errors"][0]["extensions"]["field"], "amount");
    assert!(
        too_much["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 35.00 USD"),
        "{too_much}"
    );

    // Without an amount, the rest.
    let rest = refund(&app, &merchant, json!({ "paymentId": payment_id })).await;
    assert_eq!(ok(&rest, "refundPayment")["amount"], 3500);
    let payment = link_payment_until(&app, &merchant, &link_id, |payment| {
        payment["status"] == "Refunded"
    })
    .await;
    assert_eq!(payment["amountRefunded"], 5000);
    let refunds = payment["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 2, "{payment}");
    assert!(refunds.iter().all(|refund| refund["status"] == "Succeeded"));

    let again = refund(&app, &merchant, json!({ "paymentId": payment_id })).await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("refunded in full")
    );
}

#[tokio::test]
async fn two_refunds_at_once_cannot_give_back_more_than_was_paid() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Race").await;
    let link_id = paid_link(&app, &merchant).await;
    let payment_id = link_payment(&app, &merchant, &link_id).await["id"].clone();
    let input = json!({ "paymentId": payment_id, "amount": 3000 });
    let (a, b) = tokio::join!(
        refund(&app, &merchant, input.clone()),
        refund(&app, &merchant, input.clone())
    );
    let succeeded = [&a, &b]
        .iter()
        .filter(|body| body["errors"].is_null())
        .count();
    assert_eq!(succeeded, 1, "{a} {b}");
    let payment = link_payment(&app, &merchant, &link_id).await;
    assert_eq!(payment["amountRefunded"], 3000, "{payment}");
}

#[tokio::test]
async fn a_refund_is_refused_clearly_when_it_cannot_be() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Refusals").await;
    let link_id = paid_link(&app, &merchant).await;
    let payment_id = link_payment(&app, &merchant, &link_id).await["id"].clone();
    for (input, code, field) in [
        (
            json!({ "paymentId": payment_id, "amount": 0 }),
            "BAD_USER_INPUT",
            Some("amount"),
        ),
        (
            json!({ "paymentId": payment_id, "reason": "NotPayable" }),
            "BAD_USER_INPUT",
            Some("reason"),
        ),
        (json!({ "paymentId": "pay_nope" }), "NOT_FOUND", None),
    ] {
        let body = refund(&app, &merchant, input.clone()).await;
        assert_eq!(error_code(&body), code, "{input}: {body}");
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
    }
    // Another merchant's payment reads as absent.
    let other = app.merchant("Other").await;
    let body = refund(&app, &other, json!({ "paymentId": payment_id })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(
        link_payment(&app, &merchant, &link_id).await["amountRefunded"],
        0
    );
}

#[tokio::test]
async fn a_refund_goes_through_stripes_refunds_api_once() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Stripe refunds").await;
    let (link_id, page) = create_link(&app, &merchant, json!({ "amount": 4200 })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.complete(&session).await;
    let payment = link_payment(&app, &merchant, &link_id).await;
    let body = refund(
        &app,
        &merchant,
        json!({ "paymentId": payment["id"], "amount": 1000, "reason": "Duplicate" }),
    )
    .await;
    let refund_id = ok(&body, "refundPayment")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let payment = link_payment_until(&app, &merchant, &link_id, |payment| {
        payment["refunds"][0]["status"] == "Succeeded"
    })
    .await;
    let made = stripe.refunds();
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0].amount, 1000);
    assert_eq!(
        Some(made[0].payment_intent.as_str()),
        payment["providerReference"].as_str()
    );
    let request = stripe
        .requests()
        .into_iter()
        .find(|request| request.path == "/v1/refunds")
        .expect("a refund request");
    assert_eq!(request.idempotency_key(), Some(refund_id.as_str()));
    assert_eq!(request.field("reason"), Some("duplicate"));
    assert_eq!(
        payment["refunds"][0]["providerReference"],
        made[0].id.as_str()
    );
    assert_eq!(payment["status"], "Succeeded", "partly refunded");
    assert_eq!(payment["amountRefunded"], 1000);
}

#[tokio::test]
async fn a_refund_made_in_stripes_dashboard_is_recorded() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Dashboard").await;
    let (link_id, page) = create_link(&app, &merchant, json!({ "amount": 4200 })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.complete(&session).await;
    let intent = link_payment(&app, &merchant, &link_id).await["providerReference"]
        .as_str()
        .unwrap()
        .to_owned();
    stripe.refund_from_dashboard(&intent, Some(1200)).await;
    let payment = link_payment_until(&app, &merchant, &link_id, |payment| {
        payment["amountRefunded"] == 1200
    })
    .await;
    assert_eq!(
        payment["refunds"][0]["initiatedBy"], "processor",
        "{payment}"
    );
    assert_eq!(payment["refunds"][0]["status"], "Succeeded");
    // The rest, again from the dashboard: the payment is Refunded.
    stripe.refund_from_dashboard(&intent, None).await;
    let payment = link_payment_until(&app, &merchant, &link_id, |payment| {
        payment["status"] == "Refunded"
    })
    .await;
    assert_eq!(payment["amountRefunded"], 4200);
}

#[tokio::test]
async fn a_plans_later_charges_are_its_payments_and_one_after_cancelling_is_given_back() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Plan charges").await;
    let (session_id, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.complete(&session).await;
    let subscription = stripe.session(&session).unwrap().subscription.unwrap();

    stripe.invoice_paid(&subscription).await;
    stripe.invoice_failed(&subscription).await;
    let view = session_payments(&app, &merchant, &session_id).await;
    let statuses: Vec<&str> = view["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|payment| payment["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 3, "{view}");
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == "Succeeded")
            .count(),
        2
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == "Failed")
            .count(),
        1
    );
    assert_eq!(
        view["status"], "Completed",
        "a failed charge leaves the plan as it is"
    );

    // Cancelled, but the processor collects once more before it hears: given back.
    let body = app
        .gql(
            &merchant,
            "mutation($id: ID!) { updatePaymentPlanSession(input: {id: $id, status: Cancelled}) { status } }",
            json!({ "id": session_id }),
        )
        .await;
    assert_eq!(ok(&body, "updatePaymentPlanSession")["status"], "Cancelled");
    stripe.invoice_paid(&subscription).await;
    for _ in 0..600 {
        let view = session_payments(&app, &merchant, &session_id).await;
        if view["payments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|payment| payment["status"] == "Refunded")
        {
            assert!(!stripe.refunds().is_empty());
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the charge after cancelling was not refunded within 30 s");
}

#[tokio::test]
async fn a_refund_event_before_its_payment_is_asked_for_again_and_then_applied() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Out of order").await;
    let (link_id, page) = create_link(&app, &merchant, json!({ "amount": 4200 })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.hold_webhooks(true);
    let completed = stripe.complete(&session).await;
    let intent = stripe.session(&session).unwrap().payment_intent.unwrap();
    stripe.refund_from_dashboard(&intent, Some(1000)).await;
    let refunded = stripe
        .events()
        .into_iter()
        .find(|event| event.event_type == "charge.refunded")
        .expect("a charge.refunded event");

    assert_eq!(
        stripe.deliver(&refunded).await,
        503,
        "the payment is not known yet: Stripe is to deliver it again"
    );
    assert_eq!(stripe.deliver(&completed).await, 200);
    assert_eq!(stripe.deliver(&refunded).await, 200);
    let payment = link_payment(&app, &merchant, &link_id).await;
    assert_eq!(payment["amountRefunded"], 1000, "{payment}");
    assert_eq!(payment["refunds"][0]["initiatedBy"], "processor");
}

#[tokio::test]
async fn a_plans_first_payment_is_refundable_once_its_opening_invoice_names_its_payment() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("First charge").await;
    let (session_id, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.complete(&session).await;
    let subscription = stripe.session(&session).unwrap().subscription.unwrap();
    let first = session_payments(&app, &merchant, &session_id).await["payments"][0].clone();
    assert_eq!(first["providerReference"], subscription.as_str(), "{first}");

    // The invoice that opened the subscription, as Stripe's documentation shows it.
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let event = json!({
        "id": "evt_opening_invoice", "object": "event", "type": "invoice.paid",
        "created": created, "livemode": false, "api_version": "2024-06-20",
        "data": { "object": {
            "id": "in_opening", "object": "invoice", "subscription": subscription,
            "billing_reason": "subscription_create", "amount_paid": 10000, "amount_due": 10000,
            "currency": "usd", "payment_intent": "pi_opening", "status": "paid",
        } },
    });
    assert_eq!(
        super::stripe::post_signed(&app, &event.to_string()).await,
        200
    );
    let first = session_payments(&app, &merchant, &session_id).await["payments"][0].clone();
    assert_eq!(first["providerReference"], "pi_opening", "{first}");
    assert_eq!(
        session_payments(&app, &merchant, &session_id).await["payments"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the opening invoice is the first payment, not another"
    );
}
