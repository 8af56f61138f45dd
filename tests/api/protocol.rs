//! The HTTP surface: GET for queries only, GraphiQL for browsers, body limits, media types, health.

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn get_runs_queries_with_variables() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    create_link(&app, &merchant, "Visible").await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query($limit: Int) { paymentLinks(limit: $limit) { items { link_name } } }",
            ),
            ("variables", r#"{"limit": 1}"#),
        ])
        .bearer_auth(&merchant.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["data"]["paymentLinks"]["items"][0]["link_name"], "Visible",
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_over_get_is_refused_and_changes_nothing() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let mutation = format!(
        r#"mutation {{ createPaymentLink(input: {{merchant_uid: "{}", link_name: "x", payment_name: "x", amount: 1}}) {{ link_id }} }}"#,
        merchant.uid
    );
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", mutation.as_str())])
        .bearer_auth(&merchant.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "METHOD_NOT_ALLOWED", "{body}");
    assert_eq!(app.link_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_get_graphiql() {
    let app = TestApp::start().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_malformed_bodies_are_client_errors() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let huge = json!({ "query": format!("{{ paymentLinks {{ total_row_count }} }} #{}", "x".repeat(2 * 1024 * 1024)) });
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);

    // A query that does not validate is a 400 with GraphQL errors, and the server keeps serving.
    let (status, body) = app.post(Some(&merchant.key), "{ nope }", json!({})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    let (status, _) = app
        .post(
            Some(&merchant.key),
            "{ paymentLinks { total_row_count } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_without_a_key() {
    let app = TestApp::start().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
