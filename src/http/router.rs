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
use super::graphql_endpoint::{self, Outcome};
use super::responses::{self, Body, RefusalCode, Replayed};

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
    let mut outcome = Outcome::default();
    let graphql_path = is_graphql_path(&path);
    // Kept for CORS: the handler takes the request.
    let origin = request.headers().get(http::header::ORIGIN).cloned();
    let mut response = match (request.method(), path.as_str()) {
        (method, _) if graphql_path && cors::is_preflight(method, request.headers()) => {
            cors::preflight(&app.cors_origins, request.headers())
        }
        (&Method::GET | &Method::POST, _) if graphql_path => {
            graphql_endpoint::handle(app, request, &mut outcome).await
        }
        (_, _) if graphql_path => graphql_endpoint::wrong_method(request.headers()),
        (&Method::GET | &Method::HEAD, path)
            if path.starts_with(paylink_graphiql::ASSET_PATH_PREFIX) =>
        {
            graphiql::asset(app, path)
        }
        (&Method::GET | &Method::HEAD, "/healthz") => responses::text(StatusCode::OK, "ok\n"),
        (&Method::GET | &Method::HEAD, "/readyz") => match app.store.readiness().await {
            Ok(()) => responses::text(StatusCode::OK, "ready\n"),
            Err(error) => {
                tracing::warn!(%error, "not ready");
                responses::text(StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
            }
        },
        (&Method::GET, "/metrics") => {
            let mut response = responses::text(StatusCode::OK, "");
            *response.body_mut() =
                http_body_util::Full::new(app.metrics.render(&app.store).await.into());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        }
        _ => responses::text(StatusCode::NOT_FOUND, "not found\n"),
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
    if graphql_path {
        if let Some(RefusalCode(code)) = response.extensions().get::<RefusalCode>() {
            outcome.error_codes.push((*code).to_owned());
        }
        let replayed = response.extensions().get::<Replayed>().is_some();
        if replayed {
            outcome.operations = vec!["-".to_owned()];
        }
        let result = if replayed {
            Some("replayed")
        } else if !outcome.operations.is_empty() {
            Some(if status.is_success() && outcome.error_codes.is_empty() {
                "ok"
            } else {
                "error"
            })
        } else if !status.is_success() {
            Some("rejected")
        } else {
            // GraphiQL's page: no GraphQL request at all.
            None
        };
        if let Some(result) = result {
            let operations = if outcome.operations.is_empty() {
                vec!["-".to_owned()]
            } else {
                outcome.operations.clone()
            };
            app.metrics
                .record_request(&operations, result, &outcome.error_codes);
        }
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

/// The client's `X-Request-Id` when it is short and printable, else a new one.
fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_REQUEST_ID_LEN
                && id.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(str::to_owned)
        .unwrap_or_else(|| {
            use rand::distr::{Alphanumeric, SampleString};
            Alphanumeric.sample_string(&mut rand::rng(), 20)
        })
}
