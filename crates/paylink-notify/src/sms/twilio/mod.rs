//! Twilio's Messages API: one POST per attempt, its answer sorted into transient or permanent.

use std::{fmt, time::Duration};

use paylink_provider_kit::{BaseUrlRule, chain, check_base_url, clean, http_client};
use reqwest::StatusCode;
use serde::Deserialize;
use url::Url;

mod find;

use crate::{
    ConfigError, DEFAULT_TWILIO_BASE_URL, Delivered, Field, Secret, SendError, SmsMessage,
    TwilioSender,
};

/// The words of the base-URL check: Twilio's credentials are the account SID and auth token.
const BASE_URL_RULE: BaseUrlRule = BaseUrlRule {
    credential: "auth token",
    credentials_elsewhere: "the account SID and auth token as their own settings",
    example: DEFAULT_TWILIO_BASE_URL,
};

/// The longest `Retry-After` obeyed, so that a wild value does not park a delivery for good.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

pub(crate) struct TwilioClient {
    http: reqwest::Client,
    messages_url: Url,
    account_sid: String,
    auth_token: Secret,
    sender: TwilioSender,
    timeout: Duration,
}

/// The fields of a message resource and of an error body that matter here.
#[derive(Deserialize)]
struct Reply {
    sid: Option<String>,
    code: Option<i64>,
    message: Option<String>,
}

impl TwilioClient {
    pub(crate) fn new(
        base_url: Url,
        account_sid: String,
        auth_token: Secret,
        sender: TwilioSender,
        timeout: Duration,
    ) -> Result<Self, ConfigError> {
        check_base_url(&base_url, &BASE_URL_RULE)
            .map_err(|message| ConfigError::new(Field::TwilioBaseUrl, message))?;
        let account_sid = account_sid.trim().to_owned();
        check_sid(Field::TwilioAccountSid, &account_sid, "AC")?;
        if auth_token.expose().trim().is_empty() {
            return Err(ConfigError::new(
                Field::TwilioAuthToken,
                "must not be empty",
            ));
        }
        let sender = match sender {
            TwilioSender::From(from) => {
                let from = from.trim().to_owned();
                if from.is_empty() || from.chars().any(char::is_control) {
                    return Err(ConfigError::new(
                        Field::TwilioFrom,
                        "must be a Twilio phone number such as +14155552671 or a sender id",
                    ));
                }
                TwilioSender::From(from)
            }
            TwilioSender::MessagingServiceSid(sid) => {
                let sid = sid.trim().to_owned();
                check_sid(Field::TwilioMessagingServiceSid, &sid, "MG")?;
                TwilioSender::MessagingServiceSid(sid)
            }
        };

        let mut messages_url = base_url;
        messages_url
            .path_segments_mut()
            .map_err(|()| ConfigError::new(Field::TwilioBaseUrl, "must be an http(s) URL"))?
            .pop_if_empty()
            .extend(["2010-04-01", "Accounts", &account_sid, "Messages.json"]);

        let http = http_client(
            concat!("paylink-notify/", env!("CARGO_PKG_VERSION")),
            timeout,
        )
        .map_err(|error| ConfigError::new(Field::TwilioBaseUrl, error.to_string()))?;
        Ok(TwilioClient {
            http,
            messages_url,
            account_sid,
            auth_token,
            sender,
            timeout,
        })
    }

    /// Checks webhooks signed with this account's token.
    pub(crate) fn webhooks(&self) -> crate::TwilioWebhooks {
        crate::TwilioWebhooks::new(self.auth_token.clone())
    }

    pub(crate) async fn send(&self, message: &SmsMessage) -> Result<Delivered, SendError> {
        let sender = match &self.sender {
            TwilioSender::From(from) => ("From", from.as_str()),
            TwilioSender::MessagingServiceSid(sid) => ("MessagingServiceSid", sid.as_str()),
        };
        let mut form = vec![
            ("To", message.to.as_str()),
            sender,
            ("Body", message.body.as_str()),
        ];
        if let Some(url) = &message.status_callback {
            form.push(("StatusCallback", url.as_str()));
        }
        let request = self
            .http
            .post(self.messages_url.clone())
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&form);

        let response = request
            .send()
            .await
            .map_err(|error| self.transport_error(error))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        // The body is small; if reading it fails after a 2xx the message was still accepted.
        let body = response.bytes().await;
        let reply = body
            .as_ref()
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Reply>(bytes).ok());

        if status.is_success() {
            return Ok(Delivered {
                provider_message_id: reply.and_then(|reply| reply.sid),
            });
        }
        let reason = self.clean(&error_reason(status, reply));
        match retry_after {
            Some(retry_after) if status == StatusCode::TOO_MANY_REQUESTS => {
                Err(SendError::Throttled {
                    reason,
                    retry_after,
                })
            }
            _ if is_transient(status) => Err(SendError::Transient(reason)),
            _ => Err(SendError::Permanent(reason)),
        }
    }

    /// A request that got no answer. Only one that never connected certainly created no
    /// message: once connected, the request may have reached Twilio before the timeout or the
    /// cut, so the outcome is unknown.
    fn transport_error(&self, error: reqwest::Error) -> SendError {
        let (timeout, connect, builder) =
            (error.is_timeout(), error.is_connect(), error.is_builder());
        // The library's words (DNS, TLS, connection) go to the log only; merchants read
        // `lastError`, where only Twilio's own reply belongs.
        let detail = self.clean(&chain(&error.without_url()));
        tracing::warn!(error = %detail, "Twilio request failed");
        if builder {
            SendError::Permanent("the request to Twilio could not be built".into())
        } else if connect {
            SendError::Transient("could not reach Twilio".into())
        } else if timeout {
            SendError::Unknown(format!("Twilio did not answer within {:?}", self.timeout))
        } else {
            SendError::Unknown("the connection to Twilio broke before it answered".into())
        }
    }

    /// One line, bounded, and never the token, whatever a server or library put in the text.
    fn clean(&self, text: &str) -> String {
        clean(text, &[self.auth_token.expose()])
    }
}

/// `Retry-After` in seconds (the form Twilio uses), capped at [`MAX_RETRY_AFTER`].
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    paylink_provider_kit::retry_after(headers, MAX_RETRY_AFTER)
}

/// Rate limits, server trouble and request timeouts pass, and so may an unexpected redirect
/// (a proxy in the way); any other 4xx is about this request (bad number, bad credentials,
/// account suspended) and repeats on retry.
pub(crate) fn is_transient(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
        || !status.is_client_error()
}

fn error_reason(status: StatusCode, reply: Option<Reply>) -> String {
    let (code, message) = reply
        .map(|reply| (reply.code, reply.message.filter(|m| !m.trim().is_empty())))
        .unwrap_or_default();
    match (code, message) {
        (Some(code), Some(message)) => format!("Twilio {code}: {message}"),
        (Some(code), None) => format!("Twilio {code} (HTTP {status})"),
        (None, Some(message)) => format!("Twilio HTTP {status}: {message}"),
        (None, None) => format!("Twilio HTTP {status}"),
    }
}

/// Twilio SIDs are two letters and 32 hex digits; only the character set is checked, so that
/// test doubles can use short ids, and the prefix is named in the message as a hint.
fn check_sid(field: Field, sid: &str, prefix: &str) -> Result<(), ConfigError> {
    if sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ConfigError::new(
            field,
            format!("must be a Twilio SID ({prefix} followed by 32 hex digits)"),
        ));
    }
    Ok(())
}

impl fmt::Debug for TwilioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Twilio")
            .field("messages_url", &self.messages_url.as_str())
            .field("account_sid", &self.account_sid)
            .field("auth_token", &self.auth_token)
            .field("sender", &self.sender)
            .field("timeout", &self.timeout)
            .finish()
    }
}
