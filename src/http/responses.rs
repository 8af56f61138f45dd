//! Building HTTP responses.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// The body type of every response.
pub(crate) type Body = Full<Bytes>;

/// The `Content-Type` of [`json`] responses.
pub(crate) const JSON: &str = "application/json";

/// A JSON response.
pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

/// The `extensions.code` of a request refused before execution, kept on the response (never sent)
/// for the request log and metrics.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefusalCode(pub(crate) &'static str);

/// Marks a response replayed from an earlier request with the same `Idempotency-Key`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Replayed;

/// A GraphQL-shaped error response that never reached execution: `{"errors":[{message, extensions:{code}}]}`.
pub(crate) fn graphql_error(
    status: StatusCode,
    code: &'static str,
    message: &str,
) -> Response<Body> {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    let mut response = json(status, body.to_string().into_bytes());
    response.extensions_mut().insert(RefusalCode(code));
    response
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
