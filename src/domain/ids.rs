//! Public ids of the rows the service creates.

use rand::distr::{Alphanumeric, SampleString};

/// Random characters in a payment link id after its `pt_link_` prefix.
const LINK_ID_RANDOM_CHARS: usize = 24;
/// Random characters in a merchant id after its `mer_` prefix.
const MERCHANT_UID_RANDOM_CHARS: usize = 20;

/// A new payment link id: `pt_link_` and 24 random URL-safe characters (about 143 bits).
pub fn new_link_id() -> String {
    format!(
        "pt_link_{}",
        Alphanumeric.sample_string(&mut rand::rng(), LINK_ID_RANDOM_CHARS)
    )
}

/// A new merchant id: `mer_` and 20 random URL-safe characters.
pub fn new_merchant_uid() -> String {
    format!(
        "mer_{}",
        Alphanumeric.sample_string(&mut rand::rng(), MERCHANT_UID_RANDOM_CHARS)
    )
}

/// A new contact id: `ct_` and 24 random URL-safe characters.
pub fn new_contact_id() -> String {
    format!("ct_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// A new payment-plan session id: `pps_` and 24 random URL-safe characters.
pub fn new_session_id() -> String {
    format!("pps_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// A new delivery id: `dlv_` and 24 random URL-safe characters.
pub fn new_delivery_id() -> String {
    format!("dlv_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// A new checkout id: `co_` and 24 random URL-safe characters. It is in the payer's URLs, so it
/// is as hard to guess as a link id.
pub fn new_checkout_id() -> String {
    format!("co_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// A new payment id: `pay_` and 24 random URL-safe characters.
pub fn new_payment_id() -> String {
    format!("pay_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// A new refund id: `re_pl_` and 24 random URL-safe characters (`re_` alone is Stripe's).
pub fn new_refund_id() -> String {
    format!("re_pl_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// Random characters of a payer's attempt key.
const ATTEMPT_KEY_CHARS: usize = 24;

/// A new key for a payer's attempt at a link: 24 random URL-safe characters.
pub fn new_attempt_key() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), ATTEMPT_KEY_CHARS)
}

/// Whether `text` has the shape of an attempt key.
pub fn is_attempt_key(text: &str) -> bool {
    text.len() == ATTEMPT_KEY_CHARS && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A new callback event id: `evt_` and 24 random URL-safe characters; a merchant's server
/// de-duplicates callbacks by it.
pub fn new_event_id() -> String {
    format!("evt_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_ids_have_the_prefix_and_enough_url_safe_randomness() {
        let id = new_link_id();
        let random = id.strip_prefix("pt_link_").unwrap();
        assert!(random.len() >= 20);
        assert!(random.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(new_link_id(), id);
    }
}
