//! Cancelling a plan's subscription now with `Stripe::cancel_subscription`, against the Stripe
//! stand-in.

mod common;

use std::time::Duration;

use common::{KEY, Receiver, client, plan, server, settings, unix_now};
use paylink_payments::{EventKind, PaymentError, Stripe};
use paylink_test_servers::stripe_server::{CannedResponse, Fault, StripeServer};

const DAY: i64 = 86_400;

/// A plan's completed session's subscription, with a receiver at the webhook endpoint that
/// has heard nothing yet.
async fn subscribed(server: &StripeServer) -> (String, Receiver) {
    let stripe = client(server);
    let created = stripe
        .create_checkout(&plan("plan-create", unix_now() + 3 * DAY))
        .await
        .expect("created");
    server.complete(&created.id).await;
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    let subscription = server
        .session(&created.id)
        .and_then(|session| session.subscription)
        .expect("a subscription once complete");
    (subscription, receiver)
}

/// The requests that reached `/v1/subscriptions/…`.
fn sent(server: &StripeServer) -> Vec<paylink_test_servers::stripe_server::ReceivedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/subscriptions/"))
        .collect()
}

#[tokio::test]
async fn cancelling_deletes_now_without_invoice_or_proration() {
    let server = server().await;
    let (sub, receiver) = subscribed(&server).await;

    client(&server)
        .cancel_subscription(&sub, "plan-cancel-1")
        .await
        .expect("cancelled");

    let requests = sent(&server);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "DELETE");
    assert_eq!(
        requests[0].path,
        format!("/v1/subscriptions/{sub}?invoice_now=false&prorate=false")
    );
    assert_eq!(
        requests[0].header("Authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        requests[0].idempotency_key(),
        None,
        "Stripe ignores keys on DELETE"
    );
    let cancellations = server.subscription_cancellations();
    assert_eq!(cancellations.len(), 1);
    assert_eq!(cancellations[0].subscription, sub);
    assert_eq!(cancellations[0].invoice_now, Some(false));
    assert_eq!(cancellations[0].prorate, Some(false));
    assert_eq!(
        server.subscription_status(&sub).as_deref(),
        Some("canceled")
    );

    let kinds = receiver.kinds(1).await;
    assert!(
        matches!(&kinds[0], EventKind::SubscriptionDeleted(s) if s.id == sub && s.status == "canceled"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn cancelling_a_cancelled_subscription_is_ok() {
    let server = server().await;
    let (sub, receiver) = subscribed(&server).await;
    let stripe = client(&server);
    stripe
        .cancel_subscription(&sub, "plan-cancel-1")
        .await
        .unwrap();

    stripe
        .cancel_subscription(&sub, "plan-cancel-2")
        .await
        .expect("already cancelled is done");
    let methods: Vec<String> = sent(&server).into_iter().map(|r| r.method).collect();
    assert_eq!(
        methods,
        ["DELETE", "DELETE", "GET"],
        "the 404 is not retried; the subscription is read once"
    );
    assert_eq!(server.subscription_cancellations().len(), 1);
    assert_eq!(
        receiver.kinds(1).await.len(),
        1,
        "one customer.subscription.deleted"
    );
}

#[tokio::test]
async fn an_unknown_subscription_is_permanent() {
    let server = server().await;
    let error = client(&server)
        .cancel_subscription("sub_nope", "plan-cancel-x")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent("No such subscription: 'sub_nope'".into())
    );
    let methods: Vec<String> = sent(&server).into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["DELETE", "GET"]);
    assert!(server.subscription_cancellations().is_empty());
}

#[tokio::test]
async fn a_503_is_retried() {
    let server = server().await;
    let (sub, _receiver) = subscribed(&server).await;
    server.push_response(CannedResponse::server_error(503));
    client(&server)
        .cancel_subscription(&sub, "plan-cancel-1")
        .await
        .expect("cancelled on the second attempt");
    assert_eq!(sent(&server).len(), 2);
    assert_eq!(server.subscription_cancellations().len(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_the_404_read_as_done() {
    let server = server().await;
    let (sub, _receiver) = subscribed(&server).await;
    server.push_fault(Fault::CreateThenDrop);

    client(&server)
        .cancel_subscription(&sub, "plan-cancel-lost")
        .await
        .expect("the retry finds it cancelled");
    let methods: Vec<String> = sent(&server).into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["DELETE", "DELETE", "GET"]);
    assert_eq!(server.subscription_cancellations().len(), 1);
}

#[tokio::test]
async fn a_stalled_cancellation_is_done_by_the_retry_and_applied_once() {
    let server = server().await;
    let (sub, _receiver) = subscribed(&server).await;
    server.push_fault(Fault::Stall(Duration::from_millis(1500)));
    let impatient = Stripe::new(settings(
        &server.base_url(),
        KEY,
        Duration::from_millis(300),
    ))
    .unwrap();
    // Without a key nothing holds the stalled DELETE's place: the retry cancels the
    // subscription, and the stalled request, when it runs, finds it cancelled (404).
    impatient
        .cancel_subscription(&sub, "plan-cancel-slow")
        .await
        .expect("the retry cancelled it");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(server.subscription_cancellations().len(), 1);
    assert_eq!(
        server.subscription_status(&sub).as_deref(),
        Some("canceled")
    );
}

#[tokio::test]
async fn the_stand_in_checks_cancellations_as_stripe_does() {
    let server = server().await;
    let (sub, _receiver) = subscribed(&server).await;
    let url = format!("{}/v1/subscriptions/{sub}", server.base_url());
    let delete = |query: &'static [(&'static str, &'static str)]| {
        let request = reqwest::Client::new()
            .delete(&url)
            .bearer_auth(KEY)
            .query(query);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body)
        }
    };

    let (status, body) = delete(&[("invoice_now", "yes")]).await;
    assert_eq!(
        (status, body["error"]["param"].clone()),
        (400, "invoice_now".into())
    );
    let (_, body) = delete(&[("cancellation_details[comment]", "moved")]).await;
    assert_eq!(
        body["error"]["message"],
        "Received unknown parameter: cancellation_details[comment]"
    );

    let (status, body) = delete(&[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "subscription");
    assert_eq!(body["status"], "canceled");
    assert!(body["canceled_at"].as_i64().is_some());
    assert_eq!(body["metadata"]["checkout"], "chk_0001");

    let (status, body) = delete(&[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "resource_missing");
    let fetched: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["status"], "canceled", "GET still finds it");

    let update = reqwest::Client::new()
        .post(&url)
        .bearer_auth(KEY)
        .form(&[("cancel_at", (unix_now() + DAY).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        update.status(),
        400,
        "a cancelled subscription takes no update"
    );
}
