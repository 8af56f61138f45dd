//! What every outbound provider client shares (Twilio and SMTP in `paylink-notify`, Stripe in
//! `paylink-payments`): a [`Secret`] type, the one-line bounded redacted text of an error
//! ([`chain`], [`tidy`], [`redact`], [`clean`]), `Retry-After` parsing ([`retry_after`]), the
//! base-URL check ([`check_base_url`]), and the reqwest client settings ([`http_client`]).
//!
//! Each provider crate keeps its own words where they differ (which credential travels, which
//! setting to name), and re-exports [`Secret`] so that its callers see one type whichever crate
//! they name it through.
//!
//! ```
//! use paylink_provider_kit::{Secret, clean};
//!
//! let token = Secret::new("tok_123");
//! assert_eq!(format!("{token:?}"), "***");
//! assert_eq!(
//!     clean("refused:\n  token tok_123\tis revoked", &[token.expose()]),
//!     "refused: token *** is revoked"
//! );
//! ```

mod base_url;
mod http;
mod secret;
mod text;

pub use base_url::{BaseUrlRule, check_base_url};
pub use http::{HttpClientError, http_client, retry_after};
pub use secret::Secret;
pub use text::{MAX_REASON_CHARS, chain, clean, redact, tidy};
