//! PostgreSQL storage for paylink.
//!
//! Knows the tables and the domain's rows, nothing about GraphQL or HTTP. The service calls whole
//! operations on [`Store`] (`list_links`, `update_contact`, `queue_session_send`,
//! `record_attempt`, ...): each runs on one of the store's own threads, on one pooled
//! connection, so that async workers never wait on the database and no connection leaves the crate. Errors
//! are typed ([`StoreError`]); mapping them to client messages is the caller's job.
//!
//! The synchronous repository functions under each module, which take a diesel connection, are
//! the crate's own. Work that is not the service's (the load benchmark's database ceiling, seeding
//! a test database) opens a [`direct::Connection`] with the `direct` feature.

pub mod api_keys;
pub mod checkouts;
pub mod contacts;
pub mod database;
pub mod deliveries;
#[cfg(feature = "direct")]
pub mod direct;
mod error;
pub mod idempotency;
pub mod listing;
pub mod merchants;
pub mod migrations;
pub mod payment_links;
mod plans;
pub mod processor_tasks;
pub mod queue_listener;
pub mod receipts;
mod schema;
pub mod sending;
pub mod service_fees;
pub mod sessions;
mod sql;
mod threads;
mod value;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::PgConnection;
use diesel::r2d2::Pool;

use plans::Planning;

pub use error::StoreError;
pub use paylink_lifecycle as lifecycle;

/// Settings of the connection pool.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before it fails as unavailable.
    pub connection_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// A pool of PostgreSQL connections; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool<plans::Manager>,
    /// One thread per pooled connection: work waits in their queue, never on the pool.
    threads: Arc<threads::Threads>,
    connection_timeout: Duration,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's own Debug would print the connection URL, which may hold a password.
        let state = self.pool.state();
        f.debug_struct("Store")
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

impl Store {
    /// Makes a pool for `database_url` and starts its threads. Connections are opened lazily,
    /// so this succeeds while the database is down; the first query says so.
    pub fn new(database_url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let manager = plans::Manager::new(database_url);
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(0))
            .connection_timeout(settings.connection_timeout)
            .test_on_check_out(false)
            .build_unchecked(manager);
        Ok(Self {
            pool,
            threads: Arc::new(threads::Threads::start(
                settings.max_size,
                settings.connection_timeout,
            )?),
            connection_timeout: settings.connection_timeout,
        })
    }

    /// Runs `work` with a pooled connection on one of the store's threads ([`threads`]), having
    /// waited at most the pool's connection timeout for a free one. Every operation of the store
    /// runs through here; callers outside the crate use the operations.
    pub(crate) async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.run_planned(Planning::Default, work).await
    }

    /// [`Store::run`], with the connection planning as `planning` says (see [`plans`]).
    pub(crate) async fn run_planned<T, E, F>(&self, planning: Planning, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        // Opening a connection, when the pool has none idle, counts against the same timeout.
        let deadline = Instant::now() + self.connection_timeout;
        self.threads
            .run(move || {
                let remaining = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                let mut pooled = pool.get_timeout(remaining).map_err(StoreError::from)?;
                let conn = pooled.planning(planning).map_err(StoreError::from)?;
                work(conn)
            })
            .await
    }
}

/// A transaction's failure: the store's, or the caller's own from a `change` closure.
pub(crate) enum Failure<E> {
    Store(StoreError),
    Caller(E),
}

impl<E> From<diesel::result::Error> for Failure<E> {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

impl<E> From<StoreError> for Failure<E> {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl<E: From<StoreError>> Failure<E> {
    pub(crate) fn into_caller(self) -> E {
        match self {
            Self::Store(error) => error.into(),
            Self::Caller(error) => error,
        }
    }
}

/// Whether PostgreSQL can hold `text` at all: it refuses NUL characters. The store answers a key
/// with one as absent instead of failing the statement; the domain refuses such input.
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// Connections of the pool right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolState {
    /// Open connections.
    pub connections: u32,
    /// Open connections not in use.
    pub idle_connections: u32,
}

impl Store {
    /// How many connections are open and idle.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle_connections: state.idle_connections,
        }
    }

    /// Whether the database answers and has every migration applied; the error says why not.
    pub async fn readiness(&self) -> Result<(), StoreError> {
        self.run(|conn| {
            let pending = migrations::pending(conn)?;
            if pending.is_empty() {
                Ok(())
            } else {
                Err(StoreError::Migration(format!(
                    "{} migration(s) pending: {}",
                    pending.len(),
                    pending.join(", ")
                )))
            }
        })
        .await
    }
}
