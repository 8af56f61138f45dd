//! Service fees: a SERVICE_FEE link's payer pays the merchant's fee on top of the amount, seen
//! line by line before paying and recorded with the payment; INTERCHANGE links, merchants
//! without a fee, other currencies, cash and payment plans add nothing.

use serde_json::json;

use super::*;

const MERCHANT_FEES: &str =
    "{ merchant { merchant_uid name serviceFees { currency percent basisPoints fixed } } }";

#[tokio::test]
async fn a_service_fee_links_payer_sees_the_fee_and_the_total_and_the_payment_records_both() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Hill School").await;
    set_fee(&app, &merchant, "USD", 290, 30).await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "amount": 2500, "fee_mode": "SERVICE_FEE", "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    // 25.00 USD at 2.9% is 0.725, half up 0.73; with 0.30: 1.03.
    let shown = get(&app, &page).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let text = text_of(&shown.body);
    assert!(
        text.contains("Amount 25.00 USD Service fee 1.03 USD Total 26.03 USD"),
        "{text}"
    );
    assert!(shown.body.contains(r#"<dd id="service-fee">1.03 USD</dd>"#));

    let opened = post_form(&app, &page, &[]).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let checkout = opened.location_path();
    let card = text_of(&get(&app, &checkout).await.body);
    assert!(card.contains("Pay 26.03 USD"), "{card}");
    assert!(
        card.contains("Amount 25.00 USD Service fee 1.03 USD Total 26.03 USD"),
        "{card}"
    );
    let paid = post_form(&app, &checkout, &[("card", "4242 4242 4242 4242")]).await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let done = text_of(&get(&app, &paid.location_path()).await.body);
    assert!(
        done.contains("Amount: 26.03 USD, including a service fee of 1.03 USD"),
        "{done}"
    );

    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["amount"], 2603, "what was charged");
    assert_eq!(payments[0]["feeAmount"], 103);
    let recorded = app
        .sql(|conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Fees {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                checkout: i64,
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                payment: i64,
            }
            diesel::sql_query(
                "SELECT c.fee_amount AS checkout, p.fee_amount AS payment \
                 FROM checkouts c JOIN payments p ON p.checkout_id = c.id",
            )
            .get_result::<Fees>(conn)
            .map(|fees| (fees.checkout, fees.payment))
            .expect("the fees recorded")
        })
        .await;
    assert_eq!(recorded, (103, 103));
}

#[tokio::test]
async fn a_variable_amounts_fee_is_its_rule_until_the_amount_is_typed() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Food Bank").await;
    set_fee(&app, &merchant, "USD", 290, 30).await;
    let (link_id, page) = create_link(
        &app,
        &merchant,
        json!({ "amount_is_variable": true, "amount": null, "min_amount": 500,
                "max_amount": 50000, "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    let text = text_of(&get(&app, &page).await.body);
    assert!(
        text.contains(
            "Any amount between 5.00 USD and 500.00 USD. A service fee of 2.9% + 0.30 USD is added to it."
        ),
        "{text}"
    );
    assert!(!text.contains("Total"), "no total before an amount: {text}");
    // The bounds are the amount's own: 4.99 plus its fee would be over 5.00, and is refused.
    let refused = post_form(&app, &page, &[("amount", "4.99")]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);

    // 42.50 USD at 2.9% is 1.2325: 1.23, and 0.30 on top.
    let opened = post_form(&app, &page, &[("amount", "42.50")]).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let checkout = opened.location_path();
    let card = text_of(&get(&app, &checkout).await.body);
    assert!(
        card.contains("Pay 44.03 USD")
            && card.contains("Amount 42.50 USD Service fee 1.53 USD Total 44.03 USD"),
        "{card}"
    );
    post_form(&app, &checkout, &[("card", "4242424242424242")]).await;
    let payments = link_payments(&app, &merchant, &link_id).await;
    assert_eq!(
        (&payments[0]["amount"], &payments[0]["feeAmount"]),
        (&json!(4403), &json!(153))
    );
}

#[tokio::test]
async fn fees_follow_their_currencys_minor_unit() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Tea House").await;
    set_fee(&app, &merchant, "JPY", 290, 30).await;
    set_fee(&app, &merchant, "BHD", 290, 100).await;
    for (currency, amount, lines) in [
        // 5,000 JPY at 2.9% is 145 yen, and 30 yen on top.
        (
            "JPY",
            5_000,
            "Amount 5,000 JPY Service fee 175 JPY Total 5,175 JPY",
        ),
        // 1.500 BHD at 2.9% is 43.5 fils: 44, and 0.100 BHD on top.
        (
            "BHD",
            1_500,
            "Amount 1.500 BHD Service fee 0.144 BHD Total 1.644 BHD",
        ),
    ] {
        let (link_id, page) = create_link(
            &app,
            &merchant,
            json!({ "currency": currency, "amount": amount, "accepted_payment_methods": "ONLY_CARD" }),
        )
        .await;
        let text = text_of(&get(&app, &page).await.body);
        assert!(text.contains(lines), "{currency}: {text}");
        pay_in_test_mode(&app, &page, &[]).await;
        let payments = link_payments(&app, &merchant, &link_id).await;
        assert_eq!(payments[0]["currency"], currency);
        let fee = payments[0]["feeAmount"].as_i64().unwrap();
        assert_eq!(payments[0]["amount"], amount + fee, "{currency}");
    }
}

#[tokio::test]
async fn interchange_links_merchants_without_a_fee_and_other_currencies_add_nothing() {
    let app = TestApp::start().await;
    let with_fee = app.merchant("Charges Fees").await;
    set_fee(&app, &with_fee, "USD", 290, 30).await;
    let without_fee = app.merchant("Charges None").await;

    let cases = [
        (
            "INTERCHANGE",
            &with_fee,
            json!({ "fee_mode": "INTERCHANGE", "accepted_payment_methods": "ONLY_CARD" }),
        ),
        (
            "no fee set",
            &without_fee,
            json!({ "fee_mode": "SERVICE_FEE", "accepted_payment_methods": "ONLY_CARD" }),
        ),
        (
            "another currency",
            &with_fee,
            json!({ "currency": "EUR", "accepted_payment_methods": "ONLY_CARD" }),
        ),
    ];
    for (case, merchant, fields) in cases {
        let (link_id, page) = create_link(&app, merchant, fields).await;
        let shown = get(&app, &page).await;
        let text = text_of(&shown.body);
        assert!(!text.contains("Service fee"), "{case}: {text}");
        assert!(
            shown
                .body
                .contains(r#"<p class="amount" id="amount">25.00"#),
            "{case}"
        );
        let done = pay_in_test_mode(&app, &page, &[]).await;
        let done = text_of(&get(&app, &done).await.body);
        assert!(!done.contains("service fee"), "{case}: {done}");
        let payments = link_payments(&app, merchant, &link_id).await;
        assert_eq!(payments[0]["amount"], 2500, "{case}");
        assert_eq!(payments[0]["feeAmount"], 0, "{case}");
    }

    // Cash is paid to the merchant: its page states no fee.
    let (_, cash) = create_link(
        &app,
        &with_fee,
        json!({ "accepted_payment_methods": "ONLY_CASH" }),
    )
    .await;
    let text = text_of(&get(&app, &cash).await.body);
    assert!(
        text.contains("25.00 USD") && !text.contains("Service fee"),
        "{text}"
    );
}

#[tokio::test]
async fn payment_plans_pay_no_fee() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Plans Only").await;
    set_fee(&app, &merchant, "USD", 290, 30).await;
    let (session, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    let text = text_of(&get(&app, &page).await.body);
    assert!(!text.contains("Service fee"), "{text}");
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let body = app
        .gql(
            &merchant,
            "query($id: ID!) { paymentPlanSession(id: $id) { payments { amount feeAmount } } }",
            json!({ "id": session }),
        )
        .await;
    let payments = &ok(&body, "paymentPlanSession")["payments"];
    assert_eq!(payments, &json!([{ "amount": 10000, "feeAmount": 0 }]));
}

#[tokio::test]
async fn a_merchant_reads_its_service_fees() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Reads Fees").await;
    let body = app.gql(&merchant, MERCHANT_FEES, json!({})).await;
    assert_eq!(
        ok(&body, "merchant"),
        &json!({ "merchant_uid": merchant.uid, "name": "Reads Fees", "serviceFees": [] })
    );
    set_fee(&app, &merchant, "USD", 290, 30).await;
    set_fee(&app, &merchant, "JPY", 350, 100).await;
    set_fee(&app, &merchant, "USD", 295, 0).await;
    let body = app.gql(&merchant, MERCHANT_FEES, json!({})).await;
    assert_eq!(
        ok(&body, "merchant")["serviceFees"],
        json!([
            { "currency": "JPY", "percent": "3.5", "basisPoints": 350, "fixed": 100 },
            { "currency": "USD", "percent": "2.95", "basisPoints": 295, "fixed": 0 },
        ])
    );
    // Another merchant reads its own, none.
    let other = app.merchant("Other").await;
    let body = app.gql(&other, MERCHANT_FEES, json!({})).await;
    assert_eq!(ok(&body, "merchant")["serviceFees"], json!([]));
}
