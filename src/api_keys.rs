//! API keys: making them, hashing them, and resolving a presented key to its merchant.
//!
//! A key is `plk_` followed by 40 random alphanumeric characters (about 238 bits). Only its
//! SHA-256 digest is stored: with that much entropy a fast hash cannot be brute-forced, and a
//! lookup by digest costs one index probe. The first 12 characters are kept in clear as the
//! key's prefix, so that keys can be listed and revoked without being shown.

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use paylink_store::{Store, StoreError, api_keys};

/// Every key starts with this.
pub const KEY_PREFIX: &str = "plk_";
/// Random characters after [`KEY_PREFIX`].
const RANDOM_CHARS: usize = 40;
/// Length of the visible prefix stored in clear.
const VISIBLE_CHARS: usize = 12;

/// A freshly made key, shown once and never stored in clear.
pub struct IssuedKey {
    /// The whole key, to hand to the merchant.
    pub key: String,
    /// The stored row.
    pub record: api_keys::ApiKey,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key", &"***")
            .field("record", &self.record)
            .finish()
    }
}

/// The digest under which a key is stored.
pub fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A new random key, not stored yet.
pub fn generate() -> String {
    format!(
        "{KEY_PREFIX}{}",
        Alphanumeric.sample_string(&mut rand::rng(), RANDOM_CHARS)
    )
}

/// The visible prefix stored in clear beside a key's digest.
pub fn visible_prefix(key: &str) -> &str {
    &key[..VISIBLE_CHARS.min(key.len())]
}

/// Makes a key for the merchant and stores its digest.
pub async fn issue(
    store: &Store,
    merchant_uid: &str,
    label: Option<&str>,
) -> Result<IssuedKey, StoreError> {
    let key = generate();
    let record = store
        .insert_key(merchant_uid, visible_prefix(&key), digest(&key), label)
        .await?;
    Ok(IssuedKey { key, record })
}

/// Whether `key` has the shape of a key this service issues, so that anything else is refused
/// without a database round trip (or a pool connection).
pub fn is_well_formed(key: &str) -> bool {
    key.len() == KEY_PREFIX.len() + RANDOM_CHARS
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

/// The merchant of an unrevoked key, or `None` for an unknown or revoked key.
pub async fn merchant_of(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    if !is_well_formed(key) {
        return Ok(None);
    }
    Ok(store
        .find_active_key(digest(key))
        .await?
        .map(|record| record.merchant_uid))
}

/// The key in an `Authorization: Bearer <key>` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_tokens() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[test]
    fn only_keys_of_the_issued_shape_are_well_formed() {
        let key = format!("{KEY_PREFIX}{}", "a".repeat(RANDOM_CHARS));
        assert!(is_well_formed(&key));
        assert!(!is_well_formed(&key[1..]));
        assert!(!is_well_formed(&format!("{key}a")));
        assert!(!is_well_formed(&format!(
            "{KEY_PREFIX}{}",
            "é".repeat(RANDOM_CHARS / 2)
        )));
        assert!(!is_well_formed(&format!(
            "xyz_{}",
            "a".repeat(RANDOM_CHARS)
        )));
    }

    #[test]
    fn digest_is_sha256() {
        assert_eq!(
            digest("abc")[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256 of \"abc\" starts ba7816bf"
        );
    }
}
