//! Text messages: Twilio, or a file for development.

mod files;
pub(crate) mod twilio;

use std::fmt;

use crate::{ConfigError, Delivered, SendError, SmsMessage, SmsSettings, SmsTransport};

/// The configured SMS channel.
pub(crate) enum SmsSender {
    Twilio(twilio::TwilioClient),
    Files(files::FilesSender),
}

impl SmsSender {
    pub(crate) fn new(settings: SmsSettings) -> Result<Self, ConfigError> {
        Ok(match settings.transport {
            SmsTransport::Twilio {
                base_url,
                account_sid,
                auth_token,
                sender,
            } => SmsSender::Twilio(twilio::TwilioClient::new(
                base_url,
                account_sid,
                auth_token,
                sender,
                settings.timeout,
            )?),
            SmsTransport::Files { path } => SmsSender::Files(files::FilesSender::new(path)),
        })
    }

    pub(crate) fn twilio_webhooks(&self) -> Option<crate::TwilioWebhooks> {
        match self {
            SmsSender::Twilio(twilio) => Some(twilio.webhooks()),
            SmsSender::Files(_) => None,
        }
    }

    /// The messages the provider holds like `message` since `since`: see
    /// [`crate::Notifier::find_sms`].
    pub(crate) async fn find(
        &self,
        message: &SmsMessage,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Delivered>, SendError> {
        match self {
            SmsSender::Twilio(twilio) => twilio.find(message, since).await,
            // A line is written whole or not at all, and then the attempt answered.
            SmsSender::Files(_) => Ok(Vec::new()),
        }
    }

    pub(crate) async fn send(&self, message: &SmsMessage) -> Result<Delivered, SendError> {
        match self {
            SmsSender::Twilio(twilio) => twilio.send(message).await,
            SmsSender::Files(files) => files.send(message).await,
        }
    }
}

impl fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsSender::Twilio(twilio) => twilio.fmt(f),
            SmsSender::Files(files) => files.fmt(f),
        }
    }
}
