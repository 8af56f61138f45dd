//! Email: turning an [`EmailMessage`] into MIME, then handing it to SMTP or to a file.

mod files;
mod smtp;

use std::{fmt, time::Duration};

use lettre::{
    Message,
    message::{Mailbox, MultiPart, SinglePart},
};

use crate::{
    ConfigError, Delivered, EmailMessage, EmailSettings, EmailTransport, Field, SendError,
};

/// The configured email channel.
pub(crate) struct EmailSender {
    from: Mailbox,
    timeout: Duration,
    transport: Transport,
}

enum Transport {
    Smtp(Box<smtp::SmtpSender>),
    Files(files::FilesSender),
}

/// A message ready to go, with the names derived from its idempotency key.
pub(crate) struct Prepared {
    pub(crate) message: Message,
    pub(crate) message_id: String,
    pub(crate) file_stem: String,
}

impl EmailSender {
    pub(crate) fn new(settings: EmailSettings) -> Result<Self, ConfigError> {
        let from: Mailbox = settings.from.trim().parse().map_err(|_| {
            ConfigError::new(
                Field::EmailFrom,
                "not a valid mailbox (expected e.g. \"Paylink <no-reply@example.com>\")",
            )
        })?;
        let transport = match settings.transport {
            EmailTransport::Smtp { url } => {
                Transport::Smtp(Box::new(smtp::SmtpSender::new(&url, settings.timeout)?))
            }
            EmailTransport::Files { dir } => Transport::Files(files::FilesSender::new(dir)),
        };
        Ok(EmailSender {
            from,
            timeout: settings.timeout,
            transport,
        })
    }

    pub(crate) async fn send(&self, message: &EmailMessage) -> Result<Delivered, SendError> {
        let prepared = self.prepare(message)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(prepared).await,
            Transport::Files(files) => files.send(prepared).await,
        }
    }

    fn prepare(&self, message: &EmailMessage) -> Result<Prepared, SendError> {
        if message.idempotency_key.is_empty() {
            return Err(SendError::Permanent("the idempotency key is empty".into()));
        }
        let to: Mailbox = message.to.trim().parse().map_err(|error| {
            SendError::Permanent(format!(
                "invalid recipient address {:?}: {error}",
                message.to
            ))
        })?;
        let file_stem = safe_token(&message.idempotency_key);
        // The sender's domain makes the id globally unique as RFC 5322 asks, and some spam
        // filters score ids without a real domain.
        let message_id = format!("<{file_stem}@{}>", self.from.email.domain());
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str())
            .message_id(Some(message_id.clone()));
        let built = if message.html.is_empty() {
            builder.singlepart(SinglePart::plain(message.text.clone()))
        } else {
            builder.multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
        };
        let message = built.map_err(|error| {
            SendError::Permanent(format!("the email could not be built: {error}"))
        })?;
        Ok(Prepared {
            message,
            message_id,
            file_stem,
        })
    }
}

/// Maps an idempotency key to text that is safe both inside a Message-ID and as a file name,
/// while keeping distinct keys distinct: ASCII letters, digits, `-` and `_` stay, every other
/// byte becomes `=XX`.
fn safe_token(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("={byte:02X}"));
        }
    }
    out
}

impl fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Email");
        s.field("from", &self.from.to_string());
        match &self.transport {
            Transport::Smtp(smtp) => s.field("smtp", smtp),
            Transport::Files(files) => s.field("files", files),
        };
        s.field("timeout", &self.timeout).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_token;

    #[test]
    fn safe_token_keeps_plain_keys_and_escapes_the_rest() {
        assert_eq!(safe_token("ntf_01HZX-abc"), "ntf_01HZX-abc");
        assert_eq!(safe_token("a/b.c"), "a=2Fb=2Ec");
        assert_eq!(safe_token("a=2F"), "a=3D2F");
        assert_ne!(safe_token("a/b"), safe_token("a=2Fb"));
    }
}
