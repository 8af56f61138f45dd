//! The payer's side in a real browser (headless Chromium that can reach nothing but loopback):
//! a link sent by email is opened from the `.eml` file, filled in and paid in test mode; a plan
//! likewise, ending on the merchant's `successUrl` with its callback received. Each page, in
//! each state reached, is saved as a screenshot under `target/screenshots/` for review and
//! checked with axe-core (`crate::axe`).

use std::time::Duration;

use fantoccini::Locator;
use paylink_test_servers::stripe_server::StripeServer;
use serde_json::json;

use super::receiver::Receiver;
use super::*;
use crate::axe::assert_accessible;
use crate::deliveries::{delivery_id_in, send_payment_link, send_session_link};
use crate::webdriver::Browser;

/// A server whose public URLs are its own loopback address, so that a browser can open the
/// links it sends; `extra` settings on top.
async fn reachable_app_with(extra: &[(&'static str, String)]) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut settings = vec![
        ("PAYLINK_LISTEN", format!("127.0.0.1:{port}")),
        (
            "PAYLINK_PUBLIC_LINK_BASE_URL",
            format!("http://127.0.0.1:{port}/pay"),
        ),
        (
            "PAYLINK_PUBLIC_SESSION_BASE_URL",
            format!("http://127.0.0.1:{port}/plan"),
        ),
        ("PAYLINK_DELIVERY_POLL_MS", "50".to_owned()),
    ];
    settings.extend_from_slice(extra);
    TestApp::start_with(&settings).await
}

async fn reachable_app() -> TestApp {
    reachable_app_with(&[]).await
}

/// A reachable server whose payments go to the Stripe stand-in, which holds its events until
/// [`deliver_and_check_again`] sends them.
async fn reachable_app_with_stripe() -> (TestApp, StripeServer) {
    const KEY: &str = "sk_test_browserKey";
    const HOOK: &str = "whsec_browserHook";
    let stripe = StripeServer::start(KEY, HOOK).await;
    let app = reachable_app_with(&[
        ("PAYLINK_PAYMENTS_PROVIDER", "stripe".to_owned()),
        ("PAYLINK_STRIPE_BASE_URL", stripe.base_url()),
        ("PAYLINK_STRIPE_SECRET_KEY", KEY.to_owned()),
        ("PAYLINK_STRIPE_WEBHOOK_SECRET", HOOK.to_owned()),
    ])
    .await;
    stripe.set_webhook_endpoint(&app.url("/webhooks/stripe"));
    stripe.hold_webhooks(true);
    (app, stripe)
}

/// Back from Stripe's page before its events, the payer waits on the page after paying; the
/// events held are delivered, in order, and the payer looks again.
async fn deliver_and_check_again(browser: &Browser, stripe: &StripeServer) {
    wait_for_heading(browser, "Processing your payment").await;
    for event in stripe.events() {
        assert_eq!(stripe.deliver(&event).await, 200, "{}", event.event_type);
    }
    browser
        .wait_for_locator(Locator::LinkText("Check again"))
        .await
        .click()
        .await
        .expect("clicking Check again");
}

/// The first `http://` URL in the text part of the email that delivery `id` wrote.
async fn link_in_email(app: &TestApp, id: &str) -> String {
    let path = app.outbox.join("email").join(format!("{id}.eml"));
    for _ in 0..600 {
        if let Ok(raw) = std::fs::read(&path) {
            let message = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("an email");
            let text = message.body_text(0).expect("a text part").into_owned();
            return text
                .split_whitespace()
                .find(|word| word.starts_with("http://"))
                .unwrap_or_else(|| panic!("no link in {text}"))
                .trim_end_matches(['.', ',', ')'])
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} was not written", path.display());
}

async fn visible_text(browser: &Browser) -> String {
    browser
        .run("return document.body.innerText;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn submit(browser: &Browser) {
    browser.click("button[type=submit]").await;
}

async fn wait_for_heading(browser: &Browser, heading: &str) {
    browser
        .wait_for_script(
            heading,
            &format!(
                "const h = document.querySelector('h1'); return h && h.innerText === {};",
                json!(heading)
            ),
        )
        .await;
}

/// Waits until the browser shows `url` (the merchant's page after a redirect).
async fn wait_for_url(browser: &Browser, url: &str) {
    browser
        .wait_for_script(url, &format!("return location.href === {};", json!(url)))
        .await;
}

/// On the Stripe stand-in's hosted page: saves it as `screenshot` and pays with 4242….
async fn pay_on_stripes_page(browser: &Browser, screenshot: &str) {
    browser.wait_for("#cardnumber").await;
    browser.save_screenshot(screenshot).await;
    browser
        .type_into("#cardnumber", "4242 4242 4242 4242")
        .await;
    submit(browser).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_sent_by_email_is_paid_in_a_browser() {
    let app = reachable_app().await;
    let merchant = app.merchant("Riverside Garden").await;
    let (link_id, _) = {
        let body = app
            .gql(
                &merchant,
                CREATE_LINK,
                json!({ "input": {
                    "merchant_uid": merchant.uid, "link_name": "Spring", "payment_name": "Spring membership",
                    "payment_description": "Plots, tools and seeds for the season.",
                    "amount_is_variable": true, "amount": 2500, "min_amount": 500, "max_amount": 50000,
                    "require_phone": true, "call_to_action": "DONATE",
                    "custom_success_message": "Thank you! See you at the garden.",
                } }),
            )
            .await;
        let link = ok(&body, "createPaymentLink").clone();
        (link["link_id"].as_str().unwrap().to_owned(), link)
    };
    let (sent, message) = send_payment_link(
        &app,
        &merchant,
        json!({ "link_id": link_id, "channel": "Email", "to": "payer@example.com" }),
    )
    .await;
    assert!(sent, "{message}");
    let url = link_in_email(&app, &delivery_id_in(&message)).await;
    assert!(url.ends_with(&link_id), "{url}");

    let browser = Browser::start().await;
    browser.open(&url).await;
    wait_for_heading(&browser, "Spring membership").await;
    let text = visible_text(&browser).await;
    assert!(text.contains("Test mode"), "{text}");
    assert!(
        text.contains("Any amount between 5.00 USD and 500.00 USD."),
        "{text}"
    );
    browser.save_screenshot("pay-link.png").await;
    assert_accessible(&browser, "a link's page in test mode").await;

    // Too little, and no phone: the page says so, field by field, and keeps what was typed.
    browser
        .run("document.getElementById('amount').value = '';")
        .await;
    browser.type_into("#amount", "2").await;
    submit(&browser).await;
    wait_for_heading(&browser, "Spring membership").await;
    browser.wait_for(".error-summary").await;
    let text = visible_text(&browser).await;
    assert!(
        text.contains("Enter an amount between 5.00 USD and 500.00 USD."),
        "{text}"
    );
    assert!(text.contains("Enter your phone number."), "{text}");
    browser.save_screenshot("pay-link-errors.png").await;
    assert_accessible(&browser, "a link's page with the form's errors").await;

    browser
        .run("document.getElementById('amount').value = '';")
        .await;
    browser.type_into("#amount", "42.50").await;
    browser.type_into("#phone", "+1 415 555 2671").await;
    browser.click("#method-ach").await;
    submit(&browser).await;
    wait_for_heading(&browser, "Pay 42.50 USD").await;
    browser.save_screenshot("pay-test-card.png").await;
    assert_accessible(&browser, "the test-mode card page").await;

    // The page after paying, opened before paying, waits for the payment.
    let card_page = browser.run("return location.href;").await;
    let card_page = card_page.as_str().expect("the card page's URL").to_owned();
    browser.open(&format!("{card_page}/done")).await;
    wait_for_heading(&browser, "Processing your payment").await;
    browser.save_screenshot("pay-processing.png").await;
    assert_accessible(&browser, "the page after paying, before the payment").await;
    browser.open(&card_page).await;

    browser.type_into("#card", "4000 0000 0000 0002").await;
    submit(&browser).await;
    browser.wait_for("#card-error").await;
    assert!(
        visible_text(&browser)
            .await
            .contains("Your card was declined.")
    );
    browser.save_screenshot("pay-test-card-declined.png").await;
    assert_accessible(&browser, "the test-mode card page with a declined card").await;

    browser
        .run("document.getElementById('card').value = '';")
        .await;
    browser.type_into("#card", "4242 4242 4242 4242").await;
    submit(&browser).await;
    wait_for_heading(&browser, "Payment received").await;
    assert!(
        visible_text(&browser)
            .await
            .contains("Thank you! See you at the garden.")
    );
    browser.save_screenshot("pay-done.png").await;
    assert_accessible(&browser, "the page after paying").await;

    // The link turned off, and a link to nothing.
    deactivate(&app, &merchant, &link_id).await;
    browser.open(&url).await;
    wait_for_heading(&browser, "This payment link is no longer active").await;
    browser.save_screenshot("pay-link-inactive.png").await;
    assert_accessible(&browser, "an inactive link's page").await;
    browser.open(&app.url("/pay/no-such-link")).await;
    wait_for_heading(&browser, "Page not found").await;
    browser.save_screenshot("pay-not-found.png").await;
    assert_accessible(&browser, "the page of an unknown link").await;
    // The 422 and 402 of the refused posts are logged too; only a policy violation counts.
    let violations: Vec<String> = browser
        .console_errors()
        .await
        .into_iter()
        .filter(|message| {
            message.contains("Content Security Policy") || message.contains("Refused")
        })
        .collect();
    assert_eq!(violations, Vec::<String>::new());
    browser.close().await;

    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["amount"], 4250);
    assert_eq!(payments[0]["payerPhone"], "+14155552671");
    assert_eq!(payments[0]["paymentMethod"], "ach");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_links_service_fee_is_shown_and_paid_in_a_browser() {
    let app = reachable_app().await;
    let merchant = app.merchant("Hill School").await;
    set_fee(&app, &merchant, "USD", 290, 30).await;
    let (fixed_id, fixed) = create_link(
        &app,
        &merchant,
        json!({ "payment_name": "School trip", "amount": 2500, "fee_mode": "SERVICE_FEE" }),
    )
    .await;
    let (_, variable) = create_link(
        &app,
        &merchant,
        json!({ "payment_name": "Donation", "amount_is_variable": true, "amount": null,
                "min_amount": 500, "fee_mode": "SERVICE_FEE", "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;

    let browser = Browser::start().await;
    // A variable amount: the fee is its rule, beside the amount field.
    browser.open(&app.url(&variable)).await;
    wait_for_heading(&browser, "Donation").await;
    let text = visible_text(&browser).await;
    assert!(
        text.contains("A service fee of 2.9% + 0.30 USD is added to it."),
        "{text}"
    );
    browser.save_screenshot("fee-variable-link.png").await;
    assert_accessible(&browser, "a variable link's page with a service fee").await;
    // An amount whose total, fee included, is more than paylink records is refused beside it.
    browser.type_into("#amount", "21474836.47").await;
    submit(&browser).await;
    browser.wait_for("#amount-error").await;
    let text = visible_text(&browser).await;
    assert!(
        text.contains("The total is more than can be paid online; the most is 21,474,836.47 USD."),
        "{text}"
    );
    browser
        .save_screenshot("fee-variable-link-too-much.png")
        .await;
    assert_accessible(
        &browser,
        "a variable link's page refusing a total too large",
    )
    .await;

    // A fixed amount: the amount, the fee and the total, line by line.
    browser.open(&app.url(&fixed)).await;
    wait_for_heading(&browser, "School trip").await;
    let lines = browser
        .run("return [...document.querySelectorAll('dl.charges dd')].map(d => d.innerText);")
        .await;
    assert_eq!(lines, json!(["25.00 USD", "1.03 USD", "26.03 USD"]));
    browser.save_screenshot("fee-link.png").await;
    assert_accessible(&browser, "a link's page with a service fee").await;
    submit(&browser).await;
    wait_for_heading(&browser, "Pay 26.03 USD").await;
    let text = visible_text(&browser).await;
    assert!(text.contains("Service fee"), "{text}");
    browser.save_screenshot("fee-test-card.png").await;
    assert_accessible(&browser, "the test-mode card page with a service fee").await;
    browser.type_into("#card", "4242 4242 4242 4242").await;
    submit(&browser).await;
    wait_for_heading(&browser, "Payment received").await;
    let text = visible_text(&browser).await;
    assert!(
        text.contains("26.03 USD, including a service fee of 1.03 USD"),
        "{text}"
    );
    browser.save_screenshot("fee-done.png").await;
    assert_accessible(&browser, "the page after paying a service fee").await;
    browser.close().await;

    let payments = link_payments(&app, &merchant, &fixed_id).await;
    assert_eq!(payments[0]["amount"], 2603);
    assert_eq!(payments[0]["feeAmount"], 103);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_sent_by_email_is_set_up_in_a_browser_and_ends_on_the_success_url() {
    let app = reachable_app().await;
    let merchant = app.merchant("Bright Smiles Dental").await;
    let site = Receiver::start().await;
    let (session, _) = create_session(
        &app,
        &merchant,
        json!({ "successUrl": site.url("/welcome"), "callbackUrl": site.url("/paylink-events"),
                "cancelUrl": site.url("/plans"), "frequency": "Monthly", "occurrences": 6,
                "amount": "80.00" }),
    )
    .await;
    let (sent, message) = send_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Email" }),
    )
    .await;
    assert!(sent, "{message}");
    let url = link_in_email(&app, &delivery_id_in(&message)).await;

    let browser = Browser::start().await;
    browser.open(&url).await;
    wait_for_heading(&browser, "Your payment plan").await;
    let text = visible_text(&browser).await;
    for shown in ["Jo Doe", "80.00 USD", "Every month", "480.00 USD"] {
        assert!(text.contains(shown), "{shown:?}: {text}");
    }
    browser.save_screenshot("plan.png").await;
    assert_accessible(&browser, "a plan's page in test mode").await;
    submit(&browser).await;
    // The plan starts on 1 January 2027: the card is taken, nothing charged today.
    wait_for_heading(&browser, "Set up your payment plan").await;
    browser.save_screenshot("plan-test-card.png").await;
    assert_accessible(&browser, "a plan's test-mode card page").await;
    browser.type_into("#card", "4242424242424242").await;
    submit(&browser).await;
    wait_for_url(&browser, &site.url("/welcome")).await;
    browser.close().await;

    let callback = site.wait_for_path("/paylink-events").await;
    assert!(callback.body.contains(&session), "{}", callback.body);
    let view = session_payments(&app, &merchant, &session).await;
    assert_eq!(view["status"], "Completed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_is_paid_in_a_browser_on_stripes_page() {
    let (app, stripe) = reachable_app_with_stripe().await;
    let merchant = app.merchant("Harbour Books").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "payment_name": "Book club", "amount": 1800,
                "custom_success_message": "Welcome to the club." }),
    )
    .await;

    let browser = Browser::start().await;
    browser.open(&app.url(&page)).await;
    wait_for_heading(&browser, "Book club").await;
    assert!(!visible_text(&browser).await.contains("Test mode"));
    assert_accessible(&browser, "a link's page").await;
    submit(&browser).await;
    // Stripe's page (the stand-in's), then back to paylink, which shows the payment once
    // Stripe's event has come.
    pay_on_stripes_page(&browser, "stripe-checkout.png").await;
    wait_for_heading(&browser, "Processing your payment").await;
    browser.save_screenshot("stripe-processing.png").await;
    assert_accessible(&browser, "the page after paying, before Stripe's event").await;
    deliver_and_check_again(&browser, &stripe).await;
    wait_for_heading(&browser, "Payment received").await;
    assert!(
        visible_text(&browser)
            .await
            .contains("Welcome to the club.")
    );
    browser.save_screenshot("stripe-done.png").await;
    assert_accessible(&browser, "the page after paying through Stripe").await;
    browser.close().await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments[0]["provider"], "stripe");
    assert_eq!(payments[0]["status"], "Succeeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_is_set_up_in_a_browser_on_stripes_page() {
    let (app, stripe) = reachable_app_with_stripe().await;
    let merchant = app.merchant("Harbour Gym").await;
    let site = Receiver::start().await;
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "successUrl": site.url("/welcome"), "callbackUrl": site.url("/events"),
                "frequency": "Quarterly", "occurrences": 4 }),
    )
    .await;

    let browser = Browser::start().await;
    browser.open(&app.url(&page)).await;
    wait_for_heading(&browser, "Your payment plan").await;
    assert_accessible(&browser, "a plan's page").await;
    submit(&browser).await;
    pay_on_stripes_page(&browser, "stripe-plan-checkout.png").await;
    deliver_and_check_again(&browser, &stripe).await;
    wait_for_url(&browser, &site.url("/welcome")).await;
    browser.close().await;
    let callback = site.wait_for_path("/events").await;
    assert!(callback.body.contains(&session), "{}", callback.body);
    assert_eq!(
        session_payments(&app, &merchant, &session).await["status"],
        "Completed"
    );
    let subscription = stripe
        .sessions()
        .into_iter()
        .find_map(|checkout| checkout.subscription)
        .expect("a subscription");
    assert!(
        stripe.subscription_cancel_at(&subscription).is_some(),
        "the plan ends"
    );
}
