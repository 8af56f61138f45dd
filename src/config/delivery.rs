//! Settings of link delivery: where email and text messages go, and how the dispatcher retries.
//! Without any of them set, email is written to `.eml` files and SMS to a JSON-lines file under
//! `.paylink/outbox/`, so development needs no provider.

use std::path::PathBuf;
use std::time::Duration;

use paylink_notify::{
    EmailSettings, EmailTransport, Notifier, Secret, SmsSettings, SmsTransport, TwilioSender,
};
use url::Url;

use super::{ConfigError, in_range};
use crate::dispatch::{DispatchSettings, RetryPolicy};

/// Default folder of development email.
pub const DEFAULT_EMAIL_DIR: &str = ".paylink/outbox/email";
/// Default file of development SMS.
pub const DEFAULT_SMS_FILE: &str = ".paylink/outbox/sms.jsonl";
/// Default sender of email.
pub const DEFAULT_EMAIL_FROM: &str = "Paylink <no-reply@paylink.localhost>";

/// Delivery settings, checked.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// The transports, built and checked.
    pub notifier: Notifier,
    /// The dispatcher's pace and retries.
    pub dispatch: DispatchSettings,
}

impl DeliveryConfig {
    /// Reads the delivery settings through `get`.
    pub(super) fn from_lookup(
        get: &impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let timeout = Duration::from_millis(in_range(
            "PAYLINK_DELIVERY_TIMEOUT_MS",
            get("PAYLINK_DELIVERY_TIMEOUT_MS"),
            15_000,
            100..=120_000,
        )?);
        let email = EmailSettings {
            transport: match get("PAYLINK_SMTP_URL") {
                Some(url) => EmailTransport::Smtp {
                    url: Secret::new(url),
                },
                None => EmailTransport::Files {
                    dir: PathBuf::from(
                        get("PAYLINK_EMAIL_DIR").unwrap_or_else(|| DEFAULT_EMAIL_DIR.to_owned()),
                    ),
                },
            },
            from: get("PAYLINK_EMAIL_FROM").unwrap_or_else(|| DEFAULT_EMAIL_FROM.to_owned()),
            timeout,
        };
        let sms = SmsSettings {
            transport: sms_transport(get)?,
            timeout,
        };
        let notifier = Notifier::new(email, sms).map_err(|error| ConfigError {
            variable: error.setting,
            message: error.message,
        })?;
        let lease_secs = in_range(
            "PAYLINK_DELIVERY_LEASE_SECS",
            get("PAYLINK_DELIVERY_LEASE_SECS"),
            60,
            1..=3600,
        )?;
        if Duration::from_secs(lease_secs) <= timeout {
            return Err(ConfigError {
                variable: "PAYLINK_DELIVERY_LEASE_SECS",
                message: format!(
                    "must be longer than PAYLINK_DELIVERY_TIMEOUT_MS ({} ms), or a slow attempt \
                     could be taken over and sent twice",
                    timeout.as_millis()
                ),
            });
        }
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_attempts: in_range(
                "PAYLINK_DELIVERY_MAX_ATTEMPTS",
                get("PAYLINK_DELIVERY_MAX_ATTEMPTS"),
                defaults.max_attempts,
                1..=100,
            )?,
            max_age: Duration::from_secs(in_range(
                "PAYLINK_DELIVERY_MAX_AGE_SECS",
                get("PAYLINK_DELIVERY_MAX_AGE_SECS"),
                defaults.max_age.as_secs(),
                1..=7 * 24 * 3600,
            )?),
            base_delay: Duration::from_millis(in_range(
                "PAYLINK_DELIVERY_RETRY_BASE_MS",
                get("PAYLINK_DELIVERY_RETRY_BASE_MS"),
                5_000,
                1..=3_600_000,
            )?),
            max_delay: Duration::from_millis(in_range(
                "PAYLINK_DELIVERY_RETRY_MAX_MS",
                get("PAYLINK_DELIVERY_RETRY_MAX_MS"),
                600_000,
                1..=86_400_000,
            )?),
        };
        let dispatch = DispatchSettings {
            lease: Duration::from_secs(lease_secs),
            poll: Duration::from_millis(in_range(
                "PAYLINK_DELIVERY_POLL_MS",
                get("PAYLINK_DELIVERY_POLL_MS"),
                1_000,
                10..=60_000,
            )?),
            retry,
            ..DispatchSettings::default()
        };
        Ok(Self { notifier, dispatch })
    }
}

fn sms_transport(
    get: &impl Fn(&'static str) -> Option<String>,
) -> Result<SmsTransport, ConfigError> {
    let provider = get("PAYLINK_SMS_PROVIDER").unwrap_or_else(|| "file".to_owned());
    match provider.trim().to_ascii_lowercase().as_str() {
        "file" => Ok(SmsTransport::Files {
            path: PathBuf::from(
                get("PAYLINK_SMS_FILE").unwrap_or_else(|| DEFAULT_SMS_FILE.to_owned()),
            ),
        }),
        "twilio" => {
            let required = |variable: &'static str| {
                get(variable).ok_or(ConfigError {
                    variable,
                    message: "is required when PAYLINK_SMS_PROVIDER is twilio".into(),
                })
            };
            let base_url = get("PAYLINK_TWILIO_BASE_URL")
                .unwrap_or_else(|| paylink_notify::DEFAULT_TWILIO_BASE_URL.to_owned());
            let base_url = Url::parse(&base_url).map_err(|e| ConfigError {
                variable: "PAYLINK_TWILIO_BASE_URL",
                message: format!("is not a URL: {e}"),
            })?;
            let sender = match (
                get("PAYLINK_TWILIO_FROM"),
                get("PAYLINK_TWILIO_MESSAGING_SERVICE_SID"),
            ) {
                (Some(from), None) => TwilioSender::From(from),
                (None, Some(sid)) => TwilioSender::MessagingServiceSid(sid),
                (Some(_), Some(_)) => {
                    return Err(ConfigError {
                        variable: "PAYLINK_TWILIO_FROM",
                        message: "give PAYLINK_TWILIO_FROM or PAYLINK_TWILIO_MESSAGING_SERVICE_SID, not both".into(),
                    });
                }
                (None, None) => {
                    return Err(ConfigError {
                        variable: "PAYLINK_TWILIO_FROM",
                        message: "is required when PAYLINK_SMS_PROVIDER is twilio (or give PAYLINK_TWILIO_MESSAGING_SERVICE_SID)".into(),
                    });
                }
            };
            Ok(SmsTransport::Twilio {
                base_url,
                account_sid: required("PAYLINK_TWILIO_ACCOUNT_SID")?,
                auth_token: Secret::new(required("PAYLINK_TWILIO_AUTH_TOKEN")?),
                sender,
            })
        }
        other => Err(ConfigError {
            variable: "PAYLINK_SMS_PROVIDER",
            message: format!("must be file or twilio, not {other:?}"),
        }),
    }
}
