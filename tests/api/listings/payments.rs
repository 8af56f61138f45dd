//! `payments`: every payment of the merchant, whatever link or session it paid.

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text};
use paylink_store::checkouts::payments::PaymentRow;
use serde_json::{Value, json};

use super::{Listing, all_of, display_order, listed, newest_first, only, pair, sorted, test};
use crate::deliveries::ok;
use crate::pages::{create_link, create_session, pay_in_test_mode, today};
use crate::support::{Merchant, TestApp, insert_links, link_row};

pub(super) const PAYMENTS: Listing = Listing {
    field: "payments",
    document: "query($direction: MoveDirection, $limit: Int, $offset: String, $offset_id: String,
      $query: SqlQuery) {
  payments(direction: $direction, limit: $limit, offset: $offset, offset_id: $offset_id,
      query: $query) {
    total_row_count
    items {
      id amount currency status amountRefunded paymentMethod linkId sessionId payerPhone
      payerEmail accountCode reference provider providerReference createdAt updatedAt
    }
  }
}",
};

/// Payer emails of the seeded payments, in mixed case (LIKE ignores it, sorting does not).
const EMAILS: [&str; 4] = [
    "jo@example.com",
    "Jo.Smith@example.com",
    "ana@example.com",
    "Émile@example.com",
];

/// When the first seeded payment was made.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

/// `count` payments of `merchant_uid`, stored directly with their checkouts: creation times in
/// groups of two or three, amounts repeating every six, every nullable column NULL in some, one
/// in ten paying a session (of a contact of its own), the rest one link; ids out of creation
/// order.
async fn seed(app: &TestApp, merchant_uid: &str, tag: &str, count: usize) -> Vec<PaymentRow> {
    let start = start();
    let link_id = format!("pt_link_{tag}_listed");
    insert_links(app, vec![link_row(merchant_uid, &link_id, start)]).await;
    let session_id = format!("pps_{tag}_listed");
    let rows: Vec<PaymentRow> = (0..count)
        .map(|i| {
            let created_at = start + Duration::seconds((i * 3 / 7) as i64);
            let amount_minor = 500 + (i % 6) as i64 * 250;
            let status = ["Succeeded", "Pending", "Failed", "Refunded"][i % 4];
            let on_session = i % 10 == 3;
            PaymentRow {
                id: format!("pay_{tag}_{:02}_{i:03}", (i * 7) % 11),
                merchant_uid: merchant_uid.to_owned(),
                checkout_id: format!("co_{tag}_{i:03}"),
                link_id: (!on_session).then(|| link_id.clone()),
                session_id: on_session.then(|| session_id.clone()),
                amount_minor,
                currency: ["USD", "EUR", "GBP"][i % 3].to_owned(),
                payment_method: if i % 4 == 1 { "ach" } else { "card" }.to_owned(),
                payer_phone: (i % 3 != 0).then(|| format!("+1415555{i:04}")),
                provider: "test".to_owned(),
                provider_reference: (i % 6 != 0).then(|| format!("pi_{i}")),
                status: status.to_owned(),
                created_at,
                updated_at: created_at,
                amount_refunded: match status {
                    "Refunded" => amount_minor,
                    "Succeeded" if i % 3 == 0 => 100,
                    _ => 0,
                },
                account_code: (i % 4 != 0).then(|| format!("acc-{}", i % 3)),
                reference: (i % 7 != 0).then(|| ["Tuition", "Membership"][i % 2].to_owned()),
                payer_email: (i % 5 != 0).then(|| EMAILS[i % 4].to_owned()),
                provider_invoice_id: None,
                fee_amount: 0,
            }
        })
        .collect();
    let merchant_uid = merchant_uid.to_owned();
    let stored = app
        .sql(move |conn| {
            diesel::sql_query(
                "INSERT INTO contacts (id, merchant_uid, name, created_at, updated_at) \
                 VALUES ($2, $1, 'Listed', now(), now())",
            )
            .bind::<Text, _>(&merchant_uid)
            .bind::<Text, _>(format!("{session_id}_contact"))
            .execute(conn)
            .expect("a contact");
            diesel::sql_query(
                "INSERT INTO payment_plan_sessions (id, merchant_uid, contact_id, amount_minor, \
                   currency, status, frequency, start_date, occurrences, created_at, updated_at) \
                 VALUES ($2, $1, $2 || '_contact', 1000, 'USD', 'Completed', 'Monthly', \
                   DATE '2027-01-01', 12, now(), now())",
            )
            .bind::<Text, _>(&merchant_uid)
            .bind::<Text, _>(&session_id)
            .execute(conn)
            .expect("a session");
            let checkouts: Vec<String> = rows.iter().map(|row| row.checkout_id.clone()).collect();
            let links: Vec<Option<String>> = rows.iter().map(|row| row.link_id.clone()).collect();
            let sessions: Vec<Option<String>> =
                rows.iter().map(|row| row.session_id.clone()).collect();
            diesel::sql_query(
                "INSERT INTO checkouts (id, merchant_uid, link_id, session_id, amount_minor, \
                   currency, payment_method, provider, status, plan_ends_at, created_at, \
                   updated_at, expires_at) \
                 SELECT c.id, $1, c.link_id, c.session_id, 100, 'USD', 'card', 'test', \
                   'Completed', CASE WHEN c.session_id IS NOT NULL THEN now() END, now(), now(), \
                   now() \
                 FROM unnest($2, $3, $4) AS c (id, link_id, session_id)",
            )
            .bind::<Text, _>(&merchant_uid)
            .bind::<Array<Text>, _>(&checkouts)
            .bind::<Array<Nullable<Text>>, _>(&links)
            .bind::<Array<Nullable<Text>>, _>(&sessions)
            .execute(conn)
            .expect("checkouts");
            rows
        })
        .await;
    insert_payments(app, stored.clone()).await;
    stored
}

/// Stores payment rows as they are.
async fn insert_payments(app: &TestApp, rows: Vec<PaymentRow>) {
    let url = app.database_url().to_owned();
    tokio::task::spawn_blocking(move || {
        paylink_store::direct::Connection::open(&url)
            .expect("connecting to the test database")
            .insert_payments(&rows)
            .expect("seeding payments")
    })
    .await
    .expect("seeding payments");
}

fn id(row: &PaymentRow) -> &str {
    &row.id
}

fn created(row: &PaymentRow) -> DateTime<Utc> {
    row.created_at
}

/// Two merchants with payments; the first's rows are returned.
async fn seeded_app() -> (TestApp, Merchant, Merchant, Vec<PaymentRow>) {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    let rows = seed(&app, &acme.uid, "acme", 60).await;
    seed(&app, &other.uid, "other", 20).await;
    (app, acme, other, rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_to_the_end_and_back_in_every_order_through_ties_and_nulls() {
    let (app, acme, _, rows) = seeded_app().await;
    type Key = fn(&PaymentRow) -> Option<String>;
    // Values compared as the API orders them: numbers and times by their value (zero-padded
    // here), strings by bytes.
    let orders: [(&str, &str, Key); 8] = [
        ("createdAt", "DESC", |r| {
            Some(format!("{:020}", r.created_at.timestamp_micros()))
        }),
        ("amount", "ASC", |r| Some(format!("{:012}", r.amount_minor))),
        ("amount", "DESC", |r| {
            Some(format!("{:012}", r.amount_minor))
        }),
        ("payerEmail", "ASC", |r| r.payer_email.clone()),
        ("payerEmail", "DESC", |r| r.payer_email.clone()),
        ("status", "DESC", |r| Some(r.status.clone())),
        ("reference", "ASC", |r| r.reference.clone()),
        ("amountRefunded", "DESC", |r| {
            Some(format!("{:012}", r.amount_refunded))
        }),
    ];
    for (key, direction, value) in orders {
        let expected = display_order(
            rows.iter().map(|r| (value(r), r.id.clone())).collect(),
            direction == "DESC",
        );
        let (forward, backward) = PAYMENTS
            .walk(&app, &acme, sorted(key, direction), key, 7, rows.len())
            .await;
        assert_eq!(forward, expected, "{key} {direction}, forward");
        assert_eq!(backward, expected, "{key} {direction}, backward");
    }
    // Without a query: newest first, the id breaking ties.
    let expected = newest_first(&rows, created, id, |_| true);
    let (forward, backward) = PAYMENTS
        .walk(&app, &acme, Value::Null, "createdAt", 9, rows.len())
        .await;
    assert_eq!(forward, expected);
    assert_eq!(backward, expected);
    // offset_id alone reads the boundary from the payment, NULL sort values included.
    let by_email = display_order(
        rows.iter()
            .map(|r| (r.payer_email.clone(), r.id.clone()))
            .collect(),
        false,
    );
    let null_one = rows.iter().find(|r| r.payer_email.is_none()).unwrap();
    let at = by_email.iter().position(|id| *id == null_one.id).unwrap();
    let page = PAYMENTS
        .page(
            &app,
            &acme,
            json!({ "limit": 3, "offset_id": null_one.id, "query": sorted("payerEmail", "ASC"),
                    "direction": "BACKWARD" }),
        )
        .await;
    assert_eq!(super::ids(&page), by_email[at - 3..at].to_vec());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_filter_selects_what_it_says() {
    let (app, acme, _, rows) = seeded_app().await;
    let expect = |keep: &dyn Fn(&PaymentRow) -> bool| newest_first(&rows, created, id, keep);
    let email = |r: &PaymentRow| r.payer_email.clone().unwrap_or_default();
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            only(pair("status", "EQUAL", "Refunded")),
            expect(&|r| r.status == "Refunded"),
        ),
        (
            only(pair("payerEmail", "NOT_EQUAL", "jo@example.com")),
            expect(&|r| r.payer_email.as_deref() != Some("jo@example.com")),
        ),
        (
            all_of(
                "AND_NEXT",
                vec![
                    pair("amount", "GREATER_EQUAL", "750"),
                    pair("amount", "LESS_THAN", "1250"),
                ],
            ),
            expect(&|r| (750..1250).contains(&r.amount_minor)),
        ),
        (
            all_of(
                "AND_NEXT",
                vec![
                    pair("createdAt", "GREATER_THAN", "2026-03-01T09:00:05Z"),
                    pair("createdAt", "LESS_EQUAL", "2026-03-01T09:00:12.000000Z"),
                ],
            ),
            expect(&|r| {
                let at = (r.created_at - start()).num_seconds();
                at > 5 && at <= 12
            }),
        ),
        // LIKE ignores case, "É" as well as "J".
        (
            only(pair("payerEmail", "LIKE", "JO%")),
            expect(&|r| email(r).to_lowercase().starts_with("jo")),
        ),
        (
            only(pair("payerEmail", "LIKE", "émile@%")),
            expect(&|r| email(r).starts_with("Émile@")),
        ),
        (
            only(pair("payerEmail", "NOT_LIKE", "jo%")),
            expect(&|r| !email(r).to_lowercase().starts_with("jo") || r.payer_email.is_none()),
        ),
        (
            only(listed("currency", "IN_LIST", &["EUR", "GBP"])),
            expect(&|r| r.currency != "USD"),
        ),
        (
            only(listed("status", "NOT_IN_LIST", &["Pending", "Failed"])),
            expect(&|r| r.status == "Succeeded" || r.status == "Refunded"),
        ),
        (
            only(test("payerEmail", "IS_NULL")),
            expect(&|r| r.payer_email.is_none()),
        ),
        (
            only(test("providerReference", "IS_NOT_NULL")),
            expect(&|r| r.provider_reference.is_some()),
        ),
        (
            only(test("sessionId", "IS_NOT_NULL")),
            expect(&|r| r.session_id.is_some()),
        ),
        (
            only(pair("linkId", "EQUAL", "pt_link_acme_listed")),
            expect(&|r| r.link_id.is_some()),
        ),
        (
            only(pair("paymentMethod", "EQUAL", "ach")),
            expect(&|r| r.payment_method == "ach"),
        ),
        (
            only(pair("accountCode", "EQUAL", "acc-1")),
            expect(&|r| r.account_code.as_deref() == Some("acc-1")),
        ),
        (
            only(pair("payerPhone", "LIKE", "+1415555001%")),
            expect(&|r| {
                r.payer_phone
                    .as_deref()
                    .is_some_and(|p| p.starts_with("+1415555001"))
            }),
        ),
        (
            only(pair("amountRefunded", "GREATER_THAN", "0")),
            expect(&|r| r.amount_refunded > 0),
        ),
        (
            only(pair("reference", "EQUAL", "Tuition")),
            expect(&|r| r.reference.as_deref() == Some("Tuition")),
        ),
        // Refunded, or paid by bank debit and still settling.
        (
            all_of(
                "OR_NEXT",
                vec![
                    pair("status", "EQUAL", "Refunded"),
                    json!({ "query_group": all_of("AND_NEXT", vec![
                        pair("paymentMethod", "EQUAL", "ach"),
                        pair("status", "EQUAL", "Pending"),
                    ])["query_list"] }),
                ],
            ),
            expect(&|r| {
                r.status == "Refunded" || (r.payment_method == "ach" && r.status == "Pending")
            }),
        ),
    ];
    for (query, expected) in cases {
        assert!(
            !expected.is_empty(),
            "{query}: the fixture should match some"
        );
        let page = PAYMENTS
            .page(&app, &acme, json!({ "limit": 100, "query": query }))
            .await;
        assert_eq!(super::ids(&page), expected, "{query}");
        assert_eq!(page["total_row_count"], expected.len(), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_merchants_payments_are_never_listed() {
    let (app, acme, other, rows) = seeded_app().await;
    let acme_page = PAYMENTS.page(&app, &acme, json!({ "limit": 100 })).await;
    assert_eq!(acme_page["total_row_count"], rows.len());
    assert!(
        super::ids(&acme_page)
            .iter()
            .all(|id| id.starts_with("pay_acme_"))
    );
    let other_page = PAYMENTS.page(&app, &other, json!({ "limit": 100 })).await;
    assert_eq!(other_page["total_row_count"], 20);
    assert!(
        super::ids(&other_page)
            .iter()
            .all(|id| id.starts_with("pay_other_"))
    );
    // Even named: another merchant's payment as a boundary, or its link in a filter.
    let (field, message) = PAYMENTS
        .refused(&app, &other, json!({ "offset_id": rows[0].id }))
        .await;
    assert_eq!(field, "offset_id");
    assert!(
        message.contains("does not name one of your payments"),
        "{message}"
    );
    let page = PAYMENTS
        .page(
            &app,
            &other,
            json!({ "query": only(pair("linkId", "EQUAL", "pt_link_acme_listed")) }),
        )
        .await;
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["total_row_count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_keys_values_and_bounds_are_bad_user_input_naming_the_field() {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let too_many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let cases = [
        // PayTheory's snake_case is paymentLinks' spelling, not Payment's.
        (
            json!({ "query": only(pair("payer_email", "EQUAL", "jo@example.com")) }),
            "query_list[0].key",
            "payerEmail",
        ),
        (
            json!({ "query": sorted("created_date", "ASC") }),
            "sort_list[0].key",
            "createdAt",
        ),
        (
            json!({ "query": only(pair("amount", "LIKE", "5%")) }),
            "query_list[0].operator",
            "amount",
        ),
        (
            json!({ "query": only(pair("amount", "EQUAL", "12.50")) }),
            "query_list[0].value",
            "an integer",
        ),
        (
            json!({ "query": only(pair("status", "EQUAL", "Paid")) }),
            "query_list[0].value",
            "Succeeded",
        ),
        (
            json!({ "query": only(test("status", "IS_NULL")) }),
            "query_list[0].operator",
            "nullable",
        ),
        (
            json!({ "query": only(listed("currency", "IN_LIST", &too_many)) }),
            "query_list[0].in_values",
            "1 to 100",
        ),
        (
            json!({ "query": sorted("createdAt", "ASC"), "offset": "yesterday" }),
            "offset",
            "RFC 3339",
        ),
        (
            json!({ "offset_id": "pay_nobody" }),
            "offset_id",
            "pay_nobody",
        ),
        (json!({ "limit": 101 }), "limit", "1 to 100"),
        (
            json!({ "query": { "sort_list": [{ "key": "amount" }, { "key": "id" }] } }),
            "sort_list",
            "id always breaks ties",
        ),
    ];
    for (variables, field, said) in cases {
        let (got, message) = PAYMENTS.refused(&app, &acme, variables.clone()).await;
        assert_eq!(got, field, "{variables}: {message}");
        assert!(message.contains(said), "{variables}: {message}");
    }
    // Groups nest at most 4 deep, as for paymentLinks.
    let mut nested = pair("amount", "EQUAL", "1");
    for _ in 0..5 {
        nested = json!({ "query_group": [nested] });
    }
    let (field, _) = PAYMENTS
        .refused(&app, &acme, json!({ "query": { "query_list": [nested] } }))
        .await;
    assert!(field.ends_with(".query_group"), "{field}");
}

// The count stops at 10,000 matches, so that it costs the same however many payments there
// are; fewer matches are counted exactly.
#[tokio::test(flavor = "multi_thread")]
async fn total_row_count_is_counted_up_to_ten_thousand() {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let rows = seed(&app, &acme.uid, "acme", 10_005).await;
    let page = PAYMENTS.page(&app, &acme, json!({ "limit": 1 })).await;
    assert_eq!(page["total_row_count"], 10_000);
    let refunded = rows.iter().filter(|r| r.status == "Refunded").count();
    let page = PAYMENTS
        .page(
            &app,
            &acme,
            json!({ "limit": 1, "query": only(pair("status", "EQUAL", "Refunded")) }),
        )
        .await;
    assert_eq!(page["total_row_count"], refunded);
}

/// "Did Jo pay?": real payments in test mode, one through a link with a phone number, one
/// setting up Jo's plan; the payments listing finds Jo's by payer email and says which session
/// it paid, and the sessions listing finds Jo's session by the contact's email, Completed, with
/// its payment.
#[tokio::test(flavor = "multi_thread")]
async fn did_jo_pay() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Dental Care").await;
    let (link_id, link_page) = create_link(
        &app,
        &merchant,
        json!({ "require_phone": true, "accepted_payment_methods": "ONLY_CARD" }),
    )
    .await;
    pay_in_test_mode(&app, &link_page, &[("phone", "+14155552671")]).await;
    let (session_id, session_page) =
        create_session(&app, &merchant, json!({ "startDate": today() })).await;
    pay_in_test_mode(&app, &session_page, &[("method", "card")]).await;

    let page = PAYMENTS
        .page(
            &app,
            &merchant,
            json!({ "query": only(pair("payerEmail", "EQUAL", "jo@example.com")) }),
        )
        .await;
    assert_eq!(page["total_row_count"], 1, "{page}");
    let jo = &page["items"][0];
    assert_eq!(jo["sessionId"], session_id);
    assert_eq!(jo["linkId"], Value::Null);
    assert_eq!(jo["status"], "Succeeded");
    assert_eq!(jo["amount"], 10_000);

    let page = PAYMENTS
        .page(
            &app,
            &merchant,
            json!({ "query": only(pair("linkId", "EQUAL", &link_id)) }),
        )
        .await;
    assert_eq!(page["items"][0]["payerPhone"], "+14155552671", "{page}");
    assert_eq!(page["items"][0]["sessionId"], Value::Null);
    let everything = PAYMENTS.page(&app, &merchant, json!({})).await;
    assert_eq!(everything["total_row_count"], 2);

    let body = app
        .gql(
            &merchant,
            "query($q: SqlQuery) { paymentPlanSessions(query: $q) {
               total_row_count
               items { id status contact { name email } payments { id status } deliveries { id } }
             } }",
            json!({ "q": only(pair("contact.email", "EQUAL", "jo@example.com")) }),
        )
        .await;
    let sessions = ok(&body, "paymentPlanSessions");
    assert_eq!(sessions["total_row_count"], 1, "{body}");
    let session = &sessions["items"][0];
    assert_eq!(session["id"], session_id);
    assert_eq!(session["status"], "Completed");
    assert_eq!(session["contact"]["name"], "Jo Doe");
    assert_eq!(session["payments"][0]["id"], jo["id"]);
    assert_eq!(session["deliveries"], json!([]));

    // Another merchant asking the same question sees nothing.
    let other = app.merchant("Other").await;
    let page = PAYMENTS
        .page(
            &app,
            &other,
            json!({ "query": only(pair("payerEmail", "EQUAL", "jo@example.com")) }),
        )
        .await;
    assert_eq!(page["items"], json!([]));
}
