//! Building HTTP responses.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use super::media::ResponseMedia;
use crate::error_code::ErrorCode;

/// The body type of every response.
pub(crate) type Body = Full<Bytes>;

/// A JSON response in `media`.
pub(crate) fn json(status: StatusCode, media: ResponseMedia, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

/// A GraphQL-shaped error that never reached execution:
/// `{"errors":[{"message", "extensions": {"code"}}]}`.
pub(crate) fn graphql_error(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
    media: ResponseMedia,
) -> Response<Body> {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    json(status, media, body.to_string().into_bytes())
}

/// A plain-text response.
pub(crate) fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// An HTML page.
pub(crate) fn html(body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
