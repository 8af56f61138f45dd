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
use paylink_store::idempotency::{Begin, StoredResponse};
use sha2::{Digest, Sha256};

use super::App;
use super::header_token::header_token;
use super::media::ResponseMedia;
use super::refusal::Refusal;
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
const MALFORMED_KEY: &str = "Idempotency-Key must be 1 to 255 printable ASCII characters";

/// The request's key: `Ok(None)` without one.
pub(super) fn key(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    header_token(value, MAX_KEY_LEN)
        .map(|key| Some(key.to_owned()))
        .ok_or_else(|| Refusal::bad_request(MALFORMED_KEY))
}

/// What to do with a keyed request.
pub(super) enum Decision {
    /// Run it, then [`finish`].
    Run,
    /// Answer with the first request's response again.
    Replay(http::Response<Body>),
}

/// Claims the key for this request, or says how to answer instead.
pub(super) async fn begin(
    app: &App,
    merchant_uid: &str,
    key: &str,
    body: &Bytes,
) -> Result<Decision, Refusal> {
    let hash: Vec<u8> = Sha256::digest(body).to_vec();
    let started = tokio::time::Instant::now();
    loop {
        let begun = app
            .store
            .begin_idempotent(merchant_uid, key, hash.clone(), app.idempotency_ttl, LOCK)
            .await;
        match begun.map_err(|error| Refusal::from_store(error, "claiming an Idempotency-Key"))? {
            Begin::Acquired => return Ok(Decision::Run),
            Begin::Replay(stored) => return Ok(Decision::Replay(replay(stored))),
            Begin::Mismatch => return Err(Refusal::IdempotencyKeyReused),
            Begin::InProgress if started.elapsed() < WAIT => tokio::time::sleep(POLL).await,
            Begin::InProgress => return Err(Refusal::IdempotencyKeyInUse),
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
    let recorded = if forget(parts.status, wrote) {
        app.store.release_idempotent(merchant_uid, key).await
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
            .complete_idempotent(merchant_uid, key, stored)
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
    // The stored content type replaces this one below.
    let mut response = responses::json(status, ResponseMedia::Json, stored.body);
    if let Ok(content_type) = HeaderValue::from_str(&stored.content_type) {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
        .headers_mut()
        .insert("idempotency-replayed", HeaderValue::from_static("true"));
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
