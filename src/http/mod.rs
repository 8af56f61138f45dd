//! The HTTP adapter: accepts connections, routes requests, and turns GraphQL-over-HTTP requests
//! into executions of the generated schema. It knows nothing of the database beyond handing the
//! store to the GraphQL context.

mod auth;
mod body;
mod client_addr;
mod cors;
mod execution;
mod graphiql;
mod graphql_endpoint;
mod graphql_request;
mod header_token;
mod idempotency;
pub mod key_cache;
mod media;
pub mod metrics;
pub mod operation_cache;
mod outcome;
mod pages;
pub mod persisted;
pub mod rate_limit;
mod refusal;
mod request_errors;
mod responses;
mod router;
mod shared_rate_limit;
mod stripe_webhook;
mod twilio_status;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use paylink_store::Store;
use tokio::net::TcpListener;

use crate::graphql::{LinkSettings, Schema};
pub use pages::PageRateLimiter;

/// Everything a request handler needs, shared by all connections.
pub struct App {
    /// The executable schema.
    pub schema: Arc<Schema>,
    /// The database.
    pub store: Store,
    /// Public URL settings.
    pub links: Arc<LinkSettings>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Wakes the delivery dispatcher.
    pub deliveries_queued: Arc<tokio::sync::Notify>,
    /// Whether browsers get GraphiQL (its page and the files it loads).
    pub graphiql: bool,
    /// Most operations in one batched request.
    pub max_batch_size: usize,
    /// Largest `variables` of one operation, in bytes of JSON.
    pub max_variables_bytes: usize,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Request and outbox metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Requests per API key.
    pub rate_limiter: rate_limit::RateLimits,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
    /// Recently resolved API keys.
    pub key_cache: key_cache::KeyCache,
    /// Recently validated GraphQL documents.
    pub operations: operation_cache::OperationCache,
    /// Documents clients name by hash or id, and the allow-list.
    pub persisted: persisted::PersistedDocuments,
    /// Origins whose pages may call the API from a browser.
    pub cors_origins: crate::config::CorsOrigins,
    /// Where delivery receipts arrive and how they are checked; `None` refuses them all.
    pub receipts: Option<crate::receipts::Receipts>,
    /// Checkouts and their outcomes.
    pub paying: crate::paying::Paying,
    /// Where the payer's pages are served.
    pub page_paths: PagePaths,
    /// Form posts per client address to the payer's pages.
    pub page_limiter: PageRateLimiter,
    /// What merchant-given URLs may reach (the outbound guard's policy).
    pub outbound: Arc<paylink_outbound::OutboundPolicy>,
}

/// The paths of the public link and session base URLs, under which the payer's pages are
/// served (`/pay` and `/plan` by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagePaths {
    /// Path of `PAYLINK_PUBLIC_LINK_BASE_URL`.
    pub link: String,
    /// Path of `PAYLINK_PUBLIC_SESSION_BASE_URL`.
    pub session: String,
}

impl PagePaths {
    /// The paths of two base URLs.
    pub fn of(link_base_url: &str, session_base_url: &str) -> Self {
        Self {
            link: pages::base_path(link_base_url),
            session: pages::base_path(session_base_url),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish
/// (for a bounded time) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors is transient; back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A response goes out in one write; Nagle's algorithm would only hold back the tail of
        // one larger than a segment until the client's delayed ACK.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, %peer, "TCP_NODELAY could not be set");
        }
        let app = Arc::clone(&app);
        let service = service_fn(move |request| {
            let app = Arc::clone(&app);
            async move { Ok::<_, std::convert::Infallible>(router::handle(&app, peer, request).await) }
        });
        let connection = http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    // Closing the listener now refuses new connections at once; kept open, they would queue in
    // the backlog unanswered until the grace period ran out.
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests still running after the grace period; closing them");
    }
    Ok(())
}
