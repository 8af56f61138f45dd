//! The merchant totals kept by triggers (migration `link_counts`) equal `count(*)` of the links
//! after concurrent inserts from many connections, deletes, bulk inserts and rolled-back work.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use paylink_testdb::TestDb;

use super::common::link_row;
use crate::payment_links::{self, PaymentLinkRow};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn counted(conn: &mut PgConnection, merchant_uid: &str) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM payment_links WHERE merchant_uid = $1")
        .bind::<Text, _>(merchant_uid)
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

fn kept(conn: &mut PgConnection, merchant_uid: &str) -> i64 {
    payment_links::count(conn, merchant_uid, None).unwrap()
}

fn merchant(conn: &mut PgConnection, uid: &str) {
    crate::merchants::insert(conn, uid, uid).unwrap();
}

#[test]
fn totals_follow_concurrent_inserts_deletes_and_rollbacks() {
    let db = TestDb::new();
    let mut conn = PgConnection::establish(db.url()).unwrap();
    merchant(&mut conn, "mer_a");
    merchant(&mut conn, "mer_b");
    assert_eq!(kept(&mut conn, "mer_a"), 0);

    // Eight connections insert at once, each into both merchants.
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let url = db.url().to_owned();
            std::thread::spawn(move || {
                let mut conn = PgConnection::establish(&url).unwrap();
                for i in 0..25 {
                    let n = t * 100 + i;
                    payment_links::insert(&mut conn, &link_row("mer_a", n, 1)).unwrap();
                    if i % 5 == 0 {
                        payment_links::insert(&mut conn, &link_row("mer_b", n, 2)).unwrap();
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(kept(&mut conn, "mer_a"), 200);
    assert_eq!(kept(&mut conn, "mer_b"), 40);

    // A bulk insert of many rows in one statement.
    let rows: Vec<PaymentLinkRow> = (1000..1300).map(|i| link_row("mer_b", i, 3)).collect();
    diesel::insert_into(crate::schema::payment_links::table)
        .values(&rows)
        .execute(&mut conn)
        .unwrap();
    assert_eq!(kept(&mut conn, "mer_b"), 340);

    // Deleted links leave the total; rolled-back work never entered it.
    diesel::sql_query(
        "DELETE FROM payment_links WHERE merchant_uid = 'mer_a' AND link_id LIKE '%5'",
    )
    .execute(&mut conn)
    .unwrap();
    let _ = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        payment_links::insert(conn, &link_row("mer_a", 9999, 4)).unwrap();
        diesel::sql_query("DELETE FROM payment_links WHERE merchant_uid = 'mer_b'")
            .execute(conn)
            .unwrap();
        Err(diesel::result::Error::RollbackTransaction)
    });
    for uid in ["mer_a", "mer_b"] {
        assert_eq!(kept(&mut conn, uid), counted(&mut conn, uid), "{uid}");
    }
    assert_eq!(kept(&mut conn, "mer_b"), 340);
    assert_eq!(kept(&mut conn, "mer_unknown"), 0);
}
