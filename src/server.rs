//! `paylink serve`: builds the application from the configuration and serves it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use paylink_store::{PoolSettings, Store};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::config::payments::PaymentsProviderConfig;
use crate::dispatch::Dispatcher;
use crate::graphql::{self, LinkSettings};
use crate::http::{self, App};
use crate::paying::{Paying, Provider, TaskRunner};
use crate::receipts::Receipts;

/// A bound, not yet serving, server with its delivery dispatcher and processor task runner.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    dispatcher: Dispatcher,
    task_runner: TaskRunner,
    shutdown_grace: std::time::Duration,
}

impl Server {
    /// Binds the listen address of `config`; the store is shared by all requests.
    pub async fn bind(config: &Config, store: Store) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        crate::outbound::warn_if_loosened(&config.outbound);
        let deliveries_queued = Arc::new(tokio::sync::Notify::new());
        let receipts = receipts(config);
        let dispatcher = Dispatcher::new(
            store.clone(),
            config.delivery.notifier.clone(),
            config.delivery.dispatch.clone(),
            receipts.clone(),
            Arc::clone(&deliveries_queued),
            config.database_url.expose().to_owned(),
        );
        let links = Arc::new(LinkSettings {
            public_link_base_url: config.public_link_base_url.clone(),
            public_session_base_url: config.public_session_base_url.clone(),
        });
        let paying = Paying {
            provider: match &config.payments.provider {
                PaymentsProviderConfig::Test => Provider::Test,
                PaymentsProviderConfig::Stripe(settings) => Provider::Stripe(
                    paylink_payments::Stripe::new(settings.clone())
                        .map_err(std::io::Error::other)?,
                ),
            },
            store: store.clone(),
            links: Arc::clone(&links),
            deliveries_queued: Arc::clone(&deliveries_queued),
            tasks_queued: Arc::new(tokio::sync::Notify::new()),
            checkout_lifetime: config.payments.checkout_lifetime,
        };
        let task_runner = TaskRunner::new(paying.clone());
        let app = App {
            schema: Arc::new(graphql::schema_with(
                config.query_limits,
                config.introspection,
            )),
            store,
            page_paths: crate::http::PagePaths::of(
                &config.public_link_base_url,
                &config.public_session_base_url,
            ),
            links,
            max_body_bytes: config.max_body_bytes,
            deliveries_queued,
            graphiql: config.graphiql,
            max_batch_size: config.max_batch_size,
            max_variables_bytes: config.max_variables_bytes,
            trusted_proxies: config.trusted_proxies.clone(),
            metrics: Arc::new(crate::http::metrics::Metrics::default()),
            rate_limiter: crate::http::rate_limit::RateLimits::new(
                config.rate_limit,
                config.rate_limit_redis_url.as_ref().map(|url| url.expose()),
            )
            .map_err(std::io::Error::other)?,
            idempotency_ttl: config.idempotency_ttl,
            key_cache: crate::http::key_cache::KeyCache::new(config.api_key_cache_ttl),
            operations: crate::http::operation_cache::OperationCache::new(config.query_limits),
            persisted: crate::http::persisted::PersistedDocuments::new(config.allow_list.clone()),
            cors_origins: config.cors_origins.clone(),
            receipts,
            paying,
            page_limiter: crate::http::PageRateLimiter::new(config.payments.page_rate_limit),
            outbound: Arc::new(config.outbound.clone()),
        };
        Ok(Self {
            listener,
            app: Arc::new(app),
            dispatcher,
            task_runner,
            shutdown_grace: config.shutdown_grace,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves and dispatches deliveries until `shutdown` completes. Then, at once, no new
    /// connection is accepted and no delivery claimed; in-flight requests and the deliveries
    /// being sent finish side by side, within one grace period from the signal.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let grace = self.shutdown_grace;
        let (stop, stopped) = tokio::sync::watch::channel(None);
        // Stops claiming and sets the end of the grace period. Only the first call counts, so
        // the second, for a serve loop that ended without the signal, changes nothing otherwise.
        let begin_stopping = || {
            stop.send_if_modified(|deadline| {
                if deadline.is_some() {
                    return false;
                }
                *deadline = Some(tokio::time::Instant::now() + grace);
                true
            });
        };
        let dispatcher = tokio::spawn(self.dispatcher.run(stopped.clone()));
        let task_runner = tokio::spawn(self.task_runner.run(stopped.clone()));
        let maintenance = tokio::spawn(maintain(Arc::clone(&self.app), stopped));
        let signalled = async {
            shutdown.await;
            begin_stopping();
        };
        // The HTTP drain is bounded by the same grace, counted from the same moment.
        let served = http::serve(self.listener, self.app, signalled, grace).await;
        begin_stopping();
        if let Err(error) = dispatcher.await {
            tracing::error!(%error, "the delivery dispatcher panicked");
        }
        if let Err(error) = task_runner.await {
            tracing::error!(%error, "the processor task runner panicked");
        }
        let _ = maintenance.await;
        served
    }
}

/// Where delivery receipts go: only text messages sent through Twilio get them, and only when
/// paylink knows the address Twilio can reach it at.
fn receipts(config: &Config) -> Option<Receipts> {
    let twilio = config.delivery.notifier.twilio_webhooks()?;
    let Some(base) = config.public_base_url.clone() else {
        tracing::warn!(
            "{} is not set: text messages are sent without a StatusCallback, so their deliveries \
             stay Sent and are never Delivered or Undelivered",
            crate::config::settings::PUBLIC_BASE_URL.env
        );
        return None;
    };
    Some(Receipts::new(base, twilio))
}

/// How often housekeeping runs.
const MAINTENANCE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Housekeeping until `stop` holds a deadline: expired idempotency keys and idle rate-limit
/// buckets go.
async fn maintain(
    app: Arc<App>,
    mut stop: tokio::sync::watch::Receiver<Option<tokio::time::Instant>>,
) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(MAINTENANCE_EVERY) => {}
        }
        match app.store.delete_expired_idempotency_keys().await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "deleting expired idempotency keys failed"),
        }
        app.rate_limiter.forget_idle_keys();
        app.page_limiter.forget_idle();
    }
}

/// The pool settings `config` asks for.
pub fn pool_settings(config: &Config) -> PoolSettings {
    PoolSettings {
        max_size: config.pool_size,
        ..PoolSettings::default()
    }
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM).
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("stop signal received");
}
