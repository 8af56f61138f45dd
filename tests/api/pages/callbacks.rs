//! The merchant's callback: a completed session tells its `callbackUrl`, signed, through the
//! outbox, and again after a failure.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::receiver::{Received, Receiver};
use super::*;

/// Checks `Paylink-Signature` as a merchant's server would: HMAC-SHA256 of `t.body`.
fn signature_is_valid(received: &Received, secret: &str) -> bool {
    let header = received.header("paylink-signature").unwrap_or_default();
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => timestamp = Some(value.to_owned()),
            Some(("v1", value)) => signatures.push(value.to_owned()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", received.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    signatures.contains(&expected)
}

const CALLBACKS: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) { callbacks { id event url status attempts lastError createdAt sentAt } }
}";

/// The session's callback log once every callback in it is Sent.
async fn sent_callbacks(
    app: &TestApp,
    merchant: &crate::support::Merchant,
    session: &str,
) -> Vec<Value> {
    for _ in 0..600 {
        let body = app.gql(merchant, CALLBACKS, json!({ "id": session })).await;
        let log = ok(&body, "paymentPlanSession")["callbacks"]
            .as_array()
            .expect("a list")
            .clone();
        if !log.is_empty() && log.iter().all(|callback| callback["status"] == "Sent") {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the callbacks were not all Sent within 30 s");
}

#[tokio::test]
async fn a_completed_session_tells_its_callback_url_signed() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Clinic").await;
    let receiver = Receiver::start().await;
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": receiver.url("/paylink/events"), "startDate": today() }),
    )
    .await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let received = receiver.wait_for(1).await;
    let callback = &received[0];
    assert_eq!(callback.path, "/paylink/events");
    assert_eq!(callback.header("content-type"), Some("application/json"));
    let secret = app
        .store
        .callback_secret(&merchant.uid)
        .await
        .unwrap()
        .expect("every merchant has a callback secret");
    assert!(secret.starts_with("whsec_"));
    assert!(signature_is_valid(callback, &secret), "{callback:?}");
    assert!(!signature_is_valid(callback, "whsec_someone_else"));

    let event: Value = serde_json::from_str(&callback.body).unwrap();
    assert_eq!(event["type"], "payment_plan_session.completed");
    assert!(event["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(event["data"]["session"]["id"], session.as_str());
    assert_eq!(event["data"]["session"]["status"], "Completed");
    assert_eq!(event["data"]["session"]["amount"], "100.00");
    assert_eq!(event["data"]["payment"]["status"], "Succeeded");
    assert_eq!(event["data"]["payment"]["amount"], 10_000);

    let log = sent_callbacks(&app, &merchant, &session).await;
    assert_eq!(log[0]["attempts"], 1);
    assert!(log[0]["sentAt"].is_string());
    // The callback is not one of the link's deliveries.
    let view = app
        .gql(
            &merchant,
            crate::deliveries::SESSION,
            json!({ "id": session }),
        )
        .await;
    assert_eq!(ok(&view, "paymentPlanSession")["deliveries"], json!([]));
}

#[tokio::test]
async fn a_callback_that_fails_is_sent_again_with_the_same_event() {
    let app = TestApp::start_with(&[
        ("PAYLINK_DELIVERY_RETRY_BASE_MS", "50".to_owned()),
        ("PAYLINK_DELIVERY_RETRY_MAX_MS", "200".to_owned()),
    ])
    .await;
    let merchant = app.merchant("Flaky").await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[503, 500]);
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": receiver.url("/hook") }),
    )
    .await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let received = receiver.wait_for(3).await;
    let ids: Vec<Value> = received
        .iter()
        .map(|callback| serde_json::from_str::<Value>(&callback.body).unwrap()["id"].clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    // Delivered on the third attempt, and the merchant reads so in the callback log.
    let log = sent_callbacks(&app, &merchant, &session).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["event"], "payment_plan_session.completed");
    assert_eq!(log[0]["url"], receiver.url("/hook"));
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn a_receiver_answering_404_for_a_while_still_hears_of_the_payment_and_410_stops_it() {
    let app = TestApp::start_with(&[
        ("PAYLINK_DELIVERY_RETRY_BASE_MS", "50".to_owned()),
        ("PAYLINK_CALLBACK_RETRY_MAX_MS", "200".to_owned()),
    ])
    .await;
    let merchant = app.merchant("Deploying").await;
    // A receiver mid-deploy: not found, then an error page, then there.
    let receiver = Receiver::start().await;
    receiver.answer_with(&[404, 400, 500]);
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": receiver.url("/hook"), "startDate": today() }),
    )
    .await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let log = sent_callbacks(&app, &merchant, &session).await;
    assert_eq!(log[0]["attempts"], 4, "{log:?}");

    // 410 Gone: the receiver wants no more, and gets no more.
    let gone = Receiver::start().await;
    gone.answer_with(&[410]);
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": gone.url("/hook"), "startDate": today() }),
    )
    .await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    for _ in 0..600 {
        let body = app
            .gql(&merchant, CALLBACKS, json!({ "id": session }))
            .await;
        let log = ok(&body, "paymentPlanSession")["callbacks"].clone();
        if log[0]["status"] == "Failed" {
            assert_eq!(log[0]["attempts"], 1, "{log}");
            assert!(
                log[0]["lastError"].as_str().unwrap().contains("410"),
                "{log}"
            );
            assert_eq!(gone.received().len(), 1);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the callback answered 410 was not Failed within 30 s");
}

#[tokio::test]
async fn a_link_payment_and_a_session_without_callback_url_call_nobody() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Quiet").await;
    let (_, page) = create_session(&app, &merchant, json!({})).await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let (_, link_page) = create_link(&app, &merchant, json!({})).await;
    pay_in_test_mode(&app, &link_page, &[("method", "card")]).await;
    assert_eq!(app.row_count("link_deliveries").await, 0);
}
