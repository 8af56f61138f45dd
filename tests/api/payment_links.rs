//! createPaymentLink and updatePaymentLink: defaults, every validation rule, null versus omitted,
//! and tenant isolation.

use serde_json::{Value, json};

use crate::support::*;

fn base_input(merchant: &Merchant) -> Value {
    json!({
        "merchant_uid": merchant.uid,
        "link_name": "Spring fees",
        "payment_name": "Tuition",
        "amount": 12500,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn create_applies_the_documented_defaults() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let body = app
        .gql(&merchant, CREATE, json!({ "input": base_input(&merchant) }))
        .await;
    let link = &body["data"]["createPaymentLink"];
    assert!(body.get("errors").is_none(), "{body}");
    let link_id = link["link_id"].as_str().unwrap();
    let random = link_id.strip_prefix("pt_link_").expect("pt_link_ prefix");
    assert!(
        random.len() >= 20
            && random
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(link["link_url"], format!("https://pay.test/l/{link_id}"));
    assert_eq!(link["merchant_uid"], merchant.uid);
    assert_eq!(link["currency"], "USD");
    assert_eq!(link["fee_mode"], "SERVICE_FEE");
    assert_eq!(link["amount_is_variable"], false);
    assert_eq!(link["require_phone"], false);
    assert_eq!(link["call_to_action"], "PAY");
    assert_eq!(link["accepted_payment_methods"], "ALL");
    assert_eq!(link["is_active"], true);
    assert_eq!(link["payment_description"], Value::Null);
    let created = link["created_date"].as_str().unwrap();
    assert_eq!(
        created.len(),
        "2026-11-21T19:54:52.123456Z".len(),
        "{created}"
    );
    assert!(created.ends_with('Z'));
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn create_keeps_every_given_field() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let input = json!({
        "merchant_uid": merchant.uid, "link_name": "Gala", "payment_name": "Gala ticket",
        "payment_description": "One seat", "currency": "EUR", "fee_mode": "INTERCHANGE",
        "amount_is_variable": true, "min_amount": 500, "max_amount": 9000, "amount": 1000,
        "require_phone": true, "call_to_action": "DONATE", "accepted_payment_methods": "ONLY_CARD",
        "account_code": "GL-4000", "redirect_url": "https://example.com/thanks",
    });
    let body = app.gql(&merchant, CREATE, json!({ "input": input })).await;
    let link = &body["data"]["createPaymentLink"];
    for field in [
        "payment_description",
        "currency",
        "fee_mode",
        "amount_is_variable",
        "min_amount",
        "max_amount",
        "amount",
        "require_phone",
        "call_to_action",
        "accepted_payment_methods",
        "account_code",
        "redirect_url",
    ] {
        assert_eq!(link[field], input[field], "{field}: {body}");
    }
}

/// Each broken rule: the field it names in `extensions.field`, and nothing stored.
#[tokio::test(flavor = "multi_thread")]
async fn every_validation_rule_rejects_with_its_field_and_writes_nothing() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, Value)> = vec![
        ("link_name", json!({ "link_name": "   " })),
        ("link_name", json!({ "link_name": long(256) })),
        ("payment_name", json!({ "payment_name": "" })),
        ("payment_name", json!({ "payment_name": long(256) })),
        (
            "payment_description",
            json!({ "payment_description": long(1001) }),
        ),
        ("amount", json!({ "amount": 0 })),
        ("amount", json!({ "amount": -5 })),
        ("amount", json!({ "amount": null })),
        (
            "min_amount",
            json!({ "amount_is_variable": true, "amount": null, "min_amount": 0 }),
        ),
        (
            "max_amount",
            json!({ "amount_is_variable": true, "amount": null, "max_amount": -1 }),
        ),
        (
            "max_amount",
            json!({ "amount_is_variable": true, "amount": null, "min_amount": 900, "max_amount": 100 }),
        ),
        (
            "amount",
            json!({ "amount_is_variable": true, "amount": 50, "min_amount": 100, "max_amount": 900 }),
        ),
        (
            "amount",
            json!({ "amount_is_variable": true, "amount": 950, "min_amount": 100, "max_amount": 900 }),
        ),
        ("min_amount", json!({ "min_amount": 100 })),
        ("currency", json!({ "currency": "usd" })),
        ("currency", json!({ "currency": "DOLLAR" })),
        (
            "redirect_url",
            json!({ "redirect_url": "example.com/thanks" }),
        ),
        // The parser would drop the newline and the payer's redirect header would break.
        (
            "redirect_url",
            json!({ "redirect_url": "https://shop.example/thanks\n" }),
        ),
        (
            "redirect_url",
            json!({ "redirect_url": "ftp://example.com" }),
        ),
        (
            "redirect_url",
            json!({ "redirect_url": format!("https://example.com/{}", long(2040)) }),
        ),
        (
            "redirect_url",
            json!({ "redirect_url": "https://example.com", "custom_success_message": "Thanks!" }),
        ),
        ("account_code", json!({ "account_code": long(256) })),
    ];
    for (field, change) in cases {
        let mut input = base_input(&merchant);
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let body = app.gql(&merchant, CREATE, json!({ "input": input })).await;
        assert_eq!(body["data"], Value::Null, "{field}: {body}");
        let error = only_error(&body);
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{field}: {body}"
        );
        assert_eq!(error["extensions"]["field"], field, "{change}: {body}");
        assert!(
            error["message"].as_str().unwrap().starts_with(field),
            "{body}"
        );
    }
    assert_eq!(app.link_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_only_given_fields_and_null_clears() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let mut input = base_input(&merchant);
    input["payment_description"] = json!("First term");
    input["account_code"] = json!("GL-1");
    let created = app.gql(&merchant, CREATE, json!({ "input": input })).await;
    let created = &created["data"]["createPaymentLink"];
    let link_id = created["link_id"].as_str().unwrap();

    // Omitted fields stay; a given field changes.
    let body = app
        .gql(&merchant, UPDATE, json!({ "input": { "merchant_uid": merchant.uid, "link_id": link_id, "link_name": "Autumn fees" } }))
        .await;
    let updated = &body["data"]["updatePaymentLink"];
    assert_eq!(updated["link_name"], "Autumn fees", "{body}");
    assert_eq!(updated["payment_description"], "First term");
    assert_eq!(updated["account_code"], "GL-1");
    assert_eq!(updated["amount"], 12500);
    assert_eq!(updated["created_date"], created["created_date"]);

    // Explicit null clears a nullable field, through variables ...
    let body = app
        .gql(&merchant, UPDATE, json!({ "input": { "merchant_uid": merchant.uid, "link_id": link_id, "payment_description": null } }))
        .await;
    let updated = &body["data"]["updatePaymentLink"];
    assert_eq!(updated["payment_description"], Value::Null, "{body}");
    assert_eq!(updated["account_code"], "GL-1");

    // ... and as a literal.
    let literal = format!(
        r#"mutation {{ updatePaymentLink(input: {{merchant_uid: "{}", link_id: "{link_id}", account_code: null}}) {{ account_code link_name }} }}"#,
        merchant.uid
    );
    let body = app.gql(&merchant, &literal, json!({})).await;
    assert_eq!(
        body["data"]["updatePaymentLink"]["account_code"],
        Value::Null,
        "{body}"
    );
    assert_eq!(
        body["data"]["updatePaymentLink"]["link_name"],
        "Autumn fees"
    );

    // Null for a field that cannot be null is refused.
    let body = app
        .gql(&merchant, UPDATE, json!({ "input": { "merchant_uid": merchant.uid, "link_id": link_id, "link_name": null } }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(only_error(&body)["extensions"]["field"], "link_name");

    // is_active false deactivates.
    let body = app
        .gql(&merchant, UPDATE, json!({ "input": { "merchant_uid": merchant.uid, "link_id": link_id, "is_active": false } }))
        .await;
    assert_eq!(
        body["data"]["updatePaymentLink"]["is_active"], false,
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_rules_hold_after_merging_and_a_refused_update_changes_nothing() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let mut input = base_input(&merchant);
    input["custom_success_message"] = json!("Thank you");
    let created = app.gql(&merchant, CREATE, json!({ "input": input })).await;
    let link_id = created["data"]["createPaymentLink"]["link_id"]
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

    // redirect_url alongside the stored custom_success_message breaks the pair rule.
    let body = app
        .gql(
            &merchant,
            UPDATE,
            update(json!({ "redirect_url": "https://example.com", "link_name": "Changed" })),
        )
        .await;
    assert_eq!(
        only_error(&body)["extensions"]["field"],
        "redirect_url",
        "{body}"
    );
    // Clearing the message in the same update makes it valid.
    let body = app
        .gql(
            &merchant,
            UPDATE,
            update(
                json!({ "redirect_url": "https://example.com", "custom_success_message": null }),
            ),
        )
        .await;
    assert_eq!(
        body["data"]["updatePaymentLink"]["redirect_url"], "https://example.com",
        "{body}"
    );
    // Dropping the fixed amount of a fixed-amount link is refused.
    let body = app
        .gql(&merchant, UPDATE, update(json!({ "amount": null })))
        .await;
    assert_eq!(only_error(&body)["extensions"]["field"], "amount", "{body}");

    let list = app
        .gql(
            &merchant,
            "{ paymentLinks { items { link_name amount redirect_url custom_success_message } } }",
            json!({}),
        )
        .await;
    let stored = &list["data"]["paymentLinks"]["items"][0];
    assert_eq!(
        stored["link_name"], "Spring fees",
        "the refused update changed nothing: {list}"
    );
    assert_eq!(stored["amount"], 12500);
    assert_eq!(stored["custom_success_message"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn merchants_never_see_count_or_change_each_others_links() {
    let app = TestApp::start().await;
    let first = app.merchant("First").await;
    let second = app.merchant("Second").await;
    let link = create_link(&app, &first, "Private").await;
    let link_id = link["link_id"].as_str().unwrap();

    let list = app.gql(&second, LIST, json!({})).await;
    assert_eq!(list["data"]["paymentLinks"]["total_row_count"], 0, "{list}");
    assert_eq!(list["data"]["paymentLinks"]["items"], json!([]));

    // Another merchant's link reads as not found, even with the owner's merchant_uid refused first.
    let body = app
        .gql(&second, UPDATE, json!({ "input": { "merchant_uid": second.uid, "link_id": link_id, "link_name": "Stolen" } }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .gql(&second, UPDATE, json!({ "input": { "merchant_uid": first.uid, "link_id": link_id, "link_name": "Stolen" } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Paging from a foreign link's id is refused like any unknown id.
    let body = app
        .gql(&second, LIST, json!({ "offset_id": link_id }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");

    // Creating for another merchant is refused and writes nothing.
    let body = app
        .gql(&second, CREATE, json!({ "input": { "merchant_uid": first.uid, "link_name": "x", "payment_name": "x", "amount": 1 } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(app.link_count().await, 1);

    let own = app.gql(&first, LIST, json!({})).await;
    assert_eq!(own["data"]["paymentLinks"]["total_row_count"], 1);
    assert_eq!(
        own["data"]["paymentLinks"]["items"][0]["link_name"],
        "Private"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn updating_an_unknown_link_is_not_found() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let body = app
        .gql(&merchant, UPDATE, json!({ "input": { "merchant_uid": merchant.uid, "link_id": "pt_link_nope", "is_active": false } }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert!(
        only_error(&body)["message"]
            .as_str()
            .unwrap()
            .contains("pt_link_nope")
    );
}
