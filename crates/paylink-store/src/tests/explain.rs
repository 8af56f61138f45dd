//! The listing's page queries are served by an index, however deep the page: checked with the
//! store's EXPLAIN of the real page queries over 20,000 links of 20 merchants, after ANALYZE so
//! that the planner sees a table where a sequential scan would be the wrong choice.

use crate::merchants;
use crate::payment_links::{
    self, Column, Cursor, Direction, Filter, PaymentLinkRow, Search, Sort, Test, Value,
};
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
        !plan.contains("Seq Scan on payment_links"),
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
    let plan = payment_links::explain(&mut conn, &merchant, &first_page).expect("explain");
    assert_uses_an_index(&plan, "default order, first page");

    // The boundary 90% of the way through the merchant's links in display order
    // (created_date DESC, link_id DESC).
    let mut links: Vec<PaymentLinkRow> = (0..LINKS_PER_MERCHANT).map(|i| row(7, i)).collect();
    links.sort_by(|a, b| (&b.created_date, &b.link_id).cmp(&(&a.created_date, &a.link_id)));
    let boundary = &links[LINKS_PER_MERCHANT * 9 / 10];
    let deep_page = Search {
        cursor: Some(Cursor {
            value: Some(Value::Timestamp(boundary.created_date)),
            link_id: Some(boundary.link_id.clone()),
        }),
        ..first_page.clone()
    };
    let plan = payment_links::explain(&mut conn, &merchant, &deep_page).expect("explain");
    assert_uses_an_index(&plan, "default order, deep keyset page");

    // The deep page really is where the cursor says: the same query run for real.
    let page = payment_links::page(&mut conn, &merchant, &deep_page).expect("page");
    let expected: Vec<&str> = links[LINKS_PER_MERCHANT * 9 / 10 + 1..][..10]
        .iter()
        .map(|link| link.link_id.as_str())
        .collect();
    let got: Vec<&str> = page.iter().map(|link| link.link_id.as_str()).collect();
    assert_eq!(got, expected);

    let active = Search {
        filter: Some(Filter::Test(
            Column::IsActive,
            Test::Eq(Value::Boolean(true)),
        )),
        ..first_page.clone()
    };
    let plan = payment_links::explain(&mut conn, &merchant, &active).expect("explain");
    assert_uses_an_index(&plan, "is_active = true, first page");

    let active_is_true = Search {
        filter: Some(Filter::Test(Column::IsActive, Test::IsTrue)),
        ..deep_page.clone()
    };
    let plan = payment_links::explain(&mut conn, &merchant, &active_is_true).expect("explain");
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
    let merchant = merchant_uid(3);
    let unindexed = [
        Column::PaymentDescription,
        Column::CustomSuccessMessage,
        Column::RedirectUrl,
    ];
    for column in Column::ALL {
        for descending in [false, true] {
            let first_page = Search {
                filter: None,
                sort: Sort { column, descending },
                direction: Direction::Forward,
                cursor: None,
                limit: 10,
            };
            // The boundary 900 links into this order, read with the listing itself.
            let before = payment_links::page(
                &mut conn,
                &merchant,
                &Search {
                    limit: 900,
                    ..first_page.clone()
                },
            )
            .expect("page");
            let boundary = before.last().expect("900 links");
            let deep_page = Search {
                cursor: Some(Cursor {
                    value: column.value_of(boundary),
                    link_id: Some(boundary.link_id.clone()),
                }),
                ..first_page.clone()
            };
            for (what, search) in [("first page", &first_page), ("deep page", &deep_page)] {
                let plan = payment_links::explain(&mut conn, &merchant, search).expect("explain");
                let what = format!(
                    "{} {}, {what}",
                    column.name(),
                    if descending { "DESC" } else { "ASC" }
                );
                if unindexed.contains(&column) {
                    continue;
                }
                assert_uses_an_index(&plan, &what);
                assert!(!sorts(&plan), "{what}: sorts in\n{plan}");
            }
        }
    }
}
