//! GraphiQL for browsers: its page, answered at the GraphQL endpoint, and the files the page
//! loads, under `paylink_graphiql::ASSET_PATH_PREFIX`. Both exist only while `PAYLINK_GRAPHIQL`
//! is on.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use super::App;
use super::responses::{self, Body};

/// Assets are named by a fingerprint of their contents, so a URL never changes meaning.
const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The page for the endpoint at `endpoint`, under the crate's Content-Security-Policy.
pub(super) fn page(endpoint: &str) -> Response<Body> {
    let mut response = responses::html(paylink_graphiql::page(endpoint));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(paylink_graphiql::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The page names the assets of the build that serves it, so it is asked for every time.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The asset at `path`, or 404 for a name or fingerprint this build does not have, and for
/// every asset while GraphiQL is off.
pub(super) fn asset(app: &App, path: &str) -> Response<Body> {
    let Some(asset) = app
        .graphiql
        .then(|| paylink_graphiql::asset_at(path))
        .flatten()
    else {
        return responses::text(StatusCode::NOT_FOUND, "not found\n");
    };
    let mut response = Response::new(Full::new(Bytes::from_static(asset.bytes)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(ASSET_CACHE_CONTROL),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
