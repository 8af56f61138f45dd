//! Settings are checked at start, errors name the setting, and nothing prints a secret.

use std::{path::PathBuf, time::Duration};

use paylink_notify::{
    ConfigError, EmailSettings, EmailTransport, Field, Notifier, OutboundPolicy, Secret, SendError,
    SmsSettings, SmsTransport, TwilioSender,
};

const SMTP_PASSWORD: &str = "smtp-pa55word";
const TWILIO_TOKEN: &str = "twilio-t0ken-value";

fn email(url: &str) -> EmailSettings {
    EmailSettings {
        transport: EmailTransport::Smtp {
            url: Secret::new(url),
        },
        from: "Paylink <no-reply@example.com>".into(),
        timeout: Duration::from_secs(5),
    }
}

fn twilio(base_url: &str, sid: &str, token: &str, sender: TwilioSender) -> SmsSettings {
    SmsSettings {
        transport: SmsTransport::Twilio {
            base_url: base_url.parse().unwrap(),
            account_sid: sid.into(),
            auth_token: Secret::new(token),
            sender,
        },
        timeout: Duration::from_secs(5),
    }
}

fn good_twilio() -> SmsSettings {
    twilio(
        paylink_notify::DEFAULT_TWILIO_BASE_URL,
        "AC0123456789abcdef0123456789abcdef",
        TWILIO_TOKEN,
        TwilioSender::From("+15005550006".into()),
    )
}

fn sms_files() -> SmsSettings {
    SmsSettings {
        transport: SmsTransport::Files {
            path: PathBuf::from("sms.jsonl"),
        },
        timeout: Duration::from_secs(5),
    }
}

fn smtp(url: &str) -> Result<Notifier, ConfigError> {
    paylink_notify::install_crypto_provider();
    Notifier::new(email(url), sms_files(), OutboundPolicy::default())
}

#[test]
fn smtp_urls_lettre_understands_are_accepted() {
    let plain = smtp("smtp://mail.example.com:2525").expect("plain");
    let debug = format!("{plain:?}");
    assert!(
        debug.contains("mail.example.com:2525") && debug.contains("\"none\""),
        "{debug}"
    );

    let starttls = smtp(&format!(
        "smtp://user:{SMTP_PASSWORD}@mail.example.com?tls=required"
    ))
    .expect("tls");
    let debug = format!("{starttls:?}");
    assert!(debug.contains("mail.example.com:587"), "{debug}");
    assert!(debug.contains("starttls-required"), "{debug}");
    assert!(!debug.contains(SMTP_PASSWORD), "{debug}");

    let opportunistic = smtp("smtp://mail.example.com?tls=opportunistic").expect("opportunistic");
    assert!(format!("{opportunistic:?}").contains("starttls-opportunistic"));

    let implicit = smtp("smtps://mail.example.com").expect("smtps");
    let debug = format!("{implicit:?}");
    assert!(
        debug.contains("mail.example.com:465") && debug.contains("implicit-tls"),
        "{debug}"
    );
}

#[test]
fn bad_smtp_urls_name_the_setting() {
    let error = smtp("ftp://mail.example.com").unwrap_err();
    assert_eq!(error.field, Field::SmtpUrl);
    assert_eq!(
        error.to_string(),
        "SMTP URL: unsupported scheme ftp (use smtp:// or smtps://)"
    );

    for url in [
        "mail.example.com:25",
        "smtp://mail.example.com?tls=maybe",
        "smtp://mail.example.com?tsl=required",
        "smtps://mail.example.com?tls=opportunistic",
        "smtp://user@mail.example.com",
        "smtp://:secret@mail.example.com",
        "smtp:///no-host",
    ] {
        let error = smtp(url).unwrap_err();
        assert_eq!(error.field, Field::SmtpUrl, "{url}: {error}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}

#[test]
fn a_bad_sender_mailbox_names_the_setting() {
    let mut settings = email("smtp://mail.example.com");
    settings.from = "Paylink no-reply at example".into();
    let error = Notifier::new(settings, sms_files(), OutboundPolicy::default()).unwrap_err();
    assert_eq!(error.field, Field::EmailFrom);
    assert!(
        error
            .to_string()
            .starts_with("email sender: not a valid mailbox")
    );
}

#[test]
fn bad_twilio_settings_name_the_setting() {
    let sid = "AC0123456789abcdef0123456789abcdef";
    let from = || TwilioSender::From("+15005550006".into());
    let cases = [
        (
            twilio("http://api.twilio.com", sid, "t", from()),
            Field::TwilioBaseUrl,
        ),
        (
            twilio("ftp://api.twilio.com", sid, "t", from()),
            Field::TwilioBaseUrl,
        ),
        (
            twilio("https://user:pw@api.twilio.com", sid, "t", from()),
            Field::TwilioBaseUrl,
        ),
        (
            twilio("https://api.twilio.com", "", "t", from()),
            Field::TwilioAccountSid,
        ),
        (
            twilio("https://api.twilio.com", "AC/../x", "t", from()),
            Field::TwilioAccountSid,
        ),
        (
            twilio("https://api.twilio.com", sid, " ", from()),
            Field::TwilioAuthToken,
        ),
        (
            twilio(
                "https://api.twilio.com",
                sid,
                "t",
                TwilioSender::From(" ".into()),
            ),
            Field::TwilioFrom,
        ),
        (
            twilio(
                "https://api.twilio.com",
                sid,
                "t",
                TwilioSender::MessagingServiceSid("MG 1".into()),
            ),
            Field::TwilioMessagingServiceSid,
        ),
    ];
    for (settings, setting) in cases {
        let error = Notifier::new(
            email("smtp://mail.example.com"),
            settings,
            OutboundPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(error.field, setting, "{error}");
        assert!(
            error.to_string().starts_with(&format!("{setting}: ")),
            "{error}"
        );
    }
    // Plain http is fine for a local test double.
    Notifier::new(
        email("smtp://mail.example.com"),
        twilio("http://127.0.0.1:9999", sid, "t", from()),
        OutboundPolicy::default(),
    )
    .expect("loopback http");
}

#[test]
fn debug_output_never_shows_secrets() {
    paylink_notify::install_crypto_provider();
    let email = email(&format!("smtps://mailer:{SMTP_PASSWORD}@mail.example.com"));
    let sms = good_twilio();
    let texts = [
        format!("{email:?}"),
        format!("{sms:?}"),
        format!(
            "{:?}",
            Notifier::new(email.clone(), sms.clone(), OutboundPolicy::default()).unwrap()
        ),
    ];
    for text in texts {
        assert!(!text.contains(SMTP_PASSWORD), "{text}");
        assert!(!text.contains(TWILIO_TOKEN), "{text}");
    }
    let secret = Secret::new(TWILIO_TOKEN);
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(secret.to_string(), "***");
    assert_eq!(secret.expose(), TWILIO_TOKEN);
}

#[test]
fn send_error_reports_kind_and_reason() {
    let transient = SendError::Transient("SMTP 450 4.2.1 try later".into());
    assert!(transient.is_transient());
    assert_eq!(transient.reason(), "SMTP 450 4.2.1 try later");
    assert_eq!(transient.to_string(), "SMTP 450 4.2.1 try later");
    let permanent = SendError::Permanent("Twilio 21211: bad number".into());
    assert!(!permanent.is_transient());
    assert_eq!(permanent.to_string(), "Twilio 21211: bad number");
}

#[test]
fn installing_the_crypto_provider_twice_is_fine() {
    paylink_notify::install_crypto_provider();
    paylink_notify::install_crypto_provider();
    assert!(rustls_default_is_installed());
}

fn rustls_default_is_installed() -> bool {
    // The crate does not re-export rustls; build a TLS-using transport as the observable
    // effect instead: it needs a provider and must not panic.
    smtp("smtps://mail.example.com").is_ok()
}
