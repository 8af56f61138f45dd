//! A payment-plan session's page: the offer while Active, which way it ended otherwise, and a
//! plan paid in test mode completing the session.

use serde_json::json;

use super::*;
use crate::support::error_code;

const UPDATE_SESSION: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { id status }
}";

#[tokio::test]
async fn a_sessions_page_shows_the_offer() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Dental Care").await;
    let (_, page) = create_session(
        &app,
        &merchant,
        json!({ "cancelUrl": "https://dental.example/plans", "frequency": "Biweekly" }),
    )
    .await;
    let answer = get(&app, &page).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let text = text_of(&answer.body);
    for shown in [
        "Dental Care",
        "For Jo Doe",
        "Each payment 100.00 USD",
        "How often Every two weeks",
        "First payment 1 January 2027",
        "Number of payments 12",
        "Total 1,200.00 USD",
        "Set up payment plan",
    ] {
        assert!(text.contains(shown), "{shown:?} is not on the page: {text}");
    }
    assert!(
        answer
            .body
            .contains(r#"href="https://dental.example/plans">Cancel</a>"#),
        "{}",
        answer.body
    );
    let (_, without_cancel) = create_session(&app, &merchant, json!({})).await;
    let body = get(&app, &without_cancel).await.body;
    assert!(
        !body.contains(">Cancel</a>"),
        "no cancelUrl, no cancel action"
    );
}

#[tokio::test]
async fn a_session_no_longer_active_says_which_way_it_ended() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Ends").await;
    let (cancelled, cancelled_page) = create_session(&app, &merchant, json!({})).await;
    let body = app
        .gql(
            &merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": cancelled, "status": "Cancelled" } }),
        )
        .await;
    assert_eq!(ok(&body, "updatePaymentPlanSession")["status"], "Cancelled");
    let answer = get(&app, &cancelled_page).await;
    assert_eq!(answer.status, 410);
    assert!(text_of(&answer.body).contains("This payment plan offer was withdrawn"));

    let (expired, expired_page) = create_session(&app, &merchant, json!({})).await;
    app.sql(move |conn| {
        use diesel::prelude::*;
        diesel::sql_query(
            "UPDATE payment_plan_sessions SET expiration_date = now() - interval '1 minute' WHERE id = $1",
        )
        .bind::<diesel::sql_types::Text, _>(expired)
        .execute(conn)
        .expect("expiring");
    })
    .await;
    let answer = get(&app, &expired_page).await;
    assert_eq!(answer.status, 410);
    assert!(text_of(&answer.body).contains("This payment plan offer has expired"));
    let posted = post_form(&app, &expired_page, &[("method", "card")]).await;
    assert_eq!(posted.status, 410);
    assert_eq!(app.row_count("checkouts").await, 0);
}

#[tokio::test]
async fn paying_a_plan_completes_the_session_and_goes_to_its_success_url() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Gym").await;
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "successUrl": "https://gym.example/welcome", "startDate": today() }),
    )
    .await;
    let done = pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let answer = get(&app, &done).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), "https://gym.example/welcome");

    let view = session_payments(&app, &merchant, &session).await;
    assert_eq!(view["status"], "Completed");
    assert_eq!(
        view["link"],
        serde_json::Value::Null,
        "a Completed session has no link"
    );
    let payments = view["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{view}");
    assert_eq!(payments[0]["status"], "Succeeded");
    assert_eq!(payments[0]["amount"], 10_000);

    let again = get(&app, &page).await;
    assert_eq!(again.status, 410);
    assert!(text_of(&again.body).contains("This payment plan is already set up"));
}

#[tokio::test]
async fn a_plan_starting_later_is_set_up_with_nothing_charged_today() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Later").await;
    // The start date of the default input, 2027-01-01, is weeks ahead.
    let (session, page) = create_session(&app, &merchant, json!({})).await;
    let opened = post_form(&app, &page, &[("method", "card")]).await;
    let checkout = opened.location_path();
    let card_page = text_of(&get(&app, &checkout).await.body);
    assert!(
        card_page.contains(
            "Nothing is charged today. The first payment of 100.00 USD is taken on 1 January 2027."
        ),
        "{card_page}"
    );
    let paid = post_form(&app, &checkout, &[("card", "4242424242424242")]).await;
    let done = text_of(&get(&app, &paid.location_path()).await.body);
    assert!(
        done.contains("the first payment is taken on 1 January 2027"),
        "{done}"
    );
    let view = session_payments(&app, &merchant, &session).await;
    assert_eq!(view["status"], "Completed");
    assert_eq!(view["payments"], serde_json::json!([]));
}

#[tokio::test]
async fn a_plan_without_a_success_url_ends_on_paylinks_own_page() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Plain").await;
    let (_, page) = create_session(
        &app,
        &merchant,
        json!({ "currency": "JPY", "amount": "5000" }),
    )
    .await;
    let text = text_of(&get(&app, &page).await.body);
    assert!(text.contains("Each payment 5,000 JPY"), "{text}");
    let done = pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let answer = get(&app, &done).await;
    assert_eq!(answer.status, 200);
    assert!(text_of(&answer.body).contains("Payment plan set up"));
}

#[tokio::test]
async fn a_plan_offers_bank_debits_only_in_usd() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Plans").await;
    let (_, in_dollars) = create_session(&app, &merchant, json!({})).await;
    let body = get(&app, &in_dollars).await.body;
    assert!(body.contains(r#"value="card""#), "{body}");
    assert!(body.contains(r#"value="ach""#), "{body}");
    for currency in ["EUR", "JPY"] {
        let (_, page) = create_session(
            &app,
            &merchant,
            json!({ "currency": currency, "amount": "100.00" }),
        )
        .await;
        let body = get(&app, &page).await.body;
        assert!(!body.contains(r#"value="ach""#), "{currency}: {body}");
        assert!(!body.contains("Bank account"), "{currency}: {body}");
        let refused = post_form(&app, &page, &[("method", "ach")]).await;
        assert_eq!(refused.status, 422, "{currency}: {}", refused.body);
    }
    assert_eq!(app.row_count("checkouts").await, 0);
}

#[tokio::test]
async fn a_session_amount_its_currency_cannot_hold_is_refused() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Yen").await;
    let contact_id = create_contact(&app, &merchant).await;
    let mut input = crate::deliveries::session_input(&contact_id);
    input["currency"] = json!("JPY");
    input["amount"] = json!("100.50");
    let body = app
        .gql(
            &merchant,
            crate::deliveries::CREATE_SESSION,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn a_session_url_with_a_control_character_is_refused_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Typed").await;
    let contact_id = create_contact(&app, &merchant).await;
    for field in ["callbackUrl", "successUrl", "cancelUrl"] {
        let mut input = crate::deliveries::session_input(&contact_id);
        input[field] = json!("https://merchant.example/back\r\nX-Injected: 1");
        let body = app
            .gql(
                &merchant,
                crate::deliveries::CREATE_SESSION,
                json!({ "input": input }),
            )
            .await;
        assert!(!body["errors"].is_null(), "{field}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("control characters"),
            "{body}"
        );
    }
    assert_eq!(app.row_count("payment_plan_sessions").await, 0);
}
