//! Stripe Checkout through the stand-in: the hand-off as Stripe's API reference asks for it, and
//! webhooks applied only when signed, once, in whatever order they come.

use std::time::Duration;

use paylink_test_servers::stripe_server::{
    CannedResponse, Fault, StripeServer, WebhookTweak, sign_payload,
};
use serde_json::{Value, json};

use super::receiver::Receiver;
use super::*;

const SECRET_KEY: &str = "sk_test_51paylinkTestKey";
const WEBHOOK_SECRET: &str = "whsec_paylinkTestEndpointSecret";

/// A server whose payments go to the stand-in, and the stand-in sending events back to it.
pub(super) async fn with_stripe() -> (TestApp, StripeServer) {
    with_stripe_and(&[]).await
}

/// [`with_stripe`], with more settings.
pub(super) async fn with_stripe_and(more: &[(&str, String)]) -> (TestApp, StripeServer) {
    let stripe = StripeServer::start(SECRET_KEY, WEBHOOK_SECRET).await;
    let mut settings = vec![
        ("PAYLINK_PAYMENTS_PROVIDER", "stripe".to_owned()),
        ("PAYLINK_STRIPE_BASE_URL", stripe.base_url()),
        ("PAYLINK_STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
        ("PAYLINK_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
    ];
    settings.extend(more.iter().cloned());
    let app = TestApp::start_with(&settings).await;
    stripe.set_webhook_endpoint(&app.url("/webhooks/stripe"));
    (app, stripe)
}

/// Opens a checkout from `page` and returns paylink's checkout id and Stripe's session id.
pub(super) async fn open(
    app: &TestApp,
    stripe: &StripeServer,
    page: &str,
    form: &[(&str, &str)],
) -> (String, String) {
    let opened = post_form(app, page, form).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let location = opened.header("location").to_owned();
    let session = stripe
        .sessions()
        .into_iter()
        .find(|session| session.url == location)
        .unwrap_or_else(|| panic!("{location} is no Stripe session's page"));
    let checkout = session
        .client_reference_id
        .clone()
        .expect("client_reference_id");
    (checkout, session.id)
}

#[tokio::test]
async fn a_link_is_paid_through_stripe_checkout() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Stripe Shop").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "amount": 4200, "payment_description": "A blue mug",
                "custom_success_message": "Your mug is on its way.", "account_code": "GL-4000" }),
    )
    .await;
    let shown = get(&app, &page).await;
    assert!(
        !text_of(&shown.body).contains("Test mode"),
        "only test mode is marked"
    );

    let (checkout, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    assert!(checkout.starts_with("co_"));
    let request = stripe
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(request.idempotency_key(), Some(checkout.as_str()));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    for (field, value) in [
        ("mode", "payment"),
        ("client_reference_id", checkout.as_str()),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount]", "4200"),
        (
            "line_items[0][price_data][product_data][name]",
            "Monthly dues",
        ),
        (
            "line_items[0][price_data][product_data][description]",
            "A blue mug",
        ),
        ("line_items[0][quantity]", "1"),
        ("payment_method_types[0]", "card"),
        ("metadata[account_code]", "GL-4000"),
        ("metadata[reference]", "Monthly dues"),
        ("cancel_url", &format!("{PUBLIC_ORIGIN}{page}")),
        (
            "success_url",
            &format!("{PUBLIC_ORIGIN}{page}/checkout/{checkout}/done"),
        ),
    ] {
        assert_eq!(request.field(field), Some(value), "{field}");
    }

    // Back from Stripe before its event: the payer is told to wait.
    let done_path = format!("{page}/checkout/{checkout}/done");
    let waiting = get(&app, &done_path).await;
    assert_eq!(waiting.status, 200);
    assert!(text_of(&waiting.body).contains("Processing your payment"));
    // The payer looks again with a link; the page never reloads itself on a timer.
    let check_again = format!(r#"href="{PUBLIC_ORIGIN}{done_path}">Check again</a>"#);
    assert!(waiting.body.contains(&check_again), "{}", waiting.body);
    assert!(!waiting.body.contains("http-equiv"), "{}", waiting.body);
    assert!(link_payments(&app, &merchant, &link_id).await.is_empty());

    let event = stripe.complete(&session).await;
    let delivered = stripe.deliveries();
    assert_eq!(
        delivered.last().map(|d| (d.event_id.as_str(), d.status)),
        Some((event.id.as_str(), 200))
    );
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["status"], "Succeeded");
    assert_eq!(payments[0]["provider"], "stripe");
    assert_eq!(payments[0]["accountCode"], "GL-4000");
    assert_eq!(payments[0]["reference"], "Monthly dues");
    assert_eq!(payments[0]["amountRefunded"], 0);
    assert!(
        payments[0]["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    let done = get(&app, &done_path).await;
    assert!(
        text_of(&done.body).contains("Your mug is on its way."),
        "{}",
        done.body
    );
    // The test-mode card page does not exist for a Stripe checkout.
    assert_eq!(
        get(&app, &format!("{page}/checkout/{checkout}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_service_fee_reaches_stripe_as_its_own_line_item() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Fee Shop").await;
    set_fee(&app, &merchant, "USD", 290, 30).await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "amount": 4200, "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    let (_, session) = open(&app, &stripe, &page, &[]).await;
    // 42.00 USD at 2.9% is 1.218: 1.22, and 0.30 on top.
    let request = stripe
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    for (field, value) in [
        ("line_items[0][price_data][unit_amount]", "4200"),
        (
            "line_items[0][price_data][product_data][name]",
            "Monthly dues",
        ),
        ("line_items[1][price_data][currency]", "usd"),
        ("line_items[1][price_data][unit_amount]", "152"),
        (
            "line_items[1][price_data][product_data][name]",
            "Service fee",
        ),
        (
            "line_items[1][price_data][product_data][description]",
            "2.9% + 0.30 USD",
        ),
        ("line_items[1][quantity]", "1"),
    ] {
        assert_eq!(request.field(field), Some(value), "{field}");
    }
    let created = stripe.session(&session).unwrap();
    let lines: Vec<_> = created
        .line_items
        .iter()
        .map(|item| (item.name.as_str(), item.unit_amount))
        .collect();
    assert_eq!(lines, [("Monthly dues", 4200), ("Service fee", 152)]);
    assert_eq!(created.amount_total, Some(4352), "Stripe charges the sum");
    let hosted = reqwest::get(&created.url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        hosted.contains("<li>Service fee: 1.52 USD</li>") && hosted.contains("43.52 USD"),
        "{hosted}"
    );

    // Stripe's total is the checkout's amount: the payment is recorded, not a mismatch.
    stripe.complete(&session).await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0]["amount"], 4352);
    assert_eq!(payments[0]["feeAmount"], 152);
    assert_eq!(payments[0]["status"], "Succeeded");
}

#[tokio::test]
async fn without_a_fee_stripe_gets_one_line_item() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("No Fee Shop").await;
    set_fee(&app, &merchant, "USD", 290, 30).await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({ "fee_mode": "INTERCHANGE", "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    let (_, session) = open(&app, &stripe, &page, &[]).await;
    let created = stripe.session(&session).unwrap();
    assert_eq!(created.line_items.len(), 1);
    assert_eq!(created.amount_total, Some(2500));
    let request = stripe
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        !request
            .form
            .iter()
            .any(|(key, _)| key.starts_with("line_items[1]")),
        "{:?}",
        request.form
    );
}

#[tokio::test]
async fn stripe_unreachable_shows_try_again_and_a_lost_answer_makes_one_session() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Flaky Stripe").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    for _ in 0..3 {
        stripe.push_fault(Fault::Answer(CannedResponse::server_error(503)));
    }
    let refused = post_form(&app, &page, &[("method", "card")]).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    let text = text_of(&refused.body);
    assert!(text.contains("nothing was charged"), "{text}");
    assert!(
        !text.contains("503"),
        "the provider's transport is not the payer's business"
    );
    assert!(stripe.sessions().is_empty());

    // The answer is lost once: the retry under the same key gets the same session back.
    stripe.push_fault(Fault::CreateThenDrop);
    let (_, session) = open(&app, &stripe, &page, &[("method", "ach")]).await;
    assert_eq!(stripe.sessions().len(), 1);
    let posts: Vec<_> = stripe
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    let keys: Vec<_> = posts
        .iter()
        .rev()
        .take(2)
        .map(|r| r.idempotency_key())
        .collect();
    assert_eq!(keys[0], keys[1], "the retry reused the idempotency key");
    let session = stripe.session(&session).unwrap();
    assert_eq!(session.payment_method_types, ["us_bank_account"]);
}

#[tokio::test]
async fn stripe_events_are_applied_only_when_signed_and_only_once() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Signed").await;
    let (link_id, page) = create_link(&app, &merchant, json!({})).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.hold_webhooks(true);
    let event = stripe.complete(&session).await;
    for tweak in [
        WebhookTweak::NoSignature,
        WebhookTweak::WrongSecret,
        WebhookTweak::Stale(Duration::from_secs(600)),
    ] {
        assert_eq!(
            stripe.deliver_with(&event, tweak.clone()).await,
            400,
            "{tweak:?}"
        );
    }
    assert_eq!(app.row_count("payments").await, 0);
    assert_eq!(stripe.deliver_with(&event, WebhookTweak::Twice).await, 200);
    assert_eq!(stripe.deliver(&event).await, 200);
    assert_eq!(link_payments(&app, &merchant, &link_id).await.len(), 1);
    assert_eq!(app.row_count("provider_events").await, 1);
}

#[tokio::test]
async fn bank_debit_events_out_of_order_never_move_a_payment_back() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Bank").await;
    let (link_id, page) = create_link(&app, &merchant, json!({})).await;
    stripe.hold_webhooks(true);
    let (_, session) = open(&app, &stripe, &page, &[("method", "ach")]).await;
    let completed = stripe.complete_with_bank_debit(&session).await;
    let settled = stripe.settle_bank_debit(&session, true).await;
    // The settlement arrives first, the completion (unpaid) after it.
    assert_eq!(stripe.deliver(&settled).await, 200);
    assert_eq!(stripe.deliver(&completed).await, 200);
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["status"], "Succeeded");

    let (_, failing) = open(&app, &stripe, &page, &[("method", "ach")]).await;
    let completed = stripe.complete_with_bank_debit(&failing).await;
    assert_eq!(stripe.deliver(&completed).await, 200);
    let pending = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(pending[0]["status"], "Pending");
    let failed = stripe.settle_bank_debit(&failing, false).await;
    assert_eq!(stripe.deliver(&failed).await, 200);
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments[0]["status"], "Failed");
    assert_eq!(payments[1]["status"], "Succeeded");
}

/// Signs `payload` as Stripe does and posts it to the server's endpoint.
pub(super) async fn post_signed(app: &TestApp, payload: &str) -> u16 {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    client()
        .post(app.url("/webhooks/stripe"))
        .header(
            "stripe-signature",
            sign_payload(WEBHOOK_SECRET, timestamp, payload.as_bytes()),
        )
        .header("content-type", "application/json")
        .body(payload.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_event_that_contradicts_its_checkout_is_not_applied() {
    let (app, stripe) = with_stripe().await;
    let alice = app.merchant("Alice").await;
    let bob = app.merchant("Bob").await;
    let (_, alice_page) = create_link(&app, &alice, json!({ "amount": 100 })).await;
    let (bob_link, bob_page) = create_link(&app, &bob, json!({ "amount": 90000 })).await;
    stripe.hold_webhooks(true);
    let (_, alice_session) = open(&app, &stripe, &alice_page, &[("method", "card")]).await;
    let (bob_checkout, _) = open(&app, &stripe, &bob_page, &[("method", "card")]).await;
    let event = stripe.complete(&alice_session).await;
    // Alice's paid session presented as Bob's checkout: another session, another amount.
    let mut forged: Value = serde_json::from_str(&event.payload).unwrap();
    forged["id"] = json!("evt_forged_other_merchant");
    forged["data"]["object"]["client_reference_id"] = json!(bob_checkout);
    assert_eq!(post_signed(&app, &forged.to_string()).await, 200);
    assert!(link_payments(&app, &bob, &bob_link).await.is_empty());
    // An event about a session paylink never made is acknowledged and ignored.
    forged["id"] = json!("evt_unknown_session");
    forged["data"]["object"]["client_reference_id"] = json!("co_not_paylinks");
    assert_eq!(post_signed(&app, &forged.to_string()).await, 200);
    assert_eq!(app.row_count("payments").await, 0);
    // Events of types paylink does not use are acknowledged too.
    forged["type"] = json!("customer.created");
    forged["id"] = json!("evt_other_type");
    assert_eq!(post_signed(&app, &forged.to_string()).await, 200);
}

#[tokio::test]
async fn a_plan_starting_later_is_a_subscription_that_waits_for_it_and_ends_after_its_payments() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Subscriptions").await;
    let receiver = Receiver::start().await;
    // 2027-01-01, every two weeks, 12 payments.
    let (session_id, page) = create_session(
        &app,
        &merchant,
        json!({ "frequency": "Biweekly", "callbackUrl": receiver.url("/events"),
                "successUrl": "https://merchant.example/done" }),
    )
    .await;
    let (checkout, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    let request = stripe
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let start = 1_798_761_600; // 2027-01-01T00:00:00Z
    for (field, value) in [
        ("mode", "subscription"),
        ("line_items[0][price_data][unit_amount]", "10000"),
        ("line_items[0][price_data][recurring][interval]", "week"),
        ("line_items[0][price_data][recurring][interval_count]", "2"),
        (
            "subscription_data[metadata][paylink_session]",
            session_id.as_str(),
        ),
        ("subscription_data[trial_end]", &start.to_string()),
        ("customer_email", "jo@example.com"),
        (
            "metadata[reference]",
            "Payment plan: 12 payments, every two weeks",
        ),
    ] {
        assert_eq!(request.field(field), Some(value), "{field}");
    }
    // The checkout stops taking a payment an hour after it opened, by default.
    let expires_at: i64 = request
        .field("expires_at")
        .expect("expires_at")
        .parse()
        .unwrap();
    let in_an_hour = chrono::Utc::now().timestamp() + 3600;
    assert!(
        (in_an_hour - 120..=in_an_hour).contains(&expires_at),
        "{expires_at}"
    );
    stripe.complete(&session).await;
    let subscription = stripe
        .session(&session)
        .unwrap()
        .subscription
        .expect("a subscription");
    assert_eq!(
        stripe.subscription_cancel_at(&subscription),
        Some(start + 12 * 14 * 86_400),
        "ends when the twelfth two-week period does"
    );
    let view = session_payments(&app, &merchant, &session_id).await;
    assert_eq!(view["status"], "Completed");
    assert_eq!(
        view["payments"],
        json!([]),
        "nothing is charged before the start date"
    );
    let done = get(&app, &format!("{page}/checkout/{checkout}/done")).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), "https://merchant.example/done");
    let callback = receiver.wait_for_path("/events").await;
    let event: Value = serde_json::from_str(&callback.body).unwrap();
    assert_eq!(event["type"], "payment_plan_session.completed");
    assert_eq!(event["data"]["payment"], Value::Null);
}

#[tokio::test]
async fn a_plan_starting_now_is_charged_at_once_and_ends_after_its_payments() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Now").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let (session_id, page) = create_session(
        &app,
        &merchant,
        json!({ "frequency": "Weekly", "occurrences": 4, "startDate": today }),
    )
    .await;
    let before = chrono::Utc::now().timestamp();
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    let after = chrono::Utc::now().timestamp();
    let request = stripe
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(request.field("subscription_data[trial_end]"), None);
    stripe.complete(&session).await;
    let subscription = stripe.session(&session).unwrap().subscription.unwrap();
    let ends = stripe
        .subscription_cancel_at(&subscription)
        .expect("an end");
    let four_weeks = 4 * 7 * 86_400;
    assert!(
        (before + four_weeks..=after + four_weeks).contains(&ends),
        "{ends}"
    );
    let view = session_payments(&app, &merchant, &session_id).await;
    assert_eq!(view["status"], "Completed");
    assert_eq!(view["payments"][0]["status"], "Succeeded");
    assert!(
        view["payments"][0]["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("sub_")
    );
}

#[tokio::test]
async fn a_plan_is_not_recorded_until_stripe_has_its_end() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("Ends First").await;
    let (session_id, page) = create_session(&app, &merchant, json!({})).await;
    let (_, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.hold_webhooks(true);
    let event = stripe.complete(&session).await;
    for _ in 0..3 {
        stripe.push_fault(Fault::Answer(CannedResponse::server_error(500)));
    }
    assert_eq!(
        stripe.deliver(&event).await,
        503,
        "Stripe is asked to deliver it again"
    );
    assert_eq!(
        session_payments(&app, &merchant, &session_id).await["status"],
        "Active"
    );
    assert_eq!(stripe.deliver(&event).await, 200);
    assert_eq!(
        session_payments(&app, &merchant, &session_id).await["status"],
        "Completed"
    );
    let subscription = stripe.session(&session).unwrap().subscription.unwrap();
    assert!(stripe.subscription_cancel_at(&subscription).is_some());
}

#[tokio::test]
async fn the_stripe_endpoint_exists_only_when_stripe_takes_payments() {
    let app = TestApp::start().await;
    let status = client()
        .post(app.url("/webhooks/stripe"))
        .body("{}")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_page_after_paying_follows_what_stripe_said() {
    let (app, stripe) = with_stripe().await;
    let merchant = app.merchant("States").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    let done = |checkout: &str| format!("{page}/checkout/{checkout}/done");

    let (debit, session) = open(&app, &stripe, &page, &[("method", "ach")]).await;
    stripe.complete_with_bank_debit(&session).await;
    let pending = get(&app, &done(&debit)).await;
    assert_eq!(pending.status, 200);
    assert!(
        text_of(&pending.body).contains("Payment on its way"),
        "{}",
        pending.body
    );
    stripe.settle_bank_debit(&session, false).await;
    let failed = get(&app, &done(&debit)).await;
    assert_eq!(failed.status, 410);
    assert!(text_of(&failed.body).contains("The payment did not go through"));

    let (unpaid, session) = open(&app, &stripe, &page, &[("method", "card")]).await;
    stripe.expire(&session).await;
    let expired = get(&app, &done(&unpaid)).await;
    assert_eq!(expired.status, 410);
    assert!(text_of(&expired.body).contains("This payment page expired"));
    assert_eq!(app.row_count("payments").await, 1, "only the failed debit");
}
