//! Money through the API: links and sessions the payment processor could not charge are refused
//! when they are created or changed (the minimum charge of their currency; bank debits outside
//! USD), and the links paylink sends state amounts in their currency's own minor unit.

use serde_json::{Value, json};

use crate::deliveries::{
    CREATE_CONTACT, CREATE_SESSION, SEND_SESSION_LINK, ok, send_payment_link, session_input,
};
use crate::support::*;

const UPDATE_SESSION: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { id amount currency }
}";

/// Asserts a BAD_USER_INPUT naming `field` whose message contains `says`.
fn assert_refused(body: &Value, field: &str, says: &str) {
    assert_eq!(body["data"], Value::Null, "{body}");
    let error = only_error(body);
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(error["extensions"]["field"], field, "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(says), "{says:?} not in {message:?}");
}

fn link_input(merchant: &Merchant, fields: Value) -> Value {
    let mut input = json!({
        "merchant_uid": merchant.uid, "link_name": "Tea", "payment_name": "Tea set", "amount": 2500,
    });
    for (key, value) in fields.as_object().unwrap() {
        input[key] = value.clone();
    }
    json!({ "input": input })
}

async fn contact(app: &TestApp, merchant: &Merchant) -> String {
    let body = app
        .gql(
            merchant,
            CREATE_CONTACT,
            json!({ "input": { "name": "Jo Doe", "email": "jo@example.com" } }),
        )
        .await;
    ok(&body, "createContact")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn session(contact_id: &str, fields: Value) -> Value {
    let mut input = session_input(contact_id);
    for (key, value) in fields.as_object().unwrap() {
        input[key] = value.clone();
    }
    json!({ "input": input })
}

#[tokio::test(flavor = "multi_thread")]
async fn links_the_processor_could_not_charge_are_refused_when_created() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let minimum = "must be at least 0.50 USD (50 in minor units), the smallest charge the \
                   payment processor takes in USD, not 0.49 USD";
    for (fields, field, says) in [
        (json!({ "amount": 49 }), "amount", minimum),
        (
            json!({ "amount_is_variable": true, "amount": null, "min_amount": 49 }),
            "min_amount",
            minimum,
        ),
        (
            json!({ "amount_is_variable": true, "amount": null, "max_amount": 49 }),
            "max_amount",
            minimum,
        ),
        (
            json!({ "currency": "JPY", "amount": 49, "accepted_payment_methods": "NOT_ACH" }),
            "amount",
            "must be at least 50 JPY (50 in minor units)",
        ),
        (
            json!({ "currency": "GBP", "amount": 29, "accepted_payment_methods": "ONLY_CARD" }),
            "amount",
            "must be at least 0.30 GBP",
        ),
        // Asked for by name, bank debits in another currency are refused.
        (
            json!({ "currency": "EUR", "accepted_payment_methods": "ALL" }),
            "accepted_payment_methods",
            "bank debits (ACH), which are USD only",
        ),
        (
            json!({ "currency": "JPY", "amount": 5000, "accepted_payment_methods": "ONLY_ACH" }),
            "accepted_payment_methods",
            "such as NOT_ACH or ONLY_CARD",
        ),
    ] {
        let body = app
            .gql(&merchant, CREATE, link_input(&merchant, fields.clone()))
            .await;
        assert_refused(&body, field, says);
    }
    assert_eq!(app.link_count().await, 0);

    // At the minimum, outside the table's currencies, and without bank debits: accepted.
    for fields in [
        json!({ "amount": 50 }),
        json!({ "amount_is_variable": true, "amount": null }),
        json!({ "currency": "JPY", "amount": 50, "accepted_payment_methods": "NOT_ACH" }),
        json!({ "currency": "BHD", "amount": 1, "accepted_payment_methods": "ONLY_CARD" }),
        json!({ "currency": "EUR", "accepted_payment_methods": "ONLY_CASH" }),
    ] {
        let body = app
            .gql(&merchant, CREATE, link_input(&merchant, fields.clone()))
            .await;
        assert!(body.get("errors").is_none(), "{fields}: {body}");
    }

    // Naming none, a link takes every method its currency can be paid with.
    for (currency, methods) in [("USD", "ALL"), ("EUR", "NOT_ACH")] {
        let body = app
            .gql(
                &merchant,
                "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { accepted_payment_methods } }",
                link_input(&merchant, json!({ "currency": currency })),
            )
            .await;
        assert_eq!(
            body["data"]["createPaymentLink"]["accepted_payment_methods"], methods,
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn links_the_processor_could_not_charge_are_refused_when_updated() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let created = app
        .gql(&merchant, CREATE, link_input(&merchant, json!({})))
        .await;
    let link_id = ok(&created, "createPaymentLink")["link_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = |fields: Value| {
        let mut input = json!({ "merchant_uid": merchant.uid, "link_id": link_id });
        for (key, value) in fields.as_object().unwrap() {
            input[key] = value.clone();
        }
        json!({ "input": input })
    };
    for (fields, field, says) in [
        (json!({ "amount": 10 }), "amount", "not 0.10 USD"),
        // The stored ALL takes bank debits, which a currency other than USD cannot.
        (
            json!({ "currency": "CAD" }),
            "accepted_payment_methods",
            "for a link in CAD",
        ),
    ] {
        let body = app.gql(&merchant, UPDATE, update(fields)).await;
        assert_refused(&body, field, says);
    }
    let body = app
        .gql(
            &merchant,
            UPDATE,
            update(json!({ "currency": "CAD", "accepted_payment_methods": "NOT_ACH" })),
        )
        .await;
    let updated = ok(&body, "updatePaymentLink");
    assert_eq!(updated["currency"], "CAD");
    assert_eq!(updated["amount"], 2500, "a refused update wrote nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_below_the_minimum_charge_are_refused() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let contact_id = contact(&app, &merchant).await;
    for (fields, says) in [
        (
            json!({ "amount": "0.49" }),
            "must be at least 0.50 USD, the smallest charge the payment processor takes in USD, \
             not 0.49 USD",
        ),
        (
            json!({ "amount": "49", "currency": "JPY" }),
            "must be at least 50 JPY",
        ),
    ] {
        let body = app
            .gql(&merchant, CREATE_SESSION, session(&contact_id, fields))
            .await;
        assert_refused(&body, "amount", says);
    }
    assert_eq!(app.row_count("payment_plan_sessions").await, 0);

    let body = app
        .gql(
            &merchant,
            CREATE_SESSION,
            session(&contact_id, json!({ "amount": "0.50" })),
        )
        .await;
    let id = ok(&body, "createPaymentPlanSession")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .gql(
            &merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": id, "amount": "0.10" } }),
        )
        .await;
    assert_refused(&body, "amount", "not 0.10 USD");
    // Bank debits are USD only, but a plan in another currency is not refused: its page offers
    // a card alone (see the pages' tests).
    let body = app
        .gql(
            &merchant,
            CREATE_SESSION,
            session(&contact_id, json!({ "amount": "1.50", "currency": "BHD" })),
        )
        .await;
    assert_eq!(ok(&body, "createPaymentPlanSession")["amount"], "1.50");
}

/// The plain-text body paylink queued for delivery `id`.
async fn queued_text(app: &TestApp, id: String) -> String {
    app.sql(move |conn| {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Body {
            #[diesel(sql_type = diesel::sql_types::Text)]
            body_text: String,
        }
        diesel::sql_query("SELECT body_text FROM link_deliveries WHERE id = $1")
            .bind::<diesel::sql_types::Text, _>(id)
            .get_result::<Body>(conn)
            .expect("the delivery")
            .body_text
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn sent_links_state_amounts_in_their_currencys_minor_unit() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Kyoto Tea").await;
    let contact_id = contact(&app, &merchant).await;
    for (currency, link_amount, session_amount, shown) in [
        ("USD", 1_250, "12.50", "12.50 USD"),
        ("JPY", 5_000, "5000", "5,000 JPY"),
        ("BHD", 1_500, "1.50", "1.500 BHD"),
    ] {
        let body = app
            .gql(
                &merchant,
                CREATE,
                link_input(
                    &merchant,
                    json!({ "currency": currency, "amount": link_amount,
                            "accepted_payment_methods": "ONLY_CARD" }),
                ),
            )
            .await;
        let link_id = ok(&body, "createPaymentLink")["link_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (success, message) = send_payment_link(
            &app,
            &merchant,
            json!({ "link_id": link_id, "channel": "Email", "to": "payer@example.com" }),
        )
        .await;
        assert!(success, "{message}");
        let text = queued_text(&app, crate::deliveries::delivery_id_in(&message)).await;
        assert!(
            text.contains(&format!("a payment link for Tea set ({shown}).")),
            "{currency}: {text}"
        );

        let body = app
            .gql(
                &merchant,
                CREATE_SESSION,
                session(
                    &contact_id,
                    json!({ "currency": currency, "amount": session_amount }),
                ),
            )
            .await;
        let session_id = ok(&body, "createPaymentPlanSession")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = app
            .gql(
                &merchant,
                SEND_SESSION_LINK,
                json!({ "input": { "id": session_id, "channel": "Email" } }),
            )
            .await;
        let message = ok(&body, "sendPaymentPlanSessionLink")["message"]
            .as_str()
            .unwrap()
            .to_owned();
        let text = queued_text(&app, crate::deliveries::delivery_id_in(&message)).await;
        assert!(
            text.contains(&format!("a payment plan for you: {shown}, Monthly.")),
            "{currency}: {text}"
        );
    }
}
