//! What the dispatcher hands over and what it gets back.

/// One email to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// Recipient mailbox: `someone@example.com` or `Name <someone@example.com>`.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body, for clients that do not show HTML.
    pub text: String,
    /// HTML body; when empty the email is sent as plain text only.
    pub html: String,
    /// Stable across retries of the same notification: it becomes the Message-ID (so receivers
    /// can spot a duplicate) and, for the files transport, the file name.
    pub idempotency_key: String,
}

/// One text message to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// Recipient phone number in E.164 form, e.g. `+14155552671`.
    pub to: String,
    /// Message text.
    pub body: String,
    /// Stable across retries of the same notification: it names the attempt in logs and the
    /// line of the file transport. Twilio's Messages API takes no idempotency key (a second
    /// request is a second text), so nothing of it goes there.
    pub idempotency_key: String,
    /// Where the provider should post the message's status changes (Twilio's
    /// `StatusCallback`), when receipts are wanted.
    pub status_callback: Option<String>,
}

/// What a successful attempt reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The provider's id for the message, kept so that support can trace it: the Message-ID
    /// for SMTP, Twilio's `SM…` sid, or the file name / line id for the files transports.
    pub provider_message_id: Option<String>,
}
