//! Settings the caller hands to [`crate::Notifier::new`], as values: where they came from is its business.

use std::{path::PathBuf, time::Duration};

use url::Url;

use crate::Secret;

/// Twilio's API host, the usual value of [`SmsTransport::Twilio`]'s `base_url`.
pub const DEFAULT_TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// A per-attempt limit that outlasts a slow but working provider and still frees the
/// dispatcher's worker well before the next backoff step.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How email leaves the service.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// Where email goes.
    pub transport: EmailTransport,
    /// Sender mailbox, e.g. `Paylink <no-reply@example.com>`.
    pub from: String,
    /// Upper bound on one attempt, connection and whole SMTP conversation included.
    pub timeout: Duration,
}

/// Where email goes.
#[derive(Debug, Clone)]
pub enum EmailTransport {
    /// SMTP at this URL: `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` (no TLS
    /// unless `tls` says so; port 25, or 587 with `tls`), or `smtps://[user:pass@]host[:port]`
    /// (implicit TLS, port 465). User and password are percent-decoded; a path is used as the
    /// EHLO name.
    Smtp {
        /// The URL; a secret because it may carry the password.
        url: Secret,
    },
    /// Development: each email written as an .eml file into this folder (created if missing),
    /// named `<idempotency_key>.eml`.
    Files {
        /// The folder.
        dir: PathBuf,
    },
}

/// How text messages leave the service.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// Where text messages go.
    pub transport: SmsTransport,
    /// Upper bound on one attempt: the whole HTTP request, connection included.
    pub timeout: Duration,
}

/// Where text messages go.
#[derive(Debug, Clone)]
pub enum SmsTransport {
    /// Twilio's Messages API.
    Twilio {
        /// API root, normally [`DEFAULT_TWILIO_BASE_URL`]; `http://` only for loopback hosts
        /// (tests), since the auth token travels in every request.
        base_url: Url,
        /// Account SID (`AC…`), also the basic-auth user.
        account_sid: String,
        /// Auth token, the basic-auth password.
        auth_token: Secret,
        /// Who the message comes from.
        sender: TwilioSender,
    },
    /// Development: each SMS appended as one JSON line `{"id","to","body","at"}` to this file
    /// (parent folders created).
    Files {
        /// The file.
        path: PathBuf,
    },
}

/// Who a Twilio message comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwilioSender {
    /// A Twilio phone number (E.164) or alphanumeric sender id: form field `From`.
    From(String),
    /// A Messaging Service (`MG…`) that picks the number: form field `MessagingServiceSid`.
    MessagingServiceSid(String),
}
