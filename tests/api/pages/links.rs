//! A payment link's page: every seed field changes what the payer sees, and the server checks
//! again whatever is posted.

use serde_json::json;

use super::*;
use crate::support::{error_code, only_error};

#[tokio::test]
async fn a_links_page_shows_what_its_fields_say() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Garden Club").await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({
            "payment_name": "Annual membership", "payment_description": "Covers tools and seeds.",
            "amount": 2500, "call_to_action": "DONATE", "accepted_payment_methods": "ONLY_CARD",
            "require_phone": true,
        }),
    )
    .await;
    let answer = get(&app, &page).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    assert!(
        answer
            .header("content-security-policy")
            .starts_with("default-src 'none'; style-src 'self'"),
        "{:?}",
        answer.headers
    );
    assert_eq!(answer.header("cache-control"), "no-store");
    let text = text_of(&answer.body);
    for shown in [
        "Garden Club",
        "Annual membership",
        "Covers tools and seeds.",
        "25.00 USD",
        "Phone number",
        "Pay by Card.",
        "Donate",
        "Test mode",
    ] {
        assert!(text.contains(shown), "{shown:?} is not on the page: {text}");
    }
    assert!(
        !answer.body.contains("name=\"amount\""),
        "a fixed amount is no field"
    );
    assert!(!text.contains("cash"), "{text}");
    assert!(answer.body.contains(r#"<label for="phone">"#));
    assert!(answer.body.contains(r#"type="tel""#));
}

#[tokio::test]
async fn amounts_follow_their_currencys_minor_unit() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Kyoto Tea").await;
    for (currency, amount, shown) in [
        ("JPY", 500, "500 JPY"),
        ("BHD", 1500, "1.500 BHD"),
        ("USD", 123_456, "1,234.56 USD"),
    ] {
        let (_, page) = create_link(
            &app,
            &merchant,
            json!({ "currency": currency, "amount": amount, "accepted_payment_methods": "NOT_ACH" }),
        )
        .await;
        let text = text_of(&get(&app, &page).await.body);
        assert!(text.contains(shown), "{shown:?} missing: {text}");
    }
    let body = app
        .gql(
            &merchant,
            CREATE_LINK,
            json!({ "input": { "merchant_uid": merchant.uid, "link_name": "x", "payment_name": "x",
                               "amount": 1, "currency": "XAU" } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "BAD_USER_INPUT",
        "gold has no minor unit: {body}"
    );
    assert!(
        only_error(&body)["message"]
            .as_str()
            .unwrap()
            .contains("minor unit")
    );
}

#[tokio::test]
async fn a_variable_amount_is_a_field_bounded_as_the_link_says() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Shelter").await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({ "amount_is_variable": true, "amount": 2500, "min_amount": 500, "max_amount": 10000,
                "call_to_action": "BOOK" }),
    )
    .await;
    let answer = get(&app, &page).await;
    assert!(answer.body.contains(r#"name="amount""#), "{}", answer.body);
    assert!(
        answer.body.contains(r#"value="25.00""#),
        "prefilled with `amount`"
    );
    let text = text_of(&answer.body);
    assert!(
        text.contains("Any amount between 5.00 USD and 100.00 USD."),
        "{text}"
    );
    assert!(text.contains("Book"), "{text}");
    // ALL: a choice of card and bank account, and cash said to be paid in person.
    assert!(
        answer.body.contains(r#"value="card" checked"#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(r#"value="ach""#));
    assert!(text.contains("cash cannot be paid online"), "{text}");
}

#[tokio::test]
async fn a_variable_amount_without_bounds_starts_at_the_processors_minimum() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Open Hands").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "amount_is_variable": true, "amount": null, "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    let text = text_of(&get(&app, &page).await.body);
    assert!(text.contains("Any amount of at least 0.50 USD."), "{text}");
    let refused = post_form(&app, &page, &[("amount", "0.49")]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        text_of(&refused.body).contains("Enter an amount of at least 0.50 USD."),
        "{}",
        refused.body
    );
    assert_eq!(app.row_count("checkouts").await, 0);
    pay_in_test_mode(&app, &page, &[("amount", "0.50")]).await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments[0]["amount"], 50);
}

#[tokio::test]
async fn the_phone_hint_and_refusal_give_a_number_the_form_accepts() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Example").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "require_phone": true, "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    let example = paylink::domain::contact_rules::PHONE_EXAMPLE;
    let hint = format!("such as {example}.");
    assert!(text_of(&get(&app, &page).await.body).contains(&hint));
    let refused = post_form(&app, &page, &[("phone", "+15551234567")]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let refusal = text_of(&refused.body);
    assert!(
        refusal.contains(&format!(
            "Enter a phone number in international format, {hint}"
        )),
        "{refusal}"
    );
    pay_in_test_mode(&app, &page, &[("phone", example)]).await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments[0]["payerPhone"], example);
}

#[tokio::test]
async fn each_call_to_action_names_the_button() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Words").await;
    for (call, button) in [("PAY", "Pay"), ("DONATE", "Donate"), ("BOOK", "Book")] {
        let (_, page) = create_link(&app, &merchant, json!({ "call_to_action": call })).await;
        let body = get(&app, &page).await.body;
        assert!(
            body.contains(&format!(r#"<button type="submit">{button}</button>"#)),
            "{call}: {body}"
        );
    }
}

#[tokio::test]
async fn a_cash_only_link_offers_no_online_payment() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Market Stall").await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({ "accepted_payment_methods": "ONLY_CASH" }),
    )
    .await;
    let answer = get(&app, &page).await;
    assert_eq!(answer.status, 200);
    assert!(!answer.body.contains("<form"), "{}", answer.body);
    assert!(text_of(&answer.body).contains("cash only"));
    let posted = post_form(&app, &page, &[("method", "card")]).await;
    assert_eq!(posted.status, 422, "{}", posted.body);
    assert_eq!(app.row_count("checkouts").await, 0);
}

#[tokio::test]
async fn what_merchants_write_is_shown_as_text_never_as_markup() {
    let app = TestApp::start().await;
    let merchant = app.merchant("<b>Bold</b> & Co").await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({ "payment_name": "<script>alert(1)</script>",
                "payment_description": "\"quoted\" <img src=x onerror=alert(1)>" }),
    )
    .await;
    let body = get(&app, &page).await.body;
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(!body.contains("<img"), "{body}");
    // askama escapes with numeric references.
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{body}"
    );
    assert!(
        body.contains("&#60;b&#62;Bold&#60;/b&#62; &#38; Co"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_and_inactive_links_say_so_and_nothing_more() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Closed Shop").await;
    let (link_id, page) = create_link(&app, &merchant, json!({})).await;
    deactivate(&app, &merchant, &link_id).await;
    let gone = get(&app, &page).await;
    assert_eq!(gone.status, 410, "{}", gone.body);
    let text = text_of(&gone.body);
    assert!(
        text.contains("This payment link is no longer active"),
        "{text}"
    );
    assert!(
        !text.contains("Monthly dues"),
        "an inactive link's details stay private"
    );

    for path in [
        "/l/pt_link_doesnotexist000000000000",
        "/l/pt_link_doesnotexist000000000000/checkout/co_x",
        "/l/pt_link_doesnotexist000000000000/checkout/co_x/done",
        &format!("{page}/anything"),
    ] {
        let missing = get(&app, path).await;
        assert_eq!(missing.status, 404, "{path}");
        assert!(text_of(&missing.body).contains("Page not found"), "{path}");
        assert_eq!(missing.header("content-type"), "text/html; charset=utf-8");
    }
}

#[tokio::test]
async fn amounts_posted_by_hand_outside_the_bounds_change_nothing() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Bounds").await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({ "amount_is_variable": true, "amount": null, "min_amount": 500, "max_amount": 10000 }),
    )
    .await;
    for typed in ["4.99", "100.01", "0", "-5", "", "ten", "5.001"] {
        let answer = post_form(&app, &page, &[("amount", typed), ("method", "card")]).await;
        assert_eq!(answer.status, 422, "{typed:?}: {}", answer.body);
        assert!(answer.body.contains(r#"aria-invalid="true""#), "{typed:?}");
        assert!(
            answer.body.contains(&format!(r#"value="{typed}""#)),
            "what was typed is shown again: {typed:?}"
        );
    }
    assert_eq!(app.row_count("checkouts").await, 0);
    let answer = post_form(&app, &page, &[("amount", "5.00"), ("method", "card")]).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(app.row_count("checkouts").await, 1);
}

#[tokio::test]
async fn a_fixed_amount_is_charged_whatever_is_posted() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Fixed").await;
    let (link_id, page) = create_link(&app, &merchant, json!({ "amount": 2500 })).await;
    pay_in_test_mode(&app, &page, &[("amount", "0.01"), ("method", "card")]).await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["amount"], 2500);
}

#[tokio::test]
async fn a_required_phone_and_the_method_are_checked_on_the_server() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Checks").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "require_phone": true, "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    for form in [
        vec![("method", "card")],
        vec![("phone", "555-1234"), ("method", "card")],
        vec![("phone", "+14155552671"), ("method", "ach")],
        vec![("phone", "+14155552671"), ("method", "cash")],
    ] {
        let answer = post_form(&app, &page, &form).await;
        assert_eq!(answer.status, 422, "{form:?}: {}", answer.body);
    }
    assert_eq!(app.row_count("checkouts").await, 0);
    pay_in_test_mode(&app, &page, &[("phone", "+1 (415) 555-2671")]).await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments[0]["payerPhone"], "+14155552671");
    assert_eq!(payments[0]["paymentMethod"], "card");
}

#[tokio::test]
async fn a_link_deactivated_after_its_page_was_opened_cannot_be_paid() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Second Tab").await;
    let (link_id, page) = create_link(&app, &merchant, json!({})).await;
    assert_eq!(get(&app, &page).await.status, 200);
    deactivate(&app, &merchant, &link_id).await;
    let answer = post_form(&app, &page, &[("method", "card")]).await;
    assert_eq!(answer.status, 410, "{}", answer.body);
    assert_eq!(app.row_count("checkouts").await, 0);
}

#[tokio::test]
async fn a_test_mode_payment_ends_on_the_merchants_message_once() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Bakery").await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "custom_success_message": "Thanks! Pick up your bread on Friday." }),
    )
    .await;
    let opened = post_form(&app, &page, &[("method", "card")]).await;
    assert_eq!(opened.status, 303);
    let checkout = opened.location_path();
    let card_page = get(&app, &checkout).await;
    assert_eq!(card_page.status, 200);
    assert!(text_of(&card_page.body).contains("Pay 25.00 USD"));
    // Opening the card page or the done page pays nothing.
    assert_eq!(get(&app, &format!("{checkout}/done")).await.status, 200);
    assert_eq!(app.row_count("payments").await, 0);

    let declined = post_form(&app, &checkout, &[("card", "4000 0000 0000 0002")]).await;
    assert_eq!(declined.status, 402);
    assert!(text_of(&declined.body).contains("Your card was declined."));
    let unknown = post_form(&app, &checkout, &[("card", "4111 1111 1111 1111")]).await;
    assert_eq!(unknown.status, 422);
    assert_eq!(app.row_count("payments").await, 0);

    let paid = post_form(&app, &checkout, &[("card", "4242424242424242")]).await;
    assert_eq!(paid.status, 303);
    let done = get(&app, &paid.location_path()).await;
    assert_eq!(done.status, 200);
    assert!(
        text_of(&done.body).contains("Thanks! Pick up your bread on Friday."),
        "{}",
        done.body
    );
    // The card page posted again (a second tab, a double click) pays nothing more.
    let again = post_form(&app, &checkout, &[("card", "4242424242424242")]).await;
    assert_eq!(again.status, 303);
    assert_eq!(app.row_count("payments").await, 1);

    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1);
    let payment = &payments[0];
    assert_eq!(payment["status"], "Succeeded");
    assert_eq!(payment["amount"], 2500);
    assert_eq!(payment["currency"], "USD");
    assert_eq!(payment["provider"], "test");
    assert!(payment["id"].as_str().unwrap().starts_with("pay_"));

    let other = app.merchant("Someone Else").await;
    let body = app
        .gql(&other, LINK_PAYMENTS, json!({ "id": link_id }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn a_link_with_a_redirect_url_sends_the_payer_there_after_paying() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Redirects").await;
    let (_, page) = create_link(
        &app,
        &merchant,
        json!({ "redirect_url": "https://merchant.example/thanks?order=7" }),
    )
    .await;
    let opened = post_form(&app, &page, &[("method", "ach")]).await;
    let card_page = text_of(&get(&app, &opened.location_path()).await.body);
    assert!(
        card_page.contains("a test card number stands in for the account"),
        "{card_page}"
    );
    let done = pay_in_test_mode(&app, &page, &[("method", "ach")]).await;
    let answer = get(&app, &done).await;
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.header("location"),
        "https://merchant.example/thanks?order=7"
    );
}

#[tokio::test]
async fn a_checkout_is_found_only_under_its_own_link() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Pairs").await;
    let (_, first) = create_link(&app, &merchant, json!({})).await;
    let (_, second) = create_link(&app, &merchant, json!({})).await;
    let opened = post_form(&app, &first, &[("method", "card")]).await;
    let checkout = opened.location_path();
    let checkout_id = checkout.rsplit('/').next().unwrap();
    for path in [
        format!("{second}/checkout/{checkout_id}"),
        format!("{second}/checkout/{checkout_id}/done"),
        format!(
            "/s/{}/checkout/{checkout_id}",
            first.trim_start_matches("/l/")
        ),
    ] {
        assert_eq!(get(&app, &path).await.status, 404, "{path}");
    }
    let posted = post_form(
        &app,
        &format!("{second}/checkout/{checkout_id}"),
        &[("card", "4242424242424242")],
    )
    .await;
    assert_eq!(posted.status, 404);
    assert_eq!(app.row_count("payments").await, 0);
}
