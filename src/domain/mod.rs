//! Domain rules that do not depend on GraphQL or HTTP: ids, timestamps, payment-link validation
//! and paging arguments. Each module is small and unit-tested.

pub mod checkout_rules;
pub mod contact_rules;
pub mod ids;
pub mod link_sending;
pub mod messages;
pub mod minimums;
pub mod money;
pub mod paging;
pub mod payment_link_rules;
pub mod plan_schedule;
pub mod service_fee;
pub mod session_rules;
#[cfg(test)]
pub(crate) mod test_rows;
pub mod timestamps;
pub mod urls;

/// A client-fixable problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidField {
    /// The field's name as the client spelled it (e.g. `link_name`).
    pub field: String,
    /// What is wrong and what is expected.
    pub message: String,
}

/// Refuses text PostgreSQL cannot store: it rejects NUL characters in text values.
pub fn storable_text(field: &str, value: &str) -> Result<(), InvalidField> {
    if !paylink_store::storable(value) {
        Err(InvalidField::new(field, "must not contain NUL characters"))
    } else {
        Ok(())
    }
}

impl InvalidField {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
