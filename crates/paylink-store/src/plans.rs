//! How PostgreSQL plans the store's prepared statements.
//!
//! Under PostgreSQL's default `plan_cache_mode` (`auto`) a prepared statement is planned anew
//! with its values ("custom" plans) for as long as the planner's estimate of the one generic
//! plan is no better, and for a listing it never is: the largest merchant's rows make the custom
//! plan's estimate cheaper. With 17 indexes on `payment_links` to weigh, that planning was most
//! of PostgreSQL's cost per page (figures in the README's "Benchmarks").
//!
//! So a listing whose one index serves both its order and its filter, whatever the values, asks
//! for [`Planning::Generic`]; a listing filtered on another column than its order (the index to
//! use then depends on how many rows the values match) asks for [`Planning::Custom`]. All other
//! work keeps the connection's default ([`Planning::Default`]: PostgreSQL's `auto`, unless the
//! database or the URL's `options` say otherwise): forcing generic plans on everything cost the
//! outbox's statements a quarter more PostgreSQL time per sent link. A connection
//! remembers its mode and changes it (one `SET`) only when the next work asks for another, so
//! a run of alike requests pays nothing.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection};
use diesel::{Connection as _, ConnectionError, PgConnection, QueryResult};

/// How a connection's statements are planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Planning {
    /// The connection's default, as it was opened: PostgreSQL's `auto` (custom plans until a
    /// generic one looks as good) unless the database or the URL set another.
    Default,
    /// Once per connection and statement, for every value: the best plan is the same for all.
    Generic,
    /// Every time, with the values: which plan is best depends on them.
    Custom,
}

impl Planning {
    /// The statement that makes a connection plan this way.
    pub(crate) fn statement(self) -> &'static str {
        match self {
            Self::Default => "RESET plan_cache_mode",
            Self::Generic => "SET plan_cache_mode = force_generic_plan",
            Self::Custom => "SET plan_cache_mode = force_custom_plan",
        }
    }
}

/// A store connection and the way it plans now.
pub(crate) struct PlannedConnection {
    conn: PgConnection,
    planning: Planning,
}

impl PlannedConnection {
    /// Opens a connection to `url`, planning as its default says.
    pub(crate) fn open(url: &str) -> Result<Self, ConnectionError> {
        Ok(Self {
            conn: PgConnection::establish(url)?,
            planning: Planning::Default,
        })
    }

    /// The connection, planning as `planning` says.
    pub(crate) fn planning(&mut self, planning: Planning) -> QueryResult<&mut PgConnection> {
        if self.planning != planning {
            self.conn.batch_execute(planning.statement())?;
            self.planning = planning;
        }
        Ok(&mut self.conn)
    }
}

/// Opens and checks the pool's connections: diesel's manager for `PgConnection`, around
/// [`PlannedConnection`].
pub(crate) struct Manager {
    url: String,
    inner: ConnectionManager<PgConnection>,
}

impl Manager {
    /// A manager for `url`.
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            inner: ConnectionManager::new(url),
        }
    }
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.write_str("Manager")
    }
}

impl ManageConnection for Manager {
    type Connection = PlannedConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        PlannedConnection::open(&self.url).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        self.inner.is_valid(&mut conn.conn)
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        self.inner.has_broken(&mut conn.conn)
    }
}
