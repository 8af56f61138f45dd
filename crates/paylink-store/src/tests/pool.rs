//! `Store::run` with more callers than connections: callers wait their turn, and one that gets no
//! connection within the pool's timeout fails as unavailable instead of hanging.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::{PoolSettings, Store, StoreError};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use paylink_testdb::TestDb;

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Integer)]
    one: i32,
}

fn select_one(conn: &mut PgConnection) -> Result<i32, StoreError> {
    Ok(diesel::sql_query("SELECT 1 AS one")
        .get_result::<One>(conn)?
        .one)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_beyond_the_pool_wait_for_a_connection() {
    let db = TestDb::new();
    let settings = PoolSettings {
        max_size: 2,
        connection_timeout: Duration::from_secs(30),
    };
    let store = Store::new(db.url(), &settings).expect("store");
    let running = Arc::new(AtomicUsize::new(0));
    let most_running = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            let running = Arc::clone(&running);
            let most_running = Arc::clone(&most_running);
            tokio::spawn(async move {
                store
                    .run(move |conn| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most_running.fetch_max(now, Ordering::SeqCst);
                        let one = select_one(conn);
                        running.fetch_sub(1, Ordering::SeqCst);
                        one
                    })
                    .await
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.expect("caller").expect("query"), 1);
    }
    assert!(most_running.load(Ordering::SeqCst) <= 2);
    assert!(store.pool_state().connections <= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gets_no_connection_in_time_is_told_the_database_is_unavailable() {
    let db = TestDb::new();
    let settings = PoolSettings {
        max_size: 1,
        connection_timeout: Duration::from_millis(200),
    };
    let store = Store::new(db.url(), &settings).expect("store");
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .run(move |conn| {
                    let one = select_one(conn);
                    held_tx.send(()).expect("test waits");
                    release_rx.recv().expect("test releases");
                    one
                })
                .await
        })
    };
    held_rx.await.expect("the holder has the only connection");

    let ran = Arc::new(AtomicUsize::new(0));
    let refused = {
        let ran = Arc::clone(&ran);
        store
            .run(move |conn| {
                ran.fetch_add(1, Ordering::SeqCst);
                select_one(conn)
            })
            .await
    };
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );

    release_tx.send(()).expect("holder waits");
    assert_eq!(holder.await.expect("holder").expect("query"), 1);
    // The connection is free again, and the work given up was never run.
    assert_eq!(store.run(select_one).await.expect("query"), 1);
    assert_eq!(ran.load(Ordering::SeqCst), 0, "work given up still ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_database_work_reaches_its_caller_and_the_thread_goes_on() {
    let db = TestDb::new();
    let settings = PoolSettings {
        max_size: 1,
        connection_timeout: Duration::from_secs(30),
    };
    let store = Store::new(db.url(), &settings).expect("store");
    let panicking = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .run(|_| -> Result<(), StoreError> { panic!("a bug in database work") })
                .await
        })
    };
    let error = panicking.await.expect_err("the caller panics too");
    assert!(error.is_panic());
    // The one thread and its connection still serve.
    assert_eq!(store.run(select_one).await.expect("query"), 1);
}
