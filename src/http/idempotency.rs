//! `Idempotency-Key` on POST requests: the same key and the same body from the same merchant
//! within the configured time return the first response and have no second effect, also when
//! both arrive at once (the second waits for the first). The same key with a different body is
//! refused. The first response is stored unless it is a server error that changed nothing, so a
//! retry after an outage runs again; a batch that wrote before failing is replayed instead.
//!
//! The response is recorded after the request ran, in its own statement. If that write fails
//! (the database went away in between), the key stays locked until its lock runs out and a retry
//! after that runs again: the one case where a keyed request can take effect twice.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use paylink_store::idempotency::{self, Begin, StoredResponse};
use sha2::{Digest, Sha256};

use super::App;
use super::responses::{self, Body};

/// The request header.
const HEADER: &str = "idempotency-key";
/// Longest key accepted.
const MAX_KEY_LEN: usize = 255;
/// How long a running request holds its key against takeover by a retry.
const LOCK: Duration = Duration::from_secs(60);
/// How long a duplicate waits for the first request to finish.
const WAIT: Duration = Duration::from_secs(15);
/// Pause between looks at a running first request.
const POLL: Duration = Duration::from_millis(25);

/// Why a key is refused.
pub(super) const MALFORMED_KEY: &str =
    "Idempotency-Key must be 1 to 255 printable ASCII characters";

/// The request's key: `Ok(None)` without one, `Err` for a malformed one.
pub(super) fn key(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if !key.is_empty()
                && key.len() <= MAX_KEY_LEN
                && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_owned()))
        }
        _ => Err(MALFORMED_KEY),
    }
}

/// What to do with a keyed request.
pub(super) enum Decision {
    /// Run it, then [`finish`].
    Run,
    /// Answer with this (a replay, or a refusal).
    Answer(http::Response<Body>),
}

/// Claims the key for this request, or says how to answer instead.
pub(super) async fn begin(app: &App, merchant_uid: &str, key: &str, body: &Bytes) -> Decision {
    let hash: Vec<u8> = Sha256::digest(body).to_vec();
    let started = tokio::time::Instant::now();
    loop {
        let (merchant_uid, key, hash, ttl) = (
            merchant_uid.to_owned(),
            key.to_owned(),
            hash.clone(),
            app.idempotency_ttl,
        );
        let begun = app
            .store
            .run(move |conn| idempotency::begin(conn, &merchant_uid, &key, &hash, ttl, LOCK))
            .await;
        match begun {
            Ok(Begin::Acquired) => return Decision::Run,
            Ok(Begin::Replay(stored)) => return Decision::Answer(replay(stored)),
            Ok(Begin::Mismatch) => {
                return Decision::Answer(responses::graphql_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was already used with a different request; use a new key",
                ));
            }
            Ok(Begin::InProgress) if started.elapsed() < WAIT => tokio::time::sleep(POLL).await,
            Ok(Begin::InProgress) => {
                return Decision::Answer(responses::graphql_error(
                    StatusCode::CONFLICT,
                    "IDEMPOTENCY_KEY_IN_USE",
                    "a request with this Idempotency-Key is still running; retry later",
                ));
            }
            Err(error) => {
                tracing::warn!(%error, "idempotency check failed");
                return Decision::Answer(responses::graphql_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SERVICE_UNAVAILABLE",
                    "the service is temporarily unavailable; try again shortly",
                ));
            }
        }
    }
}

/// Stores the response for replays and returns it. After a server error that changed nothing
/// (`wrote` is false) the key is forgotten instead, so that a retry runs again; once something
/// was written, even a server error is replayed, so that a retry never writes twice.
pub(super) async fn finish(
    app: &App,
    merchant_uid: &str,
    key: &str,
    response: http::Response<Body>,
    wrote: bool,
) -> http::Response<Body> {
    let (parts, body) = response.into_parts();
    let body: Bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let (merchant_uid, key) = (merchant_uid.to_owned(), key.to_owned());
    let recorded = if forget(parts.status, wrote) {
        app.store
            .run(move |conn| idempotency::release(conn, &merchant_uid, &key))
            .await
    } else {
        let stored = StoredResponse {
            status_code: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_owned(),
            body: body.to_vec(),
        };
        app.store
            .run(move |conn| idempotency::complete(conn, &merchant_uid, &key, &stored))
            .await
    };
    if let Err(error) = recorded {
        // The key stays locked until its lock runs out; a retry then runs again.
        tracing::error!(%error, "recording an idempotent response failed");
    }
    http::Response::from_parts(parts, http_body_util::Full::new(body))
}

/// Whether a finished request's key is forgotten rather than its response stored.
fn forget(status: StatusCode, wrote: bool) -> bool {
    status.is_server_error() && !wrote
}

fn replay(stored: StoredResponse) -> http::Response<Body> {
    let status = StatusCode::from_u16(stored.status_code).unwrap_or(StatusCode::OK);
    let mut response = responses::json(status, stored.body);
    if let Ok(content_type) = HeaderValue::from_str(&stored.content_type) {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
        .headers_mut()
        .insert("idempotency-replayed", HeaderValue::from_static("true"));
    response.extensions_mut().insert(responses::Replayed);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_server_errors_that_wrote_nothing_are_forgotten() {
        assert!(forget(StatusCode::SERVICE_UNAVAILABLE, false));
        // A batch whose first mutation committed before the database went away: a retry must
        // get this answer back, not write the first mutation again.
        assert!(!forget(StatusCode::SERVICE_UNAVAILABLE, true));
        assert!(!forget(StatusCode::OK, false));
        assert!(!forget(StatusCode::BAD_REQUEST, false));
    }
}
