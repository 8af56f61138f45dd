//! Creating Checkout Sessions against the Stripe stand-in of `paylink-test-servers`.

mod common;

use std::time::{Duration, Instant};

use common::{KEY, WEBHOOK_SECRET, client, payment, server, settings, subscription};
use paylink_payments::{CheckoutLine, FeeLine, Field, PaymentError, Stripe};
use paylink_test_servers::stripe_server::{CannedResponse, Fault};

#[tokio::test]
async fn creates_a_session_and_returns_its_page() {
    let server = server().await;
    let created = client(&server)
        .create_checkout(&payment("idem-1"))
        .await
        .expect("created");

    let sessions = server.sessions();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert!(created.id.starts_with("cs_test_"), "{}", created.id);
    assert_eq!(created.id, session.id);
    assert_eq!(
        created.url,
        format!("{}/c/pay/{}", server.base_url(), session.id)
    );
    assert_eq!(session.mode, "payment");
    assert_eq!(session.amount_total, Some(1250));
    assert_eq!(session.currency.as_deref(), Some("usd"));
    assert_eq!(session.client_reference_id.as_deref(), Some("chk_0001"));
    assert_eq!(
        session.metadata.get("checkout").map(String::as_str),
        Some("chk_0001")
    );
    assert_eq!(session.payment_method_types, ["card", "us_bank_account"]);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/checkout/sessions");
    assert_eq!(
        requests[0].header("Authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(requests[0].idempotency_key(), Some("idem-1"));
    assert_eq!(
        requests[0].header("Stripe-Version"),
        None,
        "the account's version is used"
    );
}

#[tokio::test]
async fn sends_the_form_in_stripes_bracket_notation() {
    let server = server().await;
    let stripe = client(&server);
    stripe
        .create_checkout(&payment("idem-payment"))
        .await
        .expect("payment");
    stripe
        .create_checkout(&subscription("idem-subscription"))
        .await
        .expect("subscription");

    let requests = server.requests();
    let form = |at: usize| -> Vec<(&str, &str)> {
        requests[at]
            .form
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    };
    assert_eq!(
        form(0),
        [
            ("mode", "payment"),
            ("client_reference_id", "chk_0001"),
            (
                "success_url",
                "https://pay.example.com/done?session={CHECKOUT_SESSION_ID}&a=1"
            ),
            ("cancel_url", "https://pay.example.com/pt_link_x"),
            ("customer_email", "bob@example.com"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1250"),
            (
                "line_items[0][price_data][product_data][name]",
                "Spring term & books"
            ),
            (
                "line_items[0][price_data][product_data][description]",
                "Tuition, paid in full"
            ),
            ("line_items[0][quantity]", "1"),
            ("payment_method_types[0]", "card"),
            ("payment_method_types[1]", "us_bank_account"),
            ("metadata[checkout]", "chk_0001"),
            ("metadata[merchant]", "mer_1"),
        ]
    );
    let subscription_form = form(1);
    for expected in [
        ("mode", "subscription"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][recurring][interval]", "month"),
        ("line_items[0][price_data][recurring][interval_count]", "3"),
        ("subscription_data[metadata][checkout]", "chk_0001"),
        ("metadata[checkout]", "chk_0001"),
    ] {
        assert!(
            subscription_form.contains(&expected),
            "{expected:?} in {subscription_form:?}"
        );
    }
    let sessions = server.sessions();
    assert_eq!(sessions[1].mode, "subscription");
    assert_eq!(sessions[1].line_items[0].interval_count, Some(3));
}

#[tokio::test]
async fn a_service_fee_is_a_second_line_and_stripe_charges_the_sum() {
    let server = server().await;
    let mut request = payment("idem-fee");
    if let CheckoutLine::Payment { service_fee, .. } = &mut request.line {
        *service_fee = Some(FeeLine {
            amount_minor: 66,
            name: "Service fee".into(),
            description: Some("2.9% + 0.30 USD".into()),
        });
    }
    client(&server)
        .create_checkout(&request)
        .await
        .expect("created");
    let posted = &server.requests()[0];
    for (field, value) in [
        ("line_items[0][price_data][unit_amount]", "1250"),
        ("line_items[1][price_data][currency]", "usd"),
        ("line_items[1][price_data][unit_amount]", "66"),
        (
            "line_items[1][price_data][product_data][name]",
            "Service fee",
        ),
        (
            "line_items[1][price_data][product_data][description]",
            "2.9% + 0.30 USD",
        ),
        ("line_items[1][quantity]", "1"),
    ] {
        assert_eq!(posted.field(field), Some(value), "{field}");
    }
    let session = &server.sessions()[0];
    assert_eq!(session.line_items.len(), 2);
    assert_eq!(session.line_items[1].name, "Service fee");
    assert_eq!(
        session.amount_total,
        Some(1250 + 66),
        "the sum of the lines"
    );
}

#[tokio::test]
async fn a_bad_key_is_permanent_with_stripes_message_and_no_secret() {
    let server = server().await;
    let wrong = "sk_test_wrongWrongWrongWrong9876";
    let stripe = Stripe::new(settings(&server.base_url(), wrong, Duration::from_secs(5))).unwrap();

    let error = stripe
        .create_checkout(&payment("idem-1"))
        .await
        .unwrap_err();
    let PaymentError::Permanent(reason) = &error else {
        panic!("expected Permanent, got {error:?}");
    };
    assert!(
        reason.starts_with("Invalid API Key provided: sk_test_"),
        "{reason}"
    );
    assert!(!error.to_string().contains(wrong));
    assert_eq!(server.requests().len(), 1, "no retry after 401");
    assert!(server.sessions().is_empty());
}

#[tokio::test]
async fn an_invalid_request_is_permanent() {
    let server = server().await;
    let mut request = payment("idem-1");
    request.line = CheckoutLine::Payment {
        amount_minor: 10,
        currency: "usd".into(),
        name: "Too little".into(),
        description: None,
        service_fee: None,
    };
    let error = client(&server).create_checkout(&request).await.unwrap_err();
    assert_eq!(
        error,
        PaymentError::Permanent(
            "The Checkout Session's total amount due must add up to at least $0.50 usd".into()
        )
    );
    assert_eq!(server.requests().len(), 1, "no retry after 400");
}

#[tokio::test]
async fn a_key_reused_with_other_parameters_is_refused() {
    let server = server().await;
    let stripe = client(&server);
    stripe
        .create_checkout(&payment("idem-1"))
        .await
        .expect("first");
    let error = stripe
        .create_checkout(&subscription("idem-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PaymentError::Permanent(reason) if reason.starts_with("Keys for idempotent requests can only be used with the same parameters")),
        "{error:?}"
    );
    assert_eq!(server.sessions().len(), 1);
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_with_the_same_key() {
    let server = server().await;
    server.push_response(CannedResponse::too_many_requests(Some(1)));
    let started = Instant::now();
    let created = client(&server)
        .create_checkout(&payment("idem-429"))
        .await
        .expect("created");

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| r.idempotency_key() == Some("idem-429"))
    );
    let sessions = server.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].id, created.id);
}

#[tokio::test]
async fn three_500s_are_transient() {
    let server = server().await;
    for _ in 0..3 {
        server.push_response(CannedResponse::server_error(500));
    }
    let error = client(&server)
        .create_checkout(&payment("idem-500"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Transient("An unknown error occurred while processing your request.".into())
    );
    assert_eq!(server.requests().len(), 3, "three attempts, no more");
    assert!(server.sessions().is_empty());
}

#[tokio::test]
async fn stripe_should_retry_false_stops_the_retries() {
    let server = server().await;
    server.push_response(CannedResponse::server_error(503).with_should_retry(false));
    let error = client(&server)
        .create_checkout(&payment("idem-503"))
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_recovered_by_the_replay_of_the_same_session() {
    let server = server().await;
    server.push_fault(Fault::CreateThenDrop);
    let created = client(&server)
        .create_checkout(&payment("idem-lost"))
        .await
        .expect("created");

    let sessions = server.sessions();
    assert_eq!(sessions.len(), 1, "one session however many attempts");
    assert_eq!(created.id, sessions[0].id);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].form, requests[1].form);
    assert!(
        requests
            .iter()
            .all(|r| r.idempotency_key() == Some("idem-lost"))
    );
}

#[tokio::test]
async fn a_stalled_create_is_unknown_and_the_same_key_later_finds_it() {
    let server = server().await;
    server.push_fault(Fault::Stall(Duration::from_secs(3)));
    let stripe = Stripe::new(settings(
        &server.base_url(),
        KEY,
        Duration::from_millis(500),
    ))
    .unwrap();

    let error = stripe
        .create_checkout(&payment("idem-slow"))
        .await
        .unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    let statuses = server.requests().len();
    assert_eq!(statuses, 3, "the retries met the held key (409)");

    let sessions = server.wait_for_sessions(1, Duration::from_secs(10)).await;
    let again = stripe
        .create_checkout(&payment("idem-slow"))
        .await
        .expect("replayed");
    assert_eq!(again.id, sessions[0].id);
    assert_eq!(server.sessions().len(), 1);
}

#[tokio::test]
async fn an_unreachable_stripe_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let stripe = Stripe::new(settings(&base_url, KEY, Duration::from_secs(2))).unwrap();
    let error = stripe
        .create_checkout(&payment("idem-1"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PaymentError::Transient("could not reach Stripe".into())
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let server = server().await;
    let settings = settings(&server.base_url(), KEY, Duration::from_secs(5));
    let stripe = Stripe::new(settings.clone()).unwrap();
    for text in [
        format!("{settings:?}"),
        format!("{stripe:?}"),
        format!("{:#?}", stripe),
    ] {
        assert!(
            !text.contains(KEY) && !text.contains(WEBHOOK_SECRET),
            "{text}"
        );
        assert!(text.contains("***"), "{text}");
    }
}

#[tokio::test]
async fn settings_are_checked_and_named() {
    let check = |base_url: &str, key: &str, webhook_secret: &str| {
        let mut settings = settings(base_url, key, Duration::from_secs(5));
        settings.webhook_secret = webhook_secret.into();
        Stripe::new(settings).unwrap_err()
    };
    let error = check("http://api.stripe.com", KEY, WEBHOOK_SECRET);
    assert_eq!(error.field, Field::StripeBaseUrl);
    let error = check(
        "https://api.stripe.com",
        "pk_test_publishable",
        WEBHOOK_SECRET,
    );
    assert_eq!(error.field, Field::StripeSecretKey);
    assert!(!error.to_string().contains("pk_test_publishable"));
    let error = check("https://api.stripe.com", KEY, "not-a-signing-secret");
    assert_eq!(error.field, Field::StripeWebhookSecret);
    assert!(!error.to_string().contains("not-a-signing-secret"));
    let mut zero = settings("https://api.stripe.com", KEY, Duration::ZERO);
    zero.timeout = Duration::ZERO;
    assert_eq!(Stripe::new(zero).unwrap_err().field, Field::StripeTimeout);
}
