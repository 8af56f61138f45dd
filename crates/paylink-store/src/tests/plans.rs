//! Planning modes: a listing is planned generically when one index serves it whatever the values,
//! with its values when it is filtered on another column than its order, other work as
//! PostgreSQL chooses; a connection changes mode only when the next work asks for another.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use paylink_testdb::TestDb;

use crate::listing::search::planning;
use crate::listing::{Direction, LinkColumn as Column, ListRequest, PageStart, Sort, Test};
use crate::payment_links::Value;

type Filter = crate::listing::Filter<Column>;
use crate::plans::{PlannedConnection, Planning};
use crate::{PoolSettings, Store, StoreError};

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    plan_cache_mode: String,
}

fn mode(conn: &mut PgConnection) -> Result<String, StoreError> {
    Ok(diesel::sql_query("SHOW plan_cache_mode")
        .get_result::<Setting>(conn)?
        .plan_cache_mode)
}

fn test(column: Column, test: Test) -> Filter {
    Filter::Test(column, test)
}

#[test]
fn only_a_filter_on_the_order_column_answered_by_a_range_is_planned_generically() {
    let by_amount = Column::Amount;
    let range = Filter::All(vec![
        test(by_amount, Test::Ge(Value::Integer(1000))),
        test(by_amount, Test::Le(Value::Integer(5000))),
    ]);
    let generic = [
        None,
        Some(range.clone()),
        Some(Filter::Any(vec![range.clone()])),
        Some(test(by_amount, Test::In(vec![Value::Integer(5)]))),
        Some(test(by_amount, Test::IsNull)),
    ];
    for filter in &generic {
        assert_eq!(
            planning(filter.as_ref(), by_amount),
            Planning::Generic,
            "{filter:?}"
        );
    }
    let custom = [
        // The same range, read in another order: which index wins depends on the values.
        (Some(range.clone()), Column::CreatedDate),
        (
            Some(test(Column::LinkName, Test::Like("tuition%".into()))),
            Column::CreatedDate,
        ),
        // A LIKE on the order column still is: the name index is on the folded name.
        (
            Some(test(Column::LinkName, Test::Like("tuition%".into()))),
            Column::LinkName,
        ),
        (
            Some(test(by_amount, Test::Ne(Value::Integer(5)))),
            by_amount,
        ),
        (
            Some(Filter::Any(vec![
                test(by_amount, Test::Lt(Value::Integer(5))),
                test(by_amount, Test::Gt(Value::Integer(50))),
            ])),
            by_amount,
        ),
    ];
    for (filter, order) in &custom {
        assert_eq!(
            planning(filter.as_ref(), *order),
            Planning::Custom,
            "{filter:?} by {order:?}"
        );
    }
}

#[test]
fn a_connection_changes_mode_only_when_asked_for_the_other() {
    let db = TestDb::new();
    let mut conn = PlannedConnection::open(db.url()).expect("connects");
    let auto = conn.planning(Planning::Default).expect("auto");
    assert_eq!(mode(auto).expect("show"), "auto");
    let generic = conn.planning(Planning::Generic).expect("generic");
    assert_eq!(mode(generic).expect("show"), "force_generic_plan");
    let custom = conn.planning(Planning::Custom).expect("custom");
    assert_eq!(mode(custom).expect("show"), "force_custom_plan");
    let again = conn.planning(Planning::Custom).expect("custom again");
    assert_eq!(mode(again).expect("show"), "force_custom_plan");
    let back = conn.planning(Planning::Generic).expect("generic again");
    assert_eq!(mode(back).expect("show"), "force_generic_plan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_work_is_planned_as_postgresql_chooses_after_a_listing_planned_with_its_values() {
    let db = TestDb::new();
    let settings = PoolSettings {
        max_size: 1,
        connection_timeout: Duration::from_secs(30),
    };
    let store = Store::new(db.url(), &settings).expect("store");
    assert_eq!(store.run(mode).await.expect("mode"), "auto");
    let by_name = ListRequest {
        filter: Some(test(Column::LinkName, Test::Like("tuition%".into()))),
        sort: Sort::default(),
        direction: Direction::Forward,
        start: PageStart::First,
        limit: 10,
        count: true,
    };
    let listing = store
        .list_links("mer_nobody", by_name)
        .await
        .expect("lists")
        .expect("a first page");
    assert_eq!(listing.total, Some(0));
    assert_eq!(
        store
            .run_planned(Planning::Custom, mode)
            .await
            .expect("mode"),
        "force_custom_plan"
    );
    // The one connection kept the last work's mode; the next operation gets it back to auto.
    assert_eq!(store.run(mode).await.expect("mode"), "auto");
}
