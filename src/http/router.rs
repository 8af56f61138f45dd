//! Routes a request to its handler by path and method.

use std::net::SocketAddr;
use std::time::Instant;

use http::{Method, Request, StatusCode, header};
use hyper::body::Incoming;

use super::App;
use super::graphql_endpoint;
use super::responses::{self, Body};

/// Handles one request and logs its outcome.
pub(super) async fn handle(
    app: &App,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> http::Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = match (request.method(), path.as_str()) {
        (&Method::GET | &Method::POST, "/graphql") => graphql_endpoint::handle(app, request).await,
        (_, "/graphql") => {
            let mut response = responses::graphql_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "use GET or POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, http::HeaderValue::from_static("GET, POST"));
            response
        }
        (&Method::GET | &Method::HEAD, "/healthz") => responses::text(StatusCode::OK, "ok\n"),
        _ => responses::text(StatusCode::NOT_FOUND, "not found\n"),
    };
    tracing::info!(
        %peer,
        %method,
        path,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}
