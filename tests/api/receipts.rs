//! Delivery receipts: Twilio's status callbacks, signed with `X-Twilio-Signature`, move a text
//! message's delivery on from Sent to Delivered or Undelivered. paylink sits behind a proxy at a
//! public address (`PAYLINK_PUBLIC_BASE_URL`); the Twilio stand-in reaches that address through
//! a local route, as the proxy would, and signs the public URL, as Twilio does.

use serde_json::{Value, json};

use crate::deliveries::{
    TWILIO_TOKEN, link_deliveries, reachable_session, send_payment_link, send_sms,
    session_deliveries, settled, with_twilio,
};
use crate::support::*;
use paylink_test_servers::twilio_server::{self, SentMessage, TwilioServer};

/// paylink's address as Twilio reaches it: the proxy's, not the one it listens on.
const PUBLIC: &str = "https://paylink.example.com";

/// A Twilio stand-in, a server sending through it with receipts on, a merchant and a session.
async fn setup() -> (TwilioServer, TestApp, Merchant, String) {
    let twilio = TwilioServer::start(crate::deliveries::TWILIO_SID, TWILIO_TOKEN).await;
    let mut vars = with_twilio(&twilio, TWILIO_TOKEN);
    vars.push(("PAYLINK_PUBLIC_BASE_URL", PUBLIC.to_owned()));
    let app = TestApp::start_with(&vars).await;
    twilio.route_callbacks_to(app.addr);
    let merchant = app.merchant("Acme Tutoring").await;
    let session = reachable_session(&app, &merchant).await;
    (twilio, app, merchant, session)
}

/// Sends the session's link by text and waits until Twilio has it and paylink recorded it Sent.
async fn sent_text(
    twilio: &TwilioServer,
    app: &TestApp,
    merchant: &Merchant,
    session: &str,
) -> (String, SentMessage) {
    let id = send_sms(app, merchant, session).await;
    let delivery = settled(app, merchant, session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    let message = twilio.messages().pop().expect("a message at Twilio");
    (id, message)
}

async fn delivery(app: &TestApp, merchant: &Merchant, session: &str, id: &str) -> Value {
    session_deliveries(app, merchant, session)
        .await
        .into_iter()
        .find(|delivery| delivery["id"] == id)
        .unwrap_or_else(|| panic!("no delivery {id}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_asks_for_receipts_and_a_delivered_receipt_shows_on_the_session() {
    let (twilio, app, merchant, session) = setup().await;
    let (id, message) = sent_text(&twilio, &app, &merchant, &session).await;
    assert_eq!(
        message.status_callback.as_deref(),
        Some(format!("{PUBLIC}/webhooks/twilio/status/{id}").as_str())
    );
    let before = delivery(&app, &merchant, &session, &id).await;
    assert_eq!(before["providerStatus"], Value::Null, "{before}");
    assert_eq!(before["receiptAt"], Value::Null, "{before}");

    assert_eq!(twilio.report(&message, "sent", None).await, 204);
    let sent = delivery(&app, &merchant, &session, &id).await;
    assert_eq!(sent["status"], "Sent", "{sent}");
    assert_eq!(sent["providerStatus"], "sent", "{sent}");

    assert_eq!(twilio.report(&message, "delivered", None).await, 204);
    let delivered = delivery(&app, &merchant, &session, &id).await;
    assert_eq!(delivered["status"], "Delivered", "{delivered}");
    assert_eq!(delivered["providerStatus"], "delivered");
    assert_eq!(delivered["providerErrorCode"], Value::Null);
    assert_eq!(delivered["providerMessageId"], message.sid.as_str());
    assert!(delivered["receiptAt"].is_string(), "{delivered}");
    assert_eq!(
        delivered["sentAt"], before["sentAt"],
        "sentAt stays the acceptance time"
    );
    assert_eq!(delivered["attempts"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn late_and_repeated_receipts_change_nothing() {
    let (twilio, app, merchant, session) = setup().await;
    let (id, message) = sent_text(&twilio, &app, &merchant, &session).await;

    assert_eq!(
        twilio.report(&message, "undelivered", Some(30003)).await,
        204
    );
    let undelivered = delivery(&app, &merchant, &session, &id).await;
    assert_eq!(undelivered["status"], "Undelivered", "{undelivered}");
    assert_eq!(undelivered["providerErrorCode"], "30003");

    // Twilio may repeat a callback, or deliver an earlier one late: both are answered 2xx (so
    // Twilio does not report a failing webhook) and change nothing.
    for (status, code) in [
        ("undelivered", Some(30003)),
        ("sent", None),
        ("queued", None),
    ] {
        assert_eq!(twilio.report(&message, status, code).await, 204, "{status}");
        let now = delivery(&app, &merchant, &session, &id).await;
        assert_eq!(now, undelivered, "after a late {status}");
    }
    // A final state does not give way to another final state either.
    assert_eq!(twilio.report(&message, "delivered", None).await, 204);
    assert_eq!(delivery(&app, &merchant, &session, &id).await, undelivered);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_link_sent_by_text_shows_its_receipt() {
    let (twilio, app, merchant, _) = setup().await;
    let link = create_link(&app, &merchant, "Dues").await;
    let link_id = link["link_id"].as_str().unwrap();
    let (success, answer) = send_payment_link(
        &app,
        &merchant,
        json!({ "link_id": link_id, "channel": "Phone", "to": "+14155552671" }),
    )
    .await;
    assert!(success, "{answer}");
    let message = twilio
        .wait_for_messages(1, crate::deliveries::SETTLE_WITHIN)
        .await
        .remove(0);
    assert_eq!(twilio.report(&message, "delivered", None).await, 204);
    let listed = link_deliveries(&app, &merchant, link_id).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "Delivered", "{listed:?}");
    assert_eq!(listed[0]["providerStatus"], "delivered");
}

/// A status callback posted straight to paylink, as anyone on the internet could.
async fn post_callback(
    app: &TestApp,
    id: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/webhooks/twilio/status/{id}")))
        .form(params);
    if let Some(signature) = signature {
        request = request.header("X-Twilio-Signature", signature);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn callback(message: &SentMessage, status: &str) -> Vec<(String, String)> {
    [
        ("AccountSid", crate::deliveries::TWILIO_SID),
        ("MessageSid", message.sid.as_str()),
        ("MessageStatus", status),
        ("To", message.to.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn callbacks_without_twilios_signature_are_refused_and_change_nothing() {
    let (twilio, app, merchant, session) = setup().await;
    let (id, message) = sent_text(&twilio, &app, &merchant, &session).await;
    let before = delivery(&app, &merchant, &session, &id).await;
    let public_url = format!("{PUBLIC}/webhooks/twilio/status/{id}");
    let delivered = callback(&message, "delivered");

    let forged = [
        ("no signature", None),
        (
            "another account's token",
            Some(twilio_server::signature(
                "not-the-token",
                &public_url,
                &delivered,
            )),
        ),
        (
            // What a server that trusted its own Host header would check.
            "the URL paylink listens on",
            Some(twilio_server::signature(
                TWILIO_TOKEN,
                &app.url(&format!("/webhooks/twilio/status/{id}")),
                &delivered,
            )),
        ),
        (
            "the signature of a sent callback on a delivered one",
            Some(twilio_server::signature(
                TWILIO_TOKEN,
                &public_url,
                &callback(&message, "sent"),
            )),
        ),
        (
            "another delivery's URL",
            Some(twilio_server::signature(
                TWILIO_TOKEN,
                &format!("{PUBLIC}/webhooks/twilio/status/dlv_other"),
                &delivered,
            )),
        ),
        ("not Base64", Some("%%%".to_owned())),
    ];
    for (what, signature) in forged {
        let (status, body) = post_callback(&app, &id, &delivered, signature.as_deref()).await;
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(error_code(&body), "FORBIDDEN", "{what}");
    }
    assert_eq!(delivery(&app, &merchant, &session, &id).await, before);

    // The same callback, signed by Twilio's rule with the account's token, is taken.
    let signature = twilio_server::signature(TWILIO_TOKEN, &public_url, &delivered);
    let (status, body) = post_callback(&app, &id, &delivered, Some(&signature)).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        delivery(&app, &merchant, &session, &id).await["status"],
        "Delivered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_or_misdirected_callbacks_get_clear_refusals() {
    let (twilio, app, merchant, session) = setup().await;
    let (id, message) = sent_text(&twilio, &app, &merchant, &session).await;
    let sign = |id: &str, params: &[(String, String)]| {
        twilio_server::signature(
            TWILIO_TOKEN,
            &format!("{PUBLIC}/webhooks/twilio/status/{id}"),
            params,
        )
    };

    // Signed, but no delivery of that id.
    let params = callback(&message, "delivered");
    let (status, body) = post_callback(
        &app,
        "dlv_unknown",
        &params,
        Some(&sign("dlv_unknown", &params)),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (404, "NOT_FOUND".to_owned()),
        "{body}"
    );

    // Signed, but not a status Twilio documents.
    let params = callback(&message, "teleported");
    let (status, body) = post_callback(&app, &id, &params, Some(&sign(&id, &params))).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_REQUEST".to_owned()),
        "{body}"
    );

    // Not a form, or not a POST.
    let url = app.url(&format!("/webhooks/twilio/status/{id}"));
    let response = app.client.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 415);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    let still = delivery(&app, &merchant, &session, &id).await;
    assert_eq!(still["status"], "Sent", "{still}");
    assert_eq!(still["providerStatus"], Value::Null, "{still}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_public_address_texts_ask_for_no_receipts_and_none_are_taken() {
    let twilio = TwilioServer::start(crate::deliveries::TWILIO_SID, TWILIO_TOKEN).await;
    let app = TestApp::start_with(&with_twilio(&twilio, TWILIO_TOKEN)).await;
    let merchant = app.merchant("Acme Tutoring").await;
    let session = reachable_session(&app, &merchant).await;
    let id = send_sms(&app, &merchant, &session).await;
    settled(&app, &merchant, &session, &id).await;
    let message = twilio.messages().pop().expect("a message");
    assert_eq!(message.status_callback, None);
    let params = callback(&message, "delivered");
    let signature = twilio_server::signature(TWILIO_TOKEN, &app.url("/x"), &params);
    let (status, body) = post_callback(&app, &id, &params, Some(&signature)).await;
    assert_eq!(
        (status, error_code(&body)),
        (404, "NOT_FOUND".to_owned()),
        "{body}"
    );
}
