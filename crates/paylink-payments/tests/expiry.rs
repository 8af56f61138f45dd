//! When a Checkout Session stops taking payment: `expires_at` at creation, and
//! `Stripe::expire_checkout` against the Stripe stand-in.

mod common;

use std::time::Duration;

use common::{KEY, Receiver, client, payment, server, settings, unix_now};
use paylink_payments::{EventKind, ExpireOutcome, PaymentError, Stripe};
use paylink_test_servers::stripe_server::{CannedResponse, Fault, StripeServer};

/// A server with one open payment session (created under `idem-create`) and a receiver at
/// its webhook endpoint.
async fn open_session() -> (StripeServer, Receiver, String) {
    let server = server().await;
    let stripe = client(&server);
    let created = stripe
        .create_checkout(&payment("idem-create"))
        .await
        .expect("created");
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    (server, receiver, created.id)
}

/// The requests that reached `path_part`.
fn sent_to(server: &StripeServer, path_part: &str) -> Vec<(String, String)> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains(path_part))
        .map(|r| (r.method, r.path))
        .collect()
}

#[tokio::test]
async fn expires_at_is_sent_and_kept() {
    let server = server().await;
    let at = unix_now() + 3600;
    let mut request = payment("idem-1");
    request.expires_at = Some(at);
    let created = client(&server).create_checkout(&request).await.unwrap();

    let sent = at.to_string();
    assert_eq!(
        server.requests()[0].field("expires_at"),
        Some(sent.as_str())
    );
    assert_eq!(server.session(&created.id).unwrap().expires_at, at);

    let default = client(&server)
        .create_checkout(&payment("idem-2"))
        .await
        .unwrap();
    let session = server.session(&default.id).unwrap();
    assert_eq!(
        session.expires_at,
        session.created + 24 * 3600,
        "Stripe's default"
    );
}

#[tokio::test]
async fn an_expiry_outside_30_minutes_to_24_hours_is_permanent() {
    let server = server().await;
    let stripe = client(&server);
    for (at, words) in [
        (unix_now() + 20 * 60, "at least 30 minutes"),
        (unix_now() + 25 * 3600, "less than 24 hours"),
    ] {
        let mut request = payment(&format!("idem-{at}"));
        request.expires_at = Some(at);
        let error = stripe.create_checkout(&request).await.unwrap_err();
        assert!(
            matches!(&error, PaymentError::Permanent(reason) if reason.contains(words)),
            "{error:?}"
        );
    }
    assert!(server.sessions().is_empty());

    let response = reqwest::Client::new()
        .post(format!("{}/v1/checkout/sessions", server.base_url()))
        .bearer_auth(KEY)
        .form(&[
            ("mode", "payment"),
            ("success_url", "https://pay.example.com/done"),
            ("expires_at", "tomorrow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["param"], "expires_at");
}

#[tokio::test]
async fn a_due_session_is_expired_with_its_event_and_its_page_closes() {
    let (server, receiver, id) = open_session().await;
    let mut request = payment("idem-short");
    request.expires_at = Some(unix_now() + 3 * 3600);
    let short = client(&server).create_checkout(&request).await.unwrap();

    assert!(server.expire_due(unix_now() + 2 * 3600).await.is_empty());
    let expired = server.expire_due(unix_now() + 3 * 3600 + 1).await;
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].session_id, short.id);
    assert_eq!(server.session(&id).unwrap().status, "open");
    let expired = server.expire_due(unix_now() + 24 * 3600 + 1).await;
    assert_eq!(expired.len(), 1);
    assert_eq!(server.session(&id).unwrap().status, "expired");

    let kinds = receiver.kinds(2).await;
    assert!(
        kinds.iter().all(
            |kind| matches!(kind, EventKind::CheckoutExpired(s) if s.payment_status == "unpaid")
        )
    );
    let html = reqwest::get(format!("{}/c/pay/{id}", server.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("no longer active"), "{html}");
}

#[tokio::test]
async fn expiring_an_open_session_closes_it_and_sends_its_event() {
    let (server, receiver, id) = open_session().await;
    let outcome = client(&server)
        .expire_checkout(&id, "idem-expire")
        .await
        .expect("expired");
    assert_eq!(outcome, ExpireOutcome::Expired);

    let session = server.session(&id).unwrap();
    assert_eq!(session.status, "expired");
    let sent = server.requests();
    let expire = sent.last().unwrap();
    assert_eq!(
        (expire.method.as_str(), expire.path.clone()),
        ("POST", format!("/v1/checkout/sessions/{id}/expire"))
    );
    assert_eq!(expire.idempotency_key(), Some("idem-expire"));
    assert!(expire.form.is_empty());

    let kinds = receiver.kinds(1).await;
    assert!(matches!(&kinds[0], EventKind::CheckoutExpired(s) if s.id == id));
    let event: serde_json::Value = serde_json::from_str(&server.events()[0].payload).unwrap();
    assert_eq!(event["request"]["idempotency_key"], "idem-expire");
    assert_eq!(event["data"]["object"]["url"], serde_json::Value::Null);

    // The same key replays the first answer; another finds the session closed.
    let again = client(&server)
        .expire_checkout(&id, "idem-expire")
        .await
        .unwrap();
    assert_eq!(again, ExpireOutcome::Expired);
    let other = client(&server)
        .expire_checkout(&id, "idem-expire-2")
        .await
        .unwrap();
    assert_eq!(other, ExpireOutcome::AlreadyClosed { completed: false });
    assert_eq!(server.events().len(), 1, "one expiry, one event");
}

#[tokio::test]
async fn a_session_the_payer_completed_first_is_already_closed_and_completed() {
    let (server, _receiver, id) = open_session().await;
    server.complete(&id).await;

    let outcome = client(&server)
        .expire_checkout(&id, "idem-expire")
        .await
        .expect("an outcome, not an error");
    assert_eq!(outcome, ExpireOutcome::AlreadyClosed { completed: true });
    assert_eq!(
        sent_to(&server, &id),
        [
            ("POST".into(), format!("/v1/checkout/sessions/{id}/expire")),
            ("GET".into(), format!("/v1/checkout/sessions/{id}")),
        ],
        "the refusal is not retried; the session is read once"
    );
    assert_eq!(server.session(&id).unwrap().status, "complete");
}

#[tokio::test]
async fn the_stand_in_refuses_to_expire_a_closed_session_as_stripe_does() {
    let (server, _receiver, id) = open_session().await;
    server.complete(&id).await;
    let url = format!("{}/v1/checkout/sessions/{id}/expire", server.base_url());
    let post = |form: Vec<(&'static str, &'static str)>| {
        reqwest::Client::new()
            .post(&url)
            .bearer_auth(KEY)
            .form(&form)
            .send()
    };
    let response = post(Vec::new()).await.unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of `complete`."
    );
    let body: serde_json::Value = post(vec![("reason", "sold out")])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["error"]["message"],
        "Received unknown parameter: reason"
    );
}

#[tokio::test]
async fn an_unknown_session_is_permanent() {
    let server = server().await;
    let error = client(&server)
        .expire_checkout("cs_test_nope", "idem-expire")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent("No such checkout.session: 'cs_test_nope'".into())
    );
    let blank = client(&server).expire_checkout(" ", "k").await.unwrap_err();
    assert!(matches!(blank, PaymentError::Permanent(_)), "{blank:?}");
    assert_eq!(server.requests().len(), 1, "no request for a blank id");
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_key() {
    let (server, _receiver, id) = open_session().await;
    server.push_response(CannedResponse::server_error(500));
    let outcome = client(&server)
        .expire_checkout(&id, "idem-expire")
        .await
        .unwrap();
    assert_eq!(outcome, ExpireOutcome::Expired);
    let expires: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/expire"))
        .collect();
    assert_eq!(expires.len(), 2);
    assert!(
        expires
            .iter()
            .all(|r| r.idempotency_key() == Some("idem-expire"))
    );
}

#[tokio::test]
async fn a_lost_answer_is_recovered_by_the_replay() {
    let (server, receiver, id) = open_session().await;
    server.push_fault(Fault::CreateThenDrop);
    let outcome = client(&server)
        .expire_checkout(&id, "idem-expire")
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ExpireOutcome::Expired,
        "the replay says it expired"
    );
    assert_eq!(receiver.kinds(1).await.len(), 1, "expired once");
}

#[tokio::test]
async fn a_stalled_expiry_is_unknown_and_the_same_key_later_confirms_it() {
    let (server, _receiver, id) = open_session().await;
    server.push_fault(Fault::Stall(Duration::from_millis(1500)));
    let impatient = Stripe::new(settings(
        &server.base_url(),
        KEY,
        Duration::from_millis(300),
    ))
    .unwrap();
    let error = impatient
        .expire_checkout(&id, "idem-expire")
        .await
        .unwrap_err();
    assert!(error.is_unknown(), "{error:?}");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.session(&id).unwrap().status, "expired");
    let outcome = client(&server)
        .expire_checkout(&id, "idem-expire")
        .await
        .unwrap();
    assert_eq!(outcome, ExpireOutcome::Expired);
}
