//! Twilio's Messages API, against the local stand-in of `paylink-test-servers`.

use paylink_test_servers::twilio_server;

use std::{path::PathBuf, time::Duration};

use paylink_notify::{
    EmailSettings, EmailTransport, Notifier, Secret, SmsMessage, SmsSettings, SmsTransport,
    TwilioSender,
};
use twilio_server::{CannedResponse, Fault, TwilioServer};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token-5ecr3t";
const FROM: &str = "+15005550006";
const WAIT: Duration = Duration::from_secs(5);

fn notifier(base_url: &str, token: &str, sender: TwilioSender, timeout: Duration) -> Notifier {
    paylink_notify::install_crypto_provider();
    Notifier::new(
        EmailSettings {
            transport: EmailTransport::Files {
                dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("unused-email"),
            },
            from: "Paylink <no-reply@example.com>".into(),
            timeout,
        },
        SmsSettings {
            transport: SmsTransport::Twilio {
                base_url: base_url.parse().unwrap(),
                account_sid: SID.into(),
                auth_token: Secret::new(token),
                sender,
            },
            timeout,
        },
        paylink_notify::OutboundPolicy::default(),
    )
    .expect("valid settings")
}

fn default_notifier(server: &TwilioServer) -> Notifier {
    notifier(
        &server.base_url(),
        TOKEN,
        TwilioSender::From(FROM.into()),
        Duration::from_secs(5),
    )
}

fn sms(key: &str) -> SmsMessage {
    SmsMessage {
        to: "+15551234567".into(),
        body: "Pay your tuition: https://pay.example.com/pt_link_x?a=1&b=2 — thanks!".into(),
        idempotency_key: key.into(),
        status_callback: None,
    }
}

#[tokio::test]
async fn sends_the_form_with_basic_auth_and_returns_the_sid() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let notifier = default_notifier(&server);

    let delivered = notifier.send_sms(&sms("ntf_0001")).await.expect("sent");
    let messages = server.wait_for_messages(1, WAIT).await;
    assert_eq!(
        delivered.provider_message_id.as_deref(),
        Some(messages[0].sid.as_str())
    );
    assert!(messages[0].sid.starts_with("SM") && messages[0].sid.len() == 34);

    let requests = server.requests();
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    assert_eq!(request.basic_auth, Some((SID.to_owned(), TOKEN.to_owned())));
    assert_eq!(request.idempotency_token(), None, "Twilio's API takes none");
    assert_eq!(request.field("To"), Some("+15551234567"));
    assert_eq!(request.field("From"), Some(FROM));
    assert_eq!(request.field("MessagingServiceSid"), None);
    assert_eq!(request.field("Body"), Some(sms("k").body.as_str()));
    assert_eq!(
        request.field("StatusCallback"),
        None,
        "no receipts unless asked"
    );
}

#[tokio::test]
async fn asks_for_status_callbacks_when_given_a_url() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let notifier = default_notifier(&server);
    let callback = "https://paylink.example.com/webhooks/twilio/status/dlv_1?x=a&y=b";
    let message = SmsMessage {
        status_callback: Some(callback.into()),
        ..sms("dlv_1")
    };
    notifier.send_sms(&message).await.expect("sent");
    assert_eq!(server.requests()[0].field("StatusCallback"), Some(callback));
    assert_eq!(
        server.messages()[0].status_callback.as_deref(),
        Some(callback)
    );
}

#[test]
fn checks_twilio_webhooks_only_when_texts_go_to_twilio() {
    let twilio = notifier(
        "https://api.twilio.com",
        TOKEN,
        TwilioSender::From(FROM.into()),
        Duration::from_secs(5),
    );
    assert!(twilio.twilio_webhooks().is_some());
    let debug = format!("{:?}", twilio.twilio_webhooks());
    assert!(!debug.contains(TOKEN), "{debug}");
}

#[tokio::test]
async fn can_send_through_a_messaging_service() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let notifier = notifier(
        &server.base_url(),
        TOKEN,
        TwilioSender::MessagingServiceSid("MG0123456789abcdef0123456789abcdef".into()),
        Duration::from_secs(5),
    );

    notifier.send_sms(&sms("k")).await.expect("sent");
    let requests = server.requests();
    assert_eq!(
        requests[0].field("MessagingServiceSid"),
        Some("MG0123456789abcdef0123456789abcdef")
    );
    assert_eq!(requests[0].field("From"), None);
    let messages = server.messages();
    assert_eq!(messages[0].from, None);
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_transient() {
    let server = TwilioServer::start(SID, TOKEN).await;
    server.push_response(CannedResponse::error(500, 20500, "Internal Server Error"));
    server.push_response(CannedResponse::error(429, 20429, "Too Many Requests"));
    server.push_response(CannedResponse::json(503, "<html>upstream down</html>"));
    let notifier = default_notifier(&server);

    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(error.is_transient());
    assert_eq!(error.reason(), "Twilio 20500: Internal Server Error");

    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(error.is_transient());
    assert_eq!(error.reason(), "Twilio 20429: Too Many Requests");

    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(error.is_transient());
    assert_eq!(error.reason(), "Twilio HTTP 503 Service Unavailable");

    assert!(server.messages().is_empty());
    notifier
        .send_sms(&sms("k"))
        .await
        .expect("queue drained, normal answer");
}

#[tokio::test]
async fn a_429_with_retry_after_says_how_long_to_wait() {
    let server = TwilioServer::start(SID, TOKEN).await;
    server.push_response(CannedResponse::too_many_requests(7));
    let notifier = default_notifier(&server);
    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(error.reason(), "Twilio 20429: Too Many Requests");
}

#[tokio::test]
async fn an_invalid_number_is_permanent_with_twilios_reason() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let notifier = default_notifier(&server);
    let mut message = sms("k");
    message.to = "+1555".into();

    let error = notifier.send_sms(&message).await.unwrap_err();
    assert!(!error.is_transient());
    assert_eq!(
        error.reason(),
        "Twilio 21211: The 'To' number +1555 is not a valid phone number."
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn wrong_credentials_are_permanent_and_the_token_never_shows() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let wrong = "wrong-token-0000";
    let notifier = notifier(
        &server.base_url(),
        wrong,
        TwilioSender::From(FROM.into()),
        Duration::from_secs(5),
    );

    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(!error.is_transient());
    assert_eq!(error.reason(), "Twilio 20003: Authenticate");
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{notifier:?}"),
    ] {
        assert!(!text.contains(wrong) && !text.contains(TOKEN), "{text}");
    }
}

#[tokio::test]
async fn a_reply_that_echoes_the_token_is_redacted() {
    let server = TwilioServer::start(SID, TOKEN).await;
    server.push_response(CannedResponse::error(
        400,
        21211,
        &format!("bad request from {SID}:{TOKEN}"),
    ));
    let notifier = default_notifier(&server);
    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(!error.reason().contains(TOKEN), "{error:?}");
    assert!(error.reason().contains("***"), "{error:?}");
}

fn slow_notifier(server: &TwilioServer) -> Notifier {
    notifier(
        &server.base_url(),
        TOKEN,
        TwilioSender::From(FROM.into()),
        Duration::from_millis(300),
    )
}

#[tokio::test]
async fn an_answer_after_the_timeout_leaves_the_outcome_unknown_and_the_message_is_found() {
    let server = TwilioServer::start(SID, TOKEN).await;
    // Twilio takes the message and answers after the client gave up.
    server.push_fault(Fault::CreateThenStall(Duration::from_secs(3)));
    let notifier = slow_notifier(&server);
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);

    let error = notifier.send_sms(&sms("ntf_slow")).await.unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    assert_eq!(error.reason(), "Twilio did not answer within 300ms");
    let created = server.wait_for_messages(1, WAIT).await;

    let found = notifier
        .find_sms(&sms("ntf_slow"), since)
        .await
        .expect("listed");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].provider_message_id, Some(created[0].sid.clone()));
    // The stand-in, like Twilio, takes a second POST as a second message: only asking first
    // keeps the text single.
    assert_eq!(server.messages().len(), 1);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|request| request.method == "GET")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_connection_cut_after_the_request_leaves_the_outcome_unknown() {
    let server = TwilioServer::start(SID, TOKEN).await;
    server.push_fault(Fault::CreateThenDrop);
    let notifier = slow_notifier(&server);
    let error = notifier.send_sms(&sms("ntf_cut")).await.unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    assert_eq!(
        error.reason(),
        "the connection to Twilio broke before it answered"
    );
    assert_eq!(server.messages().len(), 1, "Twilio had created it");
}

#[tokio::test]
async fn finding_a_message_matches_recipient_sender_body_and_time() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let notifier = default_notifier(&server);
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let wanted = sms("ntf_wanted");
    let sent = notifier.send_sms(&wanted).await.expect("sent");
    // More texts to the same number afterwards, enough to push the wanted one past the first
    // page of the list.
    for i in 0..120 {
        let other = SmsMessage {
            body: format!("another text {i}"),
            ..sms("ntf_other")
        };
        notifier.send_sms(&other).await.expect("sent");
    }
    let again = notifier.send_sms(&wanted).await.expect("sent");
    let found = notifier.find_sms(&wanted, before).await.expect("listed");
    let ids: Vec<_> = found
        .into_iter()
        .map(|found| found.provider_message_id)
        .collect();
    assert_eq!(
        ids,
        [sent.provider_message_id, again.provider_message_id],
        "oldest first"
    );

    let unsent = SmsMessage {
        body: "never sent".into(),
        ..sms("ntf_unsent")
    };
    assert_eq!(
        notifier.find_sms(&unsent, before).await.expect("listed"),
        []
    );
    let elsewhere = SmsMessage {
        to: "+15557654321".into(),
        ..sms("ntf_elsewhere")
    };
    assert_eq!(
        notifier.find_sms(&elsewhere, before).await.expect("listed"),
        []
    );
    // Created before the attempt in doubt began: another delivery's text.
    let later = chrono::Utc::now() + chrono::Duration::minutes(1);
    assert_eq!(notifier.find_sms(&wanted, later).await.expect("listed"), []);
}

#[tokio::test]
async fn finding_fails_as_transient_when_twilio_cannot_be_asked() {
    let server = TwilioServer::start(SID, "another-token").await;
    let notifier = default_notifier(&server);
    let error = notifier
        .find_sms(&sms("k"), chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(!error.is_transient() && !error.is_unknown(), "{error:?}");
    assert!(error.reason().contains("20003"), "{error:?}");
    assert!(!error.reason().contains(TOKEN), "{error:?}");
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let notifier = notifier(
        &format!("http://127.0.0.1:{port}"),
        TOKEN,
        TwilioSender::From(FROM.into()),
        Duration::from_secs(5),
    );
    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    // Merchants read the reason: it says what happened, never the library's words.
    assert_eq!(error.reason(), "could not reach Twilio", "{error:?}");
}

#[tokio::test]
async fn other_client_errors_are_permanent() {
    let server = TwilioServer::start(SID, TOKEN).await;
    server.push_response(CannedResponse::json(403, "not json"));
    server.push_response(CannedResponse::error(
        400,
        21610,
        "Attempt to send to unsubscribed recipient",
    ));
    let notifier = default_notifier(&server);

    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(!error.is_transient());
    assert_eq!(error.reason(), "Twilio HTTP 403 Forbidden");
    let error = notifier.send_sms(&sms("k")).await.unwrap_err();
    assert!(!error.is_transient());
    assert_eq!(
        error.reason(),
        "Twilio 21610: Attempt to send to unsubscribed recipient"
    );
}

#[tokio::test]
async fn a_trailing_slash_on_the_base_url_is_fine() {
    let server = TwilioServer::start(SID, TOKEN).await;
    let notifier = notifier(
        &format!("{}/", server.base_url()),
        TOKEN,
        TwilioSender::From(FROM.into()),
        Duration::from_secs(5),
    );
    notifier
        .send_sms(&sms("k"))
        .await
        .expect("trailing slash handled");
}
