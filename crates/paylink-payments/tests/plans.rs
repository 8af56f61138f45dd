//! Payment plans against the Stripe stand-in: a subscription whose first charge waits for
//! `trial_end`, and its end set afterwards with `Stripe::end_subscription_at`.

mod common;

use std::time::Duration;

use common::{KEY, client, plan, server, settings, unix_now};
use paylink_payments::{PaymentError, Stripe};
use paylink_test_servers::stripe_server::{CannedResponse, Fault, StripeServer};

const DAY: i64 = 86_400;

/// A plan's session created with its first charge in three days, then completed; its
/// subscription's id.
async fn subscribed(server: &StripeServer) -> String {
    let created = client(server)
        .create_checkout(&plan("plan-create", unix_now() + 3 * DAY))
        .await
        .expect("created");
    server.complete(&created.id).await;
    server
        .session(&created.id)
        .and_then(|session| session.subscription)
        .expect("a subscription once complete")
}

/// The requests that reached `/v1/subscriptions/…`.
fn updates_sent(
    server: &StripeServer,
) -> Vec<paylink_test_servers::stripe_server::ReceivedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/subscriptions/"))
        .collect()
}

#[tokio::test]
async fn a_trial_end_is_sent_and_the_session_completes_with_nothing_charged() {
    let server = server().await;
    let trial_end = unix_now() + 3 * DAY;
    let created = client(&server)
        .create_checkout(&plan("plan-1", trial_end))
        .await
        .expect("created");

    let request = &server.requests()[0];
    let sent = trial_end.to_string();
    assert_eq!(
        request.field("subscription_data[trial_end]"),
        Some(sent.as_str())
    );
    assert_eq!(request.field("mode"), Some("subscription"));
    let session = server.session(&created.id).unwrap();
    assert_eq!(session.trial_end, Some(trial_end));
    assert_eq!(session.amount_total, Some(0), "nothing is due on the page");
    assert_eq!(session.payment_status, "unpaid");

    let event = server.complete(&created.id).await;
    let session = server.session(&created.id).unwrap();
    assert_eq!(session.status, "complete");
    assert_eq!(session.payment_status, "no_payment_required");
    assert!(session.subscription.is_some());
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(
        payload["data"]["object"]["payment_status"],
        "no_payment_required"
    );
}

#[tokio::test]
async fn a_trial_end_less_than_48_hours_ahead_is_permanent() {
    let server = server().await;
    let error = client(&server)
        .create_checkout(&plan("plan-soon", unix_now() + 47 * 3600))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(
            "`subscription_data[trial_end]` has to be at least 48 hours in the future.".into()
        )
    );
    assert_eq!(server.requests().len(), 1, "no retry after 400");
    assert!(server.sessions().is_empty());
}

#[tokio::test]
async fn ending_a_subscription_sets_cancel_at_without_prorations() {
    let server = server().await;
    let sub = subscribed(&server).await;
    let cancel_at = unix_now() + 90 * DAY;

    client(&server)
        .end_subscription_at(&sub, cancel_at, "plan-end-1")
        .await
        .expect("ended");

    assert_eq!(server.subscription_cancel_at(&sub), Some(cancel_at));
    let sent = updates_sent(&server);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, format!("/v1/subscriptions/{sub}"));
    assert_eq!(
        sent[0].header("Authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(sent[0].idempotency_key(), Some("plan-end-1"));
    let cancel_at_text = cancel_at.to_string();
    assert_eq!(
        sent[0]
            .form
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [
            ("cancel_at", cancel_at_text.as_str()),
            ("proration_behavior", "none")
        ]
    );
    let updates = server.subscription_updates();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].proration_behavior.as_deref(), Some("none"));
}

#[tokio::test]
async fn an_unknown_subscription_is_permanent() {
    let server = server().await;
    let error = client(&server)
        .end_subscription_at("sub_nope", unix_now() + DAY, "plan-end-x")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent("No such subscription: 'sub_nope'".into())
    );
    assert_eq!(updates_sent(&server).len(), 1, "no retry after 404");
    assert!(server.subscription_updates().is_empty());
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_key_and_the_update_applied_once() {
    let server = server().await;
    let sub = subscribed(&server).await;
    let cancel_at = unix_now() + 60 * DAY;
    server.push_response(CannedResponse::server_error(500));

    client(&server)
        .end_subscription_at(&sub, cancel_at, "plan-end-500")
        .await
        .expect("ended on the second attempt");

    let sent = updates_sent(&server);
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| r.idempotency_key() == Some("plan-end-500"))
    );
    assert_eq!(server.subscription_updates().len(), 1);
    assert_eq!(server.subscription_cancel_at(&sub), Some(cancel_at));
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_the_update_recorded_once() {
    let server = server().await;
    let sub = subscribed(&server).await;
    let cancel_at = unix_now() + 60 * DAY;
    server.push_fault(Fault::CreateThenDrop);

    client(&server)
        .end_subscription_at(&sub, cancel_at, "plan-end-lost")
        .await
        .expect("the replay says it is done");

    let sent = updates_sent(&server);
    assert_eq!(sent.len(), 2, "the lost answer was asked for again");
    assert_eq!(sent[0].form, sent[1].form);
    assert!(
        sent.iter()
            .all(|r| r.idempotency_key() == Some("plan-end-lost"))
    );
    assert_eq!(
        server.subscription_updates().len(),
        1,
        "the retry was a replay"
    );
    assert_eq!(server.subscription_cancel_at(&sub), Some(cancel_at));
}

#[tokio::test]
async fn a_stalled_update_is_unknown_and_the_same_key_later_confirms_it() {
    let server = server().await;
    let sub = subscribed(&server).await;
    let cancel_at = unix_now() + 60 * DAY;
    server.push_fault(Fault::Stall(Duration::from_millis(1500)));
    let impatient = Stripe::new(settings(
        &server.base_url(),
        KEY,
        Duration::from_millis(300),
    ))
    .unwrap();

    let error = impatient
        .end_subscription_at(&sub, cancel_at, "plan-end-slow")
        .await
        .unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    assert_eq!(
        updates_sent(&server).len(),
        3,
        "the retries met the held key"
    );

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.subscription_cancel_at(&sub), Some(cancel_at));
    client(&server)
        .end_subscription_at(&sub, cancel_at, "plan-end-slow")
        .await
        .expect("replayed");
    assert_eq!(server.subscription_updates().len(), 1);
}

#[tokio::test]
async fn the_stand_in_checks_updates_as_stripe_does() {
    let server = server().await;
    let sub = subscribed(&server).await;
    let url = format!("{}/v1/subscriptions/{sub}", server.base_url());
    let post = |key: &'static str, form: Vec<(&'static str, String)>| {
        let request = reqwest::Client::new()
            .post(&url)
            .bearer_auth(KEY)
            .header("Idempotency-Key", key)
            .form(&form);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body)
        }
    };

    let (status, body) = post("k1", vec![("cancel_at", (unix_now() - 10).to_string())]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "cancel_at");
    let (status, body) = post("k1", vec![("cancel_at", "soon".into())]).await;
    assert_eq!(
        (status, body["error"]["param"].clone()),
        (400, "cancel_at".into())
    );
    let (_, body) = post("k1", vec![("cancel_at_period_end", "true".into())]).await;
    assert_eq!(
        body["error"]["message"],
        "Received unknown parameter: cancel_at_period_end"
    );

    // The refusals were not saved: the key still serves the corrected request.
    let at = unix_now() + 30 * DAY;
    let (status, body) = post("k1", vec![("cancel_at", at.to_string())]).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "subscription");
    assert_eq!(body["id"], sub.as_str());
    assert_eq!(body["status"], "trialing");
    assert_eq!(body["cancel_at"], at);
    assert_eq!(body["metadata"]["checkout"], "chk_0001");
    let (status, body) = post("k1", vec![("cancel_at", (at + 1).to_string())]).await;
    assert_eq!(
        (status, body["error"]["type"].clone()),
        (400, "idempotency_error".into())
    );

    let fetched: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["cancel_at"], at);
    assert_eq!(server.subscription_updates().len(), 1);
}
