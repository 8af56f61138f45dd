//! Real SMTP conversations against the test server of `paylink-test-servers`.

use paylink_test_servers::smtp_server;

use std::{path::PathBuf, time::Duration};

use mail_parser::{MessageParser, MimeHeaders};
use paylink_notify::{
    EmailMessage, EmailSettings, EmailTransport, Notifier, Secret, SendError, SmsSettings,
    SmsTransport,
};
use smtp_server::{SmtpAction, SmtpCommand, SmtpServer};

const LINK: &str = "https://pay.example.com/pt_link_Ab3dE6gH9jK2mN5pQ8rS1tU4?ref=email&x=1";
const WAIT: Duration = Duration::from_secs(5);

fn notifier(url: &str, timeout: Duration) -> Notifier {
    paylink_notify::install_crypto_provider();
    Notifier::new(
        EmailSettings {
            transport: EmailTransport::Smtp {
                url: Secret::new(url),
            },
            from: "Paylink <no-reply@example.com>".into(),
            timeout,
        },
        SmsSettings {
            transport: SmsTransport::Files {
                path: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("unused-sms.jsonl"),
            },
            timeout,
        },
        paylink_notify::OutboundPolicy::default(),
    )
    .expect("valid settings")
}

fn email(key: &str) -> EmailMessage {
    EmailMessage {
        to: "bob@example.com".into(),
        subject: "Your payment link for Spring tuition".into(),
        text: format!("Hello Bob,\n\nPay here: {LINK}\n.\n.a line that starts with a dot\n"),
        html: format!("<p>Hello Bob,</p><p><a href=\"{LINK}\">Pay now</a></p>"),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn delivers_multipart_email_with_envelope_headers_and_link() {
    let server = SmtpServer::start().await;
    let notifier = notifier(&server.url(), Duration::from_secs(5));

    let delivered = notifier
        .send_email(&email("ntf_0001"))
        .await
        .expect("delivered");
    assert_eq!(
        delivered.provider_message_id.as_deref(),
        Some("<ntf_0001@example.com>")
    );

    let messages = server.wait_for_messages(1, WAIT).await;
    let received = &messages[0];
    assert_eq!(received.mail_from, "no-reply@example.com");
    assert_eq!(received.rcpt_to, ["bob@example.com"]);
    assert_eq!(
        received.header("Subject").as_deref(),
        Some("Your payment link for Spring tuition")
    );
    assert_eq!(
        received.header("Message-ID").as_deref(),
        Some("<ntf_0001@example.com>")
    );
    let from = received.header("From").expect("From header");
    assert!(
        from.contains("Paylink") && from.contains("<no-reply@example.com>"),
        "{from}"
    );
    assert_eq!(received.header("To").as_deref(), Some("bob@example.com"));

    let parsed = MessageParser::default()
        .parse(received.data.as_bytes())
        .expect("parseable MIME");
    let content_type = parsed.content_type().expect("Content-Type");
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("alternative"));
    let text = parsed.body_text(0).expect("text part");
    let html = parsed.body_html(0).expect("html part");
    assert!(text.contains(LINK), "{text}");
    assert!(
        text.contains("\r\n.\r\n.a line that starts with a dot"),
        "dot-stuffing round trip: {text:?}"
    );
    assert!(html.contains(&format!("href=\"{LINK}\"")), "{html}");
}

#[tokio::test]
async fn a_retry_carries_the_same_message_id() {
    let server = SmtpServer::start().await;
    let notifier = notifier(&server.url(), Duration::from_secs(5));
    notifier
        .send_email(&email("ntf_0002"))
        .await
        .expect("first");
    notifier
        .send_email(&email("ntf_0002"))
        .await
        .expect("second");
    let messages = server.wait_for_messages(2, WAIT).await;
    assert_eq!(
        messages[0].header("Message-ID"),
        messages[1].header("Message-ID")
    );
}

#[tokio::test]
async fn rcpt_4xx_is_transient_with_the_servers_reason() {
    let server = SmtpServer::start().await;
    server.respond_once(
        SmtpCommand::RcptTo,
        SmtpAction::reply(450, "4.2.1 try later"),
    );
    let notifier = notifier(&server.url(), Duration::from_secs(5));

    let error = notifier.send_email(&email("k")).await.unwrap_err();
    assert_eq!(
        error,
        SendError::Transient("SMTP 450 4.2.1 try later".into())
    );
    assert!(server.messages().is_empty());

    // The rule was for one reply only: the retry goes through.
    notifier
        .send_email(&email("k"))
        .await
        .expect("retry delivered");
    assert_eq!(server.wait_for_messages(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn rcpt_5xx_is_permanent_with_the_servers_reason() {
    let server = SmtpServer::start().await;
    server.respond_always(
        SmtpCommand::RcptTo,
        SmtpAction::reply(550, "5.1.1 no such user"),
    );
    let notifier = notifier(&server.url(), Duration::from_secs(5));

    let error = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(!error.is_transient());
    assert_eq!(error.reason(), "SMTP 550 5.1.1 no such user");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn rejection_after_data_is_classified_by_its_code() {
    let server = SmtpServer::start().await;
    server.respond_once(
        SmtpCommand::DataEnd,
        SmtpAction::reply(451, "4.3.0 queue full"),
    );
    server.respond_once(
        SmtpCommand::DataEnd,
        SmtpAction::reply(554, "5.7.1 message refused\nspam score too high"),
    );
    let notifier = notifier(&server.url(), Duration::from_secs(5));

    let first = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(first.is_transient(), "{first:?}");
    assert!(first.reason().contains("451"), "{first:?}");
    let second = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(!second.is_transient(), "{second:?}");
    assert!(
        second
            .reason()
            .starts_with("SMTP 554 5.7.1 message refused"),
        "{second:?}"
    );
    assert!(!second.reason().contains('\n'));
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let notifier = notifier(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5));
    let error = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    // Merchants read the reason: it says what happened, never the library's words.
    assert_eq!(
        error.reason(),
        "could not reach the SMTP server",
        "{error:?}"
    );
}

/// A conversation that breaks once connected may have broken after the message data: SMTP does
/// not say which step a closed connection was at, so the outcome is unknown.
#[tokio::test]
async fn a_server_that_hangs_up_leaves_the_outcome_unknown() {
    let server = SmtpServer::start().await;
    server.respond_once(SmtpCommand::MailFrom, SmtpAction::Close);
    let notifier = notifier(&server.url(), Duration::from_secs(5));
    let error = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    assert_eq!(
        error.reason(),
        "the connection to the SMTP server broke before it answered"
    );
}

/// The relay took the message and the connection broke before its reply: the outcome is
/// unknown, and the relay does hold the message.
#[tokio::test]
async fn a_reply_lost_after_the_data_leaves_the_outcome_unknown() {
    let server = SmtpServer::start().await;
    server.respond_once(SmtpCommand::DataEnd, SmtpAction::AcceptThenClose);
    let notifier = notifier(&server.url(), Duration::from_secs(5));
    let error = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    assert_eq!(server.messages().len(), 1, "the relay had taken it");
}

#[tokio::test]
async fn a_server_that_stops_answering_leaves_the_outcome_unknown() {
    let server = SmtpServer::start().await;
    server.respond_once(SmtpCommand::Data, SmtpAction::Stall);
    let notifier = notifier(&server.url(), Duration::from_millis(300));
    let error = notifier.send_email(&email("k")).await.unwrap_err();
    assert!(error.is_unknown(), "{error:?}");
    assert!(
        error.reason().contains("did not answer within 300ms"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_invalid_recipient_is_permanent_without_connecting() {
    let server = SmtpServer::start().await;
    let notifier = notifier(&server.url(), Duration::from_secs(5));
    let mut message = email("k");
    message.to = "bob at example.com".into();

    let error = notifier.send_email(&message).await.unwrap_err();
    assert!(!error.is_transient());
    assert!(
        error.reason().contains("invalid recipient address"),
        "{error:?}"
    );
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn authenticates_with_the_url_credentials_and_never_shows_the_password() {
    let password = "pa:ss/w0rd%with@odd";
    let encoded = "pa%3Ass%2Fw0rd%25with%40odd";
    let server = SmtpServer::start_with_auth("mailer", password).await;
    let port = server.addr().port();

    let good = notifier(
        &format!("smtp://mailer:{encoded}@127.0.0.1:{port}"),
        Duration::from_secs(5),
    );
    good.send_email(&email("k")).await.expect("authenticated");
    let messages = server.wait_for_messages(1, WAIT).await;
    assert_eq!(messages[0].auth_user.as_deref(), Some("mailer"));

    let wrong = "not-the-password-42";
    let bad = notifier(
        &format!("smtp://mailer:{wrong}@127.0.0.1:{port}"),
        Duration::from_secs(5),
    );
    let error = bad.send_email(&email("k")).await.unwrap_err();
    assert!(!error.is_transient(), "535 is permanent: {error:?}");
    assert!(error.reason().starts_with("SMTP 535"), "{error:?}");

    for text in [
        format!("{good:?}"),
        format!("{bad:?}"),
        error.to_string(),
        format!("{error:?}"),
    ] {
        for secret in [password, encoded, wrong] {
            assert!(!text.contains(secret), "{text} shows a password");
        }
    }
}

/// Everything a tracing subscriber writes, kept in memory for the test to read.
#[derive(Clone, Default)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_reply_that_echoes_the_recipient_keeps_the_address_out_of_the_debug_log() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime is single-threaded, so the whole attempt logs to this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = SmtpServer::start().await;
    server.respond_always(
        SmtpCommand::RcptTo,
        SmtpAction::reply(550, "5.1.1 <bob@example.com>: Recipient address rejected"),
    );
    let notifier = notifier(&server.url(), Duration::from_secs(5));

    let error = notifier.send_email(&email("k")).await.unwrap_err();
    // The merchant sees the server's reason about their own contact in `lastError`...
    assert!(error.reason().contains("bob@example.com"), "{error:?}");
    // ...but the operator's log does not carry the address.
    let text = log.text();
    assert!(text.contains("SMTP attempt failed"), "captured:\n{text}");
    assert!(text.contains("550"), "the reply code is kept:\n{text}");
    assert!(!text.contains("bob@example.com"), "{text}");
    assert!(!text.contains("bob@"), "{text}");
}
