//! The payer's side: the stand-in's hosted page, paid or declined, and the event it sends.

mod common;

use std::time::Duration;

use common::{Receiver, client, payment, server};
use paylink_payments::EventKind;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_page_takes_a_card_and_sends_the_payer_back() {
    let server = server().await;
    let stripe = client(&server);
    let created = stripe.create_checkout(&payment("idem-1")).await.unwrap();
    let receiver = Receiver::start(stripe).await;
    server.set_webhook_endpoint(&receiver.url);
    let browser = browser();

    let page = browser.get(&created.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for part in [
        "12.50 USD",
        "Spring term &amp; books",
        "<label for=\"cardnumber\">",
        "name=\"cardnumber\"",
        ">Pay</button>",
        "href=\"https://pay.example.com/pt_link_x\"",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }

    let declined = browser
        .post(&created.url)
        .form(&[("cardnumber", "4000 0000 0000 0002")])
        .send()
        .await
        .unwrap();
    assert!(
        declined
            .text()
            .await
            .unwrap()
            .contains("Your card was declined.")
    );
    assert!(
        server.events().is_empty(),
        "Checkout sends no event for a decline"
    );
    assert_eq!(server.session(&created.id).unwrap().status, "open");

    let paid = browser
        .post(&created.url)
        .form(&[("cardnumber", "4242 4242 4242 4242")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(
        paid.headers()["location"],
        format!("https://pay.example.com/done?session={}&a=1", created.id).as_str()
    );
    let session = server.session(&created.id).unwrap();
    assert_eq!(
        (session.status.as_str(), session.payment_status.as_str()),
        ("complete", "paid")
    );

    // The event goes out after the redirect, as Stripe's does.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while receiver.outcomes().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let event = receiver.only().expect("verified");
    assert!(
        matches!(event.kind, EventKind::CheckoutCompleted(ref s) if s.id == created.id && s.payment_status == "paid")
    );

    let retrieved: serde_json::Value = browser
        .get(format!(
            "{}/v1/checkout/sessions/{}",
            server.base_url(),
            created.id
        ))
        .bearer_auth(common::KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retrieved["status"], "complete");
    assert_eq!(
        retrieved["url"],
        serde_json::Value::Null,
        "no URL once complete"
    );
}

#[tokio::test]
async fn an_expired_session_cannot_be_paid() {
    let server = server().await;
    let created = client(&server)
        .create_checkout(&payment("idem-1"))
        .await
        .unwrap();
    server.expire(&created.id).await;
    let html = browser()
        .get(&created.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("no longer active"), "{html}");
    assert!(!html.contains("cardnumber"));
}
