//! The outbound guard seen from outside: a merchant cannot set a `callbackUrl` on an internal
//! address, a stored one is never called, and what `lastError` says tells nothing about what
//! lies behind the URL.

use serde_json::{Value, json};

use super::receiver::Receiver;
use super::*;
use crate::support::{error_code, only_error};

const CALLBACKS: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) { callbacks { status attempts lastError } }
}";

const UPDATE_CALLBACK: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { id callbackUrl }
}";

/// The guard's safe defaults (the test harness loosens them for the other tests' receivers),
/// with `extra` on top.
async fn strict_app(extra: &[(&str, String)]) -> TestApp {
    let mut settings = vec![
        ("PAYLINK_OUTBOUND_ALLOW_HTTP", String::new()),
        ("PAYLINK_OUTBOUND_ALLOWED_NETWORKS", String::new()),
    ];
    settings.extend(extra.iter().cloned());
    TestApp::start_with(&settings).await
}

/// The session's one callback once it has failed for good.
async fn failed_callback(app: &TestApp, merchant: &Merchant, session: &str) -> Value {
    for _ in 0..600 {
        let body = app.gql(merchant, CALLBACKS, json!({ "id": session })).await;
        let log = ok(&body, "paymentPlanSession")["callbacks"].clone();
        if log[0]["status"] == "Failed" {
            assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
            return log[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the callback did not fail within 30 s");
}

/// Points a session's stored `callbackUrl` at `url`, as a session saved before the guard
/// existed (or under looser settings) would be.
async fn store_callback_url(app: &TestApp, session: &str, url: String) {
    let session = session.to_owned();
    app.sql(move |conn| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE payment_plan_sessions SET callback_url = $1 WHERE id = $2")
            .bind::<diesel::sql_types::Text, _>(url)
            .bind::<diesel::sql_types::Text, _>(session)
            .execute(conn)
            .expect("storing the callback URL");
    })
    .await;
}

#[tokio::test]
async fn a_callback_url_on_an_internal_address_is_refused_when_set() {
    let app = strict_app(&[]).await;
    let merchant = app.merchant("Curious").await;
    let receiver = Receiver::start().await;
    let contact_id = create_contact(&app, &merchant).await;
    for url in [
        receiver.url("/hook"),
        "https://127.0.0.1/hook".into(),
        "https://2130706433/hook".into(),
        "https://0177.0.0.1/hook".into(),
        "https://[::ffff:127.0.0.1]/hook".into(),
        "https://[::1]:8443/hook".into(),
        "https://169.254.169.254/latest/meta-data/".into(),
        "https://10.1.2.3/hook".into(),
        "https://192.168.0.10/hook".into(),
        "https://[fd00::1]/hook".into(),
        "https://localhost/hook".into(),
        "https://admin.localhost/hook".into(),
        "http://hooks.example.com/hook".into(),
    ] {
        let mut input = crate::deliveries::session_input(&contact_id);
        input["callbackUrl"] = json!(url);
        let body = app
            .gql(
                &merchant,
                crate::deliveries::CREATE_SESSION,
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(
            only_error(&body)["extensions"]["field"],
            "callbackUrl",
            "{body}"
        );
    }
    assert_eq!(app.row_count("payment_plan_sessions").await, 0);

    // A public name is taken (it is resolved and checked again at each send), and an update
    // to an internal address is refused like a creation.
    let (session, _) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": "https://hooks.example.com/paylink" }),
    )
    .await;
    let body = app
        .gql(
            &merchant,
            UPDATE_CALLBACK,
            json!({ "input": { "id": session, "callbackUrl": "https://172.16.0.1/hook" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(only_error(&body)["extensions"]["field"], "callbackUrl");
    let body = app
        .gql(
            &merchant,
            UPDATE_CALLBACK,
            json!({ "input": { "id": session, "callbackUrl": "https://8.8.8.8/hook" } }),
        )
        .await;
    assert_eq!(
        ok(&body, "updatePaymentPlanSession")["callbackUrl"],
        "https://8.8.8.8/hook"
    );
    assert!(receiver.received().is_empty());
}

/// A listener on 127.0.0.1 that a stored `callbackUrl` names hears nothing, with plain http
/// refused or allowed: the address is what the guard refuses.
#[tokio::test]
async fn a_stored_callback_to_loopback_is_never_called_and_fails_neutrally() {
    for allow_http in ["", "true"] {
        let app = strict_app(&[("PAYLINK_OUTBOUND_ALLOW_HTTP", allow_http.to_owned())]).await;
        let merchant = app.merchant("Prober").await;
        let receiver = Receiver::start().await;
        for url in [
            receiver.url("/hook"),
            receiver.url("/hook").replace("127.0.0.1", "localhost"),
            receiver
                .url("/hook")
                .replace("127.0.0.1", "[::ffff:127.0.0.1]"),
        ] {
            let (session, page) = create_session(&app, &merchant, json!({})).await;
            store_callback_url(&app, &session, url.clone()).await;
            pay_in_test_mode(&app, &page, &[("method", "card")]).await;
            let callback = failed_callback(&app, &merchant, &session).await;
            assert_eq!(
                callback["lastError"], "refused by paylink's outbound policy",
                "{url} (allow http: {allow_http:?}): {callback}"
            );
            assert_eq!(callback["attempts"], 1, "{callback}");
        }
        assert!(receiver.received().is_empty(), "{:?}", receiver.received());
    }
}

/// A port nobody listens on reads as no answer, the same words as a timeout: the callback log
/// is no port scanner.
#[tokio::test]
async fn a_callback_nobody_answers_says_no_answer_and_nothing_more() {
    let app = TestApp::start_with(&[("PAYLINK_CALLBACK_MAX_ATTEMPTS", "1".to_owned())]).await;
    let merchant = app.merchant("Closed").await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "callbackUrl": format!("http://{closed}/hook") }),
    )
    .await;
    pay_in_test_mode(&app, &page, &[("method", "card")]).await;
    let callback = failed_callback(&app, &merchant, &session).await;
    assert_eq!(
        callback["lastError"],
        "the callback URL gave no answer (gave up after 1 attempts)"
    );
}
