//! `contacts`: the merchant's customers, by name, email, phone and creation time.

use chrono::{DateTime, Duration, TimeZone, Utc};
use paylink_store::contacts::ContactRow;
use serde_json::{Value, json};

use super::{Listing, all_of, display_order, listed, newest_first, only, pair, sorted, test};
use crate::support::{Merchant, TestApp};

const CONTACTS: Listing = Listing {
    field: "contacts",
    document: "query($direction: MoveDirection, $limit: Int, $offset: String, $offset_id: String,
      $query: SqlQuery) {
  contacts(direction: $direction, limit: $limit, offset: $offset, offset_id: $offset_id,
      query: $query) {
    total_row_count
    items { id name givenName familyName email phone createdAt updatedAt }
  }
}",
};

/// Names of the seeded contacts, repeating, in mixed case and beyond ASCII.
const NAMES: [&str; 5] = ["Jo Doe", "jo smith", "Ana Lima", "Émile Zola", "Zed"];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()
}

/// `count` contacts of `merchant_uid`, stored directly: names repeating, NULL in a seventh,
/// emails NULL in a fifth, phones in a third, creation times in groups of two or three, ids out
/// of creation order.
async fn seed(app: &TestApp, merchant_uid: &str, tag: &str, count: usize) -> Vec<ContactRow> {
    let rows: Vec<ContactRow> = (0..count)
        .map(|i| {
            let created_at = start() + Duration::seconds((i * 3 / 7) as i64);
            ContactRow {
                id: format!("ct_{tag}_{:02}_{i:03}", (i * 7) % 11),
                merchant_uid: merchant_uid.to_owned(),
                name: (i % 7 != 6).then(|| NAMES[i % 5].to_owned()),
                given_name: None,
                family_name: None,
                email: (i % 5 != 4)
                    .then(|| format!("{}{i}@example.com", ["jo", "ana", "Zed"][i % 3])),
                phone: (i % 3 == 0).then(|| format!("+1415555{:04}", i % 8)),
                created_at,
                updated_at: created_at,
            }
        })
        .collect();
    let stored = rows.clone();
    let url = app.database_url().to_owned();
    tokio::task::spawn_blocking(move || {
        paylink_store::direct::Connection::open(&url)
            .expect("connecting to the test database")
            .insert_contacts(&rows)
            .expect("contacts")
    })
    .await
    .expect("seeding contacts");
    stored
}

fn id(row: &ContactRow) -> &str {
    &row.id
}

fn created(row: &ContactRow) -> DateTime<Utc> {
    row.created_at
}

async fn seeded_app() -> (TestApp, Merchant, Merchant, Vec<ContactRow>) {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    let rows = seed(&app, &acme.uid, "acme", 50).await;
    seed(&app, &other.uid, "other", 15).await;
    (app, acme, other, rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_to_the_end_and_back_in_every_order_through_ties_and_nulls() {
    let (app, acme, _, rows) = seeded_app().await;
    type Key = fn(&ContactRow) -> Option<String>;
    let orders: [(&str, &str, Key); 7] = [
        ("name", "ASC", |r| r.name.clone()),
        ("name", "DESC", |r| r.name.clone()),
        ("email", "ASC", |r| r.email.clone()),
        ("phone", "DESC", |r| r.phone.clone()),
        ("phone", "ASC", |r| r.phone.clone()),
        ("id", "ASC", |r| Some(r.id.clone())),
        ("createdAt", "ASC", |r| {
            Some(format!("{:020}", r.created_at.timestamp_micros()))
        }),
    ];
    for (key, direction, value) in orders {
        let expected = display_order(
            rows.iter().map(|r| (value(r), r.id.clone())).collect(),
            direction == "DESC",
        );
        let (forward, backward) = CONTACTS
            .walk(&app, &acme, sorted(key, direction), key, 8, rows.len())
            .await;
        assert_eq!(forward, expected, "{key} {direction}, forward");
        assert_eq!(backward, expected, "{key} {direction}, backward");
    }
    let expected = newest_first(&rows, created, id, |_| true);
    let (forward, backward) = CONTACTS
        .walk(&app, &acme, Value::Null, "createdAt", 7, rows.len())
        .await;
    assert_eq!(forward, expected);
    assert_eq!(backward, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_filter_selects_what_it_says() {
    let (app, acme, _, rows) = seeded_app().await;
    let expect = |keep: &dyn Fn(&ContactRow) -> bool| newest_first(&rows, created, id, keep);
    let name = |r: &ContactRow| r.name.clone().unwrap_or_default();
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            only(pair("name", "LIKE", "JO%")),
            expect(&|r| name(r).to_lowercase().starts_with("jo")),
        ),
        (
            only(pair("name", "LIKE", "émile%")),
            expect(&|r| name(r).starts_with("Émile")),
        ),
        (
            only(pair("name", "NOT_LIKE", "jo%")),
            expect(&|r| !name(r).to_lowercase().starts_with("jo") || r.name.is_none()),
        ),
        (
            only(pair("name", "EQUAL", "Zed")),
            expect(&|r| r.name.as_deref() == Some("Zed")),
        ),
        // Bytes: "Zed" sorts before "jo smith", and "É" after every ASCII letter.
        (
            only(pair("name", "GREATER_THAN", "Zed")),
            expect(&|r| r.name.as_deref().is_some_and(|n| n > "Zed")),
        ),
        (only(test("name", "IS_NULL")), expect(&|r| r.name.is_none())),
        (
            only(test("email", "IS_NOT_NULL")),
            expect(&|r| r.email.is_some()),
        ),
        (
            only(listed(
                "email",
                "IN_LIST",
                &["jo0@example.com", "ana1@example.com"],
            )),
            expect(&|r| {
                matches!(
                    r.email.as_deref(),
                    Some("jo0@example.com" | "ana1@example.com")
                )
            }),
        ),
        (
            only(pair("phone", "NOT_EQUAL", "+14155550000")),
            expect(&|r| r.phone.as_deref() != Some("+14155550000")),
        ),
        (
            all_of(
                "AND_NEXT",
                vec![
                    pair("createdAt", "GREATER_EQUAL", "2026-05-01T09:00:03Z"),
                    pair("createdAt", "LESS_THAN", "2026-05-01T09:00:09Z"),
                ],
            ),
            expect(&|r| {
                let at = (r.created_at - start()).num_seconds();
                (3..9).contains(&at)
            }),
        ),
        (
            all_of(
                "OR_NEXT",
                vec![test("email", "IS_NULL"), test("phone", "IS_NULL")],
            ),
            expect(&|r| r.email.is_none() || r.phone.is_none()),
        ),
    ];
    for (query, expected) in cases {
        assert!(
            !expected.is_empty(),
            "{query}: the fixture should match some"
        );
        let page = CONTACTS
            .page(&app, &acme, json!({ "limit": 100, "query": query }))
            .await;
        assert_eq!(super::ids(&page), expected, "{query}");
        assert_eq!(page["total_row_count"], expected.len(), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_merchants_contacts_are_never_listed() {
    let (app, acme, other, rows) = seeded_app().await;
    let page = CONTACTS.page(&app, &other, json!({ "limit": 100 })).await;
    assert_eq!(page["total_row_count"], 15);
    assert!(
        super::ids(&page)
            .iter()
            .all(|id| id.starts_with("ct_other_"))
    );
    let page = CONTACTS
        .page(
            &app,
            &other,
            json!({ "query": only(pair("id", "EQUAL", &rows[0].id)) }),
        )
        .await;
    assert_eq!(page["items"], json!([]));
    let (field, message) = CONTACTS
        .refused(&app, &other, json!({ "offset_id": rows[0].id }))
        .await;
    assert_eq!(field, "offset_id");
    assert!(
        message.contains("does not name one of your contacts"),
        "{message}"
    );
    let page = CONTACTS.page(&app, &acme, json!({ "limit": 100 })).await;
    assert_eq!(page["total_row_count"], rows.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_keys_and_values_are_bad_user_input_naming_the_field() {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let cases = [
        (
            json!({ "query": only(pair("givenName", "EQUAL", "Jo")) }),
            "query_list[0].key",
            "name, email, phone",
        ),
        (
            json!({ "query": sorted("updatedAt", "DESC") }),
            "sort_list[0].key",
            "createdAt",
        ),
        (
            json!({ "query": only(pair("createdAt", "LIKE", "2026%")) }),
            "query_list[0].operator",
            "createdAt",
        ),
        (
            json!({ "query": only(test("createdAt", "IS_NULL")) }),
            "query_list[0].operator",
            "nullable",
        ),
        (
            json!({ "query": { "query_list": [
                { "key": "name", "operator": "EQUAL", "value": "a", "conjunctive_operator": "AND_NEXT" },
                { "key": "name", "operator": "EQUAL", "value": "b", "conjunctive_operator": "OR_NEXT" },
                { "key": "name", "operator": "EQUAL", "value": "c" }
            ] } }),
            "query_list",
            "query_group",
        ),
    ];
    for (variables, field, said) in cases {
        let (got, message) = CONTACTS.refused(&app, &acme, variables.clone()).await;
        assert_eq!(got, field, "{variables}: {message}");
        assert!(message.contains(said), "{variables}: {message}");
    }
}
