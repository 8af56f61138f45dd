//! Routes a request to its handler by path and method, gives it a request id, and logs and
//! counts its outcome: one log line per request.

use std::net::SocketAddr;
use std::time::Instant;

use http::{HeaderValue, Method, Request, StatusCode, header};
use hyper::body::Incoming;

use super::App;
use super::client_addr::client_addr;
use super::cors;
use super::graphiql;
use super::graphql_endpoint::{self, Handled};
use super::header_token::header_token;
use super::outcome::Outcome;
use super::responses::{self, Body};
use super::twilio_status;
use super::{pages, stripe_webhook};

/// Longest `X-Request-Id` taken from a client; a longer or odd one is replaced.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Where the GraphQL endpoint answers: `/graphql`, and the root, where ClientLoop's API (whose
/// example requests clients copy) has its endpoint.
fn is_graphql_path(path: &str) -> bool {
    path == "/graphql" || path == "/"
}

/// Handles one request.
pub(super) async fn handle(
    app: &App,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> http::Response<Body> {
    let started = Instant::now();
    let request_id = request_id(request.headers());
    let client = client_addr(peer.ip(), request.headers(), &app.trusted_proxies);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let graphql_path = is_graphql_path(&path);
    // Kept for CORS: the handler takes the request.
    let origin = request.headers().get(http::header::ORIGIN).cloned();
    let Handled {
        mut response,
        outcome,
    } = match (request.method(), path.as_str()) {
        (method, _) if graphql_path && cors::is_preflight(method, request.headers()) => {
            not_graphql(cors::preflight(&app.cors_origins, request.headers()))
        }
        (&Method::GET | &Method::POST, _) if graphql_path => {
            graphql_endpoint::handle(app, request).await
        }
        (_, _) if graphql_path => graphql_endpoint::wrong_method(request.headers()),
        (&Method::GET | &Method::HEAD, path)
            if path.starts_with(paylink_graphiql::ASSET_PATH_PREFIX) =>
        {
            not_graphql(graphiql::asset(app, path))
        }
        (_, path) if path.starts_with(crate::receipts::TWILIO_STATUS_PATH) => {
            not_graphql(twilio_status::handle(app, request).await)
        }
        (_, stripe_webhook::PATH) => not_graphql(stripe_webhook::handle(app, request).await),
        (_, path) if pages::handles(app, path) => {
            not_graphql(pages::handle(app, client, request).await)
        }
        (&Method::GET | &Method::HEAD, "/healthz") => {
            not_graphql(responses::text(StatusCode::OK, "ok\n"))
        }
        (&Method::GET | &Method::HEAD, "/readyz") => {
            not_graphql(match app.store.readiness().await {
                Ok(()) => responses::text(StatusCode::OK, "ready\n"),
                Err(error) => {
                    tracing::warn!(%error, "not ready");
                    responses::text(StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
                }
            })
        }
        (&Method::GET, "/metrics") => {
            let mut response = responses::text(StatusCode::OK, "");
            *response.body_mut() =
                http_body_util::Full::new(app.metrics.render(&app.store).await.into());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            not_graphql(response)
        }
        _ => not_graphql(responses::text(StatusCode::NOT_FOUND, "not found\n")),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    if graphql_path {
        cors::allow(&app.cors_origins, origin.as_ref(), &mut response);
    }
    let status = response.status();
    let elapsed = started.elapsed();
    app.metrics.record_latency(elapsed);
    if let Some(result) = outcome.result() {
        app.metrics.record_request(
            &outcome.counted_operations(),
            result,
            outcome.counted_codes(),
        );
    }
    tracing::info!(
        request_id,
        client = %client,
        %method,
        path,
        operation = outcome.operations.join(","),
        merchant = outcome.merchant_uid.as_deref().unwrap_or("-"),
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// A response that is no GraphQL request: counted in latency only.
fn not_graphql(response: http::Response<Body>) -> Handled {
    Handled {
        response,
        outcome: Outcome {
            not_graphql: true,
            ..Outcome::default()
        },
    }
}

/// The client's `X-Request-Id` when it is short and printable, else a new one.
fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|value| header_token(value, MAX_REQUEST_ID_LEN))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            use rand::distr::{Alphanumeric, SampleString};
            Alphanumeric.sample_string(&mut rand::rng(), 20)
        })
}
