//! The development transports: `.eml` files and a JSON-lines file.

use std::{path::PathBuf, time::Duration};

use mail_parser::{MessageParser, MimeHeaders};
use paylink_notify::{
    EmailMessage, EmailSettings, EmailTransport, Notifier, SmsMessage, SmsSettings, SmsTransport,
};

/// A fresh folder under cargo's scratch space for integration tests.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("paylink-notify")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn notifier(email_dir: PathBuf, sms_path: PathBuf) -> Notifier {
    Notifier::new(
        EmailSettings {
            transport: EmailTransport::Files { dir: email_dir },
            from: "Paylink <no-reply@example.com>".into(),
            timeout: Duration::from_secs(5),
        },
        SmsSettings {
            transport: SmsTransport::Files { path: sms_path },
            timeout: Duration::from_secs(5),
        },
        paylink_notify::OutboundPolicy::default(),
    )
    .expect("valid settings")
}

#[tokio::test]
async fn each_email_becomes_a_parseable_eml_file_named_by_its_key() {
    let root = scratch("eml");
    let dir = root.join("nested").join("mail");
    let notifier = notifier(dir.clone(), root.join("sms.jsonl"));
    let link = "https://pay.example.com/pt_link_Ab3dE6gH9jK2mN5pQ8rS1tU4";

    let delivered = notifier
        .send_email(&EmailMessage {
            to: "Bob Example <bob@example.com>".into(),
            subject: "Ihre Zahlung: Schulgebühr".into(),
            text: format!("Pay here: {link}"),
            html: format!("<a href=\"{link}\">Pay</a>"),
            idempotency_key: "ntf_0001".into(),
        })
        .await
        .expect("written");
    assert_eq!(
        delivered.provider_message_id.as_deref(),
        Some("ntf_0001.eml")
    );

    let raw = std::fs::read(dir.join("ntf_0001.eml")).expect("file written");
    let parsed = MessageParser::default().parse(&raw).expect("parseable");
    assert_eq!(parsed.subject(), Some("Ihre Zahlung: Schulgebühr"));
    assert_eq!(
        parsed
            .to()
            .and_then(|to| to.first())
            .and_then(|a| a.address()),
        Some("bob@example.com")
    );
    assert!(parsed.body_text(0).unwrap().contains(link));
    assert!(parsed.body_html(0).unwrap().contains(link));
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no partial files left behind");
}

#[tokio::test]
async fn a_key_cannot_write_outside_the_folder() {
    let root = scratch("eml-escape");
    let dir = root.join("mail");
    let notifier = notifier(dir.clone(), root.join("sms.jsonl"));
    let delivered = notifier
        .send_email(&EmailMessage {
            to: "bob@example.com".into(),
            subject: "s".into(),
            text: "t".into(),
            html: String::new(),
            idempotency_key: "../evil".into(),
        })
        .await
        .expect("written");
    let name = delivered.provider_message_id.unwrap();
    assert_eq!(name, "=2E=2E=2Fevil.eml");
    assert!(dir.join(&name).is_file());
    let raw = std::fs::read(dir.join(&name)).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    // Without HTML the email is a single text/plain part, not an alternative.
    let content_type = parsed.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("text", Some("plain"))
    );
    assert_eq!(parsed.body_text(0).as_deref().map(str::trim_end), Some("t"));
}

#[tokio::test]
async fn each_sms_is_appended_as_one_json_line() {
    let root = scratch("sms");
    let path = root.join("deep").join("sms.jsonl");
    let notifier = notifier(root.join("mail"), path.clone());

    for (key, body) in [("ntf_1", "first"), ("ntf_2", "second \"quoted\"\nline")] {
        let delivered = notifier
            .send_sms(&SmsMessage {
                to: "+15551234567".into(),
                body: body.into(),
                idempotency_key: key.into(),
                status_callback: None,
            })
            .await
            .expect("appended");
        assert_eq!(delivered.provider_message_id.as_deref(), Some(key));
    }

    let text = std::fs::read_to_string(&path).expect("file written");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "ntf_1");
    assert_eq!(lines[0]["to"], "+15551234567");
    assert_eq!(lines[0]["body"], "first");
    assert_eq!(lines[1]["body"], "second \"quoted\"\nline");
    let at = lines[1]["at"].as_str().expect("at");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
}
