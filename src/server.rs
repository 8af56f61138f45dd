//! `paylink serve`: builds the application from the configuration and serves it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use paylink_store::{PoolSettings, Store};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::dispatch::Dispatcher;
use crate::graphql::{self, LinkSettings};
use crate::http::{self, App};

/// A bound, not yet serving, server with its delivery dispatcher.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    dispatcher: Dispatcher,
}

impl Server {
    /// Binds the listen address of `config`; the store is shared by all requests.
    pub async fn bind(config: &Config, store: Store) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        let deliveries_queued = Arc::new(tokio::sync::Notify::new());
        let dispatcher = Dispatcher::new(
            store.clone(),
            config.delivery.notifier.clone(),
            config.delivery.dispatch.clone(),
            Arc::clone(&deliveries_queued),
        );
        let app = App {
            schema: Arc::new(graphql::schema()),
            store,
            links: Arc::new(LinkSettings {
                public_link_base_url: config.public_link_base_url.clone(),
                public_session_base_url: config.public_session_base_url.clone(),
            }),
            max_body_bytes: config.max_body_bytes,
            deliveries_queued,
        };
        Ok(Self {
            listener,
            app: Arc::new(app),
            dispatcher,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        http::local_addr(&self.listener)
    }

    /// Serves and dispatches deliveries until `shutdown` completes; then finishes in-flight
    /// requests and the deliveries being sent.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let dispatcher = tokio::spawn(self.dispatcher.run(stopped));
        let served = http::serve(self.listener, self.app, shutdown).await;
        let _ = stop.send(true);
        if let Err(error) = dispatcher.await {
            tracing::error!(%error, "the delivery dispatcher panicked");
        }
        served
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
