//! `paymentPlanSessions`: the merchant's sessions, filtered by their own fields and by their
//! contact's email and phone, with the status each reads as.

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use paylink_store::contacts::ContactRow;
use paylink_store::sessions::SessionRow;
use serde_json::{Value, json};

use super::{Listing, display_order, listed, newest_first, only, pair, sorted, test};
use crate::deliveries::ok;
use crate::support::{Merchant, TestApp};

const SESSIONS: Listing = Listing {
    field: "paymentPlanSessions",
    document: "query($direction: MoveDirection, $limit: Int, $offset: String, $offset_id: String,
      $query: SqlQuery) {
  paymentPlanSessions(direction: $direction, limit: $limit, offset: $offset,
      offset_id: $offset_id, query: $query) {
    total_row_count
    items {
      id contactId contact { id email phone } amount currency status frequency startDate
      occurrences expirationDate createdAt
    }
  }
}",
};

/// The contacts' emails and phones; several sessions share each contact.
const CONTACTS: [(Option<&str>, Option<&str>); 6] = [
    (Some("jo@example.com"), Some("+14155550001")),
    (Some("Jo.Smith@example.com"), None),
    (None, Some("+14155550002")),
    (Some("ana@example.com"), Some("+14155550003")),
    (None, None),
    (Some("jo@example.com"), Some("+14155550004")),
];

/// A seeded session and its contact.
#[derive(Clone, Debug)]
struct Seeded {
    session: SessionRow,
    contact: ContactRow,
}

impl Seeded {
    /// The status the session reads as at `now`.
    fn status(&self, now: DateTime<Utc>) -> &str {
        match self.session.expiration_date {
            Some(at) if self.session.status == "Active" && at <= now => "Expired",
            _ => &self.session.status,
        }
    }
}

/// `count` sessions of `merchant_uid` over six contacts, stored directly: every stored status,
/// some Active ones past their expiration (which read as Expired), no expiration on a third,
/// amounts repeating every five, creation times in groups of two or three, ids out of creation
/// order.
async fn seed(app: &TestApp, merchant_uid: &str, tag: &str, count: usize) -> Vec<Seeded> {
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
    let now = Utc::now().trunc_subsecs(6);
    let contacts: Vec<ContactRow> = CONTACTS
        .iter()
        .enumerate()
        .map(|(i, (email, phone))| ContactRow {
            id: format!("ct_{tag}_{i}"),
            merchant_uid: merchant_uid.to_owned(),
            name: Some(format!("Contact {i}")),
            given_name: None,
            family_name: None,
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            created_at: start,
            updated_at: start,
        })
        .collect();
    let seeded: Vec<Seeded> = (0..count)
        .map(|i| {
            let created_at = start + Duration::seconds((i * 3 / 7) as i64);
            let contact = contacts[i % contacts.len()].clone();
            Seeded {
                session: SessionRow {
                    id: format!("pps_{tag}_{:02}_{i:03}", (i * 7) % 11),
                    merchant_uid: merchant_uid.to_owned(),
                    contact_id: contact.id.clone(),
                    amount_minor: 1000 + (i % 5) as i64 * 250,
                    currency: ["USD", "EUR"][i % 2].to_owned(),
                    status: ["Active", "Completed", "Cancelled", "Expired", "Active"][i % 5]
                        .to_owned(),
                    frequency: ["Weekly", "Biweekly", "Monthly", "Quarterly", "Yearly"][i % 4]
                        .to_owned(),
                    start_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
                        + Duration::days((i % 7) as i64),
                    occurrences: 12,
                    callback_url: None,
                    cancel_url: None,
                    success_url: None,
                    expiration_date: match i % 3 {
                        0 => None,
                        1 => Some(now - Duration::hours(i as i64 + 1)),
                        _ => Some(now + Duration::days(i as i64 + 1)),
                    },
                    created_at,
                    updated_at: created_at,
                },
                contact,
            }
        })
        .collect();
    let sessions: Vec<SessionRow> = seeded.iter().map(|s| s.session.clone()).collect();
    let url = app.database_url().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn =
            paylink_store::direct::Connection::open(&url).expect("connecting to the test database");
        conn.insert_contacts(&contacts).expect("contacts");
        conn.insert_sessions(&sessions).expect("sessions");
    })
    .await
    .expect("seeding sessions");
    seeded
}

fn id(row: &Seeded) -> &str {
    &row.session.id
}

fn created(row: &Seeded) -> DateTime<Utc> {
    row.session.created_at
}

async fn seeded_app() -> (TestApp, Merchant, Merchant, Vec<Seeded>) {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    let rows = seed(&app, &acme.uid, "acme", 45).await;
    seed(&app, &other.uid, "other", 12).await;
    (app, acme, other, rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_to_the_end_and_back_in_every_order_through_ties_and_nulls() {
    let (app, acme, _, rows) = seeded_app().await;
    let now = Utc::now();
    type Key = fn(&Seeded, DateTime<Utc>) -> Option<String>;
    let orders: [(&str, &str, Key); 9] = [
        ("createdAt", "ASC", |r, _| {
            Some(format!("{:020}", r.session.created_at.timestamp_micros()))
        }),
        ("amount", "ASC", |r, _| {
            Some(format!("{:012}", r.session.amount_minor))
        }),
        ("amount", "DESC", |r, _| {
            Some(format!("{:012}", r.session.amount_minor))
        }),
        ("expirationDate", "ASC", |r, _| {
            r.session
                .expiration_date
                .map(|at| format!("{:020}", at.timestamp_micros()))
        }),
        ("expirationDate", "DESC", |r, _| {
            r.session
                .expiration_date
                .map(|at| format!("{:020}", at.timestamp_micros()))
        }),
        // The status each reads as, by bytes: Active, Cancelled, Completed, Expired.
        ("status", "ASC", |r, now| Some(r.status(now).to_owned())),
        ("startDate", "DESC", |r, _| {
            Some(r.session.start_date.to_string())
        }),
        ("frequency", "ASC", |r, _| Some(r.session.frequency.clone())),
        ("contactId", "DESC", |r, _| {
            Some(r.session.contact_id.clone())
        }),
    ];
    for (key, direction, value) in orders {
        let expected = display_order(
            rows.iter()
                .map(|r| (value(r, now), r.session.id.clone()))
                .collect(),
            direction == "DESC",
        );
        let (forward, backward) = SESSIONS
            .walk(&app, &acme, sorted(key, direction), key, 6, rows.len())
            .await;
        assert_eq!(forward, expected, "{key} {direction}, forward");
        assert_eq!(backward, expected, "{key} {direction}, backward");
    }
    let expected = newest_first(&rows, created, id, |_| true);
    let (forward, backward) = SESSIONS
        .walk(&app, &acme, Value::Null, "createdAt", 10, rows.len())
        .await;
    assert_eq!(forward, expected);
    assert_eq!(backward, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_read_the_status_as_the_session_does_and_reach_its_contact() {
    let (app, acme, _, rows) = seeded_app().await;
    let now = Utc::now();
    let expect = |keep: &dyn Fn(&Seeded) -> bool| newest_first(&rows, created, id, keep);
    let email = |r: &Seeded| r.contact.email.clone();
    let cases: Vec<(Value, Vec<String>)> = vec![
        // An Active session whose expirationDate has passed is Expired, stored so or not.
        (
            only(pair("status", "EQUAL", "Expired")),
            expect(&|r| r.status(now) == "Expired"),
        ),
        (
            only(pair("status", "EQUAL", "Active")),
            expect(&|r| r.status(now) == "Active"),
        ),
        (
            only(listed("status", "NOT_IN_LIST", &["Active", "Expired"])),
            expect(&|r| matches!(r.status(now), "Completed" | "Cancelled")),
        ),
        (
            only(pair("contact.email", "EQUAL", "jo@example.com")),
            expect(&|r| email(r).as_deref() == Some("jo@example.com")),
        ),
        (
            only(pair("contact.email", "LIKE", "JO%")),
            expect(&|r| email(r).is_some_and(|e| e.to_lowercase().starts_with("jo"))),
        ),
        (
            only(pair("contact.email", "NOT_EQUAL", "jo@example.com")),
            expect(&|r| email(r).as_deref() != Some("jo@example.com")),
        ),
        (
            only(test("contact.email", "IS_NULL")),
            expect(&|r| email(r).is_none()),
        ),
        (
            only(listed(
                "contact.phone",
                "IN_LIST",
                &["+14155550002", "+14155550004"],
            )),
            expect(&|r| {
                matches!(
                    r.contact.phone.as_deref(),
                    Some("+14155550002" | "+14155550004")
                )
            }),
        ),
        (
            only(pair("amount", "GREATER_EQUAL", "15.00")),
            expect(&|r| r.session.amount_minor >= 1500),
        ),
        (
            only(pair("amount", "EQUAL", "12.5")),
            expect(&|r| r.session.amount_minor == 1250),
        ),
        (
            only(pair("startDate", "LESS_THAN", "2027-01-04")),
            expect(&|r| r.session.start_date < NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()),
        ),
        (
            only(test("expirationDate", "IS_NULL")),
            expect(&|r| r.session.expiration_date.is_none()),
        ),
        (
            only(listed("frequency", "IN_LIST", &["Weekly", "Quarterly"])),
            expect(&|r| matches!(r.session.frequency.as_str(), "Weekly" | "Quarterly")),
        ),
        (
            only(pair("contactId", "EQUAL", "ct_acme_1")),
            expect(&|r| r.session.contact_id == "ct_acme_1"),
        ),
        (
            only(pair("currency", "NOT_EQUAL", "USD")),
            expect(&|r| r.session.currency != "USD"),
        ),
    ];
    for (query, expected) in cases {
        assert!(
            !expected.is_empty(),
            "{query}: the fixture should match some"
        );
        let page = SESSIONS
            .page(&app, &acme, json!({ "limit": 100, "query": query }))
            .await;
        assert_eq!(super::ids(&page), expected, "{query}");
        assert_eq!(page["total_row_count"], expected.len(), "{query}");
        for item in page["items"].as_array().unwrap() {
            let row = rows.iter().find(|r| r.session.id == item["id"]).unwrap();
            assert_eq!(item["status"], row.status(now), "{query}");
            assert_eq!(item["contact"]["email"], json!(row.contact.email));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_keys_and_values_are_bad_user_input_naming_the_field() {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let cases = [
        (
            json!({ "query": sorted("contact.email", "ASC") }),
            "sort_list[0].key",
            "filtered on, not sorted by",
        ),
        (
            json!({ "query": only(pair("contact.name", "EQUAL", "Jo")) }),
            "query_list[0].key",
            "contact.email",
        ),
        (
            json!({ "query": only(pair("contact_id", "EQUAL", "ct_1")) }),
            "query_list[0].key",
            "contactId",
        ),
        (
            json!({ "query": only(pair("amount", "EQUAL", "12.505")) }),
            "query_list[0].value",
            "an amount",
        ),
        (
            json!({ "query": only(pair("startDate", "EQUAL", "2027-01-01T00:00:00Z")) }),
            "query_list[0].value",
            "YYYY-MM-DD",
        ),
        (
            json!({ "query": only(pair("status", "EQUAL", "ACTIVE")) }),
            "query_list[0].value",
            "Active",
        ),
        (
            json!({ "query": only(pair("startDate", "LIKE", "2027%")) }),
            "query_list[0].operator",
            "startDate",
        ),
        (
            json!({ "query": sorted("amount", "ASC"), "offset": "ten" }),
            "offset",
            "an amount",
        ),
    ];
    for (variables, field, said) in cases {
        let (got, message) = SESSIONS.refused(&app, &acme, variables.clone()).await;
        assert_eq!(got, field, "{variables}: {message}");
        assert!(message.contains(said), "{variables}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_merchants_sessions_are_never_listed_even_through_a_shared_email() {
    let (app, acme, other, rows) = seeded_app().await;
    // Both merchants have a contact jo@example.com; each sees its own sessions only.
    for (merchant, tag, count) in [(&acme, "acme", rows.len()), (&other, "other", 12)] {
        let page = SESSIONS.page(&app, merchant, json!({ "limit": 100 })).await;
        assert_eq!(page["total_row_count"], count);
        let prefix = format!("pps_{tag}_");
        assert!(super::ids(&page).iter().all(|id| id.starts_with(&prefix)));
        let page = SESSIONS
            .page(
                &app,
                merchant,
                json!({ "limit": 100,
                        "query": only(pair("contact.email", "EQUAL", "jo@example.com")) }),
            )
            .await;
        assert!(super::ids(&page).iter().all(|id| id.starts_with(&prefix)));
        assert!(!super::ids(&page).is_empty());
    }
    let (field, _) = SESSIONS
        .refused(&app, &other, json!({ "offset_id": rows[0].session.id }))
        .await;
    assert_eq!(field, "offset_id");
}

/// The lists of each session are read only when its items select them, for the whole page at
/// once.
#[tokio::test(flavor = "multi_thread")]
async fn items_carry_the_lists_they_select() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let (session_id, _) = crate::pages::create_session(&app, &merchant, json!({})).await;
    let body = app
        .gql(
            &merchant,
            "mutation($input: SendPaymentPlanSessionLinkInput!) {
               sendPaymentPlanSessionLink(input: $input) { success }
             }",
            json!({ "input": { "id": session_id, "channel": "Email" } }),
        )
        .await;
    assert_eq!(ok(&body, "sendPaymentPlanSessionLink")["success"], true);
    let body = app
        .gql(
            &merchant,
            "{ paymentPlanSessions { items { id deliveries { channel recipient } payments { id }
                                            callbacks { id } } } }",
            json!({}),
        )
        .await;
    let items = &ok(&body, "paymentPlanSessions")["items"];
    assert_eq!(items[0]["id"], session_id);
    assert_eq!(
        items[0]["deliveries"],
        json!([{ "channel": "Email", "recipient": "jo@example.com" }])
    );
    assert_eq!(items[0]["payments"], json!([]));
}
