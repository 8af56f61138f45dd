//! Settings of link delivery: where email and text messages go, and how the dispatcher retries.
//! Without any of them set, email is written to `.eml` files and SMS to a JSON-lines file under
//! `.paylink/outbox/`, so development needs no provider.

use std::path::PathBuf;
use std::time::Duration;

use paylink_notify::{
    EmailSettings, EmailTransport, Field, Notifier, OutboundPolicy, Secret, SmsSettings,
    SmsTransport, TwilioSender,
};
use url::Url;

use super::ConfigError;
use super::settings::{self, Setting};
use crate::dispatch::{CLAIM_BATCH, DispatchSettings, RetryPolicy};

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
        get: &impl Fn(&Setting) -> Option<String>,
        outbound: &OutboundPolicy,
    ) -> Result<Self, ConfigError> {
        let text = |setting: &Setting| setting.text(get(setting)).unwrap_or_default();
        let timeout = Duration::from_millis(
            settings::DELIVERY_TIMEOUT_MS.number(get(&settings::DELIVERY_TIMEOUT_MS))?,
        );
        let email = EmailSettings {
            transport: match get(&settings::SMTP_URL) {
                Some(url) => EmailTransport::Smtp {
                    url: Secret::new(url),
                },
                None => EmailTransport::Files {
                    dir: PathBuf::from(text(&settings::EMAIL_DIR)),
                },
            },
            from: text(&settings::EMAIL_FROM),
            timeout,
        };
        let sms = SmsSettings {
            transport: sms_transport(get)?,
            timeout,
        };
        let notifier =
            Notifier::new(email, sms, outbound.clone()).map_err(|error| ConfigError {
                variable: setting_of(error.field).env,
                message: error.message,
            })?;
        let lease_secs: u64 =
            settings::DELIVERY_LEASE_SECS.number(get(&settings::DELIVERY_LEASE_SECS))?;
        if Duration::from_secs(lease_secs) <= timeout {
            return Err(ConfigError {
                variable: settings::DELIVERY_LEASE_SECS.env,
                message: format!(
                    "must be longer than {} ({} ms), or a slow attempt could be taken over and \
                     sent twice",
                    settings::DELIVERY_TIMEOUT_MS.env,
                    timeout.as_millis()
                ),
            });
        }
        let retry = RetryPolicy {
            max_attempts: settings::DELIVERY_MAX_ATTEMPTS
                .number(get(&settings::DELIVERY_MAX_ATTEMPTS))?,
            max_age: Duration::from_secs(
                settings::DELIVERY_MAX_AGE_SECS.number(get(&settings::DELIVERY_MAX_AGE_SECS))?,
            ),
            base_delay: Duration::from_millis(
                settings::DELIVERY_RETRY_BASE_MS.number(get(&settings::DELIVERY_RETRY_BASE_MS))?,
            ),
            max_delay: Duration::from_millis(
                settings::DELIVERY_RETRY_MAX_MS.number(get(&settings::DELIVERY_RETRY_MAX_MS))?,
            ),
        };
        let callback_max_age = Duration::from_secs(
            settings::CALLBACK_MAX_AGE_SECS.number(get(&settings::CALLBACK_MAX_AGE_SECS))?,
        );
        let callback_max_delay = Duration::from_millis(
            settings::CALLBACK_RETRY_MAX_MS.number(get(&settings::CALLBACK_RETRY_MAX_MS))?,
        );
        let callback_retry = RetryPolicy {
            max_attempts: settings::CALLBACK_MAX_ATTEMPTS
                .number(get(&settings::CALLBACK_MAX_ATTEMPTS))?,
            max_age: callback_max_age,
            base_delay: retry.base_delay,
            max_delay: callback_max_delay,
        };
        let dispatch = DispatchSettings {
            batch: CLAIM_BATCH,
            lease: Duration::from_secs(lease_secs),
            poll: Duration::from_millis(
                settings::DELIVERY_POLL_MS.number(get(&settings::DELIVERY_POLL_MS))?,
            ),
            retry,
            callback_retry,
            settle_after: Duration::from_secs(
                settings::DELIVERY_SETTLE_SECS.number(get(&settings::DELIVERY_SETTLE_SECS))?,
            ),
        };
        Ok(Self { notifier, dispatch })
    }
}

/// The setting a field of the notifier's settings is read from.
fn setting_of(field: Field) -> &'static Setting {
    match field {
        Field::SmtpUrl => &settings::SMTP_URL,
        Field::EmailFrom => &settings::EMAIL_FROM,
        Field::TwilioBaseUrl => &settings::TWILIO_BASE_URL,
        Field::TwilioAccountSid => &settings::TWILIO_ACCOUNT_SID,
        Field::TwilioAuthToken => &settings::TWILIO_AUTH_TOKEN,
        Field::TwilioFrom => &settings::TWILIO_FROM,
        Field::TwilioMessagingServiceSid => &settings::TWILIO_MESSAGING_SERVICE_SID,
        Field::CallbackClient => &settings::DELIVERY_TIMEOUT_MS,
    }
}

fn sms_transport(get: &impl Fn(&Setting) -> Option<String>) -> Result<SmsTransport, ConfigError> {
    let provider = settings::SMS_PROVIDER
        .text(get(&settings::SMS_PROVIDER))
        .unwrap_or_default();
    match provider.trim().to_ascii_lowercase().as_str() {
        "file" => Ok(SmsTransport::Files {
            path: PathBuf::from(
                settings::SMS_FILE
                    .text(get(&settings::SMS_FILE))
                    .unwrap_or_default(),
            ),
        }),
        "twilio" => {
            let required = |setting: &Setting| {
                get(setting).ok_or(ConfigError {
                    variable: setting.env,
                    message: format!("is required when {} is twilio", settings::SMS_PROVIDER.env),
                })
            };
            let base_url = settings::TWILIO_BASE_URL
                .text(get(&settings::TWILIO_BASE_URL))
                .unwrap_or_default();
            let base_url = Url::parse(&base_url).map_err(|e| ConfigError {
                variable: settings::TWILIO_BASE_URL.env,
                message: format!("is not a URL: {e}"),
            })?;
            let (from, service) = (
                &settings::TWILIO_FROM,
                &settings::TWILIO_MESSAGING_SERVICE_SID,
            );
            let sender = match (get(from), get(service)) {
                (Some(from), None) => TwilioSender::From(from),
                (None, Some(sid)) => TwilioSender::MessagingServiceSid(sid),
                (Some(_), Some(_)) => {
                    return Err(ConfigError {
                        variable: from.env,
                        message: format!("give {} or {}, not both", from.env, service.env),
                    });
                }
                (None, None) => {
                    return Err(ConfigError {
                        variable: from.env,
                        message: format!(
                            "is required when {} is twilio (or give {})",
                            settings::SMS_PROVIDER.env,
                            service.env
                        ),
                    });
                }
            };
            Ok(SmsTransport::Twilio {
                base_url,
                account_sid: required(&settings::TWILIO_ACCOUNT_SID)?,
                auth_token: Secret::new(required(&settings::TWILIO_AUTH_TOKEN)?),
                sender,
            })
        }
        other => Err(ConfigError {
            variable: settings::SMS_PROVIDER.env,
            message: format!("must be file or twilio, not {other:?}"),
        }),
    }
}
