//! The checks before a link is queued for delivery. A refused send is not an error of the
//! request: the contract answers it with `success: false` and one of these messages.

use super::contact_rules;

/// How a link is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// By email.
    Email,
    /// By SMS.
    Phone,
}

impl Channel {
    /// The stored and served name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Phone => "Phone",
        }
    }

    /// The channel stored under `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        [Self::Email, Self::Phone]
            .into_iter()
            .find(|channel| channel.as_str() == name)
    }
}

/// Why a send was refused, in words for the merchant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendRefusal {
    /// No such session for this merchant.
    #[error("payment plan session {0} not found")]
    SessionNotFound(String),
    /// No such payment link for this merchant.
    #[error("payment link {0} not found")]
    LinkNotFound(String),
    /// The session cannot be used.
    #[error("payment plan session {id} is {status}; only an Active session's link can be sent")]
    SessionNotActive {
        /// The session.
        id: String,
        /// Its status.
        status: String,
    },
    /// The payment link cannot be paid (turned off, expired or used up).
    #[error("payment link {id} is not active ({status}); only an Active link can be sent")]
    LinkNotActive {
        /// The link.
        id: String,
        /// Its status.
        status: String,
    },
    /// Neither an override nor the contact gives an address for the channel.
    #[error("no recipient: {0}")]
    NoRecipient(String),
    /// The `to` override is malformed.
    #[error("invalid `to`: {0}")]
    InvalidRecipient(String),
}

/// The recipient for `channel`: the `to` override when given (checked), else the contact's.
pub fn recipient(
    channel: Channel,
    to: Option<&str>,
    contact_email: Option<&str>,
    contact_phone: Option<&str>,
    contact_id: Option<&str>,
) -> Result<String, SendRefusal> {
    if let Some(to) = to {
        return match channel {
            Channel::Email => contact_rules::email("to", to),
            Channel::Phone => contact_rules::phone("to", to),
        }
        .map_err(|invalid| SendRefusal::InvalidRecipient(invalid.message));
    }
    let (stored, what) = match channel {
        Channel::Email => (contact_email, "an email address"),
        Channel::Phone => (contact_phone, "a phone number"),
    };
    match (stored, contact_id) {
        (Some(address), _) => Ok(address.to_owned()),
        (None, Some(contact)) => Err(SendRefusal::NoRecipient(format!(
            "contact {contact} has no {} and no `to` override was provided",
            what.trim_start_matches("an ").trim_start_matches("a ")
        ))),
        (None, None) => Err(SendRefusal::NoRecipient(format!(
            "give `to`: {what} to send the link to"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins_and_is_checked() {
        assert_eq!(
            recipient(
                Channel::Email,
                Some("a@b.example"),
                Some("c@d.example"),
                None,
                Some("ct_1")
            ),
            Ok("a@b.example".into())
        );
        assert!(matches!(
            recipient(
                Channel::Phone,
                Some("12345"),
                None,
                Some("+14155552671"),
                Some("ct_1")
            ),
            Err(SendRefusal::InvalidRecipient(_))
        ));
    }

    #[test]
    fn contact_address_is_used_or_missing() {
        assert_eq!(
            recipient(
                Channel::Phone,
                None,
                None,
                Some("+14155552671"),
                Some("ct_1")
            ),
            Ok("+14155552671".into())
        );
        let refusal = recipient(
            Channel::Email,
            None,
            None,
            Some("+14155552671"),
            Some("ct_1"),
        );
        assert_eq!(
            refusal.unwrap_err().to_string(),
            "no recipient: contact ct_1 has no email address and no `to` override was provided"
        );
    }
}
