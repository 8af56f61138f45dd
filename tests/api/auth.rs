//! API-key authentication: every bad-key case is a 401 with code UNAUTHENTICATED.

use serde_json::json;

use crate::support::*;

const QUERY: &str = "{ paymentLinks { total_row_count } }";

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_key_gets_401_unauthenticated() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let revoked = app.merchant("Gone").await;
    let prefix = revoked.key[..12].to_owned();
    app.store.revoke_keys(&prefix).await.unwrap();

    let unknown = format!("plk_{}", "A".repeat(40));
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("empty bearer", Some("Bearer ".into())),
        ("wrong scheme", Some(format!("Basic {}", merchant.key))),
        ("unknown", Some(format!("Bearer {unknown}"))),
        ("garbage", Some("Bearer not-a-key".into())),
        ("revoked", Some(format!("Bearer {}", revoked.key))),
    ];
    for (case, header) in cases {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": QUERY }));
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{case}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{case}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{case}: {body}");
    }

    let (status, body) = app.post(Some(&merchant.key), QUERY, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_only_ever_acts_for_its_own_merchant() {
    let app = TestApp::start().await;
    let first = app.merchant("First").await;
    let second = app.merchant("Second").await;
    create_link(&app, &first, "Mine").await;
    create_link(&app, &first, "Also mine").await;
    let body = app.gql(&second, QUERY, json!({})).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");
    let body = app.gql(&first, QUERY, json!({})).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 2, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_key_stops_working_once_the_key_cache_lets_go() {
    // With the cache off, revocation takes effect on the next request.
    let app = TestApp::start_with(&[("PAYLINK_API_KEY_CACHE_SECS", "0".to_owned())]).await;
    let merchant = app.merchant("Acme").await;
    let (status, _) = app.post(Some(&merchant.key), QUERY, json!({})).await;
    assert_eq!(status, 200);
    let prefix = merchant.key[..12].to_owned();
    app.store.revoke_keys(&prefix).await.unwrap();
    let (status, body) = app.post(Some(&merchant.key), QUERY, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}
