//! The two ways things go wrong: at start (configuration) and per attempt (sending).

/// Why an attempt failed.
///
/// Display is the provider's reason, fit to store in `lastError` shown to merchants: it never
/// contains credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: connection refused/reset, timeouts, DNS, SMTP 4xx, HTTP 429 and 5xx.
    #[error("{0}")]
    Transient(String),
    /// Worth retrying, but not before the provider said (HTTP 429 with `Retry-After`).
    #[error("{reason}")]
    Throttled {
        /// The provider's reply.
        reason: String,
        /// How long the provider asked to wait.
        retry_after: std::time::Duration,
    },
    /// Retrying will not help: SMTP 5xx (e.g. 550 mailbox unavailable), provider 4xx (e.g.
    /// Twilio 21211 invalid 'To' number, 20003 authentication failure), a malformed recipient
    /// address.
    #[error("{0}")]
    Permanent(String),
    /// The request may have reached the provider, but no answer came back (a timeout after
    /// connecting, a connection cut before the reply): the message may exist. Sending again
    /// could send it twice; ask the provider first ([`crate::Notifier::find_sms`]).
    #[error("{0}")]
    Unknown(String),
}

impl SendError {
    /// Whether the message certainly was not sent and another attempt may be scheduled.
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient(_) | SendError::Throttled { .. })
    }

    /// How long the provider asked to wait before the next attempt, when it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            SendError::Throttled { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// Whether the provider may have the message although no answer said so.
    pub fn is_unknown(&self) -> bool {
        matches!(self, SendError::Unknown(_))
    }

    /// The reason as stored in `lastError`.
    pub fn reason(&self) -> &str {
        match self {
            SendError::Transient(reason)
            | SendError::Permanent(reason)
            | SendError::Unknown(reason)
            | SendError::Throttled { reason, .. } => reason,
        }
    }
}

/// A setting that cannot be used; start-up should stop and print it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// The setting to fix. The crate knows its settings as values only: the caller knows where
    /// each came from (an environment variable, a file) and names it so.
    pub field: Field,
    /// What is wrong with it; never the value of a secret.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(field: Field, message: impl Into<String>) -> Self {
        ConfigError {
            field,
            message: message.into(),
        }
    }
}

/// A field of [`EmailSettings`](crate::EmailSettings) or [`SmsSettings`](crate::SmsSettings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The SMTP URL of [`EmailTransport::Smtp`](crate::EmailTransport::Smtp).
    SmtpUrl,
    /// [`EmailSettings::from`](crate::EmailSettings::from).
    EmailFrom,
    /// Twilio's `base_url`.
    TwilioBaseUrl,
    /// Twilio's `account_sid`.
    TwilioAccountSid,
    /// Twilio's `auth_token`.
    TwilioAuthToken,
    /// [`TwilioSender::From`](crate::TwilioSender::From).
    TwilioFrom,
    /// [`TwilioSender::MessagingServiceSid`](crate::TwilioSender::MessagingServiceSid).
    TwilioMessagingServiceSid,
    /// The HTTP client of merchants' callbacks (built with the SMS timeout).
    CallbackClient,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SmtpUrl => "SMTP URL",
            Self::EmailFrom => "email sender",
            Self::TwilioBaseUrl => "Twilio base URL",
            Self::TwilioAccountSid => "Twilio account SID",
            Self::TwilioAuthToken => "Twilio auth token",
            Self::TwilioFrom => "Twilio sender number",
            Self::TwilioMessagingServiceSid => "Twilio messaging service SID",
            Self::CallbackClient => "callback HTTP client",
        })
    }
}
