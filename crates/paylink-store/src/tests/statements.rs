//! The hot statements run prepared: PostgreSQL parses and plans a listing or an insert once per
//! connection and then only executes it. Checked with `pg_prepared_statements`, which lists the
//! statements the session holds.

use crate::listing::search::{explain, page};
use crate::listing::{Cursor, Direction, Filter, LinkColumn, Links, Search, Sort, Test};
use crate::merchants;
use crate::payment_links::{self, Value};
use diesel::prelude::*;
use diesel::sql_types::Text;
use paylink_testdb::TestDb;

const MERCHANT: &str = "mer_prepared";

/// The texts of the statements this session keeps prepared that mention `table`.
fn prepared_on(conn: &mut PgConnection, table: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = Text)]
        statement: String,
    }
    diesel::sql_query("SELECT statement FROM pg_prepared_statements ORDER BY statement")
        .load::<Prepared>(conn)
        .expect("pg_prepared_statements")
        .into_iter()
        .map(|row| row.statement)
        .filter(|statement| statement.contains(table))
        .collect()
}

#[test]
fn listings_and_inserts_are_prepared_once_per_connection() {
    let db = TestDb::new();
    let mut conn = db.connect();
    merchants::insert(&mut conn, MERCHANT, "Prepared").expect("merchant");
    for i in 0..40 {
        payment_links::insert(&mut conn, &super::common::link_row(MERCHANT, i, 0)).expect("insert");
    }
    let inserts = prepared_on(&mut conn, "INSERT INTO \"payment_links\"");
    assert_eq!(inserts.len(), 1, "{inserts:#?}");

    // Pages of every size and from every boundary share one statement per shape: first pages,
    // pages after a cursor, and a filtered listing.
    let first_page = Search {
        filter: None,
        sort: Sort::default(),
        direction: Direction::Forward,
        cursor: None,
        limit: 10,
    };
    let mut search = first_page.clone();
    let mut seen = Vec::new();
    for limit in [10, 7, 3] {
        search.limit = limit;
        let page = page::<Links>(&mut conn, MERCHANT, &search).expect("page");
        let last = page.last().expect("a full page");
        search.cursor = Some(Cursor {
            value: Some(Value::Timestamp(last.created_date)),
            id: Some(last.link_id.clone()),
        });
        seen.extend(page.into_iter().map(|link| link.link_id));
    }
    let again = page::<Links>(
        &mut conn,
        MERCHANT,
        &Search {
            limit: 20,
            ..first_page.clone()
        },
    )
    .expect("first page again");
    assert_eq!(again.len(), 20);
    let active = Search {
        filter: Some(Filter::Test(LinkColumn::IsActive, Test::IsTrue)),
        ..first_page.clone()
    };
    for _ in 0..3 {
        page::<Links>(&mut conn, MERCHANT, &active).expect("filtered page");
    }
    let listings = prepared_on(&mut conn, "FROM payment_links WHERE");
    assert_eq!(listings.len(), 3, "{listings:#?}");
    assert!(
        listings.iter().all(|sql| sql.contains("LIMIT $")),
        "the page size is a parameter, not part of the text: {listings:#?}"
    );
    // The cursor pages went on where the previous page ended.
    let distinct: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), 20, "no link twice across pages: {seen:?}");

    // Diagnostics run once and are not kept.
    explain::<Links>(&mut conn, MERCHANT, &first_page).expect("explain");
    assert_eq!(prepared_on(&mut conn, "FROM payment_links WHERE").len(), 3);
}

// The crate's own hand-written statements (idempotency keys, delivery claims) are kept prepared
// too, and still do their work.
#[test]
fn idempotency_and_claim_statements_are_prepared_once_per_connection() {
    use std::time::Duration;

    use crate::deliveries;
    use crate::idempotency::{self, Begin, StoredResponse};

    let db = TestDb::new();
    let mut conn = db.connect();
    merchants::insert(&mut conn, MERCHANT, "Prepared").expect("merchant");
    let (ttl, lock) = (Duration::from_secs(60), Duration::from_secs(60));
    for i in 0..3 {
        let key = format!("key-{i}");
        let begun =
            idempotency::begin(&mut conn, MERCHANT, &key, b"body", ttl, lock).expect("begin");
        assert!(matches!(begun, Begin::Acquired));
        let response = StoredResponse {
            status_code: 200,
            content_type: "application/json".into(),
            body: format!("{{\"n\":{i}}}").into_bytes(),
        };
        idempotency::complete(&mut conn, MERCHANT, &key, &response).expect("complete");
        match idempotency::begin(&mut conn, MERCHANT, &key, b"body", ttl, lock).expect("again") {
            Begin::Replay(stored) => assert_eq!(stored, response),
            _ => panic!("not a replay"),
        }
        assert!(matches!(
            idempotency::begin(&mut conn, MERCHANT, &key, b"other", ttl, lock).expect("other"),
            Begin::Mismatch
        ));
    }
    for _ in 0..3 {
        deliveries::claim(&mut conn, 10, Duration::from_secs(30)).expect("claim");
    }
    let keys = prepared_on(&mut conn, "idempotency_keys");
    // The insert-or-take-over and the read; the update that stores the response.
    assert_eq!(keys.len(), 3, "{keys:#?}");
    let claims = prepared_on(&mut conn, "UPDATE link_deliveries SET status = 'Sending'");
    assert_eq!(claims.len(), 1, "{claims:#?}");
}
