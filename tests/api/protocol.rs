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
        r#"mutation {{ createPaymentLink(input: {{merchant_uid: "{}", link_name: "x", payment_name: "x", amount: 1500}}) {{ link_id }} }}"#,
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
    let (status, body) = post_document(&app, &merchant.key, "{ nope }").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    let (status, body) = post_document(&app, &merchant.key, "{ nope").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
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

/// POSTs `document` as the holder of `key`, accepting the media type in which a request that
/// never ran is a 400.
async fn post_document(app: &TestApp, key: &str, document: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(key)
        .header("Accept", "application/graphql-response+json")
        .json(&json!({ "query": document }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// POSTs `document` with an `operationName` as the holder of `key`.
async fn post_operation(
    app: &TestApp,
    key: &str,
    document: &str,
    operation_name: &str,
    variables: Value,
) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        // The media type in which a request that never ran is a 400.
        .header("Accept", "application/graphql-response+json")
        .json(&json!({
            "query": document,
            "operationName": operation_name,
            "variables": variables,
        }))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

// The server keeps documents it has validated and runs them again without parsing: nothing of
// an earlier request (variables, operation, merchant) may carry over to the next one.
#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_document_runs_with_each_requests_variables_operation_and_key() {
    let app = TestApp::start().await;
    let acme = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    for name in ["Acme 1", "Acme 2", "Acme 3"] {
        create_link(&app, &acme, name).await;
    }
    create_link(&app, &other, "Other 1").await;
    let document = "query Page($limit: Int) { paymentLinks(limit: $limit) { items { link_name } } }
        query Count { paymentLinks { total_row_count } }";
    let names = |body: &Value| -> Vec<String> {
        body["data"]["paymentLinks"]["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {body}"))
            .iter()
            .map(|item| item["link_name"].as_str().unwrap().to_owned())
            .collect()
    };

    for limit in [1, 3, 2] {
        let (status, body) =
            post_operation(&app, &acme.key, document, "Page", json!({ "limit": limit })).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(names(&body).len(), limit, "{body}");
    }
    let (_, body) = post_operation(&app, &acme.key, document, "Count", json!({})).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 3, "{body}");
    let (_, body) = post_operation(&app, &other.key, document, "Count", json!({})).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 1, "{body}");
    let (_, body) = post_operation(&app, &other.key, document, "Page", json!({ "limit": 3 })).await;
    assert_eq!(names(&body), ["Other 1"], "{body}");

    // Variables are still checked against the reused operation's definitions.
    let (status, body) = post_operation(
        &app,
        &acme.key,
        document,
        "Page",
        json!({ "limit": "three" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["data"].is_null(), "{body}");
    assert!(
        only_error(&body)["message"]
            .as_str()
            .unwrap()
            .contains("limit"),
        "{body}"
    );
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_that_fails_validation_fails_each_time_it_is_sent() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let document = "query Links { paymentLinks { items { no_such_field } } }";
    for _ in 0..2 {
        let (status, body) =
            post_operation(&app, &merchant.key, document, "Links", json!({})).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            only_error(&body)["message"]
                .as_str()
                .unwrap()
                .contains("no_such_field"),
            "{body}"
        );
        assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    }
    // Naming an operation the document does not have is refused too, though the document's
    // other operation is known.
    let document = "query Links { paymentLinks { total_row_count } }";
    let (_, body) = post_operation(&app, &merchant.key, document, "Links", json!({})).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");
    let (_, body) = post_operation(&app, &merchant.key, document, "Other", json!({})).await;
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(error_code(&body), "OPERATION_RESOLUTION_FAILURE", "{body}");
}
