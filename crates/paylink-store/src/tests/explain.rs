//! The listings' page queries are served by an index, however deep the page: checked with the
//! store's EXPLAIN of the real page queries over 20,000 links (and as many payments, sessions and
//! contacts) of 20 merchants, after ANALYZE so that the planner sees tables where a sequential
//! scan would be the wrong choice.

use crate::listing::search::{explain, page};
use crate::listing::{
    Column, ContactColumn, Contacts, Cursor, Direction, Filter, LinkColumn, Links, PaymentColumn,
    Payments, Search, SessionColumn, Sessions, Sort, Table, Test,
};
use crate::merchants;
use crate::payment_links::{PaymentLinkRow, Value};
use crate::schema::payment_links::table as payment_links_table;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use paylink_testdb::TestDb;

const MERCHANTS: usize = 20;
const LINKS_PER_MERCHANT: usize = 1_000;
/// Rows per INSERT: 20 columns each stays well under PostgreSQL's 65,535 bind parameters.
const CHUNK: usize = 1_000;

fn merchant_uid(merchant: usize) -> String {
    format!("mer_explain{merchant:02}")
}

fn row(merchant: usize, i: usize) -> PaymentLinkRow {
    super::common::link_row(&merchant_uid(merchant), i, merchant as i64)
}

/// Seeds every merchant's links in one transaction, interleaved so that no merchant's rows sit
/// together in the heap, then refreshes the planner's statistics.
fn seed(conn: &mut PgConnection) {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for merchant in 0..MERCHANTS {
            merchants::insert(
                conn,
                &merchant_uid(merchant),
                &format!("Merchant {merchant}"),
            )
            .expect("merchant");
        }
        let rows: Vec<PaymentLinkRow> = (0..LINKS_PER_MERCHANT)
            .flat_map(|i| (0..MERCHANTS).map(move |merchant| row(merchant, i)))
            .collect();
        for chunk in rows.chunks(CHUNK) {
            diesel::insert_into(payment_links_table)
                .values(chunk)
                .execute(conn)?;
        }
        Ok(())
    })
    .expect("seeding links");
    conn.batch_execute("ANALYZE payment_links")
        .expect("ANALYZE");
}

fn assert_uses_an_index(plan: &str, what: &str) {
    assert!(
        plan.contains("Index Scan") || plan.contains("Index Only Scan"),
        "{what}: no index scan in\n{plan}"
    );
    assert!(
        !plan.contains("Seq Scan"),
        "{what}: sequential scan in\n{plan}"
    );
}

#[test]
fn page_queries_use_an_index_on_the_first_and_a_deep_page() {
    let db = TestDb::new();
    let mut conn = db.connect();
    seed(&mut conn);
    let merchant = merchant_uid(7);

    let first_page = Search {
        filter: None,
        sort: Sort::default(),
        direction: Direction::Forward,
        cursor: None,
        limit: 10,
    };
    let plan = explain::<Links>(&mut conn, &merchant, &first_page).expect("explain");
    assert_uses_an_index(&plan, "default order, first page");

    // The boundary 90% of the way through the merchant's links in display order
    // (created_date DESC, link_id DESC).
    let mut links: Vec<PaymentLinkRow> = (0..LINKS_PER_MERCHANT).map(|i| row(7, i)).collect();
    links.sort_by(|a, b| (&b.created_date, &b.link_id).cmp(&(&a.created_date, &a.link_id)));
    let boundary = &links[LINKS_PER_MERCHANT * 9 / 10];
    let deep_page = Search {
        cursor: Some(Cursor {
            value: Some(Value::Timestamp(boundary.created_date)),
            id: Some(boundary.link_id.clone()),
        }),
        ..first_page.clone()
    };
    let plan = explain::<Links>(&mut conn, &merchant, &deep_page).expect("explain");
    assert_uses_an_index(&plan, "default order, deep keyset page");

    // The deep page really is where the cursor says: the same query run for real.
    let page = page::<Links>(&mut conn, &merchant, &deep_page).expect("page");
    let expected: Vec<&str> = links[LINKS_PER_MERCHANT * 9 / 10 + 1..][..10]
        .iter()
        .map(|link| link.link_id.as_str())
        .collect();
    let got: Vec<&str> = page.iter().map(|link| link.link_id.as_str()).collect();
    assert_eq!(got, expected);

    let active = Search {
        filter: Some(Filter::Test(
            LinkColumn::IsActive,
            Test::Eq(Value::Boolean(true)),
        )),
        ..first_page.clone()
    };
    let plan = explain::<Links>(&mut conn, &merchant, &active).expect("explain");
    assert_uses_an_index(&plan, "is_active = true, first page");

    let active_is_true = Search {
        filter: Some(Filter::Test(LinkColumn::IsActive, Test::IsTrue)),
        ..deep_page.clone()
    };
    let plan = explain::<Links>(&mut conn, &merchant, &active_is_true).expect("explain");
    assert_uses_an_index(&plan, "is_active IS TRUE, deep keyset page");
}

/// Whether the plan sorts rows itself instead of reading them in index order.
fn sorts(plan: &str) -> bool {
    plan.contains("Sort  (")
}

// Every sort key but the three long texts has its own index, so a page in its order, in either
// direction and however deep, reads the merchant's index entries in order and never sorts.
#[test]
fn every_indexed_sort_key_pages_in_index_order() {
    let db = TestDb::new();
    let mut conn = db.connect();
    seed(&mut conn);
    pages_in_index_order::<Links>(
        &mut conn,
        &[
            LinkColumn::PaymentDescription,
            LinkColumn::CustomSuccessMessage,
            LinkColumn::RedirectUrl,
        ],
        |link| link.link_id.clone(),
    );
}

/// For every sort key of `T` but `unindexed`, in both directions: the first page and a page
/// 900 rows deep (its boundary read with the listing itself) use an index and never sort.
fn pages_in_index_order<T: Table>(
    conn: &mut PgConnection,
    unindexed: &[T::Column],
    id_of: fn(&T::Row) -> String,
) {
    let merchant = merchant_uid(3);
    for &column in T::Column::ALL {
        if !column.sortable() || unindexed.contains(&column) {
            continue;
        }
        for descending in [false, true] {
            let first_page = Search {
                filter: None,
                sort: Sort { column, descending },
                direction: Direction::Forward,
                cursor: None,
                limit: 10,
            };
            let before = page::<T>(
                conn,
                &merchant,
                &Search {
                    limit: 900,
                    ..first_page.clone()
                },
            )
            .expect("page");
            let boundary = before.last().expect("900 rows");
            let deep_page = Search {
                cursor: Some(Cursor {
                    value: T::value_of(column, boundary),
                    id: Some(id_of(boundary)),
                }),
                ..first_page.clone()
            };
            for (what, search) in [("first page", &first_page), ("deep page", &deep_page)] {
                let plan = explain::<T>(conn, &merchant, search).expect("explain");
                let what = format!(
                    "{}.{} {}, {what}",
                    T::NAME,
                    column.name(),
                    if descending { "DESC" } else { "ASC" }
                );
                assert_uses_an_index(&plan, &what);
                assert!(!sorts(&plan), "{what}: sorts in\n{plan}");
            }
        }
    }
}

/// Contacts, sessions, checkouts and payments for every merchant [`seed`] made, 1,000 of each,
/// interleaved across merchants; every nullable column NULL in some rows. Half the payments
/// paid one of the merchant's links, half one of its sessions.
fn seed_the_others(conn: &mut PgConnection) {
    conn.batch_execute(&format!(
        "INSERT INTO contacts (id, merchant_uid, name, email, phone, created_at, updated_at) \
         SELECT 'ct_' || m || '_' || i, 'mer_explain' || lpad(m::text, 2, '0'), \
           CASE WHEN i % 7 <> 0 THEN 'Contact ' || (i % 97) END, \
           CASE WHEN i % 5 <> 0 THEN 'c' || i || '@example.com' END, \
           CASE WHEN i % 3 <> 0 THEN '+1415555' || lpad(i::text, 4, '0') END, \
           {BASE} + (i / 3) * interval '1 second', {BASE} \
         FROM generate_series(0, {LAST}) AS i, generate_series(0, {M}) AS m ORDER BY i, m; \
         INSERT INTO payment_plan_sessions (id, merchant_uid, contact_id, amount_minor, currency, \
           status, frequency, start_date, occurrences, expiration_date, created_at, updated_at) \
         SELECT 'pps_' || m || '_' || i, 'mer_explain' || lpad(m::text, 2, '0'), \
           'ct_' || m || '_' || i, 1000 + (i % 50) * 100, (ARRAY['USD', 'EUR', 'GBP'])[1 + i % 3], \
           (ARRAY['Active', 'Completed', 'Cancelled', 'Expired'])[1 + i % 4], \
           (ARRAY['Weekly', 'Biweekly', 'Monthly', 'Quarterly', 'Yearly'])[1 + i % 5], \
           DATE '2027-01-01' + i % 60, 12, \
           CASE WHEN i % 2 = 0 THEN {BASE} + i * interval '1 day' END, \
           {BASE} + (i / 3) * interval '1 second', {BASE} \
         FROM generate_series(0, {LAST}) AS i, generate_series(0, {M}) AS m ORDER BY i, m; \
         INSERT INTO checkouts (id, merchant_uid, link_id, session_id, amount_minor, currency, \
           payment_method, provider, status, plan_ends_at, created_at, updated_at, expires_at) \
         SELECT 'co_' || m || '_' || i, 'mer_explain' || lpad(m::text, 2, '0'), \
           CASE WHEN i % 2 = 0 THEN 'pt_link_' || lpad(m::text, 2, '0') || lpad(i::text, 22, '0') END, \
           CASE WHEN i % 2 = 1 THEN 'pps_' || m || '_' || i END, \
           100 + i % 50, 'USD', 'card', 'test', 'Completed', \
           CASE WHEN i % 2 = 1 THEN {BASE} + interval '1 year' END, {BASE}, {BASE}, {BASE} \
         FROM generate_series(0, {LAST}) AS i, generate_series(0, {M}) AS m ORDER BY i, m; \
         INSERT INTO payments (id, merchant_uid, checkout_id, link_id, session_id, amount_minor, \
           currency, payment_method, payer_phone, provider, provider_reference, status, \
           created_at, updated_at, amount_refunded, account_code, reference, payer_email) \
         SELECT 'pay_' || m || '_' || i, c.merchant_uid, c.id, c.link_id, c.session_id, \
           c.amount_minor, (ARRAY['USD', 'EUR'])[1 + i % 2], (ARRAY['card', 'ach'])[1 + i % 2], \
           CASE WHEN i % 3 <> 0 THEN '+1415555' || lpad(i::text, 4, '0') END, 'test', \
           CASE WHEN i % 4 <> 0 THEN 'pi_' || i END, \
           (ARRAY['Pending', 'Succeeded', 'Failed', 'Refunded'])[1 + i % 4], \
           {BASE} + (i / 3) * interval '1 second', {BASE}, \
           CASE WHEN i % 4 = 3 THEN c.amount_minor ELSE 0 END, \
           CASE WHEN i % 5 <> 0 THEN 'acc-' || i % 13 END, \
           CASE WHEN i % 6 <> 0 THEN 'Dues ' || i % 11 END, \
           CASE WHEN i % 5 <> 1 THEN 'payer' || i || '@example.com' END \
         FROM generate_series(0, {LAST}) AS i CROSS JOIN generate_series(0, {M}) AS m \
         JOIN checkouts c ON c.id = 'co_' || m || '_' || i ORDER BY i, m; \
         ANALYZE contacts, payment_plan_sessions, checkouts, payments",
        BASE = "timestamptz '2026-01-01 00:00:00Z'",
        LAST = LINKS_PER_MERCHANT - 1,
        M = MERCHANTS - 1,
    ))
    .expect("seeding payments, sessions and contacts");
}

#[test]
fn every_sort_key_of_payments_sessions_and_contacts_pages_in_index_order() {
    let db = TestDb::new();
    let mut conn = db.connect();
    seed(&mut conn);
    seed_the_others(&mut conn);
    pages_in_index_order::<Payments>(&mut conn, &[], |payment| payment.id.clone());
    // A session's status is read with the clock: its order cannot be an index's.
    pages_in_index_order::<Sessions>(&mut conn, &[SessionColumn::Status], |session| {
        session.id.clone()
    });
    pages_in_index_order::<Contacts>(&mut conn, &[], |contact| contact.id.clone());
}

// The searches a merchant makes to answer "did Jo pay?" find their rows through an index: a
// payer's email (whole or by its start), and sessions by their contact's email, which is read
// through the contacts' own index.
#[test]
fn searches_by_email_use_an_index() {
    let db = TestDb::new();
    let mut conn = db.connect();
    seed(&mut conn);
    seed_the_others(&mut conn);
    let merchant = merchant_uid(3);
    fn newest<C: Column>(filter: Filter<C>) -> Search<C> {
        Search {
            filter: Some(filter),
            sort: Sort::default(),
            direction: Direction::Forward,
            cursor: None,
            limit: 10,
        }
    }
    let email = Value::Text("payer42@example.com".into());
    for (what, search) in [
        (
            "payer_email =",
            newest(Filter::Test(PaymentColumn::PayerEmail, Test::Eq(email))),
        ),
        (
            "payer_email LIKE",
            newest(Filter::Test(
                PaymentColumn::PayerEmail,
                Test::Like("payer42%".into()),
            )),
        ),
    ] {
        let plan = explain::<Payments>(&mut conn, &merchant, &search).expect("explain");
        assert_uses_an_index(&plan, what);
        assert!(plan.contains("payments_"), "{what}: {plan}");
    }
    let by_contact = newest(Filter::Test(
        SessionColumn::ContactEmail,
        Test::Eq(Value::Text("c42@example.com".into())),
    ));
    let plan = explain::<Sessions>(&mut conn, &merchant, &by_contact).expect("explain");
    assert_uses_an_index(&plan, "contact.email =");
    assert!(plan.contains("contacts_by_email"), "{plan}");
    let by_name = newest(Filter::Test(
        ContactColumn::Name,
        Test::Like("contact 4%".into()),
    ));
    let plan = explain::<Contacts>(&mut conn, &merchant, &by_name).expect("explain");
    assert_uses_an_index(&plan, "name LIKE");
}
