//! The payer's receipt: in test mode paylink emails it through the outbox to the address the
//! payer gave (or the session's contact); with Stripe, Stripe emails it unless the merchant has
//! paylink send its own.

use std::time::Duration;

use serde_json::{Value, json};

use super::stripe::{open, with_stripe};
use super::*;

/// The merchant's receipt rows in the outbox: (id, recipient, subject).
async fn receipts(app: &TestApp) -> Vec<(String, String, String)> {
    app.sql(|conn| {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            recipient: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            subject: String,
        }
        diesel::sql_query(
            "SELECT id, recipient, subject FROM link_deliveries WHERE channel = 'Receipt' ORDER BY created_at",
        )
        .load::<Row>(conn)
        .expect("reading receipts")
        .into_iter()
        .map(|row| (row.id, row.recipient, row.subject))
        .collect()
    })
    .await
}

/// The text of the email delivery `id` wrote, once it has.
async fn email_text(app: &TestApp, id: &str) -> String {
    let path = app.outbox.join("email").join(format!("{id}.eml"));
    for _ in 0..600 {
        if let Ok(raw) = std::fs::read(&path) {
            let message = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("an email");
            return message.body_text(0).expect("a text part").into_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} was not written", path.display());
}

#[tokio::test]
async fn a_payer_who_gives_an_email_gets_a_receipt_in_test_mode() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Tea House").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "amount": 1250, "payment_name": "Tea set" }),
    )
    .await;
    let shown = text_of(&get(&app, &page).await.body);
    assert!(
        shown.contains("Email for your receipt (optional)"),
        "{shown}"
    );

    pay_in_test_mode(
        &app,
        &page,
        &[("method", "card"), ("email", " jo@example.com ")],
    )
    .await;
    let sent = receipts(&app).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (id, recipient, subject) = &sent[0];
    assert_eq!(recipient, "jo@example.com");
    assert_eq!(subject, "Your receipt from Tea House");
    let payment = &link_payments(&app, &merchant, &link_id).await[0];
    let text = email_text(&app, id).await;
    assert!(
        text.contains("Tea House has received your payment of 12.50 USD for Tea set."),
        "{text}"
    );
    assert!(
        text.contains(payment["id"].as_str().unwrap()),
        "the receipt quotes the payment: {text}"
    );
    assert_eq!(payment["payerEmail"], "jo@example.com");
    // A receipt is not a delivery of the link.
    let deliveries = app
        .gql(
            &merchant,
            "query($id: String!) { paymentLinkDeliveries(link_id: $id) { id } }",
            json!({ "id": link_id }),
        )
        .await;
    assert_eq!(ok(&deliveries, "paymentLinkDeliveries"), &json!([]));

    // Without an address, nothing is sent.
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    assert_eq!(receipts(&app).await.len(), 1);
}

#[tokio::test]
async fn an_address_that_is_not_one_is_shown_beside_its_field() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Typos").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    let answer = post_form(&app, &page, &[("method", "card"), ("email", "jo@")]).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(
        text_of(&answer.body).contains("Enter an email address such as jo@example.com"),
        "{}",
        answer.body
    );
    assert_eq!(app.row_count("checkouts").await, 0);
}

#[tokio::test]
async fn a_plan_sends_its_contact_a_receipt_for_the_first_payment() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Gym").await;
    let (_, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let sent = receipts(&app).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, "jo@example.com", "the session's contact");
}

#[tokio::test]
async fn with_stripe_the_receipt_is_stripes_unless_the_merchant_asks_for_paylinks() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Stripe receipts").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    let (_, session) = open(
        &app,
        &stripe,
        &page,
        &[("method", "card"), ("email", "jo@example.com")],
    )
    .await;
    let receipt_field = |stripe: &paylink_test_servers::stripe_server::StripeServer| {
        stripe
            .requests()
            .into_iter()
            .rfind(|request| request.path == "/v1/checkout/sessions")
            .and_then(|request| {
                request
                    .field("payment_intent_data[receipt_email]")
                    .map(str::to_owned)
            })
    };
    assert_eq!(receipt_field(&stripe).as_deref(), Some("jo@example.com"));
    stripe.complete(&session).await;
    assert!(receipts(&app).await.is_empty(), "Stripe sends it");

    let set = std::process::Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args(["merchant", "receipts", "--merchant", &merchant.uid, "on"])
        .env("DATABASE_URL", app.database_url())
        .output()
        .expect("running paylink");
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let (_, session) = open(
        &app,
        &stripe,
        &page,
        &[("method", "card"), ("email", "jo@example.com")],
    )
    .await;
    assert_eq!(receipt_field(&stripe), None, "paylink sends it instead");
    stripe.complete(&session).await;
    let sent: Vec<Value> = receipts(&app)
        .await
        .into_iter()
        .map(|(_, recipient, _)| json!(recipient))
        .collect();
    assert_eq!(sent, vec![json!("jo@example.com")]);
}
