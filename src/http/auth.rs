//! Resolves the request's API key to its merchant: the shape of the key is checked first, so a
//! malformed one costs neither a pool connection nor a blocking thread; then the cache, by
//! digest; then the database.

use http::{HeaderMap, header};
use paylink_store::Store;

use super::key_cache::{KeyCache, ResolvedKey};
use super::refusal::Refusal;
use crate::api_keys;

/// Who a request acts as.
#[derive(Clone, Debug)]
pub(super) struct Caller {
    /// The API key's row id, the unit of rate limiting.
    pub(super) key_id: i64,
    /// The key's merchant.
    pub(super) merchant_uid: String,
}

impl From<ResolvedKey> for Caller {
    fn from(resolved: ResolvedKey) -> Self {
        Self {
            key_id: resolved.key_id,
            merchant_uid: resolved.merchant_uid,
        }
    }
}

/// The caller of the request's `Authorization: Bearer` key.
pub(super) async fn caller(
    store: &Store,
    cache: &KeyCache,
    headers: &HeaderMap,
) -> Result<Caller, Refusal> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Refusal::Unauthenticated(
            "missing API key: send Authorization: Bearer <api-key>",
        ));
    };
    let Some(key) = value.to_str().ok().and_then(api_keys::bearer_token) else {
        return Err(Refusal::Unauthenticated(
            "malformed Authorization header: expected Bearer <api-key>",
        ));
    };
    if !api_keys::is_well_formed(key) {
        return Err(invalid());
    }
    let digest = api_keys::digest(key);
    if let Some(resolved) = cache.get(&digest) {
        return Ok(resolved.into());
    }
    let record = store
        .find_active_key(digest)
        .await
        .map_err(|error| Refusal::from_store(error, "checking an API key"))?
        .ok_or_else(invalid)?;
    let resolved = ResolvedKey {
        key_id: record.id,
        merchant_uid: record.merchant_uid,
    };
    cache.put(digest, resolved.clone());
    Ok(resolved.into())
}

fn invalid() -> Refusal {
    Refusal::Unauthenticated("invalid or revoked API key")
}
