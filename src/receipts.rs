//! Delivery receipts: the address at which providers report on the messages paylink sent, and
//! how a delivery is named in it. The dispatcher gives each text message its callback URL; the
//! HTTP layer takes the callbacks (`http::twilio_status`).

use paylink_notify::TwilioWebhooks;

/// The path under which Twilio's status callbacks arrive, followed by the delivery's id.
pub const TWILIO_STATUS_PATH: &str = "/webhooks/twilio/status/";

/// Where receipts are asked to go, and how their signatures are checked.
#[derive(Clone, Debug)]
pub struct Receipts {
    /// paylink's address as providers reach it (`PAYLINK_PUBLIC_BASE_URL`), no trailing slash.
    public_base_url: String,
    /// Checks Twilio's signatures.
    pub twilio: TwilioWebhooks,
}

impl Receipts {
    /// Receipts at `public_base_url`, checked with `twilio`.
    pub fn new(public_base_url: String, twilio: TwilioWebhooks) -> Self {
        Self {
            public_base_url,
            twilio,
        }
    }

    /// The `StatusCallback` URL of a delivery's text message.
    pub fn twilio_status_callback(&self, delivery_id: &str) -> String {
        format!("{}{TWILIO_STATUS_PATH}{delivery_id}", self.public_base_url)
    }

    /// The URL Twilio called to reach `path_and_query` here: what it signed. Behind a proxy the
    /// request's own Host and scheme are the proxy's business; the public address is configured.
    pub fn signed_url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_base_url)
    }
}

/// The delivery a status callback's path names, if it names one.
pub fn delivery_of_twilio_status(path: &str) -> Option<&str> {
    path.strip_prefix(TWILIO_STATUS_PATH)
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

#[cfg(test)]
mod tests {
    use paylink_notify::Secret;

    use super::*;

    #[test]
    fn a_callback_url_names_its_delivery() {
        let receipts = Receipts::new(
            "https://api.example.com/paylink".into(),
            TwilioWebhooks::new(Secret::new("token")),
        );
        let url = receipts.twilio_status_callback("dlv_123");
        assert_eq!(
            url,
            "https://api.example.com/paylink/webhooks/twilio/status/dlv_123"
        );
        let path = "/webhooks/twilio/status/dlv_123";
        assert_eq!(receipts.signed_url(path), url);
        assert_eq!(delivery_of_twilio_status(path), Some("dlv_123"));
        assert_eq!(delivery_of_twilio_status("/webhooks/twilio/status/"), None);
        assert_eq!(
            delivery_of_twilio_status("/webhooks/twilio/status/a/b"),
            None
        );
        assert_eq!(delivery_of_twilio_status("/graphql"), None);
    }
}
