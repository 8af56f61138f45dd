//! The requests GraphQL tools and the seeds' documentation send, exactly as they send them:
//! introspection queries of graphql-js, GraphiQL and Apollo Rover, Apollo Client's persisted
//! queries, PayTheory's first page and ClientLoop's send at the root. Also the operations
//! allow-list and CORS for browser clients.

use std::path::{Path, PathBuf};

use paylink_contract::Side;
use serde_json::{Value, json};

use crate::support::{Merchant, TestApp, create_link, error_code, only_error};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

fn fixtures(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder)
}

/// POSTs `body` (bytes exactly as given) to `path` with the merchant's key.
async fn post_raw(
    app: &TestApp,
    path: &str,
    key: &str,
    accept: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .header("Accept", accept)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request")
}

/// POSTs `body` to `/graphql` with the merchant's key and returns the status, the content type
/// and the JSON body.
async fn send(app: &TestApp, key: &str, accept: &str, body: &Value) -> (u16, String, Value) {
    json_of(post_raw(app, "/graphql", key, accept, body.to_string()).await).await
}

async fn json_of(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, content_type, body)
}

// ---------------------------------------------------------------------------------------------
// Introspection

#[tokio::test(flavor = "multi_thread")]
async fn every_tools_introspection_query_reads_the_whole_schema_under_default_limits() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let expected = Side::parse(concat!(env!("CARGO_MANIFEST_DIR"), "/schema"));
    let expected = tokio::task::spawn_blocking(move || expected.load(&[]))
        .await
        .unwrap()
        .expect("schema/ parses");
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures("introspection"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        let request = std::fs::read_to_string(&file).unwrap();
        let response = post_raw(&app, "/graphql", &merchant.key, "application/json", request).await;
        let (status, _, body) = json_of(response).await;
        assert_eq!(status, 200, "{}: {body}", file.display());
        assert!(body.get("errors").is_none(), "{}: {body}", file.display());
        let sdl = paylink_contract::introspection::sdl_from_introspection(&body)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let served =
            paylink_contract::sdl::parse(&[paylink_contract::SdlSource::new("served", sdl)])
                .expect("served SDL parses");
        let changes = paylink_contract::diff(&expected, &served);
        assert!(
            changes.is_empty(),
            "{}: the served schema differs from schema/: {changes:?}",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn introspection_that_fans_out_is_refused_before_it_runs() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    // Three nested lists of fields: the answer would grow with the cube of the schema's size.
    let fan_out =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let (status, content_type, body) = send(
        &app,
        &merchant.key,
        GRAPHQL_RESPONSE_JSON,
        &json!({ "query": fan_out }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(content_type.starts_with(GRAPHQL_RESPONSE_JSON));
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(body.get("data").is_none(), "{body}");

    // The same through fragments, spread where the nesting is already two deep.
    let through_fragments = "query { __type(name: \"PaymentLink\") { ...F } }
        fragment F on __Type { fields { type { ...G } } }
        fragment G on __Type { interfaces { ...H } }
        fragment H on __Type { possibleTypes { name } }";
    let (_, _, body) = send(
        &app,
        &merchant.key,
        GRAPHQL_RESPONSE_JSON,
        &json!({ "query": through_fragments }),
    )
    .await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");

    // A long `ofType` chain fans out nowhere: it runs.
    let chain = format!(
        "{{ __type(name: \"PaymentLink\") {{ {} name {} }} }}",
        "ofType { ".repeat(20),
        "}".repeat(20)
    );
    let (status, _, body) = send(
        &app,
        &merchant.key,
        GRAPHQL_RESPONSE_JSON,
        &json!({ "query": chain }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__type"]["ofType"], Value::Null, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn data_queries_deeper_than_the_default_limit_are_still_refused() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    // Sixteen levels: the list, its items, and fourteen inline fragments.
    let deep = format!(
        "{{ paymentLinks {{ items {{ {} link_id {} }} }} }}",
        "... on PaymentLink { ".repeat(14),
        "}".repeat(14)
    );
    let (status, _, body) = send(
        &app,
        &merchant.key,
        GRAPHQL_RESPONSE_JSON,
        &json!({ "query": deep }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
    let message = only_error(&body)["message"].as_str().unwrap();
    assert!(message.contains("15"), "{body}");
}

// ---------------------------------------------------------------------------------------------
// GraphQL over HTTP

#[tokio::test(flavor = "multi_thread")]
async fn a_wildcard_accept_gets_application_json() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    for accept in ["*/*", "application/*"] {
        let (status, content_type, body) =
            send(&app, &merchant.key, accept, &json!({ "query": "{ nope }" })).await;
        // application/json answers every well-formed request with 200.
        assert_eq!(status, 200, "{accept}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{accept}: {content_type}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn extensions_that_are_not_an_object_are_a_bad_request() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    for extensions in [json!("x"), json!([1]), json!(3)] {
        let body =
            json!({ "query": "{ paymentLinks { total_row_count } }", "extensions": extensions });
        let (status, _, body) = send(&app, &merchant.key, "application/json", &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
    }
    let response = app
        .client
        .get(app.url("/graphql?query=%7B__typename%7D&extensions=3"))
        .bearer_auth(&merchant.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // An object or null is fine.
    let body = json!({ "query": "{ __typename }", "extensions": null });
    let (status, _, body) = send(&app, &merchant.key, "application/json", &body).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__typename"], "Query");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_names_no_document_is_a_bad_request_in_either_media_type() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    // A misspelt `query`, as graphql-http's audit sends it.
    for accept in ["application/json", GRAPHQL_RESPONSE_JSON] {
        let body = json!({ "qeury": "{ __typename }" });
        let (status, _, body) = send(&app, &merchant.key, accept, &body).await;
        assert_eq!(status, 400, "{accept}: {body}");
        assert_eq!(error_code(&body), "BAD_REQUEST", "{body}");
    }
    // A batch with one such operation runs none of them.
    let batch = json!([
        { "query": "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id } }",
          "variables": { "input": { "merchant_uid": merchant.uid, "link_name": "A", "payment_name": "B", "amount": 100 } } },
        { "query": "{ __typename }", "extensions": persisted(&sha256_hex("{ other }")) },
    ]);
    let (status, _, body) = send(&app, &merchant.key, "application/json", &batch).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "PERSISTED_QUERY_HASH_MISMATCH", "{body}");
    assert_eq!(app.link_count().await, 0);
}

// ---------------------------------------------------------------------------------------------
// The seeds' own example requests

/// PayTheory's "Query Payment Links" example, as its documentation prints it (without its
/// `query: QueryObject` placeholder).
const PAYTHEORY_FIRST_PAGE: &str = r#"{
    paymentLinks(direction: FORWARD, limit: 10, offset: "", offset_id: "") {
        total_row_count
        items {
            merchant_uid
            link_id
            link_url
            link_name
            payment_name
            payment_description
            amount
            currency
            fee_mode
            amount_is_variable
            min_amount
            max_amount
            require_phone
            call_to_action
            accepted_payment_methods
            account_code
            custom_success_message
            redirect_url
            is_active
            created_date
        }
    }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn paytheorys_first_page_request_works_as_printed() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    for i in 0..12 {
        create_link(&app, &merchant, &format!("Link {i}")).await;
    }
    let body = app.gql(&merchant, PAYTHEORY_FIRST_PAGE, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let page = &body["data"]["paymentLinks"];
    assert_eq!(page["total_row_count"], 12, "{body}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    // Newest first, as without a cursor.
    assert_eq!(items[0]["link_name"], "Link 11", "{body}");

    // An empty `offset` with a real `offset_id` pages on from that link.
    let last = items[9]["link_id"].as_str().unwrap();
    let next = app
        .gql(
            &merchant,
            r#"query($id: String) { paymentLinks(direction: FORWARD, limit: 10, offset: "", offset_id: $id) { items { link_name } } }"#,
            json!({ "id": last }),
        )
        .await;
    let names: Vec<&str> = next["data"]["paymentLinks"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["link_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Link 1", "Link 0"], "{next}");
}

#[tokio::test(flavor = "multi_thread")]
async fn clientloops_send_request_works_at_the_root() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let contact = app
        .gql(
            &merchant,
            r#"mutation { createContact(input: {name: "Jo Doe", email: "jo@example.com"}) { id } }"#,
            json!({}),
        )
        .await;
    let session = app
        .gql(
            &merchant,
            r#"mutation($c: ID!) { createPaymentPlanSession(input: {contactId: $c, amount: "100.00", currency: "USD", frequency: Monthly, startDate: "2027-01-01", occurrences: 12}) { id } }"#,
            json!({ "c": contact["data"]["createContact"]["id"] }),
        )
        .await;
    let session_id = session["data"]["createPaymentPlanSession"]["id"]
        .as_str()
        .unwrap();
    // ClientLoop's example: POST to the API's root.
    let request = json!({
        "query": "mutation SendLink($input: SendPaymentPlanSessionLinkInput!) { sendPaymentPlanSessionLink(input: $input) { success message } }",
        "variables": { "input": { "id": session_id, "channel": "Email" } },
    });
    let (status, _, body) = json_of(
        post_raw(
            &app,
            "/",
            &merchant.key,
            "application/json",
            request.to_string(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["sendPaymentPlanSessionLink"]["success"], true,
        "{body}"
    );

    // The root serves GET queries and GraphiQL as /graphql does.
    let response = app
        .client
        .get(app.url("/?query=%7B__typename%7D"))
        .bearer_auth(&merchant.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = app
        .client
        .get(app.url("/"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
}

// ---------------------------------------------------------------------------------------------
// Persisted queries

/// One request a client library made, as recorded under `tests/fixtures`.
struct Recorded {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

fn recorded(path: &str) -> Vec<Recorded> {
    let text = std::fs::read_to_string(fixtures(path)).unwrap();
    let requests: Vec<Value> = serde_json::from_str(&text).unwrap();
    requests
        .into_iter()
        .map(|request| Recorded {
            method: request["method"].as_str().unwrap().to_owned(),
            url: request["url"].as_str().unwrap().to_owned(),
            headers: request["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
                .collect(),
            body: request["body"].as_str().map(str::to_owned),
        })
        .collect()
}

/// Sends a recorded request with `key` in place of the recorded one.
async fn replay(app: &TestApp, request: &Recorded, key: &str) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
    let mut builder = app.client.request(method, app.url(&request.url));
    for (name, value) in &request.headers {
        let value = if name == "authorization" {
            format!("Bearer {key}")
        } else {
            value.clone()
        };
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let (status, _, body) = json_of(builder.send().await.unwrap()).await;
    (status, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn apollo_clients_and_urqls_persisted_queries_work_unchanged_over_post_and_get() {
    for fixture in [
        "apollo-client/post.json",
        "apollo-client/get.json",
        "urql/requests.json",
    ] {
        let app = TestApp::start().await;
        let merchant = app.merchant("Acme").await;
        create_link(&app, &merchant, "Spring tuition").await;
        let requests = recorded(fixture);
        // The hash alone, unknown to a new server: 200 (Apollo Client stops using hashes after
        // a 400), with the message and code Apollo Client looks for.
        let (status, body) = replay(&app, &requests[0], &merchant.key).await;
        assert_eq!(status, 200, "{fixture}: {body}");
        assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
        assert_eq!(only_error(&body)["message"], "PersistedQueryNotFound");
        // The document with its hash runs and is remembered...
        let (status, body) = replay(&app, &requests[1], &merchant.key).await;
        assert_eq!(status, 200, "{fixture}: {body}");
        assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 1, "{body}");
        // ...so the next run's hash alone is enough.
        let (status, body) = replay(&app, &requests[2], &merchant.key).await;
        assert_eq!(status, 200, "{fixture}: {body}");
        assert_eq!(
            body["data"]["paymentLinks"]["items"][0]["link_name"], "Spring tuition",
            "{body}"
        );
        // Apollo Client adds `__typename` to every selection; urql does not.
        if fixture.starts_with("apollo-client") {
            assert_eq!(
                body["data"]["paymentLinks"]["items"][0]["__typename"], "PaymentLink",
                "{body}"
            );
        }
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persisted_query_must_match_its_hash_and_keeps_mutations_off_get() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let count = "{ paymentLinks { total_row_count } }";
    let wrong = json!({ "query": count, "extensions": persisted(&sha256_hex("{ other }")) });
    let (status, _, body) = send(&app, &merchant.key, GRAPHQL_RESPONSE_JSON, &wrong).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "PERSISTED_QUERY_HASH_MISMATCH", "{body}");

    // A mutation registered over POST cannot be run by its hash over GET.
    let create =
        "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id } }";
    let hash = sha256_hex(create);
    let variables = json!({ "input": { "merchant_uid": merchant.uid, "link_name": "A", "payment_name": "B", "amount": 100 } });
    let register =
        json!({ "query": create, "variables": variables, "extensions": persisted(&hash) });
    let (status, _, body) = send(&app, &merchant.key, "application/json", &register).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 1);
    let url = format!(
        "/graphql?variables={}&extensions={}",
        urlencode(&variables.to_string()),
        urlencode(&persisted(&hash).to_string())
    );
    let response = app
        .client
        .get(app.url(&url))
        .bearer_auth(&merchant.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(app.link_count().await, 1);
    // Over POST the hash alone runs it again.
    let by_hash = json!({ "variables": variables, "extensions": persisted(&hash) });
    let (status, _, body) = send(&app, &merchant.key, "application/json", &by_hash).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 2);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

// ---------------------------------------------------------------------------------------------
// Operations allow-list

/// A manifest file in the system's temporary folder, removed when dropped.
struct Manifest(PathBuf);

impl Manifest {
    fn write(name: &str, manifest: &Value) -> Self {
        let path = std::env::temp_dir().join(format!(
            "paylink-allow-list-{name}-{}.json",
            std::process::id()
        ));
        std::fs::write(&path, manifest.to_string()).unwrap();
        Self(path)
    }
}

impl Drop for Manifest {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn start_with_allow_list(manifest: &Manifest) -> (TestApp, Merchant) {
    let app = TestApp::start_with(&[(
        "PAYLINK_PERSISTED_OPERATIONS",
        manifest.0.display().to_string(),
    )])
    .await;
    let merchant = app.merchant("Acme").await;
    (app, merchant)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allow_list_runs_its_operations_only() {
    let count = "query Count { paymentLinks { total_row_count } }";
    let manifest = Manifest::write(
        "apollo",
        &json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": sha256_hex(count), "name": "Count", "type": "query", "body": count }],
        }),
    );
    let (app, merchant) = start_with_allow_list(&manifest).await;
    let post = |body: Value| {
        post_raw(
            &app,
            "/graphql",
            &merchant.key,
            "application/json",
            body.to_string(),
        )
    };

    // By hash, with no registration first, and in full.
    let (status, _, body) =
        json_of(post(json!({ "extensions": persisted(&sha256_hex(count)) })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");
    let (_, _, body) = json_of(post(json!({ "query": count })).await).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");
    let (_, _, body) =
        json_of(post(json!({ "documentId": format!("sha256:{}", sha256_hex(count)) })).await).await;
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");

    // Anything else is refused and runs nothing, registration included.
    let create =
        "mutation($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id } }";
    let variables = json!({ "input": { "merchant_uid": merchant.uid, "link_name": "A", "payment_name": "B", "amount": 100 } });
    let (status, _, body) =
        json_of(post(json!({ "query": create, "variables": variables })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_code(&body), "QUERY_NOT_IN_ALLOW_LIST", "{body}");
    let (_, _, body) = json_of(
        post(json!({ "query": create, "variables": variables, "extensions": persisted(&sha256_hex(create)) })).await,
    )
    .await;
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_IN_LIST", "{body}");
    let (_, _, body) = json_of(
        post(json!({ "variables": variables, "extensions": persisted(&sha256_hex(create)) })).await,
    )
    .await;
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_IN_LIST", "{body}");
    assert_eq!(app.link_count().await, 0);

    // The new media type calls that a request error.
    let (status, _, body) = send(
        &app,
        &merchant.key,
        GRAPHQL_RESPONSE_JSON,
        &json!({ "query": "{ __typename }" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allow_list_may_be_a_flat_map_of_ids() {
    let count = "query Count { paymentLinks { total_row_count } }";
    let manifest = Manifest::write("flat", &json!({ "count-links": count }));
    let (app, merchant) = start_with_allow_list(&manifest).await;
    let (status, _, body) = send(
        &app,
        &merchant.key,
        "application/json",
        &json!({ "documentId": "count-links" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], 0, "{body}");
}

#[test]
fn an_unreadable_allow_list_stops_start_up_naming_the_setting() {
    let manifest = Manifest::write("broken", &json!([1, 2]));
    let path = manifest.0.display().to_string();
    let error = paylink::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some("postgres://localhost/paylink".to_owned()),
        "PAYLINK_PERSISTED_OPERATIONS" => Some(path.clone()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(error.variable, "PAYLINK_PERSISTED_OPERATIONS");
}

// ---------------------------------------------------------------------------------------------
// CORS

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_origin_calls_are_off_by_default() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let response = preflight(&app, "https://app.example.com").await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Origin", "https://app.example.com")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn configured_origins_may_call_from_a_browser() {
    let app = TestApp::start_with(&[(
        "PAYLINK_CORS_ORIGINS",
        "https://app.example.com, http://localhost:3000".to_owned(),
    )])
    .await;
    let merchant = app.merchant("Acme").await;

    // The preflight needs no key.
    let response = preflight(&app, "https://app.example.com").await;
    assert_eq!(response.status().as_u16(), 204);
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(headers.get("access-control-allow-credentials").is_none());
    assert_eq!(
        preflight(&app, "https://evil.example")
            .await
            .status()
            .as_u16(),
        403
    );

    // The answer, an error included, is readable by the page that asked.
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Origin", "http://localhost:3000")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert!(
        response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("x-request-id")
    );
    assert!(
        response.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Origin")
    );
    let unauthenticated = app
        .client
        .post(app.url("/graphql"))
        .header("Origin", "https://app.example.com")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status().as_u16(), 401);
    assert_eq!(
        unauthenticated.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let other = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&merchant.key)
        .header("Origin", "https://evil.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn cors_origins_are_checked_at_start_up() {
    let config = |origins: &str| {
        let origins = origins.to_owned();
        paylink::config::Config::from_lookup(move |name| match name {
            "DATABASE_URL" => Some("postgres://localhost/paylink".to_owned()),
            "PAYLINK_CORS_ORIGINS" => Some(origins.clone()),
            _ => None,
        })
    };
    for bad in [
        "app.example.com",
        "https://app.example.com/",
        "https://a.example/path",
        "ftp://a.example",
    ] {
        assert_eq!(
            config(bad).unwrap_err().variable,
            "PAYLINK_CORS_ORIGINS",
            "{bad}"
        );
    }
    let ok = config("https://APP.example.com:443, http://localhost:3000").unwrap();
    assert_eq!(
        ok.cors_origins,
        paylink::config::CorsOrigins::Exact(vec![
            "https://app.example.com".to_owned(),
            "http://localhost:3000".to_owned()
        ])
    );
    assert_eq!(
        config("*").unwrap().cors_origins,
        paylink::config::CorsOrigins::Any
    );
}
