//! Every migration can be undone: its `down.sql` reverts it on a database holding rows, and
//! the migrations apply again after.

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use paylink_testdb::TestDb;

use crate::migrations::MIGRATIONS;

#[test]
fn every_migration_reverts_and_applies_again() {
    let db = TestDb::new();
    let mut conn = PgConnection::establish(db.url()).unwrap();
    crate::merchants::insert(&mut conn, "mer_a", "A").unwrap();
    diesel::sql_query(
        "INSERT INTO service_fees (merchant_uid, currency, basis_points, fixed_minor, updated_at) \
         VALUES ('mer_a', 'USD', 290, 30, now())",
    )
    .execute(&mut conn)
    .unwrap();
    let reverted = conn
        .revert_all_migrations(MIGRATIONS)
        .unwrap_or_else(|error| panic!("reverting: {error}"))
        .len();
    assert!(reverted > 0);
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .unwrap_or_else(|error| panic!("applying again: {error}"))
        .len();
    assert_eq!(applied, reverted);
}
