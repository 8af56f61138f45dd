//! `paylink serve`: builds the application from the configuration and serves it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use paylink_store::{PoolSettings, Store};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::graphql::{self, LinkSettings};
use crate::http::{self, App};

/// A bound, not yet serving, server.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Binds the listen address of `config`; the store is shared by all requests.
    pub async fn bind(config: &Config, store: Store) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        let app = App {
            schema: Arc::new(graphql::schema()),
            store,
            links: Arc::new(LinkSettings {
                public_link_base_url: config.public_link_base_url.clone(),
            }),
            max_body_bytes: config.max_body_bytes,
        };
        Ok(Self {
            listener,
            app: Arc::new(app),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        http::local_addr(&self.listener)
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        http::serve(self.listener, self.app, shutdown).await
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
