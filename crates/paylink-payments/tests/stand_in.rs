//! The stand-in's own promises, at the HTTP level: what Stripe documents and nothing kinder.

mod common;

use common::{KEY, server};

const FORM: &[(&str, &str)] = &[
    ("mode", "payment"),
    ("success_url", "https://pay.example.com/done"),
    ("line_items[0][price_data][currency]", "usd"),
    ("line_items[0][price_data][unit_amount]", "500"),
    ("line_items[0][price_data][product_data][name]", "Books"),
    ("line_items[0][quantity]", "1"),
];

async fn post(url: &str, key: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(url).bearer_auth(KEY).form(form);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_replay_is_the_first_answer_byte_for_byte() {
    let server = server().await;
    let url = format!("{}/v1/checkout/sessions", server.base_url());
    let first = post(&url, Some("k1"), FORM).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("Idempotent-Replayed").is_none());
    let first_request = first.headers()["Request-Id"].to_str().unwrap().to_owned();
    let first = first.bytes().await.unwrap();

    let second = post(&url, Some("k1"), FORM).await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["Idempotent-Replayed"], "true");
    assert_eq!(second.headers()["Original-Request"], first_request.as_str());
    assert_eq!(second.bytes().await.unwrap(), first);
    assert_eq!(server.sessions().len(), 1);

    // Without a key nothing is de-duplicated.
    post(&url, None, FORM).await;
    post(&url, None, FORM).await;
    assert_eq!(server.sessions().len(), 3);
}

#[tokio::test]
async fn refusals_have_stripes_error_shape_and_are_not_saved() {
    let server = server().await;
    let url = format!("{}/v1/checkout/sessions", server.base_url());

    let unauthenticated = reqwest::Client::new()
        .post(&url)
        .form(FORM)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let body: serde_json::Value = unauthenticated.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");

    let without_mode: Vec<_> = FORM.iter().copied().filter(|(k, _)| *k != "mode").collect();
    let refused = post(&url, Some("k2"), &without_mode).await;
    assert_eq!(refused.status(), 400);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["param"], "mode");
    assert_eq!(body["error"]["message"], "Missing required param: mode.");

    // The 400 came before the endpoint ran, so the key is still free for the corrected request.
    assert_eq!(post(&url, Some("k2"), FORM).await.status(), 200);
    let unknown = post(&url, Some("k3"), &[("mode", "payment"), ("amount", "5")]).await;
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Received unknown parameter: amount"
    );
    let method: Vec<_> = FORM
        .iter()
        .copied()
        .chain([("payment_method_types[0]", "cash")])
        .collect();
    let body: serde_json::Value = post(&url, None, &method).await.json().await.unwrap();
    assert_eq!(body["error"]["param"], "payment_method_types[0]");
}
