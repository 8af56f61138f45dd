//! Reading request bodies with a size limit, and draining the ones the server refuses.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::refusal::Refusal;

/// How much of an oversized body is read and thrown away before the 413 is sent. A client that is
/// still sending when the server closes the connection would see a reset instead of the 413.
const OVERSIZED_DRAIN_BYTES: usize = 8 * 1024 * 1024;

/// Reads and drops a body the server will not use, up to a bound, so that the client reads the
/// response instead of a connection reset.
pub(super) async fn discard_body(mut body: Incoming) {
    let mut received = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        received = received.saturating_add(frame.data_ref().map_or(0, |data| data.len()));
        if received > OVERSIZED_DRAIN_BYTES {
            break;
        }
    }
}

/// Reads the body, refusing with 413 once it passes `limit` bytes.
pub(super) async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, Refusal> {
    let mut bytes = Vec::new();
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(error) => {
                tracing::debug!(%error, "reading a request body failed");
                return Err(Refusal::bad_request("the request body could not be read"));
            }
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received = received.saturating_add(data.len());
        if received <= limit {
            bytes.extend_from_slice(&data);
        } else if received > limit.saturating_add(OVERSIZED_DRAIN_BYTES) {
            break;
        }
    }
    if received > limit {
        return Err(Refusal::PayloadTooLarge {
            message: format!("the request body is larger than {limit} bytes"),
            // What was not read of the body would be taken for the next request.
            close: true,
        });
    }
    Ok(Bytes::from(bytes))
}
