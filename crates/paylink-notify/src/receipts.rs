//! What a provider says about a message after it accepted it: Twilio's status callbacks.
//!
//! Twilio posts `application/x-www-form-urlencoded` status changes of a message (`MessageSid`,
//! `MessageStatus`, `ErrorCode`, ...) to the `StatusCallback` URL given when it was created, and
//! signs each request with `X-Twilio-Signature`: Base64 of HMAC-SHA1, keyed by the account's auth
//! token, over the full URL it called followed by every POST parameter's name and value, sorted
//! by name. Twilio promises neither a single call per change nor their order, so a receipt
//! carries a rank: a later state never gives way to an earlier one.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use sha1::Sha1;

use crate::Secret;

/// Where a message stands after the provider's word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptState {
    /// Taken by the provider and on its way (Twilio: accepted, scheduled, queued, sending, sent).
    Accepted,
    /// The carrier or handset confirmed it (Twilio: delivered, read).
    Delivered,
    /// It did not reach the recipient (Twilio: undelivered, failed, canceled).
    Undelivered,
}

/// One status change of a message, as the provider reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The provider's id of the message (Twilio's `MessageSid`).
    pub provider_message_id: String,
    /// The provider's own word for the state, e.g. `delivered`.
    pub provider_status: String,
    /// Orders the states: a receipt whose rank is not above the one recorded is old news.
    pub rank: i16,
    /// What the state means for the delivery.
    pub state: ReceiptState,
    /// The provider's error code with a failure (Twilio's `ErrorCode`, e.g. `30003`).
    pub error_code: Option<String>,
}

/// Why a status callback is not a receipt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// A required parameter is missing or empty.
    #[error("the callback has no {0}")]
    Missing(&'static str),
    /// `MessageStatus` holds a value Twilio does not document for messages.
    #[error("unknown message status {0:?}")]
    UnknownStatus(String),
}

/// Checks and reads Twilio's webhooks for one account.
#[derive(Clone)]
pub struct TwilioWebhooks {
    auth_token: Secret,
}

impl fmt::Debug for TwilioWebhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioWebhooks")
            .field("auth_token", &self.auth_token)
            .finish()
    }
}

impl TwilioWebhooks {
    /// Webhooks signed with this account's auth token.
    pub fn new(auth_token: Secret) -> Self {
        Self { auth_token }
    }

    /// Whether `signature` (the `X-Twilio-Signature` header) is Twilio's for a POST of `params`
    /// to `url`, the full URL Twilio was given, query included. The comparison takes the same
    /// time wherever the first difference is.
    pub fn verify(&self, url: &str, params: &[(String, String)], signature: &str) -> bool {
        let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim())
        else {
            return false;
        };
        signer(self.auth_token.expose(), url, params)
            .verify_slice(&expected)
            .is_ok()
    }

    /// The receipt a verified status callback carries.
    pub fn status_receipt(params: &[(String, String)]) -> Result<Receipt, ReceiptError> {
        let field = |name: &'static str| {
            params
                .iter()
                .find(|(key, value)| key == name && !value.trim().is_empty())
                .map(|(_, value)| value.trim().to_owned())
        };
        let provider_message_id = field("MessageSid")
            .or_else(|| field("SmsSid"))
            .ok_or(ReceiptError::Missing("MessageSid"))?;
        let provider_status = field("MessageStatus")
            .or_else(|| field("SmsStatus"))
            .ok_or(ReceiptError::Missing("MessageStatus"))?
            .to_ascii_lowercase();
        let (rank, state) = twilio_status(&provider_status)
            .ok_or_else(|| ReceiptError::UnknownStatus(provider_status.clone()))?;
        Ok(Receipt {
            provider_message_id,
            provider_status,
            rank,
            state,
            error_code: field("ErrorCode").filter(|code| code != "0"),
        })
    }
}

/// Twilio's message states in the order a message passes through them, with what each means.
/// The final states share the top rank: once one is recorded, no other replaces it.
fn twilio_status(status: &str) -> Option<(i16, ReceiptState)> {
    use ReceiptState::{Accepted, Delivered, Undelivered};
    Some(match status {
        "accepted" | "scheduled" => (1, Accepted),
        "queued" => (2, Accepted),
        "sending" => (3, Accepted),
        "sent" => (4, Accepted),
        "delivered" | "undelivered" | "failed" | "canceled" | "partially_delivered" => (
            5,
            if status == "delivered" || status == "partially_delivered" {
                Delivered
            } else {
                Undelivered
            },
        ),
        // Read receipts (WhatsApp, RCS) come after delivery.
        "read" => (6, Delivered),
        _ => return None,
    })
}

/// The MAC Twilio computes: the URL, then each parameter's name and value, sorted by name (and,
/// for a repeated name, by value).
fn signer(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The `X-Twilio-Signature` Twilio would send for `params` posted to `url`.
#[cfg(test)]
fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(signer(auth_token, url, params).finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The example of Twilio's request-validation documentation and of its SDKs' tests.
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn example() -> Vec<(String, String)> {
        pairs(&[
            ("Digits", "1234"),
            ("To", "+18005551212"),
            ("From", "+14158675309"),
            ("Caller", "+14158675309"),
            ("CallSid", "CA1234567890ABCDE"),
        ])
    }

    #[test]
    fn signs_as_twilio_documents() {
        assert_eq!(twilio_signature("12345", URL, &example()), EXPECTED);
        let webhooks = TwilioWebhooks::new(Secret::new("12345"));
        assert!(webhooks.verify(URL, &example(), EXPECTED));
    }

    #[test]
    fn refuses_any_change_to_what_was_signed() {
        let webhooks = TwilioWebhooks::new(Secret::new("12345"));
        let mut tampered = example();
        tampered[0].1 = "9999".into();
        assert!(!webhooks.verify(URL, &tampered, EXPECTED));
        let mut extra = example();
        extra.push(("ErrorCode".into(), "30003".into()));
        assert!(!webhooks.verify(URL, &extra, EXPECTED));
        assert!(!webhooks.verify(
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &example(),
            EXPECTED
        ));
        assert!(!webhooks.verify(
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            &example(),
            EXPECTED
        ));
        assert!(!TwilioWebhooks::new(Secret::new("12346")).verify(URL, &example(), EXPECTED));
        assert!(!webhooks.verify(URL, &example(), ""));
        assert!(!webhooks.verify(URL, &example(), "not base64!"));
        assert!(!webhooks.verify(URL, &example(), "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
    }

    #[test]
    fn reads_a_status_callback() {
        let receipt = TwilioWebhooks::status_receipt(&pairs(&[
            ("MessageSid", "SM1"),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ]))
        .expect("a receipt");
        assert_eq!(receipt.state, ReceiptState::Undelivered);
        assert_eq!(receipt.error_code.as_deref(), Some("30003"));
        assert_eq!(receipt.provider_message_id, "SM1");

        let sent =
            TwilioWebhooks::status_receipt(&pairs(&[("SmsSid", "SM1"), ("SmsStatus", "sent")]))
                .expect("the legacy names");
        let delivered = TwilioWebhooks::status_receipt(&pairs(&[
            ("MessageSid", "SM1"),
            ("MessageStatus", "delivered"),
        ]))
        .expect("a receipt");
        assert!(sent.rank < delivered.rank);
        assert_eq!(sent.state, ReceiptState::Accepted);

        assert_eq!(
            TwilioWebhooks::status_receipt(&pairs(&[("MessageSid", "SM1")])),
            Err(ReceiptError::Missing("MessageStatus"))
        );
        assert_eq!(
            TwilioWebhooks::status_receipt(&pairs(&[
                ("MessageSid", "SM1"),
                ("MessageStatus", "teleported")
            ])),
            Err(ReceiptError::UnknownStatus("teleported".into()))
        );
    }
}
