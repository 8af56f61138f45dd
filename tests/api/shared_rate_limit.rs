//! The rate limit shared by replicas (`PAYLINK_RATE_LIMIT_REDIS_URL`): two servers on one
//! database and one Redis hold an API key to one budget between them, and a Redis that cannot
//! be reached lets requests through, counted.

use serde_json::json;

use crate::support::*;

/// The Redis the tests use: `PAYLINK_TEST_REDIS_URL`, else the local one the Makefile finds or
/// starts.
fn redis_url() -> String {
    std::env::var("PAYLINK_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

const COUNT: &str = "{ paymentLinks(limit: 1) { total_row_count } }";

/// One request as `key` to `url`; its HTTP status.
async fn status_of(client: &reqwest::Client, url: &str, key: &str) -> u16 {
    client
        .post(url)
        .bearer_auth(key)
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_hold_a_key_to_one_shared_budget() {
    const BURST: u32 = 20;
    let settings = [
        ("PAYLINK_RATE_LIMIT_PER_SECOND", "1".to_owned()),
        ("PAYLINK_RATE_LIMIT_BURST", BURST.to_string()),
        ("PAYLINK_RATE_LIMIT_REDIS_URL", redis_url()),
    ];
    let first = TestApp::start_with(&settings).await;
    let second = first.replica(&settings).await;
    let busy = first.merchant("Busy").await;
    let calm = first.merchant("Calm").await;

    // Alternate between the replicas until one refuses. Each alone would let a full burst
    // through, so two per-process limits would allow twice the burst; one shared budget allows
    // the burst and what refills meanwhile (one a second).
    let urls = [first.url("/graphql"), second.url("/graphql")];
    let mut allowed = 0;
    let refused_on = loop {
        let url = &urls[allowed % 2];
        match status_of(&first.client, url, &busy.key).await {
            200 => allowed += 1,
            429 => break url.clone(),
            other => panic!("unexpected status {other}"),
        }
        if allowed >= 2 * BURST as usize {
            // Requests Redis did not answer for in time were let through by design (counted):
            // they are not the limit's.
            let let_through = rate_limit_unavailable(&first.url("/metrics")).await
                + rate_limit_unavailable(&second.url("/metrics")).await;
            assert!(
                allowed - let_through < 2 * BURST as usize && allowed < 10 * BURST as usize,
                "the replicas did not share the budget ({allowed} allowed, {let_through} without Redis)"
            );
        }
    };
    assert!(allowed >= BURST as usize, "only {allowed} allowed");
    // The other replica refuses too: the budget is the key's, not the server's.
    let other = urls.iter().find(|url| **url != refused_on).unwrap();
    assert_eq!(status_of(&first.client, other, &busy.key).await, 429);

    assert_rate_limited(&first.client, &refused_on, &busy.key, COUNT).await;

    assert_eq!(
        status_of(&first.client, &urls[1], &calm.key).await,
        200,
        "another key has its own budget"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_redis_lets_requests_through_and_is_counted() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::start_with(&[
        ("PAYLINK_RATE_LIMIT_PER_SECOND", "1".to_owned()),
        ("PAYLINK_RATE_LIMIT_BURST", "1".to_owned()),
        (
            "PAYLINK_RATE_LIMIT_REDIS_URL",
            format!("redis://127.0.0.1:{closed}"),
        ),
    ])
    .await;
    let merchant = app.merchant("Acme").await;
    for _ in 0..3 {
        assert_eq!(
            status_of(&app.client, &app.url("/graphql"), &merchant.key).await,
            200,
            "failing open"
        );
    }
    assert_eq!(
        rate_limit_unavailable(&app.url("/metrics")).await,
        3,
        "each request let through is counted"
    );
}
