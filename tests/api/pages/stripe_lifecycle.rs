//! The lifecycle against the Stripe stand-in: what paylink tells the processor when a session or
//! link can no longer be paid, and a payment that wins the race with a cancellation refunded.

use std::time::Duration;

use paylink_test_servers::stripe_server::StripeServer;
use serde_json::json;

use super::stripe::{open, with_stripe};
use super::*;

const UPDATE_SESSION: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { status }
}";

async fn set_session_status(app: &TestApp, merchant: &Merchant, id: &str, status: &str) {
    let body = app
        .gql(
            merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": id, "status": status } }),
        )
        .await;
    assert_eq!(ok(&body, "updatePaymentPlanSession")["status"], status);
}

/// Waits until `done` holds of the stand-in, or fails saying `what`.
async fn until(stripe: &StripeServer, what: &str, done: impl Fn(&StripeServer) -> bool) {
    for _ in 0..600 {
        if done(stripe) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 30 s");
}

#[tokio::test]
async fn a_cancelled_sessions_checkout_is_expired_at_stripe() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Expire").await;
    let (session_id, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    set_session_status(&app, &merchant, &session_id, "Cancelled").await;
    until(&stripe, "the Stripe session's expiry", |stripe| {
        stripe
            .session(&session)
            .is_some_and(|session| session.status == "expired")
    })
    .await;
    let expire = stripe
        .requests()
        .into_iter()
        .find(|request| request.path.ends_with("/expire"))
        .expect("an expire request");
    assert!(
        expire
            .idempotency_key()
            .is_some_and(|key| key.ends_with("-expire")),
        "{:?}",
        expire.idempotency_key()
    );
    assert_eq!(
        session_payments(&app, &merchant, &session_id).await["status"],
        "Cancelled"
    );
}

#[tokio::test]
async fn a_payment_that_beats_a_link_turned_off_is_refunded() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Race").await;
    let (link_id, page) = create_link(&app, &merchant, json!({ "amount": 4200 })).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    // The payer pays on Stripe's page; its event is still on the way when the merchant turns
    // the link off.
    stripe.hold_webhooks(true);
    let completed = stripe.complete(&session).await;
    deactivate(&app, &merchant, &link_id).await;
    until(&stripe, "the expiry attempt", |stripe| {
        stripe
            .requests()
            .iter()
            .any(|request| request.path.ends_with("/expire"))
    })
    .await;
    assert_eq!(stripe.deliver(&completed).await, 200);
    stripe.hold_webhooks(false);

    let mut payments = Vec::new();
    for _ in 0..600 {
        payments = link_payments(&app, &merchant, &link_id).await;
        if payments
            .first()
            .is_some_and(|payment| payment["status"] == "Refunded")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0]["status"], "Refunded", "{payments:?}");
    assert_eq!(payments[0]["amountRefunded"], 4200);
    let refunds = stripe.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].amount, 4200);
    assert_eq!(
        Some(refunds[0].payment_intent.as_str()),
        payments[0]["providerReference"].as_str()
    );
}

#[tokio::test]
async fn a_plan_set_up_after_its_session_was_cancelled_is_ended_at_once() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Late plan").await;
    let receiver = super::receiver::Receiver::start().await;
    let (session_id, page) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": receiver.url("/events") }),
    )
    .await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.hold_webhooks(true);
    let completed = stripe.complete(&session).await;
    set_session_status(&app, &merchant, &session_id, "Cancelled").await;
    assert_eq!(stripe.deliver(&completed).await, 200);
    stripe.hold_webhooks(false);
    let subscription = stripe.session(&session).unwrap().subscription.unwrap();
    until(&stripe, "the subscription's cancellation", |stripe| {
        stripe.subscription_status(&subscription).as_deref() == Some("canceled")
    })
    .await;
    let view = session_payments(&app, &merchant, &session_id).await;
    assert_eq!(view["status"], "Cancelled", "the session keeps its state");
    assert!(
        receiver.received().is_empty(),
        "no completion is announced for a cancelled session"
    );
}

#[tokio::test]
async fn cancelling_a_plan_that_was_set_up_ends_its_subscription_at_stripe() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Ends").await;
    let (session_id, page) = create_session(&app, &merchant, json!({})).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.complete(&session).await;
    assert_eq!(
        session_payments(&app, &merchant, &session_id).await["status"],
        "Completed"
    );
    let subscription = stripe.session(&session).unwrap().subscription.unwrap();

    set_session_status(&app, &merchant, &session_id, "Cancelled").await;
    until(&stripe, "the subscription's cancellation", |stripe| {
        stripe.subscription_status(&subscription).as_deref() == Some("canceled")
    })
    .await;
    let cancellation = stripe
        .subscription_cancellations()
        .into_iter()
        .find(|cancelled| cancelled.subscription == subscription)
        .unwrap();
    assert_eq!(
        cancellation.prorate,
        Some(false),
        "nothing more is charged or credited"
    );
}

#[tokio::test]
async fn a_link_turned_off_expires_its_open_checkouts_at_stripe() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Off").await;
    let (link_id, page) = create_link(&app, &merchant, json!({})).await;
    let (_, first) = open(&app, &stripe, &page, &[("method", "card")]).await;
    let (_, second) = open(&app, &stripe, &page, &[("method", "card")]).await;
    deactivate(&app, &merchant, &link_id).await;
    for session in [first, second] {
        until(&stripe, "the Stripe session's expiry", |stripe| {
            stripe
                .session(&session)
                .is_some_and(|session| session.status == "expired")
        })
        .await;
    }
}
