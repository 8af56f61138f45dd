//! Resolves the request's API key to its merchant.

use http::{HeaderMap, HeaderValue, StatusCode, header};
use paylink_store::{Store, StoreError};

use super::key_cache::{KeyCache, ResolvedKey};
use super::responses::{self, Body};
use crate::api_keys;

/// Who a request acts as.
#[derive(Clone, Debug)]
pub(super) struct Caller {
    /// The API key's row id, the unit of rate limiting.
    pub(super) key_id: i64,
    /// The key's merchant.
    pub(super) merchant_uid: String,
}

/// The caller of the request's `Authorization: Bearer` key, or the response that refuses it.
pub(super) async fn caller(
    store: &Store,
    cache: &KeyCache,
    headers: &HeaderMap,
) -> Result<Caller, http::Response<Body>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthenticated(
            "missing API key: send Authorization: Bearer <api-key>",
        ));
    };
    let Some(key) = value.to_str().ok().and_then(api_keys::bearer_token) else {
        return Err(unauthenticated(
            "malformed Authorization header: expected Bearer <api-key>",
        ));
    };
    let digest = api_keys::digest(key);
    if let Some(resolved) = cache.get(&digest) {
        return Ok(Caller {
            key_id: resolved.key_id,
            merchant_uid: resolved.merchant_uid,
        });
    }
    let key = key.to_owned();
    match store
        .run(move |conn| api_keys::authenticate(conn, &key))
        .await
    {
        Ok(Some(record)) => {
            cache.put(
                digest,
                ResolvedKey {
                    key_id: record.id,
                    merchant_uid: record.merchant_uid.clone(),
                },
            );
            Ok(Caller {
                key_id: record.id,
                merchant_uid: record.merchant_uid,
            })
        }
        Ok(None) => Err(unauthenticated("invalid or revoked API key")),
        Err(StoreError::Unavailable(detail)) => {
            tracing::warn!(error = %detail, "database unavailable while checking an API key");
            Err(responses::graphql_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the service is temporarily unavailable; try again shortly",
            ))
        }
        Err(error) => {
            tracing::error!(%error, "checking an API key failed");
            Err(responses::graphql_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            ))
        }
    }
}

fn unauthenticated(message: &str) -> http::Response<Body> {
    let mut response =
        responses::graphql_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}
