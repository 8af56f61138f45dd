//! Production hardening, in process: GraphQL over HTTP conformance (media types, status codes,
//! batches), the document, body and variables limits (each refused before anything runs, so the
//! requests here are mutations that would write if they ran), the introspection and GraphiQL
//! switches, `Idempotency-Key` replays (sequential and concurrent), the per-key rate limit, and
//! the health, readiness and metrics endpoints with request ids.

use std::time::Duration;

use serde_json::{Value, json};

use crate::deliveries::{
    CREATE_CONTACT, CREATE_SESSION, SEND_SESSION_LINK, SESSION, session_input,
};
use crate::support::*;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const COUNT: &str = "{ paymentLinks { total_row_count } }";
/// A create that selects little, so that the limit tests control the size of the document.
const CREATE_SMALL: &str =
    "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id } }";

fn setting(name: &'static str, value: impl ToString) -> (&'static str, String) {
    (name, value.to_string())
}

fn link_input(merchant: &Merchant, name: &str) -> Value {
    json!({ "input": {
        "merchant_uid": merchant.uid, "link_name": name, "payment_name": "Dues", "amount": 1500,
    } })
}

/// POSTs `body` as JSON with `accept` (reqwest's default `*/*` when `None`) and returns the
/// status, the `Content-Type` and the parsed body.
async fn post_json(
    app: &TestApp,
    key: &str,
    accept: Option<&str>,
    body: &Value,
) -> (u16, String, Value) {
    let mut request = app.client.post(app.url("/graphql")).bearer_auth(key);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let response = request.json(body).send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, content_type, body)
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The message of the single error.
fn error_message(body: &Value) -> String {
    only_error(body)["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {body}"))
        .to_owned()
}

/// Asserts a request error in the new media type: 400, errors, and no `data` at all (the
/// specification tells "did not run" from "ran and failed" by the absence of `data`).
fn assert_request_error(status: u16, content_type: &str, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert!(
        content_type.starts_with(GRAPHQL_RESPONSE_JSON),
        "{content_type}"
    );
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
    // Every error says in `extensions.code` why the request never ran.
    for error in body["errors"].as_array().unwrap() {
        let code = error["extensions"]["code"].as_str().unwrap_or_default();
        assert!(
            [
                "GRAPHQL_PARSE_FAILED",
                "GRAPHQL_VALIDATION_FAILED",
                "OPERATION_RESOLUTION_FAILURE",
                "BAD_USER_INPUT",
            ]
            .contains(&code),
            "{body}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Protocol

#[tokio::test(flavor = "multi_thread")]
async fn the_graphql_response_media_type_is_answered_with_its_status_codes() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let accept = Some(GRAPHQL_RESPONSE_JSON);

    let (status, content_type, body) =
        post_json(&app, &merchant.key, accept, &json!({ "query": COUNT })).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with(GRAPHQL_RESPONSE_JSON),
        "{content_type}"
    );
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");

    // Does not parse.
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        accept,
        &json!({ "query": "{ paymentLinks(" }),
    )
    .await;
    assert_request_error(status, &content_type, &body);

    // Parses, does not validate; a mutation, so that "did not run" is visible.
    let invalid_mutation = "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id no_such_field } }";
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        accept,
        &json!({ "query": invalid_mutation, "variables": link_input(&merchant, "Never") }),
    )
    .await;
    assert_request_error(status, &content_type, &body);
    assert!(error_message(&body).contains("no_such_field"), "{body}");
    assert_eq!(app.link_count().await, 0);

    // A field error ran: 200, `data` present and null (the field is non-null), the error's code.
    let mut input = link_input(&merchant, "Negative");
    input["input"]["amount"] = json!(-5);
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        accept,
        &json!({ "query": CREATE_SMALL, "variables": input }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with(GRAPHQL_RESPONSE_JSON),
        "{content_type}"
    );
    assert!(
        body["data"].is_null() && body.get("data").is_some(),
        "{body}"
    );
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(app.link_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn application_json_is_answered_when_asked_for_or_when_nothing_is_said() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;

    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some("application/json"),
        &json!({ "query": COUNT }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );

    // The legacy media type answers every well-formed request with 200, validation errors too.
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some("application/json"),
        &json!({ "query": "{ nope }" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(error_message(&body).contains("nope"), "{body}");
    assert!(body.get("data").is_none(), "{body}");

    // No Accept header at all (reqwest would add `*/*`, so this goes over a raw connection).
    let payload = json!({ "query": COUNT }).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        app.addr,
        merchant.key,
        payload.len()
    );
    let response = raw_request(app.addr, request.as_bytes())
        .await
        .expect("an answer");
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        response.headers
    );
    assert_eq!(
        response.json()["data"]["paymentLinks"]["total_row_count"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_media_types_and_methods_are_refused() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Accept", "text/csv")
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 406);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "NOT_ACCEPTABLE", "{body}");

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Content-Type", "text/plain")
        .body(json!({ "query": COUNT }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "UNSUPPORTED_MEDIA_TYPE", "{body}");

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

    let response = app
        .client
        .put(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "METHOD_NOT_ALLOWED", "{body}");
    assert_eq!(app.link_count().await, 0);
}

// Whatever refuses a request, the answer comes in the media type the client asked for.
#[tokio::test(flavor = "multi_thread")]
async fn refusals_come_in_the_media_type_the_client_accepts() {
    let app = TestApp::start_with(&[
        setting("PAYLINK_MAX_BODY_BYTES", 2_000),
        setting("PAYLINK_MAX_VARIABLES_BYTES", 500),
        setting("PAYLINK_MAX_BATCH_SIZE", 2),
    ])
    .await;
    let merchant = app.merchant("Acme").await;
    let url = app.url("/graphql");
    let create_over_get = format!(
        r#"mutation {{ createPaymentLink(input: {{merchant_uid: "{}", link_name: "x", payment_name: "x", amount: 1500}}) {{ link_id }} }}"#,
        merchant.uid
    );
    let cases: Vec<(&str, u16, reqwest::RequestBuilder)> = vec![
        (
            "no API key",
            401,
            app.client.post(&url).json(&json!({ "query": COUNT })),
        ),
        (
            "not JSON",
            415,
            app.client
                .post(&url)
                .bearer_auth(&merchant.key)
                .header("Content-Type", "text/plain")
                .body(COUNT),
        ),
        (
            "PUT",
            405,
            app.client
                .put(&url)
                .bearer_auth(&merchant.key)
                .json(&json!({ "query": COUNT })),
        ),
        (
            "mutation over GET",
            405,
            app.client
                .get(&url)
                .bearer_auth(&merchant.key)
                .query(&[("query", create_over_get.as_str())]),
        ),
        (
            "GET without a query",
            400,
            app.client.get(&url).bearer_auth(&merchant.key),
        ),
        (
            "broken JSON",
            400,
            app.client
                .post(&url)
                .bearer_auth(&merchant.key)
                .header("Content-Type", "application/json")
                .body("{\"query\": "),
        ),
        (
            "body over the limit",
            413,
            app.client
                .post(&url)
                .bearer_auth(&merchant.key)
                .json(&json!({ "query": COUNT, "extensions": { "pad": "x".repeat(3_000) } })),
        ),
        (
            "variables over the limit",
            413,
            app.client
                .post(&url)
                .bearer_auth(&merchant.key)
                .json(&json!({ "query": COUNT, "variables": { "pad": "x".repeat(600) } })),
        ),
        (
            "batch over the limit",
            400,
            app.client
                .post(&url)
                .bearer_auth(&merchant.key)
                .json(&json!([{ "query": COUNT }, { "query": COUNT }, { "query": COUNT }])),
        ),
        (
            "malformed Idempotency-Key",
            400,
            app.client
                .post(&url)
                .bearer_auth(&merchant.key)
                .header("Idempotency-Key", "")
                .json(&json!({ "query": COUNT })),
        ),
    ];
    for (case, status, request) in cases {
        for (accept, expected) in [
            (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
            ("application/json", "application/json"),
        ] {
            let request = request
                .try_clone()
                .expect("a request without a stream body");
            let response = request.header("Accept", accept).send().await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{case}, {accept}");
            let content_type = content_type(&response);
            assert!(
                content_type.starts_with(expected),
                "{case}, {accept}: {content_type}"
            );
            let body: Value = response.json().await.unwrap();
            assert!(!error_code(&body).is_empty(), "{case}: {body}");
        }
    }
    assert_eq!(app.link_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_are_answered_in_order_up_to_the_configured_size() {
    let app = TestApp::start_with(&[setting("PAYLINK_MAX_BATCH_SIZE", 3)]).await;
    let merchant = app.merchant("Acme").await;
    create_link(&app, &merchant, "Only").await;

    let batch = json!([
        { "query": COUNT },
        { "query": "{ paymentLinks { items { link_name } } }" },
    ]);
    let (status, _, body) = post_json(&app, &merchant.key, None, &batch).await;
    assert_eq!(status, 200, "{body}");
    let answers = body.as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(answers.len(), 2, "{body}");
    assert_eq!(answers[0]["data"]["paymentLinks"]["total_row_count"], 1);
    assert_eq!(
        answers[1]["data"]["paymentLinks"]["items"][0]["link_name"],
        "Only"
    );

    // Four creates: refused whole, none of them runs.
    let one = json!({ "query": CREATE_SMALL, "variables": link_input(&merchant, "Batched") });
    let batch = Value::Array(vec![one; 4]);
    let (status, _, body) = post_json(&app, &merchant.key, None, &batch).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
    let message = error_message(&body);
    assert!(message.contains("at most 3"), "{message}");
    assert_eq!(app.link_count().await, 1);

    let (status, _, body) = post_json(&app, &merchant.key, None, &json!([])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn variables_that_are_not_an_object_are_a_bad_request() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let query = format!(
        r#"mutation {{ createPaymentLink(input: {{merchant_uid: "{}", link_name: "x", payment_name: "x", amount: 1500}}) {{ link_id }} }}"#,
        merchant.uid
    );
    for variables in [json!([]), json!("{}"), json!(1), json!(true)] {
        let (status, _, body) = post_json(
            &app,
            &merchant.key,
            None,
            &json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(status, 400, "{variables}: {body}");
        assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
        assert!(error_message(&body).contains("variables"), "{body}");
    }
    assert_eq!(app.link_count().await, 0);
    // Null stands for "no variables".
    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": query, "variables": null }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 1);
}

// ---------------------------------------------------------------------------------------------
// Limits

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_413_and_runs_nothing() {
    let app = TestApp::start_with(&[setting("PAYLINK_MAX_BODY_BYTES", 2048)]).await;
    let merchant = app.merchant("Acme").await;
    let padded = format!("{CREATE_SMALL} # {}", "x".repeat(4096));
    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": padded, "variables": link_input(&merchant, "Padded") }),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE", "{body}");
    assert!(error_message(&body).contains("2048"), "{body}");
    assert_eq!(app.link_count().await, 0);

    // The same request under the limit runs: the size was the only reason.
    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": CREATE_SMALL, "variables": link_input(&merchant, "Small") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_deeper_than_the_limit_is_refused_before_it_runs() {
    let app = TestApp::start_with(&[setting("PAYLINK_MAX_QUERY_DEPTH", 3)]).await;
    let merchant = app.merchant("Acme").await;
    // The create nests its selection in two inline fragments: depth 4.
    let deep = "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { ... on PaymentLink { ... on PaymentLink { link_id } } } }";
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some(GRAPHQL_RESPONSE_JSON),
        &json!({ "query": deep, "variables": link_input(&merchant, "Deep") }),
    )
    .await;
    assert_request_error(status, &content_type, &body);
    let message = error_message(&body).to_lowercase();
    assert!(
        (message.contains("depth") || message.contains("nesting")) && message.contains('3'),
        "{body}"
    );
    assert_eq!(app.link_count().await, 0);

    // Nested input values count as well.
    let deep_input = r#"{ paymentLinks(query: {query_list: [{query_group: [{query_group: [{key: "amount", operator: IS_NULL}]}]}]}) { total_row_count } }"#;
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some(GRAPHQL_RESPONSE_JSON),
        &json!({ "query": deep_input }),
    )
    .await;
    assert_request_error(status, &content_type, &body);

    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": CREATE_SMALL, "variables": link_input(&merchant, "Shallow") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 1);
}

/// `count` aliased creates in one mutation: two fields each.
fn aliased_creates(count: usize) -> String {
    let creates: String = (0..count)
        .map(|i| format!(" c{i}: createPaymentLink(input: $input) {{ link_id }}"))
        .collect();
    format!("mutation($input: PaymentLinkInput!) {{{creates} }}")
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_fields_are_refused_before_any_runs() {
    let app = TestApp::start_with(&[setting("PAYLINK_MAX_QUERY_FIELDS", 10)]).await;
    let merchant = app.merchant("Acme").await;
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some(GRAPHQL_RESPONSE_JSON),
        &json!({ "query": aliased_creates(6), "variables": link_input(&merchant, "Alias") }),
    )
    .await;
    assert_request_error(status, &content_type, &body);
    let message = error_message(&body);
    assert!(
        message.contains("fields") && message.contains("10"),
        "{body}"
    );
    assert_eq!(app.link_count().await, 0);

    // Exactly at the limit: five creates, ten fields, all run.
    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": aliased_creates(5), "variables": link_input(&merchant, "Alias") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_tokens_are_refused_before_anything_runs() {
    let app = TestApp::start_with(&[setting("PAYLINK_MAX_QUERY_TOKENS", 40)]).await;
    let merchant = app.merchant("Acme").await;
    // Inline arguments instead of variables: the same create, many more tokens.
    let inline = format!(
        r#"mutation {{ createPaymentLink(input: {{merchant_uid: "{}", link_name: "Inline", payment_name: "Dues", amount: 1500, currency: "USD", payment_description: "d", account_code: "a", require_phone: false}}) {{ link_id link_name payment_name amount currency }} }}"#,
        merchant.uid
    );
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some(GRAPHQL_RESPONSE_JSON),
        &json!({ "query": inline }),
    )
    .await;
    assert_request_error(status, &content_type, &body);
    let message = error_message(&body);
    assert!(
        message.contains("tokens") && message.contains("40"),
        "{body}"
    );
    assert_eq!(app.link_count().await, 0);

    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": CREATE_SMALL, "variables": link_input(&merchant, "Few tokens") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn fragment_cycles_are_refused_as_invalid() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let cycle = "{ paymentLinks { ...A } }
        fragment A on PaymentLinks { total_row_count ...B }
        fragment B on PaymentLinks { items { link_id } ...A }";
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some(GRAPHQL_RESPONSE_JSON),
        &json!({ "query": cycle }),
    )
    .await;
    assert_request_error(status, &content_type, &body);
    let messages = body["errors"].to_string();
    assert!(messages.contains("Cannot spread fragment"), "{body}");

    // The shape of CVE-2022-31173: a long chain of fragments that loops back to its start, which
    // a recursive validator follows until its stack overflows. Refused, and the server lives.
    let mut chain = "{ paymentLinks { ...F0 } }".to_owned();
    for i in 0..3000 {
        chain += &format!(
            " fragment F{i} on PaymentLinks {{ ...F{} }}",
            (i + 1) % 3000
        );
    }
    let (status, content_type, body) = post_json(
        &app,
        &merchant.key,
        Some(GRAPHQL_RESPONSE_JSON),
        &json!({ "query": chain }),
    )
    .await;
    assert_request_error(status, &content_type, &body);

    let (status, _, body) = post_json(&app, &merchant.key, None, &json!({ "query": COUNT })).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn exponentially_expanding_fragments_are_refused_quickly_by_the_field_limit() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    // "Billion laughs": each fragment spreads the previous one five times, so the operation
    // expands to 5^9 (about two million) creates from a document of a few hundred bytes.
    let mut bomb = "mutation($input: PaymentLinkInput!) { ...F9 }
        fragment F0 on Mutation { createPaymentLink(input: $input) { link_id } }"
        .to_owned();
    for i in 1..10 {
        let spreads = format!(" ...F{}", i - 1).repeat(5);
        bomb += &format!(" fragment F{i} on Mutation {{{spreads} }}");
    }
    // A bounded wait for the answer: an expansion that ran would not come back within it.
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Accept", GRAPHQL_RESPONSE_JSON)
        .timeout(Duration::from_secs(20))
        .json(&json!({ "query": bomb, "variables": link_input(&merchant, "Bomb") }))
        .send()
        .await
        .expect("an answer within the bound");
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    let body: Value = response.json().await.unwrap();
    assert_request_error(status, &content_type, &body);
    let message = error_message(&body);
    assert!(
        message.contains("fields") && message.contains("500"),
        "{body}"
    );
    assert_eq!(app.link_count().await, 0);

    let (status, _, body) = post_json(&app, &merchant.key, None, &json!({ "query": COUNT })).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn variables_over_the_limit_are_413_and_run_nothing() {
    let app = TestApp::start_with(&[setting("PAYLINK_MAX_VARIABLES_BYTES", 256)]).await;
    let merchant = app.merchant("Acme").await;
    let mut input = link_input(&merchant, "Wordy");
    input["input"]["payment_description"] = json!("d".repeat(400));
    let (status, _, body) = post_json(
        &app,
        &merchant.key,
        None,
        &json!({ "query": CREATE_SMALL, "variables": input }),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE", "{body}");
    assert!(error_message(&body).contains("256"), "{body}");
    assert_eq!(app.link_count().await, 0);

    // In a batch, one oversized operation stops the whole batch before any of it runs.
    let small = json!({ "query": CREATE_SMALL, "variables": link_input(&merchant, "Small") });
    let large = json!({ "query": CREATE_SMALL, "variables": input });
    let (status, _, body) = post_json(&app, &merchant.key, None, &json!([small, large])).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(app.link_count().await, 0);

    let (status, _, body) = post_json(&app, &merchant.key, None, &small).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 1);
}

// ---------------------------------------------------------------------------------------------
// Introspection and GraphiQL switches

#[tokio::test(flavor = "multi_thread")]
async fn introspection_can_be_switched_off() {
    let introspect = json!({ "query": "{ __schema { types { name } } }" });
    let on = TestApp::start().await;
    let merchant = on.merchant("Acme").await;
    let (status, _, body) = post_json(&on, &merchant.key, None, &introspect).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["__schema"]["types"].is_array(), "{body}");

    let off = TestApp::start_with(&[setting("PAYLINK_INTROSPECTION", false)]).await;
    let merchant = off.merchant("Acme").await;
    for query in [
        "{ __schema { types { name } } }",
        r#"{ __type(name: "PaymentLink") { fields { name } } }"#,
    ] {
        let (status, content_type, body) = post_json(
            &off,
            &merchant.key,
            Some(GRAPHQL_RESPONSE_JSON),
            &json!({ "query": query }),
        )
        .await;
        assert_request_error(status, &content_type, &body);
        assert!(
            error_message(&body)
                .to_lowercase()
                .contains("introspection"),
            "{body}"
        );
    }
    // Ordinary queries are unaffected.
    let (status, _, body) = post_json(&off, &merchant.key, None, &json!({ "query": COUNT })).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_can_be_switched_off() {
    // The files a page of this build loads, read while GraphiQL is on.
    let on = TestApp::start().await;
    let page = on
        .client
        .get(on.url("/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    let assets = crate::graphiql::asset_paths(&page.text().await.unwrap());
    assert!(!assets.is_empty());

    let app = TestApp::start_with(&[setting("PAYLINK_GRAPHIQL", false)]).await;
    let response = crate::graphiql::get_page(&app).await;
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    let text = response.text().await.unwrap();
    assert!(!content_type.starts_with("text/html"), "{content_type}");
    assert!(!text.to_lowercase().contains("graphiql"), "{text}");
    assert!((400..500).contains(&status), "{status}: {text}");
    for path in &assets {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotency-Key

/// POSTs a create with an `Idempotency-Key`; returns the status, the replay header and the body.
async fn keyed_create(
    app: &TestApp,
    merchant: &Merchant,
    key: &str,
    name: &str,
) -> (u16, Option<String>, Value) {
    keyed(app, merchant, key, CREATE_SMALL, link_input(merchant, name)).await
}

async fn keyed(
    app: &TestApp,
    merchant: &Merchant,
    key: &str,
    query: &str,
    variables: Value,
) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Idempotency-Key", key)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotency-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, response.json().await.expect("JSON"))
}

async fn total_row_count(app: &TestApp, merchant: &Merchant) -> i64 {
    let body = app.gql(merchant, COUNT, json!({})).await;
    body["data"]["paymentLinks"]["total_row_count"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_idempotency_key_replays_the_first_response_without_a_second_effect() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;

    let (status, replayed, first) = keyed_create(&app, &merchant, "order-1", "Once").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(replayed, None);
    let link_id = first["data"]["createPaymentLink"]["link_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();

    let (status, replayed, second) = keyed_create(&app, &merchant, "order-1", "Once").await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(second, first);
    assert_eq!(total_row_count(&app, &merchant).await, 1);
    assert_eq!(app.link_count().await, 1);

    // The same key with another request is refused, and writes nothing.
    let (status, _, body) = keyed_create(&app, &merchant, "order-1", "Different").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(error_code(&body), "IDEMPOTENCY_KEY_REUSED", "{body}");
    assert_eq!(app.link_count().await, 1);

    // Keys belong to their merchant: another merchant's identical key is a new request.
    let other = app.merchant("Other").await;
    let (status, replayed, body) = keyed_create(&app, &other, "order-1", "Once").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(replayed, None);
    let other_link = body["data"]["createPaymentLink"]["link_id"]
        .as_str()
        .unwrap();
    assert_ne!(other_link, link_id);
    assert_eq!(total_row_count(&app, &other).await, 1);
    assert_eq!(total_row_count(&app, &merchant).await, 1);
    assert_eq!(app.link_count().await, 2);

    // A key that cannot be one is refused before anything runs.
    for bad in ["k".repeat(300), "two words".to_owned()] {
        let (status, _, body) = keyed_create(&app, &merchant, &bad, "Malformed").await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
        assert!(error_message(&body).contains("Idempotency-Key"), "{body}");
    }
    assert_eq!(app.link_count().await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_with_one_idempotency_key_create_one_link() {
    const REQUESTS: usize = 8;
    let app = std::sync::Arc::new(TestApp::start().await);
    let merchant = app.merchant("Acme").await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..REQUESTS {
        let (app, merchant) = (std::sync::Arc::clone(&app), merchant.clone());
        requests.spawn(async move { keyed_create(&app, &merchant, "burst-7", "Burst").await });
    }
    let mut link_ids = std::collections::HashSet::new();
    let mut replays = 0;
    while let Some(answer) = requests.join_next().await {
        let (status, replayed, body) = answer.expect("request task");
        assert_eq!(status, 200, "{body}");
        replays += usize::from(replayed.as_deref() == Some("true"));
        link_ids.insert(
            body["data"]["createPaymentLink"]["link_id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    assert_eq!(link_ids.len(), 1, "{link_ids:?}");
    assert_eq!(replays, REQUESTS - 1);
    assert_eq!(app.link_count().await, 1);
    assert_eq!(total_row_count(&app, &merchant).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_send_with_an_idempotency_key_queues_one_delivery() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let contact = app
        .gql(
            &merchant,
            CREATE_CONTACT,
            json!({ "input": { "name": "Jo Doe", "email": "jo@example.com", "phone": "+14155552671" } }),
        )
        .await;
    let contact_id = contact["data"]["createContact"]["id"].as_str().unwrap();
    let session = app
        .gql(
            &merchant,
            CREATE_SESSION,
            json!({ "input": session_input(contact_id) }),
        )
        .await;
    let session_id = session["data"]["createPaymentPlanSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let send = json!({ "input": { "id": session_id, "channel": "Email" } });
    let (status, replayed, first) =
        keyed(&app, &merchant, "send-1", SEND_SESSION_LINK, send.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(replayed, None);
    assert_eq!(
        first["data"]["sendPaymentPlanSessionLink"]["success"], true,
        "{first}"
    );
    let (status, replayed, second) =
        keyed(&app, &merchant, "send-1", SEND_SESSION_LINK, send).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(second, first);

    let body = app
        .gql(&merchant, SESSION, json!({ "id": session_id }))
        .await;
    let deliveries = body["data"]["paymentPlanSession"]["deliveries"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(deliveries.len(), 1, "{body}");
}

// ---------------------------------------------------------------------------------------------
// Rate limit

#[tokio::test(flavor = "multi_thread")]
async fn each_api_key_is_rate_limited_on_its_own() {
    let app = TestApp::start_with(&[
        setting("PAYLINK_RATE_LIMIT_PER_SECOND", 1),
        setting("PAYLINK_RATE_LIMIT_BURST", 3),
    ])
    .await;
    let busy = app.merchant("Busy").await;
    let calm = app.merchant("Calm").await;
    // The burst of three goes through whatever the pace; the fourth, sent straight after, finds
    // the bucket empty (it refills at one a second).
    for _ in 0..3 {
        let (status, body) = app.post(Some(&busy.key), COUNT, json!({})).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_rate_limited(&app.client, &app.url("/graphql"), &busy.key, COUNT).await;

    let (status, body) = app.post(Some(&calm.key), COUNT, json!({})).await;
    assert_eq!(status, 200, "another key has its own bucket: {body}");
}

// ---------------------------------------------------------------------------------------------
// Health, readiness, metrics, request ids

#[tokio::test(flavor = "multi_thread")]
async fn health_and_readiness_answer_without_a_key() {
    let app = TestApp::start().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
}

/// The value of the sample `name` (with its labels, exactly as exposed).
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_prometheus_text_with_requests_errors_pool_and_outbox() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    app.gql(
        &merchant,
        "query CountMyLinks { paymentLinks { total_row_count } }",
        json!({}),
    )
    .await;
    let mut input = link_input(&merchant, "Negative");
    input["input"]["amount"] = json!(-1);
    let body = app
        .gql(
            &merchant,
            "mutation BadAmount($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id } }",
            input,
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    // Refused before it ran: counted with its code.
    let (status, _) = app.post(None, COUNT, json!({})).await;
    assert_eq!(status, 401);
    // GraphiQL's page is no GraphQL request: not counted.
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    // Sent twice with one Idempotency-Key: the second is a replay.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&merchant.key)
            .header("Idempotency-Key", "metrics-replay")
            .json(&json!({ "query": "query Keyed { paymentLinks { total_row_count } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = content_type(&response);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let metrics = response.text().await.unwrap();

    for line in metrics.lines().filter(|line| !line.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok() || line == "# EOF",
            "not a sample line: {line:?}"
        );
    }
    assert!(
        metrics.contains("# TYPE paylink_graphql_requests counter"),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"paylink_graphql_requests_total{operation="CountMyLinks",outcome="ok"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"paylink_graphql_requests_total{operation="BadAmount",outcome="error"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"paylink_graphql_errors_total{code="BAD_USER_INPUT"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    for (line, value) in [
        (
            r#"paylink_graphql_requests_total{operation="-",outcome="rejected"}"#,
            1.0,
        ),
        (
            r#"paylink_graphql_errors_total{code="UNAUTHENTICATED"}"#,
            1.0,
        ),
        (
            r#"paylink_graphql_requests_total{operation="Keyed",outcome="ok"}"#,
            1.0,
        ),
        (
            r#"paylink_graphql_requests_total{operation="-",outcome="replayed"}"#,
            1.0,
        ),
    ] {
        assert_eq!(sample(&metrics, line), Some(value), "{line}: {metrics}");
    }
    assert!(
        metrics.contains("# TYPE paylink_http_request_duration_seconds histogram"),
        "{metrics}"
    );
    let count = sample(&metrics, "paylink_http_request_duration_seconds_count")
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(count >= 2.0, "{metrics}");
    assert!(
        metrics.contains("paylink_http_request_duration_seconds_bucket{le=\"+Inf\"}"),
        "{metrics}"
    );
    for gauge in [
        r#"paylink_db_pool_connections{state="in_use"}"#,
        r#"paylink_db_pool_connections{state="idle"}"#,
        "paylink_outbox_depth",
        r#"paylink_deliveries{status="Queued"}"#,
        r#"paylink_deliveries{status="Sending"}"#,
        r#"paylink_deliveries{status="Sent"}"#,
        r#"paylink_deliveries{status="Failed"}"#,
    ] {
        assert!(sample(&metrics, gauge).is_some(), "{gauge}:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_returned_as_sent_or_made_up() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("X-Request-Id", "client-trace-0042")
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-trace-0042");

    let mut made_up = Vec::new();
    for path in ["/graphql", "/healthz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!id.is_empty());
        made_up.push(id);
    }
    assert_ne!(made_up[0], made_up[1], "each request gets its own id");

    // An id that could forge log lines is replaced, not echoed.
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "x".repeat(500))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(!id.is_empty() && id.len() <= 128, "{id}");
}
